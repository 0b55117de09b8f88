//! Issue #24: the credentials file is read only when something is still missing, and a
//! FIFO or a directory there is refused at once. The default file of these tests
//! (`$HOME/.huaweicloud/credentials`) is a FIFO or a directory: opening the FIFO would
//! block the command forever (the 120 s kill is only a hang detector), reading either
//! fails, so a success proves the file was not read.

#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::time::Duration;

use crate::common::Mock;
use assert_cmd::Command;

/// The mock's AK/SK in the environment, no project ID there, and `home` as HOME (its
/// default credentials file is the one used).
fn cmd(mock: &Mock, home: &Path) -> Command {
    let mut std = mock.std_cmd();
    std.env_remove("HUAWEICLOUD_SDK_PROJECT_ID")
        .env_remove("HUAWEICLOUD_SDK_CREDENTIALS_FILE")
        .env("HOME", home);
    let mut cmd = Command::from_std(std);
    cmd.timeout(Duration::from_secs(120));
    cmd
}

/// A HOME whose `.huaweicloud/credentials` is made by `make`.
fn home(make: impl FnOnce(&Path)) -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join(".huaweicloud");
    std::fs::create_dir(&dir).unwrap();
    make(&dir.join("credentials"));
    home
}

fn fifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn not_opened_when_the_environment_and_project_id_give_everything() {
    let mock = Mock::deterministic();
    let project = mock.server.project_id().to_owned();
    for (what, make) in [
        ("a FIFO", fifo as fn(&Path)),
        ("a directory", |p: &Path| std::fs::create_dir(p).unwrap()),
    ] {
        let home = home(make);
        let output = cmd(&mock, home.path())
            .args(["gateways", "list", "--endpoint", mock.server.base_url()])
            .args(["--project-id", &project])
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{what}: {output:?}");
        assert!(
            stdout.contains("gw-alpha") && stdout.contains("gw-beta"),
            "{what}: {stdout}"
        );
        assert!(!stderr.contains("credentials file"), "{what}: {stderr}");
    }
}

#[test]
fn a_fifo_read_for_the_project_id_is_refused_not_waited_on() {
    let mock = Mock::deterministic();
    let home = home(fifo);
    let output = cmd(&mock, home.path())
        .args(["gateways", "list", "--endpoint", mock.server.base_url()])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("it is a FIFO (named pipe), not a regular file"),
        "{stderr}"
    );
}
