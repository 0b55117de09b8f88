//! Issue #24, the real `p2c-vpn exporter` binary (under `ulimit -n 1024`) against hostile
//! clients and a hostile upstream:
//!
//! - 1,100 connections trickle a header line every two seconds and never finish a request:
//!   `/healthz` and `/metrics` still answer (the connection cap evicts the oldest
//!   never-served connection, the header-read timeout closes the rest), and the exporter
//!   says so in `p2c_vpn_exporter_http_connections_closed_total`.
//! - A service whose gateway listing never ends and whose connections carry 100 KB user
//!   names: the listing stops at `--max-gateways`, the names are cut, the process lives and
//!   its peak memory (`VmHWM`, read by the test) stays under 256 MiB.
//!
//! The read timeouts below only detect a hang (a blocked exporter never answers); nothing
//! asserts how fast it answers.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};
use std::time::Duration;

use crate::common::Mock;

const ATTACKERS: usize = 1100;
/// Hang detector for the answers the test waits for.
const HANG: Duration = Duration::from_secs(60);

/// A GET over a fresh connection, `Connection: close`; the whole response.
fn get(addr: SocketAddr, path: &str) -> String {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(HANG)).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .unwrap_or_else(|e| panic!("GET {path}: no answer ({e}): the exporter is blocked"));
    response
}

/// The exporter, killed when dropped.
struct Exporter(Child);

impl Drop for Exporter {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `p2c-vpn exporter --listen 127.0.0.1:0 --min-interval 0s` plus `args` under `ulimit -n
/// 1024`, with the environment of `template`; and the address it bound (read from its
/// log).
fn start(template: std::process::Command, args: &[&str]) -> (Exporter, SocketAddr) {
    let mut cmd = std::process::Command::new("sh");
    cmd.arg("-c")
        .arg(r#"ulimit -n 1024 && exec "$0" "$@""#)
        .arg(template.get_program())
        .arg("exporter")
        .args(args)
        .args(["--listen", "127.0.0.1:0", "--min-interval", "0s"]);
    for (key, value) in template.get_envs() {
        match value {
            Some(value) => cmd.env(key, value),
            None => cmd.env_remove(key),
        };
    }
    cmd.env("RUST_LOG", "p2c_vpn_exporter=info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("exporter starts");
    let stderr = child.stderr.take().expect("stderr");
    let exporter = Exporter(child);
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut sent = false;
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if !sent && let Some(at) = line.find("serving metrics at http://") {
                let rest = &line[at + "serving metrics at http://".len()..];
                let addr = rest.split('/').next().unwrap_or_default().to_owned();
                let _ = tx.send(addr);
                sent = true;
            }
        }
    });
    let addr = rx
        .recv_timeout(HANG)
        .expect("the exporter logs its address")
        .parse()
        .expect("an address");
    (exporter, addr)
}

#[test]
fn trickling_connections_cannot_block_metrics_or_healthz() {
    // The default cap (256) is under the file descriptor limit: room is made by evicting.
    trickling_connections(
        &[],
        ATTACKERS - p2c_vpn_exporter::DEFAULT_MAX_HTTP_CONNECTIONS,
    );
}

#[test]
fn trickling_connections_past_the_descriptor_limit_cannot_block_either() {
    // A cap above the 1,024 descriptors: accepting fails (EMFILE) before the cap is reached,
    // and the exporter frees descriptors by evicting idle connections.
    trickling_connections(&["--max-http-connections", "4096"], 1);
}

/// `ATTACKERS` trickling connections against the exporter started with `args`; at least
/// `min_evicted` of them evicted.
fn trickling_connections(args: &[&str], min_evicted: usize) {
    let mock = Mock::start(|b| {
        b.gateway_named("gw-one", "office", 4)
            .gateway_named("gw-two", "lab", 2)
    });
    let mut all = vec!["--endpoint", mock.server.base_url()];
    all.extend_from_slice(args);
    let (mut exporter, addr) = start(mock.std_cmd(), &all);
    assert!(get(addr, "/healthz").starts_with("HTTP/1.1 200"));

    // 1,100 connections that start a request and never finish it.
    let mut attackers = Vec::with_capacity(ATTACKERS);
    for _ in 0..ATTACKERS {
        let mut stream = TcpStream::connect(addr).expect("connect");
        let _ = stream.write_all(b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        attackers.push(stream);
    }
    // A header line every 2 s on each, for as long as the test runs.
    let stop = Arc::new(AtomicBool::new(false));
    let rounds = Arc::new(AtomicUsize::new(0));
    let trickler = {
        let (stop, rounds) = (Arc::clone(&stop), Arc::clone(&rounds));
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                for stream in &mut attackers {
                    let _ = stream.write_all(b"X-Slow: 1\r\n");
                }
                rounds.fetch_add(1, Ordering::Relaxed);
                std::thread::sleep(Duration::from_secs(2));
            }
            attackers
        })
    };
    while rounds.load(Ordering::Relaxed) < 2 {
        std::thread::sleep(Duration::from_millis(100));
    }

    // While they are held: health and metrics answer, several times.
    for _ in 0..3 {
        let health = get(addr, "/healthz");
        assert!(health.starts_with("HTTP/1.1 200"), "{health}");
        assert!(health.ends_with("ok\n"), "{health}");
        let metrics = get(addr, "/metrics");
        assert!(metrics.starts_with("HTTP/1.1 200"), "{metrics}");
        assert!(
            metrics.contains(
                r#"p2c_vpn_gateway_connections{gateway="gw-one",gateway_name="office"} 4"#
            ),
            "{metrics}"
        );
        std::thread::sleep(Duration::from_secs(1));
    }
    // The exporter made room by closing attackers, and says so.
    let metrics = get(addr, "/metrics");
    let evicted = metrics
        .lines()
        .find(|l| {
            l.starts_with(r#"p2c_vpn_exporter_http_connections_closed_total{reason="evicted"}"#)
        })
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or_else(|| panic!("no eviction counter in\n{metrics}"));
    assert!(evicted >= min_evicted as f64, "evicted {evicted}");
    assert!(
        exporter.0.try_wait().expect("wait").is_none(),
        "the exporter is still running"
    );

    stop.store(true, Ordering::Relaxed);
    let attackers = trickler.join().expect("trickler");
    drop(attackers);
}

/// Requests the hostile upstream received, by kind.
#[derive(Default)]
struct Seen {
    gateway_pages: AtomicUsize,
    connection_pages: AtomicUsize,
}

const USER_NAME_BYTES: usize = 100 * 1024;

/// A loopback "service" whose gateway listing never ends (100 new gateways per page, a
/// new marker each time) and whose every gateway has one connection with a 100 KB user
/// name. Requests are not signature-checked (nothing here depends on them).
fn hostile_upstream() -> (String, Arc<Seen>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let seen = Arc::new(Seen::default());
    let counts = Arc::clone(&seen);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            let counts = Arc::clone(&counts);
            std::thread::spawn(move || answer(stream, &counts));
        }
    });
    (format!("http://{addr}"), seen)
}

/// Answers the requests of one (kept-alive) connection.
fn answer(mut stream: TcpStream, seen: &Seen) {
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
            return;
        }
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            if line == "\r\n" {
                break;
            }
        }
        let target = request_line.split(' ').nth(1).unwrap_or_default();
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let body = if let Some(gateway) = path
            .strip_suffix("/connections")
            .and_then(|p| p.rsplit('/').next())
        {
            seen.connection_pages.fetch_add(1, Ordering::Relaxed);
            let offset: usize = query
                .split('&')
                .find_map(|kv| kv.strip_prefix("offset="))
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            let connections = if offset == 0 {
                format!(
                    r#"[{{"connection_id":"{gateway}","client_user_name":"{}","inbound_bytes":1,"outbound_bytes":2,"inbound_packets":3,"outbound_packets":4}}]"#,
                    "u".repeat(USER_NAME_BYTES)
                )
            } else {
                "[]".to_owned()
            };
            format!(r#"{{"connections":{connections},"total_count":1}}"#)
        } else if path.ends_with("/p2c-vpn-gateways") {
            seen.gateway_pages.fetch_add(1, Ordering::Relaxed);
            let page: u64 = query
                .split('&')
                .find_map(|kv| kv.strip_prefix("marker="))
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            let gateways: Vec<String> = (0..100u64)
                .map(|i| {
                    format!(
                        r#"{{"id":"{page:08x}-0000-4000-8000-{i:012x}","name":"gw-{page}-{i}","max_connection_number":500}}"#
                    )
                })
                .collect();
            format!(
                r#"{{"p2c_vpn_gateways":[{}],"total_count":100000000,"page_info":{{"next_marker":"{}","current_count":100}}}}"#,
                gateways.join(","),
                page + 1
            )
        } else {
            return;
        };
        let head = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
            body.len()
        );
        if stream
            .write_all(head.as_bytes())
            .and_then(|()| stream.write_all(body.as_bytes()))
            .is_err()
        {
            return;
        }
    }
}

/// The exporter's peak resident memory so far, in KiB (`VmHWM`).
fn peak_rss_kib(exporter: &Exporter) -> u64 {
    let status =
        std::fs::read_to_string(format!("/proc/{}/status", exporter.0.id())).expect("/proc status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM")
}

#[test]
fn an_endless_gateway_listing_with_huge_user_names_is_cut_and_survived() {
    let (endpoint, seen) = hostile_upstream();
    let mut template = crate::common::std_cmd();
    template
        .env("HUAWEICLOUD_SDK_AK", "HOSTILE-AK")
        .env("HUAWEICLOUD_SDK_SK", "hostile-sk");
    let (mut exporter, addr) = start(
        template,
        &[
            "--endpoint",
            &endpoint,
            "--project-id",
            "0123456789abcdef0123456789abcdef",
            "--per-connection",
        ],
    );
    // Scrape until one collection has gone through every gateway kept (a scrape waits at
    // most 8 s; collections go on in the background between scrapes).
    let mut scrapes = 0;
    let metrics = loop {
        let metrics = get(addr, "/metrics");
        scrapes += 1;
        assert!(metrics.starts_with("HTTP/1.1 200"), "{metrics}");
        let up = metrics
            .lines()
            .filter(|l| l.starts_with("p2c_vpn_up{") && l.ends_with(" 1"))
            .count();
        if up == p2c_vpn_exporter::DEFAULT_MAX_GATEWAYS {
            break metrics;
        }
        assert!(scrapes < 40, "never collected every gateway: {up} up");
    };
    assert!(
        metrics.contains(r#"p2c_vpn_exporter_truncated{limit="max_gateways"} 1"#),
        "{}",
        &metrics[..2000.min(metrics.len())]
    );
    assert!(metrics.contains(r#"p2c_vpn_exporter_truncated{limit="max_connection_series"} 0"#));
    // Each listing stopped once past the cap: 11 pages of 100, never the 10,000-page cap.
    let pages = seen.gateway_pages.load(Ordering::Relaxed);
    assert!(
        pages <= 11 * scrapes,
        "{pages} gateway pages for {scrapes} scrapes"
    );
    assert!(seen.connection_pages.load(Ordering::Relaxed) >= 1000);
    // One series per connection, each user name cut to 256 bytes.
    let users: Vec<&str> = metrics
        .lines()
        .filter(|l| l.starts_with("p2c_vpn_connection_inbound_bytes_total{"))
        .filter_map(|l| l.split("user=\"").nth(1)?.split('"').next())
        .collect();
    assert_eq!(users.len(), 1000);
    assert!(users.iter().all(|u| u.len() == 256), "user labels are cut");

    assert!(
        exporter.0.try_wait().expect("wait").is_none(),
        "the exporter is still running"
    );
    let peak = peak_rss_kib(&exporter);
    eprintln!(
        "exporter peak RSS (VmHWM): {peak} KiB after {scrapes} scrape(s), {pages} gateway \
         pages, {} connection pages",
        seen.connection_pages.load(Ordering::Relaxed)
    );
    assert!(peak < 256 * 1024, "peak RSS {peak} KiB");
}
