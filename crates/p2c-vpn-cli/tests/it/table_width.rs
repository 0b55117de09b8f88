//! Tables fit the terminal: on an 80-column terminal (or with `COLUMNS=80`) every table
//! line is at most 80 display columns and every row is one line; cells are shortened with
//! `…`, the widest column first, never wrapped. Without a terminal and without `COLUMNS`,
//! tables keep their full width (the other golden files).

#![allow(clippy::unwrap_used)]

use crate::common;

use common::{Mock, assert_golden, frozen_at, stderr, stdout};
use p2c_vpn_mock::MockGateway;
use unicode_width::UnicodeWidthStr as _;

const OFFICE: &str = "6c8a4f52-8b3e-4b8e-9a0e-3c1f2b7d9e01";
const LAB: &str = "a1f3e5c7-0000-4000-8000-000000000002";

/// `office-vpn-shanghai` (300 connections) and `lab` (40), frozen in time.
fn mock() -> Mock {
    Mock::start(|b| {
        b.seed(11)
            .frozen_clock(frozen_at())
            .gateway_with(
                MockGateway::new(OFFICE)
                    .name("office-vpn-shanghai")
                    .connections(300)
                    .max_connections(500),
            )
            .gateway_named(LAB, "lab", 40)
    })
}

/// The lines of the tables in `text` (those drawn with the table's borders).
fn table_lines(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|l| l.starts_with(['╭', '│', '╞', '╰']))
        .collect()
}

/// Every table line of `text` at most `max` display columns; `rows` lines of cells per
/// table (header included), i.e. one line per row.
fn assert_fits(text: &str, max: usize, rows: &[usize]) {
    let lines = table_lines(text);
    assert!(!lines.is_empty(), "no table in {text}");
    for line in &lines {
        assert!(
            line.width() <= max,
            "{} columns > {max}: {line}\n{text}",
            line.width()
        );
    }
    // Split into tables at their top rules; count the lines of cells of each.
    let mut per_table = Vec::new();
    for line in &lines {
        if line.starts_with('╭') {
            per_table.push(0);
        } else if line.starts_with('│') {
            assert!(line.ends_with('│'), "a row cut short: {line}");
            *per_table.last_mut().unwrap() += 1;
        }
    }
    assert_eq!(per_table, rows, "{text}");
}

fn run(mock: &Mock, words: &[&str], args: &[&str]) -> String {
    let out = mock.run(words, args).env("COLUMNS", "80").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out)
}

#[test]
fn connections_list_fits_80_columns_one_line_per_row() {
    let mock = mock();
    // Every gateway of the project: the GATEWAY column too, 340 rows.
    let text = run(&mock, &["connections", "list"], &[]);
    assert_fits(&text, 80, &[1 + 340]);
    assert!(text.contains("340 connections on 2 gateways"), "{text}");
    // Shortened, not dropped: each row still starts with its (shortened) gateway name.
    let rows: Vec<&str> = table_lines(&text)
        .into_iter()
        .filter(|l| l.starts_with("│ "))
        .skip(1)
        .collect();
    assert_eq!(rows.len(), 340);
    for row in &rows {
        let gateway = row
            .trim_start_matches('│')
            .split('┆')
            .next()
            .unwrap()
            .trim();
        assert!(
            gateway == "lab" || (gateway.starts_with("offi") && gateway.ends_with('…')),
            "{row}"
        );
    }
    assert!(rows.iter().any(|r| r.contains('…')), "{text}");

    // One gateway, --all with pages, and --columns.
    let text = run(
        &mock,
        &["connections", "list"],
        &["--gateway", "lab", "--all", "--page-size", "7"],
    );
    assert_fits(&text, 80, &[1 + 40]);
    let text = run(
        &mock,
        &["connections", "list"],
        &[
            "--gateway",
            "office-vpn-shanghai",
            "--columns",
            "connection_id,client_user_name,client_ip,inbound_bytes,connection_established_time",
        ],
    );
    assert_fits(&text, 80, &[1 + 300]);

    // Narrower and wider terminals alike.
    for columns in ["60", "100", "132"] {
        let out = mock
            .list(&["--gateway", "lab"])
            .env("COLUMNS", columns)
            .output()
            .unwrap();
        assert_fits(&stdout(&out), columns.parse().unwrap(), &[1 + 40]);
    }
}

#[test]
fn the_80_column_table_matches_the_golden_file() {
    let mock = Mock::deterministic();
    let out = mock
        .list(&["--gateway", "gw-alpha"])
        .env("COLUMNS", "80")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert_fits(&text, 80, &[1 + 25]);
    assert_golden("list_table_80.txt", &text);
}

#[test]
fn other_tables_fit_too() {
    let mock = mock();
    let text = run(&mock, &["gateways", "list"], &[]);
    assert_fits(&text, 80, &[1 + 2]);
    let text = run(&mock, &["gateways", "show", "office-vpn-shanghai"], &[]);
    let fields = table_lines(&text).len() - 3 - 1;
    assert_fits(&text, 80, &[1 + fields]);
    assert!(text.contains("office-vpn-shanghai"), "{text}");

    let text = run(
        &mock,
        &["connections", "disconnect"],
        &["--gateway", "lab", "--all-connections", "--dry-run"],
    );
    assert_fits(&text, 80, &[1 + 40]);

    let text = run(
        &mock,
        &["connections", "watch"],
        &["--count", "2", "--interval", "100ms"],
    );
    assert_fits(&text, 80, &[1 + 340, 1 + 340]);
}

/// `p2c-vpn connections list --gateway gw-alpha` on a pseudo-terminal (util-linux
/// `script`) after `stty_args` (e.g. `cols 80`), without `COLUMNS`; `None` without
/// `script`.
fn on_a_terminal(mock: &Mock, stty_args: &str) -> Option<String> {
    use std::io::Read as _;
    use std::process::Stdio;
    let script = p2c_vpn_mock::system_tool(
        "script",
        "P2C_VPN_SCRIPT",
        "util-linux's `script` gives the CLI a pseudo-terminal",
    )?;
    let command = format!(
        "stty {stty_args} && exec '{}' connections list --endpoint '{}' --gateway gw-alpha",
        assert_cmd::cargo::cargo_bin("p2c-vpn").display(),
        mock.server.base_url(),
    );
    // The environment of the tests' command (the mock's credentials, no COLUMNS).
    let cmd = mock.std_cmd();
    let mut script = std::process::Command::new(script);
    for (name, value) in cmd.get_envs() {
        match value {
            Some(value) => script.env(name, value),
            None => script.env_remove(name),
        };
    }
    let mut child = script
        .args(["-qec", &command, "/dev/null"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut text = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "{text}");
    // A terminal ends lines with CR LF.
    Some(text.replace("\r\n", "\n"))
}

fn golden(name: &str) -> String {
    let path: std::path::PathBuf = [env!("CARGO_MANIFEST_DIR"), "tests", "golden", name]
        .iter()
        .collect();
    std::fs::read_to_string(path).unwrap()
}

/// Without `COLUMNS`, on a real (pseudo-)terminal: its width. 80 columns give the same
/// table as `COLUMNS=80`; 100 columns a table exactly 100 wide; a terminal that reports 0
/// columns (nobody set its size) the full table.
#[test]
fn on_a_terminal_tables_fit_its_width() {
    let mock = Mock::deterministic();
    let Some(text) = on_a_terminal(&mock, "cols 80 rows 24") else {
        return;
    };
    assert_fits(&text, 80, &[1 + 25]);
    assert_eq!(text, golden("list_table_80.txt"));

    let text = on_a_terminal(&mock, "cols 100 rows 24").unwrap();
    assert_fits(&text, 100, &[1 + 25]);
    assert_eq!(table_lines(&text)[0].width(), 100, "{text}");

    let text = on_a_terminal(&mock, "cols 0 rows 0").unwrap();
    assert_eq!(text, golden("list_table.txt"));
}
