#![warn(missing_docs)]
//! A faithful, stateful, offline mock of Huawei Cloud's P2C VPN gateway API (VPN v5:
//! `openapi/p2c-vpn.yaml`) and of the IAM project lookup the official SDKs use to find a
//! region's project id (`openapi/iam.yaml`), for tests, demos and benchmarks of clients.
//!
//! # Example
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use p2c_vpn_mock::MockServer;
//!
//! // Sample data, default throwaway AK/SK, loopback, random port.
//! let server = MockServer::start().await?;
//! assert!(server.base_url().starts_with("http://127.0.0.1:"));
//!
//! // `/v5/{project_id}/p2c-vpn-gateways/{p2c_vgw_id}/connections`, signed with the
//! // credentials the server accepts.
//! let url = format!("{}?limit=10", server.connections_url(&server.gateway_ids()[0]));
//! let url = url::Url::parse(&url)?;
//! let mut headers = http::HeaderMap::new();
//! p2c_vpn_auth::Signer::new(server.credentials()).sign(&http::Method::GET, &url, &mut headers, b"")?;
//! p2c_vpn_api::install_crypto_provider(); // rustls with ring (see p2c_vpn_api::tls)
//! let response = reqwest::Client::new().get(url).headers(headers).send().await?;
//! assert_eq!(response.status(), 200);
//! let body: p2c_vpn_api::types::ListP2cVgwConnectionsResponse = response.json().await?;
//! assert_eq!(body.connections.len(), 10);
//! assert_eq!(body.total_count, Some(25));
//!
//! // Make the next request fail, then look at what was received.
//! server.faults().fail_next(1, p2c_vpn_mock::StatusCode::SERVICE_UNAVAILABLE);
//! assert_eq!(server.requests().len(), 1);
//! # Ok(())
//! # }
//! ```
//!
//! Or use the generated `p2c_vpn_api::Client` (and `p2c_vpn_api::iam::Client`, pointed at
//! the same [`MockServer::base_url`]) with
//! `ClientState::new().with_auth(p2c_vpn_auth::Auth::aksk(server.credentials()))`, or
//! build the server with `.require_signature(false)` to send requests unsigned.
//!
//! # Gateways
//!
//! [`MockServerBuilder::gateway`]`(id, connections)` adds a gateway with default
//! attributes, [`MockServerBuilder::gateway_named`]`(id, name, connections)` names it,
//! and [`MockServerBuilder::gateway_with`]`(`[`MockGateway`]`::new(id).name(…).connections(n).max_connections(m).created_at(t))`
//! sets everything; [`MockGateway::users`] picks its clients' user names (so a test can
//! look for `alice`), [`MockGateway::without_connection_ids`] lists its connections without
//! `connection_id`. Defaults: name `p2c-vpngw-` + the first 8 characters of the id;
//! `max_connection_number` twice the connections, within `10..=500` (never below the
//! connections); `created_at` 1 to 400 days before the clock's start, from the seed and
//! the id, distinct per gateway. The other attributes are fixed or seed-derived: status
//! `ACTIVE`, flavor `Professional1`, `vpc_id`, `connect_subnet`, availability zones
//! `<region>a`/`<region>b`, an EIP with a public `ip_address` (masked with
//! [`MockServerBuilder::masked_ips`]), `admin_state_up: true`, `frozen_effect: 0`,
//! `version` `1.0`, `enterprise_project_id` `0`. [`MockServer::gateways`] lists them.
//!
//! # Generated data: generator and seed
//!
//! Everything generated (project and domain ids, sample gateway ids, each gateway's
//! attributes, user names, client IPs, connection ids, byte rates, establishment times,
//! churn) comes from [`ChaCha8Rng`](https://docs.rs/chacha20/0.10/chacha20/struct.ChaCha8Rng.html)
//! of the `chacha20` 0.10 crate (the ChaCha generators rand 0.10 itself uses), one
//! generator per purpose: `ChaCha8Rng::seed_from_u64(seed ^ fnv1a(label).rotate_left(17))`,
//! where `seed` is [`MockServerBuilder::seed`] (default [`DEFAULT_SEED`], 42; the binary's
//! `--seed`) and `label` names the purpose (`project`, `domain`, `sample-gateways`,
//! `gateway:ID`, `gateway-meta:ID`, `gateway-created:ID`; FNV-1a 64). Values are drawn
//! with rand 0.10 (`random`, `random_range`). rand documents ChaCha8 as a portable
//! generator (the same output on every platform and in every patch release), unlike
//! `StdRng`, whose algorithm may change in any release, and makes value-breaking changes
//! only in a new minor (0.x) version ([rand's portability
//! rules](https://rust-random.github.io/book/portability.html)). So the same seed,
//! gateways and clock give the same data, byte for byte, until `chacha20` or `rand`
//! changes minor version; the CLI's golden files and `tests/it/determinism.rs`
//! (`data_is_pinned_to_chacha8`) check it. Virtual IP subnets and the fixed attributes
//! listed above do not use the generator.
//!
//! # What it serves
//!
//! The operations of the two specs; bodies are the generated [`p2c_vpn_api::types`] and
//! `p2c_vpn_api::iam::types`, serialized with `serde_json`, all from one state (a
//! disconnect shows in the next list, show and count).
//!
//! - **`GET /v5/{project_id}/p2c-vpn-gateways/{p2c_vgw_id}/connections`
//!   (ListP2cVgwConnections).** Without `limit`, everything from `offset`
//!   ("non-pagination mode"); `offset` past the end gives an empty `connections` list;
//!   `total_count` is always the full count. Rows are sorted by establishment time, then
//!   id, so pages are consistent. `limit` must be an integer in `1..=2^31-1` and `offset`
//!   in `0..=2^31-1` (the spec's `int32`); anything else is 400 `VPN.0001`. Only the
//!   first occurrence of each parameter counts; unknown parameters are ignored.
//! - **`GET /v5/{project_id}/p2c-vpn-gateways` (ListP2cVgws).** Marker paging over the
//!   gateways sorted by `created_at`, then id. `limit` as above (default: all); `marker`
//!   is a `created_at` string (RFC 3339, as the body writes it, e.g.
//!   `2024-06-17T02:10:21.285Z`; empty = first page) and returns the gateways created
//!   strictly after it; anything that is not RFC 3339 is 400 `VPN.0001`.
//!   `page_info.next_marker` is the `created_at` of the last returned gateway when more
//!   follow and absent on the last page; `page_info.current_count` counts the returned
//!   ones, `total_count` all of them; an empty page still writes `"p2c_vpn_gateways": []`.
//! - **`GET /v5/{project_id}/p2c-vpn-gateways/{p2c_vgw_id}` (ShowP2cVgw).**
//!   `{"p2c_vpn_gateway":{…},"request_id":…}`; `current_connection_number` (here and in
//!   the list) is the gateway's live count, after churn and disconnects.
//! - **`POST /v5/{project_id}/p2c-vpn-gateways/{p2c_vgw_id}/connections/{connection_id}/disconnect`
//!   (DeleteP2cVgwConnection).** No body (one sent is signed over and ignored). Removes
//!   the connection and answers `{"request_id":…}`; churn then drifts back to the
//!   configured count as usual.
//! - **`GET`, `PUT`, `DELETE /v5/{project_id}/p2c-vpn-gateways/{p2c_vgw_id}/log-config`
//!   (ShowVpnConnectionsLogConfig, UpdateVpnConnectionsLogConfig,
//!   DeleteVpnConnectionsLogConfig).** Where the gateway's connection logs go, per gateway
//!   (none at start unless [`MockGateway::log_config`] sets one; [`MockServer::log_config`]
//!   reads it). GET answers `{"log_config":{"log_group_id":…,"log_stream_id":…},"request_id":…}`,
//!   or `{"request_id":…}` without `log_config` when none is set (Huawei's doc does not
//!   say what the service answers then). PUT takes `{"log_config":{"log_group_id":…,
//!   "log_stream_id":…}}` (signed over, like every body), stores it and answers like GET.
//!   DELETE removes it and answers 204 with no body, also when none was set. Any non-empty
//!   IDs are accepted (the service checks them against LTS).
//! - **`GET /v3/projects?name=REGION` (IAM KeystoneListProjects).** Signed like the rest
//!   but needs no `X-Project-Id` (the official SDKs send none; one sent is not checked).
//!   `name` equal to the [region](MockServerBuilder::region) (default
//!   [`DEFAULT_REGION`]), or no `name`, returns the region's project(s) — by default one,
//!   whose `id` is [`MockServer::project_id`]; set 0, 2 or more with
//!   [`MockServerBuilder::iam_projects`] — with `name` = region, `domain_id` =
//!   `parent_id` = [`MockServer::domain_id`], `enabled: true`, `is_domain: false`,
//!   `description: ""` and `links.self`; any other name returns `"projects": []`. Other
//!   parameters are ignored. Top-level `links` has `self` (the request URL) and `previous`
//!   / `next` as `null`. Responses to this path carry an `X-IAM-Trace-Id` header (32 hex
//!   digits).
//! - **Times.** `connection_established_time` and `created_at`/`updated_at`/`applied_at`
//!   are written with milliseconds (`2024-06-17T02:58:27.213Z`), `timestamp` (the
//!   statistics sample time) in whole seconds (`2024-06-17T02:58:48Z`), as the real
//!   service writes them.
//! - **Counters.** Each connection has its own byte rates and packet sizes; its counters
//!   are its handshake bytes plus rate × time since establishment, computed at request
//!   time from the server's clock, so they grow.
//! - **Churn.** With [`MockServerBuilder::churn`], clients connect and disconnect at that
//!   rate (events at fixed intervals of the clock, each a departure or an arrival,
//!   drifting back to the configured count), deterministically for a seed.
//! - **Clock.** Real time by default; [`MockServer::advance`] adds a virtual offset, and
//!   [`MockServerBuilder::frozen_clock`] makes time move only through it. Signature dates
//!   are checked against the real clock (15 minutes of skew), not the virtual one.
//! - **Request ids.** Every response has an `X-Request-Id` header (32 hex digits), equal
//!   to the body's `request_id` where the body has one.
//!
//! # Errors, in the order they are checked
//!
//! | Condition | Status | Body |
//! |---|---|---|
//! | another path or method | 404 | `{"error_code":"APIGW.0101",…,"request_id":…}` |
//! | missing or bad AK/SK signature or token (every operation, IAM included) | 401 | `{"error_code":"APIGW.0301","error_msg":"Incorrect IAM authentication information: …","request_id":…}` |
//! | VPN operations: project id not the mock's (path, or a signed `X-Project-Id` that differs from the path) | 403 | `{"error_code":"VPN.0003",…,"request_id":…}` |
//! | invalid `limit` / `offset` (connections), `limit` / `marker` (gateways) | 400 | `{"error_code":"VPN.0001",…,"request_id":…}` |
//! | unknown gateway (connections, show, disconnect, log-config) | 404 | `{"code":"VPN.0004","message":…}` (this form has no `request_id`; the header is still sent) |
//! | log-config PUT: a body that is not `{"log_config":{"log_group_id":…,"log_stream_id":…}}` with both IDs non-empty strings | 400 | `{"error_code":"VPN.0001",…,"request_id":…}` |
//! | disconnect: unknown or already disconnected connection | 404 | `{"code":"VPN.0004","message":…}` |
//!
//! Authentication: an `Authorization` header is checked with [`p2c_vpn_auth::verify`]
//! against [`MockServer::credentials`] (and their security token, if any, must come as
//! `X-Security-Token`); without one, an `X-Auth-Token` equal to the configured
//! [`MockServerBuilder::token`] is accepted. [`MockServerBuilder::require_signature`]`(false)`
//! turns all of this off.
//!
//! # Faults and recording
//!
//! [`MockServer::faults`] injects [`Fault`]s at runtime into every operation, IAM and
//! disconnect included (latency, failures, 429 with `Retry-After`, HTML 502, truncated
//! or reset bodies, hangs, a server that ignores `offset` or `marker`, a field of the
//! wrong type, an answer lost after the request was applied); [`MockServer::requests`] returns what was received, for assertions, each
//! [`RecordedRequest`] with the [`Operation`] it was routed to (count IAM lookups with
//! `r.operation == Some(Operation::KeystoneListProjects)`).
//!
//! # The binary
//!
//! `p2c-vpn-mock --listen 127.0.0.1:8787 [--seed N] [--gateway ID[:COUNT][,name=NAME][,max=N] ...]
//! [--region REGION] [--project-id ID] [--no-auth] [--churn PER_MIN] [--masked-ips]
//! [--token T] [--access-key AK --secret-key SK] [--allow-remote]` serves the same mock
//! until Ctrl-C, after printing the base URL, project id, region, gateways (id,
//! connections, name, max), the (fake) AK/SK and `export HUAWEICLOUD_SDK_*=…` lines
//! (`HUAWEICLOUD_SDK_IAM_ENDPOINT` is the base URL: it serves IAM too). It refuses a
//! non-loopback address unless `--allow-remote` is given. The crate's `README.md` has a
//! copy-paste walkthrough: the binary, then the `p2c-vpn` CLI against it.
//!
//! # Stability
//!
//! The crate is published for users' tests: [`MockServer`], [`MockServerBuilder`],
//! [`MockGateway`], [`Faults`], [`Fault`], [`RecordedRequest`] and [`Operation`] change only
//! with a new minor (0.x) version; [`Fault`], [`Operation`], [`GatewayInfo`] and
//! [`RecordedRequest`] are `#[non_exhaustive]`, so new faults, operations and fields are not
//! breaking. Generated data stays the same for a seed until `chacha20` or `rand` changes minor
//! version (see above).
//!
//! The server runs on the Tokio runtime it was started on, in the background; it stops
//! when the [`MockServer`] is dropped (or [`MockServer::shutdown`] is awaited).

mod builder;
mod clock;
mod data;
mod faults;
mod handler;
mod record;
mod system_tool;

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use p2c_vpn_auth::Credentials;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use builder::{MockGateway, MockServerBuilder};
pub use faults::{Fault, Faults};
pub use http::StatusCode;
pub use record::{Operation, RecordedRequest};
pub use system_tool::{REQUIRE_SYSTEM_TOOLS, system_tool};

use handler::Shared;

/// Access key the mock accepts unless [`MockServerBuilder::credentials`] says otherwise.
/// Fake: it opens nothing but this mock.
pub const DEFAULT_ACCESS_KEY: &str = "MOCKP2CVPNAK00000001";
/// Secret key paired with [`DEFAULT_ACCESS_KEY`]. Fake: it opens nothing but this mock.
pub const DEFAULT_SECRET_KEY: &str = "mock0p2c0vpn0secret0key0not0a0real0one01";
/// Seed used unless [`MockServerBuilder::seed`] sets one.
pub const DEFAULT_SEED: u64 = 42;
/// Connection counts of the sample gateways created when none is configured.
pub const DEFAULT_GATEWAY_CONNECTIONS: [usize; 2] = [25, 3];
/// How many requests [`MockServer::requests`] keeps by default (the most recent ones).
pub const DEFAULT_RECORD_LIMIT: usize = 10_000;
/// Region unless [`MockServerBuilder::region`] sets one: the name of the project IAM
/// returns, and the prefix of the gateways' availability zones.
pub const DEFAULT_REGION: &str = "cn-north-4";

/// A gateway of a running [`MockServer`], from [`MockServer::gateways`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct GatewayInfo {
    /// The id.
    pub id: String,
    /// The name.
    pub name: String,
    /// `max_connection_number`.
    pub max_connections: usize,
    /// `created_at`.
    pub created_at: SystemTime,
}

/// A running mock server. Dropping it shuts the server down.
pub struct MockServer {
    shared: Arc<Shared>,
    addr: SocketAddr,
    base_url: String,
    gateway_ids: Vec<String>,
    gateways: Vec<GatewayInfo>,
    shutdown: watch::Sender<bool>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl fmt::Debug for MockServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockServer")
            .field("base_url", &self.base_url)
            .field("project_id", &self.shared.project_id)
            .field("gateways", &self.gateways)
            .field("region", &self.shared.iam.region)
            .field("credentials", &self.shared.auth.credentials)
            .finish_non_exhaustive()
    }
}

impl MockServer {
    /// Starts a server with the defaults of [`MockServer::builder`]: sample gateways
    /// ([`DEFAULT_GATEWAY_CONNECTIONS`]), seed [`DEFAULT_SEED`], the default throwaway
    /// AK/SK, signatures required, no churn, `127.0.0.1` on a random port.
    pub async fn start() -> std::io::Result<MockServer> {
        Self::builder().start().await
    }

    /// A builder to configure the server.
    pub fn builder() -> MockServerBuilder {
        MockServerBuilder::default()
    }

    /// The base URL, e.g. `http://127.0.0.1:41234` (no trailing slash).
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The only project id the server accepts.
    pub fn project_id(&self) -> &str {
        &self.shared.project_id
    }

    /// The gateway ids, in the order they were configured.
    pub fn gateway_ids(&self) -> &[String] {
        &self.gateway_ids
    }

    /// The gateways (id, name, max connections, creation time), in the order they were
    /// configured.
    pub fn gateways(&self) -> &[GatewayInfo] {
        &self.gateways
    }

    /// The region: the name of the project(s) IAM's `GET /v3/projects?name=` returns.
    pub fn region(&self) -> &str {
        &self.shared.iam.region
    }

    /// The ids of the projects IAM returns for [`region`](Self::region) (by default just
    /// [`project_id`](Self::project_id)).
    pub fn iam_project_ids(&self) -> &[String] {
        &self.shared.iam.project_ids
    }

    /// The account (domain) id of the IAM projects (32 hex digits derived from the seed).
    pub fn domain_id(&self) -> &str {
        &self.shared.iam.domain_id
    }

    /// The full URL of the gateway list, `…/v5/{project_id}/p2c-vpn-gateways`.
    pub fn gateways_url(&self) -> String {
        format!(
            "{}/v5/{}/p2c-vpn-gateways",
            self.base_url,
            percent_encoding::utf8_percent_encode(
                &self.shared.project_id,
                p2c_vpn_auth::canonical::ENCODE_SET
            ),
        )
    }

    /// The full URL of one gateway, `…/p2c-vpn-gateways/{p2c_vgw_id}`.
    pub fn gateway_url(&self, gateway_id: &str) -> String {
        format!(
            "{}/{}",
            self.gateways_url(),
            percent_encoding::utf8_percent_encode(gateway_id, p2c_vpn_auth::canonical::ENCODE_SET),
        )
    }

    /// The full URL of a gateway's connection list (without query).
    pub fn connections_url(&self, gateway_id: &str) -> String {
        format!("{}/connections", self.gateway_url(gateway_id))
    }

    /// The full URL that disconnects a connection (`POST`, no body).
    pub fn disconnect_url(&self, gateway_id: &str, connection_id: &str) -> String {
        format!(
            "{}/{}/disconnect",
            self.connections_url(gateway_id),
            percent_encoding::utf8_percent_encode(
                connection_id,
                p2c_vpn_auth::canonical::ENCODE_SET
            ),
        )
    }

    /// The credentials the server accepts, with its project id set (unless the configured
    /// credentials already had one).
    pub fn credentials(&self) -> Credentials {
        let creds = self.shared.auth.credentials.clone();
        if creds.project_id().is_some() {
            creds
        } else {
            creds.with_project_id(self.shared.project_id.clone())
        }
    }

    /// The IAM token accepted as `X-Auth-Token`, if one was configured.
    pub fn token(&self) -> Option<&str> {
        use secrecy::ExposeSecret as _;
        self.shared.auth.token.as_ref().map(|t| t.expose_secret())
    }

    /// The fault injection handle (clone it to keep it beyond the server's borrow).
    pub fn faults(&self) -> &Faults {
        &self.shared.faults
    }

    /// The requests received so far (the most recent ones, oldest first).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.recorder.snapshot()
    }

    /// Forgets the recorded requests.
    pub fn clear_requests(&self) {
        self.shared.recorder.clear();
    }

    /// Moves the server's clock forward: counters grow and churn happens as if that much
    /// time had passed. Does not affect signature date checks.
    pub fn advance(&self, by: Duration) {
        self.shared.clock.advance(by);
    }

    /// The server's current time (real or frozen time plus the [`advance`](Self::advance)s).
    pub fn now(&self) -> SystemTime {
        self.shared.clock.now()
    }

    /// Where a gateway's connection logs go: its (log group ID, log stream ID), as set by
    /// [`MockGateway::log_config`] or the last `UpdateVpnConnectionsLogConfig`; `None` when
    /// none is set (or the gateway is unknown).
    pub fn log_config(&self, gateway_id: &str) -> Option<(String, String)> {
        self.shared.log_configs.get(gateway_id)
    }

    /// The full URL of a gateway's log configuration, `…/p2c-vpn-gateways/{p2c_vgw_id}/log-config`
    /// (`GET`, `PUT` with a JSON body, `DELETE`).
    pub fn log_config_url(&self, gateway_id: &str) -> String {
        format!("{}/log-config", self.gateway_url(gateway_id))
    }

    /// The current number of connections of a gateway, `None` for an unknown one.
    pub fn connection_count(&self, gateway_id: &str) -> Option<usize> {
        let gateway = self.shared.gateways.get(gateway_id)?;
        Some(gateway.count(&self.shared.data, self.shared.clock.now_ms()))
    }

    /// Stops accepting requests, lets the ones in flight finish (up to 5 seconds; hanging
    /// ones are answered 503) and waits for the server task to end.
    pub async fn shutdown(mut self) -> std::io::Result<()> {
        self.shutdown.send_replace(true);
        let Some(mut task) = self.task.take() else {
            return Ok(());
        };
        match tokio::time::timeout(Duration::from_secs(5), &mut task).await {
            Ok(Ok(result)) => result,
            Ok(Err(join)) => Err(std::io::Error::other(join)),
            Err(_) => {
                task.abort();
                Ok(())
            }
        }
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        self.shutdown.send_replace(true);
    }
}
