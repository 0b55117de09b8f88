//! The AK/SK signer and the [`Auth`] choice between signing and IAM tokens.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use chrono::{DateTime, Datelike, NaiveDateTime, Timelike, Utc};
use hmac::{Hmac, Mac};
use http::header::{AUTHORIZATION, CONTENT_TYPE, HOST};
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use secrecy::ExposeSecret;
use sha2::Sha256;

use crate::canonical::{self, CanonicalError};
use crate::credentials::{Credentials, IamToken};

type HmacSha256 = Hmac<Sha256>;

/// Format of `X-Sdk-Date`: `%Y%m%dT%H%M%SZ`, UTC.
pub const SDK_DATE_FORMAT: &str = "%Y%m%dT%H%M%SZ";

static X_SDK_DATE: HeaderName = HeaderName::from_static(canonical::HEADER_SDK_DATE);
static X_SECURITY_TOKEN: HeaderName = HeaderName::from_static(canonical::HEADER_SECURITY_TOKEN);
static X_PROJECT_ID: HeaderName = HeaderName::from_static(canonical::HEADER_PROJECT_ID);
static X_SDK_CONTENT_SHA256: HeaderName = HeaderName::from_static(canonical::HEADER_CONTENT_SHA256);
static X_AUTH_TOKEN: HeaderName = HeaderName::from_static("x-auth-token");

/// Why a request could not be signed. Never contains secrets.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// The URL has no host (e.g. `data:` URLs), so no `Host` can be signed.
    #[error("URL has no host; cannot derive the signed Host header")]
    MissingHost,
    /// The signing time is outside years 1..=9999 (or not representable).
    #[error("signing time is out of range for X-Sdk-Date")]
    TimeOutOfRange,
    /// A value (named) cannot be put in an HTTP header.
    #[error("{what} is not a valid HTTP header value")]
    InvalidHeaderValue {
        /// Which value (e.g. `security token`), never its content.
        what: &'static str,
    },
    /// A header cannot be canonicalised.
    #[error(transparent)]
    Canonical(#[from] CanonicalError),
}

/// Formats a time as `X-Sdk-Date` (`%Y%m%dT%H%M%SZ`, UTC, whole seconds).
pub fn format_sdk_date(time: SystemTime) -> Result<String, SignError> {
    let buf = sdk_date_bytes(time)?;
    Ok(std::str::from_utf8(&buf).unwrap_or_default().to_owned())
}

/// `X-Sdk-Date` as ASCII bytes. chrono does the calendar arithmetic; the
/// fixed-width digits are written directly (5x faster than `format`).
fn sdk_date_bytes(time: SystemTime) -> Result<[u8; 16], SignError> {
    let secs = match time.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).ok(),
        Err(e) => {
            let d = e.duration();
            let whole = i64::try_from(d.as_secs()).ok();
            // floor towards the past for times before the epoch
            whole.and_then(|s| s.checked_neg()).and_then(|s| {
                if d.subsec_nanos() > 0 {
                    s.checked_sub(1)
                } else {
                    Some(s)
                }
            })
        }
    };
    let dt = secs
        .and_then(|s| DateTime::<Utc>::from_timestamp(s, 0))
        .ok_or(SignError::TimeOutOfRange)?;
    let year = u32::try_from(dt.year()).map_err(|_| SignError::TimeOutOfRange)?;
    if !(1..=9999).contains(&year) {
        return Err(SignError::TimeOutOfRange);
    }
    let mut buf = *b"00000000T000000Z";
    let mut put = |at: usize, width: usize, mut v: u32| {
        for i in (at..at + width).rev() {
            buf[i] = b'0' + (v % 10) as u8;
            v /= 10;
        }
    };
    put(0, 4, year);
    put(4, 2, dt.month());
    put(6, 2, dt.day());
    put(9, 2, dt.hour());
    put(11, 2, dt.minute());
    put(13, 2, dt.second());
    Ok(buf)
}

/// Parses an `X-Sdk-Date` value. Strict: exactly `YYYYMMDDTHHMMSSZ`.
pub fn parse_sdk_date(value: &str) -> Option<SystemTime> {
    let b = value.as_bytes();
    let shape_ok = b.len() == 16
        && b[..8].iter().all(u8::is_ascii_digit)
        && b[8] == b'T'
        && b[9..15].iter().all(u8::is_ascii_digit)
        && b[15] == b'Z';
    if !shape_ok {
        return None;
    }
    let dt = NaiveDateTime::parse_from_str(value, SDK_DATE_FORMAT).ok()?;
    let secs = dt.and_utc().timestamp();
    if secs >= 0 {
        UNIX_EPOCH.checked_add(std::time::Duration::from_secs(secs.unsigned_abs()))
    } else {
        UNIX_EPOCH.checked_sub(std::time::Duration::from_secs(secs.unsigned_abs()))
    }
}

/// What was signed, for tests and debugging. Holds no secret (the signature
/// itself is only in the `Authorization` header).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SigningDetails {
    /// The canonical request.
    pub canonical_request: String,
    /// The string to sign.
    pub string_to_sign: String,
    /// The signed header names joined by `;`.
    pub signed_headers: String,
}

/// AK/SK signer (`SDK-HMAC-SHA256`), byte-identical to the official SDK's.
///
/// The HMAC key state is computed once here and cloned per signature.
/// `Debug` shows the access key only.
#[derive(Clone)]
pub struct Signer {
    credentials: Credentials,
    mac: HmacSha256,
    auth_prefix: String,
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field("credentials", &self.credentials)
            .finish_non_exhaustive()
    }
}

impl Signer {
    /// A signer for these credentials.
    pub fn new(credentials: Credentials) -> Self {
        let mac = hmac_for(credentials.secret_key().expose_secret());
        let auth_prefix = format!(
            "{} Access={}, SignedHeaders=",
            canonical::ALGORITHM,
            credentials.access_key()
        );
        Self {
            credentials,
            mac,
            auth_prefix,
        }
    }

    /// The credentials this signer uses.
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// Signs a request at the current time. See [`sign_at`](Self::sign_at).
    pub fn sign(
        &self,
        method: &Method,
        url: &url::Url,
        headers: &mut HeaderMap,
        body: &[u8],
    ) -> Result<(), SignError> {
        self.sign_at(method, url, headers, body, SystemTime::now())
    }

    /// Signs a request as of `now`, mutating `headers`:
    ///
    /// 1. removes any previous `Authorization` and `X-Sdk-Date` (a retried
    ///    attempt is signed afresh);
    /// 2. sets `X-Security-Token` when the credentials have a token and
    ///    `X-Project-Id` when they have a project id (replacing any present),
    ///    like the SDK's `BasicCredentials.sign_request`;
    /// 3. when `Content-Type` is present and not `application/json*` or
    ///    `application/bson*`, sets `X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD`
    ///    (SDK behaviour; the body is then not covered by the signature);
    /// 4. inserts `Host` from the URL (with the port only when it is not the
    ///    scheme's default) unless one is present;
    /// 5. sets `X-Sdk-Date`, then `Authorization`.
    ///
    /// Every header present at that point is signed except names containing
    /// `_`, so add all headers you want covered before signing. The URL's
    /// query is decoded like `Url::query_pairs` (`+` is a space).
    ///
    /// Errors (never panics) when the URL has no host, `now` is out of range,
    /// or a header to sign has several values or a non-UTF-8 value; `headers`
    /// may then have been partly updated but holds no `Authorization`.
    pub fn sign_at(
        &self,
        method: &Method,
        url: &url::Url,
        headers: &mut HeaderMap,
        body: &[u8],
        now: SystemTime,
    ) -> Result<(), SignError> {
        self.sign_inner(method, url, headers, body, now).map(|_| ())
    }

    /// Like [`sign_at`](Self::sign_at), also returning what was signed.
    pub fn sign_at_detailed(
        &self,
        method: &Method,
        url: &url::Url,
        headers: &mut HeaderMap,
        body: &[u8],
        now: SystemTime,
    ) -> Result<SigningDetails, SignError> {
        let parts = self.sign_inner(method, url, headers, body, now)?;
        let signed_headers = parts
            .canonical_request
            .rsplit('\n')
            .nth(1)
            .unwrap_or_default()
            .to_owned();
        Ok(SigningDetails {
            string_to_sign: format!(
                "{}\n{}\n{}",
                canonical::ALGORITHM,
                std::str::from_utf8(&parts.date).unwrap_or_default(),
                std::str::from_utf8(&parts.hash).unwrap_or_default()
            ),
            canonical_request: parts.canonical_request,
            signed_headers,
        })
    }

    fn sign_inner(
        &self,
        method: &Method,
        url: &url::Url,
        headers: &mut HeaderMap,
        body: &[u8],
        now: SystemTime,
    ) -> Result<Parts, SignError> {
        headers.remove(AUTHORIZATION);
        headers.remove(&X_SDK_DATE);

        let date_buf = sdk_date_bytes(now)?;
        let date = std::str::from_utf8(&date_buf).map_err(|_| SignError::TimeOutOfRange)?;

        if let Some(token) = self.credentials.security_token() {
            let mut v = HeaderValue::from_str(token.expose_secret()).map_err(|_| {
                SignError::InvalidHeaderValue {
                    what: "security token",
                }
            })?;
            v.set_sensitive(true);
            headers.insert(X_SECURITY_TOKEN.clone(), v);
        }
        if let Some(project) = self.credentials.project_id() {
            let v = HeaderValue::from_str(project)
                .map_err(|_| SignError::InvalidHeaderValue { what: "project id" })?;
            headers.insert(X_PROJECT_ID.clone(), v);
        }
        if let Some(ct) = headers.get(CONTENT_TYPE) {
            let ct = ct.as_bytes();
            if !ct.is_empty()
                && !ct.starts_with(b"application/json")
                && !ct.starts_with(b"application/bson")
            {
                headers.insert(
                    X_SDK_CONTENT_SHA256.clone(),
                    HeaderValue::from_static(canonical::UNSIGNED_PAYLOAD),
                );
            }
        }
        if !headers.contains_key(HOST) {
            headers.insert(HOST, host_header(url)?);
        }
        headers.insert(
            X_SDK_DATE.clone(),
            HeaderValue::from_bytes(&date_buf).map_err(|_| SignError::TimeOutOfRange)?,
        );

        let entries = canonical::signable_headers(headers)?;
        let payload = canonical::payload_hash(headers, body)?;
        let mut cr = String::new();
        canonical::canonical_request_from_entries_into(
            &mut cr,
            method.as_str(),
            url.path(),
            url.query(),
            &entries,
            &payload,
        );
        let mut hash_buf = [0u8; 64];
        let cr_hash = canonical::canonical_request_hash(&cr, &mut hash_buf);

        let mut mac = self.mac.clone();
        mac.update(canonical::ALGORITHM.as_bytes());
        mac.update(b"\n");
        mac.update(date.as_bytes());
        mac.update(b"\n");
        mac.update(cr_hash.as_bytes());
        let sig = mac.finalize().into_bytes();
        let mut sig_hex = [0u8; 64];
        hex::encode_to_slice(sig, &mut sig_hex).map_err(|_| SignError::TimeOutOfRange)?;

        let signed_len: usize = entries.iter().map(|(n, _)| n.len() + 1).sum();
        let mut auth = String::with_capacity(self.auth_prefix.len() + signed_len + 12 + 64);
        auth.push_str(&self.auth_prefix);
        canonical::push_joined_entries(&mut auth, &entries);
        auth.push_str(", Signature=");
        auth.push_str(std::str::from_utf8(&sig_hex).unwrap_or_default());

        let mut auth = HeaderValue::try_from(auth)
            .map_err(|_| SignError::InvalidHeaderValue { what: "access key" })?;
        auth.set_sensitive(true);
        headers.insert(AUTHORIZATION, auth);
        Ok(Parts {
            canonical_request: cr,
            date: date_buf,
            hash: hash_buf,
        })
    }
}

struct Parts {
    canonical_request: String,
    date: [u8; 16],
    hash: [u8; 64],
}

pub(crate) fn hmac_for(sk: &str) -> HmacSha256 {
    // HMAC accepts keys of any length: `new_from_slice` cannot fail here.
    #[allow(clippy::expect_used)]
    <HmacSha256 as Mac>::new_from_slice(sk.as_bytes()).expect("HMAC accepts any key length")
}

/// The `Host` header value for `url`: host, plus `:port` when the port is not
/// the scheme's default (`url` already drops default ports).
pub fn host_header(url: &url::Url) -> Result<HeaderValue, SignError> {
    let host = url.host_str().ok_or(SignError::MissingHost)?;
    let v = match url.port() {
        Some(port) => HeaderValue::try_from(format!("{host}:{port}")),
        None => HeaderValue::from_str(host),
    };
    v.map_err(|_| SignError::MissingHost)
}

/// How requests are authenticated: AK/SK signature or IAM token.
#[derive(Clone, Debug)]
// The signer keeps precomputed HMAC state inline; an `Auth` is built once per
// client, so its size does not matter and boxing would only add a hop.
#[allow(clippy::large_enum_variant)]
pub enum Auth {
    /// Sign each request with `SDK-HMAC-SHA256`.
    AkSk(Signer),
    /// Send an IAM token as `X-Auth-Token`.
    Token(IamToken),
}

impl Auth {
    /// AK/SK signing with these credentials.
    pub fn aksk(credentials: Credentials) -> Self {
        Self::AkSk(Signer::new(credentials))
    }

    /// IAM token authentication.
    pub fn token(token: impl Into<String>) -> Self {
        Self::Token(IamToken::new(token))
    }

    /// Authenticates a request at the current time: signs it (see
    /// [`Signer::sign_at`]) or sets `X-Auth-Token` (marked sensitive).
    pub fn apply(
        &self,
        method: &Method,
        url: &url::Url,
        headers: &mut HeaderMap,
        body: &[u8],
    ) -> Result<(), SignError> {
        match self {
            Self::AkSk(signer) => signer.sign(method, url, headers, body),
            Self::Token(token) => {
                let mut v = HeaderValue::from_str(token.expose())
                    .map_err(|_| SignError::InvalidHeaderValue { what: "IAM token" })?;
                v.set_sensitive(true);
                headers.insert(X_AUTH_TOKEN.clone(), v);
                Ok(())
            }
        }
    }
}
