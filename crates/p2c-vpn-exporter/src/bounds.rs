//! What a collection keeps, bounded whatever the service sends (issue #24): the gateways
//! chosen while the list streams by ([`Selection`], at most `max_gateways`), label values
//! cut ([`label_value`]), and the per-connection series budget ([`SeriesBudget`]).

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};

use p2c_vpn::Gateway;

/// The longest gateway ID kept; a listed gateway with a longer one is skipped (the
/// service's IDs are 36-character UUIDs).
pub(crate) const MAX_ID_BYTES: usize = 128;
/// The longest gateway name or user name kept as a label value; longer ones are cut (at a
/// character boundary).
pub(crate) const MAX_LABEL_BYTES: usize = 256;

/// The `max_connection_series` budget: series held by the gateways' samples plus those of
/// samples being built. A sample being built reuses its gateway's current series first
/// ([`Spend::allowance`]), so a gateway alone at the cap keeps its series from one
/// collection to the next; the old and new samples of a gateway coexist only while it is
/// collected, so at most twice the cap is ever in memory.
#[derive(Debug)]
pub(crate) struct SeriesBudget {
    cap: usize,
    used: AtomicUsize,
}

impl SeriesBudget {
    pub(crate) fn new(cap: usize) -> Self {
        Self {
            cap,
            used: AtomicUsize::new(0),
        }
    }

    pub(crate) fn take(&self) -> bool {
        self.used
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |used| {
                (used < self.cap).then_some(used + 1)
            })
            .is_ok()
    }

    pub(crate) fn release(&self, n: usize) {
        if n > 0 {
            let _ = self
                .used
                .fetch_update(Ordering::AcqRel, Ordering::Acquire, |used| {
                    Some(used.saturating_sub(n))
                });
        }
    }
}

/// What one collection of a gateway may spend: its old series (`allowance`) first, then
/// the pool (`from_pool` counts what it took).
#[derive(Debug)]
pub(crate) struct Spend {
    pub(crate) allowance: usize,
    pub(crate) from_pool: usize,
}

impl Spend {
    pub(crate) fn take(&mut self, pool: &SeriesBudget) -> bool {
        if self.allowance > 0 {
            self.allowance -= 1;
            true
        } else if pool.take() {
            self.from_pool += 1;
            true
        } else {
            false
        }
    }
}

/// A value cut to [`MAX_LABEL_BYTES`] at a character boundary.
pub(crate) fn label_value(s: &str) -> String {
    if s.len() <= MAX_LABEL_BYTES {
        return s.to_owned();
    }
    let mut end = MAX_LABEL_BYTES;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_owned()
}

/// A listed gateway as the exporter keeps it: only what the series need, bounded.
#[derive(Clone, Debug)]
pub(crate) struct Listed {
    pub(crate) id: String,
    pub(crate) name: Option<String>,
    pub(crate) max_connections: Option<u64>,
}

impl Listed {
    /// `None` for a gateway without an ID or with one longer than [`MAX_ID_BYTES`].
    pub(crate) fn of(g: &Gateway) -> Option<Self> {
        let id = g.id().filter(|id| !id.is_empty())?;
        if id.len() > MAX_ID_BYTES {
            tracing::debug!(bytes = id.len(), "a gateway ID too long to be one: skipped");
            return None;
        }
        Some(Self {
            id: id.to_owned(),
            name: g.name().map(label_value),
            max_connections: g.max_connections(),
        })
    }
}

/// The gateways to collect, chosen while the list streams by, with
/// [`p2c_vpn::find_gateway`]'s rule: every gateway without selectors (the first
/// `max`); else per selector the gateway with that ID, else the one gateway with that name
/// (a name several gateways share matches none). Memory: `max` gateways, or two per
/// selector.
pub(crate) struct Selection<'a> {
    selectors: &'a [String],
    max: usize,
    all: Vec<Listed>,
    seen: HashSet<String>,
    /// Per selector: (found by ID, found by name, gateways with that name (capped at 2)).
    per: Vec<(Option<Listed>, Option<Listed>, u8)>,
    truncated: bool,
}

impl<'a> Selection<'a> {
    pub(crate) fn new(selectors: &'a [String], max: usize) -> Self {
        Self {
            selectors,
            max,
            all: Vec::new(),
            seen: HashSet::new(),
            per: selectors.iter().map(|_| (None, None, 0)).collect(),
            truncated: false,
        }
    }

    /// Takes one listed gateway; `false` when the listing can stop (the cap is reached,
    /// without selectors).
    pub(crate) fn add(&mut self, g: &Gateway) -> bool {
        if self.selectors.is_empty() {
            let Some(id) = g.id() else {
                return true;
            };
            if self.seen.contains(id) {
                return true;
            }
            if self.all.len() >= self.max {
                self.truncated = true;
                return false;
            }
            if let Some(listed) = Listed::of(g) {
                self.seen.insert(listed.id.clone());
                self.all.push(listed);
            }
            return true;
        }
        for (selector, (by_id, by_name, named)) in self.selectors.iter().zip(&mut self.per) {
            if by_id.is_none() && g.id() == Some(selector.as_str()) {
                *by_id = Listed::of(g);
            }
            if g.name() == Some(selector.as_str()) {
                *named = named.saturating_add(1).min(2);
                *by_name = if *named == 1 { Listed::of(g) } else { None };
            }
        }
        true
    }

    /// (chosen, selectors matched, truncated).
    pub(crate) fn finish(self) -> (Vec<Listed>, HashSet<String>, bool) {
        if self.selectors.is_empty() {
            return (self.all, HashSet::new(), self.truncated);
        }
        let mut hits = HashSet::new();
        let mut chosen: Vec<Listed> = Vec::new();
        let mut truncated = false;
        for (selector, (by_id, by_name, _)) in self.selectors.iter().zip(self.per) {
            let Some(found) = by_id.or(by_name) else {
                tracing::debug!(gateway = selector.as_str(), "not in this target");
                continue;
            };
            hits.insert(selector.clone());
            if chosen.iter().any(|c| c.id == found.id) {
                continue;
            }
            if chosen.len() >= self.max {
                truncated = true;
            } else {
                chosen.push(found);
            }
        }
        (chosen, hits, truncated)
    }
}

/// What is wrong with the selectors (`--gateway`) given each target's full listing (its
/// name, and its gateways, or `None` when it could not be listed), with
/// [`p2c_vpn::find_gateway`]'s rule and messages (the candidates listed, as the CLI
/// does): a name that two gateways of one target share, and a selector that no listed
/// target has while every target was listed. Empty when the selectors are fine, or cannot
/// be told wrong.
pub(crate) fn selector_problems(
    selectors: &[String],
    listings: &[(String, Option<Vec<Gateway>>)],
) -> Vec<String> {
    let several = listings.len() > 1;
    let mut problems = Vec::new();
    for selector in selectors {
        let (mut found, mut unchecked) = (false, false);
        let mut missing = Vec::new();
        for (target, listing) in listings {
            let Some(gateways) = listing else {
                unchecked = true;
                continue;
            };
            let Err(e) = p2c_vpn::find_gateway(gateways, selector) else {
                found = true;
                continue;
            };
            let message = if several {
                format!("{target}: {}", e.error_message())
            } else {
                e.error_message().to_owned()
            };
            let shared = gateways
                .iter()
                .filter(|g| g.name() == Some(selector.as_str()))
                .count()
                > 1;
            if shared {
                problems.push(message);
            } else {
                missing.push(message);
            }
        }
        if !found && !unchecked {
            problems.extend(missing);
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gateway(id: &str, name: &str) -> Gateway {
        serde_json::from_value(serde_json::json!({"id": id, "name": name})).unwrap_or_default()
    }

    fn select(
        all: &[Gateway],
        selectors: &[String],
        max: usize,
    ) -> (Vec<String>, HashSet<String>, bool) {
        let mut selection = Selection::new(selectors, max);
        for g in all {
            if !selection.add(g) {
                break;
            }
        }
        let (chosen, hits, truncated) = selection.finish();
        (chosen.into_iter().map(|g| g.id).collect(), hits, truncated)
    }

    #[test]
    fn selectors_naming_nothing_or_a_shared_name_are_problems() {
        let office = vec![
            gateway("a", "office"),
            gateway("b", "lab"),
            gateway("c", "lab"),
        ];
        let listed = |gateways: &Vec<Gateway>| Some(gateways.clone());
        let one = [("cn-north-4".to_owned(), listed(&office))];
        let check = |selectors: &[&str], listings: &[(String, Option<Vec<Gateway>>)]| {
            let selectors: Vec<String> = selectors.iter().map(|s| (*s).to_owned()).collect();
            selector_problems(&selectors, listings)
        };
        assert!(check(&["office", "a", "b", "c"], &one).is_empty());
        // Naming nothing: find_gateway's message, the candidates listed.
        let problems = check(&["nope", "office"], &one);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].starts_with("no gateway has the ID or name \"nope\"")
                && problems[0].contains("office (a)"),
            "{problems:?}"
        );
        // A name two gateways share.
        let problems = check(&["lab"], &one);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("ambiguous"), "{problems:?}");

        // Several targets: found in one is enough, unless shared in another; a target that
        // could not be listed may hold what the others lack.
        let other = vec![gateway("d", "lab"), gateway("e", "branch")];
        let two = [
            ("cn-north-4".to_owned(), listed(&office)),
            ("ap-southeast-1".to_owned(), listed(&other)),
        ];
        assert!(check(&["branch", "office"], &two).is_empty());
        let problems = check(&["lab"], &two);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].starts_with("cn-north-4: "), "{problems:?}");
        let problems = check(&["nope"], &two);
        assert_eq!(problems.len(), 2, "{problems:?}");
        let unlisted = [
            ("cn-north-4".to_owned(), listed(&office)),
            ("ap-southeast-1".to_owned(), None),
        ];
        assert!(check(&["nope"], &unlisted).is_empty());
        assert_eq!(check(&["lab"], &unlisted).len(), 1);
    }

    #[test]
    fn selectors_match_ids_then_unique_names() {
        let all = vec![
            gateway("a", "office"),
            gateway("b", "lab"),
            gateway("c", "lab"),
        ];
        let (chosen, hits, truncated) = select(&all, &[], 10);
        assert_eq!(chosen, ["a", "b", "c"]);
        assert!(hits.is_empty() && !truncated);
        let wanted = ["office", "b", "lab", "a", "nope"].map(String::from);
        let (chosen, hits, truncated) = select(&all, &wanted, 10);
        assert_eq!(
            chosen,
            ["a", "b"],
            "office and a are one gateway; lab is ambiguous"
        );
        assert!(hits.contains("office") && hits.contains("a") && hits.contains("b"));
        assert!(!hits.contains("lab") && !hits.contains("nope"));
        assert!(!truncated);
        // The same rule as the library's.
        for selector in &wanted {
            let ours = select(&all, std::slice::from_ref(selector), 10).0;
            let theirs: Vec<String> = p2c_vpn::find_gateway(&all, selector)
                .ok()
                .and_then(|g| g.id())
                .map(str::to_owned)
                .into_iter()
                .collect();
            assert_eq!(ours, theirs, "{selector}");
        }
    }

    #[test]
    fn the_gateway_cap_keeps_the_first_ones_and_says_so() {
        let all: Vec<Gateway> = (0..5).map(|i| gateway(&format!("g{i}"), "x")).collect();
        assert_eq!(
            select(&all, &[], 5),
            (
                vec![
                    "g0".into(),
                    "g1".into(),
                    "g2".into(),
                    "g3".into(),
                    "g4".into()
                ],
                HashSet::new(),
                false
            )
        );
        let (chosen, _, truncated) = select(&all, &[], 3);
        assert_eq!(chosen, ["g0", "g1", "g2"]);
        assert!(truncated);
        // Repeated IDs count once.
        let repeated = vec![gateway("g0", "x"), gateway("g0", "x"), gateway("g1", "y")];
        assert_eq!(select(&repeated, &[], 2).0, ["g0", "g1"]);
        assert!(!select(&repeated, &[], 2).2);
        // With selectors: the cap applies to the gateways chosen.
        let wanted = ["g3", "g1", "g4"].map(String::from);
        let (chosen, hits, truncated) = select(&all, &wanted, 2);
        assert_eq!(chosen, ["g3", "g1"]);
        assert_eq!(hits.len(), 3);
        assert!(truncated);
    }

    #[test]
    fn long_ids_are_skipped_and_long_names_cut() {
        let long_id = "i".repeat(MAX_ID_BYTES + 1);
        let long_name = "é".repeat(MAX_LABEL_BYTES);
        let all = vec![gateway(&long_id, "x"), gateway("ok", &long_name)];
        let mut selection = Selection::new(&[], 10);
        for g in &all {
            assert!(selection.add(g));
        }
        let (chosen, _, _) = selection.finish();
        assert_eq!(chosen.len(), 1);
        let name = chosen[0].name.as_deref().unwrap_or_default();
        assert!(
            name.len() <= MAX_LABEL_BYTES && name.len() >= MAX_LABEL_BYTES - 1,
            "{}",
            name.len()
        );
        assert!(long_name.starts_with(name));
    }

    #[test]
    fn the_series_budget_is_shared_and_reused() {
        let pool = SeriesBudget::new(3);
        let mut first = Spend {
            allowance: 0,
            from_pool: 0,
        };
        assert!(first.take(&pool) && first.take(&pool));
        let mut second = Spend {
            allowance: 0,
            from_pool: 0,
        };
        assert!(second.take(&pool));
        assert!(!second.take(&pool), "the cap is over all gateways");
        // A gateway holding 2 series collects again: it reuses them, nothing more.
        let mut again = Spend {
            allowance: 2,
            from_pool: 0,
        };
        assert!(again.take(&pool) && again.take(&pool) && !again.take(&pool));
        assert_eq!(again.from_pool, 0);
        pool.release(1);
        assert!(second.take(&pool));
    }
}
