//! `p2c-vpn connections disconnect`, end to end against the mock: each selector, `--dry-run`
//! (the mock's request record proves nothing was sent), the refusal without a terminal,
//! already-gone connections and failures. Tests run without a terminal on stdin, so the
//! confirmation question is never asked here (see `disconnect::tests` for its answers).

#![allow(clippy::unwrap_used)]

use crate::common;

use std::collections::HashSet;
use std::time::Duration;

use common::{Mock, frozen_at, stderr, stdout};
use p2c_vpn_mock::{Fault, MockGateway, Operation, StatusCode};
use predicates::prelude::*;

mod masked;

const OFFICE: &str = "11111111-1111-4111-8111-111111111111";
const LAB: &str = "33333333-3333-4333-8333-333333333333";
const ABSENT: &str = "99999999-9999-4999-8999-999999999999";

/// `office` (8 connections), `lab` (3); frozen clock, so nothing changes by itself.
fn mock() -> Mock {
    Mock::start(|b| {
        b.seed(21)
            .frozen_clock(frozen_at())
            .gateway_with(MockGateway::new(OFFICE).name("office").connections(8))
            .gateway_named(LAB, "lab", 3)
    })
}

fn disconnect(mock: &Mock, args: &[&str]) -> std::process::Output {
    mock.run(&["connections", "disconnect"], args)
        .output()
        .unwrap()
}

/// The gateway's connections now, as JSON, through the library.
fn connections(mock: &Mock, gateway: &str) -> Vec<serde_json::Value> {
    let client = mock.client();
    mock.block_on(client.connections(gateway).collect_all())
        .unwrap()
        .iter()
        .map(|c| serde_json::to_value(c).unwrap())
        .collect()
}

fn id(c: &serde_json::Value) -> String {
    c["connection_id"].as_str().unwrap().to_owned()
}

/// The connection IDs the mock was asked to disconnect.
fn disconnect_requests(mock: &Mock) -> HashSet<String> {
    mock.server
        .requests()
        .iter()
        .filter(|r| r.operation == Some(Operation::DeleteP2cVgwConnection))
        .map(|r| {
            let mut parts = r.path.rsplit('/');
            assert_eq!(parts.next(), Some("disconnect"));
            parts.next().unwrap().to_owned()
        })
        .collect()
}

/// Checks that exactly `gone` left the gateway, the mock was asked for exactly those, and
/// each has a `disconnected` line.
fn assert_disconnected(mock: &Mock, before: &[serde_json::Value], gone: &HashSet<String>) {
    let after: HashSet<String> = connections(mock, OFFICE).iter().map(id).collect();
    let before: HashSet<String> = before.iter().map(id).collect();
    let expected: HashSet<String> = before.difference(gone).cloned().collect();
    assert_eq!(after, expected);
    assert_eq!(&disconnect_requests(mock), gone);
}

#[test]
fn no_selector_is_a_usage_error() {
    let mock = mock();
    let out = disconnect(&mock, &["--gateway", "office", "--yes"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    for flag in [
        "--connection-id",
        "--user",
        "--client-ip",
        "--connected-longer-than",
        "--all-connections",
    ] {
        assert!(err.contains(flag), "{flag}: {err}");
    }
    assert!(mock.server.requests().is_empty(), "nothing sent");
    // --all-connections is on purpose, alone.
    let out = disconnect(
        &mock,
        &[
            "--gateway",
            "office",
            "--all-connections",
            "--user",
            "a",
            "--yes",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    // No gateway.
    mock.run(&["connections", "disconnect"], &["--user", "a", "--yes"])
        .assert()
        .code(2);
    // A connection ID is a UUID.
    mock.run(
        &["connections", "disconnect"],
        &["--gateway", "office", "--connection-id", "abc", "--yes"],
    )
    .assert()
    .code(2)
    .stderr(predicate::str::contains("UUID"));
    assert!(mock.server.requests().is_empty(), "nothing sent");
}

#[test]
fn without_a_terminal_and_without_yes_it_refuses() {
    let mock = mock();
    let out = disconnect(&mock, &["--gateway", "office", "--all-connections"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("not a terminal") && err.contains("--yes") && err.contains("--dry-run"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
    assert!(mock.server.requests().is_empty(), "nothing sent");
    assert_eq!(connections(&mock, OFFICE).len(), 8);
}

#[test]
fn dry_run_lists_the_matches_and_sends_nothing() {
    let mock = mock();
    let before = connections(&mock, OFFICE);
    let user = before[0]["client_user_name"].as_str().unwrap().to_owned();
    let matching: Vec<&serde_json::Value> = before
        .iter()
        .filter(|c| c["client_user_name"] == user.as_str())
        .collect();
    mock.server.clear_requests();
    let out = disconnect(
        &mock,
        &["--gateway", "office", "--user", &user, "--dry-run"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains(&format!("Would disconnect {} connection", matching.len())),
        "{text}"
    );
    assert!(text.contains(&format!("office ({OFFICE})")), "{text}");
    for c in &before {
        assert_eq!(
            text.contains(&id(c)),
            c["client_user_name"] == user.as_str(),
            "{text}"
        );
    }
    assert!(
        text.contains("Dry run: nothing was disconnected."),
        "{text}"
    );
    let sent: Vec<Option<Operation>> = mock.server.requests().iter().map(|r| r.operation).collect();
    assert!(
        !sent.contains(&Some(Operation::DeleteP2cVgwConnection)),
        "{sent:?}"
    );
    assert_eq!(connections(&mock, OFFICE), before);

    // --all-connections too.
    mock.server.clear_requests();
    let out = disconnect(
        &mock,
        &["--gateway", OFFICE, "--all-connections", "--dry-run"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("Would disconnect 8 connections"),
        "{}",
        stdout(&out)
    );
    assert_eq!(mock.count(Operation::DeleteP2cVgwConnection), 0);
}

#[test]
fn connection_ids_select_exactly_those() {
    let mock = mock();
    let before = connections(&mock, OFFICE);
    let (a, b) = (id(&before[1]), id(&before[4]));
    mock.server.clear_requests();
    let out = disconnect(
        &mock,
        &[
            "--gateway",
            "office",
            "--connection-id",
            &a,
            "--connection-id",
            &b,
            "--yes",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for gone in [&a, &b] {
        assert!(
            text.lines()
                .any(|l| l.starts_with("disconnected") && l.contains(gone.as_str())),
            "{text}"
        );
    }
    assert!(
        text.contains("2 disconnected, 0 already gone, 0 failed"),
        "{text}"
    );
    assert_disconnected(&mock, &before, &HashSet::from([a, b]));
}

#[test]
fn user_selects_their_connections() {
    let mock = mock();
    let before = connections(&mock, OFFICE);
    let user = before[2]["client_user_name"].as_str().unwrap().to_owned();
    let gone: HashSet<String> = before
        .iter()
        .filter(|c| c["client_user_name"] == user.as_str())
        .map(id)
        .collect();
    mock.server.clear_requests();
    let out = disconnect(&mock, &["--gateway", OFFICE, "--user", &user, "-y"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert_eq!(
        text.lines()
            .filter(|l| l.starts_with("disconnected"))
            .count(),
        gone.len(),
        "{text}"
    );
    assert!(text.contains(&user), "{text}");
    assert_disconnected(&mock, &before, &gone);
}

#[test]
fn client_ip_selects_that_address() {
    let mock = mock();
    let before = connections(&mock, OFFICE);
    let ip = before[3]["client_ip"].as_str().unwrap().to_owned();
    let gone: HashSet<String> = before
        .iter()
        .filter(|c| c["client_ip"] == ip.as_str())
        .map(id)
        .collect();
    mock.server.clear_requests();
    let out = disconnect(&mock, &["--gateway", "office", "--client-ip", &ip, "--yes"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_disconnected(&mock, &before, &gone);
    // Not an IP address.
    mock.run(
        &["connections", "disconnect"],
        &["--gateway", "office", "--client-ip", "somewhere", "--yes"],
    )
    .assert()
    .code(2);
}

#[test]
fn connected_longer_than_selects_the_old_connections() {
    let mock = mock();
    let before = connections(&mock, OFFICE);
    let age = |c: &serde_json::Value| {
        let t = |f: &str| chrono::DateTime::parse_from_rfc3339(c[f].as_str().unwrap()).unwrap();
        (t("timestamp") - t("connection_established_time")).num_seconds()
    };
    let mut ages: Vec<i64> = before.iter().map(age).collect();
    ages.sort_unstable();
    // Between two connections' ages, so that some are older and some are not.
    let threshold = (ages[3] + ages[4]) / 2;
    let gone: HashSet<String> = before
        .iter()
        .filter(|c| age(c) > threshold)
        .map(id)
        .collect();
    assert!(!gone.is_empty() && gone.len() < before.len());
    mock.server.clear_requests();
    let out = disconnect(
        &mock,
        &[
            "--gateway",
            "office",
            "--connected-longer-than",
            &format!("{threshold}s"),
            "--yes",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_disconnected(&mock, &before, &gone);
}

#[test]
fn selectors_combine() {
    let mock = mock();
    let before = connections(&mock, OFFICE);
    let user = before[0]["client_user_name"].as_str().unwrap().to_owned();
    let ip = before[0]["client_ip"].as_str().unwrap().to_owned();
    let gone: HashSet<String> = before
        .iter()
        .filter(|c| c["client_user_name"] == user.as_str() && c["client_ip"] == ip.as_str())
        .map(id)
        .collect();
    mock.server.clear_requests();
    let out = disconnect(
        &mock,
        &[
            "--gateway",
            "office",
            "--user",
            &user,
            "--client-ip",
            &ip,
            "--yes",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!gone.is_empty());
    assert_disconnected(&mock, &before, &gone);

    // Nothing matches both: nothing to do.
    let other_ip = before
        .iter()
        .map(|c| c["client_ip"].as_str().unwrap())
        .find(|i| {
            !before
                .iter()
                .any(|c| c["client_ip"] == *i && c["client_user_name"] == user.as_str())
        })
        .unwrap()
        .to_owned();
    let out = disconnect(
        &mock,
        &[
            "--gateway",
            "office",
            "--user",
            &user,
            "--client-ip",
            &other_ip,
            "--yes",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("nothing to do"), "{}", stdout(&out));
}

#[test]
fn all_connections_disconnects_everyone() {
    let mock = mock();
    let before = connections(&mock, OFFICE);
    mock.server.clear_requests();
    let out = disconnect(
        &mock,
        &["--gateway", "office", "--all-connections", "--yes"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("8 disconnected, 0 already gone, 0 failed"),
        "{}",
        stdout(&out)
    );
    assert_disconnected(&mock, &before, &before.iter().map(id).collect());
    // The other gateway is untouched.
    assert_eq!(connections(&mock, LAB).len(), 3);
}

#[test]
fn already_gone_connections_are_not_failures() {
    let mock = mock();
    let before = connections(&mock, OFFICE);
    let a = id(&before[0]);
    // Named but not connected: sent anyway (IDs are the only selector); the service
    // answers 404, which is "already gone".
    mock.server.clear_requests();
    let out = disconnect(
        &mock,
        &[
            "--gateway",
            "office",
            "--connection-id",
            &a,
            "--connection-id",
            ABSENT,
            "--yes",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.lines()
            .any(|l| l.starts_with("disconnected") && l.contains(&a)),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("already gone") && l.contains(ABSENT)),
        "{text}"
    );
    assert!(
        text.contains("1 disconnected, 1 already gone, 0 failed"),
        "{text}"
    );
    assert_eq!(
        disconnect_requests(&mock),
        HashSet::from([a.clone(), ABSENT.to_owned()])
    );

    // The same connection again.
    let out = disconnect(
        &mock,
        &["--gateway", "office", "--connection-id", &a, "--yes"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("0 disconnected, 1 already gone, 0 failed"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_failed_disconnect_exits_4_with_its_reason() {
    let mock = mock();
    let before = connections(&mock, OFFICE);
    let (a, b) = (id(&before[0]), id(&before[1]));
    // ShowP2cVgw and the listing go through; the first disconnect fails.
    mock.server
        .faults()
        .push(Fault::Latency(Duration::ZERO))
        .push(Fault::Latency(Duration::ZERO))
        .push(Fault::Status(StatusCode::BAD_REQUEST));
    let out = disconnect(
        &mock,
        &[
            "--gateway",
            OFFICE,
            "--connection-id",
            &a,
            "--connection-id",
            &b,
            "--yes",
            "--retries",
            "0",
        ],
    );
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    let text = stdout(&out);
    assert_eq!(
        text.lines().filter(|l| l.starts_with("failed")).count(),
        1,
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("failed") && l.contains("HTTP 400")),
        "{text}"
    );
    assert!(
        text.contains("1 disconnected, 0 already gone, 1 failed"),
        "{text}"
    );
    assert!(
        stderr(&out).contains("1 of 2 disconnects failed"),
        "{}",
        stderr(&out)
    );
    assert_eq!(connections(&mock, OFFICE).len(), 7);
}

#[test]
fn a_network_failure_exits_5() {
    let mock = mock();
    let before = connections(&mock, OFFICE);
    mock.server
        .faults()
        .push(Fault::Latency(Duration::ZERO))
        .push(Fault::Latency(Duration::ZERO))
        .push(Fault::ResetMidBody);
    let out = disconnect(
        &mock,
        &[
            "--gateway",
            OFFICE,
            "--connection-id",
            &id(&before[0]),
            "--yes",
            "--retries",
            "0",
        ],
    );
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    assert!(stdout(&out).contains("0 disconnected, 0 already gone, 1 failed"));
}

#[test]
fn the_gateway_is_named_by_id_or_name() {
    let mock = Mock::start(|b| {
        b.seed(3)
            .frozen_clock(frozen_at())
            .gateway_named(OFFICE, "twin", 2)
            .gateway_named(LAB, "twin", 2)
    });
    let out = disconnect(&mock, &["--gateway", "twin", "--all-connections", "--yes"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains(OFFICE) && err.contains(LAB), "{err}");
    assert_eq!(mock.count(Operation::DeleteP2cVgwConnection), 0);
    let out = disconnect(
        &mock,
        &["--gateway", "nowhere", "--all-connections", "--yes"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    // An unknown ID: the service's 404.
    let out = disconnect(&mock, &["--gateway", ABSENT, "--all-connections", "--yes"]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert_eq!(mock.count(Operation::DeleteP2cVgwConnection), 0);
}

/// Runs the CLI on a pseudo-terminal (util-linux `script`), typing `answer`; `None` when
/// `script` is not available.
fn on_a_terminal(mock: &Mock, args: &[&str], answer: &str) -> Option<(i32, String)> {
    use std::io::{Read as _, Write as _};
    use std::process::Stdio;
    let script = p2c_vpn_mock::system_tool(
        "script",
        "P2C_VPN_SCRIPT",
        "util-linux's `script` gives the CLI a pseudo-terminal",
    )?;
    let mut line = vec![
        assert_cmd::cargo::cargo_bin("p2c-vpn")
            .display()
            .to_string(),
        "connections".into(),
        "disconnect".into(),
        "--endpoint".into(),
        mock.server.base_url().into(),
    ];
    line.extend(args.iter().map(|a| (*a).to_owned()));
    let quoted: Vec<String> = line.iter().map(|a| format!("'{a}'")).collect();
    // The environment of the tests' command: the mock's credentials, none of the user's.
    let cmd = mock.std_cmd();
    let mut script = std::process::Command::new(script);
    for (name, value) in cmd.get_envs() {
        match value {
            Some(value) => script.env(name, value),
            None => script.env_remove(name),
        };
    }
    let mut child = script
        .args(["-qec", &quoted.join(" "), "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(answer.as_bytes()).unwrap();
    stdin.flush().unwrap();
    let mut text = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    drop(stdin);
    let status = child.wait().unwrap();
    Some((status.code().unwrap_or(-1), text))
}

#[test]
fn on_a_terminal_it_asks_first() {
    let mock = mock();
    let before = connections(&mock, OFFICE);
    let user = before[0]["client_user_name"].as_str().unwrap().to_owned();
    let gone: HashSet<String> = before
        .iter()
        .filter(|c| c["client_user_name"] == user.as_str())
        .map(id)
        .collect();
    // "no": nothing is sent, exit 1.
    let Some((code, text)) = on_a_terminal(&mock, &["--gateway", "office", "--user", &user], "n\n")
    else {
        return;
    };
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains(&format!("About to disconnect {} connection", gone.len()))
            && text.contains("[y/N]")
            && text.contains("not confirmed"),
        "{text}"
    );
    assert_eq!(mock.count(Operation::DeleteP2cVgwConnection), 0);
    // "y": disconnected.
    mock.server.clear_requests();
    let (code, text) =
        on_a_terminal(&mock, &["--gateway", "office", "--user", &user], "y\n").unwrap();
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains(&format!(
            "{} disconnected, 0 already gone, 0 failed",
            gone.len()
        )),
        "{text}"
    );
    assert_disconnected(&mock, &before, &gone);
}

#[test]
fn connection_ids_are_sent_as_written() {
    let mock = mock();
    let before = connections(&mock, OFFICE);
    let upper = id(&before[0]).to_uppercase();
    let braced = format!("{{{}}}", id(&before[1]));
    mock.server.clear_requests();
    let out = disconnect(
        &mock,
        &[
            "--gateway",
            "office",
            "--connection-id",
            &upper,
            "--connection-id",
            &braced,
            "--yes",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    // Never rewritten to the canonical form.
    assert_eq!(
        disconnect_requests(&mock),
        HashSet::from([
            upper.clone(),
            braced.replace('{', "%7B").replace('}', "%7D")
        ])
    );
    assert!(
        stdout(&out).contains(&format!("disconnected  {upper}")),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_lost_answer_is_outcome_unknown_never_already_gone() {
    let mock = mock();
    let before = connections(&mock, OFFICE);
    // ShowP2cVgw and the listing go through; the disconnect is applied, its answer lost.
    mock.server
        .faults()
        .push(Fault::Latency(Duration::ZERO))
        .push(Fault::Latency(Duration::ZERO))
        .push(Fault::AppliedThenHang);
    let out = disconnect(
        &mock,
        &[
            "--gateway",
            OFFICE,
            "--connection-id",
            &id(&before[0]),
            "--yes",
            "--retries",
            "0",
            "--timeout",
            "1s",
        ],
    );
    let text = stdout(&out);
    assert_ne!(out.status.code(), Some(0), "{text}");
    assert!(
        text.lines()
            .any(|l| l.starts_with("unknown") && l.contains("outcome unknown")),
        "{text}"
    );
    assert!(!text.contains("already gone  "), "{text}");
    assert!(
        text.contains("0 disconnected, 0 already gone, 1 failed"),
        "{text}"
    );
    assert_eq!(connections(&mock, OFFICE).len(), 7, "it was applied");
}

#[test]
fn a_match_without_an_id_is_a_failure_not_already_gone() {
    let mock = Mock::start(|b| {
        b.seed(21).frozen_clock(frozen_at()).gateway_with(
            MockGateway::new(OFFICE)
                .name("office")
                .connections(4)
                .users(["alice", "bob"])
                .without_connection_ids(),
        )
    });
    let out = disconnect(
        &mock,
        &[
            "--gateway",
            "office",
            "--user",
            "alice",
            "--user",
            "bob",
            "--yes",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(4),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let text = stdout(&out);
    let listed = connections(&mock, OFFICE).len();
    assert_eq!(listed, 4);
    assert_eq!(
        text.lines()
            .filter(|l| l.starts_with("failed")
                && l.contains("cannot disconnect: the service gave no ID"))
            .count(),
        listed,
        "{text}"
    );
    assert!(!text.contains("already gone  "), "{text}");
    assert!(
        text.contains(&format!("0 disconnected, 0 already gone, {listed} failed")),
        "{text}"
    );
    assert_eq!(mock.count(Operation::DeleteP2cVgwConnection), 0);
    // The dry run says so too.
    let out = disconnect(
        &mock,
        &[
            "--gateway",
            "office",
            "--user",
            "alice",
            "--user",
            "bob",
            "--dry-run",
        ],
    );
    assert!(
        stdout(&out).contains("no ID: cannot be disconnected"),
        "{}",
        stdout(&out)
    );
}
