//! The last step of every answer: damaging faults applied to the body, headers set.

use axum::body::Body;
use axum::response::Response;
use bytes::Bytes;
use http::HeaderValue;
use http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use std::time::Duration;

use super::{Reply, X_REQUEST_ID};
use crate::faults::Fault;

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
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(reply.content_type));
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
