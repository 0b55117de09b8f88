//! `p2c-vpn top` end to end: the real binary in a tmux pane (Debian's `tmux`), against an
//! in-process mock on port 0; the screen read with `capture-pane -p`.
//!
//! Without tmux each test prints one `skipped` line and passes, unless
//! `P2C_VPN_REQUIRE_SYSTEM_TOOLS=1` (CI sets it): then it fails. Nothing is timed: each
//! wait polls the pane until the screen says what it must, and only a generous hang
//! detector (60 s) ends a wait that never comes.

#![allow(clippy::unwrap_used)]

use crate::common;

use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use p2c_vpn_mock::{MockServer, Operation};

/// Longest wait for a screen: a hang detector, not a timing.
const HANG: Duration = Duration::from_secs(60);

/// Whether tmux is installed; `None` (after one visible line) when the test must be skipped
/// (the one rule: `system_tools`).
fn tmux_available() -> Option<()> {
    crate::system_tools::available("tmux").then_some(())
}

/// A mock server that a test can stop.
struct Live {
    server: Option<MockServer>,
    rt: tokio::runtime::Runtime,
}

impl Live {
    fn start(
        configure: impl FnOnce(p2c_vpn_mock::MockServerBuilder) -> p2c_vpn_mock::MockServerBuilder,
    ) -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let server = rt
            .block_on(configure(MockServer::builder()).start())
            .unwrap();
        Self {
            server: Some(server),
            rt,
        }
    }

    fn server(&self) -> &MockServer {
        self.server.as_ref().unwrap()
    }

    fn client(&self) -> p2c_vpn::Client {
        let s = self.server();
        p2c_vpn::Client::builder()
            .endpoint(s.base_url())
            .project_id(s.project_id())
            .credentials(s.credentials())
            .build()
            .unwrap()
    }

    fn connections(&self, gateway: &str) -> Vec<p2c_vpn::Connection> {
        let client = self.client();
        self.rt
            .block_on(client.connections(gateway).collect_all())
            .unwrap()
    }

    fn stop(&mut self) {
        let server = self.server.take().unwrap();
        self.rt.block_on(server.shutdown()).unwrap();
    }

    fn count(&self, operation: Operation) -> usize {
        self.server()
            .requests()
            .iter()
            .filter(|r| r.operation == Some(operation))
            .count()
    }
}

/// A tmux server of its own (`-L`), one session running `p2c-vpn top`.
struct Pane {
    socket: String,
}

impl Pane {
    /// Runs `p2c-vpn top --endpoint <mock> args...` in a `width`×`height` pane. The shell
    /// around it prints `exit=N` and `stty -a` when it ends, then waits.
    fn start(live: &Live, args: &[&str], width: u16, height: u16) -> Self {
        static N: AtomicUsize = AtomicUsize::new(0);
        let socket = format!(
            "p2c-vpn-top-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        );
        let bin = assert_cmd::cargo::cargo_bin("p2c-vpn");
        let s = live.server();
        let creds = s.credentials();
        let mut command = vec![
            bin.display().to_string(),
            "top".into(),
            "--endpoint".into(),
            s.base_url().into(),
        ];
        command.extend(args.iter().map(|a| a.to_string()));
        // The environment the binary gets: the mock's credentials, nothing of ours.
        let std_cmd = common::std_cmd();
        let mut env: Vec<(String, String)> = std_cmd
            .get_envs()
            .filter_map(|(k, v)| Some((k.to_str()?.to_owned(), v?.to_str()?.to_owned())))
            .collect();
        env.push(("HUAWEICLOUD_SDK_AK".into(), creds.access_key().to_owned()));
        env.push((
            "HUAWEICLOUD_SDK_SK".into(),
            p2c_vpn_mock::DEFAULT_SECRET_KEY.to_owned(),
        ));
        env.push((
            "HUAWEICLOUD_SDK_PROJECT_ID".into(),
            s.project_id().to_owned(),
        ));
        env.push(("TERM".into(), "xterm-256color".into()));
        let mut tmux = Command::new("tmux");
        tmux.args([
            "-L",
            &socket,
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-s",
            "top",
        ])
        .args(["-x", &width.to_string(), "-y", &height.to_string()]);
        for (k, v) in &env {
            tmux.arg("-e").arg(format!("{k}={v}"));
        }
        tmux.args([
            "sh",
            "-c",
            "\"$@\"; echo \"exit=$?\"; stty -a; exec sleep 600",
            "sh",
        ])
        .args(&command);
        let status = tmux.status().unwrap();
        assert!(status.success(), "tmux new-session failed");
        Self { socket }
    }

    fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "tmux {args:?}: {}",
            common::stderr(&out)
        );
        common::stdout(&out)
    }

    fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-t", "top"])
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "top"];
        args.extend_from_slice(keys);
        self.tmux(&args);
    }

    /// Polls the screen until `ok` says yes; fails with the last screen after [`HANG`].
    fn wait(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if ok(&screen) {
                return screen;
            }
            if start.elapsed() > HANG {
                panic!("never saw {what}; the screen:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Pane {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .status();
    }
}

/// Whether the screen's rows are in user order (case-insensitive), or reversed.
fn users_sorted(screen: &str, reversed: bool) -> bool {
    let users: Vec<String> = rows(screen)
        .iter()
        .map(|r| user_of(r).to_lowercase())
        .collect();
    users
        .windows(2)
        .all(|w| if reversed { w[0] >= w[1] } else { w[0] <= w[1] })
}

/// The table's rows: lines with two IP addresses (client and virtual) that are not a
/// disconnect's outcome (`user ip → ip on gateway: …`).
fn rows(screen: &str) -> Vec<String> {
    screen
        .lines()
        .filter(|l| {
            !l.contains('→')
                && l.split_whitespace()
                    .filter(|w| w.parse::<std::net::Ipv4Addr>().is_ok())
                    .count()
                    >= 2
        })
        .map(str::to_owned)
        .collect()
}

fn user_of(row: &str) -> String {
    row.split_whitespace()
        .find(|w| !matches!(*w, "*" | "+" | "?"))
        .unwrap_or_default()
        .to_owned()
}

fn vip(c: &p2c_vpn::Connection) -> String {
    c.as_api().client_virtual_ip.clone().unwrap()
}

#[test]
fn top_shows_sorts_filters_follows_the_mock_resizes_disconnects_and_restores() {
    if tmux_available().is_none() {
        return;
    }
    let live = Live::start(|b| {
        b.seed(5)
            .frozen_clock(common::frozen_at())
            .churn(1.0)
            .gateway("gw-alpha", 12)
            .gateway("gw-beta", 3)
    });
    let pane = Pane::start(
        &live,
        &[
            "--gateway",
            "gw-alpha",
            "--gateway",
            "gw-beta",
            "--interval",
            "200ms",
        ],
        160,
        45,
    );
    // Gateways with their gauges, and every connection.
    let screen = pane.wait("both gateways and 15 rows", |s| {
        s.contains("12 / ") && s.contains("3 / ") && rows(s).len() == 15
    });
    assert!(
        screen.lines().any(|l| l.starts_with("gw-alpha ▕")),
        "{screen}"
    );
    for c in live.connections("gw-beta") {
        assert!(screen.contains(&vip(&c)), "{} missing:\n{screen}", vip(&c));
    }

    // `1` sorts by user, again reverses.
    // A screen is read whole only once it is sorted: tmux may show a frame that is
    // still being drawn (the new header over some of the old rows), so the wait is for
    // the sorted table, and a sort that never comes is the hang guard's failure.
    pane.keys(&["1"]);
    pane.wait("15 rows sorted by user", |s| {
        s.contains("USER ↓") && rows(s).len() == 15 && users_sorted(s, false)
    });
    pane.keys(&["1"]);
    pane.wait("15 rows sorted by user, reversed", |s| {
        s.contains("USER ↑") && rows(s).len() == 15 && users_sorted(s, true)
    });

    // `/` filters by gateway.
    pane.keys(&["/", "g", "w", "-", "b", "e", "t", "a", "Enter"]);
    pane.wait("gw-beta's 3 rows only", |s| {
        let rows = rows(s);
        rows.len() == 3 && rows.iter().all(|r| r.contains("gw-beta"))
    });
    pane.keys(&["Escape"]);
    pane.wait("every row again", |s| rows(s).len() == 15);

    // A connection that leaves the mock leaves the screen at the next poll.
    let beta = live.connections("gw-beta");
    let gone = &beta[0];
    let client = live.client();
    live.rt
        .block_on(client.disconnect("gw-beta", gone.connection_id().unwrap()))
        .unwrap();
    pane.wait("the disconnected row gone", |s| {
        !s.contains(&format!(" {} ", vip(gone))) && s.contains("2 / ")
    });
    // One that joins appears: the mock's churn, one event per minute of its clock.
    let before: Vec<String> = live.connections("gw-beta").iter().map(vip).collect();
    let joined = (0..200)
        .find_map(|_| {
            live.server().advance(Duration::from_secs(60));
            let now = live.connections("gw-beta");
            now.iter().find(|c| !before.contains(&vip(c))).cloned()
        })
        .expect("the mock's churn adds a connection");
    let now = live.connections("gw-beta").len();
    pane.wait("the new row", |s| {
        s.contains(&format!(" {} ", vip(&joined))) && s.contains(&format!("{now} / "))
    });

    // 80×24: the identifying columns stay whole, lower ones go.
    pane.tmux(&["resize-window", "-t", "top", "-x", "80", "-y", "24"]);
    let screen = pane.wait("the narrow screen", |s| {
        s.lines().all(|l| l.chars().count() <= 80)
            && s.lines().count() <= 24
            && s.contains("USER")
            && !s.contains("OUT RATE")
            && rows(s).len() > 5
    });
    let header = screen
        .lines()
        .find(|l| l.trim_start().starts_with("USER"))
        .unwrap()
        .to_owned();
    for title in ["USER", "CLIENT IP", "VIRTUAL IP", "GATEWAY"] {
        assert!(header.contains(title), "{title} dropped:\n{screen}");
    }
    // Every row shows a connection's user, client IP, virtual IP and gateway whole.
    let mut known = Vec::new();
    for gateway in ["gw-alpha", "gw-beta"] {
        for c in live.connections(gateway) {
            let api = c.as_api();
            known.push(format!(
                "{} {} {} {gateway}",
                api.client_user_name.as_deref().unwrap(),
                api.client_ip.as_deref().unwrap(),
                vip(&c)
            ));
        }
    }
    let shown = rows(&screen);
    assert!(!shown.is_empty());
    for row in shown {
        let words: Vec<&str> = row
            .split_whitespace()
            .filter(|w| !matches!(*w, "+" | "*" | "?"))
            .collect();
        let identity = words[..4].join(" ");
        assert!(
            known.contains(&identity),
            "{identity:?} is not a whole connection:\n{screen}"
        );
    }

    // `d` asks, naming the connection; `y` disconnects it in the mock.
    pane.keys(&["1"]);
    let screen = pane.wait("sorted by user", |s| {
        s.contains("USER ↓") && !rows(s).is_empty() && users_sorted(s, false)
    });
    let first = rows(&screen)[0].clone();
    let first_user = user_of(&first);
    let disconnects = live.count(Operation::DeleteP2cVgwConnection);
    pane.keys(&["d"]);
    let screen = pane.wait("the confirmation", |s| {
        s.contains("Disconnect 1 connection?")
    });
    assert!(screen.contains(&format!("{first_user} ")), "{screen}");
    pane.keys(&["y"]);
    pane.wait("the outcome", |s| s.contains(": disconnected"));
    assert_eq!(
        live.count(Operation::DeleteP2cVgwConnection),
        disconnects + 1
    );

    // `q` quits and leaves the terminal as it was: no alternate screen, cooked mode.
    let on = pane.tmux(&["display-message", "-p", "-t", "top", "#{alternate_on}"]);
    assert_eq!(on.trim(), "1");
    pane.keys(&["q"]);
    let screen = pane.wait("the shell after top", |s| {
        s.contains("exit=0") && s.contains("icanon")
    });
    assert!(
        !screen.contains("-icanon") && !screen.contains("-echo "),
        "raw mode left on:\n{screen}"
    );
    let on = pane.tmux(&["display-message", "-p", "-t", "top", "#{alternate_on}"]);
    assert_eq!(on.trim(), "0");
}

#[test]
fn top_read_only_refuses_and_a_stopped_mock_shows_failed_with_stale_rows() {
    if tmux_available().is_none() {
        return;
    }
    let mut live = Live::start(|b| {
        b.seed(9)
            .frozen_clock(common::frozen_at())
            .gateway("gw-ro", 4)
    });
    let pane = Pane::start(
        &live,
        &["--gateway", "gw-ro", "--interval", "200ms", "--read-only"],
        120,
        30,
    );
    pane.wait("the rows", |s| rows(s).len() == 4);
    pane.keys(&["d"]);
    pane.wait("the refusal", |s| {
        s.contains("read-only (--read-only): disconnecting is turned off")
    });
    assert_eq!(live.count(Operation::DeleteP2cVgwConnection), 0);
    let users: Vec<String> = live
        .connections("gw-ro")
        .iter()
        .map(|c| c.user_name().unwrap().to_owned())
        .collect();

    live.stop();
    let screen = pane.wait("the failure banner", |s| s.contains("FAILED"));
    // NO_COLOR (set for every test run): attributes only, no colour.
    let styled = pane.tmux(&["capture-pane", "-e", "-p", "-t", "top"]);
    for sgr in styled.split("\x1b[").skip(1) {
        let params = sgr.split('m').next().unwrap_or_default();
        for p in params.split(';') {
            let n: u32 = p.parse().unwrap_or(0);
            // 39 and 49 are the default colours (resets), not colours.
            let colour = matches!(n, 30..=38 | 40..=48 | 90..=97 | 100..=107);
            assert!(!colour, "a colour ({params}) under NO_COLOR:\n{styled:?}");
        }
    }
    assert!(screen.contains("stale data from"), "{screen}");
    // The last data is kept (never zeros), each row flagged stale.
    assert!(screen.contains("4 / "), "{screen}");
    let rows = rows(&screen);
    assert_eq!(rows.len(), 4, "{screen}");
    assert!(rows.iter().all(|r| r.starts_with('?')), "{screen}");
    for u in users {
        assert!(screen.contains(&u), "{u} gone:\n{screen}");
    }

    // SIGTERM ends it with the terminal restored too.
    let pid = pane
        .tmux(&["display-message", "-p", "-t", "top", "#{pane_pid}"])
        .trim()
        .to_owned();
    // The shell's child (procfs; `kill` is the shell's own, no procps needed).
    let children = std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).unwrap();
    let top = children
        .split_whitespace()
        .next()
        .expect("p2c-vpn under the pane's shell");
    let killed = Command::new("sh")
        .args(["-c", &format!("kill -TERM {top}")])
        .status()
        .unwrap();
    assert!(killed.success());
    let screen = pane.wait("the shell after SIGTERM", |s| {
        s.contains("exit=") && s.contains("icanon")
    });
    assert!(!screen.contains("-icanon"), "raw mode left on:\n{screen}");
    let on = pane.tmux(&["display-message", "-p", "-t", "top", "#{alternate_on}"]);
    assert_eq!(on.trim(), "0");
}

#[test]
fn top_without_a_terminal_is_a_usage_error_pointing_to_watch() {
    let mock = common::Mock::deterministic();
    let out = mock
        .run(&["top"], &["--gateway", "gw-alpha"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = common::stderr(&out);
    assert!(err.contains("needs a terminal"), "{err}");
    assert!(err.contains("p2c-vpn connections watch"), "{err}");
    // Nothing was asked of the service.
    assert_eq!(mock.count(Operation::ListP2cVgwConnections), 0);
}
