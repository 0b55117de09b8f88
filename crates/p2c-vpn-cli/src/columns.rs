//! `connections list --columns a,b,c`: any fields of a connection, in table and csv output.
//!
//! The available fields are not a hand-written list: they are the properties of the JSON
//! Schema derived from the generated `Connection` type (what a connection serializes to),
//! so a field added to the spec is a column after `cargo xtask regen`, with no change here.
//! Values are taken from each connection's serialized JSON (`serde_json::to_value`), written
//! as in the API's JSON: strings as they are, numbers as numbers, nested values as compact
//! JSON. In tables, server strings are escaped and shortened ([`TextCell`]); in csv,
//! strings get the spreadsheet formula prefix ([`sanitize::for_spreadsheet`]).

use std::io::Write;

use p2c_vpn::Connection;
use serde_json::Value;

use crate::cli::ListFormat;
use crate::error::CliError;
use crate::human;
use crate::output::{self, GatewayOutput, Style, TextCell};
use crate::sanitize;

/// The column naming the gateway (its ID).
pub const GATEWAY_ID: &str = "gateway_id";

/// Every field a connection can have, in the API's JSON (sorted), then [`GATEWAY_ID`].
pub fn available() -> Vec<String> {
    let schema = schemars::schema_for!(p2c_vpn::api::Connection);
    let mut fields: Vec<String> = schema
        .schema
        .object
        .map(|object| object.properties.keys().cloned().collect())
        .unwrap_or_default();
    fields.push(GATEWAY_ID.to_owned());
    fields
}

/// The columns asked for, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Columns {
    names: Vec<String>,
}

impl Columns {
    /// Checks `--columns` against the available fields and the output format (table and
    /// csv only: json and ndjson always carry every field).
    pub fn parse(requested: &[String], format: ListFormat) -> Result<Self, CliError> {
        if matches!(format, ListFormat::Json | ListFormat::Ndjson) {
            return Err(CliError::Usage(
                "--columns applies to table and csv output (json and ndjson always carry every \
                 field)"
                    .to_owned(),
            ));
        }
        let available = available();
        let mut names = Vec::with_capacity(requested.len());
        for name in requested {
            let name = name.trim();
            if name.is_empty() {
                return Err(CliError::Usage(format!(
                    "--columns has an empty column name; available columns: {}",
                    available.join(", ")
                )));
            }
            if !available.iter().any(|a| a == name) {
                return Err(CliError::Usage(format!(
                    "unknown column {:?} in --columns; available columns: {}",
                    sanitize::shorten_for_terminal(name, 64),
                    available.join(", ")
                )));
            }
            names.push(name.to_owned());
        }
        Ok(Self { names })
    }

    /// Whether `gateway_id` was asked for.
    pub fn wants_gateway_id(&self) -> bool {
        self.names.iter().any(|n| n == GATEWAY_ID)
    }

    /// The columns shown: with several gateways, `gateway_id` first unless placed already.
    fn shown(&self, several: bool) -> Vec<&str> {
        let mut shown = Vec::with_capacity(self.names.len() + 1);
        if several && !self.wants_gateway_id() {
            shown.push(GATEWAY_ID);
        }
        shown.extend(self.names.iter().map(String::as_str));
        shown
    }

    /// Writes the results as a table or csv with these columns.
    pub fn write_list(
        &self,
        out: &mut dyn Write,
        format: ListFormat,
        results: &[GatewayOutput<'_>],
        several: bool,
        style: Style,
    ) -> Result<(), CliError> {
        let shown = self.shown(several);
        match format {
            ListFormat::Csv => {
                write_csv_record(out, shown.iter().map(|s| (*s).to_owned()))?;
                for r in results {
                    rows_csv(out, &shown, r.gateway, &r.fetched.connections)?;
                }
            }
            _ => write_table(out, &shown, results, style)?,
        }
        out.flush()?;
        Ok(())
    }

    /// The csv header (the stream of `--all` for one gateway).
    pub fn write_csv_header(&self, out: &mut dyn Write) -> Result<(), CliError> {
        write_csv_record(out, self.names.iter().cloned())
    }

    /// csv rows for `connections` of the gateway `gateway_id` (no header).
    pub fn write_csv_rows(
        &self,
        out: &mut dyn Write,
        gateway_id: &str,
        connections: &[Connection],
    ) -> Result<(), CliError> {
        let shown = self.shown(false);
        rows_csv(out, &shown, gateway_id, connections)
    }
}

/// One value of a column, as in the API's JSON: `None` when absent or null.
fn value(record: &Value, gateway_id: &str, column: &str) -> Option<Value> {
    if column == GATEWAY_ID {
        return Some(Value::String(gateway_id.to_owned()));
    }
    match record.get(column) {
        None | Some(Value::Null) => None,
        Some(v) => Some(v.clone()),
    }
}

/// A value as text: strings as they are, anything else as compact JSON.
fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn write_csv_record(
    out: &mut dyn Write,
    record: impl IntoIterator<Item = String>,
) -> Result<(), CliError> {
    let mut csv = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(out);
    csv.write_record(record.into_iter().collect::<Vec<_>>())?;
    csv.flush()?;
    Ok(())
}

fn rows_csv(
    out: &mut dyn Write,
    shown: &[&str],
    gateway_id: &str,
    connections: &[Connection],
) -> Result<(), CliError> {
    let mut csv = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(out);
    for c in connections {
        let record = serde_json::to_value(c)?;
        let row: Vec<String> = shown
            .iter()
            .map(|column| match value(&record, gateway_id, column) {
                None => String::new(),
                // Only strings can be a formula: numbers (`-5`) stay numbers.
                Some(Value::String(s)) => sanitize::for_spreadsheet(&s).into_owned(),
                Some(other) => other.to_string(),
            })
            .collect();
        csv.write_record(&row)?;
    }
    csv.flush()?;
    Ok(())
}

fn write_table(
    out: &mut dyn Write,
    shown: &[&str],
    results: &[GatewayOutput<'_>],
    style: Style,
) -> Result<(), CliError> {
    let rows: usize = results.iter().map(|r| r.fetched.connections.len()).sum();
    if rows == 0 {
        writeln!(out, "No connections.")?;
    } else {
        // Serialized once: the row maker may be called twice (widths, then rows).
        let mut records = Vec::with_capacity(rows);
        for r in results {
            for c in &r.fetched.connections {
                records.push((r.gateway, serde_json::to_value(c)?));
            }
        }
        // Numbers are right-aligned.
        let right: Vec<usize> = (0..shown.len())
            .filter(|&i| {
                records
                    .iter()
                    .any(|(g, record)| value(record, g, shown[i]).is_some_and(|v| v.is_number()))
            })
            .collect();
        let make_rows = || {
            records.iter().map(|(gateway, record)| {
                shown
                    .iter()
                    .map(|column| match value(record, gateway, column) {
                        None => TextCell::new("-"),
                        Some(v) => TextCell::new(text(&v)),
                    })
                    .collect::<Vec<_>>()
            })
        };
        output::write_table(out, style, shown, &right, rows, make_rows)?;
    }
    let gateways = results.len();
    if gateways > 1 {
        writeln!(
            out,
            "{} on {gateways} gateways",
            human::plural(rows, "connection", "connections")
        )?;
    } else {
        writeln!(out, "{}", human::plural(rows, "connection", "connections"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_available_columns_come_from_the_connection_type() {
        let fields = available();
        for field in output::CSV_FIELDS {
            assert!(fields.iter().any(|f| f == field), "{field}: {fields:?}");
        }
        assert_eq!(fields.last().map(String::as_str), Some(GATEWAY_ID));
        // And every field a fully populated connection serializes is one of them.
        let c: Connection = serde_json::from_value(serde_json::json!({
            "connection_id": "4f08c74b-a132-4993-a1ce-183ba6574995",
            "client_virtual_ip": "10.0.0.2", "client_ip": "203.0.113.7",
            "client_user_name": "alice", "inbound_packets": 1, "outbound_packets": 2,
            "inbound_bytes": 3, "outbound_bytes": 4,
            "connection_established_time": "2024-06-17T02:58:27.213Z",
            "timestamp": "2024-06-17T02:58:48Z"
        }))
        .expect("valid");
        let record = serde_json::to_value(&c).expect("serializes");
        for key in record.as_object().expect("object").keys() {
            assert!(fields.contains(key), "{key}");
        }
    }

    #[test]
    fn columns_are_checked() {
        let ok = Columns::parse(
            &["client_user_name".to_owned(), " inbound_bytes".to_owned()],
            ListFormat::Csv,
        )
        .expect("valid");
        assert_eq!(ok.names, ["client_user_name", "inbound_bytes"]);
        assert_eq!(
            ok.shown(true),
            ["gateway_id", "client_user_name", "inbound_bytes"]
        );
        let err = Columns::parse(&["nope".to_owned()], ListFormat::Table)
            .expect_err("unknown")
            .to_string();
        assert!(
            err.contains("\"nope\"") && err.contains("client_user_name, "),
            "{err}"
        );
        assert!(Columns::parse(&["client_ip".to_owned()], ListFormat::Json).is_err());
        assert!(Columns::parse(&[String::new()], ListFormat::Csv).is_err());
    }
}
