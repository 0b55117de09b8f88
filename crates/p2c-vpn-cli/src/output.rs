//! Output of `connections list`: table, JSON, NDJSON and CSV.
//!
//! With one gateway, `json` and `ndjson` are exactly the API's JSON. With several, each
//! NDJSON line and each JSON document gains a `gateway_id` (JSON becomes an array of
//! per-gateway documents) and CSV gains a first `gateway_id` column.
//!
//! What the server sent is shown safely: table cells go through [`sanitize::cell`]
//! (control characters and bidi overrides escaped, at most
//! [`sanitize::CELL_MAX_CHARS`] characters), CSV string cells through
//! [`sanitize::for_spreadsheet`] (formula prefix); JSON and NDJSON stay exact.
//!
//! Tables are linear in their input: cells are shortened before layout, and past
//! [`STREAM_TABLE_ROWS`] rows a table is written row by row ([`write_table`]) instead of
//! being built in memory by comfy-table.

use std::borrow::Cow;
use std::io::Write;

use comfy_table::{Attribute, Cell, CellAlignment, Color, ContentArrangement, Table, presets};
use p2c_vpn::Connection;
use serde::Serialize;
use unicode_width::UnicodeWidthStr as _;

use crate::cli::ListFormat;
use crate::connect::Fetched;
use crate::error::CliError;
use crate::human;
use crate::sanitize;

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
    /// The gateway's ID: `gateway_id` in json, ndjson and csv.
    pub gateway: &'a str,
    /// How tables name it: as given on the command line, or its name when every gateway
    /// of the project is listed.
    pub label: &'a str,
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

/// Writes the results in `format`; `several` adds the gateway (a `gateway_id` field or
/// column, a `GATEWAY` column): for more than one gateway, and for every gateway of the
/// project however many there are.
pub fn write_list(
    out: &mut dyn Write,
    format: ListFormat,
    results: &[GatewayOutput<'_>],
    several: bool,
    style: Style,
) -> Result<(), CliError> {
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
        ListFormat::Table => write_list_table(out, results, several, style)?,
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
    let gateway = gateway.map(sanitize::for_spreadsheet);
    for c in connections {
        let mut row = Vec::with_capacity(CSV_FIELDS.len() + 1);
        row.extend(gateway.as_deref().map(str::to_owned));
        row.extend(api_values(c)?.into_iter().map(|v| match v {
            ApiValue::Text(s) => sanitize::for_spreadsheet(&s).into_owned(),
            ApiValue::Number(s) => s,
        }));
        csv.write_record(&row)?;
    }
    csv.flush()?;
    Ok(())
}

/// One CSV value, as in the API's JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiValue {
    /// A JSON string (IDs, IPs, user names, times): the spreadsheet formula prefix applies.
    Text(String),
    /// A number or anything else that is not a string (empty when absent): never prefixed,
    /// so `-5` stays a number.
    Number(String),
}

/// The connection's fields in [`CSV_FIELDS`] order, written exactly as in the API's JSON
/// (empty when absent).
pub fn api_values(c: &Connection) -> Result<Vec<ApiValue>, CliError> {
    let value = serde_json::to_value(c)?;
    Ok(CSV_FIELDS
        .iter()
        .map(|field| match value.get(field) {
            None | Some(serde_json::Value::Null) => ApiValue::Number(String::new()),
            Some(serde_json::Value::String(s)) => ApiValue::Text(s.clone()),
            Some(other) => ApiValue::Number(other.to_string()),
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

/// Tables with more rows than this are written row by row ([`write_table`]): the same
/// look, but not fitted to the terminal's width (cells are short anyway), and with no
/// memory per row. comfy-table keeps every row, cell and line of a table as strings (about
/// 2.7 KB a row).
pub const STREAM_TABLE_ROWS: usize = 10_000;

/// A table cell before layout: text made safe by [`sanitize::cell`], and a colour.
#[derive(Debug, Clone)]
pub struct TextCell<'a> {
    text: Cow<'a, str>,
    color: Option<Color>,
}

impl<'a> TextCell<'a> {
    /// A cell showing `text`, escaped and shortened ([`sanitize::cell`]).
    pub fn new(text: impl Into<Cow<'a, str>>) -> Self {
        let text = match text.into() {
            Cow::Borrowed(s) => sanitize::cell(s),
            Cow::Owned(s) => match sanitize::cell(&s) {
                Cow::Borrowed(_) => Cow::Owned(s),
                Cow::Owned(safe) => Cow::Owned(safe),
            },
        };
        Self { text, color: None }
    }

    /// The cell in `color` (when colours are on).
    pub fn color(mut self, color: Color) -> Self {
        self.color = Some(color);
        self
    }

    /// The text shown.
    pub fn text(&self) -> &str {
        &self.text
    }

    fn into_cell(self, style: Style) -> Cell {
        let cell = Cell::new(self.text);
        match self.color {
            Some(color) if style.color => cell.fg(color),
            _ => cell,
        }
    }
}

/// Writes a table with these headers and `rows` rows, right-aligning the columns in
/// `right`. `make_rows` is called once (comfy-table, up to [`STREAM_TABLE_ROWS`] rows) or
/// twice (past it: widths first, then the rows, written as they come), so its rows must be
/// the same both times. Time and memory are linear in the cells' (bounded) text.
pub fn write_table<'a, I>(
    out: &mut dyn Write,
    style: Style,
    headers: &[&str],
    right: &[usize],
    rows: usize,
    make_rows: impl Fn() -> I,
) -> std::io::Result<()>
where
    I: Iterator<Item = Vec<TextCell<'a>>>,
{
    if rows > STREAM_TABLE_ROWS {
        write_streamed(out, style, headers, right, make_rows)
    } else {
        write_comfy(out, style, headers, right, make_rows())
    }
}

/// The table through comfy-table (fitted to the terminal's width on a terminal).
fn write_comfy<'a>(
    out: &mut dyn Write,
    style: Style,
    headers: &[&str],
    right: &[usize],
    rows: impl Iterator<Item = Vec<TextCell<'a>>>,
) -> std::io::Result<()> {
    let mut table = new_table(style);
    table.set_header(headers.iter().map(|h| header(h, style)));
    for row in rows {
        table.add_row(row.into_iter().map(|c| c.into_cell(style)));
    }
    align_right(&mut table, right.iter().copied());
    writeln!(out, "{table}")
}

/// The 256-colour index crossterm (comfy-table's backend) uses for `color`.
fn ansi_index(color: Color) -> Option<u8> {
    Some(match color {
        Color::Black => 0,
        Color::DarkRed => 1,
        Color::DarkGreen => 2,
        Color::DarkYellow => 3,
        Color::DarkBlue => 4,
        Color::DarkMagenta => 5,
        Color::DarkCyan => 6,
        Color::Grey => 7,
        Color::DarkGrey => 8,
        Color::Red => 9,
        Color::Green => 10,
        Color::Yellow => 11,
        Color::Blue => 12,
        Color::Magenta => 13,
        Color::Cyan => 14,
        Color::White => 15,
        Color::AnsiValue(n) => n,
        _ => return None,
    })
}

/// comfy-table's `UTF8_FULL_CONDENSED` look with round corners, written row by row.
fn write_streamed<'a, I>(
    out: &mut dyn Write,
    style: Style,
    headers: &[&str],
    right: &[usize],
    make_rows: impl Fn() -> I,
) -> std::io::Result<()>
where
    I: Iterator<Item = Vec<TextCell<'a>>>,
{
    let mut widths: Vec<usize> = headers.iter().map(|h| h.width()).collect();
    for row in make_rows() {
        for (width, cell) in widths.iter_mut().zip(&row) {
            *width = (*width).max(cell.text.width());
        }
    }
    let rule = |left: char, fill: char, mid: char, end: char| {
        let mut line = String::new();
        line.push(left);
        for (i, width) in widths.iter().enumerate() {
            if i > 0 {
                line.push(mid);
            }
            line.extend(std::iter::repeat_n(fill, width + 2));
        }
        line.push(end);
        line
    };
    let mut line = String::new();
    writeln!(out, "{}", rule('╭', '─', '┬', '╮'))?;
    let header_cells = headers.iter().map(|h| (*h, None, true));
    write_line(out, &mut line, &widths, right, style, header_cells)?;
    writeln!(out, "{}", rule('╞', '═', '╪', '╡'))?;
    for row in make_rows() {
        let cells = row.iter().map(|c| (c.text(), c.color, false));
        write_line(out, &mut line, &widths, right, style, cells)?;
    }
    writeln!(out, "{}", rule('╰', '─', '┴', '╯'))
}

/// One line of a streamed table: `(text, colour, bold)` per column, padded to `widths`
/// and styled as comfy-table styles cells (padding included).
fn write_line<'t>(
    out: &mut dyn Write,
    line: &mut String,
    widths: &[usize],
    right: &[usize],
    style: Style,
    mut cells: impl Iterator<Item = (&'t str, Option<Color>, bool)>,
) -> std::io::Result<()> {
    use std::fmt::Write as _;
    line.clear();
    line.push('│');
    for (i, width) in widths.iter().enumerate() {
        if i > 0 {
            line.push('┆');
        }
        let (text, color, bold) = cells.next().unwrap_or(("", None, false));
        let pad = width.saturating_sub(text.width());
        let fg = color.and_then(ansi_index).filter(|_| style.color);
        let bold = bold && style.color;
        if let Some(n) = fg {
            let _ = write!(line, "\x1b[38;5;{n}m");
        }
        if bold {
            line.push_str("\x1b[1m");
        }
        line.push(' ');
        if right.contains(&i) {
            line.extend(std::iter::repeat_n(' ', pad));
            line.push_str(text);
        } else {
            line.push_str(text);
            line.extend(std::iter::repeat_n(' ', pad));
        }
        line.push(' ');
        // crossterm's resets: all attributes after an attribute, else the colour.
        if bold {
            line.push_str("\x1b[0m");
        } else if fg.is_some() {
            line.push_str("\x1b[39m");
        }
    }
    line.push('│');
    line.push('\n');
    out.write_all(line.as_bytes())
}

/// The list's table: one row per connection, the gateway first with several.
fn write_list_table(
    out: &mut dyn Write,
    results: &[GatewayOutput<'_>],
    several: bool,
    style: Style,
) -> Result<(), CliError> {
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
    let rows: usize = results.iter().map(|r| r.fetched.connections.len()).sum();
    if rows > 0 {
        let make_rows = || {
            results.iter().flat_map(move |r| {
                r.fetched.connections.iter().map(move |c| {
                    let mut cells = Vec::with_capacity(9);
                    if several {
                        cells.push(TextCell::new(r.label));
                    }
                    cells.extend(connection_cells(c));
                    cells
                })
            })
        };
        write_table(
            out,
            style,
            &headers,
            &[offset + 4, offset + 5, offset + 6],
            rows,
            make_rows,
        )?;
    } else {
        writeln!(out, "No connections.")?;
    }
    for line in footer(results, several) {
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// USER, VIRTUAL IP, CLIENT IP, ESTABLISHED, CONNECTED FOR, IN, OUT, CONNECTION ID.
///
/// IPs and counters as the service sent them (`as_api()`): a masked IP (`100.***.***.100`)
/// or a negative counter is shown, not hidden as absent.
fn connection_cells(c: &Connection) -> [TextCell<'_>; 8] {
    let raw = c.as_api();
    [
        TextCell::new(c.user_name().unwrap_or("-")).color(Color::Cyan),
        TextCell::new(raw.client_virtual_ip.as_deref().unwrap_or("-")),
        TextCell::new(raw.client_ip.as_deref().unwrap_or("-")),
        TextCell::new(when(c.established_at())),
        TextCell::new(or_dash(c.connected_for().map(human::duration))),
        TextCell::new(or_dash(raw.inbound_bytes.map(human::bytes))),
        TextCell::new(or_dash(raw.outbound_bytes.map(human::bytes))),
        TextCell::new(or_dash(c.connection_id())).color(Color::DarkGrey),
    ]
}

/// `25 connections`, `10 of 25 connections`, per gateway and in all.
fn footer(results: &[GatewayOutput<'_>], several: bool) -> Vec<String> {
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
        [one] if !several => vec![count(one.fetched)],
        many => {
            let mut lines: Vec<String> = many
                .iter()
                .map(|r| {
                    format!(
                        "gateway {}: {}",
                        sanitize::for_terminal(r.label),
                        count(r.fetched)
                    )
                })
                .collect();
            let shown: usize = many.iter().map(|r| r.fetched.connections.len()).sum();
            lines.push(format!(
                "{} on {}",
                human::plural(shown, "connection", "connections"),
                human::plural(many.len(), "gateway", "gateways")
            ));
            lines
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::connect::Fetched;

    fn conn(value: serde_json::Value) -> Connection {
        serde_json::from_value(value).expect("valid connection")
    }

    fn fetched(connections: Vec<Connection>) -> Fetched {
        Fetched {
            total_count: Some(connections.len() as i64),
            connections,
            request_id: None,
        }
    }

    fn render(format: ListFormat, results: &[GatewayOutput<'_>], style: Style) -> String {
        let mut out = Vec::new();
        write_list(&mut out, format, results, results.len() > 1, style).expect("written");
        String::from_utf8(out).expect("UTF-8")
    }

    const HOSTILE: [&str; 7] = [
        "\x1b]0;pwned\x07",
        "\x1b[2J",
        "a\nb",
        "\u{202e}evil",
        "\x1b]8;;http://x\x07link\x1b]8;;\x07",
        "x\r\u{85}\u{9b}31m\u{2028}y\u{2066}",
        "tab\there\x7f",
    ];

    fn hostile_connections() -> Vec<Connection> {
        HOSTILE
            .iter()
            .enumerate()
            .map(|(i, name)| {
                conn(serde_json::json!({
                    "connection_id": uuid::Uuid::from_u128(i as u128),
                    "client_user_name": name,
                    "client_virtual_ip": format!("10.0.0.{i}\x1b[1A"),
                    "client_ip": "\u{202e}1.2.3.4",
                    "inbound_bytes": 1,
                }))
            })
            .collect()
    }

    #[test]
    fn hostile_strings_are_escaped_in_tables_and_exact_in_json() {
        let f = fetched(hostile_connections());
        let one = [GatewayOutput {
            gateway: "gw\x1b[31m",
            label: "gw\x1b[31m",
            fetched: &f,
        }];
        for style in [
            Style::default(),
            Style {
                color: true,
                tty: true,
            },
        ] {
            let table = render(ListFormat::Table, &one, style);
            // No control character but the colours' own ESC + '[' .. 'm' and newlines.
            let without_colours = strip_sgr(&table);
            assert!(
                !without_colours
                    .chars()
                    .any(|c| c != '\n' && sanitize::is_unsafe(c)),
                "{without_colours:?}"
            );
            // One line per row: 3 rules, the header, 7 rows, the footer.
            assert_eq!(table.lines().count(), 3 + 1 + HOSTILE.len() + 1, "{table}");
            for shown in [
                "\\x1b]0;pwned\\x07",
                "\\x1b[2J",
                "a\\nb",
                "\\u{202e}evil",
                "\\x1b]8;;http://x\\x07link\\x1b]8;;\\x07",
                "x\\r\\x85\\x9b31m\\u{2028}y\\u{2066}",
                "tab\\there\\x7f",
                "10.0.0.0\\x1b[1A",
                "\\u{202e}1.2.3.4",
            ] {
                assert!(
                    without_colours.contains(shown),
                    "{shown} in {without_colours}"
                );
            }
        }

        // Several gateways: the gateway names too, in cells and the footer.
        let f2 = fetched(Vec::new());
        let two = [
            GatewayOutput {
                gateway: "gw\x1b[31m",
                label: "gw\x1b[31m",
                fetched: &f,
            },
            GatewayOutput {
                gateway: "gw\nfake row",
                label: "gw\nfake row",
                fetched: &f2,
            },
        ];
        let table = render(ListFormat::Table, &two, Style::default());
        assert!(!table.chars().any(|c| c != '\n' && sanitize::is_unsafe(c)));
        assert!(
            table.contains("gateway gw\\x1b[31m: 7 connections"),
            "{table}"
        );
        assert!(
            table.contains("gateway gw\\nfake row: 0 connections"),
            "{table}"
        );

        // JSON and NDJSON: exact (serde escapes control characters as JSON requires).
        let json: serde_json::Value =
            serde_json::from_str(&render(ListFormat::Json, &one, Style::default())).unwrap();
        let names: Vec<&str> = json["connections"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["client_user_name"].as_str().unwrap())
            .collect();
        assert_eq!(names, HOSTILE);
        let ndjson = render(ListFormat::Ndjson, &one, Style::default());
        assert_eq!(ndjson.lines().count(), HOSTILE.len());
        for (line, name) in ndjson.lines().zip(HOSTILE) {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            assert_eq!(v["client_user_name"], name);
        }
    }

    /// `s` without SGR sequences (`ESC [ digits ; … m`), the colours.
    fn strip_sgr(s: &str) -> String {
        let mut out = String::new();
        let mut rest = s;
        while let Some(i) = rest.find("\x1b[") {
            out.push_str(&rest[..i]);
            let tail = &rest[i + 2..];
            match tail.find(|c: char| !(c.is_ascii_digit() || c == ';')) {
                Some(j) if tail[j..].starts_with('m') => rest = &tail[j + 1..],
                _ => {
                    out.push_str("\x1b[");
                    rest = tail;
                }
            }
        }
        out.push_str(rest);
        out
    }

    #[test]
    fn csv_defuses_formulas_in_strings_only() {
        let f = fetched(vec![
            conn(serde_json::json!({
                "client_user_name": "=HYPERLINK(\"http://evil\",\"click\")",
                "client_virtual_ip": "+1",
                "client_ip": "@SUM(A1)",
                "inbound_bytes": -5,
                "outbound_bytes": 7,
                "inbound_packets": -1,
            })),
            conn(serde_json::json!({
                "client_user_name": "-cmd|' /C calc'!A0",
                "client_ip": "\tx",
            })),
            conn(serde_json::json!({
                "client_user_name": "a\nb\x1b[2J",
                "client_ip": "1.2.3.4",
            })),
        ]);
        let one = [GatewayOutput {
            gateway: "gw",
            label: "gw",
            fetched: &f,
        }];
        let text = render(ListFormat::Csv, &one, Style::default());
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 3, "{text}");
        let col = |name: &str| CSV_FIELDS.iter().position(|f| *f == name).unwrap();
        assert_eq!(
            &rows[0][col("client_user_name")],
            "'=HYPERLINK(\"http://evil\",\"click\")"
        );
        assert_eq!(&rows[0][col("client_virtual_ip")], "'+1");
        assert_eq!(&rows[0][col("client_ip")], "'@SUM(A1)");
        // Numbers stay numbers.
        assert_eq!(&rows[0][col("inbound_bytes")], "-5");
        assert_eq!(&rows[0][col("inbound_packets")], "-1");
        assert_eq!(&rows[0][col("outbound_bytes")], "7");
        assert_eq!(&rows[1][col("client_user_name")], "'-cmd|' /C calc'!A0");
        assert_eq!(&rows[1][col("client_ip")], "'\tx");
        // Control characters stay exact; quoting keeps the row whole.
        assert_eq!(&rows[2][col("client_user_name")], "a\nb\x1b[2J");
        assert_eq!(&rows[2][col("client_ip")], "1.2.3.4");

        // The gateway column of several gateways too.
        let two = [
            GatewayOutput {
                gateway: "=gw",
                label: "=gw",
                fetched: &f,
            },
            GatewayOutput {
                gateway: "gw2",
                label: "gw2",
                fetched: &f,
            },
        ];
        let text = render(ListFormat::Csv, &two, Style::default());
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let first = reader.records().next().unwrap().unwrap();
        assert_eq!(&first[0], "'=gw");
    }

    #[test]
    fn long_cells_are_shortened_in_tables_only() {
        let long = format!("{}{}", "u".repeat(100), "\x1b".repeat(10));
        let f = fetched(vec![conn(serde_json::json!({
            "client_user_name": long,
            "client_ip": "9".repeat(200),
        }))]);
        let one = [GatewayOutput {
            gateway: "gw",
            label: "gw",
            fetched: &f,
        }];
        let table = render(ListFormat::Table, &one, Style::default());
        let shown = format!("{}…", "u".repeat(sanitize::CELL_MAX_CHARS - 1));
        assert!(table.contains(&format!("│ {shown} ┆")), "{table}");
        assert!(table.contains(&format!("{}…", "9".repeat(63))), "{table}");
        // Every line as wide as the others: the cap is applied before layout.
        let widths: Vec<usize> = table.lines().take(5).map(|l| l.chars().count()).collect();
        assert!(widths.windows(2).all(|w| w[0] == w[1]), "{widths:?}");

        let json: serde_json::Value =
            serde_json::from_str(&render(ListFormat::Json, &one, Style::default())).unwrap();
        assert_eq!(json["connections"][0]["client_user_name"], long.as_str());
        let csv = render(ListFormat::Csv, &one, Style::default());
        assert!(csv.contains(&"9".repeat(200)));
        assert!(csv.contains(&long));
    }

    #[test]
    fn a_10_mb_user_name_renders_at_once() {
        let huge = "n".repeat(10 * 1024 * 1024);
        let f = fetched(vec![conn(serde_json::json!({ "client_user_name": huge }))]);
        let one = [GatewayOutput {
            gateway: "gw",
            label: "gw",
            fetched: &f,
        }];
        let started = std::time::Instant::now();
        let table = render(ListFormat::Table, &one, Style::default());
        // Before the cap: seconds of layout, growing with the square of the length.
        assert!(
            started.elapsed() < std::time::Duration::from_secs(1),
            "{:?}",
            started.elapsed()
        );
        assert!(table.len() < 4096, "{}", table.len());
    }

    /// A mixed table: every column type, colours, a wide character, an escape.
    fn sample_rows(n: usize) -> Vec<Connection> {
        (0..n)
            .map(|i| {
                conn(serde_json::json!({
                    "connection_id": uuid::Uuid::from_u128(i as u128),
                    "client_user_name": match i % 4 {
                        0 => "nlopez".to_owned(),
                        1 => "用户名".to_owned(),
                        2 => format!("user\x1b{i}"),
                        _ => "u".repeat(i % 70),
                    },
                    "client_virtual_ip": format!("172.17.0.{}", i % 250),
                    "inbound_bytes": i * 1000,
                    "outbound_bytes": (i as i64) * -3,
                    "connection_established_time": "2024-06-16T15:38:48Z",
                    "timestamp": "2024-06-17T03:00:00Z",
                }))
            })
            .collect()
    }

    #[test]
    fn streamed_tables_look_like_comfy_tables() {
        let connections = sample_rows(300);
        let headers = [
            "USER",
            "VIRTUAL IP",
            "CLIENT IP",
            "ESTABLISHED (UTC)",
            "CONNECTED FOR",
            "IN",
            "OUT",
            "CONNECTION ID",
        ];
        let right = [4, 5, 6];
        let make_rows = || connections.iter().map(|c| connection_cells(c).to_vec());
        for color in [false, true] {
            let style = Style { color, tty: false };
            let mut comfy = Vec::new();
            write_comfy(&mut comfy, style, &headers, &right, make_rows()).unwrap();
            let mut streamed = Vec::new();
            write_streamed(&mut streamed, style, &headers, &right, make_rows).unwrap();
            let (comfy, streamed) = (
                String::from_utf8(comfy).unwrap(),
                String::from_utf8(streamed).unwrap(),
            );
            assert_eq!(streamed, comfy, "colour: {color}");
        }
    }

    #[test]
    fn large_tables_are_streamed_with_the_same_rows() {
        let n = STREAM_TABLE_ROWS + 1;
        let f = fetched(vec![Connection::default(); n]);
        let one = [GatewayOutput {
            gateway: "gw",
            label: "gw",
            fetched: &f,
        }];
        let table = render(ListFormat::Table, &one, Style::default());
        assert_eq!(table.lines().count(), n + 5);
        assert!(
            table.lines().nth(3).unwrap().starts_with("│ - "),
            "{table:.500}"
        );
        assert!(table.ends_with(&format!("╯\n{n} connections\n")));
    }

    /// Peak memory of a table of a million empty records: run alone, under
    /// `/usr/bin/time -v`, to read "Maximum resident set size":
    /// `cargo test -p p2c-vpn-cli --bin p2c-vpn -- --ignored --exact output::tests::million_empty_records_as_a_table`
    /// (or the test binary directly).
    #[test]
    #[ignore = "a measurement (peak RSS), run by hand"]
    fn million_empty_records_as_a_table() {
        let connections: Vec<Connection> = vec![Connection::default(); 1_000_000];
        let f = fetched(connections);
        let one = [GatewayOutput {
            gateway: "gw",
            label: "gw",
            fetched: &f,
        }];
        let started = std::time::Instant::now();
        let mut out = std::io::BufWriter::new(std::io::sink());
        write_list(&mut out, ListFormat::Table, &one, false, Style::default()).unwrap();
        eprintln!(
            "rendered 1,000,000 rows in {:?} ({} MiB of them in memory before rendering: {} bytes a Connection)",
            started.elapsed(),
            1_000_000 * std::mem::size_of::<Connection>() / (1024 * 1024),
            std::mem::size_of::<Connection>(),
        );
    }
}
