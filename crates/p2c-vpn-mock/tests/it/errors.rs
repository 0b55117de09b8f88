#![allow(clippy::unwrap_used)]
use crate::common;

use p2c_vpn_mock::MockServer;

#[tokio::test]
async fn unknown_gateway_is_404_vpn_0004() {
    let server = MockServer::start().await.unwrap();
    let response = common::get_signed(&server, &common::path(&server, "no-such-gateway")).await;
    assert_eq!(response.status(), 404);
    assert_eq!(response.headers()["x-request-id"].len(), 32);
    let body = common::json(response).await;
    assert_eq!(body["code"], "VPN.0004");
    assert!(body["message"].is_string());
    assert!(body.get("request_id").is_none());
}

#[tokio::test]
async fn invalid_paging_is_400_vpn_0001() {
    let server = MockServer::start().await.unwrap();
    let path = common::path(&server, &server.gateway_ids()[0]);
    for query in [
        "limit=0",
        "limit=-5",
        "limit=abc",
        "limit=",
        "limit=1.5",
        "limit=99999999999999999999999",
        "offset=-1",
        "offset=x",
        "limit=10&offset=%FF",
    ] {
        let response = common::get_signed(&server, &format!("{path}?{query}")).await;
        assert_eq!(response.status(), 400, "{query}");
        let request_id = response.headers()["x-request-id"]
            .to_str()
            .unwrap()
            .to_owned();
        let body = common::json(response).await;
        assert_eq!(body["error_code"], "VPN.0001", "{query}");
        assert!(body["error_msg"].is_string());
        assert_eq!(body["request_id"], request_id.as_str());
    }
}

#[tokio::test]
async fn other_project_is_403_vpn_0003() {
    let server = MockServer::start().await.unwrap();
    let path = format!(
        "/v5/0123456789abcdef0123456789abcdef/p2c-vpn-gateways/{}/connections",
        server.gateway_ids()[0]
    );
    let creds = p2c_vpn_auth::Credentials::new(
        p2c_vpn_mock::DEFAULT_ACCESS_KEY,
        p2c_vpn_mock::DEFAULT_SECRET_KEY,
    );
    let response = common::get_signed_with(&server, creds, &path)
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let body = common::json(response).await;
    assert_eq!(body["error_code"], "VPN.0003");
}

#[tokio::test]
async fn hostile_requests_get_http_errors() {
    let server = MockServer::builder()
        .require_signature(false)
        .start()
        .await
        .unwrap();
    let base = server.base_url();
    let gw = &server.gateway_ids()[0];
    let project = server.project_id();
    let cases = [
        "/".to_owned(),
        "/v5".to_owned(),
        "/v5/".to_owned(),
        format!("/v5/{project}/p2c-vpn-gateways/{gw}/connections/extra"),
        format!("/v5/{project}/p2c-vpn-gateways//connections"),
        format!("/v5/{project}/p2c-vpn-gateways/%FF%00%2F../connections"),
        format!("/v5/%E2%82/p2c-vpn-gateways/{gw}/connections"),
        format!(
            "/v5/{project}/p2c-vpn-gateways/{}/connections",
            "a".repeat(5000)
        ),
        format!("/v5/{project}/p2c-vpn-gateways/{gw}/connections?limit=%%%&offset=&&&==="),
        format!("/v5/{project}/p2c-vpn-gateways/{gw}/connections?offset=2147483648"),
    ];
    for path in cases {
        let response = common::http()
            .get(format!("{base}{path}"))
            .send()
            .await
            .unwrap();
        let status = response.status();
        assert!(status.is_client_error(), "{path}: {status}");
        assert!(response.headers().contains_key("x-request-id"), "{path}");
        let _: serde_json::Value = response.json().await.unwrap();
    }
    let post = common::http()
        .post(server.connections_url(gw))
        .body("x".repeat(200_000))
        .send()
        .await
        .unwrap();
    assert!(post.status().is_client_error());
    // Still serving.
    let ok = common::http()
        .get(server.connections_url(gw))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
}

#[tokio::test]
async fn unknown_route_is_404_apigw_0101() {
    let server = MockServer::start().await.unwrap();
    let response = common::get_signed(&server, "/v3/whatever").await;
    assert_eq!(response.status(), 404);
    let body = common::json(response).await;
    assert_eq!(body["error_code"], "APIGW.0101");
}

/// Random junk in the path segments and the query: always an HTTP answer, never a panic.
#[tokio::test]
async fn random_junk_never_breaks_the_server() {
    use rand::{RngExt as _, SeedableRng as _};
    let server = MockServer::builder()
        .require_signature(false)
        .gateway("gw", 3)
        .start()
        .await
        .unwrap();
    let mut rng = chacha20::ChaCha8Rng::seed_from_u64(1);
    const ALPHABET: &[u8] = b"abcXYZ019-_.~%+&=?/;:@!$'()*,[]\x20";
    let junk = |rng: &mut chacha20::ChaCha8Rng| -> String {
        let len = rng.random_range(0..24);
        (0..len)
            .map(|_| {
                if rng.random_bool(0.1) {
                    format!("%{:02X}", rng.random::<u8>())
                } else {
                    let c = ALPHABET[rng.random_range(0..ALPHABET.len())];
                    if c == b' ' {
                        "%20".to_owned()
                    } else {
                        (c as char).to_string()
                    }
                }
            })
            .collect()
    };
    let client = common::http();
    for _ in 0..150 {
        let gateway = if rng.random_bool(0.5) {
            "gw".to_owned()
        } else {
            junk(&mut rng)
        };
        let url = format!(
            "{}/v5/{}/p2c-vpn-gateways/{gateway}/connections?limit={}&offset={}",
            server.base_url(),
            server.project_id(),
            junk(&mut rng),
            junk(&mut rng),
        );
        let Ok(url) = url::Url::parse(&url) else {
            continue;
        };
        let response = client.get(url.clone()).send().await.unwrap();
        assert!(response.headers().contains_key("x-request-id"), "{url}");
        let status = response.status();
        assert!(status == 200 || status.is_client_error(), "{url}: {status}");
        let _: serde_json::Value = response.json().await.unwrap();
    }
}
