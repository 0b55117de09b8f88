//! Parameters: matched by name, renames recognised (a path template's parameter, or one
//! query/header/cookie parameter removed and one added alike), judged by the builder method
//! progenitor generates for each.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::Severity::{Breaking, NonBreaking};
use super::Surface;
use super::compare::{Ctx, Dir, Walker, code, is_true, str_at};

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
pub(super) fn template(path: &str) -> String {
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
pub(super) fn path_params(path: &str) -> Vec<String> {
    path.split('{')
        .skip(1)
        .filter_map(|s| s.split_once('}'))
        .map(|(name, _)| name.to_owned())
        .collect()
}

impl<'a> Walker<'a> {
    pub(super) fn collect_params(
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
    pub(super) fn parameters(
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
    pub(super) fn param_renamed(&mut self, ctx: &Ctx, old: &str, new: &str, param: &Value) {
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
    pub(super) fn builder_methods(&self, ctx: &Ctx, old: &str, new: &str) -> (String, String) {
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

    pub(super) fn parameter(&mut self, ctx: &Ctx, old: &'a Value, new: &'a Value) {
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
}
