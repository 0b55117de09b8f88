//! Fault injection: what a misbehaving service, gateway or network does to a request.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http::StatusCode;

/// One way for the mock to misbehave on a request.
///
/// Faults are queued with [`Faults::push`] (each consumed by one request, in order) or
/// set for every request with [`Faults::always`]. A queued fault wins over the
/// `always` one for the request that takes it. Every request that reaches the server
/// (any path, any method) takes the next queued fault.
///
/// The first group answers *instead of* the service, before authentication (as a gateway
/// or proxy in front of it would): [`Status`](Fault::Status),
/// [`TooManyRequests`](Fault::TooManyRequests), [`HtmlBadGateway`](Fault::HtmlBadGateway),
/// [`Hang`](Fault::Hang). [`Latency`](Fault::Latency) delays, then serves normally.
/// [`TruncatedJson`](Fault::TruncatedJson) and [`ResetMidBody`](Fault::ResetMidBody)
/// damage whatever response the request gets (success or error).
/// [`IgnoreOffset`](Fault::IgnoreOffset) and [`WrongFieldType`](Fault::WrongFieldType)
/// change a successful answer only (a request that fails anyway still consumes them).
/// [`AppliedThenStatus`](Fault::AppliedThenStatus) and
/// [`AppliedThenHang`](Fault::AppliedThenHang) serve the request, then replace or withhold
/// the answer.
///
/// Every operation takes faults the same way: the VPN ones (list and show gateways, list
/// connections, disconnect) and IAM's project lookup.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Waits this long before handling the request (in addition to
    /// [`Faults::set_latency`]), then serves it normally.
    Latency(Duration),
    /// Answers with this status and a JSON error body
    /// `{"error_code":…,"error_msg":…,"request_id":…}` (`VPN.0002` for 5xx).
    Status(StatusCode),
    /// Answers 429 with `Retry-After: <retry_after_secs>` and an API gateway throttling
    /// body (`APIGW.0308`).
    TooManyRequests {
        /// The `Retry-After` value, in seconds.
        retry_after_secs: u64,
    },
    /// Answers 502 with an HTML page (`Content-Type: text/html`), as a proxy would.
    HtmlBadGateway,
    /// Sends only the first half of the JSON body, with a matching `Content-Length`:
    /// valid HTTP whose body does not parse.
    TruncatedJson,
    /// Declares the full `Content-Length`, sends half of the body, then drops the
    /// connection: the client gets a body (transport) error.
    ResetMidBody,
    /// Never answers (until the server shuts down, when the connection is dropped); for
    /// client timeout tests.
    Hang,
    /// Ignores `offset` (connections) or `marker` (gateways) and always returns the first
    /// page, like a buggy server.
    IgnoreOffset,
    /// Handles the request as usual (a disconnect is applied), then answers with this
    /// status and a JSON error body instead of the real answer: the service did the work
    /// but the caller hears a failure, so a retry of a disconnect then gets 404.
    AppliedThenStatus(StatusCode),
    /// Handles the request as usual (a disconnect is applied), then never answers (until
    /// the server shuts down): an answer lost on the way, for "outcome unknown" tests.
    AppliedThenHang,
    /// Writes one field of a successful body with the wrong JSON type: `inbound_bytes` of
    /// every returned connection and `max_connection_number` of every gateway (list and
    /// show) as strings (`"4185"`), `enabled` of every IAM project as a string, and the
    /// disconnect's `request_id` as a number.
    WrongFieldType,
}

#[derive(Debug, Default)]
struct State {
    queue: VecDeque<Fault>,
    always: Option<Fault>,
    latency: Duration,
}

/// Handle to a server's fault injection, settable at runtime (cheap to clone; all clones
/// control the same server). Get it from [`MockServer::faults`](crate::MockServer::faults).
#[derive(Debug, Clone, Default)]
pub struct Faults {
    state: Arc<Mutex<State>>,
}

/// What one request gets: the fault it took (if any) and the added latency.
#[derive(Debug)]
pub(crate) struct Taken {
    pub(crate) fault: Option<Fault>,
    pub(crate) latency: Duration,
}

impl Faults {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues `fault`; queued faults are taken one per request, in order.
    pub fn push(&self, fault: Fault) -> &Self {
        self.lock().queue.push_back(fault);
        self
    }

    /// Queues `fault` for the next `n` requests.
    pub fn push_n(&self, fault: Fault, n: usize) -> &Self {
        let mut state = self.lock();
        state.queue.extend(std::iter::repeat_n(fault, n));
        self
    }

    /// Fails the next `n` requests with `status` and a JSON error body
    /// (shorthand for [`push_n`](Self::push_n)`(Fault::Status(status), n)`).
    pub fn fail_next(&self, n: usize, status: StatusCode) -> &Self {
        self.push_n(Fault::Status(status), n)
    }

    /// Applies `fault` to every request without a queued one, until
    /// [`clear`](Self::clear) or [`never`](Self::never).
    pub fn always(&self, fault: Fault) -> &Self {
        self.lock().always = Some(fault);
        self
    }

    /// Removes the fault set by [`always`](Self::always).
    pub fn never(&self) -> &Self {
        self.lock().always = None;
        self
    }

    /// Delays every request by `latency` (zero to stop).
    pub fn set_latency(&self, latency: Duration) -> &Self {
        self.lock().latency = latency;
        self
    }

    /// Removes all queued faults, the `always` fault and the latency.
    pub fn clear(&self) -> &Self {
        *self.lock() = State::default();
        self
    }

    /// Number of queued faults not yet consumed.
    pub fn pending(&self) -> usize {
        self.lock().queue.len()
    }

    /// Takes what the next request gets.
    pub(crate) fn take(&self) -> Taken {
        let mut state = self.lock();
        let fault = state.queue.pop_front().or_else(|| state.always.clone());
        Taken {
            fault,
            latency: state.latency,
        }
    }
}
