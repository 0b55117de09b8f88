//! Unit tests of `handler.rs`: routing and paging rules, and the latency fault on paused time.
#![allow(clippy::unwrap_used)]
use super::*;
use std::time::Duration;

#[test]
fn routes() {
    let conns = |project: &str, gateway: &str| Route::ListConnections {
        project: project.to_owned(),
        gateway: gateway.to_owned(),
    };
    let r = route(&Method::GET, "/v5/p/p2c-vpn-gateways/g%20x/connections");
    assert_eq!(r, Some(conns("p", "g x")));
    assert_eq!(
        route(&Method::POST, "/v5/p/p2c-vpn-gateways/g/connections"),
        None
    );
    assert_eq!(
        route(&Method::GET, "/v5/p/p2c-vpn-gateways/g/connections/"),
        None
    );
    assert_eq!(
        route(&Method::GET, "/v5//p2c-vpn-gateways/g/connections"),
        None
    );
    assert_eq!(
        route(&Method::GET, "/v5/p/p2c-vpn-gateways/%FF%FE/connections")
            .and_then(|r| r.project().map(str::to_owned)),
        Some("p".to_owned())
    );
    assert_eq!(
        route(&Method::GET, "/v5/p/p2c-vpn-gateways"),
        Some(Route::ListGateways {
            project: "p".to_owned()
        })
    );
    assert_eq!(route(&Method::GET, "/v5/p/p2c-vpn-gateways/"), None);
    assert_eq!(
        route(&Method::GET, "/v5/p/p2c-vpn-gateways/g"),
        Some(Route::ShowGateway {
            project: "p".to_owned(),
            gateway: "g".to_owned()
        })
    );
    assert_eq!(route(&Method::DELETE, "/v5/p/p2c-vpn-gateways/g"), None);
    for method in [Method::GET, Method::PUT, Method::DELETE] {
        let r = route(&method, "/v5/p/p2c-vpn-gateways/g%20x/log-config");
        assert_eq!(
            r,
            Some(Route::LogConfig {
                project: "p".to_owned(),
                gateway: "g x".to_owned(),
                method: method.clone()
            })
        );
        assert_eq!(
            r.map(|r| r.operation().as_str()),
            Some(match method {
                Method::GET => "ShowVpnConnectionsLogConfig",
                Method::PUT => "UpdateVpnConnectionsLogConfig",
                _ => "DeleteVpnConnectionsLogConfig",
            })
        );
    }
    assert_eq!(
        route(&Method::POST, "/v5/p/p2c-vpn-gateways/g/log-config"),
        None
    );
    assert_eq!(
        route(&Method::GET, "/v5/p/p2c-vpn-gateways/g/log-config/x"),
        None
    );
    assert_eq!(
        route(
            &Method::POST,
            "/v5/p/p2c-vpn-gateways/g/connections/c/disconnect"
        ),
        Some(Route::Disconnect {
            project: "p".to_owned(),
            gateway: "g".to_owned(),
            connection: "c".to_owned()
        })
    );
    assert_eq!(
        route(
            &Method::GET,
            "/v5/p/p2c-vpn-gateways/g/connections/c/disconnect"
        ),
        None
    );
    assert_eq!(
        route(&Method::POST, "/v5/p/p2c-vpn-gateways/g/connections/c"),
        None
    );
    assert_eq!(
        route(&Method::GET, "/v3/projects"),
        Some(Route::IamProjects)
    );
    assert_eq!(route(&Method::POST, "/v3/projects"), None);
    assert_eq!(route(&Method::GET, "/v3/projects/"), None);
    assert_eq!(route(&Method::GET, "/v5/p/other/g/connections"), None);
}

#[test]
fn gateway_paging_rules() {
    assert_eq!(gateway_paging(None), Ok((None, None)));
    assert_eq!(gateway_paging(Some("limit=3&marker=")), Ok((Some(3), None)));
    let (_, marker) = gateway_paging(Some("marker=2024-06-17T02%3A10%3A21.285Z")).unwrap();
    assert_eq!(
        marker.map(|m| m.timestamp_millis()),
        Some(1_718_590_221_285)
    );
    assert!(gateway_paging(Some("marker=yesterday")).is_err());
    assert!(gateway_paging(Some("limit=0")).is_err());
    assert!(gateway_paging(Some("marker=2024-06-17")).is_err());
}

#[test]
fn paging_rules() {
    assert_eq!(paging(None), Ok((0, None)));
    assert_eq!(paging(Some("limit=10&offset=20")), Ok((20, Some(10))));
    assert!(paging(Some("limit=0")).is_err());
    assert!(paging(Some("limit=abc")).is_err());
    assert!(paging(Some("offset=-1")).is_err());
    assert!(paging(Some("limit=99999999999999999999")).is_err());
    assert!(paging(Some("limit=")).is_err());
    assert_eq!(paging(Some("limit=5&limit=7&x=1")), Ok((0, Some(5))));
}

/// Polls `call` once, without waiting.
fn poll_once<F: std::future::Future + Unpin>(call: &mut F) -> std::task::Poll<F::Output> {
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    std::pin::Pin::new(call).poll(&mut cx)
}

/// The latency faults on paused time, the handler called in process (no socket, so
/// nothing but the fault's own sleep waits): the answer is held exactly the latency set
/// (`set_latency`), plus a queued `Fault::Latency` for one request, then served normally.
#[tokio::test(start_paused = true)]
async fn latency_holds_the_answer_for_exactly_the_latency_set() {
    let server = crate::MockServer::builder()
        .gateway("gw", 30)
        .require_signature(false)
        .start()
        .await
        .unwrap();
    let shared = Arc::clone(&server.shared);
    let path = format!(
        "/v5/{}/p2c-vpn-gateways/gw/connections",
        server.project_id()
    );
    let request = || {
        http::Request::get(path.as_str())
            .header(HOST, "127.0.0.1")
            .body(axum::body::Body::empty())
            .unwrap()
    };
    // Held for `held`, answered 200 at that instant and not a tick before.
    let check = |held: Duration| {
        let shared = Arc::clone(&shared);
        let request = request();
        async move {
            let mut call = Box::pin(handle(State(shared), request));
            assert!(poll_once(&mut call).is_pending(), "held {held:?}");
            tokio::time::advance(held - Duration::from_millis(1)).await;
            assert!(
                poll_once(&mut call).is_pending(),
                "answered before the {held:?} latency"
            );
            tokio::time::advance(Duration::from_millis(1)).await;
            match poll_once(&mut call) {
                std::task::Poll::Ready(response) => assert_eq!(response.status(), StatusCode::OK),
                std::task::Poll::Pending => panic!("still held after {held:?}"),
            }
        }
    };
    server.faults().set_latency(Duration::from_millis(150));
    check(Duration::from_millis(150)).await;
    // A queued latency adds to the one set, for one request.
    server
        .faults()
        .push(Fault::Latency(Duration::from_millis(100)));
    check(Duration::from_millis(250)).await;
    assert_eq!(server.faults().pending(), 0);
    server.faults().set_latency(Duration::ZERO);
    server
        .faults()
        .push(Fault::Latency(Duration::from_millis(100)));
    check(Duration::from_millis(100)).await;
    // Without latency, answered on the first poll.
    let mut call = Box::pin(handle(State(Arc::clone(&shared)), request()));
    assert!(poll_once(&mut call).is_ready());
}
