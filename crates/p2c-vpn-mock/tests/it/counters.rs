#![allow(clippy::unwrap_used)]
use crate::common;

use std::time::{Duration, SystemTime};

use p2c_vpn_mock::MockServer;

#[tokio::test]
async fn counters_grow_with_the_clock() {
    let server = MockServer::builder()
        .gateway("gw", 20)
        .frozen_clock(SystemTime::now())
        .start()
        .await
        .unwrap();
    let before = common::list(&server, "gw", None, None).await;
    let again = common::list(&server, "gw", None, None).await;
    assert_eq!(
        before.connections, again.connections,
        "a frozen clock does not move"
    );

    server.advance(Duration::from_secs(60));
    let after = common::list(&server, "gw", None, None).await;
    assert_eq!(before.connections.len(), after.connections.len());
    for (b, a) in before.connections.iter().zip(&after.connections) {
        assert_eq!(b.connection_id, a.connection_id);
        assert_eq!(b.connection_established_time, a.connection_established_time);
        assert!(a.inbound_bytes > b.inbound_bytes);
        assert!(a.outbound_bytes > b.outbound_bytes);
        assert!(a.inbound_packets >= b.inbound_packets);
        assert!(a.outbound_packets >= b.outbound_packets);
        let dt = *a.timestamp.unwrap() - *b.timestamp.unwrap();
        assert_eq!(dt.num_seconds(), 60);
    }
    assert_eq!(
        server
            .now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_secs()
            - before.connections[0].timestamp.unwrap().timestamp() as u64,
        60
    );
}

#[tokio::test]
async fn the_clock_moves_by_its_step_at_each_request() {
    let at = SystemTime::now();
    let server = MockServer::builder()
        .gateway("gw", 5)
        .frozen_clock(at)
        .advance_per_request(Duration::from_secs(7))
        .start()
        .await
        .unwrap();
    assert_eq!(server.now(), at, "no request yet");
    let first = common::list(&server, "gw", None, None).await;
    let second = common::list(&server, "gw", None, None).await;
    // Each request moved it before being answered: 7 s, then 14 s.
    let stamp = |page: &p2c_vpn_api::types::ListP2cVgwConnectionsResponse| {
        page.connections[0].timestamp.unwrap().into_datetime()
    };
    assert_eq!((stamp(&second) - stamp(&first)).num_seconds(), 7);
    assert_eq!(server.now(), at + Duration::from_secs(14));
    assert!(second.connections[0].inbound_bytes > first.connections[0].inbound_bytes);
}
