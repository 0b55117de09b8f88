//! What happened on the wire during one generated call, kept beside the typed result.
//!
//! The generated code turns a non-JSON error body (say an HTML 502 from a proxy) into
//! `Error::InvalidResponsePayload`, which has no status and no headers. The `exec` hook
//! records them here, in a task-local scope opened by [`with_report`], so the caller can
//! still report the status, the `X-Request-Id` and how many attempts were made.

use std::cell::RefCell;
use std::future::Future;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

tokio::task_local! {
    static CURRENT: RefCell<CallReport>;
}

/// The raw facts of one call: attempts made, and the status and headers of the last
/// attempt (empty when that attempt got no response).
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct CallReport {
    /// Attempts sent (1 when the first one was final).
    pub attempts: u32,
    /// Status of the last attempt's response (`None` if it failed before one arrived).
    pub status: Option<StatusCode>,
    /// Headers of the last attempt's response.
    pub headers: HeaderMap,
}

impl CallReport {
    /// The `X-Request-Id` response header of the last attempt, if any.
    pub fn request_id(&self) -> Option<&str> {
        self.headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
    }
}

/// Runs `call` (typically a generated `.send()`) and returns its output together with the
/// [`CallReport`] the client's hooks filled in while it ran.
pub async fn with_report<F: Future>(call: F) -> (F::Output, CallReport) {
    CURRENT
        .scope(RefCell::new(CallReport::default()), async {
            let output = call.await;
            let report = CURRENT.with(|r| r.take());
            (output, report)
        })
        .await
}

/// Updates the current report, if the call runs inside [`with_report`].
pub(crate) fn record(update: impl FnOnce(&mut CallReport)) {
    let _ = CURRENT.try_with(|r| update(&mut r.borrow_mut()));
}
