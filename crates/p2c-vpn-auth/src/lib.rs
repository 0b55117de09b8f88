//! Authentication for Huawei Cloud APIs: AK/SK request signing
//! (`SDK-HMAC-SHA256`), IAM token authentication, and credential loading.
//!
//! There is no HTTP client in here: [`Signer::sign`] and [`Auth::apply`]
//! work on an [`http::Method`], a [`url::Url`] and an [`http::HeaderMap`],
//! so any client can use them; [`verify()`] checks a received request, for
//! servers and mocks.
//!
//! # The algorithm
//!
//! The signature is byte-identical to the one of Huawei's official SDK
//! (`huaweicloudsdkcore`, `signer/signer.py`); `tests/it/official_vectors.rs`
//! checks that against vectors produced by running the SDK itself
//! (`tests/vectors/make_vectors.sh`). A request is put in a canonical form,
//! hashed, and the hash is authenticated with the secret key (SK):
//!
//! ```text
//! canonical request = METHOD \n URI \n QUERY \n HEADERS \n SIGNED \n PAYLOAD_HASH
//! string to sign    = SDK-HMAC-SHA256 \n X-Sdk-Date \n hex(sha256(canonical request))
//! signature         = hex(HMAC-SHA256(SK, string to sign))
//! Authorization: SDK-HMAC-SHA256 Access=AK, SignedHeaders=h1;h2, Signature=…
//! ```
//!
//! - **URI** ([`canonical::canonical_uri`]): percent-decode the path, split
//!   on `/`, encode each segment keeping only `A-Z a-z 0-9 - _ . ~` (UTF-8,
//!   upper-case hex), rejoin, append `/` when missing. The slash is for
//!   signing only; the request is sent with its own path.
//! - **QUERY** ([`canonical::canonical_query`]): decoded pairs sorted by the
//!   *raw* key, then value (unlike AWS SigV4, which sorts encoded strings),
//!   then encoded as above; `k=` for an empty value.
//! - **HEADERS**: every header present when signing, except names containing
//!   `_`, lower-cased, sorted, values trimmed at both ends, one `name:value\n`
//!   each; SIGNED is their names joined by `;`. `Host` is always signed (taken
//!   from the URL, with the port only when not the scheme's default), and so
//!   is `X-Sdk-Date` (`%Y%m%dT%H%M%SZ`, UTC; gateways reject more than 15
//!   minutes of clock skew).
//! - **PAYLOAD_HASH**: hex SHA-256 of the body (`e3b0c442…b855` when empty).
//!
//! Why this shape: the gateway recomputes the same canonical form from what
//! it receives, so everything a proxy may legitimately rewrite (escaping
//! style, parameter order, header case and padding) is normalised away,
//! while the method, path, parameters, chosen headers, time and body are
//! bound to the key. The date limits replay.
//!
//! # Where the official SDK differs from the usual description
//!
//! Established by running `huaweicloudsdkcore` 3.1.219 (see
//! `tests/vectors/signer_vectors.json`); this crate follows the SDK:
//!
//! - An encoded slash `%2F` in a path segment is decoded *before* splitting,
//!   so it signs as a separator (`/c%2Fd` → `/c/d/`).
//! - When `Content-Type` is present and does not start with
//!   `application/json` or `application/bson`, the SDK adds
//!   `X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD` and uses `UNSIGNED-PAYLOAD` as
//!   the payload hash of a non-empty body. (The SDK checks only a header
//!   spelled exactly `Content-Type`; `http` has no case, so any spelling
//!   counts here.)
//! - The credentials' project id, when set, is sent and signed as
//!   `X-Project-Id` (as `BasicCredentials.sign_request` does); the security
//!   token as `X-Security-Token`, also signed.
//! - Header values are trimmed like Python's `str.strip()` (Unicode white
//!   space and U+001C..U+001F), not only spaces and tabs.
//! - The SDK sends the query in canonical form. This crate signs whatever
//!   query the [`url::Url`] holds (decoded as `application/x-www-form-urlencoded`,
//!   `+` = space); [`canonical::canonicalize_url_query`] rewrites a URL's
//!   query to the SDK's wire form when wanted.
//!
//! Inputs the SDK cannot sign give errors here, never panics: a header to
//! sign with several values or a non-UTF-8 value, a URL without host, a time
//! outside years 1..=9999. An empty path signs as `/` (the SDK fails).
//!
//! # Credentials
//!
//! [`Credentials`] come from code, the environment (`HUAWEICLOUD_SDK_AK`,
//! `HUAWEICLOUD_SDK_SK`, `HUAWEICLOUD_SDK_SECURITY_TOKEN`,
//! `HUAWEICLOUD_SDK_PROJECT_ID`) or an INI file (`[basic]` section of
//! `HUAWEICLOUD_SDK_CREDENTIALS_FILE` or `~/.huaweicloud/credentials`);
//! [`CredentialsChain`] tries them in that order. Secrets are held in
//! [`secrecy::SecretString`]; no `Debug` output or error message of this
//! crate contains a secret key, token or signature, and the `Authorization`,
//! `X-Security-Token` and `X-Auth-Token` header values are marked sensitive.
//!
//! # Example
//!
//! ```
//! use p2c_vpn_auth::{Credentials, Signer};
//! use http::{HeaderMap, Method};
//!
//! let signer = Signer::new(Credentials::new("AK", "SK"));
//! let url = url::Url::parse(
//!     "https://vpn.cn-north-4.myhuaweicloud.com/v5/p/p2c-vpn-gateways/g/connections?limit=100&offset=0",
//! )?;
//! let mut headers = HeaderMap::new();
//! signer.sign(&Method::GET, &url, &mut headers, b"")?;
//! assert!(headers.contains_key("authorization"));
//! assert!(headers.contains_key("x-sdk-date"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

pub mod canonical;
mod credentials;
mod signer;
mod verify;

pub use canonical::CanonicalError;
pub use credentials::{
    Credentials, CredentialsChain, CredentialsError, ENV_AK, ENV_CREDENTIALS_FILE, ENV_PROJECT_ID,
    ENV_SECURITY_TOKEN, ENV_SK, FILE_SECTION, IamToken, env_var,
};
pub use secrecy::SecretString;
pub use signer::{
    Auth, SDK_DATE_FORMAT, SignError, Signer, SigningDetails, format_sdk_date, host_header,
    parse_sdk_date,
};
pub use verify::{VerifiedRequest, VerifyError, verify};

/// The clock skew gateways accept between `X-Sdk-Date` and their own clock.
pub const DEFAULT_MAX_SKEW: std::time::Duration = std::time::Duration::from_secs(15 * 60);
