//! Every listing is bounded in pages, records, bytes and marker length, whatever page size
//! the server chooses; read-ahead at a server's smaller page size wastes no request.

use crate::common;

use common::{GATEWAY, PROJECT, builder, client, connection};
use p2c_vpn::{ErrorKind, ListingLimit, ListingLimits};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn gateways_path() -> String {
    format!("/v5/{PROJECT}/p2c-vpn-gateways")
}

/// A server that ignores `limit` and `marker`: every page holds `per_page` new gateways
/// named `name_len` bytes long, and points to a next page, forever.
struct EndlessGateways {
    per_page: usize,
    name_len: usize,
    marker: String,
    next: std::sync::atomic::AtomicUsize,
}

impl wiremock::Respond for EndlessGateways {
    fn respond(&self, _: &wiremock::Request) -> ResponseTemplate {
        let page = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let items: Vec<Value> = (0..self.per_page)
            .map(|i| {
                json!({
                    "id": format!("7a000000-0000-4000-8000-{:012}", page * self.per_page + i),
                    "name": "n".repeat(self.name_len),
                })
            })
            .collect();
        ResponseTemplate::new(200).set_body_json(json!({
            "p2c_vpn_gateways": items,
            "page_info": {"next_marker": format!("{}{page}", self.marker)},
        }))
    }
}

async fn endless(server: &MockServer, per_page: usize, name_len: usize, marker: &str) {
    Mock::given(method("GET"))
        .and(path(gateways_path()))
        .respond_with(EndlessGateways {
            per_page,
            name_len,
            marker: marker.to_owned(),
            next: Default::default(),
        })
        .mount(server)
        .await;
}

#[tokio::test]
async fn a_server_ignoring_limit_stops_at_the_record_cap() {
    let server = MockServer::start().await;
    endless(&server, 2000, 4, "m").await;
    let mut limits = ListingLimits::default();
    limits.max_records = 10_000;
    let client = builder(&server)
        .listing_limits(limits)
        .build()
        .expect("builds");
    let err = client.gateways().collect_all().await.expect_err("capped");
    assert_eq!(err.kind(), ErrorKind::Pagination);
    assert_eq!(err.limit(), Some(ListingLimit::Records(10_000)));
    assert_eq!(server.received_requests().await.expect("recorded").len(), 6);
    // Resolving a name goes through the same listing, with the same caps.
    let err = client.resolve_gateway("office").await.expect_err("capped");
    assert_eq!(err.limit(), Some(ListingLimit::Records(10_000)));
}

#[tokio::test]
async fn fat_pages_stop_at_the_byte_cap() {
    let server = MockServer::start().await;
    // One gateway per page with a 1 MB name: the record cap would allow a million.
    endless(&server, 1, 1 << 20, "m").await;
    let mut limits = ListingLimits::default();
    limits.max_bytes = 8 << 20;
    let client = builder(&server)
        .listing_limits(limits)
        .build()
        .expect("builds");
    let err = client.gateways().collect_all().await.expect_err("capped");
    assert_eq!(err.limit(), Some(ListingLimit::Bytes(8 << 20)), "{err}");
    let requests = server.received_requests().await.expect("recorded").len();
    // Each page is 1 MiB of name plus its JSON: the eighth passes 8 MiB.
    assert_eq!(requests, 8);
}

#[tokio::test]
async fn a_long_marker_is_refused_not_sent_back() {
    let server = MockServer::start().await;
    endless(&server, 1, 4, &"m".repeat(60_000)).await;
    let err = client(&server)
        .gateways()
        .collect_all()
        .await
        .expect_err("refused");
    assert_eq!(
        err.limit(),
        Some(ListingLimit::MarkerBytes(p2c_vpn::DEFAULT_MAX_MARKER_BYTES))
    );
    assert!(
        err.to_string().len() < 400,
        "the marker is not echoed: {err}"
    );
    assert_eq!(server.received_requests().await.expect("recorded").len(), 1);
}

#[tokio::test]
async fn connection_listings_are_capped_in_bytes_too() {
    let server = MockServer::start().await;
    // Every page: one new connection with a 1 MB user name, and a total that never ends.
    struct Fat(std::sync::atomic::AtomicUsize);
    impl wiremock::Respond for Fat {
        fn respond(&self, _: &wiremock::Request) -> ResponseTemplate {
            let i = self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let mut c = connection(i);
            c["client_user_name"] = json!("u".repeat(1 << 20));
            ResponseTemplate::new(200)
                .set_body_json(json!({"connections": [c], "total_count": 1_000_000}))
        }
    }
    Mock::given(method("GET"))
        .and(path(common::path()))
        .respond_with(Fat(Default::default()))
        .mount(&server)
        .await;
    let err = client(&server)
        .connections(GATEWAY)
        .max_bytes(4 << 20)
        .collect_all()
        .await
        .expect_err("capped");
    assert_eq!(err.limit(), Some(ListingLimit::Bytes(4 << 20)), "{err}");
}

#[tokio::test]
async fn a_server_with_a_smaller_page_size_gets_no_wasted_read_ahead() {
    let server = MockServer::start().await;
    // The server caps `limit` at 2 and honours `offset`: 10 connections in 5 pages.
    struct Capped;
    impl wiremock::Respond for Capped {
        fn respond(&self, request: &wiremock::Request) -> ResponseTemplate {
            let offset: usize = request
                .url
                .query_pairs()
                .find(|(k, _)| k == "offset")
                .and_then(|(_, v)| v.parse().ok())
                .unwrap_or(0);
            let end = (offset + 2).min(10);
            let items: Vec<Value> = (offset..end).map(connection).collect();
            ResponseTemplate::new(200)
                .set_body_json(json!({"connections": items, "total_count": 10}))
        }
    }
    Mock::given(method("GET"))
        .and(path(common::path()))
        .respond_with(Capped)
        .mount(&server)
        .await;
    let all = client(&server)
        .connections(GATEWAY)
        .page_size(100)
        .collect_all()
        .await
        .expect("lists");
    assert_eq!(all.len(), 10);
    assert_eq!(
        server.received_requests().await.expect("recorded").len(),
        5,
        "one request per page of the server's size, none thrown away"
    );
}
