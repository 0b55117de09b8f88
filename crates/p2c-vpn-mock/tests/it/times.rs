#![allow(clippy::unwrap_used)]
use crate::common;

use p2c_vpn_mock::MockServer;

/// `connection_established_time` with milliseconds, `timestamp` without, like the service.
#[tokio::test]
async fn both_time_forms_on_the_wire() {
    let server = MockServer::builder()
        .gateway("gw", 50)
        .start()
        .await
        .unwrap();
    let response = common::get_signed(&server, &common::path(&server, "gw")).await;
    let body = common::json(response).await;
    for c in body["connections"].as_array().unwrap() {
        let established = c["connection_established_time"].as_str().unwrap();
        let timestamp = c["timestamp"].as_str().unwrap();
        // 2024-06-17T02:58:27.213Z / 2024-06-17T02:58:48Z
        assert_eq!(established.len(), 24, "{established}");
        assert_eq!(&established[19..20], ".", "{established}");
        assert!(established.ends_with('Z'));
        assert_eq!(timestamp.len(), 20, "{timestamp}");
        assert!(timestamp.ends_with('Z'));
        assert!(
            timestamp >= &established[..19],
            "{timestamp} after {established}"
        );
    }
}
