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
//!
//! A table given a width ([`TableWidth`]: the terminal's, or `COLUMNS`) fits it with one
//! line per row: the widest column is shortened first, one column of text at a time,
//! cells (and the header) ending in `…` ([`fit_widths`]). No cell is ever wrapped onto a
//! second line.

use std::borrow::Cow;
use std::io::Write;

use comfy_table::{
    Attribute, Cell, CellAlignment, Color, ColumnConstraint, ContentArrangement, Table, Width,
    presets,
};
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
    /// stdout is a terminal (the watch screen is redrawn).
    pub tty: bool,
    /// How wide tables may be.
    pub width: TableWidth,
}

/// How wide a table may be, in display columns (borders included).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum TableWidth {
    /// As wide as its content: stdout is no terminal and `COLUMNS` is not set.
    #[default]
    Full,
    /// At most this many columns: `COLUMNS`.
    Columns(usize),
    /// The terminal's width, read when each table is written (a resized terminal is
    /// followed from one `watch` tick to the next); as wide as the content if it cannot be
    /// read.
    Terminal,
}

impl TableWidth {
    /// `COLUMNS` (a positive integer) wins; else the terminal's width when stdout is a
    /// terminal; else the full width of the content.
    pub fn detect(columns: Option<&str>, tty: bool) -> Self {
        match columns.and_then(|c| c.trim().parse::<usize>().ok()) {
            Some(n) if n > 0 => Self::Columns(n),
            _ if tty => Self::Terminal,
            _ => Self::Full,
        }
    }

    /// The width to fit, `None` for the content's own.
    fn resolve(self) -> Option<usize> {
        match self {
            Self::Full => None,
            Self::Columns(n) => Some(n),
            // comfy-table asks the terminal (crossterm) when stdout is one; a terminal
            // that says 0 columns (a pseudo-terminal nobody sized) is not to be believed.
            Self::Terminal => Table::new().width().filter(|w| *w > 0).map(usize::from),
        }
    }
}

impl Style {
    /// Decided from stdout: colour only on a terminal and without `NO_COLOR` (anstream's
    /// rules, which also honour `CLICOLOR`/`CLICOLOR_FORCE` and `TERM=dumb`); the table
    /// width from `COLUMNS` or the terminal ([`TableWidth::detect`]).
    pub fn detect() -> Self {
        use std::io::IsTerminal as _;
        let stdout = std::io::stdout();
        let tty = stdout.is_terminal();
        let color = anstream::AutoStream::choice(&stdout) != anstream::ColorChoice::Never;
        let columns = std::env::var("COLUMNS").ok();
        let width = TableWidth::detect(columns.as_deref(), tty);
        Self { color, tty, width }
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
    // Never wrapped: a table is fitted by shortening its cells ([`fit_widths`]).
    table.set_content_arrangement(ContentArrangement::Disabled);
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
/// look (fitted to the same width), with no memory per row. comfy-table keeps every row,
/// cell and line of a table as strings (about 2.7 KB a row).
pub const STREAM_TABLE_ROWS: usize = 10_000;

/// The display columns a table takes besides its cells' text: `│ ` before the first cell,
/// ` ┆ ` between two, ` │` after the last.
fn table_overhead(columns: usize) -> usize {
    3 * columns + 1
}

/// The text width of each column so that the table is at most `max` display columns wide
/// (`None`: the natural widths). While it is too wide, the widest column loses one column
/// of text (of equally wide ones, the rightmost), down to 1 (an `…`): so the widest
/// columns are shortened first, and none below another that was narrower. With too many
/// columns for `max` even at 1, every column is 1 wide (the table is then wider than
/// `max`, still one line per row).
pub fn fit_widths(natural: &[usize], max: Option<usize>) -> Vec<usize> {
    let mut widths = natural.to_vec();
    let Some(max) = max else {
        return widths;
    };
    let budget = max.saturating_sub(table_overhead(widths.len()));
    let mut total: usize = widths.iter().sum();
    while total > budget {
        // The rightmost of the widest (`max_by_key` returns the last maximum).
        let Some((i, &widest)) = widths.iter().enumerate().max_by_key(|(_, w)| **w) else {
            break;
        };
        if widest <= 1 {
            break;
        }
        widths[i] -= 1;
        total -= 1;
    }
    widths
}

/// The natural text width of each column: its widest cell or header.
fn natural_widths<'a, R: AsRef<[TextCell<'a>]>>(
    headers: &[&str],
    rows: impl Iterator<Item = R>,
) -> Vec<usize> {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.width()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row.as_ref()) {
            *width = (*width).max(cell.text.width());
        }
    }
    widths
}

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

    /// The cell shortened to `width` display columns ([`sanitize::shorten_to_width`]).
    fn fitted(self, width: usize) -> Self {
        let text = match sanitize::shorten_to_width(&self.text, width) {
            Cow::Borrowed(_) => self.text,
            Cow::Owned(short) => Cow::Owned(short),
        };
        Self { text, ..self }
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
/// `right`, fitted to `style.width` ([`fit_widths`]). `make_rows` is called once
/// (comfy-table, up to [`STREAM_TABLE_ROWS`] rows) or twice (past it: widths first, then the
/// rows, written as they come), so its rows must be the same both times. Time and memory
/// are linear in the cells' (bounded) text.
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
    let max = style.width.resolve();
    if rows > STREAM_TABLE_ROWS {
        write_streamed(out, style, max, headers, right, make_rows)
    } else {
        write_comfy(out, style, max, headers, right, make_rows())
    }
}

/// The table through comfy-table, fitted to `max` columns.
fn write_comfy<'a>(
    out: &mut dyn Write,
    style: Style,
    max: Option<usize>,
    headers: &[&str],
    right: &[usize],
    rows: impl Iterator<Item = Vec<TextCell<'a>>>,
) -> std::io::Result<()> {
    let rows: Vec<Vec<TextCell<'a>>> = rows.collect();
    let natural = natural_widths(headers, rows.iter().map(Vec::as_slice));
    let widths = fit_widths(&natural, max);
    let mut table = new_table(style);
    table.set_header(
        headers
            .iter()
            .zip(&widths)
            .map(|(h, w)| header(&sanitize::shorten_to_width(h, *w), style)),
    );
    for row in rows {
        table.add_row(
            row.into_iter()
                .enumerate()
                .map(|(i, c)| match widths.get(i) {
                    Some(w) => c.fitted(*w),
                    None => c,
                })
                .map(|c| c.into_cell(style)),
        );
    }
    align_right(&mut table, right.iter().copied());
    // A shortened column is exactly as wide as planned, like the streamed table's, even
    // when its cells came out a column short (a wide character that did not fit).
    for (i, (w, n)) in widths.iter().zip(&natural).enumerate() {
        if w < n
            && let (Some(column), Ok(fixed)) = (table.column_mut(i), u16::try_from(w + 2))
        {
            column.set_constraint(ColumnConstraint::Absolute(Width::Fixed(fixed)));
        }
    }
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

/// comfy-table's `UTF8_FULL_CONDENSED` look with round corners, written row by row,
/// fitted to `max` columns.
fn write_streamed<'a, I>(
    out: &mut dyn Write,
    style: Style,
    max: Option<usize>,
    headers: &[&str],
    right: &[usize],
    make_rows: impl Fn() -> I,
) -> std::io::Result<()>
where
    I: Iterator<Item = Vec<TextCell<'a>>>,
{
    let widths = fit_widths(&natural_widths(headers, make_rows()), max);
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
    fn fit<'s>(widths: &[usize], i: usize, text: &'s str) -> Cow<'s, str> {
        match widths.get(i) {
            Some(w) => sanitize::shorten_to_width(text, *w),
            None => Cow::Borrowed(text),
        }
    }
    let header_cells = headers
        .iter()
        .enumerate()
        .map(|(i, h)| (fit(&widths, i, h), None, true));
    write_line(out, &mut line, &widths, right, style, header_cells)?;
    writeln!(out, "{}", rule('╞', '═', '╪', '╡'))?;
    for row in make_rows() {
        let cells = row
            .iter()
            .enumerate()
            .map(|(i, c)| (fit(&widths, i, c.text()), c.color, false));
        write_line(out, &mut line, &widths, right, style, cells)?;
    }
    writeln!(out, "{}", rule('╰', '─', '┴', '╯'))
}

/// One line of a streamed table: `(text, colour, bold)` per column, padded to `widths`
/// and styled as comfy-table styles cells (padding included).
fn write_line<S: AsRef<str>>(
    out: &mut dyn Write,
    line: &mut String,
    widths: &[usize],
    right: &[usize],
    style: Style,
    mut cells: impl Iterator<Item = (S, Option<Color>, bool)>,
) -> std::io::Result<()> {
    use std::fmt::Write as _;
    line.clear();
    line.push('│');
    for (i, width) in widths.iter().enumerate() {
        if i > 0 {
            line.push('┆');
        }
        let cell = cells.next();
        let (text, color, bold) = cell
            .as_ref()
            .map_or(("", None, false), |(t, c, b)| (t.as_ref(), *c, *b));
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
                width: TableWidth::Full,
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
        // Fitted or not: the widths of 80 and 60 shorten columns holding wide characters
        // ("用户名") to a width they cannot fill exactly.
        for max in [None, Some(120), Some(80), Some(60), Some(20)] {
            for color in [false, true] {
                let style = Style {
                    color,
                    ..Style::default()
                };
                let mut comfy = Vec::new();
                write_comfy(&mut comfy, style, max, &headers, &right, make_rows()).unwrap();
                let mut streamed = Vec::new();
                write_streamed(&mut streamed, style, max, &headers, &right, make_rows).unwrap();
                let (comfy, streamed) = (
                    String::from_utf8(comfy).unwrap(),
                    String::from_utf8(streamed).unwrap(),
                );
                assert_eq!(streamed, comfy, "colour: {color}, width: {max:?}");
            }
        }
    }

    #[test]
    fn the_widest_column_is_shortened_first() {
        // Fits: nothing changes. 3 columns take 10 columns of borders and padding.
        assert_eq!(fit_widths(&[5, 20, 8], None), [5, 20, 8]);
        assert_eq!(fit_widths(&[5, 20, 8], Some(43)), [5, 20, 8]);
        // One column too many: the widest loses it.
        assert_eq!(fit_widths(&[5, 20, 8], Some(42)), [5, 19, 8]);
        // The widest comes down to the next one; of equals, the rightmost goes first.
        assert_eq!(fit_widths(&[5, 20, 8], Some(31)), [5, 8, 8]);
        assert_eq!(fit_widths(&[5, 20, 8], Some(30)), [5, 8, 7]);
        assert_eq!(fit_widths(&[5, 20, 8], Some(29)), [5, 7, 7]);
        assert_eq!(fit_widths(&[5, 20, 8], Some(25)), [5, 5, 5]);
        assert_eq!(fit_widths(&[5, 20, 8], Some(24)), [5, 5, 4]);
        // Down to an ellipsis each; no narrower, even if the table cannot fit.
        assert_eq!(fit_widths(&[5, 20, 8], Some(13)), [1, 1, 1]);
        assert_eq!(fit_widths(&[5, 20, 8], Some(3)), [1, 1, 1]);
        assert_eq!(fit_widths(&[0, 20, 0], Some(3)), [0, 1, 0]);
        assert_eq!(fit_widths(&[], Some(3)), Vec::<usize>::new());

        // In general: the table fits whenever it can, a shortened column is never more
        // than one column narrower than any other, and no column grows.
        let naturals: [&[usize]; 5] = [
            &[12, 11, 15, 19, 13, 9, 9, 36],
            &[8, 12, 11, 15, 19, 13, 9, 9, 36],
            &[64, 1, 64, 2, 3],
            &[1, 1, 1, 1],
            &[40],
        ];
        for natural in naturals {
            for max in 0..200 {
                let fitted = fit_widths(natural, Some(max));
                let width = fitted.iter().sum::<usize>() + table_overhead(fitted.len());
                let floor: usize = natural.iter().map(|n| (*n).min(1)).sum();
                if floor + table_overhead(natural.len()) <= max {
                    assert!(width <= max, "{natural:?} in {max}: {fitted:?}");
                }
                for (i, (f, n)) in fitted.iter().zip(natural.iter()).enumerate() {
                    assert!(f <= n, "{natural:?} in {max}: {fitted:?}");
                    if f < n {
                        assert!(
                            fitted.iter().all(|other| *other <= f + 1),
                            "column {i} shortened before a wider one: {natural:?} in {max}: {fitted:?}"
                        );
                    }
                }
            }
        }
    }

    /// User names of every shape the mock makes, and two of other scripts.
    const USERS: [&str; 8] = [
        "oscar_zhao06",
        "svc-ci-14",
        "hrossi",
        "alice.martin",
        "heidi.garcia",
        "jun_muller03",
        "用户名",
        "Zoë.lopez",
    ];

    /// Connections as the service writes them: these user names, public client IPs,
    /// counters from bytes to GiB.
    fn realistic_rows(n: usize, users: &[&str]) -> Vec<Connection> {
        (0..n)
            .map(|i| {
                let i64 = i as i64;
                conn(serde_json::json!({
                    "connection_id": uuid::Uuid::from_u128(0x8e7c_6483_f123_4951_bd4d_77f8_6852_a47d ^ ((i as u128) << 64)),
                    "client_user_name": users[i % users.len()],
                    "client_virtual_ip": format!("172.17.{}.{}", i / 250, 2 + i % 250),
                    "client_ip": format!("{}.{}.{}.{}", 36 + i % 180, (i * 7) % 256, (i * 13) % 256, 1 + i % 254),
                    "inbound_bytes": 1_500 + i64 * i64 * 9_973,
                    "outbound_bytes": 3_000 + i64 * 7_340_033,
                    "inbound_packets": 10 + i64,
                    "outbound_packets": 20 + i64,
                    "connection_established_time": format!("2024-06-16T{:02}:{:02}:48.644Z", i % 24, i % 60),
                    "timestamp": "2024-06-17T03:00:00Z",
                }))
            })
            .collect()
    }

    /// Every line of `table` at most `max` display columns, and one line per row: the
    /// table's lines are its 3 rules, the header and `rows` rows, then the footer lines.
    fn assert_fitted(table: &str, max: usize, rows: usize, footer_lines: usize) {
        for line in table.lines() {
            assert!(
                line.width() <= max,
                "{} > {max}: {line}\n{table}",
                line.width()
            );
        }
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), 3 + 1 + rows + footer_lines, "{table}");
        assert!(
            lines[0].starts_with('╭') && lines[2].starts_with('╞'),
            "{table}"
        );
        assert!(lines[3 + rows].starts_with('╰'), "{table}");
        for line in &lines[3..3 + rows] {
            assert!(line.starts_with("│ ") && line.ends_with(" │"), "{line}");
        }
    }

    #[test]
    fn tables_fit_80_columns_with_one_line_per_row() {
        let a = fetched(realistic_rows(500, &USERS));
        let b = fetched(realistic_rows(
            37,
            &[
                "a.very.long.user.name@corp.example.com",
                "svc-ci-01",
                "用户名",
            ],
        ));
        let one = [GatewayOutput {
            gateway: "gw",
            label: "gw",
            fetched: &a,
        }];
        let two = [
            GatewayOutput {
                gateway: "6c8a4f52-8b3e-4b8e-9a0e-3c1f2b7d9e01",
                label: "office-vpn-shanghai",
                fetched: &a,
            },
            GatewayOutput {
                gateway: "a1f3e5c7-0000-4000-8000-000000000002",
                label: "lab",
                fetched: &b,
            },
        ];
        for color in [false, true] {
            for max in [80, 100, 60] {
                let style = Style {
                    color,
                    tty: false,
                    width: TableWidth::Columns(max),
                };
                let table = strip_sgr(&render(ListFormat::Table, &one, style));
                assert_fitted(&table, max, 500, 1);
                let table = strip_sgr(&render(ListFormat::Table, &two, style));
                assert_fitted(&table, max, 537, 3);
            }
        }

        // Widest first. The connection ID (36 wide) is the widest column, the
        // establishment time (19) the next: the ID alone is shortened until it is 19 wide,
        // then the rightmost of the two, the ID, goes to 18, and only then the time.
        let style = |n| Style {
            width: TableWidth::Columns(n),
            ..Style::default()
        };
        let full = render(ListFormat::Table, &one, Style::default());
        let full_width = full.lines().next().unwrap().width();
        assert!(
            full.contains(" 8e7c6483-f123-4951-bd4d-77f86852a47d "),
            "{full:.2000}"
        );
        let id_18 = " 8e7c6483-f123-495… ";
        for (narrower, id, time) in [
            (
                1,
                " 8e7c6483-f123-4951-bd4d-77f86852a4… ",
                " 2024-06-16 00:00:48 ",
            ),
            (17, " 8e7c6483-f123-4951… ", " 2024-06-16 00:00:48 "),
            (18, id_18, " 2024-06-16 00:00:48 "),
            (19, id_18, " 2024-06-16 00:00:… "),
        ] {
            let table = render(ListFormat::Table, &one, style(full_width - narrower));
            assert_eq!(table.lines().next().unwrap().width(), full_width - narrower);
            assert!(table.contains(id), "{id} in {table:.2000}");
            assert!(table.contains(time), "{time} in {table:.2000}");
            // The narrower columns are untouched.
            assert!(table.contains(" oscar_zhao06 "), "{table:.2000}");
            assert!(table.contains(" 172.17.0.2 "), "{table:.2000}");
        }
        // At 80, every column but the narrowest ones gives way.
        let table = render(ListFormat::Table, &one, style(80));
        assert_eq!(table.lines().next().unwrap().width(), 80);
        assert!(table.contains(" 8e7c6… │"), "{table:.2000}");
    }

    #[test]
    fn streamed_tables_fit_too() {
        let n = STREAM_TABLE_ROWS + 1;
        let f = fetched(realistic_rows(n, &USERS));
        let one = [GatewayOutput {
            gateway: "gw",
            label: "gw",
            fetched: &f,
        }];
        let style = Style {
            width: TableWidth::Columns(80),
            ..Style::default()
        };
        let table = render(ListFormat::Table, &one, style);
        assert_fitted(&table, 80, n, 1);
        assert_eq!(table.lines().next().unwrap().width(), 80);
    }

    #[test]
    fn table_width_comes_from_columns_then_the_terminal() {
        use TableWidth::*;
        assert_eq!(TableWidth::detect(None, false), Full);
        assert_eq!(TableWidth::detect(None, true), Terminal);
        assert_eq!(TableWidth::detect(Some("80"), false), Columns(80));
        assert_eq!(TableWidth::detect(Some(" 132 "), true), Columns(132));
        for bad in ["", "0", "-1", "wide", "80x"] {
            assert_eq!(TableWidth::detect(Some(bad), false), Full, "{bad:?}");
            assert_eq!(TableWidth::detect(Some(bad), true), Terminal, "{bad:?}");
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
