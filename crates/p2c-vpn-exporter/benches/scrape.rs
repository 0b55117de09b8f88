//! A scrape of 20 gateways × 500 connections from the offline mock: uncached (every scrape
//! lists the gateways and 20 × 5 pages of connections) and cached (within `min_interval`:
//! encoding only), with and without per-connection series. Prints each body's size.
//!
//! `cargo bench -p p2c-vpn-exporter --bench scrape`

use std::time::{Duration, SystemTime};

use criterion::{Criterion, criterion_group, criterion_main};
use p2c_vpn_exporter::{Exporter, ExporterConfig, Format, Target};
use p2c_vpn_mock::{MockGateway, MockServer};

const GATEWAYS: usize = 20;
const CONNECTIONS: usize = 500;

fn gateway_id(i: usize) -> String {
    format!("6a1c0e8e-0d3f-4b3e-9c55-{i:012}")
}

async fn mock() -> MockServer {
    let mut builder = MockServer::builder()
        .frozen_clock(SystemTime::now())
        .record_limit(0);
    for i in 0..GATEWAYS {
        builder = builder.gateway_with(
            MockGateway::new(gateway_id(i))
                .name(format!("gw-{i:02}"))
                .connections(CONNECTIONS)
                .max_connections(CONNECTIONS),
        );
    }
    builder.start().await.expect("mock starts")
}

fn exporter(server: &MockServer, per_connection: bool, min_interval: Duration) -> Exporter {
    let client = p2c_vpn::Client::builder()
        .endpoint(server.base_url())
        .credentials(server.credentials())
        .build()
        .expect("client");
    Exporter::new(
        ExporterConfig::new(vec![Target::new(client)])
            .per_connection(per_connection)
            .min_interval(min_interval)
            .scrape_timeout(Duration::from_secs(30)),
    )
    .expect("config")
}

fn scrape(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let server = rt.block_on(mock());
    let mut group = c.benchmark_group(format!("scrape_{GATEWAYS}x{CONNECTIONS}"));
    group.sample_size(30);
    for per_connection in [false, true] {
        let suffix = if per_connection {
            "per_connection"
        } else {
            "gateways_only"
        };
        let uncached = exporter(&server, per_connection, Duration::ZERO);
        let cached = exporter(&server, per_connection, Duration::from_secs(3600));
        for (format, name) in [
            (Format::Prometheus, "prometheus"),
            (Format::OpenMetrics, "openmetrics"),
        ] {
            let body = rt.block_on(uncached.scrape(format));
            let series = body.lines().filter(|l| !l.starts_with('#')).count();
            eprintln!("{suffix} {name}: {} bytes, {series} series", body.len());
        }
        rt.block_on(cached.scrape(Format::Prometheus));
        group.bench_function(format!("uncached_{suffix}"), |b| {
            b.to_async(&rt).iter(|| uncached.scrape(Format::Prometheus));
        });
        group.bench_function(format!("cached_{suffix}"), |b| {
            b.to_async(&rt).iter(|| cached.scrape(Format::Prometheus));
        });
    }
    group.finish();
}

criterion_group!(benches, scrape);
criterion_main!(benches);
