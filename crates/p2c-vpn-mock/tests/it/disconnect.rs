//! DeleteP2cVgwConnection: a disconnect changes what every other operation reports.
#![allow(clippy::unwrap_used)]
use crate::common;

use p2c_vpn_mock::MockServer;

async fn disconnect(
    server: &MockServer,
    gateway: &str,
    connection: &str,
) -> Result<
    p2c_vpn_api::types::DeleteP2cVgwConnectionResponse,
    p2c_vpn_api::Error<p2c_vpn_api::types::ApiError>,
> {
    common::api(server)
        .delete_p2c_vgw_connection()
        .project_id(server.project_id())
        .p2c_vgw_id(gateway)
        .connection_id(connection)
        .send()
        .await
        .map(|r| r.into_inner())
}

fn ids(page: &p2c_vpn_api::types::ListP2cVgwConnectionsResponse) -> Vec<String> {
    page.connections
        .iter()
        .map(|c| c.connection_id.unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn disconnect_then_list_show_and_disconnect_again() {
    let server = MockServer::builder()
        .gateway("gw", 5)
        .start()
        .await
        .unwrap();
    let before = common::list(&server, "gw", None, None).await;
    let victim = ids(&before)[2].clone();

    let done = disconnect(&server, "gw", &victim).await.unwrap();
    assert_eq!(done.request_id.as_deref().map(str::len), Some(32));

    let after = common::list(&server, "gw", None, None).await;
    assert_eq!(after.total_count, Some(4));
    assert!(!ids(&after).contains(&victim));
    let mut expected = ids(&before);
    expected.retain(|id| *id != victim);
    assert_eq!(ids(&after), expected, "the others are untouched");
    assert_eq!(
        common::show(&server, "gw").await.current_connection_number,
        Some(4)
    );
    assert_eq!(server.connection_count("gw"), Some(4));

    // Gone: the service's not-found form.
    let again = common::post_signed(
        &server,
        &format!(
            "/v5/{}/p2c-vpn-gateways/gw/connections/{victim}/disconnect",
            server.project_id()
        ),
    )
    .await;
    assert_eq!(again.status(), 404);
    assert_eq!(again.headers()["x-request-id"].len(), 32);
    let body = common::json(again).await;
    assert_eq!(body["code"], "VPN.0004");
    assert!(body["message"].as_str().unwrap().contains(&victim));
    match disconnect(&server, "gw", &victim).await {
        Err(p2c_vpn_api::Error::ErrorResponse(e)) => {
            assert_eq!(e.status(), 404);
            assert_eq!(e.code.as_deref(), Some("VPN.0004"));
        }
        other => panic!("expected 404, got {other:?}"),
    }
    assert_eq!(server.connection_count("gw"), Some(4));
}

#[tokio::test]
async fn signed_post_with_an_empty_body_is_served() {
    let server = MockServer::builder()
        .gateway("gw", 2)
        .start()
        .await
        .unwrap();
    let victim = ids(&common::list(&server, "gw", None, None).await)[0].clone();
    let path = format!(
        "/v5/{}/p2c-vpn-gateways/gw/connections/{victim}/disconnect",
        server.project_id()
    );
    let response = common::post_signed(&server, &path).await;
    assert_eq!(response.status(), 200);
    let request_id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let body = common::json(response).await;
    assert_eq!(body, serde_json::json!({ "request_id": request_id }));
    assert_eq!(server.connection_count("gw"), Some(1));

    let recorded = server.requests().pop().unwrap();
    assert_eq!(recorded.method, http::Method::POST);
    assert_eq!(
        recorded.operation,
        Some(p2c_vpn_mock::Operation::DeleteP2cVgwConnection)
    );
}

#[tokio::test]
async fn unknown_gateway_or_connection_is_404_and_unsigned_is_401() {
    let server = MockServer::builder()
        .gateway("gw", 2)
        .start()
        .await
        .unwrap();
    let existing = ids(&common::list(&server, "gw", None, None).await)[0].clone();
    for (gateway, connection) in [
        ("no-such-gateway", existing.as_str()),
        ("gw", "5d2c5c8e-0000-4000-8000-000000000000"),
        ("gw", "not-a-uuid"),
    ] {
        let response = common::post_signed(
            &server,
            &format!(
                "/v5/{}/p2c-vpn-gateways/{gateway}/connections/{connection}/disconnect",
                server.project_id()
            ),
        )
        .await;
        assert_eq!(response.status(), 404, "{gateway}/{connection}");
        assert_eq!(common::json(response).await["code"], "VPN.0004");
    }

    let unsigned = common::http()
        .post(server.disconnect_url("gw", &existing))
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status(), 401);
    assert_eq!(common::json(unsigned).await["error_code"], "APIGW.0301");

    // GET is not a route.
    let get = common::get_signed(
        &server,
        &format!(
            "/v5/{}/p2c-vpn-gateways/gw/connections/{existing}/disconnect",
            server.project_id()
        ),
    )
    .await;
    assert_eq!(get.status(), 404);
    assert_eq!(common::json(get).await["error_code"], "APIGW.0101");
    assert_eq!(
        server.connection_count("gw"),
        Some(2),
        "nothing was removed"
    );
}

#[tokio::test]
async fn gateway_list_counts_follow_disconnects() {
    let server = MockServer::builder()
        .gateway("gw-1", 3)
        .gateway("gw-2", 3)
        .start()
        .await
        .unwrap();
    for id in ids(&common::list(&server, "gw-2", None, None).await) {
        disconnect(&server, "gw-2", &id).await.unwrap();
    }
    let page = common::gateways_page(&server, None, None).await;
    let counts: Vec<_> = page
        .p2c_vpn_gateways
        .iter()
        .map(|g| (g.id.clone().unwrap(), g.current_connection_number.unwrap()))
        .collect();
    assert!(counts.contains(&("gw-1".to_owned(), 3)), "{counts:?}");
    assert!(counts.contains(&("gw-2".to_owned(), 0)), "{counts:?}");
    let empty =
        common::json(common::get_signed(&server, &common::path(&server, "gw-2")).await).await;
    assert_eq!(empty["connections"], serde_json::json!([]));
    assert_eq!(empty["total_count"], 0);
}

#[tokio::test]
async fn applied_then_status_disconnects_but_answers_the_failure() {
    let server = MockServer::builder()
        .gateway("gw", 3)
        .start()
        .await
        .unwrap();
    let victim = ids(&common::list(&server, "gw", None, None).await)[0].clone();
    server.faults().push(p2c_vpn_mock::Fault::AppliedThenStatus(
        p2c_vpn_mock::StatusCode::SERVICE_UNAVAILABLE,
    ));
    let err = disconnect(&server, "gw", &victim).await.unwrap_err();
    assert_eq!(
        err.status(),
        Some(p2c_vpn_mock::StatusCode::SERVICE_UNAVAILABLE)
    );
    // Applied all the same: the connection is gone, and a retry gets 404.
    assert_eq!(server.connection_count("gw"), Some(2));
    let again = disconnect(&server, "gw", &victim).await.unwrap_err();
    assert_eq!(again.status(), Some(p2c_vpn_mock::StatusCode::NOT_FOUND));
}

#[tokio::test]
async fn applied_then_hang_disconnects_and_never_answers() {
    let server = MockServer::builder()
        .gateway("gw", 3)
        .start()
        .await
        .unwrap();
    let victim = ids(&common::list(&server, "gw", None, None).await)[0].clone();
    server.faults().push(p2c_vpn_mock::Fault::AppliedThenHang);
    let url = server.disconnect_url("gw", &victim);
    let url = url::Url::parse(&url).unwrap();
    let mut headers = http::HeaderMap::new();
    p2c_vpn_auth::Signer::new(server.credentials())
        .sign(&http::Method::POST, &url, &mut headers, b"")
        .unwrap();
    let sent = common::http()
        .post(url)
        .headers(headers)
        .timeout(std::time::Duration::from_millis(300))
        .send()
        .await;
    assert!(sent.unwrap_err().is_timeout());
    assert_eq!(
        server.connection_count("gw"),
        Some(2),
        "applied before the hang"
    );
}

#[tokio::test]
async fn seeded_users_and_connections_without_ids() {
    let server = MockServer::builder()
        .gateway_with(
            p2c_vpn_mock::MockGateway::new("gw")
                .connections(6)
                .users(["alice", "bob"])
                .without_connection_ids(),
        )
        .start()
        .await
        .unwrap();
    let page = common::list(&server, "gw", None, None).await;
    assert_eq!(page.connections.len(), 6);
    for c in &page.connections {
        assert!(c.connection_id.is_none());
        let user = c.client_user_name.as_deref().unwrap();
        assert!(user == "alice" || user == "bob", "{user}");
    }
}
