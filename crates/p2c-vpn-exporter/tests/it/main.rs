//! The exporter's integration tests: one test binary (ARCHITECTURE.md "Tests"). Each module
//! is one former `tests/NAME.rs`; run one with `cargo test -p p2c-vpn-exporter --test it
//! NAME::`. `prometheus` needs Debian's `prometheus` package (prometheus, promtool): without
//! it its tests print `SKIPPED …` and pass, unless `P2C_VPN_REQUIRE_SYSTEM_TOOLS=1`.

mod common;
mod exporter;
mod failures;
mod hostile;
mod prometheus;
