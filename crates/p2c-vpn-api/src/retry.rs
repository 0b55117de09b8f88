//! The retry policy: which outcomes are retried and how long to wait between attempts.
//!
//! One policy, applied by the one retry loop in `hooks.rs`. `ListP2cVgwConnections` is a
//! GET, so every attempt is safe to repeat.

use std::time::{Duration, SystemTime};

use rand::RngExt as _;
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};

/// Retry policy: attempts, and exponential backoff with full jitter, capped.
///
/// Retried: HTTP 429, 500, 502, 503, 504, connection errors, timeouts and bodies cut off
/// mid-way. A `Retry-After` header (seconds or HTTP date) replaces the backoff, bounded by
/// [`max_delay`](Self::max_delay).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryConfig {
    max_attempts: u32,
    base_delay: Duration,
    max_delay: Duration,
}

impl Default for RetryConfig {
    /// 3 attempts, 200 ms base delay, 20 s cap.
    fn default() -> Self {
        Self {
            max_attempts: 3,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(20),
        }
    }
}

impl RetryConfig {
    /// The default policy (3 attempts, 200 ms base, 20 s cap).
    pub fn new() -> Self {
        Self::default()
    }

    /// No retries: every call makes exactly one attempt.
    pub fn disabled() -> Self {
        Self::default().with_max_attempts(1)
    }

    /// Total attempts including the first (values below 1 are treated as 1).
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// Delay scale: attempt `n` waits a random time in `[0, base * 2^(n-1)]`, capped.
    pub fn with_base_delay(mut self, base: Duration) -> Self {
        self.base_delay = base;
        self
    }

    /// Upper bound on any single wait, including one asked for by `Retry-After`.
    pub fn with_max_delay(mut self, cap: Duration) -> Self {
        self.max_delay = cap;
        self
    }

    /// Total attempts including the first.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The base delay.
    pub fn base_delay(&self) -> Duration {
        self.base_delay
    }

    /// The cap on a single wait.
    pub fn max_delay(&self) -> Duration {
        self.max_delay
    }

    /// Whether a response with this status is worth another attempt.
    pub fn is_retryable_status(status: StatusCode) -> bool {
        matches!(status.as_u16(), 429 | 500 | 502 | 503 | 504)
    }

    /// How long to wait after failed attempt number `attempt` (1-based): the server's
    /// `Retry-After` if it sent one, else full-jitter exponential backoff; never above the cap.
    pub fn delay_after(&self, attempt: u32, headers: Option<&HeaderMap>) -> Duration {
        if let Some(wait) = headers.and_then(|h| retry_after(h, SystemTime::now())) {
            return wait.min(self.max_delay);
        }
        let exp = 2u32.saturating_pow(attempt.saturating_sub(1));
        let ceiling = self.base_delay.saturating_mul(exp).min(self.max_delay);
        if ceiling.is_zero() {
            return ceiling;
        }
        rand::rng().random_range(Duration::ZERO..=ceiling)
    }
}

/// Parses `Retry-After` as delta-seconds or an HTTP date relative to `now`.
/// A date in the past means "now"; anything unparsable is ignored.
pub fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            RETRY_AFTER,
            HeaderValue::from_str(value).expect("valid header"),
        );
        h
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(
            retry_after(&headers("7"), now),
            Some(Duration::from_secs(7))
        );
        let later = httpdate::fmt_http_date(now + Duration::from_secs(30));
        assert_eq!(
            retry_after(&headers(&later), now),
            Some(Duration::from_secs(30))
        );
        let earlier = httpdate::fmt_http_date(now - Duration::from_secs(30));
        assert_eq!(retry_after(&headers(&earlier), now), Some(Duration::ZERO));
        assert_eq!(retry_after(&headers("soon"), now), None);
        assert_eq!(retry_after(&HeaderMap::new(), now), None);
    }

    #[test]
    fn retry_after_is_capped() {
        let policy = RetryConfig::default().with_max_delay(Duration::from_secs(2));
        assert_eq!(
            policy.delay_after(1, Some(&headers("3600"))),
            Duration::from_secs(2)
        );
    }

    #[test]
    fn backoff_is_jittered_within_exponential_ceiling() {
        let policy = RetryConfig::default()
            .with_base_delay(Duration::from_millis(100))
            .with_max_delay(Duration::from_millis(350));
        for _ in 0..200 {
            assert!(policy.delay_after(1, None) <= Duration::from_millis(100));
            assert!(policy.delay_after(2, None) <= Duration::from_millis(200));
            assert!(policy.delay_after(3, None) <= Duration::from_millis(350));
            assert!(policy.delay_after(60, None) <= Duration::from_millis(350));
        }
    }

    #[test]
    fn retryable_statuses() {
        for s in [429, 500, 502, 503, 504] {
            assert!(RetryConfig::is_retryable_status(
                StatusCode::from_u16(s).expect("status")
            ));
        }
        for s in [200, 400, 401, 403, 404, 501] {
            assert!(!RetryConfig::is_retryable_status(
                StatusCode::from_u16(s).expect("status")
            ));
        }
        assert_eq!(RetryConfig::disabled().max_attempts(), 1);
        assert_eq!(RetryConfig::new().with_max_attempts(0).max_attempts(), 1);
    }
}
