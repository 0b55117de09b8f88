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
        .disconnect(
            GATEWAY,
            CONN.parse::<p2c_vpn::ConnectionId>()
                .expect("a connection ID"),
        )
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
        .disconnect(
            GATEWAY,
            CONN.parse::<p2c_vpn::ConnectionId>()
                .expect("a connection ID"),
        )
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
        .disconnect(
            GATEWAY,
            CONN.parse::<p2c_vpn::ConnectionId>()
                .expect("a connection ID"),
        )
        .await
        .expect_err("no such gateway");
    assert_eq!(err.kind(), ErrorKind::Service);
    assert_eq!(err.error_code(), Some("VPN.0004"));
}

#[tokio::test]
async fn a_lost_answer_is_retried_and_a_404_then_is_unconfirmed_never_already_gone() {
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
        .disconnect(
            GATEWAY,
            CONN.parse::<p2c_vpn::ConnectionId>()
                .expect("a connection ID"),
        )
        .await
        .expect("retried");
    // The first attempt may have been the one that disconnected it.
    assert!(
        matches!(outcome, Disconnected::Unconfirmed { .. }),
        "{outcome:?}"
    );
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
    for id in [
        "",
        "..",
        "a/b",
        "a?b",
        "not-a-uuid",
        "4f08c74b-a132-4993-a1ce-183ba657499",
    ] {
        let err = id.parse::<p2c_vpn::ConnectionId>().expect_err(id);
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{id:?}");
        assert_eq!(
            err.setting(),
            Some(p2c_vpn::Setting::ConnectionId),
            "{id:?}"
        );
    }
    assert!(
        server
            .received_requests()
            .await
            .expect("recorded")
            .is_empty()
    );
}

#[tokio::test]
async fn connection_ids_are_sent_exactly_as_written() {
    let server = MockServer::start().await;
    let upper = "4F08C74B-A132-4993-A1CE-183BA6574995";
    Mock::given(method("POST"))
        .and(path(format!(
            "/v5/{PROJECT}/p2c-vpn-gateways/{GATEWAY}/connections/{upper}/disconnect"
        )))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({})))
        .expect(1)
        .mount(&server)
        .await;
    let id: p2c_vpn::ConnectionId = upper.parse().expect("upper case is a UUID");
    assert_eq!(id.to_string(), upper, "not rewritten");
    let outcome = client(&server)
        .disconnect(GATEWAY, &id)
        .await
        .expect("sent as written");
    assert!(matches!(outcome, Disconnected::Disconnected { .. }));
}
