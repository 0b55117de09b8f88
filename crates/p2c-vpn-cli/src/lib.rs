//! The `p2c-vpn` command line's definitions ([`cli`]: clap's `Cli` and the value parsers
//! of its flags), as a library so that the `cli_parse` fuzz target
//! (`crates/p2c-vpn-fuzz`) parses an argv with exactly the code the binary runs.
//!
//! Not an API for other crates: the crate is not published, and what it promises is the
//! command line itself (command, flag and value names). The binary, `src/main.rs`, is the
//! product; this library holds no more than the fuzz target needs.

pub mod cli;
