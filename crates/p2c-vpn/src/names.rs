//! Naming gateways: the rule that tells an ID from a name, the name cache that follows the
//! service (refreshed by every complete listing, aged out, re-resolved when an ID it gave
//! is not found), de-duplication by ID, and labels that tell apart gateways sharing a name.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Mutex;
use std::time::Duration;

use reqwest::StatusCode;
use tokio::time::Instant;
use uuid::Uuid;

use crate::client::Client;
use crate::error::{Error, Result, Setting};
use crate::model::Gateway;

/// Default [`ClientBuilder::name_ttl`](crate::ClientBuilder::name_ttl): 5 minutes.
pub const DEFAULT_NAME_TTL: Duration = Duration::from_secs(300);

/// The one rule for telling a gateway ID from a name: an ID is a UUID, hyphenated (36
/// characters, as the service lists them) or simple (32 hex digits), in either case, taken
/// as it is without a request (braced and `urn:uuid:` forms are not: they would be sent
/// with their braces or prefix).
/// Anything else is looked up among the project's gateways: an exact ID first, then a
/// unique name ([`find_gateway`]).
pub fn is_gateway_id(gateway: &str) -> bool {
    matches!(gateway.len(), 32 | 36) && gateway.is_ascii() && Uuid::try_parse(gateway).is_ok()
}

/// Gateway names (and IDs that are no UUIDs) resolved to IDs, each with the time it was
/// learnt. Replaced as a whole by every complete listing.
#[derive(Debug)]
pub(crate) struct NameCache {
    ttl: Duration,
    entries: Mutex<HashMap<String, (String, Instant)>>,
}

/// At most this many names are remembered (a project has far fewer gateways; a caller
/// looping over made-up names must not grow the cache without end).
const MAX_NAMES: usize = 10_000;

impl NameCache {
    pub(crate) fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (String, Instant)>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The ID `name` was resolved to, unless that is older than the TTL.
    pub(crate) fn get(&self, name: &str) -> Option<String> {
        let entries = self.lock();
        let (id, learnt) = entries.get(name)?;
        (learnt.elapsed() < self.ttl).then(|| id.clone())
    }

    pub(crate) fn forget(&self, name: &str) {
        self.lock().remove(name);
    }

    /// A complete listing of (ID, name) pairs replaces what was known: every ID, and every
    /// name only one gateway has (unless it is another gateway's ID: the ID wins). Names
    /// that moved are updated; names of gateways that are gone are forgotten.
    pub(crate) fn replace(&self, listing: &[(String, Option<String>)]) {
        let now = Instant::now();
        let mut by_name: HashMap<&str, Option<&str>> = HashMap::new();
        for (id, name) in listing {
            if let Some(name) = name {
                by_name
                    .entry(name)
                    .and_modify(|e| *e = None)
                    .or_insert(Some(id));
            }
        }
        let mut fresh: HashMap<String, (String, Instant)> = HashMap::new();
        for (id, _) in listing.iter().take(MAX_NAMES) {
            fresh.insert(id.clone(), (id.clone(), now));
        }
        for (name, id) in by_name {
            if let Some(id) = id
                && fresh.len() < MAX_NAMES
            {
                fresh
                    .entry(name.to_owned())
                    .or_insert_with(|| (id.to_owned(), now));
            }
        }
        *self.lock() = fresh;
    }
}

/// A gateway ID, and whether it came from a remembered name (then a "not found" may mean
/// the name moved).
struct Resolved {
    id: String,
    remembered: bool,
}

impl Client {
    /// The ID of the gateway `gateway` names ([`is_gateway_id`]: a UUID is taken as it is,
    /// without a request); anything else is looked up among the project's gateways
    /// ([`find_gateway`]: an exact ID wins, then a unique name). No match or several
    /// matches is an [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) error
    /// naming the candidates. Names are remembered for
    /// [`name_ttl`](crate::ClientBuilder::name_ttl) and refreshed by every complete
    /// listing of the gateways.
    pub async fn resolve_gateway(&self, gateway: &str) -> Result<String> {
        Ok(self.resolve(gateway).await?.id)
    }

    /// [`resolve_gateway`](Self::resolve_gateway) for several gateways, in order, with
    /// repeats of one gateway dropped: `["office", "<office's ID>"]` is one gateway. Each
    /// entry is what was given and its ID, or why it could not be resolved (an error for
    /// one does not stop the others). At most one listing is made for all the names.
    pub async fn resolve_gateways<S: AsRef<str>>(
        &self,
        gateways: &[S],
    ) -> Vec<(String, Result<String>)> {
        let mut seen_given = std::collections::HashSet::new();
        let mut seen_ids = std::collections::HashSet::new();
        let mut out = Vec::new();
        for given in gateways.iter().map(AsRef::as_ref) {
            if !seen_given.insert(given) {
                continue;
            }
            let resolved = self.resolve_gateway(given).await;
            if let Ok(id) = &resolved
                && !seen_ids.insert(id.clone())
            {
                continue;
            }
            out.push((given.to_owned(), resolved));
        }
        out
    }

    async fn resolve(&self, gateway: &str) -> Result<Resolved> {
        if is_gateway_id(gateway) {
            return Ok(Resolved {
                id: gateway.to_owned(),
                remembered: false,
            });
        }
        if let Some(id) = self.inner.names.get(gateway) {
            return Ok(Resolved {
                id,
                remembered: true,
            });
        }
        // Huawei's gateway names hold letters, digits, `_`, `-` and `.`: the ID rules
        // refuse nothing a real name has, and everything that could change a path.
        check_id(Setting::Gateway, "gateway", gateway)?;
        // A complete listing: it refreshes the remembered names.
        let all = self.gateways().collect_all().await?;
        let found = find_gateway(&all, gateway)?;
        Ok(Resolved {
            id: found.id().unwrap_or(gateway).to_owned(),
            remembered: false,
        })
    }

    /// Runs `op` with the ID of the gateway `gateway` names. When that ID came from a
    /// remembered name and `op` fails with 404, the name may have moved (a gateway deleted
    /// and created again under the same name): it is resolved once more and, if it now
    /// names another gateway, `op` runs again with that ID. Returns the ID used.
    pub(crate) async fn on_gateway<T, F, Fut>(&self, gateway: &str, op: F) -> Result<(String, T)>
    where
        F: Fn(String) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let first = self.resolve(gateway).await?;
        match op(first.id.clone()).await {
            Err(e) if first.remembered && e.status() == Some(StatusCode::NOT_FOUND) => {
                self.inner.names.forget(gateway);
                let again = self.resolve(gateway).await?;
                if again.id == first.id {
                    return Err(e);
                }
                tracing::debug!(
                    gateway,
                    old = first.id.as_str(),
                    new = again.id.as_str(),
                    "gateway name moved; retrying with its new ID"
                );
                let value = op(again.id.clone()).await?;
                Ok((again.id, value))
            }
            other => other.map(|value| (first.id, value)),
        }
    }

    /// Whether `gateway` would be resolved from a remembered name (no listing needed).
    pub(crate) fn is_remembered(&self, gateway: &str) -> bool {
        self.inner.names.get(gateway).is_some()
    }

    /// A complete listing of the gateways: their IDs and unique names replace the ones
    /// remembered.
    pub(crate) fn remember_listing(&self, listing: &[(String, Option<String>)]) {
        self.inner.names.replace(listing);
    }
}

/// Labels that tell gateways apart: a gateway's name, or, when several of `gateways` share
/// it, the name with the shortest prefix of its ID (at least 8 characters) that no other
/// gateway of that name has: `lab (3f2a1b2c)`. A gateway without a name is shown by its ID.
/// `gateways` are (ID, name) pairs; labels come back in the same order.
pub fn gateway_labels<'a>(
    gateways: impl IntoIterator<Item = (&'a str, Option<&'a str>)>,
) -> Vec<String> {
    let all: Vec<(&str, Option<&str>)> = gateways.into_iter().collect();
    let mut by_name: HashMap<&str, Vec<&str>> = HashMap::new();
    for (id, name) in &all {
        if let Some(name) = name {
            by_name.entry(name).or_default().push(id);
        }
    }
    all.iter()
        .map(|(id, name)| match name {
            None => (*id).to_owned(),
            Some(name) => match by_name.get(name).map(Vec::as_slice) {
                Some([_]) | None => (*name).to_owned(),
                Some(ids) => format!("{name} ({})", unique_prefix(id, ids)),
            },
        })
        .collect()
}

/// The shortest prefix of `id` (at least 8 characters) that no other of `ids` starts with.
fn unique_prefix<'a>(id: &'a str, ids: &[&str]) -> &'a str {
    let mut end = 8.min(id.len());
    while !id.is_char_boundary(end) {
        end += 1;
    }
    loop {
        let prefix = &id[..end];
        let clash = ids
            .iter()
            .any(|other| *other != id && other.starts_with(prefix));
        if !clash || end >= id.len() {
            return prefix;
        }
        end += 1;
        while !id.is_char_boundary(end) {
            end += 1;
        }
    }
}

/// The one rule for naming a gateway among `gateways` (a full listing): the gateway whose
/// ID is exactly `wanted`, else the one gateway named `wanted`. No match, or a name that
/// several gateways share, is an [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) error naming the candidates.
/// [`Client::resolve_gateway`] applies it to the project's gateways; use it on listings you
/// already hold (several projects, say) to name gateways the same way.
pub fn find_gateway<'a>(gateways: &'a [Gateway], wanted: &str) -> Result<&'a Gateway> {
    if let Some(found) = gateways.iter().find(|g| g.id() == Some(wanted)) {
        return Ok(found);
    }
    let named: Vec<&Gateway> = gateways
        .iter()
        .filter(|g| g.name() == Some(wanted))
        .collect();
    match named.as_slice() {
        [one] => Ok(one),
        [] => Err(Error::invalid_setting(
            Setting::Gateway,
            format!(
                "no gateway has the ID or name {:?}; {}",
                shorten(wanted),
                candidates("gateways of the project", gateways.iter())
            ),
        )),
        many => Err(Error::invalid_setting(
            Setting::Gateway,
            format!(
                "the gateway name {:?} is ambiguous: {} gateways have it ({}); pass the ID",
                shorten(wanted),
                many.len(),
                candidates("", many.iter().copied()).trim_start_matches(": ")
            ),
        )),
    }
}

/// Rejects IDs that would change the request's path or query, before anything is sent.
pub(crate) fn check_id(setting: Setting, what: &str, id: &str) -> Result<()> {
    let problem = if id.is_empty() {
        Some("is empty".to_owned())
    } else if id == "." || id == ".." {
        // A dot segment: URL normalisation would remove it and change the path.
        Some("is a dot segment".to_owned())
    } else if id.len() > 256 {
        Some(format!("is {} bytes long (at most 256)", id.len()))
    } else {
        id.chars()
            .find(|c| {
                matches!(c, '/' | '?' | '#' | '%' | '\\') || c.is_whitespace() || c.is_control()
            })
            .map(|c| format!("contains {c:?}"))
    };
    match problem {
        None => Ok(()),
        Some(problem) => {
            let shown: String = id.chars().take(64).flat_map(char::escape_default).collect();
            Err(Error::invalid_setting(
                setting,
                format!("{what} \"{shown}\" {problem}"),
            ))
        }
    }
}

/// At most 64 characters of a value for a message, control characters escaped.
pub(crate) fn shorten(s: &str) -> String {
    s.chars().take(64).flat_map(char::escape_default).collect()
}

/// `: a (id), b (id), ...` for an error message: at most 10, then a count.
fn candidates<'a>(what: &str, gateways: impl Iterator<Item = &'a Gateway>) -> String {
    let all: Vec<&Gateway> = gateways.collect();
    if all.is_empty() {
        return "the project has no gateways".to_owned();
    }
    let mut listed: Vec<String> = all
        .iter()
        .take(10)
        .map(|g| {
            format!(
                "{} ({})",
                shorten(g.name().unwrap_or("-")),
                shorten(g.id().unwrap_or("?"))
            )
        })
        .collect();
    if all.len() > 10 {
        listed.push(format!("and {} more", all.len() - 10));
    }
    format!("{what}: {}", listed.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    #[test]
    fn hostile_ids_are_rejected() {
        for id in [
            "",
            "a/b",
            "a?b",
            "a#b",
            "a%2Fb",
            "a b",
            "a\tb",
            "a\u{0}b",
            "a\\b",
            "x\u{2028}",
            // Found by fuzzing (crates/p2c-vpn-fuzz, cli_parse): sent as
            // /v5/{project}/p2c-vpn-gateways/connections after dot-segment removal.
            ".",
            "..",
        ] {
            let err = check_id(Setting::Gateway, "gateway ID", id).expect_err(id);
            assert_eq!(err.kind(), ErrorKind::InvalidInput, "{id:?}");
        }
        assert!(check_id(Setting::Gateway, "gateway ID", &"a".repeat(300)).is_err());
        check_id(
            Setting::Gateway,
            "gateway ID",
            "0f2c5a4e-6b0d-4c5e-9a8f-1c2d3e4f5a6b",
        )
        .expect("uuid is fine");
    }

    #[test]
    fn only_a_hyphenated_uuid_is_an_id() {
        assert!(is_gateway_id("0f2c5a4e-6b0d-4c5e-9a8f-1c2d3e4f5a6b"));
        assert!(is_gateway_id("0F2C5A4E6B0D4C5E9A8F1C2D3E4F5A6B"));
        assert!(!is_gateway_id("0f2c5a4e-6b0d-4c5e-9a8f-1c2d3e4f5a6"));
        assert!(!is_gateway_id(
            "urn:uuid:0f2c5a4e-6b0d-4c5e-9a8f-1c2d3e4f5a6b"
        ));
        assert!(!is_gateway_id("{0f2c5a4e-6b0d-4c5e-9a8f-1c2d3e4f5a6b}"));
        assert!(!is_gateway_id("office"));
    }

    #[test]
    fn shared_names_get_the_shortest_unique_id_prefix() {
        let labels = gateway_labels([
            ("3f2a1b2c-0000-4000-8000-000000000001", Some("lab")),
            ("3f2a1b2c-9999-4000-8000-000000000002", Some("lab")),
            ("aaaaaaaa-0000-4000-8000-000000000003", Some("office")),
            ("bbbbbbbb-0000-4000-8000-000000000004", None),
        ]);
        assert_eq!(
            labels,
            [
                "lab (3f2a1b2c-0)",
                "lab (3f2a1b2c-9)",
                "office",
                "bbbbbbbb-0000-4000-8000-000000000004"
            ]
        );
        let labels = gateway_labels([("12345678-a", Some("x")), ("abcdefgh-b", Some("x"))]);
        assert_eq!(labels, ["x (12345678)", "x (abcdefgh)"]);
    }

    #[tokio::test(start_paused = true)]
    async fn names_age_out_and_listings_replace_them() {
        let cache = NameCache::new(Duration::from_secs(60));
        let listing = |pairs: &[(&str, &str)]| -> Vec<(String, Option<String>)> {
            pairs
                .iter()
                .map(|(id, name)| ((*id).to_owned(), Some((*name).to_owned())))
                .collect()
        };
        cache.replace(&listing(&[
            ("gw-a", "office"),
            ("gw-b", "lab"),
            ("gw-c", "lab"),
        ]));
        assert_eq!(cache.get("office").as_deref(), Some("gw-a"));
        assert_eq!(cache.get("gw-b").as_deref(), Some("gw-b"));
        assert_eq!(cache.get("lab"), None, "a shared name is never remembered");
        // Recreated under the same name: the new listing wins; a gone gateway is forgotten.
        cache.replace(&listing(&[("gw-z", "office")]));
        assert_eq!(cache.get("office").as_deref(), Some("gw-z"));
        assert_eq!(cache.get("gw-a"), None);
        tokio::time::advance(Duration::from_secs(61)).await;
        assert_eq!(cache.get("office"), None, "expired");
        let never = NameCache::new(Duration::ZERO);
        never.replace(&listing(&[("gw-a", "office")]));
        assert_eq!(never.get("office"), None, "a zero TTL always looks up");
    }

    #[test]
    fn an_id_wins_over_another_gateways_name() {
        let cache = NameCache::new(DEFAULT_NAME_TTL);
        cache.replace(&[
            ("gw-a".to_owned(), Some("gw-b".to_owned())),
            ("gw-b".to_owned(), Some("x".to_owned())),
        ]);
        assert_eq!(cache.get("gw-b").as_deref(), Some("gw-b"));
    }
}
