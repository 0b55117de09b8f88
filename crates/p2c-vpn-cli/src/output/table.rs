//! The table engine: widths, fitting, sanitised cells, and streaming past
//! [`STREAM_TABLE_ROWS`] rows.
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
use unicode_width::UnicodeWidthStr as _;

use crate::sanitize;

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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use p2c_vpn::Connection;

    use super::*;
    use crate::output::format::connection_cells;
    use crate::output::test_support::conn;

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
}
