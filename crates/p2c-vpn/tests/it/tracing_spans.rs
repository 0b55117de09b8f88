//! tracing: one span per call and per attempt with the useful fields, and never a
//! secret or a client IP, even at TRACE level with every dependency's events on.

use std::io::Write;
use std::sync::{Arc, Mutex};

use crate::common::{GATEWAY, client, connection};
use serde_json::json;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::format::FmtSpan;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Captured {
        self.clone()
    }
}

#[tokio::test]
async fn spans_carry_call_and_attempt_fields_but_no_secrets() {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(FmtSpan::CLOSE)
        .with_ansi(false)
        .with_writer(captured.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    let mut c = connection(0);
    c["client_ip"] = json!("198.51.100.23");
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-request-id", "rid-123")
                .set_body_json(json!({"connections": [c], "total_count": 1})),
        )
        .with_priority(2)
        .mount(&server)
        .await;

    let page = client(&server)
        .connections(GATEWAY)
        .send()
        .await
        .expect("second attempt");
    assert_eq!(page.connections.len(), 1);

    let log = String::from_utf8(captured.0.lock().expect("lock").clone()).expect("utf-8");
    for expected in [
        "p2c_vpn.list_connections",
        &format!("gateway=\"{GATEWAY}\""),
        "attempt=1",
        "attempt=2",
        "status=503",
        "status=200",
        "request_id=\"rid-123\"",
        "elapsed_ms=",
        "retrying",
    ] {
        assert!(log.contains(expected), "missing {expected:?} in:\n{log}");
    }
    for secret in [
        "TESTSK-secret",
        "Signature=",
        "SDK-HMAC-SHA256 Access",
        "198.51.100.23",
    ] {
        assert!(!log.contains(secret), "{secret:?} leaked into:\n{log}");
    }
}
