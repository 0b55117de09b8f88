//! The state of the `top` screen, without a terminal: gateways and their poll health, one
//! row per connection (rates and new/dropped from `p2c_vpn_runtime`'s [`Sampler`]), sort,
//! filter, marks, the cursor and the confirmation flow; `input.rs` turns keys into changes
//! of it ([`App::on_key`]), so every rule is unit-tested without a screen.

use std::collections::{HashMap, HashSet, VecDeque};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use p2c_vpn::Connection;
use p2c_vpn_runtime::sample::{EventKind, Sampler};

use crate::sanitize;

/// Rate samples kept per connection for its sparkline.
pub const HISTORY: usize = 32;

/// Outcome lines kept on screen.
const MESSAGES: usize = 50;

/// A column of the connection table, in the order of the full table (and of the keys `1`
/// to `0` that sort by it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Col {
    User,
    ClientIp,
    VirtualIp,
    Gateway,
    ConnectedFor,
    InRate,
    OutRate,
    Activity,
    InTotal,
    OutTotal,
}

impl Col {
    /// Every column, in table order.
    pub const ALL: [Col; 10] = [
        Col::User,
        Col::ClientIp,
        Col::VirtualIp,
        Col::Gateway,
        Col::ConnectedFor,
        Col::InRate,
        Col::OutRate,
        Col::Activity,
        Col::InTotal,
        Col::OutTotal,
    ];

    /// The header.
    pub fn title(self) -> &'static str {
        match self {
            Col::User => "USER",
            Col::ClientIp => "CLIENT IP",
            Col::VirtualIp => "VIRTUAL IP",
            Col::Gateway => "GATEWAY",
            Col::ConnectedFor => "CONNECTED",
            Col::InRate => "IN RATE",
            Col::OutRate => "OUT RATE",
            Col::Activity => "ACTIVITY",
            Col::InTotal => "IN TOTAL",
            Col::OutTotal => "OUT TOTAL",
        }
    }

    /// Numbers sort largest first.
    fn descending_first(self) -> bool {
        matches!(
            self,
            Col::ConnectedFor
                | Col::InRate
                | Col::OutRate
                | Col::Activity
                | Col::InTotal
                | Col::OutTotal
        )
    }
}

/// A gateway on screen.
#[derive(Debug, Clone)]
pub struct Gateway {
    /// Its ID (what the sampler is keyed by), or what was given when it could not be looked
    /// up.
    pub id: String,
    /// How the screen names it (from `p2c_vpn::gateway_labels` or the command line).
    pub label: String,
    /// What the library is asked with.
    pub lookup: String,
    /// Its maximum of connections, when known.
    pub max: Option<u64>,
    /// Shown (the `g` picker).
    pub shown: bool,
    /// When the last good poll was (wall clock, for people).
    pub last_good: Option<DateTime<Utc>>,
    /// Why the last poll failed.
    pub failure: Option<String>,
    /// Connections at the last good poll.
    pub count: Option<usize>,
    /// Sum of the known rates at the last good poll (bytes per second).
    pub in_bps: f64,
    pub out_bps: f64,
}

impl Gateway {
    pub fn new(id: String, label: String, lookup: String, max: Option<u64>) -> Self {
        Self {
            id,
            label,
            lookup,
            max,
            shown: true,
            last_good: None,
            failure: None,
            count: None,
            in_bps: 0.0,
            out_bps: 0.0,
        }
    }
}

/// One connection on screen.
#[derive(Debug, Clone)]
pub struct Row {
    /// Index into [`App::gateways`].
    pub gateway: usize,
    /// `p2c_vpn_runtime::sample::key`.
    pub key: String,
    pub conn: Connection,
    pub in_bps: Option<f64>,
    pub out_bps: Option<f64>,
    /// In + out rate of the last polls, oldest first.
    pub history: VecDeque<f64>,
    /// New since the previous poll.
    pub new: bool,
}

impl Row {
    pub fn user(&self) -> &str {
        self.conn.user_name().unwrap_or("-")
    }
    pub fn client_ip(&self) -> &str {
        self.conn.as_api().client_ip.as_deref().unwrap_or("-")
    }
    pub fn virtual_ip(&self) -> &str {
        self.conn
            .as_api()
            .client_virtual_ip
            .as_deref()
            .unwrap_or("-")
    }
}

/// A row's identity: its gateway and its sampler key.
pub type RowId = (usize, String);

/// A connection to disconnect, as the confirmation named it.
#[derive(Debug, Clone)]
pub struct Target {
    pub gateway_id: String,
    pub gateway_label: String,
    pub conn: Connection,
}

impl Target {
    /// `alice 203.0.113.5 → 10.0.0.2 on office`, every server string made safe.
    pub fn describe(&self) -> String {
        let c = self.conn.as_api();
        format!(
            "{} {} → {} on {}",
            sanitize::cell(c.client_user_name.as_deref().unwrap_or("-")),
            sanitize::cell(c.client_ip.as_deref().unwrap_or("-")),
            sanitize::cell(c.client_virtual_ip.as_deref().unwrap_or("-")),
            sanitize::cell(&self.gateway_label)
        )
    }
}

/// What the screen is doing.
#[derive(Debug, Clone)]
pub enum Mode {
    Normal,
    /// Typing the filter.
    Filter,
    Help,
    /// Picking the gateways shown; the cursor is an index into the gateways.
    Gateways {
        cursor: usize,
    },
    /// Asking before a disconnect; the targets are named on screen.
    Confirm(Vec<Target>),
    /// A disconnect is under way.
    Disconnecting(usize),
}

/// What the event loop must do after a key.
#[derive(Debug)]
pub enum Action {
    None,
    Quit,
    /// Poll now (after unpausing).
    PollNow,
    Disconnect(Vec<Target>),
}

/// The whole screen's state.
#[derive(Debug)]
pub struct App {
    pub gateways: Vec<Gateway>,
    rows: Vec<Row>,
    sampler: Sampler,
    pub sort: Col,
    pub reverse: bool,
    pub filter: String,
    pub mode: Mode,
    pub paused: bool,
    pub read_only: bool,
    /// More than one gateway: the gateway column is shown.
    pub several: bool,
    /// The row under the cursor, kept across polls and re-sorts.
    selected: Option<RowId>,
    /// Where the cursor was in the view (when the selected row goes away).
    cursor_index: usize,
    pub marked: HashSet<RowId>,
    /// Outcomes and notices, newest last (safe text).
    pub messages: VecDeque<String>,
    pub polling: bool,
    pub polls: u64,
    /// New and dropped connections at the last poll (the sampler's events).
    pub changes: (usize, usize),
    pub interval: Duration,
}

impl App {
    pub fn new(gateways: Vec<Gateway>, interval: Duration, read_only: bool) -> Self {
        let several = gateways.len() > 1;
        Self {
            gateways,
            rows: Vec::new(),
            sampler: Sampler::new(),
            sort: Col::InRate,
            reverse: false,
            filter: String::new(),
            mode: Mode::Normal,
            paused: false,
            read_only,
            several,
            selected: None,
            cursor_index: 0,
            marked: HashSet::new(),
            messages: VecDeque::new(),
            polling: false,
            polls: 0,
            changes: (0, 0),
            interval,
        }
    }

    /// Every row, unsorted (tests and totals).
    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    /// Adds a notice (already safe text).
    pub fn say(&mut self, message: impl Into<String>) {
        self.messages.push_back(message.into());
        while self.messages.len() > MESSAGES {
            self.messages.pop_front();
        }
    }

    /// Feeds one poll: per gateway (index into [`gateways`](Self::gateways)), its
    /// connections or why the poll failed. A failed gateway keeps its rows (shown stale),
    /// never zero.
    pub fn apply_poll(
        &mut self,
        at: Instant,
        now: DateTime<Utc>,
        results: Vec<(usize, Result<Vec<Connection>, String>)>,
    ) {
        self.polls += 1;
        self.changes = (0, 0);
        for (g, result) in results {
            let Some(gateway) = self.gateways.get_mut(g) else {
                continue;
            };
            match result {
                Err(reason) => {
                    self.sampler.poll_failed(&gateway.id, reason.as_str());
                    gateway.failure = Some(reason);
                }
                Ok(connections) => {
                    let events = self.sampler.observe(&gateway.id, at, connections);
                    let mut old: HashMap<String, Row> = HashMap::new();
                    self.rows.retain(|r| {
                        if r.gateway == g {
                            old.insert(r.key.clone(), r.clone());
                            false
                        } else {
                            true
                        }
                    });
                    let (mut total_in, mut total_out) = (0.0, 0.0);
                    let mut count = 0;
                    for e in events {
                        match e.kind {
                            EventKind::Dropped => {
                                self.changes.1 += 1;
                                continue;
                            }
                            EventKind::New => self.changes.0 += 1,
                            _ => {}
                        }
                        count += 1;
                        let key = p2c_vpn_runtime::sample::key(&e.connection);
                        let mut history = old.remove(&key).map(|r| r.history).unwrap_or_default();
                        if e.kind == EventKind::Update {
                            let sum = e.in_bps.unwrap_or(0.0) + e.out_bps.unwrap_or(0.0);
                            history.push_back(sum);
                            while history.len() > HISTORY {
                                history.pop_front();
                            }
                        }
                        total_in += e.in_bps.unwrap_or(0.0);
                        total_out += e.out_bps.unwrap_or(0.0);
                        self.rows.push(Row {
                            gateway: g,
                            key,
                            conn: e.connection,
                            in_bps: e.in_bps,
                            out_bps: e.out_bps,
                            history,
                            new: e.kind == EventKind::New,
                        });
                    }
                    gateway.failure = None;
                    gateway.last_good = Some(now);
                    gateway.count = Some(count);
                    gateway.in_bps = total_in;
                    gateway.out_bps = total_out;
                    // Marks of connections that are gone go with them.
                    for gone in old.into_keys() {
                        self.marked.remove(&(g, gone));
                    }
                }
            }
        }
    }

    /// Whether `row` passes the filter (case-insensitive, in user, client IP, virtual IP
    /// and gateway).
    fn passes(&self, row: &Row, needle: &str) -> bool {
        if needle.is_empty() {
            return true;
        }
        let g = &self.gateways[row.gateway];
        [
            row.user(),
            row.client_ip(),
            row.virtual_ip(),
            g.label.as_str(),
            g.id.as_str(),
        ]
        .iter()
        .any(|field| field.to_lowercase().contains(needle))
    }

    /// The rows on screen: of shown gateways, passing the filter, sorted.
    pub fn view(&self) -> Vec<&Row> {
        let needle = self.filter.to_lowercase();
        let mut rows: Vec<&Row> = self
            .rows
            .iter()
            .filter(|r| self.gateways[r.gateway].shown && self.passes(r, &needle))
            .collect();
        let col = self.sort;
        rows.sort_by(|a, b| {
            let primary = self.compare(col, a, b);
            let primary = if col.descending_first() {
                primary.reverse()
            } else {
                primary
            };
            let primary = if self.reverse {
                primary.reverse()
            } else {
                primary
            };
            // Ties in a stable order whatever the listing's order.
            primary
                .then_with(|| a.gateway.cmp(&b.gateway))
                .then_with(|| a.key.cmp(&b.key))
        });
        rows
    }

    fn compare(&self, col: Col, a: &Row, b: &Row) -> std::cmp::Ordering {
        use std::cmp::Ordering;
        let num = |x: Option<f64>, y: Option<f64>| -> Ordering {
            // Unknown sorts below every number.
            x.unwrap_or(-1.0).total_cmp(&y.unwrap_or(-1.0))
        };
        let ip = |x: &str, y: &str| match (x.parse::<std::net::IpAddr>(), y.parse()) {
            (Ok(x), Ok(y)) => x.cmp(&y),
            _ => x.cmp(y),
        };
        match col {
            Col::User => a.user().to_lowercase().cmp(&b.user().to_lowercase()),
            Col::ClientIp => ip(a.client_ip(), b.client_ip()),
            Col::VirtualIp => ip(a.virtual_ip(), b.virtual_ip()),
            Col::Gateway => self.gateways[a.gateway]
                .label
                .cmp(&self.gateways[b.gateway].label),
            Col::ConnectedFor => a.conn.connected_for().cmp(&b.conn.connected_for()),
            Col::InRate => num(a.in_bps, b.in_bps),
            Col::OutRate => num(a.out_bps, b.out_bps),
            Col::Activity => num(a.history.back().copied(), b.history.back().copied()),
            Col::InTotal => a.conn.inbound_bytes().cmp(&b.conn.inbound_bytes()),
            Col::OutTotal => a.conn.outbound_bytes().cmp(&b.conn.outbound_bytes()),
        }
    }

    /// The cursor's index in `view`, following the selected row when it is still there.
    pub fn cursor(&self, view: &[&Row]) -> usize {
        if let Some((g, key)) = &self.selected
            && let Some(i) = view.iter().position(|r| r.gateway == *g && r.key == *key)
        {
            return i;
        }
        self.cursor_index.min(view.len().saturating_sub(1))
    }

    pub(super) fn move_cursor(&mut self, delta: isize) {
        let view = self.view();
        if view.is_empty() {
            return;
        }
        let at = self.cursor(&view) as isize + delta;
        let at = at.clamp(0, view.len() as isize - 1) as usize;
        let id = (view[at].gateway, view[at].key.clone());
        self.cursor_index = at;
        self.selected = Some(id);
    }

    /// The row under the cursor.
    pub fn current(&self) -> Option<RowId> {
        let view = self.view();
        let row = view.get(self.cursor(&view))?;
        Some((row.gateway, row.key.clone()))
    }

    /// Sorts by `col`; the same column again reverses.
    pub fn sort_by(&mut self, col: Col) {
        if self.sort == col {
            self.reverse = !self.reverse;
        } else {
            self.sort = col;
            self.reverse = false;
        }
    }

    fn target(&self, (g, key): &RowId) -> Option<Target> {
        let row = self
            .rows
            .iter()
            .find(|r| r.gateway == *g && r.key == *key)?;
        let gateway = &self.gateways[*g];
        Some(Target {
            gateway_id: gateway.id.clone(),
            gateway_label: gateway.label.clone(),
            conn: row.conn.clone(),
        })
    }

    /// `d`: asks before disconnecting the marked rows (in the view's order), else the row
    /// under the cursor. Refused with `--read-only`.
    pub fn ask_disconnect(&mut self) {
        if self.read_only {
            self.say("read-only (--read-only): disconnecting is turned off");
            return;
        }
        let targets: Vec<Target> = if self.marked.is_empty() {
            self.current()
                .and_then(|id| self.target(&id))
                .into_iter()
                .collect()
        } else {
            let mut ids: Vec<&RowId> = self.marked.iter().collect();
            ids.sort();
            ids.into_iter().filter_map(|id| self.target(id)).collect()
        };
        if targets.is_empty() {
            self.say("no connection to disconnect");
            return;
        }
        self.mode = Mode::Confirm(targets);
    }

    /// The outcome lines of a disconnect: shown, marks cleared.
    pub fn disconnected(&mut self, lines: Vec<String>) {
        for line in lines {
            self.say(line);
        }
        self.marked.clear();
        self.mode = Mode::Normal;
    }
}
