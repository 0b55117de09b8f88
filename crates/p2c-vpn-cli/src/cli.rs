//! Command-line arguments (clap derive). The command, flag and value names are a public
//! contract: scripts depend on them.

use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Shown at the end of every `--help`: exit codes and environment.
pub const AFTER_HELP: &str = "\
Exit codes:
  0  success (also when the output pipe is closed early, e.g. `| head`)
  1  other failure (e.g. writing the output failed)
  2  usage error: bad flags or values, missing endpoint, invalid gateway ID
  3  authentication: no or unusable credentials, or the service rejected them (401/403)
  4  service error: error response (4xx/5xx), throttled (429), unreadable response,
     inconsistent paging
  5  network: cannot connect, timed out, connection cut

Environment:
  HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK   access key / secret key
  HUAWEICLOUD_SDK_SECURITY_TOKEN          security token of temporary credentials
  HUAWEICLOUD_SDK_PROJECT_ID              project ID (or --project-id)
  HUAWEICLOUD_SDK_CREDENTIALS_FILE        credentials file (default ~/.huaweicloud/credentials)
  HUAWEICLOUD_SDK_REGION                  region (or --region)
  HUAWEICLOUD_SDK_ENDPOINT                endpoint URL (or --endpoint)
  NO_COLOR                                disables colours in tables

Try it offline: `p2c-vpn demo`.";

/// See who is connected to a Huawei Cloud P2C (client) VPN gateway.
///
/// Lists or watches the connections of a gateway through the VPC VPN API
/// (`GET /v5/{project_id}/p2c-vpn-gateways/{p2c_vgw_id}/connections`), with requests signed
/// by your AK/SK.
#[derive(Debug, Parser)]
#[command(name = "p2c-vpn", version, after_help = AFTER_HELP, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Client connections of P2C VPN gateways.
    #[command(subcommand)]
    Connections(ConnectionsCommand),
    /// Offline demo: lists connections from an embedded mock of the API (no credentials,
    /// no network), then shows how to query the real service.
    #[command(after_help = AFTER_HELP)]
    Demo(DemoArgs),
}

#[derive(Debug, Subcommand)]
pub enum ConnectionsCommand {
    /// List the connections of one or more gateways.
    ///
    /// Without --all, makes one request per gateway with --limit/--offset (neither: the
    /// service returns every connection at once). With --all, walks every page.
    #[command(after_help = AFTER_HELP)]
    List(ListArgs),
    /// Re-list the connections on an interval, with traffic rates and new/dropped
    /// connections.
    ///
    /// Rates are bytes per second from the counters' growth over the difference of the
    /// connections' `timestamp` (wall-clock time between polls when that is missing).
    #[command(after_help = AFTER_HELP)]
    Watch(WatchArgs),
}

/// Where requests go and how they are made; shared by `list` and `watch`.
#[derive(Debug, Args)]
pub struct ConnectionArgs {
    /// Gateway ID (p2c_vgw_id); repeat the flag for several gateways, fetched concurrently
    /// and shown in the order given.
    #[arg(long = "gateway", value_name = "ID", required = true)]
    pub gateways: Vec<String>,

    /// Project ID [default: HUAWEICLOUD_SDK_PROJECT_ID, or project_id in the credentials
    /// file].
    #[arg(long, value_name = "ID")]
    pub project_id: Option<String>,

    /// Huawei Cloud region, e.g. cn-north-4 (endpoint https://vpn.{region}.myhuaweicloud.com).
    /// A flag on the command line wins over the other option's environment variable.
    #[arg(long, value_name = "REGION", env = p2c_vpn::ENV_REGION)]
    pub region: Option<String>,

    /// Endpoint base URL instead of a region (a private endpoint, a proxy, a mock).
    #[arg(long, value_name = "URL", env = p2c_vpn::ENV_ENDPOINT)]
    pub endpoint: Option<String>,

    /// Bound on each HTTP attempt (connecting included), e.g. 10s, 1m30s.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration)]
    pub timeout: Duration,

    /// Retries after a failed attempt (throttling, 5xx, timeouts, network errors); 0 for
    /// none.
    #[arg(long, value_name = "N", default_value_t = 2)]
    pub retries: u32,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub conn: ConnectionArgs,

    /// Records to request (one request); without it the service returns everything.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=i32::MAX as i64), conflicts_with = "all")]
    pub limit: Option<u32>,

    /// Records to skip: the request's offset, or where --all starts.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(0..=i32::MAX as i64))]
    pub offset: Option<u32>,

    /// Fetch every page (--page-size records per request).
    #[arg(long)]
    pub all: bool,

    /// Records per request with --all.
    #[arg(long, value_name = "N", default_value_t = p2c_vpn::DEFAULT_PAGE_SIZE, requires = "all",
          value_parser = clap::value_parser!(u32).range(1..=i32::MAX as i64))]
    pub page_size: u32,

    /// Output format.
    #[arg(long, short = 'o', value_enum, default_value_t = ListFormat::Table)]
    pub output: ListFormat,
}

#[derive(Debug, Args)]
pub struct WatchArgs {
    #[command(flatten)]
    pub conn: ConnectionArgs,

    /// Time between two listings, e.g. 5s, 1m.
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = parse_interval)]
    pub interval: Duration,

    /// Stop after this many listings (default: until Ctrl-C).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub count: Option<u64>,

    /// Records per request (every page is fetched on each tick).
    #[arg(long, value_name = "N", default_value_t = p2c_vpn::DEFAULT_PAGE_SIZE,
          value_parser = clap::value_parser!(u32).range(1..=i32::MAX as i64))]
    pub page_size: u32,

    /// Output format: a table per tick, or one JSON event per connection per tick.
    #[arg(long, short = 'o', value_enum, default_value_t = WatchFormat::Table)]
    pub output: WatchFormat,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Records per request, small so that several pages are walked.
    #[arg(long, value_name = "N", default_value_t = 10,
          value_parser = clap::value_parser!(u32).range(1..=i32::MAX as i64))]
    pub page_size: u32,
}

/// Output formats of `connections list`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    /// Aligned columns for people: human sizes and durations, count footer.
    Table,
    /// One JSON document in the API's response shape (an array of them, each with
    /// `gateway_id`, for several gateways).
    Json,
    /// One connection per line, in the API's JSON (plus `gateway_id` for several gateways).
    Ndjson,
    /// Header row, then one row per connection with the API's fields.
    Csv,
}

/// Output formats of `connections watch`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum WatchFormat {
    /// A table per tick: redrawn on a terminal, appended otherwise.
    Table,
    /// One JSON event per connection per tick: `new`, `update` or `dropped`.
    Ndjson,
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(s.trim())
        .map_err(|e| format!("{e} (expected a duration such as 10s, 500ms or 1m30s)"))?;
    if d.is_zero() {
        return Err("must be greater than zero".to_owned());
    }
    Ok(d)
}

fn parse_interval(s: &str) -> Result<Duration, String> {
    let d = parse_duration(s)?;
    if d < Duration::from_millis(100) {
        return Err("must be at least 100ms".to_owned());
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory as _;

    #[test]
    fn the_command_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn durations_are_humantime() {
        assert_eq!(parse_duration("1m30s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert!(parse_duration("10").is_err());
        assert!(parse_duration("0s").is_err());
        assert!(parse_interval("10ms").is_err());
    }
}
