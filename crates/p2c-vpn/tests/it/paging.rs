//! Pagination: limit/offset on the wire, lazy streams, and defensive stops.

use crate::common;

use common::{GATEWAY, client, page, path};
use futures::StreamExt as _;
use p2c_vpn::ErrorKind;
use wiremock::matchers::{method, path as p, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn paged_server(total: usize, page_size: usize) -> MockServer {
    let server = MockServer::start().await;
    for offset in (0..total).step_by(page_size) {
        Mock::given(method("GET"))
            .and(p(path()))
            .and(query_param("limit", page_size.to_string()))
            .and(query_param("offset", offset.to_string()))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(page(offset..(offset + page_size).min(total), total)),
            )
            .expect(1)
            .mount(&server)
            .await;
    }
    server
}

#[tokio::test]
async fn send_puts_limit_and_offset_on_the_wire() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(p(path()))
        .and(query_param("limit", "10"))
        .and(query_param("offset", "20"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(20..30, 42)))
        .expect(1)
        .mount(&server)
        .await;
    let page = client(&server)
        .connections(GATEWAY)
        .limit(10)
        .offset(20)
        .send()
        .await
        .expect("page");
    assert_eq!(page.connections.len(), 10);
    assert_eq!(page.total_count, Some(42));
    assert_eq!(page.connections[0].user_name(), Some("user20"));
    assert_eq!(
        page.request_id.as_deref(),
        Some("6844f73ab1dd713d369b88904a935bd6")
    );
}

#[tokio::test]
async fn send_without_limit_uses_non_pagination_mode() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(p(path()))
        .and(query_param_is_missing("limit"))
        .and(query_param_is_missing("offset"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(0..3, 3)))
        .expect(1)
        .mount(&server)
        .await;
    let page = client(&server)
        .connections(GATEWAY)
        .send()
        .await
        .expect("page");
    assert_eq!(page.connections.len(), 3);
}

#[tokio::test]
async fn stream_walks_every_page_in_order() {
    let server = paged_server(250, 100).await;
    let all = client(&server)
        .connections(GATEWAY)
        .page_size(100)
        .collect_all()
        .await
        .expect("all pages");
    assert_eq!(all.len(), 250);
    let names: Vec<_> = all.iter().map(|c| c.user_name().unwrap_or("")).collect();
    assert_eq!(names[0], "user0");
    assert_eq!(names[249], "user249");
    // `expect(1)` per page is verified when the server drops: each page fetched once.
}

#[tokio::test]
async fn pages_are_fetched_lazily() {
    let server = paged_server(300, 100).await;
    let client = client(&server);
    let mut pages = client.connections(GATEWAY).page_size(100).pages();
    let first = pages.next().await.expect("one").expect("ok");
    assert_eq!(first.connections.len(), 100);
    assert_eq!(
        server.received_requests().await.expect("recording").len(),
        1
    );
    drop(pages);
    server.reset().await; // unmet `expect(1)`s for pages never fetched are fine here
}

#[tokio::test]
async fn empty_gateway_yields_one_empty_page() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(0..0, 0)))
        .expect(1)
        .mount(&server)
        .await;
    let pages: Vec<_> = client(&server).connections(GATEWAY).pages().collect().await;
    assert_eq!(pages.len(), 1);
    assert_eq!(pages[0].as_ref().expect("ok").total_count, Some(0));
}

#[tokio::test]
async fn a_server_ignoring_offset_is_an_error_not_a_hang() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(0..10, 1000)))
        .mount(&server)
        .await;
    let result = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        client(&server)
            .connections(GATEWAY)
            .page_size(10)
            .collect_all(),
    )
    .await
    .expect("must not hang");
    let err = result.expect_err("repeated page");
    assert_eq!(err.kind(), ErrorKind::Pagination);
    assert!(err.to_string().contains("ignore `offset`"), "{err}");
    let sent = server.received_requests().await.expect("recording").len();
    assert!(sent <= 1 + p2c_vpn::DEFAULT_READ_AHEAD, "{sent} requests");

    // One page at a time: exactly the first page and the repeat. A server of its own: the
    // requests read ahead above, cancelled when the stream ended, may still arrive at the
    // first one after a reset.
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(0..10, 1000)))
        .mount(&server)
        .await;
    let err = client(&server)
        .connections(GATEWAY)
        .page_size(10)
        .read_ahead(1)
        .collect_all()
        .await
        .expect_err("repeated page");
    assert_eq!(err.kind(), ErrorKind::Pagination);
    assert_eq!(
        server.received_requests().await.expect("recording").len(),
        2
    );
}

/// Serves `total` connections by limit/offset, but never more than `cap` per page.
struct CappedServer {
    total: usize,
    cap: usize,
}

impl wiremock::Respond for CappedServer {
    fn respond(&self, request: &wiremock::Request) -> ResponseTemplate {
        let param = |name: &str| {
            request
                .url
                .query_pairs()
                .find(|(k, _)| k == name)
                .and_then(|(_, v)| v.parse::<usize>().ok())
        };
        let offset = param("offset").unwrap_or(0).min(self.total);
        let limit = param("limit").unwrap_or(usize::MAX).min(self.cap);
        let end = offset.saturating_add(limit).min(self.total);
        ResponseTemplate::new(200).set_body_json(page(offset..end, self.total))
    }
}

#[tokio::test]
async fn read_ahead_survives_a_server_that_caps_the_page_size() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(CappedServer {
            total: 1234,
            cap: 37,
        })
        .mount(&server)
        .await;
    for read_ahead in [1, 4, 16] {
        let all = client(&server)
            .connections(GATEWAY)
            .page_size(100)
            .read_ahead(read_ahead)
            .collect_all()
            .await
            .expect("all");
        let names: Vec<String> = all
            .iter()
            .map(|c| c.user_name().unwrap_or_default().to_owned())
            .collect();
        let expected: Vec<String> = (0..1234).map(|i| format!("user{i}")).collect();
        assert_eq!(names, expected, "read_ahead {read_ahead}");
    }
}

#[tokio::test]
async fn read_ahead_keeps_order_and_starts_at_the_offset() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(CappedServer {
            total: 1000,
            cap: 1000,
        })
        .mount(&server)
        .await;
    let all = client(&server)
        .connections(GATEWAY)
        .offset(150)
        .page_size(50)
        .read_ahead(8)
        .collect_all()
        .await
        .expect("all");
    assert_eq!(all.len(), 850);
    assert_eq!(all[0].user_name(), Some("user150"));
    assert_eq!(all[849].user_name(), Some("user999"));
    let sent = server.received_requests().await.expect("recording").len();
    assert_eq!(sent, 17, "850 / 50 pages, none past the total");
}

#[tokio::test]
async fn a_shrinking_list_returns_what_was_seen() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(query_param("offset", "0"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(0..10, 30)))
        .mount(&server)
        .await;
    // Meanwhile 25 connections dropped: total is now 5, below our next offset.
    Mock::given(method("GET"))
        .and(query_param("offset", "10"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(0..0, 5)))
        .mount(&server)
        .await;
    let all = client(&server)
        .connections(GATEWAY)
        .page_size(10)
        .collect_all()
        .await
        .expect("shrinking is not an error");
    assert_eq!(all.len(), 10);
}

#[tokio::test]
async fn a_growing_total_is_followed_and_duplicates_are_dropped() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(query_param("offset", "0"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(0..10, 20)))
        .mount(&server)
        .await;
    // Two connections arrived at the front: the next page overlaps by two.
    Mock::given(method("GET"))
        .and(query_param("offset", "10"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(8..18, 22)))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(query_param("offset", "20"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(18..20, 22)))
        .mount(&server)
        .await;
    let all = client(&server)
        .connections(GATEWAY)
        .page_size(10)
        .collect_all()
        .await
        .expect("ok");
    let mut ids: Vec<_> = all.iter().filter_map(|c| c.connection_id()).collect();
    assert_eq!(ids.len(), 20, "8 and 9 appear once");
    ids.dedup();
    assert_eq!(ids.len(), 20);
    assert_eq!(
        server.received_requests().await.expect("recording").len(),
        3
    );
}
