//! Answers: [`Reply`], a response before faults that damage bodies are applied, and the
//! last step of every answer ([`finish`]): those faults applied to the body, headers set.

use std::time::Duration;

use axum::body::Body;
use axum::response::Response;
use bytes::Bytes;
use http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use http::{HeaderName, HeaderValue, StatusCode};
use p2c_vpn_api::types::ApiError;

use super::X_REQUEST_ID;
use crate::faults::Fault;

const JSON: &str = "application/json;charset=UTF-8";

/// A response before faults that damage bodies are applied.
pub(super) struct Reply {
    pub(super) status: StatusCode,
    pub(super) content_type: &'static str,
    pub(super) headers: Vec<(HeaderName, HeaderValue)>,
    pub(super) body: Bytes,
}

impl Reply {
    pub(super) fn json(status: StatusCode, body: Vec<u8>) -> Self {
        Self {
            status,
            content_type: JSON,
            headers: Vec::new(),
            body: Bytes::from(body),
        }
    }

    /// No body and no `Content-Type` (a 204).
    pub(super) fn empty(status: StatusCode) -> Self {
        Self {
            status,
            content_type: "",
            headers: Vec::new(),
            body: Bytes::new(),
        }
    }

    /// `{"error_code":…,"error_msg":…,"request_id":…}`: the VPN v5 and API gateway form.
    pub(super) fn error(
        status: StatusCode,
        code: &str,
        msg: impl Into<String>,
        request_id: &str,
    ) -> Self {
        let mut body = ApiError::default();
        body.error_code = Some(code.to_owned());
        body.error_msg = Some(msg.into());
        body.request_id = Some(request_id.to_owned());
        Self::json(status, serde_json::to_vec(&body).unwrap_or_default())
    }

    /// `{"code":…,"message":…}`: the form of the VPN error-code page (no request id).
    pub(super) fn code_message(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        let mut body = ApiError::default();
        body.code = Some(code.to_owned());
        body.message = Some(message.into());
        Self::json(status, serde_json::to_vec(&body).unwrap_or_default())
    }
}

/// A body that sends `data`, then fails after a short pause (so what was sent is
/// flushed first): the connection is dropped mid-body.
fn resetting_body(data: Bytes) -> Body {
    let first = futures::stream::iter([Ok::<Bytes, std::io::Error>(data)]);
    let fail = futures::stream::once(async {
        tokio::time::sleep(Duration::from_millis(20)).await;
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "p2c-vpn-mock: injected connection reset",
        ))
    });
    Body::from_stream(futures::StreamExt::chain(first, fail))
}

pub(super) fn finish(reply: Reply, fault: Option<&Fault>, request_id: &str) -> Response {
    let full_len = reply.body.len();
    let (body, content_length) = match fault {
        Some(Fault::TruncatedJson) => {
            let cut = reply.body.slice(..full_len / 2);
            let len = cut.len();
            (Body::from(cut), Some(len))
        }
        Some(Fault::ResetMidBody) => (
            resetting_body(reply.body.slice(..full_len / 2)),
            Some(full_len),
        ),
        _ => (Body::from(reply.body), None),
    };
    let mut response = Response::new(body);
    *response.status_mut() = reply.status;
    let headers = response.headers_mut();
    if !reply.content_type.is_empty() {
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(reply.content_type));
    }
    if let Some(len) = content_length {
        headers.insert(CONTENT_LENGTH, HeaderValue::from(len));
    }
    if let Ok(v) = HeaderValue::from_str(request_id) {
        headers.insert(X_REQUEST_ID, v);
    }
    for (name, value) in reply.headers {
        headers.insert(name, value);
    }
    response
}
