//! The real binary against a hostile loopback server (issue #12, terminal safety): user
//! names and IPs holding terminal escapes, newlines and bidi overrides are escaped in
//! `table` and on the `watch` screen, exact in `json`/`ndjson`, and formula-prefixed in
//! `csv`; a 10 MB user name is shortened in the table, at once.

#![allow(clippy::unwrap_used)]

use crate::common;

use std::io::{BufRead as _, BufReader, Write as _};
use std::net::TcpListener;
use std::time::Duration;

use common::{bare_cmd, stderr, stdout};

const PROJECT: &str = "0123456789abcdef0123456789abcdef";
const GATEWAY: &str = "fedcba9876543210fedcba9876543210";

/// A loopback server answering up to `max_requests` requests, each with `200` and `body`,
/// on a thread of its own (it ends with the test process). Returns its base URL.
fn serve(body: Vec<u8>, max_requests: usize) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().take(max_requests) {
            let Ok(mut stream) = stream else { continue };
            // A hang guard, not a time bound.
            let _ = stream.set_read_timeout(Some(Duration::from_secs(60)));
            // Read the request head; the client sends no body.
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 0) {
                if line == "\r\n" {
                    break;
                }
                line.clear();
            }
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
        }
    });
    url
}

const HOSTILE: [&str; 6] = [
    "\x1b]0;pwned\x07",
    "\x1b[2J",
    "a\nb",
    "\u{202e}evil",
    "\x1b]8;;http://x\x07link\x1b]8;;\x07",
    "=HYPERLINK(\"http://evil\",\"x\")",
];

const SHOWN: [&str; 6] = [
    "\\x1b]0;pwned\\x07",
    "\\x1b[2J",
    "a\\nb",
    "\\u{202e}evil",
    "\\x1b]8;;http://x\\x07link\\x1b]8;;\\x07",
    "=HYPERLINK(\"http://evil\",\"x\")",
];

fn hostile_body() -> Vec<u8> {
    let connections: Vec<serde_json::Value> = HOSTILE
        .iter()
        .enumerate()
        .map(|(i, name)| {
            serde_json::json!({
                "connection_id": format!("00000000-0000-0000-0000-00000000000{i}"),
                "client_user_name": name,
                "client_virtual_ip": "172.16.0.1\r\n│ fake ┆ row │",
                "client_ip": "-1+1",
                "inbound_bytes": -5,
                "outbound_bytes": 10,
            })
        })
        .collect();
    serde_json::to_vec(&serde_json::json!({
        "connections": connections,
        "total_count": HOSTILE.len(),
    }))
    .unwrap()
}

fn cli(url: &str, args: &[&str]) -> std::process::Output {
    let mut cmd = bare_cmd();
    cmd.env("HUAWEICLOUD_SDK_AK", "AK")
        .env("HUAWEICLOUD_SDK_SK", "SK")
        .env("HUAWEICLOUD_SDK_PROJECT_ID", PROJECT)
        .args(args)
        .args(["--endpoint", url, "--gateway", GATEWAY]);
    cmd.output().unwrap()
}

/// No character a terminal would obey, but line ends.
fn assert_terminal_safe(text: &str) {
    let bad: Vec<char> = text
        .chars()
        .filter(|&c| {
            c != '\n'
                && (c.is_control()
                    || ('\u{202a}'..='\u{202e}').contains(&c)
                    || ('\u{2066}'..='\u{2069}').contains(&c)
                    || c == '\u{2028}'
                    || c == '\u{2029}')
        })
        .collect();
    assert!(bad.is_empty(), "{bad:?} in:\n{text}");
}

#[test]
fn table_escapes_what_json_keeps_exact() {
    let url = serve(hostile_body(), 8);

    let out = cli(&url, &["connections", "list", "-o", "table"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let table = stdout(&out);
    assert_terminal_safe(&table);
    // 3 rules, the header, one line per connection, the footer: nothing added a line.
    assert_eq!(table.lines().count(), 3 + 1 + HOSTILE.len() + 1, "{table}");
    for shown in SHOWN {
        assert!(table.contains(shown), "{shown} in\n{table}");
    }
    assert!(table.contains("172.16.0.1\\r\\n│ fake ┆ row │"), "{table}");

    let out = cli(&url, &["connections", "list", "-o", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<&str> = json["connections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["client_user_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, HOSTILE);
    // JSON's own escapes keep control characters out of the text (`\u001b`); the rest
    // (bidi overrides included) stays exact, as JSON is for programs.
    assert!(!stdout(&out).contains('\x1b'));

    let out = cli(&url, &["connections", "list", "-o", "ndjson"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let lines = common::ndjson(&stdout(&out));
    assert_eq!(lines.len(), HOSTILE.len());
    assert_eq!(lines[0]["client_user_name"], HOSTILE[0]);
}

#[test]
fn csv_prefixes_formulas_in_string_columns_only() {
    let url = serve(hostile_body(), 4);
    let out = cli(&url, &["connections", "list", "-o", "csv"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut reader = csv::Reader::from_reader(out.stdout.as_slice());
    let headers = reader.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), HOSTILE.len());
    assert_eq!(
        &rows[5][col("client_user_name")],
        "'=HYPERLINK(\"http://evil\",\"x\")"
    );
    assert_eq!(&rows[0][col("client_ip")], "'-1+1");
    // Numbers are numbers.
    assert_eq!(&rows[0][col("inbound_bytes")], "-5");
    // Everything else exact (CSV quoting keeps the rows whole).
    assert_eq!(&rows[0][col("client_user_name")], HOSTILE[0]);
    assert_eq!(&rows[2][col("client_user_name")], "a\nb");
}

#[test]
fn the_watch_screen_escapes_too() {
    let url = serve(hostile_body(), 4);
    let out = cli(
        &url,
        &[
            "connections",
            "watch",
            "--count",
            "1",
            "--interval",
            "1s",
            "-o",
            "table",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let screen = stdout(&out);
    assert_terminal_safe(&screen);
    for shown in &SHOWN[..5] {
        assert!(screen.contains(shown), "{shown} in\n{screen}");
    }
    // The tick line, the gateway's line, 3 rules, the header, one line per connection.
    assert_eq!(
        screen.lines().count(),
        1 + 1 + 3 + 1 + HOSTILE.len(),
        "{screen}"
    );
}

#[test]
fn a_10_mb_user_name_is_shortened() {
    let name = format!("{}{}", "\x1b[2J", "n".repeat(10 * 1024 * 1024));
    let body = serde_json::to_vec(&serde_json::json!({
        "connections": [{ "client_user_name": name }],
        "total_count": 1,
    }))
    .unwrap();
    let url = serve(body, 4);
    let out = cli(&url, &["connections", "list", "-o", "table"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let table = stdout(&out);
    assert!(
        // 64 characters: the escape (7), 56 `n`, the ellipsis.
        table.contains(&format!("\\x1b[2J{}…", "n".repeat(56))),
        "{table}"
    );
    // Shortened before the table layout sees it (which took seconds with the whole name).
    assert!(table.len() < 4096);
}
