//! Error bodies, decode failures and input validation: the right kind, code, message and
//! request ID, never a panic, never a secret.

use crate::common;

use common::{GATEWAY, builder, client, connection};
use p2c_vpn::{ErrorKind, RetryConfig};
use serde_json::json;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn respond(template: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(template)
        .mount(&server)
        .await;
    server
}

async fn fail(template: ResponseTemplate) -> p2c_vpn::Error {
    let server = respond(template).await;
    builder(&server)
        .retry(RetryConfig::disabled())
        .build()
        .expect("client")
        .connections(GATEWAY)
        .send()
        .await
        .expect_err("must fail")
}

#[tokio::test]
async fn each_huawei_error_body_form_gives_code_message_and_request_id() {
    let cases = [
        (
            401,
            json!({"error_code": "APIGW.0301", "error_msg": "Incorrect IAM authentication information", "request_id": "body-rid"}),
            None,
            ErrorKind::Unauthorized,
            "APIGW.0301",
            "Incorrect IAM authentication information",
            Some("body-rid"),
        ),
        (
            400,
            json!({"error_code": "VPN.0001", "error_msg": "invalid limit", "request_id": "body-rid"}),
            Some("header-rid"),
            ErrorKind::Service,
            "VPN.0001",
            "invalid limit",
            Some("header-rid"),
        ),
        (
            404,
            json!({"code": "VPN.0004", "message": "The P2C VPN gateway does not exist."}),
            Some("h404"),
            ErrorKind::Service,
            "VPN.0004",
            "The P2C VPN gateway does not exist.",
            Some("h404"),
        ),
        (
            403,
            json!({"error": {"code": "IAM.0011", "message": "no permission"}}),
            None,
            ErrorKind::Unauthorized,
            "IAM.0011",
            "no permission",
            None,
        ),
    ];
    for (status, body, header_id, kind, code, message, request_id) in cases {
        let mut template = ResponseTemplate::new(status).set_body_json(body);
        if let Some(id) = header_id {
            template = template.insert_header("x-request-id", id);
        }
        let err = fail(template).await;
        assert_eq!(err.kind(), kind, "{err}");
        assert_eq!(err.status().map(|s| s.as_u16()), Some(status));
        assert_eq!(err.error_code(), Some(code));
        assert_eq!(err.error_message(), message);
        assert_eq!(err.request_id(), request_id);
        let line = err.to_string();
        assert!(
            line.starts_with(&format!("HTTP {status} {code}: {message}")),
            "{line}"
        );
        assert!(!line.contains('\n'));
    }
}

#[tokio::test]
async fn truncated_json_is_a_decode_error() {
    let err = fail(ResponseTemplate::new(200).set_body_raw(
        r#"{"connections":[{"connection_id":"10293371-114e"#,
        "application/json",
    ))
    .await;
    assert_eq!(err.kind(), ErrorKind::Decode, "{err}");
    assert!(
        err.to_string().contains("cannot decode the response"),
        "{err}"
    );
}

#[tokio::test]
async fn an_html_200_is_a_decode_error() {
    let err =
        fail(ResponseTemplate::new(200).set_body_raw("<html>login</html>", "text/html")).await;
    assert_eq!(err.kind(), ErrorKind::Decode, "{err}");
    assert!(err.to_string().contains("<html>login</html>"), "{err}");
}

#[tokio::test]
async fn a_wrong_field_type_names_the_field() {
    let mut bad = connection(0);
    bad["inbound_bytes"] = json!("lots");
    let err = fail(
        ResponseTemplate::new(200)
            .set_body_json(json!({"connections": [connection(1), bad], "total_count": 2})),
    )
    .await;
    assert_eq!(err.kind(), ErrorKind::Decode);
    assert!(
        err.to_string().contains("connections[1].inbound_bytes"),
        "{err}"
    );
}

#[tokio::test]
async fn unknown_fields_are_accepted_and_big_counters_round_trip() {
    let mut c = connection(0);
    c["brand_new_field"] = json!({"nested": [1, 2, 3]});
    c["inbound_bytes"] = json!(1i64 << 62);
    let server = respond(ResponseTemplate::new(200).set_body_json(
        json!({"connections": [c], "total_count": 1, "request_id": "r", "also_new": true}),
    ))
    .await;
    let page = client(&server)
        .connections(GATEWAY)
        .send()
        .await
        .expect("ok");
    assert_eq!(page.connections[0].inbound_bytes(), Some(1u64 << 62));
}

#[tokio::test]
async fn hostile_ids_are_rejected_before_any_request() {
    let server = respond(ResponseTemplate::new(200)).await;
    let client = client(&server);
    for id in [
        "",
        "../../other",
        "gw?limit=1",
        "gw#x",
        "gw%2F",
        "g w",
        "gw\n",
        "gw\u{7f}",
    ] {
        let err = client.connections(id).send().await.expect_err(id);
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{id:?}: {err}");
        let err = client.connections(id).collect_all().await.expect_err(id);
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{id:?}: {err}");
    }
    assert!(
        server
            .received_requests()
            .await
            .expect("recording")
            .is_empty()
    );
}

#[tokio::test]
async fn out_of_range_limits_are_rejected_before_any_request() {
    let server = respond(ResponseTemplate::new(200)).await;
    let client = client(&server);
    for limit in [0, u32::MAX] {
        let err = client
            .connections(GATEWAY)
            .limit(limit)
            .send()
            .await
            .expect_err("range");
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
    }
    let err = client
        .connections(GATEWAY)
        .offset(u32::MAX)
        .send()
        .await
        .expect_err("range");
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(
        server
            .received_requests()
            .await
            .expect("recording")
            .is_empty()
    );
}

#[tokio::test]
async fn debug_and_errors_show_no_secret_and_no_client_ip() {
    let mut c = connection(0);
    c["client_ip"] = json!("198.51.100.23");
    let server = respond(
        ResponseTemplate::new(200).set_body_json(json!({"connections": [c], "total_count": 1})),
    )
    .await;
    let client = client(&server);
    let page = client.connections(GATEWAY).send().await.expect("ok");
    let shown = format!("{client:?} {page:?}");
    assert!(!shown.contains("TESTSK-secret"), "{shown}");
    assert!(!shown.contains("198.51.100.23"), "{shown}");
    assert_eq!(
        page.connections[0].client_ip(),
        Some("198.51.100.23".parse().expect("ip"))
    );
    let err = fail(ResponseTemplate::new(401)).await;
    let shown = format!("{err} {err:?}");
    assert!(
        !shown.contains("TESTSK-secret") && !shown.contains("Signature="),
        "{shown}"
    );
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let elsewhere = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"connections": []})))
        .mount(&elsewhere)
        .await;
    let err = fail(
        ResponseTemplate::new(302).insert_header("location", format!("{}/steal", elsewhere.uri())),
    )
    .await;
    assert_eq!(err.status().map(|s| s.as_u16()), Some(302), "{err}");
    assert!(
        elsewhere
            .received_requests()
            .await
            .expect("recording")
            .is_empty()
    );
}
