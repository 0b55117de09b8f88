//! The state rules (sorting, filtering, selection, the confirmation flow, column fitting)
//! and the screen at 80×24 (ratatui's `TestBackend`).

#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use p2c_vpn::Connection;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::app::{Action, App, Col, Gateway, Mode};
use super::fit;
use super::render::{self, Theme};

fn conn(id: u128, user: &str, ip: &str, vip: &str, at: &str, inbound: i64) -> Connection {
    let mut c = p2c_vpn::api::Connection::default();
    c.connection_id = Some(uuid::Uuid::from_u128(id));
    c.client_user_name = Some(user.to_owned());
    c.client_ip = Some(ip.to_owned());
    c.client_virtual_ip = Some(vip.to_owned());
    c.connection_established_time = Some("2024-06-17T01:00:00Z".parse().unwrap());
    c.timestamp = Some(at.parse().unwrap());
    c.inbound_bytes = Some(inbound);
    c.outbound_bytes = Some(inbound / 2);
    c.into()
}

fn gateways() -> Vec<Gateway> {
    vec![
        Gateway::new("id-a".into(), "office".into(), "id-a".into(), Some(100)),
        Gateway::new("id-b".into(), "lab".into(), "id-b".into(), Some(10)),
    ]
}

fn now() -> DateTime<Utc> {
    "2024-06-17T03:00:10Z".parse().unwrap()
}

/// Two polls 10 s apart: alice 500 B/s, bob 100 B/s on office; carol 300 B/s on lab.
fn app() -> App {
    let mut app = App::new(gateways(), Duration::from_secs(5), false);
    let t0 = Instant::now();
    let poll = |s: &str, k: i64| {
        vec![
            (
                0,
                Ok(vec![
                    conn(1, "alice", "203.0.113.5", "10.0.0.2", s, 1000 + 500 * k),
                    conn(2, "bob", "198.51.100.7", "10.0.0.10", s, 100 * k),
                ]),
            ),
            (
                1,
                Ok(vec![conn(3, "carol", "192.0.2.1", "10.1.0.3", s, 300 * k)]),
            ),
        ]
    };
    app.apply_poll(t0, now(), poll("2024-06-17T03:00:00Z", 0));
    app.apply_poll(
        t0 + Duration::from_secs(10),
        now(),
        poll("2024-06-17T03:00:10Z", 10),
    );
    app
}

fn users(app: &App) -> Vec<String> {
    app.view().iter().map(|r| r.user().to_owned()).collect()
}

fn key(app: &mut App, code: KeyCode) -> Action {
    app.on_key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn typed(app: &mut App, text: &str) {
    for c in text.chars() {
        key(app, KeyCode::Char(c));
    }
}

#[test]
fn rows_sort_by_rate_by_default_and_by_any_column() {
    let mut app = app();
    assert_eq!(users(&app), ["alice", "carol", "bob"]);
    key(&mut app, KeyCode::Char('r'));
    assert_eq!(users(&app), ["bob", "carol", "alice"]);
    // `1`: by user, A first; again: reversed.
    key(&mut app, KeyCode::Char('1'));
    assert_eq!(users(&app), ["alice", "bob", "carol"]);
    key(&mut app, KeyCode::Char('1'));
    assert_eq!(users(&app), ["carol", "bob", "alice"]);
    // Virtual IPs sort as addresses, not as text (10.0.0.10 after 10.0.0.2).
    key(&mut app, KeyCode::Char('3'));
    assert_eq!(users(&app), ["alice", "bob", "carol"]);
    // `s` steps through the columns.
    key(&mut app, KeyCode::Char('s'));
    assert_eq!(app.sort, Col::Gateway);
    assert_eq!(users(&app), ["carol", "alice", "bob"]);
}

#[test]
fn the_filter_matches_user_ip_and_gateway() {
    let mut app = app();
    key(&mut app, KeyCode::Char('/'));
    typed(&mut app, "ALI");
    assert!(matches!(app.mode, Mode::Filter));
    assert_eq!(users(&app), ["alice"]);
    key(&mut app, KeyCode::Backspace);
    key(&mut app, KeyCode::Backspace);
    key(&mut app, KeyCode::Backspace);
    typed(&mut app, "198.51");
    assert_eq!(users(&app), ["bob"]);
    key(&mut app, KeyCode::Enter);
    assert!(matches!(app.mode, Mode::Normal));
    assert_eq!(app.filter, "198.51");
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Char('/'));
    typed(&mut app, "lab");
    key(&mut app, KeyCode::Enter);
    assert_eq!(users(&app), ["carol"]);
}

#[test]
fn the_gateway_picker_hides_gateways() {
    let mut app = app();
    key(&mut app, KeyCode::Char('g'));
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Char(' '));
    key(&mut app, KeyCode::Enter);
    assert_eq!(users(&app), ["alice", "bob"]);
}

#[test]
fn the_cursor_follows_its_row_across_sorts_and_polls() {
    let mut app = app();
    key(&mut app, KeyCode::Down);
    assert_eq!(
        app.current().unwrap().1,
        uuid::Uuid::from_u128(3).to_string()
    );
    key(&mut app, KeyCode::Char('1'));
    let view = app.view();
    assert_eq!(view[app.cursor(&view)].user(), "carol");
}

#[test]
fn a_failed_poll_keeps_the_rows_and_their_count() {
    let mut app = app();
    app.apply_poll(
        Instant::now(),
        now(),
        vec![(0, Err("503 Service Unavailable".into()))],
    );
    assert_eq!(app.rows().len(), 3);
    let office = &app.gateways[0];
    assert_eq!(office.failure.as_deref(), Some("503 Service Unavailable"));
    assert_eq!(office.count, Some(2));
}

#[test]
fn dropped_connections_leave_and_new_ones_come() {
    let mut app = app();
    let t = Instant::now() + Duration::from_secs(20);
    app.apply_poll(
        t,
        now(),
        vec![(
            0,
            Ok(vec![conn(
                4,
                "dave",
                "192.0.2.9",
                "10.0.0.4",
                "2024-06-17T03:00:20Z",
                0,
            )]),
        )],
    );
    let mut names = users(&app);
    names.sort();
    assert_eq!(names, ["carol", "dave"]);
    assert!(app.rows().iter().any(|r| r.user() == "dave" && r.new));
    // The sampler's events of that poll: dave new, alice and bob dropped.
    assert_eq!(app.changes, (1, 2));
    assert!(
        screen(&app, 100, 24)
            .lines()
            .next()
            .unwrap()
            .contains("last poll +1 new −2 dropped")
    );
}

#[test]
fn disconnect_asks_first_names_the_targets_and_can_be_cancelled() {
    let mut app = app();
    // Mark alice and bob (space marks and moves down).
    key(&mut app, KeyCode::Char('1'));
    key(&mut app, KeyCode::Char(' '));
    key(&mut app, KeyCode::Char(' '));
    assert_eq!(app.marked.len(), 2);
    assert!(matches!(key(&mut app, KeyCode::Char('d')), Action::None));
    let Mode::Confirm(targets) = &app.mode else {
        panic!("no confirmation: {:?}", app.mode)
    };
    let named: Vec<String> = targets.iter().map(|t| t.describe()).collect();
    assert_eq!(
        named,
        [
            "alice 203.0.113.5 → 10.0.0.2 on office",
            "bob 198.51.100.7 → 10.0.0.10 on office"
        ]
    );
    // Any other key keeps asking; `n` cancels and sends nothing.
    assert!(matches!(key(&mut app, KeyCode::Char('x')), Action::None));
    assert!(matches!(app.mode, Mode::Confirm(_)));
    assert!(matches!(key(&mut app, KeyCode::Char('n')), Action::None));
    assert!(matches!(app.mode, Mode::Normal));
    assert!(app.messages.back().unwrap().contains("cancelled"));
    // `y` hands the targets over.
    key(&mut app, KeyCode::Char('d'));
    let Action::Disconnect(targets) = key(&mut app, KeyCode::Char('y')) else {
        panic!("no disconnect")
    };
    assert_eq!(targets.len(), 2);
    assert!(matches!(app.mode, Mode::Disconnecting(2)));
    app.disconnected(vec!["alice …: disconnected".into()]);
    assert!(app.marked.is_empty());
    assert!(matches!(app.mode, Mode::Normal));
}

#[test]
fn read_only_refuses_to_disconnect() {
    let mut app = app();
    app.read_only = true;
    key(&mut app, KeyCode::Char('d'));
    assert!(matches!(app.mode, Mode::Normal));
    assert!(app.messages.back().unwrap().contains("read-only"));
}

#[test]
fn quit_keys() {
    let mut app = app();
    assert!(matches!(key(&mut app, KeyCode::Char('q')), Action::Quit));
    let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
    // Ctrl-C quits from any mode, even while typing a filter.
    key(&mut app, KeyCode::Char('/'));
    assert!(matches!(app.on_key(ctrl_c), Action::Quit));
}

#[test]
fn columns_are_dropped_by_priority_never_cut() {
    let wanted = [
        (Col::User, 14),
        (Col::ClientIp, 15),
        (Col::VirtualIp, 15),
        (Col::Gateway, 8),
        (Col::ConnectedFor, 9),
        (Col::InRate, 12),
        (Col::OutRate, 12),
        (Col::Activity, 10),
        (Col::InTotal, 10),
        (Col::OutTotal, 10),
    ];
    let shown = fit::fit(&wanted, 77, 1);
    let cols: Vec<Col> = shown.iter().map(|(c, _)| *c).collect();
    assert_eq!(
        cols,
        // The tables' order: totals, activity, connected for, then the rates go first.
        [Col::User, Col::ClientIp, Col::VirtualIp, Col::Gateway]
    );
    // Widths are the ones asked for.
    assert!(shown.iter().all(|s| wanted.contains(s)));
    assert_eq!(fit::fit(&wanted, 500, 1).len(), wanted.len());
}

fn screen(app: &App, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|f| render::draw(f, app, Theme { color: false }, now()))
        .unwrap();
    let buffer = terminal.backend().buffer();
    (0..height)
        .map(|y| {
            (0..width)
                .map(|x| buffer[(x, y)].symbol())
                .collect::<String>()
                .trim_end()
                .to_owned()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_screen_shows_gateways_gauges_and_rows_at_80x24() {
    let app = app();
    let text = screen(&app, 80, 24);
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("p2c-vpn top  3 shown of 3"), "{text}");
    assert!(lines[1].starts_with("office ▕"), "{text}");
    assert!(
        lines[1].contains("▏ 2 / 100  in 600 B/s  out 300 B/s"),
        "{text}"
    );
    assert!(lines[2].contains("▏ 1 / 10  in 300 B/s"), "{text}");
    assert!(lines[3].contains("USER"), "{text}");
    assert!(lines[3].contains("IN RATE ↓"), "{text}");
    // Identifying values whole.
    assert!(lines[4].contains("alice"), "{text}");
    assert!(lines[4].contains("203.0.113.5"), "{text}");
    assert!(lines[4].contains("10.0.0.2"), "{text}");
    assert!(lines[4].contains("office"), "{text}");
    assert!(lines[4].contains("500 B/s"), "{text}");
    assert!(
        lines
            .iter()
            .all(|l| unicode_width::UnicodeWidthStr::width(*l) <= 80)
    );
    assert!(lines[23].contains("q quit"), "{text}");
}

#[test]
fn a_failed_gateway_shows_the_banner_and_stale_rows() {
    let mut app = app();
    app.apply_poll(Instant::now(), now(), vec![(0, Err("HTTP 503".into()))]);
    let text = screen(&app, 100, 24);
    let office = text.lines().nth(1).unwrap();
    assert!(office.contains("2 / 100"), "{text}");
    assert!(office.contains("FAILED: HTTP 503"), "{text}");
    assert!(office.contains("stale data from 03:00:10 UTC"), "{text}");
    // The rows of office are flagged `?`, carol's are not.
    let alice = text.lines().find(|l| l.contains("alice")).unwrap();
    assert!(alice.starts_with('?'), "{text}");
    let carol = text.lines().find(|l| l.contains("carol")).unwrap();
    assert!(carol.starts_with(' '), "{text}");
}

#[test]
fn hostile_server_text_is_escaped_on_screen() {
    let mut app = App::new(gateways(), Duration::from_secs(5), false);
    app.apply_poll(
        Instant::now(),
        now(),
        vec![(
            0,
            Ok(vec![conn(
                9,
                "ev\x1b]0;pwned\x07il",
                "1.2.3.4",
                "10.0.0.9",
                "2024-06-17T03:00:00Z",
                0,
            )]),
        )],
    );
    let text = screen(&app, 100, 24);
    assert!(text.contains("ev\\x1b]0;pwned\\x07il"), "{text}");
    assert!(!text.contains('\x1b'));
}

#[test]
fn the_confirmation_dialog_names_what_will_be_cut() {
    let mut app = app();
    key(&mut app, KeyCode::Char('d'));
    let text = screen(&app, 80, 24);
    assert!(text.contains("Disconnect 1 connection?"), "{text}");
    assert!(
        text.contains("alice 203.0.113.5 → 10.0.0.2 on office"),
        "{text}"
    );
    assert!(text.contains("y: disconnect"), "{text}");
}

#[test]
fn gauges_and_sparklines() {
    assert_eq!(render::gauge(Some(7), Some(100)), "▕█░░░░░░░░░░░▏ 7 / 100");
    assert_eq!(render::gauge(None, Some(10)), "▕░░░░░░░░░░░░▏ ? / 10");
    let history = [0.0, 50.0, 100.0].into_iter().collect();
    assert_eq!(render::spark(&history, 5, 100.0), "  ▁▅█");
    assert_eq!(render::spark(&history, 3, 200.0), "▁▃▅");
}

#[test]
fn no_color_means_no_colour() {
    let mut app = app();
    app.apply_poll(Instant::now(), now(), vec![(0, Err("HTTP 503".into()))]);
    let colours = |color: bool| {
        let mut terminal = Terminal::new(TestBackend::new(100, 24)).unwrap();
        terminal
            .draw(|f| render::draw(f, &app, Theme { color }, now()))
            .unwrap();
        let buffer = terminal.backend().buffer();
        buffer
            .content()
            .iter()
            .filter(|c| {
                c.fg != ratatui::style::Color::Reset || c.bg != ratatui::style::Color::Reset
            })
            .count()
    };
    assert_eq!(colours(false), 0);
    assert!(colours(true) > 0);
}
