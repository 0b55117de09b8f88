//! `p2c-vpn`: see who is connected to a Huawei Cloud P2C (client) VPN gateway.
//!
//! See the crate README for commands, output formats and exit codes.

mod cli;
mod columns;
mod connect;
mod demo;
mod disconnect;
mod error;
mod exporter;
mod gateways;
mod human;
mod output;
mod sanitize;
mod watch;

use std::io::Write;
use std::process::ExitCode;

use clap::{CommandFactory as _, FromArgMatches as _};

use crate::cli::{Cli, Command, ConnectionsCommand, GatewaysCommand, ListArgs, ListFormat};
use crate::connect::Fetch;
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
    init_logging(cli.verbose);
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

/// Logs to stderr: warnings always (e.g. a credentials file others can read), each call's
/// span with -v, details with -vv; `RUST_LOG` overrides. Secrets and client IPs are never
/// logged (the library's spans carry IDs, statuses and request IDs only).
fn init_logging(verbose: u8) {
    use tracing_subscriber::filter::Targets;
    use tracing_subscriber::prelude::*;
    let default = match verbose {
        0 => "warn",
        1 => "warn,p2c_vpn=info,p2c_vpn_api=info,p2c_vpn_exporter=info,p2c_vpn_cli=info",
        _ => "debug",
    };
    // `Targets` reads the `target=level,...` directives people put in RUST_LOG without the
    // regex engine `EnvFilter` needs (a large part of a cold build).
    let mut bad = None;
    let filter = match std::env::var("RUST_LOG") {
        Ok(directives) if !directives.trim().is_empty() => {
            directives.parse::<Targets>().unwrap_or_else(|e| {
                bad = Some(format!("RUST_LOG={directives:?} ignored: {e}"));
                default.parse().unwrap_or_default()
            })
        }
        _ => default.parse().unwrap_or_default(),
    };
    let span_events = if verbose > 0 {
        tracing_subscriber::fmt::format::FmtSpan::CLOSE
    } else {
        tracing_subscriber::fmt::format::FmtSpan::NONE
    };
    let fmt = tracing_subscriber::fmt::layer()
        .with_span_events(span_events)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    let _ = tracing_subscriber::registry()
        .with(fmt)
        .with(filter)
        .try_init();
    if let Some(bad) = bad {
        tracing::warn!("{bad}");
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
    let m = leaf(matches);
    let result = match cli.command {
        Command::Demo(args) => demo::run(&args, &mut out, style).await,
        Command::Exporter(args) => exporter::run(&args, m).await,
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "p2c-vpn", &mut out);
            Ok(())
        }
        Command::Man => clap_mangen::Man::new(Cli::command())
            .render(&mut out)
            .map_err(|e| CliError::Other(format!("cannot write the man page: {e}"))),
        Command::Gateways(GatewaysCommand::List(args)) => {
            let client = connect::from_flags(&args.client, m)?;
            gateways::list(&client, args.output, &mut out, style).await
        }
        Command::Gateways(GatewaysCommand::Show(args)) => {
            let client = connect::from_flags(&args.client, m)?;
            gateways::show(&client, &args.gateway, args.output, &mut out, style).await
        }
        Command::Connections(ConnectionsCommand::List(args)) => {
            list(&args, m, &mut out, style).await
        }
        Command::Connections(ConnectionsCommand::Watch(args)) => {
            let client = connect::from_flags(&args.conn.client, m)?;
            let gateways = connect::gateways(&client, &args.conn.gateways).await?;
            // Every gateway of the project is shown with its gateway column.
            let several = args.conn.gateways.is_empty() || gateways.len() > 1;
            watch::run(&args, client, gateways, several, &mut out, style).await
        }
        Command::Connections(ConnectionsCommand::Disconnect(args)) => {
            disconnect::run(&args, m, &mut out, style).await
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
    let columns = match &args.columns {
        Some(requested) => Some(columns::Columns::parse(requested, args.output)?),
        None => None,
    };
    let client = connect::from_flags(&args.conn.client, matches)?;
    let every_gateway = args.conn.gateways.is_empty();
    let gateways = connect::gateways(&client, &args.conn.gateways).await?;
    let filter = connect::UserFilter::new(&args.users);
    if let ([gateway], false, true, ListFormat::Ndjson | ListFormat::Csv) =
        (gateways.as_slice(), every_gateway, args.all, args.output)
    {
        return stream_rows(
            &client,
            &gateway.lookup,
            args,
            columns.as_ref(),
            &filter,
            out,
        )
        .await;
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
    let lookups: Vec<String> = gateways.iter().map(|g| g.lookup.clone()).collect();
    let results = connect::fetch_many_resolved(&client, &lookups, how).await;
    // Every gateway of the project is always shown with its gateway column, even if
    // there is only one.
    let several = every_gateway || gateways.len() > 1;
    let mut fetched = Vec::with_capacity(results.len());
    let mut failures = Vec::new();
    for (gateway, result) in gateways.iter().zip(results) {
        match result {
            Ok((id, mut f)) => {
                filter.apply(&mut f.connections);
                fetched.push((gateway, id, f));
            }
            Err(e) => failures.push(CliError::api(several.then_some(gateway.label.as_str()), e)),
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
        .map(|(gateway, id, fetched)| GatewayOutput {
            gateway: id,
            label: &gateway.label,
            fetched,
        })
        .collect();
    if every_gateway && outputs.is_empty() && args.output == ListFormat::Table {
        writeln!(out, "No gateways in this project.")?;
        return Ok(());
    }
    match &columns {
        Some(columns) => columns.write_list(out, args.output, &outputs, several, style),
        None => output::write_list(out, args.output, &outputs, several, style),
    }
}

/// `--all` for one gateway as NDJSON or CSV: rows are written page by page as they arrive,
/// so memory stays flat however many connections there are. If a later page fails, the
/// rows already written stay and the exit code reports the failure.
async fn stream_rows(
    client: &p2c_vpn::Client,
    gateway: &str,
    args: &ListArgs,
    columns: Option<&columns::Columns>,
    filter: &connect::UserFilter,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    use futures::TryStreamExt as _;
    let csv = matches!(args.output, ListFormat::Csv);
    let gateway_id = match columns {
        Some(c) if c.wants_gateway_id() => client
            .resolve_gateway(gateway)
            .await
            .map_err(|e| CliError::api(None, e))?,
        _ => String::new(),
    };
    if csv {
        match columns {
            Some(columns) => columns.write_csv_header(out)?,
            None => output::write_csv_header(out, false)?,
        }
    }
    let mut pages = connect::all_pages(client, gateway, args.page_size, args.offset);
    while let Some(mut page) = pages.try_next().await.map_err(|e| CliError::api(None, e))? {
        filter.apply(&mut page.connections);
        match (csv, columns) {
            (true, Some(columns)) => {
                columns.write_csv_rows(out, &gateway_id, &page.connections)?;
            }
            (true, None) => output::write_csv_rows(out, None, &page.connections)?,
            (false, _) => output::write_ndjson_rows(out, None, &page.connections)?,
        }
    }
    out.flush()?;
    Ok(())
}
