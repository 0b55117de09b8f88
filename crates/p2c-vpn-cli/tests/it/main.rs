//! The CLI's integration tests (the real binary; `hostile_memory` stays apart: it measures the peak memory of child processes): one test binary instead of 10, so the test code and the
//! generic code it instantiates (tokio, reqwest, axum, serde) are compiled and linked once
//! (BENCHMARKS.md "Cold start"). Each module is one former `tests/NAME.rs`; run one with
//! `cargo test -p p2c-vpn-cli --test it NAME::`.

mod commands;
mod common;
mod completions;
mod connections;
mod credentials_file;
mod disconnect;
mod exporter;
mod exporter_hostile;
mod gateways;
mod hostile_output;
mod list;
mod log_config;
mod man_pages;
mod mock_banner;
mod niceties;
mod quiet;
mod system_tools;
mod table_width;
mod top;
mod watch;
mod watch_gateways;
