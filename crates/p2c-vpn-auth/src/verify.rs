//! Server-side check of a signed request (used by the mock server).

use std::time::{Duration, SystemTime};

use hmac::Mac;
use http::header::AUTHORIZATION;
use http::{HeaderMap, Method};
use secrecy::{ExposeSecret, SecretString};

use crate::canonical::{self, CanonicalError};
use crate::signer::{hmac_for, parse_sdk_date};

/// A request whose signature checked out.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerifiedRequest {
    /// The access key that signed it.
    pub access_key: String,
    /// The signed header names, as listed in `Authorization`.
    pub signed_headers: Vec<String>,
    /// The signing time (`X-Sdk-Date`).
    pub signed_at: SystemTime,
}

/// Why a request failed verification. Never contains secrets or signatures.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// No `Authorization` header.
    #[error("missing Authorization header")]
    MissingAuthorization,
    /// `Authorization` is not `SDK-HMAC-SHA256 Access=…, SignedHeaders=…, Signature=…`.
    #[error("malformed Authorization header: {0}")]
    MalformedAuthorization(&'static str),
    /// `Authorization` names another algorithm.
    #[error("unsupported signing algorithm (expected SDK-HMAC-SHA256)")]
    UnsupportedAlgorithm,
    /// No usable `X-Sdk-Date` header.
    #[error("missing X-Sdk-Date header")]
    MissingDate,
    /// `X-Sdk-Date` is not `YYYYMMDDTHHMMSSZ`.
    #[error("malformed X-Sdk-Date header (expected YYYYMMDDTHHMMSSZ)")]
    MalformedDate,
    /// The signing time is too far from now.
    #[error("request time is {skew_secs}s away from server time (max {max_secs}s)")]
    ClockSkew {
        /// Distance between `X-Sdk-Date` and now, in seconds.
        skew_secs: u64,
        /// Allowed distance, in seconds.
        max_secs: u64,
    },
    /// `host` is not among the signed headers.
    #[error("the Host header is not signed")]
    HostNotSigned,
    /// The access key is unknown.
    #[error("unknown access key {access_key}")]
    UnknownAccessKey {
        /// The access key (not a secret).
        access_key: String,
    },
    /// The signature does not match.
    #[error("signature does not match")]
    SignatureMismatch,
    /// The request cannot be canonicalised.
    #[error(transparent)]
    Canonical(#[from] CanonicalError),
}

struct ParsedAuthorization<'a> {
    access: &'a str,
    signed_headers: Vec<&'a str>,
    signature: &'a str,
}

fn parse_authorization(value: &str) -> Result<ParsedAuthorization<'_>, VerifyError> {
    let value = value.trim();
    let (algorithm, rest) = value
        .split_once(' ')
        .ok_or(VerifyError::MalformedAuthorization(
            "no credentials after algorithm",
        ))?;
    if algorithm != canonical::ALGORITHM {
        return Err(VerifyError::UnsupportedAlgorithm);
    }
    let (mut access, mut signed, mut signature) = (None, None, None);
    for part in rest.split(',') {
        let (k, v) = part
            .trim()
            .split_once('=')
            .ok_or(VerifyError::MalformedAuthorization("expected key=value"))?;
        let slot = match k {
            "Access" => &mut access,
            "SignedHeaders" => &mut signed,
            "Signature" => &mut signature,
            _ => return Err(VerifyError::MalformedAuthorization("unknown field")),
        };
        if slot.replace(v).is_some() {
            return Err(VerifyError::MalformedAuthorization("repeated field"));
        }
    }
    let access = access
        .filter(|a| !a.is_empty())
        .ok_or(VerifyError::MalformedAuthorization("missing Access"))?;
    let signed = signed
        .filter(|s| !s.is_empty())
        .ok_or(VerifyError::MalformedAuthorization("missing SignedHeaders"))?;
    let signature = signature.ok_or(VerifyError::MalformedAuthorization("missing Signature"))?;
    let signed_headers: Vec<&str> = signed.split(';').collect();
    if signed_headers.iter().any(|h| h.is_empty()) {
        return Err(VerifyError::MalformedAuthorization(
            "empty signed header name",
        ));
    }
    Ok(ParsedAuthorization {
        access,
        signed_headers,
        signature,
    })
}

/// Checks a received request signed with `SDK-HMAC-SHA256`.
///
/// `path` is the raw request path and `query` the raw query string (without
/// `?`), both as on the wire; `headers` as received (they must include a
/// signed `Host`). `lookup_sk` maps an access key to its secret key.
/// `X-Sdk-Date` must be within `max_skew` of `now` (gateways use 15 minutes).
///
/// The canonical request is rebuilt over the headers *listed* in
/// `SignedHeaders` (in that order), so headers an HTTP client adds after
/// signing do not matter. Signatures are compared in constant time.
#[allow(clippy::too_many_arguments)] // the shape servers call it with
pub fn verify(
    method: &Method,
    path: &str,
    query: Option<&str>,
    headers: &HeaderMap,
    body: &[u8],
    lookup_sk: impl Fn(&str) -> Option<SecretString>,
    now: SystemTime,
    max_skew: Duration,
) -> Result<VerifiedRequest, VerifyError> {
    let auth = headers
        .get(AUTHORIZATION)
        .ok_or(VerifyError::MissingAuthorization)?;
    let auth = std::str::from_utf8(auth.as_bytes())
        .map_err(|_| VerifyError::MalformedAuthorization("not UTF-8"))?;
    let parsed = parse_authorization(auth)?;

    if !parsed
        .signed_headers
        .iter()
        .any(|h| h.eq_ignore_ascii_case("host"))
    {
        return Err(VerifyError::HostNotSigned);
    }

    let date = headers
        .get(canonical::HEADER_SDK_DATE)
        .ok_or(VerifyError::MissingDate)?;
    let date = std::str::from_utf8(date.as_bytes())
        .map_err(|_| VerifyError::MalformedDate)?
        .trim();
    let signed_at = parse_sdk_date(date).ok_or(VerifyError::MalformedDate)?;
    let skew = match now.duration_since(signed_at) {
        Ok(d) => d,
        Err(e) => e.duration(),
    };
    if skew > max_skew {
        return Err(VerifyError::ClockSkew {
            skew_secs: skew.as_secs(),
            max_secs: max_skew.as_secs(),
        });
    }

    let mut signature = [0u8; 32];
    hex::decode_to_slice(parsed.signature, &mut signature)
        .map_err(|_| VerifyError::MalformedAuthorization("Signature is not 64 hex digits"))?;

    let cr = canonical::canonical_request(
        method.as_str(),
        path,
        query,
        headers,
        &parsed.signed_headers,
        body,
    )?;

    let sk = lookup_sk(parsed.access).ok_or_else(|| VerifyError::UnknownAccessKey {
        access_key: parsed.access.to_owned(),
    })?;
    let mut mac = hmac_for(sk.expose_secret());
    mac.update(canonical::string_to_sign(date, &cr).as_bytes());
    mac.verify_slice(&signature)
        .map_err(|_| VerifyError::SignatureMismatch)?;

    Ok(VerifiedRequest {
        access_key: parsed.access.to_owned(),
        signed_headers: parsed
            .signed_headers
            .iter()
            .map(|s| (*s).to_owned())
            .collect(),
        signed_at,
    })
}
