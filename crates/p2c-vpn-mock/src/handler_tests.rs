//! Unit tests of `handler.rs`: routing and paging rules.
#![allow(clippy::unwrap_used)]
use super::*;

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
