//! Peak memory and time of the real binary against a hostile loopback server, measured with
//! GNU time (`/usr/bin/time`, Debian package `time`; `.ci/run` installs it). With default
//! settings no server behaviour takes the CLI past 256 MiB; a page of 200,000 tiny records
//! shown as a table (caps raised to let it through; 20 times the row count past which tables
//! stream) stays under 160 MiB, where a table held in memory takes ~500 MiB.

use std::io::{Read as _, Write as _};
use std::net::TcpListener;
use std::process::Command;

const GATEWAY: &str = "0f2c5a4e-6b0d-4c5e-9a8f-1c2d3e4f5a6b";

/// What the server sends after the request.
#[derive(Clone)]
enum Reply {
    /// Headers announce `length` bytes; `fill` is written until `limit` bytes.
    Announced { length: u64, limit: usize },
    /// A chunked body that never ends (stops after `limit` bytes or when the client leaves).
    Endless { limit: usize },
    /// A complete JSON body.
    Body(std::sync::Arc<Vec<u8>>),
}

/// Serves `reply` to every connection on a loopback port, in a background thread.
fn serve(reply: Reply) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let reply = reply.clone();
            std::thread::spawn(move || {
                let mut buf = [0u8; 8192];
                let _ = stream.read(&mut buf);
                let chunk = vec![b'['; 64 * 1024];
                match reply {
                    Reply::Announced { length, limit } => {
                        let head = format!(
                            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {length}\r\n\r\n"
                        );
                        if stream.write_all(head.as_bytes()).is_err() {
                            return;
                        }
                        let mut sent = 0;
                        while sent < limit && stream.write_all(&chunk).is_ok() {
                            sent += chunk.len();
                        }
                    }
                    Reply::Endless { limit } => {
                        let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
                        if stream.write_all(head.as_bytes()).is_err() {
                            return;
                        }
                        let mut sent = 0;
                        while sent < limit {
                            let ok = stream
                                .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
                                .and_then(|_| stream.write_all(&chunk))
                                .and_then(|_| stream.write_all(b"\r\n"));
                            if ok.is_err() {
                                return;
                            }
                            sent += chunk.len();
                        }
                    }
                    Reply::Body(body) => {
                        let head = format!(
                            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                            body.len()
                        );
                        let _ = stream
                            .write_all(head.as_bytes())
                            .and_then(|_| stream.write_all(&body));
                    }
                }
            });
        }
    });
    format!("http://{addr}")
}

struct Measured {
    exit: Option<i32>,
    peak_mib: f64,
    seconds: f64,
    stderr: String,
}

/// Runs `p2c-vpn connections list` against `endpoint` under GNU time.
fn measure(endpoint: &str, extra: &[&str]) -> Measured {
    let time = "/usr/bin/time";
    assert!(
        std::path::Path::new(time).exists(),
        "GNU time is needed for peak-memory tests: apt-get install time"
    );
    let out = Command::new(time)
        .args(["-f", "P2C_RSS_KB=%M P2C_SECONDS=%e"])
        .arg(env!("CARGO_BIN_EXE_p2c-vpn"))
        .args([
            "connections",
            "list",
            "--endpoint",
            endpoint,
            "--gateway",
            GATEWAY,
        ])
        .args([
            "--project-id",
            "0123456789abcdef0123456789abcdef",
            "--retries",
            "0",
        ])
        .args(["--timeout", "60s"])
        .args(extra)
        .env("HUAWEICLOUD_SDK_AK", "AK")
        .env("HUAWEICLOUD_SDK_SK", "SK")
        .env("HUAWEICLOUD_SDK_CREDENTIALS_FILE", "/nonexistent")
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::null())
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let field = |name: &str| -> f64 {
        stderr
            .split_whitespace()
            .find_map(|w| w.strip_prefix(name))
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no {name} in {stderr}"))
    };
    // GNU time reports the child's exit status in its own.
    Measured {
        exit: out.status.code(),
        peak_mib: field("P2C_RSS_KB=") / 1024.0,
        seconds: field("P2C_SECONDS="),
        stderr,
    }
}

fn records(n: usize, item: &str) -> Vec<u8> {
    let mut body = format!(r#"{{"total_count":{n},"connections":["#).into_bytes();
    for i in 0..n {
        if i > 0 {
            body.push(b',');
        }
        body.extend_from_slice(item.as_bytes());
    }
    body.extend_from_slice(b"]}");
    body
}

#[test]
fn hostile_responses_stay_within_256_mib_by_default() {
    let cases: Vec<(&str, Reply)> = vec![
        (
            "2 GiB announced",
            Reply::Announced {
                length: 2 << 30,
                limit: 64 << 20,
            },
        ),
        ("endless chunked body", Reply::Endless { limit: 256 << 20 }),
        (
            "a million empty records",
            Reply::Body(std::sync::Arc::new(records(1_000_000, "{}"))),
        ),
    ];
    for (name, reply) in cases {
        let m = measure(&serve(reply), &[]);
        eprintln!(
            "{name}: exit {:?}, {:.1} MiB, {:.2} s",
            m.exit, m.peak_mib, m.seconds
        );
        assert_eq!(m.exit, Some(4), "{name}: {}", m.stderr);
        assert!(
            m.stderr.contains("the response has more than"),
            "{name}: {}",
            m.stderr
        );
        assert!(m.peak_mib < 256.0, "{name}: {:.1} MiB", m.peak_mib);
        assert!(m.seconds < 30.0, "{name}: {} s", m.seconds);
    }
}

#[test]
fn a_ten_megabyte_user_name_is_shortened_in_the_table_quickly() {
    let name = "x".repeat(10 << 20);
    let item = format!(
        r#"{{"connection_id":"10293371-114e-4d2a-878e-c6a616d0ec0e","client_user_name":"{name}"}}"#
    );
    let m = measure(
        &serve(Reply::Body(std::sync::Arc::new(records(1, &item)))),
        &["-o", "table"],
    );
    eprintln!("10 MB user name: {:.1} MiB, {:.2} s", m.peak_mib, m.seconds);
    assert_eq!(m.exit, Some(0), "{}", m.stderr);
    assert!(m.peak_mib < 256.0, "{:.1} MiB", m.peak_mib);
    assert!(m.seconds < 10.0, "{} s", m.seconds);
}

#[test]
fn two_hundred_thousand_tiny_records_as_a_table_stay_under_160_mib() {
    // A million took 14 s in a debug build (BENCHMARKS.md "Hostile server"); 200,000 is
    // enough to tell streaming (~60 MiB) from holding the table (~500 MiB).
    let body = records(200_000, "{}");
    let m = measure(
        &serve(Reply::Body(std::sync::Arc::new(body))),
        &["-o", "table", "--max-json-values", "3000000"],
    );
    eprintln!(
        "200k records as a table: {:.1} MiB, {:.2} s",
        m.peak_mib, m.seconds
    );
    assert_eq!(m.exit, Some(0), "{}", m.stderr);
    assert!(m.peak_mib < 160.0, "{:.1} MiB", m.peak_mib);
}
