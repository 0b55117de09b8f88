//! The project ID looked up through IAM when none is given: 1, 0 and 2 projects, the
//! environment override of the IAM endpoint, one lookup per client however many calls.

use std::time::Duration;

use crate::common::{self, GATEWAY, PROJECT};
use p2c_vpn::{Client, Credentials, ErrorKind, RetryConfig};
use serde_json::{Value, json};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn projects(ids: &[&str]) -> Value {
    json!({
        "projects": ids.iter().map(|id| json!({
            "id": id, "name": "cn-north-4", "domain_id": "d", "enabled": true,
            "is_domain": false, "parent_id": "d", "description": ""
        })).collect::<Vec<_>>(),
        "links": {"self": "https://iam.example/v3/projects", "next": null, "previous": null}
    })
}

async fn iam(server: &MockServer, ids: &[&str]) {
    Mock::given(method("GET"))
        .and(path("/v3/projects"))
        .and(query_param("name", "cn-north-4"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-iam-trace-id", "trace-77")
                .set_body_json(projects(ids)),
        )
        .mount(server)
        .await;
}

async fn connections(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path(common::path()))
        .respond_with(ResponseTemplate::new(200).set_body_json(common::page(0..1, 1)))
        .mount(server)
        .await;
}

/// No project ID anywhere: credentials without one, the region names it.
fn builder(vpn: &MockServer, iam: &MockServer) -> p2c_vpn::ClientBuilder {
    Client::builder()
        .endpoint(vpn.uri())
        .region("cn-north-4")
        .iam_endpoint(iam.uri())
        .credentials(Credentials::new("TESTAK", "TESTSK-secret"))
        .retry(RetryConfig::disabled())
}

#[tokio::test]
async fn one_project_is_looked_up_once_for_a_hundred_calls() {
    let (vpn, iam_server) = (MockServer::start().await, MockServer::start().await);
    iam(&iam_server, &[PROJECT]).await;
    connections(&vpn).await;
    let client = builder(&vpn, &iam_server).build().expect("builds");
    assert_eq!(
        client.project_id(),
        None,
        "not looked up before the first call"
    );

    // Concurrent first calls share one lookup; later calls reuse it.
    let first: Vec<_> =
        futures::future::join_all((0..10).map(|_| client.connections(GATEWAY).send())).await;
    assert!(first.iter().all(Result::is_ok), "{first:?}");
    for _ in 0..90 {
        client.connections(GATEWAY).send().await.expect("lists");
    }
    assert_eq!(client.project_id(), Some(PROJECT));
    assert_eq!(
        iam_server
            .received_requests()
            .await
            .expect("recorded")
            .len(),
        1
    );
    assert_eq!(vpn.received_requests().await.expect("recorded").len(), 100);

    // The lookup is signed with the AK/SK and carries no X-Project-Id; VPN calls sign the
    // looked-up project.
    let lookup = &iam_server.received_requests().await.expect("recorded")[0];
    assert!(lookup.headers.contains_key("authorization"));
    assert!(!lookup.headers.contains_key("x-project-id"));
    let call = &vpn.received_requests().await.expect("recorded")[0];
    assert_eq!(
        call.headers
            .get("x-project-id")
            .and_then(|v| v.to_str().ok()),
        Some(PROJECT)
    );
    let signed = call
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(signed.contains("x-project-id"), "{signed}");
}

#[tokio::test]
async fn zero_projects_is_an_error_naming_region_count_and_trace_id() {
    let (vpn, iam_server) = (MockServer::start().await, MockServer::start().await);
    iam(&iam_server, &[]).await;
    let client = builder(&vpn, &iam_server).build().expect("builds");
    let err = client.connections(GATEWAY).send().await.expect_err("none");
    assert_eq!(err.kind(), ErrorKind::Credentials);
    let msg = err.to_string();
    assert!(
        msg.contains("cn-north-4") && msg.contains("0 projects") && msg.contains("trace-77"),
        "{msg}"
    );
    assert!(vpn.received_requests().await.expect("recorded").is_empty());
    // A failed lookup is not cached: the next call tries again.
    client.project().await.expect_err("still none");
    assert_eq!(
        iam_server
            .received_requests()
            .await
            .expect("recorded")
            .len(),
        2
    );
}

#[tokio::test]
async fn two_projects_is_an_error_listing_them() {
    let (vpn, iam_server) = (MockServer::start().await, MockServer::start().await);
    iam(&iam_server, &["p-one", "p-two"]).await;
    let client = builder(&vpn, &iam_server).build().expect("builds");
    let err = client.project().await.expect_err("ambiguous");
    let msg = err.to_string();
    assert!(
        msg.contains("2 projects")
            && msg.contains("p-one")
            && msg.contains("p-two")
            && msg.contains("trace-77"),
        "{msg}"
    );
}

#[tokio::test]
async fn an_iam_error_is_mapped_like_any_other() {
    let (vpn, iam_server) = (MockServer::start().await, MockServer::start().await);
    Mock::given(method("GET"))
        .and(path("/v3/projects"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "error": {"code": 401, "message": "The request you have made requires authentication.", "title": "Unauthorized"}
        })))
        .mount(&iam_server)
        .await;
    let client = builder(&vpn, &iam_server).build().expect("builds");
    let err = client.project().await.expect_err("401");
    assert_eq!(err.kind(), ErrorKind::Unauthorized);
    assert_eq!(err.error_code(), Some("401"));
    assert!(err.to_string().contains("requires authentication"), "{err}");
}

#[tokio::test]
async fn a_given_project_makes_no_lookup_and_is_the_one_signed() {
    let (vpn, iam_server) = (MockServer::start().await, MockServer::start().await);
    connections(&vpn).await;
    // The credentials say another project (as HUAWEICLOUD_SDK_PROJECT_ID would): the
    // builder's wins, in the path and in the signed X-Project-Id.
    let client = builder(&vpn, &iam_server)
        .credentials(Credentials::new("TESTAK", "TESTSK").with_project_id("other-project"))
        .project_id(PROJECT)
        .build()
        .expect("builds");
    assert_eq!(client.project_id(), Some(PROJECT));
    client.connections(GATEWAY).send().await.expect("lists");
    let call = &vpn.received_requests().await.expect("recorded")[0];
    assert!(call.url.path().contains(PROJECT));
    assert_eq!(
        call.headers
            .get("x-project-id")
            .and_then(|v| v.to_str().ok()),
        Some(PROJECT)
    );
    assert!(
        iam_server
            .received_requests()
            .await
            .expect("recorded")
            .is_empty()
    );
}

#[tokio::test]
async fn without_project_or_region_the_error_says_what_is_missing() {
    let vpn = MockServer::start().await;
    let err = Client::builder()
        .endpoint(vpn.uri())
        .credentials(Credentials::new("AK", "SK"))
        .build()
        .expect_err("nothing to look up");
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    let msg = err.to_string();
    assert!(
        msg.contains("no project ID") && msg.contains("region"),
        "{msg}"
    );
    // A remote plain-http IAM endpoint is refused like a VPN endpoint.
    let err = Client::builder()
        .endpoint(vpn.uri())
        .region("cn-north-4")
        .iam_endpoint("http://iam.example.com")
        .credentials(Credentials::new("AK", "SK"))
        .build()
        .expect_err("plain http");
    assert!(err.to_string().contains("IAM endpoint"), "{err}");
}

/// `HUAWEICLOUD_SDK_IAM_ENDPOINT` overrides the default IAM endpoint. The environment is
/// process-wide (and setting it needs `unsafe`, which this workspace forbids), so the
/// check runs in a child process of this test binary with the variable set.
#[tokio::test]
async fn the_environment_names_the_iam_endpoint() {
    if std::env::var_os("P2C_VPN_TEST_CHILD").is_some() {
        return;
    }
    let (vpn, iam_server) = (MockServer::start().await, MockServer::start().await);
    iam(&iam_server, &[PROJECT]).await;
    let exe = std::env::current_exe().expect("test binary");
    let mut child = std::process::Command::new(exe);
    child
        .args(["--exact", "project_lookup::env_child", "--nocapture"])
        .env("P2C_VPN_TEST_CHILD", "1")
        .env("P2C_VPN_TEST_VPN", vpn.uri())
        .env(p2c_vpn::ENV_IAM_ENDPOINT, iam_server.uri());
    // The servers keep answering on this runtime while the child runs.
    let out = tokio::task::spawn_blocking(move || child.output());
    let out = tokio::time::timeout(Duration::from_secs(60), out)
        .await
        .expect("child finished")
        .expect("joined")
        .expect("child ran");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 passed"));
    assert_eq!(
        iam_server
            .received_requests()
            .await
            .expect("recorded")
            .len(),
        1
    );
}

#[tokio::test]
async fn env_child() {
    let Some(vpn) = std::env::var_os("P2C_VPN_TEST_VPN") else {
        return; // only meaningful as the child of the test above
    };
    let client = Client::builder()
        .endpoint(vpn.to_string_lossy())
        .region("cn-north-4")
        .credentials(Credentials::new("TESTAK", "TESTSK"))
        .build()
        .expect("builds");
    assert_eq!(client.project().await.expect("looked up"), PROJECT);
}
