//! Output of `connections list`: table, JSON, NDJSON and CSV.
//!
//! With one gateway, `json` and `ndjson` are exactly the API's JSON. With several, each
//! NDJSON line and each JSON document gains a `gateway_id` (JSON becomes an array of
//! per-gateway documents) and CSV gains a first `gateway_id` column.

use std::io::Write;

use comfy_table::{Attribute, Cell, CellAlignment, Color, ContentArrangement, Table, presets};
use p2c_vpn::Connection;
use serde::Serialize;

use crate::cli::ListFormat;
use crate::connect::Fetched;
use crate::error::CliError;
use crate::human;

/// The API's connection fields, in the order of the API documentation: the CSV columns.
pub const CSV_FIELDS: [&str; 10] = [
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
];

/// How the terminal takes output.
#[derive(Debug, Clone, Copy, Default)]
pub struct Style {
    /// Use ANSI colours.
    pub color: bool,
    /// stdout is a terminal: fit tables to its width.
    pub tty: bool,
}

impl Style {
    /// Decided from stdout: colour only on a terminal and without `NO_COLOR` (anstream's
    /// rules, which also honour `CLICOLOR`/`CLICOLOR_FORCE` and `TERM=dumb`).
    pub fn detect() -> Self {
        use std::io::IsTerminal as _;
        let stdout = std::io::stdout();
        let tty = stdout.is_terminal();
        let color = anstream::AutoStream::choice(&stdout) != anstream::ColorChoice::Never;
        Self { color, tty }
    }
}

/// One gateway's result, ready to print.
#[derive(Debug)]
pub struct GatewayOutput<'a> {
    pub gateway: &'a str,
    pub fetched: &'a Fetched,
}

/// One document in the API's response shape (`gateway_id` added for several gateways).
#[derive(Serialize)]
struct Document<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    gateway_id: Option<&'a str>,
    connections: &'a [Connection],
    #[serde(skip_serializing_if = "Option::is_none")]
    total_count: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    request_id: Option<&'a str>,
}

/// A connection with its gateway (several gateways).
#[derive(Serialize)]
struct WithGateway<'a> {
    gateway_id: &'a str,
    #[serde(flatten)]
    connection: &'a Connection,
}

/// Writes the results in `format`.
pub fn write_list(
    out: &mut dyn Write,
    format: ListFormat,
    results: &[GatewayOutput<'_>],
    style: Style,
) -> Result<(), CliError> {
    let several = results.len() > 1;
    match format {
        ListFormat::Json => {
            let docs: Vec<Document<'_>> = results
                .iter()
                .map(|r| Document {
                    gateway_id: several.then_some(r.gateway),
                    connections: &r.fetched.connections,
                    total_count: r.fetched.total_count,
                    request_id: r.fetched.request_id.as_deref(),
                })
                .collect();
            if several {
                serde_json::to_writer_pretty(&mut *out, &docs)?;
            } else if let Some(doc) = docs.first() {
                serde_json::to_writer_pretty(&mut *out, doc)?;
            }
            writeln!(out)?;
        }
        ListFormat::Ndjson => {
            for r in results {
                write_ndjson_rows(out, several.then_some(r.gateway), &r.fetched.connections)?;
            }
        }
        ListFormat::Csv => write_csv(out, results, several)?,
        ListFormat::Table => write_table(out, results, several, style)?,
    }
    out.flush()?;
    Ok(())
}

fn write_csv(
    out: &mut dyn Write,
    results: &[GatewayOutput<'_>],
    several: bool,
) -> Result<(), CliError> {
    write_csv_header(out, several)?;
    for r in results {
        write_csv_rows(out, several.then_some(r.gateway), &r.fetched.connections)?;
    }
    Ok(())
}

/// NDJSON lines for `connections`, each with `gateway_id` when `gateway` is given.
pub fn write_ndjson_rows(
    out: &mut dyn Write,
    gateway: Option<&str>,
    connections: &[Connection],
) -> Result<(), CliError> {
    for c in connections {
        match gateway {
            Some(gateway_id) => serde_json::to_writer(
                &mut *out,
                &WithGateway {
                    gateway_id,
                    connection: c,
                },
            )?,
            None => serde_json::to_writer(&mut *out, c)?,
        }
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// The CSV header row (with a first `gateway_id` column for several gateways).
pub fn write_csv_header(out: &mut dyn Write, several: bool) -> Result<(), CliError> {
    let mut csv = csv::Writer::from_writer(out);
    let gateway = several.then_some("gateway_id");
    csv.write_record(gateway.into_iter().chain(CSV_FIELDS))?;
    csv.flush()?;
    Ok(())
}

/// CSV rows for `connections`, led by `gateway` when given (no header).
pub fn write_csv_rows(
    out: &mut dyn Write,
    gateway: Option<&str>,
    connections: &[Connection],
) -> Result<(), CliError> {
    let mut csv = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(out);
    for c in connections {
        let mut row = Vec::with_capacity(CSV_FIELDS.len() + 1);
        row.extend(gateway.map(str::to_owned));
        row.extend(api_values(c)?);
        csv.write_record(&row)?;
    }
    csv.flush()?;
    Ok(())
}

/// The connection's fields in [`CSV_FIELDS`] order, written exactly as in the API's JSON
/// (empty when absent).
pub fn api_values(c: &Connection) -> Result<Vec<String>, CliError> {
    let value = serde_json::to_value(c)?;
    Ok(CSV_FIELDS
        .iter()
        .map(|field| match value.get(field) {
            None | Some(serde_json::Value::Null) => String::new(),
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
        })
        .collect())
}

/// A table in the CLI's look.
pub fn new_table(style: Style) -> Table {
    let mut table = Table::new();
    table
        .load_preset(presets::UTF8_FULL_CONDENSED)
        .apply_modifier(comfy_table::modifiers::UTF8_ROUND_CORNERS);
    if style.color {
        table.enforce_styling();
    } else {
        table.force_no_tty();
    }
    table.set_content_arrangement(if style.tty {
        ContentArrangement::Dynamic
    } else {
        ContentArrangement::Disabled
    });
    table
}

/// A header cell.
pub fn header(text: &str, style: Style) -> Cell {
    let cell = Cell::new(text);
    if style.color {
        cell.add_attribute(Attribute::Bold)
    } else {
        cell
    }
}

/// A cell in `color` when colours are on.
pub fn colored(text: impl ToString, color: Color, style: Style) -> Cell {
    let cell = Cell::new(text);
    if style.color { cell.fg(color) } else { cell }
}

/// Right-aligns these columns.
pub fn align_right(table: &mut Table, columns: impl IntoIterator<Item = usize>) {
    for i in columns {
        if let Some(column) = table.column_mut(i) {
            column.set_cell_alignment(CellAlignment::Right);
        }
    }
}

/// `-` for missing values.
pub fn or_dash<T: ToString>(value: Option<T>) -> String {
    value.map_or_else(|| "-".to_owned(), |v| v.to_string())
}

/// Established time for people: `2024-06-17 02:58:27`.
pub fn when(t: Option<chrono::DateTime<chrono::Utc>>) -> String {
    t.map_or_else(
        || "-".to_owned(),
        |t| t.format("%Y-%m-%d %H:%M:%S").to_string(),
    )
}

fn write_table(
    out: &mut dyn Write,
    results: &[GatewayOutput<'_>],
    several: bool,
    style: Style,
) -> Result<(), CliError> {
    let mut table = new_table(style);
    let mut headers = Vec::new();
    if several {
        headers.push("GATEWAY");
    }
    headers.extend([
        "USER",
        "VIRTUAL IP",
        "CLIENT IP",
        "ESTABLISHED (UTC)",
        "CONNECTED FOR",
        "IN",
        "OUT",
        "CONNECTION ID",
    ]);
    let offset = usize::from(several);
    table.set_header(headers.iter().map(|h| header(h, style)));
    let mut rows = 0usize;
    for r in results {
        for c in &r.fetched.connections {
            let mut cells = Vec::with_capacity(headers.len());
            if several {
                cells.push(Cell::new(r.gateway));
            }
            cells.extend(connection_cells(c, style));
            table.add_row(cells);
            rows += 1;
        }
    }
    align_right(&mut table, [offset + 4, offset + 5, offset + 6]);
    if rows > 0 {
        writeln!(out, "{table}")?;
    } else {
        writeln!(out, "No connections.")?;
    }
    for line in footer(results) {
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// USER, VIRTUAL IP, CLIENT IP, ESTABLISHED, CONNECTED FOR, IN, OUT, CONNECTION ID.
fn connection_cells(c: &Connection, style: Style) -> Vec<Cell> {
    vec![
        colored(or_dash(c.user_name()), Color::Cyan, style),
        Cell::new(or_dash(c.client_virtual_ip.as_deref())),
        Cell::new(or_dash(c.client_ip.as_deref())),
        Cell::new(when(c.established_at())),
        Cell::new(or_dash(c.connected_for().map(human::duration))),
        Cell::new(or_dash(c.inbound_bytes.map(human::bytes))),
        Cell::new(or_dash(c.outbound_bytes.map(human::bytes))),
        colored(or_dash(c.connection_id()), Color::DarkGrey, style),
    ]
}

/// `25 connections`, `10 of 25 connections`, per gateway and in all.
fn footer(results: &[GatewayOutput<'_>]) -> Vec<String> {
    let count = |f: &Fetched| {
        let shown = f.connections.len();
        match f.total_count {
            Some(total) if usize::try_from(total).ok() != Some(shown) => {
                format!("{shown} of {} connections", total)
            }
            _ => human::plural(shown, "connection", "connections"),
        }
    };
    match results {
        [one] => vec![count(one.fetched)],
        many => {
            let mut lines: Vec<String> = many
                .iter()
                .map(|r| format!("gateway {}: {}", r.gateway, count(r.fetched)))
                .collect();
            let shown: usize = many.iter().map(|r| r.fetched.connections.len()).sum();
            lines.push(format!(
                "{} on {} gateways",
                human::plural(shown, "connection", "connections"),
                many.len()
            ));
            lines
        }
    }
}
