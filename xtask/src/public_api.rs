//! `cargo xtask public-api [--check]`: a committed, sorted text snapshot of the public API
//! of the published libraries (`p2c-vpn-api`, `p2c-vpn`, `p2c-vpn-runtime`, `p2c-vpn-mock`),
//! so API changes show up in review as a diff.
//!
//! The API is read from rustdoc's JSON output and rendered by the maintained `public-api`
//! crate: one line per public item (modules, types and their fields and variants, functions
//! and methods with full signatures, traits and their items, constants, statics, macros,
//! trait impls), under every public path it is reachable by, sorted.
//!
//! # Surviving a toolchain update
//!
//! rustdoc's JSON is unstable: each Rust release may write a new `format_version`, and a
//! `public-api` release reads the one format of its `rustdoc-types`. So the JSON is always
//! written by one pinned toolchain, [`PINNED_TOOLCHAIN`] (`rustup run 1.95.0 cargo rustdoc`,
//! with `RUSTC_BOOTSTRAP=1` so stable rustdoc emits JSON), whatever Rust builds the rest:
//! updating Rust never changes the snapshots or turns CI red. A missing toolchain or another
//! format is an error naming the fix. Raising the pin is a deliberate change: a `public-api`
//! release that reads the new toolchain's format, then a review of the snapshot diff.
//!
//! The text holds nothing that depends on the toolchain beyond that: blanket impls are left
//! out, and of the auto-trait impls rustdoc synthesises the unstable [`UNSTABLE_AUTO_TRAITS`]
//! are filtered out (`public-api` can only keep all auto traits or none; the stable ones,
//! `Send`, `Sync`, `Unpin`, `UnwindSafe`, `RefUnwindSafe`, are part of the API).

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;

use public_api::tokens::Token;
use serde_json::Value;

/// The crates whose API is snapshotted: (package, snapshot path relative to the workspace).
/// p2c-vpn-api comes first: p2c-vpn's snapshot names its types by their public paths.
pub const CRATES: [(&str, &str); 4] = [
    ("p2c-vpn-api", "crates/p2c-vpn-api/public-api.txt"),
    ("p2c-vpn", "crates/p2c-vpn/public-api.txt"),
    ("p2c-vpn-runtime", "crates/p2c-vpn-runtime/public-api.txt"),
    ("p2c-vpn-mock", "crates/p2c-vpn-mock/public-api.txt"),
];

/// The toolchain that writes the rustdoc JSON, whatever toolchain runs the xtask.
pub const PINNED_TOOLCHAIN: &str = "1.95.0";

/// The rustdoc JSON format [`PINNED_TOOLCHAIN`] writes, which `public-api` 0.52 reads.
pub const PINNED_FORMAT: u64 = 57;

/// Auto traits rustdoc synthesises impls of that are unstable (`Freeze`; Rust 1.95 added
/// `UnsafeUnpin`): their lines are left out, as no user can name them.
pub const UNSTABLE_AUTO_TRAITS: [&str; 2] = ["Freeze", "UnsafeUnpin"];

/// Why the snapshot could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PublicApiError {
    /// `cargo rustdoc` could not be run or failed.
    #[error(
        "`rustup run {PINNED_TOOLCHAIN} cargo rustdoc -p {package}` (JSON output) failed: \
         {message}\nIs the pinned toolchain installed? `rustup toolchain install \
         {PINNED_TOOLCHAIN} --profile minimal`"
    )]
    Rustdoc {
        /// The package.
        package: String,
        /// What went wrong.
        message: String,
    },
    /// The JSON could not be read, is of another format, or could not be rendered.
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
    let (mut out, mut public) = (Vec::new(), HashMap::new());
    for (package, path) in CRATES {
        let text = render(&rustdoc_json(root, &target, package)?, &mut public)?;
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

/// A command running `program` of [`PINNED_TOOLCHAIN`], with rustdoc's JSON output allowed.
pub fn pinned(program: &str) -> Command {
    let mut cmd = Command::new("rustup");
    cmd.args(["run", PINNED_TOOLCHAIN, program])
        // rustdoc's JSON output is unstable; this lets stable rustdoc emit it.
        .env("RUSTC_BOOTSTRAP", "1")
        // Set by `cargo run`/`cargo test` for the toolchain running the xtask.
        .env_remove("RUSTC")
        .env_remove("RUSTDOC");
    cmd
}

fn rustdoc_json(root: &Path, target: &Path, package: &str) -> Result<PathBuf, PublicApiError> {
    let err = |message: String| PublicApiError::Rustdoc {
        package: package.to_owned(),
        message,
    };
    let out = pinned("cargo")
        .current_dir(root)
        .args(["rustdoc", "--quiet", "--lib", "-p", package, "--target-dir"])
        .arg(target)
        .args(["--", "-Z", "unstable-options", "--output-format", "json"])
        .output()
        .map_err(|e| err(format!("cannot run rustup: {e}")))?;
    if !out.status.success() {
        return Err(err(String::from_utf8_lossy(&out.stderr).trim().to_owned()));
    }
    Ok(target
        .join("doc")
        .join(format!("{}.json", package.replace('-', "_"))))
}

/// Renders the public API in the rustdoc JSON at `path`, one sorted line per item, after
/// checking that it is of [`PINNED_FORMAT`].
///
/// `public` maps canonical item paths (rustdoc's `paths` table, which may go through private
/// modules: `p2c_vpn_api::generated::p2c_vpn::types::Connection`) to the shortest public path
/// (`p2c_vpn_api::types::Connection`). It is filled from this crate and names the items of
/// crates rendered before it, as users write them. A re-export of another crate's item shows
/// its target: `pub use p2c_vpn::api = p2c_vpn_api::types`.
pub fn render(path: &Path, public: &mut HashMap<String, String>) -> Result<String, PublicApiError> {
    let err = |message: String| PublicApiError::Json {
        path: path.to_owned(),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
    let json: Value = serde_json::from_str(&text).map_err(|e| err(format!("not JSON: {e}")))?;
    let found = json["format_version"]
        .as_u64()
        .ok_or_else(|| err("no `format_version`: not rustdoc JSON".into()))?;
    if found != PINNED_FORMAT {
        return Err(err(format!(
            "rustdoc wrote JSON format {found}, but `public-api` reads format {PINNED_FORMAT} \
             (the one Rust {PINNED_TOOLCHAIN} writes). Fix: run rustdoc of Rust \
             {PINNED_TOOLCHAIN} (`rustup toolchain install {PINNED_TOOLCHAIN} --profile \
             minimal`); to move the pin, raise PINNED_TOOLCHAIN and PINNED_FORMAT in \
             xtask/src/public_api.rs together with a `public-api` release that reads the new \
             format, then run `cargo xtask public-api` and review the snapshot diff"
        )));
    }
    let api = public_api::Builder::from_rustdoc_json(path)
        .omit_blanket_impls(true)
        .include_function_parameter_names(true)
        .build()
        .map_err(|e| err(format!("cannot render: {e}")))?;
    let mut own_paths: HashMap<String, String> = HashMap::new();
    for item in api.items() {
        let canonical = &json["paths"][item.id().0.to_string()];
        if canonical["crate_id"] != 0 {
            continue;
        }
        let segments = canonical["path"].as_array().into_iter().flatten();
        let canonical = segments
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join("::");
        // The item's own path: the tokens after its kind (`struct`, `fn`, ...).
        let tokens: Vec<&Token> = item.tokens().collect();
        let kind = tokens.iter().rposition(|t| matches!(t, Token::Kind(_)));
        let own: String = tokens[kind.map_or(tokens.len(), |k| k + 2).min(tokens.len())..]
            .iter()
            .map_while(|t| match t {
                Token::Identifier(s) | Token::Type(s) | Token::Function(s) => Some(s.as_str()),
                Token::Symbol(s) if s == "::" => Some("::"),
                _ => None,
            })
            .collect();
        let shorter = |p: &String| (p.len(), p.as_str()) > (own.len(), own.as_str());
        if !own.is_empty() && own_paths.get(&canonical).is_none_or(shorter) {
            own_paths.insert(canonical, own);
        }
    }
    // Re-exports of other crates' items, by name: what each points to (when unambiguous),
    // by its canonical path (public when known) or else as written.
    let mut targets: HashMap<&str, BTreeSet<String>> = HashMap::new();
    for u in json["index"]
        .as_object()
        .into_iter()
        .flat_map(|i| i.values())
    {
        let u = &u["inner"]["use"];
        let id = u["id"].to_string();
        if u["is_glob"] == false && json["index"].get(&id).is_none() {
            let segments = json["paths"][&id]["path"].as_array().into_iter().flatten();
            let path = segments
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join("::");
            let (Some(name), Some(source)) = (u["name"].as_str(), u["source"].as_str()) else {
                continue;
            };
            let target = if path.is_empty() { source } else { &path };
            targets
                .entry(name)
                .or_default()
                .insert(rename(target, public));
        }
    }
    let mut out = format!(
        "# Public API of the `{}` crate: one line per public item, sorted.\n\
         # Written by `cargo xtask public-api` from rustdoc JSON; do not edit.\n",
        path.file_stem().unwrap_or_default().to_string_lossy()
    );
    for item in api.items().map(ToString::to_string) {
        let auto = |t: &&str| item.starts_with("impl") && item.contains(&format!("::{t} for "));
        if UNSTABLE_AUTO_TRAITS.iter().any(auto) {
            continue;
        }
        out.push_str(&rename(&item, public));
        let name = item
            .strip_prefix("pub use ")
            .and_then(|p| p.rsplit("::").next());
        if let Some(t) = name.and_then(|n| targets.get(n)).filter(|t| t.len() == 1) {
            out.push_str(" = ");
            out.push_str(t.first().map_or("", String::as_str));
        }
        out.push('\n');
    }
    public.extend(own_paths);
    Ok(out)
}

/// `line` with every path that starts with a known canonical path ([`render`]) rewritten to
/// its public path.
fn rename(line: &str, public: &HashMap<String, String>) -> String {
    let is_path = |c: char| c.is_alphanumeric() || c == '_' || c == ':';
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(start) = rest.find(|c: char| c.is_alphanumeric() || c == '_') {
        out.push_str(&rest[..start]);
        let len = rest[start..]
            .find(|c| !is_path(c))
            .unwrap_or(rest.len() - start);
        let word = &rest[start..start + len];
        let known = (1..=word.len())
            .rev()
            .filter(|&i| i == word.len() || word[i..].starts_with("::"))
            .find_map(|i| public.get(&word[..i]).map(|p| (p, &word[i..])));
        match known {
            Some((public, tail)) => {
                out.push_str(public);
                out.push_str(tail);
            }
            None => out.push_str(word),
        }
        rest = &rest[start + len..];
    }
    out.push_str(rest);
    out
}
