//! Watching several gateways at once, each independent of the others.
//!
//! A [`Watch`] polls every gateway once per tick (every `interval`), all at the same time,
//! and turns the answers into [`Event`]s with a [`Sampler`]. Each gateway's poll has its
//! own deadline, [`poll_timeout`](Watch::poll_timeout) after the tick began (by default
//! the interval itself, never more): a poll still running then is dropped and reported
//! [`Outcome::Late`], whatever the client's own timeouts and retries (every attempt and
//! retry of a poll happens inside its deadline). So a hung, slow, huge or failing gateway
//! shows as failed on its own line while the others keep their cadence and their data,
//! and the polls of one gateway never overlap: the next starts at the next tick, after the
//! previous one ended or was dropped. At most [`concurrency`](Watch::concurrency) polls run
//! at once; a gateway whose poll held its slot to the deadline starts after the others at
//! the next tick, so hung gateways cannot keep healthy ones from starting. A tick is
//! yielded when every gateway has answered or its deadline has passed.
//!
//! A failed or late poll is [`Sampler::poll_failed`]: never zero connections, never
//! dropped ones. A gateway that fails goes on being polled every tick. The stream of ticks
//! ends after a tick at which **every** gateway failed for a persistent reason
//! ([`is_persistent`]: credentials, permissions, invalid input, a 4xx that is not
//! throttling): asking again would get the same answer until someone acts. Otherwise it
//! runs until dropped.
//!
//! ```
//! # async fn demo(client: p2c_vpn::Client) {
//! use futures::StreamExt as _;
//! use p2c_vpn_runtime::watch::{Outcome, Watch};
//! use std::time::Duration;
//!
//! let mut ticks = Watch::new(client, ["office", "lab"], Duration::from_secs(5)).ticks();
//! while let Some(tick) = ticks.next().await {
//!     for g in &tick.gateways {
//!         match &g.outcome {
//!             Outcome::Polled { connections, .. } => println!("{}: {connections}", g.gateway),
//!             failed => println!("{}: FAILED: {failed}", g.gateway),
//!         }
//!     }
//! }
//! # }
//! ```

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::future::{BoxFuture, FutureExt as _};
use futures::stream::{BoxStream, StreamExt as _};
use p2c_vpn::{Client, Connection, ErrorKind};

use crate::sample::{Event, GatewayStatus, Sampler};

/// How a custom source lists one gateway's connections (see [`Watch::with_poller`]).
pub type Poller =
    Arc<dyn Fn(String) -> BoxFuture<'static, p2c_vpn::Result<Vec<Connection>>> + Send + Sync>;

/// Whether asking again would get the same failure until someone acts: missing or
/// rejected credentials (401, 403), invalid input (a name that no gateway has, or several
/// have; a malformed ID), and any other client error status (4xx: an unknown gateway's
/// 404, a 400) but 408 and 429. Everything else is transient: throttling, 5xx, timeouts
/// and late polls, network trouble, and answers that cannot be used this time (a body past
/// the response cap, one that does not decode, a listing past its limits, inconsistent
/// paging), which the next poll may not repeat.
pub fn is_persistent(error: &p2c_vpn::Error) -> bool {
    match error.kind() {
        ErrorKind::Credentials | ErrorKind::Unauthorized | ErrorKind::InvalidInput => true,
        ErrorKind::Service => error.status().is_some_and(|s| {
            s.is_client_error()
                && s != p2c_vpn::StatusCode::REQUEST_TIMEOUT
                && s != p2c_vpn::StatusCode::TOO_MANY_REQUESTS
        }),
        _ => false,
    }
}

/// How one gateway's poll of one tick went.
#[derive(Debug)]
#[non_exhaustive]
pub enum Outcome {
    /// Answered in time.
    Polled {
        /// Its connections now.
        connections: usize,
        /// From the start of the tick to the answer.
        took: Duration,
    },
    /// Failed in time (after the client's retries that fitted).
    Failed(p2c_vpn::Error),
    /// No answer by the poll's deadline: dropped (the next tick polls again).
    Late {
        /// The deadline, from the start of the tick.
        after: Duration,
    },
}

impl Outcome {
    /// Whether the poll failed or was late.
    pub fn is_failure(&self) -> bool {
        !matches!(self, Self::Polled { .. })
    }

    /// Whether it failed for a persistent reason ([`is_persistent`]).
    pub fn is_persistent(&self) -> bool {
        matches!(self, Self::Failed(e) if is_persistent(e))
    }

    /// The error, for [`Outcome::Failed`].
    pub fn error(&self) -> Option<&p2c_vpn::Error> {
        match self {
            Self::Failed(e) => Some(e),
            _ => None,
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Polled { connections, .. } => write!(f, "{connections} connections"),
            Self::Failed(e) => write!(f, "{e}"),
            Self::Late { after } => write!(f, "late: no answer within {after:?}"),
        }
    }
}

/// One gateway at one tick.
#[derive(Debug)]
#[non_exhaustive]
pub struct GatewayTick {
    /// The gateway, as given to the [`Watch`].
    pub gateway: String,
    /// How its poll went.
    pub outcome: Outcome,
    /// Its status after the poll (connections unknown, never zero, when it failed).
    pub status: GatewayStatus,
}

/// The polls of one tick.
#[derive(Debug)]
#[non_exhaustive]
pub struct Tick {
    /// 1 for the first tick.
    pub number: u64,
    /// When its polls started.
    pub at: Instant,
    /// Every gateway, in the order given to the [`Watch`].
    pub gateways: Vec<GatewayTick>,
    /// The events of the gateways that answered, gateway by gateway in that order.
    pub events: Vec<Event>,
}

impl Tick {
    /// Whether every gateway failed for a persistent reason: the last tick of the stream.
    pub fn is_final(&self) -> bool {
        !self.gateways.is_empty() && self.gateways.iter().all(|g| g.outcome.is_persistent())
    }

    /// How many gateways failed or were late.
    pub fn failed(&self) -> usize {
        self.gateways
            .iter()
            .filter(|g| g.outcome.is_failure())
            .count()
    }
}

enum Source {
    Client { client: Client, page_size: u32 },
    Custom(Poller),
}

impl Source {
    fn poll(&self, gateway: &str) -> BoxFuture<'static, p2c_vpn::Result<Vec<Connection>>> {
        match self {
            Self::Client { client, page_size } => {
                let list = client.connections(gateway).page_size(*page_size);
                Box::pin(list.collect_all())
            }
            Self::Custom(poller) => poller(gateway.to_owned()),
        }
    }
}

/// Polls several gateways every `interval`, each on its own deadline; see the module docs.
#[must_use]
pub struct Watch {
    source: Source,
    gateways: Vec<String>,
    interval: Duration,
    poll_timeout: Duration,
    concurrency: usize,
}

impl fmt::Debug for Watch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Watch")
            .field("gateways", &self.gateways)
            .field("interval", &self.interval)
            .field("poll_timeout", &self.poll_timeout)
            .field("concurrency", &self.concurrency)
            .finish_non_exhaustive()
    }
}

impl Watch {
    /// Watches these gateways (IDs or names) through `client`: every page of each, every
    /// `interval` (at least 1 ms).
    pub fn new<I, S>(client: Client, gateways: I, interval: Duration) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self::from_source(
            Source::Client {
                client,
                page_size: p2c_vpn::DEFAULT_PAGE_SIZE,
            },
            gateways,
            interval,
        )
    }

    /// Watches these gateways with `poller` listing one gateway's connections (a cache, a
    /// filter, a test).
    pub fn with_poller<I, S, F>(gateways: I, interval: Duration, poller: F) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
        F: Fn(String) -> BoxFuture<'static, p2c_vpn::Result<Vec<Connection>>>
            + Send
            + Sync
            + 'static,
    {
        Self::from_source(Source::Custom(Arc::new(poller)), gateways, interval)
    }

    fn from_source<I, S>(source: Source, gateways: I, interval: Duration) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let interval = interval.max(Duration::from_millis(1));
        Self {
            source,
            gateways: gateways.into_iter().map(Into::into).collect(),
            interval,
            poll_timeout: interval,
            concurrency: p2c_vpn::DEFAULT_CONCURRENCY,
        }
    }

    /// Records per request (with [`Watch::new`]; default [`p2c_vpn::DEFAULT_PAGE_SIZE`]).
    pub fn page_size(mut self, page_size: u32) -> Self {
        if let Source::Client { page_size: p, .. } = &mut self.source {
            *p = page_size;
        }
        self
    }

    /// Each poll's deadline from the start of its tick (default and maximum: the
    /// interval).
    pub fn poll_timeout(mut self, timeout: Duration) -> Self {
        self.poll_timeout = timeout.min(self.interval);
        self
    }

    /// Gateways polled at the same time (default [`p2c_vpn::DEFAULT_CONCURRENCY`]); one
    /// that could not start before its deadline is [`Outcome::Late`].
    pub fn concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency.max(1);
        self
    }

    /// The ticks: the first at once, then one every interval (later if the consumer is
    /// slower). Ends after a [`Tick::is_final`] tick; empty without gateways. Needs a
    /// Tokio runtime with its time driver.
    pub fn ticks(self) -> BoxStream<'static, Tick> {
        let state = State {
            watch: self,
            timer: None,
            sampler: Sampler::new(),
            held: Vec::new(),
            number: 0,
            done: false,
        };
        futures::stream::unfold(state, |mut state| async move {
            let tick = state.next().await?;
            Some((tick, state))
        })
        .boxed()
    }
}

/// A poll's answer (`Err(None)`: none by the deadline), when it came, and whether the poll
/// held its slot until the deadline (it started in time but did not answer).
type Polled = (
    Result<Vec<Connection>, Option<p2c_vpn::Error>>,
    tokio::time::Instant,
    bool,
);

struct State {
    watch: Watch,
    timer: Option<tokio::time::Interval>,
    sampler: Sampler,
    /// Per gateway: whether its last poll held its slot until the deadline.
    held: Vec<bool>,
    number: u64,
    done: bool,
}

impl State {
    async fn next(&mut self) -> Option<Tick> {
        if self.done || self.watch.gateways.is_empty() {
            return None;
        }
        let interval = self.watch.interval;
        let timer = self.timer.get_or_insert_with(|| {
            let mut timer = tokio::time::interval(interval);
            timer.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            timer
        });
        let start = timer.tick().await;
        self.number += 1;
        let deadline = start + self.watch.poll_timeout;
        let after = self.watch.poll_timeout;
        let source = &self.watch.source;
        // Each poll ends by the deadline, answered or not: one gateway never holds the others
        // (nor the next tick) back. A poll that has not started by then (more gateways than
        // `concurrency`) is late at once; gateways that held their slot to the deadline last
        // tick start last, so hung ones cannot keep the others from starting.
        let mut order: Vec<usize> = (0..self.watch.gateways.len()).collect();
        order.sort_by_key(|&i| self.held.get(i).copied().unwrap_or(false));
        let polls: Vec<BoxFuture<'static, (usize, Polled)>> = order
            .iter()
            .map(|&i| {
                let poll = source.poll(&self.watch.gateways[i]);
                async move {
                    let started = tokio::time::Instant::now();
                    if started >= deadline {
                        // No slot in time: nothing is sent.
                        return (i, (Err(None), deadline, false));
                    }
                    let polled = match tokio::time::timeout_at(deadline, poll).await {
                        Ok(result) => (result.map_err(Some), tokio::time::Instant::now(), false),
                        Err(_) => (Err(None), deadline, started < deadline),
                    };
                    (i, polled)
                }
                .boxed()
            })
            .collect();
        let mut results: Vec<(usize, Polled)> = futures::stream::iter(polls)
            .buffer_unordered(self.watch.concurrency)
            .collect()
            .await;
        results.sort_by_key(|(i, _)| *i);
        self.held = results.iter().map(|(_, (_, _, held))| *held).collect();
        let mut gateways = Vec::with_capacity(results.len());
        let mut events = Vec::new();
        for (gateway, (_, (result, done_at, _))) in self.watch.gateways.iter().zip(results) {
            let outcome = match result {
                Ok(connections) => {
                    let count = connections.len();
                    events.extend(
                        self.sampler
                            .observe(gateway, done_at.into_std(), connections),
                    );
                    Outcome::Polled {
                        connections: count,
                        took: done_at.saturating_duration_since(start),
                    }
                }
                Err(error) => {
                    let outcome = match error {
                        Some(e) => Outcome::Failed(e),
                        None => Outcome::Late { after },
                    };
                    self.sampler.poll_failed(gateway, outcome.to_string());
                    outcome
                }
            };
            // observe / poll_failed above always record the gateway.
            let status = self.sampler.status(gateway).unwrap_or(GatewayStatus {
                connections: None,
                last_good: None,
                failure: None,
            });
            gateways.push(GatewayTick {
                gateway: gateway.clone(),
                outcome,
                status,
            });
        }
        let tick = Tick {
            number: self.number,
            at: start.into_std(),
            gateways,
            events,
        };
        self.done = tick.is_final();
        Some(tick)
    }
}
