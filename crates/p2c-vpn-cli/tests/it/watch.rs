//! `p2c-vpn connections watch` end to end: rates from the mock's counters, new and dropped
//! connections, table and NDJSON output, Ctrl-C.

#![allow(clippy::unwrap_used)]

use crate::common;

use std::collections::{HashMap, HashSet};
use std::io::{BufRead as _, BufReader};
use std::process::Stdio;
use std::time::Duration;

use common::{Mock, frozen_at, ndjson, stderr, stdout};
use predicates::prelude::*;

/// Each connection's byte rates (in, out) per second, measured through the library: list,
/// advance the frozen clock 10 s, list again; rates over the samples' timestamps.
fn expected_rates(mock: &Mock, gateway: &str) -> HashMap<String, (f64, f64)> {
    let client = p2c_vpn::Client::builder()
        .endpoint(mock.server.base_url())
        .project_id(mock.server.project_id())
        .credentials(mock.server.credentials())
        .build()
        .unwrap();
    let before = mock
        .block_on(client.connections(gateway).collect_all())
        .unwrap();
    mock.server.advance(Duration::from_secs(10));
    let after = mock
        .block_on(client.connections(gateway).collect_all())
        .unwrap();
    before
        .iter()
        .zip(&after)
        .map(|(b, a)| {
            assert_eq!(b.connection_id(), a.connection_id());
            // Over the samples' own times (the clock also moves at each request).
            let seconds = (a.observed_at().unwrap() - b.observed_at().unwrap()).num_seconds();
            assert!(seconds >= 10, "{seconds}");
            let rate =
                |x: Option<u64>, y: Option<u64>| (y.unwrap() - x.unwrap()) as f64 / seconds as f64;
            (
                b.connection_id().unwrap().to_string(),
                (
                    rate(b.inbound_bytes(), a.inbound_bytes()),
                    rate(b.outbound_bytes(), a.outbound_bytes()),
                ),
            )
        })
        .collect()
}

#[test]
fn ndjson_events_carry_the_rates_of_the_counters() {
    // The mock's clock moves 10 s at each request: time passes between the polls whatever
    // the machine's load.
    let mock = Mock::start(|b| {
        b.seed(11)
            .frozen_clock(frozen_at())
            .advance_per_request(Duration::from_secs(10))
            .gateway("gw-w", 6)
    });
    let expected = expected_rates(&mock, "gw-w");
    assert!(expected.values().any(|(i, o)| *i > 0.0 && *o > 0.0));

    let out = {
        mock.watch(&[
            "--gateway",
            "gw-w",
            "--count",
            "2",
            "--interval",
            "1s",
            "--output",
            "ndjson",
        ])
        .output()
        .unwrap()
    };
    assert!(out.status.success(), "{}", stderr(&out));
    let events = ndjson(&stdout(&out));
    assert_eq!(events.len(), 12, "6 connections, 2 ticks");
    let (first, second) = events.split_at(6);
    for e in first {
        // The first poll is the baseline, not "new" for everyone.
        assert_eq!(e["event"], "baseline");
        assert_eq!(e["tick"], 1);
        assert_eq!(e["gateway_id"], "gw-w");
        assert!(e["in_bps"].is_null() && e["out_bps"].is_null());
    }
    for (e, before) in second.iter().zip(first) {
        assert_eq!(e["event"], "update");
        assert_eq!(e["tick"], 2);
        let id = e["connection_id"].as_str().unwrap();
        assert_eq!(before["connection_id"], id);
        let (rate_in, rate_out) = expected[id];
        assert_eq!(e["in_bps"].as_f64(), Some(rate_in), "{e}");
        assert_eq!(e["out_bps"].as_f64(), Some(rate_out), "{e}");
        // And consistent with the counters and sample times in the events themselves.
        let ts = |v: &serde_json::Value| {
            chrono::DateTime::parse_from_rfc3339(v["timestamp"].as_str().unwrap()).unwrap()
        };
        let seconds = (ts(e) - ts(before)).num_seconds() as f64;
        assert!(seconds >= 2.0, "the clock moved between polls: {seconds}");
        let grown = (e["inbound_bytes"].as_i64().unwrap()
            - before["inbound_bytes"].as_i64().unwrap()) as f64;
        assert_eq!(grown / seconds, rate_in);
    }
}

#[test]
fn new_and_dropped_connections_are_reported() {
    // One churn event per second of the mock's clock, which moves 20 s at each request:
    // at least 20 events between the two polls.
    let mock = Mock::start(|b| {
        b.seed(5)
            .frozen_clock(frozen_at())
            .advance_per_request(Duration::from_secs(20))
            .churn(60.0)
            .gateway("gw-c", 10)
    });
    let out = {
        mock.watch(&[
            "--gateway",
            "gw-c",
            "--count",
            "2",
            "--interval",
            "1s",
            "-o",
            "ndjson",
        ])
        .output()
        .unwrap()
    };
    assert!(out.status.success(), "{}", stderr(&out));
    let events = ndjson(&stdout(&out));
    let at = |tick: i64, kind: &str| -> HashSet<String> {
        events
            .iter()
            .filter(|e| e["tick"] == tick && e["event"] == kind)
            .map(|e| e["connection_id"].as_str().unwrap().to_owned())
            .collect()
    };
    let first = at(1, "baseline");
    assert!(at(1, "new").is_empty());
    let (new, updated, dropped) = (at(2, "new"), at(2, "update"), at(2, "dropped"));
    assert!(!new.is_empty() && !dropped.is_empty(), "{events:?}");
    assert!(new.is_disjoint(&first));
    assert!(dropped.is_subset(&first) && dropped.is_disjoint(&updated));
    assert_eq!(
        updated.union(&dropped).cloned().collect::<HashSet<_>>(),
        first
    );
}

#[test]
fn table_output_is_appended_per_tick_when_not_a_terminal() {
    let mock = Mock::start(|b| {
        b.seed(11)
            .frozen_clock(frozen_at())
            .advance_per_request(Duration::from_secs(10))
            .gateway("gw-w", 6)
    });
    let out = {
        mock.watch(&[
            "--gateway",
            "gw-w",
            "--gateway",
            "gw-w",
            "--count",
            "2",
            "--interval",
            "1s",
        ])
        .output()
        .unwrap()
    };
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(!text.contains('\x1b'), "no escape codes off a terminal");
    assert!(
        text.contains("--- tick 1 at ") && text.contains("6 connections, 0 new, 0 dropped"),
        "{text}"
    );
    let (first, second) = text.split_once("--- tick 2 at ").expect("two ticks");
    // The first tick is the baseline: nothing is "new" in its table.
    assert!(!first.contains(" new "), "{first}");
    assert!(
        second.contains("6 connections, 0 new, 0 dropped"),
        "{second}"
    );
    assert!(text.contains("IN RATE") && text.contains("KiB/s"), "{text}");
}

#[test]
fn watch_errors_and_bad_flags() {
    let mock = Mock::deterministic();
    // An unknown gateway ID (a UUID is taken as an ID: the service's 404).
    mock.watch(&[
        "--gateway",
        "00000000-0000-4000-8000-000000000404",
        "--count",
        "2",
        "--interval",
        "1s",
    ])
    .assert()
    .code(4)
    .stderr(predicate::str::contains("HTTP 404"));
    for bad in [
        vec!["--output", "csv"],
        vec!["--interval", "0s"],
        vec!["--interval", "often"],
        vec!["--count", "0"],
    ] {
        let mut args = vec!["--gateway", "gw-alpha"];
        args.extend(bad);
        mock.watch(&args).assert().code(2);
    }
}

#[test]
fn ctrl_c_exits_cleanly() {
    let mock = Mock::deterministic();
    let mut child = mock
        .std_cmd()
        .args(["connections", "watch", "--endpoint", mock.server.base_url()])
        // An hour: the exit below can only come from Ctrl-C, not from a tick.
        .args(["--gateway", "gw-beta", "--interval", "1h", "-o", "ndjson"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The first tick is out: the watch is waiting for the next one.
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    assert!(line.contains("\"event\":\"baseline\""), "{line}");
    common::signal(child.id(), "INT");
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    // One poll, then the interrupt: no second listing was started.
    assert_eq!(
        mock.count(p2c_vpn_mock::Operation::ListP2cVgwConnections),
        1
    );
}
