//! Sampling connections over time: rates from counter deltas, new / updated / dropped
//! events, failed polls kept apart from empty ones.
//!
//! Feed a [`Sampler`] each poll of a gateway ([`Sampler::observe`]) or its failure
//! ([`Sampler::poll_failed`]). The first good poll of a gateway is its baseline: its
//! connections are [`EventKind::Baseline`], not new (they were there before the watch
//! began). Later polls compare with the last good one: connections not seen then are
//! [`New`](EventKind::New), those seen again are [`Update`](EventKind::Update) with rates,
//! those gone are [`Dropped`](EventKind::Dropped). A failed poll changes nothing: the
//! gateway's connections are neither zero nor dropped, and
//! [`GatewayStatus::connections`] is `None` until a poll succeeds.
//!
//! Poll times are given by the caller (no clock is read here), so tests inject them.
//!
//! ```
//! use std::time::{Duration, Instant};
//! use p2c_vpn_runtime::sample::{EventKind, Sampler};
//!
//! fn conn(id: u128, at: &str, inbound: i64) -> p2c_vpn::Connection {
//!     let mut c = p2c_vpn::api::Connection::default();
//!     c.connection_id = Some(p2c_vpn::uuid::Uuid::from_u128(id));
//!     c.timestamp = Some(at.parse().unwrap());
//!     c.inbound_bytes = Some(inbound);
//!     c.outbound_bytes = Some(0);
//!     c.into()
//! }
//!
//! let t0 = Instant::now(); // any origin: only differences count
//! let mut sampler = Sampler::new();
//! let first = sampler.observe("gw", t0, vec![conn(1, "2024-06-17T03:00:00Z", 1000)]);
//! assert_eq!(first[0].kind, EventKind::Baseline);
//!
//! sampler.poll_failed("gw", "503 Service Unavailable");
//! assert_eq!(sampler.status("gw").unwrap().connections, None); // unknown, not zero
//!
//! let later = t0 + Duration::from_secs(10);
//! let events = sampler.observe("gw", later, vec![
//!     conn(1, "2024-06-17T03:00:10Z", 6000),
//!     conn(2, "2024-06-17T03:00:10Z", 0),
//! ]);
//! assert_eq!((events[0].kind, events[0].in_bps), (EventKind::Update, Some(500.0)));
//! assert_eq!(events[1].kind, EventKind::New);
//! ```

use std::collections::HashMap;
use std::time::Instant;

use p2c_vpn::Connection;

/// What happened to a connection between two polls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EventKind {
    /// Present at a gateway's first good poll.
    Baseline,
    /// Not seen at the previous good poll.
    New,
    /// Seen before and still there.
    Update,
    /// Seen at the previous good poll, gone now.
    Dropped,
}

impl EventKind {
    /// `baseline`, `new`, `update` or `dropped`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Baseline => "baseline",
            Self::New => "new",
            Self::Update => "update",
            Self::Dropped => "dropped",
        }
    }
}

/// One connection at one poll.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Event {
    /// What happened.
    pub kind: EventKind,
    /// The gateway, as given to [`Sampler::observe`].
    pub gateway: String,
    /// The connection (for [`EventKind::Dropped`], as last seen).
    pub connection: Connection,
    /// Inbound bytes per second since the previous sample ([`EventKind::Update`] only).
    pub in_bps: Option<f64>,
    /// Outbound bytes per second since the previous sample.
    pub out_bps: Option<f64>,
}

/// A connection's identity across polls: its ID, else what identifies a session (user,
/// virtual IP as written, establishment time).
pub fn key(c: &Connection) -> String {
    match c.connection_id() {
        Some(id) => id.to_string(),
        None => format!(
            "{}|{}|{}",
            c.user_name().unwrap_or_default(),
            c.as_api().client_virtual_ip.as_deref().unwrap_or_default(),
            c.established_at()
                .map(|t| t.to_rfc3339())
                .unwrap_or_default()
        ),
    }
}

/// Bytes per second between two samples of one connection: counter growth over the
/// difference of their `timestamp`s, or over the time between the polls (`prev_at`,
/// `cur_at`, given by the caller) when the timestamps are missing or did not move. `None`
/// when a counter is missing or went backwards (a reset), or no time passed.
pub fn rates(
    prev: &Connection,
    prev_at: Instant,
    cur: &Connection,
    cur_at: Instant,
) -> (Option<f64>, Option<f64>) {
    let seconds = match (prev.observed_at(), cur.observed_at()) {
        (Some(a), Some(b)) if b > a => (b - a).num_milliseconds() as f64 / 1000.0,
        _ => cur_at.saturating_duration_since(prev_at).as_secs_f64(),
    };
    let rate = |a: Option<i64>, b: Option<i64>| {
        let delta = b?.checked_sub(a?)?;
        (delta >= 0 && seconds > 0.0).then(|| delta as f64 / seconds)
    };
    let (prev, cur) = (prev.as_api(), cur.as_api());
    (
        rate(prev.inbound_bytes, cur.inbound_bytes),
        rate(prev.outbound_bytes, cur.outbound_bytes),
    )
}

/// How a gateway's polls went.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct GatewayStatus {
    /// Connections at the last poll; `None` when it failed or none succeeded yet (unknown,
    /// never zero).
    pub connections: Option<usize>,
    /// Connections at the last good poll, and when it was.
    pub last_good: Option<(usize, Instant)>,
    /// Why the last poll failed (`None` when it did not).
    pub failure: Option<String>,
}

#[derive(Debug, Default)]
struct Gateway {
    /// The last good poll: when, and its connections in order.
    last_good: Option<(Instant, Vec<Connection>)>,
    failure: Option<String>,
}

/// Per gateway, the last good poll; turns each new poll into [`Event`]s.
#[derive(Debug, Default)]
pub struct Sampler {
    gateways: HashMap<String, Gateway>,
}

impl Sampler {
    /// An empty sampler: every gateway's first poll is its baseline.
    pub fn new() -> Self {
        Self::default()
    }

    /// The events of one gateway's good poll at `at`: its connections in the listing's
    /// order, then the dropped ones in their previous order.
    pub fn observe(&mut self, gateway: &str, at: Instant, current: Vec<Connection>) -> Vec<Event> {
        let state = self.gateways.entry(gateway.to_owned()).or_default();
        state.failure = None;
        let event = |kind, connection: &Connection, (in_bps, out_bps)| Event {
            kind,
            gateway: gateway.to_owned(),
            connection: connection.clone(),
            in_bps,
            out_bps,
        };
        let Some((prev_at, previous)) = state.last_good.take() else {
            let events = current
                .iter()
                .map(|c| event(EventKind::Baseline, c, (None, None)))
                .collect();
            state.last_good = Some((at, current));
            return events;
        };
        let mut by_key: HashMap<String, &Connection> =
            previous.iter().map(|c| (key(c), c)).collect();
        let mut events = Vec::with_capacity(current.len());
        for c in &current {
            events.push(match by_key.remove(&key(c)) {
                Some(prev) => event(EventKind::Update, c, rates(prev, prev_at, c, at)),
                None => event(EventKind::New, c, (None, None)),
            });
        }
        for c in &previous {
            if by_key.contains_key(&key(c)) {
                events.push(event(EventKind::Dropped, c, (None, None)));
            }
        }
        state.last_good = Some((at, current));
        events
    }

    /// Records a failed poll of `gateway`: its last good poll stays the one the next good
    /// poll compares with, and nothing is reported as dropped.
    pub fn poll_failed(&mut self, gateway: &str, reason: impl Into<String>) {
        self.gateways.entry(gateway.to_owned()).or_default().failure = Some(reason.into());
    }

    /// How `gateway`'s polls went; `None` before any.
    pub fn status(&self, gateway: &str) -> Option<GatewayStatus> {
        let g = self.gateways.get(gateway)?;
        let last_good = g.last_good.as_ref().map(|(at, c)| (c.len(), *at));
        Some(GatewayStatus {
            connections: if g.failure.is_some() {
                None
            } else {
                last_good.map(|(n, _)| n)
            },
            last_good,
            failure: g.failure.clone(),
        })
    }

    /// Forgets `gateway`: its next poll is a baseline again.
    pub fn forget(&mut self, gateway: &str) {
        self.gateways.remove(gateway);
    }
}

/// The connections of several gateways at their last polls; `None` when any gateway's
/// last poll failed or none succeeded (a partial total is not the total).
pub fn total(sampler: &Sampler, gateways: &[&str]) -> Option<usize> {
    gateways
        .iter()
        .map(|g| sampler.status(g).and_then(|s| s.connections))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn conn(id: u128, ts: &str, inbound: i64, outbound: i64) -> Connection {
        let mut c = p2c_vpn::api::Connection::default();
        c.connection_id = Some(uuid::Uuid::from_u128(id));
        c.inbound_bytes = Some(inbound);
        c.outbound_bytes = Some(outbound);
        c.timestamp = Some(ts.parse().expect("time"));
        c.into()
    }

    #[test]
    fn rates_use_the_sample_timestamps() {
        let t0 = Instant::now();
        let a = conn(1, "2024-06-17T03:00:00Z", 1000, 500);
        let b = conn(1, "2024-06-17T03:00:10Z", 6000, 1500);
        // The polls say 1 s, the samples 10 s apart: the samples win.
        let (i, o) = rates(&a, t0, &b, t0 + Duration::from_secs(1));
        assert_eq!((i, o), (Some(500.0), Some(100.0)));
    }

    #[test]
    fn rates_fall_back_to_the_poll_times() {
        let t0 = Instant::now();
        let a = conn(1, "2024-06-17T03:00:00Z", 1000, 500);
        let b = conn(1, "2024-06-17T03:00:00Z", 3000, 500);
        let (i, o) = rates(&a, t0, &b, t0 + Duration::from_secs(2));
        assert_eq!((i, o), (Some(1000.0), Some(0.0)));
        // A counter reset gives no rate; nor does no time at all.
        let c = conn(1, "2024-06-17T03:00:05Z", 10, 500);
        assert_eq!(rates(&a, t0, &c, t0).0, None);
        assert_eq!(rates(&a, t0, &b, t0), (None, None));
    }

    #[test]
    fn first_poll_is_a_baseline_then_new_update_dropped() {
        let t0 = Instant::now();
        let mut s = Sampler::new();
        let first = s.observe(
            "gw",
            t0,
            vec![
                conn(1, "2024-06-17T03:00:00Z", 0, 0),
                conn(2, "2024-06-17T03:00:00Z", 0, 0),
            ],
        );
        assert!(first.iter().all(|e| e.kind == EventKind::Baseline));
        assert!(first.iter().all(|e| e.in_bps.is_none()));
        let second = s.observe(
            "gw",
            t0 + Duration::from_secs(5),
            vec![
                conn(2, "2024-06-17T03:00:05Z", 50, 5),
                conn(3, "2024-06-17T03:00:05Z", 0, 0),
            ],
        );
        let kinds: Vec<_> = second
            .iter()
            .map(|e| (e.kind, e.connection.connection_id().map(|u| u.as_u128())))
            .collect();
        assert_eq!(
            kinds,
            [
                (EventKind::Update, Some(2)),
                (EventKind::New, Some(3)),
                (EventKind::Dropped, Some(1)),
            ]
        );
        assert_eq!(
            (second[0].in_bps, second[0].out_bps),
            (Some(10.0), Some(1.0))
        );
    }

    #[test]
    fn a_failed_poll_is_unknown_not_zero_and_drops_nothing() {
        let t0 = Instant::now();
        let mut s = Sampler::new();
        assert_eq!(s.status("gw"), None);
        s.poll_failed("gw", "timeout");
        let status = s.status("gw").expect("status");
        assert_eq!((status.connections, status.last_good), (None, None));
        s.observe("gw", t0, vec![conn(1, "2024-06-17T03:00:00Z", 0, 0)]);
        s.poll_failed("gw", "503");
        let status = s.status("gw").expect("status");
        assert_eq!(status.connections, None);
        assert_eq!(status.last_good, Some((1, t0)));
        assert_eq!(status.failure.as_deref(), Some("503"));
        assert_eq!(total(&s, &["gw"]), None);
        // The next good poll compares with the last good one: an update over 20 s.
        let events = s.observe(
            "gw",
            t0 + Duration::from_secs(20),
            vec![conn(1, "2024-06-17T03:00:20Z", 2000, 0)],
        );
        assert_eq!(events.len(), 1);
        assert_eq!(
            (events[0].kind, events[0].in_bps),
            (EventKind::Update, Some(100.0))
        );
        assert_eq!(s.status("gw").expect("status").connections, Some(1));
        assert_eq!(total(&s, &["gw"]), Some(1));
    }

    #[test]
    fn gateways_are_sampled_apart() {
        let t0 = Instant::now();
        let mut s = Sampler::new();
        s.observe("a", t0, vec![conn(1, "2024-06-17T03:00:00Z", 0, 0)]);
        // Gateway b's first poll is its own baseline, whatever a has seen.
        let b = s.observe("b", t0, vec![conn(1, "2024-06-17T03:00:00Z", 0, 0)]);
        assert_eq!(b[0].kind, EventKind::Baseline);
        let a = s.observe("a", t0 + Duration::from_secs(1), vec![]);
        assert_eq!(a[0].kind, EventKind::Dropped);
        assert_eq!(total(&s, &["a", "b"]), Some(1));
        s.forget("a");
        assert_eq!(s.status("a"), None);
    }

    #[test]
    fn connections_without_an_id_are_keyed_by_session() {
        let mut c = p2c_vpn::api::Connection::default();
        c.client_user_name = Some("alice".to_owned());
        c.client_virtual_ip = Some("10.0.0.2".to_owned());
        let a: Connection = c.clone().into();
        c.client_virtual_ip = Some("10.0.0.3".to_owned());
        let b: Connection = c.into();
        assert_ne!(key(&a), key(&b));
        let t0 = Instant::now();
        let mut s = Sampler::new();
        s.observe("gw", t0, vec![a.clone()]);
        let e = s.observe("gw", t0, vec![a, b]);
        assert_eq!(e[0].kind, EventKind::Update);
        assert_eq!(e[1].kind, EventKind::New);
    }
}
