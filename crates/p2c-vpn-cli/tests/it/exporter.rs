//! `p2c-vpn exporter`: the real binary against the mock serves /metrics and /healthz with
//! the gateways' values, and stops cleanly on SIGTERM.

use crate::common;

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::process::Stdio;
use std::time::Duration;

use common::Mock;

/// A plain HTTP/1.1 GET (the exporter speaks loopback HTTP only here).
fn get(addr: SocketAddr, path: &str) -> Option<String> {
    let mut stream = TcpStream::connect(addr).ok()?;
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
