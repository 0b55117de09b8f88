//! `p2c-vpn exporter`: the real binary against the mock serves /metrics and /healthz with
//! the gateways' values, and stops cleanly on SIGTERM.

use crate::common;

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::Stdio;
use std::time::Duration;

use common::Mock;

/// A plain HTTP/1.1 GET (the exporter speaks loopback HTTP only here).
fn get(addr: SocketAddr, path: &str) -> Option<String> {
    let mut stream = TcpStream::connect(addr).ok()?;
    stream
        // A hang guard, not a time bound.
        .set_read_timeout(Some(Duration::from_secs(60)))
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
    // Port 0: the exporter binds first, then prints the address it got.
    let mut child = mock
        .std_cmd()
        .args(["exporter", "--endpoint", mock.server.base_url()])
        .args(["--listen", "127.0.0.1:0", "--min-interval", "0s"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("exporter starts");

    let mut stderr = BufReader::new(child.stderr.take().expect("stderr"));
    let mut line = String::new();
    stderr.read_line(&mut line).expect("reads stderr");
    let addr: SocketAddr = line
        .trim_end()
        .strip_prefix("p2c-vpn exporter: serving http://")
        .and_then(|rest| rest.strip_suffix("/metrics"))
        .and_then(|addr| addr.parse().ok())
        .unwrap_or_else(|| panic!("no address in {line:?}"));
    assert_ne!(addr.port(), 0, "{line}");
    let health = get(addr, "/healthz").expect("the exporter listens once it says so");
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");

    let metrics = get(addr, "/metrics").expect("scrape");
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

    common::signal(child.id(), "TERM");
    let status = child.wait().expect("wait");
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

/// Reads a spawned exporter's stderr up to its "serving" line: the address it bound, and
/// the lines before it.
fn serving(stderr: &mut impl std::io::BufRead) -> (SocketAddr, String) {
    let mut before = String::new();
    loop {
        let mut line = String::new();
        let read = stderr.read_line(&mut line).expect("reads stderr");
        assert!(read > 0, "the exporter ended without serving:\n{before}");
        if let Some(addr) = line
            .trim_end()
            .strip_prefix("p2c-vpn exporter: serving http://")
            .and_then(|rest| rest.strip_suffix("/metrics"))
        {
            return (addr.parse().expect("an address"), before);
        }
        before.push_str(&line);
    }
}

#[test]
fn a_gateway_that_cannot_be_checked_is_served_down_and_logs_have_no_empty_fields() {
    let mock = Mock::start(|b| b.gateway_named("gw-one", "office", 1));
    // The service fails: the selector cannot be checked, so the exporter starts.
    mock.server.faults().always(p2c_vpn_mock::Fault::Status(
        p2c_vpn_mock::StatusCode::SERVICE_UNAVAILABLE,
    ));
    let mut child = mock
        .std_cmd()
        .args(["exporter", "--endpoint", mock.server.base_url()])
        .args(["--listen", "127.0.0.1:0"])
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
    let mut reader = BufReader::new(child.stderr.take().expect("stderr"));
    let (addr, before) = serving(&mut reader);
    let metrics = get(addr, "/metrics").expect("scrape");
    assert!(metrics.starts_with("HTTP/1.1 200"), "{metrics}");
    // Nothing is up: the service fails.
    assert!(
        !metrics
            .lines()
            .any(|l| l.starts_with("p2c_vpn_up{") && l.ends_with(" 1")),
        "{metrics}"
    );
    common::signal(child.id(), "TERM");
    let mut after = String::new();
    reader.read_to_string(&mut after).expect("stderr");
    assert!(child.wait().expect("wait").success());
    let stderr = format!("{before}{after}");
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
