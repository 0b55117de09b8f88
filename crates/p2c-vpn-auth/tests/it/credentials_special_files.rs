//! Issue #24: a credentials file that is a FIFO, a device or a directory is
//! refused at once (its type is checked before it is opened), and a file that
//! is not needed is not opened at all. A FIFO that were opened would block the
//! test thread forever: each case runs on its own thread, and the generous
//! `recv_timeout` below only detects such a hang (it asserts nothing about
//! speed).
#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use p2c_vpn_auth::{
    Credentials, CredentialsChain, CredentialsError, ENV_AK, ENV_CREDENTIALS_FILE, ENV_SK,
};

/// Hang detector only: far above anything a refused file needs.
const HANG: Duration = Duration::from_secs(120);

fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + Send + Sync + 'static {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |k: &str| map.get(k).cloned()
}

fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs");
    assert!(status.success(), "mkfifo {}", path.display());
}

/// Runs `work` on its own thread; panics (naming `what`) if it never returns.
fn without_hanging<T: Send + 'static>(what: &str, work: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(work());
    });
    rx.recv_timeout(HANG)
        .unwrap_or_else(|_| panic!("{what}: still blocked after {HANG:?} (the FIFO was opened)"))
}

/// A home directory whose `.huaweicloud/credentials` is a FIFO.
fn home_with_fifo() -> (tempfile::TempDir, PathBuf) {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join(".huaweicloud");
    std::fs::create_dir(&dir).unwrap();
    let fifo = dir.join("credentials");
    mkfifo(&fifo);
    (home, fifo)
}

#[test]
fn a_fifo_is_refused_without_blocking() {
    let (_home, fifo) = home_with_fifo();
    let path = fifo.clone();
    let e = without_hanging("Credentials::from_file(FIFO)", move || {
        Credentials::from_file(&path).unwrap_err()
    });
    assert!(matches!(e, CredentialsError::Io { .. }), "{e:?}");
    assert_eq!(
        e.to_string(),
        format!(
            "cannot read credentials file {}: it is a FIFO (named pipe), not a regular file",
            fifo.display()
        )
    );

    // Named by the variable, for the AK/SK: the same error.
    let path = fifo.display().to_string();
    let e = without_hanging("the chain with the FIFO named by the variable", move || {
        CredentialsChain::default()
            .with_env_lookup(env(&[(ENV_CREDENTIALS_FILE, &path)]))
            .resolve()
            .unwrap_err()
    });
    assert!(e.to_string().contains("FIFO"), "{e}");
}

#[test]
fn a_fifo_at_the_default_place_read_for_the_project_is_refused() {
    // AK/SK in the environment, no project ID anywhere else: the file is read
    // for the project ID, and a FIFO there is an error, not a hang.
    let (home, _fifo) = home_with_fifo();
    let home = home.path().to_owned();
    let e = without_hanging("the chain reading the FIFO for the project", move || {
        CredentialsChain::default()
            .with_env_lookup(env(&[(ENV_AK, "ENVAK"), (ENV_SK, "ENVSK")]))
            .with_home_dir(Some(home))
            .resolve()
            .unwrap_err()
    });
    assert!(e.to_string().contains("FIFO (named pipe)"), "{e}");
}

#[test]
fn the_file_is_not_opened_when_the_environment_and_the_project_id_suffice() {
    // The default file is a FIFO: reading it would fail (and opening it
    // without the type check would block), so success proves it was not read.
    let (home, fifo) = home_with_fifo();
    let home_dir = home.path().to_owned();
    let c = without_hanging("the chain with everything given", move || {
        CredentialsChain::default()
            .with_env_lookup(env(&[(ENV_AK, "ENVAK"), (ENV_SK, "ENVSK")]))
            .with_project_id(Some("P".to_owned()))
            .with_home_dir(Some(home_dir))
            .resolve()
            .unwrap()
    });
    assert_eq!((c.access_key(), c.project_id()), ("ENVAK", Some("P")));

    // Also when named explicitly (by the variable or `with_file`).
    let path = fifo.display().to_string();
    let c = without_hanging("the chain with the FIFO named but not needed", move || {
        CredentialsChain::default()
            .with_env_lookup(env(&[
                (ENV_AK, "ENVAK"),
                (ENV_SK, "ENVSK"),
                (ENV_CREDENTIALS_FILE, &path),
            ]))
            .with_project_id(Some("P".to_owned()))
            .resolve()
            .unwrap()
    });
    assert_eq!(c.project_id(), Some("P"));
}

#[test]
fn devices_are_refused_by_type() {
    for (device, what) in [
        ("/dev/null", "a character device"),
        ("/dev/zero", "a character device"),
    ] {
        if !Path::new(device).exists() {
            continue;
        }
        let e = Credentials::from_file(Path::new(device)).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("cannot read credentials file {device}: it is {what}, not a regular file")
        );
    }
}

#[test]
fn a_link_to_a_regular_file_is_still_read() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real");
    std::fs::write(&real, "[basic]\nak = AK\nsk = SK\n").unwrap();
    let link = dir.path().join("link");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let c = Credentials::from_file(&link).unwrap();
    assert_eq!(c.access_key(), "AK");
}
