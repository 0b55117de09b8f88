//! `cargo xtask public-api [--check]`: a committed, sorted text snapshot of the public API
//! of `p2c-vpn` and `p2c-vpn-api`, so API changes show up in review as a diff.
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

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use rustdoc_types::{
    Abi, Crate, FunctionHeader, FunctionPointer, FunctionSignature, GenericArg, GenericArgs,
    GenericBound, GenericParamDef, GenericParamDefKind, Generics, Id, Impl, Item, ItemEnum,
    StructKind, Term, TraitBoundModifier, Type, VariantKind, Visibility, WherePredicate,
};

/// The crates whose API is snapshotted: (package, snapshot path relative to the workspace).
/// p2c-vpn-api comes first: p2c-vpn's snapshot names its types by their public paths.
pub const CRATES: [(&str, &str); 2] = [
    ("p2c-vpn-api", "crates/p2c-vpn-api/public-api.txt"),
    ("p2c-vpn", "crates/p2c-vpn/public-api.txt"),
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
             fix what no longer compiles in xtask/src/public_api.rs, then run `cargo xtask \
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

const MAX_DEPTH: usize = 32;

struct Renderer<'c, 'k> {
    krate: &'c Crate,
    /// Shortest public path of each local item.
    public: HashMap<Id, String>,
    known: &'k mut HashMap<Vec<String>, String>,
    /// (item path, line): sorted by the item first so an item's lines stay together.
    lines: BTreeSet<(String, String)>,
    stack: HashSet<Id>,
}

fn is_public(item: &Item) -> bool {
    matches!(item.visibility, Visibility::Public | Visibility::Default)
}

impl<'c> Renderer<'c, '_> {
    fn get(&self, id: &Id) -> Option<&'c Item> {
        self.krate.index.get(id)
    }

    fn add(&mut self, key: &str, line: String) {
        self.lines.insert((key.to_owned(), line));
    }

    // ---- pass 1 ----

    fn collect(&mut self, id: &Id, name: &str, path: &str, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        let Some(item) = self.get(id) else { return };
        let better = self
            .public
            .get(id)
            .is_none_or(|p| (p.len(), p.as_str()) > (path.len(), path));
        if better {
            self.public.insert(*id, path.to_owned());
        }
        let _ = name;
        if let ItemEnum::Module(m) = &item.inner {
            if !self.stack.insert(*id) {
                return;
            }
            for child in m.items.clone() {
                self.collect_child(&child, path, depth + 1);
            }
            self.stack.remove(id);
        }
    }

    fn collect_child(&mut self, id: &Id, prefix: &str, depth: usize) {
        let Some(item) = self.get(id) else { return };
        if !is_public(item) {
            return;
        }
        match &item.inner {
            ItemEnum::Use(u) => {
                let Some(target) = u.id else { return };
                if u.is_glob {
                    if let Some(ItemEnum::Module(m)) = self.get(&target).map(|t| &t.inner) {
                        if !self.stack.insert(target) {
                            return;
                        }
                        for child in m.items.clone() {
                            self.collect_child(&child, prefix, depth + 1);
                        }
                        self.stack.remove(&target);
                    }
                } else {
                    let path = format!("{prefix}::{}", u.name);
                    self.collect(&target, &u.name, &path, depth);
                }
            }
            _ => {
                if let Some(name) = item.name.clone() {
                    let path = format!("{prefix}::{name}");
                    self.collect(id, &name, &path, depth);
                }
            }
        }
    }

    // ---- pass 2 ----

    fn module_items(&mut self, id: &Id, path: &str, depth: usize) {
        if depth > MAX_DEPTH || !self.stack.insert(*id) {
            return;
        }
        if let Some(ItemEnum::Module(m)) = self.get(id).map(|i| &i.inner) {
            for child in m.items.clone() {
                self.child(&child, path, depth + 1);
            }
        }
        self.stack.remove(id);
    }

    fn child(&mut self, id: &Id, prefix: &str, depth: usize) {
        let Some(item) = self.get(id) else { return };
        if !is_public(item) {
            return;
        }
        match &item.inner {
            ItemEnum::Use(u) => {
                let path = format!("{prefix}::{}", u.name);
                match u.id.and_then(|t| self.get(&t).map(|_| t)) {
                    Some(target) if u.is_glob => {
                        if let Some(ItemEnum::Module(m)) = self.get(&target).map(|t| &t.inner) {
                            if !self.stack.insert(target) {
                                return;
                            }
                            for child in m.items.clone() {
                                self.child(&child, prefix, depth + 1);
                            }
                            self.stack.remove(&target);
                        }
                    }
                    Some(target) => self.item(&target, &u.name, &path, depth),
                    None => {
                        // An item of another crate that rustdoc did not inline.
                        let source =
                            u.id.and_then(|t| self.external_path(&t))
                                .unwrap_or_else(|| u.source.clone());
                        let glob = if u.is_glob { "::*" } else { "" };
                        self.add(&path, format!("pub use {path}{glob} = {source}{glob}"));
                    }
                }
            }
            _ => {
                if let Some(name) = item.name.clone() {
                    let path = format!("{prefix}::{name}");
                    self.item(id, &name, &path, depth);
                }
            }
        }
    }

    fn external_path(&self, id: &Id) -> Option<String> {
        let summary = self.krate.paths.get(id)?;
        Some(
            self.known
                .get(&summary.path)
                .cloned()
                .unwrap_or_else(|| summary.path.join("::")),
        )
    }

    fn item(&mut self, id: &Id, name: &str, path: &str, depth: usize) {
        let Some(item) = self.get(id) else { return };
        let attrs = attrs(item);
        match &item.inner {
            ItemEnum::Module(_) => {
                self.add(path, format!("pub mod {path}"));
                self.module_items(id, path, depth);
            }
            ItemEnum::ExternCrate { name: krate, .. } => {
                self.add(path, format!("pub extern crate {path} = {krate}"));
            }
            ItemEnum::Struct(s) => {
                let g = self.generics(&s.generics);
                let w = self.where_clause(&s.generics);
                let shape = match &s.kind {
                    StructKind::Unit => ";".to_owned(),
                    StructKind::Tuple(fields) => {
                        let fields: Vec<String> = fields
                            .iter()
                            .map(|f| match f.and_then(|f| self.field_type(&f)) {
                                Some(t) => format!("pub {t}"),
                                None => "_".to_owned(),
                            })
                            .collect();
                        format!("({})", fields.join(", "))
                    }
                    StructKind::Plain {
                        has_stripped_fields,
                        ..
                    } => {
                        if *has_stripped_fields {
                            " { .. }".to_owned()
                        } else {
                            String::new()
                        }
                    }
                };
                self.add(path, format!("{attrs}pub struct {path}{g}{shape}{w}"));
                if let StructKind::Plain { fields, .. } = &s.kind {
                    self.fields(fields, path);
                }
                self.impls(&s.impls.clone(), path);
            }
            ItemEnum::Union(u) => {
                let g = self.generics(&u.generics);
                self.add(path, format!("{attrs}pub union {path}{g}"));
                self.fields(&u.fields.clone(), path);
                self.impls(&u.impls.clone(), path);
            }
            ItemEnum::Enum(e) => {
                let g = self.generics(&e.generics);
                let w = self.where_clause(&e.generics);
                self.add(path, format!("{attrs}pub enum {path}{g}{w}"));
                for v in e.variants.clone() {
                    self.variant(&v, path);
                }
                self.impls(&e.impls.clone(), path);
            }
            ItemEnum::Function(f) => {
                let line = self.function(name, path, &f.header, &f.generics, &f.sig);
                self.add(path, format!("{attrs}{line}"));
            }
            ItemEnum::Trait(t) => {
                let unsafe_ = if t.is_unsafe { "unsafe " } else { "" };
                let auto = if t.is_auto { "auto " } else { "" };
                let g = self.generics(&t.generics);
                let bounds = self.bounds(&t.bounds);
                let bounds = if bounds.is_empty() {
                    String::new()
                } else {
                    format!(": {bounds}")
                };
                let w = self.where_clause(&t.generics);
                self.add(
                    path,
                    format!("{attrs}pub {unsafe_}{auto}trait {path}{g}{bounds}{w}"),
                );
                for child in t.items.clone() {
                    self.assoc(&child, path);
                }
            }
            ItemEnum::TraitAlias(t) => {
                let g = self.generics(&t.generics);
                let b = self.bounds(&t.params);
                self.add(path, format!("pub trait {path}{g} = {b}"));
            }
            ItemEnum::TypeAlias(t) => {
                let g = self.generics(&t.generics);
                let ty = self.ty(&t.type_);
                self.add(path, format!("pub type {path}{g} = {ty}"));
            }
            ItemEnum::Constant { type_, .. } => {
                let ty = self.ty(type_);
                self.add(path, format!("pub const {path}: {ty}"));
            }
            ItemEnum::Static(s) => {
                let m = if s.is_mutable { "mut " } else { "" };
                let ty = self.ty(&s.type_);
                self.add(path, format!("pub static {m}{path}: {ty}"));
            }
            ItemEnum::Macro(_) => self.add(path, format!("pub macro {path}!")),
            ItemEnum::ProcMacro(_) => self.add(path, format!("pub proc macro {path}")),
            ItemEnum::ExternType => self.add(path, format!("pub type {path}")),
            _ => {}
        }
    }

    fn field_type(&self, id: &Id) -> Option<String> {
        match &self.get(id)?.inner {
            ItemEnum::StructField(t) => Some(self.ty(t)),
            _ => None,
        }
    }

    fn fields(&mut self, fields: &[Id], path: &str) {
        for f in fields {
            let Some(item) = self.get(f) else { continue };
            if !is_public(item) {
                continue;
            }
            if let (Some(name), ItemEnum::StructField(t)) = (&item.name, &item.inner) {
                let p = format!("{path}::{name}");
                let line = format!("pub {p}: {}", self.ty(t));
                self.add(&p, line);
            }
        }
    }

    fn variant(&mut self, id: &Id, enum_path: &str) {
        let Some(item) = self.get(id) else { return };
        let (Some(name), ItemEnum::Variant(v)) = (&item.name, &item.inner) else {
            return;
        };
        let p = format!("{enum_path}::{name}");
        let shape = match &v.kind {
            VariantKind::Plain => String::new(),
            VariantKind::Tuple(fields) => {
                let fields: Vec<String> = fields
                    .iter()
                    .map(|f| {
                        f.and_then(|f| self.field_type(&f))
                            .unwrap_or_else(|| "_".into())
                    })
                    .collect();
                format!("({})", fields.join(", "))
            }
            VariantKind::Struct {
                fields,
                has_stripped_fields,
            } => {
                let mut parts: Vec<String> = fields
                    .iter()
                    .filter_map(|f| {
                        let item = self.get(f)?;
                        Some(format!(
                            "{}: {}",
                            item.name.as_deref()?,
                            self.field_type(f)?
                        ))
                    })
                    .collect();
                if *has_stripped_fields {
                    parts.push("..".into());
                }
                format!(" {{ {} }}", parts.join(", "))
            }
        };
        self.add(&p, format!("pub {p}{shape}"));
    }

    fn assoc(&mut self, id: &Id, owner: &str) {
        let Some(item) = self.get(id) else { return };
        let Some(name) = item.name.clone() else {
            return;
        };
        let p = format!("{owner}::{name}");
        let line = match &item.inner {
            ItemEnum::Function(f) => self.function(&name, &p, &f.header, &f.generics, &f.sig),
            ItemEnum::AssocConst { type_, .. } => format!("pub const {p}: {}", self.ty(type_)),
            // `..`: later formats add fields (format 60: `default_unstable`) not rendered here.
            ItemEnum::AssocType {
                generics,
                bounds,
                type_,
                ..
            } => {
                let g = self.generics(generics);
                let b = self.bounds(bounds);
                let b = if b.is_empty() {
                    String::new()
                } else {
                    format!(": {b}")
                };
                let t = type_
                    .as_ref()
                    .map(|t| format!(" = {}", self.ty(t)))
                    .unwrap_or_default();
                format!("pub type {p}{g}{b}{t}")
            }
            _ => return,
        };
        self.add(&p, line);
    }

    fn impls(&mut self, impls: &[Id], path: &str) {
        for id in impls {
            let Some(item) = self.get(id) else { continue };
            let ItemEnum::Impl(imp) = &item.inner else {
                continue;
            };
            if imp.blanket_impl.is_some() || !self.listed_auto_impl(imp) {
                continue;
            }
            let imp = imp.clone();
            match &imp.trait_ {
                Some(_) => {
                    let line = self.impl_header(&imp);
                    self.add(&format!("{path} impl"), line);
                }
                None => {
                    for child in &imp.items {
                        let Some(ci) = self.get(child) else { continue };
                        if !matches!(ci.visibility, Visibility::Public) {
                            continue;
                        }
                        self.assoc(child, path);
                    }
                }
            }
        }
    }

    /// False for a synthesised impl of an auto trait outside [`AUTO_TRAITS`].
    fn listed_auto_impl(&self, imp: &Impl) -> bool {
        match &imp.trait_ {
            Some(t) if imp.is_synthetic => {
                let name = t.path.rsplit("::").next().unwrap_or(&t.path);
                AUTO_TRAITS.contains(&name)
            }
            _ => true,
        }
    }

    fn impl_header(&self, imp: &Impl) -> String {
        let unsafe_ = if imp.is_unsafe { "unsafe " } else { "" };
        let g = self.generics(&imp.generics);
        let neg = if imp.is_negative { "!" } else { "" };
        let tr = imp
            .trait_
            .as_ref()
            .map(|t| format!("{neg}{} for ", self.path(t)))
            .unwrap_or_default();
        let w = self.where_clause(&imp.generics);
        format!("{unsafe_}impl{g} {tr}{}{w}", self.ty(&imp.for_))
    }

    fn function(
        &self,
        name: &str,
        path: &str,
        header: &FunctionHeader,
        generics: &Generics,
        sig: &FunctionSignature,
    ) -> String {
        let _ = name;
        let g = self.generics(generics);
        let w = self.where_clause(generics);
        format!(
            "pub {}fn {path}{g}{}{w}",
            self.header(header),
            self.signature(sig)
        )
    }

    fn header(&self, h: &FunctionHeader) -> String {
        let mut s = String::new();
        if h.is_const {
            s.push_str("const ");
        }
        if h.is_async {
            s.push_str("async ");
        }
        if h.is_unsafe {
            s.push_str("unsafe ");
        }
        match &h.abi {
            Abi::Rust => {}
            Abi::C { .. } => s.push_str("extern \"C\" "),
            Abi::System { .. } => s.push_str("extern \"system\" "),
            Abi::Other(abi) => s.push_str(&format!("extern {abi} ")),
            other => s.push_str(&format!("extern {other:?} ")),
        }
        s
    }

    fn signature(&self, sig: &FunctionSignature) -> String {
        let mut args: Vec<String> = sig
            .inputs
            .iter()
            .map(|(name, ty)| match (name.as_str(), ty) {
                ("self", Type::Generic(g)) if g == "Self" => "self".to_owned(),
                (
                    "self",
                    Type::BorrowedRef {
                        lifetime,
                        is_mutable,
                        type_,
                    },
                ) if matches!(type_.as_ref(), Type::Generic(g) if g == "Self") => {
                    let l = lifetime
                        .as_ref()
                        .map(|l| format!("{l} "))
                        .unwrap_or_default();
                    let m = if *is_mutable { "mut " } else { "" };
                    format!("&{l}{m}self")
                }
                _ => format!("{name}: {}", self.ty(ty)),
            })
            .collect();
        if sig.is_c_variadic {
            args.push("...".into());
        }
        let out = sig
            .output
            .as_ref()
            .map(|t| format!(" -> {}", self.ty(t)))
            .unwrap_or_default();
        format!("({}){out}", args.join(", "))
    }

    fn generics(&self, g: &Generics) -> String {
        let params = self.params(&g.params);
        if params.is_empty() {
            String::new()
        } else {
            format!("<{params}>")
        }
    }

    fn params(&self, params: &[GenericParamDef]) -> String {
        params
            .iter()
            .filter_map(|p| match &p.kind {
                GenericParamDefKind::Lifetime { outlives } => Some(if outlives.is_empty() {
                    p.name.clone()
                } else {
                    format!("{}: {}", p.name, outlives.join(" + "))
                }),
                GenericParamDefKind::Type {
                    bounds,
                    default,
                    is_synthetic,
                } => {
                    if *is_synthetic {
                        return None;
                    }
                    let mut s = p.name.clone();
                    let b = self.bounds(bounds);
                    if !b.is_empty() {
                        s.push_str(&format!(": {b}"));
                    }
                    if let Some(d) = default {
                        s.push_str(&format!(" = {}", self.ty(d)));
                    }
                    Some(s)
                }
                GenericParamDefKind::Const { type_, default } => {
                    let d = default
                        .as_ref()
                        .map(|d| format!(" = {d}"))
                        .unwrap_or_default();
                    Some(format!("const {}: {}{d}", p.name, self.ty(type_)))
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn where_clause(&self, g: &Generics) -> String {
        let preds: Vec<String> = g
            .where_predicates
            .iter()
            .map(|p| match p {
                WherePredicate::BoundPredicate {
                    type_,
                    bounds,
                    generic_params,
                } => {
                    let hrtb = if generic_params.is_empty() {
                        String::new()
                    } else {
                        format!("for<{}> ", self.params(generic_params))
                    };
                    format!("{hrtb}{}: {}", self.ty(type_), self.bounds(bounds))
                }
                WherePredicate::LifetimePredicate { lifetime, outlives } => {
                    format!("{lifetime}: {}", outlives.join(" + "))
                }
                WherePredicate::EqPredicate { lhs, rhs } => {
                    format!("{} = {}", self.ty(lhs), self.term(rhs))
                }
            })
            .collect();
        if preds.is_empty() {
            String::new()
        } else {
            format!(" where {}", preds.join(", "))
        }
    }

    fn bounds(&self, bounds: &[GenericBound]) -> String {
        bounds
            .iter()
            .map(|b| match b {
                GenericBound::TraitBound {
                    trait_,
                    generic_params,
                    modifier,
                } => {
                    let hrtb = if generic_params.is_empty() {
                        String::new()
                    } else {
                        format!("for<{}> ", self.params(generic_params))
                    };
                    let m = match modifier {
                        TraitBoundModifier::None => "",
                        TraitBoundModifier::Maybe => "?",
                        TraitBoundModifier::MaybeConst => "~const ",
                    };
                    format!("{hrtb}{m}{}", self.path(trait_))
                }
                GenericBound::Outlives(l) => l.clone(),
                GenericBound::Use(args) => {
                    let args: Vec<String> = args
                        .iter()
                        .map(|a| match a {
                            rustdoc_types::PreciseCapturingArg::Lifetime(l) => l.clone(),
                            rustdoc_types::PreciseCapturingArg::Param(p) => p.clone(),
                        })
                        .collect();
                    format!("use<{}>", args.join(", "))
                }
            })
            .collect::<Vec<_>>()
            .join(" + ")
    }

    fn term(&self, t: &Term) -> String {
        match t {
            Term::Type(t) => self.ty(t),
            Term::Constant(c) => c.expr.clone(),
        }
    }

    /// The path users write for `p`: its public path if local (or known from a crate
    /// rendered before), else rustdoc's canonical path, else the path as written.
    fn path(&self, p: &rustdoc_types::Path) -> String {
        let base = self
            .public
            .get(&p.id)
            .cloned()
            .or_else(|| self.external_path(&p.id))
            .unwrap_or_else(|| p.path.clone());
        format!("{base}{}", self.args(p.args.as_deref()))
    }

    fn args(&self, args: Option<&GenericArgs>) -> String {
        match args {
            None => String::new(),
            Some(GenericArgs::AngleBracketed { args, constraints }) => {
                let mut parts: Vec<String> = args
                    .iter()
                    .map(|a| match a {
                        GenericArg::Lifetime(l) => l.clone(),
                        GenericArg::Type(t) => self.ty(t),
                        GenericArg::Const(c) => c.expr.clone(),
                        GenericArg::Infer => "_".into(),
                    })
                    .collect();
                for c in constraints {
                    let a = self.args(c.args.as_deref());
                    parts.push(match &c.binding {
                        rustdoc_types::AssocItemConstraintKind::Equality(t) => {
                            format!("{}{a} = {}", c.name, self.term(t))
                        }
                        rustdoc_types::AssocItemConstraintKind::Constraint(b) => {
                            format!("{}{a}: {}", c.name, self.bounds(b))
                        }
                    });
                }
                if parts.is_empty() {
                    String::new()
                } else {
                    format!("<{}>", parts.join(", "))
                }
            }
            Some(GenericArgs::Parenthesized { inputs, output }) => {
                let inputs: Vec<String> = inputs.iter().map(|t| self.ty(t)).collect();
                let out = output
                    .as_ref()
                    .map(|t| format!(" -> {}", self.ty(t)))
                    .unwrap_or_default();
                format!("({}){out}", inputs.join(", "))
            }
            Some(GenericArgs::ReturnTypeNotation) => "(..)".into(),
        }
    }

    fn ty(&self, t: &Type) -> String {
        match t {
            Type::ResolvedPath(p) => self.path(p),
            Type::DynTrait(d) => {
                let mut parts: Vec<String> = d
                    .traits
                    .iter()
                    .map(|pt| {
                        let hrtb = if pt.generic_params.is_empty() {
                            String::new()
                        } else {
                            format!("for<{}> ", self.params(&pt.generic_params))
                        };
                        format!("{hrtb}{}", self.path(&pt.trait_))
                    })
                    .collect();
                if let Some(l) = &d.lifetime {
                    parts.push(l.clone());
                }
                format!("dyn {}", parts.join(" + "))
            }
            Type::Generic(g) => g.clone(),
            Type::Primitive(p) => p.clone(),
            Type::FunctionPointer(f) => self.fn_pointer(f),
            Type::Tuple(items) => match items.as_slice() {
                [one] => format!("({},)", self.ty(one)),
                items => format!(
                    "({})",
                    items
                        .iter()
                        .map(|t| self.ty(t))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            },
            Type::Slice(t) => format!("[{}]", self.ty(t)),
            Type::Array { type_, len } => format!("[{}; {len}]", self.ty(type_)),
            Type::Pat { type_, .. } => self.ty(type_),
            Type::ImplTrait(b) => format!("impl {}", self.bounds(b)),
            Type::Infer => "_".into(),
            Type::RawPointer { is_mutable, type_ } => {
                let m = if *is_mutable { "mut" } else { "const" };
                format!("*{m} {}", self.ty(type_))
            }
            Type::BorrowedRef {
                lifetime,
                is_mutable,
                type_,
            } => {
                let l = lifetime
                    .as_ref()
                    .map(|l| format!("{l} "))
                    .unwrap_or_default();
                let m = if *is_mutable { "mut " } else { "" };
                format!("&{l}{m}{}", self.ty(type_))
            }
            Type::QualifiedPath {
                name,
                args,
                self_type,
                trait_,
            } => {
                let a = self.args(args.as_deref());
                match trait_ {
                    Some(tr) => format!("<{} as {}>::{name}{a}", self.ty(self_type), self.path(tr)),
                    None => format!("{}::{name}{a}", self.ty(self_type)),
                }
            }
        }
    }

    fn fn_pointer(&self, f: &FunctionPointer) -> String {
        let hrtb = if f.generic_params.is_empty() {
            String::new()
        } else {
            format!("for<{}> ", self.params(&f.generic_params))
        };
        format!(
            "{hrtb}{}fn{}",
            self.header(&f.header),
            self.signature(&f.sig)
        )
    }
}

fn attrs(item: &Item) -> String {
    let mut s = String::new();
    for a in &item.attrs {
        match a {
            rustdoc_types::Attribute::NonExhaustive => s.push_str("#[non_exhaustive] "),
            rustdoc_types::Attribute::MustUse { .. } => s.push_str("#[must_use] "),
            _ => {}
        }
    }
    if item.deprecation.is_some() {
        s.push_str("#[deprecated] ");
    }
    s
}
