//! p2c-vpn-runtime against p2c-vpn-mock.
#![allow(clippy::unwrap_used)]

mod disconnect;
mod sample;
mod watch;

use std::time::Duration;

use p2c_vpn::{Client, RetryConfig};
use p2c_vpn_mock::{MockGateway, MockServer};

/// A mock with two named gateways, no churn.
pub async fn mock() -> MockServer {
    MockServer::builder()
        .gateway_with(MockGateway::new("gw-office").name("office").connections(12))
        .gateway_with(MockGateway::new("gw-lab").name("lab").connections(3))
        .start()
        .await
        .unwrap()
}

/// A client of `server` that makes `attempts` attempts of at most `timeout` each.
pub fn client(server: &MockServer, attempts: u32, timeout: Duration) -> Client {
    Client::builder()
        .endpoint(server.base_url())
        .project_id(server.project_id())
        .credentials(server.credentials())
        .allow_insecure_http(true)
        .timeout(timeout)
        .retry(RetryConfig::default().with_max_attempts(attempts))
        .build()
        .unwrap()
}
