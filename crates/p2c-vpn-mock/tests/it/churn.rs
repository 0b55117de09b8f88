#![allow(clippy::unwrap_used)]
use crate::common;

use std::collections::HashSet;
use std::time::{Duration, SystemTime};

use p2c_vpn_mock::MockServer;

async fn ids(server: &MockServer) -> HashSet<uuid::Uuid> {
    let page = common::list(server, "gw", None, None).await;
    assert_eq!(page.total_count, Some(page.connections.len() as i64));
    page.connections
        .iter()
        .map(|c| c.connection_id.unwrap())
        .collect()
}

#[tokio::test]
async fn connections_come_and_go() {
    let server = MockServer::builder()
        .gateway("gw", 30)
        .churn(12.0)
        .frozen_clock(SystemTime::now())
        .start()
        .await
        .unwrap();
    let start = ids(&server).await;
    assert_eq!(start.len(), 30);

    // 10 minutes at 12 events per minute: 120 events.
    server.advance(Duration::from_secs(600));
    let later = ids(&server).await;
    assert!(later.difference(&start).count() > 0, "some connected");
    assert!(start.difference(&later).count() > 0, "some left");
    assert!(
        (10..=60).contains(&later.len()),
        "stays near the target: {}",
        later.len()
    );
    assert_eq!(server.connection_count("gw"), Some(later.len()));
}

#[tokio::test]
async fn no_churn_by_default_and_deterministic_with() {
    let at = SystemTime::now();
    let stable = MockServer::builder()
        .gateway("gw", 10)
        .frozen_clock(at)
        .start()
        .await
        .unwrap();
    let a = ids(&stable).await;
    stable.advance(Duration::from_secs(3600));
    assert_eq!(a, ids(&stable).await);

    let mut runs = Vec::new();
    for run in 0..2 {
        let server = MockServer::builder()
            .gateway("gw", 10)
            .churn(30.0)
            .frozen_clock(at)
            .start()
            .await
            .unwrap();
        // Different request patterns, same clock: same state.
        server.advance(Duration::from_secs(60));
        if run == 0 {
            let _ = ids(&server).await;
        }
        server.advance(Duration::from_secs(60));
        runs.push(ids(&server).await);
    }
    assert_eq!(runs[0], runs[1]);
}
