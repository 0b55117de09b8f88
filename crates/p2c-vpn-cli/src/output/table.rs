//! The table engine: widths, fitting, sanitised cells, and streaming past
//! [`STREAM_TABLE_ROWS`] rows.
//!
//! Tables are linear in their input: cells are shortened before layout, and past
//! [`STREAM_TABLE_ROWS`] rows a table is written row by row ([`write_table`]) instead of
//! being built in memory by comfy-table.
//!
//! A table given a width ([`TableWidth`]: the terminal's, or `COLUMNS`) fits it with one
//! line per row by the rule of [`fit`] (in `table/fit.rs`): free text is shortened, then
//! the least important columns are hidden, and a line under the table names them; IPs,
//! names, IDs, times and sizes are never cut while the most important column fits. No
//! cell is ever wrapped onto a second line. `--wide` ([`TableWidth::Full`]) never hides
//! or cuts anything.

mod fit;

pub use fit::{ColumnSpec, Give, Layout, Reveal, fit, unique_width};

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
    /// As wide as its content: stdout is no terminal and `COLUMNS` is not set, or
    /// `--wide`.
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

    /// With `--wide`: tables as wide as their content, every column shown
    /// ([`TableWidth::Full`]).
    pub fn wide(self, wide: bool) -> Self {
        if wide {
            Self {
                width: TableWidth::Full,
                ..self
            }
        } else {
            self
        }
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
    // Never wrapped: a table is fitted by hiding columns ([`fit`]).
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

/// The natural text width of each column: its widest cell or header.
fn natural_widths<'a, R: AsRef<[TextCell<'a>]>>(
    columns: &[ColumnSpec<'_>],
    rows: impl Iterator<Item = R>,
) -> Vec<usize> {
    let mut widths: Vec<usize> = columns.iter().map(|c| c.header.width()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row.as_ref()) {
            *width = (*width).max(cell.text.width());
        }
    }
    widths
}

/// The layout of a table ([`fit`]), with every cut identifying column widened to its
/// values' unique prefixes ([`unique_width`]; `rows` is read again only then).
fn plan<'a, R, I>(columns: &[ColumnSpec<'_>], max: Option<usize>, rows: impl Fn() -> I) -> Layout
where
    R: AsRef<[TextCell<'a>]>,
    I: Iterator<Item = R>,
{
    let natural = natural_widths(columns, rows());
    let mut layout = fit(columns, &natural, max);
    for (i, column) in columns.iter().enumerate() {
        if column.give == Give::Drop
            && layout.is_cut(i)
            && let Some(width) = layout.width(i)
        {
            let values: Vec<String> = rows()
                .filter_map(|r| r.as_ref().get(i).map(|c| c.text().to_owned()))
                .collect();
            let natural = natural.get(i).copied().unwrap_or(width);
            layout.widen(i, unique_width(&values, width, natural));
        }
    }
    layout
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
/// `right`: [`write_columns`] with the columns [`ColumnSpec::for_header`] names, and a note
/// that names `--wide` and `--columns` (the flags of `connections list`, whose tables
/// these are) when columns are hidden.
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
    let columns: Vec<ColumnSpec<'_>> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| ColumnSpec {
            right: right.contains(&i),
            ..ColumnSpec::for_header(h, i)
        })
        .collect();
    write_columns(out, style, &columns, Reveal::WideOrColumns, rows, make_rows)
}

/// Writes a table of these columns and `rows` rows, fitted to `style.width` by the one
/// rule of [`fit`] (the least important columns hidden, identifying values never cut),
/// then, when columns were hidden, a line naming them and how to see them (`reveal`).
/// `make_rows` is called once (comfy-table, up to [`STREAM_TABLE_ROWS`] rows) or two or
/// three times (past it: widths first, unique prefixes if a column must be cut, then the
/// rows, written as they come), so its rows must be the same each time. Time and memory
/// are linear in the cells' (bounded) text.
pub fn write_columns<'a, I>(
    out: &mut dyn Write,
    style: Style,
    columns: &[ColumnSpec<'_>],
    reveal: Reveal,
    rows: usize,
    make_rows: impl Fn() -> I,
) -> std::io::Result<()>
where
    I: Iterator<Item = Vec<TextCell<'a>>>,
{
    let max = style.width.resolve();
    let layout = if rows > STREAM_TABLE_ROWS {
        let layout = plan(columns, max, &make_rows);
        write_streamed(out, style, &layout, columns, make_rows())?;
        layout
    } else {
        let rows: Vec<Vec<TextCell<'a>>> = make_rows().collect();
        let layout = plan(columns, max, || rows.iter());
        write_comfy(out, style, &layout, columns, rows)?;
        layout
    };
    if let Some(note) = layout.note(columns, reveal) {
        for line in wrap(&note, max) {
            writeln!(out, "{line}")?;
        }
    }
    Ok(())
}

/// `text` in lines of at most `max` display columns, broken at spaces (a longer word keeps
/// a line of its own); one line without `max`.
fn wrap(text: &str, max: Option<usize>) -> Vec<String> {
    let Some(max) = max else {
        return vec![text.to_owned()];
    };
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        if !line.is_empty() && line.width() + 1 + word.width() > max {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    lines.push(line);
    lines
}

/// The table through comfy-table, in `layout`.
fn write_comfy<'a>(
    out: &mut dyn Write,
    style: Style,
    layout: &Layout,
    columns: &[ColumnSpec<'_>],
    rows: Vec<Vec<TextCell<'a>>>,
) -> std::io::Result<()> {
    let shown: Vec<usize> = layout.shown().collect();
    let mut table = new_table(style);
    table.set_header(shown.iter().map(|&i| {
        let w = layout.width(i).unwrap_or(0);
        header(&sanitize::shorten_to_width(columns[i].header, w), style)
    }));
    for row in rows {
        let mut cells: Vec<Option<TextCell<'a>>> = row.into_iter().map(Some).collect();
        table.add_row(shown.iter().map(|&i| {
            let cell = cells
                .get_mut(i)
                .and_then(Option::take)
                .unwrap_or_else(|| TextCell::new(""));
            match layout.width(i) {
                Some(w) if layout.is_cut(i) => cell.fitted(w),
                _ => cell,
            }
            .into_cell(style)
        }));
    }
    for (position, &i) in shown.iter().enumerate() {
        let Some(column) = table.column_mut(position) else {
            continue;
        };
        if columns[i].right {
            column.set_cell_alignment(CellAlignment::Right);
        }
        // A cut column is exactly as wide as planned, like the streamed table's, even
        // when its cells came out a column short (a wide character that did not fit).
        if layout.is_cut(i)
            && let Some(Ok(fixed)) = layout.width(i).map(|w| u16::try_from(w + 2))
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

/// comfy-table's `UTF8_FULL_CONDENSED` look with round corners, written row by row, in
/// `layout`.
fn write_streamed<'a>(
    out: &mut dyn Write,
    style: Style,
    layout: &Layout,
    columns: &[ColumnSpec<'_>],
    rows: impl Iterator<Item = Vec<TextCell<'a>>>,
) -> std::io::Result<()> {
    let shown: Vec<usize> = layout.shown().collect();
    let widths: Vec<usize> = shown
        .iter()
        .map(|&i| layout.width(i).unwrap_or(0))
        .collect();
    let right: Vec<usize> = (0..shown.len())
        .filter(|p| columns[shown[*p]].right)
        .collect();
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
    let header_cells = shown.iter().map(|&i| {
        let w = layout.width(i).unwrap_or(0);
        (sanitize::shorten_to_width(columns[i].header, w), None, true)
    });
    write_line(out, &mut line, &widths, &right, style, header_cells)?;
    writeln!(out, "{}", rule('╞', '═', '╪', '╡'))?;
    for row in rows {
        let cells = shown.iter().map(|&i| match row.get(i) {
            Some(c) => (
                match layout.width(i) {
                    Some(w) if layout.is_cut(i) => sanitize::shorten_to_width(c.text(), w),
                    _ => Cow::Borrowed(c.text()),
                },
                c.color,
                false,
            ),
            None => (Cow::Borrowed(""), None, false),
        });
        write_line(out, &mut line, &widths, &right, style, cells)?;
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
        let columns = [
            ColumnSpec::USER,
            ColumnSpec::VIRTUAL_IP,
            ColumnSpec::CLIENT_IP,
            ColumnSpec::ESTABLISHED,
            ColumnSpec::CONNECTED_FOR,
            ColumnSpec::IN,
            ColumnSpec::OUT,
            ColumnSpec::CONNECTION_ID,
        ];
        // The user names as free text too: shortened, with wide characters ("用户名")
        // cut to a width they cannot fill exactly.
        let mut free_text = columns;
        free_text[0] = ColumnSpec::shorten("USER", 10);
        let make_rows = || connections.iter().map(|c| connection_cells(c).to_vec());
        for columns in [&columns, &free_text] {
            for max in [
                None,
                Some(120),
                Some(80),
                Some(60),
                Some(24),
                Some(20),
                Some(8),
            ] {
                let layout = plan(columns, max, make_rows);
                for color in [false, true] {
                    let style = Style {
                        color,
                        ..Style::default()
                    };
                    let mut comfy = Vec::new();
                    write_comfy(&mut comfy, style, &layout, columns, make_rows().collect())
                        .unwrap();
                    let mut streamed = Vec::new();
                    write_streamed(&mut streamed, style, &layout, columns, make_rows()).unwrap();
                    let (comfy, streamed) = (
                        String::from_utf8(comfy).unwrap(),
                        String::from_utf8(streamed).unwrap(),
                    );
                    assert_eq!(streamed, comfy, "colour: {color}, width: {max:?}");
                }
            }
        }
    }

    #[test]
    fn a_lone_column_too_wide_is_cut_to_unique_prefixes() {
        let rows = [
            "carol_muller",
            "carol_mueller",
            "carol_muller",
            "bob",
            "用户名用户名",
        ];
        let columns = [ColumnSpec::USER, ColumnSpec::CLIENT_IP];
        let make_rows = || {
            rows.iter()
                .map(|u| vec![TextCell::new(*u), TextCell::new("203.0.113.7")])
        };
        for streamed in [false, true] {
            let style = Style {
                width: TableWidth::Columns(8),
                ..Style::default()
            };
            let mut out = Vec::new();
            let n = if streamed {
                STREAM_TABLE_ROWS + 1
            } else {
                rows.len()
            };
            write_columns(&mut out, style, &columns, Reveal::Wide, n, make_rows).unwrap();
            let text = String::from_utf8(out).unwrap();
            // 8 columns leave 4 for text; the carols need 10 to stay apart.
            assert!(text.contains("│ carol_mul… │"), "{text}");
            assert!(text.contains("│ carol_mue… │"), "{text}");
            assert!(text.contains("│ bob        │"), "{text}");
            assert!(!text.contains("203.0.113.7"), "{text}");
            let note = text.split_once("╯\n").unwrap().1.replace('\n', " ");
            assert_eq!(
                note,
                "Not shown to fit 8 columns: CLIENT IP (--wide shows every column) "
            );
        }
    }

    #[test]
    fn notes_are_wrapped_to_the_width() {
        let note =
            "Not shown to fit 30 columns: IN, OUT, CONNECTION ID (--wide shows every column)";
        let lines = wrap(note, Some(30));
        assert!(lines.iter().all(|l| l.width() <= 30), "{lines:?}");
        assert_eq!(lines.join(" "), note);
        assert_eq!(wrap(note, None), [note]);
        assert_eq!(
            wrap("a-very-long-word b", Some(4)),
            ["a-very-long-word", "b"]
        );
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
