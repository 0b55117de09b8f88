//! `p2c-vpn`: see who is connected to a Huawei Cloud P2C (client) VPN gateway.
//!
//! See the crate README for commands, output formats and exit codes.

#[cfg(test)]
mod cli_tests;
mod columns;
mod completions;
mod connect;
mod demo;
mod disconnect;
mod error;
mod exporter;
mod gateways;
mod human;
mod list;
mod log_config;
mod logging;
mod man;
mod neterror;
mod output;
mod sanitize;
mod top;
mod watch;

use std::io::Write;
use std::process::ExitCode;

use clap::{CommandFactory as _, FromArgMatches as _};
// The clap definitions live in the crate's library (`src/lib.rs`), for the fuzz target.
use p2c_vpn_cli::cli;

use crate::cli::{Cli, Command, ConnectionsCommand, GatewaysCommand};
use crate::error::CliError;
use crate::output::Style;

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
    logging::init(cli.verbose);
    error::set_verbose(cli.verbose > 0);
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
    let m = leaf(matches);
    let result = match cli.command {
        Command::Demo(args) => demo::run(&args, &mut out, style).await,
        Command::Exporter(args) => exporter::run(&args, m).await,
        Command::Completions { shell } => completions::write(shell, &mut out),
        Command::Man { dir: None } => man::print_top(&mut out),
        Command::Man { dir: Some(dir) } => man::write_all(&dir, &mut out),
        Command::Top(args) => top::run(&args, m).await,
        Command::Gateways(GatewaysCommand::List(args)) => {
            let client = connect::from_flags(&args.client, m)?;
            gateways::list(&client, args.output, &mut out, style.wide(args.wide)).await
        }
        Command::Gateways(GatewaysCommand::Show(args)) => {
            let client = connect::from_flags(&args.client, m)?;
            gateways::show(&client, &args.gateway, args.output, &mut out, style).await
        }
        Command::Gateways(GatewaysCommand::LogConfig(args)) => {
            log_config::run(&args, m, &mut out, style).await
        }
        Command::Connections(ConnectionsCommand::List(args)) => {
            list::run(&args, m, &mut out, style).await
        }
        Command::Connections(ConnectionsCommand::Watch(args)) => {
            let client = connect::from_flags(&args.conn.client, m)?;
            let gateways = connect::gateways(&client, &args.conn.gateways).await?;
            // Every gateway of the project is shown with its gateway column.
            let several = args.conn.gateways.is_empty() || gateways.len() > 1;
            let style = style.wide(args.wide);
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
