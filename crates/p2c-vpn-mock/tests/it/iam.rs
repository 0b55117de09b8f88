//! IAM `GET /v3/projects?name=REGION` (KeystoneListProjects), on the mock's base URL.
#![allow(clippy::unwrap_used)]
use crate::common;

use p2c_vpn_api::iam::types::KeystoneListProjectsResponse;
use p2c_vpn_mock::{MockServer, Operation};

async fn projects(server: &MockServer, name: &str) -> KeystoneListProjectsResponse {
    common::iam_with(server, common::creds_without_project())
        .keystone_list_projects()
        .name(name)
        .send()
        .await
        .unwrap()
        .into_inner()
}

fn iam_requests(server: &MockServer) -> usize {
    server
        .requests()
        .iter()
        .filter(|r| r.operation == Some(Operation::KeystoneListProjects))
        .count()
}

#[tokio::test]
async fn the_region_has_the_mock_project() {
    let server = MockServer::start().await.unwrap();
    assert_eq!(server.region(), "cn-north-4");
    let body = projects(&server, "cn-north-4").await;
    assert_eq!(body.projects.len(), 1);
    let project = &body.projects[0];
    assert_eq!(project.id.as_deref(), Some(server.project_id()));
    assert_eq!(project.name.as_deref(), Some("cn-north-4"));
    assert_eq!(project.domain_id.as_deref(), Some(server.domain_id()));
    assert_eq!(project.parent_id.as_deref(), Some(server.domain_id()));
    assert_eq!(project.enabled, Some(true));
    assert_eq!(project.is_domain, Some(false));
    assert_eq!(
        project.links.as_ref().unwrap().self_,
        Some(format!(
            "{}/v3/projects/{}",
            server.base_url(),
            server.project_id()
        ))
    );
    assert_eq!(
        body.links.unwrap().self_,
        Some(format!("{}/v3/projects?name=cn-north-4", server.base_url()))
    );

    // As the official SDK sends it: signed, no X-Project-Id.
    let recorded = server.requests().pop().unwrap();
    assert_eq!(recorded.path, "/v3/projects");
    assert_eq!(recorded.operation, Some(Operation::KeystoneListProjects));
    assert!(recorded.operation.unwrap().is_iam());
    assert!(recorded.header("x-project-id").is_none());
    assert!(recorded.header("authorization").is_some());
    assert_eq!(iam_requests(&server), 1);
}

#[tokio::test]
async fn raw_body_and_trace_id() {
    let server = MockServer::builder()
        .region("eu-west-101")
        .start()
        .await
        .unwrap();
    let response = common::get_signed_with(
        &server,
        common::creds_without_project(),
        "/v3/projects?name=eu-west-101",
    )
    .await
    .unwrap();
    assert_eq!(response.status(), 200);
    let trace = response.headers()["x-iam-trace-id"].to_str().unwrap();
    assert_eq!(trace.len(), 32);
    assert!(trace.chars().all(|c| c.is_ascii_hexdigit()));
    let body = common::json(response).await;
    let project = &body["projects"][0];
    assert_eq!(project["name"], "eu-west-101");
    assert_eq!(project["description"], "");
    assert_eq!(body["links"]["next"], serde_json::Value::Null);
    assert_eq!(body["projects"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn another_region_has_no_project() {
    let server = MockServer::start().await.unwrap();
    assert!(
        projects(&server, "ap-southeast-1")
            .await
            .projects
            .is_empty()
    );
    let body = common::json(
        common::get_signed_with(
            &server,
            common::creds_without_project(),
            "/v3/projects?name=ap-southeast-1",
        )
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(body["projects"], serde_json::json!([]));
    assert_eq!(iam_requests(&server), 2);
}

#[tokio::test]
async fn zero_or_two_projects_when_configured() {
    let none = MockServer::builder()
        .iam_projects(Vec::<String>::new())
        .start()
        .await
        .unwrap();
    assert!(none.iam_project_ids().is_empty());
    assert!(projects(&none, "cn-north-4").await.projects.is_empty());

    let two = MockServer::builder()
        .region("ap-southeast-3")
        .iam_projects([
            "0a1b2c3d4e5f60718293a4b5c6d7e8f9",
            "f9e8d7c6b5a4938271605f4e3d2c1b0a",
        ])
        .start()
        .await
        .unwrap();
    let ids: Vec<_> = projects(&two, "ap-southeast-3")
        .await
        .projects
        .into_iter()
        .map(|p| p.id.unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "0a1b2c3d4e5f60718293a4b5c6d7e8f9",
            "f9e8d7c6b5a4938271605f4e3d2c1b0a"
        ]
    );
    assert!(projects(&two, "cn-north-4").await.projects.is_empty());
}

#[tokio::test]
async fn unsigned_or_badly_signed_is_401() {
    let server = MockServer::start().await.unwrap();
    let response = common::http()
        .get(format!("{}/v3/projects?name=cn-north-4", server.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let body = common::json(response).await;
    assert_eq!(body["error_code"], "APIGW.0301");
    assert!(body["request_id"].is_string());

    let wrong = p2c_vpn_auth::Credentials::new(p2c_vpn_mock::DEFAULT_ACCESS_KEY, "not-the-sk");
    let result = common::iam_with(&server, wrong)
        .keystone_list_projects()
        .name("cn-north-4")
        .send()
        .await;
    match result {
        Err(p2c_vpn_api::iam::Error::ErrorResponse(e)) => {
            assert_eq!(e.status(), 401);
            assert_eq!(e.error_code.as_deref(), Some("APIGW.0301"));
        }
        other => panic!("expected 401, got {other:?}"),
    }
    assert_eq!(iam_requests(&server), 2);
}

#[tokio::test]
async fn signed_with_a_project_header_is_accepted_too() {
    let server = MockServer::start().await.unwrap();
    let response = common::get_signed(&server, "/v3/projects?name=cn-north-4").await;
    assert_eq!(response.status(), 200);
    let body = common::json(response).await;
    assert_eq!(body["projects"][0]["id"], server.project_id());
}

#[tokio::test]
async fn other_iam_paths_are_404_apigw_0101() {
    let server = MockServer::start().await.unwrap();
    for path in [
        "/v3/projects/",
        "/v3/auth/projects",
        "/v3.0/OS-CREDENTIAL/credentials",
    ] {
        let response = common::get_signed_with(&server, common::creds_without_project(), path)
            .await
            .unwrap();
        assert_eq!(response.status(), 404, "{path}");
        assert_eq!(common::json(response).await["error_code"], "APIGW.0101");
    }
    assert_eq!(iam_requests(&server), 0);
    assert!(server.requests().iter().all(|r| r.operation.is_none()));
}
