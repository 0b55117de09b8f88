//! Helpers shared by the integration tests.
#![allow(dead_code, clippy::unwrap_used)]

use std::time::Duration;

use http::{HeaderMap, Method};
use p2c_vpn_api::types::ListP2cVgwConnectionsResponse;
use p2c_vpn_api::{Client, ClientState, RetryConfig};
use p2c_vpn_auth::{Auth, Credentials, Signer};
use p2c_vpn_mock::MockServer;

/// A plain reqwest client; its 60 s timeout is a hang guard, not a time bound.
pub fn http() -> reqwest::Client {
    p2c_vpn_api::install_crypto_provider();
    reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap()
}

/// Sends `GET {base_url}{path_and_query}` signed with `creds`.
pub async fn get_signed_with(
    server: &MockServer,
    creds: Credentials,
    path_and_query: &str,
) -> reqwest::Result<reqwest::Response> {
    let url = url::Url::parse(&format!("{}{path_and_query}", server.base_url())).unwrap();
    let mut headers = HeaderMap::new();
    Signer::new(creds)
        .sign(&Method::GET, &url, &mut headers, b"")
        .unwrap();
    http().get(url).headers(headers).send().await
}

/// Sends `GET {base_url}{path_and_query}` signed with the server's credentials.
pub async fn get_signed(server: &MockServer, path_and_query: &str) -> reqwest::Response {
    get_signed_with(server, server.credentials(), path_and_query)
        .await
        .unwrap()
}

/// Path of a gateway's connection list on `server`.
pub fn path(server: &MockServer, gateway: &str) -> String {
    format!(
        "/v5/{}/p2c-vpn-gateways/{gateway}/connections",
        server.project_id()
    )
}

/// The generated client, signing with the server's credentials, without retries.
pub fn api(server: &MockServer) -> Client {
    Client::new_with_client(
        server.base_url(),
        http(),
        ClientState::new()
            .with_auth(Auth::aksk(server.credentials()))
            .with_retry(RetryConfig::disabled()),
    )
}

/// Lists one page through the generated client.
pub async fn list(
    server: &MockServer,
    gateway: &str,
    limit: Option<u32>,
    offset: Option<i32>,
) -> ListP2cVgwConnectionsResponse {
    let client = api(server);
    let mut call = client
        .list_p2c_vgw_connections()
        .project_id(server.project_id())
        .p2c_vgw_id(gateway);
    if let Some(limit) = limit {
        call = call.limit(limit);
    }
    if let Some(offset) = offset {
        call = call.offset(offset);
    }
    call.send().await.unwrap().into_inner()
}

/// Body as JSON.
pub async fn json(response: reqwest::Response) -> serde_json::Value {
    response.json().await.unwrap()
}

/// Sends `POST {base_url}{path}` with no body, signed with the server's credentials.
pub async fn post_signed(server: &MockServer, path: &str) -> reqwest::Response {
    let url = url::Url::parse(&format!("{}{path}", server.base_url())).unwrap();
    let mut headers = HeaderMap::new();
    Signer::new(server.credentials())
        .sign(&Method::POST, &url, &mut headers, b"")
        .unwrap();
    http().post(url).headers(headers).send().await.unwrap()
}

/// The generated IAM client pointed at the mock, signing with `creds`, without retries.
pub fn iam_with(server: &MockServer, creds: Credentials) -> p2c_vpn_api::iam::Client {
    p2c_vpn_api::iam::Client::new_with_client(
        server.base_url(),
        http(),
        ClientState::new()
            .with_auth(Auth::aksk(creds))
            .with_retry(RetryConfig::disabled()),
    )
}

/// The server's AK/SK without a project id: what the official SDKs sign IAM requests with
/// (no `X-Project-Id`).
pub fn creds_without_project() -> Credentials {
    Credentials::new(
        p2c_vpn_mock::DEFAULT_ACCESS_KEY,
        p2c_vpn_mock::DEFAULT_SECRET_KEY,
    )
}

/// One page of the gateway list through the generated client.
pub async fn gateways_page(
    server: &MockServer,
    limit: Option<u32>,
    marker: Option<&str>,
) -> p2c_vpn_api::types::ListP2cVgwsResponse {
    let client = api(server);
    let mut call = client.list_p2c_vgws().project_id(server.project_id());
    if let Some(limit) = limit {
        call = call.limit(limit);
    }
    if let Some(marker) = marker {
        call = call.marker(marker);
    }
    call.send().await.unwrap().into_inner()
}

/// One gateway through the generated client.
pub async fn show(server: &MockServer, gateway: &str) -> p2c_vpn_api::types::ShowResponseP2cVgw {
    api(server)
        .show_p2c_vgw()
        .project_id(server.project_id())
        .p2c_vgw_id(gateway)
        .send()
        .await
        .unwrap()
        .into_inner()
        .p2c_vpn_gateway
        .unwrap()
}
