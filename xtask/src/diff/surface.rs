//! The public API of the client `regen` generates from a spec, as `item → signature`, so that
//! `cargo xtask diff` can check its verdicts against the generated code itself.
//!
//! Both sides are generated in memory with [`regen::generate_from`] (the very code path of
//! `cargo xtask regen`) and read back with syn. Kept: the generated types (struct fields with
//! their serde attributes, newtypes, enum variants, aliases), the `Client` methods, and the
//! builder methods of each operation (`send` carries the success and error body types).
//! Bodies, docs and private items are left out: they cannot break code that uses the client.

use std::collections::BTreeMap;

use syn::{Fields, ImplItem, Item, ItemImpl, Meta, Visibility};

use crate::regen::{self, RegenError};
use crate::spec::Spec;

/// Public items of one generated module.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Surface {
    /// `types::Item::size` → `Option<i64>`; `builder::GetItem::item_id()` → its signature.
    pub items: BTreeMap<String, String>,
}

/// One public item that differs between the two generated modules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemChange {
    /// `types::Item::size`, `builder::GetItem::item_id()`, `Client::get_item()`.
    pub item: String,
    /// Its signature in the old module (`None`: added).
    pub old: Option<String>,
    /// Its signature in the new module (`None`: removed).
    pub new: Option<String>,
}

impl ItemChange {
    /// True when code using the old item may no longer compile (removed or changed).
    pub fn breaks(&self) -> bool {
        self.old.is_some()
    }
}

/// Generates the module for `spec` as `regen` would and lists its public items.
pub fn generate(spec: &Spec) -> Result<Surface, RegenError> {
    let text = regen::generate_from(spec, &spec.path.display().to_string())?;
    let file = syn::parse_file(&text).map_err(|e| RegenError::Parse(e.to_string()))?;
    Ok(Surface::of(&file))
}

impl Surface {
    /// The public items of a generated file.
    pub fn of(file: &syn::File) -> Surface {
        let mut s = Surface::default();
        for item in &file.items {
            match item {
                Item::Mod(m) if m.ident == "types" => {
                    for item in m.content.iter().flat_map(|(_, items)| items) {
                        s.type_item(item);
                    }
                }
                Item::Mod(m) if m.ident == "builder" => {
                    for item in m.content.iter().flat_map(|(_, items)| items) {
                        if let Item::Impl(imp) = item {
                            s.methods("builder::", imp);
                        }
                    }
                }
                Item::Impl(imp) => s.methods("", imp),
                _ => {}
            }
        }
        s
    }

    fn type_item(&mut self, item: &Item) {
        match item {
            Item::Struct(st) if is_pub(&st.vis) => match &st.fields {
                Fields::Named(named) => {
                    for f in &named.named {
                        let name = f
                            .ident
                            .as_ref()
                            .map(ToString::to_string)
                            .unwrap_or_default();
                        let value = format!("{}{}", show_type(&f.ty), serde_args(&f.attrs));
                        self.items
                            .insert(format!("types::{}::{name}", st.ident), value);
                    }
                }
                fields => {
                    let tys: Vec<String> = fields.iter().map(|f| show_type(&f.ty)).collect();
                    let value = format!("({})", tys.join(", "));
                    self.items.insert(format!("types::{}", st.ident), value);
                }
            },
            Item::Enum(en) if is_pub(&en.vis) => {
                for v in &en.variants {
                    let tys: Vec<String> = v.fields.iter().map(|f| show_type(&f.ty)).collect();
                    let fields = if tys.is_empty() {
                        String::new()
                    } else {
                        format!("({})", tys.join(", "))
                    };
                    let value = format!("variant{fields}{}", serde_args(&v.attrs));
                    self.items
                        .insert(format!("types::{}::{}", en.ident, v.ident), value);
                }
            }
            Item::Type(t) if is_pub(&t.vis) => {
                self.items
                    .insert(format!("types::{}", t.ident), show_type(&t.ty));
            }
            _ => {}
        }
    }

    /// Public inherent methods of `imp` (trait impls and `new` constructors are left out).
    fn methods(&mut self, prefix: &str, imp: &ItemImpl) {
        if imp.trait_.is_some() {
            return;
        }
        let syn::Type::Path(ty) = &*imp.self_ty else {
            return;
        };
        let Some(ty) = ty.path.segments.last().map(|s| s.ident.to_string()) else {
            return;
        };
        for item in &imp.items {
            if let ImplItem::Fn(f) = item
                && is_pub(&f.vis)
                && f.sig.ident != "new"
            {
                let key = format!("{prefix}{ty}::{}()", f.sig.ident);
                self.items.insert(key, show_sig(&f.sig));
            }
        }
    }

    /// The signature of `item`, if the module has it.
    pub fn get(&self, item: &str) -> Option<&str> {
        self.items.get(item).map(String::as_str)
    }

    /// The generated name of the type for component schema `name`, or of the builder for
    /// `operationId` `name` (progenitor and typify turn both into PascalCase identifiers).
    pub fn find_type(&self, module: &str, name: &str) -> Option<String> {
        let want = squash(name);
        let prefix = format!("{module}::");
        self.items
            .keys()
            .filter_map(|k| k.strip_prefix(&prefix))
            .filter_map(|rest| rest.split("::").next())
            .find(|ty| squash(ty) == want)
            .map(str::to_owned)
    }

    /// The Rust field of struct `ty` that carries JSON property `wire` (`None` if absent).
    pub fn field(&self, ty: &str, wire: &str) -> Option<(String, &str)> {
        let prefix = format!("types::{ty}::");
        let renamed = format!("rename = \"{wire}\"");
        let plain = format!("{prefix}{}", crate::diff::snake(wire));
        self.items
            .iter()
            .filter(|(k, _)| k.starts_with(&prefix))
            .find(|(k, v)| v.contains(&renamed) || (**k == plain && !v.contains("rename =")))
            .map(|(k, v)| (k.clone(), v.split(" #[").next().unwrap_or(v)))
    }

    /// Every item removed, changed or added from `old` to `new`, in item order.
    pub fn diff(old: &Surface, new: &Surface) -> Vec<ItemChange> {
        let mut keys: Vec<&String> = old.items.keys().chain(new.items.keys()).collect();
        keys.sort();
        keys.dedup();
        keys.into_iter()
            .filter(|k| old.items.get(*k) != new.items.get(*k))
            .map(|k| ItemChange {
                item: k.clone(),
                old: old.items.get(k).cloned(),
                new: new.items.get(k).cloned(),
            })
            .collect()
    }
}

fn is_pub(vis: &Visibility) -> bool {
    matches!(vis, Visibility::Public(_))
}

/// Lower-case letters and digits only: `ListP2cVgws`, `list-p2c-vgws` and `list_p2c_vgws`
/// compare equal.
fn squash(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// ` #[serde(...)]` for the serde attributes of a field or variant (they decide what the
/// generated code accepts on the wire), else nothing.
fn serde_args(attrs: &[syn::Attribute]) -> String {
    attrs
        .iter()
        .filter_map(|a| match &a.meta {
            Meta::List(list) if list.path.is_ident("serde") => {
                Some(format!(" #[serde({})]", tidy(&list.tokens.to_string())))
            }
            _ => None,
        })
        .collect()
}

/// A type as source text (`Option<i64>`), printed by prettyplease in a one-item file.
fn show_type(ty: &syn::Type) -> String {
    let Ok(mut file) = syn::parse_file("type T = u8;") else {
        return String::new();
    };
    if let Some(Item::Type(t)) = file.items.first_mut() {
        *t.ty = ty.clone();
    }
    let text = prettyplease::unparse(&file);
    let text = text
        .trim()
        .trim_start_matches("type T = ")
        .trim_end_matches(';');
    tidy(text)
}

/// A function signature as source text, on one line.
fn show_sig(sig: &syn::Signature) -> String {
    let Ok(mut file) = syn::parse_file("fn f() {}") else {
        return String::new();
    };
    if let Some(Item::Fn(f)) = file.items.first_mut() {
        f.sig = sig.clone();
    }
    let text = prettyplease::unparse(&file);
    tidy(text.trim().trim_end_matches("{}"))
}

/// One line, single spaces, `std` paths shortened (`::std::option::Option` → `Option`).
fn tidy(text: &str) -> String {
    let mut out = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for (from, to) in [
        (" :: ", "::"),
        (":: ", "::"),
        (" ::", "::"),
        (" < ", "<"),
        ("< ", "<"),
        (" <", "<"),
        (" >", ">"),
        (" ,", ","),
        ("( ", "("),
        (" )", ")"),
        ("& '", "&'"),
        ("::std::option::", ""),
        ("::std::string::", ""),
        ("::std::vec::", ""),
        ("::std::collections::", ""),
        ("::std::num::", ""),
        ("std::convert::", ""),
        ("::serde_json::", "serde_json::"),
        ("progenitor_client::", ""),
        ("::std::", "std::"),
    ] {
        out = out.replace(from, to);
    }
    out.trim_end_matches(',').trim().to_owned()
}
