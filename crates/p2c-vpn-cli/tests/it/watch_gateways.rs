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

/// Gateways in a watch are independent (issue #24): a hostile loopback server whose
/// gateways answer, hang, or send a body past the response cap, each by its ID.
mod independent {
    use super::*;

    use std::io::{Read as _, Write as _};
    use std::net::{TcpListener, TcpStream};

    const PROJECT: &str = "0123456789abcdef0123456789abcdef";
    const HEALTHY: &str = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
    const HUNG: &str = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb";
    const HUGE: &str = "cccccccc-cccc-4ccc-8ccc-cccccccccccc";

    /// Reads a request head; returns its request line.
    fn read_head(stream: &mut TcpStream) -> Option<String> {
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            if stream.read(&mut byte).ok()? == 0 || head.len() > 64 * 1024 {
                return None;
            }
            head.push(byte[0]);
        }
        let text = String::from_utf8_lossy(&head);
        text.lines().next().map(str::to_owned)
    }

    fn answer(mut stream: TcpStream) {
        let Some(request) = read_head(&mut stream) else {
            return;
        };
        if request.contains(HUNG) {
            // Never answers; holds the connection until the client drops it.
            let mut sink = [0u8; 1024];
            while stream.read(&mut sink).is_ok_and(|n| n > 0) {}
        } else if request.contains(HUGE) {
            // 64 MiB, chunked (no length to refuse up front), past the cap.
            let _ = stream.write_all(
                b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\
                  transfer-encoding: chunked\r\nconnection: close\r\n\r\n",
            );
            let chunk = vec![b' '; 64 * 1024];
            for _ in 0..1024 {
                let head = format!("{:x}\r\n", chunk.len());
                if stream.write_all(head.as_bytes()).is_err()
                    || stream.write_all(&chunk).is_err()
                    || stream.write_all(b"\r\n").is_err()
                {
                    return;
                }
            }
            let _ = stream.write_all(b"0\r\n\r\n");
        } else if request.contains("/connections") {
            let body = serde_json::to_vec(&serde_json::json!({
                "connections": [
                    {"connection_id": "00000000-0000-4000-8000-000000000001",
                     "client_user_name": "alice", "inbound_bytes": 10, "outbound_bytes": 20},
                    {"connection_id": "00000000-0000-4000-8000-000000000002",
                     "client_user_name": "bob", "inbound_bytes": 30, "outbound_bytes": 40},
                ],
                "total_count": 2,
            }))
            .unwrap();
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
        } else {
            // The start-up lookup of the healthy gateway: not found (its maximum stays
            // unknown).
            let body = br#"{"error_code":"VPN.0404","error_msg":"not found"}"#;
            let head = format!(
                "HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(body);
        }
    }

    /// The server, on threads of its own (one per connection; they end with the test
    /// process or when the client drops the connection). Returns its base URL.
    fn serve() -> String {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                std::thread::spawn(move || answer(stream));
            }
        });
        url
    }

    fn watch(url: &str, gateways: &[&str], args: &[&str]) -> std::process::Output {
        let mut cmd = common::bare_cmd();
        cmd.env("HUAWEICLOUD_SDK_AK", "AK")
            .env("HUAWEICLOUD_SDK_SK", "SK")
            .env("HUAWEICLOUD_SDK_PROJECT_ID", PROJECT)
            .args(["connections", "watch", "--endpoint", url]);
        for g in gateways {
            cmd.args(["--gateway", g]);
        }
        cmd.args(args).output().unwrap()
    }

    /// The events of each tick, as `(tick, event, gateway)`.
    fn events(out: &std::process::Output) -> Vec<(u64, String, String)> {
        ndjson(&stdout(out))
            .iter()
            .map(|e| {
                (
                    e["tick"].as_u64().unwrap(),
                    e["event"].as_str().unwrap().to_owned(),
                    e["gateway_id"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    }

    /// Per tick: the healthy gateway's two connections, then the other's error event.
    fn expected(other: &str) -> Vec<(u64, String, String)> {
        let mut expected = Vec::new();
        for tick in 1..=3 {
            let kind = if tick == 1 { "baseline" } else { "update" };
            expected.push((tick, kind.to_owned(), HEALTHY.to_owned()));
            expected.push((tick, kind.to_owned(), HEALTHY.to_owned()));
            expected.push((tick, "error".to_owned(), other.to_owned()));
        }
        expected
    }

    #[test]
    fn a_hung_gateway_is_late_on_its_line_while_the_other_updates() {
        let url = serve();
        let out = watch(
            &url,
            &[HEALTHY, HUNG],
            // Room for the healthy gateway's answers on a loaded machine.
            &["--count", "3", "--interval", "2s", "-o", "ndjson"],
        );
        // Three ticks, each with the healthy gateway's data and the hung one late; then
        // the run ends (the last failure: no answer in time, a network code).
        assert_eq!(events(&out), expected(HUNG), "{}", stderr(&out));
        for e in ndjson(&stdout(&out))
            .iter()
            .filter(|e| e["event"] == "error")
        {
            assert!(
                e["error"]
                    .as_str()
                    .unwrap()
                    .contains("late: no answer within 2s"),
                "{e}"
            );
            assert!(e["last_good_at"].is_null(), "{e}");
        }
        assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains("3 of 6 polls failed"), "{err}");
        assert!(err.contains("warning: tick 3: gateway"), "{err}");
    }

    #[test]
    fn a_huge_answer_fails_that_gateway_only() {
        let url = serve();
        let out = watch(
            &url,
            &[HEALTHY, HUGE],
            &[
                "--count",
                "3",
                "--interval",
                "1s",
                "-o",
                "ndjson",
                "--max-body-bytes",
                "1048576",
            ],
        );
        assert_eq!(events(&out), expected(HUGE), "{}", stderr(&out));
        let errors: Vec<String> = ndjson(&stdout(&out))
            .iter()
            .filter(|e| e["event"] == "error")
            .map(|e| e["error"].as_str().unwrap().to_owned())
            .collect();
        assert!(
            errors.len() == 3
                && errors
                    .iter()
                    .all(|e| e.contains("more than 1048576 body bytes")),
            "{errors:?}"
        );
        // A response past the cap is an invalid response: exit 4, after the three ticks.
        assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
        assert!(
            stderr(&out).contains("3 of 6 polls failed"),
            "{}",
            stderr(&out)
        );

        // The table says so on that gateway's line; the other's line and rows are there.
        let out = watch(
            &url,
            &[HEALTHY, HUGE],
            &[
                "--count",
                "2",
                "--interval",
                "1s",
                "--max-body-bytes",
                "1048576",
            ],
        );
        let text = stdout(&out);
        let ticks: Vec<&str> = text.split("--- tick ").skip(1).collect();
        assert_eq!(ticks.len(), 2, "{text}");
        for tick in ticks {
            assert!(
                tick.contains("POLL FAILED for 1 of 2 gateways; 2 connections")
                    && tick.contains(&format!("gateway {HEALTHY}: 2 connections"))
                    && tick.contains(&format!("gateway {HUGE}: FAILED: "))
                    && tick.contains("alice")
                    && tick.contains("bob"),
                "{tick}"
            );
        }
    }

    #[test]
    fn a_name_no_gateway_has_fails_that_gateway_only_unless_it_is_every_one() {
        let mock = mock();
        let args = |gateways: &[&'static str]| {
            let mut args = Vec::new();
            for g in gateways {
                args.extend(["--gateway", *g]);
            }
            args.extend(["--count", "2", "--interval", "100ms", "-o", "ndjson"]);
            args
        };
        let out = mock.watch(&args(&["office", "nope"])).output().unwrap();
        let events = ndjson(&stdout(&out));
        for tick in 1..=2 {
            let of_tick: Vec<&serde_json::Value> =
                events.iter().filter(|e| e["tick"] == tick).collect();
            assert_eq!(
                of_tick.iter().filter(|e| e["gateway_id"] == OFFICE).count(),
                5,
                "{of_tick:?}"
            );
            let errors: Vec<&&serde_json::Value> =
                of_tick.iter().filter(|e| e["event"] == "error").collect();
            assert_eq!(errors.len(), 1, "{of_tick:?}");
            assert_eq!(errors[0]["gateway_id"], "nope");
        }
        // Both ticks ran; the last failure (a usage error) is the exit code.
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(
            stderr(&out).contains("2 of 4 polls failed"),
            "{}",
            stderr(&out)
        );

        // Every gateway unknown: the first tick ends the watch, nothing printed.
        let out = mock.watch(&args(&["nope", "nada"])).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert_eq!(stdout(&out), "");
        let err = stderr(&out);
        assert!(
            err.contains("gateway nope: ") && err.contains("gateway nada: "),
            "{err}"
        );
    }

    #[test]
    fn every_gateway_unauthorized_ends_the_watch_with_exit_3() {
        let mock = mock();
        mock.server
            .faults()
            .always(Fault::Status(StatusCode::UNAUTHORIZED));
        let out = mock
            .watch(&[
                "--gateway",
                OFFICE,
                "--gateway",
                LAB,
                "--count",
                "3",
                "--interval",
                "100ms",
                "-o",
                "ndjson",
            ])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
        // At the first tick, before anything is printed: one listing per gateway (a 401
        // is not retried), not three ticks of them.
        assert_eq!(stdout(&out), "");
        assert_eq!(
            mock.count(p2c_vpn_mock::Operation::ListP2cVgwConnections),
            2
        );
        let err = stderr(&out);
        assert!(
            err.contains(&format!("gateway {OFFICE}: "))
                && err.contains(&format!("gateway {LAB}: ")),
            "{err}"
        );
        assert!(err.contains("401"), "{err}");
    }
}

#[test]
fn one_gateway_named_by_name_and_by_id_is_watched_once() {
    let mock = mock();
    let out = mock
        .watch(&[
            "--gateway",
            "lab",
            "--gateway",
            LAB,
            "--count",
            "1",
            "--interval",
            "100ms",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    // One gateway: its 3 connections once, no "on 2 gateways" and no gateway column.
    assert!(text.contains("gateway lab: 3 / 20 connections"), "{text}");
    assert_eq!(text.matches("gateway lab:").count(), 1, "{text}");
    assert!(text.contains("3 connections"), "{text}");
    assert!(!text.contains("GATEWAY"), "{text}");
}
