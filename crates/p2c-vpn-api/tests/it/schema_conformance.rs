//! The JSON Schema that schemars derives from the generated types matches the spec's
//! component schemas, for every spec in `openapi/`, so the generated modules cannot drift
//! from the specs unnoticed.
//!
//! Both sides are first brought to one canonical form ([`canon`]) that keeps what decides
//! the wire format and the Rust type (type, format, properties, required, items, enum,
//! `$ref` targets, other constraints) and drops what the generator legitimately rewrites:
//! - `$ref` paths: `#/definitions/X` (schemars) and `#/components/schemas/X` (OpenAPI) → `X`;
//! - nullability: schemars spells `Option<T>` as `type: [T, "null"]` or
//!   `anyOf: [{$ref}, {type: null}]`, the spec as an optional property or `nullable: true`;
//!   whether a field may be absent is still compared, through `required`;
//! - single-element `allOf` wrappers schemars puts around a described `$ref`;
//! - formats: `uint32` (etc.) → `int32`, and an `integer` without format is `int64`, a
//!   `number` without format is `double` (what progenitor generates, `i64` / `f64`);
//! - annotations and bounds the Rust type already encodes: `description`, `title`,
//!   `example(s)`, `default`, `nullable`, `minimum`/`maximum`, `readOnly`/`writeOnly`,
//!   `deprecated`, a boolean `additionalProperties`, `$schema`.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Map, Value, json};

/// Canonical form of one schema (see the module docs for what is normalised away).
fn canon(schema: &Value) -> Value {
    let Some(map) = schema.as_object() else {
        return schema.clone(); // `true`/`false` schemas
    };
    if let Some(r) = map.get("$ref").and_then(Value::as_str) {
        let name = r.rsplit('/').next().unwrap_or(r);
        return json!({ "$ref": name });
    }
    for key in ["anyOf", "oneOf", "allOf"] {
        if let Some(items) = map.get(key).and_then(Value::as_array) {
            let non_null: Vec<&Value> = items
                .iter()
                .filter(|s| s.get("type").and_then(Value::as_str) != Some("null"))
                .collect();
            let only_wrapper = map
                .keys()
                .all(|k| k == key || IGNORED.contains(&k.as_str()));
            if non_null.len() == 1 && only_wrapper {
                return canon(non_null[0]);
            }
        }
    }
    let mut out = Map::new();
    let ty = match map.get("type") {
        Some(Value::Array(types)) => {
            let types: Vec<&Value> = types
                .iter()
                .filter(|t| t.as_str() != Some("null"))
                .collect();
            match types.as_slice() {
                [one] => Some((*one).clone()),
                many => Some(Value::Array(many.iter().map(|t| (*t).clone()).collect())),
            }
        }
        other => other.cloned(),
    };
    let format = map.get("format").and_then(Value::as_str).map(|f| {
        f.strip_prefix('u')
            .filter(|rest| rest.starts_with("int"))
            .unwrap_or(f)
            .to_owned()
    });
    let format = match (ty.as_ref().and_then(Value::as_str), format) {
        (Some("integer"), None) => Some("int64".to_owned()),
        (Some("number"), None) => Some("double".to_owned()),
        (_, f) => f,
    };
    if let Some(ty) = ty {
        out.insert("type".into(), ty);
    }
    if let Some(format) = format {
        out.insert("format".into(), Value::String(format));
    }
    for (key, value) in map {
        match key.as_str() {
            "type" | "format" => {}
            k if IGNORED.contains(&k) => {}
            "additionalProperties" if value.is_boolean() => {}
            "properties" => {
                let props: Map<String, Value> = value
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(name, s)| (name.clone(), canon(s)))
                    .collect();
                out.insert(key.clone(), Value::Object(props));
            }
            "required" | "enum" => {
                let mut items: Vec<Value> = value.as_array().cloned().unwrap_or_default();
                items.sort_by_key(Value::to_string);
                if !items.is_empty() {
                    out.insert(key.clone(), Value::Array(items));
                }
            }
            "items" | "additionalProperties" | "not" => {
                out.insert(key.clone(), canon(value));
            }
            _ => {
                out.insert(key.clone(), value.clone());
            }
        }
    }
    Value::Object(out)
}

/// Keywords dropped from both sides.
const IGNORED: &[&str] = &[
    "description",
    "title",
    "example",
    "examples",
    "default",
    "nullable",
    "minimum",
    "maximum",
    "readOnly",
    "writeOnly",
    "deprecated",
    "$schema",
    "definitions",
    "externalDocs",
];

/// Compares two canonical schemas, pushing one line per difference, located by `at`.
fn compare(at: &str, spec: &Value, rust: &Value, out: &mut Vec<String>) {
    match (spec, rust) {
        (Value::Object(s), Value::Object(r)) => {
            let keys: std::collections::BTreeSet<&String> = s.keys().chain(r.keys()).collect();
            for key in keys {
                let here = format!("{at}/{key}");
                match (s.get(key), r.get(key)) {
                    (Some(a), Some(b)) => compare(&here, a, b, out),
                    (Some(a), None) => {
                        out.push(format!("{here}: spec has {a}, generated type has nothing"))
                    }
                    (None, Some(b)) => {
                        out.push(format!("{here}: generated type has {b}, spec has nothing"))
                    }
                    (None, None) => {}
                }
            }
        }
        (a, b) if a != b => out.push(format!("{at}: spec {a} ≠ generated {b}")),
        _ => {}
    }
}

/// Checks each `(component name, schemars root schema)` against `spec`'s
/// `components.schemas`, including every definition the root schema pulls in, and that
/// every component schema of the spec was checked. Returns the differences (empty: conform).
fn check(spec: &Value, rust: &[(&str, Value)]) -> Vec<String> {
    let components = spec
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut generated: BTreeMap<String, Value> = BTreeMap::new();
    for (name, root) in rust {
        let mut root = root.clone();
        if let Some(defs) = root.as_object_mut().and_then(|m| m.remove("definitions")) {
            for (def, schema) in defs.as_object().into_iter().flatten() {
                generated.insert(def.clone(), schema.clone());
            }
        }
        generated.insert((*name).to_owned(), root);
    }
    let mut out = Vec::new();
    for (name, schema) in &generated {
        match components.get(name) {
            Some(spec_schema) => compare(
                &format!("#/components/schemas/{name}"),
                &canon(spec_schema),
                &canon(schema),
                &mut out,
            ),
            None => out.push(format!("generated type {name} has no schema in the spec")),
        }
    }
    for name in components.keys() {
        if !generated.contains_key(name) {
            out.push(format!(
                "#/components/schemas/{name}: no generated type was checked"
            ));
        }
    }
    out
}

fn schema_value<T: schemars::JsonSchema>() -> Value {
    serde_json::to_value(schemars::schema_for!(T)).expect("schema serializes")
}

/// The generated types of the spec module `module`, by component name (the list is written
/// by `cargo xtask regen`, so a schema added to a spec is checked with no edit here).
fn generated_schemas(module: &str) -> Vec<(&'static str, Value)> {
    p2c_vpn_api::component_schemas()
        .into_iter()
        .filter(|(m, _, _)| *m == module)
        .map(|(_, name, schema)| (name, serde_json::to_value(schema).expect("serializes")))
        .collect()
}

fn spec_text_of(file: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../openapi")
        .join(file);
    std::fs::read_to_string(path).expect("read the spec")
}

fn spec_text() -> String {
    spec_text_of("p2c-vpn.yaml")
}

fn parse(text: &str) -> Value {
    serde_saphyr::from_str(text).expect("spec is YAML")
}

#[test]
fn every_spec_conforms() {
    for (file, module) in [("p2c-vpn.yaml", "p2c_vpn"), ("iam.yaml", "iam")] {
        let problems = check(&parse(&spec_text_of(file)), &generated_schemas(module));
        assert!(
            problems.is_empty(),
            "generated types and openapi/{file} disagree (run `cargo xtask regen`?):\n{}",
            problems.join("\n")
        );
    }
}

// The checker itself, on fixtures: it must fail when the spec and the types disagree.

/// A small stand-in for generated code, with the shapes progenitor emits.
#[derive(schemars::JsonSchema)]
#[allow(dead_code, reason = "only its schema is used")]
struct Item {
    /// Item ID.
    id: String,
    /// Size in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    size: Option<i64>,
    /// Count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    count: Option<u32>,
    /// Children.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    children: Vec<Child>,
    /// Parent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    parent: Option<Child>,
}

#[derive(schemars::JsonSchema)]
#[allow(dead_code, reason = "only its schema is used")]
struct Child {
    /// Name.
    name: Option<String>,
}

const FIXTURE: &str = "
openapi: 3.0.3
components:
  schemas:
    Item:
      type: object
      description: An item.
      required: [id]
      properties:
        id:
          type: string
          description: ID.
        size:
          type: integer
          format: int64
          nullable: true
          description: Size.
        count:
          type: integer
          format: int32
          minimum: 0
          description: Count.
        children:
          type: array
          description: Children.
          items:
            $ref: '#/components/schemas/Child'
        parent:
          $ref: '#/components/schemas/Child'
    Child:
      type: object
      properties:
        name:
          type: string
";

fn check_fixture(text: &str) -> Vec<String> {
    check(&parse(text), &[("Item", schema_value::<Item>())])
}

#[test]
fn checker_accepts_the_matching_fixture() {
    assert_eq!(check_fixture(FIXTURE), Vec::<String>::new());
}

#[test]
fn checker_fails_when_a_spec_field_type_changes() {
    let changed = FIXTURE.replacen(
        "        size:\n          type: integer\n          format: int64",
        "        size:\n          type: string",
        1,
    );
    assert_ne!(changed, FIXTURE);
    let problems = check_fixture(&changed);
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("#/components/schemas/Item/properties/size/type")),
        "{problems:?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("#/components/schemas/Item/properties/size/format")),
        "{problems:?}"
    );
}

#[test]
fn checker_fails_on_format_required_missing_and_ref_changes() {
    let cases = [
        ("format: int64", "format: int32", "/properties/size/format"),
        ("required: [id]", "required: [id, size]", "/required"),
        (
            "        id:\n          type: string\n          description: ID.\n",
            "",
            "/properties/id",
        ),
        (
            "        parent:\n          $ref: '#/components/schemas/Child'",
            "        parent:\n          $ref: '#/components/schemas/Item'",
            "/properties/parent/$ref",
        ),
    ];
    for (from, to, at) in cases {
        let changed = FIXTURE.replacen(from, to, 1);
        assert_ne!(changed, FIXTURE, "{from}");
        let problems = check_fixture(&changed);
        assert!(
            problems
                .iter()
                .any(|p| p.starts_with(&format!("#/components/schemas/Item{at}"))),
            "{from} → {to}: {problems:?}"
        );
    }
    // A component no generated type covers is reported too.
    let extra = format!("{FIXTURE}    Orphan:\n      type: object\n");
    assert!(check_fixture(&extra).iter().any(|p| p.contains("Orphan")));
}

#[test]
fn checker_fails_on_the_live_spec_with_a_changed_type() {
    let changed = spec_text().replacen(
        "        inbound_bytes:\n          type: integer\n          format: int64",
        "        inbound_bytes:\n          type: string",
        1,
    );
    assert_ne!(changed, spec_text(), "spec anchor moved; update this test");
    let problems = check(&parse(&changed), &generated_schemas("p2c_vpn"));
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("#/components/schemas/Connection/properties/inbound_bytes/type")),
        "{problems:?}"
    );
}
