//! Seeded sample data: gateways, their connections, churn, and the per-request view.
//!
//! Everything that does not depend on time is computed once when a connection appears
//! (id, user, addresses, rates, formatted strings); a request only computes the counters
//! of the rows it returns.
//!
//! A gateway's own attributes (name, creation time, VPC, EIP, ...) come from random
//! streams with their own labels (`gateway-meta:`, `gateway-created:`), so adding them
//! left the stream of its connections (`gateway:`) exactly as it was.

use std::collections::HashSet;
use std::net::Ipv4Addr;
use std::sync::Mutex;

use chacha20::ChaCha8Rng;
use chrono::{DateTime, Utc};
use p2c_vpn_api::types::{Connection, ResponseEipInfo, ShowResponseP2cVgw};
use rand::{RngExt as _, SeedableRng as _};
use uuid::Uuid;

/// At most this many churn events are simulated per catch-up; after a longer jump of the
/// clock only the most recent ones are (the rest would be replaced anyway).
const MAX_CATCH_UP_EVENTS: u64 = 100_000;

const FIRST_NAMES: &[&str] = &[
    "wei", "fang", "na", "min", "jing", "lei", "yang", "jun", "tao", "ming", "hui", "xin", "alice",
    "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory", "oscar",
    "peggy", "trent", "victor", "walter", "sofia", "lucas", "mia", "noah",
];
const LAST_NAMES: &[&str] = &[
    "wang", "li", "zhang", "liu", "chen", "yang", "huang", "zhao", "wu", "zhou", "xu", "sun",
    "smith", "johnson", "brown", "garcia", "miller", "davis", "martin", "lopez", "tanaka", "kim",
    "nguyen", "silva", "muller", "rossi",
];
/// First octets of public, allocated IPv4 blocks (no private, shared or reserved space).
const PUBLIC_FIRST_OCTETS: &[u8] = &[
    36, 39, 42, 49, 58, 59, 60, 61, 101, 103, 106, 110, 111, 112, 113, 114, 115, 116, 117, 118,
    119, 120, 121, 122, 123, 124, 125, 139, 153, 180, 182, 183, 202, 203, 210, 211, 218, 219, 220,
    221, 222, 223,
];

/// FNV-1a, to derive a gateway's stream of random numbers from its id (stable across
/// runs and independent of the order gateways are declared in).
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// The generator of all seeded data: ChaCha8, which rand lists among its portable
/// generators (the same output on every platform and in every patch release), unlike
/// `StdRng`, whose algorithm may change in any release.
pub(crate) type DataRng = ChaCha8Rng;

/// A random generator for `seed` and a purpose label: [`DataRng`] seeded with
/// `seed_from_u64(seed ^ fnv1a(label).rotate_left(17))`.
pub(crate) fn rng_for(seed: u64, label: &[u8]) -> DataRng {
    DataRng::seed_from_u64(seed ^ fnv1a(label).rotate_left(17))
}

/// A random UUID (version 4 layout) from `rng`.
pub(crate) fn uuid_from(rng: &mut DataRng) -> Uuid {
    uuid::Builder::from_random_bytes(rng.random()).into_uuid()
}

/// One connection, with everything that does not change over time precomputed.
#[derive(Debug, Clone)]
struct ConnRecord {
    id: Uuid,
    user: String,
    virtual_ip: u32,
    virtual_ip_text: String,
    client_ip_text: String,
    established_ms: i64,
    established: Option<DateTime<Utc>>,
    /// Bytes exchanged at establishment (handshake), per direction.
    base_in: i64,
    base_out: i64,
    /// Bytes per second, per direction.
    rate_in: i64,
    rate_out: i64,
    /// Average packet size in bytes, per direction.
    packet_in: i64,
    packet_out: i64,
}

impl ConnRecord {
    fn key(&self) -> (i64, Uuid) {
        (self.established_ms, self.id)
    }

    /// The generated model of this connection as of `now_ms`.
    fn view(&self, now_ms: i64) -> Connection {
        // `timestamp` is the statistics sample time: whole seconds (the service writes it
        // without a fraction), never before the connection existed.
        let ts_ms = now_ms
            .div_euclid(1000)
            .saturating_mul(1000)
            .max(ceil_to_second(self.established_ms));
        let elapsed_ms = ts_ms.saturating_sub(self.established_ms).max(0);
        let grown = |rate: i64| {
            i64::try_from(i128::from(rate) * i128::from(elapsed_ms) / 1000).unwrap_or(i64::MAX)
        };
        let inbound_bytes = self.base_in.saturating_add(grown(self.rate_in));
        let outbound_bytes = self.base_out.saturating_add(grown(self.rate_out));
        // Default + assignment, never a struct literal: a property added to the spec must
        // not break this crate.
        let mut c = Connection::default();
        c.client_ip = Some(self.client_ip_text.clone());
        c.client_user_name = Some(self.user.clone());
        c.client_virtual_ip = Some(self.virtual_ip_text.clone());
        c.connection_established_time = self.established.map(Into::into);
        c.connection_id = Some(self.id);
        c.inbound_bytes = Some(inbound_bytes);
        c.inbound_packets = Some(div_ceil(inbound_bytes, self.packet_in));
        c.outbound_bytes = Some(outbound_bytes);
        c.outbound_packets = Some(div_ceil(outbound_bytes, self.packet_out));
        c.timestamp = DateTime::<Utc>::from_timestamp_millis(ts_ms).map(Into::into);
        c
    }
}

fn div_ceil(a: i64, b: i64) -> i64 {
    if b <= 0 {
        return a;
    }
    a / b + i64::from(a % b != 0)
}

fn ceil_to_second(ms: i64) -> i64 {
    let floor = ms.div_euclid(1000).saturating_mul(1000);
    if floor == ms {
        ms
    } else {
        floor.saturating_add(1000)
    }
}

/// Log-uniform integer in `[lo, hi]`.
fn log_uniform(rng: &mut DataRng, lo: f64, hi: f64) -> i64 {
    let x: f64 = rng.random_range(lo.ln()..hi.ln());
    // Finite and within [lo, hi] by construction.
    x.exp().round() as i64
}

/// Time-independent settings shared by all gateways.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DataConfig {
    pub(crate) seed: u64,
    pub(crate) masked_ips: bool,
    /// Milliseconds between churn events, `None` without churn.
    pub(crate) churn_interval_ms: Option<i64>,
    /// The clock's origin: initial connections were established before it, churn ticks
    /// are counted from it.
    pub(crate) start_ms: i64,
}

/// The mutable state of one gateway.
#[derive(Debug)]
struct GatewayState {
    /// Sorted by (established time, id): paging is stable.
    conns: Vec<ConnRecord>,
    target: usize,
    rng: DataRng,
    users: Vec<String>,
    subnet: u32,
    next_host: u32,
    vips_in_use: HashSet<u32>,
    churn_ticks_done: u64,
}

/// Upper bound of a default `max_connection_number` (the spec's range is 1 to 500),
/// unless the gateway starts with more connections than that.
const MAX_DEFAULT_MAX_CONNECTIONS: usize = 500;

/// What the server was configured with for one gateway, defaults resolved.
#[derive(Debug, Clone)]
pub(crate) struct GatewaySpec {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) connections: usize,
    pub(crate) max_connections: usize,
    /// Creation time, ms since the epoch.
    pub(crate) created_ms: i64,
    /// The user names of its clients (`None`: generated from the seed).
    pub(crate) users: Option<Vec<String>>,
    /// Whether listings leave `connection_id` out.
    pub(crate) hide_connection_ids: bool,
}

/// `p2c-vpngw-` and the first 8 characters of the id.
pub(crate) fn default_name(id: &str) -> String {
    let head: String = id.chars().take(8).collect();
    format!("p2c-vpngw-{head}")
}

/// Twice the initial connections, at least 10, at most 500 (but never fewer than the
/// initial connections).
pub(crate) fn default_max_connections(connections: usize) -> usize {
    connections
        .saturating_mul(2)
        .clamp(10, MAX_DEFAULT_MAX_CONNECTIONS)
        .max(connections)
}

/// A seed-derived creation time: 1 to 400 days before the clock's start, with a non-zero
/// millisecond part (the form the service writes).
pub(crate) fn generated_created_ms(cfg: &DataConfig, id: &str) -> i64 {
    let mut rng = rng_for(cfg.seed, format!("gateway-created:{id}").as_bytes());
    let age = rng.random_range(86_400_000_i64..400 * 86_400_000);
    let ms = cfg.start_ms.saturating_sub(age);
    if ms.rem_euclid(1000) == 0 { ms - 1 } else { ms }
}

/// The time-independent attributes of a gateway.
#[derive(Debug)]
struct GatewayMeta {
    id: String,
    name: String,
    max_connections: i64,
    created_ms: i64,
    created: Option<DateTime<Utc>>,
    /// `created_at` exactly as the body writes it (the marker of ListP2cVgws).
    created_text: String,
    updated: Option<DateTime<Utc>>,
    applied: Option<DateTime<Utc>>,
    vpc_id: String,
    connect_subnet: String,
    availability_zone_ids: Vec<String>,
    eip: ResponseEipInfo,
}

impl GatewayMeta {
    fn new(spec: &GatewaySpec, cfg: &DataConfig, region: &str) -> Self {
        let mut rng = rng_for(cfg.seed, format!("gateway-meta:{}", spec.id).as_bytes());
        let created = DateTime::<Utc>::from_timestamp_millis(spec.created_ms);
        let created_text = created
            .and_then(|c| serde_json::to_value(c).ok())
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        // Created, applied a few minutes later, last updated some time after that (never
        // after the clock's start).
        let applied_ms = spec
            .created_ms
            .saturating_add(rng.random_range(90_000..300_000))
            .min(cfg.start_ms.max(spec.created_ms));
        let updated_ms = applied_ms
            .saturating_add(rng.random_range(1_000..7 * 86_400_000))
            .min(cfg.start_ms.max(applied_ms));
        let vpc_id = uuid_from(&mut rng).to_string();
        let connect_subnet = uuid_from(&mut rng).to_string();
        let ip = Ipv4Addr::new(
            PUBLIC_FIRST_OCTETS[rng.random_range(0..PUBLIC_FIRST_OCTETS.len())],
            rng.random(),
            rng.random(),
            rng.random_range(1..=254),
        );
        let mut eip = ResponseEipInfo::default();
        eip.id = Some(uuid_from(&mut rng).to_string());
        eip.ip_version = Some(4);
        eip.ip_address = Some(if cfg.masked_ips {
            mask(ip)
        } else {
            ip.to_string()
        });
        eip.type_ = Some("5_bgp".to_owned());
        eip.share_type = Some("PER".to_owned());
        eip.charge_mode = Some("bandwidth".to_owned());
        let bandwidth_id = uuid_from(&mut rng);
        eip.bandwidth_name = Some(format!(
            "p2c-vpngw-bandwidth-{}",
            &bandwidth_id.simple().to_string()[..4]
        ));
        eip.bandwidth_id = Some(bandwidth_id.to_string());
        eip.bandwidth_size = Some([5, 10, 20, 50, 100][rng.random_range(0..5)]);
        Self {
            id: spec.id.clone(),
            name: spec.name.clone(),
            max_connections: i64::try_from(spec.max_connections).unwrap_or(i64::MAX),
            created_ms: spec.created_ms,
            created,
            created_text,
            updated: DateTime::<Utc>::from_timestamp_millis(updated_ms),
            applied: DateTime::<Utc>::from_timestamp_millis(applied_ms),
            vpc_id,
            connect_subnet,
            availability_zone_ids: vec![format!("{region}a"), format!("{region}b")],
            eip,
        }
    }
}

/// A gateway of the mock and its connections.
#[derive(Debug)]
pub(crate) struct Gateway {
    meta: GatewayMeta,
    state: Mutex<GatewayState>,
    hide_connection_ids: bool,
}

/// The page a request asked for.
#[derive(Debug)]
pub(crate) struct Page {
    pub(crate) total: usize,
    pub(crate) connections: Vec<Connection>,
}

impl Gateway {
    /// The gateway `spec` describes, with `spec.connections` connections, all established
    /// before `cfg.start_ms`; `region` names its availability zones.
    pub(crate) fn new(spec: &GatewaySpec, cfg: &DataConfig, region: &str) -> Self {
        let (id, count) = (spec.id.as_str(), spec.connections);
        let mut rng = rng_for(cfg.seed, format!("gateway:{id}").as_bytes());
        let user_count = (count * 2 / 3).clamp(3, 5000);
        let users = match &spec.users {
            Some(users) if !users.is_empty() => users.clone(),
            _ => (0..user_count).map(|i| user_name(&mut rng, i)).collect(),
        };
        let h = fnv1a(id.as_bytes()) ^ cfg.seed;
        let subnet = if h.is_multiple_of(2) {
            u32::from(Ipv4Addr::new(10, (h >> 8) as u8 % 250 + 1, 0, 0))
        } else {
            u32::from(Ipv4Addr::new(172, 16 + (h >> 8) as u8 % 16, 0, 0))
        };
        let mut state = GatewayState {
            conns: Vec::with_capacity(count),
            target: count,
            rng,
            users,
            subnet,
            next_host: 2,
            vips_in_use: HashSet::with_capacity(count),
            churn_ticks_done: 0,
        };
        for _ in 0..count {
            // Up to 12 hours old, at least 15 seconds.
            let age = state.rng.random_range(15_000..12 * 3600 * 1000);
            let conn = state.new_conn(cfg.start_ms - age, cfg.masked_ips);
            state.conns.push(conn);
        }
        state.conns.sort_by_key(ConnRecord::key);
        Self {
            meta: GatewayMeta::new(spec, cfg, region),
            state: Mutex::new(state),
            hide_connection_ids: spec.hide_connection_ids,
        }
    }

    /// The gateway's id.
    pub(crate) fn id(&self) -> &str {
        &self.meta.id
    }

    /// The paging key of ListP2cVgws: creation time (ms), then id.
    pub(crate) fn created_key(&self) -> (i64, &str) {
        (self.meta.created_ms, &self.meta.id)
    }

    /// The creation time (`None` only for a time chrono cannot represent).
    pub(crate) fn created(&self) -> Option<DateTime<Utc>> {
        self.meta.created
    }

    /// `created_at` as the body writes it: the `next_marker` after this gateway.
    pub(crate) fn created_text(&self) -> &str {
        &self.meta.created_text
    }

    /// The generated model of this gateway as of `now_ms` (its current connection count
    /// after churn).
    pub(crate) fn view(&self, cfg: &DataConfig, now_ms: i64) -> ShowResponseP2cVgw {
        let count = self.count(cfg, now_ms);
        let m = &self.meta;
        // Default + assignment, never a struct literal (see `ConnRecord::view`).
        let mut g = ShowResponseP2cVgw::default();
        g.id = Some(m.id.clone());
        g.name = Some(m.name.clone());
        g.status = Some("ACTIVE".to_owned());
        g.vpc_id = Some(m.vpc_id.clone());
        g.connect_subnet = Some(m.connect_subnet.clone());
        g.flavor = Some("Professional1".to_owned());
        g.availability_zone_ids = m.availability_zone_ids.clone();
        g.eip = Some(m.eip.clone());
        g.max_connection_number = Some(m.max_connections);
        g.current_connection_number = Some(i64::try_from(count).unwrap_or(i64::MAX));
        g.enterprise_project_id = Some("0".to_owned());
        g.admin_state_up = Some(true);
        g.frozen_effect = Some(0);
        g.created_at = m.created.map(Into::into);
        g.updated_at = m.updated.map(Into::into);
        g.applied_at = m.applied.map(Into::into);
        g.version = Some("1.0".to_owned());
        g
    }

    /// Disconnects connection `id` as of `now_ms`; `false` if it is not (or no longer)
    /// connected.
    pub(crate) fn disconnect(&self, cfg: &DataConfig, now_ms: i64, id: Uuid) -> bool {
        let mut state = self.lock();
        state.catch_up(cfg, now_ms);
        let Some(i) = state.conns.iter().position(|c| c.id == id) else {
            return false;
        };
        let gone = state.conns.remove(i);
        state.vips_in_use.remove(&gone.virtual_ip);
        true
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, GatewayState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Current number of connections as of `now_ms`.
    pub(crate) fn count(&self, cfg: &DataConfig, now_ms: i64) -> usize {
        let mut state = self.lock();
        state.catch_up(cfg, now_ms);
        state.conns.len()
    }

    /// The rows `[offset, offset + limit)` as of `now_ms` (all from `offset` without limit).
    pub(crate) fn page(
        &self,
        cfg: &DataConfig,
        now_ms: i64,
        offset: usize,
        limit: Option<usize>,
    ) -> Page {
        let mut state = self.lock();
        state.catch_up(cfg, now_ms);
        let total = state.conns.len();
        let start = offset.min(total);
        let end = limit.map_or(total, |l| start.saturating_add(l).min(total));
        let connections = state.conns[start..end]
            .iter()
            .map(|c| {
                let mut view = c.view(now_ms);
                if self.hide_connection_ids {
                    view.connection_id = None;
                }
                view
            })
            .collect();
        Page { total, connections }
    }
}

fn user_name(rng: &mut DataRng, i: usize) -> String {
    let first = FIRST_NAMES[rng.random_range(0..FIRST_NAMES.len())];
    let last = LAST_NAMES[rng.random_range(0..LAST_NAMES.len())];
    match rng.random_range(0..10) {
        0 => format!("svc-ci-{i:02}"),
        1..=4 => format!("{first}.{last}"),
        5..=7 => format!("{first}_{last}{:02}", i % 100),
        _ => format!("{}{last}", &first[..1]),
    }
}

fn mask(ip: Ipv4Addr) -> String {
    let [a, _, _, d] = ip.octets();
    format!("{a}.***.***.{d}")
}

impl GatewayState {
    fn alloc_virtual_ip(&mut self) -> u32 {
        // A /16 has 65,534 hosts; skip .0 and .255 and addresses in use.
        for _ in 0..=u16::MAX {
            let host = self.next_host;
            self.next_host = if self.next_host >= 0xfffe {
                2
            } else {
                self.next_host + 1
            };
            let low = host & 0xff;
            let ip = self.subnet | host;
            if low != 0 && low != 0xff && !self.vips_in_use.contains(&ip) {
                self.vips_in_use.insert(ip);
                return ip;
            }
        }
        // Pool exhausted (more than ~65,000 live connections): share an address.
        self.subnet | 2
    }

    fn new_conn(&mut self, established_ms: i64, masked: bool) -> ConnRecord {
        // The service writes the establishment time with milliseconds; keep them non-zero
        // so that form always appears on the wire.
        let established_ms = if established_ms.rem_euclid(1000) == 0 {
            established_ms - 1
        } else {
            established_ms
        };
        let rng = &mut self.rng;
        let id = uuid_from(rng);
        let user = self.users[rng.random_range(0..self.users.len())].clone();
        let client_ip = Ipv4Addr::new(
            PUBLIC_FIRST_OCTETS[rng.random_range(0..PUBLIC_FIRST_OCTETS.len())],
            rng.random(),
            rng.random(),
            rng.random_range(1..=254),
        );
        let base_in = rng.random_range(1_500..6_000);
        let base_out = rng.random_range(3_000..16_000);
        let rate_in = log_uniform(rng, 40.0, 60_000.0);
        let rate_out = log_uniform(rng, 80.0, 400_000.0);
        let packet_in = rng.random_range(180..700);
        let packet_out = rng.random_range(350..1_300);
        let virtual_ip = self.alloc_virtual_ip();
        ConnRecord {
            id,
            user,
            virtual_ip,
            virtual_ip_text: Ipv4Addr::from(virtual_ip).to_string(),
            client_ip_text: if masked {
                mask(client_ip)
            } else {
                client_ip.to_string()
            },
            established_ms,
            established: DateTime::<Utc>::from_timestamp_millis(established_ms),
            base_in,
            base_out,
            rate_in,
            rate_out,
            packet_in,
            packet_out,
        }
    }

    /// Applies the churn events due between the last call and `now_ms`.
    fn catch_up(&mut self, cfg: &DataConfig, now_ms: i64) {
        let Some(interval) = cfg.churn_interval_ms.filter(|i| *i > 0) else {
            return;
        };
        if self.target == 0 {
            return;
        }
        let elapsed = now_ms.saturating_sub(cfg.start_ms);
        let Ok(due) = u64::try_from(elapsed / interval) else {
            return;
        };
        if due <= self.churn_ticks_done {
            return;
        }
        let first = self
            .churn_ticks_done
            .max(due.saturating_sub(MAX_CATCH_UP_EVENTS))
            + 1;
        for tick in first..=due {
            let at = cfg.start_ms.saturating_add(
                i64::try_from(tick)
                    .unwrap_or(i64::MAX)
                    .saturating_mul(interval),
            );
            self.churn_event(at, interval, cfg.masked_ips);
        }
        self.churn_ticks_done = due;
    }

    /// One event: a client disconnects or a new one connects, drifting back to the target.
    fn churn_event(&mut self, at_ms: i64, interval: i64, masked: bool) {
        let n = self.conns.len();
        let p_leave = n as f64 / (2.0 * self.target as f64);
        if n > 0 && self.rng.random::<f64>() < p_leave {
            let i = self.rng.random_range(0..n);
            let gone = self.conns.remove(i);
            self.vips_in_use.remove(&gone.virtual_ip);
        } else {
            let jitter = self.rng.random_range(0..interval.clamp(1, 1000));
            let conn = self.new_conn(at_ms - jitter, masked);
            let key = conn.key();
            let at = self.conns.partition_point(|c| c.key() <= key);
            self.conns.insert(at, conn);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> DataConfig {
        DataConfig {
            seed: 7,
            masked_ips: false,
            churn_interval_ms: None,
            start_ms: 1_718_593_128_000,
        }
    }

    fn gateway(id: &str, connections: usize) -> Gateway {
        let spec = GatewaySpec {
            id: id.to_owned(),
            name: default_name(id),
            connections,
            max_connections: default_max_connections(connections),
            created_ms: generated_created_ms(&cfg(), id),
            users: None,
            hide_connection_ids: false,
        };
        Gateway::new(&spec, &cfg(), "cn-north-4")
    }

    #[test]
    fn wire_forms_of_times() {
        let gw = gateway("g", 5);
        let page = gw.page(&cfg(), 1_718_593_128_500, 0, None);
        let json = serde_json::to_value(&page.connections).expect("serializes");
        for c in json.as_array().expect("array") {
            let est = c["connection_established_time"].as_str().expect("string");
            let ts = c["timestamp"].as_str().expect("string");
            assert_eq!(est.len(), "2024-06-17T02:58:27.213Z".len(), "{est}");
            assert_eq!(ts, "2024-06-17T02:58:48Z");
        }
    }

    #[test]
    fn sorted_and_unique() {
        let gw = gateway("g", 300);
        let page = gw.page(&cfg(), cfg().start_ms, 0, None);
        let keys: Vec<_> = page
            .connections
            .iter()
            .map(|c| (c.connection_established_time, c.connection_id))
            .collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn gateway_defaults() {
        assert_eq!(default_name("ae5f4b3a-7c1d-4b55"), "p2c-vpngw-ae5f4b3a");
        assert_eq!(default_name("gw"), "p2c-vpngw-gw");
        assert_eq!(default_max_connections(0), 10);
        assert_eq!(default_max_connections(25), 50);
        assert_eq!(default_max_connections(300), 500);
        assert_eq!(default_max_connections(3000), 3000);
        let gw = gateway("g", 5);
        let view = gw.view(&cfg(), cfg().start_ms);
        assert_eq!(view.current_connection_number, Some(5));
        let created = view.created_at.expect("created_at");
        assert!(created.timestamp_millis() < cfg().start_ms - 86_400_000);
        assert_eq!(gw.created_text().len(), "2024-06-17T02:10:21.285Z".len());
        assert!(view.updated_at >= view.applied_at && view.applied_at > view.created_at);
    }

    #[test]
    fn disconnect_removes_once() {
        let gw = gateway("g", 4);
        let first = gw.page(&cfg(), cfg().start_ms, 0, None).connections[0]
            .connection_id
            .expect("id");
        assert!(gw.disconnect(&cfg(), cfg().start_ms, first));
        assert!(!gw.disconnect(&cfg(), cfg().start_ms, first));
        assert_eq!(gw.count(&cfg(), cfg().start_ms), 3);
    }
}
