//! Pure canonicalisation functions of the `SDK-HMAC-SHA256` scheme.
//!
//! Everything here is deterministic, allocation-light and total: no function
//! panics, whatever the input (hostile paths, invalid percent escapes,
//! non-UTF-8 header values). Functions that can meet input the scheme cannot
//! represent return [`CanonicalError`]. They are public so that they can be
//! tested and fuzzed on their own; [`Signer`](crate::Signer) and
//! [`verify`](crate::verify()) are built from them.
//!
//! Each function mirrors one method of `huaweicloudsdkcore.signer.Signer`
//! (Python SDK); the doc of each names it and any deliberate difference.

use std::borrow::Cow;
use std::fmt::Write as _;

use http::HeaderMap;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use sha2::{Digest, Sha256};

/// The algorithm name, first line of the string to sign and first word of
/// the `Authorization` header.
pub const ALGORITHM: &str = "SDK-HMAC-SHA256";

/// Hex SHA-256 of the empty string: the payload hash of a request without body.
pub const EMPTY_PAYLOAD_SHA256: &str =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// Value of `X-Sdk-Content-Sha256` that the official SDK sets for bodies whose
/// `Content-Type` is neither JSON nor BSON; it then stands for the payload hash.
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

/// Name (lower case) of the header carrying the request time.
pub const HEADER_SDK_DATE: &str = "x-sdk-date";

/// Name (lower case) of the header that can replace the payload hash.
pub const HEADER_CONTENT_SHA256: &str = "x-sdk-content-sha256";

/// Name (lower case) of the header carrying a temporary security token.
pub const HEADER_SECURITY_TOKEN: &str = "x-security-token";

/// Name (lower case) of the header carrying the project id.
pub const HEADER_PROJECT_ID: &str = "x-project-id";

/// Bytes that are percent-encoded in URI segments, query keys and values:
/// everything but `A-Z a-z 0-9 - _ . ~` (Python's `quote(s, safe='~')`).
pub const ENCODE_SET: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Whether `b` is kept as is by [`ENCODE_SET`] (`A-Z a-z 0-9 - _ . ~`).
pub const fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~')
}

/// Input that cannot be put in canonical form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CanonicalError {
    /// A header to be signed has a value that is not valid UTF-8. The official
    /// SDK only handles text header values, so such a header cannot be signed.
    #[error("value of header `{name}` is not valid UTF-8 and cannot be signed")]
    NonUtf8HeaderValue {
        /// Header name (lower case).
        name: String,
    },
    /// A header to be signed occurs more than once; the scheme signs a single
    /// value per header name.
    #[error("header `{name}` occurs more than once; only single-valued headers can be signed")]
    DuplicateHeader {
        /// Header name (lower case).
        name: String,
    },
    /// A header listed as signed is absent from the request.
    #[error("signed header `{name}` is missing from the request")]
    MissingHeader {
        /// Header name as listed.
        name: String,
    },
}

/// Percent-encodes `s` (UTF-8, upper-case hex, keeping only
/// `A-Z a-z 0-9 - _ . ~`) onto `out`.
pub fn encode_component_into(out: &mut String, s: &str) {
    for chunk in utf8_percent_encode(s, ENCODE_SET) {
        out.push_str(chunk);
    }
}

/// Percent-encodes `s` like [`encode_component_into`].
pub fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    encode_component_into(&mut out, s);
    out
}

/// Canonical URI of a raw (as on the wire, percent-encoded) request path.
///
/// Mirrors `Signer._process_canonical_uri`: percent-decode the whole path
/// (invalid UTF-8 becomes U+FFFD, like Python's `unquote`; malformed escapes
/// stay as they are; `+` is not a space), split on `/` (so an encoded `%2F`
/// becomes a separator), encode each segment with [`ENCODE_SET`], rejoin with
/// `/` and append `/` when the result does not end with one.
///
/// Difference: the SDK fails on an empty path; here it gives `/`.
pub fn canonical_uri(raw_path: &str) -> String {
    let mut out = String::with_capacity(raw_path.len() + 1);
    canonical_uri_into(&mut out, raw_path);
    out
}

/// [`canonical_uri`] appended onto `out`.
pub fn canonical_uri_into(out: &mut String, raw_path: &str) {
    // Fast path: nothing to decode or encode (the usual API path).
    if raw_path.bytes().all(|b| b == b'/' || is_unreserved(b)) {
        out.push_str(raw_path);
        if !raw_path.ends_with('/') {
            out.push('/');
        }
        return;
    }
    let decoded = percent_decode_str(raw_path).decode_utf8_lossy();
    let start = out.len();
    for (i, segment) in decoded.split('/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        encode_component_into(out, segment);
    }
    if !out[start..].ends_with('/') {
        out.push('/');
    }
}

/// Canonical query string of decoded `(key, value)` pairs.
///
/// Mirrors `Signer._process_canonical_query_string`: the pairs are sorted by
/// the raw, *unencoded* key and then value (Unicode code point order, which
/// is UTF-8 byte order), then each key and value is encoded with
/// [`ENCODE_SET`] and joined as `k=v` with `&`. An empty value gives `k=`;
/// repeated keys are ordered by value.
pub fn canonical_query<I, K, V>(pairs: I) -> String
where
    I: IntoIterator<Item = (K, V)>,
    K: AsRef<str>,
    V: AsRef<str>,
{
    let mut out = String::new();
    canonical_query_into(&mut out, pairs);
    out
}

/// [`canonical_query`] appended onto `out`.
pub fn canonical_query_into<I, K, V>(out: &mut String, pairs: I)
where
    I: IntoIterator<Item = (K, V)>,
    K: AsRef<str>,
    V: AsRef<str>,
{
    let mut pairs: Vec<(K, V)> = pairs.into_iter().collect();
    pairs.sort_unstable_by(|a, b| (a.0.as_ref(), a.1.as_ref()).cmp(&(b.0.as_ref(), b.1.as_ref())));
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        encode_component_into(out, k.as_ref());
        out.push('=');
        encode_component_into(out, v.as_ref());
    }
}

/// Canonical query string of a raw query string (without `?`, as on the
/// wire), decoded as `application/x-www-form-urlencoded` — the decoding that
/// `url::Url::query_pairs` uses, so that a signer working from a
/// [`url::Url`] and a verifier working from the raw request agree.
pub fn canonical_query_from_raw(raw_query: Option<&str>) -> String {
    let mut out = String::new();
    canonical_query_from_raw_into(&mut out, raw_query);
    out
}

/// [`canonical_query_from_raw`] appended onto `out`.
pub fn canonical_query_from_raw_into(out: &mut String, raw_query: Option<&str>) {
    if let Some(q) = raw_query
        && !q.is_empty()
    {
        canonical_query_into(out, url::form_urlencoded::parse(q.as_bytes()));
    }
}

/// Replaces the query of `url` by its canonical form (or removes an empty
/// one), as the official SDK does before sending: the request then carries
/// on the wire exactly the query string that was signed. Optional: signing
/// does not need it.
pub fn canonicalize_url_query(url: &mut url::Url) {
    let q = canonical_query_from_raw(url.query());
    if q.is_empty() {
        url.set_query(None);
    } else {
        url.set_query(Some(&q));
    }
}

/// Whether a header of this name is signed: every header is, except names
/// containing `_` (as in `Signer._process_signed_headers`).
pub fn is_signable_header(name: &str) -> bool {
    !name.contains('_')
}

/// Names of the headers to sign: every header in `headers` except those
/// whose name contains `_`, lower case (as `http` stores them), sorted.
pub fn signed_header_names(headers: &HeaderMap) -> Vec<&str> {
    let mut names: Vec<&str> = headers
        .keys()
        .map(|n| n.as_str())
        .filter(|n| is_signable_header(n))
        .collect();
    names.sort_unstable();
    names
}

/// Trims like Python's `str.strip()`: Unicode white space plus the
/// separators U+001C..U+001F, at both ends only.
pub fn trim_header_value(value: &str) -> &str {
    value.trim_matches(|c: char| c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c))
}

/// The single value of header `name`, as UTF-8 text, trimmed.
fn single_value<'h>(headers: &'h HeaderMap, name: &str) -> Result<&'h str, CanonicalError> {
    let mut values = headers.get_all(name).iter();
    let Some(value) = values.next() else {
        return Err(CanonicalError::MissingHeader {
            name: name.to_owned(),
        });
    };
    if values.next().is_some() {
        return Err(CanonicalError::DuplicateHeader {
            name: name.to_ascii_lowercase(),
        });
    }
    std::str::from_utf8(value.as_bytes())
        .map(trim_header_value)
        .map_err(|_| CanonicalError::NonUtf8HeaderValue {
            name: name.to_ascii_lowercase(),
        })
}

/// Canonical headers: one `name:value\n` per signed header, in the order of
/// `signed`, values trimmed at both ends (see [`trim_header_value`]).
///
/// Mirrors `Signer._process_canonical_headers`. Errors when a listed header
/// is missing, repeated, or not UTF-8.
pub fn canonical_headers(headers: &HeaderMap, signed: &[&str]) -> Result<String, CanonicalError> {
    let mut out = String::new();
    canonical_headers_into(&mut out, headers, signed)?;
    Ok(out)
}

/// [`canonical_headers`] appended onto `out`.
pub fn canonical_headers_into(
    out: &mut String,
    headers: &HeaderMap,
    signed: &[&str],
) -> Result<(), CanonicalError> {
    for name in signed {
        let value = single_value(headers, name)?;
        out.push_str(name);
        out.push(':');
        out.push_str(value);
        out.push('\n');
    }
    Ok(())
}

/// Hex SHA-256 of `data` (lower case).
pub fn sha256_hex(data: &[u8]) -> String {
    let mut buf = [0u8; 64];
    sha256_hex_buf(data, &mut buf).to_owned()
}

fn sha256_hex_buf<'b>(data: &[u8], buf: &'b mut [u8; 64]) -> &'b str {
    let digest = Sha256::digest(data);
    // Encoding 32 bytes into 64 never fails.
    if hex::encode_to_slice(digest, buf).is_err() {
        return EMPTY_PAYLOAD_SHA256;
    }
    std::str::from_utf8(buf).unwrap_or(EMPTY_PAYLOAD_SHA256)
}

/// The payload hash line of the canonical request.
///
/// Mirrors `Signer._process_hash_payload`: an empty body hashes to
/// [`EMPTY_PAYLOAD_SHA256`]; otherwise a non-empty `X-Sdk-Content-Sha256`
/// header (trimmed) is used as is (the SDK sets it to [`UNSIGNED_PAYLOAD`]
/// for non-JSON bodies); otherwise the hex SHA-256 of the body.
pub fn payload_hash<'a>(
    headers: &'a HeaderMap,
    body: &[u8],
) -> Result<Cow<'a, str>, CanonicalError> {
    if body.is_empty() {
        return Ok(Cow::Borrowed(EMPTY_PAYLOAD_SHA256));
    }
    if headers.contains_key(HEADER_CONTENT_SHA256) {
        let v = single_value(headers, HEADER_CONTENT_SHA256)?;
        if !v.is_empty() {
            return Ok(Cow::Borrowed(v));
        }
    }
    Ok(Cow::Owned(sha256_hex(body)))
}

/// The full canonical request:
/// `METHOD\nURI\nQUERY\nHEADERS\nSIGNED\nPAYLOAD_HASH`, where HEADERS is one
/// `name:value\n` per signed header (so a blank line precedes SIGNED when
/// headers are signed).
///
/// `method` is upper-cased (ASCII); `raw_path` and `raw_query` are as on the
/// wire (see [`canonical_uri`] and [`canonical_query_from_raw`]); `signed`
/// lists the signed header names in order (see [`signed_header_names`]).
pub fn canonical_request(
    method: &str,
    raw_path: &str,
    raw_query: Option<&str>,
    headers: &HeaderMap,
    signed: &[&str],
    body: &[u8],
) -> Result<String, CanonicalError> {
    let mut out = String::new();
    canonical_request_into(&mut out, method, raw_path, raw_query, headers, signed, body)?;
    Ok(out)
}

/// [`canonical_request`] written onto `out` (reserving what it needs).
pub fn canonical_request_into(
    out: &mut String,
    method: &str,
    raw_path: &str,
    raw_query: Option<&str>,
    headers: &HeaderMap,
    signed: &[&str],
    body: &[u8],
) -> Result<(), CanonicalError> {
    let entries = listed_headers(headers, signed)?;
    let payload = payload_hash(headers, body)?;
    canonical_request_from_entries_into(out, method, raw_path, raw_query, &entries, &payload);
    Ok(())
}

/// The headers named in `signed`, in that order, as `(name, trimmed value)`.
/// Errors when one is missing, repeated or not UTF-8.
pub fn listed_headers<'h>(
    headers: &'h HeaderMap,
    signed: &[&'h str],
) -> Result<Vec<(&'h str, &'h str)>, CanonicalError> {
    signed
        .iter()
        .map(|name| single_value(headers, name).map(|v| (*name, v)))
        .collect()
}

/// Every signable header of `headers` (names without `_`), sorted by name,
/// as `(name, trimmed value)`: what a signer signs. One pass over the map,
/// no lookups. Errors when one has several values or a non-UTF-8 value.
pub fn signable_headers(headers: &HeaderMap) -> Result<Vec<(&str, &str)>, CanonicalError> {
    let mut out = headers
        .iter()
        .filter(|(k, _)| is_signable_header(k.as_str()))
        .map(|(k, v)| match std::str::from_utf8(v.as_bytes()) {
            Ok(v) => Ok((k.as_str(), trim_header_value(v))),
            Err(_) => Err(CanonicalError::NonUtf8HeaderValue {
                name: k.as_str().to_owned(),
            }),
        })
        .collect::<Result<Vec<(&str, &str)>, CanonicalError>>()?;
    out.sort_unstable_by(|a, b| a.0.cmp(b.0));
    if let Some(w) = out.windows(2).find(|w| w[0].0 == w[1].0) {
        return Err(CanonicalError::DuplicateHeader {
            name: w[0].0.to_owned(),
        });
    }
    Ok(out)
}

/// The canonical request from already selected headers (`(name, trimmed
/// value)` in signing order, see [`signable_headers`] and [`listed_headers`])
/// and the payload hash (see [`payload_hash`]), written onto `out`.
pub fn canonical_request_from_entries_into(
    out: &mut String,
    method: &str,
    raw_path: &str,
    raw_query: Option<&str>,
    entries: &[(&str, &str)],
    payload_hash: &str,
) {
    let headers_len: usize = entries.iter().map(|(n, v)| n.len() * 2 + v.len() + 3).sum();
    out.reserve(
        method.len()
            + raw_path.len() * 2
            + raw_query.map_or(0, |q| q.len() * 2)
            + headers_len
            + payload_hash.len()
            + 8,
    );
    if method.bytes().any(|b| b.is_ascii_lowercase()) {
        out.push_str(&method.to_ascii_uppercase());
    } else {
        out.push_str(method);
    }
    out.push('\n');
    canonical_uri_into(out, raw_path);
    out.push('\n');
    canonical_query_from_raw_into(out, raw_query);
    out.push('\n');
    for (name, value) in entries {
        out.push_str(name);
        out.push(':');
        out.push_str(value);
        out.push('\n');
    }
    out.push('\n');
    push_joined_entries(out, entries);
    out.push('\n');
    out.push_str(payload_hash);
}

/// Appends the names of `entries` joined by `;`.
pub(crate) fn push_joined_entries(out: &mut String, entries: &[(&str, &str)]) {
    for (i, (n, _)) in entries.iter().enumerate() {
        if i > 0 {
            out.push(';');
        }
        out.push_str(n);
    }
}

/// The string to sign: `SDK-HMAC-SHA256\n{date}\n{hex sha256(canonical request)}`.
pub fn string_to_sign(sdk_date: &str, canonical_request: &str) -> String {
    let mut out = String::with_capacity(ALGORITHM.len() + sdk_date.len() + 66);
    let mut buf = [0u8; 64];
    let _ = write!(
        out,
        "{ALGORITHM}\n{sdk_date}\n{}",
        sha256_hex_buf(canonical_request.as_bytes(), &mut buf)
    );
    out
}

/// Hex SHA-256 of the canonical request, into a stack buffer.
pub(crate) fn canonical_request_hash<'b>(
    canonical_request: &str,
    buf: &'b mut [u8; 64],
) -> &'b str {
    sha256_hex_buf(canonical_request.as_bytes(), buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uri_examples() {
        assert_eq!(canonical_uri(""), "/");
        assert_eq!(canonical_uri("/"), "/");
        assert_eq!(canonical_uri("//"), "//");
        assert_eq!(canonical_uri("/a b/%zz/%"), "/a%20b/%25zz/%25/");
        assert_eq!(canonical_uri("/%FF%C3"), "/%EF%BF%BD%EF%BF%BD/");
        assert_eq!(canonical_uri("/c%2Fd"), "/c/d/");
    }

    #[test]
    fn query_examples() {
        assert_eq!(canonical_query_from_raw(None), "");
        assert_eq!(canonical_query_from_raw(Some("")), "");
        assert_eq!(
            canonical_query_from_raw(Some("b=2&a=1&flag")),
            "a=1&b=2&flag="
        );
        assert_eq!(
            canonical_query_from_raw(Some("k=a+b&k=%2B")),
            "k=%2B&k=a%20b"
        );
    }

    #[test]
    fn unreserved_matches_encode_set() {
        for b in 0u8..=127 {
            let s = [b];
            let s = std::str::from_utf8(&s).expect("ascii");
            assert_eq!(is_unreserved(b), encode_component(s) == s, "byte {b}");
        }
    }

    #[test]
    fn trim_like_python() {
        assert_eq!(trim_header_value(" \t\u{a0}x y\u{1f}\u{3000}"), "x y");
    }
}
