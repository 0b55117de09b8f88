//! `p2c-vpn exporter`: the real binary against the mock serves /metrics and /healthz with
//! the gateways' values, and stops cleanly on SIGTERM.

use crate::common;

use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::Mock;

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// A plain HTTP/1.1 GET (the exporter speaks loopback HTTP only here).
fn get(port: u16, path: &str) -> Option<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    Some(response)
}

#[test]
fn the_exporter_serves_every_gateway_and_stops_on_sigterm() {
    let mock = Mock::start(|b| {
        b.gateway_named("gw-one", "office", 4)
            .gateway_named("gw-two", "lab", 2)
    });
    let port = free_port();
    let mut child = mock
        .std_cmd()
        .args(["exporter", "--endpoint", mock.server.base_url()])
        .args([
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--min-interval",
            "0s",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("exporter starts");

    let deadline = Instant::now() + Duration::from_secs(30);
    let health = loop {
        if let Some(r) = get(port, "/healthz") {
            break r;
        }
        assert!(Instant::now() < deadline, "the exporter never listened");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");

    let metrics = get(port, "/metrics").expect("scrape");
    assert!(metrics.starts_with("HTTP/1.1 200"), "{metrics}");
    for line in [
        r#"p2c_vpn_up{gateway="gw-one"} 1"#,
        r#"p2c_vpn_up{gateway="gw-two"} 1"#,
        r#"p2c_vpn_gateway_connections{gateway="gw-one",gateway_name="office"} 4"#,
        r#"p2c_vpn_gateway_connections{gateway="gw-two",gateway_name="lab"} 2"#,
    ] {
        assert!(metrics.contains(line), "missing {line}:\n{metrics}");
    }
    assert!(
        !metrics.contains("connection_id="),
        "no per-connection series by default"
    );

    let pid = child.id().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the exporter did not stop on SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status:?}");
}

#[test]
fn several_targets_with_one_endpoint_are_refused() {
    let mock = Mock::start(|b| b.gateway("gw-one", 1));
    let out = mock
        .cmd()
        .args(["exporter", "--endpoint", mock.server.base_url()])
        .args(["--target", "cn-north-4", "--target", "ap-southeast-1"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--endpoint with several --target"));
}

/// `p2c-vpn exporter` against `mock` with `args`, run to its end (it must not serve).
fn exporter_output(mock: &Mock, args: &[&str]) -> std::process::Output {
    mock.cmd()
        .args(["exporter", "--endpoint", mock.server.base_url()])
        .args(["--listen", "127.0.0.1:0"])
        .args(args)
        .output()
        .expect("runs")
}

#[test]
fn a_gateway_that_names_nothing_or_two_gateways_is_refused_at_start() {
    let mock = Mock::start(|b| {
        b.gateway_named("gw-one", "office", 1)
            .gateway_named("gw-two", "shared", 1)
            .gateway_named("gw-three", "shared", 1)
    });
    // Names nothing: exit 2, the candidates listed, as `connections list` does.
    let out = exporter_output(&mock, &["--gateway", "office", "--gateway", "ofice"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(r#"no gateway has the ID or name "ofice""#)
            && stderr.contains("office (gw-one)")
            && stderr.contains("shared (gw-two)"),
        "{stderr}"
    );
    assert!(!stderr.contains("serving"), "{stderr}");
    let list = mock.list(&["--gateway", "ofice"]).output().expect("runs");
    assert_eq!(list.status.code(), Some(2));

    // A name two gateways share.
    let out = exporter_output(&mock, &["--gateway", "shared"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(r#"the gateway name "shared" is ambiguous: 2 gateways have it"#)
            && stderr.contains("gw-two")
            && stderr.contains("gw-three"),
        "{stderr}"
    );
    assert!(!stderr.contains("serving"), "{stderr}");
}

/// Stops a spawned exporter with SIGTERM and returns its stderr.
fn stop(mut child: std::process::Child) -> String {
    let pid = child.id().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    while child.try_wait().expect("wait").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the exporter did not stop on SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("piped")
        .read_to_string(&mut stderr)
        .expect("stderr");
    stderr
}

#[test]
fn a_gateway_that_cannot_be_checked_is_served_down_and_logs_have_no_empty_fields() {
    let mock = Mock::start(|b| b.gateway_named("gw-one", "office", 1));
    // The service fails: the selector cannot be checked, so the exporter starts.
    mock.server.faults().always(p2c_vpn_mock::Fault::Status(
        p2c_vpn_mock::StatusCode::SERVICE_UNAVAILABLE,
    ));
    let port = free_port();
    let child = mock
        .std_cmd()
        .args(["exporter", "--endpoint", mock.server.base_url()])
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .args([
            "--gateway",
            "ofice",
            "--retries",
            "0",
            "--min-interval",
            "0s",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("exporter starts");
    let deadline = Instant::now() + Duration::from_secs(30);
    while get(port, "/healthz").is_none() {
        assert!(Instant::now() < deadline, "the exporter never listened");
        std::thread::sleep(Duration::from_millis(50));
    }
    let metrics = get(port, "/metrics").expect("scrape");
    assert!(metrics.starts_with("HTTP/1.1 200"), "{metrics}");
    // Nothing is up: the service fails.
    assert!(
        !metrics
            .lines()
            .any(|l| l.starts_with("p2c_vpn_up{") && l.ends_with(" 1")),
        "{metrics}"
    );
    let stderr = stop(child);
    assert!(
        stderr.contains(&format!(
            "p2c-vpn exporter: serving http://127.0.0.1:{port}/metrics"
        )),
        "{stderr}"
    );
    // The warnings say what failed, and no field of theirs is empty (no `region=""`:
    // this target has no region, only an endpoint).
    assert!(
        stderr.contains("cannot list the gateways to check --gateway"),
        "{stderr}"
    );
    assert!(stderr.contains("listing the gateways failed"), "{stderr}");
    for line in stderr.lines() {
        assert!(!line.contains("=\"\""), "an empty field: {line}");
        assert!(!line.contains("region="), "{line}");
    }
}

#[test]
fn serving_is_announced_only_once_the_address_is_bound() {
    let mock = Mock::start(|b| b.gateway_named("gw-one", "office", 1));
    let taken = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = taken.local_addr().expect("addr");
    let out = mock
        .cmd()
        .args(["exporter", "--endpoint", mock.server.base_url()])
        .args(["--listen", &addr.to_string()])
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("cannot listen on {addr}")),
        "{stderr}"
    );
    assert!(!stderr.contains("serving"), "{stderr}");
    drop(taken);
}
