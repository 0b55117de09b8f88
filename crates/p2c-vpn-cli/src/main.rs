//! `p2c-vpn`: see who is connected to a Huawei Cloud P2C (client) VPN gateway.
//!
//! See the crate README for commands, output formats and exit codes.

mod cli;
mod connect;
mod demo;
mod error;
mod human;
mod output;
mod sanitize;
mod watch;

use std::io::Write;
use std::process::ExitCode;

use clap::{CommandFactory as _, FromArgMatches as _};

use crate::cli::{Cli, Command, ConnectionsCommand, ListArgs, ListFormat};
use crate::connect::{Fetch, Target};
use crate::error::CliError;
use crate::output::{GatewayOutput, Style};

fn main() -> ExitCode {
    std::panic::set_hook(Box::new(|info| {
        // One line, no payload: a payload could quote data we must not print.
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!("p2c-vpn: internal error{at} (a bug: please report it)");
    }));

    let matches = Cli::command().get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => return CliError::Other(format!("cannot start the runtime: {e}")).report(),
    };
    match runtime.block_on(run(cli, &matches)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => e.report(),
    }
}

/// The matches of the innermost subcommand (where the connection flags live).
fn leaf(matches: &clap::ArgMatches) -> &clap::ArgMatches {
    let mut m = matches;
    while let Some((_, sub)) = m.subcommand() {
        m = sub;
    }
    m
}

async fn run(cli: Cli, matches: &clap::ArgMatches) -> Result<(), CliError> {
    let style = Style::detect();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let result = match cli.command {
        Command::Demo(args) => demo::run(&args, &mut out, style).await,
        Command::Connections(ConnectionsCommand::List(args)) => {
            list(&args, leaf(matches), &mut out, style).await
        }
        Command::Connections(ConnectionsCommand::Watch(args)) => {
            let target = connect::target(&args.conn, Some(leaf(matches)))?;
            let client = connect::client(&args.conn, &target)?;
            let gateways = connect::unique_gateways(&args.conn.gateways);
            watch::run(&args, client, gateways, &mut out, style).await
        }
    };
    // Flush what was written before a failure; a closed pipe is no error.
    let flushed = out.flush().map_err(CliError::from);
    result.and(flushed)
}

async fn list(
    args: &ListArgs,
    matches: &clap::ArgMatches,
    out: &mut dyn Write,
    style: Style,
) -> Result<(), CliError> {
    let target: Target = connect::target(&args.conn, Some(matches))?;
    let client = connect::client(&args.conn, &target)?;
    let gateways = connect::unique_gateways(&args.conn.gateways);
    if let ([gateway], true, ListFormat::Ndjson | ListFormat::Csv) =
        (gateways.as_slice(), args.all, args.output)
    {
        return stream_rows(&client, gateway, args, out).await;
    }
    let how = if args.all {
        Fetch::All {
            page_size: args.page_size,
            offset: args.offset,
        }
    } else {
        Fetch::One {
            limit: args.limit,
            offset: args.offset,
        }
    };
    let results = connect::fetch_many(&client, &gateways, how).await;
    let several = gateways.len() > 1;
    let mut fetched = Vec::with_capacity(results.len());
    let mut failures = Vec::new();
    for (gateway, result) in gateways.iter().zip(results) {
        match result {
            Ok(f) => fetched.push((gateway, f)),
            Err(e) => failures.push(CliError::api(several.then_some(gateway.as_str()), e)),
        }
    }
    if !failures.is_empty() {
        return Err(if failures.len() == 1 {
            failures.remove(0)
        } else {
            CliError::Many(failures)
        });
    }
    let outputs: Vec<GatewayOutput<'_>> = fetched
        .iter()
        .map(|(gateway, fetched)| GatewayOutput { gateway, fetched })
        .collect();
    output::write_list(out, args.output, &outputs, style)
}

/// `--all` for one gateway as NDJSON or CSV: rows are written page by page as they arrive,
/// so memory stays flat however many connections there are. If a later page fails, the
/// rows already written stay and the exit code reports the failure.
async fn stream_rows(
    client: &p2c_vpn::Client,
    gateway: &str,
    args: &ListArgs,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    use futures::TryStreamExt as _;
    let csv = matches!(args.output, ListFormat::Csv);
    if csv {
        output::write_csv_header(out, false)?;
    }
    let mut pages = connect::all_pages(client, gateway, args.page_size, args.offset);
    while let Some(page) = pages.try_next().await.map_err(|e| CliError::api(None, e))? {
        if csv {
            output::write_csv_rows(out, None, &page.connections)?;
        } else {
            output::write_ndjson_rows(out, None, &page.connections)?;
        }
    }
    out.flush()?;
    Ok(())
}
