//! `gateways list` and `gateways show`.
//!
//! `json` and `ndjson` are the API's JSON; `csv` has the columns of [`CSV_FIELDS`], values
//! as in the API's JSON (strings formula-prefixed, see [`sanitize::for_spreadsheet`]);
//! `table` is for people, every server string escaped and shortened ([`TextCell`]).

use std::io::Write;

use comfy_table::Color;
use futures::TryStreamExt as _;
use p2c_vpn::{Client, Gateway};
use serde::Serialize;
use serde_json::Value;

use crate::cli::{ListFormat, ShowFormat};
use crate::error::CliError;
use crate::human;
use crate::output::{self, ColumnSpec, Reveal, Style, TextCell};
use crate::sanitize;

/// The csv columns of `gateways list`: the API's field names.
pub const CSV_FIELDS: [&str; 6] = [
    "id",
    "name",
    "status",
    "current_connection_number",
    "max_connection_number",
    "created_at",
];

/// The API's `ListP2cVgws` response shape, every page together.
#[derive(Serialize)]
struct ListDocument<'a> {
    p2c_vpn_gateways: &'a [Gateway],
    #[serde(skip_serializing_if = "Option::is_none")]
    total_count: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    request_id: Option<&'a str>,
}

/// The API's `ShowP2cVgw` response shape.
#[derive(Serialize)]
struct ShowDocument<'a> {
    p2c_vpn_gateway: &'a Gateway,
}

/// The gateways of the project, every page, with the service's total (last page) and the
/// first request's ID.
pub async fn fetch_all(
    client: &Client,
) -> p2c_vpn::Result<(Vec<Gateway>, Option<i64>, Option<String>)> {
    let mut pages = client.gateways().pages();
    let (mut gateways, mut total, mut request_id) = (Vec::new(), None, None);
    let mut first = true;
    while let Some(page) = pages.try_next().await? {
        if std::mem::replace(&mut first, false) {
            request_id = page.request_id;
        }
        total = page.total_count.or(total);
        gateways.extend(page.gateways);
    }
    Ok((gateways, total, request_id))
}

/// `gateways list`.
pub async fn list(
    client: &Client,
    format: ListFormat,
    out: &mut dyn Write,
    style: Style,
) -> Result<(), CliError> {
    let (gateways, total, request_id) = fetch_all(client)
        .await
        .map_err(|e| CliError::api(None, e))?;
    write_list(out, format, &gateways, total, request_id.as_deref(), style)
}

/// Writes a gateway list in `format`.
pub fn write_list(
    out: &mut dyn Write,
    format: ListFormat,
    gateways: &[Gateway],
    total_count: Option<i64>,
    request_id: Option<&str>,
    style: Style,
) -> Result<(), CliError> {
    match format {
        ListFormat::Json => {
            let doc = ListDocument {
                p2c_vpn_gateways: gateways,
                total_count,
                request_id,
            };
            serde_json::to_writer_pretty(&mut *out, &doc)?;
            writeln!(out)?;
        }
        ListFormat::Ndjson => {
            for g in gateways {
                serde_json::to_writer(&mut *out, g)?;
                out.write_all(b"\n")?;
            }
        }
        ListFormat::Csv => write_csv(out, gateways)?,
        ListFormat::Table => write_table(out, gateways, style)?,
    }
    out.flush()?;
    Ok(())
}

fn write_csv(out: &mut dyn Write, gateways: &[Gateway]) -> Result<(), CliError> {
    let mut csv = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(out);
    csv.write_record(CSV_FIELDS)?;
    for g in gateways {
        let record = serde_json::to_value(g)?;
        let row: Vec<String> = CSV_FIELDS
            .iter()
            .map(|field| match record.get(field) {
                None | Some(Value::Null) => String::new(),
                Some(Value::String(s)) => sanitize::for_spreadsheet(s).into_owned(),
                Some(other) => other.to_string(),
            })
            .collect();
        csv.write_record(&row)?;
    }
    csv.flush()?;
    Ok(())
}

/// `12 / 50`: connections now against the gateway's maximum.
pub fn connections_of_max(g: &Gateway) -> String {
    format!(
        "{} / {}",
        output::or_dash(g.current_connections()),
        output::or_dash(g.max_connections())
    )
}

/// A status cell: green when `ACTIVE`, yellow otherwise.
fn status_cell(status: Option<&str>) -> TextCell<'_> {
    match status {
        Some(s) if s.eq_ignore_ascii_case("ACTIVE") => TextCell::new(s).color(Color::Green),
        Some(s) => TextCell::new(s).color(Color::Yellow),
        None => TextCell::new("-"),
    }
}

fn write_table(out: &mut dyn Write, gateways: &[Gateway], style: Style) -> Result<(), CliError> {
    if gateways.is_empty() {
        writeln!(out, "No gateways in this project.")?;
        return Ok(());
    }
    // The ID right after the name when names are shared (it tells them apart), else
    // after the connections.
    let mut names = std::collections::HashSet::new();
    let shared = gateways.iter().any(|g| !names.insert(g.name()));
    let id = if shared {
        ColumnSpec::ID
    } else {
        ColumnSpec::ID.priority(ColumnSpec::CONNECTIONS.priority + 1)
    };
    let columns = [
        ColumnSpec::NAME,
        id,
        ColumnSpec::STATUS,
        ColumnSpec::CONNECTIONS,
        ColumnSpec::CREATED,
    ];
    let make_rows = || {
        gateways.iter().map(|g| {
            vec![
                TextCell::new(g.name().unwrap_or("-")).color(Color::Cyan),
                TextCell::new(g.id().unwrap_or("-")),
                status_cell(g.status()),
                TextCell::new(connections_of_max(g)),
                TextCell::new(output::when(g.created_at())),
            ]
        })
    };
    output::write_columns(
        out,
        style,
        &columns,
        Reveal::Wide,
        gateways.len(),
        make_rows,
    )?;
    let connections: u64 = gateways
        .iter()
        .filter_map(Gateway::current_connections)
        .sum();
    writeln!(
        out,
        "{}, {}",
        human::plural(gateways.len(), "gateway", "gateways"),
        human::plural(
            usize::try_from(connections).unwrap_or(usize::MAX),
            "connection",
            "connections"
        )
    )?;
    Ok(())
}

/// `gateways show GATEWAY`.
pub async fn show(
    client: &Client,
    gateway: &str,
    format: ShowFormat,
    out: &mut dyn Write,
    style: Style,
) -> Result<(), CliError> {
    let found = client
        .gateway(gateway)
        .await
        .map_err(|e| CliError::api(None, e))?;
    match format {
        ShowFormat::Json => {
            serde_json::to_writer_pretty(
                &mut *out,
                &ShowDocument {
                    p2c_vpn_gateway: &found,
                },
            )?;
            writeln!(out)?;
        }
        ShowFormat::Table => {
            let fields = fields(&serde_json::to_value(&found)?);
            let make_rows = || {
                fields.iter().map(|(name, value)| {
                    vec![TextCell::new(name.as_str()), TextCell::new(value.as_str())]
                })
            };
            output::write_columns(
                out,
                style,
                &[ColumnSpec::FIELD, ColumnSpec::VALUE],
                Reveal::Nothing,
                fields.len(),
                make_rows,
            )?;
        }
    }
    out.flush()?;
    Ok(())
}

/// The fields shown first by `gateways show`, in this order; the others follow sorted.
const FIRST_FIELDS: [&str; 6] = [
    "name",
    "id",
    "status",
    "current_connection_number",
    "max_connection_number",
    "created_at",
];

/// Every field of a gateway's JSON as (name, text): nested objects flattened with dotted
/// names (`eip.ip_address`), lists of plain values joined with `, `, other lists as
/// compact JSON; absent and null values left out.
pub fn fields(record: &Value) -> Vec<(String, String)> {
    let mut all = Vec::new();
    flatten("", record, &mut all);
    let rank = |name: &str| {
        FIRST_FIELDS
            .iter()
            .position(|f| *f == name)
            .unwrap_or(FIRST_FIELDS.len())
    };
    // Stable: the others keep their (sorted) order.
    all.sort_by_key(|(name, _)| rank(name));
    all
}

fn flatten(prefix: &str, value: &Value, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                let name = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                flatten(&name, v, out);
            }
        }
        Value::Null => {}
        Value::String(s) => out.push((prefix.to_owned(), s.clone())),
        Value::Array(items) if items.iter().all(|v| !v.is_object() && !v.is_array()) => {
            let text: Vec<String> = items
                .iter()
                .map(|v| match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect();
            out.push((prefix.to_owned(), text.join(", ")));
        }
        other => out.push((prefix.to_owned(), other.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_flatten_nested_values_and_put_the_key_ones_first() {
        let record = serde_json::json!({
            "admin_state_up": true,
            "availability_zone_ids": ["cn-north-4a", "cn-north-4b"],
            "eip": {"ip_address": "203.0.113.1", "bandwidth": {"size": 5}},
            "id": "gw-1",
            "name": "office",
            "order_id": null,
            "tags": [{"key": "k", "value": "v"}],
        });
        let fields = fields(&record);
        let names: Vec<&str> = fields.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "name",
                "id",
                "admin_state_up",
                "availability_zone_ids",
                "eip.bandwidth.size",
                "eip.ip_address",
                "tags"
            ]
        );
        assert_eq!(fields[3].1, "cn-north-4a, cn-north-4b");
        assert_eq!(fields[6].1, r#"[{"key":"k","value":"v"}]"#);
    }
}
