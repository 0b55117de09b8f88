//! `p2c-vpn gateways log-config`, end to end against the mock (which checks every request's
//! signature): show (table, json), `--set` with `--yes`, `--dry-run` (the mock's record
//! proves nothing was sent), `--delete`, the refusal without a terminal, and the question
//! on a terminal (a pseudo-terminal from util-linux `script`).

#![allow(clippy::unwrap_used)]

use crate::common;

use common::{Mock, frozen_at, stderr, stdout};
use p2c_vpn_mock::{MockGateway, Operation};

const OFFICE: &str = "11111111-1111-4111-8111-111111111111";
const LAB: &str = "33333333-3333-4333-8333-333333333333";
const GROUP: &str = "05c4052d-8d14-488f-aa00-19fea5a25fdd";
const STREAM: &str = "d9d85143-e1e1-427a-9994-d8b8fd9ebe3f";

/// `office` without a log configuration, `lab` with one.
fn mock() -> Mock {
    Mock::start(|b| {
        b.seed(21)
            .frozen_clock(frozen_at())
            .gateway_with(MockGateway::new(OFFICE).name("office").connections(2))
            .gateway_with(
                MockGateway::new(LAB)
                    .name("lab")
                    .connections(1)
                    .log_config("lab-group", "lab-stream"),
            )
    })
}

fn log_config(mock: &Mock, args: &[&str]) -> std::process::Output {
    mock.run(&["gateways", "log-config"], args)
        .output()
        .unwrap()
}

fn writes(mock: &Mock) -> usize {
    mock.count(Operation::UpdateVpnConnectionsLogConfig)
        + mock.count(Operation::DeleteVpnConnectionsLogConfig)
}

fn set_arg() -> String {
    format!("{GROUP}:{STREAM}")
}

#[test]
fn show_as_a_table_and_as_json() {
    let mock = mock();
    let out = log_config(&mock, &["lab"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    for expected in [
        "gateway",
        "lab",
        LAB,
        "log_group_id",
        "lab-group",
        "lab-stream",
    ] {
        assert!(text.contains(expected), "{expected}: {text}");
    }

    let out = log_config(&mock, &[LAB, "-o", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"log_config": {"log_group_id": "lab-group", "log_stream_id": "lab-stream"}})
    );

    // None configured: said in words, `null` in JSON.
    let out = log_config(&mock, &["office"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("has no log configuration"), "{text}");
    assert!(text.contains("--set LOG_GROUP_ID:LOG_STREAM_ID"), "{text}");
    let out = log_config(&mock, &["office", "-o", "json"]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json, serde_json::json!({"log_config": null}));

    assert_eq!(mock.count(Operation::ShowVpnConnectionsLogConfig), 4);
    assert_eq!(writes(&mock), 0, "showing changes nothing");
}

#[test]
fn set_with_yes_then_delete() {
    let mock = mock();
    let out = log_config(&mock, &["office", "--set", &set_arg(), "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("now sends its connection logs to")
            && text.contains(GROUP)
            && text.contains(STREAM),
        "{text}"
    );
    assert_eq!(
        mock.server.log_config(OFFICE),
        Some((GROUP.to_owned(), STREAM.to_owned()))
    );
    assert_eq!(mock.count(Operation::UpdateVpnConnectionsLogConfig), 1);

    // The same again: nothing to do, nothing sent.
    let out = log_config(&mock, &["office", "--set", &set_arg(), "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("nothing to do"), "{}", stdout(&out));
    assert_eq!(mock.count(Operation::UpdateVpnConnectionsLogConfig), 1);

    // Replacing lab's, with json: what is in effect afterwards.
    let out = log_config(&mock, &["lab", "--set", &set_arg(), "-y", "-o", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["log_config"]["log_group_id"], GROUP);
    assert_eq!(
        mock.server.log_config(LAB),
        Some((GROUP.to_owned(), STREAM.to_owned()))
    );

    let out = log_config(&mock, &["office", "--delete", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("no longer sends its connection logs"),
        "{}",
        stdout(&out)
    );
    assert_eq!(mock.server.log_config(OFFICE), None);
    assert_eq!(mock.count(Operation::DeleteVpnConnectionsLogConfig), 1);

    // Nothing left to delete: nothing sent.
    let out = log_config(&mock, &["office", "--delete", "--yes", "-o", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json, serde_json::json!({"log_config": null}));
    assert_eq!(mock.count(Operation::DeleteVpnConnectionsLogConfig), 1);
}

#[test]
fn a_dry_run_shows_the_change_and_sends_nothing() {
    let mock = mock();
    let out = log_config(&mock, &["lab", "--set", &set_arg(), "--dry-run"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with("Would send the connection logs of gateway lab"),
        "{text}"
    );
    assert!(
        text.contains(GROUP) && text.contains("instead of") && text.contains("lab-group"),
        "{text}"
    );
    assert!(text.contains("Dry run: nothing was changed."), "{text}");

    let out = log_config(&mock, &["lab", "--delete", "--dry-run"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("Would stop sending"), "{text}");
    assert!(text.contains("lab-stream"), "{text}");

    assert_eq!(writes(&mock), 0, "a dry run sends no change");
    assert_eq!(
        mock.server.log_config(LAB),
        Some(("lab-group".to_owned(), "lab-stream".to_owned()))
    );
}

#[test]
fn a_change_without_a_terminal_needs_yes_and_bad_flags_are_usage_errors() {
    let mock = mock();
    for args in [
        &["office", "--set", &set_arg()][..],
        &["lab", "--delete"][..],
    ] {
        let out = log_config(&mock, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(stderr(&out).contains("--yes"), "{}", stderr(&out));
    }
    for (args, says) in [
        (
            &["office", "--set", "no-colon", "--yes"][..],
            "LOG_GROUP_ID:LOG_STREAM_ID",
        ),
        (&["office", "--set", ":stream", "--yes"][..], "log group ID"),
        (&["office", "--set", "a b:c", "--yes"][..], "log group ID"),
        (
            &["office", "--set", "a:b", "--delete", "--yes"][..],
            "cannot be used with",
        ),
        (&["office", "--dry-run"][..], "--set"),
        (&["office", "--yes"][..], "--set"),
    ] {
        let out = log_config(&mock, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(stderr(&out).contains(says), "{args:?}: {}", stderr(&out));
    }
    // A gateway that does not exist: the candidates are listed.
    let out = log_config(&mock, &["nope", "--delete", "--yes"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("office"), "{}", stderr(&out));
    assert!(
        mock.server
            .requests()
            .iter()
            .all(|r| r.operation != Some(Operation::ShowVpnConnectionsLogConfig))
    );
    assert_eq!(writes(&mock), 0);
}

/// Runs `p2c-vpn gateways log-config ARGS` on a pseudo-terminal (util-linux `script`,
/// essential in Debian) with `answer` typed in; stdout has the terminal's output (the
/// question included).
fn on_a_terminal(mock: &Mock, args: &[&str], answer: &str) -> std::process::Output {
    use std::io::Write as _;
    let binary = assert_cmd::cargo::cargo_bin("p2c-vpn");
    let words = [
        binary.to_str().unwrap(),
        "gateways",
        "log-config",
        "--endpoint",
    ]
    .into_iter()
    .chain([mock.server.base_url()])
    .chain(args.iter().copied());
    // Single-quoted for the shell `script` runs the command with.
    let command: Vec<String> = words
        .map(|w| format!("'{}'", w.replace('\'', r"'\''")))
        .collect();
    // The environment of the other tests: the mock's credentials, none of the developer's.
    let env = mock.std_cmd();
    let mut script = std::process::Command::new("script");
    for (k, v) in env.get_envs() {
        match v {
            Some(v) => script.env(k, v),
            None => script.env_remove(k),
        };
    }
    let mut child = script
        .args(["-qec", &command.join(" "), "/dev/null"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("util-linux `script` runs (Debian: bsdutils)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(answer.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn on_a_terminal_the_change_is_asked_for() {
    if !crate::system_tools::available("script") {
        return;
    }
    let mock = mock();
    let out = on_a_terminal(&mock, &["office", "--set", &set_arg()], "n\n");
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let text = stdout(&out);
    assert!(
        text.contains("Send the connection logs of gateway office") && text.contains("[y/N]"),
        "{text}"
    );
    assert!(
        text.contains("not confirmed: nothing was changed"),
        "{text}"
    );
    assert_eq!(writes(&mock), 0);

    let out = on_a_terminal(&mock, &["lab", "--delete"], "y\n");
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let text = stdout(&out);
    assert!(
        text.contains("Stop sending the connection logs of gateway lab"),
        "{text}"
    );
    assert!(text.contains("no longer sends"), "{text}");
    assert_eq!(mock.server.log_config(LAB), None);
}
