//! The sampler over real listings of the mock, with its clock moved by hand.

use std::time::{Duration, Instant};

use p2c_vpn_mock::MockServer;
use p2c_vpn_runtime::sample::{EventKind, Sampler};

use crate::client;

#[tokio::test]
async fn rates_follow_the_mock_counters() {
    let start = std::time::SystemTime::UNIX_EPOCH + Duration::from_secs(1_718_590_000);
    let server = MockServer::builder()
        .gateway_named("gw-lab", "lab", 3)
        .frozen_clock(start)
        .start()
        .await
        .unwrap();
    let client = client(&server, 3, Duration::from_secs(10));
    let mut sampler = Sampler::new();
    let t0 = Instant::now();

    let first = client.connections("gw-lab").collect_all().await.unwrap();
    let events = sampler.observe("gw-lab", t0, first.clone());
    assert_eq!(events.len(), 3);
    assert!(events.iter().all(|e| e.kind == EventKind::Baseline));

    server.advance(Duration::from_secs(60));
    // The poll times say 1 s; the samples' timestamps say 60 s and win.
    let second = client.connections("gw-lab").collect_all().await.unwrap();
    let events = sampler.observe("gw-lab", t0 + Duration::from_secs(1), second.clone());
    assert!(events.iter().all(|e| e.kind == EventKind::Update));
    for (e, before) in events.iter().zip(&first) {
        let grown = e.connection.inbound_bytes().unwrap() - before.inbound_bytes().unwrap();
        let rate = e.in_bps.unwrap();
        assert!(
            (rate - grown as f64 / 60.0).abs() < 1e-9,
            "{rate} vs {grown}"
        );
        assert!(rate > 0.0);
    }

    sampler.poll_failed("gw-lab", "timed out");
    assert_eq!(sampler.status("gw-lab").unwrap().connections, None);
}
