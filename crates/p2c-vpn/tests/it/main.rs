//! Integration tests of `p2c-vpn`: one test binary instead of 13, so the test code and the
//! generic code it instantiates (tokio, reqwest, axum, serde) are compiled and linked once
//! (BENCHMARKS.md "Cold start"). Each module is one former `tests/NAME.rs`; run one with
//! `cargo test -p p2c-vpn --test it NAME::`.
//!
//! - `proxy` and `project_lookup` re-run one of their own tests in a child process of this
//!   binary (`--exact MODULE::TEST`) with its own environment (the proxy variables, the IAM
//!   endpoint), which is process-wide.
//! - `tracing_spans` installs its subscriber for its own thread only
//!   (`tracing::subscriber::set_default`), so it shares the process with the rest.
//! - `against_mock` and `fault_matrix` run against `p2c-vpn-mock`, published beside this
//!   crate.

mod against_mock;
mod call_report;
#[path = "../common/mod.rs"]
mod common;
mod disconnect;
mod errors;
mod fault_matrix;
mod gateways;
mod hostile_server;
mod listing_limits;
mod log_config;
mod names;
mod paging;
mod project_lookup;
mod proxy;
mod retries;
mod tls;
mod tracing_spans;
