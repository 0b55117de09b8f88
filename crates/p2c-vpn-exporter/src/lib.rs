#![doc = include_str!("../README.md")]
#![warn(missing_docs)]
//!
//! ## Crate map
//!
//! [`ExporterConfig`] (targets, gateways, intervals) → [`Exporter`] (collection on scrape,
//! cache, concurrency bound, scrape timeout; `collect.rs`) → [`Exporter::scrape`] (a
//! `prometheus-client` collector over the latest values; `metrics.rs`) → [`router`]
//! (`/metrics`, `/healthz`) → [`serve`] / [`serve_on`].

mod collect;
mod config;
mod metrics;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

pub use config::{
    DEFAULT_CONCURRENCY, DEFAULT_LISTEN, DEFAULT_MIN_INTERVAL, DEFAULT_SCRAPE_TIMEOUT,
    ExporterConfig, Target, TargetSpec,
};
pub use metrics::Format;

/// What can stop the exporter from starting or serving. Collection failures are never
/// errors: they show in `p2c_vpn_up`, `p2c_vpn_api_requests_total` and the log.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The configuration is unusable (no target, zero concurrency, a bad `--target`...).
    #[error("{0}")]
    Config(String),
    /// The listen address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The HTTP server failed.
    #[error("the HTTP server failed: {0}")]
    Serve(#[source] std::io::Error),
}

/// A running exporter's state: the targets, the latest collected values and the counters.
/// Cheap to clone (clones share everything).
#[derive(Clone, Debug)]
pub struct Exporter {
    shared: Arc<collect::Shared>,
}

impl Exporter {
    /// Checks the configuration and builds the exporter. Makes no request: collection
    /// happens on scrape.
    pub fn new(config: ExporterConfig) -> Result<Self, Error> {
        let config = config.validated()?;
        Ok(Self {
            shared: Arc::new(collect::Shared::new(config)),
        })
    }

    /// What a scrape of `/metrics` returns: collects if the last collection is older than
    /// `min_interval` (waiting at most `scrape_timeout`), then encodes the latest values.
    pub async fn scrape(&self, format: Format) -> String {
        self.scrape_within(format, self.shared.scrape_timeout).await
    }

    async fn scrape_within(&self, format: Format, wait: Duration) -> String {
        self.shared.refresh(wait).await;
        // Writing to a String cannot fail; an encoder error would be a bug, shown as a
        // comment rather than a panic.
        metrics::encode(self.shared.view(), format)
            .unwrap_or_else(|_| "# p2c-vpn-exporter: encoding failed\n".to_owned())
    }

    /// Ends the collections still running in the background (called by [`serve_on`] when
    /// the server stops).
    pub fn stop(&self) {
        self.shared.stop();
    }
}

/// The HTTP routes: `GET /metrics` (Prometheus text, or OpenMetrics when `Accept` asks for
/// `application/openmetrics-text`), `GET /healthz` (`ok`: the process serves), and `GET /`
/// (a pointer to both).
pub fn router(exporter: Exporter) -> axum::Router {
    axum::Router::new()
        .route("/metrics", get(metrics_handler))
        .route("/healthz", get(|| async { "ok\n" }))
        .route(
            "/",
            get(|| async { "p2c-vpn exporter: metrics at /metrics, health at /healthz\n" }),
        )
        .with_state(exporter)
}

/// How long below Prometheus' own scrape timeout a scrape is answered.
const SCRAPE_TIMEOUT_MARGIN: Duration = Duration::from_millis(250);

async fn metrics_handler(State(exporter): State<Exporter>, headers: HeaderMap) -> Response {
    let format = Format::from_accept(headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()));
    let mut wait = exporter.shared.scrape_timeout;
    // Prometheus says how long it will wait: answer before that.
    if let Some(theirs) = headers
        .get("x-prometheus-scrape-timeout-seconds")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<f64>().ok())
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
    {
        wait = wait.min(
            theirs
                .saturating_sub(SCRAPE_TIMEOUT_MARGIN)
                .max(Duration::from_millis(100)),
        );
    }
    let body = exporter.scrape_within(format, wait).await;
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, format.content_type())],
        body,
    )
        .into_response()
}

/// Binds `config.listen` and serves until `shutdown` completes (pass [`shutdown_signal`]
/// for Ctrl-C/SIGTERM). What the CLI's `p2c-vpn exporter` calls.
pub async fn serve(
    config: ExporterConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), Error> {
    let addr = config.listen;
    let exporter = Exporter::new(config)?;
    serve_on(bind(addr).await?, exporter, shutdown).await
}

/// Binds `addr` for [`serve_on`]. With port 0 the system picks a free port: the listener's
/// `local_addr()` says which (the CLI prints it, and tests read it there).
pub async fn bind(addr: SocketAddr) -> Result<tokio::net::TcpListener, Error> {
    tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| Error::Bind { addr, source })
}

/// Serves `exporter` on a bound listener until `shutdown` completes, then lets scrapes in
/// progress finish and ends background collections. A non-loopback address is served but
/// logged as a warning (the metrics name gateways and, with `per_connection`, users).
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    exporter: Exporter,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), Error> {
    let addr = listener.local_addr().map_err(Error::Serve)?;
    if !addr.ip().is_loopback() {
        tracing::warn!(
            %addr,
            "listening on a non-loopback address: anyone who can reach it can read the \
             metrics (gateway names and IDs, and user names with per-connection metrics)"
        );
    }
    tracing::info!(%addr, "serving metrics at http://{addr}/metrics");
    let result = axum::serve(listener, router(exporter.clone()))
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(Error::Serve);
    exporter.stop();
    tracing::info!("stopped");
    result
}

/// Completes on Ctrl-C (SIGINT) or SIGTERM: the `shutdown` argument of [`serve`] for a
/// process.
pub async fn shutdown_signal() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                term.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => tracing::info!("interrupted: shutting down"),
        () = terminate => tracing::info!("terminated: shutting down"),
    }
}
