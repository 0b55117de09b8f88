//! Examples: each must match its schema, and name no key that is not a property of its
//! (open) schema, which is nearly always left over from a rename or removal.

use serde_json::{Value, json};

use super::{Finding, escape, pointer, resolve, subschemas};

/// Every `example` / `examples` beside a `schema` (parameters, media types) and every
/// schema-level `example` must validate against that schema.
pub(super) fn check_examples(raw: &Value, out: &mut Vec<Finding>) {
    let mut sites: Vec<(String, &Value)> = Vec::new();
    collect_example_sites(raw, String::new(), &mut sites);
    for (ptr, holder) in sites {
        let Some(schema) = holder.get("schema") else {
            continue;
        };
        let validator = match build_validator(raw, schema) {
            Ok(v) => v,
            Err(message) => {
                out.push(Finding {
                    pointer: format!("{ptr}/schema"),
                    message: format!("schema cannot be compiled for validation: {message}"),
                });
                continue;
            }
        };
        let mut examples: Vec<(String, &Value)> = Vec::new();
        if let Some(example) = holder.get("example") {
            examples.push((format!("{ptr}/example"), example));
        }
        for (name, example) in holder
            .get("examples")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let example = resolve(raw, example);
            if let Some(value) = example.get("value") {
                examples.push((format!("{ptr}/examples/{}/value", escape(name)), value));
            }
        }
        for (at, value) in examples {
            for error in validator.iter_errors(value) {
                out.push(Finding {
                    pointer: at.clone(),
                    message: format!(
                        "example does not match its schema at {:?}: {error}",
                        error.instance_path().as_str()
                    ),
                });
            }
            stale_example_keys(raw, schema, value, &at, 0, out);
        }
    }
    // Schema-level `example`s in components, at any depth (a property's own `example` too).
    let mut nested: Vec<(String, &Value)> = Vec::new();
    if let Some(schemas) = raw
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    {
        for (name, schema) in schemas {
            collect_schema_examples(
                schema,
                pointer(&["components", "schemas", name]),
                &mut nested,
            );
        }
    }
    {
        for (base, schema) in nested {
            if let Some(example) = schema.get("example") {
                let at = format!("{base}/example");
                match build_validator(raw, schema) {
                    Ok(v) => {
                        for error in v.iter_errors(example) {
                            out.push(Finding {
                                pointer: at.clone(),
                                message: format!("example does not match its schema: {error}"),
                            });
                        }
                        stale_example_keys(raw, schema, example, &at, 0, out);
                    }
                    Err(message) => out.push(Finding {
                        pointer: at,
                        message: format!("schema cannot be compiled for validation: {message}"),
                    }),
                }
            }
        }
    }
}

/// Keys of an example object that are not properties of its schema. An open schema (the
/// rule for responses) lets them through validation, yet such a key is nearly always left
/// over from a property that was renamed or removed. Free-form objects (no `properties`),
/// maps (`additionalProperties` with a schema) and closed schemas (the validator reports
/// those) are not judged.
fn stale_example_keys(
    raw: &Value,
    schema: &Value,
    value: &Value,
    at: &str,
    depth: usize,
    out: &mut Vec<Finding>,
) {
    let schema = resolve(raw, schema);
    if depth > 64 || schema.get("additionalProperties") == Some(&Value::Bool(false)) {
        return;
    }
    match value {
        Value::Object(map) => {
            let mut props = Vec::new();
            known_properties(raw, schema, 0, &mut props);
            let map_values = schema.get("additionalProperties").filter(|s| s.is_object());
            for (key, v) in map {
                let here = format!("{at}/{}", escape(key));
                match props.iter().find(|(name, _)| *name == key) {
                    Some((_, prop)) => stale_example_keys(raw, prop, v, &here, depth + 1, out),
                    None => match map_values {
                        Some(m) => stale_example_keys(raw, m, v, &here, depth + 1, out),
                        None if !props.is_empty() => out.push(Finding {
                            pointer: here,
                            message: format!(
                                "example key {key:?} is not a property of its schema (left over \
                                 from a renamed or removed property?)"
                            ),
                        }),
                        None => {}
                    },
                }
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = schema.get("items") {
                for (i, v) in items.iter().enumerate() {
                    let here = format!("{at}/{i}");
                    stale_example_keys(raw, item_schema, v, &here, depth + 1, out);
                }
            }
        }
        _ => {}
    }
}

/// The properties of `schema`, including those of its `allOf`/`oneOf`/`anyOf` members.
fn known_properties<'a>(
    raw: &'a Value,
    schema: &'a Value,
    depth: usize,
    out: &mut Vec<(&'a String, &'a Value)>,
) {
    let schema = resolve(raw, schema);
    if depth > 16 {
        return;
    }
    out.extend(
        schema
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flatten(),
    );
    for key in ["allOf", "oneOf", "anyOf"] {
        for member in schema
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            known_properties(raw, member, depth + 1, out);
        }
    }
}

/// Every schema with an `example` inside `schema` (itself, properties, items, compositions).
fn collect_schema_examples<'a>(schema: &'a Value, ptr: String, out: &mut Vec<(String, &'a Value)>) {
    if out.len() > 10_000 {
        return;
    }
    if schema.get("example").is_some() {
        out.push((ptr.clone(), schema));
    }
    for (at, sub) in subschemas(schema, &ptr) {
        collect_schema_examples(sub, at, out);
    }
}

/// Places that hold a `schema` next to `example(s)`: parameters, headers and media types.
fn collect_example_sites<'a>(node: &'a Value, ptr: String, out: &mut Vec<(String, &'a Value)>) {
    match node {
        Value::Object(map) => {
            if map.contains_key("schema")
                && (map.contains_key("example") || map.contains_key("examples"))
            {
                out.push((ptr.clone(), node));
            }
            for (key, child) in map {
                // Schemas are handled separately; their `properties` are not example sites.
                if key == "schema" || key == "schemas" {
                    continue;
                }
                collect_example_sites(child, format!("{ptr}/{}", escape(key)), out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                collect_example_sites(child, format!("{ptr}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// Compiles an OpenAPI 3.0 schema into a JSON Schema validator. The schema is wrapped so
/// that its local `$ref`s (`#/components/...`) resolve against the spec's components;
/// draft 2020-12 is used because it is the draft whose format checkers know `uuid`
/// (OpenAPI 3.0's own keywords such as `nullable` or `example` are ignored as annotations).
fn build_validator(raw: &Value, schema: &Value) -> Result<jsonschema::Validator, String> {
    let root = json!({
        "allOf": [schema],
        "components": raw.get("components").cloned().unwrap_or(Value::Null),
    });
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(&root)
        .map_err(|e| e.to_string())
}
