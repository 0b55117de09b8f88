//! [`MockServerBuilder`] and [`MockGateway`]: what the server serves, and starting it.

use std::collections::HashMap;
use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use p2c_vpn_auth::{Credentials, SecretString};
use tokio::sync::watch;

use crate::clock::{self, Clock};
use crate::data::{self, DataConfig, Gateway, GatewaySpec};
use crate::handler::{self, AuthConfig, IamConfig, LogConfigs, Shared};
use crate::record::Recorder;
use crate::{
    DEFAULT_ACCESS_KEY, DEFAULT_GATEWAY_CONNECTIONS, DEFAULT_RECORD_LIMIT, DEFAULT_REGION,
    DEFAULT_SECRET_KEY, DEFAULT_SEED, Faults, GatewayInfo, MockServer,
};

/// A gateway to create, for [`MockServerBuilder::gateway_with`].
///
/// ```
/// use p2c_vpn_mock::MockGateway;
///
/// let gw = MockGateway::new("gw-office")
///     .name("office")
///     .connections(12)
///     .max_connections(20);
/// # let _ = gw;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MockGateway {
    id: String,
    name: Option<String>,
    connections: usize,
    max_connections: Option<usize>,
    created_at: Option<SystemTime>,
    users: Option<Vec<String>>,
    hide_connection_ids: bool,
    log_config: Option<(String, String)>,
}

impl MockGateway {
    /// A gateway with this id, no connections and default attributes.
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            name: None,
            connections: 0,
            max_connections: None,
            created_at: None,
            users: None,
            hide_connection_ids: false,
            log_config: None,
        }
    }

    /// Its name. Default: `p2c-vpngw-` and the first 8 characters of the id.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// How many clients are connected when the server starts (default 0).
    pub fn connections(mut self, connections: usize) -> Self {
        self.connections = connections;
        self
    }

    /// Its `max_connection_number`. Default: twice the connections, at least 10 and at
    /// most 500 (or the connections, if more). Reported only: churn does not respect it.
    pub fn max_connections(mut self, max: usize) -> Self {
        self.max_connections = Some(max);
        self
    }

    /// Its creation time (`created_at`, kept to the millisecond), the sort key and marker
    /// of the gateway list. Default: 1 to 400 days before the server's clock started,
    /// derived from the seed and the id, distinct from every other gateway's. Gateways
    /// given the same time here share it, and a marker then skips all but the first of
    /// them (as the service's would).
    pub fn created_at(mut self, at: SystemTime) -> Self {
        self.created_at = Some(at);
        self
    }

    /// The user names its clients have (`client_user_name`), each connection taking one
    /// of them (from the seed), so a test can select "alice". Default: names generated
    /// from the seed; an empty list keeps the default.
    pub fn users<I, S>(mut self, users: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.users = Some(users.into_iter().map(Into::into).collect());
        self
    }

    /// Lists its connections without `connection_id`, as a service that gives none
    /// would: a client cannot name them in a disconnect. Default `false`.
    pub fn without_connection_ids(mut self) -> Self {
        self.hide_connection_ids = true;
        self
    }

    /// Sends its connection logs to this LTS log group and log stream from the start (what
    /// `ShowVpnConnectionsLogConfig` answers until a PUT or DELETE changes it). Default:
    /// none.
    pub fn log_config(
        mut self,
        log_group_id: impl Into<String>,
        log_stream_id: impl Into<String>,
    ) -> Self {
        self.log_config = Some((log_group_id.into(), log_stream_id.into()));
        self
    }
}

/// Configures and starts a [`MockServer`]; from [`MockServer::builder`].
pub struct MockServerBuilder {
    seed: u64,
    gateways: Vec<MockGateway>,
    project_id: Option<String>,
    region: String,
    iam_projects: Option<Vec<String>>,
    credentials: Credentials,
    token: Option<SecretString>,
    require_signature: bool,
    churn_per_minute: f64,
    masked_ips: bool,
    listen: SocketAddr,
    frozen_at: Option<SystemTime>,
    clock_step: Duration,
    record_limit: usize,
}

impl fmt::Debug for MockServerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockServerBuilder")
            .field("seed", &self.seed)
            .field("gateways", &self.gateways)
            .field("project_id", &self.project_id)
            .field("region", &self.region)
            .field("iam_projects", &self.iam_projects)
            .field("credentials", &self.credentials)
            .field("token", &self.token.as_ref().map(|_| "[REDACTED]"))
            .field("require_signature", &self.require_signature)
            .field("churn_per_minute", &self.churn_per_minute)
            .field("masked_ips", &self.masked_ips)
            .field("listen", &self.listen)
            .field("frozen_at", &self.frozen_at)
            .field("clock_step", &self.clock_step)
            .field("record_limit", &self.record_limit)
            .finish()
    }
}

impl Default for MockServerBuilder {
    fn default() -> Self {
        Self {
            seed: DEFAULT_SEED,
            gateways: Vec::new(),
            project_id: None,
            region: DEFAULT_REGION.to_owned(),
            iam_projects: None,
            credentials: Credentials::new(DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY),
            token: None,
            require_signature: true,
            churn_per_minute: 0.0,
            masked_ips: false,
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            frozen_at: None,
            clock_step: Duration::ZERO,
            record_limit: DEFAULT_RECORD_LIMIT,
        }
    }
}

impl MockServerBuilder {
    /// Seed of all generated data (ids, users, addresses, rates, churn). Default
    /// [`DEFAULT_SEED`]. Same seed, same gateways and same clock ⇒ same data.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Adds a gateway with `connections` connections and default attributes (see
    /// [`MockGateway`]); a repeated id replaces the earlier count only. Without any
    /// gateway, sample gateways with seed-derived UUID ids are created
    /// ([`DEFAULT_GATEWAY_CONNECTIONS`]).
    pub fn gateway(mut self, id: impl Into<String>, connections: usize) -> Self {
        let id = id.into();
        match self.gateways.iter_mut().find(|g| g.id == id) {
            Some(entry) => entry.connections = connections,
            None => self
                .gateways
                .push(MockGateway::new(id).connections(connections)),
        }
        self
    }

    /// Adds a gateway named `name` with `connections` connections; a repeated id replaces
    /// the earlier name and count.
    pub fn gateway_named(
        mut self,
        id: impl Into<String>,
        name: impl Into<String>,
        connections: usize,
    ) -> Self {
        let id = id.into();
        let name = name.into();
        match self.gateways.iter_mut().find(|g| g.id == id) {
            Some(entry) => {
                entry.name = Some(name);
                entry.connections = connections;
            }
            None => self
                .gateways
                .push(MockGateway::new(id).name(name).connections(connections)),
        }
        self
    }

    /// Adds a gateway described in full; a repeated id replaces the earlier gateway.
    pub fn gateway_with(mut self, gateway: MockGateway) -> Self {
        match self.gateways.iter_mut().find(|g| g.id == gateway.id) {
            Some(entry) => *entry = gateway,
            None => self.gateways.push(gateway),
        }
        self
    }

    /// The region (default [`DEFAULT_REGION`]): IAM's `GET /v3/projects?name=<region>`
    /// finds the project(s) of [`iam_projects`](Self::iam_projects); any other name finds
    /// none. Also names the gateways' availability zones (`<region>a`, `<region>b`).
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = region.into();
        self
    }

    /// The ids of the projects IAM returns for the region, in order. Default: the one
    /// [`project_id`](Self::project_id). An empty list or two ids let a client test the
    /// "no project" and "ambiguous region" cases; VPN requests are still accepted only
    /// for [`project_id`](Self::project_id).
    pub fn iam_projects<I, S>(mut self, ids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.iam_projects = Some(ids.into_iter().map(Into::into).collect());
        self
    }

    /// The project id the server accepts. Default: 32 hex digits derived from the seed.
    pub fn project_id(mut self, id: impl Into<String>) -> Self {
        self.project_id = Some(id.into());
        self
    }

    /// The credentials whose signatures are accepted. Default: [`DEFAULT_ACCESS_KEY`] /
    /// [`DEFAULT_SECRET_KEY`].
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = credentials;
        self
    }

    /// Also accepts this IAM token as `X-Auth-Token`. Default: no token accepted.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(SecretString::from(token.into()));
        self
    }

    /// Whether requests must be authenticated (default `true`). With `false` any request
    /// is served, signed or not, and `Authorization` is not even looked at.
    pub fn require_signature(mut self, require: bool) -> Self {
        self.require_signature = require;
        self
    }

    /// Churn: connection events (a client leaves or joins) per minute of the server's
    /// clock, per gateway. `0` (default), negative or NaN disable it.
    pub fn churn(mut self, events_per_minute: f64) -> Self {
        self.churn_per_minute = events_per_minute;
        self
    }

    /// Writes `client_ip` masked like Huawei's documentation (`100.***.***.100`).
    /// Default `false` (plain public-looking addresses).
    pub fn masked_ips(mut self, masked: bool) -> Self {
        self.masked_ips = masked;
        self
    }

    /// The address to listen on. Default `127.0.0.1:0` (a random port).
    pub fn listen(mut self, addr: SocketAddr) -> Self {
        self.listen = addr;
        self
    }

    /// Freezes the clock at `at`: time then moves only through [`MockServer::advance`],
    /// which makes whole responses (except request ids) reproducible.
    pub fn frozen_clock(mut self, at: SystemTime) -> Self {
        self.frozen_at = Some(at);
        self
    }

    /// Moves the clock forward by `step` as each request arrives, before it is answered
    /// (default zero: no step). With [`frozen_clock`](Self::frozen_clock), a client that
    /// polls sees the same time pass between its polls whatever the machine's load, with
    /// no test thread advancing the clock against the wall clock.
    pub fn advance_per_request(mut self, step: Duration) -> Self {
        self.clock_step = step;
        self
    }

    /// How many of the most recent requests [`MockServer::requests`] keeps
    /// (default [`DEFAULT_RECORD_LIMIT`]; `0` records nothing).
    pub fn record_limit(mut self, limit: usize) -> Self {
        self.record_limit = limit;
        self
    }

    /// Binds the address, generates the data and starts serving in the background on
    /// the current Tokio runtime.
    pub async fn start(self) -> std::io::Result<MockServer> {
        let listener = tokio::net::TcpListener::bind(self.listen).await?;
        let addr = listener.local_addr()?;

        let clock = Clock::new(self.frozen_at);
        let churn_interval_ms = (self.churn_per_minute.is_finite() && self.churn_per_minute > 0.0)
            .then(|| ((60_000.0 / self.churn_per_minute).round() as i64).max(1));
        let data = DataConfig {
            seed: self.seed,
            masked_ips: self.masked_ips,
            churn_interval_ms,
            start_ms: clock.start_ms(),
        };
        let project_id = self.project_id.unwrap_or_else(|| {
            let mut rng = data::rng_for(self.seed, b"project");
            data::uuid_from(&mut rng).simple().to_string()
        });
        let mut configured = self.gateways;
        if configured.is_empty() {
            let mut rng = data::rng_for(self.seed, b"sample-gateways");
            configured = DEFAULT_GATEWAY_CONNECTIONS
                .iter()
                .map(|n| MockGateway::new(data::uuid_from(&mut rng).to_string()).connections(*n))
                .collect();
        }
        let log_configs = LogConfigs::new(
            configured
                .iter()
                .filter_map(|g| Some((g.id.clone(), g.log_config.clone()?))),
        );
        let specs = resolve_gateways(configured, &data);
        let gateway_infos: Vec<GatewayInfo> = specs
            .iter()
            .map(|g| GatewayInfo {
                id: g.id.clone(),
                name: g.name.clone(),
                max_connections: g.max_connections,
                created_at: clock::from_millis(g.created_ms),
            })
            .collect();
        let gateway_ids: Vec<String> = specs.iter().map(|g| g.id.clone()).collect();
        let mut by_created: Vec<Arc<Gateway>> = specs
            .iter()
            .map(|spec| Arc::new(Gateway::new(spec, &data, &self.region)))
            .collect();
        let gateways: HashMap<String, Arc<Gateway>> = by_created
            .iter()
            .map(|g| (g.id().to_owned(), Arc::clone(g)))
            .collect();
        by_created.sort_by(|a, b| a.created_key().cmp(&b.created_key()));
        let iam = IamConfig {
            region: self.region,
            project_ids: self
                .iam_projects
                .unwrap_or_else(|| vec![project_id.clone()]),
            domain_id: {
                let mut rng = data::rng_for(self.seed, b"domain");
                data::uuid_from(&mut rng).simple().to_string()
            },
        };
        let base_url = format!("http://{addr}");

        let (shutdown, shutdown_rx) = watch::channel(false);
        let shared = Arc::new(Shared {
            base_url: base_url.clone(),
            project_id,
            gateways,
            log_configs,
            by_created,
            iam,
            data,
            clock,
            auth: AuthConfig {
                require_signature: self.require_signature,
                credentials: self.credentials,
                token: self.token,
            },
            faults: Faults::default(),
            clock_step: self.clock_step,
            recorder: Recorder::new(self.record_limit),
            shutdown: shutdown_rx.clone(),
        });
        let router = axum::Router::new()
            .fallback(handler::handle)
            .with_state(Arc::clone(&shared));
        let mut stop = shutdown_rx;
        let serve = axum::serve(listener, router).with_graceful_shutdown(async move {
            let _ = stop.wait_for(|s| *s).await;
        });
        let task = tokio::spawn(async move { serve.await });
        Ok(MockServer {
            shared,
            addr,
            base_url,
            gateway_ids,
            gateways: gateway_infos,
            shutdown,
            task: Some(task),
        })
    }
}

/// Resolves the defaults of the configured gateways: names, max connections and distinct
/// creation times (generated times move by a millisecond off any time already taken).
fn resolve_gateways(configured: Vec<MockGateway>, data: &DataConfig) -> Vec<GatewaySpec> {
    let mut taken: std::collections::HashSet<i64> = configured
        .iter()
        .filter_map(|g| g.created_at.map(clock::to_millis))
        .collect();
    configured
        .into_iter()
        .map(|g| {
            let created_ms = match g.created_at {
                Some(at) => clock::to_millis(at),
                None => {
                    // Keep a millisecond part, the form the service writes.
                    let mut ms = data::generated_created_ms(data, &g.id);
                    while ms.rem_euclid(1000) == 0 || !taken.insert(ms) {
                        ms = ms.saturating_sub(1);
                    }
                    ms
                }
            };
            GatewaySpec {
                name: g.name.unwrap_or_else(|| data::default_name(&g.id)),
                max_connections: g
                    .max_connections
                    .unwrap_or_else(|| data::default_max_connections(g.connections)),
                connections: g.connections,
                created_ms,
                users: g.users,
                hide_connection_ids: g.hide_connection_ids,
                id: g.id,
            }
        })
        .collect()
}
