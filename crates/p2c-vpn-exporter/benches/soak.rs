//! Memory over many scrapes with connection churn: 20 gateways × 500 connections, every
//! scrape uncached and with per-connection series, the mock's clock moved 1 s per scrape
//! with 600 churn events per minute per gateway (about 10 connections of each gateway
//! replaced per scrape, so series come and go). Prints RSS every 1,000 scrapes and the peak
//! (VmHWM). The mock runs in the same process: its memory is included.
//!
//! `cargo bench -p p2c-vpn-exporter --bench soak` (`SOAK_SCRAPES=N` to change the 10,000;
//! `SOAK_PER_CONNECTION=0` for gateway series only)

use std::time::{Duration, Instant, SystemTime};

use p2c_vpn_exporter::{ExporterConfig, Format, Target};
use p2c_vpn_mock::{MockGateway, MockServer};

fn status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument is ignored.
    let scrapes: usize = std::env::var("SOAK_SCRAPES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let per_connection = std::env::var("SOAK_PER_CONNECTION").map_or(true, |v| v != "0");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let mut builder = MockServer::builder()
            .frozen_clock(SystemTime::now())
            .churn(600.0)
            .record_limit(0);
        for i in 0..20 {
            builder = builder.gateway_with(
                MockGateway::new(format!("6a1c0e8e-0d3f-4b3e-9c55-{i:012}"))
                    .name(format!("gw-{i:02}"))
                    .connections(500)
                    .max_connections(500),
            );
        }
        let server = builder.start().await.expect("mock");
        let client = p2c_vpn::Client::builder()
            .endpoint(server.base_url())
            .credentials(server.credentials())
            .build()
            .expect("client");
        let exporter = p2c_vpn_exporter::Exporter::new(
            ExporterConfig::new(vec![Target::new(client)])
                .per_connection(per_connection)
                .min_interval(Duration::ZERO)
                .scrape_timeout(Duration::from_secs(30)),
        )
        .expect("config");
        println!("scrapes  series  bytes    rss_kib  elapsed_s");
        let started = Instant::now();
        let mut ids_seen = std::collections::HashSet::new();
        for i in 1..=scrapes {
            server.advance(Duration::from_secs(1));
            let body = exporter.scrape(Format::Prometheus).await;
            if i % 1000 == 0 || i == 1 {
                let series = body.lines().filter(|l| !l.starts_with('#')).count();
                for line in body.lines().filter(|l| l.starts_with("p2c_vpn_connection_established")) {
                    if let Some(id) = line.split("connection_id=\"").nth(1).and_then(|r| r.split('"').next()) {
                        ids_seen.insert(id.to_owned());
                    }
                }
                println!(
                    "{i:>7}  {series:>6}  {:>7}  {:>7}  {:>9.1}",
                    body.len(),
                    status_kib("VmRSS:"),
                    started.elapsed().as_secs_f64()
                );
                let down = body
                    .lines()
                    .filter(|l| l.starts_with("p2c_vpn_up{") && l.ends_with(" 0"))
                    .count();
                assert_eq!(down, 0, "every gateway collected");
            }
        }
        println!(
            "peak RSS (VmHWM): {} KiB; {} distinct connection IDs seen in the sampled scrapes; {:.1} ms per scrape",
            status_kib("VmHWM:"),
            ids_seen.len(),
            started.elapsed().as_secs_f64() * 1000.0 / scrapes as f64
        );
    });
}
