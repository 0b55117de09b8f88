//! ListP2cVgws (marker paging) and ShowP2cVgw.
#![allow(clippy::unwrap_used)]
use crate::common;

use std::collections::HashSet;
use std::time::{Duration, SystemTime};

use p2c_vpn_mock::{MockGateway, MockServer};

async fn seven() -> MockServer {
    let mut builder = MockServer::builder();
    for i in 0..7 {
        builder = builder.gateway(format!("gw-{i}"), i);
    }
    builder.start().await.unwrap()
}

#[tokio::test]
async fn three_marker_pages_cover_every_gateway_once_in_order() {
    let server = seven().await;
    let mut seen = Vec::new();
    let mut marker: Option<String> = None;
    let mut sizes = Vec::new();
    loop {
        let page = common::gateways_page(&server, Some(3), marker.as_deref()).await;
        assert_eq!(page.total_count, Some(7));
        assert_eq!(page.request_id.as_deref().map(str::len), Some(32));
        let info = page.page_info.unwrap();
        assert_eq!(info.current_count, Some(page.p2c_vpn_gateways.len() as i64));
        sizes.push(page.p2c_vpn_gateways.len());
        seen.extend(page.p2c_vpn_gateways);
        match info.next_marker {
            Some(next) => marker = Some(next),
            None => break,
        }
        assert!(sizes.len() < 5, "paging does not end");
    }
    assert_eq!(sizes, [3, 3, 1]);
    let ids: HashSet<_> = seen.iter().map(|g| g.id.clone().unwrap()).collect();
    assert_eq!(ids.len(), 7, "no duplicates, none missing");
    let keys: Vec<_> = seen
        .iter()
        .map(|g| (g.created_at.unwrap(), g.id.clone().unwrap()))
        .collect();
    assert!(keys.windows(2).all(|w| w[0] < w[1]), "sorted: {keys:?}");
}

#[tokio::test]
async fn next_marker_is_the_created_at_string_of_the_last_record() {
    let server = seven().await;
    let response =
        common::get_signed(&server, &format!("{}?limit=2", gateways_path(&server))).await;
    assert_eq!(response.status(), 200);
    let body = common::json(response).await;
    let list = body["p2c_vpn_gateways"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    let last = list[1]["created_at"].as_str().unwrap();
    assert_eq!(body["page_info"]["next_marker"], last);
    assert_eq!(body["page_info"]["current_count"], 2);
    assert_eq!(body["total_count"], 7);
    // Milliseconds, like the service: `2024-06-17T02:10:21.285Z`.
    assert_eq!(last.len(), "2024-06-17T02:10:21.285Z".len(), "{last}");

    // The marker returns what follows it, and the marker string round-trips.
    let rest = common::gateways_page(&server, None, Some(last)).await;
    assert_eq!(rest.p2c_vpn_gateways.len(), 5);
    assert!(rest.page_info.unwrap().next_marker.is_none());
}

#[tokio::test]
async fn without_limit_everything_and_no_next_marker() {
    let server = seven().await;
    let page = common::gateways_page(&server, None, None).await;
    assert_eq!(page.p2c_vpn_gateways.len(), 7);
    let info = page.page_info.unwrap();
    assert_eq!(info.current_count, Some(7));
    assert_eq!(info.next_marker, None);

    // Exactly `limit` left: the last page has no next marker either.
    let page = common::gateways_page(&server, Some(7), None).await;
    assert_eq!(page.page_info.unwrap().next_marker, None);
}

#[tokio::test]
async fn marker_past_the_end_is_an_empty_list() {
    let server = seven().await;
    let path = format!(
        "{}?limit=3&marker=2999-01-01T00%3A00%3A00.000Z",
        gateways_path(&server)
    );
    let body = common::json(common::get_signed(&server, &path).await).await;
    assert_eq!(body["p2c_vpn_gateways"], serde_json::json!([]));
    assert_eq!(body["page_info"]["current_count"], 0);
    assert!(body["page_info"].get("next_marker").is_none());
    assert_eq!(body["total_count"], 7);
}

#[tokio::test]
async fn bad_marker_or_limit_is_400_vpn_0001() {
    let server = seven().await;
    for query in [
        "marker=yesterday",
        "limit=3&marker=2024-06-17",
        "marker=2024-13-17T02%3A10%3A21.285Z",
        "marker=1718590221285",
        "limit=0",
        "limit=x&marker=2024-06-17T02%3A10%3A21.285Z",
    ] {
        let path = format!("{}?{query}", gateways_path(&server));
        let response = common::get_signed(&server, &path).await;
        assert_eq!(response.status(), 400, "{query}");
        let request_id = response.headers()["x-request-id"]
            .to_str()
            .unwrap()
            .to_owned();
        let body = common::json(response).await;
        assert_eq!(body["error_code"], "VPN.0001", "{query}");
        assert_eq!(body["request_id"], request_id.as_str());
    }
}

#[tokio::test]
async fn show_reports_the_live_connection_count() {
    let server = MockServer::builder()
        .gateway("gw-busy", 40)
        .churn(600.0)
        .frozen_clock(SystemTime::now())
        .start()
        .await
        .unwrap();
    server.advance(Duration::from_secs(90));
    let shown = common::show(&server, "gw-busy").await;
    let listed = common::list(&server, "gw-busy", None, None).await;
    assert_eq!(
        shown.current_connection_number, listed.total_count,
        "show and the connection list agree"
    );
    assert_eq!(
        shown.current_connection_number,
        Some(server.connection_count("gw-busy").unwrap() as i64)
    );
    let in_list = common::gateways_page(&server, None, None)
        .await
        .p2c_vpn_gateways;
    assert_eq!(in_list[0].current_connection_number, listed.total_count);
}

#[tokio::test]
async fn show_has_the_gateway_attributes() {
    let server = MockServer::builder()
        .gateway("ae5f4b3a-7c1d-4b55-9a61-6c3f3c8d2e10", 12)
        .region("ap-southeast-1")
        .start()
        .await
        .unwrap();
    let response = common::get_signed(
        &server,
        &format!(
            "/v5/{}/p2c-vpn-gateways/ae5f4b3a-7c1d-4b55-9a61-6c3f3c8d2e10",
            server.project_id()
        ),
    )
    .await;
    assert_eq!(response.status(), 200);
    let request_id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let body = common::json(response).await;
    assert_eq!(body["request_id"], request_id.as_str());
    let gw = &body["p2c_vpn_gateway"];
    assert_eq!(gw["id"], "ae5f4b3a-7c1d-4b55-9a61-6c3f3c8d2e10");
    assert_eq!(gw["name"], "p2c-vpngw-ae5f4b3a");
    assert_eq!(gw["status"], "ACTIVE");
    assert_eq!(gw["flavor"], "Professional1");
    assert_eq!(gw["max_connection_number"], 24);
    assert_eq!(gw["current_connection_number"], 12);
    assert_eq!(gw["admin_state_up"], true);
    assert_eq!(gw["frozen_effect"], 0);
    assert_eq!(gw["enterprise_project_id"], "0");
    assert!(gw["version"].is_string());
    assert_eq!(
        gw["availability_zone_ids"],
        serde_json::json!(["ap-southeast-1a", "ap-southeast-1b"])
    );
    for field in ["vpc_id", "connect_subnet"] {
        let id = gw[field].as_str().unwrap();
        assert!(uuid::Uuid::parse_str(id).is_ok(), "{field}: {id}");
    }
    let ip: std::net::Ipv4Addr = gw["eip"]["ip_address"].as_str().unwrap().parse().unwrap();
    assert!(!ip.is_private() && !ip.is_loopback(), "{ip}");
    assert_eq!(gw["eip"]["ip_version"], 4);
    let created = gw["created_at"].as_str().unwrap();
    let updated = gw["updated_at"].as_str().unwrap();
    assert!(created < updated, "{created} < {updated}");

    // The generated type reads it all.
    let shown = common::show(&server, "ae5f4b3a-7c1d-4b55-9a61-6c3f3c8d2e10").await;
    assert_eq!(shown.name.as_deref(), Some("p2c-vpngw-ae5f4b3a"));
    assert_eq!(shown.eip.unwrap().type_.as_deref(), Some("5_bgp"));
}

#[tokio::test]
async fn names_max_connections_and_creation_times_are_configurable() {
    let t0 = SystemTime::UNIX_EPOCH + Duration::from_millis(1_718_590_221_285);
    let server = MockServer::builder()
        .gateway("gw-a", 3)
        .gateway_named("gw-b", "office", 5)
        .gateway_with(
            MockGateway::new("gw-c")
                .name("lab")
                .connections(2)
                .max_connections(7)
                .created_at(t0),
        )
        .gateway("gw-b", 6)
        .start()
        .await
        .unwrap();
    let infos = server.gateways();
    let summary: Vec<_> = infos
        .iter()
        .map(|g| (g.id.as_str(), g.name.as_str(), g.max_connections))
        .collect();
    assert_eq!(
        summary,
        [
            ("gw-a", "p2c-vpngw-gw-a", 10),
            ("gw-b", "office", 12),
            ("gw-c", "lab", 7)
        ]
    );
    assert_eq!(server.gateway_ids(), ["gw-a", "gw-b", "gw-c"]);
    assert_eq!(infos[2].created_at, t0);

    let shown = common::show(&server, "gw-c").await;
    assert_eq!(shown.name.as_deref(), Some("lab"));
    assert_eq!(shown.max_connection_number, Some(7));
    assert_eq!(shown.current_connection_number, Some(2));
    assert_eq!(
        shown.created_at.map(|t| t.timestamp_millis()),
        Some(1_718_590_221_285)
    );
    assert_eq!(
        common::show(&server, "gw-b")
            .await
            .current_connection_number,
        Some(6)
    );
}

#[tokio::test]
async fn sample_gateways_have_names_and_distinct_creation_times() {
    let server = MockServer::start().await.unwrap();
    let page = common::gateways_page(&server, None, None).await;
    assert_eq!(page.p2c_vpn_gateways.len(), 2);
    for gw in &page.p2c_vpn_gateways {
        let id = gw.id.as_deref().unwrap();
        assert_eq!(gw.name.clone().unwrap(), format!("p2c-vpngw-{}", &id[..8]));
    }
    let times: HashSet<_> = page.p2c_vpn_gateways.iter().map(|g| g.created_at).collect();
    assert_eq!(times.len(), 2);
}

#[tokio::test]
async fn same_seed_same_gateways() {
    let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_718_593_128);
    let snapshot = || async {
        let server = MockServer::builder()
            .seed(9)
            .frozen_clock(at)
            .start()
            .await
            .unwrap();
        let mut value =
            serde_json::to_value(common::gateways_page(&server, None, None).await).unwrap();
        value.as_object_mut().unwrap().remove("request_id");
        value
    };
    assert_eq!(snapshot().await, snapshot().await);
}

#[tokio::test]
async fn unknown_gateway_is_404_vpn_0004() {
    let server = seven().await;
    let response = common::get_signed(
        &server,
        &format!(
            "/v5/{}/p2c-vpn-gateways/no-such-gateway",
            server.project_id()
        ),
    )
    .await;
    assert_eq!(response.status(), 404);
    assert_eq!(response.headers()["x-request-id"].len(), 32);
    let body = common::json(response).await;
    assert_eq!(body["code"], "VPN.0004");
    assert!(body["message"].is_string());
}

#[tokio::test]
async fn other_project_and_unsigned_requests_are_refused() {
    let server = seven().await;
    let response = common::get_signed_with(
        &server,
        common::creds_without_project(),
        "/v5/0123456789abcdef0123456789abcdef/p2c-vpn-gateways",
    )
    .await
    .unwrap();
    assert_eq!(response.status(), 403);
    assert_eq!(common::json(response).await["error_code"], "VPN.0003");

    for url in [server.gateways_url(), server.gateway_url("gw-1")] {
        let response = common::http().get(&url).send().await.unwrap();
        assert_eq!(response.status(), 401, "{url}");
        assert_eq!(common::json(response).await["error_code"], "APIGW.0301");
    }
}

fn gateways_path(server: &MockServer) -> String {
    format!("/v5/{}/p2c-vpn-gateways", server.project_id())
}
