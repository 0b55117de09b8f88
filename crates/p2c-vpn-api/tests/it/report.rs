//! The per-call report and the rebuilt response: the URL survives the retry loop's rebuild,
//! a timeout inside `with_report` keeps the attempt count, and outside a scope nothing is
//! recorded.

use std::time::Duration;

use p2c_vpn_api::{Client, ClientState, Error, RetryConfig, with_report};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

fn client(server: &MockServer, retry: RetryConfig) -> Client {
    p2c_vpn_api::install_crypto_provider();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("reqwest client");
    Client::new_with_client(&server.uri(), http, ClientState::new().with_retry(retry))
}

fn fast_retries(attempts: u32) -> RetryConfig {
    RetryConfig::default()
        .with_max_attempts(attempts)
        .with_base_delay(Duration::from_millis(5))
        .with_max_delay(Duration::from_millis(20))
}

#[tokio::test]
async fn the_rebuilt_response_keeps_the_request_url() {
    let server = MockServer::start().await;
    // A status no operation documents: the generated code hands back the response itself.
    Mock::given(any())
        .respond_with(ResponseTemplate::new(302).insert_header("location", "https://elsewhere/"))
        .mount(&server)
        .await;
    let err = client(&server, RetryConfig::disabled())
        .show_p2c_vgw()
        .project_id("proj")
        .p2c_vgw_id("gw-1")
        .send()
        .await
        .expect_err("302 is undocumented");
    let Error::UnexpectedResponse(response) = err else {
        panic!("expected the raw response, got {err:?}");
    };
    assert_eq!(response.status().as_u16(), 302);
    assert_eq!(
        response.url().as_str(),
        format!("{}/v5/proj/p2c-vpn-gateways/gw-1", server.uri()),
    );
}

#[tokio::test]
async fn a_timeout_inside_the_scope_keeps_attempts_and_the_last_status() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({}))
                .set_delay(Duration::from_secs(30)),
        )
        .with_priority(2)
        .mount(&server)
        .await;
    let client = client(&server, fast_retries(3));
    let (outcome, report) = with_report(tokio::time::timeout(
        Duration::from_millis(500),
        client.list_p2c_vgws().project_id("proj").send(),
    ))
    .await;
    assert!(
        outcome.is_err(),
        "the second attempt hangs past the timeout"
    );
    assert_eq!(report.attempts, 2, "the attempt in flight counts");
    assert_eq!(report.status.map(|s| s.as_u16()), Some(503));
}

#[tokio::test]
async fn outside_a_scope_nothing_is_recorded_and_the_call_still_works() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({})))
        .mount(&server)
        .await;
    let client = client(&server, RetryConfig::disabled());
    client
        .list_p2c_vgws()
        .project_id("proj")
        .send()
        .await
        .expect("no scope needed to call");
    // A later scope starts empty: nothing leaked from the unscoped call.
    let (result, report) = with_report(async { 1 }).await;
    assert_eq!(result, 1);
    assert_eq!(report.attempts, 0);
    assert_eq!(report.status, None);
}
