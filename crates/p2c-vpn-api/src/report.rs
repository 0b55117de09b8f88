//! What happened on the wire during one generated call, kept beside the typed result.
//!
//! The generated code turns a non-JSON error body (say an HTML 502 from a proxy) into
//! `Error::InvalidResponsePayload`, which has no status and no headers. The `exec` hook
//! records them here, in a task-local scope opened by [`with_report`], so the caller can
//! still report the status, the `X-Request-Id` and how many attempts were made.
//!
//! Why a task-local and not a value: progenitor 0.15 decides the shape of every error
//! (`InvalidResponsePayload(Bytes, serde_json::Error)` has no status or headers), and the
//! only way to get the raw response back as a value, declaring error bodies untyped, would
//! drop the specs' description of Huawei's error body forms. So the channel stays, with
//! these rules:
//!
//! - Outside a [`with_report`] scope the hooks record nothing (and cost nothing). A direct
//!   user of the generated clients who wants status and attempts for every failure must
//!   wrap the call: `with_report(client.show_p2c_vgw()...send())`. The `p2c-vpn` crate does
//!   this for every call it makes (in one function).
//! - An attempt is counted when it is sent, and the status and headers of each response
//!   are recorded as it arrives, so a scope opened *outside* a timeout still holds them
//!   after the timeout drops the call.

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
    /// Attempts sent (1 when the first one was final), counting one still in flight.
    pub attempts: u32,
    /// Status of the last completed attempt's response (`None` if it failed before one
    /// arrived, or none has completed yet).
    pub status: Option<StatusCode>,
    /// Headers of the last completed attempt's response.
    pub headers: HeaderMap,
    /// Bytes of the last completed attempt's response body (read in full within the
    /// response limits before it is handed on), for callers that cap what a listing of
    /// many pages may receive in all.
    pub body_bytes: u64,
}

impl CallReport {
    /// The `X-Request-Id` response header of the last attempt, if any.
    pub fn request_id(&self) -> Option<&str> {
        crate::params::request_id(&self.headers)
    }
}

/// Runs `call` (typically a generated `.send()`) and returns its output together with the
/// [`CallReport`] the client's hooks filled in while it ran.
///
/// `call` may be wrapped in a timeout: the report then still says how many attempts were
/// made and what the last response was.
///
/// ```
/// # async fn run(client: &p2c_vpn_api::Client) {
/// use std::time::Duration;
/// let (outcome, report) = p2c_vpn_api::with_report(tokio::time::timeout(
///     Duration::from_secs(30),
///     client.list_p2c_vgws().project_id("0123456789abcdef0123456789abcdef").send(),
/// ))
/// .await;
/// if outcome.is_err() {
///     eprintln!("timed out after {} attempts", report.attempts);
/// }
/// # }
/// ```
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
