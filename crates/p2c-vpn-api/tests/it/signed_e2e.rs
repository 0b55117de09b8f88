//! End to end: the generated client, through its hooks, sends requests that a loopback
//! server accepts only if `p2c_vpn_auth::verify` says the signature is valid.

use std::time::{Duration, SystemTime};

use p2c_vpn_api::auth::{Auth, Credentials, DEFAULT_MAX_SKEW, SecretString, verify};
use p2c_vpn_api::{Client, ClientState, RetryConfig, with_report};
use wiremock::{Match, Mock, MockServer, Request, ResponseTemplate};

const AK: &str = "E2EACCESSKEY";
const SK: &str = "e2e-secret-key";

/// Matches only requests whose AK/SK signature verifies.
struct SignedWith(&'static str);

impl Match for SignedWith {
    fn matches(&self, request: &Request) -> bool {
        verify(
            &request.method,
            request.url.path(),
            request.url.query(),
            &request.headers,
            &request.body,
            |ak| (ak == AK).then(|| SecretString::from(self.0.to_owned())),
            SystemTime::now(),
            DEFAULT_MAX_SKEW,
        )
        .is_ok()
    }
}

async fn server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(SignedWith(SK))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "connections": [], "total_count": 0, "request_id": "ok"
        })))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(401).set_body_json(serde_json::json!({
            "error_code": "APIGW.0301", "error_msg": "Incorrect IAM authentication information"
        })))
        .with_priority(2)
        .mount(&server)
        .await;
    server
}

fn client(server: &MockServer, sk: &str, token: Option<&str>) -> Client {
    let mut credentials = Credentials::new(AK, sk).with_project_id("proj");
    if let Some(token) = token {
        credentials = credentials.with_security_token(token);
    }
    let state = ClientState::new()
        .with_auth(Auth::aksk(credentials))
        .with_retry(RetryConfig::disabled());
    Client::new_with_client(&server.uri(), reqwest::Client::new(), state)
}

#[tokio::test]
async fn signed_requests_are_accepted_by_a_verifying_server() {
    let server = server().await;
    for token in [None, Some("temporary-security-token")] {
        let response = client(&server, SK, token)
            .list_p2c_vgw_connections()
            .project_id("proj")
            .p2c_vgw_id("gw-1")
            .limit(10u32)
            .offset(20)
            .send()
            .await
            .expect("signature verified");
        assert_eq!(response.into_inner().request_id.as_deref(), Some("ok"));
    }
    let requests = server.received_requests().await.expect("recording");
    let with_token = &requests[1];
    assert!(
        with_token
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("x-security-token")),
        "the security token is a signed header"
    );
}

#[tokio::test]
async fn a_wrong_secret_is_rejected_by_the_server() {
    let server = server().await;
    let err = client(&server, "not-the-secret", None)
        .list_p2c_vgw_connections()
        .project_id("proj")
        .p2c_vgw_id("gw-1")
        .send()
        .await
        .expect_err("401");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
}

#[tokio::test]
async fn retried_attempts_are_signed_afresh_and_verify() {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(SignedWith(SK))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({})))
        .with_priority(2)
        .mount(&server)
        .await;
    let state = ClientState::new()
        .with_auth(Auth::aksk(Credentials::new(AK, SK)))
        .with_retry(
            RetryConfig::default()
                .with_base_delay(Duration::from_millis(1100))
                .with_max_delay(Duration::from_millis(1100)),
        );
    let client = Client::new_with_client(&server.uri(), reqwest::Client::new(), state);
    let (result, report) = with_report(
        client
            .list_p2c_vgw_connections()
            .project_id("proj")
            .p2c_vgw_id("gw-1")
            .send(),
    )
    .await;
    result.expect("second attempt verified");
    assert_eq!(report.attempts, 2);
    let requests = server.received_requests().await.expect("recording");
    let auth: Vec<_> = requests
        .iter()
        .map(|r| r.headers.get("authorization").cloned())
        .collect();
    assert_eq!(auth.len(), 2);
    assert_eq!(
        requests[0].headers.get_all("authorization").iter().count(),
        1
    );
    assert_eq!(
        requests[1].headers.get_all("authorization").iter().count(),
        1,
        "the previous Authorization is replaced, not kept"
    );
    if requests[0].headers.get("x-sdk-date") != requests[1].headers.get("x-sdk-date") {
        assert_ne!(auth[0], auth[1], "a new date gives a new signature");
    }
}
