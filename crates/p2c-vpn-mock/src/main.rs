//! `p2c-vpn-mock`: runs the mock of Huawei Cloud's P2C VPN gateway API (and IAM's project
//! lookup) until Ctrl-C.

use std::net::SocketAddr;
use std::process::ExitCode;

use clap::Parser;
use p2c_vpn_auth::Credentials;
use p2c_vpn_mock::{
    DEFAULT_ACCESS_KEY, DEFAULT_REGION, DEFAULT_SECRET_KEY, DEFAULT_SEED, MockGateway, MockServer,
};
use secrecy::ExposeSecret as _;

/// Default number of connections of a `--gateway ID` without `:COUNT`.
const DEFAULT_COUNT: usize = 25;

/// Offline mock of Huawei Cloud's P2C VPN gateway API (VPN v5: list and show gateways,
/// list a gateway's connections, disconnect one) and of IAM's `GET /v3/projects?name=`.
///
/// Prints the base URL, project id, region, gateways and the (fake, throwaway) AK/SK it
/// accepts, then serves until Ctrl-C. The base URL is both the VPN endpoint and the IAM
/// endpoint.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Address to listen on (loopback only unless --allow-remote).
    #[arg(long, default_value = "127.0.0.1:8787")]
    listen: SocketAddr,
    /// Allow a non-loopback --listen address (the mock has no real security).
    #[arg(long)]
    allow_remote: bool,
    /// Seed of the generated data.
    #[arg(long, default_value_t = DEFAULT_SEED)]
    seed: u64,
    /// A gateway: ID, ID:COUNT (default count 25), then optional `,name=NAME` and
    /// `,max=N` (max connections), e.g. `gw-1:12,name=office,max=20`; repeatable.
    /// Default: two sample gateways with generated ids. Default name: p2c-vpngw- and the
    /// first 8 characters of the id.
    #[arg(
        long = "gateway",
        value_name = "ID[:COUNT][,name=NAME][,max=N]",
        value_parser = parse_gateway
    )]
    gateways: Vec<MockGateway>,
    /// Region: IAM's `GET /v3/projects?name=REGION` returns the project (any other name
    /// returns none).
    #[arg(long, default_value = DEFAULT_REGION)]
    region: String,
    /// Project id to accept (default: derived from the seed).
    #[arg(long)]
    project_id: Option<String>,
    /// Serve requests without checking signatures or tokens.
    #[arg(long)]
    no_auth: bool,
    /// Access key to accept (default: a fixed fake one).
    #[arg(long, requires = "secret_key")]
    access_key: Option<String>,
    /// Secret key to accept (default: a fixed fake one).
    #[arg(long, requires = "access_key")]
    secret_key: Option<String>,
    /// Also accept this IAM token as X-Auth-Token.
    #[arg(long)]
    token: Option<String>,
    /// Connections joining or leaving per minute, per gateway (0 = none).
    #[arg(long, default_value_t = 6.0)]
    churn: f64,
    /// Mask client IPs like Huawei's docs (100.***.***.100).
    #[arg(long)]
    masked_ips: bool,
}

/// `ID[:COUNT][,name=NAME][,max=N]`.
fn parse_gateway(s: &str) -> Result<MockGateway, String> {
    let mut parts = s.split(',');
    let head = parts.next().unwrap_or_default();
    let (id, count) = match head.rsplit_once(':') {
        Some((id, n)) => (
            id,
            n.parse::<usize>()
                .map_err(|_| format!("invalid connection count {n:?} in {s:?}"))?,
        ),
        None => (head, DEFAULT_COUNT),
    };
    if id.is_empty() {
        return Err("empty gateway id".to_owned());
    }
    let mut gateway = MockGateway::new(id).connections(count);
    for option in parts {
        match option.split_once('=') {
            Some(("name", name)) if !name.is_empty() => gateway = gateway.name(name),
            Some(("max", n)) => {
                let max = n
                    .parse::<usize>()
                    .map_err(|_| format!("invalid max connections {n:?} in {s:?}"))?;
                gateway = gateway.max_connections(max);
            }
            _ => {
                return Err(format!(
                    "invalid gateway option {option:?} in {s:?} (expected name=NAME or max=N)"
                ));
            }
        }
    }
    Ok(gateway)
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    if !args.listen.ip().is_loopback() && !args.allow_remote {
        eprintln!(
            "error: refusing to listen on non-loopback address {} (pass --allow-remote to do it anyway)",
            args.listen
        );
        return ExitCode::from(2);
    }
    let mut builder = MockServer::builder()
        .listen(args.listen)
        .seed(args.seed)
        .require_signature(!args.no_auth)
        .churn(args.churn)
        .masked_ips(args.masked_ips)
        .region(args.region);
    for gateway in args.gateways {
        builder = builder.gateway_with(gateway);
    }
    if let Some(project) = args.project_id {
        builder = builder.project_id(project);
    }
    let (ak, sk) = match (args.access_key, args.secret_key) {
        (Some(ak), Some(sk)) => (ak, sk),
        _ => (DEFAULT_ACCESS_KEY.to_owned(), DEFAULT_SECRET_KEY.to_owned()),
    };
    builder = builder.credentials(Credentials::new(ak, sk));
    if let Some(token) = args.token {
        builder = builder.token(token);
    }
    let server = match builder.start().await {
        Ok(server) => server,
        Err(e) => {
            eprintln!("error: cannot listen on {}: {e}", args.listen);
            return ExitCode::FAILURE;
        }
    };

    let creds = server.credentials();
    println!("p2c-vpn-mock listening on {}", server.base_url());
    println!("project id: {}", server.project_id());
    println!("region:     {}", server.region());
    for gateway in server.gateways() {
        println!(
            "gateway:    {} ({} connections) name={} max={}",
            gateway.id,
            server.connection_count(&gateway.id).unwrap_or_default(),
            gateway.name,
            gateway.max_connections,
        );
    }
    if args.no_auth {
        println!("auth:       disabled (--no-auth)");
    } else {
        println!("access key: {}", creds.access_key());
        println!(
            "secret key: {} (fake, accepted only by this mock)",
            creds.secret_key().expose_secret()
        );
    }
    // A block to paste into a shell: `p2c-vpn` then talks to this mock (requests are
    // signed, so a bare `curl` would get 401 unless --no-auth).
    println!();
    for (name, value) in [
        ("HUAWEICLOUD_SDK_AK", creds.access_key()),
        ("HUAWEICLOUD_SDK_SK", creds.secret_key().expose_secret()),
        ("HUAWEICLOUD_SDK_PROJECT_ID", server.project_id()),
        ("HUAWEICLOUD_SDK_ENDPOINT", server.base_url()),
        ("HUAWEICLOUD_SDK_IAM_ENDPOINT", server.base_url()),
    ] {
        println!("export {name}={}", shell_quote(value));
    }
    println!("p2c-vpn gateways list");
    if args.no_auth
        && let Some(first) = server.gateway_ids().first()
    {
        println!("curl {}", shell_quote(&server.connections_url(first)));
    }
    println!();
    println!("(Ctrl-C to stop)");

    if let Err(e) = tokio::signal::ctrl_c().await {
        eprintln!("error: cannot wait for Ctrl-C: {e}");
    }
    match server.shutdown().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `value` as one shell word: as it is when only safe characters, else single-quoted.
fn shell_quote(value: &str) -> String {
    let safe = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.,:/@%+=".contains(c));
    if safe {
        value.to_owned()
    } else {
        format!("'{}'", value.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::{MockGateway, parse_gateway, shell_quote};

    #[test]
    fn shell_words() {
        assert_eq!(
            shell_quote("http://127.0.0.1:8787"),
            "http://127.0.0.1:8787"
        );
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("it's"), "'it'\\''s'");
        assert_eq!(shell_quote(""), "''");
        assert_eq!(shell_quote("$(x)"), "'$(x)'");
    }

    #[test]
    fn gateway_spec() {
        let gw = |id: &str, n: usize| MockGateway::new(id).connections(n);
        assert_eq!(parse_gateway("gw"), Ok(gw("gw", 25)));
        assert_eq!(parse_gateway("gw:7"), Ok(gw("gw", 7)));
        assert_eq!(
            parse_gateway("gw:7,name=office"),
            Ok(gw("gw", 7).name("office"))
        );
        assert_eq!(
            parse_gateway("gw,max=40,name=lab"),
            Ok(gw("gw", 25).max_connections(40).name("lab"))
        );
        assert!(parse_gateway("gw:x").is_err());
        assert!(parse_gateway(":3").is_err());
        assert!(parse_gateway("gw:3,name=").is_err());
        assert!(parse_gateway("gw:3,max=x").is_err());
        assert!(parse_gateway("gw:3,colour=red").is_err());
    }
}
