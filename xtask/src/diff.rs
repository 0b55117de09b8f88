//! `cargo xtask diff`: what changed between two versions of the specs in `openapi/`, and
//! whether it breaks users of the client generated from them.
//!
//! Both documents are compared as generic JSON (the `raw` value of [`spec::Spec`]). Every
//! `$ref` is followed, so a change inside a shared schema is reported at each place an
//! operation uses it (`GET /… → 200 (ListP2cVgwConnectionsResponse) → connections[]
//! (Connection) → inbound_bytes`) and once more, deduplicated, under the schema it was made in.
//! Each side must pass the validation `cargo xtask regen` applies and generate (in memory,
//! with regen's own code): a spec regen refuses has no client to judge, so it is an error
//! ([`DiffError`]), never a report.
//!
//! # Classification
//!
//! A change is **breaking** when code written against the client generated from the old
//! spec stops compiling once regenerated, or a client generated from the old spec misbehaves
//! against a service that implements the new one. Otherwise it is non-breaking. The rules
//! follow what progenitor and typify generate, and the public items of both generated
//! modules are compared (`diff::surface`): the report lists those that changed, explanations
//! name them where a change maps to one, and a removed or changed item that no rule flagged
//! is reported breaking on its own.
//!
//! | change | class |
//! | --- | --- |
//! | spec, path, operation, parameter, response, field or component schema removed | breaking |
//! | type or format changed (the generated Rust type changes) | breaking |
//! | `operationId` changed (the generated method is renamed) | breaking |
//! | `$ref` target changed, or inline ↔ `$ref` (the generated type is renamed) | breaking |
//! | new required parameter, request field or request body; optional → required in a request | breaking |
//! | parameter moved (`in` changed), `style`/`explode` changed | breaking |
//! | path parameter renamed: the builder method is renamed (non-breaking if its snake_case name is the same) | breaking |
//! | query, header or cookie parameter renamed: the builder method and the request on the wire change | breaking |
//! | enum value removed (the generated enum loses a variant) | breaking |
//! | enum value added in a response (old clients cannot deserialize it) | breaking |
//! | a property's generated type changes between `T` and `Option<T>` (required non-nullable ↔ anything else) | breaking |
//! | a response property old clients require may now be missing, or null; a request property old clients omit (or send as null) is now required (or not nullable) | breaking |
//! | the JSON body (`application/json`, parameters allowed) replaced by another media type, `+json` suffixes included (progenitor types no other) | breaking |
//! | a security requirement or scheme the client's auth code uses (AK/SK signature, IAM token) no longer accepted | breaking |
//! | constraint tightened on a request value (`minimum` raised, `maxLength` lowered, `pattern` added…) | breaking |
//! | spec, path, operation, optional parameter, optional request field, response or media type added | non-breaking |
//! | new field in a response, required or not (a client only gains data) | non-breaking |
//! | a property that stays `Option<T>` (optional) becoming or ceasing to be nullable | non-breaking |
//! | media type parameters (`application/json` ↔ `application/json; charset=utf-8`) | non-breaking |
//! | request field or parameter required → optional when the generated type stays the same | non-breaking |
//! | enum value added in a request | non-breaking |
//! | description, summary, title, example(s), `default`, `deprecated`, tags, servers, info | non-breaking |
//! | constraint loosened, or any constraint change on a response value | non-breaking |
//! | security requirements or schemes the client's auth code does not use | non-breaking |
//! | any other keyword (`x-…` extensions, …) | non-breaking |

mod surface;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::LazyLock;

use serde_json::{Map, Value};

pub use surface::{ItemChange, Surface};

use crate::regen::{RegenError, SPEC_DIR};
use crate::spec::{self, METHODS, SpecError};

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
}

/// Parses spec `text` (named `path` in messages) with the validation `regen` applies, and
/// generates its client in memory. Any failure is an error: there is nothing to compare.
pub fn parse_document(label: &str, path: &Path, text: &str) -> Result<Document, DiffError> {
    let spec = spec::parse(path, text)?;
    let api = surface::generate(&spec)?;
    Ok(Document {
        label: label.to_owned(),
        raw: spec.raw,
        api,
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
            (Some(Ok(o)), None) => spec_removed(spec_path, &o),
            (None, Some(Ok(n))) => spec_added(spec_path, rev, &n),
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

/// The report for a spec that exists only on the new side.
pub fn spec_added(spec_path: &str, rev: &str, new: &Document) -> Report {
    let module = module_of(spec_path);
    Report {
        spec: Some(spec_path.to_owned()),
        old_label: rev.to_owned(),
        new_label: new.label.clone(),
        changes: vec![Change {
            group: "document".into(),
            location: Vec::new(),
            what: format!("spec added ({})", operation_ids(&new.raw).join(", ")),
            severity: Severity::NonBreaking,
            reason: format!(
                "a new generated module (`{module}`) with its own `Client`; existing modules \
                 are unchanged"
            ),
            origin: None,
        }],
        generated: Surface::diff(&Surface::default(), &new.api),
    }
}

/// The report for a spec that exists only on the old side.
pub fn spec_removed(spec_path: &str, old: &Document) -> Report {
    let module = module_of(spec_path);
    Report {
        spec: Some(spec_path.to_owned()),
        old_label: old.label.clone(),
        new_label: "working tree".into(),
        changes: vec![Change {
            group: "document".into(),
            location: Vec::new(),
            what: format!("spec removed ({})", operation_ids(&old.raw).join(", ")),
            severity: Severity::Breaking,
            reason: format!(
                "its generated module (`{module}`) and `Client` disappear: code using them no \
                 longer compiles"
            ),
            origin: None,
        }],
        generated: Surface::diff(&old.api, &Surface::default()),
    }
}

/// Compares two versions of one spec.
pub fn diff(old: &Document, new: &Document) -> Report {
    let mut walker = Walker {
        old: &old.raw,
        new: &new.raw,
        old_api: &old.api,
        new_api: &new.api,
        changes: Vec::new(),
        reached: BTreeSet::new(),
    };
    walker.document();
    let generated = Surface::diff(&old.api, &new.api);
    let mut changes = walker.changes;
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
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dir {
    Request,
    Response,
}

#[derive(Debug, Clone)]
struct Ctx {
    group: String,
    loc: Vec<String>,
    dir: Dir,
    origin: Option<Origin>,
    /// `$ref` pairs being compared further up (cycle guard).
    stack: Vec<(Option<String>, Option<String>)>,
    /// The operationId (new side) of the operation being compared.
    op: Option<String>,
    /// The schema is a property's own (its nullability is judged with its requiredness).
    property: bool,
}

impl Ctx {
    fn new(group: &str, dir: Dir) -> Self {
        Ctx {
            group: group.to_owned(),
            loc: Vec::new(),
            dir,
            origin: None,
            stack: Vec::new(),
            op: None,
            property: false,
        }
    }

    fn child(&self, segment: &str) -> Self {
        let mut c = self.clone();
        c.property = false;
        c.loc.push(segment.to_owned());
        if let Some(o) = &mut c.origin {
            o.path.push(segment.to_owned());
        }
        c
    }

    /// Appends `suffix` to the last segment (`connections` → `connections[]`).
    fn suffixed(&self, suffix: &str) -> Self {
        let mut c = self.clone();
        match c.loc.last_mut() {
            Some(last) => last.push_str(suffix),
            None => c.loc.push(suffix.to_owned()),
        }
        if let Some(o) = &mut c.origin {
            match o.path.last_mut() {
                Some(last) => last.push_str(suffix),
                None => o.path.push(suffix.to_owned()),
            }
        }
        c
    }

    /// The element of an array or value of a map: no longer the property itself.
    fn inner(&self, suffix: &str) -> Self {
        let mut c = self.suffixed(suffix);
        c.property = false;
        c
    }

    fn site(&self) -> String {
        std::iter::once(self.group.as_str())
            .chain(self.loc.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join(" → ")
    }
}

const MAX_DEPTH: usize = 64;
const SCHEMA_PREFIX: &str = "#/components/schemas/";

use Severity::{Breaking, NonBreaking};

struct Walker<'a> {
    old: &'a Value,
    new: &'a Value,
    old_api: &'a Surface,
    new_api: &'a Surface,
    changes: Vec<Change>,
    /// Component schemas reached from some operation, on either side.
    reached: BTreeSet<String>,
}

static EMPTY: LazyLock<Map<String, Value>> = LazyLock::new(Map::new);

/// The object at `v`, or an empty one.
fn obj(v: Option<&Value>) -> &Map<String, Value> {
    v.and_then(Value::as_object).unwrap_or(&EMPTY)
}

fn code(v: &Value) -> String {
    match v {
        Value::String(s) => format!("`{s}`"),
        other => format!("`{other}`"),
    }
}

fn ref_name(node: &Value) -> Option<String> {
    node.get("$ref").and_then(Value::as_str).map(|r| {
        r.strip_prefix(SCHEMA_PREFIX)
            .map(str::to_owned)
            .unwrap_or_else(|| r.to_owned())
    })
}

fn type_format(schema: &Value) -> String {
    let ty = match schema.get("type") {
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => "any".to_owned(),
    };
    let format = schema
        .get("format")
        .and_then(Value::as_str)
        .unwrap_or("none");
    format!("{ty}/{format}")
}

fn is_true(node: &Value, key: &str) -> bool {
    node.get(key).and_then(Value::as_bool).unwrap_or(false)
}

fn required_set(schema: &Value) -> BTreeSet<String> {
    schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect()
}

fn str_at<'v>(node: &'v Value, key: &str) -> &'v str {
    node.get(key).and_then(Value::as_str).unwrap_or("?")
}

/// The snake_case name progenitor gives a parameter's builder method (`pageSize`,
/// `X-Request-Id` → `page_size`, `x_request_id`); checked against the generated builders
/// where they are at hand.
pub fn snake(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !out.is_empty() && !out.ends_with('_') {
                out.push('_');
            }
            continue;
        }
        let prev = i.checked_sub(1).map(|p| chars[p]);
        let next = chars.get(i + 1).copied();
        let boundary = c.is_ascii_uppercase()
            && prev.is_some_and(|p| {
                p.is_ascii_lowercase()
                    || p.is_ascii_digit()
                    || (p.is_ascii_uppercase() && next.is_some_and(|n| n.is_ascii_lowercase()))
            });
        if boundary && !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out.trim_end_matches('_').to_owned()
}

/// A path template with its parameter names blanked: `/v1/items/{item_id}` → `/v1/items/{}`.
fn template(path: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for c in path.chars() {
        match c {
            '{' => inside = true,
            '}' => {
                inside = false;
                out.push_str("{}");
            }
            _ if !inside => out.push(c),
            _ => {}
        }
    }
    out
}

/// The parameter names of a path template, in order.
fn path_params(path: &str) -> Vec<String> {
    path.split('{')
        .skip(1)
        .filter_map(|s| s.split_once('}'))
        .map(|(name, _)| name.to_owned())
        .collect()
}

/// The media type progenitor decodes into the generated type: `application/json`, with or
/// without parameters (its own test: `== "application/json"` or `starts_with
/// ("application/json;")`). Any other type, `application/problem+json` included, is raw
/// bytes in a response and refused in a request body.
fn json_media(content: &Map<String, Value>) -> Option<&String> {
    content
        .keys()
        .find(|k| *k == "application/json" || k.starts_with("application/json;"))
}

/// What the client's auth code (`p2c_vpn_auth::Auth::apply`, called by the hooks of every
/// generated client) sends: the header and what it carries.
const CLIENT_AUTH: [(&str, &str); 2] = [
    ("Authorization", "the AK/SK signature in `Authorization`"),
    ("X-Auth-Token", "an IAM token in `X-Auth-Token`"),
];

/// If the client's auth code applies security scheme `name` (an `apiKey` in one of the
/// headers it sets), what it sends.
fn client_auth(raw: &Value, name: &str) -> Option<&'static str> {
    let scheme = raw.pointer(&format!(
        "/components/securitySchemes/{}",
        spec::escape(name)
    ))?;
    if str_at(scheme, "type") != "apiKey" || str_at(scheme, "in") != "header" {
        return None;
    }
    let header = str_at(scheme, "name");
    CLIENT_AUTH
        .iter()
        .find(|(h, _)| h.eq_ignore_ascii_case(header))
        .map(|(_, what)| *what)
}

fn scheme_note(applied: Option<&str>) -> String {
    match applied {
        Some(auth) => format!("the client's auth code can apply it ({auth})"),
        None => "the client's auth code does not apply it (it sends only an AK/SK signature or \
                 an IAM token), and the generated code does not depend on security"
            .to_owned(),
    }
}

/// The security requirement alternatives in force for an operation (its own, else the
/// document's), each as the set of scheme names it combines.
fn effective_security(raw: &Value, op: &Value) -> Vec<BTreeSet<String>> {
    op.get("security")
        .or_else(|| raw.get("security"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|alt| obj(Some(alt)).keys().cloned().collect())
        .collect()
}

/// The ways the client's auth code can satisfy `alternatives`: `Some(scheme)` for a scheme
/// it applies on its own, `None` for no authentication at all.
fn ways(raw: &Value, alternatives: &[BTreeSet<String>]) -> BTreeSet<Option<String>> {
    if alternatives.is_empty() {
        return BTreeSet::from([None]);
    }
    alternatives
        .iter()
        .filter_map(|alt| match alt.iter().collect::<Vec<_>>().as_slice() {
            [] => Some(None),
            [name] if client_auth(raw, name).is_some() => Some(Some((*name).clone())),
            _ => None,
        })
        .collect()
}

/// `{nullable: true, allOf: [X]}` (or without `nullable`) → (`X`, nullable); else the node.
fn nullable_ref(node: &Value) -> (&Value, bool) {
    let single = node
        .get("allOf")
        .and_then(Value::as_array)
        .filter(|a| a.len() == 1);
    let plain = ["type", "properties", "items", "oneOf", "anyOf", "enum"]
        .iter()
        .all(|k| node.get(*k).is_none());
    match single {
        Some(members) if plain => (&members[0], is_true(node, "nullable")),
        _ => (node, false),
    }
}

/// Keywords compared by dedicated code; everything else goes through the generic rule.
const HANDLED: &[&str] = &[
    "$ref",
    "type",
    "format",
    "nullable",
    "enum",
    "properties",
    "required",
    "items",
    "additionalProperties",
    "allOf",
    "oneOf",
    "anyOf",
    "description",
    "title",
    "example",
    "default",
    "deprecated",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "minProperties",
    "maxProperties",
    "multipleOf",
    "pattern",
    "uniqueItems",
];

impl<'a> Walker<'a> {
    fn emit(&mut self, ctx: &Ctx, what: String, severity: Severity, reason: &str) {
        self.changes.push(Change {
            group: ctx.group.clone(),
            location: ctx.loc.clone(),
            what,
            severity,
            reason: reason.to_owned(),
            origin: ctx.origin.clone(),
        });
    }

    /// Follows `$ref` chains on one side; returns the first component name and the target.
    fn deref(&self, raw: &'a Value, mut node: &'a Value) -> (Option<String>, &'a Value) {
        let name = ref_name(node);
        for _ in 0..16 {
            match node.get("$ref").and_then(Value::as_str) {
                Some(r) if r.starts_with('#') => match raw.pointer(&r[1..]) {
                    Some(target) => node = target,
                    None => break,
                },
                _ => break,
            }
        }
        (name, node)
    }

    fn document(&mut self) {
        let (old, new) = (self.old, self.new);
        let doc = Ctx::new("document", Dir::Response);
        for key in ["openapi", "info", "servers"] {
            if old.get(key) != new.get(key) {
                self.emit(
                    &doc,
                    format!("`{key}` changed"),
                    NonBreaking,
                    "metadata only; the client takes its base URL when it is constructed",
                );
            }
        }
        self.security_schemes(&doc);
        self.paths();
        self.components();
    }

    /// Security schemes, judged by whether the client's auth code applies them. Whether an
    /// operation still accepts them is judged per operation ([`Walker::security`]).
    fn security_schemes(&mut self, doc: &Ctx) {
        let olds = obj(self.old.pointer("/components/securitySchemes"));
        let news = obj(self.new.pointer("/components/securitySchemes"));
        let names: BTreeSet<&String> = olds.keys().chain(news.keys()).collect();
        for name in names {
            let (o, n) = (olds.get(name), news.get(name));
            if o == n {
                continue;
            }
            let (used_old, used_new) = (client_auth(self.old, name), client_auth(self.new, name));
            let c = doc.child(&format!("security scheme {name}"));
            let (what, severity, why) = match (o, n, used_old) {
                (Some(_), None, Some(auth)) => (
                    "removed",
                    Breaking,
                    format!(
                        "the client's auth code authenticates with it ({auth}); no operation of \
                         the new spec accepts it, so such requests are rejected (HTTP 401). The \
                         generated code does not change: this breaks at run time only"
                    ),
                ),
                (Some(_), Some(_), Some(auth)) if used_new.is_none() => (
                    "changed",
                    Breaking,
                    format!(
                        "the client's auth code sends {auth}, which the scheme no longer \
                         describes: requests are rejected at run time"
                    ),
                ),
                (None, Some(_), _) => ("added", NonBreaking, scheme_note(used_new)),
                (Some(_), None, None) => ("removed", NonBreaking, scheme_note(None)),
                _ => ("changed", NonBreaking, scheme_note(used_new)),
            };
            self.emit(&c, what.into(), severity, &why);
        }
    }

    /// Per operation: is every way the client's auth code authenticated still accepted?
    fn security(&mut self, ctx: &Ctx, old_op: &Value, new_op: &Value) {
        let (old_alts, new_alts) = (
            effective_security(self.old, old_op),
            effective_security(self.new, new_op),
        );
        let (old_ways, new_ways) = (ways(self.old, &old_alts), ways(self.new, &new_alts));
        let source = if new_op.get("security").is_some() || old_op.get("security").is_some() {
            "operation `security`"
        } else {
            "global `security`"
        };
        for way in old_ways.difference(&new_ways) {
            let (what, why) = match way {
                None => (
                    "authentication now required".to_owned(),
                    "a client built without credentials (the hooks then send none) is rejected \
                     at run time"
                        .to_owned(),
                ),
                Some(name) => {
                    let auth = client_auth(self.old, name).unwrap_or("its credentials");
                    let why = if new_ways.contains(&None) {
                        format!(
                            "the new spec declares no authentication here, yet a client with \
                             credentials still sends `{name}` ({auth}) through its hooks; the \
                             generated code does not change, and whether the service accepts or \
                             ignores those credentials is not in the spec: confirm with the \
                             service before merging"
                        )
                    } else {
                        format!(
                            "a client whose hooks authenticate with `{name}` ({auth}) is \
                             rejected (HTTP 401) by a service that implements the new spec. The \
                             generated code does not change: this breaks at run time only"
                        )
                    };
                    (format!("`{name}` no longer accepted ({source})"), why)
                }
            };
            self.emit(ctx, what, Breaking, &why);
        }
        if old_alts != new_alts && old_ways.is_subset(&new_ways) {
            self.emit(
                ctx,
                format!("security requirements changed ({source})"),
                NonBreaking,
                "every way the client's auth code authenticated is still accepted; the \
                 generated code does not depend on security",
            );
        }
    }

    fn paths(&mut self) {
        let old_paths = obj(self.old.get("paths"));
        let new_paths = obj(self.new.get("paths"));
        // A path whose template differs only in parameter names is the same path: its
        // parameters were renamed (the URL on the wire is unchanged).
        let mut renamed: BTreeMap<&String, &String> = BTreeMap::new();
        for o in old_paths.keys().filter(|p| !new_paths.contains_key(*p)) {
            let mut same = new_paths
                .keys()
                .filter(|n| !old_paths.contains_key(*n) && template(n) == template(o));
            if let (Some(n), None) = (same.next(), same.next()) {
                renamed.insert(o, n);
            }
        }
        let all: BTreeSet<&String> = old_paths.keys().chain(new_paths.keys()).collect();
        for path in all {
            if let Some(new_path) = renamed.get(path) {
                let renames: Vec<(String, String)> = path_params(path)
                    .into_iter()
                    .zip(path_params(new_path))
                    .filter(|(a, b)| a != b)
                    .collect();
                let (o, n) = (&old_paths[path.as_str()], &new_paths[new_path.as_str()]);
                self.path_item(new_path, o, n, &renames);
                continue;
            }
            if renamed.values().any(|n| *n == path) {
                continue;
            }
            match (old_paths.get(path), new_paths.get(path)) {
                (Some(o), None) => {
                    let methods = methods_of(o);
                    self.emit(
                        &Ctx::new(path, Dir::Request),
                        format!("path removed ({methods})"),
                        Breaking,
                        "its generated methods disappear and the service no longer serves it",
                    );
                }
                (None, Some(n)) => {
                    let methods = methods_of(n);
                    self.emit(
                        &Ctx::new(path, Dir::Request),
                        format!("path added ({methods})"),
                        NonBreaking,
                        "new generated methods; existing ones are unchanged",
                    );
                }
                (Some(o), Some(n)) => self.path_item(path, o, n, &[]),
                (None, None) => {}
            }
        }
    }

    fn path_item(
        &mut self,
        path: &str,
        old_item: &'a Value,
        new_item: &'a Value,
        renames: &[(String, String)],
    ) {
        let (_, old_item) = self.deref(self.old, old_item);
        let (_, new_item) = self.deref(self.new, new_item);
        for method in METHODS {
            let upper = method.to_uppercase();
            match (old_item.get(method), new_item.get(method)) {
                (Some(o), None) => self.emit(
                    &Ctx::new(&op_group(&upper, path, o), Dir::Request),
                    "operation removed".into(),
                    Breaking,
                    "its generated method disappears and the service no longer serves it",
                ),
                (None, Some(n)) => self.emit(
                    &Ctx::new(&op_group(&upper, path, n), Dir::Request),
                    "operation added".into(),
                    NonBreaking,
                    "a new generated method; existing ones are unchanged",
                ),
                (Some(o), Some(n)) => {
                    let mut ctx = Ctx::new(&op_group(&upper, path, n), Dir::Request);
                    ctx.op = n
                        .get("operationId")
                        .and_then(Value::as_str)
                        .map(str::to_owned);
                    self.operation(&ctx, (old_item, o), (new_item, n), renames);
                }
                (None, None) => {}
            }
        }
    }

    fn operation(
        &mut self,
        ctx: &Ctx,
        (old_item, old_op): (&'a Value, &'a Value),
        (new_item, new_op): (&'a Value, &'a Value),
        renames: &[(String, String)],
    ) {
        if old_op.get("operationId") != new_op.get("operationId") {
            let show = |v: Option<&Value>| v.map(code).unwrap_or_else(|| "none".into());
            self.emit(
                ctx,
                format!(
                    "operationId changed {} → {}",
                    show(old_op.get("operationId")),
                    show(new_op.get("operationId"))
                ),
                Breaking,
                "the generated method and builder are renamed",
            );
        }
        let docs = [
            "summary",
            "description",
            "tags",
            "deprecated",
            "externalDocs",
        ];
        self.docs(ctx, old_op, new_op, &docs);
        self.security(ctx, old_op, new_op);
        let extensions: BTreeSet<&String> = old_op
            .as_object()
            .into_iter()
            .chain(new_op.as_object())
            .flat_map(|m| m.keys())
            .filter(|k| k.starts_with("x-"))
            .collect();
        for key in extensions {
            if old_op.get(key) != new_op.get(key) {
                self.emit(
                    ctx,
                    format!("extension `{key}` changed"),
                    NonBreaking,
                    "not used by the generator",
                );
            }
        }
        let olds = self.collect_params(self.old, old_item, old_op);
        let news = self.collect_params(self.new, new_item, new_op);
        self.parameters(ctx, &olds, &news, renames);
        self.request_body(ctx, old_op, new_op);
        let mut responses = ctx.clone();
        responses.dir = Dir::Response;
        self.responses(&responses, old_op, new_op);
    }

    fn collect_params(
        &self,
        raw: &'a Value,
        item: &'a Value,
        op: &'a Value,
    ) -> BTreeMap<String, &'a Value> {
        // Operation-level parameters override path-level ones with the same name and place.
        let mut by_key: Vec<((String, String), &'a Value)> = Vec::new();
        for list in [item.get("parameters"), op.get("parameters")] {
            for p in list.and_then(Value::as_array).into_iter().flatten() {
                let (_, p) = self.deref(raw, p);
                let key = (str_at(p, "name").to_owned(), str_at(p, "in").to_owned());
                by_key.retain(|(k, _)| *k != key);
                by_key.push((key, p));
            }
        }
        by_key.into_iter().map(|((name, _), p)| (name, p)).collect()
    }

    /// Parameters matched by name; then path parameters renamed in the template, and one
    /// query, header or cookie parameter removed and one added with the same schema and
    /// requiredness, are renames.
    fn parameters(
        &mut self,
        ctx: &Ctx,
        olds: &BTreeMap<String, &'a Value>,
        news: &BTreeMap<String, &'a Value>,
        renames: &[(String, String)],
    ) {
        let mut pairs: Vec<(String, String)> = olds
            .keys()
            .filter(|n| news.contains_key(*n))
            .map(|n| (n.clone(), n.clone()))
            .collect();
        for (o, n) in renames {
            if olds.contains_key(o) && news.contains_key(n) {
                pairs.push((o.clone(), n.clone()));
            }
        }
        for place in ["query", "header", "cookie"] {
            let unpaired = |side: &BTreeMap<String, &'a Value>, old: bool| -> Vec<String> {
                side.iter()
                    .filter(|(k, p)| {
                        str_at(p, "in") == place
                            && !pairs.iter().any(|(o, n)| *k == if old { o } else { n })
                    })
                    .map(|(k, _)| k.clone())
                    .collect()
            };
            if let ([o], [n]) = (
                unpaired(olds, true).as_slice(),
                unpaired(news, false).as_slice(),
            ) && olds[o].get("schema") == news[n].get("schema")
                && is_true(olds[o], "required") == is_true(news[n], "required")
            {
                pairs.push((o.clone(), n.clone()));
            }
        }
        for (name, p) in olds {
            if !pairs.iter().any(|(o, _)| o == name) {
                self.emit(
                    &ctx.child(&format!("parameter {name} ({})", str_at(p, "in"))),
                    "parameter removed".into(),
                    Breaking,
                    &format!(
                        "its generated builder method `.{}()` disappears",
                        snake(name)
                    ),
                );
            }
        }
        for (name, p) in news {
            if pairs.iter().any(|(_, n)| n == name) {
                continue;
            }
            let c = ctx.child(&format!("parameter {name} ({})", str_at(p, "in")));
            if is_true(p, "required") {
                self.emit(
                    &c,
                    "required parameter added".into(),
                    Breaking,
                    "existing calls do not set it and fail",
                );
            } else {
                self.emit(
                    &c,
                    "optional parameter added".into(),
                    NonBreaking,
                    "a new builder method; existing calls need not use it",
                );
            }
        }
        pairs.sort();
        for (o, n) in pairs {
            let (op, np) = (olds[&o], news[&n]);
            let c = ctx.child(&format!("parameter {n} ({})", str_at(np, "in")));
            if o != n {
                self.param_renamed(&c, &o, &n, np);
            }
            self.parameter(&c, op, np);
        }
    }

    /// A parameter renamed: its builder method is the snake_case of its name (checked
    /// against both generated modules); a path parameter only names a URL segment.
    fn param_renamed(&mut self, ctx: &Ctx, old: &str, new: &str, param: &Value) {
        let place = str_at(param, "in");
        let (om, nm) = self.builder_methods(ctx, old, new);
        let method = if om == nm {
            format!("the builder method stays `.{nm}()`")
        } else {
            format!("builder method `.{om}()` renamed to `.{nm}()`")
        };
        let wire_same = place == "path" || (place == "header" && old.eq_ignore_ascii_case(new));
        let (severity, why) = if wire_same {
            let sev = if om == nm { NonBreaking } else { Breaking };
            (
                sev,
                format!("{method}; the request on the wire is unchanged"),
            )
        } else {
            let sent = match place {
                "query" => format!("`?{old}=…`"),
                "header" => format!("header `{old}`"),
                _ => format!("{place} `{old}`"),
            };
            let required = if is_true(param, "required") {
                format!(" (and rejects requests without `{new}`)")
            } else {
                String::new()
            };
            (
                Breaking,
                format!(
                    "{method}, and the request on the wire changes: old clients send {sent}, \
                     which the new service does not read{required}"
                ),
            )
        };
        self.emit(
            ctx,
            format!("{place} parameter renamed `{old}` → `{new}`"),
            severity,
            &why,
        );
    }

    /// The builder methods of a renamed parameter on each side: the snake_case names when the
    /// generated builders have them, else the one method removed and the one added.
    fn builder_methods(&self, ctx: &Ctx, old: &str, new: &str) -> (String, String) {
        let (mut om, mut nm) = (snake(old), snake(new));
        let Some(op) = &ctx.op else {
            return (om, nm);
        };
        let builder = |api: &Surface| api.find_type("builder", op);
        let (Some(ob), Some(nb)) = (builder(self.old_api), builder(self.new_api)) else {
            return (om, nm);
        };
        let methods = |api: &Surface, b: &str| -> BTreeSet<String> {
            let prefix = format!("builder::{b}::");
            api.items
                .keys()
                .filter_map(|k| k.strip_prefix(&prefix)?.strip_suffix("()"))
                .map(str::to_owned)
                .collect()
        };
        let (before, after) = (methods(self.old_api, &ob), methods(self.new_api, &nb));
        let gone: Vec<&String> = before.difference(&after).collect();
        let came: Vec<&String> = after.difference(&before).collect();
        if !before.contains(&om) && gone.len() == 1 {
            om = gone[0].clone();
        }
        if !after.contains(&nm) && came.len() == 1 {
            nm = came[0].clone();
        }
        (om, nm)
    }

    fn parameter(&mut self, ctx: &Ctx, old: &'a Value, new: &'a Value) {
        if old.get("in") != new.get("in") {
            self.emit(
                ctx,
                format!(
                    "location changed {} → {}",
                    old.get("in").map(code).unwrap_or_default(),
                    new.get("in").map(code).unwrap_or_default()
                ),
                Breaking,
                "old clients send it where the service no longer reads it",
            );
        }
        match (is_true(old, "required"), is_true(new, "required")) {
            (false, true) => self.emit(
                ctx,
                "optional → required".into(),
                Breaking,
                "calls that do not set it now fail",
            ),
            (true, false) => self.emit(
                ctx,
                "required → optional".into(),
                NonBreaking,
                "every existing call still sets it; the builder method takes the same value",
            ),
            _ => {}
        }
        for key in [
            "style",
            "explode",
            "allowReserved",
            "allowEmptyValue",
            "content",
        ] {
            if old.get(key) != new.get(key) {
                self.emit(
                    ctx,
                    format!("`{key}` changed"),
                    Breaking,
                    "the value is serialized differently on the wire",
                );
            }
        }
        self.docs(ctx, old, new, &["description", "deprecated"]);
        self.examples(ctx, old, new);
        let mut c = ctx.clone();
        c.dir = Dir::Request;
        match (old.get("schema"), new.get("schema")) {
            (Some(o), Some(n)) => self.schema(&c, o, n),
            (None, None) => {}
            _ => self.emit(
                &c,
                "schema added or removed".into(),
                Breaking,
                "the generated type of the parameter changes",
            ),
        }
    }

    /// `KEY changed` (documentation only) for each of `keys` that differs.
    fn docs(&mut self, ctx: &Ctx, old: &Value, new: &Value, keys: &[&str]) {
        for key in keys {
            if old.get(*key) != new.get(*key) {
                let what = format!("{key} changed");
                self.emit(ctx, what, NonBreaking, "documentation only");
            }
        }
    }

    fn examples(&mut self, ctx: &Ctx, old: &Value, new: &Value) {
        if old.get("example") != new.get("example") || old.get("examples") != new.get("examples") {
            self.emit(
                ctx,
                "example(s) changed".into(),
                NonBreaking,
                "documentation only",
            );
        }
    }

    fn request_body(&mut self, ctx: &Ctx, old_op: &'a Value, new_op: &'a Value) {
        let c = ctx.child("request body");
        match (old_op.get("requestBody"), new_op.get("requestBody")) {
            (None, None) => {}
            (Some(_), None) => self.emit(
                &c,
                "request body removed".into(),
                Breaking,
                "the generated `body` builder method disappears",
            ),
            (None, Some(n)) => {
                let (_, n) = self.deref(self.new, n);
                if is_true(n, "required") {
                    self.emit(
                        &c,
                        "required request body added".into(),
                        Breaking,
                        "existing calls do not send it",
                    );
                } else {
                    self.emit(
                        &c,
                        "optional request body added".into(),
                        NonBreaking,
                        "existing calls need not send it",
                    );
                }
            }
            (Some(o), Some(n)) => {
                let (_, o) = self.deref(self.old, o);
                let (_, n) = self.deref(self.new, n);
                match (is_true(o, "required"), is_true(n, "required")) {
                    (false, true) => self.emit(
                        &c,
                        "optional → required".into(),
                        Breaking,
                        "calls that do not send a body now fail",
                    ),
                    (true, false) => self.emit(
                        &c,
                        "required → optional".into(),
                        NonBreaking,
                        "existing calls still send it",
                    ),
                    _ => {}
                }
                self.docs(&c, o, n, &["description"]);
                let mut c = c;
                c.dir = Dir::Request;
                self.content(&c, o, n);
            }
        }
    }

    fn responses(&mut self, ctx: &Ctx, old_op: &'a Value, new_op: &'a Value) {
        let olds = obj(old_op.get("responses"));
        let news = obj(new_op.get("responses"));
        let statuses: BTreeSet<&String> = olds.keys().chain(news.keys()).collect();
        for status in statuses {
            let c = ctx.child(status);
            match (olds.get(status), news.get(status)) {
                (Some(_), None) => self.emit(
                    &c,
                    "response removed".into(),
                    Breaking,
                    "the generated success or error type for this status changes",
                ),
                (None, Some(_)) => self.emit(
                    &c,
                    "response added".into(),
                    NonBreaking,
                    "a status the client did not list before; existing handling still applies",
                ),
                (Some(_), Some(_)) => {
                    let (Some(o), Some(n)) = (
                        old_op.pointer(&resp_ptr(status)),
                        new_op.pointer(&resp_ptr(status)),
                    ) else {
                        continue;
                    };
                    let (_, o) = self.deref(self.old, o);
                    let (_, n) = self.deref(self.new, n);
                    self.docs(&c, o, n, &["description"]);
                    let oh = obj(o.get("headers"));
                    let nh = obj(n.get("headers"));
                    let headers: BTreeSet<&String> = oh.keys().chain(nh.keys()).collect();
                    for h in headers {
                        if oh.get(h) != nh.get(h) {
                            self.emit(
                                &c.child(&format!("header {h}")),
                                "response header added, removed or changed".into(),
                                NonBreaking,
                                "headers are not typed by the generated client",
                            );
                        }
                    }
                    self.content(&c, o, n);
                }
                (None, None) => {}
            }
        }
    }

    /// Bodies as progenitor sees them: the JSON body is the media type it types
    /// ([`json_media`]); any other media type is raw bytes to it (or, in a request, refused).
    fn content(&mut self, ctx: &Ctx, old: &'a Value, new: &'a Value) {
        let (olds, news) = (obj(old.get("content")), obj(new.get("content")));
        let (oj, nj) = (json_media(olds), json_media(news));
        let response = ctx.dir == Dir::Response;
        let mut consumed = None;
        match (oj, nj) {
            (Some(ok), Some(nk)) => {
                if ok != nk {
                    let why = if response {
                        "progenitor reads both as the JSON body (`application/json`, parameters \
                         ignored): the generated type and decoding are unchanged"
                    } else {
                        "progenitor treats both as a JSON body and sends `Content-Type: \
                         application/json` either way: the generated code and the request are \
                         unchanged"
                    };
                    self.emit(ctx, format!("media type `{ok}` → `{nk}`"), NonBreaking, why);
                }
                self.media(ctx, &olds[ok.as_str()], &news[nk.as_str()]);
            }
            (Some(ok), None) => {
                let other = news.keys().next().filter(|_| news.len() == 1);
                consumed = other;
                let what = match other {
                    Some(nk) => format!("media type `{ok}` → `{nk}`"),
                    None => format!("media type `{ok}` removed"),
                };
                let effect = if response {
                    "the generated client no longer decodes this body into its type"
                } else {
                    "the generated `body()` builder method no longer takes its type"
                };
                let why = format!(
                    "progenitor types only `application/json` bodies (parameters allowed, \
                     `+json` suffixes not): {effect}{}",
                    self.send_change(ctx)
                );
                self.emit(ctx, what, Breaking, &why);
            }
            (None, Some(nk)) => {
                let other = olds.keys().next().filter(|_| olds.len() == 1);
                consumed = other;
                let what = match other {
                    Some(ok) => format!("media type `{ok}` → `{nk}`"),
                    None => format!("media type `{nk}` added"),
                };
                let effect = if response {
                    "the generated client now decodes this body into a generated type instead \
                     of handing over raw bytes"
                } else {
                    "the generated `body()` builder method now takes a generated type"
                };
                let why = format!("{effect}{}", self.send_change(ctx));
                self.emit(ctx, what, Breaking, &why);
            }
            (None, None) => {}
        }
        // Media types that are not the JSON body on either side.
        let types: BTreeSet<&String> = olds.keys().chain(news.keys()).collect();
        for media in types
            .into_iter()
            .filter(|m| ![oj, nj, consumed].contains(&Some(*m)))
        {
            let c = ctx.child(media);
            match (olds.get(media), news.get(media)) {
                (Some(o), Some(n)) => self.media(&c, o, n),
                (o, _) if oj.is_some() && nj.is_some() => self.emit(
                    ctx,
                    format!(
                        "media type `{media}` {}",
                        if o.is_some() { "removed" } else { "added" }
                    ),
                    NonBreaking,
                    "the generated client reads only the JSON body, which is unchanged",
                ),
                (o, _) => self.emit(
                    ctx,
                    format!(
                        "media type `{media}` {}",
                        if o.is_some() { "removed" } else { "added" }
                    ),
                    if o.is_some() { Breaking } else { NonBreaking },
                    "the generated client handles this body as raw bytes",
                ),
            }
        }
    }

    /// ` (send() now returns …)` when the generated `send()` of this operation changed.
    fn send_change(&self, ctx: &Ctx) -> String {
        let Some(op) = &ctx.op else {
            return String::new();
        };
        let send = |api: &'a Surface| {
            let b = api.find_type("builder", op)?;
            api.get(&format!("builder::{b}::send()"))
        };
        let returns = |sig: &'a str| sig.rsplit("-> ").next().unwrap_or(sig);
        match (send(self.old_api), send(self.new_api)) {
            (Some(o), Some(n)) if o != n => {
                format!(": `send()` returns `{}` → `{}`", returns(o), returns(n))
            }
            _ => String::new(),
        }
    }

    fn media(&mut self, ctx: &Ctx, o: &'a Value, n: &'a Value) {
        self.examples(ctx, o, n);
        match (o.get("schema"), n.get("schema")) {
            (Some(os), Some(ns)) => self.schema(ctx, os, ns),
            (None, None) => {}
            (Some(_), None) => self.emit(
                ctx,
                "body schema removed".into(),
                Breaking,
                "the body is no longer typed",
            ),
            (None, Some(_)) => self.emit(
                ctx,
                "body schema added".into(),
                Breaking,
                "the generated body type changes from untyped to typed",
            ),
        }
    }

    fn components(&mut self) {
        let olds = obj(self.old.pointer("/components/schemas"));
        let news = obj(self.new.pointer("/components/schemas"));
        let names: BTreeSet<&String> = olds.keys().chain(news.keys()).collect();
        for name in names {
            let ctx = Ctx::new(&format!("components.schemas.{name}"), Dir::Response);
            match (olds.get(name), news.get(name)) {
                (Some(_), None) => self.emit(
                    &ctx,
                    "schema removed".into(),
                    Breaking,
                    &format!("the generated type `types::{name}` disappears"),
                ),
                (None, Some(_)) => self.emit(
                    &ctx,
                    "schema added".into(),
                    NonBreaking,
                    &format!("a new generated type `types::{name}`"),
                ),
                (Some(_), Some(_)) if !self.reached.contains(name.as_str()) => {
                    // Not used by any operation: compare it on its own, as a response.
                    let r = Value::String(format!("{SCHEMA_PREFIX}{name}"));
                    let node = Value::Object(Map::from_iter([("$ref".to_owned(), r)]));
                    let mut ctx = ctx;
                    ctx.group = format!("components.schemas.{name} (not used by any operation)");
                    let (o, n) = (node.clone(), node);
                    self.schema_owned(&ctx, &o, &n);
                }
                _ => {}
            }
        }
    }

    /// Like [`Walker::schema`] for a node built on the fly (its `$ref` resolves per side).
    fn schema_owned(&mut self, ctx: &Ctx, old: &Value, new: &Value) {
        let (Some(on), Some(nn)) = (ref_name(old), ref_name(new)) else {
            return;
        };
        let (old_raw, new_raw) = (self.old, self.new);
        let (Some(o), Some(n)) = (
            old_raw.pointer(&format!("/components/schemas/{}", spec::escape(&on))),
            new_raw.pointer(&format!("/components/schemas/{}", spec::escape(&nn))),
        ) else {
            return;
        };
        let mut c = ctx.clone();
        c.origin = Some(Origin {
            schema: on.clone(),
            path: Vec::new(),
            used_at: "(not used by any operation)".into(),
        });
        c.stack.push((Some(on), Some(nn)));
        self.schema(&c, o, n);
    }

    fn schema(&mut self, ctx: &Ctx, old: &'a Value, new: &'a Value) {
        if ctx.stack.len() > MAX_DEPTH || ctx.loc.len() > MAX_DEPTH {
            return;
        }
        // `{nullable: true, allOf: [$ref]}` is OpenAPI 3.0's nullable `$ref`: typify makes it
        // `Option<Referenced>`, so compare the referenced schemas and judge the nullability.
        let ((old, old_null), (new, new_null)) = (nullable_ref(old), nullable_ref(new));
        if old_null != new_null && !ctx.property {
            self.nullability(ctx, new_null);
        }
        let (old_name, old_s) = self.deref(self.old, old);
        let (new_name, new_s) = self.deref(self.new, new);
        let mut c = ctx.clone();
        if old_name.is_some() || new_name.is_some() {
            let pair = (old_name.clone(), new_name.clone());
            if c.stack.contains(&pair) {
                return; // a cycle: compared further up
            }
            c.stack.push(pair);
        }
        for name in old_name.iter().chain(new_name.iter()) {
            self.reached.insert(name.clone());
        }
        match (&old_name, &new_name) {
            (Some(a), Some(b)) => {
                let label = if a == b {
                    format!(" ({a})")
                } else {
                    format!(" ({a} → {b})")
                };
                if a != b {
                    self.emit(
                        &c,
                        format!("schema changed `{a}` → `{b}`"),
                        Breaking,
                        "the generated type is renamed",
                    );
                }
                let used_at = c.site();
                c = c.suffixed(&label);
                c.origin = Some(Origin {
                    schema: b.clone(),
                    path: Vec::new(),
                    used_at,
                });
            }
            (Some(a), None) => {
                self.emit(
                    &c,
                    format!("`$ref` to `{a}` replaced by an inline schema"),
                    Breaking,
                    "the generated type is renamed",
                );
            }
            (None, Some(b)) => {
                self.emit(
                    &c,
                    format!("inline schema replaced by a `$ref` to `{b}`"),
                    Breaking,
                    "the generated type is renamed",
                );
                let used_at = c.site();
                c = c.suffixed(&format!(" ({b})"));
                c.origin = Some(Origin {
                    schema: b.clone(),
                    path: Vec::new(),
                    used_at,
                });
            }
            (None, None) => {}
        }
        self.schema_body(&c, old_s, new_s);
    }

    fn schema_body(&mut self, ctx: &Ctx, old: &'a Value, new: &'a Value) {
        // Type and format, the generated Rust type.
        let (ot, nt) = (type_format(old), type_format(new));
        if ot != nt {
            let why = match self.property_types(ctx) {
                (field, Some(o), Some(n)) if o != n => format!(
                    "{field} changes `{o}` → `{n}` (and old clients mis-handle the new values)"
                ),
                _ => "the generated Rust type changes (and old clients mis-handle the new values)"
                    .to_owned(),
            };
            self.emit(ctx, format!("type changed `{ot}` → `{nt}`"), Breaking, &why);
        }
        // A property's nullability is judged with its requiredness (`properties`).
        if !ctx.property && is_true(old, "nullable") != is_true(new, "nullable") {
            self.nullability(ctx, is_true(new, "nullable"));
        }
        self.enums(ctx, old, new);
        self.properties(ctx, old, new);
        // Arrays.
        match (old.get("items"), new.get("items")) {
            (Some(o), Some(n)) => self.schema(&ctx.inner("[]"), o, n),
            (None, None) => {}
            _ => self.emit(
                ctx,
                "array items added or removed".into(),
                Breaking,
                "the generated element type changes",
            ),
        }
        // Maps.
        match (
            old.get("additionalProperties"),
            new.get("additionalProperties"),
        ) {
            (Some(o @ Value::Object(_)), Some(n @ Value::Object(_))) => {
                self.schema(&ctx.inner("{}"), o, n);
            }
            (o, n) if o != n => {
                let show = |v: Option<&Value>| v.map(code).unwrap_or_else(|| "absent".into());
                self.emit(
                    ctx,
                    format!("additionalProperties changed {} → {}", show(o), show(n)),
                    Breaking,
                    "the generated type changes between a struct and a map",
                );
            }
            _ => {}
        }
        for key in ["allOf", "oneOf", "anyOf"] {
            let empty = Vec::new();
            let os = old.get(key).and_then(Value::as_array).unwrap_or(&empty);
            let ns = new.get(key).and_then(Value::as_array).unwrap_or(&empty);
            if os.len() != ns.len() {
                self.emit(
                    ctx,
                    format!("{key}: {} → {} subschemas", os.len(), ns.len()),
                    Breaking,
                    "the generated type changes shape",
                );
            }
            for i in 0..os.len().min(ns.len()) {
                if let (Some(o), Some(n)) = (find_in(old, key, i), find_in(new, key, i)) {
                    self.schema(&ctx.child(&format!("{key}[{i}]")), o, n);
                }
            }
        }
        self.constraints(ctx, old, new);
        self.docs(ctx, old, new, &["description", "title", "deprecated"]);
        if old.get("default") != new.get("default") {
            // typify gives an optional property with a default the plain type `T`, filled
            // with the default when the value is missing: adding or removing one can change
            // the generated field.
            let (severity, why) = match self.property_types(ctx) {
                (field, Some(o), Some(n)) if o != n => (
                    Breaking,
                    format!(
                        "{field} changes `{o}` → `{n}` (typify gives an optional property with a \
                         default the plain type): code that reads it no longer compiles"
                    ),
                ),
                _ => (
                    NonBreaking,
                    "the service's default only; the generated type is unchanged".to_owned(),
                ),
            };
            self.emit(ctx, "default changed".into(), severity, &why);
        }
        if old.get("example") != new.get("example") {
            self.emit(
                ctx,
                "example changed".into(),
                NonBreaking,
                "documentation only",
            );
        }
        let others: BTreeSet<&String> = old
            .as_object()
            .into_iter()
            .chain(new.as_object())
            .flat_map(|m| m.keys())
            .filter(|k| !HANDLED.contains(&k.as_str()))
            .collect();
        for key in others {
            if old.get(key) != new.get(key) {
                self.emit(
                    ctx,
                    format!("`{key}` changed"),
                    NonBreaking,
                    "not used by the generator",
                );
            }
        }
    }

    /// Nullability changed on a schema that is not a property's own (array items, map
    /// values, bodies): the generated type gains or loses its `Option`.
    fn nullability(&mut self, ctx: &Ctx, now_nullable: bool) {
        let response = ctx.dir == Dir::Response;
        let (what, types, runtime) = if now_nullable {
            (
                "now nullable",
                "`T` → `Option<T>`",
                response.then_some("old clients reject `null`"),
            )
        } else {
            let r = (!response).then_some("old clients may send `null`, now rejected");
            ("no longer nullable", "`Option<T>` → `T`", r)
        };
        let why = match runtime {
            Some(r) => format!("the generated type changes {types}, and {r}"),
            None => format!("the generated type changes {types}"),
        };
        self.emit(ctx, what.into(), Breaking, &why);
    }

    fn enums(&mut self, ctx: &Ctx, old: &Value, new: &Value) {
        let values =
            |v: &Value| -> Option<Vec<Value>> { v.get("enum").and_then(Value::as_array).cloned() };
        let (ov, nv) = (values(old), values(new));
        match (&ov, &nv) {
            (None, None) => {}
            (Some(_), None) => self.emit(
                ctx,
                "enum removed (any value allowed)".into(),
                Breaking,
                "the generated enum becomes a plain type",
            ),
            (None, Some(_)) => self.emit(
                ctx,
                "enum added (values restricted)".into(),
                Breaking,
                "the generated plain type becomes an enum",
            ),
            (Some(o), Some(n)) => {
                for v in o.iter().filter(|v| !n.contains(v)) {
                    self.emit(
                        ctx,
                        format!("enum value {} removed", code(v)),
                        Breaking,
                        "the generated enum loses a variant",
                    );
                }
                for v in n.iter().filter(|v| !o.contains(v)) {
                    if ctx.dir == Dir::Response {
                        self.emit(
                            ctx,
                            format!("enum value {} added", code(v)),
                            Breaking,
                            "old clients cannot deserialize the new value",
                        );
                    } else {
                        self.emit(
                            ctx,
                            format!("enum value {} added", code(v)),
                            NonBreaking,
                            "a new value a client may send; old calls still work (only an \
                             exhaustive `match` on the generated enum needs a new arm)",
                        );
                    }
                }
            }
        }
    }

    fn properties(&mut self, ctx: &Ctx, old: &'a Value, new: &'a Value) {
        let (op, np) = (obj(old.get("properties")), obj(new.get("properties")));
        let (or, nr) = (required_set(old), required_set(new));
        let response = ctx.dir == Dir::Response;
        let names: BTreeSet<&String> = op.keys().chain(np.keys()).collect();
        for name in names {
            let c = ctx.child(name);
            match (op.get(name), np.get(name)) {
                (Some(_), None) => {
                    let why = if response {
                        "the generated field disappears and the service no longer sends it"
                    } else {
                        "the generated field disappears and the service no longer reads it"
                    };
                    self.emit(&c, "field removed".into(), Breaking, why);
                }
                (None, Some(_)) => {
                    let required = nr.contains(name.as_str());
                    let kind = if required { "required" } else { "optional" };
                    let (s, why) = match (response, required) {
                        (true, _) => (
                            NonBreaking,
                            "a client only gains data (unknown fields were already ignored)",
                        ),
                        (false, true) => (Breaking, "existing requests do not send it"),
                        (false, false) => (NonBreaking, "existing requests need not send it"),
                    };
                    self.emit(&c, format!("{kind} field added"), s, why);
                }
                (Some(o), Some(n)) => {
                    let old_shape = (or.contains(name.as_str()), self.nullable(self.old, o));
                    let new_shape = (nr.contains(name.as_str()), self.nullable(self.new, n));
                    if old_shape != new_shape {
                        self.field_shape(ctx, name, old_shape, new_shape);
                    }
                    let mut c = c;
                    c.property = true;
                    self.schema(&c, o, n);
                }
                (None, None) => {}
            }
        }
        // `required` entries that name no property are not fields; ignore them.
    }

    fn nullable(&self, raw: &'a Value, node: &'a Value) -> bool {
        is_true(node, "nullable") || is_true(self.deref(raw, node).1, "nullable")
    }

    /// A property whose requiredness or nullability changed, judged by the field typify
    /// generates: `T` when required and not nullable; else `Option<T>`, which must be present
    /// when required (`deserialize_with`) and is omitted when unset and optional.
    /// `shape` is (required, nullable).
    fn field_shape(&mut self, ctx: &Ctx, name: &str, old: (bool, bool), new: (bool, bool)) {
        let mut what = Vec::new();
        match (old.0, new.0) {
            (false, true) => what.push("optional → required"),
            (true, false) => what.push("required → optional"),
            _ => {}
        }
        match (old.1, new.1) {
            (false, true) => what.push("now nullable"),
            (true, false) => what.push("no longer nullable"),
            _ => {}
        }
        let rust = |(required, nullable): (bool, bool)| {
            if required && !nullable {
                "T"
            } else {
                "Option<T>"
            }
        };
        let (field, old_ty, new_ty) = self.field_types(ctx, name);
        let compile = match (&old_ty, &new_ty) {
            (Some(a), Some(b)) => a != b,
            _ => rust(old) != rust(new),
        };
        let old_ty = old_ty.unwrap_or_else(|| rust(old).to_owned());
        let new_ty = new_ty.unwrap_or_else(|| rust(new).to_owned());
        let runtime = if ctx.dir == Dir::Response {
            if old.0 && !new.0 {
                Some("old clients require it and fail to decode a response that omits it")
            } else if old == (true, false) && new.1 {
                Some("old clients fail to decode `null`")
            } else {
                None
            }
        } else if !old.0 && new.0 {
            Some("old clients omit it when unset, which the service now rejects")
        } else if old == (true, true) && !new.1 {
            Some("old clients send `null` when it is unset, which the service now rejects")
        } else {
            None
        };
        let (severity, why) = match (compile, runtime) {
            (true, r) => (
                Breaking,
                format!(
                    "{field} changes `{old_ty}` → `{new_ty}`: code that reads it or builds the \
                     struct literally no longer compiles{}",
                    r.map(|r| format!("; at run time, {r}")).unwrap_or_default()
                ),
            ),
            (false, Some(r)) => (Breaking, format!("{field} stays `{new_ty}`, but {r}")),
            (false, None) => {
                let tail = match ctx.dir {
                    Dir::Response if new.1 && !old.1 => {
                        "`null` decodes to `None`, as a missing value does"
                    }
                    Dir::Response => "old clients decode every value the new spec allows",
                    Dir::Request => "old clients send only what the new spec accepts",
                };
                (NonBreaking, format!("{field} stays `{new_ty}`; {tail}"))
            }
        };
        self.emit(&ctx.child(name), what.join(", "), severity, &why);
    }

    /// [`Walker::field_types`] for the property `ctx` is at.
    fn property_types(&self, ctx: &Ctx) -> (String, Option<String>, Option<String>) {
        match &ctx.origin {
            Some(o) if ctx.property && o.path.len() == 1 => {
                let mut parent = ctx.clone();
                parent.origin = Some(Origin {
                    path: Vec::new(),
                    ..o.clone()
                });
                self.field_types(&parent, &o.path[0])
            }
            _ => ("the generated field".to_owned(), None, None),
        }
    }

    /// The generated field of property `name` of the component schema `ctx` is in (its
    /// label and its type on each side), when the component is known to both modules.
    fn field_types(&self, ctx: &Ctx, name: &str) -> (String, Option<String>, Option<String>) {
        let component = ctx
            .origin
            .as_ref()
            .filter(|o| o.path.is_empty())
            .map(|o| &o.schema);
        let lookup = |api: &Surface| {
            let ty = api.find_type("types", component?)?;
            api.field(&ty, name).map(|(key, ty)| (key, ty.to_owned()))
        };
        match (lookup(self.old_api), lookup(self.new_api)) {
            (Some((_, o)), Some((key, n))) => (format!("`{key}`"), Some(o), Some(n)),
            _ => ("the generated field".to_owned(), None, None),
        }
    }

    fn constraints(&mut self, ctx: &Ctx, old: &Value, new: &Value) {
        const LOWER: [&str; 5] = [
            "minimum",
            "exclusiveMinimum",
            "minLength",
            "minItems",
            "minProperties",
        ];
        const UPPER: [&str; 4] = ["maximum", "maxLength", "maxItems", "maxProperties"];
        const OTHER: [&str; 4] = ["exclusiveMaximum", "multipleOf", "pattern", "uniqueItems"];
        let all = LOWER.iter().chain(UPPER.iter()).chain(OTHER.iter());
        for key in all {
            let (o, n) = (old.get(*key), new.get(*key));
            if o == n {
                continue;
            }
            let num = |v: Option<&Value>| v.and_then(Value::as_f64);
            let tighter = match (o, n) {
                (_, None) => false,
                (None, Some(_)) => true,
                (Some(_), Some(_)) if LOWER.contains(key) => match (num(o), num(n)) {
                    (Some(a), Some(b)) => b > a,
                    _ => o != n && n != Some(&Value::Bool(false)),
                },
                (Some(_), Some(_)) if UPPER.contains(key) => match (num(o), num(n)) {
                    (Some(a), Some(b)) => b < a,
                    _ => true,
                },
                _ => true,
            };
            let show = |v: Option<&Value>| v.map(code).unwrap_or_else(|| "none".into());
            let what = format!("`{key}` changed {} → {}", show(o), show(n));
            let (s, why) = match (ctx.dir, tighter) {
                (Dir::Request, true) => (Breaking, "values old clients send may now be rejected"),
                (Dir::Request, false) => (NonBreaking, "the constraint is loosened"),
                (Dir::Response, _) => (
                    NonBreaking,
                    "constraints on responses are not enforced by the generated client",
                ),
            };
            self.emit(ctx, what, s, why);
        }
    }
}

fn find_in<'v>(schema: &'v Value, key: &str, i: usize) -> Option<&'v Value> {
    schema
        .get(key)
        .and_then(Value::as_array)
        .and_then(|a| a.get(i))
}

fn resp_ptr(status: &str) -> String {
    format!("/responses/{}", spec::escape(status))
}

fn methods_of(item: &Value) -> String {
    let m: Vec<String> = METHODS
        .iter()
        .filter(|m| item.get(**m).is_some())
        .map(|m| m.to_uppercase())
        .collect();
    if m.is_empty() {
        "no operations".into()
    } else {
        m.join(", ")
    }
}

fn op_group(method: &str, path: &str, op: &Value) -> String {
    match op.get("operationId").and_then(Value::as_str) {
        Some(id) => format!("{method} {path} ({id})"),
        None => format!("{method} {path}"),
    }
}

/// One schema-section row: a change where it was made, with every use site.
struct SchemaRow {
    path: String,
    what: String,
    severity: Severity,
    reason: String,
    used_at: BTreeSet<String>,
}

fn schema_rows(report: &Report) -> BTreeMap<String, Vec<SchemaRow>> {
    let mut out: BTreeMap<String, Vec<SchemaRow>> = BTreeMap::new();
    for c in &report.changes {
        let Some(o) = &c.origin else { continue };
        let path = if o.path.is_empty() {
            "(the schema itself)".to_owned()
        } else {
            o.path.join(" → ")
        };
        let rows = out.entry(o.schema.clone()).or_default();
        match rows.iter_mut().find(|r| r.path == path && r.what == c.what) {
            Some(row) => {
                if c.severity > row.severity {
                    row.severity = c.severity;
                    row.reason = c.reason.clone();
                }
                row.used_at.insert(o.used_at.clone());
            }
            None => rows.push(SchemaRow {
                path,
                what: c.what.clone(),
                severity: c.severity,
                reason: c.reason.clone(),
                used_at: BTreeSet::from([o.used_at.clone()]),
            }),
        }
    }
    out
}

/// Groups in first-seen order.
fn groups(report: &Report) -> Vec<(&str, Vec<&Change>)> {
    let mut out: Vec<(&str, Vec<&Change>)> = Vec::new();
    for c in &report.changes {
        match out.iter_mut().find(|(g, _)| *g == c.group) {
            Some((_, list)) => list.push(c),
            None => out.push((&c.group, vec![c])),
        }
    }
    // Breaking changes first within each group; otherwise document order.
    for (_, list) in &mut out {
        list.sort_by_key(|c| std::cmp::Reverse(c.severity));
    }
    out
}

fn plain(s: &str) -> String {
    s.replace('`', "")
}

fn md_cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn summary(report: &Report) -> String {
    let (b, n) = report.counts();
    format!("{b} breaking, {n} non-breaking change(s)")
}

/// Renders the report.
pub fn render(report: &Report, format: Format) -> String {
    match format {
        Format::Text => render_text(report),
        Format::Markdown => render_markdown(report),
    }
}

fn render_text(report: &Report) -> String {
    let mut out = String::new();
    let _ = match &report.spec {
        Some(spec) => writeln!(
            out,
            "API diff of {spec}: {} → {}",
            report.old_label, report.new_label
        ),
        None => writeln!(out, "API diff: {} → {}", report.old_label, report.new_label),
    };
    if report.changes.is_empty() {
        let _ = writeln!(out, "No changes.");
        return out;
    }
    let _ = writeln!(out, "{}", summary(report));
    for (group, changes) in groups(report) {
        let _ = writeln!(out, "\n{group}");
        for c in changes {
            let at = if c.location.is_empty() {
                String::new()
            } else {
                format!("{}: ", c.location.join(" → "))
            };
            let _ = writeln!(
                out,
                "  {:<16}{at}{}",
                format!("[{}]", c.severity.as_str()),
                plain(&c.what)
            );
            let _ = writeln!(out, "  {:<16}why: {}", "", plain(&c.reason));
        }
    }
    let rows = schema_rows(report);
    if !rows.is_empty() {
        let _ = writeln!(out, "\nBy schema (each change once, where it was made)");
        for (schema, rows) in rows {
            let _ = writeln!(out, "  {schema}");
            for r in rows {
                let _ = writeln!(
                    out,
                    "    {:<16}{}: {}",
                    format!("[{}]", r.severity.as_str()),
                    r.path,
                    plain(&r.what)
                );
                for u in &r.used_at {
                    let _ = writeln!(out, "    {:<16}used at: {u}", "");
                }
            }
        }
    }
    let _ = writeln!(out, "\nGenerated client: {}", generated_summary(report));
    for line in generated_lines(report) {
        let _ = writeln!(out, "  {}", plain(&line));
    }
    out
}

/// A spec added or removed as a whole: its items are not listed one by one.
fn whole_module(report: &Report) -> bool {
    report.changes.len() == 1
        && report.changes[0].group == "document"
        && (report.changes[0].what.starts_with("spec added")
            || report.changes[0].what.starts_with("spec removed"))
}

fn generated_summary(report: &Report) -> String {
    let broken = report.generated.iter().filter(|i| i.breaks()).count();
    let added = report.generated.len() - broken;
    let n = report.generated.len();
    if whole_module(report) && broken == 0 {
        format!("a new module of {n} public item(s)")
    } else if whole_module(report) {
        format!("the module and its {n} public item(s) are gone")
    } else if report.generated.is_empty() {
        "no public item changed (both sides generated in memory)".into()
    } else {
        format!(
            "{broken} public item(s) removed or changed, {added} added (both sides generated in \
             memory)"
        )
    }
}

/// The items removed or changed, then those added; at most [`MAX_ITEMS`] lines.
fn generated_lines(report: &Report) -> Vec<String> {
    const MAX_ITEMS: usize = 40;
    if whole_module(report) {
        return Vec::new();
    }
    let mut items: Vec<&ItemChange> = report.generated.iter().collect();
    items.sort_by_key(|i| (!i.breaks(), i.new.is_none()));
    let mut lines: Vec<String> = items
        .iter()
        .take(MAX_ITEMS)
        .map(|i| match (&i.old, &i.new) {
            (Some(_), None) => format!("removed `{}`", i.item),
            (None, _) => format!("added `{}`", i.item),
            (Some(o), Some(n)) => {
                // The serde attributes only when they are what changed.
                let bare = |s: &str| s.split(" #[").next().unwrap_or_default().to_owned();
                let (o, n) = match (bare(o), bare(n)) {
                    (a, b) if a != b => (a, b),
                    _ => (o.clone(), n.clone()),
                };
                format!("changed `{}`: `{o}` → `{n}`", i.item)
            }
        })
        .collect();
    if items.len() > MAX_ITEMS {
        lines.push(format!("… and {} more", items.len() - MAX_ITEMS));
    }
    lines
}

fn render_markdown(report: &Report) -> String {
    let mut out = String::new();
    let spec = report
        .spec
        .as_ref()
        .map(|s| format!(" (`{s}`)"))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "### API diff: `{}` → `{}`{spec}\n",
        report.old_label, report.new_label
    );
    if report.changes.is_empty() {
        let _ = writeln!(out, "No changes.");
        return out;
    }
    let (b, n) = report.counts();
    let _ = writeln!(
        out,
        "**{b} breaking**, {n} non-breaking change(s).{}",
        if b > 0 { " ⚠️" } else { "" }
    );
    for (group, changes) in groups(report) {
        let _ = writeln!(out, "\n#### `{}`\n", group);
        let _ = writeln!(out, "| | Where | Change | Why |\n| --- | --- | --- | --- |");
        for c in changes {
            let class = match c.severity {
                Breaking => "**breaking**",
                NonBreaking => "non-breaking",
            };
            let at = if c.location.is_empty() {
                "(operation)".to_owned()
            } else {
                format!("`{}`", c.location.join(" → "))
            };
            let _ = writeln!(
                out,
                "| {class} | {} | {} | {} |",
                md_cell(&at),
                md_cell(&c.what),
                md_cell(&c.reason)
            );
        }
    }
    let rows = schema_rows(report);
    if !rows.is_empty() {
        let _ = writeln!(out, "\n#### By schema\n");
        let _ = writeln!(
            out,
            "| Schema | Where | Change | | Used at |\n| --- | --- | --- | --- | --- |"
        );
        for (schema, rows) in rows {
            for r in rows {
                let class = match r.severity {
                    Breaking => "**breaking**",
                    NonBreaking => "non-breaking",
                };
                let used: Vec<String> = r.used_at.iter().map(|u| format!("`{u}`")).collect();
                let _ = writeln!(
                    out,
                    "| `{schema}` | `{}` | {} | {class} | {} |",
                    md_cell(&r.path),
                    md_cell(&r.what),
                    md_cell(&used.join("<br>"))
                );
            }
        }
    }
    let _ = writeln!(
        out,
        "\n#### Generated client\n\n{}.\n",
        generated_summary(report)
    );
    for line in generated_lines(report) {
        let _ = writeln!(out, "- {line}");
    }
    out
}
