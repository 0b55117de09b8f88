//! `demo`: the whole stack against the embedded mock, offline, then how to go live.

use std::io::Write;

use p2c_vpn_mock::{MockServer, Operation};

use crate::cli::{DemoArgs, ListFormat};
use crate::connect::{self, Fetch};
use crate::error::CliError;
use crate::gateways;
use crate::output::{self, GatewayOutput, Style};

/// The demo's gateways: (ID, name, connections).
const GATEWAYS: [(&str, &str, usize); 2] = [
    ("6c8a4f52-3d1e-4b7a-9f0e-2a5b8c7d1e30", "office-vpn", 25),
    ("a1f3e5c7-9b2d-4e6f-8a0c-1d3e5f7a9b2c", "lab-vpn", 3),
];

/// Runs the demo, writing to `out`.
pub async fn run(args: &DemoArgs, out: &mut dyn Write, style: Style) -> Result<(), CliError> {
    let mut builder = MockServer::builder();
    for (id, name, connections) in GATEWAYS {
        builder = builder.gateway_named(id, name, connections);
    }
    let server = builder
        .start()
        .await
        .map_err(|e| CliError::Other(format!("cannot start the embedded mock: {e}")))?;
    // The mock's throw-away credentials and project, passed explicitly: the user's own
    // credentials (environment, credentials file) are never read.
    let client = p2c_vpn::Client::builder()
        .endpoint(server.base_url())
        .project_id(server.project_id())
        .credentials(server.credentials())
        .build()
        .map_err(|e| CliError::api(None, e))?;
    let (_, name, _) = GATEWAYS[0];

    writeln!(
        out,
        "Demo: an embedded mock of the API on {} (offline, throw-away AK/SK).\n",
        server.base_url()
    )?;
    writeln!(out, "The project's gateways (p2c-vpn gateways list):\n")?;
    let (gateways, total, request_id) = gateways::fetch_all(&client)
        .await
        .map_err(|e| CliError::api(None, e))?;
    gateways::write_list(
        out,
        ListFormat::Table,
        &gateways,
        total,
        request_id.as_deref(),
        style,
    )?;
    writeln!(
        out,
        "\nListing gateway {name} (found by its name) in pages of {} with signed requests...\n",
        args.page_size
    )?;
    let how = Fetch::All {
        page_size: args.page_size,
        offset: None,
    };
    let gateway_id = client
        .resolve_gateway(name)
        .await
        .map_err(|e| CliError::api(None, e))?;
    let fetched = connect::fetch(&client, name, how)
        .await
        .map_err(|e| CliError::api(None, e))?;
    let count = |operation| {
        server
            .requests()
            .iter()
            .filter(|r| r.operation == Some(operation))
            .count()
    };
    let pages = count(Operation::ListP2cVgwConnections);
    let listings = count(Operation::ListP2cVgws);
    output::write_list(
        out,
        ListFormat::Table,
        &[GatewayOutput {
            gateway: &gateway_id,
            label: name,
            fetched: &fetched,
        }],
        false,
        style,
    )?;
    writeln!(
        out,
        "({pages} signed requests, {} per page, plus {listings} that listed the gateways)\n",
        args.page_size
    )?;
    writeln!(
        out,
        "\
To query the real service, give it your credentials and a region:

  export HUAWEICLOUD_SDK_AK=your-access-key
  export HUAWEICLOUD_SDK_SK=your-secret-key
  p2c-vpn gateways list --region cn-north-4
  p2c-vpn connections list --region cn-north-4 --gateway YOUR-GATEWAY-NAME

The project ID is looked up through IAM for the region (or give it: --project-id,
HUAWEICLOUD_SDK_PROJECT_ID). Or put the keys in ~/.huaweicloud/credentials (or
HUAWEICLOUD_SDK_CREDENTIALS_FILE), set HUAWEICLOUD_SDK_REGION instead of --region, or
--endpoint URL for another endpoint. Without --gateway, every gateway is listed. Add --all
to walk every page, --output json|ndjson|csv for scripts, try
`p2c-vpn connections watch --gateway NAME` for live traffic rates, and
`p2c-vpn connections disconnect --gateway NAME --user USER --dry-run` to see who would be
disconnected."
    )?;
    out.flush()?;
    drop(server);
    Ok(())
}
