//! The crate's one error type.
//!
//! Every failure (bad input, missing credentials, transport, timeout, a service error in any
//! of Huawei's body forms, an undecodable body) becomes an [`Error`] whose
//! [`kind`](Error::kind) says what to do about it and whose `Display` is one actionable line.

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use p2c_vpn_api::{CallReport, ResponseValue};
use reqwest::StatusCode;
use serde_json::Value;

/// How much of a server's message `Display` shows (the accessor has all of it).
const DISPLAY_MESSAGE_CHARS: usize = 300;

/// How much of a non-JSON error body is kept.
const BODY_SNIPPET_BYTES: usize = 512;

/// What kind of failure an [`Error`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The caller passed something unusable (a hostile ID, an unknown region, a bad URL);
    /// nothing was sent.
    InvalidInput,
    /// No usable credentials or project ID, or the request could not be signed.
    Credentials,
    /// The service rejected the credentials or signature (HTTP 401 or 403).
    Unauthorized,
    /// The service answered with an error status (other than 401, 403 and 429).
    Service,
    /// The service is throttling (HTTP 429) and retries did not get through.
    Throttled,
    /// An attempt or the whole operation took longer than allowed.
    Timeout,
    /// No connection could be made (DNS, refused, TLS handshake).
    Connect,
    /// The connection failed after it was made (reset, body cut off).
    Network,
    /// The response body is not what the API documents; names the JSON path when it can.
    Decode,
    /// The server paged inconsistently (e.g. ignored `offset`, returning the same page).
    Pagination,
}

impl ErrorKind {
    /// The kind in words, as `Display` of an [`Error`] without a status starts.
    fn label(self) -> &'static str {
        match self {
            Self::InvalidInput => "invalid input",
            Self::Credentials => "credentials",
            Self::Unauthorized => "unauthorized",
            Self::Service => "service error",
            Self::Throttled => "throttled",
            Self::Timeout => "timeout",
            Self::Connect => "cannot connect",
            Self::Network => "network error",
            Self::Decode => "invalid response",
            Self::Pagination => "pagination error",
        }
    }

    /// A stable `snake_case` name for the kind, for metric labels and machine-readable
    /// output (the exporter's `p2c_vpn_api_errors_total{kind=...}`).
    pub fn name(self) -> &'static str {
        match self {
            Self::InvalidInput => "invalid_input",
            Self::Credentials => "credentials",
            Self::Unauthorized => "unauthorized",
            Self::Service => "service_error",
            Self::Throttled => "throttled",
            Self::Timeout => "timeout",
            Self::Connect => "connect_error",
            Self::Network => "network_error",
            Self::Decode => "invalid_response",
            Self::Pagination => "pagination_error",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// The client setting, or call argument, that an [`ErrorKind::InvalidInput`] error is
/// about ([`Error::setting`]): a front end (the CLI, say) names its own flag for it instead
/// of reading the message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Setting {
    /// Where requests go: [`ClientBuilder::endpoint`](crate::ClientBuilder::endpoint) or
    /// `HUAWEICLOUD_SDK_ENDPOINT`.
    Endpoint,
    /// [`ClientBuilder::region`](crate::ClientBuilder::region) or `HUAWEICLOUD_SDK_REGION`.
    Region,
    /// [`ClientBuilder::iam_endpoint`](crate::ClientBuilder::iam_endpoint) or
    /// `HUAWEICLOUD_SDK_IAM_ENDPOINT`.
    IamEndpoint,
    /// [`ClientBuilder::project_id`](crate::ClientBuilder::project_id),
    /// `HUAWEICLOUD_SDK_PROJECT_ID` or `project_id` in the credentials file.
    ProjectId,
    /// A gateway's ID or name given to a call.
    Gateway,
    /// A connection ID given to [`Client::disconnect`](crate::Client::disconnect).
    ConnectionId,
    /// A listing's `limit` (page size).
    Limit,
    /// A listing's `offset`.
    Offset,
    /// A log group or log stream ID of a [`LogConfig`](crate::LogConfig).
    LogConfig,
}

/// What to do about an error, in terms of settings ([`Error::hint`]): `Display` words it
/// with the builder's methods; a front end words it with its own flags.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Hint {
    /// Set the region or the endpoint (`HUAWEICLOUD_SDK_REGION` / `HUAWEICLOUD_SDK_ENDPOINT`).
    SetRegionOrEndpoint,
    /// Set the project ID (`HUAWEICLOUD_SDK_PROJECT_ID`, the credentials file), or a
    /// region to look it up for through IAM.
    SetProjectIdOrRegion,
    /// Use `https://`, or allow plain HTTP explicitly.
    AllowInsecureHttp,
    /// Check the region, or set the project ID (`HUAWEICLOUD_SDK_PROJECT_ID`).
    CheckRegionOrSetProjectId,
    /// Several projects match: set the project ID to pick one.
    SetProjectIdToPickOne,
}

impl Hint {
    /// The remedy in the library's words (its builder methods and environment variables).
    fn library_words(self) -> String {
        use p2c_vpn_auth::ENV_PROJECT_ID;
        match self {
            Self::SetRegionOrEndpoint => format!(
                "set .region(..) or .endpoint(..) (or {} / {})",
                crate::ENV_REGION,
                crate::ENV_ENDPOINT
            ),
            Self::SetProjectIdOrRegion => format!(
                "set .project_id(..), {ENV_PROJECT_ID} or project_id in the credentials file, \
                 or .region(..) (the region names the project to look up through IAM)"
            ),
            Self::AllowInsecureHttp => "or allow it with .allow_insecure_http(true)".to_owned(),
            Self::CheckRegionOrSetProjectId => format!(
                "check the region, or set the project ID (.project_id(..) or {ENV_PROJECT_ID})"
            ),
            Self::SetProjectIdToPickOne => {
                format!("set the project ID (.project_id(..) or {ENV_PROJECT_ID}) to pick one")
            }
        }
    }
}

/// What a listing stopped at ([`Error::limit`]): one of its caps on what it receives in
/// all, whatever page size the server chooses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ListingLimit {
    /// Pages received ([`ListConnections::max_pages`](crate::ListConnections::max_pages)).
    Pages(u64),
    /// Records received ([`ListConnections::max_records`](crate::ListConnections::max_records)).
    Records(u64),
    /// Response body bytes received in all
    /// ([`ListConnections::max_bytes`](crate::ListConnections::max_bytes)).
    Bytes(u64),
    /// Bytes of one page marker ([`ListingLimits::max_marker_bytes`](crate::ListingLimits::max_marker_bytes)).
    MarkerBytes(u64),
}

/// The error returned by every fallible call in this crate.
pub struct Error {
    kind: ErrorKind,
    message: String,
    status: Option<StatusCode>,
    /// Boxed (16 bytes, not 24): `Error` stays small enough to return by value.
    error_code: Option<Box<str>>,
    request_id: Option<Box<str>>,
    attempts: u32,
    setting: Option<Setting>,
    /// What to do about it, shown by `Display` after the message in the library's words.
    hint: Option<Hint>,
    /// Boxed: rare, and `Error` stays small enough to return by value everywhere.
    limit: Option<Box<ListingLimit>>,
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            status: None,
            error_code: None,
            request_id: None,
            attempts: 0,
            setting: None,
            hint: None,
            limit: None,
            source: None,
        }
    }

    /// An invalid or missing `setting` (nothing was sent).
    pub(crate) fn invalid_setting(setting: Setting, message: impl Into<String>) -> Self {
        let mut err = Self::new(ErrorKind::InvalidInput, message);
        err.setting = Some(setting);
        err
    }

    /// Adds what to do about it, shown by `Display` after the message.
    pub(crate) fn with_hint(mut self, hint: Hint) -> Self {
        self.hint = Some(hint);
        self
    }

    /// Marks the setting the error is about.
    pub(crate) fn about(mut self, setting: Setting) -> Self {
        self.setting = Some(setting);
        self
    }

    /// A listing stopped at one of its caps.
    pub(crate) fn limit_reached(limit: ListingLimit, message: impl Into<String>) -> Self {
        let mut err = Self::new(ErrorKind::Pagination, message);
        err.limit = Some(Box::new(limit));
        err
    }

    pub(crate) fn invalid_input(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidInput, message)
    }

    pub(crate) fn credentials(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Credentials, message)
    }

    pub(crate) fn pagination(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Pagination, message)
    }

    /// The whole operation ran past `limit`; `report` holds what the attempts got so far.
    pub(crate) fn operation_timeout(limit: Duration, report: &CallReport) -> Self {
        // `Display` adds the attempt count.
        let last = report
            .status
            .map(|s| format!("; the last answer was HTTP {}", s.as_u16()))
            .unwrap_or_default();
        let mut err = Self::new(
            ErrorKind::Timeout,
            format!("operation timed out after {limit:?}{last} (raise the operation timeout?)"),
        );
        err.attempts = report.attempts;
        err.request_id = report
            .request_id()
            .map(|id| one_line(id.to_owned()).into_boxed_str());
        err
    }

    pub(crate) fn with_source(
        mut self,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        self.source = Some(Box::new(source));
        self
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The HTTP status of the final response, if one arrived.
    pub fn status(&self) -> Option<StatusCode> {
        self.status
    }

    /// Huawei's error code (`VPN.0004`, `APIGW.0301`, ...), if the body had one.
    pub fn error_code(&self) -> Option<&str> {
        self.error_code.as_deref()
    }

    /// The human-readable message: the service's own for service errors.
    pub fn error_message(&self) -> &str {
        &self.message
    }

    /// The request ID: the `X-Request-Id` response header, else the body's `request_id`.
    /// Quote it when asking Huawei support about a failed call.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// The setting or argument an [`ErrorKind::InvalidInput`] (or project lookup) error is
    /// about, for a front end that names its own flag or variable for it.
    pub fn setting(&self) -> Option<Setting> {
        self.setting
    }

    /// What to do about the error, in terms of settings (`Display` words it with the
    /// builder's methods; [`error_message`](Self::error_message) leaves it out).
    pub fn hint(&self) -> Option<Hint> {
        self.hint
    }

    /// The cap a listing stopped at ([`ErrorKind::Pagination`]), if that is why it stopped.
    pub fn limit(&self) -> Option<ListingLimit> {
        self.limit.as_deref().copied()
    }

    /// Attempts made (0 when the call failed before sending anything), counting one cut
    /// short by the operation timeout.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Whether trying again later could succeed (throttling, timeouts, transport errors,
    /// 5xx). The client has already retried these per its `RetryConfig`.
    pub fn is_retryable(&self) -> bool {
        match self.kind {
            ErrorKind::Throttled | ErrorKind::Timeout | ErrorKind::Connect | ErrorKind::Network => {
                true
            }
            ErrorKind::Service => self
                .status
                .is_some_and(p2c_vpn_api::RetryConfig::is_retryable_status),
            _ => false,
        }
    }

    /// Builds the error for a failed generated call, using the raw facts in `report`
    /// (status and headers the generated error may have dropped).
    pub(crate) fn from_api<T, E>(error: p2c_vpn_api::Error<E>, report: &CallReport) -> Self
    where
        T: serde::de::DeserializeOwned,
        E: serde::Serialize,
    {
        use p2c_vpn_api::Error as E;
        let mut err = match error {
            E::InvalidRequest(message) => Self::invalid_input(message),
            E::Custom(message) => Self::credentials(message),
            E::CommunicationError(e) | E::ResponseBodyError(e) | E::InvalidUpgrade(e) => {
                Self::transport(e)
            }
            E::ErrorResponse(response) => Self::from_error_body(response),
            E::InvalidResponsePayload(body, e) => match report.status {
                Some(status) if !status.is_success() => {
                    Self::from_raw_error(status, &body, report.request_id())
                }
                _ => Self::decode::<T>(&body, e, report.status),
            },
            E::UnexpectedResponse(response) => {
                let status = response.status();
                // Redirects are never followed (they would carry the signed headers):
                // say where it pointed, without any user-info part.
                let location = response
                    .headers()
                    .get(reqwest::header::LOCATION)
                    .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                    .map(|l| format!(" (a redirect to {:?}, not followed)", without_userinfo(&l)))
                    .unwrap_or_default();
                Self::service(
                    status,
                    None,
                    format!("unexpected HTTP status {status}{location}"),
                    None,
                )
            }
        };
        if err.kind == ErrorKind::Unauthorized
            && let Some(hint) = clock_hint(&report.headers, &err.message)
        {
            err.message.push_str(&hint);
        }
        err.attempts = report.attempts;
        if let Some(id) = report.request_id() {
            err.request_id = Some(id.into());
        }
        err
    }

    fn transport(e: reqwest::Error) -> Self {
        if let Some(exceeded) = find_source::<p2c_vpn_api::LimitExceeded>(&e) {
            let message = exceeded.to_string();
            return Self::new(ErrorKind::Decode, message).with_source(e);
        }
        if let Some(reason) = p2c_vpn_api::certificate_problem(&e) {
            let host = e
                .url()
                .and_then(|u| u.host_str())
                .unwrap_or("the server")
                .to_owned();
            return Self::new(
                ErrorKind::Connect,
                format!("certificate for {host} not trusted: {reason}"),
            )
            .with_source(e);
        }
        let kind = if e.is_timeout() {
            ErrorKind::Timeout
        } else if e.is_connect() {
            ErrorKind::Connect
        } else {
            ErrorKind::Network
        };
        // reqwest's Display includes the URL, which holds only IDs (no secrets; the
        // signature travels in a header). The chain adds the cause (refused, reset...).
        let mut message = e.to_string();
        let mut cause = std::error::Error::source(&e);
        while let Some(c) = cause {
            message.push_str(": ");
            message.push_str(&c.to_string());
            cause = c.source();
        }
        Self::new(kind, message).with_source(e)
    }

    fn service(
        status: StatusCode,
        code: Option<String>,
        message: String,
        request_id: Option<String>,
    ) -> Self {
        let kind = match status.as_u16() {
            401 | 403 => ErrorKind::Unauthorized,
            429 => ErrorKind::Throttled,
            _ => ErrorKind::Service,
        };
        // Server-supplied text: keep `Display` one line and free of terminal escapes.
        let mut err = Self::new(kind, one_line(message));
        err.status = Some(status);
        err.error_code = code.map(|c| one_line(c).into_boxed_str());
        err.request_id = request_id.map(|id| one_line(id).into_boxed_str());
        err
    }

    fn from_error_body<E: serde::Serialize>(response: ResponseValue<E>) -> Self {
        let status = response.status();
        let header_id = p2c_vpn_api::params::request_id(response.headers()).map(str::to_owned);
        // Every spec's error schema admits Huawei's body forms; read them all one way. The
        // body itself is not parsed again: the generated code's typed value is converted.
        let fields = serde_json::to_value(response.into_inner())
            .map(ErrorFields::from_value)
            .unwrap_or_default();
        let message = fields.message.unwrap_or_else(|| default_message(status));
        Self::service(
            status,
            fields.code,
            message,
            header_id.or(fields.request_id),
        )
    }

    /// An error status whose body did not decode as the error schema: a proxy's HTML page,
    /// or JSON with unexpected types. Still extract what we can.
    ///
    /// The body is parsed here once, and only when it can be a JSON object (a proxy's HTML
    /// page is not parsed at all); the facts no generated error carries (status, headers,
    /// attempts) come from the hooks' report, not from the body.
    fn from_raw_error(status: StatusCode, body: &[u8], header_id: Option<&str>) -> Self {
        let fields = (first_token(body) == Some(b'{'))
            .then(|| serde_json::from_slice::<Value>(body).ok())
            .flatten()
            .map(ErrorFields::from_value)
            .unwrap_or_default();
        let message = fields
            .message
            .or_else(|| snippet(body))
            .unwrap_or_else(|| default_message(status));
        Self::service(
            status,
            fields.code,
            message,
            header_id.map(str::to_owned).or(fields.request_id),
        )
    }

    /// A required part of a successful response is missing.
    /// A body that decoded but contradicts the request (another gateway than the one asked).
    pub(crate) fn decode_mismatch(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Decode, message)
    }

    pub(crate) fn decode_missing(field: &str) -> Self {
        Self::new(
            ErrorKind::Decode,
            format!("invalid response: the body has no `{field}`"),
        )
    }

    fn decode<T: serde::de::DeserializeOwned>(
        body: &Bytes,
        error: serde_json::Error,
        status: Option<StatusCode>,
    ) -> Self {
        // The generated code reports only line/column; decode again to name the field, but
        // only when there is a field to name (a body that is no JSON object or array fails
        // at its first byte, where the path is always `.`).
        let located = matches!(first_token(body), Some(b'{' | b'[')).then(|| {
            let mut de = serde_json::Deserializer::from_slice(body);
            serde_path_to_error::deserialize::<_, T>(&mut de)
        });
        // The path can hold object keys from the body, with any character: one line.
        let detail = one_line(match located {
            Some(Err(e)) if e.path().to_string() != "." => format!("{}: {}", e.path(), e.inner()),
            _ => error.to_string(),
        });
        let status = status
            .map(|s| format!(" (HTTP {})", s.as_u16()))
            .unwrap_or_default();
        let head = snippet(body)
            .map(|s| {
                let short: String = s.chars().take(80).collect();
                format!("; body starts with {short:?}")
            })
            .unwrap_or_else(|| "; body is empty".to_owned());
        Self::new(
            ErrorKind::Decode,
            format!("cannot decode the response{status}: {detail}{head}"),
        )
        .with_source(error)
    }
}

/// The first byte of `body` that is not JSON whitespace.
fn first_token(body: &[u8]) -> Option<u8> {
    body.iter()
        .copied()
        .find(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
}

/// The first error of type `T` in `e`'s source chain.
fn find_source<'a, T: std::error::Error + 'static>(
    e: &'a (dyn std::error::Error + 'static),
) -> Option<&'a T> {
    let mut cause: Option<&'a (dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cause {
        if let Some(found) = c.downcast_ref::<T>() {
            return Some(found);
        }
        cause = c.source();
    }
    None
}

/// `url` without `user:password@`.
fn without_userinfo(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if !parsed.username().is_empty() || parsed.password().is_some() => {
            let _ = parsed.set_username("");
            let _ = parsed.set_password(None);
            parsed.to_string()
        }
        _ => url.chars().take(200).collect(),
    }
}

/// Signatures are valid for 15 minutes around the server's clock: when a 401/403 comes with
/// a `Date` more than 5 minutes from ours (or the service says the request expired), say
/// how far off the local clock is.
fn clock_hint(headers: &reqwest::header::HeaderMap, message: &str) -> Option<String> {
    let server = headers
        .get(reqwest::header::DATE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| httpdate::parse_http_date(v).ok());
    let skew = server.map(|server| {
        let now = std::time::SystemTime::now();
        match now.duration_since(server) {
            Ok(ahead) => (ahead, "ahead of"),
            Err(e) => (e.duration(), "behind"),
        }
    });
    let expired = message.to_ascii_lowercase().contains("expire");
    match skew {
        Some((by, direction)) if by > Duration::from_secs(300) => Some(format!(
            " — the local clock is {} {direction} the server's (signatures are valid for \
             15 minutes): check the system clock",
            humanize(by)
        )),
        _ if expired => Some(
            " — the signature's date was refused: check that the system clock is right".to_owned(),
        ),
        _ => None,
    }
}

fn humanize(d: Duration) -> String {
    let secs = d.as_secs();
    match secs {
        0..=59 => format!("{secs}s"),
        60..=3599 => format!("{}m {}s", secs / 60, secs % 60),
        _ => format!("{}h {}m", secs / 3600, secs % 3600 / 60),
    }
}

fn default_message(status: StatusCode) -> String {
    match status.canonical_reason() {
        Some(reason) => format!("HTTP {} {reason}", status.as_u16()),
        None => format!("HTTP {}", status.as_u16()),
    }
}

/// `text` with control characters (line breaks, tabs, escapes) replaced by spaces.
fn one_line(text: String) -> String {
    if text.chars().any(char::is_control) {
        text.chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect()
    } else {
        text
    }
}

/// The first bytes of a body as single-line text, or `None` if there is nothing printable.
fn snippet(body: &[u8]) -> Option<String> {
    let head = &body[..body.len().min(BODY_SNIPPET_BYTES)];
    let text = String::from_utf8_lossy(head);
    let text: String = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .filter(|c| !c.is_control())
        .collect();
    (!text.is_empty()).then_some(text)
}

/// Code, message and request ID from any of Huawei's error body forms.
#[derive(Default)]
struct ErrorFields {
    code: Option<String>,
    message: Option<String>,
    request_id: Option<String>,
}

impl ErrorFields {
    /// Lenient: accepts numbers where strings are documented.
    fn from_value(value: Value) -> Self {
        let text = |v: Option<&Value>| match v {
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        };
        let nested = value.get("error");
        Self {
            code: text(value.get("error_code"))
                .or_else(|| text(value.get("code")))
                .or_else(|| text(nested.and_then(|n| n.get("code")))),
            message: text(value.get("error_msg"))
                .or_else(|| text(value.get("message")))
                .or_else(|| text(nested.and_then(|n| n.get("message")))),
            request_id: text(value.get("request_id")),
        }
    }
}

impl From<p2c_vpn_auth::CredentialsError> for Error {
    fn from(e: p2c_vpn_auth::CredentialsError) -> Self {
        Self::credentials(e.to_string()).with_source(e)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.status {
            Some(status) => write!(f, "HTTP {}", status.as_u16())?,
            None => f.write_str(self.kind.label())?,
        }
        if let Some(code) = &self.error_code {
            write!(f, " {code}")?;
        }
        // Server-supplied text can be long: `Display` keeps one readable line;
        // `error_message()` has it all.
        let cut = self
            .status
            .and_then(|_| self.message.char_indices().nth(DISPLAY_MESSAGE_CHARS));
        match cut {
            Some((cut, _)) => write!(f, ": {}…", &self.message[..cut])?,
            None => write!(f, ": {}", self.message)?,
        }
        if let Some(hint) = self.hint {
            write!(f, "; {}", hint.library_words())?;
        }
        let mut extra = Vec::new();
        if let Some(id) = &self.request_id {
            extra.push(format!("request id {id}"));
        }
        match self.attempts {
            // A timeout says how far it got, even on the first attempt.
            1 if self.kind == ErrorKind::Timeout => extra.push("after 1 attempt".to_owned()),
            0 | 1 => {}
            n => extra.push(format!("after {n} attempts")),
        }
        if !extra.is_empty() {
            write!(f, " ({})", extra.join(", "))?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.kind)
            .field("status", &self.status)
            .field("error_code", &self.error_code)
            .field("message", &self.message)
            .field("request_id", &self.request_id)
            .field("attempts", &self.attempts)
            .field("setting", &self.setting)
            .field("hint", &self.hint)
            .field("limit", &self.limit)
            .finish_non_exhaustive()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

#[cfg(test)]
mod tests;
