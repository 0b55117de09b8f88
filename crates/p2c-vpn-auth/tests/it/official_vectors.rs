//! Known-answer tests against Huawei's official Python signer
//! (`huaweicloudsdkcore`), whose output is committed in
//! `tests/vectors/signer_vectors.json` (regenerate with
//! `tests/vectors/make_vectors.sh`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use http::{HeaderMap, HeaderName, HeaderValue, Method};
use p2c_vpn_auth::{Credentials, SecretString, Signer, canonical, parse_sdk_date, verify};
use serde::Deserialize;

#[derive(Deserialize)]
struct File {
    sdk: String,
    sdk_version: String,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    method: String,
    scheme: String,
    host: String,
    port: Option<u16>,
    path: String,
    query: Vec<(String, String)>,
    headers_in: BTreeMap<String, String>,
    body: String,
    date: String,
    ak: String,
    sk: String,
    security_token: Option<String>,
    project_id: Option<String>,
    expected: Expected,
}

#[derive(Deserialize)]
struct Expected {
    canonical_request: String,
    string_to_sign: String,
    authorization: String,
    headers_out: BTreeMap<String, String>,
    request_uri: String,
}

fn load() -> File {
    serde_json::from_str(include_str!("../vectors/signer_vectors.json")).expect("vectors parse")
}

fn credentials(case: &Case) -> Credentials {
    let mut c = Credentials::new(&case.ak, &case.sk);
    if let Some(t) = &case.security_token {
        c = c.with_security_token(t);
    }
    if let Some(p) = &case.project_id {
        c = c.with_project_id(p);
    }
    c
}

fn url(case: &Case) -> url::Url {
    let authority = match case.port {
        Some(p) => format!("{}:{}", case.host, p),
        None => case.host.clone(),
    };
    let mut url =
        url::Url::parse(&format!("{}://{}{}", case.scheme, authority, case.path)).expect("url");
    if !case.query.is_empty() {
        let mut q = url.query_pairs_mut();
        for (k, v) in &case.query {
            q.append_pair(k, v);
        }
    }
    url
}

fn headers_in(case: &Case) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (k, v) in &case.headers_in {
        h.insert(
            HeaderName::from_bytes(k.as_bytes()).expect("name"),
            HeaderValue::from_bytes(v.as_bytes()).expect("value"),
        );
    }
    h
}

#[test]
fn vectors_come_from_the_official_sdk() {
    let file = load();
    assert_eq!(file.sdk, "huaweicloudsdkcore");
    assert!(!file.sdk_version.is_empty());
    assert!(file.cases.len() >= 15, "expected the full case list");
}

#[test]
fn signer_matches_official_vectors() {
    for case in load().cases {
        let signer = Signer::new(credentials(&case));
        let url = url(&case);
        let mut headers = headers_in(&case);
        // A stale Authorization / date from an earlier attempt must be replaced.
        headers.insert("authorization", HeaderValue::from_static("stale"));
        headers.insert("x-sdk-date", HeaderValue::from_static("19700101T000000Z"));
        let method = Method::from_bytes(case.method.as_bytes()).expect("method");
        let now = parse_sdk_date(&case.date).expect("date");
        let details = signer
            .sign_at_detailed(&method, &url, &mut headers, case.body.as_bytes(), now)
            .unwrap_or_else(|e| panic!("{}: {e}", case.name));

        assert_eq!(
            details.canonical_request, case.expected.canonical_request,
            "canonical request of {}",
            case.name
        );
        assert_eq!(
            details.string_to_sign, case.expected.string_to_sign,
            "string to sign of {}",
            case.name
        );
        assert_eq!(
            headers.get("authorization").unwrap().to_str().unwrap(),
            case.expected.authorization,
            "Authorization of {}",
            case.name
        );

        // Same header set as the SDK sends (names case-insensitively; values
        // of signed headers compared trimmed, as the SDK rewrites them).
        let ours: BTreeMap<String, String> = headers
            .iter()
            .map(|(k, v)| {
                let v = std::str::from_utf8(v.as_bytes()).unwrap();
                (
                    k.as_str().to_owned(),
                    canonical::trim_header_value(v).to_owned(),
                )
            })
            .collect();
        let theirs: BTreeMap<String, String> = case
            .expected
            .headers_out
            .iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
            .collect();
        assert_eq!(ours, theirs, "headers sent in {}", case.name);
    }
}

#[test]
fn pure_functions_match_official_vectors() {
    for case in load().cases {
        let cr = &case.expected.canonical_request;
        let lines: Vec<&str> = cr.split('\n').collect();
        assert_eq!(
            canonical::canonical_uri(url(&case).path()),
            lines[1],
            "uri of {}",
            case.name
        );
        assert_eq!(
            canonical::canonical_query(case.query.iter().map(|(k, v)| (k, v))),
            lines[2],
            "query of {}",
            case.name
        );
        assert_eq!(
            canonical::canonical_query_from_raw(url(&case).query()),
            lines[2],
            "raw query of {}",
            case.name
        );
        assert_eq!(
            canonical::string_to_sign(&case.date, cr),
            case.expected.string_to_sign,
            "string to sign of {}",
            case.name
        );
        // The SDK sends the canonical query on the wire.
        let mut u = url(&case);
        canonical::canonicalize_url_query(&mut u);
        let wire = match u.query() {
            Some(q) => format!("{}?{}", case.path, q),
            None => case.path.clone(),
        };
        assert_eq!(wire, case.expected.request_uri, "wire URI of {}", case.name);
    }
}

#[test]
fn verify_accepts_official_requests() {
    for case in load().cases {
        let mut headers = HeaderMap::new();
        for (k, v) in &case.expected.headers_out {
            headers.insert(
                HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_bytes(v.as_bytes()).unwrap(),
            );
        }
        let (path, query) = match case.expected.request_uri.split_once('?') {
            Some((p, q)) => (p.to_owned(), Some(q.to_owned())),
            None => (case.expected.request_uri.clone(), None),
        };
        let now = parse_sdk_date(&case.date).unwrap() + Duration::from_secs(60);
        let sk = case.sk.clone();
        let method = Method::from_bytes(case.method.as_bytes()).unwrap();
        let verified = verify(
            &method,
            &path,
            query.as_deref(),
            &headers,
            case.body.as_bytes(),
            |ak| (ak == case.ak).then(|| SecretString::from(sk.clone())),
            now,
            p2c_vpn_auth::DEFAULT_MAX_SKEW,
        )
        .unwrap_or_else(|e| panic!("{}: {e}", case.name));
        assert_eq!(verified.access_key, case.ak);
        assert_eq!(verified.signed_at, parse_sdk_date(&case.date).unwrap());
        assert!(verified.signed_at < SystemTime::now());
    }
}
