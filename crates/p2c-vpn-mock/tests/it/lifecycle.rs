#![allow(clippy::unwrap_used)]
use crate::common;

use std::net::SocketAddr;
use std::time::Duration;

use p2c_vpn_mock::MockServer;

/// Whether a connection to `url` is refused now.
async fn refused_now(url: &str) -> bool {
    matches!(common::http().get(url).send().await, Err(e) if e.is_connect())
}

/// Waits until connections to `url` are refused (a server stopping in the background).
/// A hang guard only: false after 60 s of polls, far past any stop, so a server that
/// never stops fails the test rather than hanging it.
async fn refused(url: &str) -> bool {
    for _ in 0..3000 {
        if refused_now(url).await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    false
}

#[tokio::test]
async fn drop_shuts_down() {
    let server = MockServer::builder()
        .require_signature(false)
        .start()
        .await
        .unwrap();
    let url = server.connections_url(&server.gateway_ids()[0]);
    assert_eq!(common::http().get(&url).send().await.unwrap().status(), 200);
    drop(server);
    assert!(refused(&url).await, "hung: still answering after drop");
}

#[tokio::test]
async fn shutdown_waits_for_the_server() {
    let server = MockServer::start().await.unwrap();
    let url = server.connections_url(&server.gateway_ids()[0]);
    server.shutdown().await.unwrap();
    assert!(refused_now(&url).await, "stopped once shutdown returns");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accessors_and_listen_address() {
    let server = MockServer::builder()
        .listen(SocketAddr::from(([127, 0, 0, 1], 0)))
        .project_id("my-project")
        .gateway("gw-1", 4)
        .gateway("gw-2", 1)
        .gateway("gw-1", 6)
        .start()
        .await
        .unwrap();
    assert_eq!(server.base_url(), format!("http://{}", server.addr()));
    assert!(server.addr().ip().is_loopback());
    assert_ne!(server.addr().port(), 0);
    assert_eq!(server.project_id(), "my-project");
    assert_eq!(server.gateway_ids(), ["gw-1", "gw-2"]);
    assert_eq!(server.connection_count("gw-1"), Some(6));
    assert_eq!(server.connection_count("nope"), None);
    assert_eq!(server.credentials().project_id(), Some("my-project"));
    assert_eq!(
        server.connections_url("gw-1"),
        format!(
            "{}/v5/my-project/p2c-vpn-gateways/gw-1/connections",
            server.base_url()
        )
    );
    let debug = format!("{server:?}");
    assert!(!debug.contains(p2c_vpn_mock::DEFAULT_SECRET_KEY), "{debug}");
}

#[test]
fn usable_outside_tokio_test() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(MockServer::start()).unwrap();
    let url = server.connections_url(&server.gateway_ids()[0]);
    let status =
        runtime.block_on(async { common::http().get(&url).send().await.unwrap().status() });
    assert_eq!(status, 401);
    drop(server);
}
