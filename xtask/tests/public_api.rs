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

#[test]
fn other_format_versions_are_a_clear_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let json = fixture_json(dir.path());
    let text = std::fs::read_to_string(&json).expect("read");
    let mut value: serde_json::Value = serde_json::from_str(&text).expect("json");
    value["format_version"] = serde_json::json!(999);
    std::fs::write(&json, value.to_string()).expect("write");
    let err = public_api::read_json(&json).expect_err("wrong format");
    let msg = err.to_string();
    assert!(
        msg.contains("format 999") && msg.contains("rustdoc-types"),
        "{msg}"
    );

    std::fs::write(&json, "{}").expect("write");
    let msg = public_api::read_json(&json)
        .expect_err("not rustdoc")
        .to_string();
    assert!(msg.contains("format_version"), "{msg}");
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
