//! `cargo xtask diff`: what changed between two versions of the specs in `openapi/`, and
//! whether it breaks users of the client generated from them.
//!
//! A change is **breaking** when code written against the client generated from the old
//! spec stops compiling once regenerated, or a client generated from the old spec misbehaves
//! against a service that implements the new one (README.md, "Reviewing an API change", lists
//! the rules). One module per job, each readable on its own:
//!
//! - `load`: the two sides, from files or git. Each side is parsed and generated in memory
//!   with regen's own code; a side that cannot be generated is a [`DiffError`] (exit 2). Lint
//!   findings are kept beside it ([`Report::problems`]), never a reason to refuse.
//! - `surface`: the public items of both generated modules, the judge of what stops
//!   compiling: a removed or changed item that no rule flagged is reported breaking on its
//!   own, and explanations name the items.
//! - `compare`, `params`, `schema`: a walk over both documents as JSON, following every
//!   `$ref` to each place an operation uses it (`GET /… → 200 (ListResponse) → connections[]
//!   (Connection) → inbound_bytes`), with the rules the generated code cannot show: the wire
//!   (renamed query parameters, moved parameters, constraints), response enums,
//!   requiredness and nullability, `additionalProperties: false`, security, media types.
//! - `render`: text and markdown; changes by operation, again by schema, the generated
//!   items, then the spec problems.

mod compare;
mod load;
mod params;
mod render;
mod schema;
mod surface;

use serde_json::Value;

pub use load::{
    compare_revision, load_file, load_revision, parse_document, specs_at_revision, specs_in_tree,
};
pub use params::snake;
pub use render::{PROBLEMS, render};
pub use surface::{ItemChange, Surface};

use crate::regen::{RegenError, SPEC_DIR};
use crate::spec::{Finding, SpecError};

/// Whether a change breaks users of the generated client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Old code and old clients keep working.
    NonBreaking,
    /// Old code stops compiling, or old clients stop working against the new service.
    Breaking,
}

impl Severity {
    /// `breaking` or `non-breaking`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Breaking => "breaking",
            Severity::NonBreaking => "non-breaking",
        }
    }
}

/// Where, inside a component schema, a change was made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The component schema (`components.schemas` key).
    pub schema: String,
    /// Location inside that schema (empty: the schema itself).
    pub path: Vec<String>,
    /// The use site through which it was reached (`GET /… → 200 → connections[]`).
    pub used_at: String,
}

/// One reported change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The operation (`GET /path (operationId)`), path, or `components`/`document` group.
    pub group: String,
    /// Location inside the group, outermost first (`200 (Response)`, `connections[]`, ...).
    pub location: Vec<String>,
    /// What changed; values are in backticks.
    pub what: String,
    /// The classification.
    pub severity: Severity,
    /// Why it is classified so.
    pub reason: String,
    /// The component schema the change was made in, if any.
    pub origin: Option<Origin>,
}

impl Change {
    /// `group → location…` as one string.
    pub fn site(&self) -> String {
        std::iter::once(self.group.as_str())
            .chain(self.location.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join(" → ")
    }
}

/// The result of comparing two versions of one spec.
#[derive(Debug, Clone)]
pub struct Report {
    /// The spec compared (`openapi/iam.yaml`), when the sides are git revisions.
    pub spec: Option<String>,
    /// Name of the old side (`HEAD`, a file name).
    pub old_label: String,
    /// Name of the new side.
    pub new_label: String,
    /// Every change, grouped (groups in document order, paths sorted).
    pub changes: Vec<Change>,
    /// Public items of the generated module that differ between the two sides.
    pub generated: Vec<ItemChange>,
    /// What the lint finds in the new side (`cargo xtask regen` would refuse it); reported
    /// after the verdict, never a reason to refuse the comparison or to change its verdict.
    pub problems: Vec<Finding>,
    /// What the lint finds in the old side (history: rules may have been added since).
    pub old_problems: Vec<Finding>,
}

impl Report {
    /// True if any change is breaking.
    pub fn has_breaking(&self) -> bool {
        self.changes
            .iter()
            .any(|c| c.severity == Severity::Breaking)
    }

    /// Number of breaking and non-breaking changes.
    pub fn counts(&self) -> (usize, usize) {
        let breaking = self
            .changes
            .iter()
            .filter(|c| c.severity == Severity::Breaking)
            .count();
        (breaking, self.changes.len() - breaking)
    }
}

/// Output format of the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// Plain text for a terminal.
    #[default]
    Text,
    /// Markdown tables for pasting into a review.
    Markdown,
}

/// Why a diff could not be made (`cargo xtask diff` exits 2).
#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    /// A side is not a spec `regen` accepts (unreadable, not YAML, not OpenAPI 3.0.x,
    /// a dangling or external `$ref`, a failed check).
    #[error(transparent)]
    Spec(#[from] SpecError),
    /// A side passes validation but progenitor cannot generate a client from it.
    #[error(transparent)]
    Generate(#[from] RegenError),
    /// The specs could not be read from git at the given revision.
    #[error("cannot read {what} at revision `{rev}`: {message}")]
    Git {
        /// The revision asked for.
        rev: String,
        /// The file or folder.
        what: String,
        /// What went wrong.
        message: String,
    },
    /// Neither side has a spec.
    #[error("no spec (*.yaml) in {SPEC_DIR}/ at revision `{rev}` or in the working tree")]
    NoSpecs {
        /// The revision compared with.
        rev: String,
    },
}

/// One side of the comparison: the document as generic JSON and its generated public API.
#[derive(Debug, Clone)]
pub struct Document {
    /// How the side is named in the report.
    pub label: String,
    /// The parsed document.
    pub raw: Value,
    /// The public items of the module `regen` generates from it.
    pub api: Surface,
    /// Lint findings ([`crate::spec::lint`]): reported, not refused.
    pub problems: Vec<Finding>,
}

/// Compares two versions of one spec.
pub fn diff(old: &Document, new: &Document) -> Report {
    let mut changes = compare::walk(old, new);
    let generated = Surface::diff(&old.api, &new.api);
    // The net: the generated code is the judge of what compiles. A removed or changed public
    // item that no rule flagged as breaking is reported breaking on its own.
    if !changes.iter().any(|c| c.severity == Severity::Breaking) {
        for item in generated.iter().filter(|i| i.breaks()) {
            changes.push(Change {
                group: "generated client".into(),
                location: vec![item.item.clone()],
                what: match &item.new {
                    None => "removed".into(),
                    Some(n) => format!("changed `{}` → `{n}`", item.old.as_deref().unwrap_or("")),
                },
                severity: Severity::Breaking,
                reason: "code that uses this generated item may no longer compile (found by \
                         generating both sides; no rule above explains it, so review it)"
                    .into(),
                origin: None,
            });
        }
    }
    Report {
        spec: None,
        old_label: old.label.clone(),
        new_label: new.label.clone(),
        changes,
        generated,
        problems: new.problems.clone(),
        old_problems: old.problems.clone(),
    }
}
