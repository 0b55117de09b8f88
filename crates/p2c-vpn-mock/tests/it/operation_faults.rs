//! Faults apply to every operation, not just the connection list.
#![allow(clippy::unwrap_used)]
use crate::common;

use p2c_vpn_mock::{Fault, MockServer, StatusCode};

async fn server() -> MockServer {
    let mut builder = MockServer::builder();
    for i in 0..5 {
        builder = builder.gateway(format!("gw-{i}"), 3);
    }
    builder.start().await.unwrap()
}

fn gateways_path(server: &MockServer) -> String {
    format!("/v5/{}/p2c-vpn-gateways", server.project_id())
}

#[tokio::test]
async fn status_fault_on_the_gateway_list_then_success() {
    let server = server().await;
    server
        .faults()
        .fail_next(1, StatusCode::SERVICE_UNAVAILABLE);
    let response = common::get_signed(&server, &gateways_path(&server)).await;
    assert_eq!(response.status(), 503);
    assert_eq!(common::json(response).await["error_code"], "VPN.0002");
    let ok = common::get_signed(&server, &gateways_path(&server)).await;
    assert_eq!(ok.status(), 200);
}

#[tokio::test]
async fn ignore_offset_ignores_the_marker() {
    let server = server().await;
    let first = common::gateways_page(&server, Some(2), None).await;
    let marker = first.page_info.unwrap().next_marker.unwrap();
    server.faults().push(Fault::IgnoreOffset);
    let again = common::gateways_page(&server, Some(2), Some(&marker)).await;
    assert_eq!(again.p2c_vpn_gateways, first.p2c_vpn_gateways);
    let second = common::gateways_page(&server, Some(2), Some(&marker)).await;
    assert_ne!(second.p2c_vpn_gateways, first.p2c_vpn_gateways);
}

#[tokio::test]
async fn wrong_field_type_on_list_and_show() {
    let server = server().await;
    server.faults().push_n(Fault::WrongFieldType, 2);
    let list = common::json(common::get_signed(&server, &gateways_path(&server)).await).await;
    for gw in list["p2c_vpn_gateways"].as_array().unwrap() {
        assert!(gw["max_connection_number"].is_string(), "{gw}");
    }
    let show = common::json(
        common::get_signed(&server, &format!("{}/gw-0", gateways_path(&server))).await,
    )
    .await;
    assert!(show["p2c_vpn_gateway"]["max_connection_number"].is_string());
}

#[tokio::test]
async fn fault_on_disconnect_leaves_the_connection() {
    let server = server().await;
    let page = common::list(&server, "gw-0", None, None).await;
    let victim = page.connections[0].connection_id.unwrap().to_string();
    let path = format!(
        "/v5/{}/p2c-vpn-gateways/gw-0/connections/{victim}/disconnect",
        server.project_id()
    );

    server.faults().push(Fault::TooManyRequests {
        retry_after_secs: 2,
    });
    let throttled = common::post_signed(&server, &path).await;
    assert_eq!(throttled.status(), 429);
    assert_eq!(throttled.headers()["retry-after"], "2");
    assert_eq!(server.connection_count("gw-0"), Some(3), "not disconnected");

    // A body cut short still did the work: the retry then finds nothing to disconnect.
    server.faults().push(Fault::TruncatedJson);
    let truncated = common::post_signed(&server, &path).await;
    assert_eq!(truncated.status(), 200);
    assert!(truncated.json::<serde_json::Value>().await.is_err());
    assert_eq!(server.connection_count("gw-0"), Some(2));
    assert_eq!(common::post_signed(&server, &path).await.status(), 404);
}

#[tokio::test]
async fn faults_reach_iam_too() {
    let server = server().await;
    server.faults().push(Fault::HtmlBadGateway);
    let response = common::get_signed_with(
        &server,
        common::creds_without_project(),
        "/v3/projects?name=cn-north-4",
    )
    .await
    .unwrap();
    assert_eq!(response.status(), 502);

    server.faults().push(Fault::WrongFieldType);
    let body = common::json(
        common::get_signed_with(
            &server,
            common::creds_without_project(),
            "/v3/projects?name=cn-north-4",
        )
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(body["projects"][0]["enabled"], "true");
    assert_eq!(server.faults().pending(), 0);
}
