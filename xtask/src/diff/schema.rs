//! Schemas, compared where each operation uses them: types and formats, enums, properties
//! (requiredness and nullability judged by the field typify generates), arrays, maps,
//! compositions and constraints; and component schemas no operation uses.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::Severity::{Breaking, NonBreaking};
use super::Surface;
use super::compare::{Ctx, Dir, MAX_DEPTH, SCHEMA_PREFIX, Walker, code, is_true, obj, ref_name};
use super::{Origin, Severity};
use crate::spec;

pub(super) fn type_format(schema: &Value) -> String {
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

pub(super) fn required_set(schema: &Value) -> BTreeSet<String> {
    schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect()
}

/// `{nullable: true, allOf: [X]}` (or without `nullable`) → (`X`, nullable); else the node.
pub(super) fn nullable_ref(node: &Value) -> (&Value, bool) {
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

/// Keywords compared by dedicated code, besides the constraints ([`CONSTRAINTS`]); everything
/// else goes through the generic rule.
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
];

/// Lower bounds (tighter as they rise), upper bounds (tighter as they fall), and the other
/// constraints (any change tightens): judged by [`Walker::constraints`].
const CONSTRAINTS: [&[&str]; 3] = [
    &[
        "minimum",
        "exclusiveMinimum",
        "minLength",
        "minItems",
        "minProperties",
    ],
    &["maximum", "maxLength", "maxItems", "maxProperties"],
    &["exclusiveMaximum", "multipleOf", "pattern", "uniqueItems"],
];

impl<'a> Walker<'a> {
    pub(super) fn components(&mut self) {
        let olds = obj(self.old.pointer("/components/schemas"));
        let news = obj(self.new.pointer("/components/schemas"));
        let names: BTreeSet<&String> = olds.keys().chain(news.keys()).collect();
        let (old_refs, new_refs) = (spec::referenced(self.old), spec::referenced(self.new));
        for name in names {
            let ctx = Ctx::new(&format!("components.schemas.{name}"), Dir::Response);
            let at = format!("/components/schemas/{name}");
            if news.contains_key(name) && old_refs.contains(&at) && !new_refs.contains(&at) {
                let why = format!(
                    "the generated type `types::{name}` stays (progenitor generates every \
                     component schema), so nothing breaks yet; `cargo xtask regen` refuses the \
                     spec until the schema is used again or removed (then breaking)"
                );
                let what = "no longer used by any operation".to_owned();
                self.emit(&ctx, what, NonBreaking, &why);
            }
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
    pub(super) fn schema_owned(&mut self, ctx: &Ctx, old: &Value, new: &Value) {
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

    pub(super) fn schema(&mut self, ctx: &Ctx, old: &'a Value, new: &'a Value) {
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

    pub(super) fn schema_body(&mut self, ctx: &Ctx, old: &'a Value, new: &'a Value) {
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
                let what = format!("additionalProperties changed {} → {}", show(o), show(n));
                let (severity, why) = closed_object(ctx.dir, o, n);
                self.emit(ctx, what, severity, why);
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
            .filter(|k| {
                !HANDLED.contains(&k.as_str()) && !CONSTRAINTS.concat().contains(&k.as_str())
            })
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
    pub(super) fn nullability(&mut self, ctx: &Ctx, now_nullable: bool) {
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

    pub(super) fn enums(&mut self, ctx: &Ctx, old: &Value, new: &Value) {
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
                let (severity, why) = match ctx.dir {
                    Dir::Response => (Breaking, "old clients cannot deserialize the new value"),
                    Dir::Request => (
                        NonBreaking,
                        "a new value a client may send; old calls still work (only an \
                         exhaustive `match` on the generated enum needs a new arm)",
                    ),
                };
                for v in n.iter().filter(|v| !o.contains(v)) {
                    self.emit(ctx, format!("enum value {} added", code(v)), severity, why);
                }
            }
        }
    }

    pub(super) fn properties(&mut self, ctx: &Ctx, old: &'a Value, new: &'a Value) {
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

    pub(super) fn nullable(&self, raw: &'a Value, node: &'a Value) -> bool {
        is_true(node, "nullable") || is_true(self.deref(raw, node).1, "nullable")
    }

    /// A property whose requiredness or nullability changed, judged by the field typify
    /// generates: `T` when required and not nullable; else `Option<T>`, which must be present
    /// when required (`deserialize_with`) and is omitted when unset and optional.
    /// `shape` is (required, nullable).
    pub(super) fn field_shape(
        &mut self,
        ctx: &Ctx,
        name: &str,
        old: (bool, bool),
        new: (bool, bool),
    ) {
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
    pub(super) fn property_types(&self, ctx: &Ctx) -> (String, Option<String>, Option<String>) {
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
    pub(super) fn field_types(
        &self,
        ctx: &Ctx,
        name: &str,
    ) -> (String, Option<String>, Option<String>) {
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

    pub(super) fn constraints(&mut self, ctx: &Ctx, old: &Value, new: &Value) {
        let [lower, upper, _] = CONSTRAINTS;
        for key in CONSTRAINTS.concat() {
            let (o, n) = (old.get(key), new.get(key));
            if o == n {
                continue;
            }
            let num = |v: Option<&Value>| v.and_then(Value::as_f64);
            let tighter = match (o, n) {
                (_, None) => false,
                (None, Some(_)) => true,
                (Some(_), Some(_)) if lower.contains(&key) => match (num(o), num(n)) {
                    (Some(a), Some(b)) => b > a,
                    _ => o != n && n != Some(&Value::Bool(false)),
                },
                (Some(_), Some(_)) if upper.contains(&key) => match (num(o), num(n)) {
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

pub(super) fn find_in<'v>(schema: &'v Value, key: &str, i: usize) -> Option<&'v Value> {
    schema
        .get(key)
        .and_then(Value::as_array)
        .and_then(|a| a.get(i))
}

/// `additionalProperties` changed other than between two map value schemas. Between open
/// (absent or `true`) and `false`, typify keeps the struct and only adds or drops
/// `#[serde(deny_unknown_fields)]`, so code compiles either way and the wire decides;
/// anything else turns a struct into a map or back.
fn closed_object(dir: Dir, old: Option<&Value>, new: Option<&Value>) -> (Severity, &'static str) {
    let open = |v: Option<&Value>| matches!(v, None | Some(Value::Bool(true)));
    let closed = |v: Option<&Value>| v == Some(&Value::Bool(false));
    match (dir, open(old) && closed(new), closed(old) && open(new)) {
        (Dir::Response, true, _) => (
            NonBreaking,
            "the generated struct gains `#[serde(deny_unknown_fields)]`; code compiles and old \
             clients decode every response the new spec allows. But a client generated from the \
             new spec fails on the first field the service adds later (hence the lint)",
        ),
        (Dir::Response, _, true) => (
            Breaking,
            "the service may now send fields the old spec does not declare, and old clients \
             (generated with `#[serde(deny_unknown_fields)]`) fail to decode such a response; \
             the generated code compiles unchanged",
        ),
        (Dir::Request, true, _) => (
            NonBreaking,
            "the service now rejects undeclared fields, and old clients send only the declared \
             ones; the generated struct compiles unchanged",
        ),
        (Dir::Request, _, true) => (
            NonBreaking,
            "the service now accepts undeclared fields too; the generated struct compiles \
             unchanged",
        ),
        _ => (
            Breaking,
            "the generated type changes between a struct and a map",
        ),
    }
}
