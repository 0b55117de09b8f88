//! One test per fault.
#![allow(clippy::unwrap_used)]
use crate::common;

use std::time::Duration;

use p2c_vpn_mock::{Fault, MockServer, StatusCode};

async fn server() -> (MockServer, String) {
    let server = MockServer::builder()
        .gateway("gw", 30)
        .start()
        .await
        .unwrap();
    let path = common::path(&server, "gw");
    (server, path)
}

/// Over the wire, a latency fault serves normally and a queued one is taken by one
/// request; how long the answer is held is checked on paused time in the handler's unit
/// tests (`latency_holds_the_answer_for_exactly_the_latency_set`), not on the wall clock.
#[tokio::test]
async fn latency() {
    let (server, path) = server().await;
    server.faults().set_latency(Duration::from_millis(150));
    assert_eq!(common::get_signed(&server, &path).await.status(), 200);

    server.faults().set_latency(Duration::ZERO);
    server
        .faults()
        .push(Fault::Latency(Duration::from_millis(100)));
    assert_eq!(server.faults().pending(), 1);
    assert_eq!(common::get_signed(&server, &path).await.status(), 200);
    assert_eq!(server.faults().pending(), 0, "taken by that request");
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn fail_next_then_success() {
    let (server, path) = server().await;
    server
        .faults()
        .fail_next(2, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(server.faults().pending(), 2);
    for _ in 0..2 {
        let response = common::get_signed(&server, &path).await;
        assert_eq!(response.status(), 503);
        let request_id = response.headers()["x-request-id"]
            .to_str()
            .unwrap()
            .to_owned();
        let body = common::json(response).await;
        assert_eq!(body["error_code"], "VPN.0002");
        assert_eq!(body["request_id"], request_id.as_str());
    }
    assert_eq!(common::get_signed(&server, &path).await.status(), 200);
    assert_eq!(server.faults().pending(), 0);
}

#[tokio::test]
async fn too_many_requests_with_retry_after() {
    let (server, path) = server().await;
    server.faults().push(Fault::TooManyRequests {
        retry_after_secs: 7,
    });
    let response = common::get_signed(&server, &path).await;
    assert_eq!(response.status(), 429);
    assert_eq!(response.headers()["retry-after"], "7");
    let body = common::json(response).await;
    assert_eq!(body["error_code"], "APIGW.0308");
}

#[tokio::test]
async fn html_bad_gateway() {
    let (server, path) = server().await;
    server.faults().push(Fault::HtmlBadGateway);
    let response = common::get_signed(&server, &path).await;
    assert_eq!(response.status(), 502);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(response.headers().contains_key("x-request-id"));
    let text = response.text().await.unwrap();
    assert!(text.contains("<html>") && text.contains("Bad Gateway"));
    assert!(serde_json::from_str::<serde_json::Value>(&text).is_err());
}

#[tokio::test]
async fn truncated_json() {
    let (server, path) = server().await;
    server.faults().push(Fault::TruncatedJson);
    let response = common::get_signed(&server, &path).await;
    assert_eq!(response.status(), 200);
    let bytes = response
        .bytes()
        .await
        .expect("valid HTTP, complete (short) body");
    assert!(!bytes.is_empty());
    assert!(serde_json::from_slice::<serde_json::Value>(&bytes).is_err());
}

#[tokio::test]
async fn reset_mid_body() {
    let (server, path) = server().await;
    server.faults().push(Fault::ResetMidBody);
    let response = common::get_signed(&server, &path).await;
    assert_eq!(response.status(), 200);
    let error = response.bytes().await.expect_err("the body is cut off");
    assert!(
        error.is_body() || error.is_decode() || error.is_request(),
        "{error:?}"
    );
    // The server goes on.
    assert_eq!(common::get_signed(&server, &path).await.status(), 200);
}

#[tokio::test]
async fn hang_hits_client_timeout() {
    let (server, path) = server().await;
    server.faults().push(Fault::Hang);
    p2c_vpn_api::install_crypto_provider();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let response = client
        .get(format!("{}{path}", server.base_url()))
        .send()
        .await;
    let error = response.expect_err("never answered");
    assert!(error.is_timeout(), "{error:?}");
    // Shutting down ends the hanging request (the guard only turns a hang into a failure).
    tokio::time::timeout(Duration::from_secs(60), server.shutdown())
        .await
        .expect("hung: shutting down waited for the hanging request")
        .unwrap();
}

#[tokio::test]
async fn ignore_offset() {
    let (server, _) = server().await;
    let first = common::list(&server, "gw", Some(10), Some(0)).await;
    server.faults().always(Fault::IgnoreOffset);
    let second = common::list(&server, "gw", Some(10), Some(10)).await;
    assert_eq!(
        first
            .connections
            .iter()
            .map(|c| c.connection_id)
            .collect::<Vec<_>>(),
        second
            .connections
            .iter()
            .map(|c| c.connection_id)
            .collect::<Vec<_>>()
    );
    server.faults().never();
    let fixed = common::list(&server, "gw", Some(10), Some(10)).await;
    assert_ne!(
        first.connections[0].connection_id,
        fixed.connections[0].connection_id
    );
}

#[tokio::test]
async fn wrong_field_type() {
    let (server, path) = server().await;
    server.faults().push(Fault::WrongFieldType);
    let body = common::json(common::get_signed(&server, &path).await).await;
    let first = &body["connections"][0];
    assert!(first["inbound_bytes"].is_string(), "{first}");
    assert!(first["outbound_bytes"].is_number());
    // The generated client rejects it.
    server.faults().push(Fault::WrongFieldType);
    let client = common::api(&server);
    let result = client
        .list_p2c_vgw_connections()
        .project_id(server.project_id())
        .p2c_vgw_id("gw")
        .send()
        .await;
    assert!(result.is_err());
}

#[tokio::test]
async fn clear_removes_everything() {
    let (server, path) = server().await;
    server
        .faults()
        .fail_next(3, StatusCode::INTERNAL_SERVER_ERROR)
        .always(Fault::HtmlBadGateway)
        .set_latency(Duration::from_secs(10));
    server.faults().clear();
    assert_eq!(common::get_signed(&server, &path).await.status(), 200);
}
