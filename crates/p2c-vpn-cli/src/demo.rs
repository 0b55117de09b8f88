//! `demo`: the whole stack against the embedded mock, offline, then how to go live.

use std::io::Write;

use p2c_vpn_mock::MockServer;

use crate::cli::{DemoArgs, ListFormat};
use crate::connect::{self, Fetch};
use crate::error::CliError;
use crate::output::{self, GatewayOutput, Style};

/// Runs the demo, writing to `out`.
pub async fn run(args: &DemoArgs, out: &mut dyn Write, style: Style) -> Result<(), CliError> {
    let server = MockServer::start()
        .await
        .map_err(|e| CliError::Other(format!("cannot start the embedded mock: {e}")))?;
    // The mock's throw-away credentials, passed explicitly: the user's own credentials
    // (environment, credentials file) are never read.
    let client = p2c_vpn::Client::builder()
        .endpoint(server.base_url())
        .project_id(server.project_id())
        .credentials(server.credentials())
        .build()
        .map_err(|e| CliError::api(None, e))?;
    let gateway = server
        .gateway_ids()
        .first()
        .cloned()
        .ok_or_else(|| CliError::Other("the embedded mock has no gateway".to_owned()))?;

    writeln!(
        out,
        "Demo: an embedded mock of the API on {} (offline, throw-away AK/SK).",
        server.base_url()
    )?;
    writeln!(
        out,
        "Listing gateway {gateway} in pages of {} with signed requests...\n",
        args.page_size
    )?;
    let how = Fetch::All {
        page_size: args.page_size,
        offset: None,
    };
    let fetched = connect::fetch(&client, &gateway, how)
        .await
        .map_err(|e| CliError::api(None, e))?;
    let requests = server.requests().len();
    output::write_list(
        out,
        ListFormat::Table,
        &[GatewayOutput {
            gateway: &gateway,
            fetched: &fetched,
        }],
        style,
    )?;
    writeln!(
        out,
        "({requests} signed requests, {} per page)\n",
        args.page_size
    )?;
    writeln!(
        out,
        "\
To query the real service, give it your credentials and a region:

  export HUAWEICLOUD_SDK_AK=your-access-key
  export HUAWEICLOUD_SDK_SK=your-secret-key
  export HUAWEICLOUD_SDK_PROJECT_ID=your-project-id   # or --project-id
  p2c-vpn connections list --region cn-north-4 --gateway YOUR-GATEWAY-ID

Or put them in ~/.huaweicloud/credentials (or HUAWEICLOUD_SDK_CREDENTIALS_FILE), set
HUAWEICLOUD_SDK_REGION instead of --region, or --endpoint URL for another endpoint.
Add --all to walk every page, --output json|ndjson|csv for scripts, and try
`p2c-vpn connections watch --gateway ID` for live traffic rates."
    )?;
    out.flush()?;
    drop(server);
    Ok(())
}
