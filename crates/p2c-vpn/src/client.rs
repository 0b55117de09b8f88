//! [`Client`] and its [`ClientBuilder`]: endpoint, credentials, timeouts and retries.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use p2c_vpn_api::{ClientInfo as _, ClientState, RetryConfig, with_report};
use p2c_vpn_auth::{Auth, Credentials, CredentialsChain};
use tracing::Instrument as _;

use crate::error::{Error, ErrorKind, Result};
use crate::list::ListConnections;
use crate::model::Page;
use crate::region;

/// Environment variable naming the region, read by [`Client::from_env`] and the CLI.
pub const ENV_REGION: &str = "HUAWEICLOUD_SDK_REGION";
/// Environment variable naming an endpoint URL (overrides the region).
pub const ENV_ENDPOINT: &str = "HUAWEICLOUD_SDK_ENDPOINT";

/// Default bound on connecting (TCP + TLS).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default bound on one attempt (send, headers and the whole body).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default bound on a whole call, retries and their waits included.
pub const DEFAULT_OPERATION_TIMEOUT: Duration = Duration::from_secs(120);

/// A client for the P2C VPN gateway connections API. Cheap to clone; clones share the
/// connection pool.
///
/// ```no_run
/// # async fn run() -> p2c_vpn::Result<()> {
/// let client = p2c_vpn::Client::builder()
///     .region("cn-north-4")
///     .project_id("0123456789abcdef0123456789abcdef")
///     .build()?; // credentials from HUAWEICLOUD_SDK_AK/_SK or ~/.huaweicloud/credentials
/// let page = client.connections("gateway-id").limit(10).send().await?;
/// println!("{} of {:?} connections", page.connections.len(), page.total_count);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Client {
    api: p2c_vpn_api::Client,
    project_id: String,
    operation_timeout: Duration,
}

/// Builds a [`Client`]. Every setting has a documented default except where the
/// requests go: set [`region`](Self::region) or [`endpoint`](Self::endpoint).
#[derive(Clone, Debug)]
#[must_use]
pub struct ClientBuilder {
    region: Option<String>,
    endpoint: Option<String>,
    project_id: Option<String>,
    auth: Option<Auth>,
    credentials: Option<Credentials>,
    timeout: Duration,
    connect_timeout: Duration,
    operation_timeout: Duration,
    retry: RetryConfig,
    user_agent: String,
    http_client: Option<reqwest::Client>,
    allow_insecure_http: bool,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self {
            region: None,
            endpoint: None,
            project_id: None,
            auth: None,
            credentials: None,
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            operation_timeout: DEFAULT_OPERATION_TIMEOUT,
            retry: RetryConfig::default(),
            user_agent: concat!("p2c-vpn/", env!("CARGO_PKG_VERSION")).to_owned(),
            http_client: None,
            allow_insecure_http: false,
        }
    }
}

impl ClientBuilder {
    /// Sends requests to the VPN endpoint of this Huawei Cloud region (see [`crate::REGIONS`]).
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// Sends requests to this base URL instead (a private endpoint, a proxy, a mock).
    /// `http://` is refused unless the host is loopback or
    /// [`allow_insecure_http`](Self::allow_insecure_http) is set.
    pub fn endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoint = Some(url.into());
        self
    }

    /// The project ID (default: the credentials' project ID).
    pub fn project_id(mut self, project_id: impl Into<String>) -> Self {
        self.project_id = Some(project_id.into());
        self
    }

    /// AK/SK credentials (default: the provider chain — environment
    /// `HUAWEICLOUD_SDK_AK`/`_SK`/`_SECURITY_TOKEN`/`_PROJECT_ID`, then
    /// `~/.huaweicloud/credentials` or `HUAWEICLOUD_SDK_CREDENTIALS_FILE`).
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// Authenticates with an IAM token (`X-Auth-Token`) instead of AK/SK signing.
    pub fn iam_token(mut self, token: impl Into<String>) -> Self {
        self.auth = Some(Auth::token(token));
        self
    }

    /// Bound on each attempt: sending, response headers and the whole body (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Bound on establishing a connection, TLS included (default 10 s). Ignored when a
    /// custom [`http_client`](Self::http_client) is given: configure it there.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Bound on a whole call including retries and backoff (default 120 s).
    pub fn operation_timeout(mut self, timeout: Duration) -> Self {
        self.operation_timeout = timeout;
        self
    }

    /// Retry policy (default: 3 attempts, 200 ms base, 20 s cap; [`RetryConfig::disabled`]
    /// for none).
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.retry = retry;
        self
    }

    /// The `User-Agent` header (default `p2c-vpn/<version>`). Ignored with a custom
    /// [`http_client`](Self::http_client).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Uses this reqwest client (its pool, proxy and TLS settings). Per-attempt timeouts
    /// and retries still apply.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// Allows `http://` endpoints on non-loopback hosts, i.e. sending credentials' signatures
    /// and connection data unencrypted. Off by default.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// Validates the settings, resolves credentials and builds the client. Makes no request.
    pub fn build(self) -> Result<Client> {
        let base_url = self.base_url()?;
        let (auth, credentials_project) = match (self.auth, self.credentials) {
            (Some(auth), _) => (auth, None),
            (None, explicit) => {
                let credentials = CredentialsChain::default()
                    .with_explicit(explicit)
                    .resolve()
                    .map_err(|e| Error::credentials(e.to_string()).with_source(e))?;
                let project = credentials.project_id().map(str::to_owned);
                (Auth::aksk(credentials), project)
            }
        };
        let project_id = self.project_id.or(credentials_project).ok_or_else(|| {
            Error::credentials(
                "no project ID: set .project_id(..), HUAWEICLOUD_SDK_PROJECT_ID, or project_id in the credentials file",
            )
        })?;
        check_id("project ID", &project_id)?;
        let http = match self.http_client {
            Some(client) => client,
            None => {
                let mut http = reqwest::Client::builder()
                    .connect_timeout(self.connect_timeout)
                    .user_agent(self.user_agent)
                    .pool_idle_timeout(Duration::from_secs(60))
                    // The API never redirects. Following one would re-send the signed
                    // headers (reqwest keeps X-Security-Token across hosts) to wherever it
                    // points.
                    .redirect(reqwest::redirect::Policy::none());
                if base_url.starts_with("http://") {
                    // Plain HTTP never does TLS (and redirects are off), so don't load the
                    // system trust store: ~3 ms of a CLI run (see BENCHMARKS.md).
                    http = http.tls_certs_only(Vec::new());
                }
                http.build().map_err(|e| {
                    Error::invalid_input(format!("cannot build the HTTP client: {e}"))
                        .with_source(e)
                })?
            }
        };
        let state = ClientState::new()
            .with_auth(auth)
            .with_retry(self.retry)
            .with_attempt_timeout(self.timeout);
        Ok(Client {
            api: p2c_vpn_api::Client::new_with_client(&base_url, http, state),
            project_id,
            operation_timeout: self.operation_timeout,
        })
    }

    /// The endpoint as a base URL without trailing slash, after the safety checks.
    fn base_url(&self) -> Result<String> {
        let raw = match (&self.endpoint, &self.region) {
            (Some(endpoint), _) => endpoint.clone(),
            (None, Some(region)) => region::endpoint(region)?,
            (None, None) => {
                return Err(Error::invalid_input(format!(
                    "no endpoint: set .region(..) or .endpoint(..) (or {ENV_REGION} / {ENV_ENDPOINT})"
                )));
            }
        };
        let url = url::Url::parse(raw.trim()).map_err(|e| {
            Error::invalid_input(format!("invalid endpoint URL {raw:?}: {e}")).with_source(e)
        })?;
        if url.query().is_some() || url.fragment().is_some() {
            return Err(Error::invalid_input(format!(
                "endpoint URL {raw:?} must not have a query or fragment"
            )));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Error::invalid_input(
                "endpoint URL must not embed user credentials",
            ));
        }
        match url.scheme() {
            "https" => {}
            "http" if self.allow_insecure_http || is_loopback(&url) => {}
            "http" => {
                return Err(Error::invalid_input(format!(
                    "refusing plain http:// to non-loopback host {:?}: requests would cross the network unencrypted; use https:// or .allow_insecure_http(true)",
                    url.host_str().unwrap_or_default()
                )));
            }
            other => {
                return Err(Error::invalid_input(format!(
                    "endpoint URL scheme {other:?} is not supported (use https://)"
                )));
            }
        }
        Ok(url.as_str().trim_end_matches('/').to_owned())
    }
}

fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

/// Rejects IDs that would change the request's path or query, before anything is sent.
pub(crate) fn check_id(what: &str, id: &str) -> Result<()> {
    let problem = if id.is_empty() {
        Some("is empty".to_owned())
    } else if id == "." || id == ".." {
        // A dot segment: URL normalisation would remove it and change the path.
        Some("is a dot segment".to_owned())
    } else if id.len() > 256 {
        Some(format!("is {} bytes long (at most 256)", id.len()))
    } else {
        id.chars()
            .find(|c| {
                matches!(c, '/' | '?' | '#' | '%' | '\\') || c.is_whitespace() || c.is_control()
            })
            .map(|c| format!("contains {c:?}"))
    };
    match problem {
        None => Ok(()),
        Some(problem) => {
            let shown: String = id.chars().take(64).flat_map(char::escape_default).collect();
            Err(Error::invalid_input(format!(
                "{what} \"{shown}\" {problem}"
            )))
        }
    }
}

impl Client {
    /// A builder with defaults.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client configured from the environment: region from `HUAWEICLOUD_SDK_REGION` or
    /// endpoint from `HUAWEICLOUD_SDK_ENDPOINT`, credentials and project ID from the
    /// provider chain.
    pub fn from_env() -> Result<Self> {
        let mut builder = Self::builder();
        if let Some(endpoint) = env_var(ENV_ENDPOINT)? {
            builder = builder.endpoint(endpoint);
        }
        if let Some(region) = env_var(ENV_REGION)? {
            builder = builder.region(region);
        }
        builder.build()
    }

    /// The project ID requests are made for.
    pub fn project_id(&self) -> &str {
        &self.project_id
    }

    /// The base URL requests go to.
    pub fn endpoint(&self) -> &str {
        self.api.baseurl()
    }

    /// Lists the connections of gateway `gateway_id`: one page with
    /// [`send`](ListConnections::send), or all of them with
    /// [`stream`](ListConnections::stream), [`pages`](ListConnections::pages) or
    /// [`collect_all`](ListConnections::collect_all).
    pub fn connections(&self, gateway_id: impl Into<String>) -> ListConnections {
        ListConnections::new(self.clone(), gateway_id.into())
    }

    /// Fetches one page: the single place a request is made.
    pub(crate) async fn fetch_page(
        &self,
        gateway_id: &str,
        limit: Option<u32>,
        offset: Option<u32>,
    ) -> Result<Page> {
        check_id("gateway ID", gateway_id)?;
        let mut call = self
            .api
            .list_p2c_vgw_connections()
            .project_id(self.project_id.as_str())
            .p2c_vgw_id(gateway_id);
        if let Some(limit) = limit {
            if limit == 0 || limit > i32::MAX as u32 {
                return Err(Error::invalid_input(format!(
                    "limit {limit} is out of range (1..={})",
                    i32::MAX
                )));
            }
            call = call.limit(limit);
        }
        if let Some(offset) = offset {
            let offset = i32::try_from(offset).map_err(|_| {
                Error::invalid_input(format!(
                    "offset {offset} is out of range (0..={})",
                    i32::MAX
                ))
            })?;
            call = call.offset(offset);
        }
        let span = tracing::info_span!(
            "p2c_vpn.list_connections",
            gateway = gateway_id,
            limit,
            offset,
            status = tracing::field::Empty,
            request_id = tracing::field::Empty,
            attempts = tracing::field::Empty,
            elapsed_ms = tracing::field::Empty,
        );
        let started = Instant::now();
        let outcome = tokio::time::timeout(self.operation_timeout, with_report(call.send()))
            .instrument(span.clone())
            .await;
        span.record("elapsed_ms", started.elapsed().as_millis() as u64);
        let Ok((result, report)) = outcome else {
            return Err(Error::operation_timeout(self.operation_timeout));
        };
        span.record("attempts", report.attempts);
        if let Some(status) = report.status {
            span.record("status", status.as_u16());
        }
        let result = match result {
            Ok(response) => {
                let header_id = report.request_id().map(str::to_owned);
                Ok(Page::from_api(response.into_inner(), header_id))
            }
            Err(e) => Err(Error::from_api(e, &report)),
        };
        match &result {
            Ok(page) => {
                if let Some(id) = &page.request_id {
                    span.record("request_id", id.as_str());
                }
            }
            Err(e) => {
                if let Some(id) = e.request_id() {
                    span.record("request_id", id);
                }
                if e.kind() != ErrorKind::InvalidInput {
                    tracing::debug!(parent: &span, error = %e, "call failed");
                }
            }
        }
        result
    }
}

fn env_var(name: &str) -> Result<Option<String>> {
    match std::env::var(name) {
        Ok(v) if v.trim().is_empty() => Ok(None),
        Ok(v) => Ok(Some(v)),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => Err(Error::invalid_input(format!(
            "environment variable {name} is not valid Unicode"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn builder() -> ClientBuilder {
        Client::builder()
            .credentials(Credentials::new("AK", "SK-secret"))
            .project_id("p1")
    }

    #[test]
    fn hostile_ids_are_rejected() {
        for id in [
            "",
            "a/b",
            "a?b",
            "a#b",
            "a%2Fb",
            "a b",
            "a\tb",
            "a\u{0}b",
            "a\\b",
            "x\u{2028}",
            // Found by fuzzing (crates/p2c-vpn-fuzz, cli_parse): sent as
            // /v5/{project}/p2c-vpn-gateways/connections after dot-segment removal.
            ".",
            "..",
        ] {
            let err = check_id("gateway ID", id).expect_err(id);
            assert_eq!(err.kind(), ErrorKind::InvalidInput, "{id:?}");
        }
        assert!(check_id("gateway ID", &"a".repeat(300)).is_err());
        check_id("gateway ID", "0f2c5a4e-6b0d-4c5e-9a8f-1c2d3e4f5a6b").expect("uuid is fine");
    }

    #[test]
    fn plain_http_only_to_loopback_unless_opted_in() {
        builder()
            .endpoint("http://127.0.0.1:9")
            .build()
            .expect("loopback v4");
        builder()
            .endpoint("http://[::1]:9")
            .build()
            .expect("loopback v6");
        builder()
            .endpoint("http://localhost:9")
            .build()
            .expect("localhost");
        let err = builder()
            .endpoint("http://vpn.example.com")
            .build()
            .expect_err("remote http");
        assert!(err.to_string().contains("allow_insecure_http"), "{err}");
        builder()
            .endpoint("http://vpn.example.com")
            .allow_insecure_http(true)
            .build()
            .expect("opted in");
        builder().endpoint("ftp://x").build().expect_err("scheme");
        builder()
            .endpoint("https://u:p@x")
            .build()
            .expect_err("userinfo");
        builder()
            .endpoint("not a url")
            .build()
            .expect_err("garbage");
    }

    #[test]
    fn region_or_endpoint_is_required_and_checked() {
        let err = builder().build().expect_err("nowhere to send");
        assert!(err.to_string().contains(".region"), "{err}");
        let client = builder().region("ap-southeast-1").build().expect("region");
        assert_eq!(
            client.endpoint(),
            "https://vpn.ap-southeast-1.myhuaweicloud.com"
        );
        let err = builder()
            .region("ap-southeast-9")
            .build()
            .expect_err("unknown");
        assert!(err.to_string().contains("did you mean"), "{err}");
    }

    #[test]
    fn project_id_comes_from_credentials_when_not_set() {
        let client = Client::builder()
            .region("cn-north-4")
            .credentials(Credentials::new("AK", "SK").with_project_id("from-creds"))
            .build()
            .expect("builds");
        assert_eq!(client.project_id(), "from-creds");
        let err = builder()
            .project_id("bad/id")
            .region("cn-north-4")
            .build()
            .expect_err("hostile");
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
    }

    #[test]
    fn debug_shows_no_secret() {
        let client = Client::builder()
            .region("cn-north-4")
            .credentials(
                Credentials::new("AK-visible", "SK-very-secret")
                    .with_security_token("TOKEN-secret"),
            )
            .project_id("p1")
            .build()
            .expect("builds");
        let shown = format!("{client:?}");
        assert!(
            !shown.contains("SK-very-secret") && !shown.contains("TOKEN-secret"),
            "{shown}"
        );
        let token_client = builder()
            .iam_token("IAM-secret-token")
            .region("cn-north-4")
            .build()
            .expect("builds");
        assert!(!format!("{token_client:?}").contains("IAM-secret-token"));
    }
}
