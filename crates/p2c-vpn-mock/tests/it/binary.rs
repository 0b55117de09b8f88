//! The `p2c-vpn-mock` binary: flags, startup banner, serving, clean exit on Ctrl-C.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_p2c-vpn-mock");

/// Kills the child if the test fails before it exits.
struct Guard(std::process::Child);

impl Drop for Guard {
    fn drop(&mut self) {
        if matches!(self.0.try_wait(), Ok(None)) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

#[test]
fn refuses_non_loopback_without_allow_remote() {
    let output = Command::new(BIN)
        .args(["--listen", "0.0.0.0:0"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--allow-remote"), "{stderr}");
}

#[test]
fn serves_until_interrupted() {
    let mut child = Guard(
        Command::new(BIN)
            .args([
                "--listen",
                "127.0.0.1:0",
                "--gateway",
                "gw-x:4",
                "--gateway",
                "gw-y:2,name=office,max=30",
                "--region",
                "eu-west-101",
                "--project-id",
                "proj",
                "--no-auth",
                "--seed",
                "3",
            ])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let stdout = child.0.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let mut banner = Vec::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        let done = line.contains("Ctrl-C");
        banner.push(line);
        if done {
            break;
        }
    }
    let banner = banner.join("\n");
    assert!(banner.contains("project id: proj"), "{banner}");
    assert!(
        banner.contains("gw-x (4 connections) name=p2c-vpngw-gw-x"),
        "{banner}"
    );
    assert!(
        banner.contains("gw-y (2 connections) name=office max=30"),
        "{banner}"
    );
    assert!(banner.contains("region:     eu-west-101"), "{banner}");
    assert!(banner.contains("export HUAWEICLOUD_SDK_AK="), "{banner}");
    let base = banner
        .lines()
        .find_map(|l| l.strip_prefix("p2c-vpn-mock listening on "))
        .unwrap()
        .to_owned();
    assert!(
        banner.contains(&format!("export HUAWEICLOUD_SDK_IAM_ENDPOINT={base}")),
        "{banner}"
    );
    let url = banner
        .lines()
        .find_map(|l| l.strip_prefix("curl "))
        .unwrap()
        .to_owned();

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    p2c_vpn_api::install_crypto_provider();
    let get = |url: String| {
        runtime.block_on(async {
            reqwest::Client::builder()
                // A hang guard, not a time bound.
                .timeout(Duration::from_secs(60))
                .build()
                .unwrap()
                .get(url)
                .send()
                .await
                .unwrap()
                .json::<serde_json::Value>()
                .await
                .unwrap()
        })
    };
    assert_eq!(get(url)["total_count"], 4);
    let projects = get(format!("{base}/v3/projects?name=eu-west-101"));
    assert_eq!(projects["projects"][0]["id"], "proj");
    let gateways = get(format!("{base}/v5/proj/p2c-vpn-gateways"));
    assert_eq!(gateways["total_count"], 2);

    // The shell's built-in `kill`: `/usr/bin/kill` is not on minimal images.
    let interrupted = Command::new("sh")
        .args(["-c", "kill -s INT \"$1\"", "sh", &child.0.id().to_string()])
        .status()
        .unwrap();
    assert!(interrupted.success());
    let status = child.0.wait().unwrap();
    assert!(status.success(), "{status:?}");
}
