//! Signer canonicalisation: arbitrary method, path, query, headers, body and time.
//!
//! Input layout: byte 0 picks the method and credential options, bytes 1..5 the time; the
//! rest is split on 0x00 into path, query, body and then `name: value` header lines.
//!
//! Invariants: nothing panics; whenever `Signer::sign_at` succeeds, `verify` accepts the
//! request as it would arrive (the URL's own path and query); a tampered path is rejected;
//! rewriting the query to the SDK's wire form (`canonicalize_url_query`) does not change the
//! canonical request; `canonical_uri` and `canonical_query_from_raw` are idempotent.
#![no_main]

use std::time::{Duration, SystemTime};

use http::{HeaderMap, HeaderName, HeaderValue, Method};
use libfuzzer_sys::fuzz_target;
use p2c_vpn_auth::canonical::{canonical_query_from_raw, canonical_uri, canonicalize_url_query};
use p2c_vpn_auth::{Credentials, SecretString, Signer, verify};

const AK: &str = "FUZZAK";
const SK: &str = "fuzz-secret-key";

fuzz_target!(|data: &[u8]| {
    if data.len() < 5 {
        return;
    }
    let flags = data[0];
    let secs = u32::from_le_bytes([data[1], data[2], data[3], data[4]]);
    // Spread over years 1970..=~2106, and sometimes far beyond the signable range.
    let now = if flags & 0x80 != 0 {
        SystemTime::UNIX_EPOCH + Duration::from_secs(u64::from(secs) * 100_000)
    } else {
        SystemTime::UNIX_EPOCH + Duration::from_secs(u64::from(secs))
    };
    let method = match flags & 0x07 {
        0 => Method::GET,
        1 => Method::POST,
        2 => Method::PUT,
        3 => Method::DELETE,
        4 => Method::HEAD,
        5 => Method::PATCH,
        6 => Method::OPTIONS,
        _ => Method::from_bytes(b"PROPFIND").expect("valid method"),
    };
    let mut credentials = Credentials::new(AK, SK);
    if flags & 0x08 != 0 {
        credentials = credentials.with_security_token("fuzz-token");
    }
    if flags & 0x10 != 0 {
        credentials = credentials.with_project_id("0123456789abcdef");
    }

    let mut parts = data[5..].split(|&b| b == 0);
    let path = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let query = parts
        .next()
        .map(|q| String::from_utf8_lossy(q).into_owned());
    let body = parts.next().unwrap_or_default().to_vec();
    let mut headers = HeaderMap::new();
    for line in parts {
        let (name, value) = match line.iter().position(|&b| b == b':') {
            Some(i) => (&line[..i], &line[i + 1..]),
            None => (line, &b""[..]),
        };
        if let (Ok(name), Ok(value)) =
            (HeaderName::from_bytes(name), HeaderValue::from_bytes(value))
        {
            headers.append(name, value);
        }
    }

    // Pure canonicalisation properties.
    let uri = canonical_uri(&path);
    assert_eq!(canonical_uri(&uri), uri, "canonical_uri not idempotent for {path:?}");
    let q = canonical_query_from_raw(query.as_deref());
    assert_eq!(
        canonical_query_from_raw(Some(&q)),
        q,
        "canonical_query not idempotent for {query:?}"
    );

    let Ok(mut url) = url::Url::parse("https://vpn.example.com:8443/") else {
        return;
    };
    url.set_path(&path);
    url.set_query(query.as_deref());

    let signer = Signer::new(credentials);
    let mut signed = headers.clone();
    let Ok(details) = signer.sign_at_detailed(&method, &url, &mut signed, &body, now) else {
        return;
    };

    let lookup = |ak: &str| (ak == AK).then(|| SecretString::from(SK.to_owned()));
    let skew = Duration::from_secs(15 * 60);
    if let Err(e) = verify(
        &method,
        url.path(),
        url.query(),
        &signed,
        &body,
        lookup,
        now,
        skew,
    ) {
        panic!(
            "signed request does not verify: {e}\nurl {url}\ncanonical request {:?}",
            details.canonical_request
        );
    }

    // A different path (one more segment) must not verify.
    let tampered = format!("{}/x", url.path().trim_end_matches('/'));
    assert!(
        verify(&method, &tampered, url.query(), &signed, &body, lookup, now, skew).is_err(),
        "tampered path {tampered:?} verified (url {url})"
    );

    // Rewriting the query to wire form must not change what is signed.
    let mut wire = url.clone();
    canonicalize_url_query(&mut wire);
    let mut again = headers.clone();
    if let Ok(d2) = signer.sign_at_detailed(&method, &wire, &mut again, &body, now) {
        assert_eq!(
            details.canonical_request, d2.canonical_request,
            "canonicalize_url_query changed the signature: {url} vs {wire}"
        );
    } else {
        panic!("{url} signs but its canonicalized form {wire} does not");
    }
});
