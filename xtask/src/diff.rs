//! `cargo xtask diff`: what changed between two versions of `openapi/p2c-vpn.yaml`, and
//! whether it breaks users of the generated client.
//!
//! Both documents are compared as generic JSON (the `raw` value of [`spec::Spec`]). Every
//! `$ref` is followed, so a change inside a shared schema is reported at each place an
//! operation uses it (`GET /… → 200 (ListP2cVgwConnectionsResponse) → connections[]
//! (Connection) → inbound_bytes`) and once more, deduplicated, under the schema it was made in.
//!
//! # Classification
//!
//! A change is **breaking** when code written against the client generated from the old
//! spec stops compiling once regenerated, or a client generated from the old spec stops
//! working against a service that implements the new one. Otherwise it is non-breaking.
//!
//! | change | class |
//! | --- | --- |
//! | path, operation, parameter, response, media type, field or component schema removed | breaking |
//! | type or format changed (the generated Rust type changes) | breaking |
//! | `operationId` changed (the generated method is renamed) | breaking |
//! | `$ref` target changed, or inline ↔ `$ref` (the generated type is renamed) | breaking |
//! | new required parameter, request field or request body; optional → required in a request | breaking |
//! | parameter moved (`in` changed), `style`/`explode` changed | breaking |
//! | enum value removed (the generated enum loses a variant) | breaking |
//! | enum value added in a response (old clients cannot deserialize it) | breaking |
//! | response field required → optional or optional → required (`T` ↔ `Option<T>`) | breaking |
//! | response field becomes `nullable` / request field stops being `nullable` | breaking |
//! | constraint tightened on a request value (`minimum` raised, `maxLength` lowered, `pattern` added…) | breaking |
//! | path, operation, optional parameter, optional request field, response or media type added | non-breaking |
//! | new field in a response, required or not (a client only gains data) | non-breaking |
//! | request field or parameter required → optional | non-breaking |
//! | enum value added in a request | non-breaking |
//! | description, summary, title, example(s), `default`, `deprecated`, tags, servers, info | non-breaking |
//! | constraint loosened, or any constraint change on a response value | non-breaking |
//! | security requirements or schemes (applied by the hooks, not generated code) | non-breaking |
//! | any other keyword (`x-…` extensions, …) | non-breaking |

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::LazyLock;

use serde_json::{Map, Value};

use crate::regen::SPEC_PATH;
use crate::spec::{self, SpecError};

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

/// The result of comparing two specs.
#[derive(Debug, Clone)]
pub struct Report {
    /// Name of the old side (`HEAD`, a file name).
    pub old_label: String,
    /// Name of the new side.
    pub new_label: String,
    /// Every change, grouped (groups in document order, paths sorted).
    pub changes: Vec<Change>,
    /// Notes about the inputs (e.g. a side that does not pass `cargo xtask lint`).
    pub warnings: Vec<String>,
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

/// Why a diff could not be made.
#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    /// A side is not a usable spec.
    #[error(transparent)]
    Spec(#[from] SpecError),
    /// The spec could not be read from git at the given revision.
    #[error("cannot read {SPEC_PATH} at revision `{rev}`: {message}")]
    Git {
        /// The revision asked for.
        rev: String,
        /// What went wrong.
        message: String,
    },
}

/// One side of the comparison, as generic JSON.
#[derive(Debug, Clone)]
pub struct Document {
    /// How the side is named in the report.
    pub label: String,
    /// The parsed document.
    pub raw: Value,
    /// Set when the document parses but does not pass validation/lint.
    pub warning: Option<String>,
}

/// Parses spec `text` (named `path` in messages). A document that is valid YAML and
/// OpenAPI but fails the lint is still compared, with a warning; anything worse is an error.
pub fn parse_document(label: &str, path: &Path, text: &str) -> Result<Document, DiffError> {
    match spec::parse(path, text) {
        Ok(spec) => Ok(Document {
            label: label.to_owned(),
            raw: spec.raw,
            warning: None,
        }),
        Err(SpecError::Invalid { findings, .. }) => {
            let raw: Value = serde_saphyr::from_str(text).map_err(|e| SpecError::Yaml {
                path: path.to_owned(),
                message: e.to_string(),
            })?;
            Ok(Document {
                label: label.to_owned(),
                raw,
                warning: Some(format!(
                    "{label} ({}) has {} lint finding(s); compared anyway (see `cargo xtask lint`)",
                    path.display(),
                    findings.len()
                )),
            })
        }
        Err(e) => Err(e.into()),
    }
}

/// Reads and parses a spec file.
pub fn load_file(path: &Path) -> Result<Document, DiffError> {
    let text = std::fs::read_to_string(path).map_err(|source| SpecError::Read {
        path: path.to_owned(),
        source,
    })?;
    parse_document(&path.display().to_string(), path, &text)
}

/// Reads the spec as committed at git revision `rev` in the repository at `root`.
pub fn load_revision(root: &Path, rev: &str) -> Result<Document, DiffError> {
    let git_err = |message: String| DiffError::Git {
        rev: rev.to_owned(),
        message,
    };
    if rev.is_empty() || rev.starts_with('-') || rev.contains(':') {
        return Err(git_err(
            "not a revision (expected e.g. HEAD, main, HEAD~1 or a commit hash)".into(),
        ));
    }
    let out = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["show", &format!("{rev}:{SPEC_PATH}")])
        .output()
        .map_err(|e| git_err(format!("cannot run git: {e}")))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        return Err(git_err(stderr.trim().to_owned()));
    }
    let text = String::from_utf8(out.stdout)
        .map_err(|_| git_err("the file at that revision is not UTF-8".into()))?;
    parse_document(rev, &PathBuf::from(format!("{rev}:{SPEC_PATH}")), &text)
}

/// Compares two documents.
pub fn diff(old: &Document, new: &Document) -> Report {
    let mut walker = Walker {
        old: &old.raw,
        new: &new.raw,
        changes: Vec::new(),
        reached: BTreeSet::new(),
    };
    walker.document();
    Report {
        old_label: old.label.clone(),
        new_label: new.label.clone(),
        changes: walker.changes,
        warnings: old
            .warning
            .iter()
            .chain(new.warning.iter())
            .cloned()
            .collect(),
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
}

impl Ctx {
    fn new(group: &str, dir: Dir) -> Self {
        Ctx {
            group: group.to_owned(),
            loc: Vec::new(),
            dir,
            origin: None,
            stack: Vec::new(),
        }
    }

    fn child(&self, segment: &str) -> Self {
        let mut c = self.clone();
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

    fn site(&self) -> String {
        std::iter::once(self.group.as_str())
            .chain(self.loc.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join(" → ")
    }
}

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];
const MAX_DEPTH: usize = 64;
const SCHEMA_PREFIX: &str = "#/components/schemas/";

use Severity::{Breaking, NonBreaking};

struct Walker<'a> {
    old: &'a Value,
    new: &'a Value,
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
        if old.get("security") != new.get("security")
            || old.pointer("/components/securitySchemes")
                != new.pointer("/components/securitySchemes")
        {
            self.emit(
                &doc,
                "security requirements or schemes changed".into(),
                NonBreaking,
                "authentication is applied by the client's hooks, not by generated code; check hooks.rs",
            );
        }
        self.paths();
        self.components();
    }

    fn paths(&mut self) {
        let old_paths = obj(self.old.get("paths"));
        let new_paths = obj(self.new.get("paths"));
        let all: BTreeSet<&String> = old_paths.keys().chain(new_paths.keys()).collect();
        for path in all {
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
                (Some(o), Some(n)) => self.path_item(path, o, n),
                (None, None) => {}
            }
        }
    }

    fn path_item(&mut self, path: &str, old_item: &'a Value, new_item: &'a Value) {
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
                    let group = op_group(&upper, path, n);
                    self.operation(&group, old_item, o, new_item, n);
                }
                (None, None) => {}
            }
        }
    }

    fn operation(
        &mut self,
        group: &str,
        old_item: &'a Value,
        old_op: &'a Value,
        new_item: &'a Value,
        new_op: &'a Value,
    ) {
        let ctx = Ctx::new(group, Dir::Request);
        if old_op.get("operationId") != new_op.get("operationId") {
            let show = |v: Option<&Value>| v.map(code).unwrap_or_else(|| "none".into());
            self.emit(
                &ctx,
                format!(
                    "operationId changed {} → {}",
                    show(old_op.get("operationId")),
                    show(new_op.get("operationId"))
                ),
                Breaking,
                "the generated method and builder are renamed",
            );
        }
        for key in [
            "summary",
            "description",
            "tags",
            "deprecated",
            "externalDocs",
        ] {
            if old_op.get(key) != new_op.get(key) {
                self.emit(
                    &ctx,
                    format!("{key} changed"),
                    NonBreaking,
                    "documentation only",
                );
            }
        }
        if old_op.get("security") != new_op.get("security") {
            self.emit(
                &ctx,
                "security requirements changed".into(),
                NonBreaking,
                "authentication is applied by the client's hooks, not by generated code; check hooks.rs",
            );
        }
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
                    &ctx,
                    format!("extension `{key}` changed"),
                    NonBreaking,
                    "not used by the generator",
                );
            }
        }
        self.parameters(&ctx, old_item, old_op, new_item, new_op);
        self.request_body(&ctx, old_op, new_op);
        self.responses(group, old_op, new_op);
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
                let name = p
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or("?")
                    .to_owned();
                let place = p
                    .get("in")
                    .and_then(Value::as_str)
                    .unwrap_or("?")
                    .to_owned();
                let key = (name, place);
                by_key.retain(|(k, _)| *k != key);
                by_key.push((key, p));
            }
        }
        by_key.into_iter().map(|((name, _), p)| (name, p)).collect()
    }

    fn parameters(
        &mut self,
        ctx: &Ctx,
        old_item: &'a Value,
        old_op: &'a Value,
        new_item: &'a Value,
        new_op: &'a Value,
    ) {
        let olds = self.collect_params(self.old, old_item, old_op);
        let news = self.collect_params(self.new, new_item, new_op);
        let names: BTreeSet<&String> = olds.keys().chain(news.keys()).collect();
        for name in names {
            let place = |p: &Value| {
                p.get("in")
                    .and_then(Value::as_str)
                    .unwrap_or("?")
                    .to_owned()
            };
            match (olds.get(name), news.get(name)) {
                (Some(o), None) => self.emit(
                    &ctx.child(&format!("parameter {name} ({})", place(o))),
                    "parameter removed".into(),
                    Breaking,
                    "its generated builder method disappears",
                ),
                (None, Some(n)) => {
                    let c = ctx.child(&format!("parameter {name} ({})", place(n)));
                    if is_true(n, "required") {
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
                (Some(o), Some(n)) => {
                    let c = ctx.child(&format!("parameter {name} ({})", place(n)));
                    self.parameter(&c, o, n);
                }
                (None, None) => {}
            }
        }
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
                "every existing call still sets it",
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
        for key in ["description", "deprecated"] {
            if old.get(key) != new.get(key) {
                self.emit(
                    ctx,
                    format!("{key} changed"),
                    NonBreaking,
                    "documentation only",
                );
            }
        }
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
                if o.get("description") != n.get("description") {
                    self.emit(
                        &c,
                        "description changed".into(),
                        NonBreaking,
                        "documentation only",
                    );
                }
                let mut c = c;
                c.dir = Dir::Request;
                self.content(&c, o, n);
            }
        }
    }

    fn responses(&mut self, group: &str, old_op: &'a Value, new_op: &'a Value) {
        let ctx = Ctx::new(group, Dir::Response);
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
                    if o.get("description") != n.get("description") {
                        self.emit(
                            &c,
                            "description changed".into(),
                            NonBreaking,
                            "documentation only",
                        );
                    }
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

    fn content(&mut self, ctx: &Ctx, old: &'a Value, new: &'a Value) {
        let olds = obj(old.get("content"));
        let news = obj(new.get("content"));
        let types: BTreeSet<&String> = olds.keys().chain(news.keys()).collect();
        let single_json = olds.len() <= 1 && news.len() <= 1;
        for media in types {
            let c = if single_json && media == "application/json" {
                ctx.clone()
            } else {
                ctx.child(media)
            };
            let (Some(o), Some(n)) = (
                old.pointer(&format!("/content/{}", spec::escape(media))),
                new.pointer(&format!("/content/{}", spec::escape(media))),
            ) else {
                let (what, severity, reason) = if olds.contains_key(media) {
                    (
                        format!("media type `{media}` removed"),
                        Breaking,
                        "the generated client no longer handles this body",
                    )
                } else {
                    (
                        format!("media type `{media}` added"),
                        NonBreaking,
                        "an additional representation; the existing one is unchanged",
                    )
                };
                self.emit(&ctx.clone(), what, severity, reason);
                continue;
            };
            self.examples(&c, o, n);
            match (o.get("schema"), n.get("schema")) {
                (Some(os), Some(ns)) => self.schema(&c, os, ns),
                (None, None) => {}
                (Some(_), None) => self.emit(
                    &c,
                    "body schema removed".into(),
                    Breaking,
                    "the body is no longer typed",
                ),
                (None, Some(_)) => self.emit(
                    &c,
                    "body schema added".into(),
                    Breaking,
                    "the generated body type changes from untyped to typed",
                ),
            }
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
        let response = ctx.dir == Dir::Response;
        // Type and format, the generated Rust type.
        let (ot, nt) = (type_format(old), type_format(new));
        if ot != nt {
            self.emit(
                ctx,
                format!("type changed `{ot}` → `{nt}`"),
                Breaking,
                "the generated Rust type changes (and old clients mis-handle the new values)",
            );
        }
        match (is_true(old, "nullable"), is_true(new, "nullable")) {
            (false, true) => {
                let (s, why) = if response {
                    (
                        Breaking,
                        "the service may now send null, which old clients reject",
                    )
                } else {
                    (NonBreaking, "the service now also accepts null")
                };
                self.emit(ctx, "now nullable".into(), s, why);
            }
            (true, false) => {
                let (s, why) = if response {
                    (NonBreaking, "the service no longer sends null")
                } else {
                    (Breaking, "null, accepted before, is now rejected")
                };
                self.emit(ctx, "no longer nullable".into(), s, why);
            }
            _ => {}
        }
        self.enums(ctx, old, new);
        self.properties(ctx, old, new);
        // Arrays.
        match (old.get("items"), new.get("items")) {
            (Some(o), Some(n)) => self.schema(&ctx.suffixed("[]"), o, n),
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
                self.schema(&ctx.suffixed("{}"), o, n);
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
        for key in ["description", "title", "deprecated", "default"] {
            if old.get(key) != new.get(key) {
                let why = if key == "default" {
                    "the service's default only; generated code does not depend on it"
                } else {
                    "documentation only"
                };
                self.emit(ctx, format!("{key} changed"), NonBreaking, why);
            }
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
                            "a new value a client may send; old ones still work",
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
                (Some(_), Some(_)) => {
                    match (or.contains(name.as_str()), nr.contains(name.as_str())) {
                        (false, true) => {
                            let (s, why) = if response {
                                (
                                    Breaking,
                                    "the generated field changes from `Option<T>` to `T`",
                                )
                            } else {
                                (Breaking, "existing requests may not send it")
                            };
                            self.emit(&c, "optional → required".into(), s, why);
                        }
                        (true, false) => {
                            let (s, why) = if response {
                                (
                                    Breaking,
                                    "the service may omit it; the generated field changes from `T` to `Option<T>`",
                                )
                            } else {
                                (NonBreaking, "existing requests still send it")
                            };
                            self.emit(&c, "required → optional".into(), s, why);
                        }
                        _ => {}
                    }
                    let at = format!("/properties/{}", spec::escape(name));
                    if let (Some(o), Some(n)) = (old.pointer(&at), new.pointer(&at)) {
                        self.schema(&c, o, n);
                    }
                }
                (None, None) => {}
            }
        }
        // `required` entries that name no property are not fields; ignore them.
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
    let _ = writeln!(
        out,
        "API diff of {SPEC_PATH}: {} → {}",
        report.old_label, report.new_label
    );
    for w in &report.warnings {
        let _ = writeln!(out, "warning: {w}");
    }
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
    out
}

fn render_markdown(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "### API diff: `{}` → `{}` (`{SPEC_PATH}`)\n",
        report.old_label, report.new_label
    );
    for w in &report.warnings {
        let _ = writeln!(out, "> **warning:** {}\n", md_cell(w));
    }
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
    out
}
