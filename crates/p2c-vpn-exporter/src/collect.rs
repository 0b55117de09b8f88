//! Collection: on scrape, at most once per `min_interval`, gateways concurrently (bounded),
//! never holding a scrape past its timeout. The latest values live in [`State`]; a scrape
//! encodes a [`View`] of them.
//!
//! A *round* lists each target's gateways, then lists the connections of each chosen
//! gateway in its own task. The round ends when all of that is done or at its deadline
//! (`scrape_timeout` after it started), whichever comes first; work still running then goes
//! on in the background and lands in the state when it finishes, and a later round does not
//! start a second collection of a gateway (or a second listing of a target) still running.
//! At the end of a round, every gateway not collected successfully since the round started
//! has `up` 0 and keeps its last good values.
//!
//! What is kept is bounded whatever the service sends (issue #24): gateway listings are
//! read page by page and only what the series need is kept (at most `max_gateways` per
//! target, IDs of at most [`MAX_ID_BYTES`](crate::bounds::MAX_ID_BYTES), names cut to
//! [`MAX_LABEL_BYTES`](crate::bounds::MAX_LABEL_BYTES); see `bounds.rs`); connection
//! pages are summed as they arrive, and per-connection series are drawn from one budget of
//! `max_connection_series` over all gateways. A failure counts in `collection_errors`.

use std::collections::{BTreeMap, HashSet};
use std::future::Future;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use futures::StreamExt as _;
use p2c_vpn::Connection;
use tokio::sync::{Semaphore, watch};
use tokio::time::Instant;

use crate::bounds::{Listed, Selection, SeriesBudget, Spend, label_value};
use crate::config::{ExporterConfig, Target};
use crate::http::{HttpStats, ResponseBudget};

/// `operation` label values: the API's operation IDs.
pub(crate) const OP_PROJECT: &str = "KeystoneListProjects";
pub(crate) const OP_GATEWAYS: &str = "ListP2cVgws";
pub(crate) const OP_CONNECTIONS: &str = "ListP2cVgwConnections";

/// `limit` label values of `p2c_vpn_exporter_truncated`.
pub(crate) const LIMIT_GATEWAYS: &str = "max_gateways";
pub(crate) const LIMIT_SERIES: &str = "max_connection_series";

/// The exporter's shared state and settings.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) targets: Vec<Target>,
    selectors: Vec<String>,
    pub(crate) per_connection: bool,
    min_interval: Duration,
    pub(crate) scrape_timeout: Duration,
    max_gateways: usize,
    series: SeriesBudget,
    pub(crate) max_http_connections: usize,
    pub(crate) header_read_timeout: Duration,
    pub(crate) http: Arc<HttpStats>,
    pub(crate) responses: Arc<ResponseBudget>,
    semaphore: Arc<Semaphore>,
    state: Mutex<State>,
    /// Set once the server stops: background collections end.
    stopped: watch::Sender<bool>,
}

#[derive(Debug, Default)]
struct State {
    /// The round in progress: its receiver turns `true` when it ends.
    round: Option<watch::Receiver<bool>>,
    /// When the round in progress started.
    round_started: Option<Instant>,
    last_round: Option<Instant>,
    targets: Vec<TargetState>,
    gateways: BTreeMap<(usize, String), GatewayEntry>,
    /// Calls by (target, operation, outcome).
    api: BTreeMap<(usize, &'static str, &'static str), u64>,
    /// Failed collection steps by (target, operation, reason).
    errors: BTreeMap<(usize, &'static str, &'static str), u64>,
}

#[derive(Debug, Default)]
struct TargetState {
    /// Its gateway listing (from an earlier round) is still running.
    discovering: bool,
    /// Its gateway list came back at least once.
    catalog_known: bool,
    /// The selectors (`--gateway`) its last gateway list matched.
    hits: HashSet<String>,
    /// Its last gateway list had more gateways than `max_gateways`.
    truncated: bool,
}

#[derive(Debug, Default)]
struct GatewayEntry {
    name: Option<String>,
    max_connections: Option<u64>,
    /// The last finished collection succeeded, and it is recent (see the module doc).
    up: bool,
    in_flight: bool,
    completed_at: Option<Instant>,
    duration: Option<Duration>,
    last_success: Option<SystemTime>,
    sample: Option<Arc<Sample>>,
}

/// One gateway's connections, as last collected.
#[derive(Debug, Default)]
pub(crate) struct Sample {
    pub(crate) connections: u64,
    pub(crate) inbound_bytes: i64,
    pub(crate) outbound_bytes: i64,
    pub(crate) inbound_packets: i64,
    pub(crate) outbound_packets: i64,
    /// Filled only with `per_connection`, within the `max_connection_series` budget.
    pub(crate) per_connection: Vec<ConnectionSample>,
    /// Connections left without series of their own by the budget.
    pub(crate) series_skipped: u64,
}

/// One connection's series.
#[derive(Debug)]
pub(crate) struct ConnectionSample {
    pub(crate) id: String,
    pub(crate) user: String,
    pub(crate) inbound_bytes: Option<u64>,
    pub(crate) outbound_bytes: Option<u64>,
    pub(crate) inbound_packets: Option<u64>,
    pub(crate) outbound_packets: Option<u64>,
    pub(crate) established: Option<f64>,
}

/// What one scrape encodes: a consistent copy of the state (samples shared, not copied).
#[derive(Debug)]
pub(crate) struct View {
    /// `region` and `project` label values per target; `None` with a single target (no
    /// such labels).
    pub(crate) target_labels: Option<Vec<(String, String)>>,
    pub(crate) per_connection: bool,
    pub(crate) gateways: Vec<GatewayView>,
    /// Selectors no target has: `up` 0 under the selector's own text.
    pub(crate) unresolved: Vec<String>,
    pub(crate) api: Vec<(usize, &'static str, &'static str, u64)>,
    pub(crate) errors: Vec<(usize, &'static str, &'static str, u64)>,
    /// (target, limit, cut) for every target and limit.
    pub(crate) truncated: Vec<(usize, &'static str, bool)>,
    pub(crate) http: [(&'static str, u64); 5],
    pub(crate) responses_refused: u64,
}

#[derive(Debug)]
pub(crate) struct GatewayView {
    pub(crate) target: usize,
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) max_connections: Option<u64>,
    pub(crate) up: bool,
    pub(crate) duration: Option<f64>,
    pub(crate) last_success: Option<f64>,
    pub(crate) sample: Option<Arc<Sample>>,
}

impl Shared {
    pub(crate) fn new(config: ExporterConfig) -> Self {
        let targets = config.targets.len();
        Self {
            targets: config.targets,
            selectors: config.gateways,
            per_connection: config.per_connection,
            min_interval: config.min_interval,
            scrape_timeout: config.scrape_timeout,
            max_gateways: config.max_gateways,
            series: SeriesBudget::new(config.max_connection_series),
            max_http_connections: config.max_http_connections,
            header_read_timeout: config.header_read_timeout,
            http: Arc::default(),
            responses: Arc::new(ResponseBudget::new(config.max_response_bytes)),
            semaphore: Arc::new(Semaphore::new(config.concurrency)),
            state: Mutex::new(State {
                targets: (0..targets).map(|_| TargetState::default()).collect(),
                ..State::default()
            }),
            stopped: watch::Sender::new(false),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Ends every background collection (the server stopped).
    pub(crate) fn stop(&self) {
        self.stopped.send_replace(true);
    }

    /// Runs `work` in the background until it ends or the exporter stops.
    fn spawn<F>(&self, work: F) -> tokio::task::JoinHandle<()>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let mut stopped = self.stopped.subscribe();
        tokio::spawn(async move {
            tokio::select! {
                _ = stopped.wait_for(|s| *s) => {}
                () = work => {}
            }
        })
    }

    /// Starts a round if one is due (none running, none started within `min_interval`),
    /// then waits for the round in progress to end, at most `wait`.
    pub(crate) async fn refresh(self: &Arc<Self>, wait: Duration) {
        let round = {
            let mut st = self.lock();
            let running = st
                .round
                .as_ref()
                .filter(|rx| !*rx.borrow() && rx.has_changed().is_ok())
                .cloned();
            match running {
                Some(rx) => Some(rx),
                None if st
                    .last_round
                    .is_some_and(|at| at.elapsed() < self.min_interval) =>
                {
                    None
                }
                None => {
                    let (tx, rx) = watch::channel(false);
                    let now = Instant::now();
                    st.round = Some(rx.clone());
                    st.round_started = Some(now);
                    st.last_round = Some(now);
                    let me = Arc::clone(self);
                    self.spawn(me.round(tx));
                    Some(rx)
                }
            }
        };
        if let Some(mut rx) = round {
            let _ = tokio::time::timeout(wait, rx.wait_for(|done| *done)).await;
        }
    }

    async fn round(self: Arc<Self>, done: watch::Sender<bool>) {
        // Ends the round even if this future is dropped (the exporter stopped).
        struct EndRound<'a>(&'a Shared, Instant, watch::Sender<bool>);
        impl Drop for EndRound<'_> {
            fn drop(&mut self) {
                self.0.end_round(self.1);
                self.2.send_replace(true);
            }
        }
        let started = Instant::now();
        let _end = EndRound(&self, started, done);
        tracing::debug!("collecting");
        let mut handles = Vec::new();
        for idx in 0..self.targets.len() {
            {
                let mut st = self.lock();
                if std::mem::replace(&mut st.targets[idx].discovering, true) {
                    tracing::warn!(
                        target = idx,
                        "the previous gateway listing of this target is still running"
                    );
                    continue;
                }
            }
            let me = Arc::clone(&self);
            handles.push(self.spawn(me.collect_target(idx)));
        }
        let deadline = started + self.scrape_timeout;
        let cut = tokio::time::timeout_at(deadline, futures::future::join_all(handles))
            .await
            .is_err();
        // What ended the round, for `-v` and for the tests (which assert it rather than
        // time the scrape): its own work, or the deadline with work still running.
        tracing::debug!(cut, "round ended");
    }

    /// Marks as down every gateway not collected successfully since `started`.
    fn end_round(&self, started: Instant) {
        let mut st = self.lock();
        let mut late = 0usize;
        for ((_, id), e) in &mut st.gateways {
            let fresh = !e.in_flight && e.completed_at.is_some_and(|at| at >= started);
            if !fresh {
                if e.up || e.in_flight {
                    late += 1;
                    tracing::debug!(gateway = id.as_str(), "not collected in time");
                }
                e.up = false;
            }
        }
        if late > 0 {
            tracing::warn!(
                gateways = late,
                "gateway(s) not collected within the scrape timeout: serving their last \
                 values with up 0"
            );
        }
        for selector in self.unresolved(&st) {
            tracing::warn!(
                gateway = selector.as_str(),
                "no gateway of any target has this ID or (unique) name"
            );
        }
        st.round = None;
        st.round_started = None;
    }

    fn count(&self, target: usize, operation: &'static str, outcome: &'static str) {
        *self
            .lock()
            .api
            .entry((target, operation, outcome))
            .or_default() += 1;
    }

    /// Counts a failed collection step (`p2c_vpn_collection_errors_total`).
    fn failed(&self, st: &mut State, target: usize, operation: &'static str, e: &p2c_vpn::Error) {
        *st.errors
            .entry((target, operation, outcome(Some(e))))
            .or_default() += 1;
    }

    /// One target: the project (looked up once), its gateways, then each chosen gateway's
    /// connections in its own task.
    async fn collect_target(self: Arc<Self>, idx: usize) {
        struct Discovered<'a>(&'a Shared, usize);
        impl Drop for Discovered<'_> {
            fn drop(&mut self) {
                self.0.lock().targets[self.1].discovering = false;
            }
        }
        let to_fetch = {
            let _discovered = Discovered(&self, idx);
            self.discover(idx).await
        };
        let handles: Vec<_> = to_fetch
            .into_iter()
            .map(|id| {
                let me = Arc::clone(&self);
                self.spawn(me.collect_gateway(idx, id))
            })
            .collect();
        futures::future::join_all(handles).await;
    }

    /// Lists the target's gateways, updates the entries and returns the IDs to collect
    /// (marked in flight).
    async fn discover(&self, idx: usize) -> Vec<String> {
        let target = &self.targets[idx];
        let client = &target.client;
        if client.project_id().is_none() {
            let found = client.project().await;
            self.count(idx, OP_PROJECT, outcome(found.as_ref().err()));
            if let Err(e) = found {
                self.failed(&mut self.lock(), idx, OP_PROJECT, &e);
                tracing::warn!(region = target.log_region(), error = %e, "project lookup failed");
                return Vec::new();
            }
        }
        let listed = self.list_gateways(idx).await;
        let mut st = self.lock();
        let st = &mut *st;
        let chosen: Vec<(String, Option<Listed>)> = match listed {
            Ok((chosen, hits, truncated)) => {
                if truncated && !st.targets[idx].truncated {
                    tracing::warn!(
                        region = target.log_region(),
                        max_gateways = self.max_gateways,
                        "more gateways than --max-gateways: collecting the first ones only"
                    );
                }
                st.targets[idx].catalog_known = true;
                st.targets[idx].hits = hits;
                st.targets[idx].truncated = truncated;
                let keep: HashSet<&str> = chosen.iter().map(|g| g.id.as_str()).collect();
                let series = &self.series;
                st.gateways.retain(|(t, id), e| {
                    let kept = *t != idx || keep.contains(id.as_str());
                    if !kept {
                        series.release(e.series_held());
                    }
                    kept
                });
                chosen
                    .into_iter()
                    .map(|g| (g.id.clone(), Some(g)))
                    .collect()
            }
            Err(e) => {
                self.failed(st, idx, OP_GATEWAYS, &e);
                tracing::warn!(
                    region = target.log_region(),
                    error = %e,
                    "listing the gateways failed; collecting the gateways known so far"
                );
                if st.targets[idx].catalog_known {
                    st.gateways
                        .keys()
                        .filter(|(t, _)| *t == idx)
                        .map(|(_, id)| (id.clone(), None))
                        .collect()
                } else {
                    // Never listed: gateways given by ID can still be collected.
                    self.selectors
                        .iter()
                        .filter(|s| p2c_vpn::is_gateway_id(s))
                        .map(|s| (s.clone(), None))
                        .collect()
                }
            }
        };
        let mut to_fetch = Vec::new();
        for (id, gateway) in chosen {
            let entry = st.gateways.entry((idx, id.clone())).or_default();
            if let Some(g) = gateway {
                entry.name = g.name;
                entry.max_connections = g.max_connections;
            }
            if !std::mem::replace(&mut entry.in_flight, true) {
                to_fetch.push(id);
            }
        }
        to_fetch
    }

    /// The target's gateways page by page, each page counted, keeping only the chosen ones
    /// (see [`Selection`]); the listing stops once `max_gateways` are chosen and one more
    /// is seen (without selectors). `(chosen, selectors matched, truncated)`.
    async fn list_gateways(
        &self,
        idx: usize,
    ) -> p2c_vpn::Result<(Vec<Listed>, HashSet<String>, bool)> {
        let mut pages = self.targets[idx].client.gateways().pages();
        let mut selection = Selection::new(&self.selectors, self.max_gateways);
        'pages: while let Some(page) = pages.next().await {
            self.count(idx, OP_GATEWAYS, outcome(page.as_ref().err()));
            for g in &page?.gateways {
                if !selection.add(g) {
                    break 'pages;
                }
            }
        }
        Ok(selection.finish())
    }

    /// One gateway's connections, within the concurrency bound.
    async fn collect_gateway(self: Arc<Self>, idx: usize, id: String) {
        // Clears the in-flight mark even if the collection is dropped.
        struct Landed<'a>(&'a Shared, usize, &'a str);
        impl Drop for Landed<'_> {
            fn drop(&mut self) {
                let mut st = self.0.lock();
                if let Some(e) = st.gateways.get_mut(&(self.1, self.2.to_owned())) {
                    e.in_flight = false;
                }
            }
        }
        let _landed = Landed(&self, idx, &id);
        let Ok(_permit) = Arc::clone(&self.semaphore).acquire_owned().await else {
            return;
        };
        // The series this gateway holds now are its own to reuse; more come from the pool.
        let mut spend = Spend {
            allowance: self
                .lock()
                .gateways
                .get(&(idx, id.clone()))
                .map_or(0, GatewayEntry::series_held),
            from_pool: 0,
        };
        let started = Instant::now();
        let result = self.list_connections(idx, &id, &mut spend).await;
        let elapsed = started.elapsed();
        let mut st = self.lock();
        let st = &mut *st;
        let Some(e) = st.gateways.get_mut(&(idx, id.clone())) else {
            // The gateway is gone from the list meanwhile (its old series were released).
            self.series.release(spend.from_pool);
            return;
        };
        e.in_flight = false;
        e.completed_at = Some(Instant::now());
        e.duration = Some(elapsed);
        match result {
            Ok(sample) => {
                // The old sample's series not reused go back to the pool.
                self.series.release(spend.allowance);
                if sample.series_skipped > 0 {
                    tracing::warn!(
                        gateway = id.as_str(),
                        skipped = sample.series_skipped,
                        "--max-connection-series reached: connections without series of their own"
                    );
                }
                e.up = true;
                e.last_success = Some(SystemTime::now());
                e.sample = Some(Arc::new(sample));
            }
            Err(err) => {
                self.series.release(spend.from_pool);
                e.up = false;
                *st.errors
                    .entry((idx, OP_CONNECTIONS, outcome(Some(&err))))
                    .or_default() += 1;
                tracing::warn!(gateway = id.as_str(), error = %err, "collecting the connections failed");
            }
        }
    }

    /// Every page of a gateway's connections, each page counted, summed as they arrive.
    async fn list_connections(
        &self,
        idx: usize,
        id: &str,
        spend: &mut Spend,
    ) -> p2c_vpn::Result<Sample> {
        let mut pages = self.targets[idx].client.connections(id).pages();
        let mut sample = Sample::default();
        while let Some(page) = pages.next().await {
            self.count(idx, OP_CONNECTIONS, outcome(page.as_ref().err()));
            for c in &page?.connections {
                sample.add(
                    c,
                    self.per_connection.then_some((&self.series, &mut *spend)),
                );
            }
        }
        Ok(sample)
    }

    /// Checks the selectors (`--gateway`) once, before serving, against each target's full
    /// gateway listing (within `scrape_timeout`): [`bounds::selector_problems`]. A target
    /// that cannot be listed now (network, credentials, the service) leaves the selectors
    /// it could hold unchecked: the exporter starts and reports them with `up` 0. These
    /// listings are not counted in the metrics.
    pub(crate) async fn check_selectors(&self) -> Result<(), String> {
        if self.selectors.is_empty() {
            return Ok(());
        }
        let listings = futures::future::join_all(self.targets.iter().map(|t| async move {
            let listed =
                tokio::time::timeout(self.scrape_timeout, t.client.gateways().collect_all()).await;
            let gateways = match listed {
                Ok(Ok(gateways)) => Some(gateways),
                Ok(Err(e)) => {
                    tracing::warn!(
                        region = t.log_region(),
                        error = %e,
                        "cannot list the gateways to check --gateway: starting without the check"
                    );
                    None
                }
                Err(_) => {
                    tracing::warn!(
                        region = t.log_region(),
                        timeout = ?self.scrape_timeout,
                        "listing the gateways to check --gateway timed out: starting without \
                         the check"
                    );
                    None
                }
            };
            (t.name(), gateways)
        }))
        .await;
        let problems = crate::bounds::selector_problems(&self.selectors, &listings);
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("; "))
        }
    }

    /// Selectors no target's gateway list matched (known once every target was listed).
    fn unresolved(&self, st: &State) -> Vec<String> {
        if !st.targets.iter().all(|t| t.catalog_known) {
            return Vec::new();
        }
        self.selectors
            .iter()
            .filter(|s| !st.targets.iter().any(|t| t.hits.contains(*s)))
            .cloned()
            .collect()
    }

    /// A copy of the latest values for one scrape. A scrape that stopped waiting for the
    /// round in progress shows the gateways it has not collected yet as down.
    pub(crate) fn view(&self) -> View {
        let st = self.lock();
        let late_before = st.round_started;
        let target_labels = (self.targets.len() > 1).then(|| {
            self.targets
                .iter()
                .map(|t| (t.region.clone(), t.project_label().to_owned()))
                .collect()
        });
        let gateways = st
            .gateways
            .iter()
            .map(|((target, id), e)| GatewayView {
                target: *target,
                id: id.clone(),
                name: e.name.clone().unwrap_or_default(),
                max_connections: e.max_connections,
                up: e.up
                    && !e.in_flight
                    && late_before
                        .is_none_or(|started| e.completed_at.is_some_and(|at| at >= started)),
                duration: e.duration.map(|d| d.as_secs_f64()),
                last_success: e.last_success.and_then(|t| {
                    t.duration_since(SystemTime::UNIX_EPOCH)
                        .ok()
                        .map(|d| d.as_secs_f64())
                }),
                sample: e.sample.clone(),
            })
            .collect();
        let unresolved = self.unresolved(&st);
        let series_cut: HashSet<usize> = st
            .gateways
            .iter()
            .filter(|(_, e)| e.sample.as_ref().is_some_and(|s| s.series_skipped > 0))
            .map(|((t, _), _)| *t)
            .collect();
        let truncated = st
            .targets
            .iter()
            .enumerate()
            .flat_map(|(idx, t)| {
                [
                    (idx, LIMIT_GATEWAYS, t.truncated),
                    (idx, LIMIT_SERIES, series_cut.contains(&idx)),
                ]
            })
            .collect();
        View {
            target_labels,
            per_connection: self.per_connection,
            gateways,
            unresolved,
            api: st
                .api
                .iter()
                .map(|(&(t, op, out), &n)| (t, op, out, n))
                .collect(),
            errors: st
                .errors
                .iter()
                .map(|(&(t, op, reason), &n)| (t, op, reason, n))
                .collect(),
            truncated,
            http: self.http.snapshot(),
            responses_refused: self.http.responses_refused.load(Ordering::Relaxed),
        }
    }
}

impl GatewayEntry {
    /// Per-connection series its sample holds (drawn from the budget).
    fn series_held(&self) -> usize {
        self.sample.as_ref().map_or(0, |s| s.per_connection.len())
    }
}

impl Sample {
    /// Adds a connection to the sums and, with `per_connection` (the budget and this
    /// collection's spending), its own series while the budget lasts.
    fn add(&mut self, c: &Connection, per_connection: Option<(&SeriesBudget, &mut Spend)>) {
        // Absent and negative counters are `None` (the accessors' rule): they add nothing.
        let add = |sum: &mut i64, v: Option<u64>| {
            if let Some(v) = v {
                *sum = sum.saturating_add_unsigned(v);
            }
        };
        self.connections += 1;
        add(&mut self.inbound_bytes, c.inbound_bytes());
        add(&mut self.outbound_bytes, c.outbound_bytes());
        add(&mut self.inbound_packets, c.inbound_packets());
        add(&mut self.outbound_packets, c.outbound_packets());
        let Some((pool, spend)) = per_connection else {
            return;
        };
        // A connection without an ID has no series of its own (it still counts above).
        let Some(id) = c.connection_id() else {
            return;
        };
        if !spend.take(pool) {
            self.series_skipped += 1;
            return;
        }
        self.per_connection.push(ConnectionSample {
            id: id.to_string(),
            user: label_value(c.user_name().unwrap_or_default()),
            inbound_bytes: c.inbound_bytes(),
            outbound_bytes: c.outbound_bytes(),
            inbound_packets: c.inbound_packets(),
            outbound_packets: c.outbound_packets(),
            established: c
                .established_at()
                .map(|t| t.timestamp_millis() as f64 / 1000.0),
        });
    }
}

/// The `outcome` label of a call: `success`, or the error kind's stable name
/// ([`p2c_vpn::ErrorKind::name`]).
pub(crate) fn outcome(error: Option<&p2c_vpn::Error>) -> &'static str {
    error.map_or("success", |e| e.kind().name())
}
