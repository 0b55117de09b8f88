//! `connections disconnect`: the connections of one gateway that match every selector, after
//! a look at them (`--dry-run`) or a confirmation (on a terminal, unless `--yes`).
//!
//! Selectors combine with AND (`--user alice --connected-longer-than 8h`: alice's
//! connections older than 8 hours); a repeated selector flag matches any of its values.
//! A `--connection-id` the listing does not show is still sent when connection IDs are the
//! only selector (the service answers whether it is connected: usually "already gone"); with
//! other selectors it cannot match them, and is reported as not connected.
//!
//! Selection, the plan and the outcomes are `p2c_vpn_runtime`'s (`select`, `disconnect`);
//! this module asks, confirms and prints.

use std::io::{BufRead as _, IsTerminal as _, Write};

use comfy_table::Color;
use futures::StreamExt as _;
use p2c_vpn_runtime::disconnect::{self as bulk, Outcome, Plan, Summary, Target};
use p2c_vpn_runtime::select::Selector;

use crate::cli::DisconnectArgs;
use crate::connect::{self, CONCURRENCY};
use crate::error::{self, CliError, EXIT_OTHER, EXIT_SERVICE, EXIT_USAGE};
use crate::human;
use crate::output::{self, ColumnSpec, Reveal, Style, TextCell};
use crate::sanitize;

/// The [`Selector`] of `--connection-id`, `--user`, `--client-ip`,
/// `--connected-longer-than` and `--all-connections`.
pub fn selector(args: &DisconnectArgs) -> Selector {
    let base = if args.all_connections {
        Selector::all()
    } else {
        Selector::new()
    };
    let s = args
        .connection_ids
        .iter()
        .cloned()
        .fold(base, Selector::connection_id)
        .users(args.users.iter().cloned());
    let s = args.client_ip.iter().cloned().fold(s, Selector::client_ip);
    match args.connected_longer_than {
        Some(min) => s.connected_longer_than(min),
        None => s,
    }
}

/// Runs `connections disconnect`.
pub async fn run(
    args: &DisconnectArgs,
    matches: &clap::ArgMatches,
    out: &mut dyn Write,
    style: Style,
) -> Result<(), CliError> {
    let style = style.wide(args.wide);
    let selector = selector(args);
    if selector.is_empty() {
        return Err(CliError::Usage(
            "say which connections to disconnect: --connection-id ID, --user NAME, \
             --client-ip IP or --connected-longer-than DURATION (they combine: a connection \
             must match all of them), or --all-connections to disconnect every connection of \
             the gateway"
                .to_owned(),
        ));
    }
    let interactive = std::io::stdin().is_terminal();
    if !args.dry_run && !args.yes && !interactive {
        return Err(CliError::Usage(
            "refusing to disconnect without confirmation: stdin is not a terminal, so the \
             question cannot be asked; pass --yes to disconnect without asking (or --dry-run \
             to see what would be disconnected)"
                .to_owned(),
        ));
    }
    let client = connect::from_flags(&args.client, matches)?;
    let plan = bulk::plan(&client, &args.gateway, &selector)
        .await
        .map_err(|e| CliError::api(None, e))?;
    // Named by the ID every request goes to (and the name the service gave for that ID).
    let gateway_label = match plan.gateway_name() {
        Some(name) if name != plan.gateway_id() => format!("{name} ({})", plan.gateway_id()),
        _ => plan.gateway_id().to_owned(),
    };
    let gateway_label = sanitize::for_terminal(&gateway_label).into_owned();

    if plan.targets().is_empty() {
        if plan.masked_mismatch() {
            return Err(CliError::Usage(format!(
                "no connection of gateway {gateway_label} can match --client-ip: the service \
                 masks client addresses (as 100.***.***.100), so a real address never \
                 matches; pass the masked form `connections list` shows"
            )));
        }
        writeln!(
            out,
            "No connection of gateway {gateway_label} matches ({} listed); nothing to do.",
            human::plural(plan.listed(), "connection", "connections")
        )?;
        return Ok(());
    }

    let confirm = interactive && !args.yes && !args.dry_run;
    if args.dry_run || confirm {
        write_matches(out, &gateway_label, &plan, args.dry_run, style)?;
    }
    if args.dry_run {
        writeln!(out, "Dry run: nothing was disconnected.")?;
        return Ok(());
    }
    if confirm {
        out.flush()?;
        if !ask(&format!(
            "Disconnect {} from gateway {gateway_label}? [y/N] ",
            human::plural(plan.to_send(), "connection", "connections")
        ))? {
            return Err(CliError::Exit {
                code: EXIT_OTHER,
                message: Some("not confirmed: nothing was disconnected".to_owned()),
            });
        }
    }

    disconnect_all(&client, &plan, out).await
}

/// Shows what would be (or is about to be) disconnected.
fn write_matches(
    out: &mut dyn Write,
    gateway: &str,
    plan: &Plan,
    dry_run: bool,
    style: Style,
) -> Result<(), CliError> {
    let listed: Vec<(&p2c_vpn::Connection, Option<&str>)> = plan
        .targets()
        .iter()
        .filter_map(|t| Some((t.connection()?, t.id().map(|id| id.as_str()))))
        .collect();
    let verb = if dry_run {
        "Would disconnect"
    } else {
        "About to disconnect"
    };
    writeln!(
        out,
        "{verb} {} from gateway {gateway}:",
        human::plural(listed.len(), "connection", "connections")
    )?;
    if !listed.is_empty() {
        let columns = [
            ColumnSpec::USER,
            ColumnSpec::CLIENT_IP,
            ColumnSpec::VIRTUAL_IP,
            ColumnSpec::CONNECTED_FOR,
            ColumnSpec::CONNECTION_ID,
        ];
        let make_rows = || {
            listed.iter().map(|(c, id)| {
                vec![
                    TextCell::new(c.user_name().unwrap_or("-")).color(Color::Cyan),
                    TextCell::new(c.as_api().client_ip.as_deref().unwrap_or("-")),
                    TextCell::new(c.as_api().client_virtual_ip.as_deref().unwrap_or("-")),
                    TextCell::new(output::or_dash(c.connected_for().map(human::duration))),
                    TextCell::new(id.unwrap_or("- (no ID: cannot be disconnected)")),
                ]
            })
        };
        output::write_columns(out, style, &columns, Reveal::Wide, listed.len(), make_rows)?;
    }
    for t in plan.targets() {
        if let Target::Unlisted { id, send } = t {
            if *send {
                writeln!(
                    out,
                    "not in the gateway's connections, sent anyway (the service says whether it is connected): {}",
                    sanitize::for_terminal(id.as_str())
                )?;
            } else {
                writeln!(
                    out,
                    "not connected (not in the gateway's connections): {}",
                    sanitize::for_terminal(id.as_str())
                )?;
            }
        }
    }
    Ok(())
}

/// Asks `question` on stderr; true for `y` or `yes`.
pub fn ask(question: &str) -> Result<bool, CliError> {
    let mut stderr = std::io::stderr();
    stderr.write_all(question.as_bytes())?;
    stderr.flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(is_yes(&answer))
}

/// Whether an answer means yes.
pub fn is_yes(answer: &str) -> bool {
    matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}

/// Disconnects the targets (a few at a time), one result line each, in order.
async fn disconnect_all(
    client: &p2c_vpn::Client,
    plan: &Plan,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let mut reports = plan.execute(client, CONCURRENCY);
    let mut summary = Summary::default();
    let mut exit = None;
    while let Some(report) = reports.next().await {
        let target = report.target;
        let id = target
            .id()
            .map(|id| sanitize::for_terminal(id.as_str()).into_owned())
            .unwrap_or_else(|| "-".to_owned());
        let user = target
            .connection()
            .and_then(|c| c.user_name())
            .map(|u| format!(" {}", sanitize::cell(u)))
            .unwrap_or_default();
        let request = |r: &Option<String>| {
            r.as_deref()
                .map(|r| format!(" (request id {})", sanitize::for_terminal(r)))
                .unwrap_or_default()
        };
        summary.add(&report.outcome);
        let reason = |e: &p2c_vpn::Error| sanitize::for_terminal(&error::describe(e)).into_owned();
        let code = |e: &p2c_vpn::Error| match error::api_exit_code(e) {
            EXIT_USAGE | EXIT_OTHER => EXIT_SERVICE,
            code => code,
        };
        match &report.outcome {
            Outcome::Disconnected { request_id } => {
                writeln!(out, "disconnected  {id}{user}{}", request(request_id))?;
            }
            Outcome::AlreadyGone { request_id } => {
                writeln!(out, "already gone  {id}{user}{}", request(request_id))?;
            }
            Outcome::NotListed => {
                writeln!(
                    out,
                    "already gone  {id}{user} (not in the gateway's connections)"
                )?;
            }
            Outcome::NoId => {
                exit.get_or_insert(EXIT_SERVICE);
                writeln!(
                    out,
                    "failed        {id}{user}: cannot disconnect: the service gave no ID"
                )?;
            }
            Outcome::Unknown { error } => {
                let why = error.as_ref().map(reason).unwrap_or_default();
                exit.get_or_insert(error.as_ref().map_or(EXIT_SERVICE, code));
                writeln!(
                    out,
                    "unknown       {id}{user}: outcome unknown, the request was sent but its \
                     answer was lost ({why}); list the connections to see whether it is still \
                     connected"
                )?;
            }
            Outcome::Failed(e) => {
                exit.get_or_insert(code(e));
                writeln!(out, "failed        {id}{user}: {}", reason(e))?;
            }
            other => {
                exit.get_or_insert(EXIT_SERVICE);
                writeln!(out, "failed        {id}{user}: {other}")?;
            }
        }
        out.flush()?;
    }
    writeln!(
        out,
        "{} disconnected, {} already gone, {} failed",
        summary.disconnected, summary.already_gone, summary.failed
    )?;
    match exit {
        None => Ok(()),
        Some(code) => Err(CliError::Exit {
            code,
            message: Some(format!(
                "{} of {} disconnects failed",
                summary.failed,
                plan.targets().len()
            )),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers() {
        for yes in ["y", "Y", "yes", " YES\n"] {
            assert!(is_yes(yes), "{yes:?}");
        }
        for no in ["", "\n", "n", "no", "yep", "sure"] {
            assert!(!is_yes(no), "{no:?}");
        }
    }
}
