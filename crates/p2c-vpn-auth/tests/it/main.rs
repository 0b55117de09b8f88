//! The signing and credentials integration tests: one test binary instead of 5, so the test code and the
//! generic code it instantiates (tokio, reqwest, axum, serde) are compiled and linked once
//! (BENCHMARKS.md "Cold start"). Each module is one former `tests/NAME.rs`; run one with
//! `cargo test -p p2c-vpn-auth --test it NAME::`.

mod credentials;
mod credentials_hardening;
mod credentials_permissions;
mod credentials_special_files;
mod official_vectors;
mod proptest_sign;
