//! Unit tests of the error type: every error body form, one-line `Display`.

use super::*;

#[test]
fn every_error_body_form_is_understood() {
    for (body, code, message) in [
        (
            r#"{"error_code":"VPN.0001","error_msg":"bad","request_id":"r1"}"#,
            "VPN.0001",
            "bad",
        ),
        (
            r#"{"code":"VPN.0004","message":"gone"}"#,
            "VPN.0004",
            "gone",
        ),
        (
            r#"{"error":{"code":"X.1","message":"nested"}}"#,
            "X.1",
            "nested",
        ),
        (
            r#"{"error_code":"APIGW.0301","error_msg":"sig","request_id":"r2"}"#,
            "APIGW.0301",
            "sig",
        ),
        (
            r#"{"error_code":301,"error_msg":"numeric"}"#,
            "301",
            "numeric",
        ),
    ] {
        let err = Error::from_raw_error(StatusCode::BAD_REQUEST, body.as_bytes(), None);
        assert_eq!(err.error_code(), Some(code), "{body}");
        assert_eq!(err.error_message(), message, "{body}");
    }
}

#[test]
fn html_bodies_keep_a_bounded_single_line_snippet() {
    let body = format!(
        "<html>\n<h1>502 Bad Gateway</h1>\n{}</html>",
        "x".repeat(2000)
    );
    let err = Error::from_raw_error(StatusCode::BAD_GATEWAY, body.as_bytes(), Some("rid"));
    assert_eq!(err.status(), Some(StatusCode::BAD_GATEWAY));
    assert!(
        err.error_message()
            .starts_with("<html> <h1>502 Bad Gateway</h1>")
    );
    assert!(err.error_message().len() <= BODY_SNIPPET_BYTES);
    assert_eq!(err.request_id(), Some("rid"));
    assert!(err.is_retryable());
    let line = err.to_string();
    assert!(
        !line.contains('\n') && line.starts_with("HTTP 502: <html>"),
        "{line}"
    );
}

/// Found by fuzzing (crates/p2c-vpn-fuzz, error_body): a JSON error message with a
/// line break or an escape sequence made `Display` several lines / colour the terminal.
#[test]
fn service_text_is_kept_on_one_line() {
    let body =
        r#"{"error_code":"VPN\n1","error_msg":"line one\nline two\u001b[31m","request_id":"r\r1"}"#;
    let err = Error::from_raw_error(StatusCode::BAD_REQUEST, body.as_bytes(), None);
    assert_eq!(err.error_message(), "line one line two [31m");
    assert_eq!(err.error_code(), Some("VPN 1"));
    assert_eq!(err.request_id(), Some("r 1"));
    let line = err.to_string();
    assert!(!line.chars().any(char::is_control), "{line:?}");
}

/// Found by fuzzing (crates/p2c-vpn-fuzz, error_body): the JSON path of a decode error
/// names body keys verbatim, here one with a carriage return.
#[test]
fn decode_errors_are_one_line() {
    let body = Bytes::from_static(b"{\"a\\rb\":\"\x01\"}");
    let e = serde_json::from_slice::<p2c_vpn_api::types::ListP2cVgwConnectionsResponse>(&body)
        .expect_err("raw control character");
    let err = Error::decode::<p2c_vpn_api::types::ListP2cVgwConnectionsResponse>(
        &body,
        e,
        Some(StatusCode::OK),
    );
    assert_eq!(err.kind(), ErrorKind::Decode);
    let line = err.to_string();
    assert!(line.contains(": a b: control character"), "{line:?}");
    assert!(!line.contains(['\n', '\r']), "{line:?}");
}

#[test]
fn display_is_one_actionable_line() {
    let err = Error::service(
        StatusCode::UNAUTHORIZED,
        Some("APIGW.0301".into()),
        "Incorrect IAM authentication information".into(),
        Some("abc".into()),
    );
    assert_eq!(err.kind(), ErrorKind::Unauthorized);
    assert_eq!(
        err.to_string(),
        "HTTP 401 APIGW.0301: Incorrect IAM authentication information (request id abc)"
    );
    assert!(!err.is_retryable());
}
