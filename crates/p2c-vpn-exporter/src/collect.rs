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

use std::collections::{BTreeMap, HashSet};
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use futures::StreamExt as _;
use p2c_vpn::{Connection, Gateway};
use tokio::sync::{Semaphore, watch};
use tokio::time::Instant;

use crate::config::{ExporterConfig, Target};

/// `operation` label values: the API's operation IDs.
pub(crate) const OP_PROJECT: &str = "KeystoneListProjects";
pub(crate) const OP_GATEWAYS: &str = "ListP2cVgws";
pub(crate) const OP_CONNECTIONS: &str = "ListP2cVgwConnections";

/// The exporter's shared state and settings.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) targets: Vec<Target>,
    selectors: Vec<String>,
    pub(crate) per_connection: bool,
    min_interval: Duration,
    pub(crate) scrape_timeout: Duration,
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
}

#[derive(Debug, Default)]
struct TargetState {
    /// Its gateway listing (from an earlier round) is still running.
    discovering: bool,
    /// Its gateway list came back at least once.
    catalog_known: bool,
    /// The selectors (`--gateway`) its last gateway list matched.
    hits: HashSet<String>,
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
    /// Filled only with `per_connection`.
    pub(crate) per_connection: Vec<ConnectionSample>,
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
        let _ = tokio::time::timeout_at(deadline, futures::future::join_all(handles)).await;
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
                tracing::warn!(region = target.region.as_str(), error = %e, "project lookup failed");
                return Vec::new();
            }
        }
        let listed = self.list_gateways(idx).await;
        let mut st = self.lock();
        let st = &mut *st;
        let chosen: Vec<(String, Option<&Gateway>)> = match &listed {
            Ok(gateways) => {
                let (chosen, hits) = select(gateways, &self.selectors);
                st.targets[idx].catalog_known = true;
                st.targets[idx].hits = hits;
                let keep: HashSet<&str> = chosen.iter().filter_map(|g| g.id()).collect();
                st.gateways
                    .retain(|(t, id), _| *t != idx || keep.contains(id.as_str()));
                chosen
                    .into_iter()
                    .filter_map(|g| Some((g.id()?.to_owned(), Some(g))))
                    .collect()
            }
            Err(e) => {
                tracing::warn!(
                    region = target.region.as_str(),
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
                entry.name = g.name().map(str::to_owned);
                entry.max_connections = g.max_connections();
            }
            if !std::mem::replace(&mut entry.in_flight, true) {
                to_fetch.push(id);
            }
        }
        to_fetch
    }

    /// Every page of the target's gateways, each page counted.
    async fn list_gateways(&self, idx: usize) -> p2c_vpn::Result<Vec<Gateway>> {
        let mut pages = self.targets[idx].client.gateways().pages();
        let mut all = Vec::new();
        while let Some(page) = pages.next().await {
            self.count(idx, OP_GATEWAYS, outcome(page.as_ref().err()));
            all.extend(page?.gateways);
        }
        Ok(all)
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
        let started = Instant::now();
        let result = self.list_connections(idx, &id).await;
        let elapsed = started.elapsed();
        let mut st = self.lock();
        let Some(e) = st.gateways.get_mut(&(idx, id.clone())) else {
            return; // the gateway is gone from the list meanwhile
        };
        e.in_flight = false;
        e.completed_at = Some(Instant::now());
        e.duration = Some(elapsed);
        match result {
            Ok(sample) => {
                e.up = true;
                e.last_success = Some(SystemTime::now());
                e.sample = Some(Arc::new(sample));
            }
            Err(err) => {
                e.up = false;
                tracing::warn!(gateway = id.as_str(), error = %err, "collecting the connections failed");
            }
        }
    }

    /// Every page of a gateway's connections, each page counted, summed as they arrive.
    async fn list_connections(&self, idx: usize, id: &str) -> p2c_vpn::Result<Sample> {
        let mut pages = self.targets[idx].client.connections(id).pages();
        let mut sample = Sample::default();
        while let Some(page) = pages.next().await {
            self.count(idx, OP_CONNECTIONS, outcome(page.as_ref().err()));
            for c in &page?.connections {
                sample.add(c, self.per_connection);
            }
        }
        Ok(sample)
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
        }
    }
}

impl Sample {
    fn add(&mut self, c: &Connection, per_connection: bool) {
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
        if !per_connection {
            return;
        }
        // A connection without an ID has no series of its own (it still counts above).
        let Some(id) = c.connection_id() else {
            return;
        };
        self.per_connection.push(ConnectionSample {
            id: id.to_string(),
            user: c.user_name().unwrap_or_default().to_owned(),
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

/// The gateways to collect and the selectors that matched: every gateway without
/// selectors; else, per selector, the gateway [`p2c_vpn::find_gateway`] names (a name
/// several gateways share matches none).
fn select<'a>(
    gateways: &'a [Gateway],
    selectors: &[String],
) -> (Vec<&'a Gateway>, HashSet<String>) {
    let mut hits = HashSet::new();
    if selectors.is_empty() {
        return (gateways.iter().filter(|g| g.id().is_some()).collect(), hits);
    }
    let mut chosen: Vec<&Gateway> = Vec::new();
    for selector in selectors {
        // The library's one naming rule; a selector another target has is no error here
        // (unresolved selectors are warned about once all targets are listed).
        let found = match p2c_vpn::find_gateway(gateways, selector) {
            Ok(g) if g.id().is_some() => Some(g),
            Ok(_) => None,
            Err(e) => {
                tracing::debug!(gateway = selector.as_str(), error = %e, "not in this target");
                None
            }
        };
        if let Some(g) = found {
            hits.insert(selector.clone());
            if !chosen.iter().any(|c| c.id() == g.id()) {
                chosen.push(g);
            }
        }
    }
    (chosen, hits)
}

/// The `outcome` label of a call: `success`, or the error kind's stable name
/// ([`p2c_vpn::ErrorKind::name`]).
pub(crate) fn outcome(error: Option<&p2c_vpn::Error>) -> &'static str {
    error.map_or("success", |e| e.kind().name())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_recognised() {
        assert!(p2c_vpn::is_gateway_id(
            "0f2c5a4e-6b0d-4c5e-9a8f-1c2d3e4f5a6b"
        ));
        assert!(p2c_vpn::is_gateway_id("0f2c5a4e6b0d4c5e9a8f1c2d3e4f5a6b"));
        assert!(!p2c_vpn::is_gateway_id("office"));
        assert!(!p2c_vpn::is_gateway_id(
            "0f2c5a4e-6b0d-4c5e-9a8f-1c2d3e4f5a6"
        ));
    }

    fn gateway(id: &str, name: &str) -> Gateway {
        serde_json::from_value(serde_json::json!({"id": id, "name": name})).unwrap_or_default()
    }

    #[test]
    fn selectors_match_ids_then_unique_names() {
        let all = vec![
            gateway("a", "office"),
            gateway("b", "lab"),
            gateway("c", "lab"),
        ];
        let (chosen, hits) = select(&all, &[]);
        assert_eq!(chosen.len(), 3);
        assert!(hits.is_empty());
        let wanted = ["office", "b", "lab", "a", "nope"].map(String::from);
        let (chosen, hits) = select(&all, &wanted);
        let ids: Vec<_> = chosen.iter().filter_map(|g| g.id()).collect();
        assert_eq!(
            ids,
            ["a", "b"],
            "office and a are one gateway; lab is ambiguous"
        );
        assert!(hits.contains("office") && hits.contains("a") && hits.contains("b"));
        assert!(!hits.contains("lab") && !hits.contains("nope"));
    }
}
