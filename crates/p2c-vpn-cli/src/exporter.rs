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
        .concurrency(args.concurrency);
    let usage = |e: p2c_vpn_exporter::Error| match e {
        p2c_vpn_exporter::Error::Config(message) => CliError::Usage(message),
        other => CliError::Other(other.to_string()),
    };
    let exporter = Exporter::new(config).map_err(usage)?;
    // Bound before it is announced, so the line names the real port (`--listen
    // 127.0.0.1:0` lets the system pick one; tests read it from this line).
    let listener = p2c_vpn_exporter::bind(args.listen).await.map_err(usage)?;
    let addr = listener
        .local_addr()
        .map_err(|e| CliError::Other(format!("cannot read the listen address: {e}")))?;
    eprintln!("p2c-vpn exporter: serving http://{addr}/metrics");
    p2c_vpn_exporter::serve_on(listener, exporter, p2c_vpn_exporter::shutdown_signal())
        .await
        .map_err(usage)
}
