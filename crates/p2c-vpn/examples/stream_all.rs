//! Every connection of a gateway, streamed page by page, with totals.
//!
//! ```sh
//! cargo run -p p2c-vpn --example stream_all -- GATEWAY_ID
//! ```

use std::process::ExitCode;

use futures::TryStreamExt as _;

#[tokio::main]
async fn main() -> ExitCode {
    let Some(gateway) = std::env::args().nth(1) else {
        eprintln!("usage: stream_all GATEWAY_ID");
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
    let mut connections = client.connections(gateway).page_size(100).stream();
    let (mut count, mut bytes_in, mut bytes_out) = (0u64, 0u64, 0u64);
    while let Some(c) = connections.try_next().await? {
        count += 1;
        bytes_in = bytes_in.saturating_add(c.inbound_bytes().unwrap_or_default());
        bytes_out = bytes_out.saturating_add(c.outbound_bytes().unwrap_or_default());
    }
    println!("{count} connections, {bytes_in} bytes in, {bytes_out} bytes out");
    Ok(())
}
