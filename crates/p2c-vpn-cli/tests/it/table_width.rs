//! Tables fit the terminal by hiding columns, not by cutting values: on an 80-column
//! terminal (or with `COLUMNS=80`) every table line is at most 80 display columns and every
//! row is one line; the least important columns are hidden and named under the table, and
//! no IP, user name, ID or gateway name is cut. `--wide` shows everything. Without a
//! terminal and without `COLUMNS`, tables keep their full width (the other golden files).
//! Golden files at 80, 100 and 200 columns for every table.

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

/// The rows of the tables of `text` (without their headers), split into cells.
fn cells(text: &str) -> Vec<Vec<String>> {
    let lines = table_lines(text);
    let mut rows = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let header = i > 0 && lines[i - 1].starts_with('╭');
        if line.starts_with('│') && !header {
            rows.push(
                line.trim_matches('│')
                    .split('┆')
                    .map(|c| c.trim().to_owned())
                    .collect(),
            );
        }
    }
    rows
}

/// The note under a table: what is hidden and how to see it, on the lines that follow the
/// table (wrapped to the width), joined.
fn note(text: &str) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.iter().position(|l| l.starts_with("Not shown"))?;
    let mut note = lines[start].to_owned();
    for line in &lines[start + 1..] {
        if line.contains("connection") && !line.starts_with("ID ") || line.starts_with("gateway ") {
            break;
        }
        note.push(' ');
        note.push_str(line);
    }
    Some(note)
}

#[test]
fn connections_list_hides_columns_and_cuts_no_value() {
    let mock = mock();
    // Every gateway of the project: the GATEWAY column too, 340 rows.
    let text = run(&mock, &["connections", "list"], &[]);
    assert_fits(&text, 80, &[1 + 340]);
    assert!(text.contains("340 connections on 2 gateways"), "{text}");
    // Hidden, not cut: every row starts with its whole gateway name, and no cell is cut.
    let rows = cells(&text);
    assert_eq!(rows.len(), 340);
    for row in &rows {
        assert!(
            row[0] == "lab" || row[0] == "office-vpn-shanghai",
            "{row:?}"
        );
        assert!(row.iter().all(|c| !c.contains('…')), "{row:?}");
    }
    let header = table_lines(&text)[1];
    for shown in ["GATEWAY", "USER", "VIRTUAL IP", "CLIENT IP"] {
        assert!(header.contains(shown), "{shown}: {header}");
    }
    let hidden = note(&text).unwrap();
    assert!(
        hidden.starts_with("Not shown to fit 80 columns: ")
            && hidden
                .ends_with("CONNECTION ID (--wide shows every column; --columns chooses them)"),
        "{hidden}"
    );

    // --wide: every column, whole, whatever COLUMNS says: the table without COLUMNS.
    let wide = run(&mock, &["connections", "list"], &["--wide"]);
    assert!(note(&wide).is_none(), "{wide:.2000}");
    let out = mock.list(&[]).env_remove("COLUMNS").output().unwrap();
    assert_eq!(wide, stdout(&out));
    assert!(table_lines(&wide)[0].width() > 80);

    // One gateway, --all with pages, and --columns (hidden from the last asked for).
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
            "client_user_name,client_ip,connection_id,inbound_bytes,connection_established_time",
        ],
    );
    assert_fits(&text, 80, &[1 + 300]);
    assert!(cells(&text).iter().flatten().all(|c| !c.contains('…')));
    let hidden = note(&text).unwrap();
    assert!(
        hidden
            .starts_with("Not shown to fit 80 columns: inbound_bytes, connection_established_time"),
        "{hidden}"
    );

    // Narrower and wider terminals alike.
    for columns in ["60", "100", "132"] {
        let out = mock
            .list(&["--gateway", "lab"])
            .env("COLUMNS", columns)
            .output()
            .unwrap();
        let text = stdout(&out);
        assert_fits(&text, columns.parse().unwrap(), &[1 + 40]);
        assert!(cells(&text).iter().flatten().all(|c| !c.contains('…')));
    }
}

/// `text` with the watch's wall-clock time (`--- tick 1 at 2026-… UTC: …`) replaced.
fn without_clock(text: &str) -> String {
    text.lines()
        .map(
            |l| match (l.starts_with("--- tick "), l.find(" at "), l.find(" UTC: ")) {
                (true, Some(start), Some(end)) => {
                    format!("{} at <now>{}", &l[..start], &l[end + 4..])
                }
                _ => l.to_owned(),
            },
        )
        .map(|l| l + "\n")
        .collect()
}

#[test]
fn tables_at_80_100_and_200_columns_match_the_golden_files() {
    let mock = Mock::deterministic();
    let with = |width: usize, cmd: &mut assert_cmd::Command| {
        let out = cmd.env("COLUMNS", width.to_string()).output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        stdout(&out)
    };
    for width in [80, 100, 200] {
        let text = with(width, &mut mock.list(&["--gateway", "gw-alpha"]));
        assert_fits(&text, width, &[1 + 25]);
        assert_golden(&format!("list_table_{width}.txt"), &text);

        let text = with(width, &mut mock.list(&[]));
        assert_fits(&text, width, &[1 + 28]);
        assert_golden(&format!("list_table_several_{width}.txt"), &text);

        let text = with(width, &mut mock.watch(&["--count", "1"]));
        assert_fits(&text, width, &[1 + 28]);
        assert_golden(&format!("watch_{width}.txt"), &without_clock(&text));

        let text = with(
            width,
            &mut mock.run(
                &["connections", "disconnect"],
                &["--gateway", "gw-beta", "--all-connections", "--dry-run"],
            ),
        );
        assert_fits(&text, width, &[1 + 3]);
        assert_golden(&format!("disconnect_{width}.txt"), &text);

        let text = with(width, &mut mock.run(&["gateways", "list"], &[]));
        assert_fits(&text, width, &[1 + 2]);
        assert_golden(&format!("gateways_{width}.txt"), &text);
    }
}

/// Past 10,000 rows a table is written row by row: the same rule.
#[test]
fn streamed_tables_hide_columns_too() {
    let mock = Mock::start(|b| {
        b.seed(3)
            .frozen_clock(frozen_at())
            .gateway_named(OFFICE, "office", 10_001)
    });
    let text = run(
        &mock,
        &["connections", "list"],
        &["--gateway", "office", "--all", "--page-size", "1000"],
    );
    assert_fits(&text, 80, &[1 + 10_001]);
    assert!(cells(&text).iter().flatten().all(|c| !c.contains('…')));
    let hidden = note(&text).unwrap();
    assert!(
        hidden.starts_with("Not shown to fit 80 columns: "),
        "{hidden}"
    );
    assert!(hidden.contains("CONNECTION ID"), "{hidden}");
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

/// Without `COLUMNS`, on a real (pseudo-)terminal: its width. 80 and 100 columns give the
/// same tables as `COLUMNS=80` and `COLUMNS=100`; a terminal that reports 0 columns (nobody
/// set its size) the full table.
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
    assert_eq!(text, golden("list_table_100.txt"));

    let text = on_a_terminal(&mock, "cols 0 rows 0").unwrap();
    assert_eq!(text, golden("list_table.txt"));
}
