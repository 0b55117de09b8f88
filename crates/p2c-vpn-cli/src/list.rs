//! `connections list`: one page or every page of each gateway, in every output format;
//! `--all` as NDJSON or CSV for one gateway streams page by page.

use std::io::Write;

use crate::cli::{ListArgs, ListFormat};
use crate::columns;
use crate::connect::{self, Fetch};
use crate::error::CliError;
use crate::output::{self, GatewayOutput, Style};

pub async fn run(
    args: &ListArgs,
    matches: &clap::ArgMatches,
    out: &mut dyn Write,
    style: Style,
) -> Result<(), CliError> {
    let style = style.wide(args.wide);
    let columns = match &args.columns {
        Some(requested) => Some(columns::Columns::parse(requested, args.output)?),
        None => None,
    };
    let client = connect::from_flags(&args.conn.client, matches)?;
    let every_gateway = args.conn.gateways.is_empty();
    let gateways = connect::gateways(&client, &args.conn.gateways).await?;
    let filter = connect::UserFilter::new(&args.users);
    if let ([gateway], false, true, ListFormat::Ndjson | ListFormat::Csv) =
        (gateways.as_slice(), every_gateway, args.all, args.output)
    {
        return stream_rows(
            &client,
            &gateway.lookup,
            args,
            columns.as_ref(),
            &filter,
            out,
        )
        .await;
    }
    let how = if args.all {
        Fetch::All {
            page_size: args.page_size,
            offset: args.offset,
        }
    } else {
        Fetch::One {
            limit: args.limit,
            offset: args.offset,
        }
    };
    let lookups: Vec<String> = gateways.iter().map(|g| g.lookup.clone()).collect();
    let results = connect::fetch_many_resolved(&client, &lookups, how).await;
    // Every gateway of the project is always shown with its gateway column, even if
    // there is only one.
    let several = every_gateway || gateways.len() > 1;
    let mut fetched = Vec::with_capacity(results.len());
    let mut failures = Vec::new();
    for (gateway, result) in gateways.iter().zip(results) {
        match result {
            Ok((id, mut f)) => {
                filter.apply(&mut f.connections);
                fetched.push((gateway, id, f));
            }
            Err(e) => failures.push(CliError::api(several.then_some(gateway.label.as_str()), e)),
        }
    }
    if !failures.is_empty() {
        return Err(if failures.len() == 1 {
            failures.remove(0)
        } else {
            CliError::Many(failures)
        });
    }
    let outputs: Vec<GatewayOutput<'_>> = fetched
        .iter()
        .map(|(gateway, id, fetched)| GatewayOutput {
            gateway: id,
            label: &gateway.label,
            fetched,
        })
        .collect();
    if every_gateway && outputs.is_empty() && args.output == ListFormat::Table {
        writeln!(out, "No gateways in this project.")?;
        return Ok(());
    }
    match &columns {
        Some(columns) => columns.write_list(out, args.output, &outputs, several, style),
        None => output::write_list(out, args.output, &outputs, several, style),
    }
}

/// `--all` for one gateway as NDJSON or CSV: rows are written page by page as they arrive,
/// so memory stays flat however many connections there are. If a later page fails, the
/// rows already written stay and the exit code reports the failure.
async fn stream_rows(
    client: &p2c_vpn::Client,
    gateway: &str,
    args: &ListArgs,
    columns: Option<&columns::Columns>,
    filter: &connect::UserFilter,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    use futures::TryStreamExt as _;
    let csv = matches!(args.output, ListFormat::Csv);
    let gateway_id = match columns {
        Some(c) if c.wants_gateway_id() => client
            .resolve_gateway(gateway)
            .await
            .map_err(|e| CliError::api(None, e))?,
        _ => String::new(),
    };
    if csv {
        match columns {
            Some(columns) => columns.write_csv_header(out)?,
            None => output::write_csv_header(out, false)?,
        }
    }
    let mut pages = connect::all_pages(client, gateway, args.page_size, args.offset);
    while let Some(mut page) = pages.try_next().await.map_err(|e| CliError::api(None, e))? {
        filter.apply(&mut page.connections);
        match (csv, columns) {
            (true, Some(columns)) => {
                columns.write_csv_rows(out, &gateway_id, &page.connections)?;
            }
            (true, None) => output::write_csv_rows(out, None, &page.connections)?,
            (false, _) => output::write_ndjson_rows(out, None, &page.connections)?,
        }
    }
    out.flush()?;
    Ok(())
}
