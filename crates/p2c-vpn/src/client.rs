//! [`Client`] and its [`ClientBuilder`]: endpoint, credentials, timeouts and retries.

use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use p2c_vpn_api::{ClientState, ResponseLimits, ResponseValue, RetryConfig, with_report};
use p2c_vpn_auth::{Auth, Credentials, CredentialsChain, ENV_PROJECT_ID};
use reqwest::StatusCode;
use tokio::sync::OnceCell;
use tracing::Instrument as _;
use uuid::Uuid;

use crate::error::{Error, ErrorKind, Result};
use crate::gateways::ListGateways;
use crate::list::ListConnections;
use crate::model::{Gateway, GatewayPage, Page};
use crate::region;

/// Environment variable naming the region, read by [`Client::from_env`] and the CLI.
pub const ENV_REGION: &str = "HUAWEICLOUD_SDK_REGION";
/// Environment variable naming an endpoint URL (overrides the region).
pub const ENV_ENDPOINT: &str = "HUAWEICLOUD_SDK_ENDPOINT";
/// Environment variable naming the IAM endpoint of the project lookup.
pub const ENV_IAM_ENDPOINT: &str = "HUAWEICLOUD_SDK_IAM_ENDPOINT";

/// Default bound on connecting (TCP + TLS).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default bound on one attempt (send, headers and the whole body).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default bound on a whole call, retries and their waits included.
pub const DEFAULT_OPERATION_TIMEOUT: Duration = Duration::from_secs(120);

/// A client for the P2C VPN gateway API: gateways, their connections, disconnecting. Cheap
/// to clone; clones share the connection pool, the project lookup and the name cache.
///
/// ```no_run
/// # async fn run() -> p2c_vpn::Result<()> {
/// let client = p2c_vpn::Client::builder()
///     .region("cn-north-4")
///     .build()?; // credentials from HUAWEICLOUD_SDK_AK/_SK or ~/.huaweicloud/credentials;
///                // without a project ID, it is looked up through IAM on first use
/// let page = client.connections("office-gateway").limit(10).send().await?;
/// println!("{} of {:?} connections", page.connections.len(), page.total_count);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Client {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    http: reqwest::Client,
    base_url: String,
    auth: Auth,
    retry: RetryConfig,
    limits: ResponseLimits,
    timeout: Duration,
    operation_timeout: Duration,
    /// Where the project ID is looked up when none was given.
    iam: Option<IamLookup>,
    /// The project and the VPN client that signs for it: set at build time when the project
    /// ID is known, else by the first call (one IAM lookup shared by concurrent callers).
    project: OnceCell<Project>,
    /// Gateway names (and IDs that are no UUIDs) already resolved to IDs.
    names: Mutex<HashMap<String, String>>,
}

#[derive(Debug)]
struct IamLookup {
    endpoint: String,
    region: String,
}

#[derive(Debug)]
struct Project {
    id: String,
    api: p2c_vpn_api::Client,
}

/// Builds a [`Client`]. Every setting has a documented default except where the
/// requests go: set [`region`](Self::region) or [`endpoint`](Self::endpoint).
#[derive(Clone, Debug)]
#[must_use]
pub struct ClientBuilder {
    region: Option<String>,
    endpoint: Option<String>,
    iam_endpoint: Option<String>,
    project_id: Option<String>,
    auth: Option<Auth>,
    credentials: Option<Credentials>,
    timeout: Duration,
    connect_timeout: Duration,
    operation_timeout: Duration,
    retry: RetryConfig,
    user_agent: String,
    http_client: Option<HttpClientBuilder>,
    allow_insecure_http: bool,
    limits: ResponseLimits,
}

/// A caller's reqwest builder: consumed by the first `build` (reqwest builders are not
/// `Clone`); a clone of the [`ClientBuilder`] shares it.
#[derive(Clone)]
struct HttpClientBuilder(Arc<Mutex<Option<reqwest::ClientBuilder>>>);

impl std::fmt::Debug for HttpClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("reqwest::ClientBuilder")
    }
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self {
            region: None,
            endpoint: None,
            iam_endpoint: None,
            project_id: None,
            auth: None,
            credentials: None,
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            operation_timeout: DEFAULT_OPERATION_TIMEOUT,
            retry: RetryConfig::default(),
            user_agent: concat!("p2c-vpn/", env!("CARGO_PKG_VERSION")).to_owned(),
            http_client: None,
            allow_insecure_http: false,
            limits: ResponseLimits::default(),
        }
    }
}

impl ClientBuilder {
    /// Sends requests to the VPN endpoint of this Huawei Cloud region (see [`crate::REGIONS`]).
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// Sends requests to this base URL instead (a private endpoint, a proxy, a mock).
    /// `http://` is refused unless the host is loopback or
    /// [`allow_insecure_http`](Self::allow_insecure_http) is set.
    pub fn endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoint = Some(url.into());
        self
    }

    /// The IAM endpoint where the project ID is looked up when none is given (default:
    /// `HUAWEICLOUD_SDK_IAM_ENDPOINT`, else `https://iam.{region}.myhuaweicloud.com`).
    /// Same URL rules as [`endpoint`](Self::endpoint).
    pub fn iam_endpoint(mut self, url: impl Into<String>) -> Self {
        self.iam_endpoint = Some(url.into());
        self
    }

    /// The project ID. Without one here, the credentials' project ID is used
    /// (`HUAWEICLOUD_SDK_PROJECT_ID`, or `project_id` in the credentials file), else it is
    /// looked up through IAM for the [`region`](Self::region) on first use, as Huawei's
    /// SDKs do. The value given here is also the one signed as `X-Project-Id`.
    pub fn project_id(mut self, project_id: impl Into<String>) -> Self {
        self.project_id = Some(project_id.into());
        self
    }

    /// AK/SK credentials (default: the provider chain — environment
    /// `HUAWEICLOUD_SDK_AK`/`_SK`/`_SECURITY_TOKEN`/`_PROJECT_ID`, then
    /// `~/.huaweicloud/credentials` or `HUAWEICLOUD_SDK_CREDENTIALS_FILE`).
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// Authenticates with an IAM token (`X-Auth-Token`) instead of AK/SK signing.
    pub fn iam_token(mut self, token: impl Into<String>) -> Self {
        self.auth = Some(Auth::token(token));
        self
    }

    /// Bound on each attempt: sending, response headers and the whole body (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Bound on establishing a connection, TLS included (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Bound on a whole call including retries and backoff (default 120 s).
    pub fn operation_timeout(mut self, timeout: Duration) -> Self {
        self.operation_timeout = timeout;
        self
    }

    /// Retry policy (default: 3 attempts, 200 ms base, 20 s cap; [`RetryConfig::disabled`]
    /// for none).
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.retry = retry;
        self
    }

    /// The `User-Agent` header (default `p2c-vpn/<version>`).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Starts the HTTP client from this reqwest builder (its TLS roots, pool or DNS
    /// settings, say). The client's transport rules are applied on top of it, so they cannot
    /// be lost: no redirects followed, HTTP/1.1, the proxy rules, the connect timeout and the
    /// user agent of this builder. Per-attempt timeouts and retries still apply.
    pub fn http_client(mut self, builder: reqwest::ClientBuilder) -> Self {
        self.http_client = Some(HttpClientBuilder(Arc::new(Mutex::new(Some(builder)))));
        self
    }

    /// Caps on each response, enforced while the body arrives (default
    /// [`ResponseLimits::default`]: 16 MiB, 100,000 JSON values). A response past a cap is an
    /// [`ErrorKind::Decode`] error naming the cap, never retried.
    pub fn response_limits(mut self, limits: ResponseLimits) -> Self {
        self.limits = limits;
        self
    }

    /// Allows `http://` endpoints on non-loopback hosts, i.e. sending credentials' signatures
    /// and connection data unencrypted. Off by default.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// Validates the settings, resolves credentials and builds the client. Makes no request
    /// (the IAM project lookup, when needed, happens on first use).
    pub fn build(self) -> Result<Client> {
        let base_url = match (&self.endpoint, &self.region) {
            (Some(endpoint), _) => self.checked_url(endpoint, "endpoint")?,
            (None, Some(region)) => region::endpoint(region)?,
            (None, None) => {
                return Err(Error::invalid_input(format!(
                    "no endpoint: set .region(..) or .endpoint(..) (or {ENV_REGION} / {ENV_ENDPOINT})"
                )));
            }
        };
        let explicit_project = self.project_id.as_deref().map(str::trim).map(str::to_owned);
        let auth = match (self.auth.clone(), self.credentials.clone()) {
            (Some(auth), _) => auth,
            (None, explicit) => {
                // The builder's project ID goes to the chain too: with it and an AK/SK
                // from the environment, the credentials file is never opened.
                let credentials = CredentialsChain::default()
                    .with_explicit(explicit)
                    .with_project_id(explicit_project.clone())
                    .resolve()?;
                Auth::aksk(credentials)
            }
        };
        // One precedence rule: the builder's project beats the credentials' (environment,
        // then file), and the project in the path is the one signed as X-Project-Id.
        let project_id = explicit_project.or_else(|| match &auth {
            Auth::AkSk(signer) => signer.credentials().project_id().map(str::to_owned),
            Auth::Token(_) => None,
        });
        let iam = match &project_id {
            Some(project) => {
                check_id("project ID", project)?;
                None
            }
            None => Some(self.iam_lookup()?),
        };
        let http = self.http(&base_url, iam.as_ref())?;
        let inner = Inner {
            http,
            base_url,
            auth,
            retry: self.retry,
            limits: self.limits,
            timeout: self.timeout,
            operation_timeout: self.operation_timeout,
            iam,
            project: OnceCell::new(),
            names: Mutex::new(HashMap::new()),
        };
        if let Some(id) = project_id {
            let project = inner.project(id);
            inner
                .project
                .set(project)
                .map_err(|_| Error::invalid_input("project set twice"))?;
        }
        Ok(Client {
            inner: Arc::new(inner),
        })
    }

    /// Where and for which region the project ID is looked up, when none was given.
    fn iam_lookup(&self) -> Result<IamLookup> {
        let Some(region) = &self.region else {
            return Err(Error::invalid_input(format!(
                "no project ID and no region to look it up for: set .project_id(..), \
                 {ENV_PROJECT_ID} or project_id in the credentials file, or .region(..) \
                 (the region names the project to look up through IAM)"
            )));
        };
        let endpoint = match self
            .iam_endpoint
            .clone()
            .map(Ok)
            .or_else(|| env_var(ENV_IAM_ENDPOINT).transpose())
        {
            Some(url) => self.checked_url(&url?, "IAM endpoint")?,
            None => region::iam_endpoint(region)?,
        };
        Ok(IamLookup {
            endpoint,
            region: region::known(region)
                .map(str::to_owned)
                .unwrap_or_else(|_| region.trim().to_owned()),
        })
    }

    /// The HTTP client: the transport rules (no redirects, HTTP/1.1, proxies only for
    /// remote HTTPS), timeouts, user agent; on the caller's reqwest builder if one was given.
    fn http(&self, base_url: &str, iam: Option<&IamLookup>) -> Result<reqwest::Client> {
        let custom = match &self.http_client {
            Some(shared) => {
                let mut slot = shared.0.lock().unwrap_or_else(|e| e.into_inner());
                Some(slot.take().ok_or_else(|| {
                    Error::invalid_input(
                        "the reqwest builder given to .http_client(..) was already used by an \
                         earlier build(); give a new one",
                    )
                })?)
            }
            None => None,
        };
        let custom_tls = custom.is_some();
        // rustls with ring, unless the application installed its own provider first.
        p2c_vpn_api::install_crypto_provider();
        let mut http = custom
            .unwrap_or_else(|| {
                reqwest::Client::builder().pool_idle_timeout(Duration::from_secs(60))
            })
            .connect_timeout(self.connect_timeout)
            .user_agent(self.user_agent.as_str())
            // The API never redirects. Following one would re-send the signed headers
            // (reqwest keeps X-Security-Token across hosts) to wherever it points.
            .redirect(reqwest::redirect::Policy::none())
            // As the official SDKs: the signature binds `Host`, which HTTP/2 would carry
            // as `:authority`.
            .http1_only();
        http = proxies(http, &env_proxy_settings())?;
        let plain = |url: &str| url.starts_with("http://");
        if !custom_tls && plain(base_url) && iam.is_none_or(|i| plain(&i.endpoint)) {
            // Plain HTTP never does TLS (and redirects are off), so don't load the system
            // trust store: ~3 ms of a CLI run (see BENCHMARKS.md).
            http = http.tls_certs_only(Vec::new());
        }
        http.build().map_err(|e| {
            Error::invalid_input(format!("cannot build the HTTP client: {e}")).with_source(e)
        })
    }

    /// `raw` as a base URL without trailing slash, after the safety checks; `what` names it
    /// in errors. A URL is never echoed with its user-info part.
    fn checked_url(&self, raw: &str, what: &str) -> Result<String> {
        let url = url::Url::parse(raw.trim())
            .map_err(|e| Error::invalid_input(format!("invalid {what} URL: {e}")).with_source(e))?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Error::invalid_input(format!(
                "{what} URL must not embed user credentials"
            )));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(Error::invalid_input(format!(
                "{what} URL {:?} must not have a query or fragment",
                url.as_str()
            )));
        }
        match url.scheme() {
            "https" => {}
            "http" if self.allow_insecure_http || is_loopback(&url) => {}
            "http" => {
                return Err(Error::invalid_input(format!(
                    "refusing plain http:// to non-loopback {what} host {:?}: requests would cross the network unencrypted; use https:// or .allow_insecure_http(true)",
                    url.host_str().unwrap_or_default()
                )));
            }
            other => {
                return Err(Error::invalid_input(format!(
                    "{what} URL scheme {other:?} is not supported (use https://)"
                )));
            }
        }
        Ok(url.as_str().trim_end_matches('/').to_owned())
    }
}

fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

/// The API's `limit` is an int32 of at least 1: the one place that rule is checked.
fn check_limit(limit: u32) -> Result<u32> {
    if limit == 0 || limit > i32::MAX as u32 {
        return Err(Error::invalid_input(format!(
            "limit {limit} is out of range (1..={})",
            i32::MAX
        )));
    }
    Ok(limit)
}

/// Rejects IDs that would change the request's path or query, before anything is sent.
pub(crate) fn check_id(what: &str, id: &str) -> Result<()> {
    let problem = if id.is_empty() {
        Some("is empty".to_owned())
    } else if id == "." || id == ".." {
        // A dot segment: URL normalisation would remove it and change the path.
        Some("is a dot segment".to_owned())
    } else if id.len() > 256 {
        Some(format!("is {} bytes long (at most 256)", id.len()))
    } else {
        id.chars()
            .find(|c| {
                matches!(c, '/' | '?' | '#' | '%' | '\\') || c.is_whitespace() || c.is_control()
            })
            .map(|c| format!("contains {c:?}"))
    };
    match problem {
        None => Ok(()),
        Some(problem) => {
            let shown: String = id.chars().take(64).flat_map(char::escape_default).collect();
            Err(Error::invalid_input(format!(
                "{what} \"{shown}\" {problem}"
            )))
        }
    }
}

impl Client {
    /// A builder with defaults.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client configured from the environment: region from `HUAWEICLOUD_SDK_REGION` or
    /// endpoint from `HUAWEICLOUD_SDK_ENDPOINT`, credentials and project ID from the
    /// provider chain.
    pub fn from_env() -> Result<Self> {
        let mut builder = Self::builder();
        if let Some(endpoint) = env_var(ENV_ENDPOINT)? {
            builder = builder.endpoint(endpoint);
        }
        if let Some(region) = env_var(ENV_REGION)? {
            builder = builder.region(region);
        }
        builder.build()
    }

    /// The project ID requests are made for, once known: given at build time, or after the
    /// IAM lookup of the first call. [`project`](Self::project) looks it up if needed.
    pub fn project_id(&self) -> Option<&str> {
        self.inner.project.get().map(|p| p.id.as_str())
    }

    /// The project ID, looked up through IAM (once per client, shared by concurrent
    /// callers) if it was not given.
    pub async fn project(&self) -> Result<&str> {
        Ok(self.project_api().await?.id.as_str())
    }

    /// The base URL requests go to.
    pub fn endpoint(&self) -> &str {
        &self.inner.base_url
    }

    /// Lists the connections of a gateway, named by ID or name (see
    /// [`resolve_gateway`](Self::resolve_gateway)): one page with
    /// [`send`](ListConnections::send), or all of them with
    /// [`stream`](ListConnections::stream), [`pages`](ListConnections::pages) or
    /// [`collect_all`](ListConnections::collect_all).
    pub fn connections(&self, gateway: impl Into<String>) -> ListConnections {
        ListConnections::new(self.clone(), gateway.into())
    }

    /// Lists the project's P2C VPN gateways (marker pagination), one page or all of them.
    pub fn gateways(&self) -> ListGateways {
        ListGateways::new(self.clone())
    }

    /// One gateway, named by ID or name.
    pub async fn gateway(&self, gateway: &str) -> Result<Gateway> {
        match self.find_gateway(gateway).await? {
            Found::Gateway(found) => Ok(*found),
            Found::Id(id) => self.show_gateway(&id).await,
        }
    }

    /// The ID of the gateway `gateway` names: a UUID is taken as an ID as it is (no
    /// request); anything else is looked up among the project's gateways, where an exact ID
    /// wins, then a unique name. No match or several matches is an
    /// [`ErrorKind::InvalidInput`] error naming the candidates. Names resolved once are
    /// remembered for the client's lifetime.
    pub async fn resolve_gateway(&self, gateway: &str) -> Result<String> {
        match self.find_gateway(gateway).await? {
            Found::Gateway(found) => Ok(found.id().unwrap_or(gateway).to_owned()),
            Found::Id(id) => Ok(id),
        }
    }

    async fn find_gateway(&self, gateway: &str) -> Result<Found> {
        let wanted = gateway;
        if Uuid::parse_str(wanted).is_ok() {
            return Ok(Found::Id(wanted.to_owned()));
        }
        if let Some(id) = self.cached_name(wanted) {
            return Ok(Found::Id(id));
        }
        // Huawei's gateway names hold letters, digits, `_`, `-` and `.`: the ID rules
        // refuse nothing a real name has, and everything that could change a path.
        check_id("gateway", wanted)?;
        // A complete listing: its stream remembers every ID and unique name.
        let all = self.gateways().collect_all().await?;
        let found = find_gateway(&all, wanted)?;
        Ok(Found::Gateway(Box::new(found.clone())))
    }

    fn cached_name(&self, name: &str) -> Option<String> {
        let names = self.inner.names.lock().unwrap_or_else(|e| e.into_inner());
        names.get(name).cloned()
    }

    /// Remembers every ID, and every name that only one gateway has, of a complete listing
    /// of (ID, name) pairs: a client naming several gateways lists them once.
    pub(crate) fn remember_names(&self, all: &[(String, Option<String>)]) {
        let mut names: HashMap<&str, Option<&str>> = HashMap::new();
        for (id, name) in all {
            if let Some(name) = name {
                names
                    .entry(name)
                    .and_modify(|e| *e = None)
                    .or_insert(Some(id));
            }
        }
        for (id, _) in all {
            self.remember_name(id, id);
        }
        for (name, id) in names {
            if let Some(id) = id {
                // An ID of one gateway that is the name of another: the ID wins.
                if self.cached_name(name).is_none() {
                    self.remember_name(name, id);
                }
            }
        }
    }

    fn remember_name(&self, name: &str, id: &str) {
        let mut names = self.inner.names.lock().unwrap_or_else(|e| e.into_inner());
        // Bounded: a client never remembers more names than a project has gateways, but a
        // caller looping over made-up names must not grow it without end.
        if names.len() >= 10_000 {
            names.clear();
        }
        names.insert(name.to_owned(), id.to_owned());
    }

    /// `ShowP2cVgw` for a gateway ID.
    async fn show_gateway(&self, gateway_id: &str) -> Result<Gateway> {
        check_id("gateway ID", gateway_id)?;
        let project = self.project_api().await?;
        let call = project
            .api
            .show_p2c_vgw()
            .project_id(project.id.as_str())
            .p2c_vgw_id(gateway_id);
        let span = tracing::info_span!(
            "p2c_vpn.show_gateway",
            gateway = gateway_id,
            status = tracing::field::Empty,
            request_id = tracing::field::Empty,
            attempts = tracing::field::Empty,
            elapsed_ms = tracing::field::Empty,
        );
        let response = self.execute(span, call.send()).await?;
        response
            .into_inner()
            .p2c_vpn_gateway
            .map(Gateway::from)
            .ok_or_else(|| Error::decode_missing("p2c_vpn_gateway"))
    }

    /// Disconnects one connection of a gateway (named by ID or name).
    ///
    /// The service treats disconnecting as idempotent, so this call is retried like a GET
    /// (throttling, 5xx, timeouts, network errors). A connection that is already gone
    /// (404 `VPN.0004`, also what a retry sees after a first attempt that did disconnect)
    /// is [`Disconnected::AlreadyGone`], not an error, once a look at the gateway confirms
    /// that the gateway itself exists.
    pub async fn disconnect(&self, gateway: &str, connection_id: &str) -> Result<Disconnected> {
        let gateway_id = self.resolve_gateway(gateway).await?;
        check_id("connection ID", connection_id)?;
        let project = self.project_api().await?;
        let call = project
            .api
            .delete_p2c_vgw_connection()
            .project_id(project.id.as_str())
            .p2c_vgw_id(gateway_id.as_str())
            .connection_id(connection_id);
        let span = tracing::info_span!(
            "p2c_vpn.disconnect",
            gateway = gateway_id.as_str(),
            connection = connection_id,
            status = tracing::field::Empty,
            request_id = tracing::field::Empty,
            attempts = tracing::field::Empty,
            elapsed_ms = tracing::field::Empty,
        );
        match self.execute(span, call.send()).await {
            Ok(response) => {
                let header_id = request_id_header(response.headers());
                Ok(Disconnected::Disconnected {
                    request_id: header_id.or(response.into_inner().request_id),
                })
            }
            Err(e) if e.status() == Some(StatusCode::NOT_FOUND) => {
                // VPN.0004 is also the answer for an unknown gateway: only a gateway that
                // exists makes this "already gone".
                self.show_gateway(&gateway_id).await?;
                Ok(Disconnected::AlreadyGone {
                    request_id: e.request_id().map(str::to_owned),
                })
            }
            Err(e) => Err(e),
        }
    }

    /// The project and its VPN client, looking the project up through IAM on first use.
    async fn project_api(&self) -> Result<&Project> {
        self.inner
            .project
            .get_or_try_init(|| async {
                let id = self.lookup_project().await?;
                Ok::<_, Error>(self.inner.project(id))
            })
            .await
    }

    /// `GET {iam}/v3/projects?name={region}`, signed with the same credentials (no
    /// `X-Project-Id`, as in the official SDKs); exactly one project must come back.
    async fn lookup_project(&self) -> Result<String> {
        let Some(iam) = &self.inner.iam else {
            return Err(Error::invalid_input("no project ID and no IAM endpoint"));
        };
        let api = p2c_vpn_api::iam::Client::new_with_client(
            &iam.endpoint,
            self.inner.http.clone(),
            self.inner.state(self.inner.auth.clone()),
        );
        let call = api.keystone_list_projects().name(iam.region.as_str());
        let span = tracing::info_span!(
            "p2c_vpn.lookup_project",
            region = iam.region.as_str(),
            status = tracing::field::Empty,
            request_id = tracing::field::Empty,
            attempts = tracing::field::Empty,
            elapsed_ms = tracing::field::Empty,
        );
        let response = self.execute(span, call.send()).await?;
        let trace = response
            .headers()
            .get("x-iam-trace-id")
            .and_then(|v| v.to_str().ok())
            .map(|v| format!(", X-IAM-Trace-Id {}", shorten(v)))
            .unwrap_or_default();
        let projects = response.into_inner().projects;
        let region = &iam.region;
        match projects.as_slice() {
            [one] => match one.id.as_deref() {
                Some(id) => {
                    check_id("project ID from IAM", id)?;
                    tracing::debug!(region = region.as_str(), project = id, "project looked up");
                    Ok(id.to_owned())
                }
                None => Err(Error::decode_missing("projects[0].id")),
            },
            [] => Err(Error::credentials(format!(
                "no project named {region:?} in this account (IAM returned 0 projects{trace}); \
                 check the region, or set the project ID ({ENV_PROJECT_ID})"
            ))),
            many => Err(Error::credentials(format!(
                "IAM returned {} projects named {region:?} ({}{trace}); set the project ID \
                 ({ENV_PROJECT_ID}) to pick one",
                many.len(),
                many.iter()
                    .take(10)
                    .map(|p| shorten(p.id.as_deref().unwrap_or("?")))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }

    /// The VPN client for the (looked-up) project.
    pub(crate) async fn vpn(&self) -> Result<(&p2c_vpn_api::Client, &str)> {
        let project = self.project_api().await?;
        Ok((&project.api, project.id.as_str()))
    }

    /// Runs one generated call: **the single place a request is made**. Bounds it with the
    /// operation timeout, collects the attempt report from the hooks, records the span's
    /// fields and maps any failure to [`Error`].
    pub(crate) async fn execute<T, E>(
        &self,
        span: tracing::Span,
        call: impl Future<Output = std::result::Result<ResponseValue<T>, p2c_vpn_api::Error<E>>>,
    ) -> Result<ResponseValue<T>>
    where
        T: serde::de::DeserializeOwned,
        E: serde::Serialize,
    {
        let started = Instant::now();
        let timeout = self.inner.operation_timeout;
        // The report's scope encloses the timeout, so a call cut short still says how many
        // attempts it made and what the last answer was.
        let (outcome, report) = with_report(tokio::time::timeout(timeout, call))
            .instrument(span.clone())
            .await;
        span.record("elapsed_ms", started.elapsed().as_millis() as u64);
        span.record("attempts", report.attempts);
        if let Some(status) = report.status {
            span.record("status", status.as_u16());
        }
        if let Some(id) = report.request_id() {
            span.record("request_id", id);
        }
        let Ok(result) = outcome else {
            let e = Error::operation_timeout(timeout, &report);
            tracing::debug!(parent: &span, error = %e, "call failed");
            return Err(e);
        };
        result.map_err(|e| {
            let e = Error::from_api::<T, E>(e, &report);
            if let Some(id) = e.request_id() {
                span.record("request_id", id);
            }
            if e.kind() != ErrorKind::InvalidInput {
                tracing::debug!(parent: &span, error = %e, "call failed");
            }
            e
        })
    }

    /// Fetches one page of a gateway's connections (`gateway_id` already resolved).
    pub(crate) async fn fetch_page(
        &self,
        gateway_id: &str,
        limit: Option<u32>,
        offset: Option<u32>,
    ) -> Result<Page> {
        check_id("gateway ID", gateway_id)?;
        let (api, project) = self.vpn().await?;
        let mut call = api
            .list_p2c_vgw_connections()
            .project_id(project)
            .p2c_vgw_id(gateway_id);
        if let Some(limit) = limit {
            call = call.limit(check_limit(limit)?);
        }
        if let Some(offset) = offset {
            let offset = i32::try_from(offset).map_err(|_| {
                Error::invalid_input(format!(
                    "offset {offset} is out of range (0..={})",
                    i32::MAX
                ))
            })?;
            call = call.offset(offset);
        }
        let span = tracing::info_span!(
            "p2c_vpn.list_connections",
            gateway = gateway_id,
            limit,
            offset,
            status = tracing::field::Empty,
            request_id = tracing::field::Empty,
            attempts = tracing::field::Empty,
            elapsed_ms = tracing::field::Empty,
        );
        let response = self.execute(span, call.send()).await?;
        let header_id = request_id_header(response.headers());
        Ok(Page::from_api(response.into_inner(), header_id))
    }

    /// Fetches one page of gateways.
    pub(crate) async fn fetch_gateways(
        &self,
        limit: Option<u32>,
        marker: Option<&str>,
    ) -> Result<GatewayPage> {
        let (api, project) = self.vpn().await?;
        let mut call = api.list_p2c_vgws().project_id(project);
        if let Some(limit) = limit {
            call = call.limit(check_limit(limit)?);
        }
        if let Some(marker) = marker {
            call = call.marker(marker);
        }
        let span = tracing::info_span!(
            "p2c_vpn.list_gateways",
            limit,
            marker,
            status = tracing::field::Empty,
            request_id = tracing::field::Empty,
            attempts = tracing::field::Empty,
            elapsed_ms = tracing::field::Empty,
        );
        let response = self.execute(span, call.send()).await?;
        let header_id = request_id_header(response.headers());
        Ok(GatewayPage::from_api(response.into_inner(), header_id))
    }
}

/// The one rule for naming a gateway among `gateways` (a full listing): the gateway whose
/// ID is exactly `wanted`, else the one gateway named `wanted`. No match, or a name that
/// several gateways share, is an [`ErrorKind::InvalidInput`] error naming the candidates.
/// [`Client::resolve_gateway`] applies it to the project's gateways; use it on listings you
/// already hold (several projects, say) to name gateways the same way.
pub fn find_gateway<'a>(gateways: &'a [Gateway], wanted: &str) -> Result<&'a Gateway> {
    if let Some(found) = gateways.iter().find(|g| g.id() == Some(wanted)) {
        return Ok(found);
    }
    let named: Vec<&Gateway> = gateways
        .iter()
        .filter(|g| g.name() == Some(wanted))
        .collect();
    match named.as_slice() {
        [one] => Ok(one),
        [] => Err(Error::invalid_input(format!(
            "no gateway has the ID or name {:?}; {}",
            shorten(wanted),
            candidates("gateways of the project", gateways.iter())
        ))),
        many => Err(Error::invalid_input(format!(
            "the gateway name {:?} is ambiguous: {} gateways have it ({}); pass the ID",
            shorten(wanted),
            many.len(),
            candidates("", many.iter().copied()).trim_start_matches(": ")
        ))),
    }
}

/// What [`Client::disconnect`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Disconnected {
    /// The connection was disconnected.
    Disconnected {
        /// The request ID of the disconnect.
        request_id: Option<String>,
    },
    /// The connection was already gone (404 `VPN.0004` on a gateway that exists).
    AlreadyGone {
        /// The request ID of the refused disconnect.
        request_id: Option<String>,
    },
}

enum Found {
    Id(String),
    Gateway(Box<Gateway>),
}

impl Inner {
    /// The generated clients' state: the one retry policy and attempt timeout, with `auth`.
    fn state(&self, auth: Auth) -> ClientState {
        ClientState::new()
            .with_auth(auth)
            .with_retry(self.retry.clone())
            .with_limits(self.limits)
            .with_attempt_timeout(self.timeout)
    }

    /// The VPN client for project `id`: AK/SK credentials carry it, so it is the
    /// `X-Project-Id` that is signed.
    fn project(&self, id: String) -> Project {
        let auth = match &self.auth {
            Auth::AkSk(signer) => {
                Auth::aksk(signer.credentials().clone().with_project_id(id.as_str()))
            }
            token @ Auth::Token(_) => token.clone(),
        };
        Project {
            api: p2c_vpn_api::Client::new_with_client(
                &self.base_url,
                self.http.clone(),
                self.state(auth),
            ),
            id,
        }
    }
}

/// The proxy settings of the environment (`HTTPS_PROXY`, `ALL_PROXY`, `NO_PROXY`, upper or
/// lower case). `HTTP_PROXY` is ignored on purpose: plain-http requests never use a proxy.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct ProxySettings {
    pub(crate) https_proxy: Option<String>,
    pub(crate) no_proxy: Option<String>,
}

fn env_proxy_settings() -> ProxySettings {
    let first = |names: &[&str]| {
        names
            .iter()
            .find_map(|n| std::env::var(n).ok().filter(|v| !v.trim().is_empty()))
    };
    ProxySettings {
        https_proxy: first(&["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"]),
        no_proxy: first(&["NO_PROXY", "no_proxy"]),
    }
}

/// Applies the proxy rule: only HTTPS to a non-loopback host goes through a proxy (a
/// CONNECT tunnel: TLS stays end to end, the proxy sees the host name only); plain-http and
/// loopback requests never do, whatever the environment says, because signed headers and the
/// security token would cross the proxy in clear.
pub(crate) fn proxies(
    http: reqwest::ClientBuilder,
    settings: &ProxySettings,
) -> Result<reqwest::ClientBuilder> {
    let http = http.no_proxy();
    let Some(url) = &settings.https_proxy else {
        return Ok(http);
    };
    let proxy = reqwest::Proxy::https(url.trim()).map_err(|e| {
        // The proxy URL may hold a password: name the variable, not the value.
        Error::invalid_input(format!(
            "HTTPS_PROXY/ALL_PROXY is not a usable proxy URL: {}",
            e.to_string().replace(url.trim(), "[proxy URL]")
        ))
    })?;
    let mut exempt = String::from("localhost,127.0.0.0/8,::1");
    if let Some(extra) = &settings.no_proxy {
        exempt.push(',');
        exempt.push_str(extra);
    }
    Ok(http.proxy(proxy.no_proxy(reqwest::NoProxy::from_string(&exempt))))
}

fn request_id_header(headers: &reqwest::header::HeaderMap) -> Option<String> {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// At most 64 characters of a value for a message, control characters escaped.
fn shorten(s: &str) -> String {
    s.chars().take(64).flat_map(char::escape_default).collect()
}

/// `: a (id), b (id), ...` for an error message: at most 10, then a count.
fn candidates<'a>(what: &str, gateways: impl Iterator<Item = &'a Gateway>) -> String {
    let all: Vec<&Gateway> = gateways.collect();
    if all.is_empty() {
        return "the project has no gateways".to_owned();
    }
    let mut listed: Vec<String> = all
        .iter()
        .take(10)
        .map(|g| {
            format!(
                "{} ({})",
                shorten(g.name().unwrap_or("-")),
                shorten(g.id().unwrap_or("?"))
            )
        })
        .collect();
    if all.len() > 10 {
        listed.push(format!("and {} more", all.len() - 10));
    }
    format!("{what}: {}", listed.join(", "))
}

/// An environment variable through `p2c_vpn_auth::env_var` (the one reader); blank is unset.
fn env_var(name: &str) -> Result<Option<String>> {
    let value = p2c_vpn_auth::env_var(name).map_err(|e| Error::invalid_input(e.to_string()))?;
    Ok(value.filter(|v| !v.trim().is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn builder() -> ClientBuilder {
        Client::builder()
            .credentials(Credentials::new("AK", "SK-secret"))
            .project_id("p1")
    }

    #[test]
    fn hostile_ids_are_rejected() {
        for id in [
            "",
            "a/b",
            "a?b",
            "a#b",
            "a%2Fb",
            "a b",
            "a\tb",
            "a\u{0}b",
            "a\\b",
            "x\u{2028}",
            // Found by fuzzing (crates/p2c-vpn-fuzz, cli_parse): sent as
            // /v5/{project}/p2c-vpn-gateways/connections after dot-segment removal.
            ".",
            "..",
        ] {
            let err = check_id("gateway ID", id).expect_err(id);
            assert_eq!(err.kind(), ErrorKind::InvalidInput, "{id:?}");
        }
        assert!(check_id("gateway ID", &"a".repeat(300)).is_err());
        check_id("gateway ID", "0f2c5a4e-6b0d-4c5e-9a8f-1c2d3e4f5a6b").expect("uuid is fine");
    }

    #[test]
    fn plain_http_only_to_loopback_unless_opted_in() {
        builder()
            .endpoint("http://127.0.0.1:9")
            .build()
            .expect("loopback v4");
        builder()
            .endpoint("http://[::1]:9")
            .build()
            .expect("loopback v6");
        builder()
            .endpoint("http://localhost:9")
            .build()
            .expect("localhost");
        let err = builder()
            .endpoint("http://vpn.example.com")
            .build()
            .expect_err("remote http");
        assert!(err.to_string().contains("allow_insecure_http"), "{err}");
        builder()
            .endpoint("http://vpn.example.com")
            .allow_insecure_http(true)
            .build()
            .expect("opted in");
        builder().endpoint("ftp://x").build().expect_err("scheme");
        builder()
            .endpoint("https://u:p@x")
            .build()
            .expect_err("userinfo");
        builder()
            .endpoint("not a url")
            .build()
            .expect_err("garbage");
    }

    #[test]
    fn region_or_endpoint_is_required_and_checked() {
        let err = builder().build().expect_err("nowhere to send");
        assert!(err.to_string().contains(".region"), "{err}");
        let client = builder().region("ap-southeast-1").build().expect("region");
        assert_eq!(
            client.endpoint(),
            "https://vpn.ap-southeast-1.myhuaweicloud.com"
        );
        let err = builder()
            .region("ap-southeast-9")
            .build()
            .expect_err("unknown");
        assert!(err.to_string().contains("did you mean"), "{err}");
    }

    #[test]
    fn project_id_comes_from_credentials_when_not_set() {
        let client = Client::builder()
            .region("cn-north-4")
            .credentials(Credentials::new("AK", "SK").with_project_id("from-creds"))
            .build()
            .expect("builds");
        assert_eq!(client.project_id(), Some("from-creds"));
        let err = builder()
            .project_id("bad/id")
            .region("cn-north-4")
            .build()
            .expect_err("hostile");
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
    }

    #[test]
    fn debug_shows_no_secret() {
        let client = Client::builder()
            .region("cn-north-4")
            .credentials(
                Credentials::new("AK-visible", "SK-very-secret")
                    .with_security_token("TOKEN-secret"),
            )
            .project_id("p1")
            .build()
            .expect("builds");
        let shown = format!("{client:?}");
        assert!(
            !shown.contains("SK-very-secret") && !shown.contains("TOKEN-secret"),
            "{shown}"
        );
        let token_client = builder()
            .iam_token("IAM-secret-token")
            .region("cn-north-4")
            .build()
            .expect("builds");
        assert!(!format!("{token_client:?}").contains("IAM-secret-token"));
    }
}
