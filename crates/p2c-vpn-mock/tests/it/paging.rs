#![allow(clippy::unwrap_used)]
use crate::common;

use p2c_vpn_mock::MockServer;

#[tokio::test]
async fn limit_offset_total_count() {
    let server = MockServer::builder()
        .gateway("gw-a", 23)
        .start()
        .await
        .unwrap();
    let all = common::list(&server, "gw-a", None, None).await;
    assert_eq!(all.total_count, Some(23));
    assert_eq!(all.connections.len(), 23, "no limit = non-pagination mode");

    let mut paged = Vec::new();
    for offset in (0..23).step_by(10) {
        let page = common::list(&server, "gw-a", Some(10), Some(offset)).await;
        assert_eq!(page.total_count, Some(23));
        assert_eq!(page.connections.len(), (23 - offset as usize).min(10));
        paged.extend(page.connections);
    }
    let ids = |v: &[p2c_vpn_api::types::Connection]| {
        v.iter().map(|c| c.connection_id).collect::<Vec<_>>()
    };
    assert_eq!(
        ids(&paged),
        ids(&all.connections),
        "pages concatenate to the full list"
    );

    // Sorted by established time, then id.
    let keys: Vec<_> = all
        .connections
        .iter()
        .map(|c| (c.connection_established_time, c.connection_id))
        .collect();
    assert!(keys.windows(2).all(|w| w[0] <= w[1]));

    let from_20 = common::list(&server, "gw-a", None, Some(20)).await;
    assert_eq!(
        ids(&from_20.connections),
        ids(&all.connections[20..]),
        "no limit = all from offset"
    );
}

#[tokio::test]
async fn offset_past_end_is_empty() {
    let server = MockServer::builder()
        .gateway("gw", 5)
        .start()
        .await
        .unwrap();
    let response = common::get_signed(
        &server,
        &format!("{}?limit=10&offset=5", common::path(&server, "gw")),
    )
    .await;
    assert_eq!(response.status(), 200);
    let body = common::json(response).await;
    assert_eq!(
        body["connections"],
        serde_json::json!([]),
        "an empty list is still written"
    );
    assert_eq!(body["total_count"], 5);

    let page = common::list(&server, "gw", Some(3), Some(1_000_000)).await;
    assert!(page.connections.is_empty());
    assert_eq!(page.total_count, Some(5));
}

#[tokio::test]
async fn empty_gateway() {
    let server = MockServer::builder()
        .gateway("empty", 0)
        .start()
        .await
        .unwrap();
    let page = common::list(&server, "empty", None, None).await;
    assert_eq!(page.total_count, Some(0));
    assert!(page.connections.is_empty());
}

#[tokio::test]
async fn large_gateway_pages() {
    let server = MockServer::builder()
        .gateway("big", 10_000)
        .start()
        .await
        .unwrap();
    let mut seen = std::collections::HashSet::new();
    for offset in (0..10_000).step_by(500) {
        let page = common::list(&server, "big", Some(500), Some(offset)).await;
        assert_eq!(page.connections.len(), 500);
        for c in page.connections {
            assert!(
                seen.insert(c.connection_id.unwrap()),
                "unique ids across pages"
            );
        }
    }
    assert_eq!(seen.len(), 10_000);
}
