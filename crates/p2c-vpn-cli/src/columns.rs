//! `connections list --columns a,b,c`: any fields of a connection, in table and csv output.
//!
//! The available fields are not a hand-written list: they are the properties of the JSON
//! Schema derived from the generated `Connection` type (what a connection serializes to),
//! so a field added to the spec is a column after `cargo xtask regen`, with no change here.
//! Values are read from the typed connection ([`field_text`]), written as in the API's
//! JSON: strings as they are, numbers as numbers, nested values as compact JSON. In tables, server strings are escaped and shortened ([`TextCell`]); in csv,
//! strings get the spreadsheet formula prefix ([`sanitize::for_spreadsheet`]).

use std::io::Write;
use std::sync::OnceLock;

use p2c_vpn::Connection;
use serde_json::Value;

use crate::cli::ListFormat;
use crate::error::CliError;
use crate::human;
use crate::output::{self, GatewayOutput, Style, TextCell};
use crate::sanitize;

/// The column naming the gateway (its ID).
pub const GATEWAY_ID: &str = "gateway_id";

/// Every field a connection can have, in the API's JSON (sorted): the properties of the JSON
/// Schema of the generated type. What `--columns` accepts and the default csv columns, so a
/// field added to the spec is in both after `cargo xtask regen`.
pub fn connection_fields() -> &'static [String] {
    static FIELDS: OnceLock<Vec<String>> = OnceLock::new();
    FIELDS.get_or_init(|| {
        let schema = schemars::schema_for!(p2c_vpn::api::Connection);
        schema
            .schema
            .object
            .map(|object| object.properties.keys().cloned().collect())
            .unwrap_or_default()
    })
}

/// [`connection_fields`], then [`GATEWAY_ID`].
pub fn available() -> Vec<String> {
    let mut fields = connection_fields().to_vec();
    fields.push(GATEWAY_ID.to_owned());
    fields
}

/// What kind of JSON value a field held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A JSON string (IDs, IPs, user names, times): the spreadsheet formula prefix applies.
    Text,
    /// A JSON number: never prefixed (`-5` stays a number), right-aligned in tables.
    Number,
    /// Anything else (booleans, nested values), written as compact JSON.
    Other,
}

/// Writes `field` of `c` into `buf` (cleared first) exactly as the API's JSON has it,
/// strings without their quotes; `None` when absent. Read from the typed value (no JSON
/// value is built), except for a field this code does not name yet (added to the spec
/// later), which is taken from the connection's serialized JSON.
pub fn field_text(c: &Connection, field: &str, buf: &mut String) -> Option<Kind> {
    use std::fmt::Write as _;
    buf.clear();
    let api = c.as_api();
    let text = |buf: &mut String, s: &Option<String>| {
        buf.push_str(s.as_deref()?);
        Some(Kind::Text)
    };
    let number = |buf: &mut String, n: Option<i64>| {
        crate::output::push_i64(buf, n?);
        Some(Kind::Number)
    };
    let time = |buf: &mut String, t: Option<chrono::DateTime<chrono::Utc>>| {
        // What chrono's `Serialize` writes.
        crate::output::push_time(buf, t?);
        Some(Kind::Text)
    };
    match field {
        "client_ip" => text(buf, &api.client_ip),
        "client_user_name" => text(buf, &api.client_user_name),
        "client_virtual_ip" => text(buf, &api.client_virtual_ip),
        "connection_established_time" => time(buf, api.connection_established_time.map(Into::into)),
        "connection_id" => {
            crate::output::push_uuid(buf, api.connection_id?);
            Some(Kind::Text)
        }
        "inbound_bytes" => number(buf, api.inbound_bytes),
        "inbound_packets" => number(buf, api.inbound_packets),
        "outbound_bytes" => number(buf, api.outbound_bytes),
        "outbound_packets" => number(buf, api.outbound_packets),
        "timestamp" => time(buf, api.timestamp.map(Into::into)),
        _ => match serde_json::to_value(c).ok()?.get(field)? {
            Value::Null => None,
            Value::String(s) => {
                buf.push_str(s);
                Some(Kind::Text)
            }
            v @ Value::Number(_) => {
                let _ = write!(buf, "{v}");
                Some(Kind::Number)
            }
            v => {
                let _ = write!(buf, "{v}");
                Some(Kind::Other)
            }
        },
    }
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

/// The text of `column` for connection `c` of `gateway_id` into `buf`; `None` when absent.
fn cell(c: &Connection, gateway_id: &str, column: &str, buf: &mut String) -> Option<Kind> {
    if column == GATEWAY_ID {
        buf.clear();
        buf.push_str(gateway_id);
        return Some(Kind::Text);
    }
    field_text(c, column, buf)
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

/// csv rows of `shown` columns: each field written straight from the typed connection, as
/// the `csv` crate's default writer writes it ([`push_csv_field`]), in 64 KiB blocks.
pub(crate) fn rows_csv(
    out: &mut dyn Write,
    shown: &[&str],
    gateway_id: &str,
    connections: &[Connection],
) -> Result<(), CliError> {
    let mut line = Vec::with_capacity(crate::output::CHUNK + 4096);
    let mut buf = String::new();
    for c in connections {
        let start = line.len();
        for (i, column) in shown.iter().enumerate() {
            let delimited = i > 0;
            match cell(c, gateway_id, column, &mut buf) {
                None => push_csv_field(&mut line, delimited, b""),
                // Only strings can be a formula: numbers (`-5`) stay numbers.
                Some(Kind::Text) => push_csv_field(
                    &mut line,
                    delimited,
                    sanitize::for_spreadsheet(&buf).as_bytes(),
                ),
                Some(_) => push_csv_field(&mut line, delimited, buf.as_bytes()),
            }
        }
        end_csv_record(&mut line, start);
        crate::output::spill(out, &mut line)?;
    }
    out.write_all(&line)?;
    Ok(())
}

/// One field as `csv::Writer` (default settings: `,`, `"` doubled, `\n`, quoting when
/// necessary) writes it, led by its delimiter unless it is a record's first: quoted when it
/// holds a `,`, `"`, `\r` or `\n`. Without the `csv` crate's per-field state machine: csv
/// output's largest cost after decoding.
fn push_csv_field(line: &mut Vec<u8>, delimited: bool, field: &[u8]) {
    if delimited {
        line.push(b',');
    }
    if field
        .iter()
        .any(|&b| matches!(b, b',' | b'"' | b'\r' | b'\n'))
    {
        line.push(b'"');
        for &b in field {
            if b == b'"' {
                line.push(b'"');
            }
            line.push(b);
        }
        line.push(b'"');
    } else {
        line.extend_from_slice(field);
    }
}

/// Ends the record begun at `start`: a record of one empty field is written `""` (as the
/// `csv` crate does, so it is not read as an empty line).
fn end_csv_record(line: &mut Vec<u8>, start: usize) {
    if line.len() == start {
        line.extend_from_slice(b"\"\"");
    }
    line.push(b'\n');
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
        let records = || {
            results
                .iter()
                .flat_map(|r| r.fetched.connections.iter().map(move |c| (r.gateway, c)))
        };
        // Numbers are right-aligned.
        let mut buf = String::new();
        let right: Vec<usize> = (0..shown.len())
            .filter(|&i| {
                records().any(|(g, c)| cell(c, g, shown[i], &mut buf) == Some(Kind::Number))
            })
            .collect();
        let make_rows = || {
            let mut buf = String::new();
            records().map(move |(gateway, c)| {
                shown
                    .iter()
                    .map(|column| match cell(c, gateway, column, &mut buf) {
                        None => TextCell::new("-"),
                        Some(_) => TextCell::new(buf.clone()),
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
    fn csv_fields_are_written_as_the_csv_crate_writes_them() {
        let records: &[&[&str]] = &[
            &["plain", "1", "2024-06-17T02:58:27Z"],
            &[
                "with,comma",
                "with \"quotes\"",
                "line\nbreak",
                "cr\rhere",
                "\"",
                ",",
            ],
            &[""],
            &["", ""],
            &["", "x"],
            &["'=cmd", "tab\there", "ünïcödé", "  spaces  ", "#hash"],
        ];
        let mut expected = csv::WriterBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_writer(Vec::new());
        let mut ours = Vec::new();
        for record in records {
            expected.write_record(*record).expect("csv");
            let start = ours.len();
            for (i, field) in record.iter().enumerate() {
                push_csv_field(&mut ours, i > 0, field.as_bytes());
            }
            end_csv_record(&mut ours, start);
        }
        let expected = expected.into_inner().expect("flush");
        assert_eq!(
            String::from_utf8_lossy(&ours),
            String::from_utf8_lossy(&expected)
        );
    }

    #[test]
    fn the_available_columns_come_from_the_connection_type() {
        let fields = available();
        for field in [
            "connection_id",
            "client_virtual_ip",
            "client_ip",
            "client_user_name",
            "inbound_packets",
            "outbound_packets",
            "inbound_bytes",
            "outbound_bytes",
            "connection_established_time",
            "timestamp",
        ] {
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
    fn typed_values_are_written_as_the_json_has_them() {
        let values = [
            serde_json::json!({
                "connection_id": "4F08C74B-A132-4993-A1CE-183BA6574995",
                "client_virtual_ip": "10.0.0.2", "client_ip": "100.***.***.100",
                "client_user_name": "=cmd", "inbound_packets": -1, "outbound_packets": 0,
                "inbound_bytes": i64::MAX, "outbound_bytes": i64::MIN,
                "connection_established_time": "2024-06-17T02:58:27.213+08:00",
                "timestamp": "2024-06-17T02:58:48.123456789Z"
            }),
            serde_json::json!({
                "connection_established_time": "2024-06-17T02:58:27Z",
                "timestamp": "2024-06-17T02:58:48.100Z"
            }),
            serde_json::json!({}),
        ];
        let mut buf = String::new();
        for value in values {
            let c: Connection = serde_json::from_value(value).expect("valid");
            let record = serde_json::to_value(&c).expect("serializes");
            for field in connection_fields() {
                let expected = match record.get(field) {
                    None | Some(Value::Null) => None,
                    Some(Value::String(s)) => Some((Kind::Text, s.clone())),
                    Some(v) => Some((Kind::Number, v.to_string())),
                };
                let got = field_text(&c, field, &mut buf).map(|k| (k, buf.clone()));
                assert_eq!(got, expected, "{field}");
            }
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
