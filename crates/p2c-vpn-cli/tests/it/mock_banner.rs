//! The `p2c-vpn-mock` binary's banner: its block, pasted into a shell with `p2c-vpn` on
//! PATH and no other setting, lists the mock's gateways and connections.

#![allow(clippy::unwrap_used)]

use std::io::{BufRead as _, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

/// Kills the mock when the test ends, whatever happened.
struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The `p2c-vpn-mock` binary, built now: `cargo test` builds the binaries of the packages
/// it tests only, and a binary left over from another build could be stale. With
/// `--workspace` the features are those `cargo test --workspace` unifies, so after it this
/// build has nothing to do.
fn mock_binary() -> PathBuf {
    let cargo = std::env::var_os("CARGO")
        .or_else(|| option_env!("CARGO").map(Into::into))
        .unwrap_or_else(|| "cargo".into());
    let mut build = Command::new(cargo);
    // Without the variables cargo sets for this test process: build scripts that watch one
    // (ring's watches CARGO_MANIFEST_DIR) would run again, and rebuild what depends on them
    // twice, here and in the next `cargo test`.
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        let set_for_tests = ["CARGO_MANIFEST_", "CARGO_PKG_", "CARGO_BIN_"]
            .iter()
            .any(|prefix| name.starts_with(prefix))
            || [
                "CARGO_CRATE_NAME",
                "CARGO_PRIMARY_PACKAGE",
                "CARGO_TARGET_TMPDIR",
                "CARGO_RUSTC_CURRENT_DIR",
                "OUT_DIR",
            ]
            .contains(&name.as_ref());
        if set_for_tests {
            build.env_remove(name.as_ref());
        }
    }
    build
        .args(["build", "--offline", "--workspace", "--bin", "p2c-vpn-mock"])
        .args(["--message-format", "json-render-diagnostics"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stderr(Stdio::inherit());
    if !cfg!(debug_assertions) {
        build.arg("--release");
    }
    let out = build.output().expect("cargo runs");
    assert!(out.status.success(), "cargo build -p p2c-vpn-mock: {out:?}");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == "p2c-vpn-mock")
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
        .expect("cargo names the mock's executable")
}

/// Between the block's output and the test's own command's.
const MARK: &str = "--- end of the block ---";

#[test]
fn the_pasted_block_works() {
    let mut mock = Running(
        Command::new(mock_binary())
            .args(["--listen", "127.0.0.1:0", "--churn", "0", "--seed", "5"])
            .args([
                "--gateway",
                "gw-office:4,name=office",
                "--gateway",
                "gw-lab:2",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap(),
    );
    let mut banner = Vec::new();
    for line in BufReader::new(mock.0.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        let done = line.contains("Ctrl-C to stop");
        banner.push(line);
        if done {
            break;
        }
    }
    let text = banner.join("\n");
    // The block: from the first `export` to the blank line after it.
    let block: Vec<&str> = banner
        .iter()
        .skip_while(|l| !l.starts_with("export "))
        .take_while(|l| !l.is_empty())
        .map(String::as_str)
        .collect();
    assert!(
        block
            .iter()
            .any(|l| l.starts_with("export HUAWEICLOUD_SDK_ENDPOINT=http://127.0.0.1:")),
        "{text}"
    );
    assert!(
        !text.lines().any(|l| l.starts_with("curl ")),
        "no unsigned curl line when the mock checks signatures: {text}"
    );

    // What a user pastes, then one command of their own.
    let script = format!(
        "set -e\n{}\necho '{MARK}'\np2c-vpn connections list --gateway office -o json\n",
        block.join("\n")
    );
    let cli = assert_cmd::cargo::cargo_bin("p2c-vpn");
    let path = std::env::join_paths(std::iter::once(cli.parent().unwrap().to_path_buf()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .unwrap();
    // Nothing of the caller's (no HUAWEICLOUD_* variable, an empty HOME, no credentials
    // file): the block alone must be enough.
    let mut sh = Command::new("sh");
    for (name, value) in crate::common::std_cmd().get_envs() {
        match value {
            Some(value) => sh.env(name, value),
            None => sh.env_remove(name),
        };
    }
    sh.env("PATH", path).args(["-c", &script]);
    let out = assert_cmd::Command::from_std(sh)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{script}\n{stdout}\n{stderr}");
    let (table, json) = stdout.split_once(MARK).expect("the marker");
    // The block's own `p2c-vpn gateways list`.
    assert!(table.contains("office"), "{stdout}");
    let listing: serde_json::Value = serde_json::from_str(json.trim()).unwrap();
    assert_eq!(listing["total_count"], 4, "{listing}");
    assert!(stderr.is_empty(), "{stderr}");
}
