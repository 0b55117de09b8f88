//! A gateway's log configuration: the requests on the wire (method, path, JSON body,
//! signature) and how each answer reads.

use crate::common;

use common::{GATEWAY, PROJECT, client};
use p2c_vpn::{ErrorKind, LogConfig, Setting};
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const GROUP: &str = "05c4052d-8d14-488f-aa00-19fea5a25fdd";
const STREAM: &str = "d9d85143-e1e1-427a-9994-d8b8fd9ebe3f";

fn log_config_path(gateway: &str) -> String {
    format!("/v5/{PROJECT}/p2c-vpn-gateways/{gateway}/log-config")
}

fn config() -> LogConfig {
    LogConfig::new(GROUP, STREAM).expect("valid IDs")
}

fn answer(body: serde_json::Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

#[tokio::test]
async fn show_is_a_signed_get_and_reads_the_ids() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(log_config_path(GATEWAY)))
        .respond_with(answer(json!({
            "log_config": {"log_group_id": GROUP, "log_stream_id": STREAM},
            "request_id": "2ddd2f6107a8164ce6f6268bd991e57c"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let shown = client(&server).log_config(GATEWAY).await.expect("shown");
    assert_eq!(shown, Some(config()));
    let requests = server.received_requests().await.expect("recorded");
    assert!(requests[0].headers.contains_key("authorization"), "signed");
    assert!(requests[0].body.is_empty(), "no body");
}

#[tokio::test]
async fn no_configuration_reads_as_none_and_half_of_one_is_an_error() {
    let server = MockServer::start().await;
    let cases = [
        (json!({"request_id": "r"}), Ok(None)),
        (json!({"log_config": null}), Ok(None)),
        (json!({"log_config": {}}), Ok(None)),
        (
            json!({"log_config": {"log_group_id": "", "log_stream_id": ""}}),
            Ok(None),
        ),
        (
            json!({"log_config": {"log_group_id": GROUP}}),
            Err("log_config.log_stream_id"),
        ),
        (
            json!({"log_config": {"log_stream_id": STREAM}}),
            Err("log_config.log_group_id"),
        ),
    ];
    for (body, expected) in cases {
        server.reset().await;
        Mock::given(method("GET"))
            .and(path(log_config_path(GATEWAY)))
            .respond_with(answer(body.clone()))
            .mount(&server)
            .await;
        let got = client(&server).log_config(GATEWAY).await;
        match expected {
            Ok(none) => assert_eq!(got.expect("not an error"), none, "{body}"),
            Err(field) => {
                let e = got.expect_err("half a configuration");
                assert_eq!(e.kind(), ErrorKind::Decode, "{body}");
                assert!(e.to_string().contains(field), "{e}");
            }
        }
    }
}

#[tokio::test]
async fn set_puts_the_doc_body_and_returns_the_answer() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path(log_config_path(GATEWAY)))
        .and(header("content-type", "application/json"))
        // Exactly the doc's example request body.
        .and(body_json(json!({
            "log_config": {"log_group_id": GROUP, "log_stream_id": STREAM}
        })))
        .respond_with(answer(json!({
            "log_config": {"log_group_id": GROUP, "log_stream_id": STREAM},
            "request_id": "b19ba5a0be8f7b7f664b14596f8f35db"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let set = client(&server)
        .set_log_config(GATEWAY, &config())
        .await
        .expect("set");
    assert_eq!(set, config());
    let requests = server.received_requests().await.expect("recorded");
    let sent: serde_json::Value = serde_json::from_slice(&requests[0].body).expect("JSON");
    assert_eq!(
        sent.as_object().map(|o| o.len()),
        Some(1),
        "nothing but log_config: {sent}"
    );
    assert!(requests[0].headers.contains_key("authorization"), "signed");
}

#[tokio::test]
async fn set_without_an_echo_returns_what_was_sent_and_is_retried() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path(log_config_path(GATEWAY)))
        .respond_with(ResponseTemplate::new(503).set_body_json(json!({
            "error_code": "VPN.0002", "error_msg": "busy"
        })))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(log_config_path(GATEWAY)))
        .respond_with(answer(json!({"request_id": "r"})))
        .mount(&server)
        .await;
    let set = client(&server)
        .set_log_config(GATEWAY, &config())
        .await
        .expect("set on the retry");
    assert_eq!(set, config());
    let requests = server.received_requests().await.expect("recorded");
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].body, requests[1].body, "the same body again");
}

#[tokio::test]
async fn delete_is_a_bodiless_delete_and_any_success_will_do() {
    let server = MockServer::start().await;
    for response in [
        ResponseTemplate::new(204),
        answer(json!({"request_id": "r"})),
    ] {
        server.reset().await;
        Mock::given(method("DELETE"))
            .and(path(log_config_path(GATEWAY)))
            .respond_with(response)
            .expect(1)
            .mount(&server)
            .await;
        client(&server)
            .delete_log_config(GATEWAY)
            .await
            .expect("deleted");
        let requests = server.received_requests().await.expect("recorded");
        assert!(requests[0].body.is_empty(), "no body");
        assert!(requests[0].headers.contains_key("authorization"), "signed");
    }

    server.reset().await;
    Mock::given(method("DELETE"))
        .and(path(log_config_path(GATEWAY)))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({
            "code": "VPN.0004", "message": "The resource does not exist."
        })))
        .mount(&server)
        .await;
    let e = client(&server)
        .delete_log_config(GATEWAY)
        .await
        .expect_err("unknown gateway");
    assert_eq!(e.status().map(|s| s.as_u16()), Some(404));
}

#[tokio::test]
async fn a_gateway_name_is_resolved_to_its_id() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/v5/{PROJECT}/p2c-vpn-gateways")))
        .respond_with(answer(json!({
            "p2c_vpn_gateways": [{"id": GATEWAY, "name": "office"}],
            "total_count": 1
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(log_config_path(GATEWAY)))
        .respond_with(answer(json!({"request_id": "r"})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path(log_config_path(GATEWAY)))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server);
    client
        .set_log_config("office", &config())
        .await
        .expect("set");
    // The name is remembered: no second listing.
    client.delete_log_config("office").await.expect("deleted");
}

#[tokio::test]
async fn bad_ids_are_refused_before_any_request() {
    for (group, stream) in [
        ("", STREAM),
        (GROUP, ""),
        ("a b", STREAM),
        (GROUP, "x\u{1b}[31m"),
        ("../x", STREAM),
    ] {
        let e = LogConfig::new(group, stream).expect_err("refused");
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert_eq!(e.setting(), Some(Setting::LogConfig));
    }
    for text in ["", "no-colon", ":stream", "group:"] {
        let e = text.parse::<LogConfig>().expect_err(text);
        assert_eq!(e.setting(), Some(Setting::LogConfig), "{text}");
    }
    let parsed: LogConfig = format!("{GROUP}:{STREAM}").parse().expect("parses");
    assert_eq!(parsed, config());
    assert_eq!(parsed.to_string(), format!("{GROUP}:{STREAM}"));
    assert_eq!(
        serde_json::to_value(&parsed).expect("encodes"),
        json!({"log_group_id": GROUP, "log_stream_id": STREAM})
    );

    let server = MockServer::start().await;
    let e = client(&server)
        .log_config("bad/gateway")
        .await
        .expect_err("refused");
    assert_eq!(e.setting(), Some(Setting::Gateway));
    assert!(
        server
            .received_requests()
            .await
            .expect("recorded")
            .is_empty()
    );
}
