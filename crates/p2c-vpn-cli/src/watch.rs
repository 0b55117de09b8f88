//! `connections watch`: list every `--interval`, compute rates, report new and dropped
//! connections. The sampling (baseline, rates, events) is `p2c_vpn_runtime::sample`'s;
//! this module polls and prints.

use std::collections::HashMap;
use std::io::Write;

use comfy_table::Color;
use futures::StreamExt as _;
use p2c_vpn::{Client, Connection};
use p2c_vpn_runtime::sample::{Event, EventKind};
use p2c_vpn_runtime::watch::{Outcome, Watch};
use serde::Serialize;

use crate::cli::{WatchArgs, WatchFormat};
use crate::connect::{self, GatewayRef};
use crate::error::{self, CliError};
use crate::human;
use crate::output::{self, ColumnSpec, Reveal, Style, TextCell};
use crate::sanitize;

/// The NDJSON form of an [`Event`]: the API's connection fields plus the event's
/// (`event`: `baseline` at a gateway's first good poll, then `new`, `update`, `dropped`).
#[derive(Serialize)]
struct EventLine<'a> {
    event: &'static str,
    tick: u64,
    gateway_id: &'a str,
    in_bps: Option<f64>,
    out_bps: Option<f64>,
    #[serde(flatten)]
    connection: &'a Connection,
}

/// A watched gateway and how its last poll went.
#[derive(Debug, Clone)]
pub struct Watched {
    /// Its ID (`gateway_id` in NDJSON), or what was given when it could not be looked up.
    pub id: String,
    /// How the screen names it.
    pub label: String,
    /// What the library is given.
    lookup: String,
    /// Its maximum of connections, when known.
    pub max: Option<u64>,
    /// Connections at the last good poll, and when that was.
    pub last_good: Option<(usize, chrono::DateTime<chrono::Utc>)>,
    /// Why the last poll failed (`None` when it did not).
    pub failure: Option<String>,
}

impl Watched {
    /// `office: 12 / 50 connections`, or the failure with the time of the last good data.
    fn status_line(&self) -> String {
        let label = sanitize::for_terminal(&self.label);
        match (&self.failure, self.last_good) {
            (Some(reason), last) => {
                let last = match last {
                    Some((n, at)) => format!(
                        "last good data at {} UTC ({})",
                        at.format("%Y-%m-%d %H:%M:%S"),
                        human::plural(n, "connection", "connections")
                    ),
                    None => "no good data yet".to_owned(),
                };
                format!(
                    "gateway {label}: FAILED: {}; {last}",
                    sanitize::for_terminal(reason)
                )
            }
            (None, Some((n, _))) => match self.max {
                Some(max) => format!("gateway {label}: {n} / {max} connections"),
                None => format!(
                    "gateway {label}: {}",
                    human::plural(n, "connection", "connections")
                ),
            },
            (None, None) => format!("gateway {label}: not polled yet"),
        }
    }
}

/// The watched gateways, with IDs and maximums: from the listing of every gateway, else
/// looked up once, all at the same time and within [`lookup_deadline`] (a lookup that
/// fails or has not answered by then only leaves the maximum unknown: the polls report the
/// gateway's trouble on its own line).
async fn watched(
    client: &Client,
    gateways: Vec<GatewayRef>,
    within: std::time::Duration,
) -> Vec<Watched> {
    use futures::StreamExt as _;
    /// A gateway's ID and maximum, if they could be looked up.
    type Found = Option<(String, Option<u64>)>;
    let deadline = tokio::time::Instant::now() + within;
    let looked_up: Vec<(GatewayRef, Found)> =
        futures::stream::iter(gateways.into_iter().map(|g| async move {
            let found = match &g.known {
                Some(known) => Some(known.clone()),
                None => tokio::time::timeout_at(deadline, client.gateway(&g.lookup))
                    .await
                    .ok()
                    .and_then(Result::ok)
                    .map(|found| {
                        (
                            found.id().unwrap_or(&g.lookup).to_owned(),
                            found.max_connections(),
                        )
                    }),
            };
            (g, found)
        }))
        .buffered(connect::CONCURRENCY)
        .collect()
        .await;
    looked_up
        .into_iter()
        .map(|(g, found)| {
            let (id, max) = found.unwrap_or_else(|| (g.lookup.clone(), None));
            Watched {
                id,
                label: g.label,
                lookup: g.lookup,
                max,
                last_good: None,
                failure: None,
            }
        })
        .collect()
}

/// How long the start-up lookups may take: one interval, and at least 2 s (a one-off, so a
/// short interval does not leave maximums out for a merely slow answer).
fn lookup_deadline(interval: std::time::Duration) -> std::time::Duration {
    interval.max(std::time::Duration::from_secs(2))
}

/// Runs the watch until `--count` ticks are done, Ctrl-C, or every gateway failed for a
/// persistent reason.
///
/// The polling is `p2c_vpn_runtime::watch`'s: each gateway is polled every interval with a
/// deadline of one interval, so a hung, slow or failing gateway is shown as failed (or
/// late) on its own line while the others keep their cadence. A failed poll is shown with
/// the reason and the time of the last good data; the gateway's connections are neither
/// counted as zero nor reported as dropped, and the next good poll compares with the last
/// good one. The watch ends early only when every gateway failed at one tick for a
/// persistent reason (credentials, invalid input, a 4xx: see
/// [`p2c_vpn_runtime::watch::is_persistent`]). After `--count` ticks, the exit code is the
/// last failure's when any poll failed.
pub async fn run(
    args: &WatchArgs,
    client: Client,
    gateways: Vec<GatewayRef>,
    several: bool,
    out: &mut dyn Write,
    style: Style,
) -> Result<(), CliError> {
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    let mut watched = tokio::select! {
        _ = &mut ctrl_c => return Ok(()),
        watched = watched(&client, gateways, lookup_deadline(args.interval)) => watched,
    };
    if watched.is_empty() {
        writeln!(out, "No gateways in this project: nothing to watch.")?;
        return Ok(());
    }
    let lookups: Vec<String> = watched.iter().map(|w| w.lookup.clone()).collect();
    let ids: HashMap<String, String> = watched
        .iter()
        .map(|w| (w.lookup.clone(), w.id.clone()))
        .collect();
    let mut ticks = Watch::new(client, lookups, args.interval)
        .page_size(args.page_size)
        .ticks();
    let redrawn = style.tty && args.output == WatchFormat::Table;
    let (mut polls, mut failed_polls) = (0u64, 0u64);
    let mut last_failure: Option<(u8, String)> = None;
    loop {
        let next = tokio::select! {
            _ = &mut ctrl_c => return Ok(()),
            next = ticks.next() => next,
        };
        // The stream ends only after a final tick, handled below.
        let Some(mut tick) = next else { return Ok(()) };
        let now = chrono::Utc::now();
        let number = tick.number;
        let last = tick.is_final();
        let mut fatal = Vec::new();
        for (w, g) in watched.iter_mut().zip(tick.gateways.drain(..)) {
            polls += 1;
            let (code, reason) = match g.outcome {
                Outcome::Polled { connections, .. } => {
                    w.last_good = Some((connections, now));
                    w.failure = None;
                    continue;
                }
                Outcome::Failed(e) => {
                    let code = error::api_exit_code(&e);
                    let reason = error::describe(&e);
                    if last {
                        fatal.push(CliError::api(several.then_some(w.label.as_str()), e));
                    }
                    (code, reason)
                }
                Outcome::Late { after } => (
                    error::EXIT_NETWORK,
                    format!(
                        "late: no answer within {}",
                        humantime::format_duration(after)
                    ),
                ),
                _ => (error::EXIT_OTHER, g.outcome.to_string()),
            };
            failed_polls += 1;
            if !redrawn && !last {
                eprintln!(
                    "p2c-vpn: warning: tick {number}: gateway {}: {}",
                    sanitize::for_terminal(&w.label),
                    sanitize::for_terminal(&reason)
                );
            }
            last_failure = Some((code, format!("gateway {}: {reason}", w.label)));
            w.failure = Some(reason);
        }
        // Every gateway failed for a reason that asking again would not change.
        if last {
            return Err(if fatal.len() == 1 {
                fatal.remove(0)
            } else {
                CliError::Many(fatal)
            });
        }
        match args.output {
            WatchFormat::Ndjson => {
                write_events(out, number, &tick.events, &ids)?;
                write_failures(out, number, &watched)?;
            }
            WatchFormat::Table => {
                write_table(out, number, &tick.events, &watched, several, style)?;
            }
        }
        out.flush()?;
        if args.count.is_some_and(|count| number >= count) {
            return match last_failure {
                None => Ok(()),
                Some((code, last)) => Err(CliError::Exit {
                    code,
                    message: Some(format!(
                        "{failed_polls} of {polls} polls failed; the last: {last}"
                    )),
                }),
            };
        }
    }
}

/// The NDJSON form of a failed poll.
#[derive(Serialize)]
struct FailureLine<'a> {
    event: &'static str,
    tick: u64,
    gateway_id: &'a str,
    error: &'a str,
    /// When the last good data was polled (`null`: never).
    last_good_at: Option<String>,
}

/// One `error` event per gateway whose poll failed this tick.
fn write_failures(out: &mut dyn Write, tick: u64, watched: &[Watched]) -> Result<(), CliError> {
    for w in watched {
        if let Some(reason) = &w.failure {
            let line = FailureLine {
                event: "error",
                tick,
                gateway_id: &w.id,
                error: reason,
                last_good_at: w
                    .last_good
                    .map(|(_, at)| at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            };
            serde_json::to_writer(&mut *out, &line)?;
            out.write_all(b"\n")?;
        }
    }
    Ok(())
}

fn write_events(
    out: &mut dyn Write,
    tick: u64,
    events: &[Event],
    ids: &HashMap<String, String>,
) -> Result<(), CliError> {
    for e in events {
        let line = EventLine {
            event: e.kind.as_str(),
            tick,
            gateway_id: ids.get(&e.gateway).unwrap_or(&e.gateway),
            in_bps: e.in_bps,
            out_bps: e.out_bps,
            connection: &e.connection,
        };
        serde_json::to_writer(&mut *out, &line)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

fn write_table(
    out: &mut dyn Write,
    tick: u64,
    events: &[Event],
    watched: &[Watched],
    several: bool,
    style: Style,
) -> Result<(), CliError> {
    if style.tty {
        // Redraw: clear the screen and go home. Everything of this tick, failures
        // included, comes after this.
        out.write_all(b"\x1b[2J\x1b[H")?;
    } else if tick > 1 {
        writeln!(out)?;
    }
    let count = |kind| events.iter().filter(|e| e.kind == kind).count();
    let (new, dropped) = (count(EventKind::New), count(EventKind::Dropped));
    let current = events.len() - dropped;
    let failed = watched.iter().filter(|w| w.failure.is_some()).count();
    let at = chrono::Utc::now().format("%Y-%m-%d %H:%M:%S");
    let summary = match failed {
        0 => format!(
            "{}, {new} new, {dropped} dropped",
            human::plural(current, "connection", "connections")
        ),
        n if n == watched.len() => format!(
            "POLL FAILED for {}: no current data",
            human::plural(n, "gateway", "gateways")
        ),
        n => format!(
            "POLL FAILED for {n} of {} gateways; {} on the others, {new} new, {dropped} dropped",
            watched.len(),
            human::plural(current, "connection", "connections")
        ),
    };
    writeln!(out, "--- tick {tick} at {at} UTC: {summary} ---")?;
    for w in watched {
        let line = w.status_line();
        if w.failure.is_some() && style.color {
            writeln!(out, "\x1b[31m{line}\x1b[39m")?;
        } else {
            writeln!(out, "{line}")?;
        }
    }
    if events.is_empty() {
        if failed < watched.len() {
            writeln!(out, "No connections.")?;
        }
        return Ok(());
    }
    let labels: HashMap<&str, &str> = watched
        .iter()
        .map(|w| (w.lookup.as_str(), w.label.as_str()))
        .collect();
    let mut columns = Vec::with_capacity(9);
    if several {
        columns.push(ColumnSpec::GATEWAY);
    }
    columns.extend([
        ColumnSpec::STATE,
        ColumnSpec::USER,
        ColumnSpec::VIRTUAL_IP,
        ColumnSpec::CONNECTED_FOR,
        ColumnSpec::IN,
        ColumnSpec::OUT,
        ColumnSpec::IN_RATE,
        ColumnSpec::OUT_RATE,
    ]);
    let make_rows = || events.iter().map(|e| event_cells(e, several, &labels));
    output::write_columns(out, style, &columns, Reveal::Wide, events.len(), make_rows)?;
    Ok(())
}

/// One row of the watch table (every server string made safe by [`TextCell`]).
fn event_cells<'a>(
    e: &'a Event,
    several: bool,
    labels: &HashMap<&str, &'a str>,
) -> Vec<TextCell<'a>> {
    let c = &e.connection;
    let mut cells = Vec::with_capacity(9);
    if several {
        let label = labels.get(e.gateway.as_str()).copied();
        cells.push(TextCell::new(label.unwrap_or(e.gateway.as_str())));
    }
    let state = match e.kind {
        EventKind::New => TextCell::new("new").color(Color::Green),
        EventKind::Dropped => TextCell::new("dropped").color(Color::Red),
        _ => TextCell::new(""),
    };
    cells.extend([
        state,
        TextCell::new(c.user_name().unwrap_or("-")).color(Color::Cyan),
        TextCell::new(c.as_api().client_virtual_ip.as_deref().unwrap_or("-")),
        TextCell::new(output::or_dash(c.connected_for().map(human::duration))),
        TextCell::new(output::or_dash(c.as_api().inbound_bytes.map(human::bytes))),
        TextCell::new(output::or_dash(c.as_api().outbound_bytes.map(human::bytes))),
        TextCell::new(output::or_dash(e.in_bps.map(human::rate))),
        TextCell::new(output::or_dash(e.out_bps.map(human::rate))),
    ]);
    cells
}
