//! The exporter against the offline mock, until Ctrl-C:
//! `cargo run -p p2c-vpn-exporter --example against_mock [-- --per-connection]`, then
//! `curl http://127.0.0.1:9870/metrics`.

use std::time::Duration;

use p2c_vpn_exporter::{ExporterConfig, Target};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(tracing::Level::INFO)
        .init();
    let per_connection = std::env::args().any(|a| a == "--per-connection");
    let server = p2c_vpn_mock::MockServer::builder()
        .gateway_named("6a1c0e8e-0d3f-4b3e-9c55-3f1a5e7b0a01", "office", 12)
        .gateway_named("6a1c0e8e-0d3f-4b3e-9c55-3f1a5e7b0a02", "lab", 3)
        .churn(30.0)
        .start()
        .await?;
    let client = p2c_vpn::Client::builder()
        .endpoint(server.base_url())
        .credentials(server.credentials())
        .build()?;
    let config = ExporterConfig::new(vec![Target::new(client).region("cn-north-4")])
        .per_connection(per_connection)
        .min_interval(Duration::from_secs(5));
    p2c_vpn_exporter::serve(config, p2c_vpn_exporter::shutdown_signal()).await?;
    Ok(())
}
