//! Issue #24: `p2c-vpn exporter` under `ulimit -n 1024` while 1,100 connections trickle a
//! header line every two seconds and never finish a request: `/healthz` and `/metrics`
//! still answer (the connection cap evicts the oldest never-served connection, the
//! header-read timeout closes the rest), and the exporter says so in
//! `p2c_vpn_exporter_http_connections_closed_total`. The read timeouts below only detect
//! a hang (a blocked exporter never answers); nothing asserts how fast it answers.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
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

/// `p2c-vpn exporter --listen 127.0.0.1:0` under `ulimit -n 1024`, and the address it
/// bound (read from its log).
fn start(mock: &Mock) -> (Exporter, SocketAddr) {
    let template = mock.std_cmd();
    let mut cmd = std::process::Command::new("sh");
    cmd.arg("-c")
        .arg(r#"ulimit -n 1024 && exec "$0" "$@""#)
        .arg(template.get_program())
        .args(["exporter", "--endpoint", mock.server.base_url()])
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
    let mock = Mock::start(|b| {
        b.gateway_named("gw-one", "office", 4)
            .gateway_named("gw-two", "lab", 2)
    });
    let (mut exporter, addr) = start(&mock);
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
    assert!(
        evicted >= (ATTACKERS - p2c_vpn_exporter::DEFAULT_MAX_HTTP_CONNECTIONS) as f64,
        "evicted {evicted}"
    );
    assert!(
        exporter.0.try_wait().expect("wait").is_none(),
        "the exporter is still running"
    );

    stop.store(true, Ordering::Relaxed);
    let attackers = trickler.join().expect("trickler");
    drop(attackers);
}
