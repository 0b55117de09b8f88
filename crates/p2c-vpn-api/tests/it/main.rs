//! p2c-vpn-api's integration tests: one test binary, so the generic code they instantiate
//! (tokio, reqwest, wiremock, serde) is compiled and linked once (ARCHITECTURE.md "Tests").
//! Each module is one former `tests/NAME.rs`; run one with
//! `cargo test -p p2c-vpn-api --test it NAME::`.
//!
//! `tls_provider` checks a fresh process with no rustls provider installed (another test
//! would install one first), so it re-runs one of its tests alone in a child process.

mod doc_example;
mod report;
mod schema_conformance;
mod signed_e2e;
mod tls_provider;
