//! `p2c-vpn top`: a live, interactive view of every gateway (ratatui on crossterm).
//!
//! - [`app`]: the state (rows from the runtime's sampler, sort, filter, marks, the
//!   confirmation flow); no terminal.
//! - [`input`]: what each key does to it.
//! - [`render`]: the screen from the state.
//! - [`fit`]: which columns fit the width (one function, [`fit::fit`]).
//! - [`poll`]: the network (one poll of every gateway, [`poll::poll_all`]; disconnects
//!   through `p2c_vpn_runtime::disconnect`).
//!
//! This module owns the terminal: raw mode and the alternate screen are left on every way
//! out (return, error, panic, SIGTERM/SIGHUP/SIGINT).

pub mod app;
pub mod fit;
pub mod input;
pub mod poll;
pub mod render;
#[cfg(test)]
mod tests;

use std::io::IsTerminal as _;
use std::sync::atomic::{AtomicBool, Ordering};

use crossterm::event::{Event, KeyEventKind};
use futures::FutureExt as _;
use futures::future::LocalBoxFuture;
use p2c_vpn::{Client, Connection};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use tokio::signal::unix::{SignalKind, signal};

use crate::cli::TopArgs;
use crate::connect;
use crate::error::CliError;
use app::{Action, App};
use render::Theme;

/// Whether the terminal is in raw mode / on the alternate screen (set by [`Screen::enter`]).
static ENTERED: AtomicBool = AtomicBool::new(false);

/// Leaves raw mode and the alternate screen and shows the cursor; does nothing the second
/// time (the guard's drop and the panic hook may both call it).
fn restore() {
    if ENTERED.swap(false, Ordering::SeqCst) {
        let _ = crossterm::terminal::disable_raw_mode();
        let _ = crossterm::execute!(
            std::io::stdout(),
            crossterm::cursor::Show,
            crossterm::terminal::LeaveAlternateScreen
        );
    }
}

/// The terminal, restored when dropped.
struct Screen {
    terminal: Terminal<CrosstermBackend<std::io::Stdout>>,
}

impl Screen {
    fn enter() -> Result<Self, CliError> {
        let io = |e: std::io::Error| CliError::Other(format!("cannot set up the terminal: {e}"));
        // A panic restores the terminal before its message is printed.
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            previous(info);
        }));
        crossterm::terminal::enable_raw_mode().map_err(io)?;
        ENTERED.store(true, Ordering::SeqCst);
        let entered = crossterm::execute!(
            std::io::stdout(),
            crossterm::terminal::EnterAlternateScreen,
            crossterm::cursor::Hide
        )
        .and_then(|()| Terminal::new(CrosstermBackend::new(std::io::stdout())));
        match entered {
            Ok(terminal) => Ok(Self { terminal }),
            // Half set up: undo what was done before saying why.
            Err(e) => {
                restore();
                Err(io(e))
            }
        }
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        restore();
    }
}

/// Runs `top` until `q`, Ctrl-C or a signal.
pub async fn run(args: &TopArgs, matches: &clap::ArgMatches) -> Result<(), CliError> {
    if !std::io::stdout().is_terminal() {
        return Err(CliError::Usage(
            "`p2c-vpn top` is interactive and needs a terminal on stdout; to record or pipe \
             connections use `p2c-vpn connections watch` (a table per interval, or -o ndjson)"
                .to_owned(),
        ));
    }
    let client = connect::from_flags(&args.conn.client, matches)?;
    let refs = connect::gateways(&client, &args.conn.gateways).await?;
    if refs.is_empty() {
        return Err(CliError::Other(
            "no gateways in this project: nothing to show".to_owned(),
        ));
    }
    let gateways = poll::gateways(&client, refs).await;
    let mut app = App::new(gateways, args.interval, args.read_only);
    // Every gateway of the project is shown with its gateway column, as in `watch`.
    app.several = args.conn.gateways.is_empty() || app.gateways.len() > 1;
    let theme = Theme {
        color: crate::output::Style::detect().color,
    };
    let mut screen = Screen::enter()?;
    let result = event_loop(&mut screen, &mut app, &client, args.page_size, theme).await;
    drop(screen);
    result
}

/// Keys and resizes, read on a thread of their own (crossterm's `read` blocks until one
/// comes: no busy polling).
fn spawn_input() -> tokio::sync::mpsc::Receiver<std::io::Result<Event>> {
    let (tx, rx) = tokio::sync::mpsc::channel(64);
    std::thread::spawn(move || {
        loop {
            let event = crossterm::event::read();
            let failed = event.is_err();
            if tx.blocking_send(event).is_err() || failed {
                break;
            }
        }
    });
    rx
}

type PollResults = Vec<Result<Vec<Connection>, String>>;

async fn event_loop(
    screen: &mut Screen,
    app: &mut App,
    client: &Client,
    page_size: u32,
    theme: Theme,
) -> Result<(), CliError> {
    let io = |e: std::io::Error| CliError::Other(format!("terminal: {e}"));
    let mut input = spawn_input();
    let mut term = signal(SignalKind::terminate()).map_err(io)?;
    let mut hangup = signal(SignalKind::hangup()).map_err(io)?;
    let mut interrupt = signal(SignalKind::interrupt()).map_err(io)?;
    // Nothing runs between polls and keys: the screen shows when data was polled (a time,
    // not an age that would need a redraw every second).
    let mut next_poll = tokio::time::Instant::now();
    let mut polling: Option<LocalBoxFuture<'_, PollResults>> = None;
    let mut disconnecting: Option<LocalBoxFuture<'_, Vec<String>>> = None;
    let mut dirty = true;
    loop {
        // One poll at a time: the next starts an interval after the previous one started,
        // or when it ends if it took longer.
        if polling.is_none() && !app.paused && tokio::time::Instant::now() >= next_poll {
            let lookups: Vec<String> = app.gateways.iter().map(|g| g.lookup.clone()).collect();
            polling = Some(
                async move { poll::poll_all(client, &lookups, page_size).await }.boxed_local(),
            );
            next_poll = tokio::time::Instant::now() + app.interval;
            app.polling = true;
            dirty = true;
        }
        if dirty {
            screen
                .terminal
                .draw(|f| render::draw(f, app, theme, chrono::Utc::now()))
                .map_err(io)?;
            dirty = false;
        }
        tokio::select! {
            event = input.recv() => match event {
                Some(Ok(Event::Key(key))) if key.kind != KeyEventKind::Release => {
                    dirty = true;
                    match app.on_key(key) {
                        Action::Quit => return Ok(()),
                        Action::PollNow => next_poll = tokio::time::Instant::now(),
                        Action::Disconnect(targets) => {
                            disconnecting = Some(poll::disconnect(client, targets).boxed_local());
                        }
                        Action::None => {}
                    }
                }
                Some(Ok(Event::Resize(..))) => {
                    screen.terminal.autoresize().map_err(io)?;
                    dirty = true;
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(io(e)),
                None => return Ok(()),
            },
            results = async { polling.as_mut().expect("guarded").await }, if polling.is_some() => {
                polling = None;
                app.polling = false;
                let results = results.into_iter().enumerate().collect();
                app.apply_poll(std::time::Instant::now(), chrono::Utc::now(), results);
                dirty = true;
            }
            lines = async { disconnecting.as_mut().expect("guarded").await }, if disconnecting.is_some() => {
                disconnecting = None;
                app.disconnected(lines);
                // Show what is left at once.
                next_poll = tokio::time::Instant::now();
                dirty = true;
            }
            _ = tokio::time::sleep_until(next_poll), if polling.is_none() && !app.paused => {}
            _ = term.recv() => return Ok(()),
            _ = hangup.recv() => return Ok(()),
            _ = interrupt.recv() => return Ok(()),
        }
    }
}
