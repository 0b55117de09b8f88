//! Building the API client from the flags, and fetching one gateway's connections.

use std::time::Duration;

use clap::parser::ValueSource;
use futures::TryStreamExt as _;
use p2c_vpn::{Client, Connection, ENV_PROJECT_ID, RetryConfig};

use crate::cli::ClientArgs;
use crate::error::CliError;

/// Where requests go, after weighing flags against environment variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Everything from the region: the VPN endpoint, and the project to look up.
    Region(String),
    /// VPN requests to this endpoint; the region, if any, names the project to look up.
    Endpoint { url: String, region: Option<String> },
}

/// Picks the endpoint and the region: `--endpoint` (flag, else its environment variable
/// unless `--region` is on the command line) is where VPN requests go, and the region
/// (flag, else environment) names the project to look up; without an endpoint, the region
/// decides both.
pub fn target(args: &ClientArgs, matches: Option<&clap::ArgMatches>) -> Result<Target, CliError> {
    let from_cli =
        |id: &str| matches.and_then(|m| m.value_source(id)) == Some(ValueSource::CommandLine);
    let (region_cli, endpoint_cli) = (from_cli("region"), from_cli("endpoint"));
    // A region on the command line beats an endpoint that only comes from the environment.
    let endpoint = args
        .endpoint
        .clone()
        .filter(|_| endpoint_cli || !region_cli);
    match (endpoint, args.region.clone()) {
        (Some(url), region) => Ok(Target::Endpoint { url, region }),
        (None, Some(region)) => Ok(Target::Region(region)),
        (None, None) => Err(CliError::Usage(format!(
            "no endpoint: pass --region REGION or --endpoint URL (or set {} / {})",
            p2c_vpn::ENV_REGION,
            p2c_vpn::ENV_ENDPOINT
        ))),
    }
}

/// The client for these flags; credentials from the default provider chain.
pub fn client(args: &ClientArgs, target: &Target) -> Result<Client, CliError> {
    let mut builder = common_builder(args);
    builder = match target {
        Target::Region(region) => builder.region(region.as_str()),
        Target::Endpoint { url, region } => {
            let builder = builder.endpoint(url.as_str());
            match region {
                Some(region) => builder.region(region.as_str()),
                None => builder,
            }
        }
    };
    if let Some(project) = &args.project_id {
        builder = builder.project_id(project.as_str());
    }
    build(
        builder,
        matches!(target, Target::Endpoint { region: None, .. }),
    )
}

/// A builder with the flags every target shares: timeouts, retries, response caps, IAM
/// endpoint, user agent (not where requests go, nor the project).
pub fn common_builder(args: &ClientArgs) -> p2c_vpn::ClientBuilder {
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
    if let Some(iam) = &args.iam_endpoint {
        builder = builder.iam_endpoint(iam.as_str());
    }
    let mut listing = p2c_vpn::ListingLimits::default();
    listing.max_records = args.max_records;
    listing.max_bytes = args.max_bytes;
    builder
        .response_limits(p2c_vpn::ResponseLimits {
            max_body_bytes: args.max_body_bytes,
            max_json_values: args.max_json_values,
        })
        .listing_limits(listing)
}

/// Builds the client, translating the library's words into the CLI's.
pub fn build(builder: p2c_vpn::ClientBuilder, no_region: bool) -> Result<Client, CliError> {
    builder.build().map_err(|e| {
        if no_region && e.hint() == Some(p2c_vpn::Hint::SetProjectIdOrRegion) {
            CliError::Usage(format!(
                "no project ID and no region to look it up for: with --endpoint, pass \
                 --project-id ID (or set {ENV_PROJECT_ID}, or project_id in the credentials \
                 file), or --region REGION (or {}) to look the project up through IAM",
                p2c_vpn::ENV_REGION
            ))
        } else {
            CliError::api(None, e)
        }
    })
}

/// The client of these flags (`matches`: the subcommand's, to tell flags from the
/// environment).
pub fn from_flags(args: &ClientArgs, matches: &clap::ArgMatches) -> Result<Client, CliError> {
    client(args, &target(args, Some(matches))?)
}

/// `--user`: keeps the connections of these client user names (all when none is given);
/// the matching is `p2c_vpn_runtime`'s [`Selector`](p2c_vpn_runtime::select::Selector).
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    selector: Option<p2c_vpn_runtime::select::Selector>,
}

impl UserFilter {
    pub fn new(users: &[String]) -> Self {
        Self {
            selector: (!users.is_empty())
                .then(|| p2c_vpn_runtime::select::Selector::all().users(users.iter().cloned())),
        }
    }

    /// Whether a filter is set.
    pub fn is_active(&self) -> bool {
        self.selector.is_some()
    }

    /// Whether `c` passes.
    pub fn matches(&self, c: &Connection) -> bool {
        self.selector.as_ref().is_none_or(|s| s.matches(c))
    }

    /// Drops the connections that do not pass.
    pub fn apply(&self, connections: &mut Vec<Connection>) {
        if self.is_active() {
            connections.retain(|c| self.matches(c));
        }
    }
}

/// A gateway to work on: how it is shown, its ID once known, and how the library is asked
/// about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GatewayRef {
    /// Shown in tables and messages: as given on the command line, or the gateway's name
    /// when every gateway is listed.
    pub label: String,
    /// What the library is given (it resolves a name once per client and remembers it).
    pub lookup: String,
    /// The gateway's ID and maximum of connections, when known (from the listing of every
    /// gateway).
    pub known: Option<(String, Option<u64>)>,
}

/// The gateways of `--gateway`, each resolved to its ID first so that one gateway named
/// twice (by name and by ID, say) is worked on once (in flag order); or, without any, every
/// gateway of the project, labelled so that gateways sharing a name are told apart.
pub async fn gateways(client: &Client, given: &[String]) -> Result<Vec<GatewayRef>, CliError> {
    if !given.is_empty() {
        let mut refs = Vec::with_capacity(given.len());
        for (name, resolved) in client.resolve_gateways(given).await {
            let lookup = match resolved {
                Ok(id) => id,
                // A name no gateway has (or several have) fails for that gateway only, when
                // it is fetched; the others are still worked on.
                Err(e) if given.len() > 1 && e.kind() == p2c_vpn::ErrorKind::InvalidInput => {
                    name.clone()
                }
                // The listing itself failed: every name shares it, so stop here rather
                // than ask again per gateway.
                Err(e) => {
                    return Err(CliError::api((given.len() > 1).then_some(name.as_str()), e));
                }
            };
            refs.push(GatewayRef {
                label: name,
                lookup,
                known: None,
            });
        }
        return Ok(refs);
    }
    let all = client
        .gateways()
        .collect_all()
        .await
        .map_err(|e| CliError::api(None, e))?;
    let with_ids: Vec<&p2c_vpn::Gateway> = all.iter().filter(|g| g.id().is_some()).collect();
    let labels = p2c_vpn::gateway_labels(
        with_ids
            .iter()
            .map(|g| (g.id().unwrap_or_default(), g.name())),
    );
    Ok(with_ids
        .into_iter()
        .zip(labels)
        .map(|(g, label)| {
            let id = g.id().unwrap_or_default();
            GatewayRef {
                label,
                lookup: id.to_owned(),
                known: Some((id.to_owned(), g.max_connections())),
            }
        })
        .collect())
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

/// Fetches several gateways concurrently (at most `CONCURRENCY` at a time), with each
/// gateway's ID; results come back in the order of `gateways`. A name is resolved first
/// (one listing of the gateways per name, remembered by the client; an ID in UUID form
/// costs nothing).
pub async fn fetch_many_resolved(
    client: &Client,
    gateways: &[String],
    how: Fetch,
) -> Vec<p2c_vpn::Result<(String, Fetched)>> {
    use futures::StreamExt as _;
    futures::stream::iter(gateways.iter().map(|g| async move {
        let id = client.resolve_gateway(g).await?;
        Ok((id, fetch(client, g, how).await?))
    }))
    .buffered(CONCURRENCY)
    .collect()
    .await
}

/// Gateways fetched at the same time (the library's default, which the exporter uses too).
pub const CONCURRENCY: usize = p2c_vpn::DEFAULT_CONCURRENCY;
