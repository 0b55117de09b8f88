//! `connections watch`: list every `--interval`, compute rates, report new and dropped
//! connections. The sampling (baseline, rates, events) is `p2c_vpn_runtime::sample`'s;
//! this module polls and prints.

use std::collections::HashMap;
use std::io::Write;
use std::time::Instant;

use comfy_table::Color;
use p2c_vpn::{Client, Connection};
use p2c_vpn_runtime::sample::{Event, EventKind, Sampler};
use serde::Serialize;

use crate::cli::{WatchArgs, WatchFormat};
use crate::connect::{self, Fetch, GatewayRef};
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
/// looked up once (a name that matches no gateway, or several, ends the watch; other
/// failures only leave the maximum unknown, the polls report them).
async fn watched(client: &Client, gateways: Vec<GatewayRef>) -> Result<Vec<Watched>, CliError> {
    use futures::StreamExt as _;
    /// A gateway's ID and maximum, or why they could not be looked up.
    type Found = Result<(String, Option<u64>), p2c_vpn::Error>;
    let looked_up: Vec<(GatewayRef, Found)> =
        futures::stream::iter(gateways.into_iter().map(|g| async move {
            let found = match &g.known {
                Some(known) => Ok(known.clone()),
                None => client.gateway(&g.lookup).await.map(|found| {
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
    let mut watched = Vec::with_capacity(looked_up.len());
    let several = looked_up.len() > 1;
    for (g, found) in looked_up {
        let (id, max) = match found {
            Ok(found) => found,
            Err(e) if error::api_exit_code(&e) == error::EXIT_USAGE => {
                return Err(CliError::api(several.then_some(g.label.as_str()), e));
            }
            Err(_) => (g.lookup.clone(), None),
        };
        watched.push(Watched {
            id,
            label: g.label,
            lookup: g.lookup,
            max,
            last_good: None,
            failure: None,
        });
    }
    Ok(watched)
}

/// Runs the watch until `--count` ticks are done, Ctrl-C, or a non-retryable error.
///
/// A poll that fails with a transient error (throttling, 5xx, timeouts, network) is shown
/// as failed, with the reason and the time of the last good data; the gateway's
/// connections are neither counted as zero nor reported as dropped, and the next good poll
/// compares with the last good one. After `--count` ticks, the exit code is the last
/// failure's when any poll failed.
pub async fn run(
    args: &WatchArgs,
    client: Client,
    gateways: Vec<GatewayRef>,
    several: bool,
    out: &mut dyn Write,
    style: Style,
) -> Result<(), CliError> {
    let mut watched = watched(&client, gateways).await?;
    if watched.is_empty() {
        writeln!(out, "No gateways in this project: nothing to watch.")?;
        return Ok(());
    }
    let lookups: Vec<String> = watched.iter().map(|w| w.lookup.clone()).collect();
    let mut interval = tokio::time::interval(args.interval);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut sampler = Sampler::new();
    let how = Fetch::All {
        page_size: args.page_size,
        offset: None,
    };
    let redrawn = style.tty && args.output == WatchFormat::Table;
    let mut tick = 0u64;
    let (mut polls, mut failed_polls) = (0u64, 0u64);
    let mut last_failure: Option<(u8, String)> = None;
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    loop {
        tokio::select! {
            _ = &mut ctrl_c => return Ok(()),
            _ = interval.tick() => {}
        }
        tick += 1;
        let results = tokio::select! {
            _ = &mut ctrl_c => return Ok(()),
            results = connect::fetch_many(&client, &lookups, how) => results,
        };
        let at = Instant::now();
        let now = chrono::Utc::now();
        let mut events = Vec::new();
        let mut fatal = Vec::new();
        for (w, result) in watched.iter_mut().zip(results) {
            polls += 1;
            match result {
                Ok(fetched) => {
                    w.last_good = Some((fetched.connections.len(), now));
                    w.failure = None;
                    events.extend(sampler.observe(&w.id, at, fetched.connections));
                }
                // Transient trouble is shown and the watch goes on; anything else ends it.
                Err(e) if e.is_retryable() => {
                    failed_polls += 1;
                    let reason = error::describe(&e);
                    if !redrawn {
                        eprintln!(
                            "p2c-vpn: warning: tick {tick}: gateway {}: {}",
                            sanitize::for_terminal(&w.label),
                            sanitize::for_terminal(&reason)
                        );
                    }
                    last_failure = Some((
                        error::api_exit_code(&e),
                        format!("gateway {}: {reason}", w.label),
                    ));
                    sampler.poll_failed(&w.id, reason.as_str());
                    w.failure = Some(reason);
                }
                Err(e) => fatal.push(CliError::api(several.then_some(w.label.as_str()), e)),
            }
        }
        if !fatal.is_empty() {
            return Err(if fatal.len() == 1 {
                fatal.remove(0)
            } else {
                CliError::Many(fatal)
            });
        }
        match args.output {
            WatchFormat::Ndjson => {
                write_events(out, tick, &events)?;
                write_failures(out, tick, &watched)?;
            }
            WatchFormat::Table => write_table(out, tick, &events, &watched, several, style)?,
        }
        out.flush()?;
        if args.count.is_some_and(|count| tick >= count) {
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

fn write_events(out: &mut dyn Write, tick: u64, events: &[Event]) -> Result<(), CliError> {
    for e in events {
        let line = EventLine {
            event: e.kind.as_str(),
            tick,
            gateway_id: &e.gateway,
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
        .map(|w| (w.id.as_str(), w.label.as_str()))
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
