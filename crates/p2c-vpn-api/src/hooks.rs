//! `ClientHooks` for every generated client: signing in `pre`, the retry loop in `exec`.
//!
//! Each spec in `openapi/` generates its own `Client` type; `generated/mod.rs` (written by
//! `cargo xtask regen`) invokes [`client_hooks!`] once per client, so all of them share the
//! one implementation below. The impls must live in this crate (the orphan rule), and
//! `HooksMode::Expected` in the xtask makes a missing one a compile error rather than a
//! silently unsigned request.

use std::time::Instant;

use bytes::Bytes;
use progenitor_client::{ClientInfo, Error, OperationInfo};
use reqwest::{Request, Response, ResponseBuilderExt as _};
use tracing::Instrument as _;

use crate::{ClientState, ResponseLimits, RetryConfig, report};

/// Implements `ClientHooks<ClientState>` for a generated client by calling [`pre`] and
/// [`exec`]; used by the generated `mod.rs`.
macro_rules! client_hooks {
    ($client:ty) => {
        impl ::progenitor_client::ClientHooks<crate::ClientState> for $client {
            async fn pre<E>(
                &self,
                request: &mut ::reqwest::Request,
                info: &::progenitor_client::OperationInfo,
            ) -> ::std::result::Result<(), ::progenitor_client::Error<E>> {
                crate::hooks::pre(self, request, info)
            }

            async fn exec(
                &self,
                request: ::reqwest::Request,
                info: &::progenitor_client::OperationInfo,
            ) -> ::reqwest::Result<::reqwest::Response> {
                crate::hooks::exec(self, request, info).await
            }
        }
    };
}
pub(crate) use client_hooks;

/// Authenticates `request` with the client's credentials (no-op without any).
/// Called for the first attempt by `pre` and again, with a fresh date, for each retry.
fn authenticate(state: &ClientState, request: &mut Request) -> Result<(), crate::auth::SignError> {
    let Some(auth) = state.auth() else {
        return Ok(());
    };
    // reqwest exposes no split borrow of method/url/headers; the clones are small.
    let method = request.method().clone();
    let url = request.url().clone();
    let body = request
        .body()
        .and_then(|b| b.as_bytes())
        .map(Bytes::copy_from_slice)
        .unwrap_or_default();
    auth.apply(&method, &url, request.headers_mut(), &body)
}

/// Why an attempt is worth repeating, if it is.
fn retry_reason(outcome: &reqwest::Result<Response>) -> Option<&'static str> {
    match outcome {
        Ok(r) if RetryConfig::is_retryable_status(r.status()) => Some("retryable status"),
        Ok(_) => None,
        Err(e) if e.is_timeout() => Some("timeout"),
        // An untrusted certificate stays untrusted: asking again only repeats the exposure.
        Err(e) if crate::certificate_problem(e).is_some() => None,
        Err(e) if e.is_connect() => Some("connect error"),
        // A body cut off mid-way (connection reset) surfaces as a body/decode error here,
        // because `send_once` reads the whole body before the generated code sees it.
        Err(e) if e.is_body() || e.is_decode() || e.is_request() => Some("transport error"),
        Err(_) => None,
    }
}

/// One attempt: send, then read the whole body (within the [`ResponseLimits`]) so a
/// connection dropped mid-body is a retryable failure of this attempt rather than a decode
/// error after the loop. A body past a limit is not retried: the response is handed on with
/// a body that fails with [`LimitExceeded`](crate::LimitExceeded), which the generated code
/// reports as a body error.
async fn send_once(
    http: &reqwest::Client,
    request: Request,
    limits: &ResponseLimits,
) -> reqwest::Result<Response> {
    let mut response = http.execute(request).await?;
    let status = response.status();
    let version = response.version();
    let headers = response.headers().clone();
    let url = response.url().clone();
    let mut extensions = std::mem::take(response.extensions_mut());
    let body =
        match limits.read(&mut response).await? {
            Ok(bytes) => reqwest::Body::from(bytes),
            Err(exceeded) => reqwest::Body::wrap_stream(futures::stream::once(async move {
                Err::<Bytes, _>(exceeded)
            })),
        };
    drop(response);
    let mut rebuilt = http::Response::new(body);
    *rebuilt.status_mut() = status;
    *rebuilt.version_mut() = version;
    *rebuilt.headers_mut() = headers;
    // `Response::from(http::Response)` takes its URL from an extension that only reqwest's
    // `ResponseBuilderExt::url` can set; without it the URL would be a placeholder.
    if let Some(with_url) = http::Response::builder().url(url).extensions_mut() {
        extensions.extend(std::mem::take(with_url));
    }
    *rebuilt.extensions_mut() = extensions;
    Ok(Response::from(rebuilt))
}

/// `ClientHooks::pre`: signs the first attempt.
#[allow(
    clippy::result_large_err,
    reason = "the error type of ClientHooks::pre, fixed by progenitor"
)]
pub(crate) fn pre<C, E>(
    client: &C,
    request: &mut Request,
    _info: &OperationInfo,
) -> Result<(), Error<E>>
where
    C: ClientInfo<ClientState>,
{
    authenticate(client.inner(), request)
        .map_err(|e| Error::Custom(format!("cannot authenticate request: {e}")))
}

/// `ClientHooks::exec`: the one retry loop.
pub(crate) async fn exec<C>(
    client: &C,
    request: Request,
    info: &OperationInfo,
) -> reqwest::Result<Response>
where
    C: ClientInfo<ClientState>,
{
    let state = client.inner();
    let policy = state.retry().clone();
    let attempt_timeout = state.attempt_timeout();
    let mut request = request;
    let mut attempt: u32 = 1;
    loop {
        if let Some(timeout) = attempt_timeout {
            *request.timeout_mut() = Some(timeout);
        }
        // Keep a copy for the next attempt before this one consumes the request.
        let next = (attempt < policy.max_attempts())
            .then(|| request.try_clone())
            .flatten();
        let span = tracing::debug_span!(
            "attempt",
            operation = info.operation_id,
            attempt,
            status = tracing::field::Empty,
            request_id = tracing::field::Empty,
            elapsed_ms = tracing::field::Empty,
        );
        // Counted when sent, so an operation timeout during this attempt still counts it.
        report::record(|r| r.attempts = attempt);
        let started = Instant::now();
        let outcome = send_once(client.client(), request, state.limits())
            .instrument(span.clone())
            .await;
        span.record("elapsed_ms", started.elapsed().as_millis() as u64);
        // The report describes the last attempt only: a transport failure after an
        // earlier 503 must not be reported with that 503's status or request id.
        report::record(|r| match &outcome {
            Ok(response) => {
                r.status = Some(response.status());
                r.headers = response.headers().clone();
                r.body_bytes = response.content_length().unwrap_or(0);
            }
            Err(_) => {
                r.status = None;
                r.headers.clear();
                r.body_bytes = 0;
            }
        });
        if let Ok(response) = &outcome {
            span.record("status", response.status().as_u16());
            if let Some(id) = crate::params::request_id(response.headers()) {
                span.record("request_id", id);
            }
        }
        let (Some(reason), Some(mut next)) = (retry_reason(&outcome), next) else {
            return outcome;
        };
        let delay = policy.delay_after(attempt, outcome.as_ref().ok().map(Response::headers));
        tracing::debug!(
            parent: &span,
            reason,
            delay_ms = delay.as_millis() as u64,
            "retrying"
        );
        tokio::time::sleep(delay).await;
        // Re-sign after the wait (a long Retry-After must not age the date out of the
        // gateway's skew window); the previous Authorization is replaced, not kept.
        // Signing this same request already succeeded once, so failure here is not
        // expected; if it happens, the last real outcome is the honest answer.
        if authenticate(state, &mut next).is_err() {
            return outcome;
        }
        drop(outcome);
        request = next;
        attempt += 1;
    }
}
