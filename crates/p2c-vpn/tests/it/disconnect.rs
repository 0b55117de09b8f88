//! Disconnecting: success, a connection already gone, an unknown gateway, retries.

use crate::common;

use common::{GATEWAY, PROJECT, client};
use p2c_vpn::{Disconnected, ErrorKind};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const CONN: &str = "10293371-114e-4d2a-878e-c6a616d0ec0e";

fn disconnect_path() -> String {
    format!("/v5/{PROJECT}/p2c-vpn-gateways/{GATEWAY}/connections/{CONN}/disconnect")
}

fn not_found() -> ResponseTemplate {
    ResponseTemplate::new(404)
        .set_body_json(json!({"code": "VPN.0004", "message": "The resource does not exist."}))
}

async fn gateway_exists(server: &MockServer, exists: bool) {
    let response = if exists {
        ResponseTemplate::new(200)
            .set_body_json(json!({"p2c_vpn_gateway": {"id": GATEWAY, "name": "g"}}))
    } else {
        not_found()
    };
    Mock::given(method("GET"))
        .and(path(format!("/v5/{PROJECT}/p2c-vpn-gateways/{GATEWAY}")))
        .respond_with(response)
        .mount(server)
        .await;
}

#[tokio::test]
async fn disconnect_posts_once_and_reports_the_request_id() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(disconnect_path()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"request_id": "c63d8508"})))
        .expect(1)
        .mount(&server)
        .await;
    let outcome = client(&server)
        .disconnect(GATEWAY, CONN)
        .await
        .expect("disconnects");
    assert_eq!(
        outcome,
        Disconnected::Disconnected {
            request_id: Some("c63d8508".into())
        }
    );
    let requests = server.received_requests().await.expect("recorded");
    assert!(requests[0].headers.contains_key("authorization"), "signed");
    assert!(requests[0].body.is_empty(), "no body");
}

#[tokio::test]
async fn a_connection_already_gone_is_reported_as_such() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(disconnect_path()))
        .respond_with(not_found())
        .mount(&server)
        .await;
    gateway_exists(&server, true).await;
    let outcome = client(&server)
        .disconnect(GATEWAY, CONN)
        .await
        .expect("not a failure");
    assert!(
        matches!(outcome, Disconnected::AlreadyGone { .. }),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn an_unknown_gateway_is_an_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(disconnect_path()))
        .respond_with(not_found())
        .mount(&server)
        .await;
    gateway_exists(&server, false).await;
    let err = client(&server)
        .disconnect(GATEWAY, CONN)
        .await
        .expect_err("no such gateway");
    assert_eq!(err.kind(), ErrorKind::Service);
    assert_eq!(err.error_code(), Some("VPN.0004"));
}

#[tokio::test]
async fn a_lost_answer_is_retried_and_the_retry_sees_it_gone() {
    let server = MockServer::start().await;
    // The first attempt disconnected but its answer was a 503 from a proxy; the retry
    // finds the connection gone.
    Mock::given(method("POST"))
        .and(path(disconnect_path()))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(disconnect_path()))
        .respond_with(not_found())
        .mount(&server)
        .await;
    gateway_exists(&server, true).await;
    let outcome = client(&server)
        .disconnect(GATEWAY, CONN)
        .await
        .expect("retried");
    assert!(matches!(outcome, Disconnected::AlreadyGone { .. }));
    let posts = server
        .received_requests()
        .await
        .expect("recorded")
        .into_iter()
        .filter(|r| r.method.as_str() == "POST")
        .count();
    assert_eq!(posts, 2);
}

#[tokio::test]
async fn hostile_connection_ids_are_refused_before_sending() {
    let server = MockServer::start().await;
    for id in ["", "..", "a/b", "a?b"] {
        let err = client(&server).disconnect(GATEWAY, id).await.expect_err(id);
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{id:?}");
    }
    assert!(
        server
            .received_requests()
            .await
            .expect("recorded")
            .is_empty()
    );
}
