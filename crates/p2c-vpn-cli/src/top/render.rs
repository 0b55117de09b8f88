//! Drawing the `top` screen from an [`App`] (any ratatui back end: the terminal, or
//! `TestBackend` in tests). Every server string goes through `sanitize` first.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Clear, Paragraph, Row as TableRow, Table, Wrap};
use unicode_width::UnicodeWidthStr as _;

use super::app::{App, Col, Gateway, Mode, Row};
use super::fit;
use crate::human;
use crate::sanitize;

/// The longest user name shown whole (longer ones end in `…`: they are the server's).
const USER_MAX: usize = 32;
/// Gauge cells.
const GAUGE: usize = 12;
/// Sparkline cells.
const SPARK: u16 = 10;

/// Colours, or none (`NO_COLOR`).
#[derive(Debug, Clone, Copy)]
pub struct Theme {
    pub color: bool,
}

impl Theme {
    fn fg(self, c: Color) -> Style {
        if self.color {
            Style::default().fg(c)
        } else {
            Style::default()
        }
    }
    fn failed(self) -> Style {
        if self.color {
            Style::default()
                .fg(Color::White)
                .bg(Color::Red)
                .add_modifier(Modifier::BOLD)
        } else {
            Style::default().add_modifier(Modifier::BOLD | Modifier::REVERSED)
        }
    }
}

/// `now` is the wall clock (injected in tests).
pub fn draw(f: &mut Frame, app: &App, theme: Theme, now: DateTime<Utc>) {
    let area = f.area();
    let shown: Vec<&Gateway> = app.gateways.iter().filter(|g| g.shown).collect();
    let max_header = (area.height / 3).max(1) as usize;
    let header_lines = shown.len().min(max_header).max(1);
    let message_lines = app.messages.len().min(3);
    let [title, gateways, table, messages, hints] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(header_lines as u16),
        Constraint::Min(2),
        Constraint::Length(message_lines as u16),
        Constraint::Length(1),
    ])
    .areas(area);
    let view = app.view();
    f.render_widget(Paragraph::new(title_line(app, view.len(), theme)), title);
    draw_gateways(f, gateways, &shown, max_header, theme, now);
    draw_table(f, table, app, &view, theme);
    let lines: Vec<Line> = app
        .messages
        .iter()
        .skip(app.messages.len() - message_lines)
        .map(|m| Line::from(m.as_str()))
        .collect();
    f.render_widget(Paragraph::new(lines), messages);
    f.render_widget(Paragraph::new(hint_line(app)), hints);
    match &app.mode {
        Mode::Help => draw_help(f, area, app),
        Mode::Gateways { cursor } => draw_picker(f, area, app, *cursor),
        Mode::Confirm(targets) => {
            let mut lines = vec![Line::from(format!(
                "Disconnect {}?",
                human::plural(targets.len(), "connection", "connections")
            ))];
            let room = area.height.saturating_sub(8) as usize;
            lines.extend(targets.iter().take(room).map(|t| Line::from(t.describe())));
            if targets.len() > room {
                lines.push(Line::from(format!("… and {} more", targets.len() - room)));
            }
            lines.push(Line::from(""));
            lines.push(Line::from("y: disconnect   n / Esc: cancel"));
            popup(f, area, " confirm disconnect ", lines);
        }
        _ => {}
    }
}

fn title_line(app: &App, shown: usize, theme: Theme) -> Line<'static> {
    let total: usize = app.rows().len();
    let mut spans = vec![Span::styled(
        "p2c-vpn top",
        Style::default().add_modifier(Modifier::BOLD),
    )];
    let mut text = format!(
        "  {} shown of {}  every {}",
        shown,
        total,
        humantime::format_duration(app.interval)
    );
    text.push_str(&format!(
        "  sort {}{}",
        app.sort.title(),
        if app.reverse { " ↑" } else { " ↓" }
    ));
    if !app.filter.is_empty() || matches!(app.mode, Mode::Filter) {
        text.push_str(&format!("  filter /{}", sanitize::cell(&app.filter)));
        if matches!(app.mode, Mode::Filter) {
            text.push('█');
        }
    }
    if app.changes != (0, 0) {
        text.push_str(&format!(
            "  last poll +{} new −{} dropped",
            app.changes.0, app.changes.1
        ));
    }
    if !app.marked.is_empty() {
        text.push_str(&format!("  {} marked", app.marked.len()));
    }
    spans.push(Span::raw(text));
    if app.paused {
        spans.push(Span::styled("  PAUSED", theme.fg(Color::Yellow)));
    }
    if app.read_only {
        spans.push(Span::raw("  read-only"));
    }
    Line::from(spans)
}

/// `▕█████░░░░░▏ 7 / 100`: the filled part is `count / max` of the cells.
pub fn gauge(count: Option<usize>, max: Option<u64>) -> String {
    let filled = match (count, max) {
        (Some(n), Some(m)) if m > 0 => ((n as f64 / m as f64).min(1.0) * GAUGE as f64).round(),
        _ => 0.0,
    } as usize;
    let label = match (count, max) {
        (Some(n), Some(m)) => format!("{n} / {m}"),
        (Some(n), None) => format!("{n} / ?"),
        (None, Some(m)) => format!("? / {m}"),
        (None, None) => "? / ?".to_owned(),
    };
    format!(
        "▕{}{}▏ {label}",
        "█".repeat(filled),
        "░".repeat(GAUGE - filled)
    )
}

/// When a poll was, with its age when the screen was drawn (drawn at each poll and key,
/// not every second: between polls nothing runs).
fn when(now: DateTime<Utc>, at: DateTime<Utc>) -> String {
    let age = (now - at).to_std().unwrap_or_default();
    if age.as_secs() < 1 {
        format!("{} UTC", at.format("%H:%M:%S"))
    } else {
        format!(
            "{} UTC, {} ago",
            at.format("%H:%M:%S"),
            human::duration(age)
        )
    }
}

fn draw_gateways(
    f: &mut Frame,
    area: Rect,
    shown: &[&Gateway],
    max: usize,
    theme: Theme,
    now: DateTime<Utc>,
) {
    let label_width = shown
        .iter()
        .map(|g| sanitize::cell(&g.label).width())
        .max()
        .unwrap_or(0)
        .min(24);
    let mut lines = Vec::new();
    if shown.is_empty() {
        lines.push(Line::from("no gateway shown (g: pick gateways)"));
    }
    let visible = if shown.len() > max {
        max - 1
    } else {
        shown.len()
    };
    for g in &shown[..visible] {
        let label = sanitize::cell(&g.label);
        let label = sanitize::shorten_to_width(&label, label_width);
        let pad = label_width.saturating_sub(label.width());
        let mut spans = vec![
            Span::styled(
                format!("{label}{} ", " ".repeat(pad)),
                Style::default().add_modifier(Modifier::BOLD),
            ),
            Span::styled(gauge(g.count, g.max), theme.fg(Color::Green)),
        ];
        match (&g.failure, g.last_good) {
            (Some(reason), last) => {
                let stale = match last {
                    Some(at) => format!(" stale data from {}", when(now, at)),
                    None => " no data yet".to_owned(),
                };
                spans.push(Span::raw(" "));
                spans.push(Span::styled(
                    format!("FAILED: {}", sanitize::cell(reason)),
                    theme.failed(),
                ));
                spans.push(Span::raw(stale));
            }
            (None, Some(at)) => spans.push(Span::raw(format!(
                "  in {}  out {}  polled {}",
                human::rate(g.in_bps),
                human::rate(g.out_bps),
                when(now, at)
            ))),
            (None, None) => spans.push(Span::raw("  polling…")),
        }
        lines.push(Line::from(spans));
    }
    if visible < shown.len() {
        lines.push(Line::from(format!(
            "… {} more gateways (g: pick)",
            shown.len() - visible
        )));
    }
    f.render_widget(Paragraph::new(lines), area);
}

/// A sparkline of `history` in `width` cells, scaled to `max` (the peak of every row on
/// screen, so that rows compare).
pub fn spark(history: &std::collections::VecDeque<f64>, width: usize, max: f64) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let tail: Vec<f64> = history.iter().rev().take(width).rev().copied().collect();
    let mut s: String = " ".repeat(width - tail.len());
    for v in tail {
        let i = if max > 0.0 {
            ((v / max) * 7.0).round().clamp(0.0, 7.0) as usize
        } else {
            0
        };
        s.push(BARS[i]);
    }
    s
}

/// A cell's text (safe; user names past [`USER_MAX`] end in `…`).
fn cell_text(app: &App, row: &Row, col: Col, peak: f64) -> String {
    let dash = |v: Option<String>| v.unwrap_or_else(|| "-".to_owned());
    match col {
        Col::User => sanitize::shorten_for_terminal(row.user(), USER_MAX).into_owned(),
        Col::ClientIp => sanitize::cell(row.client_ip()).into_owned(),
        Col::VirtualIp => sanitize::cell(row.virtual_ip()).into_owned(),
        Col::Gateway => sanitize::cell(&app.gateways[row.gateway].label).into_owned(),
        Col::ConnectedFor => dash(row.conn.connected_for().map(human::duration)),
        Col::InRate => dash(row.in_bps.map(human::rate)),
        Col::OutRate => dash(row.out_bps.map(human::rate)),
        Col::Activity => spark(&row.history, SPARK as usize, peak),
        Col::InTotal => dash(row.conn.as_api().inbound_bytes.map(human::bytes)),
        Col::OutTotal => dash(row.conn.as_api().outbound_bytes.map(human::bytes)),
    }
}

/// The columns wanted (table order) with the widths their header and values need.
pub fn wanted(app: &App, view: &[&Row]) -> Vec<(Col, u16)> {
    Col::ALL
        .iter()
        .filter(|c| app.several || **c != Col::Gateway)
        .map(|&c| {
            let content = match c {
                Col::User | Col::ClientIp | Col::VirtualIp | Col::Gateway => view
                    .iter()
                    .map(|r| cell_text(app, r, c, 0.0).width())
                    .max()
                    .unwrap_or(0),
                Col::ConnectedFor => 7,
                Col::InRate | Col::OutRate => 12,
                Col::Activity => SPARK as usize,
                Col::InTotal | Col::OutTotal => 10,
            };
            // The header, with room for the sort arrow.
            (c, content.max(c.title().width() + 2) as u16)
        })
        .collect()
}

fn draw_table(f: &mut Frame, area: Rect, app: &App, view: &[&Row], theme: Theme) {
    // Two cells for the mark/stale flag, then the columns.
    let cols = fit::fit(&wanted(app, view), area.width.saturating_sub(3), 1);
    let header = TableRow::new(
        std::iter::once(Cell::from(""))
            .chain(cols.iter().map(|(c, _)| {
                let arrow = if *c == app.sort {
                    if app.reverse { " ↑" } else { " ↓" }
                } else {
                    ""
                };
                Cell::from(format!("{}{arrow}", c.title()))
            }))
            .collect::<Vec<_>>(),
    )
    .style(Style::default().add_modifier(Modifier::BOLD | Modifier::UNDERLINED));
    let height = area.height.saturating_sub(1) as usize;
    let cursor = app.cursor(view);
    let first = cursor.saturating_sub(height.saturating_sub(1));
    let peak = view
        .iter()
        .flat_map(|r| r.history.iter().rev().take(SPARK as usize))
        .copied()
        .fold(0.0_f64, f64::max);
    let rows: Vec<TableRow> = view
        .iter()
        .enumerate()
        .skip(first)
        .take(height)
        .map(|(i, r)| {
            let id = (r.gateway, r.key.clone());
            let stale = app.gateways[r.gateway].failure.is_some();
            let flag = match (app.marked.contains(&id), stale) {
                (true, _) => "*",
                (false, true) => "?",
                (false, false) if r.new => "+",
                _ => "",
            };
            let cells = std::iter::once(Cell::from(flag)).chain(cols.iter().map(|(c, _)| {
                let text = cell_text(app, r, *c, peak);
                let style = match c {
                    Col::User => theme.fg(Color::Cyan),
                    Col::Activity => theme.fg(Color::Green),
                    _ => Style::default(),
                };
                Cell::from(Span::styled(text, style))
            }));
            let mut style = Style::default();
            if stale {
                style = style.add_modifier(Modifier::DIM);
            }
            if app.marked.contains(&id) {
                style = style.add_modifier(Modifier::BOLD);
            }
            if i == cursor && matches!(app.mode, Mode::Normal | Mode::Confirm(_)) {
                style = style.add_modifier(Modifier::REVERSED);
            }
            TableRow::new(cells.collect::<Vec<_>>()).style(style)
        })
        .collect();
    let widths: Vec<Constraint> = std::iter::once(Constraint::Length(1))
        .chain(cols.iter().map(|(_, w)| Constraint::Length(*w)))
        .collect();
    let empty = view.is_empty();
    f.render_widget(
        Table::new(rows, widths).header(header).column_spacing(1),
        area,
    );
    if empty && area.height > 1 {
        let text = if app.polls == 0 {
            "waiting for the first poll…"
        } else if app.rows().is_empty() {
            "no connections"
        } else {
            "no connection matches the filter (Esc clears it)"
        };
        f.render_widget(
            Paragraph::new(text),
            Rect {
                y: area.y + 1,
                height: 1,
                ..area
            },
        );
    }
}

fn hint_line(app: &App) -> Line<'static> {
    let text = match &app.mode {
        Mode::Filter => "type to filter (user, IP, gateway)  Enter: keep  Esc: clear".to_owned(),
        Mode::Disconnecting(n) => format!(
            "disconnecting {}…",
            human::plural(*n, "connection", "connections")
        ),
        _ if app.polling => "polling…  ? help  q quit".to_owned(),
        _ if app.read_only => {
            "read-only  s sort  r reverse  / filter  g gateways  p pause  ? help  q quit".to_owned()
        }
        _ => "space mark  d disconnect  s sort  r reverse  / filter  g pick  ? help  q quit"
            .to_owned(),
    };
    Line::from(Span::styled(
        text,
        Style::default().add_modifier(Modifier::DIM),
    ))
}

/// A centred box with `lines`, over what is below it.
fn popup(f: &mut Frame, area: Rect, title: &'static str, lines: Vec<Line>) {
    let width = lines
        .iter()
        .map(|l| l.width())
        .max()
        .unwrap_or(0)
        .saturating_add(4)
        .min(area.width as usize) as u16;
    let height = (lines.len() + 2).min(area.height as usize) as u16;
    let rect = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    };
    f.render_widget(Clear, rect);
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(Block::default().borders(Borders::ALL).title(title)),
        rect,
    );
}

fn draw_help(f: &mut Frame, area: Rect, app: &App) {
    let mut lines: Vec<Line> = [
        "↑ ↓ PgUp PgDn Home End   move",
        "s / S  (→ / ←)           sort by the next / previous column",
        "1 … 9, 0                 sort by column 1 … 10 (again: reverse)",
        "r                        reverse the order",
        "/                        filter: user, client IP, virtual IP, gateway",
        "Esc                      clear the filter and the marks",
        "g                        pick the gateways shown",
        "p                        pause / resume polling",
        "q  Ctrl-C                quit",
    ]
    .into_iter()
    .map(Line::from)
    .collect();
    if !app.read_only {
        lines.push(Line::from("space                    mark / unmark the row"));
        lines.push(Line::from(
            "d                        disconnect the marked rows, else this one",
        ));
    }
    lines.push(Line::from(
        "flags: * marked  + new  ? stale (its gateway's poll failed)",
    ));
    let cols: Vec<String> = Col::ALL
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{} {}", (i + 1) % 10, c.title()))
        .collect();
    lines.push(Line::from(cols[..5].join("  ")));
    lines.push(Line::from(cols[5..].join("  ")));
    popup(f, area, " help (any key closes) ", lines);
}

fn draw_picker(f: &mut Frame, area: Rect, app: &App, cursor: usize) {
    let mut lines: Vec<Line> = app
        .gateways
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let text = format!(
                "[{}] {}",
                if g.shown { "x" } else { " " },
                sanitize::shorten_to_width(&sanitize::cell(&g.label), 60)
            );
            let style = if i == cursor {
                Style::default().add_modifier(Modifier::REVERSED)
            } else {
                Style::default()
            };
            Line::from(Span::styled(text, style))
        })
        .collect();
    lines.push(Line::from(""));
    lines.push(Line::from("space: show/hide  a: all  Enter/Esc: done"));
    popup(f, area, " gateways ", lines);
}
