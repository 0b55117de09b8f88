//! What to export and how: [`ExporterConfig`], [`Target`] and the `--target` syntax
//! ([`TargetSpec`]).

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::str::FromStr;
use std::time::Duration;

use crate::Error;

/// Default listen address: loopback, port 9870.
pub const DEFAULT_LISTEN: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(Ipv4Addr::LOCALHOST), 9870);
/// Default [`ExporterConfig::min_interval`]: scrapes closer together than this share one
/// collection.
pub const DEFAULT_MIN_INTERVAL: Duration = Duration::from_secs(15);
/// Default [`ExporterConfig::scrape_timeout`]: below Prometheus' default scrape timeout
/// (10 s), so a scrape is answered before Prometheus gives up on it.
pub const DEFAULT_SCRAPE_TIMEOUT: Duration = Duration::from_secs(8);
/// Default [`ExporterConfig::concurrency`]: gateways collected at the same time (the CLI's
/// bound for several gateways).
pub const DEFAULT_CONCURRENCY: usize = p2c_vpn::DEFAULT_CONCURRENCY;
/// Default [`ExporterConfig::max_gateways`]: gateways collected per target.
pub const DEFAULT_MAX_GATEWAYS: usize = 1000;
/// Default [`ExporterConfig::max_connection_series`]: connections with series of their own
/// (`per_connection`), over all gateways.
pub const DEFAULT_MAX_CONNECTION_SERIES: usize = 10_000;
/// Default [`ExporterConfig::max_http_connections`]: HTTP connections served at once.
pub const DEFAULT_MAX_HTTP_CONNECTIONS: usize = 256;
/// Default [`ExporterConfig::header_read_timeout`]: the longest a client may take to send a
/// request's headers (and the longest an idle keep-alive connection is kept).
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest request head (request line and headers) read, in bytes; a larger one is
/// answered 431 and the connection closed. Requests with a body are answered 413.
pub const MAX_REQUEST_HEAD_BYTES: usize = 16 * 1024;
/// Default [`ExporterConfig::max_response_bytes`]: 64 MiB.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 64 * 1024 * 1024;

/// One project in one region to export: a client and the values of its `region` and
/// `project` labels (used when the exporter has several targets).
///
/// ```no_run
/// # fn run() -> Result<(), p2c_vpn::Error> {
/// let client = p2c_vpn::Client::builder().region("cn-north-4").build()?;
/// let target = p2c_vpn_exporter::Target::new(client).region("cn-north-4");
/// # let _ = target; Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Target {
    pub(crate) client: p2c_vpn::Client,
    pub(crate) region: String,
    pub(crate) project: Option<String>,
}

impl Target {
    /// A target served by `client` (its region/endpoint, credentials and project). The
    /// `region` label is empty until [`region`](Self::region) sets it; the `project` label
    /// is the client's project ID (known once looked up) unless [`project`](Self::project)
    /// sets it.
    pub fn new(client: p2c_vpn::Client) -> Self {
        Self {
            client,
            region: String::new(),
            project: None,
        }
    }

    /// The value of the `region` label.
    #[must_use]
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = region.into();
        self
    }

    /// The value of the `project` label (default: the client's project ID).
    #[must_use]
    pub fn project(mut self, project: impl Into<String>) -> Self {
        self.project = Some(project.into());
        self
    }

    /// The client.
    pub fn client(&self) -> &p2c_vpn::Client {
        &self.client
    }

    /// The `project` label: the one set, else the client's project ID once known.
    pub(crate) fn project_label(&self) -> &str {
        self.project
            .as_deref()
            .or_else(|| self.client.project_id())
            .unwrap_or("")
    }

    /// The region for log lines: `None` when unknown, so that no line carries an empty
    /// `region=""` (tracing leaves out a field whose value is `None`).
    pub(crate) fn log_region(&self) -> Option<&str> {
        Some(self.region.as_str()).filter(|r| !r.is_empty())
    }

    /// How messages name the target: `cn-north-4`, `cn-north-4:PROJECT`, or the project
    /// alone.
    pub(crate) fn name(&self) -> String {
        match (self.log_region(), self.project_label()) {
            (Some(region), "") => region.to_owned(),
            (Some(region), project) => format!("{region}:{project}"),
            (None, "") => "the target".to_owned(),
            (None, project) => format!("project {project}"),
        }
    }
}

/// `REGION[:PROJECT]`, the value of the CLI's repeatable `--target` flag.
///
/// ```
/// use p2c_vpn_exporter::TargetSpec;
///
/// let spec: TargetSpec = "cn-north-4:0123456789abcdef0123456789abcdef".parse().unwrap();
/// assert_eq!(spec.region, "cn-north-4");
/// assert_eq!(spec.project.as_deref(), Some("0123456789abcdef0123456789abcdef"));
/// assert!("".parse::<TargetSpec>().is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TargetSpec {
    /// The region (`cn-north-4`).
    pub region: String,
    /// The project ID; `None`: the credentials' project, else looked up through IAM.
    pub project: Option<String>,
}

impl TargetSpec {
    /// Sets this target's region (and project, if given) on a client builder that already
    /// carries the common settings (credentials, timeouts, retries).
    pub fn apply(&self, builder: p2c_vpn::ClientBuilder) -> p2c_vpn::ClientBuilder {
        let builder = builder.region(self.region.as_str());
        match &self.project {
            Some(project) => builder.project_id(project.as_str()),
            None => builder,
        }
    }

    /// The [`Target`] of `client` (built with [`apply`](Self::apply)), labelled with this
    /// region and project.
    pub fn target(&self, client: p2c_vpn::Client) -> Target {
        let target = Target::new(client).region(self.region.as_str());
        match &self.project {
            Some(project) => target.project(project.as_str()),
            None => target,
        }
    }
}

impl FromStr for TargetSpec {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        let (region, project) = match s.split_once(':') {
            Some((region, project)) => (region.trim(), Some(project.trim())),
            None => (s.trim(), None),
        };
        let usable = |v: &str| {
            !v.is_empty()
                && v.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        };
        if !usable(region) {
            return Err(Error::Config(format!(
                "--target {:?}: expected REGION[:PROJECT] (e.g. cn-north-4 or \
                 cn-north-4:PROJECT_ID)",
                s.escape_default().to_string()
            )));
        }
        if let Some(project) = project
            && !usable(project)
        {
            return Err(Error::Config(format!(
                "--target {:?}: the project ID after ':' is empty or has characters a \
                 project ID never has",
                s.escape_default().to_string()
            )));
        }
        Ok(Self {
            region: region.to_owned(),
            project: project.map(str::to_owned),
        })
    }
}

impl fmt::Display for TargetSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.project {
            Some(project) => write!(f, "{}:{project}", self.region),
            None => f.write_str(&self.region),
        }
    }
}

/// Everything the exporter needs; [`ExporterConfig::new`] gives the defaults.
///
/// Each field is one CLI flag (see the crate README for the mapping).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ExporterConfig {
    /// Where [`serve`](crate::serve) listens (default [`DEFAULT_LISTEN`]). A non-loopback
    /// address is allowed and logged as a warning.
    pub listen: SocketAddr,
    /// The projects/regions to export, one client each. With more than one, every series
    /// about a gateway or an API call also carries `region` and `project` labels.
    pub targets: Vec<Target>,
    /// Gateways to export, by ID or name, looked up in every target's gateway list; empty
    /// (the default): every gateway of every target.
    pub gateways: Vec<String>,
    /// Also export one series per connection (`p2c_vpn_connection_*`, labelled with the
    /// connection ID and user name: cardinality grows with the users). Default `false`.
    pub per_connection: bool,
    /// Scrapes closer together than this are served from the last collection instead of
    /// calling the API again (default [`DEFAULT_MIN_INTERVAL`]; zero: every scrape
    /// collects).
    pub min_interval: Duration,
    /// The longest a scrape waits for a collection (default [`DEFAULT_SCRAPE_TIMEOUT`]);
    /// gateways not collected by then are served with their last values and `up` 0, and
    /// their collection goes on in the background. A Prometheus
    /// `X-Prometheus-Scrape-Timeout-Seconds` header lowers it for that scrape.
    pub scrape_timeout: Duration,
    /// Gateways collected at the same time, over all targets (default
    /// [`DEFAULT_CONCURRENCY`]).
    pub concurrency: usize,
    /// The most gateways collected per target (default [`DEFAULT_MAX_GATEWAYS`]): the first
    /// ones of the gateway list (or of the `gateways` selected); the listing stops there,
    /// and `p2c_vpn_exporter_truncated{limit="max_gateways"}` is 1.
    pub max_gateways: usize,
    /// The most connections with series of their own, over all gateways, with
    /// `per_connection` (default [`DEFAULT_MAX_CONNECTION_SERIES`]). Connections past it
    /// still count in the gateway sums; `p2c_vpn_exporter_truncated{limit=
    /// "max_connection_series"}` is 1.
    pub max_connection_series: usize,
    /// The most HTTP connections open at once (default [`DEFAULT_MAX_HTTP_CONNECTIONS`]). At
    /// the cap a new connection takes the place of the oldest one that has not sent a whole
    /// request yet (else of the oldest idle one), so a scrape always gets in; it is refused
    /// only while every connection is being answered.
    pub max_http_connections: usize,
    /// The longest a client may take to send a request's headers, and to start the next
    /// request on a kept-alive connection, and the longest it may leave a response unread
    /// (default [`DEFAULT_HEADER_READ_TIMEOUT`]); then the connection is closed.
    pub header_read_timeout: Duration,
    /// The most bytes of `/metrics` responses being sent at once, over all connections
    /// (default [`DEFAULT_MAX_RESPONSE_BYTES`]): past it a scrape gets 503 until clients
    /// have read what they asked for. A lone response is always sent, whatever its size; a
    /// client that reads nothing for `header_read_timeout` is disconnected.
    pub max_response_bytes: usize,
}

impl ExporterConfig {
    /// The defaults, for these targets.
    pub fn new(targets: Vec<Target>) -> Self {
        Self {
            listen: DEFAULT_LISTEN,
            targets,
            gateways: Vec::new(),
            per_connection: false,
            min_interval: DEFAULT_MIN_INTERVAL,
            scrape_timeout: DEFAULT_SCRAPE_TIMEOUT,
            concurrency: DEFAULT_CONCURRENCY,
            max_gateways: DEFAULT_MAX_GATEWAYS,
            max_connection_series: DEFAULT_MAX_CONNECTION_SERIES,
            max_http_connections: DEFAULT_MAX_HTTP_CONNECTIONS,
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
        }
    }

    /// Sets [`listen`](Self::listen).
    #[must_use]
    pub fn listen(mut self, addr: SocketAddr) -> Self {
        self.listen = addr;
        self
    }

    /// Sets [`gateways`](Self::gateways).
    #[must_use]
    pub fn gateways<I, S>(mut self, gateways: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.gateways = gateways.into_iter().map(Into::into).collect();
        self
    }

    /// Sets [`per_connection`](Self::per_connection).
    #[must_use]
    pub fn per_connection(mut self, on: bool) -> Self {
        self.per_connection = on;
        self
    }

    /// Sets [`min_interval`](Self::min_interval).
    #[must_use]
    pub fn min_interval(mut self, interval: Duration) -> Self {
        self.min_interval = interval;
        self
    }

    /// Sets [`scrape_timeout`](Self::scrape_timeout).
    #[must_use]
    pub fn scrape_timeout(mut self, timeout: Duration) -> Self {
        self.scrape_timeout = timeout;
        self
    }

    /// Sets [`concurrency`](Self::concurrency).
    #[must_use]
    pub fn concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency;
        self
    }

    /// Sets [`max_gateways`](Self::max_gateways).
    #[must_use]
    pub fn max_gateways(mut self, max: usize) -> Self {
        self.max_gateways = max;
        self
    }

    /// Sets [`max_connection_series`](Self::max_connection_series).
    #[must_use]
    pub fn max_connection_series(mut self, max: usize) -> Self {
        self.max_connection_series = max;
        self
    }

    /// Sets [`max_http_connections`](Self::max_http_connections).
    #[must_use]
    pub fn max_http_connections(mut self, max: usize) -> Self {
        self.max_http_connections = max;
        self
    }

    /// Sets [`header_read_timeout`](Self::header_read_timeout).
    #[must_use]
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.header_read_timeout = timeout;
        self
    }

    /// Sets [`max_response_bytes`](Self::max_response_bytes).
    #[must_use]
    pub fn max_response_bytes(mut self, max: usize) -> Self {
        self.max_response_bytes = max;
        self
    }

    /// Checks the settings; trims and de-duplicates the gateway selectors.
    pub(crate) fn validated(mut self) -> Result<Self, Error> {
        if self.targets.is_empty() {
            return Err(Error::Config(
                "no target: give at least one client (--target REGION[:PROJECT], or the \
                 connection flags)"
                    .to_owned(),
            ));
        }
        if self.concurrency == 0 {
            return Err(Error::Config("concurrency must be at least 1".to_owned()));
        }
        if self.scrape_timeout.is_zero() {
            return Err(Error::Config(
                "the scrape timeout must be longer than zero".to_owned(),
            ));
        }
        if self.max_gateways == 0 {
            return Err(Error::Config(
                "--max-gateways must be at least 1".to_owned(),
            ));
        }
        if self.max_http_connections < 2 {
            return Err(Error::Config(
                "--max-http-connections must be at least 2".to_owned(),
            ));
        }
        if self.header_read_timeout.is_zero() {
            return Err(Error::Config(
                "the header read timeout must be longer than zero".to_owned(),
            ));
        }
        let mut seen = std::collections::HashSet::new();
        let mut gateways = Vec::new();
        for g in self.gateways.drain(..) {
            let g = g.trim().to_owned();
            if g.is_empty() {
                return Err(Error::Config(
                    "--gateway: empty gateway ID or name".to_owned(),
                ));
            }
            if seen.insert(g.clone()) {
                gateways.push(g);
            }
        }
        self.gateways = gateways;
        if self.targets.len() > 1 {
            let mut labels = std::collections::HashSet::new();
            for t in &self.targets {
                let key = (t.region.clone(), t.project_label().to_owned());
                if !labels.insert(key.clone()) {
                    return Err(Error::Config(format!(
                        "two targets have the same region {:?} and project {:?}: their \
                         series would collide",
                        key.0, key.1
                    )));
                }
            }
        }
        Ok(self)
    }
}
