//! The retry delays the client *decided*, read from the `retrying` debug event of the one
//! retry loop (`p2c_vpn_api`'s `exec`: `delay_ms`), so a test asserts the decision (and the
//! attempts) instead of timing the wait on the wall clock.
//!
//! Scoped to one future with [`tracing::instrument::WithSubscriber`] (the retry loop runs
//! in the calling future), so concurrent tests and rows each see only their own retries.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tracing::field::{Field, Visit};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt as _};

/// The delays decided by the retry loop, in order.
#[derive(Clone, Debug, Default)]
pub struct RetryLog(Arc<Mutex<Vec<Duration>>>);

impl RetryLog {
    /// A subscriber that records into this log (every level, nothing printed).
    pub fn subscriber(&self) -> impl tracing::Subscriber + Send + Sync + 'static {
        keep_call_sites_open();
        tracing_subscriber::registry().with(self.clone())
    }

    /// The delays decided so far, one per retry.
    pub fn delays(&self) -> Vec<Duration> {
        self.0.lock().expect("retry log").clone()
    }
}

/// tracing-core caches whether a call site is wanted when it is first hit; while at most
/// one dispatcher is registered it asks only the *hitting thread's* default, so a test on
/// another thread, with no subscriber, could switch the call site off for every thread.
/// A second dispatcher kept alive for the whole process makes it ask all of them.
fn keep_call_sites_open() {
    static KEEPER: std::sync::OnceLock<tracing::Dispatch> = std::sync::OnceLock::new();
    KEEPER.get_or_init(|| tracing::Dispatch::new(tracing_subscriber::registry()));
}

#[derive(Default)]
struct Retrying {
    message: bool,
    delay_ms: Option<u64>,
}

impl Visit for Retrying {
    fn record_u64(&mut self, field: &Field, value: u64) {
        if field.name() == "delay_ms" {
            self.delay_ms = Some(value);
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" && format!("{value:?}") == "retrying" {
            self.message = true;
        }
    }
}

impl<S: tracing::Subscriber> Layer<S> for RetryLog {
    fn on_event(&self, event: &tracing::Event<'_>, _ctx: Context<'_, S>) {
        if !event.metadata().target().starts_with("p2c_vpn_api") {
            return;
        }
        let mut seen = Retrying::default();
        event.record(&mut seen);
        if let (true, Some(ms)) = (seen.message, seen.delay_ms) {
            self.0
                .lock()
                .expect("retry log")
                .push(Duration::from_millis(ms));
        }
    }
}
