//! Shared test helpers: a client pointed at a wiremock server, and page bodies.
#![allow(dead_code)]

pub mod retry_log;

use std::time::Duration;

use p2c_vpn::{Client, Credentials, RetryConfig};
use serde_json::{Value, json};
use wiremock::MockServer;

pub const PROJECT: &str = "0123456789abcdef0123456789abcdef";
pub const GATEWAY: &str = "b5c4c0a2-1a5e-4c1e-9a3e-2f1f4e0f7d11";

pub fn path() -> String {
    format!("/v5/{PROJECT}/p2c-vpn-gateways/{GATEWAY}/connections")
}

/// A client for `server` with fast retries (so tests don't sleep for long).
pub fn client(server: &MockServer) -> Client {
    builder(server).build().expect("client builds")
}

pub fn builder(server: &MockServer) -> p2c_vpn::ClientBuilder {
    Client::builder()
        .endpoint(server.uri())
        .project_id(PROJECT)
        .credentials(Credentials::new("TESTAK", "TESTSK-secret"))
        .retry(
            RetryConfig::default()
                .with_base_delay(Duration::from_millis(5))
                .with_max_delay(Duration::from_millis(50)),
        )
}

/// A deterministic connection with index `i`.
pub fn connection(i: usize) -> Value {
    json!({
        "connection_id": format!("00000000-0000-4000-8000-{i:012}"),
        "client_virtual_ip": format!("172.16.0.{}", i % 250),
        "client_ip": "100.***.***.100",
        "client_user_name": format!("user{i}"),
        "inbound_packets": 13 + i,
        "outbound_packets": 24 + i,
        "inbound_bytes": 4185 + i,
        "outbound_bytes": 10480 + i,
        "connection_established_time": "2024-06-17T02:58:27.213Z",
        "timestamp": "2024-06-17T02:58:48Z"
    })
}

pub fn page(range: std::ops::Range<usize>, total: usize) -> Value {
    json!({
        "connections": range.map(connection).collect::<Vec<_>>(),
        "total_count": total,
        "request_id": "6844f73ab1dd713d369b88904a935bd6"
    })
}
