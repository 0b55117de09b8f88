//! The HTTP server: an accept loop over hyper's HTTP/1 connections, hardened against
//! clients that hold connections (issue #24).
//!
//! - **Header-read timeout**: a client must send a whole request head within
//!   `header_read_timeout` of the connection opening (or of the previous response on a
//!   kept-alive connection), however slowly it trickles bytes; then the connection is closed.
//! - **Request size**: heads over [`MAX_REQUEST_HEAD_BYTES`] get 431 (hyper's buffer cap);
//!   a request with a body gets 413 without the body being read.
//! - **Connection cap with a slot for scrapes**: at most `max_http_connections` are open. A
//!   connection accepted at the cap evicts the oldest one that has never sent a whole
//!   request (a slowloris), else the oldest one not being answered (idle keep-alive, slow
//!   reader); only when every connection is being answered is the new one closed at once.
//!   The loop always keeps accepting, so file descriptors are never held by the backlog and
//!   a scrape always reaches the server.
//! - **Slow readers**: a connection whose writes make no progress for `header_read_timeout`
//!   is closed ([`StallTimeout`]), and the `/metrics` bodies not yet handed to the socket
//!   are bounded in bytes ([`ResponseBudget`]): past it a scrape gets 503 (a lone response
//!   is always sent, whatever its size).

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{Request, Response, StatusCode, header};
use hyper::body::{Frame, Incoming, SizeHint};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::{oneshot, watch};

use crate::config::MAX_REQUEST_HEAD_BYTES;

/// Why the server closed connections, counted (`p2c_vpn_exporter_http_connections_closed_total`).
#[derive(Debug, Default)]
pub(crate) struct HttpStats {
    /// No whole request head within the header-read timeout (or an idle keep-alive).
    pub(crate) header_timeout: AtomicU64,
    /// Evicted at the cap by a newer connection.
    pub(crate) evicted: AtomicU64,
    /// Closed at once: at the cap with every connection being answered.
    pub(crate) refused: AtomicU64,
    /// A request refused for its size (431 or 413).
    pub(crate) too_large: AtomicU64,
    /// Its writes stalled (a client that does not read).
    pub(crate) write_stalled: AtomicU64,
    /// `/metrics` requests answered 503: the response budget was spent.
    pub(crate) responses_refused: AtomicU64,
}

impl HttpStats {
    /// `(reason, count)` for the metric.
    pub(crate) fn snapshot(&self) -> [(&'static str, u64); 5] {
        [
            (
                "header_timeout",
                self.header_timeout.load(Ordering::Relaxed),
            ),
            ("evicted", self.evicted.load(Ordering::Relaxed)),
            ("refused", self.refused.load(Ordering::Relaxed)),
            ("too_large", self.too_large.load(Ordering::Relaxed)),
            ("write_stalled", self.write_stalled.load(Ordering::Relaxed)),
        ]
    }
}

/// The server's settings.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    pub(crate) max_connections: usize,
    pub(crate) header_read_timeout: Duration,
    /// How long shutdown waits for the requests in progress.
    pub(crate) drain: Duration,
}

/// One open connection, as the accept loop sees it.
#[derive(Debug, Default)]
struct ConnState {
    /// Requests being answered (service calls in progress).
    busy: AtomicUsize,
    /// It has sent at least one whole request head.
    served: AtomicBool,
}

struct Slot {
    state: Arc<ConnState>,
    kill: oneshot::Sender<()>,
}

#[derive(Default)]
struct Registry {
    next: u64,
    /// By age: the smallest key is the oldest.
    open: BTreeMap<u64, Slot>,
}

impl Registry {
    /// At the cap: evicts the oldest never-served idle connection, else the oldest idle
    /// one. `false` when every connection is busy.
    fn make_room(&mut self, max: usize, stats: &HttpStats) -> bool {
        if self.open.len() < max {
            return true;
        }
        let idle = |s: &Slot| s.state.busy.load(Ordering::Acquire) == 0;
        let victim = self
            .open
            .iter()
            .find(|(_, s)| idle(s) && !s.state.served.load(Ordering::Acquire))
            .or_else(|| self.open.iter().find(|(_, s)| idle(s)))
            .map(|(id, _)| *id);
        match victim {
            Some(id) => {
                if let Some(slot) = self.open.remove(&id) {
                    let _ = slot.kill.send(());
                }
                stats.evicted.fetch_add(1, Ordering::Relaxed);
                true
            }
            None => false,
        }
    }
}

/// Serves `router` on `listener` until `shutdown` completes; then stops accepting, lets
/// the requests in progress finish (at most `limits.drain`) and closes the rest.
pub(crate) async fn serve(
    listener: tokio::net::TcpListener,
    router: axum::Router,
    limits: Limits,
    stats: Arc<HttpStats>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .max_buf_size(MAX_REQUEST_HEAD_BYTES.max(8192))
        .max_headers(64);
    let builder = Arc::new(builder);
    let registry = Arc::new(Mutex::new(Registry::default()));
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut tasks = tokio::task::JoinSet::new();
    let mut last_warning = None;
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            () = &mut shutdown => break,
            Some(_) = tasks.join_next(), if !tasks.is_empty() => continue,
            accepted = listener.accept() => accepted,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            // The client gave up before it was accepted: nothing to do.
            Err(e) if is_connection_error(&e) => continue,
            Err(e) => {
                // Out of file descriptors, most likely: free one if a connection can go,
                // and try again shortly (logged at most once a minute).
                if last_warning
                    .is_none_or(|at: tokio::time::Instant| at.elapsed() >= Duration::from_secs(60))
                {
                    tracing::warn!(error = %e, "accepting a connection failed");
                    last_warning = Some(tokio::time::Instant::now());
                }
                {
                    let mut reg = registry.lock().unwrap_or_else(|e| e.into_inner());
                    let at_cap = reg.open.len();
                    reg.make_room(at_cap, &stats);
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
        };
        let (kill_tx, kill_rx) = oneshot::channel();
        let state = Arc::new(ConnState::default());
        let id = {
            let mut reg = registry.lock().unwrap_or_else(|e| e.into_inner());
            if !reg.make_room(limits.max_connections, &stats) {
                stats.refused.fetch_add(1, Ordering::Relaxed);
                tracing::debug!("every connection is being answered: closing a new one");
                drop(stream);
                continue;
            }
            let id = reg.next;
            reg.next += 1;
            reg.open.insert(
                id,
                Slot {
                    state: Arc::clone(&state),
                    kill: kill_tx,
                },
            );
            id
        };
        let _ = stream.set_nodelay(true);
        tasks.spawn(connection(
            stream,
            router.clone(),
            Arc::clone(&builder),
            state,
            kill_rx,
            stop_rx.clone(),
            Arc::clone(&stats),
            limits.header_read_timeout,
            Closed(Arc::clone(&registry), id),
        ));
    }
    drop(listener);
    stop_tx.send_replace(true);
    let drained = tokio::time::timeout(limits.drain, async {
        while tasks.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            connections = tasks.len(),
            "requests still in progress at shutdown: closing them"
        );
        tasks.abort_all();
    }
}

/// Takes the connection out of the registry when its task ends.
struct Closed(Arc<Mutex<Registry>>, u64);

impl Drop for Closed {
    fn drop(&mut self) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .open
            .remove(&self.1);
    }
}

/// Counts a request in progress on its connection.
struct Busy(Arc<ConnState>);

impl Busy {
    fn enter(state: &Arc<ConnState>) -> Self {
        state.served.store(true, Ordering::Release);
        state.busy.fetch_add(1, Ordering::AcqRel);
        Self(Arc::clone(state))
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.busy.fetch_sub(1, Ordering::AcqRel);
    }
}

#[allow(clippy::too_many_arguments)]
async fn connection(
    stream: tokio::net::TcpStream,
    router: axum::Router,
    builder: Arc<hyper::server::conn::http1::Builder>,
    state: Arc<ConnState>,
    mut kill: oneshot::Receiver<()>,
    mut stop: watch::Receiver<bool>,
    stats: Arc<HttpStats>,
    stall: Duration,
    _closed: Closed,
) {
    let inner = TowerToHyperService::new(router);
    let service_state = Arc::clone(&state);
    let service_stats = Arc::clone(&stats);
    let service = hyper::service::service_fn(move |request: Request<Incoming>| {
        let busy = Busy::enter(&service_state);
        let stats = Arc::clone(&service_stats);
        let answer = (!has_body(&request)).then(|| hyper::service::Service::call(&inner, request));
        async move {
            let _busy = busy;
            match answer {
                Some(answer) => answer.await,
                None => {
                    stats.too_large.fetch_add(1, Ordering::Relaxed);
                    Ok::<_, Infallible>(payload_too_large())
                }
            }
        }
    });
    let io = StallTimeout::new(stream, stall);
    let conn = builder.serve_connection(TokioIo::new(io), service);
    tokio::pin!(conn);
    let result = tokio::select! {
        result = conn.as_mut() => Some(result),
        _ = &mut kill => None,
        () = async { let _ = stop.wait_for(|s| *s).await; } => {
            conn.as_mut().graceful_shutdown();
            tokio::select! {
                result = conn.as_mut() => Some(result),
                _ = &mut kill => None,
            }
        }
    };
    if let Some(Err(e)) = result {
        if is_write_stall(&e) {
            stats.write_stalled.fetch_add(1, Ordering::Relaxed);
        } else if e.is_timeout() {
            stats.header_timeout.fetch_add(1, Ordering::Relaxed);
        } else if e.is_parse_too_large() {
            stats.too_large.fetch_add(1, Ordering::Relaxed);
        }
        tracing::debug!(error = %e, "HTTP connection ended");
    }
}

/// The error [`StallTimeout`] ends a connection with.
fn is_write_stall(e: &hyper::Error) -> bool {
    std::error::Error::source(e)
        .and_then(|s| s.downcast_ref::<std::io::Error>())
        .is_some_and(|io| io.kind() == std::io::ErrorKind::TimedOut)
}

/// A socket whose writes fail with `TimedOut` once they have made no progress for
/// `timeout` (a client that stopped reading); reads pass through (their own timeout is
/// hyper's header-read timeout).
pub(crate) struct StallTimeout<T> {
    inner: T,
    timeout: Duration,
    stalled_since: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl<T> StallTimeout<T> {
    pub(crate) fn new(inner: T, timeout: Duration) -> Self {
        Self {
            inner,
            timeout,
            stalled_since: None,
        }
    }

    /// After a write that returned `Pending`: arms the timer, or fails when it fired.
    fn pending<R>(&mut self, cx: &mut Context<'_>) -> Poll<std::io::Result<R>> {
        let timeout = self.timeout;
        let timer = self
            .stalled_since
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(timeout)));
        if timer.as_mut().poll(cx).is_ready() {
            self.stalled_since = None;
            return Poll::Ready(Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "the client read nothing for the write timeout",
            )));
        }
        Poll::Pending
    }

    /// After a write that made progress (or failed): disarms the timer.
    fn done<R>(&mut self, ready: std::io::Result<R>) -> Poll<std::io::Result<R>> {
        self.stalled_since = None;
        Poll::Ready(ready)
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for StallTimeout<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for StallTimeout<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match Pin::new(&mut self.inner).poll_write(cx, buf) {
            Poll::Ready(r) => self.done(r),
            Poll::Pending => self.pending(cx),
        }
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        match Pin::new(&mut self.inner).poll_write_vectored(cx, bufs) {
            Poll::Ready(r) => self.done(r),
            Poll::Pending => self.pending(cx),
        }
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match Pin::new(&mut self.inner).poll_flush(cx) {
            Poll::Ready(r) => self.done(r),
            Poll::Pending => self.pending(cx),
        }
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match Pin::new(&mut self.inner).poll_shutdown(cx) {
            Poll::Ready(r) => self.done(r),
            Poll::Pending => self.pending(cx),
        }
    }
}

/// Bytes of `/metrics` bodies not yet handed to the socket, over all connections, capped.
#[derive(Debug)]
pub(crate) struct ResponseBudget {
    cap: usize,
    used: AtomicUsize,
}

impl ResponseBudget {
    pub(crate) fn new(cap: usize) -> Self {
        Self {
            cap,
            used: AtomicUsize::new(0),
        }
    }

    /// Reserves `len` bytes until the returned guard drops; `None` past the cap. A body is
    /// always allowed when no other is in flight, whatever its size.
    pub(crate) fn reserve(self: &Arc<Self>, len: usize) -> Option<Reserved> {
        self.used
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |used| {
                let after = used.saturating_add(len);
                (used == 0 || after <= self.cap).then_some(after)
            })
            .ok()
            .map(|_| Reserved {
                budget: Arc::clone(self),
                len,
            })
    }
}

/// Bytes reserved in a [`ResponseBudget`], given back on drop.
#[derive(Debug)]
pub(crate) struct Reserved {
    budget: Arc<ResponseBudget>,
    len: usize,
}

impl Drop for Reserved {
    fn drop(&mut self) {
        self.budget.used.fetch_sub(self.len, Ordering::AcqRel);
    }
}

/// A response body handed to hyper 64 KiB at a time (hyper asks for more only as its
/// buffer drains to the socket), holding its reservation until the last slice is taken.
#[derive(Debug)]
pub(crate) struct BudgetedBody {
    rest: Bytes,
    reserved: Option<Reserved>,
}

impl BudgetedBody {
    const SLICE: usize = 64 * 1024;

    pub(crate) fn new(body: Bytes, reserved: Reserved) -> Self {
        Self {
            rest: body,
            reserved: Some(reserved),
        }
    }
}

impl hyper::body::Body for BudgetedBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        if self.rest.is_empty() {
            self.reserved = None;
            return Poll::Ready(None);
        }
        let n = self.rest.len().min(Self::SLICE);
        let slice = self.rest.split_to(n);
        if self.rest.is_empty() {
            self.reserved = None;
        }
        Poll::Ready(Some(Ok(Frame::data(slice))))
    }

    fn is_end_stream(&self) -> bool {
        self.rest.is_empty()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.rest.len() as u64)
    }
}

/// An accept error about one connection (not the listener).
fn is_connection_error(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::ConnectionRefused
            | std::io::ErrorKind::ConnectionAborted
            | std::io::ErrorKind::ConnectionReset
    )
}

/// A request that announces a body (none of the routes takes one).
fn has_body(request: &Request<Incoming>) -> bool {
    let headers = request.headers();
    headers.contains_key(header::TRANSFER_ENCODING)
        || headers
            .get(header::CONTENT_LENGTH)
            .is_some_and(|v| v.as_bytes() != b"0")
}

fn payload_too_large() -> Response<Body> {
    let mut response = Response::new(Body::from("request bodies are not accepted\n"));
    *response.status_mut() = StatusCode::PAYLOAD_TOO_LARGE;
    response.headers_mut().insert(
        header::CONNECTION,
        header::HeaderValue::from_static("close"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot(registry: &mut Registry, busy: usize, served: bool) -> (u64, oneshot::Receiver<()>) {
        let (kill, killed) = oneshot::channel();
        let state = ConnState::default();
        state.busy.store(busy, Ordering::Relaxed);
        state.served.store(served, Ordering::Relaxed);
        let id = registry.next;
        registry.next += 1;
        registry.open.insert(
            id,
            Slot {
                state: Arc::new(state),
                kill,
            },
        );
        (id, killed)
    }

    #[test]
    fn room_is_made_from_the_oldest_never_served_then_the_oldest_idle_never_a_busy_one() {
        let stats = HttpStats::default();
        let mut registry = Registry::default();
        let (served_idle, mut killed_served) = slot(&mut registry, 0, true);
        let (busy, mut killed_busy) = slot(&mut registry, 1, true);
        let (silent, mut killed_silent) = slot(&mut registry, 0, false);
        assert!(
            registry.make_room(4, &stats),
            "under the cap: nothing to do"
        );
        assert_eq!(registry.open.len(), 3);

        assert!(registry.make_room(3, &stats));
        assert!(
            !registry.open.contains_key(&silent),
            "never served goes first"
        );
        assert!(killed_silent.try_recv().is_ok());
        slot(&mut registry, 0, false);
        let newest_silent = registry.next - 1;

        assert!(registry.make_room(3, &stats));
        assert!(
            !registry.open.contains_key(&newest_silent),
            "never served, even if newer than an idle served one"
        );
        assert!(registry.make_room(2, &stats));
        assert!(
            !registry.open.contains_key(&served_idle),
            "then the oldest idle"
        );
        assert!(killed_served.try_recv().is_ok());

        // Only busy connections left: no room, and nothing is killed.
        assert!(!registry.make_room(1, &stats));
        assert!(registry.open.contains_key(&busy));
        assert!(killed_busy.try_recv().is_err());
        assert_eq!(stats.evicted.load(Ordering::Relaxed), 3);
    }

    #[test]
    fn the_response_budget_lets_one_through_and_is_given_back_with_the_last_slice() {
        use hyper::body::Body as _;
        let budget = Arc::new(ResponseBudget::new(100));
        // A lone response of any size goes through.
        let big = budget.reserve(1_000).expect("alone: always");
        assert!(budget.reserve(1).is_none(), "past the cap");
        drop(big);
        let a = budget.reserve(60).expect("fits");
        assert!(budget.reserve(50).is_none());
        let b = budget.reserve(40).expect("fits exactly");
        drop((a, b));
        assert_eq!(budget.used.load(Ordering::Relaxed), 0);

        // The body gives its reservation back when its last slice is taken.
        let len = BudgetedBody::SLICE * 2 + 1;
        let reserved = budget.reserve(len).expect("alone");
        let mut body = BudgetedBody::new(Bytes::from(vec![b'x'; len]), reserved);
        let waker = std::task::Waker::noop();
        let mut cx = Context::from_waker(waker);
        let mut sizes = Vec::new();
        while let Poll::Ready(Some(Ok(frame))) = Pin::new(&mut body).poll_frame(&mut cx) {
            sizes.push(frame.into_data().map(|d| d.len()).unwrap_or_default());
            let held = budget.used.load(Ordering::Relaxed);
            assert_eq!(held == 0, body.is_end_stream(), "held until the last slice");
        }
        assert_eq!(sizes, [BudgetedBody::SLICE, BudgetedBody::SLICE, 1]);
    }
}
