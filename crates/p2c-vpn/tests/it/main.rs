//! Integration tests of `p2c-vpn` against wiremock (apart: `proxy` and `project_lookup` re-run themselves in child processes with their own environment, `tracing_spans` installs a global subscriber, `against_mock` and `fault_matrix` need the unpublished mock and are left out of the package): one test binary instead of 8, so the test code and the
//! generic code it instantiates (tokio, reqwest, axum, serde) are compiled and linked once
//! (BENCHMARKS.md "Cold start"). Each module is one former `tests/NAME.rs`; run one with
//! `cargo test -p p2c-vpn --test it NAME::`.

mod call_report;
#[path = "../common/mod.rs"]
mod common;
mod disconnect;
mod errors;
mod gateways;
mod hostile_server;
mod listing_limits;
mod log_config;
mod names;
mod paging;
mod retries;
mod tls;
