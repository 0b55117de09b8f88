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

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, Response, StatusCode, header};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
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
}

impl HttpStats {
    /// `(reason, count)` for the metric.
    pub(crate) fn snapshot(&self) -> [(&'static str, u64); 4] {
        [
            (
                "header_timeout",
                self.header_timeout.load(Ordering::Relaxed),
            ),
            ("evicted", self.evicted.load(Ordering::Relaxed)),
            ("refused", self.refused.load(Ordering::Relaxed)),
            ("too_large", self.too_large.load(Ordering::Relaxed)),
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
    let conn = builder.serve_connection(TokioIo::new(stream), service);
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
        if e.is_timeout() {
            stats.header_timeout.fetch_add(1, Ordering::Relaxed);
        } else if e.is_parse_too_large() {
            stats.too_large.fetch_add(1, Ordering::Relaxed);
        }
        tracing::debug!(error = %e, "HTTP connection ended");
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
}
