//! Where the two sides come from: spec files, or every spec of `openapi/` at a git revision
//! and in the working tree. Each side is parsed and generated in memory ([`parse_document`]);
//! a side that cannot be generated is a [`DiffError`].

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use super::compare::obj;
use super::{Change, DiffError, Document, Report, Severity, Surface, diff, surface};
use crate::regen::SPEC_DIR;
use crate::spec::{self, METHODS, SpecError};

/// Parses spec `text` (named `path` in messages) and generates its client in memory, as
/// `regen` would. A side that cannot be generated (not YAML, not OpenAPI 3.0.x, a dangling
/// or external `$ref`, an operation progenitor cannot generate) is an error: there is nothing
/// to compare. Lint findings are kept in [`Document::problems`], not refused.
pub fn parse_document(label: &str, path: &Path, text: &str) -> Result<Document, DiffError> {
    let (spec, problems) = spec::parse_unlinted(path, text)?;
    let api = surface::generate(&spec)?;
    Ok(Document {
        label: label.to_owned(),
        raw: spec.raw,
        api,
        problems,
    })
}

/// Reads and parses a spec file.
pub fn load_file(path: &Path) -> Result<Document, DiffError> {
    let text = std::fs::read_to_string(path).map_err(|source| SpecError::Read {
        path: path.to_owned(),
        source,
    })?;
    parse_document(&path.display().to_string(), path, &text)
}

/// Runs git in the repository at `root`; `what` names the object in errors.
fn git(root: &Path, rev: &str, what: &str, args: &[&str]) -> Result<String, DiffError> {
    let err = |message: String| DiffError::Git {
        rev: rev.to_owned(),
        what: what.to_owned(),
        message,
    };
    if rev.is_empty() || rev.starts_with('-') || rev.contains(':') {
        return Err(err(
            "not a revision (expected e.g. HEAD, main, HEAD~1 or a commit hash)".into(),
        ));
    }
    let out = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(args)
        .output()
        .map_err(|e| err(format!("cannot run git: {e}")))?;
    if !out.status.success() {
        return Err(err(String::from_utf8_lossy(&out.stderr).trim().to_owned()));
    }
    String::from_utf8(out.stdout).map_err(|_| err("not UTF-8".into()))
}

fn is_spec_file(name: &str) -> bool {
    name.ends_with(".yaml") || name.ends_with(".yml")
}

/// Reads spec `spec_path` (relative to the root, e.g. `openapi/iam.yaml`) as committed at
/// git revision `rev` in the repository at `root`.
pub fn load_revision(root: &Path, rev: &str, spec_path: &str) -> Result<Document, DiffError> {
    let text = git(
        root,
        rev,
        spec_path,
        // `./`: relative to the workspace root even when it is not the repository's root.
        &["show", &format!("{rev}:./{spec_path}")],
    )?;
    parse_document(rev, &PathBuf::from(format!("{rev}:{spec_path}")), &text)
}

/// The specs (`openapi/*.yaml`, relative to the root) committed at `rev`.
pub fn specs_at_revision(root: &Path, rev: &str) -> Result<Vec<String>, DiffError> {
    let dir = format!("{SPEC_DIR}/");
    // A revision that exists but has no openapi/ lists nothing; a bad revision fails.
    git(
        root,
        rev,
        &dir,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{rev}^{{commit}}"),
        ],
    )?;
    let listing = git(
        root,
        rev,
        &dir,
        &["ls-tree", "--name-only", rev, "--", &dir],
    )?;
    Ok(listing
        .lines()
        .filter(|p| {
            p.strip_prefix(&dir)
                .is_some_and(|n| !n.contains('/') && is_spec_file(n))
        })
        .map(str::to_owned)
        .collect())
}

/// The specs (`openapi/*.yaml`, relative to the root) in the working tree.
pub fn specs_in_tree(root: &Path) -> Result<Vec<String>, DiffError> {
    let dir = root.join(SPEC_DIR);
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => return Err(SpecError::Read { path: dir, source }.into()),
    };
    let mut specs: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| e.path().is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| is_spec_file(n))
        .map(|n| format!("{SPEC_DIR}/{n}"))
        .collect();
    specs.sort();
    Ok(specs)
}

/// Compares every spec in `openapi/` at git revision `rev` with the working tree: one
/// report per spec present on either side, in file-name order. Every spec that cannot be
/// compared is an error (all of them are returned).
pub fn compare_revision(root: &Path, rev: &str) -> Result<Vec<Report>, Vec<DiffError>> {
    let (old, new) = match (specs_at_revision(root, rev), specs_in_tree(root)) {
        (Ok(old), Ok(new)) => (old, new),
        (Err(e), _) | (_, Err(e)) => return Err(vec![e]),
    };
    let mut all: Vec<&String> = old.iter().chain(new.iter()).collect();
    all.sort();
    all.dedup();
    if all.is_empty() {
        return Err(vec![DiffError::NoSpecs {
            rev: rev.to_owned(),
        }]);
    }
    let mut reports = Vec::new();
    let mut errors = Vec::new();
    for spec_path in all {
        let old_doc = old
            .contains(spec_path)
            .then(|| load_revision(root, rev, spec_path));
        let new_doc = new.contains(spec_path).then(|| {
            load_file(&root.join(spec_path)).map(|mut d| {
                d.label = "working tree".into();
                d
            })
        });
        let report = match (old_doc, new_doc) {
            (Some(Ok(o)), Some(Ok(n))) => diff(&o, &n),
            (Some(Ok(o)), None) => one_side(spec_path, rev, &o, false),
            (None, Some(Ok(n))) => one_side(spec_path, rev, &n, true),
            (o, n) => {
                errors.extend(o.and_then(Result::err));
                errors.extend(n.and_then(Result::err));
                continue;
            }
        };
        reports.push(Report {
            spec: Some(spec_path.clone()),
            ..report
        });
    }
    if errors.is_empty() {
        Ok(reports)
    } else {
        Err(errors)
    }
}

/// The Rust module `regen` generates from a spec (`openapi/p2c-vpn.yaml` → `p2c_vpn`).
fn module_of(spec_path: &str) -> String {
    let name = spec_path.rsplit('/').next().unwrap_or(spec_path);
    let stem = name.trim_end_matches(".yaml").trim_end_matches(".yml");
    stem.replace('-', "_")
}

fn operation_ids(raw: &Value) -> Vec<String> {
    let mut ids: Vec<String> = obj(raw.get("paths"))
        .values()
        .flat_map(|item| METHODS.iter().filter_map(move |m| item.get(*m)))
        .filter_map(|op| op.get("operationId").and_then(Value::as_str))
        .map(|id| format!("`{id}`"))
        .collect();
    ids.sort();
    ids
}

/// The report for a spec that exists on one side only: `rev` (old) or the working tree (new).
fn one_side(spec_path: &str, rev: &str, doc: &Document, added: bool) -> Report {
    let module = module_of(spec_path);
    let ids = operation_ids(&doc.raw).join(", ");
    let (what, severity, reason) = if added {
        let why = "with its own `Client`; existing modules are unchanged";
        let reason = format!("a new generated module (`{module}`) {why}");
        (format!("spec added ({ids})"), Severity::NonBreaking, reason)
    } else {
        let why = "disappear: code using them no longer compiles";
        let reason = format!("its generated module (`{module}`) and `Client` {why}");
        (format!("spec removed ({ids})"), Severity::Breaking, reason)
    };
    let none = Document {
        label: String::new(),
        raw: Value::Null,
        api: Surface::default(),
        problems: Vec::new(),
    };
    let (old, new) = if added { (&none, doc) } else { (doc, &none) };
    Report {
        spec: Some(spec_path.to_owned()),
        old_label: rev.to_owned(),
        new_label: "working tree".into(),
        changes: vec![Change {
            group: "document".into(),
            location: Vec::new(),
            what,
            severity,
            reason,
            origin: None,
        }],
        generated: Surface::diff(&old.api, &new.api),
        problems: new.problems.clone(),
        old_problems: old.problems.clone(),
    }
}
