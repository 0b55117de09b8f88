//! `cargo xtask public-api [--check]`: a committed, sorted text snapshot of the public API
//! of the published libraries (`p2c-vpn-api`, `p2c-vpn`, `p2c-vpn-runtime`, `p2c-vpn-mock`),
//! so API changes show up in review as a diff.
//!
//! The API is read from rustdoc's JSON output. That output is unstable, so on stable Rust it
//! is produced with `RUSTC_BOOTSTRAP=1 cargo rustdoc -p <crate> --lib -- -Z unstable-options
//! --output-format json`.
//!
//! # Surviving a toolchain update
//!
//! Each Rust release may write a new JSON `format_version`. This xtask decodes with
//! `rustdoc-types` [`rustdoc_types::FORMAT_VERSION`] (61) and reads every format from
//! [`OLDEST_FORMAT`] (57, Rust 1.95) up to it: formats 58 to 61 only *added* optional fields
//! (`Item::stability`, `Item::const_stability`, `default_unstable`), which decode as absent
//! from older JSON, and none of them is rendered. A format outside that range is a clear
//! error naming the fix (bump `rustdoc-types`), never a silently skipped check
//! (`tests/it/public_api.rs` tests each format). The text itself holds nothing that depends on
//! the toolchain: of the auto-trait impls rustdoc synthesises, only the stable
//! [`AUTO_TRAITS`] are listed (Rust 1.95 added an unstable `UnsafeUnpin`), and blanket impls
//! are left out.
//!
//! One line per public item, under every public path it is reachable by: modules, structs
//! and their public fields, enums and variants, functions and methods with full signatures,
//! traits and their items, constants, statics, type aliases, macros, and each trait impl
//! (`impl Trait for Type`, the stable auto traits included, blanket impls left out). Lines
//! are sorted by item path, so the file does not depend on the machine, rustdoc's ids or
//! file order.

mod render;

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use rustdoc_types::Crate;

use render::Renderer;

/// The crates whose API is snapshotted: (package, snapshot path relative to the workspace).
/// p2c-vpn-api comes first: p2c-vpn's snapshot names its types by their public paths.
pub const CRATES: [(&str, &str); 4] = [
    ("p2c-vpn-api", "crates/p2c-vpn-api/public-api.txt"),
    ("p2c-vpn", "crates/p2c-vpn/public-api.txt"),
    ("p2c-vpn-runtime", "crates/p2c-vpn-runtime/public-api.txt"),
    ("p2c-vpn-mock", "crates/p2c-vpn-mock/public-api.txt"),
];

/// The oldest rustdoc JSON format read: Rust 1.95's. Every later format up to
/// [`rustdoc_types::FORMAT_VERSION`] only added optional fields, so the one decoder reads
/// them all. (Checked against the `rustdoc-types` changelog for 58-61; when bumping
/// `rustdoc-types`, read its changelog and raise this if a change was not additive.)
pub const OLDEST_FORMAT: u32 = 57;

/// The auto traits whose synthesised impls are listed: stable, so their lines do not depend
/// on the toolchain. A new (or unstable) auto trait, like Rust 1.95's `UnsafeUnpin`, is left
/// out.
pub const AUTO_TRAITS: [&str; 5] = ["Send", "Sync", "Unpin", "UnwindSafe", "RefUnwindSafe"];

/// Why the snapshot could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PublicApiError {
    /// `cargo rustdoc` could not be run or failed.
    #[error("`cargo rustdoc -p {package}` (JSON output) failed: {message}")]
    Rustdoc {
        /// The package.
        package: String,
        /// What went wrong.
        message: String,
    },
    /// The JSON is of a format this xtask cannot read.
    #[error(
        "{}: rustdoc wrote JSON format {found}, but this xtask reads formats {oldest} to \
         {newest}. {fix}",
        path.display(),
        fix = format_fix(*found, *newest)
    )]
    Format {
        /// The JSON file.
        path: PathBuf,
        /// Its `format_version`.
        found: u64,
        /// [`OLDEST_FORMAT`].
        oldest: u32,
        /// [`rustdoc_types::FORMAT_VERSION`].
        newest: u32,
    },
    /// The JSON could not be read or decoded.
    #[error("{}: {message}", path.display())]
    Json {
        /// The JSON file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// Reading or writing a snapshot failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// One snapshot compared with what is committed.
#[derive(Debug)]
pub struct Snapshot {
    /// Path relative to the workspace root.
    pub path: &'static str,
    /// The freshly rendered text.
    pub text: String,
    /// The committed text (`None`: no file yet).
    pub committed: Option<String>,
}

impl Snapshot {
    /// True if the committed file matches.
    pub fn up_to_date(&self) -> bool {
        self.committed.as_deref() == Some(self.text.as_str())
    }

    /// Unified diff committed → fresh.
    pub fn diff(&self) -> String {
        similar::TextDiff::from_lines(self.committed.as_deref().unwrap_or(""), &self.text)
            .unified_diff()
            .context_radius(2)
            .header(
                &format!("{} (committed)", self.path),
                &format!("{} (current code)", self.path),
            )
            .to_string()
    }
}

/// Builds rustdoc JSON for every crate in [`CRATES`] and renders the snapshots.
pub fn snapshots(root: &Path) -> Result<Vec<Snapshot>, PublicApiError> {
    // A target directory of its own: proc-macro2's and thiserror's build scripts read
    // RUSTC_BOOTSTRAP, so sharing the workspace's made them run again, and everything above
    // them (every derive, then nearly every crate) was rebuilt by the next `cargo test`.
    let target = crate::target_dir(root).join("public-api");
    let mut known = HashMap::new();
    let mut out = Vec::new();
    for (package, path) in CRATES {
        let json = rustdoc_json(root, &target, package)?;
        let krate = read_json(&json)?;
        let text = render(&krate, &mut known);
        let file = root.join(path);
        let committed = match std::fs::read_to_string(&file) {
            Ok(s) => Some(s),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(source) => return Err(PublicApiError::Io { path: file, source }),
        };
        out.push(Snapshot {
            path,
            text,
            committed,
        });
    }
    Ok(out)
}

/// Writes every stale snapshot.
pub fn write(root: &Path, snapshots: &[Snapshot]) -> Result<(), PublicApiError> {
    for s in snapshots.iter().filter(|s| !s.up_to_date()) {
        let path = root.join(s.path);
        std::fs::write(&path, &s.text).map_err(|source| PublicApiError::Io { path, source })?;
    }
    Ok(())
}

fn rustdoc_json(root: &Path, target: &Path, package: &str) -> Result<PathBuf, PublicApiError> {
    let err = |message: String| PublicApiError::Rustdoc {
        package: package.to_owned(),
        message,
    };
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(cargo)
        .current_dir(root)
        // rustdoc's JSON output is unstable; this lets stable rustdoc emit it.
        .env("RUSTC_BOOTSTRAP", "1")
        .args(["rustdoc", "--quiet", "--lib", "-p", package, "--target-dir"])
        .arg(target)
        .args(["--", "-Z", "unstable-options", "--output-format", "json"])
        .output()
        .map_err(|e| err(format!("cannot run cargo: {e}")))?;
    if !out.status.success() {
        return Err(err(String::from_utf8_lossy(&out.stderr).trim().to_owned()));
    }
    Ok(target
        .join("doc")
        .join(format!("{}.json", package.replace('-', "_"))))
}

/// Reads rustdoc JSON, checking its format version first.
pub fn read_json(path: &Path) -> Result<Crate, PublicApiError> {
    let json_err = |message: String| PublicApiError::Json {
        path: path.to_owned(),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|e| json_err(e.to_string()))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| json_err(format!("not JSON: {e}")))?;
    let found = value
        .get("format_version")
        .and_then(serde_json::Value::as_u64)
        .ok_or_else(|| json_err("no `format_version`: not rustdoc JSON".into()))?;
    if !(u64::from(OLDEST_FORMAT)..=u64::from(rustdoc_types::FORMAT_VERSION)).contains(&found) {
        return Err(PublicApiError::Format {
            path: path.to_owned(),
            found,
            oldest: OLDEST_FORMAT,
            newest: rustdoc_types::FORMAT_VERSION,
        });
    }
    serde_json::from_value(value).map_err(|e| json_err(format!("cannot decode: {e}")))
}

/// How to read a format outside [`OLDEST_FORMAT`]..=[`rustdoc_types::FORMAT_VERSION`].
fn format_fix(found: u64, newest: u32) -> String {
    if found > u64::from(newest) {
        format!(
            "Fix: set `rustdoc-types` in the workspace Cargo.toml to the release whose \
             FORMAT_VERSION is {found} (https://github.com/rust-lang/rustdoc-types/blob/trunk/CHANGELOG.md), \
             fix what no longer compiles in xtask/src/public_api/render.rs, then run `cargo xtask \
             public-api` and review the snapshot diff."
        )
    } else {
        "Fix: use a newer Rust (1.95 or later) for `cargo xtask public-api`.".to_owned()
    }
}

/// Renders the public API of `krate`, one sorted line per item.
///
/// `known` maps canonical item paths (as rustdoc's `paths` table gives them, which may go
/// through private modules) to public paths; it is filled from this crate and used to name
/// items of crates rendered before it.
pub fn render(krate: &Crate, known: &mut HashMap<Vec<String>, String>) -> String {
    let name = krate
        .index
        .get(&krate.root)
        .and_then(|i| i.name.clone())
        .unwrap_or_else(|| "crate".into());
    let mut r = Renderer {
        krate,
        public: HashMap::new(),
        known,
        lines: BTreeSet::new(),
        stack: HashSet::new(),
    };
    // Pass 1: the public path of every item, so references print the path users write.
    r.collect(&krate.root, &name, &name, 0);
    let pairs: Vec<(Vec<String>, String)> = r
        .public
        .iter()
        .filter_map(|(id, public)| {
            krate
                .paths
                .get(id)
                .filter(|s| s.crate_id == 0)
                .map(|s| (s.path.clone(), public.clone()))
        })
        .collect();
    r.known.extend(pairs);
    // Pass 2: the lines.
    r.stack.clear();
    r.module_items(&krate.root, &name, 0);
    let mut out = format!(
        "# Public API of the `{name}` crate: one line per public item, sorted.\n\
         # Written by `cargo xtask public-api` from rustdoc JSON; do not edit.\n"
    );
    for (_, line) in &r.lines {
        out.push_str(line);
        out.push('\n');
    }
    out
}
