//! Maintainer tasks for the p2c-vpn workspace, run as `cargo xtask <task>`.
//!
//! The data path is spec → xtask → generated code: [`spec`] loads and validates each spec
//! in `openapi/`, [`regen`] turns them into `crates/p2c-vpn-api/src/generated/` (one module
//! per spec). For reviews, [`diff`] classifies the changes between two versions of the specs and
//! [`public_api`] keeps a snapshot of the crates' public API.

pub mod bench;
pub mod diff;
pub mod public_api;
pub mod regen;
pub mod spec;

use std::path::{Path, PathBuf};

/// The target directory of the workspace at `root`: `CARGO_TARGET_DIR` (relative to
/// `root` when relative), else `root/target`.
pub fn target_dir(root: &Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => root.join(dir),
        _ => root.join("target"),
    }
}

/// The workspace root: the parent of xtask's manifest directory as `cargo run` reports it
/// at run time (not at build time: a binary built for one checkout must not edit another),
/// else the nearest ancestor of the current directory that holds the spec.
pub fn workspace_root() -> PathBuf {
    if let Some(parent) = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .and_then(|dir| dir.parent().map(PathBuf::from))
    {
        return parent;
    }
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    cwd.ancestors()
        .find(|dir| dir.join(regen::SPEC_PATH).is_file())
        .map(PathBuf::from)
        .unwrap_or(cwd)
}
