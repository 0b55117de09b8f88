//! Every public call path of `Client` reports how many attempts a failed call made and the
//! status it ended with, both for an undecodable error body (an HTML 502, which reaches the
//! wrapper only through the hooks' report) and for a documented JSON error; the operation
//! timeout keeps the attempt count.

use crate::common;

use std::time::Duration;

use common::{GATEWAY, PROJECT};
use futures::{StreamExt as _, TryStreamExt as _};
use p2c_vpn::{Client, Credentials, Error, ErrorKind, RetryConfig};
use wiremock::matchers::{any, method};
use wiremock::{Mock, MockServer, ResponseTemplate};

const CONNECTION: &str = "00000000-0000-4000-8000-000000000001";

fn retries(attempts: u32) -> RetryConfig {
    RetryConfig::default()
        .with_max_attempts(attempts)
        .with_base_delay(Duration::from_millis(5))
        .with_max_delay(Duration::from_millis(20))
}

fn html_502() -> ResponseTemplate {
    ResponseTemplate::new(502)
        .insert_header("x-request-id", "rid-502")
        .set_body_raw("<html><h1>502 Bad Gateway</h1></html>", "text/html")
}

fn json_400() -> ResponseTemplate {
    ResponseTemplate::new(400)
        .insert_header("x-request-id", "rid-400")
        .set_body_json(serde_json::json!({"error_code": "VPN.0001", "error_msg": "bad"}))
}

async fn server_answering(template: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(template)
        .mount(&server)
        .await;
    server
}

fn client(server: &MockServer, attempts: u32) -> Client {
    Client::builder()
        .endpoint(server.uri())
        .project_id(PROJECT)
        .credentials(Credentials::new("TESTAK", "TESTSK-secret"))
        .retry(retries(attempts))
        .build()
        .expect("client builds")
}

/// Every public path that sends a request, each ending in the server's error.
async fn every_path(client: &Client) -> Vec<(&'static str, Error)> {
    let mut errors = Vec::new();
    let mut push = |what, result: Result<(), Error>| match result {
        Ok(()) => panic!("{what}: succeeded against a failing server"),
        Err(e) => errors.push((what, e)),
    };
    push(
        "connections send",
        client.connections(GATEWAY).send().await.map(drop),
    );
    push(
        "connections stream",
        match client.connections(GATEWAY).stream().next().await {
            Some(result) => result.map(drop),
            None => Ok(()),
        },
    );
    push(
        "connections collect_all",
        client.connections(GATEWAY).collect_all().await.map(drop),
    );
    push(
        "connections by gateway name",
        client.connections("gw-by-name").send().await.map(drop),
    );
    push("gateways send", client.gateways().send().await.map(drop));
    push(
        "gateways stream",
        client.gateways().stream().try_next().await.map(drop),
    );
    push("gateway show", client.gateway(GATEWAY).await.map(drop));
    push(
        "gateway by name",
        client.gateway("gw-by-name").await.map(drop),
    );
    push(
        "disconnect",
        client
            .disconnect(
                GATEWAY,
                CONNECTION
                    .parse::<p2c_vpn::ConnectionId>()
                    .expect("a connection ID"),
            )
            .await
            .map(drop),
    );
    push("log config", client.log_config(GATEWAY).await.map(drop));
    let config = p2c_vpn::LogConfig::new("group", "stream").expect("valid IDs");
    push(
        "set log config",
        client.set_log_config(GATEWAY, &config).await.map(drop),
    );
    push("delete log config", client.delete_log_config(GATEWAY).await);
    errors
}

fn assert_reported(what: &str, err: &Error, status: u16, attempts: u32, request_id: &str) {
    assert_eq!(
        err.status().map(|s| s.as_u16()),
        Some(status),
        "{what}: {err}"
    );
    assert_eq!(err.attempts(), attempts, "{what}: {err}");
    assert_eq!(err.request_id(), Some(request_id), "{what}: {err}");
}

#[tokio::test]
async fn an_undecodable_error_body_carries_status_and_attempts_on_every_path() {
    let server = server_answering(html_502()).await;
    let client = client(&server, 2);
    let errors = every_path(&client).await;
    assert_eq!(errors.len(), 12);
    for (what, err) in &errors {
        assert_eq!(err.kind(), ErrorKind::Service, "{what}: {err}");
        assert_reported(what, err, 502, 2, "rid-502");
        assert!(
            err.to_string().contains("after 2 attempts"),
            "{what}: {err}"
        );
    }
}

#[tokio::test]
async fn a_documented_error_body_carries_status_and_attempts_on_every_path() {
    let server = server_answering(json_400()).await;
    let client = client(&server, 3);
    for (what, err) in every_path(&client).await {
        assert_eq!(err.error_code(), Some("VPN.0001"), "{what}: {err}");
        assert_reported(what, &err, 400, 1, "rid-400");
    }
}

#[tokio::test]
async fn the_project_lookup_carries_status_and_attempts() {
    let (vpn, iam) = (
        MockServer::start().await,
        server_answering(html_502()).await,
    );
    let client = Client::builder()
        .endpoint(vpn.uri())
        .region("cn-north-4")
        .iam_endpoint(iam.uri())
        .credentials(Credentials::new("TESTAK", "TESTSK-secret"))
        .retry(retries(2))
        .build()
        .expect("client builds");
    for (what, err) in every_path(&client).await {
        assert_reported(what, &err, 502, 2, "rid-502");
    }
    assert!(
        vpn.received_requests().await.expect("recorded").is_empty(),
        "nothing reaches the VPN service without a project"
    );
}

#[tokio::test]
async fn the_operation_timeout_keeps_the_attempt_count_and_the_last_answer() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503).insert_header("x-request-id", "rid-503"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(30)))
        .with_priority(2)
        .mount(&server)
        .await;
    let client = Client::builder()
        .endpoint(server.uri())
        .project_id(PROJECT)
        .credentials(Credentials::new("TESTAK", "TESTSK-secret"))
        .retry(retries(3))
        .timeout(Duration::from_secs(10))
        .operation_timeout(Duration::from_millis(500))
        .build()
        .expect("client builds");
    let err = client
        .connections(GATEWAY)
        .send()
        .await
        .expect_err("the second attempt hangs past the operation timeout");
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert_eq!(err.attempts(), 2, "the attempt in flight counts: {err}");
    assert_eq!(err.status(), None, "no final response: {err}");
    assert_eq!(err.request_id(), Some("rid-503"), "{err}");
    let line = err.to_string();
    assert!(
        line.starts_with("timeout: operation timed out after 500ms; the last answer was HTTP 503"),
        "{line}"
    );
    assert!(line.contains("after 2 attempts"), "{line}");

    // Cut short during the first attempt: still one attempt, and `Display` says so.
    let hung = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(30)))
        .mount(&hung)
        .await;
    let client = Client::builder()
        .endpoint(hung.uri())
        .project_id(PROJECT)
        .credentials(Credentials::new("TESTAK", "TESTSK-secret"))
        .operation_timeout(Duration::from_millis(300))
        .build()
        .expect("client builds");
    let err = client.gateway(GATEWAY).await.expect_err("hangs");
    assert_eq!(err.attempts(), 1, "{err}");
    assert!(err.to_string().ends_with("(after 1 attempt)"), "{err}");
}
