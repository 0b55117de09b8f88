#![allow(clippy::unwrap_used)]
use crate::common;

use p2c_vpn_mock::MockServer;

#[tokio::test]
async fn requests_are_recorded() {
    let server = MockServer::start().await.unwrap();
    let gateway = server.gateway_ids()[0].clone();
    let path = common::path(&server, &gateway);
    let response = common::get_signed(&server, &format!("{path}?limit=7&offset=2")).await;
    let request_id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let _ = common::list(&server, &gateway, None, None).await;

    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    let first = &requests[0];
    assert_eq!(first.method, http::Method::GET);
    assert_eq!(first.path, path);
    assert_eq!(first.query.as_deref(), Some("limit=7&offset=2"));
    assert_eq!(first.query_param("limit").as_deref(), Some("7"));
    assert_eq!(first.request_id, request_id);
    let authorization = first.header("authorization").unwrap();
    assert!(authorization.starts_with("SDK-HMAC-SHA256 Access="));
    assert!(first.header("x-sdk-date").is_some());

    let debug = format!("{first:?}");
    assert!(!debug.contains("Signature="), "{debug}");
    assert!(debug.contains("[REDACTED]"));

    assert_eq!(requests[1].query, None);

    server.clear_requests();
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn record_limit_keeps_the_latest() {
    let server = MockServer::builder()
        .record_limit(2)
        .require_signature(false)
        .start()
        .await
        .unwrap();
    for i in 0..4 {
        let _ = common::http()
            .get(format!(
                "{}?limit={}",
                server.connections_url(&server.gateway_ids()[0]),
                i + 1
            ))
            .send()
            .await
            .unwrap();
    }
    let queries: Vec<_> = server.requests().into_iter().map(|r| r.query).collect();
    assert_eq!(
        queries,
        [Some("limit=3".to_owned()), Some("limit=4".to_owned())]
    );
}
