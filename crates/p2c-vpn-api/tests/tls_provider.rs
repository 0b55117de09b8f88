//! reqwest is built without a default rustls provider (`rustls-no-provider`): building a
//! `reqwest::Client` with none installed panics. Every constructor of `ClientState`
//! installs ring, so the generated `Client::new` works in a fresh process. This file has a
//! single test so nothing else in its process installed a provider first.

use p2c_vpn_api::{Client, ClientState};

#[test]
fn generated_client_new_works_in_a_fresh_process() {
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
