//! A hostile server gets a clear error, never the caller's memory or time: body caps
//! enforced while bytes arrive, a cap on JSON values, pagination that always ends, redirects
//! named, long messages shortened, a skewed clock explained.

use crate::common;

use std::time::Duration;

use common::{GATEWAY, builder, client, connection, path};
use p2c_vpn::{ErrorKind, ResponseLimits, RetryConfig};
use serde_json::json;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A loopback server that answers every request with `head`, then writes `chunk` until
/// the client goes away or `max_bytes` have been written (bounded: it stops by itself).
async fn endless(head: &'static str, chunk: &'static [u8], max_bytes: usize) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = socket.read(&mut buf).await;
                if socket.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let mut written = 0;
                while written < max_bytes {
                    if socket.write_all(chunk).await.is_err() {
                        return;
                    }
                    written += chunk.len();
                }
            });
        }
    });
    format!("http://{addr}")
}

#[tokio::test]
async fn an_endless_chunked_body_stops_at_the_cap_not_at_the_timeout() {
    // Chunked encoding: each chunk announces 64 KiB of `[[[[`.
    static CHUNK: std::sync::LazyLock<Vec<u8>> = std::sync::LazyLock::new(|| {
        let mut c = b"10000\r\n".to_vec();
        c.extend(std::iter::repeat_n(b'[', 0x10000));
        c.extend(b"\r\n");
        c
    });
    let url = endless(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n",
        &CHUNK,
        64 << 20,
    )
    .await;
    let client = p2c_vpn::Client::builder()
        .endpoint(url)
        .project_id(common::PROJECT)
        .credentials(p2c_vpn::Credentials::new("AK", "SK"))
        .response_limits(ResponseLimits {
            max_body_bytes: 1 << 20,
            ..ResponseLimits::default()
        })
        .timeout(Duration::from_secs(30))
        .build()
        .expect("builds");
    let err = client
        .connections(GATEWAY)
        .send()
        .await
        .expect_err("capped");
    // Stopped by the cap (a decode error naming it), not by the timeout (a timeout error).
    assert_eq!(err.kind(), ErrorKind::Decode, "{err}");
    assert!(err.to_string().contains("1048576 body bytes"), "{err}");
    assert_eq!(err.attempts(), 1, "a body past the cap is not retried");
}

#[tokio::test]
async fn an_announced_huge_body_is_refused_before_reading() {
    let url = endless(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2147483648\r\n\r\n",
        b"{",
        1 << 20,
    )
    .await;
    let client = p2c_vpn::Client::builder()
        .endpoint(url)
        .project_id(common::PROJECT)
        .credentials(p2c_vpn::Credentials::new("AK", "SK"))
        .build()
        .expect("builds");
    let err = client.connections(GATEWAY).send().await.expect_err("2 GiB");
    assert_eq!(err.kind(), ErrorKind::Decode);
    assert!(err.to_string().contains("body bytes"), "{err}");
}

#[tokio::test]
async fn a_million_empty_records_are_refused_by_the_value_cap() {
    let server = MockServer::start().await;
    let mut body = String::from(r#"{"total_count":1000000,"connections":["#);
    body.push_str(&vec!["{}"; 1_000_000].join(","));
    body.push_str("]}");
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(body, "application/json"))
        .mount(&server)
        .await;
    let err = client(&server)
        .connections(GATEWAY)
        .send()
        .await
        .expect_err("too many values");
    assert_eq!(err.kind(), ErrorKind::Decode);
    assert!(err.to_string().contains("100000 JSON values"), "{err}");
}

#[tokio::test]
async fn a_server_ignoring_offset_without_ids_is_caught_by_page_content() {
    let server = MockServer::start().await;
    let mut c = connection(1);
    c.as_object_mut().expect("object").remove("connection_id");
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"connections": [c.clone(), c], "total_count": 1000})),
        )
        .mount(&server)
        .await;
    let err = client(&server)
        .connections(GATEWAY)
        .page_size(2)
        .read_ahead(1)
        .collect_all()
        .await
        .expect_err("loops");
    assert_eq!(err.kind(), ErrorKind::Pagination);
    assert!(
        err.to_string().contains("repeated an earlier page"),
        "{err}"
    );
    assert_eq!(server.received_requests().await.expect("recorded").len(), 2);
}

#[tokio::test]
async fn a_total_that_never_ends_stops_at_the_page_cap() {
    let server = MockServer::start().await;
    // Every page brings new IDs and promises more.
    let counter = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let c2 = counter.clone();
    Mock::given(method("GET"))
        .respond_with(move |_: &wiremock::Request| {
            let n = c2.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            ResponseTemplate::new(200).set_body_json(json!({
                "connections": [connection(2 * n), connection(2 * n + 1)],
                "total_count": i64::MAX
            }))
        })
        .mount(&server)
        .await;
    let err = client(&server)
        .connections(GATEWAY)
        .page_size(2)
        .max_pages(25)
        .collect_all()
        .await
        .expect_err("capped");
    assert_eq!(err.kind(), ErrorKind::Pagination);
    assert!(err.to_string().contains("cap of 25 pages"), "{err}");
    assert!(counter.load(std::sync::atomic::Ordering::SeqCst) <= 25 + 4);
}

#[tokio::test]
async fn a_negative_total_is_unknown() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"connections": [connection(1)], "total_count": -5})),
        )
        .mount(&server)
        .await;
    let all = client(&server)
        .connections(GATEWAY)
        .page_size(10)
        .collect_all()
        .await
        .expect("a short page without a total is the last");
    assert_eq!(all.len(), 1);
}

#[tokio::test]
async fn a_redirect_is_named_without_its_user_info_and_not_followed() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(302)
                .insert_header("location", "https://user:hunter2@evil.example/steal"),
        )
        .mount(&server)
        .await;
    let err = client(&server)
        .connections(GATEWAY)
        .send()
        .await
        .expect_err("302");
    let msg = err.to_string();
    assert!(
        msg.contains("evil.example/steal") && msg.contains("not followed"),
        "{msg}"
    );
    assert!(!msg.contains("hunter2") && !msg.contains("user:"), "{msg}");
    assert_eq!(server.received_requests().await.expect("recorded").len(), 1);
}

#[tokio::test]
async fn a_long_server_message_is_shortened_in_display_only() {
    let server = MockServer::start().await;
    let long = "x".repeat(10_000);
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(400)
                .set_body_json(json!({"error_code": "VPN.0001", "error_msg": long})),
        )
        .mount(&server)
        .await;
    let err = client(&server)
        .connections(GATEWAY)
        .send()
        .await
        .expect_err("400");
    assert!(err.to_string().len() < 400, "{}", err.to_string().len());
    assert!(err.to_string().ends_with('…'));
    assert_eq!(err.error_message().len(), 10_000);
}

#[tokio::test]
async fn a_rejected_signature_with_a_skewed_clock_says_so() {
    let server = MockServer::start().await;
    let server_time = std::time::SystemTime::now() - Duration::from_secs(3600 + 120);
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(401)
                .insert_header("date", httpdate::fmt_http_date(server_time).as_str())
                .set_body_json(json!({
                    "error_code": "APIGW.0301",
                    "error_msg": "Incorrect IAM authentication information: verify aksk signature fail"
                })),
        )
        .mount(&server)
        .await;
    let err = builder(&server)
        .retry(RetryConfig::disabled())
        .build()
        .expect("builds")
        .connections(GATEWAY)
        .send()
        .await
        .expect_err("401");
    assert_eq!(err.kind(), ErrorKind::Unauthorized);
    let msg = err.error_message();
    assert!(
        msg.contains("local clock is 1h 2m ahead of the server's") && msg.contains("system clock"),
        "{msg}"
    );
    let _ = path();
}

#[tokio::test]
async fn a_custom_http_client_cannot_turn_redirects_back_on() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(307).insert_header("location", "/elsewhere"))
        .mount(&server)
        .await;
    let custom = p2c_vpn::reqwest::Client::builder()
        .redirect(p2c_vpn::reqwest::redirect::Policy::limited(10));
    let err = builder(&server)
        .http_client(custom)
        .build()
        .expect("builds")
        .connections(GATEWAY)
        .send()
        .await
        .expect_err("307 is not followed");
    assert!(err.to_string().contains("not followed"), "{err}");
    assert_eq!(server.received_requests().await.expect("recorded").len(), 1);
}
