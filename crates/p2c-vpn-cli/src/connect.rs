//! Building the API client from the flags, and fetching one gateway's connections.

use std::time::Duration;

use clap::parser::ValueSource;
use futures::TryStreamExt as _;
use p2c_vpn::{Client, Connection, RetryConfig};

use crate::cli::ConnectionArgs;
use crate::error::CliError;

/// Where requests go, after weighing flags against environment variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Region(String),
    Endpoint(String),
}

/// Picks the region or endpoint: a command-line flag wins over an environment variable;
/// between two environment variables the endpoint wins (as in `p2c_vpn::Client::from_env`);
/// both flags on the command line are a usage error.
pub fn target(
    args: &ConnectionArgs,
    matches: Option<&clap::ArgMatches>,
) -> Result<Target, CliError> {
    let from_cli =
        |id: &str| matches.and_then(|m| m.value_source(id)) == Some(ValueSource::CommandLine);
    let (region_cli, endpoint_cli) = (from_cli("region"), from_cli("endpoint"));
    match (&args.region, &args.endpoint) {
        (Some(_), Some(_)) if region_cli && endpoint_cli => Err(CliError::Usage(
            "--region and --endpoint cannot be used together".to_owned(),
        )),
        (Some(region), _) if region_cli => Ok(Target::Region(region.clone())),
        (_, Some(endpoint)) => Ok(Target::Endpoint(endpoint.clone())),
        (Some(region), None) => Ok(Target::Region(region.clone())),
        (None, None) => Err(CliError::Usage(format!(
            "no endpoint: pass --region REGION or --endpoint URL (or set {} / {})",
            p2c_vpn::ENV_REGION,
            p2c_vpn::ENV_ENDPOINT
        ))),
    }
}

/// The client for these flags; credentials from the default provider chain.
pub fn client(args: &ConnectionArgs, target: &Target) -> Result<Client, CliError> {
    let mut builder = Client::builder()
        .timeout(args.timeout)
        .connect_timeout(args.timeout.min(p2c_vpn::DEFAULT_CONNECT_TIMEOUT))
        .retry(RetryConfig::default().with_max_attempts(args.retries.saturating_add(1)))
        .user_agent(concat!("p2c-vpn-cli/", env!("CARGO_PKG_VERSION")));
    // Bound the whole call: every attempt plus generous room for backoff.
    let attempts = args.retries.saturating_add(1);
    builder = builder.operation_timeout(
        args.timeout
            .saturating_mul(attempts)
            .saturating_add(Duration::from_secs(30).saturating_mul(attempts)),
    );
    builder = match target {
        Target::Region(region) => builder.region(region.as_str()),
        Target::Endpoint(endpoint) => builder.endpoint(endpoint.as_str()),
    };
    if let Some(project) = &args.project_id {
        builder = builder.project_id(project.as_str());
    }
    builder.build().map_err(|e| CliError::api(None, e))
}

/// What was fetched from one gateway.
#[derive(Debug, Clone, Default)]
pub struct Fetched {
    pub connections: Vec<Connection>,
    /// The service's total (of the last page, with several pages).
    pub total_count: Option<i64>,
    /// The request ID of the (first) request.
    pub request_id: Option<String>,
}

/// How to fetch.
#[derive(Debug, Clone, Copy)]
pub enum Fetch {
    /// One request with these parameters.
    One {
        limit: Option<u32>,
        offset: Option<u32>,
    },
    /// Every page from `offset`.
    All { page_size: u32, offset: Option<u32> },
}

/// Fetches one gateway's connections.
pub async fn fetch(client: &Client, gateway: &str, how: Fetch) -> p2c_vpn::Result<Fetched> {
    match how {
        Fetch::One { limit, offset } => {
            let mut request = client.connections(gateway);
            if let Some(limit) = limit {
                request = request.limit(limit);
            }
            if let Some(offset) = offset {
                request = request.offset(offset);
            }
            let page = request.send().await?;
            Ok(Fetched {
                connections: page.connections,
                total_count: page.total_count,
                request_id: page.request_id,
            })
        }
        Fetch::All { page_size, offset } => {
            let mut pages = all_pages(client, gateway, page_size, offset);
            let mut fetched = Fetched::default();
            let mut first = true;
            while let Some(page) = pages.try_next().await? {
                if std::mem::replace(&mut first, false) {
                    fetched.request_id = page.request_id;
                }
                fetched.total_count = page.total_count;
                fetched.connections.extend(page.connections);
            }
            Ok(fetched)
        }
    }
}

/// Every page of `gateway` from `offset`, `page_size` records per request.
pub fn all_pages(
    client: &Client,
    gateway: &str,
    page_size: u32,
    offset: Option<u32>,
) -> futures::stream::BoxStream<'static, p2c_vpn::Result<p2c_vpn::Page>> {
    let mut request = client.connections(gateway).page_size(page_size);
    if let Some(offset) = offset {
        request = request.offset(offset);
    }
    request.pages()
}

/// Fetches several gateways concurrently (at most `CONCURRENCY` at a time); results come
/// back in the order of `gateways`.
pub async fn fetch_many(
    client: &Client,
    gateways: &[String],
    how: Fetch,
) -> Vec<p2c_vpn::Result<Fetched>> {
    use futures::StreamExt as _;
    futures::stream::iter(gateways.iter().map(|g| fetch(client, g, how)))
        .buffered(CONCURRENCY)
        .collect()
        .await
}

/// Gateways fetched at the same time.
pub const CONCURRENCY: usize = 4;

/// The gateways in flag order, repeated ones dropped.
pub fn unique_gateways(gateways: &[String]) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    gateways
        .iter()
        .filter(|g| seen.insert(g.as_str()))
        .cloned()
        .collect()
}
