//! The library against the offline mock of the whole service (gateways, connections,
//! disconnect, IAM): what a user's program does, end to end, with real signatures.

use p2c_vpn::{Client, Disconnected, ErrorKind, RetryConfig};
use p2c_vpn_mock::{MockServer, MockServerBuilder, Operation};

fn client_for(server: &MockServer, with_project: bool) -> Client {
    // The mock's own credentials carry its project ID; without one, the same AK/SK alone.
    let credentials = if with_project {
        server.credentials()
    } else {
        p2c_vpn::Credentials::new(
            p2c_vpn_mock::DEFAULT_ACCESS_KEY,
            p2c_vpn_mock::DEFAULT_SECRET_KEY,
        )
    };
    let builder = Client::builder()
        .endpoint(server.base_url())
        .region(server.region())
        .iam_endpoint(server.base_url())
        .credentials(credentials)
        .retry(RetryConfig::disabled());
    builder.build().expect("client builds")
}

async fn start(configure: impl FnOnce(MockServerBuilder) -> MockServerBuilder) -> MockServer {
    configure(MockServer::builder())
        .start()
        .await
        .expect("mock starts")
}

fn count(server: &MockServer, op: Operation) -> usize {
    server
        .requests()
        .iter()
        .filter(|r| r.operation == Some(op))
        .count()
}

#[tokio::test]
async fn gateways_over_three_marker_pages_and_names_resolved() {
    let server = start(|mut b| {
        for i in 0..7 {
            b = b.gateway_named(format!("gw-{i}"), format!("office-{}", i % 6), i + 1);
        }
        b
    })
    .await;
    let client = client_for(&server, true);
    let all = client
        .gateways()
        .limit(3)
        .collect_all()
        .await
        .expect("lists");
    assert_eq!(all.len(), 7);
    assert_eq!(
        count(&server, Operation::ListP2cVgws),
        3,
        "pages of 3, 3, 1"
    );
    let mut ids: Vec<_> = all.iter().filter_map(|g| g.id()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 7, "no duplicates");

    // Unique name → its gateway, with the live count.
    let g = client.gateway("office-3").await.expect("unique name");
    assert_eq!(g.id(), Some("gw-3"));
    assert_eq!(g.current_connections(), Some(4));
    // office-0 is the name of gw-0 and gw-6.
    let err = client.gateway("office-0").await.expect_err("ambiguous");
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(
        err.to_string().contains("gw-0") && err.to_string().contains("gw-6"),
        "{err}"
    );
    let err = client.gateway("nope").await.expect_err("missing");
    assert!(err.to_string().contains("office-1"), "{err}");
}

#[tokio::test]
async fn disconnect_then_list_and_disconnect_again() {
    let server = start(|b| b.gateway_named("gw-d", "dev", 5)).await;
    let client = client_for(&server, true);
    let before = client
        .connections("dev")
        .collect_all()
        .await
        .expect("lists");
    assert_eq!(before.len(), 5);
    let victim = before[2].connection_id().expect("id").to_string();

    let outcome = client
        .disconnect(
            "dev",
            victim
                .parse::<p2c_vpn::ConnectionId>()
                .expect("a connection ID"),
        )
        .await
        .expect("disconnects");
    assert!(
        matches!(
            outcome,
            Disconnected::Disconnected {
                request_id: Some(_)
            }
        ),
        "{outcome:?}"
    );
    let after = client
        .connections("gw-d")
        .collect_all()
        .await
        .expect("lists");
    assert_eq!(after.len(), 4);
    assert!(
        after
            .iter()
            .all(|c| c.connection_id().map(|u| u.to_string()) != Some(victim.clone()))
    );
    assert_eq!(
        client
            .gateway("gw-d")
            .await
            .expect("show")
            .current_connections(),
        Some(4)
    );

    // Again: the connection is already gone; an unknown one likewise.
    let again = client
        .disconnect(
            "gw-d",
            victim
                .parse::<p2c_vpn::ConnectionId>()
                .expect("a connection ID"),
        )
        .await
        .expect("not a failure");
    assert!(
        matches!(again, Disconnected::AlreadyGone { .. }),
        "{again:?}"
    );
    let unknown = client
        .disconnect(
            "gw-d",
            "00000000-0000-4000-8000-000000000000"
                .parse::<p2c_vpn::ConnectionId>()
                .expect("a connection ID"),
        )
        .await
        .expect("not a failure");
    assert!(matches!(unknown, Disconnected::AlreadyGone { .. }));
    // An unknown gateway (by ID) is an error.
    let err = client
        .disconnect(
            "7b000000-0000-4000-8000-000000000000",
            victim
                .parse::<p2c_vpn::ConnectionId>()
                .expect("a connection ID"),
        )
        .await
        .expect_err("no such gateway");
    assert_eq!(err.error_code(), Some("VPN.0004"));
}

#[tokio::test]
async fn the_project_is_looked_up_once_for_a_hundred_calls() {
    let server = start(|b| b.gateway("5f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0", 3)).await;
    let client = client_for(&server, false);
    let gateway = server.gateway_ids()[0].clone();
    let calls = (0..100).map(|_| {
        let client = client.clone();
        let gateway = gateway.clone();
        async move { client.connections(gateway).send().await }
    });
    let results = futures::future::join_all(calls).await;
    assert!(results.iter().all(Result::is_ok));
    assert_eq!(client.project_id(), Some(server.project_id()));
    assert_eq!(count(&server, Operation::KeystoneListProjects), 1);
    assert_eq!(count(&server, Operation::ListP2cVgwConnections), 100);
}

#[tokio::test]
async fn zero_or_two_projects_are_errors() {
    for ids in [vec![], vec!["p-one".to_owned(), "p-two".to_owned()]] {
        let n = ids.len();
        let server = start(|b| b.iam_projects(ids)).await;
        let err = client_for(&server, false)
            .project()
            .await
            .expect_err("not exactly one");
        let msg = err.to_string();
        assert!(msg.contains(&format!("{n} projects")), "{msg}");
        assert!(
            msg.contains(server.region()) && msg.contains("X-IAM-Trace-Id"),
            "{msg}"
        );
    }
}

#[tokio::test]
async fn log_config_show_set_delete_by_name_with_real_signatures() {
    let server = start(|b| b.gateway_named("gw-office", "office", 2)).await;
    let client = client_for(&server, true);
    assert_eq!(client.log_config("office").await.expect("shown"), None);

    let config: p2c_vpn::LogConfig =
        "05c4052d-8d14-488f-aa00-19fea5a25fdd:d9d85143-e1e1-427a-9994-d8b8fd9ebe3f"
            .parse()
            .expect("parses");
    let set = client.set_log_config("office", &config).await.expect("set");
    assert_eq!(set, config);
    assert_eq!(
        server.log_config("gw-office"),
        Some((
            config.log_group_id().to_owned(),
            config.log_stream_id().to_owned()
        ))
    );
    assert_eq!(
        client.log_config("office").await.expect("shown"),
        Some(config)
    );

    client.delete_log_config("office").await.expect("deleted");
    assert_eq!(server.log_config("gw-office"), None);
    assert_eq!(client.log_config("gw-office").await.expect("shown"), None);

    assert_eq!(count(&server, Operation::ShowVpnConnectionsLogConfig), 3);
    assert_eq!(count(&server, Operation::UpdateVpnConnectionsLogConfig), 1);
    assert_eq!(count(&server, Operation::DeleteVpnConnectionsLogConfig), 1);
    // The name was resolved once, by one listing.
    assert_eq!(count(&server, Operation::ListP2cVgws), 1);

    let e = client
        .set_log_config(
            "no-such-gateway",
            &p2c_vpn::LogConfig::new("g", "s").expect("valid"),
        )
        .await
        .expect_err("unknown gateway");
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    let e = client
        .delete_log_config("5d2c5c8e-0000-4000-8000-000000000000")
        .await
        .expect_err("unknown gateway ID");
    assert_eq!(e.status().map(|s| s.as_u16()), Some(404), "{e}");
}
