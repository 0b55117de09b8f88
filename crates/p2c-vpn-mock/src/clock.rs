//! The mock's clock: real time (or a frozen start) plus a virtual offset moved by
//! [`MockServer::advance`](crate::MockServer::advance).

use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch (negative before it).
pub(crate) fn to_millis(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
        Err(e) => i64::try_from(e.duration().as_millis()).map_or(i64::MIN, |m| -m),
    }
}

/// The instant `ms` milliseconds after the Unix epoch (negative: before it).
pub(crate) fn from_millis(ms: i64) -> SystemTime {
    let d = Duration::from_millis(ms.unsigned_abs());
    if ms >= 0 {
        UNIX_EPOCH.checked_add(d).unwrap_or(UNIX_EPOCH)
    } else {
        UNIX_EPOCH.checked_sub(d).unwrap_or(UNIX_EPOCH)
    }
}

/// Where the clock's time comes from.
#[derive(Debug, Clone, Copy)]
enum Base {
    /// The system clock.
    Real,
    /// A fixed instant: time moves only through `advance`.
    Frozen(SystemTime),
}

/// Clock of one mock server. Only the data (counters, churn, `timestamp`) follow it;
/// signature dates are checked against the real system clock.
#[derive(Debug)]
pub(crate) struct Clock {
    base: Base,
    offset: Mutex<Duration>,
    /// The clock's time when the server was built, in ms: the origin of churn ticks.
    start_ms: i64,
}

impl Clock {
    pub(crate) fn new(frozen_at: Option<SystemTime>) -> Self {
        let base = frozen_at.map_or(Base::Real, Base::Frozen);
        let mut clock = Self {
            base,
            offset: Mutex::new(Duration::ZERO),
            start_ms: 0,
        };
        clock.start_ms = clock.now_ms();
        clock
    }

    /// The clock's origin (its time at construction), in ms since the epoch.
    pub(crate) fn start_ms(&self) -> i64 {
        self.start_ms
    }

    fn offset(&self) -> Duration {
        *self.offset.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Moves the clock forward by `by` (saturating).
    pub(crate) fn advance(&self, by: Duration) {
        let mut offset = self.offset.lock().unwrap_or_else(|e| e.into_inner());
        *offset = offset.saturating_add(by);
    }

    /// The clock's current time.
    pub(crate) fn now(&self) -> SystemTime {
        let base = match self.base {
            Base::Real => SystemTime::now(),
            Base::Frozen(t) => t,
        };
        base.checked_add(self.offset()).unwrap_or(base)
    }

    /// The clock's current time in ms since the epoch.
    pub(crate) fn now_ms(&self) -> i64 {
        to_millis(self.now())
    }
}
