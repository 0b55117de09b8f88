//! Loading and validating `openapi/p2c-vpn.yaml` before anything is generated from it.
//!
//! Everything here turns a bad spec into a [`SpecError`] that names the file and, for each
//! finding, the JSON pointer of the offending node. Two known panics downstream are caught
//! here first: openapiv3 + a YAML parser that tolerates duplicate keys, and progenitor's
//! `assert!` on operations whose responses carry different success or error schemas.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::Value;

mod examples;

use examples::check_examples;

/// A spec that parsed and passed every check.
#[derive(Debug)]
pub struct Spec {
    /// Where it was read from.
    pub path: PathBuf,
    /// The document as generic JSON (used by validation and diffing).
    pub raw: Value,
    /// The typed document progenitor consumes.
    pub openapi: openapiv3::OpenAPI,
}

/// One problem found in a spec, located by JSON pointer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// JSON pointer (RFC 6901) of the node at fault, e.g. `/components/schemas/Connection`.
    pub pointer: String,
    /// What is wrong, in words.
    pub message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pointer = if self.pointer.is_empty() {
            "/"
        } else {
            &self.pointer
        };
        write!(f, "{pointer}: {}", self.message)
    }
}

/// Why a spec could not be used.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    /// The file could not be read.
    #[error("{}: cannot read spec: {source}", path.display())]
    Read {
        /// The spec file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not valid YAML (this includes duplicate mapping keys).
    #[error("{}: invalid YAML: {message}", path.display())]
    Yaml {
        /// The spec file.
        path: PathBuf,
        /// The parser's message, with line and column.
        message: String,
    },
    /// The YAML is well formed but is not an OpenAPI 3.0 document openapiv3 understands.
    #[error("{}: not a valid OpenAPI 3.0 document: {message}", path.display())]
    NotOpenApi {
        /// The spec file.
        path: PathBuf,
        /// What the decoder said.
        message: String,
    },
    /// The document failed one or more checks.
    #[error("{}: {} problem(s) in the spec:\n{}", path.display(), findings.len(), list(findings))]
    Invalid {
        /// The spec file.
        path: PathBuf,
        /// Every problem found.
        findings: Vec<Finding>,
    },
}

fn list(findings: &[Finding]) -> String {
    findings
        .iter()
        .map(|f| format!("  - {f}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Reads, parses and validates the spec at `path`.
pub fn load(path: &Path) -> Result<Spec, SpecError> {
    let text = std::fs::read_to_string(path).map_err(|source| SpecError::Read {
        path: path.to_owned(),
        source,
    })?;
    parse(path, &text)
}

/// Parses and validates spec `text`; `path` is only used in messages.
pub fn parse(path: &Path, text: &str) -> Result<Spec, SpecError> {
    let (spec, problems) = parse_unlinted(path, text)?;
    if !problems.is_empty() {
        return Err(invalid(path, problems));
    }
    Ok(spec)
}

/// Parses spec `text` and checks what generation needs (see [`structural`]); the lint
/// findings ([`lint`]) are returned beside the spec instead of refusing it. `cargo xtask
/// diff` reads specs so: a spec being edited, or an older revision, still gets a verdict.
pub fn parse_unlinted(path: &Path, text: &str) -> Result<(Spec, Vec<Finding>), SpecError> {
    // serde-saphyr rejects duplicate keys by default and has no `unsafe` YAML backend.
    let raw: Value = serde_saphyr::from_str(text).map_err(|e| SpecError::Yaml {
        path: path.to_owned(),
        message: e.to_string(),
    })?;
    // The version is checked before decoding so a 3.1 or 2.0 document gets this message
    // rather than whatever field openapiv3 happens to trip over.
    let version = check_version(&raw).map_err(|f| invalid(path, vec![f]))?;
    let openapi: openapiv3::OpenAPI =
        serde_json::from_value(raw.clone()).map_err(|e| SpecError::NotOpenApi {
            path: path.to_owned(),
            message: format!("OpenAPI {version}: {e}"),
        })?;
    let findings = structural(&raw);
    if !findings.is_empty() {
        return Err(invalid(path, findings));
    }
    let problems = lint(&raw);
    let spec = Spec {
        path: path.to_owned(),
        raw,
        openapi,
    };
    Ok((spec, problems))
}

fn invalid(path: &Path, findings: Vec<Finding>) -> SpecError {
    SpecError::Invalid {
        path: path.to_owned(),
        findings,
    }
}

fn check_version(raw: &Value) -> Result<&str, Finding> {
    match raw.get("openapi").and_then(Value::as_str) {
        Some(v) if v.starts_with("3.0.") => Ok(v),
        Some(v) => Err(Finding {
            pointer: "/openapi".into(),
            message: format!("version {v:?} is not supported: only OpenAPI 3.0.x is"),
        }),
        None => Err(Finding {
            pointer: "/openapi".into(),
            message: "missing `openapi: 3.0.x` version field".into(),
        }),
    }
}

/// Runs every check on a parsed document and returns all findings (empty when valid).
pub fn validate(raw: &Value) -> Vec<Finding> {
    let mut out = structural(raw);
    out.extend(lint(raw));
    // A dangling `$ref` under a response is also met by the closed-response walk: once is enough.
    let mut seen_refs = BTreeSet::new();
    out.retain(|f| !f.message.starts_with("$ref ") || seen_refs.insert(f.pointer.clone()));
    out
}

/// What generation needs: every `$ref` local and resolving, and operations progenitor can
/// generate (a unique `operationId`, responses, one success and one error schema).
pub fn structural(raw: &Value) -> Vec<Finding> {
    let mut out = Vec::new();
    check_refs(raw, &mut out);
    check_operations(raw, &mut out);
    out
}

/// The project's rules for a spec `regen` accepts, beyond what generation needs: parameters
/// and properties described, security requirements naming defined schemes, examples that
/// match their schema and name no stale key, response objects open (no closed `enum`, no
/// `additionalProperties: false`), and every component referenced.
pub fn lint(raw: &Value) -> Vec<Finding> {
    let mut out = Vec::new();
    check_security(raw, &mut out);
    check_descriptions(raw, &mut out);
    check_schemas(raw, &mut out);
    check_examples(raw, &mut out);
    check_unused_components(raw, &mut out);
    // A schema reached from two responses is met twice by the closed-response walk.
    let mut seen = BTreeSet::new();
    out.retain(|f| seen.insert((f.pointer.clone(), f.message.clone())));
    out
}

/// Keys whose values are data, not spec structure: a `$ref` key inside them is not a reference.
const DATA_KEYS: [&str; 4] = ["example", "value", "default", "enum"];

/// Every `$ref` (outside example and default values) with the pointer of the node holding it.
fn refs<'a>(node: &'a Value, ptr: String, out: &mut Vec<(String, &'a Value)>) {
    match node {
        Value::Object(map) => {
            if let Some(r) = map.get("$ref") {
                out.push((ptr.clone(), r));
            }
            for (key, child) in map {
                if !DATA_KEYS.contains(&key.as_str()) && !key.starts_with("x-") {
                    refs(child, format!("{ptr}/{}", escape(key)), out);
                }
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                refs(child, format!("{ptr}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// Every `$ref` is local and resolves (the generator follows nothing else).
fn check_refs(raw: &Value, out: &mut Vec<Finding>) {
    let mut found = Vec::new();
    refs(raw, String::new(), &mut found);
    for (ptr, r) in found {
        let message = match r.as_str() {
            Some(r) if r.starts_with('#') && raw.pointer(&r[1..]).is_some() => continue,
            Some(r) if r.starts_with('#') => format!("$ref {r:?} does not resolve"),
            Some(r) => format!(
                "$ref {r:?} is external: only references inside the spec (`#/...`) are supported"
            ),
            None => "$ref is not a string".to_owned(),
        };
        out.push(Finding {
            pointer: ptr,
            message,
        });
    }
}

/// Every security requirement names a scheme of `components.securitySchemes`.
fn check_security(raw: &Value, out: &mut Vec<Finding>) {
    let schemes = raw.pointer("/components/securitySchemes");
    let mut sites = vec![("/security".to_owned(), raw.get("security"))];
    for (ptr, op) in operations(raw) {
        sites.push((format!("{ptr}/security"), op.get("security")));
    }
    for (site, list) in sites {
        for (i, requirement) in list
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            for name in requirement.as_object().into_iter().flat_map(|m| m.keys()) {
                if schemes.and_then(|s| s.get(name)).is_none() {
                    out.push(Finding {
                        pointer: format!("{site}/{i}/{}", escape(name)),
                        message: format!(
                            "security scheme {name:?} is not defined in components.securitySchemes"
                        ),
                    });
                }
            }
        }
    }
}

/// Component kinds that must be referenced somewhere (an unused one is usually left over).
const REFERENCED_COMPONENTS: [&str; 3] = ["schemas", "responses", "parameters"];

/// The components (`/components/KIND/NAME`) reachable from outside `components` by
/// `$ref`s, directly or through other reachable components.
pub fn referenced(raw: &Value) -> BTreeSet<String> {
    let mut used: BTreeSet<String> = BTreeSet::new();
    let mut queue: Vec<(String, &Value)> = raw
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(key, _)| *key != "components")
        .map(|(key, node)| (format!("/{}", escape(key)), node))
        .collect();
    while let Some((ptr, node)) = queue.pop() {
        let mut found = Vec::new();
        refs(node, ptr, &mut found);
        for r in found.into_iter().filter_map(|(_, r)| r.as_str()) {
            let mut tokens = r.strip_prefix("#/components/").unwrap_or("").split('/');
            let (Some(kind), Some(name)) = (tokens.next(), tokens.next()) else {
                continue;
            };
            let at = format!("/components/{kind}/{name}");
            if used.insert(at.clone())
                && let Some(target) = raw.pointer(&at)
            {
                queue.push((at, target));
            }
        }
    }
    used
}

/// Components (schemas, responses, parameters) that nothing reachable from the paths refers
/// to: a component used only by another unused component is unused too.
fn check_unused_components(raw: &Value, out: &mut Vec<Finding>) {
    let used = referenced(raw);
    for kind in REFERENCED_COMPONENTS {
        for name in raw
            .pointer(&format!("/components/{kind}"))
            .and_then(Value::as_object)
            .into_iter()
            .flat_map(|m| m.keys())
        {
            let at = pointer(&["components", kind, name]);
            if !used.contains(&at) {
                out.push(Finding {
                    pointer: at,
                    message: format!(
                        "{} {name:?} is not referenced anywhere (left over? remove it or use it)",
                        &kind[..kind.len() - 1]
                    ),
                });
            }
        }
    }
}

/// The operation keys of an OpenAPI 3.0 path item, in the spec's order (the one list: the
/// validator, lint and `cargo xtask diff` all walk operations with it).
pub const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Escapes one reference token of a JSON pointer (RFC 6901).
pub fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

fn pointer(tokens: &[&str]) -> String {
    tokens.iter().map(|t| format!("/{}", escape(t))).collect()
}

/// Every `(pointer, operation)` in document order.
fn operations(raw: &Value) -> Vec<(String, &Value)> {
    let mut ops = Vec::new();
    if let Some(paths) = raw.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            for method in METHODS {
                if let Some(op) = item.get(method) {
                    ops.push((pointer(&["paths", path, method]), op));
                }
            }
        }
    }
    ops
}

/// Follows a local `$ref` (`#/...`) to its target, at most a few hops deep.
pub fn resolve<'a>(raw: &'a Value, mut node: &'a Value) -> &'a Value {
    for _ in 0..16 {
        match node.get("$ref").and_then(Value::as_str) {
            Some(r) if r.starts_with('#') => match raw.pointer(&r[1..]) {
                Some(target) => node = target,
                None => return node,
            },
            _ => return node,
        }
    }
    node
}

fn check_operations(raw: &Value, out: &mut Vec<Finding>) {
    let mut seen: BTreeMap<&str, String> = BTreeMap::new();
    for (ptr, op) in operations(raw) {
        match op.get("operationId").and_then(Value::as_str) {
            None => out.push(Finding {
                pointer: ptr.clone(),
                message: "operation has no operationId (every operation needs a unique one)".into(),
            }),
            Some(id) => {
                if let Some(first) = seen.insert(id, ptr.clone()) {
                    out.push(Finding {
                        pointer: format!("{ptr}/operationId"),
                        message: format!("operationId {id:?} is already used at {first}"),
                    });
                }
            }
        }
        check_response_schemas(raw, &ptr, op, out);
    }
}

/// Every parameter, of a path (shared by its operations) or of an operation, is described.
fn check_descriptions(raw: &Value, out: &mut Vec<Finding>) {
    let mut holders: Vec<(String, &Value)> = Vec::new();
    for (path, item) in raw
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        holders.push((pointer(&["paths", path]), item));
    }
    holders.extend(operations(raw));
    for (ptr, holder) in holders {
        let params = holder.get("parameters").and_then(Value::as_array);
        for (i, param) in params.into_iter().flatten().enumerate() {
            let param = resolve(raw, param);
            if !has_description(param) {
                out.push(Finding {
                    pointer: format!("{ptr}/parameters/{i}"),
                    message: format!(
                        "parameter {:?} has no description",
                        param.get("name").and_then(Value::as_str).unwrap_or("?")
                    ),
                });
            }
        }
    }
}

/// progenitor asserts that an operation has at most one success type and one error type;
/// report that here, with a location, instead of letting generation panic.
fn check_response_schemas(raw: &Value, ptr: &str, op: &Value, out: &mut Vec<Finding>) {
    let Some(responses) = op.get("responses").and_then(Value::as_object) else {
        out.push(Finding {
            pointer: ptr.to_owned(),
            message: "operation has no responses".into(),
        });
        return;
    };
    let mut success: Vec<&Value> = Vec::new();
    let mut error: Vec<&Value> = Vec::new();
    for (status, response) in responses {
        let response = resolve(raw, response);
        let schemas: Vec<&Value> = response
            .get("content")
            .and_then(Value::as_object)
            .into_iter()
            .flat_map(|c| c.values())
            .filter_map(|media| media.get("schema"))
            .collect();
        let bucket = if status.starts_with('2') {
            &mut success
        } else {
            &mut error
        };
        for schema in schemas {
            if !bucket.contains(&schema) {
                bucket.push(schema);
            }
        }
    }
    for (kind, bucket) in [("success (2xx)", &success), ("error", &error)] {
        if bucket.len() > 1 {
            out.push(Finding {
                pointer: format!("{ptr}/responses"),
                message: format!(
                    "{} different {kind} response schemas; the generator needs exactly one \
                     (share one `$ref`)",
                    bucket.len()
                ),
            });
        }
    }
}

fn has_description(node: &Value) -> bool {
    node.get("description")
        .and_then(Value::as_str)
        .is_some_and(|d| !d.trim().is_empty())
}

/// Schema-level lint over `components.schemas` and every inline response schema:
/// properties are described, and nothing is closed against fields the service may add.
fn check_schemas(raw: &Value, out: &mut Vec<Finding>) {
    if let Some(schemas) = raw
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    {
        for (name, schema) in schemas {
            lint_schema(raw, schema, &pointer(&["components", "schemas", name]), out);
        }
    }
    let mut response_roots: Vec<(String, &Value)> = Vec::new();
    for (ptr, op) in operations(raw) {
        if let Some(responses) = op.get("responses").and_then(Value::as_object) {
            for (status, response) in responses {
                response_roots.push((format!("{ptr}/responses/{}", escape(status)), response));
            }
        }
    }
    if let Some(responses) = raw
        .pointer("/components/responses")
        .and_then(Value::as_object)
    {
        for (name, response) in responses {
            response_roots.push((pointer(&["components", "responses", name]), response));
        }
    }
    for (ptr, response) in response_roots {
        for (media_type, media) in response
            .get("content")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            if let Some(schema) = media.get("schema") {
                let at = format!("{ptr}/content/{}/schema", escape(media_type));
                lint_schema(raw, schema, &at, out);
                closed_response(raw, schema, &at, &mut Vec::new(), out);
            }
        }
    }
}

fn lint_schema(raw: &Value, schema: &Value, ptr: &str, out: &mut Vec<Finding>) {
    if schema.get("$ref").is_some() {
        return; // linted where it is defined
    }
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        for (name, prop) in props {
            // A `$ref` property takes its description from the referenced schema.
            if !has_description(resolve(raw, prop)) && !has_description(prop) {
                out.push(Finding {
                    pointer: format!("{ptr}/properties/{}", escape(name)),
                    message: format!("property {name:?} has no description"),
                });
            }
        }
    }
    for (at, sub) in subschemas(schema, ptr) {
        lint_schema(raw, sub, &at, out);
    }
}

/// The direct subschemas of `schema`, with their pointers: properties, `items`,
/// `additionalProperties` (when it is a schema) and the members of `allOf`/`oneOf`/`anyOf`.
fn subschemas<'a>(schema: &'a Value, ptr: &str) -> Vec<(String, &'a Value)> {
    let mut children = Vec::new();
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        for (name, prop) in props {
            children.push((format!("{ptr}/properties/{}", escape(name)), prop));
        }
    }
    for key in ["items", "additionalProperties"] {
        if let Some(sub) = schema.get(key).filter(|s| s.is_object()) {
            children.push((format!("{ptr}/{key}"), sub));
        }
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        for (i, sub) in schema
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            children.push((format!("{ptr}/{key}/{i}"), sub));
        }
    }
    children
}

/// Response objects must stay open: `additionalProperties: false` or a closed `enum` would
/// make a deployed client fail on the first new field or value the service sends.
fn closed_response<'a>(
    raw: &'a Value,
    schema: &'a Value,
    ptr: &str,
    visited: &mut Vec<&'a str>,
    out: &mut Vec<Finding>,
) {
    let (schema, ptr) = match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            if visited.contains(&r) {
                return;
            }
            visited.push(r);
            match raw.pointer(r.trim_start_matches('#')) {
                Some(target) => (target, r.trim_start_matches('#').to_owned()),
                None => {
                    out.push(Finding {
                        pointer: ptr.to_owned(),
                        message: format!("$ref {r:?} does not resolve"),
                    });
                    return;
                }
            }
        }
        None => (schema, ptr.to_owned()),
    };
    if schema.get("additionalProperties") == Some(&Value::Bool(false)) {
        out.push(Finding {
            pointer: format!("{ptr}/additionalProperties"),
            message: "`additionalProperties: false` on a response object: a field the service \
                      adds later would break deployed clients"
                .into(),
        });
    }
    if schema.get("enum").is_some() {
        out.push(Finding {
            pointer: format!("{ptr}/enum"),
            message: "closed `enum` in a response: a value the service adds later would break \
                      deployed clients (describe the known values instead)"
                .into(),
        });
    }
    let children = subschemas(schema, &ptr);
    for (at, child) in children {
        closed_response(raw, child, &at, visited, out);
    }
}
