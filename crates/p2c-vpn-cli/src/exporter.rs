//! `p2c-vpn exporter`: the flags → `p2c_vpn_exporter::serve`.

use p2c_vpn_exporter::{Exporter, ExporterConfig, Target};

use crate::cli::ExporterArgs;
use crate::connect;
use crate::error::CliError;

/// Builds one client per target from the flags and serves until Ctrl-C or SIGTERM.
pub async fn run(args: &ExporterArgs, matches: &clap::ArgMatches) -> Result<(), CliError> {
    let targets = if args.targets.is_empty() {
        let target = connect::target(&args.client, Some(matches))?;
        let client = connect::client(&args.client, &target)?;
        let region = match &target {
            connect::Target::Region(region) => Some(region.clone()),
            connect::Target::Endpoint { region, .. } => region.clone(),
        };
        let target = Target::new(client);
        vec![match region {
            Some(region) => target.region(region),
            None => target,
        }]
    } else {
        if args.targets.len() > 1 && args.client.endpoint.is_some() {
            return Err(CliError::Usage(
                "--endpoint with several --target: every target would call the same endpoint; \
                 give one --target per exporter, or no --endpoint"
                    .to_owned(),
            ));
        }
        let mut targets = Vec::with_capacity(args.targets.len());
        for spec in &args.targets {
            let mut builder = spec.apply(connect::common_builder(&args.client));
            if let Some(endpoint) = &args.client.endpoint {
                builder = builder.endpoint(endpoint.as_str());
            }
            if spec.project.is_none()
                && let Some(project) = &args.client.project_id
            {
                builder = builder.project_id(project.as_str());
            }
            targets.push(spec.target(connect::build(builder, false)?));
        }
        targets
    };
    let config = ExporterConfig::new(targets)
        .listen(args.listen)
        .gateways(args.gateways.iter().cloned())
        .per_connection(args.per_connection)
        .min_interval(args.min_interval)
        .scrape_timeout(args.scrape_timeout)
        .concurrency(args.concurrency)
        .max_gateways(args.max_gateways)
        .max_connection_series(args.max_connection_series)
        .max_http_connections(args.max_http_connections)
        .header_read_timeout(args.header_read_timeout)
        .max_response_bytes(args.max_response_bytes);
    // The configuration, then the gateways it names (a name that names nothing or two
    // gateways is a usage error), then the address: announced only once it is bound.
    let exporter = Exporter::new(config).map_err(error)?;
    exporter.check_gateways().await.map_err(error)?;
    let listener = p2c_vpn_exporter::bind(args.listen).await.map_err(error)?;
    let addr = listener.local_addr().unwrap_or(args.listen);
    eprintln!("p2c-vpn exporter: serving http://{addr}/metrics");
    p2c_vpn_exporter::serve_on(listener, exporter, p2c_vpn_exporter::shutdown_signal())
        .await
        .map_err(error)
}

/// A configuration error (a bad `--gateway` included) is a usage error (exit 2).
fn error(e: p2c_vpn_exporter::Error) -> CliError {
    match e {
        p2c_vpn_exporter::Error::Config(message) => CliError::Usage(message),
        other => CliError::Other(other.to_string()),
    }
}
