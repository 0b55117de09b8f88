//! The rendering of rustdoc JSON items into snapshot lines: paths as users write them,
//! full signatures, generics and where clauses, trait impls (the stable auto traits only).

use std::collections::{BTreeSet, HashMap, HashSet};

use rustdoc_types::{
    Abi, Crate, FunctionHeader, FunctionPointer, FunctionSignature, GenericArg, GenericArgs,
    GenericBound, GenericParamDef, GenericParamDefKind, Generics, Id, Impl, Item, ItemEnum,
    StructKind, Term, TraitBoundModifier, Type, VariantKind, Visibility, WherePredicate,
};

use super::AUTO_TRAITS;

const MAX_DEPTH: usize = 32;

pub(super) struct Renderer<'c, 'k> {
    pub(super) krate: &'c Crate,
    /// Shortest public path of each local item.
    pub(super) public: HashMap<Id, String>,
    pub(super) known: &'k mut HashMap<Vec<String>, String>,
    /// (item path, line): sorted by the item first so an item's lines stay together.
    pub(super) lines: BTreeSet<(String, String)>,
    pub(super) stack: HashSet<Id>,
}

fn is_public(item: &Item) -> bool {
    matches!(item.visibility, Visibility::Public | Visibility::Default)
}

impl<'c> Renderer<'c, '_> {
    fn get(&self, id: &Id) -> Option<&'c Item> {
        self.krate.index.get(id)
    }

    fn add(&mut self, key: &str, line: String) {
        self.lines.insert((key.to_owned(), line));
    }

    // ---- pass 1 ----

    pub(super) fn collect(&mut self, id: &Id, name: &str, path: &str, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        let Some(item) = self.get(id) else { return };
        let better = self
            .public
            .get(id)
            .is_none_or(|p| (p.len(), p.as_str()) > (path.len(), path));
        if better {
            self.public.insert(*id, path.to_owned());
        }
        let _ = name;
        if let ItemEnum::Module(m) = &item.inner {
            if !self.stack.insert(*id) {
                return;
            }
            for child in m.items.clone() {
                self.collect_child(&child, path, depth + 1);
            }
            self.stack.remove(id);
        }
    }

    fn collect_child(&mut self, id: &Id, prefix: &str, depth: usize) {
        let Some(item) = self.get(id) else { return };
        if !is_public(item) {
            return;
        }
        match &item.inner {
            ItemEnum::Use(u) => {
                let Some(target) = u.id else { return };
                if u.is_glob {
                    if let Some(ItemEnum::Module(m)) = self.get(&target).map(|t| &t.inner) {
                        if !self.stack.insert(target) {
                            return;
                        }
                        for child in m.items.clone() {
                            self.collect_child(&child, prefix, depth + 1);
                        }
                        self.stack.remove(&target);
                    }
                } else {
                    let path = format!("{prefix}::{}", u.name);
                    self.collect(&target, &u.name, &path, depth);
                }
            }
            _ => {
                if let Some(name) = item.name.clone() {
                    let path = format!("{prefix}::{name}");
                    self.collect(id, &name, &path, depth);
                }
            }
        }
    }

    // ---- pass 2 ----

    pub(super) fn module_items(&mut self, id: &Id, path: &str, depth: usize) {
        if depth > MAX_DEPTH || !self.stack.insert(*id) {
            return;
        }
        if let Some(ItemEnum::Module(m)) = self.get(id).map(|i| &i.inner) {
            for child in m.items.clone() {
                self.child(&child, path, depth + 1);
            }
        }
        self.stack.remove(id);
    }

    fn child(&mut self, id: &Id, prefix: &str, depth: usize) {
        let Some(item) = self.get(id) else { return };
        if !is_public(item) {
            return;
        }
        match &item.inner {
            ItemEnum::Use(u) => {
                let path = format!("{prefix}::{}", u.name);
                match u.id.and_then(|t| self.get(&t).map(|_| t)) {
                    Some(target) if u.is_glob => {
                        if let Some(ItemEnum::Module(m)) = self.get(&target).map(|t| &t.inner) {
                            if !self.stack.insert(target) {
                                return;
                            }
                            for child in m.items.clone() {
                                self.child(&child, prefix, depth + 1);
                            }
                            self.stack.remove(&target);
                        }
                    }
                    Some(target) => self.item(&target, &u.name, &path, depth),
                    None => {
                        // An item of another crate that rustdoc did not inline.
                        let source =
                            u.id.and_then(|t| self.external_path(&t))
                                .unwrap_or_else(|| u.source.clone());
                        let glob = if u.is_glob { "::*" } else { "" };
                        self.add(&path, format!("pub use {path}{glob} = {source}{glob}"));
                    }
                }
            }
            _ => {
                if let Some(name) = item.name.clone() {
                    let path = format!("{prefix}::{name}");
                    self.item(id, &name, &path, depth);
                }
            }
        }
    }

    fn external_path(&self, id: &Id) -> Option<String> {
        let summary = self.krate.paths.get(id)?;
        Some(
            self.known
                .get(&summary.path)
                .cloned()
                .unwrap_or_else(|| summary.path.join("::")),
        )
    }

    fn item(&mut self, id: &Id, name: &str, path: &str, depth: usize) {
        let Some(item) = self.get(id) else { return };
        let attrs = attrs(item);
        match &item.inner {
            ItemEnum::Module(_) => {
                self.add(path, format!("pub mod {path}"));
                self.module_items(id, path, depth);
            }
            ItemEnum::ExternCrate { name: krate, .. } => {
                self.add(path, format!("pub extern crate {path} = {krate}"));
            }
            ItemEnum::Struct(s) => {
                let g = self.generics(&s.generics);
                let w = self.where_clause(&s.generics);
                let shape = match &s.kind {
                    StructKind::Unit => ";".to_owned(),
                    StructKind::Tuple(fields) => {
                        let fields: Vec<String> = fields
                            .iter()
                            .map(|f| match f.and_then(|f| self.field_type(&f)) {
                                Some(t) => format!("pub {t}"),
                                None => "_".to_owned(),
                            })
                            .collect();
                        format!("({})", fields.join(", "))
                    }
                    StructKind::Plain {
                        has_stripped_fields,
                        ..
                    } => {
                        if *has_stripped_fields {
                            " { .. }".to_owned()
                        } else {
                            String::new()
                        }
                    }
                };
                self.add(path, format!("{attrs}pub struct {path}{g}{shape}{w}"));
                if let StructKind::Plain { fields, .. } = &s.kind {
                    self.fields(fields, path);
                }
                self.impls(&s.impls.clone(), path);
            }
            ItemEnum::Union(u) => {
                let g = self.generics(&u.generics);
                self.add(path, format!("{attrs}pub union {path}{g}"));
                self.fields(&u.fields.clone(), path);
                self.impls(&u.impls.clone(), path);
            }
            ItemEnum::Enum(e) => {
                let g = self.generics(&e.generics);
                let w = self.where_clause(&e.generics);
                self.add(path, format!("{attrs}pub enum {path}{g}{w}"));
                for v in e.variants.clone() {
                    self.variant(&v, path);
                }
                self.impls(&e.impls.clone(), path);
            }
            ItemEnum::Function(f) => {
                let line = self.function(name, path, &f.header, &f.generics, &f.sig);
                self.add(path, format!("{attrs}{line}"));
            }
            ItemEnum::Trait(t) => {
                let unsafe_ = if t.is_unsafe { "unsafe " } else { "" };
                let auto = if t.is_auto { "auto " } else { "" };
                let g = self.generics(&t.generics);
                let bounds = self.bounds(&t.bounds);
                let bounds = if bounds.is_empty() {
                    String::new()
                } else {
                    format!(": {bounds}")
                };
                let w = self.where_clause(&t.generics);
                self.add(
                    path,
                    format!("{attrs}pub {unsafe_}{auto}trait {path}{g}{bounds}{w}"),
                );
                for child in t.items.clone() {
                    self.assoc(&child, path);
                }
            }
            ItemEnum::TraitAlias(t) => {
                let g = self.generics(&t.generics);
                let b = self.bounds(&t.params);
                self.add(path, format!("pub trait {path}{g} = {b}"));
            }
            ItemEnum::TypeAlias(t) => {
                let g = self.generics(&t.generics);
                let ty = self.ty(&t.type_);
                self.add(path, format!("pub type {path}{g} = {ty}"));
            }
            ItemEnum::Constant { type_, .. } => {
                let ty = self.ty(type_);
                self.add(path, format!("pub const {path}: {ty}"));
            }
            ItemEnum::Static(s) => {
                let m = if s.is_mutable { "mut " } else { "" };
                let ty = self.ty(&s.type_);
                self.add(path, format!("pub static {m}{path}: {ty}"));
            }
            ItemEnum::Macro(_) => self.add(path, format!("pub macro {path}!")),
            ItemEnum::ProcMacro(_) => self.add(path, format!("pub proc macro {path}")),
            ItemEnum::ExternType => self.add(path, format!("pub type {path}")),
            _ => {}
        }
    }

    fn field_type(&self, id: &Id) -> Option<String> {
        match &self.get(id)?.inner {
            ItemEnum::StructField(t) => Some(self.ty(t)),
            _ => None,
        }
    }

    fn fields(&mut self, fields: &[Id], path: &str) {
        for f in fields {
            let Some(item) = self.get(f) else { continue };
            if !is_public(item) {
                continue;
            }
            if let (Some(name), ItemEnum::StructField(t)) = (&item.name, &item.inner) {
                let p = format!("{path}::{name}");
                let line = format!("pub {p}: {}", self.ty(t));
                self.add(&p, line);
            }
        }
    }

    fn variant(&mut self, id: &Id, enum_path: &str) {
        let Some(item) = self.get(id) else { return };
        let (Some(name), ItemEnum::Variant(v)) = (&item.name, &item.inner) else {
            return;
        };
        let p = format!("{enum_path}::{name}");
        let shape = match &v.kind {
            VariantKind::Plain => String::new(),
            VariantKind::Tuple(fields) => {
                let fields: Vec<String> = fields
                    .iter()
                    .map(|f| {
                        f.and_then(|f| self.field_type(&f))
                            .unwrap_or_else(|| "_".into())
                    })
                    .collect();
                format!("({})", fields.join(", "))
            }
            VariantKind::Struct {
                fields,
                has_stripped_fields,
            } => {
                let mut parts: Vec<String> = fields
                    .iter()
                    .filter_map(|f| {
                        let item = self.get(f)?;
                        Some(format!(
                            "{}: {}",
                            item.name.as_deref()?,
                            self.field_type(f)?
                        ))
                    })
                    .collect();
                if *has_stripped_fields {
                    parts.push("..".into());
                }
                format!(" {{ {} }}", parts.join(", "))
            }
        };
        self.add(&p, format!("pub {p}{shape}"));
    }

    fn assoc(&mut self, id: &Id, owner: &str) {
        let Some(item) = self.get(id) else { return };
        let Some(name) = item.name.clone() else {
            return;
        };
        let p = format!("{owner}::{name}");
        let line = match &item.inner {
            ItemEnum::Function(f) => self.function(&name, &p, &f.header, &f.generics, &f.sig),
            ItemEnum::AssocConst { type_, .. } => format!("pub const {p}: {}", self.ty(type_)),
            // `..`: later formats add fields (format 60: `default_unstable`) not rendered here.
            ItemEnum::AssocType {
                generics,
                bounds,
                type_,
                ..
            } => {
                let g = self.generics(generics);
                let b = self.bounds(bounds);
                let b = if b.is_empty() {
                    String::new()
                } else {
                    format!(": {b}")
                };
                let t = type_
                    .as_ref()
                    .map(|t| format!(" = {}", self.ty(t)))
                    .unwrap_or_default();
                format!("pub type {p}{g}{b}{t}")
            }
            _ => return,
        };
        self.add(&p, line);
    }

    fn impls(&mut self, impls: &[Id], path: &str) {
        for id in impls {
            let Some(item) = self.get(id) else { continue };
            let ItemEnum::Impl(imp) = &item.inner else {
                continue;
            };
            if imp.blanket_impl.is_some() || !self.listed_auto_impl(imp) {
                continue;
            }
            let imp = imp.clone();
            match &imp.trait_ {
                Some(_) => {
                    let line = self.impl_header(&imp);
                    self.add(&format!("{path} impl"), line);
                }
                None => {
                    for child in &imp.items {
                        let Some(ci) = self.get(child) else { continue };
                        if !matches!(ci.visibility, Visibility::Public) {
                            continue;
                        }
                        self.assoc(child, path);
                    }
                }
            }
        }
    }

    /// False for a synthesised impl of an auto trait outside [`AUTO_TRAITS`].
    fn listed_auto_impl(&self, imp: &Impl) -> bool {
        match &imp.trait_ {
            Some(t) if imp.is_synthetic => {
                let name = t.path.rsplit("::").next().unwrap_or(&t.path);
                AUTO_TRAITS.contains(&name)
            }
            _ => true,
        }
    }

    fn impl_header(&self, imp: &Impl) -> String {
        let unsafe_ = if imp.is_unsafe { "unsafe " } else { "" };
        let g = self.generics(&imp.generics);
        let neg = if imp.is_negative { "!" } else { "" };
        let tr = imp
            .trait_
            .as_ref()
            .map(|t| format!("{neg}{} for ", self.path(t)))
            .unwrap_or_default();
        let w = self.where_clause(&imp.generics);
        format!("{unsafe_}impl{g} {tr}{}{w}", self.ty(&imp.for_))
    }

    fn function(
        &self,
        name: &str,
        path: &str,
        header: &FunctionHeader,
        generics: &Generics,
        sig: &FunctionSignature,
    ) -> String {
        let _ = name;
        let g = self.generics(generics);
        let w = self.where_clause(generics);
        format!(
            "pub {}fn {path}{g}{}{w}",
            self.header(header),
            self.signature(sig)
        )
    }

    fn header(&self, h: &FunctionHeader) -> String {
        let mut s = String::new();
        if h.is_const {
            s.push_str("const ");
        }
        if h.is_async {
            s.push_str("async ");
        }
        if h.is_unsafe {
            s.push_str("unsafe ");
        }
        match &h.abi {
            Abi::Rust => {}
            Abi::C { .. } => s.push_str("extern \"C\" "),
            Abi::System { .. } => s.push_str("extern \"system\" "),
            Abi::Other(abi) => s.push_str(&format!("extern {abi} ")),
            other => s.push_str(&format!("extern {other:?} ")),
        }
        s
    }

    fn signature(&self, sig: &FunctionSignature) -> String {
        let mut args: Vec<String> = sig
            .inputs
            .iter()
            .map(|(name, ty)| match (name.as_str(), ty) {
                ("self", Type::Generic(g)) if g == "Self" => "self".to_owned(),
                (
                    "self",
                    Type::BorrowedRef {
                        lifetime,
                        is_mutable,
                        type_,
                    },
                ) if matches!(type_.as_ref(), Type::Generic(g) if g == "Self") => {
                    let l = lifetime
                        .as_ref()
                        .map(|l| format!("{l} "))
                        .unwrap_or_default();
                    let m = if *is_mutable { "mut " } else { "" };
                    format!("&{l}{m}self")
                }
                _ => format!("{name}: {}", self.ty(ty)),
            })
            .collect();
        if sig.is_c_variadic {
            args.push("...".into());
        }
        let out = sig
            .output
            .as_ref()
            .map(|t| format!(" -> {}", self.ty(t)))
            .unwrap_or_default();
        format!("({}){out}", args.join(", "))
    }

    fn generics(&self, g: &Generics) -> String {
        let params = self.params(&g.params);
        if params.is_empty() {
            String::new()
        } else {
            format!("<{params}>")
        }
    }

    fn params(&self, params: &[GenericParamDef]) -> String {
        params
            .iter()
            .filter_map(|p| match &p.kind {
                GenericParamDefKind::Lifetime { outlives } => Some(if outlives.is_empty() {
                    p.name.clone()
                } else {
                    format!("{}: {}", p.name, outlives.join(" + "))
                }),
                GenericParamDefKind::Type {
                    bounds,
                    default,
                    is_synthetic,
                } => {
                    if *is_synthetic {
                        return None;
                    }
                    let mut s = p.name.clone();
                    let b = self.bounds(bounds);
                    if !b.is_empty() {
                        s.push_str(&format!(": {b}"));
                    }
                    if let Some(d) = default {
                        s.push_str(&format!(" = {}", self.ty(d)));
                    }
                    Some(s)
                }
                GenericParamDefKind::Const { type_, default } => {
                    let d = default
                        .as_ref()
                        .map(|d| format!(" = {d}"))
                        .unwrap_or_default();
                    Some(format!("const {}: {}{d}", p.name, self.ty(type_)))
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn where_clause(&self, g: &Generics) -> String {
        let preds: Vec<String> = g
            .where_predicates
            .iter()
            .map(|p| match p {
                WherePredicate::BoundPredicate {
                    type_,
                    bounds,
                    generic_params,
                } => {
                    let hrtb = if generic_params.is_empty() {
                        String::new()
                    } else {
                        format!("for<{}> ", self.params(generic_params))
                    };
                    format!("{hrtb}{}: {}", self.ty(type_), self.bounds(bounds))
                }
                WherePredicate::LifetimePredicate { lifetime, outlives } => {
                    format!("{lifetime}: {}", outlives.join(" + "))
                }
                WherePredicate::EqPredicate { lhs, rhs } => {
                    format!("{} = {}", self.ty(lhs), self.term(rhs))
                }
            })
            .collect();
        if preds.is_empty() {
            String::new()
        } else {
            format!(" where {}", preds.join(", "))
        }
    }

    fn bounds(&self, bounds: &[GenericBound]) -> String {
        bounds
            .iter()
            .map(|b| match b {
                GenericBound::TraitBound {
                    trait_,
                    generic_params,
                    modifier,
                } => {
                    let hrtb = if generic_params.is_empty() {
                        String::new()
                    } else {
                        format!("for<{}> ", self.params(generic_params))
                    };
                    let m = match modifier {
                        TraitBoundModifier::None => "",
                        TraitBoundModifier::Maybe => "?",
                        TraitBoundModifier::MaybeConst => "~const ",
                    };
                    format!("{hrtb}{m}{}", self.path(trait_))
                }
                GenericBound::Outlives(l) => l.clone(),
                GenericBound::Use(args) => {
                    let args: Vec<String> = args
                        .iter()
                        .map(|a| match a {
                            rustdoc_types::PreciseCapturingArg::Lifetime(l) => l.clone(),
                            rustdoc_types::PreciseCapturingArg::Param(p) => p.clone(),
                        })
                        .collect();
                    format!("use<{}>", args.join(", "))
                }
            })
            .collect::<Vec<_>>()
            .join(" + ")
    }

    fn term(&self, t: &Term) -> String {
        match t {
            Term::Type(t) => self.ty(t),
            Term::Constant(c) => c.expr.clone(),
        }
    }

    /// The path users write for `p`: its public path if local (or known from a crate
    /// rendered before), else rustdoc's canonical path, else the path as written.
    fn path(&self, p: &rustdoc_types::Path) -> String {
        let base = self
            .public
            .get(&p.id)
            .cloned()
            .or_else(|| self.external_path(&p.id))
            .unwrap_or_else(|| p.path.clone());
        format!("{base}{}", self.args(p.args.as_deref()))
    }

    fn args(&self, args: Option<&GenericArgs>) -> String {
        match args {
            None => String::new(),
            Some(GenericArgs::AngleBracketed { args, constraints }) => {
                let mut parts: Vec<String> = args
                    .iter()
                    .map(|a| match a {
                        GenericArg::Lifetime(l) => l.clone(),
                        GenericArg::Type(t) => self.ty(t),
                        GenericArg::Const(c) => c.expr.clone(),
                        GenericArg::Infer => "_".into(),
                    })
                    .collect();
                for c in constraints {
                    let a = self.args(c.args.as_deref());
                    parts.push(match &c.binding {
                        rustdoc_types::AssocItemConstraintKind::Equality(t) => {
                            format!("{}{a} = {}", c.name, self.term(t))
                        }
                        rustdoc_types::AssocItemConstraintKind::Constraint(b) => {
                            format!("{}{a}: {}", c.name, self.bounds(b))
                        }
                    });
                }
                if parts.is_empty() {
                    String::new()
                } else {
                    format!("<{}>", parts.join(", "))
                }
            }
            Some(GenericArgs::Parenthesized { inputs, output }) => {
                let inputs: Vec<String> = inputs.iter().map(|t| self.ty(t)).collect();
                let out = output
                    .as_ref()
                    .map(|t| format!(" -> {}", self.ty(t)))
                    .unwrap_or_default();
                format!("({}){out}", inputs.join(", "))
            }
            Some(GenericArgs::ReturnTypeNotation) => "(..)".into(),
        }
    }

    fn ty(&self, t: &Type) -> String {
        match t {
            Type::ResolvedPath(p) => self.path(p),
            Type::DynTrait(d) => {
                let mut parts: Vec<String> = d
                    .traits
                    .iter()
                    .map(|pt| {
                        let hrtb = if pt.generic_params.is_empty() {
                            String::new()
                        } else {
                            format!("for<{}> ", self.params(&pt.generic_params))
                        };
                        format!("{hrtb}{}", self.path(&pt.trait_))
                    })
                    .collect();
                if let Some(l) = &d.lifetime {
                    parts.push(l.clone());
                }
                format!("dyn {}", parts.join(" + "))
            }
            Type::Generic(g) => g.clone(),
            Type::Primitive(p) => p.clone(),
            Type::FunctionPointer(f) => self.fn_pointer(f),
            Type::Tuple(items) => match items.as_slice() {
                [one] => format!("({},)", self.ty(one)),
                items => format!(
                    "({})",
                    items
                        .iter()
                        .map(|t| self.ty(t))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            },
            Type::Slice(t) => format!("[{}]", self.ty(t)),
            Type::Array { type_, len } => format!("[{}; {len}]", self.ty(type_)),
            Type::Pat { type_, .. } => self.ty(type_),
            Type::ImplTrait(b) => format!("impl {}", self.bounds(b)),
            Type::Infer => "_".into(),
            Type::RawPointer { is_mutable, type_ } => {
                let m = if *is_mutable { "mut" } else { "const" };
                format!("*{m} {}", self.ty(type_))
            }
            Type::BorrowedRef {
                lifetime,
                is_mutable,
                type_,
            } => {
                let l = lifetime
                    .as_ref()
                    .map(|l| format!("{l} "))
                    .unwrap_or_default();
                let m = if *is_mutable { "mut " } else { "" };
                format!("&{l}{m}{}", self.ty(type_))
            }
            Type::QualifiedPath {
                name,
                args,
                self_type,
                trait_,
            } => {
                let a = self.args(args.as_deref());
                match trait_ {
                    Some(tr) => format!("<{} as {}>::{name}{a}", self.ty(self_type), self.path(tr)),
                    None => format!("{}::{name}{a}", self.ty(self_type)),
                }
            }
        }
    }

    fn fn_pointer(&self, f: &FunctionPointer) -> String {
        let hrtb = if f.generic_params.is_empty() {
            String::new()
        } else {
            format!("for<{}> ", self.params(&f.generic_params))
        };
        format!(
            "{hrtb}{}fn{}",
            self.header(&f.header),
            self.signature(&f.sig)
        )
    }
}

fn attrs(item: &Item) -> String {
    let mut s = String::new();
    for a in &item.attrs {
        match a {
            rustdoc_types::Attribute::NonExhaustive => s.push_str("#[non_exhaustive] "),
            rustdoc_types::Attribute::MustUse { .. } => s.push_str("#[must_use] "),
            _ => {}
        }
    }
    if item.deprecation.is_some() {
        s.push_str("#[deprecated] ");
    }
    s
}
