#![allow(clippy::unwrap_used)]
use crate::common;

use p2c_vpn_mock::MockServer;

#[tokio::test]
async fn header_equals_body_request_id() {
    let server = MockServer::start().await.unwrap();
    let path = common::path(&server, &server.gateway_ids()[0]);
    let mut seen = std::collections::HashSet::new();
    for _ in 0..3 {
        let response = common::get_signed(&server, &path).await;
        assert_eq!(response.status(), 200);
        let header = response.headers()["x-request-id"]
            .to_str()
            .unwrap()
            .to_owned();
        assert_eq!(header.len(), 32);
        assert!(
            header
                .chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        let body = common::json(response).await;
        assert_eq!(body["request_id"], header.as_str());
        assert!(seen.insert(header), "request ids are fresh");
    }
}
