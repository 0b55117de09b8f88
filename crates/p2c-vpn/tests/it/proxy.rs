//! Proxies: a plain-http or loopback request never goes through one, whatever the
//! environment says (signed headers and the security token would cross it in clear);
//! HTTPS to a remote host goes through `HTTPS_PROXY` as a CONNECT tunnel, unless `NO_PROXY`
//! names the host. The proxy environment is process-wide, so each case runs in a child
//! process of this test binary with its own environment.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use p2c_vpn::{Client, Credentials, RetryConfig};
use serde_json::json;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

const GATEWAY: &str = "b5c4c0a2-1a5e-4c1e-9a3e-2f1f4e0f7d11";

/// A proxy that records the first line of every connection and refuses it.
async fn counting_proxy() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let log = log.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 8192];
                let n = socket.read(&mut buf).await.unwrap_or(0);
                let text = String::from_utf8_lossy(&buf[..n]).into_owned();
                log.lock().expect("lock").push(text);
                let _ = socket
                    .write_all(b"HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n")
                    .await;
            });
        }
    });
    (url, seen)
}

/// Runs the child test `case` with `env`, and returns whether it passed.
async fn run_child(case: &str, env: &[(&str, String)]) -> String {
    let exe = std::env::current_exe().expect("test binary");
    let mut child = std::process::Command::new(exe);
    child
        .args(["--exact", "proxy::child", "--nocapture"])
        .env("P2C_VPN_PROXY_CASE", case);
    for var in [
        "HTTP_PROXY",
        "http_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
        "NO_PROXY",
        "no_proxy",
    ] {
        child.env_remove(var);
    }
    for (k, v) in env {
        child.env(k, v);
    }
    let out = tokio::task::spawn_blocking(move || child.output());
    let out = tokio::time::timeout(Duration::from_secs(60), out)
        .await
        .expect("child finished")
        .expect("joined")
        .expect("child ran");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "child {case} failed:\n{stdout}");
    assert!(stdout.contains("1 passed"), "{stdout}");
    stdout
}

#[tokio::test]
async fn plain_http_and_loopback_never_use_a_proxy() {
    if std::env::var_os("P2C_VPN_PROXY_CASE").is_some() {
        return;
    }
    let (proxy, seen) = counting_proxy().await;
    let vpn = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"connections": [], "total_count": 0})),
        )
        .mount(&vpn)
        .await;
    run_child(
        "loopback",
        &[
            ("HTTP_PROXY", proxy.clone()),
            ("http_proxy", proxy.clone()),
            ("ALL_PROXY", proxy.clone()),
            ("HTTPS_PROXY", proxy.clone()),
            ("P2C_VPN_TEST_ENDPOINT", vpn.uri()),
        ],
    )
    .await;
    assert!(seen.lock().expect("lock").is_empty(), "{:?}", seen.lock());
    assert_eq!(vpn.received_requests().await.expect("recorded").len(), 1);
}

#[tokio::test]
async fn remote_https_goes_through_https_proxy_as_a_tunnel() {
    if std::env::var_os("P2C_VPN_PROXY_CASE").is_some() {
        return;
    }
    let (proxy, seen) = counting_proxy().await;
    run_child(
        "remote",
        &[
            ("HTTPS_PROXY", proxy.clone()),
            (
                "P2C_VPN_TEST_ENDPOINT",
                "https://vpn.example.invalid".into(),
            ),
        ],
    )
    .await;
    let seen = seen.lock().expect("lock").clone();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert!(
        seen[0].starts_with("CONNECT vpn.example.invalid:443 "),
        "{seen:?}"
    );
    // TLS end to end: the proxy never sees the signed request.
    let lower = seen[0].to_ascii_lowercase();
    assert!(
        !lower.contains("authorization") && !lower.contains("x-sdk-date"),
        "{seen:?}"
    );
}

#[tokio::test]
async fn no_proxy_exempts_a_host() {
    if std::env::var_os("P2C_VPN_PROXY_CASE").is_some() {
        return;
    }
    let (proxy, seen) = counting_proxy().await;
    run_child(
        "remote",
        &[
            ("HTTPS_PROXY", proxy.clone()),
            ("NO_PROXY", "example.invalid".into()),
            (
                "P2C_VPN_TEST_ENDPOINT",
                "https://vpn.example.invalid".into(),
            ),
        ],
    )
    .await;
    assert!(seen.lock().expect("lock").is_empty());
}

/// The child: one call with the environment it was given.
#[tokio::test]
async fn child() {
    let Ok(case) = std::env::var("P2C_VPN_PROXY_CASE") else {
        return;
    };
    let endpoint = std::env::var("P2C_VPN_TEST_ENDPOINT").expect("endpoint");
    let client = Client::builder()
        .endpoint(endpoint)
        .project_id("0123456789abcdef0123456789abcdef")
        .credentials(Credentials::new("AK", "SK-secret").with_security_token("TOKEN-secret"))
        .connect_timeout(Duration::from_secs(3))
        .timeout(Duration::from_secs(5))
        .retry(RetryConfig::disabled())
        .build()
        .expect("builds");
    let result = client.connections(GATEWAY).send().await;
    match case.as_str() {
        "loopback" => {
            result.expect("the loopback server answers directly");
        }
        // No network here: the tunnel is refused (or the name does not resolve).
        _ => {
            result.expect_err("no route to the remote host");
        }
    }
}
