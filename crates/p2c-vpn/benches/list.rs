//! What p2c-vpn costs over what a user would hand-write, and what read-ahead buys.
//!
//! `cargo bench -p p2c-vpn` (figures and machine in BENCHMARKS.md). Every group runs
//! against an in-process loopback server (`p2c-vpn-mock`) with keep-alive connections.

use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use p2c_vpn::api::ListP2cVgwConnectionsResponse;
use p2c_vpn::{Client, RetryConfig};
use p2c_vpn_mock::MockServer;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

async fn server(connections: usize) -> MockServer {
    MockServer::builder()
        .gateway("b3e1c2d4-5f6a-4b7c-8d9e-0f1a2b3c4d5e", connections)
        // The hand-written baseline does not sign; the crate still signs every request.
        .require_signature(false)
        .frozen_clock(std::time::SystemTime::UNIX_EPOCH + Duration::from_secs(1_718_593_128))
        .start()
        .await
        .expect("mock starts")
}

fn client(server: &MockServer) -> Client {
    Client::builder()
        .endpoint(server.base_url())
        .project_id(server.project_id())
        .credentials(server.credentials())
        .retry(RetryConfig::disabled())
        .build()
        .expect("client")
}

/// Decoding one 500-connection page: generated types vs an untyped `serde_json::Value`.
fn decode(c: &mut Criterion) {
    let rt = runtime();
    let body = rt.block_on(async {
        let server = server(500).await;
        reqwest::get(format!(
            "{}?limit=500",
            server.connections_url("b3e1c2d4-5f6a-4b7c-8d9e-0f1a2b3c4d5e")
        ))
        .await
        .expect("get")
        .bytes()
        .await
        .expect("body")
    });
    let mut group = c.benchmark_group("decode_500");
    group.bench_function("generated_types", |b| {
        b.iter(|| serde_json::from_slice::<ListP2cVgwConnectionsResponse>(&body).expect("decodes"))
    });
    group.bench_function("serde_json_value", |b| {
        b.iter(|| serde_json::from_slice::<serde_json::Value>(&body).expect("decodes"))
    });
    group.finish();
}

/// Listing 500 connections in one request: the crate (signing, retry loop, error mapping,
/// tracing span) vs a hand-written reqwest + serde_json call.
fn list_500(c: &mut Criterion) {
    let rt = runtime();
    let server = rt.block_on(server(500));
    let client = client(&server);
    p2c_vpn::install_crypto_provider();
    let raw = reqwest::Client::new();
    let url = format!(
        "{}?limit=500&offset=0",
        server.connections_url("b3e1c2d4-5f6a-4b7c-8d9e-0f1a2b3c4d5e")
    );
    let mut group = c.benchmark_group("list_500");
    group.bench_function("p2c_vpn", |b| {
        b.to_async(&rt).iter(|| async {
            let page = client
                .connections("b3e1c2d4-5f6a-4b7c-8d9e-0f1a2b3c4d5e")
                .limit(500)
                .offset(0)
                .send()
                .await;
            assert_eq!(page.expect("page").connections.len(), 500);
        })
    });
    group.bench_function("hand_written_reqwest", |b| {
        b.to_async(&rt).iter(|| async {
            let bytes = raw
                .get(&url)
                .send()
                .await
                .expect("send")
                .bytes()
                .await
                .expect("body");
            let page: ListP2cVgwConnectionsResponse =
                serde_json::from_slice(&bytes).expect("decodes");
            assert_eq!(page.connections.len(), 500);
        })
    });
    group.finish();
}

/// Streaming 10,000 connections in pages of 100 with 2 ms of server latency per page:
/// one page at a time vs pages read ahead.
fn stream_10k(c: &mut Criterion) {
    let rt = runtime();
    let server = rt.block_on(server(10_000));
    server.faults().set_latency(Duration::from_millis(2));
    let client = client(&server);
    let mut group = c.benchmark_group("stream_10k_pages_of_100_2ms");
    group.sample_size(10);
    for read_ahead in [1usize, 2, 4, 8] {
        group.bench_with_input(
            BenchmarkId::new("read_ahead", read_ahead),
            &read_ahead,
            |b, &read_ahead| {
                b.to_async(&rt).iter(|| async {
                    let all = client
                        .connections("b3e1c2d4-5f6a-4b7c-8d9e-0f1a2b3c4d5e")
                        .page_size(100)
                        .read_ahead(read_ahead)
                        .collect_all()
                        .await
                        .expect("all");
                    assert_eq!(all.len(), 10_000);
                })
            },
        );
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    targets = decode, list_500, stream_10k
}
criterion_main!(benches);
