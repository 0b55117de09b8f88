//! ShowVpnConnectionsLogConfig / UpdateVpnConnectionsLogConfig / DeleteVpnConnectionsLogConfig:
//! a stateful log configuration per gateway, behind the same signature check as every
//! operation (the body included), recorded.
#![allow(clippy::unwrap_used)]
use crate::common;

use http::{HeaderMap, Method};
use p2c_vpn_api::types::{
    ShowVpnConnectionsLogConfigResponse, UpdateVpnLogConfigRequestBody,
    UpdateVpnLogConfigRequestBodyContent,
};
use p2c_vpn_auth::Signer;
use p2c_vpn_mock::{Fault, MockGateway, MockServer, Operation, StatusCode};

const GROUP: &str = "05c4052d-8d14-488f-aa00-19fea5a25fdd";
const STREAM: &str = "d9d85143-e1e1-427a-9994-d8b8fd9ebe3f";

fn body(group: &str, stream: &str) -> UpdateVpnLogConfigRequestBody {
    let content: UpdateVpnLogConfigRequestBodyContent =
        UpdateVpnLogConfigRequestBodyContent::builder()
            .log_group_id(group)
            .log_stream_id(stream)
            .try_into()
            .unwrap();
    UpdateVpnLogConfigRequestBody::builder()
        .log_config(content)
        .try_into()
        .unwrap()
}

async fn show(server: &MockServer, gateway: &str) -> ShowVpnConnectionsLogConfigResponse {
    common::api(server)
        .show_vpn_connections_log_config()
        .project_id(server.project_id())
        .p2c_vgw_id(gateway)
        .send()
        .await
        .unwrap()
        .into_inner()
}

/// Sends `method` to `url` with `sent` as the body, signed over `signed` (the same body
/// unless a test tampers with it); `None` sends it unsigned.
async fn send(
    server: &MockServer,
    method: Method,
    url: &str,
    signed: Option<&[u8]>,
    sent: &[u8],
) -> reqwest::Response {
    let url = url::Url::parse(url).unwrap();
    let mut headers = HeaderMap::new();
    headers.insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    if let Some(signed) = signed {
        Signer::new(server.credentials())
            .sign(&method, &url, &mut headers, signed)
            .unwrap();
    }
    common::http()
        .request(method, url)
        .headers(headers)
        .body(sent.to_vec())
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn show_set_show_delete_through_the_generated_client() {
    let server = MockServer::builder()
        .gateway("gw", 2)
        .gateway("other", 1)
        .start()
        .await
        .unwrap();
    let api = common::api(&server);

    let none = show(&server, "gw").await;
    assert!(none.log_config.is_none(), "nothing configured at start");
    assert_eq!(none.request_id.as_deref().map(str::len), Some(32));

    let set = api
        .update_vpn_connections_log_config()
        .project_id(server.project_id())
        .p2c_vgw_id("gw")
        .body(body(GROUP, STREAM))
        .send()
        .await
        .unwrap();
    let header_id = set.headers()["x-request-id"].to_str().unwrap().to_owned();
    let set = set.into_inner();
    assert_eq!(set.request_id.as_deref(), Some(header_id.as_str()));
    let echoed = set.log_config.unwrap();
    assert_eq!(echoed.log_group_id.as_deref(), Some(GROUP));
    assert_eq!(echoed.log_stream_id.as_deref(), Some(STREAM));
    assert_eq!(
        server.log_config("gw"),
        Some((GROUP.to_owned(), STREAM.to_owned()))
    );
    assert_eq!(server.log_config("other"), None, "per gateway");

    let shown = show(&server, "gw").await.log_config.unwrap();
    assert_eq!(shown.log_group_id.as_deref(), Some(GROUP));
    assert_eq!(shown.log_stream_id.as_deref(), Some(STREAM));

    let deleted = api
        .delete_vpn_connections_log_config()
        .project_id(server.project_id())
        .p2c_vgw_id("gw")
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    assert_eq!(server.log_config("gw"), None);
    assert!(show(&server, "gw").await.log_config.is_none());

    let recorded: Vec<(Method, Option<Operation>)> = server
        .requests()
        .into_iter()
        .map(|r| (r.method, r.operation))
        .collect();
    assert_eq!(
        recorded,
        [
            (Method::GET, Some(Operation::ShowVpnConnectionsLogConfig)),
            (Method::PUT, Some(Operation::UpdateVpnConnectionsLogConfig)),
            (Method::GET, Some(Operation::ShowVpnConnectionsLogConfig)),
            (
                Method::DELETE,
                Some(Operation::DeleteVpnConnectionsLogConfig)
            ),
            (Method::GET, Some(Operation::ShowVpnConnectionsLogConfig)),
        ]
    );
}

#[tokio::test]
async fn wire_forms_seeded_config_and_delete_without_one() {
    let server = MockServer::builder()
        .gateway_with(MockGateway::new("gw").log_config("g-1", "s-1"))
        .start()
        .await
        .unwrap();
    let url = server.log_config_url("gw");
    assert_eq!(
        url,
        format!(
            "{}/v5/{}/p2c-vpn-gateways/gw/log-config",
            server.base_url(),
            server.project_id()
        )
    );
    let response = send(&server, Method::GET, &url, Some(b""), b"").await;
    assert_eq!(response.status(), 200);
    let request_id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        common::json(response).await,
        serde_json::json!({
            "log_config": { "log_group_id": "g-1", "log_stream_id": "s-1" },
            "request_id": request_id,
        })
    );

    for _ in 0..2 {
        // Deleting is idempotent: 204, no body, no Content-Type.
        let response = send(&server, Method::DELETE, &url, Some(b""), b"").await;
        assert_eq!(response.status(), 204);
        assert!(response.headers().get("content-type").is_none());
        assert_eq!(response.headers()["x-request-id"].len(), 32);
        assert!(response.bytes().await.unwrap().is_empty());
        assert_eq!(server.log_config("gw"), None);
    }
    let response = send(&server, Method::GET, &url, Some(b""), b"").await;
    let body = common::json(response).await;
    assert!(body.get("log_config").is_none(), "{body}");
}

#[tokio::test]
async fn the_body_is_signed_over_and_checked() {
    let server = MockServer::builder()
        .gateway("gw", 1)
        .start()
        .await
        .unwrap();
    let url = server.log_config_url("gw");
    let good = serde_json::to_vec(&body(GROUP, STREAM)).unwrap();
    let other = serde_json::to_vec(&body("evil-group", STREAM)).unwrap();

    // Signed over one body, another sent: the signature no longer matches.
    let response = send(&server, Method::PUT, &url, Some(&good), &other).await;
    assert_eq!(response.status(), 401);
    assert_eq!(common::json(response).await["error_code"], "APIGW.0301");
    // Unsigned.
    let response = send(&server, Method::PUT, &url, None, &good).await;
    assert_eq!(response.status(), 401);
    for method in [Method::GET, Method::DELETE] {
        let response = send(&server, method, &url, None, b"").await;
        assert_eq!(response.status(), 401);
    }
    assert_eq!(server.log_config("gw"), None, "nothing applied");

    let response = send(&server, Method::PUT, &url, Some(&good), &good).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        server.log_config("gw"),
        Some((GROUP.to_owned(), STREAM.to_owned()))
    );
}

#[tokio::test]
async fn unknown_gateway_is_404_and_a_bad_body_400() {
    let server = MockServer::builder()
        .gateway("gw", 1)
        .start()
        .await
        .unwrap();
    let good = serde_json::to_vec(&body(GROUP, STREAM)).unwrap();
    let unknown = server.log_config_url("no-such-gateway");
    for (method, sent) in [
        (Method::GET, &b""[..]),
        (Method::PUT, &good[..]),
        (Method::DELETE, &b""[..]),
    ] {
        let response = send(&server, method.clone(), &unknown, Some(sent), sent).await;
        assert_eq!(response.status(), 404, "{method}");
        let body = common::json(response).await;
        assert_eq!(body["code"], "VPN.0004", "{method}");
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .contains("no-such-gateway")
        );
    }

    let url = server.log_config_url("gw");
    for bad in [
        &b"not json"[..],
        b"{}",
        br#"{"log_config":{"log_group_id":"g"}}"#,
        br#"{"log_config":{"log_group_id":"g","log_stream_id":5}}"#,
        br#"{"log_config":{"log_group_id":" ","log_stream_id":"s"}}"#,
        br#"{"log_config":{"log_group_id":"g","log_stream_id":""}}"#,
    ] {
        let response = send(&server, Method::PUT, &url, Some(bad), bad).await;
        let shown = String::from_utf8_lossy(bad).into_owned();
        assert_eq!(response.status(), 400, "{shown}");
        let body = common::json(response).await;
        assert_eq!(body["error_code"], "VPN.0001", "{shown}");
        assert_eq!(body["request_id"].as_str().map(str::len), Some(32));
    }
    assert_eq!(server.log_config("gw"), None, "no bad body was applied");
}

#[tokio::test]
async fn faults_apply_to_log_config_too() {
    let server = MockServer::builder()
        .gateway("gw", 1)
        .start()
        .await
        .unwrap();
    let url = server.log_config_url("gw");
    let good = serde_json::to_vec(&body(GROUP, STREAM)).unwrap();

    server
        .faults()
        .fail_next(1, StatusCode::SERVICE_UNAVAILABLE);
    let response = send(&server, Method::PUT, &url, Some(&good), &good).await;
    assert_eq!(response.status(), 503);
    assert_eq!(
        server.log_config("gw"),
        None,
        "a failed request is not applied"
    );

    server
        .faults()
        .push(Fault::AppliedThenStatus(StatusCode::BAD_GATEWAY));
    let response = send(&server, Method::PUT, &url, Some(&good), &good).await;
    assert_eq!(response.status(), 502);
    assert_eq!(
        server.log_config("gw"),
        Some((GROUP.to_owned(), STREAM.to_owned())),
        "applied, then the answer failed"
    );

    server.faults().push(Fault::WrongFieldType);
    let response = send(&server, Method::GET, &url, Some(b""), b"").await;
    assert_eq!(common::json(response).await["request_id"], 0);
}
