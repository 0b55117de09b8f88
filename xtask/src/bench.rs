//! `cargo xtask bench`: whole-process comparisons, start-up and memory, by running
//! `xtask/scripts/compare.sh` (a script, not a test; numbers go in BENCHMARKS.md).
//!
//! - `compare`: hyperfine, `p2c-vpn connections list` vs `curl` vs Huawei's Python SDK
//!   (`xtask/scripts/sdk_list.py` in a venv from PyPI), one page of 500 and 10,000
//!   connections in 100 pages, against `p2c-vpn-mock --no-auth` (curl cannot sign), then
//!   against a static server (nginx, Debian's `nginx-light`, installed with apt-get when
//!   missing, serving pages the script generates from the mock): a server that does no
//!   work, so the second table's ratios are the clients' own cost (every output format).
//! - `static`: the static-server table only.
//! - `static-paired`: the static-server workloads timed by `xtask/scripts/paired.py`, each
//!   round running every command once in a shuffled order, ratios to curl taken within the
//!   round (for a machine whose speed drifts).
//! - `startup`: `p2c-vpn --help` and a list against a closed port with `--retries 0`.
//! - `memory`: peak RSS (`/usr/bin/time`) of `--all --output ndjson` for 10k/50k/100k
//!   connections.
//! - `cold-start`: the README's two commands on a fresh clone with an empty `target/`, wall
//!   time and `target/` size after each (not part of `all`: it takes minutes). To compare
//!   revisions, run the script itself with them alternated:
//!   `xtask/scripts/compare.sh cold-start OLD NEW OLD NEW`.

use std::path::Path;
use std::process::{Command, ExitCode};

/// Which measurements to run.
pub const MODES: [&str; 7] = [
    "compare",
    "static",
    "static-paired",
    "startup",
    "memory",
    "cold-start",
    "all",
];

/// Runs the script for `mode` with `runs` hyperfine runs; its output goes to the terminal.
pub fn run(root: &Path, mode: &str, runs: u32) -> ExitCode {
    if !MODES.contains(&mode) {
        eprintln!(
            "error: unknown bench mode {mode:?} (one of {})",
            MODES.join(", ")
        );
        return ExitCode::from(2);
    }
    let script = root.join("xtask/scripts/compare.sh");
    match Command::new("bash")
        .arg(&script)
        .arg(mode)
        .env("RUNS", runs.to_string())
        .current_dir(root)
        .status()
    {
        Ok(status) if status.success() => ExitCode::SUCCESS,
        Ok(status) => {
            eprintln!("error: {} {mode} failed: {status}", script.display());
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("error: cannot run {}: {e}", script.display());
            ExitCode::FAILURE
        }
    }
}
