//! Gateways: marker pagination, defensive paging, showing one, and resolving a gateway
//! named by ID or by name (unique, ambiguous, missing).

use crate::common;

use common::{PROJECT, client};
use p2c_vpn::ErrorKind;
use serde_json::{Value, json};
use wiremock::matchers::{method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn list_path() -> String {
    format!("/v5/{PROJECT}/p2c-vpn-gateways")
}

fn gateway(i: usize, name: &str) -> Value {
    json!({
        "id": format!("7a000000-0000-4000-8000-{i:012}"),
        "name": name,
        "status": "ACTIVE",
        "max_connection_number": 20,
        "current_connection_number": i,
        "created_at": format!("2024-06-17T02:{i:02}:00Z"),
    })
}

fn page(items: Vec<Value>, next: Option<&str>) -> Value {
    let count = items.len();
    let mut body = json!({
        "p2c_vpn_gateways": items,
        "total_count": 7,
        "page_info": {"current_count": count},
        "request_id": "r",
    });
    if let Some(next) = next {
        body["page_info"]["next_marker"] = json!(next);
    }
    body
}

/// Seven gateways over three pages of at most three.
async fn three_pages(server: &MockServer) {
    let g = |r: std::ops::Range<usize>| r.map(|i| gateway(i, &format!("gw-{i}"))).collect();
    Mock::given(method("GET"))
        .and(path(list_path()))
        .and(query_param_is_missing("marker"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(g(0..3), Some("m2"))))
        .expect(1)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(list_path()))
        .and(query_param("marker", "m2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(g(3..6), Some("m5"))))
        .expect(1)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(list_path()))
        .and(query_param("marker", "m5"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(g(6..7), None)))
        .expect(1)
        .mount(server)
        .await;
}

#[tokio::test]
async fn gateways_are_walked_over_marker_pages() {
    let server = MockServer::start().await;
    three_pages(&server).await;
    let all = client(&server)
        .gateways()
        .limit(3)
        .collect_all()
        .await
        .expect("lists");
    let names: Vec<_> = all.iter().map(|g| g.name().expect("name")).collect();
    assert_eq!(
        names,
        ["gw-0", "gw-1", "gw-2", "gw-3", "gw-4", "gw-5", "gw-6"]
    );
    assert_eq!(all[4].current_connections(), Some(4));
    assert_eq!(all[4].max_connections(), Some(20));
    assert_eq!(all[4].status(), Some("ACTIVE"));
    // Every request carried limit=3.
    for r in server.received_requests().await.expect("recorded") {
        assert!(r.url.query().unwrap_or("").contains("limit=3"), "{}", r.url);
    }
}

/// A listing the caller already made teaches the client the names: resolving one then
/// sends no second listing (each page is `.expect(1)`).
#[tokio::test]
async fn a_full_listing_is_reused_to_resolve_names() {
    let server = MockServer::start().await;
    three_pages(&server).await;
    let client = client(&server);
    let all = client
        .gateways()
        .limit(3)
        .collect_all()
        .await
        .expect("lists");
    assert_eq!(all.len(), 7);
    let id = client.resolve_gateway("gw-5").await.expect("resolves");
    assert_eq!(id, "7a000000-0000-4000-8000-000000000005");
    let id = client.resolve_gateway("gw-0").await.expect("resolves");
    assert_eq!(id, "7a000000-0000-4000-8000-000000000000");
    assert_eq!(server.received_requests().await.expect("recorded").len(), 3);
}

#[tokio::test]
async fn a_repeated_marker_is_a_pagination_error_not_a_loop() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(list_path()))
        .and(query_param_is_missing("marker"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(page(vec![gateway(0, "a")], Some("m"))),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(list_path()))
        .and(query_param("marker", "m"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(page(vec![gateway(1, "b")], Some("m"))),
        )
        .mount(&server)
        .await;
    let err = client(&server)
        .gateways()
        .collect_all()
        .await
        .expect_err("loops");
    assert_eq!(err.kind(), ErrorKind::Pagination);
    assert!(err.to_string().contains("repeated the marker"), "{err}");
    assert_eq!(server.received_requests().await.expect("recorded").len(), 2);
}

#[tokio::test]
async fn a_page_of_gateways_already_seen_is_a_pagination_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(list_path()))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(page(vec![gateway(0, "a")], Some("never-the-same"))),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(list_path()))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(page(vec![gateway(0, "a")], Some("m2"))),
        )
        .mount(&server)
        .await;
    let err = client(&server)
        .gateways()
        .collect_all()
        .await
        .expect_err("repeats");
    assert_eq!(err.kind(), ErrorKind::Pagination);
    assert!(err.to_string().contains("already seen"), "{err}");
}

#[tokio::test]
async fn a_gateway_is_found_by_name_or_id() {
    let server = MockServer::start().await;
    let body = page(
        vec![
            gateway(1, "office"),
            gateway(2, "lab"),
            gateway(3, "lab"),
            // A gateway whose ID is not a UUID, and one named like another's ID.
            json!({"id": "plain-id", "name": "plain"}),
            json!({"id": "x", "name": "plain-id"}),
        ],
        None,
    );
    Mock::given(method("GET"))
        .and(path(list_path()))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(&server)
        .await;
    let c = client(&server);

    let office = c.gateway("office").await.expect("unique name");
    assert_eq!(office.id(), Some("7a000000-0000-4000-8000-000000000001"));
    // An exact ID wins over a name.
    assert_eq!(
        c.resolve_gateway("plain-id").await.expect("id wins"),
        "plain-id"
    );

    let err = c.gateway("lab").await.expect_err("ambiguous");
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    let msg = err.to_string();
    assert!(
        msg.contains("ambiguous")
            && msg.contains("7a000000-0000-4000-8000-000000000002")
            && msg.contains("7a000000-0000-4000-8000-000000000003"),
        "{msg}"
    );

    let err = c.gateway("nowhere").await.expect_err("missing");
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    let msg = err.to_string();
    assert!(
        msg.contains("\"nowhere\"") && msg.contains("office") && msg.contains("lab"),
        "{msg}"
    );

    // A UUID is used as an ID without listing.
    let before = server.received_requests().await.expect("recorded").len();
    let id = c
        .resolve_gateway("0f2c5a4e-6b0d-4c5e-9a8f-1c2d3e4f5a6b")
        .await
        .expect("uuid");
    assert_eq!(id, "0f2c5a4e-6b0d-4c5e-9a8f-1c2d3e4f5a6b");
    // A name resolved once is remembered.
    c.resolve_gateway("office").await.expect("cached");
    assert_eq!(
        server.received_requests().await.expect("recorded").len(),
        before
    );
}

#[tokio::test]
async fn show_by_id_and_connections_by_name() {
    let server = MockServer::start().await;
    let id = "7a000000-0000-4000-8000-000000000001";
    Mock::given(method("GET"))
        .and(path(format!("{}/{id}", list_path())))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "p2c_vpn_gateway": gateway(1, "office"), "request_id": "r"
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(list_path()))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(page(vec![gateway(1, "office")], None)),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{}/{id}/connections", list_path())))
        .respond_with(ResponseTemplate::new(200).set_body_json(common::page(0..2, 2)))
        .mount(&server)
        .await;
    let c = client(&server);
    let shown = c.gateway(id).await.expect("show");
    assert_eq!(shown.name(), Some("office"));
    let conns = c
        .connections("office")
        .collect_all()
        .await
        .expect("by name");
    assert_eq!(conns.len(), 2);
    let page = c
        .connections("office")
        .send()
        .await
        .expect("one page by name");
    assert_eq!(page.connections.len(), 2);
}
