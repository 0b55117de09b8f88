//! The walk over both documents (as JSON, following every `$ref` to each use site) and the
//! rules for what the generated code cannot show on its own: the document, paths and
//! operations, security (by the headers the client's auth code sets) and bodies (by the media
//! type progenitor types). Parameters are in [`super::params`], schemas in [`super::schema`].

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use serde_json::{Map, Value};

use super::params::{path_params, template};
use super::{Change, Document, Origin, Severity, Surface};
use crate::spec::{self, METHODS};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Dir {
    Request,
    Response,
}

#[derive(Debug, Clone)]
pub(super) struct Ctx {
    pub(super) group: String,
    pub(super) loc: Vec<String>,
    pub(super) dir: Dir,
    pub(super) origin: Option<Origin>,
    /// `$ref` pairs being compared further up (cycle guard).
    pub(super) stack: Vec<(Option<String>, Option<String>)>,
    /// The operationId (new side) of the operation being compared.
    pub(super) op: Option<String>,
    /// The schema is a property's own (its nullability is judged with its requiredness).
    pub(super) property: bool,
}

impl Ctx {
    pub(super) fn new(group: &str, dir: Dir) -> Self {
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

    pub(super) fn child(&self, segment: &str) -> Self {
        let mut c = self.clone();
        c.property = false;
        c.loc.push(segment.to_owned());
        if let Some(o) = &mut c.origin {
            o.path.push(segment.to_owned());
        }
        c
    }

    /// Appends `suffix` to the last segment (`connections` → `connections[]`).
    pub(super) fn suffixed(&self, suffix: &str) -> Self {
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
    pub(super) fn inner(&self, suffix: &str) -> Self {
        let mut c = self.suffixed(suffix);
        c.property = false;
        c
    }

    pub(super) fn site(&self) -> String {
        std::iter::once(self.group.as_str())
            .chain(self.loc.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join(" → ")
    }
}

pub(super) const MAX_DEPTH: usize = 64;
pub(super) const SCHEMA_PREFIX: &str = "#/components/schemas/";

use Severity::{Breaking, NonBreaking};

pub(super) struct Walker<'a> {
    pub(super) old: &'a Value,
    pub(super) new: &'a Value,
    pub(super) old_api: &'a Surface,
    pub(super) new_api: &'a Surface,
    pub(super) changes: Vec<Change>,
    /// Component schemas reached from some operation, on either side.
    pub(super) reached: BTreeSet<String>,
}

/// Compares the two documents and their generated modules: every change found by the rules.
pub(super) fn walk(old: &Document, new: &Document) -> Vec<Change> {
    let mut walker = Walker {
        old: &old.raw,
        new: &new.raw,
        old_api: &old.api,
        new_api: &new.api,
        changes: Vec::new(),
        reached: BTreeSet::new(),
    };
    walker.document();
    walker.changes
}

pub(super) static EMPTY: LazyLock<Map<String, Value>> = LazyLock::new(Map::new);

/// The object at `v`, or an empty one.
pub(super) fn obj(v: Option<&Value>) -> &Map<String, Value> {
    v.and_then(Value::as_object).unwrap_or(&EMPTY)
}

pub(super) fn code(v: &Value) -> String {
    match v {
        Value::String(s) => format!("`{s}`"),
        other => format!("`{other}`"),
    }
}

pub(super) fn ref_name(node: &Value) -> Option<String> {
    node.get("$ref").and_then(Value::as_str).map(|r| {
        r.strip_prefix(SCHEMA_PREFIX)
            .map(str::to_owned)
            .unwrap_or_else(|| r.to_owned())
    })
}

pub(super) fn is_true(node: &Value, key: &str) -> bool {
    node.get(key).and_then(Value::as_bool).unwrap_or(false)
}

pub(super) fn str_at<'v>(node: &'v Value, key: &str) -> &'v str {
    node.get(key).and_then(Value::as_str).unwrap_or("?")
}

/// The media type progenitor decodes into the generated type: `application/json`, with or
/// without parameters (its own test: `== "application/json"` or `starts_with
/// ("application/json;")`). Any other type, `application/problem+json` included, is raw
/// bytes in a response and refused in a request body.
pub(super) fn json_media(content: &Map<String, Value>) -> Option<&String> {
    content
        .keys()
        .find(|k| *k == "application/json" || k.starts_with("application/json;"))
}

/// What the client's auth code (`p2c_vpn_auth::Auth::apply`, called by the hooks of every
/// generated client) sends: the header and what it carries.
pub(super) const CLIENT_AUTH: [(&str, &str); 2] = [
    ("Authorization", "the AK/SK signature in `Authorization`"),
    ("X-Auth-Token", "an IAM token in `X-Auth-Token`"),
];

/// If the client's auth code applies security scheme `name` (an `apiKey` in one of the
/// headers it sets), what it sends.
pub(super) fn client_auth(raw: &Value, name: &str) -> Option<&'static str> {
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

pub(super) fn scheme_note(applied: Option<&str>) -> String {
    match applied {
        Some(auth) => format!("the client's auth code can apply it ({auth})"),
        None => "the client's auth code does not apply it (it sends only an AK/SK signature or \
                 an IAM token), and the generated code does not depend on security"
            .to_owned(),
    }
}

/// The security requirement alternatives in force for an operation (its own, else the
/// document's), each as the set of scheme names it combines.
pub(super) fn effective_security(raw: &Value, op: &Value) -> Vec<BTreeSet<String>> {
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
pub(super) fn ways(raw: &Value, alternatives: &[BTreeSet<String>]) -> BTreeSet<Option<String>> {
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

impl<'a> Walker<'a> {
    pub(super) fn emit(&mut self, ctx: &Ctx, what: String, severity: Severity, reason: &str) {
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
    pub(super) fn deref(&self, raw: &'a Value, node: &'a Value) -> (Option<String>, &'a Value) {
        (ref_name(node), spec::resolve(raw, node))
    }

    pub(super) fn document(&mut self) {
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
    pub(super) fn security_schemes(&mut self, doc: &Ctx) {
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
    pub(super) fn security(&mut self, ctx: &Ctx, old_op: &Value, new_op: &Value) {
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

    pub(super) fn paths(&mut self) {
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

    pub(super) fn path_item(
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

    pub(super) fn operation(
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

    /// `KEY changed` (documentation only) for each of `keys` that differs.
    pub(super) fn docs(&mut self, ctx: &Ctx, old: &Value, new: &Value, keys: &[&str]) {
        for key in keys {
            if old.get(*key) != new.get(*key) {
                let what = format!("{key} changed");
                self.emit(ctx, what, NonBreaking, "documentation only");
            }
        }
    }

    pub(super) fn examples(&mut self, ctx: &Ctx, old: &Value, new: &Value) {
        if old.get("example") != new.get("example") || old.get("examples") != new.get("examples") {
            self.emit(
                ctx,
                "example(s) changed".into(),
                NonBreaking,
                "documentation only",
            );
        }
    }

    pub(super) fn request_body(&mut self, ctx: &Ctx, old_op: &'a Value, new_op: &'a Value) {
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

    pub(super) fn responses(&mut self, ctx: &Ctx, old_op: &'a Value, new_op: &'a Value) {
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
    pub(super) fn content(&mut self, ctx: &Ctx, old: &'a Value, new: &'a Value) {
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
    pub(super) fn send_change(&self, ctx: &Ctx) -> String {
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

    pub(super) fn media(&mut self, ctx: &Ctx, o: &'a Value, n: &'a Value) {
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
}

pub(super) fn resp_ptr(status: &str) -> String {
    format!("/responses/{}", spec::escape(status))
}

pub(super) fn methods_of(item: &Value) -> String {
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

pub(super) fn op_group(method: &str, path: &str, op: &Value) -> String {
    match op.get("operationId").and_then(Value::as_str) {
        Some(id) => format!("{method} {path} ({id})"),
        None => format!("{method} {path}"),
    }
}
