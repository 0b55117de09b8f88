//! The xtask's integration tests (specs, regen, diff, public API): one test binary instead of 5, so the test code and the
//! generic code it instantiates (tokio, reqwest, axum, serde) are compiled and linked once
//! (BENCHMARKS.md "Cold start"). Each module is one former `tests/NAME.rs`; run one with
//! `cargo test -p xtask --test it NAME::`.

mod diff;
mod public_api;
mod regen;
mod spec_lint;
mod spec_validation;
