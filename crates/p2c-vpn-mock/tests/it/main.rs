//! The mock's integration tests: one test binary instead of 16, so the test code and the
//! generic code it instantiates (tokio, reqwest, axum, serde) are compiled and linked once
//! (BENCHMARKS.md "Cold start"). Each module is one former `tests/NAME.rs`; run one with
//! `cargo test -p p2c-vpn-mock --test it NAME::`.

mod auth;
mod binary;
mod churn;
mod common;
mod counters;
mod determinism;
mod disconnect;
mod errors;
mod faults;
mod gateways;
mod iam;
mod lifecycle;
mod log_config;
mod operation_faults;
mod paging;
mod recording;
mod request_id;
mod times;
