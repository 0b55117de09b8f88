//! reqwest is built without a default rustls provider (`rustls-no-provider`): building a
//! `reqwest::Client` with none installed panics. Every constructor of `ClientState`
//! installs ring, so the generated `Client::new` works in a fresh process. Other tests of
//! this binary install a provider first, so the check runs in a child process of this test
//! binary that runs this one test alone.

use std::process::Command;

use p2c_vpn_api::{Client, ClientState};

/// Set in the child: the process that checks.
const CHILD: &str = "P2C_VPN_TLS_PROVIDER_CHILD";

#[test]
fn generated_client_new_works_in_a_fresh_process() {
    let out = Command::new(std::env::current_exe().expect("test binary"))
        .args(["--exact", "tls_provider::fresh_process", "--nocapture"])
        .env(CHILD, "1")
        .output()
        .expect("child ran");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("1 passed"), "{stdout}");
}

/// The check itself; does nothing unless run as the child above.
#[test]
fn fresh_process() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    assert!(rustls::crypto::CryptoProvider::get_default().is_none());
    let client = Client::new("https://vpn.example.invalid", ClientState::new());
    let _ = client;
    let provider = rustls::crypto::CryptoProvider::get_default().expect("a provider is installed");
    assert!(
        provider
            .cipher_suites
            .iter()
            .any(|s| format!("{s:?}").contains("TLS13")),
        "the installed provider offers TLS 1.3"
    );
}
