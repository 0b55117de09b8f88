//! The CLI's integration tests (the real binary; `hostile_memory` stays apart: it measures the peak memory of child processes): one test binary instead of 10, so the test code and the
//! generic code it instantiates (tokio, reqwest, axum, serde) are compiled and linked once
//! (BENCHMARKS.md "Cold start"). Each module is one former `tests/NAME.rs`; run one with
//! `cargo test -p p2c-vpn-cli --test it NAME::`.

mod common;
mod connections;
mod disconnect;
mod exporter;
mod gateways;
mod hostile_output;
mod list;
mod niceties;
mod table_width;
mod watch;
mod watch_gateways;
