#![allow(clippy::unwrap_used)]
use crate::common;

use p2c_vpn_auth::Credentials;
use p2c_vpn_mock::MockServer;

#[tokio::test]
async fn signed_request_is_accepted() {
    let server = MockServer::start().await.unwrap();
    let gateway = server.gateway_ids()[0].clone();
    let response = common::get_signed(
        &server,
        &format!("{}?limit=5&offset=0", common::path(&server, &gateway)),
    )
    .await;
    assert_eq!(response.status(), 200);
    // And through the generated client.
    let page = common::list(&server, &gateway, Some(5), Some(0)).await;
    assert_eq!(page.connections.len(), 5);
}

#[tokio::test]
async fn bad_signature_is_401() {
    let server = MockServer::start().await.unwrap();
    let gateway = server.gateway_ids()[0].clone();
    let path = common::path(&server, &gateway);

    let wrong_sk = Credentials::new(server.credentials().access_key(), "not-the-secret");
    let response = common::get_signed_with(&server, wrong_sk, &path)
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let request_id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let body = common::json(response).await;
    assert_eq!(body["error_code"], "APIGW.0301");
    assert!(
        body["error_msg"]
            .as_str()
            .unwrap()
            .starts_with("Incorrect IAM authentication information: ")
    );
    assert_eq!(body["request_id"], request_id.as_str());

    let wrong_ak = Credentials::new("SOMEONEELSE", "x");
    let response = common::get_signed_with(&server, wrong_ak, &path)
        .await
        .unwrap();
    assert_eq!(response.status(), 401);

    // Signed for another query than the one sent.
    let url = format!("{}{path}?limit=1", server.base_url());
    let mut headers = http::HeaderMap::new();
    p2c_vpn_auth::Signer::new(server.credentials())
        .sign(
            &http::Method::GET,
            &url::Url::parse(&url).unwrap(),
            &mut headers,
            b"",
        )
        .unwrap();
    let response = common::http()
        .get(format!("{url}0"))
        .headers(headers)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn unsigned_is_401() {
    let server = MockServer::start().await.unwrap();
    let url = server.connections_url(&server.gateway_ids()[0]);
    let response = common::http().get(&url).send().await.unwrap();
    assert_eq!(response.status(), 401);
    assert!(response.headers().contains_key("x-request-id"));
    let body = common::json(response).await;
    assert_eq!(body["error_code"], "APIGW.0301");

    let garbage = common::http()
        .get(&url)
        .header("authorization", "SDK-HMAC-SHA256 nonsense")
        .send()
        .await
        .unwrap();
    assert_eq!(garbage.status(), 401);
}

#[tokio::test]
async fn token_is_accepted_when_configured() {
    let server = MockServer::builder()
        .token("iam-token-123")
        .start()
        .await
        .unwrap();
    assert_eq!(server.token(), Some("iam-token-123"));
    let url = server.connections_url(&server.gateway_ids()[0]);
    let ok = common::http()
        .get(&url)
        .header("x-auth-token", "iam-token-123")
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    let bad = common::http()
        .get(&url)
        .header("x-auth-token", "other")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 401);

    let without = MockServer::start().await.unwrap();
    let response = common::http()
        .get(without.connections_url(&without.gateway_ids()[0]))
        .header("x-auth-token", "iam-token-123")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401, "no token configured, none accepted");
}

#[tokio::test]
async fn signing_can_be_disabled() {
    let server = MockServer::builder()
        .require_signature(false)
        .start()
        .await
        .unwrap();
    let response = common::http()
        .get(server.connections_url(&server.gateway_ids()[0]))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn custom_credentials() {
    let creds = Credentials::new("MYAK", "MYSK");
    let server = MockServer::builder()
        .credentials(creds.clone())
        .gateway("gw", 2)
        .start()
        .await
        .unwrap();
    assert_eq!(server.credentials().access_key(), "MYAK");
    let response = common::get_signed_with(&server, creds, &common::path(&server, "gw"))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}
