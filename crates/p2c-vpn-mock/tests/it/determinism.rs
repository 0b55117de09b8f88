#![allow(clippy::unwrap_used)]
use crate::common;

use std::time::{Duration, SystemTime};

use p2c_vpn_mock::MockServer;

async fn snapshot(seed: u64, at: SystemTime) -> (String, Vec<String>, serde_json::Value) {
    let server = MockServer::builder()
        .seed(seed)
        .frozen_clock(at)
        .start()
        .await
        .unwrap();
    let gateway = server.gateway_ids()[0].clone();
    let page = common::list(&server, &gateway, None, None).await;
    let mut value = serde_json::to_value(&page).unwrap();
    value.as_object_mut().unwrap().remove("request_id");
    (
        server.project_id().to_owned(),
        server.gateway_ids().to_vec(),
        value,
    )
}

#[tokio::test]
async fn same_seed_same_data() {
    let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_718_593_128);
    let a = snapshot(7, at).await;
    let b = snapshot(7, at).await;
    assert_eq!(a, b);
    assert_eq!(a.0.len(), 32, "project id is 32 hex digits");
    assert!(a.0.chars().all(|c| c.is_ascii_hexdigit()));

    let c = snapshot(8, at).await;
    assert_ne!(a.0, c.0);
    assert_ne!(a.2, c.2);
}

/// The data is pinned to its generator (ChaCha8 from `chacha20` 0.10, values drawn with
/// rand 0.10): these values change only with a value-breaking release of either crate, or
/// with a change to how the mock draws its data. The CLI's golden files depend on them.
#[tokio::test]
async fn data_is_pinned_to_chacha8() {
    let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_718_593_200);
    let server = MockServer::builder()
        .seed(7)
        .frozen_clock(at)
        .gateway("gw-alpha", 25)
        .start()
        .await
        .unwrap();
    assert_eq!(server.project_id(), "f2d6383542874f5d9cba48ac75ed8cc1");
    let page = common::list(&server, "gw-alpha", Some(1), None).await;
    let first = &page.connections[0];
    assert_eq!(
        first.connection_id.map(|id| id.to_string()).as_deref(),
        Some("8e7c6483-f123-4951-bd4d-77f86852a47d")
    );
    assert_eq!(first.client_user_name.as_deref(), Some("oscar_zhao06"));
    assert_eq!(first.client_ip.as_deref(), Some("113.226.238.177"));
    assert_eq!(first.outbound_bytes, Some(342_654_723));

    // The sample gateways of the default seed.
    let default = MockServer::builder()
        .frozen_clock(at)
        .start()
        .await
        .unwrap();
    assert_eq!(
        default.gateway_ids(),
        [
            "0297b91b-0428-4994-9ded-a037d126167a",
            "bcbb639a-a724-4946-8b4d-3b969d8c3412"
        ]
    );
}

#[tokio::test]
async fn realistic_values() {
    let server = MockServer::builder()
        .gateway("gw", 200)
        .start()
        .await
        .unwrap();
    let page = common::list(&server, "gw", None, None).await;
    for c in &page.connections {
        let vip: std::net::Ipv4Addr = c.client_virtual_ip.as_deref().unwrap().parse().unwrap();
        assert!(vip.is_private(), "{vip}");
        let ip: std::net::Ipv4Addr = c.client_ip.as_deref().unwrap().parse().unwrap();
        assert!(
            !ip.is_private() && !ip.is_loopback() && !ip.is_unspecified(),
            "{ip}"
        );
        assert!(!c.client_user_name.as_deref().unwrap().is_empty());
        assert!(c.inbound_bytes.unwrap() > 0 && c.outbound_bytes.unwrap() > 0);
        assert!(c.inbound_packets.unwrap() > 0 && c.outbound_packets.unwrap() > 0);
        assert!(c.inbound_packets.unwrap() < c.inbound_bytes.unwrap());
    }
    let vips: std::collections::HashSet<_> = page
        .connections
        .iter()
        .map(|c| c.client_virtual_ip.clone())
        .collect();
    assert_eq!(vips.len(), 200, "virtual IPs are unique");
}

#[tokio::test]
async fn masked_ips() {
    let server = MockServer::builder()
        .gateway("gw", 10)
        .masked_ips(true)
        .start()
        .await
        .unwrap();
    let page = common::list(&server, "gw", None, None).await;
    for c in &page.connections {
        let ip = c.client_ip.as_deref().unwrap();
        let parts: Vec<_> = ip.split('.').collect();
        assert_eq!(parts.len(), 4, "{ip}");
        assert_eq!((parts[1], parts[2]), ("***", "***"), "{ip}");
    }
}
