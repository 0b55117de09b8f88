//! A credentials file that group or others can access is read with a
//! warning (like ssh's), captured here with a scoped tracing subscriber. In
//! its own test binary: tracing's per-callsite interest cache is process-wide.
#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::os::unix::fs::PermissionsExt as _;
use std::sync::{Arc, Mutex};

use p2c_vpn_auth::Credentials;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// What `f` logs at WARN and above.
fn warnings(f: impl FnOnce()) -> String {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::WARN)
        .with_ansi(false)
        .without_time()
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::with_default(subscriber, f);
    let bytes = captured.0.lock().unwrap().clone();
    String::from_utf8(bytes).unwrap()
}

#[test]
fn a_file_readable_by_group_or_others_gets_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("credentials");
    std::fs::write(&p, "[basic]\nak = AK\nsk = PERMSECRET\n").unwrap();

    for mode in [0o644, 0o640, 0o604, 0o660] {
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
        let logged = warnings(|| {
            Credentials::from_file(&p).unwrap();
        });
        assert!(logged.contains("WARN"), "{mode:o}: {logged}");
        assert!(logged.contains(&p.display().to_string()), "{logged}");
        assert!(logged.contains(&format!("mode {mode:04o}")), "{logged}");
        assert!(
            logged.contains(&format!("chmod 600 {}", p.display())),
            "{logged}"
        );
        assert!(!logged.contains("PERMSECRET"), "{logged}");
    }

    for mode in [0o600, 0o400] {
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
        let logged = warnings(|| {
            Credentials::from_file(&p).unwrap();
        });
        assert_eq!(logged, "", "{mode:o}");
    }

    // Devices are not credentials files to chmod: no warning, just the cap.
    let logged = warnings(|| {
        Credentials::from_file(std::path::Path::new("/dev/zero")).unwrap_err();
    });
    assert_eq!(logged, "");
}
