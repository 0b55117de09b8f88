//! Feature unification for the p2c-vpn workspace, managed by `cargo hakari`: no code. Its
//! dependencies (generated into its `Cargo.toml`) turn on, in `cargo run -p p2c-vpn-cli`, every
//! feature that `cargo test --workspace` turns on, so the two builds share their artifacts.
