//! Property tests: signing and canonicalisation never panic; sign → verify
//! round-trips; tampering is detected.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, SystemTime};

use http::{HeaderMap, HeaderName, HeaderValue, Method};
use p2c_vpn_auth::{
    Credentials, DEFAULT_MAX_SKEW, SecretString, Signer, VerifyError, canonical, verify,
};
use proptest::prelude::*;

const AK: &str = "AKPROPTEST";
const SK: &str = "sk-proptest-secret";

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 96,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn signer() -> Signer {
    Signer::new(Credentials::new(AK, SK).with_project_id("proj-1"))
}

fn now() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_704_164_645)
}

fn lookup(ak: &str) -> Option<SecretString> {
    (ak == AK).then(|| SecretString::from(SK))
}

/// Text with ASCII specials, escapes, and non-ASCII.
fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            4 => "[a-zA-Z0-9]",
            2 => prop::sample::select(vec![
                " ", "+", "/", "*", "~", "%", "%2F", "%zz", "%C3%A9", "%FF", "=", "&", "?", "#",
                ":", "@", "é", "日", "😀", "\t", "-", "_", ".", ";", ",", "\"",
            ])
            .prop_map(str::to_owned),
            1 => any::<char>().prop_map(|c| c.to_string()),
        ],
        0..12,
    )
    .prop_map(|v| v.concat())
}

fn header_value_bytes() -> impl Strategy<Value = Vec<u8>> {
    // Anything HeaderValue accepts: tab, visible ASCII, and obs-text bytes
    // (which may not be UTF-8).
    prop::collection::vec(prop_oneof![Just(b'\t'), 0x20u8..0x7f, 0x80u8..=0xff], 0..24)
}

fn header_name() -> impl Strategy<Value = String> {
    "[a-zA-Z][a-zA-Z0-9_-]{0,12}"
}

fn build_url(path: &str, query: &[(String, String)]) -> url::Url {
    let mut url = url::Url::parse("https://vpn.example.com:8443/").unwrap();
    url.set_path(path);
    if !query.is_empty() {
        let mut q = url.query_pairs_mut();
        for (k, v) in query {
            q.append_pair(k, v);
        }
    }
    url
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn canonical_functions_never_panic(path in text(), raw_query in text(), pairs in prop::collection::vec((text(), text()), 0..6)) {
        let uri = canonical::canonical_uri(&path);
        prop_assert!(uri.ends_with('/'));
        prop_assert!(uri.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.~%/".contains(&b)));
        let _ = canonical::canonical_query_from_raw(Some(&raw_query));
        let q = canonical::canonical_query(pairs.iter().map(|(k, v)| (k, v)));
        prop_assert!(q.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.~%=&".contains(&b)));
        let _ = canonical::canonical_request("get", &path, Some(&raw_query), &HeaderMap::new(), &["host"], b"x");
    }

    #[test]
    fn signing_never_panics(
        path in text(),
        query in prop::collection::vec((text(), text()), 0..5),
        headers in prop::collection::vec((header_name(), header_value_bytes()), 0..5),
        body in prop::collection::vec(any::<u8>(), 0..64),
        secs in any::<u64>(),
    ) {
        let url = build_url(&path, &query);
        let mut map = HeaderMap::new();
        for (k, v) in &headers {
            map.append(
                HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_bytes(v).unwrap(),
            );
        }
        let when = SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(secs)).unwrap_or(now());
        // Ok or a documented error, never a panic.
        let _ = signer().sign_at(&Method::POST, &url, &mut map, &body, when);
    }

    #[test]
    fn sign_then_verify_round_trips(
        path in text(),
        query in prop::collection::vec((text(), text()), 0..5),
        headers in prop::collection::vec((header_name(), "[ -~]{0,16}"), 0..4),
        body in prop::collection::vec(any::<u8>(), 0..64),
        json in any::<bool>(),
    ) {
        let url = build_url(&path, &query);
        let mut map = HeaderMap::new();
        for (k, v) in &headers {
            map.insert(
                HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        map.insert("content-type", HeaderValue::from_static(if json { "application/json" } else { "text/plain" }));
        signer().sign_at(&Method::POST, &url, &mut map, &body, now()).unwrap();
        // A client may add unsigned headers after signing.
        map.insert("user-agent", HeaderValue::from_static("proptest"));

        let verified = verify(
            &Method::POST, url.path(), url.query(), &map, &body, lookup,
            now() + Duration::from_secs(30), DEFAULT_MAX_SKEW,
        );
        prop_assert!(verified.is_ok(), "{:?}", verified);
        let verified = verified.unwrap();
        prop_assert_eq!(verified.access_key.as_str(), AK);
        prop_assert!(verified.signed_headers.iter().any(|h| h == "host"));
    }

    #[test]
    fn tampered_query_value_fails(
        path in text(),
        query in prop::collection::vec((text(), text()), 1..5),
        idx in any::<prop::sample::Index>(),
        extra in "[a-z0-9]{1,4}",
    ) {
        let url = build_url(&path, &query);
        let mut map = HeaderMap::new();
        signer().sign_at(&Method::GET, &url, &mut map, b"", now()).unwrap();

        let mut tampered = query.clone();
        let i = idx.index(tampered.len());
        tampered[i].1.push_str(&extra);
        let bad = build_url(&path, &tampered);
        let r = verify(&Method::GET, bad.path(), bad.query(), &map, b"", lookup, now(), DEFAULT_MAX_SKEW);
        prop_assert_eq!(r, Err(VerifyError::SignatureMismatch));

        // And the untampered request passes.
        let ok = verify(&Method::GET, url.path(), url.query(), &map, b"", lookup, now(), DEFAULT_MAX_SKEW);
        prop_assert!(ok.is_ok());
    }

    #[test]
    fn verify_never_panics_on_garbage(
        auth in header_value_bytes(),
        date in header_value_bytes(),
        path in text(),
        query in text(),
    ) {
        let mut map = HeaderMap::new();
        map.insert("authorization", HeaderValue::from_bytes(&auth).unwrap());
        map.insert("x-sdk-date", HeaderValue::from_bytes(&date).unwrap());
        map.insert("host", HeaderValue::from_static("h"));
        let _ = verify(&Method::GET, &path, Some(&query), &map, b"", lookup, now(), DEFAULT_MAX_SKEW);
        let forged = format!("SDK-HMAC-SHA256 Access={AK}, SignedHeaders=host;x-sdk-date, Signature={}", "0".repeat(64));
        map.insert("authorization", HeaderValue::from_str(&forged).unwrap());
        map.insert("x-sdk-date", HeaderValue::from_static("20240102T030405Z"));
        let r = verify(&Method::GET, &path, Some(&query), &map, b"", lookup, now(), DEFAULT_MAX_SKEW);
        prop_assert_eq!(r, Err(VerifyError::SignatureMismatch));
    }
}

#[test]
fn tampering_other_parts_fails() {
    let url = build_url(
        "/v5/p/p2c-vpn-gateways/g/connections",
        &[("limit".into(), "10".into())],
    );
    let mut map = HeaderMap::new();
    map.insert("x-custom", HeaderValue::from_static("a"));
    map.insert("content-type", HeaderValue::from_static("application/json"));
    signer()
        .sign_at(&Method::POST, &url, &mut map, b"{}", now())
        .unwrap();
    let check = |m: &Method, path: &str, q: Option<&str>, h: &HeaderMap, body: &[u8]| {
        verify(m, path, q, h, body, lookup, now(), DEFAULT_MAX_SKEW)
    };
    assert!(check(&Method::POST, url.path(), url.query(), &map, b"{}").is_ok());
    assert_eq!(
        check(&Method::PUT, url.path(), url.query(), &map, b"{}"),
        Err(VerifyError::SignatureMismatch)
    );
    assert_eq!(
        check(
            &Method::POST,
            "/v5/p/p2c-vpn-gateways/h/connections",
            url.query(),
            &map,
            b"{}"
        ),
        Err(VerifyError::SignatureMismatch)
    );
    assert_eq!(
        check(&Method::POST, url.path(), url.query(), &map, b"{ }"),
        Err(VerifyError::SignatureMismatch)
    );
    let mut h = map.clone();
    h.insert("x-custom", HeaderValue::from_static("b"));
    assert_eq!(
        check(&Method::POST, url.path(), url.query(), &h, b"{}"),
        Err(VerifyError::SignatureMismatch)
    );
    let mut h = map.clone();
    h.insert("host", HeaderValue::from_static("evil.example.com"));
    assert_eq!(
        check(&Method::POST, url.path(), url.query(), &h, b"{}"),
        Err(VerifyError::SignatureMismatch)
    );
    // Unknown key, skew.
    assert!(matches!(
        verify(
            &Method::POST,
            url.path(),
            url.query(),
            &map,
            b"{}",
            |_| None,
            now(),
            DEFAULT_MAX_SKEW
        ),
        Err(VerifyError::UnknownAccessKey { .. })
    ));
    assert!(matches!(
        verify(
            &Method::POST,
            url.path(),
            url.query(),
            &map,
            b"{}",
            lookup,
            now() + Duration::from_secs(16 * 60),
            DEFAULT_MAX_SKEW
        ),
        Err(VerifyError::ClockSkew { .. })
    ));
    assert!(matches!(
        verify(
            &Method::POST,
            url.path(),
            url.query(),
            &map,
            b"{}",
            lookup,
            now() - Duration::from_secs(16 * 60),
            DEFAULT_MAX_SKEW
        ),
        Err(VerifyError::ClockSkew { .. })
    ));
    let mut h = map.clone();
    h.remove("authorization");
    assert_eq!(
        check(&Method::POST, url.path(), url.query(), &h, b"{}"),
        Err(VerifyError::MissingAuthorization)
    );
}

#[test]
fn retry_is_signed_afresh() {
    let url = build_url("/v5/x", &[]);
    let mut map = HeaderMap::new();
    let s = signer();
    s.sign_at(&Method::GET, &url, &mut map, b"", now()).unwrap();
    let first = map.get("authorization").unwrap().clone();
    let later = now() + Duration::from_secs(5);
    s.sign_at(&Method::GET, &url, &mut map, b"", later).unwrap();
    assert_eq!(map.get_all("authorization").iter().count(), 1);
    assert_eq!(map.get_all("x-sdk-date").iter().count(), 1);
    assert_ne!(map.get("authorization").unwrap(), &first);
    assert_eq!(map.get("x-sdk-date").unwrap(), "20240102T030410Z");
    assert!(
        verify(
            &Method::GET,
            url.path(),
            None,
            &map,
            b"",
            lookup,
            later,
            DEFAULT_MAX_SKEW
        )
        .is_ok()
    );
}

#[test]
fn documented_errors() {
    let s = signer();
    let url = build_url("/", &[]);
    let mut map = HeaderMap::new();
    map.append("x-a", HeaderValue::from_static("1"));
    map.append("x-a", HeaderValue::from_static("2"));
    let e = s
        .sign_at(&Method::GET, &url, &mut map, b"", now())
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "header `x-a` occurs more than once; only single-valued headers can be signed"
    );
    assert!(!map.contains_key("authorization"));

    let mut map = HeaderMap::new();
    map.insert("x-b", HeaderValue::from_bytes(b"\xff\xfe").unwrap());
    let e = s
        .sign_at(&Method::GET, &url, &mut map, b"", now())
        .unwrap_err();
    assert!(e.to_string().contains("x-b"), "{e}");

    // Underscore names are skipped, so even a non-UTF-8 value there is fine.
    let mut map = HeaderMap::new();
    map.insert("x_b", HeaderValue::from_bytes(b"\xff").unwrap());
    s.sign_at(&Method::GET, &url, &mut map, b"", now()).unwrap();

    let data = url::Url::parse("data:text/plain,hi").unwrap();
    assert_eq!(
        s.sign_at(&Method::GET, &data, &mut HeaderMap::new(), b"", now()),
        Err(p2c_vpn_auth::SignError::MissingHost)
    );
    let far = SystemTime::UNIX_EPOCH + Duration::from_secs(400_000_000_000);
    assert_eq!(
        s.sign_at(&Method::GET, &url, &mut HeaderMap::new(), b"", far),
        Err(p2c_vpn_auth::SignError::TimeOutOfRange)
    );
}

#[test]
fn host_header_ports() {
    let h = |u: &str| p2c_vpn_auth::host_header(&url::Url::parse(u).unwrap()).unwrap();
    assert_eq!(h("https://a.example.com/x"), "a.example.com");
    assert_eq!(h("https://a.example.com:443/x"), "a.example.com");
    assert_eq!(h("http://a.example.com:80/x"), "a.example.com");
    assert_eq!(h("https://a.example.com:80/x"), "a.example.com:80");
    assert_eq!(h("http://127.0.0.1:8080/x"), "127.0.0.1:8080");
    assert_eq!(h("http://[::1]:8080/x"), "[::1]:8080");
}

#[test]
fn token_auth_and_redaction() {
    let auth = p2c_vpn_auth::Auth::token("MIItokenSECRET");
    let url = build_url("/", &[]);
    let mut map = HeaderMap::new();
    auth.apply(&Method::GET, &url, &mut map, b"").unwrap();
    assert_eq!(map.get("x-auth-token").unwrap(), "MIItokenSECRET");
    assert!(map.get("x-auth-token").unwrap().is_sensitive());
    assert!(!format!("{auth:?}").contains("SECRET"));
    assert!(!format!("{map:?}").contains("SECRET"));

    let aksk = p2c_vpn_auth::Auth::aksk(Credentials::new(AK, SK).with_security_token("tokSECRET"));
    let mut map = HeaderMap::new();
    aksk.apply(&Method::GET, &url, &mut map, b"").unwrap();
    let sig = map
        .get("authorization")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let sig = sig.rsplit('=').next().unwrap();
    for dbg in [format!("{aksk:?}"), format!("{map:?}")] {
        assert!(!dbg.contains(SK), "{dbg}");
        assert!(!dbg.contains("tokSECRET"), "{dbg}");
        assert!(!dbg.contains(sig), "{dbg}");
    }
    assert!(format!("{aksk:?}").contains(AK));
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn sdk_date_matches_chrono_format_and_round_trips(secs in -62_135_596_800i64..253_402_300_799i64) {
        let t = if secs >= 0 {
            SystemTime::UNIX_EPOCH + Duration::from_secs(secs.unsigned_abs())
        } else {
            SystemTime::UNIX_EPOCH - Duration::from_secs(secs.unsigned_abs())
        };
        let ours = p2c_vpn_auth::format_sdk_date(t).unwrap();
        let chrono = chrono::DateTime::from_timestamp(secs, 0).unwrap().format("%Y%m%dT%H%M%SZ").to_string();
        prop_assert_eq!(&ours, &chrono);
        prop_assert_eq!(p2c_vpn_auth::parse_sdk_date(&ours), Some(t));
    }
}
