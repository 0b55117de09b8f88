//! `gateways log-config GATEWAY`: where a gateway's connection logs go (an LTS log group
//! and log stream), shown, set (`--set LOG_GROUP_ID:LOG_STREAM_ID`) or deleted (`--delete`),
//! each change after a look at it (`--dry-run`) or a confirmation (on a terminal, unless
//! `--yes`), like `connections disconnect`.
//!
//! `json` is the API's shape, `{"log_config": {...}}` (`null` when there is none): what is
//! configured, or what is in effect after the change.

use std::io::{IsTerminal as _, Write};

use comfy_table::Color;
use p2c_vpn::LogConfig;
use serde::Serialize;

use crate::cli::{GatewaysLogConfigArgs, LogConfigFormat};
use crate::connect;
use crate::disconnect::ask;
use crate::error::{CliError, EXIT_OTHER};
use crate::output::{self, ColumnSpec, Style, TextCell};
use crate::sanitize;

/// The API's `log_config` response shape.
#[derive(Serialize)]
struct Document<'a> {
    log_config: Option<&'a LogConfig>,
}

/// What was asked for.
enum Change {
    Set(LogConfig),
    Delete,
}

/// Runs `gateways log-config`.
pub async fn run(
    args: &GatewaysLogConfigArgs,
    matches: &clap::ArgMatches,
    out: &mut dyn Write,
    style: Style,
) -> Result<(), CliError> {
    let change = match (&args.set, args.delete) {
        (Some(config), _) => Some(Change::Set(config.clone())),
        (None, true) => Some(Change::Delete),
        (None, false) => None,
    };
    let interactive = std::io::stdin().is_terminal();
    if change.is_some() && !args.dry_run && !args.yes && !interactive {
        return Err(CliError::Usage(
            "refusing to change the log configuration without confirmation: stdin is not a \
             terminal, so the question cannot be asked; pass --yes to change it without \
             asking (or --dry-run to see the change)"
                .to_owned(),
        ));
    }
    let client = connect::from_flags(&args.client, matches)?;
    // The gateway once, by the ID every request then goes to (and its name for messages).
    let gateway = client
        .gateway(&args.gateway)
        .await
        .map_err(|e| CliError::api(None, e))?;
    let Some(id) = gateway.id().map(str::to_owned) else {
        return Err(CliError::Other(
            "the service described the gateway without an ID".to_owned(),
        ));
    };
    let label = sanitize::for_terminal(&match gateway.name() {
        Some(name) if name != id => format!("{name} ({id})"),
        _ => id.clone(),
    })
    .into_owned();
    let current = client
        .log_config(&id)
        .await
        .map_err(|e| CliError::api(None, e))?;

    let Some(change) = change else {
        return write(
            out,
            args.output,
            &label,
            gateway.name(),
            &id,
            current.as_ref(),
            style,
        );
    };
    let json = args.output == LogConfigFormat::Json;
    let question = match (&change, &current) {
        // Nothing to change: nothing is sent (json: what is in effect).
        (Change::Set(new), Some(old)) if new == old => {
            if json {
                return write_json(out, current.as_ref());
            }
            writeln!(
                out,
                "Gateway {label} already sends its connection logs to {}; nothing to do.",
                destination(new)
            )?;
            return Ok(());
        }
        (Change::Delete, None) => {
            if json {
                return write_json(out, None);
            }
            writeln!(
                out,
                "Gateway {label} has no log configuration; nothing to delete."
            )?;
            return Ok(());
        }
        (Change::Set(new), old) => format!(
            "send the connection logs of gateway {label} to {}{}",
            destination(new),
            old.as_ref()
                .map(|old| format!(" (instead of {})", destination(old)))
                .unwrap_or_default()
        ),
        (Change::Delete, Some(old)) => format!(
            "stop sending the connection logs of gateway {label} to {} (what was written stays \
             in LTS)",
            destination(old)
        ),
    };
    if args.dry_run {
        writeln!(out, "Would {question}.")?;
        writeln!(out, "Dry run: nothing was changed.")?;
        return Ok(());
    }
    if !args.yes {
        out.flush()?;
        let mut q = question;
        if let Some(first) = q.get(..1) {
            q.replace_range(..1, &first.to_ascii_uppercase());
        }
        if !ask(&format!("{q}? [y/N] "))? {
            return Err(CliError::Exit {
                code: EXIT_OTHER,
                message: Some("not confirmed: nothing was changed".to_owned()),
            });
        }
    }

    let now = match change {
        Change::Set(new) => Some(
            client
                .set_log_config(&id, &new)
                .await
                .map_err(|e| CliError::api(None, e))?,
        ),
        Change::Delete => {
            client
                .delete_log_config(&id)
                .await
                .map_err(|e| CliError::api(None, e))?;
            None
        }
    };
    match args.output {
        LogConfigFormat::Json => return write_json(out, now.as_ref()),
        LogConfigFormat::Table => match &now {
            Some(config) => writeln!(
                out,
                "Gateway {label} now sends its connection logs to {}.",
                destination(config)
            )?,
            None => writeln!(
                out,
                "Gateway {label} no longer sends its connection logs to LTS."
            )?,
        },
    }
    out.flush()?;
    Ok(())
}

/// `log group G, log stream S` (escaped for the terminal).
fn destination(config: &LogConfig) -> String {
    format!(
        "LTS log group {}, log stream {}",
        sanitize::for_terminal(config.log_group_id()),
        sanitize::for_terminal(config.log_stream_id())
    )
}

fn write_json(out: &mut dyn Write, config: Option<&LogConfig>) -> Result<(), CliError> {
    serde_json::to_writer_pretty(&mut *out, &Document { log_config: config })?;
    writeln!(out)?;
    out.flush()?;
    Ok(())
}

/// Shows the configuration: a FIELD / VALUE table, or the API's JSON.
fn write(
    out: &mut dyn Write,
    format: LogConfigFormat,
    label: &str,
    name: Option<&str>,
    id: &str,
    config: Option<&LogConfig>,
    style: Style,
) -> Result<(), CliError> {
    if format == LogConfigFormat::Json {
        return write_json(out, config);
    }
    let Some(config) = config else {
        writeln!(
            out,
            "Gateway {label} has no log configuration: its connection logs are not sent to LTS. \
             Set one with --set LOG_GROUP_ID:LOG_STREAM_ID."
        )?;
        out.flush()?;
        return Ok(());
    };
    let rows = [
        ("gateway", name.unwrap_or("-"), Some(Color::Cyan)),
        ("id", id, None),
        ("log_group_id", config.log_group_id(), None),
        ("log_stream_id", config.log_stream_id(), None),
    ];
    let make_rows = || {
        rows.iter().map(|(field, value, color)| {
            let value = TextCell::new(*value);
            vec![
                TextCell::new(*field),
                match color {
                    Some(c) => value.color(*c),
                    None => value,
                },
            ]
        })
    };
    output::write_columns(
        out,
        style,
        &[ColumnSpec::FIELD, ColumnSpec::VALUE],
        output::Reveal::Nothing,
        rows.len(),
        make_rows,
    )?;
    out.flush()?;
    Ok(())
}
