//! `cargo xtask public-api`: the renderer on a fixture crate (built with plain `rustdoc`,
//! so the test needs no cargo lock), format-version checking, and the committed snapshots.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use xtask::public_api;

fn fixture_json(dir: &Path) -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/public_api/lib.rs");
    let rustdoc = std::env::var_os("RUSTDOC").unwrap_or_else(|| "rustdoc".into());
    let out = Command::new(rustdoc)
        .env("RUSTC_BOOTSTRAP", "1")
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
        .expect("run rustdoc");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir.join("fixture.json")
}

#[test]
fn renders_a_fixture_crate_deterministically() {
    let dir = tempfile::tempdir().expect("tempdir");
    let json = fixture_json(dir.path());
    let krate = public_api::read_json(&json).expect("format matches rustdoc-types");
    let text = public_api::render(&krate, &mut HashMap::new());
    let again = public_api::render(&krate, &mut HashMap::new());
    assert_eq!(text, again, "deterministic");
    for line in [
        // Glob re-export of a private module: listed at the public path, private parts hidden.
        "pub struct fixture::Inner { .. }",
        "pub fixture::Inner::size: u64",
        "pub fn fixture::Inner::new(size: u64) -> Self",
        "pub fn fixture::Inner::is_secret(&self) -> bool",
        "impl core::marker::Send for fixture::Inner",
        "pub mod fixture::shapes",
        "#[non_exhaustive] pub enum fixture::shapes::Shape",
        "pub fixture::shapes::Shape::Point",
        "pub fixture::shapes::Shape::Circle(f64)",
        "pub fixture::shapes::Shape::Rect { w: f64, h: f64 }",
        "impl core::clone::Clone for fixture::shapes::Shape",
        "impl fixture::shapes::Area for fixture::shapes::Shape",
        "pub trait fixture::shapes::Area",
        "pub type fixture::shapes::Area::Out",
        "pub fn fixture::shapes::Area::area(&self) -> <Self as fixture::shapes::Area>::Out",
        // rustdoc moves inline bounds into the where clause.
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

/// What a later rustdoc adds to format-57 JSON, per format (from the `rustdoc-types`
/// changelog): 58 `Item::stability`, 59 `Item::const_stability`, 60 `default_unstable` on
/// functions, associated consts and types. Filled with values, not nulls, so the decoder
/// really reads them.
fn as_format(mut value: serde_json::Value, format: u64) -> serde_json::Value {
    value["format_version"] = serde_json::json!(format);
    let index = value["index"].as_object_mut().expect("index");
    for item in index.values_mut() {
        if format >= 58 {
            item["stability"] = serde_json::json!({
                "feature": "fixture", "level": {"stable": {"since": "1.0.0"}}
            });
        }
        if format >= 59 {
            item["const_stability"] =
                serde_json::json!({"feature": "fixture", "level": "unstable"});
        }
        if format >= 60 {
            let inner = item["inner"].as_object_mut().expect("inner");
            for (kind, body) in inner.iter_mut() {
                if matches!(kind.as_str(), "function" | "assoc_const" | "assoc_type") {
                    body["default_unstable"] = serde_json::json!({"feature": "fixture"});
                }
            }
        }
    }
    value
}

/// CI survives a toolchain update: every format from the oldest read (Rust 1.95's) to the
/// decoder's own renders the very same text, so a newer stable Rust changes nothing.
#[test]
fn every_supported_format_renders_the_same_snapshot() {
    let dir = tempfile::tempdir().expect("tempdir");
    let json = fixture_json(dir.path());
    let original: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("read")).expect("json");
    let written = original["format_version"].as_u64().expect("format_version");
    assert!(
        (u64::from(public_api::OLDEST_FORMAT)..=u64::from(rustdoc_types::FORMAT_VERSION))
            .contains(&written),
        "this toolchain's rustdoc writes format {written}, outside what the xtask reads"
    );
    let expected = public_api::render(
        &public_api::read_json(&json).expect("this toolchain's format"),
        &mut HashMap::new(),
    );
    let formats = public_api::OLDEST_FORMAT..=rustdoc_types::FORMAT_VERSION;
    assert!(formats.clone().count() >= 5, "57 to 61 at least");
    for format in formats {
        let path = dir.path().join(format!("format-{format}.json"));
        let value = as_format(original.clone(), u64::from(format));
        std::fs::write(&path, value.to_string()).expect("write");
        let krate =
            public_api::read_json(&path).unwrap_or_else(|e| panic!("format {format} is read: {e}"));
        assert_eq!(
            public_api::render(&krate, &mut HashMap::new()),
            expected,
            "format {format} renders differently"
        );
    }
}

#[test]
fn formats_outside_the_range_are_a_clear_error_naming_the_fix() {
    let dir = tempfile::tempdir().expect("tempdir");
    let json = fixture_json(dir.path());
    let text = std::fs::read_to_string(&json).expect("read");
    let value: serde_json::Value = serde_json::from_str(&text).expect("json");

    let newer = rustdoc_types::FORMAT_VERSION + 1;
    let mut v = value.clone();
    v["format_version"] = serde_json::json!(newer);
    std::fs::write(&json, v.to_string()).expect("write");
    let msg = public_api::read_json(&json)
        .expect_err("newer format")
        .to_string();
    for part in [
        format!("JSON format {newer}"),
        format!(
            "formats {} to {}",
            public_api::OLDEST_FORMAT,
            rustdoc_types::FORMAT_VERSION
        ),
        format!(
            "set `rustdoc-types` in the workspace Cargo.toml to the release whose FORMAT_VERSION is {newer}"
        ),
        "cargo xtask public-api".to_owned(),
    ] {
        assert!(msg.contains(&part), "{part:?} not in: {msg}");
    }

    let mut v = value;
    v["format_version"] = serde_json::json!(public_api::OLDEST_FORMAT - 1);
    std::fs::write(&json, v.to_string()).expect("write");
    let msg = public_api::read_json(&json)
        .expect_err("older format")
        .to_string();
    assert!(msg.contains("use a newer Rust"), "{msg}");

    std::fs::write(&json, "{}").expect("write");
    let msg = public_api::read_json(&json)
        .expect_err("not rustdoc")
        .to_string();
    assert!(msg.contains("format_version"), "{msg}");
}

/// Only the stable auto traits: the lines do not change when a toolchain adds one
/// (Rust 1.95's unstable `UnsafeUnpin` and `Freeze` are synthesised too).
#[test]
fn only_stable_auto_traits_are_listed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let krate = public_api::read_json(&fixture_json(dir.path())).expect("read");
    let text = public_api::render(&krate, &mut HashMap::new());
    for t in public_api::AUTO_TRAITS {
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
        for unstable in ["UnsafeUnpin", "Freeze"] {
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
