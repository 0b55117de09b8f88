//! `cargo xtask public-api`: the rendering of a fixture crate (built with the pinned
//! toolchain's plain `rustdoc`, so the test needs no cargo lock), format-version checking,
//! and the committed snapshots.

use std::collections::HashMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use xtask::public_api;

/// Whether the pinned toolchain runs here. Without it (a machine with only another Rust
/// toolchain) the test says so on one line and passes, as tests needing a system program
/// do (`p2c_vpn_mock::system_tool`, which the xtask may not depend on), unless
/// `P2C_VPN_REQUIRE_SYSTEM_TOOLS=1` (`.ci/run`, which installs it) makes that a failure.
fn pinned_toolchain() -> bool {
    let runs = public_api::pinned("rustdoc")
        .arg("--version")
        .output()
        .is_ok_and(|out| out.status.success());
    if runs {
        return true;
    }
    let install = format!(
        "rustup toolchain install {} --profile minimal",
        public_api::PINNED_TOOLCHAIN
    );
    let test = std::thread::current().name().unwrap_or("a test").to_owned();
    assert!(
        std::env::var_os("P2C_VPN_REQUIRE_SYSTEM_TOOLS").is_none_or(|v| v != "1"),
        "{test}: the pinned toolchain {} does not run; {install}",
        public_api::PINNED_TOOLCHAIN
    );
    // Not `eprintln!`: the harness would capture it.
    let _ = writeln!(
        std::io::stderr().lock(),
        "SKIPPED {test}: needs the pinned toolchain {}; {install}",
        public_api::PINNED_TOOLCHAIN
    );
    false
}

/// The fixture crate's rustdoc JSON, or `None` (said on stderr) without the pinned toolchain.
fn fixture_json(dir: &Path) -> Option<PathBuf> {
    if !pinned_toolchain() {
        return None;
    }
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/public_api/lib.rs");
    let out = public_api::pinned("rustdoc")
        .args([
            "--edition",
            "2024",
            "--crate-type",
            "lib",
            "--crate-name",
            "fixture",
        ])
        .args(["-Z", "unstable-options", "--output-format", "json", "-o"])
        .arg(dir)
        .arg(&src)
        .output()
        .expect("run rustup");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(dir.join("fixture.json"))
}

fn render(json: &Path) -> String {
    public_api::render(json, &mut HashMap::new()).expect("renders")
}

#[test]
fn renders_a_fixture_crate_deterministically() {
    let dir = tempfile::tempdir().expect("tempdir");
    let Some(json) = fixture_json(dir.path()) else {
        return;
    };
    let text = render(&json);
    assert_eq!(text, render(&json), "deterministic");
    for line in [
        // Glob re-export of a private module: listed at the public path, private parts hidden.
        "pub struct fixture::Inner",
        "pub fixture::Inner::size: u64",
        "pub fn fixture::Inner::new(size: u64) -> Self",
        "pub fn fixture::Inner::is_secret(&self) -> bool",
        "impl core::marker::Send for fixture::Inner",
        "pub mod fixture::shapes",
        "#[non_exhaustive] pub enum fixture::shapes::Shape",
        "pub fixture::shapes::Shape::Point",
        "pub fixture::shapes::Shape::Circle(f64)",
        "pub fixture::shapes::Shape::Rect",
        "pub fixture::shapes::Shape::Rect::w: f64",
        "impl core::clone::Clone for fixture::shapes::Shape",
        "impl fixture::shapes::Area for fixture::shapes::Shape",
        "pub trait fixture::shapes::Area",
        "pub type fixture::shapes::Area::Out",
        "pub fn fixture::shapes::Area::area(&self) -> Self::Out",
        "pub fn fixture::largest<'a, T>(items: &'a [&'a T]) -> core::option::Option<&'a T> where T: core::fmt::Debug + core::cmp::PartialOrd + ?core::marker::Sized",
        "pub const fixture::LIMIT: usize",
        "pub type fixture::Res<T> = core::result::Result<T, alloc::string::String>",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "missing {line:?} in:\n{text}"
        );
    }
    assert!(
        !text.contains("private") && !text.contains("secret:"),
        "{text}"
    );
    assert!(
        !text.contains("hidden"),
        "private module path leaked:\n{text}"
    );
    assert!(
        !text.contains(&*dir.path().to_string_lossy()),
        "no machine paths"
    );
    // Blanket impls (From<T> for T, ...) are left out.
    assert!(!text.contains("impl<T> "), "{text}");
}

/// The pinned toolchain writes the one format `public-api` reads; any other is a clear
/// error naming the fix, never a silently skipped check.
#[test]
fn other_formats_are_a_clear_error_naming_the_fix() {
    let dir = tempfile::tempdir().expect("tempdir");
    let Some(json) = fixture_json(dir.path()) else {
        return;
    };
    let text = std::fs::read_to_string(&json).expect("read");
    let value: serde_json::Value = serde_json::from_str(&text).expect("json");
    assert_eq!(value["format_version"], public_api::PINNED_FORMAT);
    for format in [public_api::PINNED_FORMAT - 1, public_api::PINNED_FORMAT + 1] {
        let mut v = value.clone();
        v["format_version"] = serde_json::json!(format);
        std::fs::write(&json, v.to_string()).expect("write");
        let msg = public_api::render(&json, &mut HashMap::new())
            .expect_err("another format")
            .to_string();
        for part in [
            format!("JSON format {format}"),
            format!("reads format {}", public_api::PINNED_FORMAT),
            format!(
                "rustup toolchain install {} --profile minimal",
                public_api::PINNED_TOOLCHAIN
            ),
            "cargo xtask public-api".to_owned(),
        ] {
            assert!(msg.contains(&part), "{part:?} not in: {msg}");
        }
    }
    std::fs::write(&json, "{}").expect("write");
    let msg = public_api::render(&json, &mut HashMap::new())
        .expect_err("not rustdoc")
        .to_string();
    assert!(msg.contains("format_version"), "{msg}");
}

/// Only the stable auto traits: the lines do not change when a toolchain adds one
/// (Rust 1.95's unstable `UnsafeUnpin` and `Freeze` are synthesised too).
#[test]
fn only_stable_auto_traits_are_listed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let Some(json) = fixture_json(dir.path()) else {
        return;
    };
    let text = render(&json);
    for t in ["Send", "Sync", "Unpin", "UnwindSafe", "RefUnwindSafe"] {
        assert!(
            text.contains(&format!("impl core::marker::{t} for fixture::Inner"))
                || text.contains(&format!(
                    "impl core::panic::unwind_safe::{t} for fixture::Inner"
                )),
            "{t} missing:\n{text}"
        );
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("root");
    for (_, path) in public_api::CRATES {
        let snapshot = std::fs::read_to_string(root.join(path)).expect("snapshot");
        for unstable in public_api::UNSTABLE_AUTO_TRAITS {
            assert!(
                !text.contains(unstable) && !snapshot.contains(unstable),
                "{path}: {unstable}"
            );
        }
    }
}

#[test]
fn committed_snapshots_are_headed_and_sorted() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("root");
    for (_, path) in public_api::CRATES {
        let text = std::fs::read_to_string(root.join(path)).expect("snapshot committed");
        assert!(text.starts_with("# Public API of the `"), "{path}");
        assert!(text.contains("cargo xtask public-api"), "{path}");
        assert!(
            !text.contains("/work/") && !text.contains("/home/"),
            "{path}: machine path"
        );
    }
}

/// Every foreign type in `p2c-vpn`'s API is re-exported by it: each path of another crate in
/// its snapshot lies under a `pub use p2c_vpn::NAME = TARGET` line (or under a facade crate
/// it re-exports: `futures` for `futures_core`, `serde` for `serde_core`). Generated types
/// are reached only through `p2c_vpn::api`.
#[test]
fn every_foreign_type_of_p2c_vpn_is_re_exported() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("root");
    let text = std::fs::read_to_string(root.join("crates/p2c-vpn/public-api.txt")).expect("read");
    let facades = [("futures_core", "futures"), ("serde_core", "serde")];
    let targets: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("pub use p2c_vpn::"))
        .filter_map(|l| l.split_once(" = ").map(|(_, target)| target))
        .collect();
    let covered = |path: &str| {
        let krate = path.split("::").next().unwrap_or(path);
        targets
            .iter()
            .any(|t| path == *t || path.starts_with(&format!("{t}::")))
            || facades
                .iter()
                .any(|(inner, facade)| krate == *inner && targets.contains(facade))
    };
    let mut missing = Vec::new();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        // Paths as the renderer prints them: crate::...::Name.
        for word in line.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':')) {
            let word = word.trim_matches(':');
            let Some((krate, _)) = word.split_once("::") else {
                continue;
            };
            if ["p2c_vpn", "core", "alloc", "std"].contains(&krate) || line.starts_with("pub use ")
            {
                continue;
            }
            if !covered(word) {
                missing.push(format!("{word}   (in: {line})"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "foreign types not re-exported by p2c-vpn:\n{}",
        missing.join("\n")
    );
    // The rule bites: the generated types are covered only by `api`.
    assert!(targets.contains(&"p2c_vpn_api::types"));
    assert!(!covered("p2c_vpn_api::Client"));
}
