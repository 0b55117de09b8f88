//! Bulk disconnect: plans, outcomes, what is sent.

use std::time::Duration;

use futures::StreamExt as _;
use p2c_vpn_mock::{Fault, Operation, StatusCode};
use p2c_vpn_runtime::disconnect::{self, Outcome, Summary, Target};
use p2c_vpn_runtime::select::{ConnectionId, Selector};

use crate::{client, mock};

const LONG: Duration = Duration::from_secs(10);

/// The disconnect requests the server received: their paths.
fn posts(server: &p2c_vpn_mock::MockServer) -> Vec<String> {
    server
        .requests()
        .into_iter()
        .filter(|r| r.operation == Some(Operation::DeleteP2cVgwConnection))
        .map(|r| r.path)
        .collect()
}

async fn run(plan: &disconnect::Plan, client: &p2c_vpn::Client) -> Vec<Outcome> {
    plan.execute(client, disconnect::DEFAULT_CONCURRENCY)
        .map(|r| r.outcome)
        .collect()
        .await
}

#[tokio::test]
async fn a_plan_is_a_dry_run_named_by_the_gateway_id() {
    let server = mock().await;
    let client = client(&server, 3, LONG);
    let listed = client.connections("office").collect_all().await.unwrap();
    let user = listed[0].user_name().unwrap().to_owned();
    let expected = listed
        .iter()
        .filter(|c| c.user_name() == Some(&user))
        .count();

    let plan = disconnect::plan(&client, "office", &Selector::new().user(&user))
        .await
        .unwrap();
    assert_eq!(plan.gateway_id(), "gw-office");
    assert_eq!(plan.gateway_name(), Some("office"));
    assert_eq!(plan.listed(), 12);
    assert_eq!(plan.targets().len(), expected);
    assert_eq!(plan.to_send(), expected);
    assert!(posts(&server).is_empty(), "planning sends no disconnect");
    assert_eq!(server.connection_count("gw-office"), Some(12));
}

#[tokio::test]
async fn disconnected_then_already_gone() {
    let server = mock().await;
    let client = client(&server, 3, LONG);
    let plan = disconnect::plan(&client, "lab", &Selector::all())
        .await
        .unwrap();
    assert_eq!(plan.targets().len(), 3);
    let outcomes = run(&plan, &client).await;
    let mut summary = Summary::default();
    for o in &outcomes {
        assert!(
            matches!(
                o,
                Outcome::Disconnected {
                    request_id: Some(_)
                }
            ),
            "{o:?}"
        );
        summary.add(o);
    }
    assert_eq!((summary.disconnected, summary.failed), (3, 0));
    assert_eq!(server.connection_count("gw-lab"), Some(0));
    let paths = posts(&server);
    assert_eq!(paths.len(), 3);
    assert!(
        paths
            .iter()
            .all(|p| p.contains("/p2c-vpn-gateways/gw-lab/")),
        "{paths:?}"
    );

    // The same plan again: the service says they are gone.
    let again = run(&plan, &client).await;
    assert!(
        again
            .iter()
            .all(|o| matches!(o, Outcome::AlreadyGone { .. })),
        "{again:?}"
    );
    assert!(again.iter().all(|o| !o.is_failure()));
}

#[tokio::test]
async fn ids_are_sent_as_written() {
    let server = mock().await;
    let client = client(&server, 3, LONG);
    let listed = client.connections("lab").collect_all().await.unwrap();
    let upper: ConnectionId = listed[0]
        .connection_id()
        .unwrap()
        .hyphenated()
        .to_string()
        .to_uppercase()
        .parse()
        .unwrap();
    let plan = disconnect::plan(
        &client,
        "lab",
        &Selector::new().connection_id(upper.clone()),
    )
    .await
    .unwrap();
    assert_eq!(plan.targets().len(), 1);
    assert_eq!(plan.targets()[0].id(), Some(&upper));
    let outcomes = run(&plan, &client).await;
    assert!(
        matches!(outcomes[0], Outcome::Disconnected { .. }),
        "{outcomes:?}"
    );
    let paths = posts(&server);
    assert!(
        paths[0].ends_with(&format!("/connections/{}/disconnect", upper.as_str())),
        "{paths:?}"
    );
}

#[tokio::test]
async fn unlisted_ids_are_sent_only_when_ids_are_the_only_criterion() {
    let server = mock().await;
    let client = client(&server, 3, LONG);
    let stranger: ConnectionId = "0b6a6c2d-9e11-4e0a-9f51-2c3a47e25b7d".parse().unwrap();

    let alone = disconnect::plan(
        &client,
        "lab",
        &Selector::new().connection_id(stranger.clone()),
    )
    .await
    .unwrap();
    assert!(matches!(
        &alone.targets()[0],
        Target::Unlisted { send: true, .. }
    ));
    let outcomes = run(&alone, &client).await;
    assert!(
        matches!(outcomes[0], Outcome::AlreadyGone { .. }),
        "{outcomes:?}"
    );
    assert_eq!(posts(&server).len(), 1);

    let with_user = Selector::new().connection_id(stranger).user("nobody");
    let plan = disconnect::plan(&client, "lab", &with_user).await.unwrap();
    assert_eq!(plan.to_send(), 0);
    let outcomes = run(&plan, &client).await;
    assert!(matches!(outcomes[0], Outcome::NotListed), "{outcomes:?}");
    assert!(!outcomes[0].is_failure());
    assert_eq!(posts(&server).len(), 1, "nothing more sent");
}

#[tokio::test]
async fn a_connection_without_an_id_cannot_be_disconnected() {
    let server = mock().await;
    let client = client(&server, 3, LONG);
    let mut nameless = p2c_vpn::api::Connection::default();
    nameless.client_user_name = Some("alice".to_owned());
    let listing = vec![p2c_vpn::Connection::from(nameless)];
    let plan = disconnect::plan_from(
        "gw-lab".to_owned(),
        None,
        &listing,
        &Selector::new().user("alice"),
    );
    assert_eq!((plan.targets().len(), plan.to_send()), (1, 0));
    let outcomes = run(&plan, &client).await;
    assert!(matches!(outcomes[0], Outcome::NoId), "{outcomes:?}");
    assert!(outcomes[0].is_failure());
    assert_eq!(
        outcomes[0].to_string(),
        "cannot disconnect: the service gave no ID"
    );
    assert!(posts(&server).is_empty());
}

#[tokio::test]
async fn a_refused_request_fails_with_its_error() {
    let server = mock().await;
    let client = client(&server, 3, LONG);
    let plan = disconnect::plan(&client, "lab", &Selector::all())
        .await
        .unwrap();
    server.faults().always(Fault::Status(StatusCode::FORBIDDEN));
    let outcomes = run(&plan, &client).await;
    server.faults().clear();
    for o in &outcomes {
        let Outcome::Failed(e) = o else {
            panic!("{o:?}")
        };
        assert_eq!(e.status(), Some(StatusCode::FORBIDDEN));
        assert!(o.to_string().starts_with("failed: "), "{o}");
    }
    assert_eq!(server.connection_count("gw-lab"), Some(3));
}

#[tokio::test]
async fn a_lost_answer_is_outcome_unknown_not_a_plain_failure() {
    let server = mock().await;
    // One attempt, cut short: the mock applies the disconnect and never answers.
    let client = client(&server, 1, Duration::from_millis(300));
    let listed = client.connections("lab").collect_all().await.unwrap();
    let id = listed[0].connection_id().unwrap();
    let plan = disconnect::plan(&client, "lab", &Selector::new().connection_id(id))
        .await
        .unwrap();
    server.faults().push(Fault::AppliedThenHang);
    let outcomes = run(&plan, &client).await;
    assert!(
        matches!(&outcomes[0], Outcome::Unknown { error: Some(_) }),
        "{outcomes:?}"
    );
    assert!(outcomes[0].is_failure());
    assert!(outcomes[0].to_string().starts_with("outcome unknown: "));
    assert_eq!(server.connection_count("gw-lab"), Some(2), "it was applied");
}

/// `p2c_vpn::Client::disconnect` says when its 404 came after a retry
/// (`Disconnected::Unconfirmed`): the first attempt may have been the one that did it.
#[tokio::test]
async fn a_retry_that_gets_404_is_never_already_gone() {
    let server = mock().await;
    let client = client(&server, 3, LONG);
    let plan = disconnect::plan(&client, "lab", &Selector::all())
        .await
        .unwrap();
    // The first attempt is applied but answered 503; the retry gets 404.
    server
        .faults()
        .push(Fault::AppliedThenStatus(StatusCode::SERVICE_UNAVAILABLE));
    let outcomes = run(&plan, &client).await;
    assert!(
        !outcomes
            .iter()
            .any(|o| matches!(o, Outcome::AlreadyGone { .. })),
        "{outcomes:?}"
    );
    assert!(
        outcomes[0].to_string().starts_with("outcome unknown"),
        "{outcomes:?}"
    );
}

#[tokio::test]
async fn masked_addresses_say_why_nothing_matched() {
    let server = p2c_vpn_mock::MockServer::builder()
        .gateway_named("gw-lab", "lab", 3)
        .masked_ips(true)
        .start()
        .await
        .unwrap();
    let client = client(&server, 3, LONG);
    let listed = client.connections("lab").collect_all().await.unwrap();
    let shown = listed[0].as_api().client_ip.clone().unwrap();
    assert!(p2c_vpn_runtime::select::is_masked(&shown), "{shown}");

    let real = Selector::new().client_ip(
        shown
            .replace("***", "1")
            .parse::<p2c_vpn_runtime::select::ClientIp>()
            .unwrap(),
    );
    let plan = disconnect::plan(&client, "lab", &real).await.unwrap();
    assert!(plan.targets().is_empty());
    assert!(plan.masked_mismatch());

    let as_printed =
        Selector::new().client_ip(shown.parse::<p2c_vpn_runtime::select::ClientIp>().unwrap());
    let plan = disconnect::plan(&client, "lab", &as_printed).await.unwrap();
    let expected = listed
        .iter()
        .filter(|c| c.as_api().client_ip.as_deref() == Some(&shown))
        .count();
    assert_eq!(plan.targets().len(), expected);
    assert!(!plan.masked_mismatch());
}
