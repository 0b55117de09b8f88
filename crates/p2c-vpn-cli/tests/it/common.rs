//! Shared test harness: a mock server on its own runtime, and the real binary pointed at it
//! with throw-away credentials and none of the developer's own.

#![allow(clippy::unwrap_used, dead_code)]

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use assert_cmd::Command;
use p2c_vpn_mock::{MockServer, MockServerBuilder};

/// How long a run of the binary may last before it is killed as hung: a hang guard, far
/// past any run on a loaded machine, not a time bound.
pub const HUNG: Duration = Duration::from_secs(60);

/// The frozen instant of deterministic servers: 2024-06-17T03:00:00Z.
pub fn frozen_at() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_718_593_200)
}

/// A running mock and the runtime that serves it (tests themselves are synchronous).
pub struct Mock {
    pub server: MockServer,
    // Dropped after the server (field order), so its shutdown can still run.
    rt: tokio::runtime::Runtime,
}

impl Mock {
    /// Starts the server built by `configure`.
    pub fn start(configure: impl FnOnce(MockServerBuilder) -> MockServerBuilder) -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let server = rt
            .block_on(configure(MockServer::builder()).start())
            .expect("mock starts");
        Self { server, rt }
    }

    /// A deterministic server: fixed seed, frozen clock, gateways `gw-alpha` (25
    /// connections) and `gw-beta` (3).
    pub fn deterministic() -> Self {
        Self::start(|b| {
            b.seed(7)
                .frozen_clock(frozen_at())
                .gateway("gw-alpha", 25)
                .gateway("gw-beta", 3)
        })
    }

    /// Runs `f` on the server's runtime (for async calls from a test).
    pub fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
    }

    /// `p2c-vpn` with the mock's credentials in the environment and `--endpoint` set by
    /// the caller through [`Mock::list`] and friends.
    pub fn cmd(&self) -> Command {
        let mut cmd = Command::from_std(self.std_cmd());
        // Killed if hung: a hang guard, not a time bound.
        cmd.timeout(HUNG);
        cmd
    }

    /// [`Mock::cmd`] as a plain `std::process::Command`.
    pub fn std_cmd(&self) -> std::process::Command {
        let mut cmd = std_cmd();
        let creds = self.server.credentials();
        cmd.env("HUAWEICLOUD_SDK_AK", creds.access_key())
            .env("HUAWEICLOUD_SDK_SK", p2c_vpn_mock::DEFAULT_SECRET_KEY)
            .env("HUAWEICLOUD_SDK_PROJECT_ID", self.server.project_id());
        cmd
    }

    /// `p2c-vpn connections list --endpoint <mock>` plus `args`.
    pub fn list(&self, args: &[&str]) -> Command {
        let mut cmd = self.cmd();
        cmd.args(["connections", "list", "--endpoint", self.server.base_url()])
            .args(args);
        cmd
    }

    /// `p2c-vpn connections watch --endpoint <mock>` plus `args`.
    pub fn watch(&self, args: &[&str]) -> Command {
        let mut cmd = self.cmd();
        cmd.args(["connections", "watch", "--endpoint", self.server.base_url()])
            .args(args);
        cmd
    }
}

impl Mock {
    /// `p2c-vpn <words...> --endpoint <mock>` plus `args`, e.g.
    /// `mock.run(&["gateways", "list"], &["-o", "json"])`.
    pub fn run(&self, words: &[&str], args: &[&str]) -> Command {
        let mut cmd = self.cmd();
        cmd.args(words)
            .args(["--endpoint", self.server.base_url()])
            .args(args);
        cmd
    }

    /// How many requests the mock received for `operation`.
    pub fn count(&self, operation: p2c_vpn_mock::Operation) -> usize {
        self.server
            .requests()
            .iter()
            .filter(|r| r.operation == Some(operation))
            .count()
    }

    /// The library client of the tests, with the mock's credentials and project.
    pub fn client(&self) -> p2c_vpn::Client {
        p2c_vpn::Client::builder()
            .endpoint(self.server.base_url())
            .project_id(self.server.project_id())
            .credentials(self.server.credentials())
            .build()
            .unwrap()
    }

    /// The connection IDs of a gateway now, through the library.
    pub fn connection_ids(&self, gateway: &str) -> Vec<String> {
        let client = self.client();
        self.block_on(client.connections(gateway).collect_all())
            .unwrap()
            .iter()
            .map(|c| c.connection_id().unwrap().to_string())
            .collect()
    }
}

/// `p2c-vpn` with no credentials at all: HOME is an empty directory, the credentials file
/// a path that does not exist, and no HUAWEICLOUD_* variable is inherited.
pub fn std_cmd() -> std::process::Command {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("p2c-vpn"));
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("HUAWEICLOUD_") {
            cmd.env_remove(name);
        }
    }
    let home = std::env::temp_dir().join("p2c-vpn-cli-tests-empty-home");
    std::fs::create_dir_all(&home).expect("temp home");
    cmd.env("HOME", &home)
        .env(
            "HUAWEICLOUD_SDK_CREDENTIALS_FILE",
            home.join("no-such-credentials-file"),
        )
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE")
        // Tables fit COLUMNS when it is set: the developer's must not reach golden files.
        .env_remove("COLUMNS");
    cmd
}

/// [`std_cmd`] as an `assert_cmd` command, killed if hung ([`HUNG`]).
pub fn bare_cmd() -> Command {
    let mut cmd = Command::from_std(std_cmd());
    cmd.timeout(HUNG);
    cmd
}

/// Compares `actual` with `tests/golden/<name>`; `UPDATE_GOLDEN=1` rewrites the file.
pub fn assert_golden(name: &str, actual: &str) {
    let path: PathBuf = [env!("CARGO_MANIFEST_DIR"), "tests", "golden", name]
        .iter()
        .collect();
    if std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1") {
        std::fs::write(&path, actual).expect("write golden file");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {}: {e} (run with UPDATE_GOLDEN=1 to create it)",
            path.display()
        )
    });
    assert!(
        expected == actual,
        "output differs from {} (UPDATE_GOLDEN=1 rewrites it)\n--- expected\n{expected}\n--- actual\n{actual}",
        path.display()
    );
}

/// stdout of a finished command as text.
pub fn stdout(output: &std::process::Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("utf-8 stdout")
}

/// stderr of a finished command as text.
pub fn stderr(output: &std::process::Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("utf-8 stderr")
}

/// Parses NDJSON.
pub fn ndjson(text: &str) -> Vec<serde_json::Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad JSON line {l:?}: {e}")))
        .collect()
}

/// Sends `SIG<name>` (`INT`, `TERM`) to `pid` with the shell's built-in `kill` (`sh` is on
/// every Unix; `/usr/bin/kill` is not on minimal images).
pub fn signal(pid: u32, name: &str) {
    let status = std::process::Command::new("sh")
        .args(["-c", "kill -s \"$1\" \"$2\"", "sh", name, &pid.to_string()])
        .status()
        .expect("sh runs");
    assert!(status.success(), "kill -s {name} {pid}: {status:?}");
}
