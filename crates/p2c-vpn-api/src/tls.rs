//! TLS: rustls with the `ring` crypto provider.
//!
//! reqwest is built with `rustls-no-provider`, so a `reqwest::Client` can be built only once
//! a process-wide rustls [`CryptoProvider`] is installed (reqwest panics otherwise). Every
//! way into this crate's clients goes through [`ClientState`](crate::ClientState), whose
//! constructors call [`install_crypto_provider`]; `p2c-vpn` calls it before it builds its
//! HTTP client. An application that installed its own provider first (aws-lc-rs, say)
//! keeps it.
//!
//! Why not reqwest's default (`rustls` = aws-lc-rs): aws-lc-sys compiles C that took 41 s
//! of a cold build on 2 cores, ring 15 s (BENCHMARKS.md "Cold start").

use rustls::crypto::CryptoProvider;

/// Installs rustls' `ring` provider as the process default unless a provider is already
/// installed. Cheap and idempotent; call it before building a `reqwest::Client` yourself.
pub fn install_crypto_provider() {
    if CryptoProvider::get_default().is_none() {
        // An error means another thread installed a provider in between: that one is used.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}
