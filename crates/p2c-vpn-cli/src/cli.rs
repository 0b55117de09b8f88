//! Command-line arguments (clap derive). The command, flag and value names are a public
//! contract: scripts depend on them.

use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Shown at the end of every `--help`: exit codes and environment.
pub const AFTER_HELP: &str = "\
Exit codes:
  0  success (also when the output pipe is closed early, e.g. `| head`)
  1  other failure (e.g. writing the output failed; a disconnect or a log-config
     change not confirmed)
  2  usage error: bad flags or values, missing endpoint or project, a gateway name
     that matches no gateway or several (the candidates are listed), `disconnect`
     without a selector, a disconnect or log-config change without --yes when stdin
     is not a terminal
  3  authentication: no or unusable credentials, or the service rejected them (401/403)
  4  service error: error response (4xx/5xx), throttled (429), unreadable response,
     inconsistent paging, a listing past --max-records / --max-bytes (or a marker
     past 1 KiB); `disconnect`: a connection could not be disconnected
  5  network: cannot connect, timed out, connection cut

Environment:
  HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK   access key / secret key
  HUAWEICLOUD_SDK_SECURITY_TOKEN          security token of temporary credentials
  HUAWEICLOUD_SDK_PROJECT_ID              project ID (or --project-id; without either,
                                          looked up through IAM for the region)
  HUAWEICLOUD_SDK_CREDENTIALS_FILE        credentials file (default ~/.huaweicloud/credentials)
  HUAWEICLOUD_SDK_REGION                  region (or --region)
  HUAWEICLOUD_SDK_ENDPOINT                endpoint URL (or --endpoint)
  HUAWEICLOUD_SDK_IAM_ENDPOINT            IAM endpoint URL of the project lookup (or --iam-endpoint)
  NO_COLOR                                disables colours in tables

Try it offline: `p2c-vpn demo`.";

/// See who is connected to a Huawei Cloud P2C (client) VPN gateway, and disconnect them.
///
/// Lists gateways, lists or watches their connections and disconnects clients through the
/// VPC VPN API (`/v5/{project_id}/p2c-vpn-gateways...`), with requests signed by your
/// AK/SK. Gateways are named by ID or by name.
#[derive(Debug, Parser)]
#[command(name = "p2c-vpn", version, after_help = AFTER_HELP, propagate_version = true)]
pub struct Cli {
    /// Log to stderr: -v for each call (request IDs, attempts, status), -vv for details.
    /// RUST_LOG (e.g. RUST_LOG=p2c_vpn=debug) overrides it.
    #[arg(long, short = 'v', action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// The project's P2C VPN gateways.
    #[command(subcommand)]
    Gateways(GatewaysCommand),
    /// Client connections of P2C VPN gateways.
    #[command(subcommand)]
    Connections(ConnectionsCommand),
    /// Serve Prometheus metrics of every gateway (or --gateway ones) on --listen:
    /// /metrics (Prometheus text, or OpenMetrics when asked through Accept) and /healthz.
    ///
    /// Collects on scrape, at most once per --min-interval; a scrape never waits past
    /// --scrape-timeout (late gateways are served with their last values and up 0). API
    /// errors never stop it: they show in p2c_vpn_up and p2c_vpn_api_requests_total.
    /// Stops cleanly on Ctrl-C or SIGTERM. See crates/p2c-vpn-exporter/README.md.
    #[command(after_help = AFTER_HELP)]
    Exporter(ExporterArgs),
    /// A live, interactive view of every gateway (or --gateway ones): each gateway against
    /// its maximum, who uses the bandwidth now, sorted, filtered, and disconnected from the
    /// screen.
    ///
    /// Needs a terminal (for a pipe, use `connections watch`). Keys: ? shows them all; q or
    /// Ctrl-C quits. Rates, new and dropped connections are computed as in `watch`.
    #[command(after_help = AFTER_HELP)]
    Top(TopArgs),
    /// Offline demo: lists gateways and connections from an embedded mock of the API (no
    /// credentials, no network), then shows how to query the real service.
    #[command(after_help = AFTER_HELP)]
    Demo(DemoArgs),
    /// Print a shell completion script: subcommands, flags and their values, at every
    /// level.
    ///
    /// bash: `p2c-vpn completions bash > ~/.local/share/bash-completion/completions/p2c-vpn`;
    /// zsh: `p2c-vpn completions zsh > ~/.zfunc/_p2c-vpn` (a directory on $fpath, before
    /// compinit); fish: `p2c-vpn completions fish > ~/.config/fish/completions/p2c-vpn.fish`.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page of p2c-vpn (roff), or with --dir write one page per command.
    ///
    /// `p2c-vpn man > p2c-vpn.1 && man -l p2c-vpn.1`; `p2c-vpn man --dir
    /// ~/.local/share/man/man1` writes p2c-vpn.1, p2c-vpn-connections.1,
    /// p2c-vpn-connections-list.1, ... (each with its flags, the exit codes and the
    /// environment) and prints their paths.
    Man {
        /// Write every page into this directory (created if missing) instead of printing
        /// the top-level page.
        #[arg(long, value_name = "DIR", value_hint = clap::ValueHint::DirPath)]
        dir: Option<std::path::PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct ExporterArgs {
    /// Address to serve on; a non-loopback address is allowed and logged.
    #[arg(long, value_name = "ADDR", default_value_t = p2c_vpn_exporter::DEFAULT_LISTEN)]
    pub listen: std::net::SocketAddr,

    /// Gateway ID or name to export; repeat for several. Without it: every gateway of
    /// each target.
    #[arg(long = "gateway", value_name = "GATEWAY")]
    pub gateways: Vec<String>,

    /// A region and optionally a project to export, REGION[:PROJECT]; repeat for several
    /// (series then carry region and project labels). Without it: the one target of
    /// --region / --endpoint / --project-id.
    #[arg(long = "target", value_name = "REGION[:PROJECT]")]
    pub targets: Vec<p2c_vpn_exporter::TargetSpec>,

    /// One series per connection (connection_id and user labels): cardinality grows with
    /// the number of clients.
    #[arg(long)]
    pub per_connection: bool,

    /// Minimum time between two collections (scrapes in between get the last values);
    /// 0s collects on every scrape.
    #[arg(long, value_name = "DURATION", default_value = "15s", value_parser = parse_duration_or_zero)]
    pub min_interval: Duration,

    /// Longest a scrape waits for collection.
    #[arg(long, value_name = "DURATION", default_value = "8s", value_parser = parse_duration)]
    pub scrape_timeout: Duration,

    /// Gateways collected at the same time.
    #[arg(long, value_name = "N", allow_negative_numbers = true, default_value_t = p2c_vpn_exporter::DEFAULT_CONCURRENCY,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=64))]
    pub concurrency: usize,

    /// Most gateways collected per target: the first ones listed (or of the --gateway
    /// ones); past it the listing stops and p2c_vpn_exporter_truncated{limit="max_gateways"}
    /// is 1.
    #[arg(long, value_name = "N", default_value_t = p2c_vpn_exporter::DEFAULT_MAX_GATEWAYS,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=1_000_000))]
    pub max_gateways: usize,

    /// Most connections with series of their own (--per-connection), over all gateways;
    /// the others still count in the gateway sums, and
    /// p2c_vpn_exporter_truncated{limit="max_connection_series"} is 1.
    #[arg(long, value_name = "N", default_value_t = p2c_vpn_exporter::DEFAULT_MAX_CONNECTION_SERIES,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(0..=10_000_000))]
    pub max_connection_series: usize,

    /// Most HTTP connections open at once; at the cap a new one replaces the oldest that has
    /// not sent a whole request (so a scrape always gets in).
    #[arg(long, value_name = "N", default_value_t = p2c_vpn_exporter::DEFAULT_MAX_HTTP_CONNECTIONS,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(2..=65_536))]
    pub max_http_connections: usize,

    /// Longest a client may take to send a request's headers (and to start its next
    /// request on a kept-alive connection), and may leave a response unread, before the
    /// connection is closed.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration)]
    pub header_read_timeout: Duration,

    /// Most bytes of /metrics responses being sent at once (clients that do not read hold
    /// them); past it a scrape gets 503. A lone response is always sent.
    #[arg(long, value_name = "BYTES", default_value_t = p2c_vpn_exporter::DEFAULT_MAX_RESPONSE_BYTES,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub max_response_bytes: usize,

    #[command(flatten)]
    pub client: ClientArgs,
}

#[derive(Debug, Subcommand)]
pub enum GatewaysCommand {
    /// List every gateway of the project: name, ID, status, connections / maximum,
    /// creation time.
    #[command(after_help = AFTER_HELP)]
    List(GatewaysListArgs),
    /// Show one gateway, named by ID or name, with all its fields.
    #[command(after_help = AFTER_HELP)]
    Show(GatewaysShowArgs),
    /// Where a gateway's connection logs go: the LTS log group and log stream (show, --set,
    /// --delete).
    ///
    /// The connections API shows who is connected now; who was connected before is in the
    /// gateway's connection logs, which Huawei Cloud writes to a log stream of the Log Tank
    /// Service (LTS) once the gateway has a log configuration. Without --set or --delete,
    /// shows it. --set and --delete show the change and ask for confirmation on a terminal
    /// (--yes skips it); without a terminal, --yes is required. --dry-run shows the change
    /// and sends nothing.
    #[command(after_help = AFTER_HELP)]
    LogConfig(GatewaysLogConfigArgs),
}

#[derive(Debug, Subcommand)]
pub enum ConnectionsCommand {
    /// List the connections of one or more gateways (default: every gateway).
    ///
    /// Without --all, makes one request per gateway with --limit/--offset (neither: the
    /// service returns every connection at once). With --all, walks every page.
    #[command(after_help = AFTER_HELP)]
    List(ListArgs),
    /// Re-list the connections on an interval, with traffic rates, new/dropped
    /// connections and each gateway's connections against its maximum.
    ///
    /// Rates are bytes per second from the counters' growth over the difference of the
    /// connections' `timestamp` (wall-clock time between polls when that is missing).
    ///
    /// Gateways are independent: each is polled every --interval with a deadline of one
    /// interval (retries included), so a hung, slow or failing gateway shows as FAILED
    /// (or late) on its own line while the others keep their cadence. The watch ends early
    /// only when every gateway fails at once for a persistent reason (credentials, invalid
    /// input, a 4xx other than 408/429).
    #[command(after_help = AFTER_HELP)]
    Watch(WatchArgs),
    /// Disconnect clients from a gateway: the connections matching every selector given.
    ///
    /// At least one selector is required (--connection-id, --user, --client-ip,
    /// --connected-longer-than), or --all-connections to disconnect everyone on purpose.
    /// On a terminal the matches are shown and confirmation is asked (--yes skips it);
    /// without a terminal, --yes is required. --dry-run shows the matches and sends
    /// nothing.
    #[command(after_help = AFTER_HELP)]
    Disconnect(DisconnectArgs),
}

/// Where requests go and how they are made; shared by every command but `demo`.
#[derive(Debug, Args)]
pub struct ClientArgs {
    /// Project ID [default: HUAWEICLOUD_SDK_PROJECT_ID, or project_id in the credentials
    /// file; without any, the project named like the region is looked up through IAM].
    #[arg(long, value_name = "ID")]
    pub project_id: Option<String>,

    /// Huawei Cloud region, e.g. cn-north-4 (endpoint https://vpn.{region}.myhuaweicloud.com).
    /// With --endpoint, it only names the project to look up. On the command line, it wins
    /// over an endpoint from HUAWEICLOUD_SDK_ENDPOINT.
    #[arg(long, value_name = "REGION", env = p2c_vpn::ENV_REGION)]
    pub region: Option<String>,

    /// Endpoint base URL of the VPN requests instead of the region's (a private endpoint, a
    /// proxy, a mock); plain http:// only to loopback.
    #[arg(long, value_name = "URL", env = p2c_vpn::ENV_ENDPOINT)]
    pub endpoint: Option<String>,

    /// IAM endpoint base URL of the project lookup instead of the region's
    /// (https://iam.{region}.myhuaweicloud.com); plain http:// only to loopback.
    #[arg(long, value_name = "URL", env = p2c_vpn::ENV_IAM_ENDPOINT)]
    pub iam_endpoint: Option<String>,

    /// Bound on each HTTP attempt (connecting included), e.g. 10s, 1m30s.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration)]
    pub timeout: Duration,

    /// Retries after a failed attempt (throttling, 5xx, timeouts, network errors); 0 for
    /// none.
    #[arg(
        long,
        value_name = "N",
        allow_negative_numbers = true,
        default_value_t = 2
    )]
    pub retries: u32,

    /// Cap on one response body, enforced while it arrives (a response past it is a
    /// service error, exit 4, never retried).
    #[arg(long, value_name = "BYTES", allow_negative_numbers = true, default_value_t = p2c_vpn::DEFAULT_MAX_BODY_BYTES,
          value_parser = clap::value_parser!(usize))]
    pub max_body_bytes: usize,

    /// Cap on the JSON values (records and their fields) of one response, checked before
    /// decoding: what decoding may allocate is bounded by it.
    #[arg(long, value_name = "N", allow_negative_numbers = true, default_value_t = p2c_vpn::DEFAULT_MAX_JSON_VALUES,
          value_parser = clap::value_parser!(usize))]
    pub max_json_values: usize,

    /// Cap on the records one listing (every page of it) may bring, whatever page size
    /// the server chooses; reaching it is exit 4.
    #[arg(long, value_name = "N", allow_negative_numbers = true, default_value_t = p2c_vpn::DEFAULT_MAX_RECORDS,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub max_records: u64,

    /// Cap on the bytes of response bodies one listing may bring in all (every page);
    /// reaching it is exit 4.
    #[arg(long, value_name = "BYTES", allow_negative_numbers = true, default_value_t = p2c_vpn::DEFAULT_MAX_BYTES,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub max_bytes: u64,
}

/// Which gateways (`list` and `watch`), and the client flags.
#[derive(Debug, Args)]
pub struct ConnectionArgs {
    /// Gateway ID or name; repeat the flag for several gateways, fetched concurrently and
    /// shown in the order given. Without it: every gateway of the project.
    #[arg(long = "gateway", value_name = "GATEWAY")]
    pub gateways: Vec<String>,

    #[command(flatten)]
    pub client: ClientArgs,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub conn: ConnectionArgs,

    /// Only the connections of this client user name (client_user_name, exact); repeat
    /// the flag for several users.
    #[arg(long = "user", value_name = "NAME")]
    pub users: Vec<String>,

    /// The fields to show in table and csv output, comma-separated: any field of a
    /// connection in the API's JSON (e.g. client_user_name,client_ip,inbound_bytes), and
    /// gateway_id.
    #[arg(long, value_name = "FIELD,...", value_delimiter = ',', num_args = 1)]
    pub columns: Option<Vec<String>>,

    /// Records to request (one request); without it the service returns everything.
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = limit_parser(), conflicts_with = "all")]
    pub limit: Option<u32>,

    /// Records to skip: the request's offset, or where --all starts.
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = offset_parser())]
    pub offset: Option<u32>,

    /// Fetch every page (--page-size records per request).
    #[arg(long)]
    pub all: bool,

    /// Records per request with --all.
    #[arg(long, value_name = "N", allow_negative_numbers = true, default_value_t = p2c_vpn::DEFAULT_PAGE_SIZE, requires = "all",
          value_parser = limit_parser())]
    pub page_size: u32,

    /// Output format.
    #[arg(long, short = 'o', value_enum, default_value_t = ListFormat::Table)]
    pub output: ListFormat,

    /// Table output: every column at its full width, however narrow the terminal (by
    /// default the least important columns are hidden to fit it, and named under the
    /// table).
    #[arg(long)]
    pub wide: bool,
}

#[derive(Debug, Args)]
pub struct WatchArgs {
    #[command(flatten)]
    pub conn: ConnectionArgs,

    /// Time between two listings, e.g. 5s, 1m; also each gateway's deadline per listing
    /// (one not answered by then is shown late, and asked again at the next tick).
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = parse_interval)]
    pub interval: Duration,

    /// Stop after this many listings (default: until Ctrl-C).
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = clap::value_parser!(u64).range(1..))]
    pub count: Option<u64>,

    /// Records per request (every page is fetched on each tick).
    #[arg(long, value_name = "N", allow_negative_numbers = true, default_value_t = p2c_vpn::DEFAULT_PAGE_SIZE,
          value_parser = limit_parser())]
    pub page_size: u32,

    /// Output format: a table per tick, or one JSON event per connection per tick.
    #[arg(long, short = 'o', value_enum, default_value_t = WatchFormat::Table)]
    pub output: WatchFormat,

    /// Table output: every column at its full width, however narrow the terminal (by
    /// default the least important columns are hidden to fit it, and named under the
    /// table).
    #[arg(long)]
    pub wide: bool,
}

#[derive(Debug, Args)]
pub struct TopArgs {
    #[command(flatten)]
    pub conn: ConnectionArgs,

    /// Time between two polls, e.g. 5s, 1m (a poll never starts before the previous one
    /// ended).
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = parse_interval)]
    pub interval: Duration,

    /// No disconnecting from the screen (the `d` key is turned off).
    #[arg(long)]
    pub read_only: bool,

    /// Records per request (every page is fetched on each poll).
    #[arg(long, value_name = "N", allow_negative_numbers = true, default_value_t = p2c_vpn::DEFAULT_PAGE_SIZE,
          value_parser = limit_parser())]
    pub page_size: u32,
}

#[derive(Debug, Args)]
pub struct DisconnectArgs {
    /// The gateway, by ID or name.
    #[arg(long, value_name = "GATEWAY")]
    pub gateway: String,

    /// Selector: this connection (its connection_id, a UUID, sent as written); repeat the
    /// flag for several.
    #[arg(long = "connection-id", value_name = "ID", value_parser = parse_connection_id)]
    pub connection_ids: Vec<p2c_vpn_runtime::select::ConnectionId>,

    /// Selector: connections of this client user name (exact); repeat the flag for several.
    #[arg(long = "user", value_name = "NAME")]
    pub users: Vec<String>,

    /// Selector: connections from this public client IP address (client_ip), or the
    /// masked form a service that masks addresses prints (100.***.***.100), matched as
    /// printed; repeat the flag for several.
    #[arg(long, value_name = "IP", value_parser = parse_client_ip)]
    pub client_ip: Vec<p2c_vpn_runtime::select::ClientIp>,

    /// Selector: connections connected for longer than this, e.g. 8h, 1d, 30m (from
    /// connection_established_time to the statistics' timestamp).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub connected_longer_than: Option<Duration>,

    /// Disconnect every connection of the gateway (instead of selectors).
    #[arg(long, conflicts_with_all = ["connection_ids", "users", "client_ip", "connected_longer_than"])]
    pub all_connections: bool,

    /// Show what would be disconnected, and send nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Do not ask for confirmation (required when stdin is not a terminal).
    #[arg(long, short = 'y')]
    pub yes: bool,

    /// The table of matches: every column at its full width, however narrow the terminal (by
    /// default the least important columns are hidden to fit it, and named under the
    /// table).
    #[arg(long)]
    pub wide: bool,

    #[command(flatten)]
    pub client: ClientArgs,
}

#[derive(Debug, Args)]
pub struct GatewaysListArgs {
    #[command(flatten)]
    pub client: ClientArgs,

    /// Output format.
    #[arg(long, short = 'o', value_enum, default_value_t = ListFormat::Table)]
    pub output: ListFormat,

    /// Table output: every column at its full width, however narrow the terminal (by
    /// default the least important columns are hidden to fit it, and named under the
    /// table).
    #[arg(long)]
    pub wide: bool,
}

#[derive(Debug, Args)]
pub struct GatewaysShowArgs {
    /// The gateway, by ID or name.
    #[arg(value_name = "GATEWAY")]
    pub gateway: String,

    #[command(flatten)]
    pub client: ClientArgs,

    /// Output format.
    #[arg(long, short = 'o', value_enum, default_value_t = ShowFormat::Table)]
    pub output: ShowFormat,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("change").args(["set", "delete"])))]
pub struct GatewaysLogConfigArgs {
    /// The gateway, by ID or name.
    #[arg(value_name = "GATEWAY")]
    pub gateway: String,

    /// Send the gateway's connection logs to this LTS log group and log stream (their IDs,
    /// as the LTS console shows them), replacing any configuration it has.
    #[arg(long, value_name = "LOG_GROUP_ID:LOG_STREAM_ID", value_parser = parse_log_config)]
    pub set: Option<p2c_vpn::LogConfig>,

    /// Stop sending the gateway's connection logs to LTS (what was written stays there).
    #[arg(long)]
    pub delete: bool,

    /// With --set or --delete: show the change, and send nothing.
    #[arg(long, requires = "change")]
    pub dry_run: bool,

    /// With --set or --delete: do not ask for confirmation (required when stdin is not a
    /// terminal).
    #[arg(long, short = 'y', requires = "change")]
    pub yes: bool,

    #[command(flatten)]
    pub client: ClientArgs,

    /// Output format: of the configuration shown, or in effect after --set or --delete
    /// (a dry run is always described in text).
    #[arg(long, short = 'o', value_enum, default_value_t = LogConfigFormat::Table)]
    pub output: LogConfigFormat,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Records per request, small so that several pages are walked.
    #[arg(long, value_name = "N", allow_negative_numbers = true, default_value_t = 10,
          value_parser = limit_parser())]
    pub page_size: u32,
}

/// Output formats of `connections list` and `gateways list`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    /// Aligned columns for people: human sizes and durations, count footer.
    Table,
    /// One JSON document in the API's response shape (for connections of several
    /// gateways, an array of them, each with `gateway_id`).
    Json,
    /// One record per line, in the API's JSON (connections of several gateways: plus
    /// `gateway_id`).
    Ndjson,
    /// Header row, then one row per record with the API's fields.
    Csv,
}

/// Output formats of `gateways show`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ShowFormat {
    /// Every field on a line of its own, for people.
    Table,
    /// The API's response shape: `{"p2c_vpn_gateway": {...}}`.
    Json,
}

/// Output formats of `gateways log-config`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogConfigFormat {
    /// The gateway, its log group and log stream, for people.
    Table,
    /// The API's shape: `{"log_config": {"log_group_id": ..., "log_stream_id": ...}}`, with
    /// `"log_config": null` when there is none.
    Json,
}

/// Output formats of `connections watch`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum WatchFormat {
    /// A table per tick: redrawn on a terminal, appended otherwise.
    Table,
    /// One JSON event per connection per tick: `new`, `update` or `dropped`.
    Ndjson,
}

/// `--limit`, `--page-size`: the API's range, from the library ([`p2c_vpn::params::LIMIT`]).
fn limit_parser() -> clap::builder::RangedI64ValueParser<u32> {
    let range = p2c_vpn::params::LIMIT;
    clap::value_parser!(u32).range(i64::from(*range.start())..=i64::from(*range.end()))
}

/// `--offset`: the API's range ([`p2c_vpn::params::OFFSET`]).
fn offset_parser() -> clap::builder::RangedI64ValueParser<u32> {
    let range = p2c_vpn::params::OFFSET;
    clap::value_parser!(u32).range(i64::from(*range.start())..=i64::from(*range.end()))
}

fn parse_connection_id(s: &str) -> Result<p2c_vpn_runtime::select::ConnectionId, String> {
    s.trim().parse().map_err(|_| {
        "not a connection ID (expected a UUID such as 4f08c74b-a132-4993-a1ce-183ba6574995)"
            .to_owned()
    })
}

fn parse_log_config(s: &str) -> Result<p2c_vpn::LogConfig, String> {
    s.trim().parse().map_err(|e: p2c_vpn::Error| {
        format!(
            "{}; for example \
             05c4052d-8d14-488f-aa00-19fea5a25fdd:d9d85143-e1e1-427a-9994-d8b8fd9ebe3f",
            e.error_message()
        )
    })
}

fn parse_client_ip(s: &str) -> Result<p2c_vpn_runtime::select::ClientIp, String> {
    s.trim().parse().map_err(|_| {
        "not a client IP (expected an address such as 203.0.113.7 or 2001:db8::1, or the \
         masked form the service prints, such as 100.***.***.100)"
            .to_owned()
    })
}

/// A duration flag's value (`--timeout`, `--scrape-timeout`, `--older-than`, …):
/// humantime's syntax (`10s`, `500ms`, `1m30s`) after trimming, greater than zero.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(s.trim())
        .map_err(|e| format!("{e} (expected a duration such as 10s, 500ms or 1m30s)"))?;
    if d.is_zero() {
        return Err("must be greater than zero".to_owned());
    }
    Ok(d)
}

/// A duration flag that may be zero (`--min-interval`): humantime's syntax after trimming.
pub fn parse_duration_or_zero(s: &str) -> Result<Duration, String> {
    humantime::parse_duration(s.trim())
        .map_err(|e| format!("{e} (expected a duration such as 15s, 0s or 1m)"))
}

/// `--interval` (`watch`, `top`): a [`parse_duration`] of at least 100 ms.
pub fn parse_interval(s: &str) -> Result<Duration, String> {
    let d = parse_duration(s)?;
    if d < Duration::from_millis(100) {
        return Err("must be at least 100ms".to_owned());
    }
    Ok(d)
}
