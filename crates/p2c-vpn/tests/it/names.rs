//! A long-lived client's gateway names follow the service: a gateway recreated under the
//! same name, a name moved to another gateway, a gateway deleted; one identity per gateway.

use crate::common;

use common::{PROJECT, builder, client};
use p2c_vpn::ErrorKind;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const GW_A: &str = "7a000000-0000-4000-8000-00000000000a";
const GW_B: &str = "7a000000-0000-4000-8000-00000000000b";
const GW_Z: &str = "7a000000-0000-4000-8000-00000000000f";

fn listing(gateways: &[(&str, &str)]) -> ResponseTemplate {
    let items: Vec<Value> = gateways
        .iter()
        .map(|(id, name)| json!({"id": id, "name": name}))
        .collect();
    ResponseTemplate::new(200).set_body_json(json!({
        "p2c_vpn_gateways": items,
        "total_count": gateways.len(),
    }))
}

fn connections(n: usize) -> ResponseTemplate {
    let items: Vec<Value> = (0..n)
        .map(|i| json!({"connection_id": format!("00000000-0000-4000-8000-{i:012}")}))
        .collect();
    ResponseTemplate::new(200).set_body_json(json!({"connections": items, "total_count": n}))
}

fn not_found() -> ResponseTemplate {
    ResponseTemplate::new(404)
        .set_body_json(json!({"error_code": "VPN.0004", "error_msg": "not found"}))
}

fn gateways_path() -> String {
    format!("/v5/{PROJECT}/p2c-vpn-gateways")
}

fn connections_path(id: &str) -> String {
    format!("/v5/{PROJECT}/p2c-vpn-gateways/{id}/connections")
}

/// Mounts a gateway listing and each gateway's connections (a 404 for the others).
async fn service(server: &MockServer, gateways: &[(&str, &str, usize)]) {
    server.reset().await;
    let pairs: Vec<(&str, &str)> = gateways.iter().map(|(id, name, _)| (*id, *name)).collect();
    Mock::given(method("GET"))
        .and(path(gateways_path()))
        .respond_with(listing(&pairs))
        .mount(server)
        .await;
    for (id, _, n) in gateways {
        Mock::given(method("GET"))
            .and(path(connections_path(id)))
            .respond_with(connections(*n))
            .with_priority(1)
            .mount(server)
            .await;
    }
    Mock::given(method("GET"))
        .respond_with(not_found())
        .with_priority(10)
        .mount(server)
        .await;
}

async fn count(server: &MockServer, route: &str) -> usize {
    server
        .received_requests()
        .await
        .expect("recorded")
        .iter()
        .filter(|r| r.url.path() == route)
        .count()
}

#[tokio::test]
async fn a_gateway_recreated_under_the_same_name_is_followed() {
    let server = MockServer::start().await;
    service(&server, &[(GW_A, "office", 3)]).await;
    let client = client(&server);
    let first = client.connections("office").send().await.expect("lists");
    assert_eq!(first.connections.len(), 3);
    // The gateway is deleted and created again: same name, new ID. The remembered ID now
    // answers 404, so the name is resolved once more and the call retried.
    service(&server, &[(GW_Z, "office", 5)]).await;
    let second = client.connections("office").send().await.expect("follows");
    assert_eq!(second.connections.len(), 5, "the new gateway, not the old");
    assert_eq!(count(&server, &connections_path(GW_A)).await, 1);
    assert_eq!(count(&server, &gateways_path()).await, 1);
    assert_eq!(client.resolve_gateway("office").await.expect("known"), GW_Z);
    // The stream takes the same path.
    service(&server, &[(GW_A, "office", 2)]).await;
    let all = client
        .connections("office")
        .collect_all()
        .await
        .expect("follows");
    assert_eq!(all.len(), 2);
}

#[tokio::test]
async fn a_fresh_listing_moves_a_name_to_its_new_gateway() {
    let server = MockServer::start().await;
    service(&server, &[(GW_A, "office", 3), (GW_B, "lab", 1)]).await;
    let client = client(&server);
    assert_eq!(client.resolve_gateway("office").await.expect("a"), GW_A);
    // "office" now names gateway B (A was renamed): both still exist, so no 404 would
    // reveal the move; the next complete listing does.
    service(&server, &[(GW_A, "old-office", 3), (GW_B, "office", 1)]).await;
    let all = client.gateways().collect_all().await.expect("lists");
    assert_eq!(all.len(), 2);
    assert_eq!(client.resolve_gateway("office").await.expect("b"), GW_B);
    let page = client.connections("office").send().await.expect("lists");
    assert_eq!(page.connections.len(), 1);
    assert_eq!(count(&server, &gateways_path()).await, 1, "no other lookup");
    // "lab" is gone from the listing, so it is forgotten: naming it lists again.
    let err = client.resolve_gateway("lab").await.expect_err("gone");
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert_eq!(count(&server, &gateways_path()).await, 2);
}

#[tokio::test]
async fn a_zero_ttl_always_looks_names_up() {
    let server = MockServer::start().await;
    service(&server, &[(GW_A, "office", 3)]).await;
    let client = builder(&server)
        .name_ttl(std::time::Duration::ZERO)
        .build()
        .expect("builds");
    client.resolve_gateway("office").await.expect("a");
    client.resolve_gateway("office").await.expect("a");
    assert_eq!(count(&server, &gateways_path()).await, 2);
}

#[tokio::test]
async fn a_deleted_gateway_is_an_error_naming_it_not_a_stale_answer() {
    let server = MockServer::start().await;
    service(&server, &[(GW_A, "office", 3)]).await;
    let client = client(&server);
    client.connections("office").send().await.expect("lists");
    service(&server, &[(GW_B, "lab", 1)]).await;
    let err = client
        .connections("office")
        .send()
        .await
        .expect_err("deleted");
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
    assert!(err.to_string().contains("office"), "{err}");
    assert_eq!(err.setting(), Some(p2c_vpn::Setting::Gateway));
}

#[tokio::test]
async fn one_gateway_named_twice_is_one_gateway() {
    let server = MockServer::start().await;
    service(&server, &[(GW_A, "office", 3), (GW_B, "lab", 1)]).await;
    let client = client(&server);
    let resolved = client
        .resolve_gateways(&["office", GW_A, "lab", "office", "nope"])
        .await;
    let given: Vec<&str> = resolved.iter().map(|(g, _)| g.as_str()).collect();
    assert_eq!(given, ["office", "lab", "nope"]);
    assert_eq!(resolved[0].1.as_deref().ok(), Some(GW_A));
    assert_eq!(resolved[1].1.as_deref().ok(), Some(GW_B));
    assert!(resolved[2].1.is_err());
}

#[tokio::test]
async fn a_show_answer_about_another_gateway_is_an_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/v5/{PROJECT}/p2c-vpn-gateways/{GW_A}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"p2c_vpn_gateway": {"id": GW_B, "name": "TOTALLY-DIFFERENT-gw"}}),
        ))
        .mount(&server)
        .await;
    let err = client(&server).gateway(GW_A).await.expect_err("mismatch");
    assert_eq!(err.kind(), ErrorKind::Decode);
    assert!(err.to_string().contains(GW_A), "{err}");
}
