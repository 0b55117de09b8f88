//! One page of a gateway's connections.
//!
//! ```sh
//! export HUAWEICLOUD_SDK_AK=... HUAWEICLOUD_SDK_SK=... HUAWEICLOUD_SDK_PROJECT_ID=...
//! export HUAWEICLOUD_SDK_REGION=cn-north-4
//! cargo run -p p2c-vpn --example list_connections -- GATEWAY_ID
//! ```

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let Some(gateway) = std::env::args().nth(1) else {
        eprintln!("usage: list_connections GATEWAY_ID");
        return ExitCode::from(2);
    };
    match run(&gateway).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(gateway: &str) -> p2c_vpn::Result<()> {
    let client = p2c_vpn::Client::from_env()?;
    let page = client.connections(gateway).limit(10).send().await?;
    for c in &page.connections {
        println!(
            "{}  {:<20} in {:>12} B  out {:>12} B",
            c.connection_id().map(|u| u.to_string()).unwrap_or_default(),
            c.user_name().unwrap_or("-"),
            c.inbound_bytes().unwrap_or_default(),
            c.outbound_bytes().unwrap_or_default(),
        );
    }
    println!(
        "{} shown, {} in total (request id {})",
        page.connections.len(),
        page.total_count.unwrap_or_default(),
        page.request_id.as_deref().unwrap_or("-")
    );
    Ok(())
}
