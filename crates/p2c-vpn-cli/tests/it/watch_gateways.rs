//! `p2c-vpn connections watch` with gateways named by ID or name, or every gateway, each
//! shown against its maximum; and failed polls (issue #12): shown as failed with the time of
//! the last good data, never as zero connections or dropped ones, and reflected in the exit
//! code of `--count N`.

#![allow(clippy::unwrap_used)]

use crate::common;

use std::time::Duration;

use common::{Mock, frozen_at, ndjson, stderr, stdout};
use p2c_vpn_mock::{Fault, MockGateway, StatusCode};

const OFFICE: &str = "11111111-1111-4111-8111-111111111111";
const LAB: &str = "33333333-3333-4333-8333-333333333333";

fn mock() -> Mock {
    Mock::start(|b| {
        b.seed(4)
            .frozen_clock(frozen_at())
            .gateway_with(
                MockGateway::new(OFFICE)
                    .name("office")
                    .connections(5)
                    .max_connections(8),
            )
            .gateway_with(
                MockGateway::new(LAB)
                    .name("lab")
                    .connections(3)
                    .max_connections(20),
            )
    })
}

#[test]
fn every_gateway_is_watched_against_its_maximum() {
    let mock = mock();
    let out = mock
        .watch(&["--count", "1", "--interval", "100ms"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("gateway office: 5 / 8 connections")
            && text.contains("gateway lab: 3 / 20 connections")
            && text.contains("8 connections, 0 new, 0 dropped"),
        "{text}"
    );
    // The gateway column names them.
    assert!(
        text.contains("GATEWAY") && text.contains("│ office "),
        "{text}"
    );

    // By name and by ID; NDJSON carries the IDs.
    let out = mock
        .watch(&[
            "--gateway",
            "lab",
            "--gateway",
            OFFICE,
            "--count",
            "1",
            "--interval",
            "100ms",
            "-o",
            "ndjson",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let ids: Vec<String> = ndjson(&stdout(&out))
        .iter()
        .map(|e| e["gateway_id"].as_str().unwrap().to_owned())
        .collect();
    let mut expected = vec![LAB.to_owned(); 3];
    expected.extend(vec![OFFICE.to_owned(); 5]);
    assert_eq!(ids, expected);

    // One gateway by name: its line too.
    let out = mock
        .watch(&["--gateway", "office", "--count", "1", "--interval", "100ms"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("gateway office: 5 / 8 connections"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn an_ambiguous_name_ends_the_watch_with_the_candidates() {
    let mock = Mock::start(|b| {
        b.gateway_named(OFFICE, "twin", 1)
            .gateway_named(LAB, "twin", 1)
    });
    let out = mock
        .watch(&["--gateway", "twin", "--count", "1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains(OFFICE) && err.contains(LAB), "{err}");
}

/// The mock answers the start-up lookup (ShowP2cVgw) and the first poll, then fails `n`
/// requests with 503.
fn fail_after_first_poll(mock: &Mock, n: usize) {
    mock.server
        .faults()
        .push(Fault::Latency(Duration::ZERO))
        .push(Fault::Latency(Duration::ZERO))
        .push_n(Fault::Status(StatusCode::SERVICE_UNAVAILABLE), n);
}

#[test]
fn a_failed_poll_is_shown_as_failed_not_as_zero_connections() {
    let mock = mock();
    fail_after_first_poll(&mock, 1);
    let out = mock
        .watch(&[
            "--gateway",
            OFFICE,
            "--count",
            "3",
            "--interval",
            "100ms",
            "--retries",
            "0",
        ])
        .output()
        .unwrap();
    // One poll of three failed: the exit code is that failure's (a 503: service, 4).
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    let text = stdout(&out);
    let ticks: Vec<&str> = text.split("--- tick ").skip(1).collect();
    assert_eq!(ticks.len(), 3, "{text}");
    assert!(
        ticks[0].contains("5 connections, 0 new, 0 dropped")
            && ticks[0].contains(&format!("gateway {OFFICE}: 5 / 8 connections")),
        "{}",
        ticks[0]
    );
    // The failed tick: failed, with the reason and the last good data; no table, no zero.
    // (The gateway is shown as it was named: by its ID here.)
    let failed = ticks[1];
    assert!(failed.contains("POLL FAILED"), "{failed}");
    assert!(
        failed.contains(&format!("gateway {OFFICE}: FAILED: "))
            && failed.contains("HTTP 503")
            && failed.contains("last good data at ")
            && failed.contains("(5 connections)"),
        "{failed}"
    );
    assert!(!failed.contains("0 connections"), "{failed}");
    assert!(
        !failed.contains("dropped") && !failed.contains("No connections"),
        "{failed}"
    );
    // Back: compared with the last good data, nothing was dropped.
    assert!(
        ticks[2].contains("5 connections, 0 new, 0 dropped")
            && ticks[2].contains(&format!("gateway {OFFICE}: 5 / 8 connections")),
        "{}",
        ticks[2]
    );
    let err = stderr(&out);
    assert!(
        err.contains("warning: tick 2: gateway")
            && err.contains("1 of 3 polls failed")
            && err.contains("HTTP 503"),
        "{err}"
    );
}

#[test]
fn a_gateway_that_fails_among_others_is_shown_as_failed() {
    let mock = mock();
    // Start-up needs no lookup (every gateway is listed once); the first tick's two polls
    // are served, then the next request fails.
    mock.server
        .faults()
        .push(Fault::Latency(Duration::ZERO))
        .push(Fault::Latency(Duration::ZERO))
        .push(Fault::Latency(Duration::ZERO))
        .push(Fault::Status(StatusCode::SERVICE_UNAVAILABLE));
    let out = mock
        .watch(&[
            "--count",
            "2",
            "--interval",
            "100ms",
            "--retries",
            "0",
            "-o",
            "ndjson",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    let events = ndjson(&stdout(&out));
    let second: Vec<&serde_json::Value> = events.iter().filter(|e| e["tick"] == 2).collect();
    assert!(
        second.iter().all(|e| e["event"] != "dropped"),
        "never dropped: {second:?}"
    );
    let errors: Vec<&&serde_json::Value> =
        second.iter().filter(|e| e["event"] == "error").collect();
    assert_eq!(errors.len(), 1, "{second:?}");
    let failed = errors[0]["gateway_id"].as_str().unwrap();
    assert!(failed == OFFICE || failed == LAB);
    assert!(errors[0]["error"].as_str().unwrap().contains("HTTP 503"));
    assert!(errors[0]["last_good_at"].is_string());
    // The other gateway's connections are there as updates.
    let (other, count) = if failed == OFFICE {
        (LAB, 3)
    } else {
        (OFFICE, 5)
    };
    assert_eq!(
        second
            .iter()
            .filter(|e| e["gateway_id"] == other && e["event"] == "update")
            .count(),
        count
    );
}

#[test]
fn count_exits_with_the_failure_when_every_poll_failed() {
    let mock = mock();
    mock.server
        .faults()
        .push(Fault::Latency(Duration::ZERO))
        .push_n(Fault::Status(StatusCode::SERVICE_UNAVAILABLE), 10);
    let out = mock
        .watch(&[
            "--gateway",
            OFFICE,
            "--count",
            "2",
            "--interval",
            "100ms",
            "--retries",
            "0",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("no good data yet") && text.contains("no current data"),
        "{text}"
    );
    assert!(!text.contains("0 connections"), "{text}");
    assert!(
        stderr(&out).contains("2 of 2 polls failed"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_network_failure_gives_exit_5() {
    let mock = mock();
    mock.server
        .faults()
        .push(Fault::Latency(Duration::ZERO))
        .push_n(Fault::ResetMidBody, 10);
    mock.watch(&[
        "--gateway",
        OFFICE,
        "--count",
        "1",
        "--interval",
        "100ms",
        "--retries",
        "0",
    ])
    .assert()
    .code(5);
}
