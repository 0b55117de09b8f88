//! The retry loop: which failures are retried, Retry-After, re-signing, and its limits.

use crate::common;

use std::time::Duration;

use common::retry_log::RetryLog;
use common::{GATEWAY, builder, client, page};
use p2c_vpn::{ErrorKind, RetryConfig};
use tracing::instrument::WithSubscriber as _;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// What the error of the whole-operation timeout says (an attempt's timeout says only
/// reqwest's "operation timed out").
const OPERATION_TIMEOUT: &str = "(raise the operation timeout?)";

async fn fail_then_succeed(fail: ResponseTemplate, times: u64) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(fail)
        .up_to_n_times(times)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(0..2, 2)))
        .with_priority(2)
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn two_503s_then_200_succeeds_on_the_third_attempt() {
    let server = fail_then_succeed(ResponseTemplate::new(503), 2).await;
    let page = client(&server)
        .connections(GATEWAY)
        .send()
        .await
        .expect("third attempt succeeds");
    assert_eq!(page.connections.len(), 2);
    let requests = server.received_requests().await.expect("recording");
    assert_eq!(requests.len(), 3);
    // Every attempt carries its own signature.
    for r in &requests {
        let auth = r.headers.get("authorization").expect("signed");
        assert!(
            auth.to_str()
                .expect("ascii")
                .starts_with("SDK-HMAC-SHA256 Access=TESTAK, ")
        );
        assert!(r.headers.get("x-sdk-date").is_some());
    }
}

#[tokio::test]
async fn retries_stop_at_max_attempts_and_report_them() {
    let server = fail_then_succeed(
        ResponseTemplate::new(503).set_body_json(serde_json::json!({
            "error_code": "VPN.0002", "error_msg": "busy", "request_id": "r-503"
        })),
        10,
    )
    .await;
    let err = client(&server)
        .connections(GATEWAY)
        .send()
        .await
        .expect_err("always 503");
    assert_eq!(err.kind(), ErrorKind::Service);
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(err.attempts(), 3);
    assert_eq!(err.error_code(), Some("VPN.0002"));
    assert!(err.is_retryable());
    assert!(err.to_string().contains("after 3 attempts"), "{err}");
    assert_eq!(
        server.received_requests().await.expect("recording").len(),
        3
    );
}

#[tokio::test]
async fn retries_can_be_disabled() {
    let server = fail_then_succeed(ResponseTemplate::new(503), 10).await;
    let err = builder(&server)
        .retry(RetryConfig::disabled())
        .build()
        .expect("client")
        .connections(GATEWAY)
        .send()
        .await
        .expect_err("503");
    assert_eq!(err.attempts(), 1);
    assert_eq!(
        server.received_requests().await.expect("recording").len(),
        1
    );
}

#[tokio::test]
async fn retry_after_is_honoured() {
    // (Retry-After, the policy's max_delay, the wait the retry loop must decide): the
    // header as given, and one past `max_delay` cut to it.
    let cases = [
        ("1", Duration::from_secs(5), Duration::from_secs(1)),
        ("3600", Duration::from_millis(20), Duration::from_millis(20)),
    ];
    for (retry_after, max_delay, decided) in cases {
        let server = fail_then_succeed(
            ResponseTemplate::new(429).insert_header("Retry-After", retry_after),
            1,
        )
        .await;
        let client = builder(&server)
            .retry(RetryConfig::default().with_max_delay(max_delay))
            .build()
            .expect("client");
        // The wait the retry loop decided, not how long the call took (no wall clock).
        let log = RetryLog::default();
        client
            .connections(GATEWAY)
            .send()
            .with_subscriber(log.subscriber())
            .await
            .expect("second attempt");
        assert_eq!(log.delays(), [decided], "Retry-After: {retry_after}");
        assert_eq!(
            server.received_requests().await.expect("recording").len(),
            2,
            "Retry-After: {retry_after}"
        );
    }
}

#[tokio::test]
async fn an_html_502_from_a_proxy_is_retried_and_reported_with_its_status() {
    let html = ResponseTemplate::new(502)
        .insert_header("content-type", "text/html")
        .insert_header("x-request-id", "proxy-rid")
        .set_body_string("<html><body><h1>502 Bad Gateway</h1></body></html>");
    let server = fail_then_succeed(html.clone(), 1).await;
    client(&server)
        .connections(GATEWAY)
        .send()
        .await
        .expect("retried past the HTML 502");

    let server = fail_then_succeed(html, 10).await;
    let err = client(&server)
        .connections(GATEWAY)
        .send()
        .await
        .expect_err("always 502");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(502));
    assert_eq!(err.kind(), ErrorKind::Service);
    assert!(err.error_message().contains("502 Bad Gateway"), "{err}");
    assert_eq!(err.request_id(), Some("proxy-rid"));
    assert_eq!(err.attempts(), 3);
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    let server = fail_then_succeed(ResponseTemplate::new(404), 10).await;
    let err = client(&server)
        .connections(GATEWAY)
        .send()
        .await
        .expect_err("404");
    assert_eq!(err.attempts(), 1);
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn a_hung_server_times_out_at_the_configured_timeout() {
    // The server answers after 30 s; a call that ends in an error before that was cut by
    // the client's own timeout, and which one cut it is in the error (no wall clock).
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(30)))
        .mount(&server)
        .await;
    let client = builder(&server)
        .timeout(Duration::from_millis(300))
        .operation_timeout(Duration::from_secs(3600))
        .retry(RetryConfig::disabled())
        .build()
        .expect("client");
    let err = client
        .connections(GATEWAY)
        .send()
        .await
        .expect_err("timeout");
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert!(
        !err.to_string().contains(OPERATION_TIMEOUT),
        "the attempt timeout, not the operation's: {err}"
    );
    assert_eq!(err.attempts(), 1);

    // The whole-operation bound caps retries too: attempts may last past the server's
    // delay, so only the operation timeout can end this call in an error, during its
    // first attempt.
    let client = builder(&server)
        .timeout(Duration::from_secs(3600))
        .operation_timeout(Duration::from_millis(400))
        .build()
        .expect("client");
    let err = client
        .connections(GATEWAY)
        .send()
        .await
        .expect_err("timeout");
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert!(err.to_string().contains(OPERATION_TIMEOUT), "{err}");
    assert_eq!(err.attempts(), 1, "{err}");
}

#[tokio::test]
async fn an_unreachable_endpoint_is_a_connect_error_after_retries() {
    // Bind then drop a listener: the port is (almost certainly) closed now.
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr");
    let client = p2c_vpn::Client::builder()
        .endpoint(format!("http://{addr}"))
        .project_id(common::PROJECT)
        .credentials(p2c_vpn::Credentials::new("AK", "SK"))
        .retry(RetryConfig::default().with_base_delay(Duration::from_millis(1)))
        .build()
        .expect("client");
    let err = client
        .connections(GATEWAY)
        .send()
        .await
        .expect_err("refused");
    assert_eq!(err.kind(), ErrorKind::Connect, "{err}");
    assert!(err.is_retryable());
}
