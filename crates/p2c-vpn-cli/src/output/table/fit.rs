//! Fitting a table to a width by dropping columns, not cutting values: the one rule every
//! table of the CLI follows (comfy-table and streamed alike), and that any other view (a
//! dashboard) can reuse: [`ColumnSpec`] says how important a column is and how it gives
//! way, [`fit`] decides which columns are shown and how wide, from the columns' natural
//! widths alone (a pure function), and [`unique_width`] how far a value that must be cut
//! may be cut and stay recognisable.
//!
//! The rule:
//! - A table that fits is shown whole.
//! - Else free-text columns ([`Give::Shorten`], e.g. a gateway's field values) are
//!   shortened, the widest first, down to [`TEXT_MIN_WIDTH`].
//! - Else the columns of the lowest priority (the highest [`ColumnSpec::priority`]) are
//!   hidden, a priority level at a time (columns of one level go together: `IN` with
//!   `OUT`), until the rest fits. The columns shown keep their order.
//! - Identifying values (IPs, user names, IDs, gateway names) and values that a cut would
//!   falsify (times, sizes) are never cut ([`Give::Drop`]), unless even the most important
//!   column does not fit alone: then it is shown alone, cut to the width, but never below
//!   its values' shortest unique prefix ([`unique_width`]), so two values never look alike.
//! - Without a width (`--wide`, or no terminal and no `COLUMNS`), nothing is dropped or cut.

use std::collections::HashSet;

use crate::sanitize;

/// How a column gives way when its table is too wide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Give {
    /// Hidden whole, never cut (IDs, IPs, names, times, sizes, states): a cut value looks
    /// like data and misleads (`103.199.2…` may be `103.199.2.x` or `103.199.20.x`).
    Drop,
    /// Free text: shortened with `…` (down to [`TEXT_MIN_WIDTH`]) before any column is
    /// hidden.
    Shorten,
}

/// A column of a table: its header, how important it is, how it gives way, its alignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnSpec<'a> {
    /// The header, as shown.
    pub header: &'a str,
    /// Lower is more important: the columns of the highest priority value are hidden first;
    /// columns of equal priority are hidden together.
    pub priority: u16,
    /// How it gives way.
    pub give: Give,
    /// Right-aligned (numbers, sizes, durations).
    pub right: bool,
}

/// A free-text column is not shortened below this many display columns (or its natural
/// width, when smaller) before other columns are hidden.
pub const TEXT_MIN_WIDTH: usize = 12;

impl<'a> ColumnSpec<'a> {
    /// A column hidden whole when the table is too wide.
    pub const fn drop(header: &'a str, priority: u16) -> Self {
        Self {
            header,
            priority,
            give: Give::Drop,
            right: false,
        }
    }

    /// A free-text column, shortened before others are hidden.
    pub const fn shorten(header: &'a str, priority: u16) -> Self {
        Self {
            give: Give::Shorten,
            ..Self::drop(header, priority)
        }
    }

    /// The column right-aligned.
    pub const fn right(self) -> Self {
        Self {
            right: true,
            ..self
        }
    }

    /// The column with another priority (a table that needs another order).
    pub const fn priority(self, priority: u16) -> Self {
        Self { priority, ..self }
    }
}

/// The priorities of the CLI's columns, in one place: a column keeps its priority in every
/// table it is in (`connections list`, `watch`, `disconnect`, `gateways list`). The order,
/// most important first: the gateway (with several), the user, a watch row's state, the
/// client IP, the rates (watch: what it is for), the virtual IP, how long connected, the
/// byte counters, the established time, the connection ID.
impl ColumnSpec<'static> {
    /// `GATEWAY`: which gateway a connection is on (tables of several gateways).
    pub const GATEWAY: Self = Self::drop("GATEWAY", 0);
    /// `USER`: the client user name.
    pub const USER: Self = Self::drop("USER", 10);
    /// `STATE`: `new` or `dropped` (watch).
    pub const STATE: Self = Self::drop("STATE", 15);
    /// `CLIENT IP`: the client's public address.
    pub const CLIENT_IP: Self = Self::drop("CLIENT IP", 20);
    /// `VIRTUAL IP`: the address the gateway gave the client (identifying: kept before the
    /// rates, as issue 25 orders them).
    pub const VIRTUAL_IP: Self = Self::drop("VIRTUAL IP", 22);
    /// `IN RATE` (watch).
    pub const IN_RATE: Self = Self::drop("IN RATE", 25).right();
    /// `OUT RATE` (watch), hidden with `IN RATE`.
    pub const OUT_RATE: Self = Self::drop("OUT RATE", 25).right();
    /// `CONNECTED FOR`.
    pub const CONNECTED_FOR: Self = Self::drop("CONNECTED FOR", 50).right();
    /// `IN`: bytes received.
    pub const IN: Self = Self::drop("IN", 60).right();
    /// A sparkline of recent activity (`p2c-vpn top`), between the durations and the totals.
    pub const ACTIVITY: Self = Self::drop("ACTIVITY", 55);
    /// `OUT`: bytes sent, hidden with `IN`.
    pub const OUT: Self = Self::drop("OUT", 60).right();
    /// `ESTABLISHED (UTC)`.
    pub const ESTABLISHED: Self = Self::drop("ESTABLISHED (UTC)", 70);
    /// `CONNECTION ID`.
    pub const CONNECTION_ID: Self = Self::drop("CONNECTION ID", 80);

    /// `NAME`: a gateway's name (`gateways list`).
    pub const NAME: Self = Self::drop("NAME", 0);
    /// `ID`: a gateway's ID (`gateways list`), right after the name: names may be shared.
    pub const ID: Self = Self::drop("ID", 5);
    /// `STATUS`: a gateway's status.
    pub const STATUS: Self = Self::drop("STATUS", 30);
    /// `CONNECTIONS`: a gateway's connections against its maximum.
    pub const CONNECTIONS: Self = Self::drop("CONNECTIONS", 40).right();
    /// `CREATED (UTC)`: when a gateway was created.
    pub const CREATED: Self = Self::drop("CREATED (UTC)", 70);

    /// `FIELD` of a record shown field by field.
    pub const FIELD: Self = Self::drop("FIELD", 0);
    /// `VALUE` of a record shown field by field: free text.
    pub const VALUE: Self = Self::shorten("VALUE", 10);

    /// Every column above.
    pub const KNOWN: [Self; 19] = [
        Self::GATEWAY,
        Self::USER,
        Self::STATE,
        Self::CLIENT_IP,
        Self::VIRTUAL_IP,
        Self::IN_RATE,
        Self::OUT_RATE,
        Self::CONNECTED_FOR,
        Self::IN,
        Self::OUT,
        Self::ESTABLISHED,
        Self::CONNECTION_ID,
        Self::NAME,
        Self::ID,
        Self::STATUS,
        Self::CONNECTIONS,
        Self::CREATED,
        Self::FIELD,
        Self::VALUE,
    ];
}

impl<'a> ColumnSpec<'a> {
    /// The column headed `header`, the `position`th of its table: one of
    /// [`ColumnSpec::KNOWN`], else (a field `--columns` asked for) a column hidden whole,
    /// after the known ones, in the order given (the first asked for is kept longest).
    pub fn for_header(header: &'a str, position: usize) -> Self {
        match ColumnSpec::KNOWN.iter().find(|c| c.header == header) {
            Some(known) => Self {
                header,
                priority: known.priority,
                give: known.give,
                right: known.right,
            },
            None => Self::drop(
                header,
                1000u16.saturating_add(u16::try_from(position).unwrap_or(u16::MAX)),
            ),
        }
    }
}

/// Which columns of a table are shown, and how wide (from [`fit`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// Per column: its text width, `None` when hidden.
    widths: Vec<Option<usize>>,
    /// Per column: its natural width (widest cell or header).
    natural: Vec<usize>,
    /// The width fitted to, if any.
    max: Option<usize>,
}

impl Layout {
    /// Column `i`'s text width, `None` when it is hidden.
    pub fn width(&self, i: usize) -> Option<usize> {
        self.widths.get(i).copied().flatten()
    }

    /// The indices of the columns shown, in order.
    pub fn shown(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.widths.len()).filter(|i| self.widths[*i].is_some())
    }

    /// The indices of the columns hidden, in order.
    pub fn hidden(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.widths.len()).filter(|i| self.widths[*i].is_none())
    }

    /// Whether column `i` is shown narrower than its widest value: its values are cut.
    pub fn is_cut(&self, i: usize) -> bool {
        matches!((self.width(i), self.natural.get(i)), (Some(w), Some(n)) if w < *n)
    }

    /// Widens a cut column `i` to `width` (at most its natural width): where its values'
    /// unique prefixes need it ([`unique_width`]).
    pub fn widen(&mut self, i: usize, width: usize) {
        if let (Some(Some(w)), Some(n)) = (self.widths.get_mut(i), self.natural.get(i)) {
            *w = (*w).max(width.min(*n));
        }
    }

    /// The line under a table with hidden columns: what is hidden and what shows it
    /// (`reveal`, the flags of the command). `None` when every column is shown.
    pub fn note(&self, columns: &[ColumnSpec<'_>], reveal: Reveal) -> Option<String> {
        let hidden: Vec<&str> = self
            .hidden()
            .filter_map(|i| columns.get(i).map(|c| c.header))
            .collect();
        if hidden.is_empty() {
            return None;
        }
        let to_fit = self
            .max
            .map(|m| format!(" to fit {m} columns"))
            .unwrap_or_default();
        let how = match reveal {
            Reveal::Wide => " (--wide shows every column)",
            Reveal::WideOrColumns => " (--wide shows every column; --columns chooses them)",
            Reveal::Nothing => "",
        };
        Some(format!("Not shown{to_fit}: {}{how}", hidden.join(", ")))
    }
}

/// What the note under a table with hidden columns names as the way to see them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reveal {
    /// `--wide`.
    Wide,
    /// `--wide`, or `--columns` (`connections list`).
    WideOrColumns,
    /// Nothing (a command without those flags).
    Nothing,
}

/// The display columns a table takes besides its cells' text: `│ ` before the first cell,
/// ` ┆ ` between two, ` │` after the last.
pub fn table_overhead(columns: usize) -> usize {
    3 * columns + 1
}

/// Which columns are shown and how wide, for a table at most `max` display columns wide
/// (borders included; `None`: every column at its natural width). `natural` is each
/// column's widest cell or header, in display columns. The rule is the module's: shorten
/// free text, then hide the least important columns a priority level at a time, and cut
/// a value only when the most important column does not fit alone (then widen the cut
/// column to [`unique_width`] of its values with [`Layout::widen`]: `fit` sees widths,
/// not values).
pub fn fit(columns: &[ColumnSpec<'_>], natural: &[usize], max: Option<usize>) -> Layout {
    let natural: Vec<usize> = (0..columns.len())
        .map(|i| natural.get(i).copied().unwrap_or(0))
        .collect();
    let all = || natural.iter().map(|w| Some(*w)).collect::<Vec<_>>();
    let Some(max) = max else {
        return Layout {
            widths: all(),
            natural,
            max: None,
        };
    };
    let floor = |i: usize| match columns[i].give {
        Give::Drop => natural[i],
        Give::Shorten => natural[i].min(TEXT_MIN_WIDTH),
    };
    let mut levels: Vec<u16> = columns.iter().map(|c| c.priority).collect();
    levels.sort_unstable();
    levels.dedup();
    // The most important level first: the largest set of levels that fits.
    let mut candidates: Vec<Vec<usize>> = levels
        .iter()
        .rev()
        .map(|level| {
            (0..columns.len())
                .filter(|i| columns[*i].priority <= *level)
                .collect()
        })
        .collect();
    // Then the most important column alone (the leftmost of the first level).
    let first = (0..columns.len()).min_by_key(|i| columns[*i].priority);
    candidates.extend(first.map(|i| vec![i]));
    for shown in candidates {
        let needed: usize = shown.iter().map(|i| floor(*i)).sum::<usize>();
        let budget = max.saturating_sub(table_overhead(shown.len()));
        if needed <= budget {
            let mut widths = vec![None; columns.len()];
            let mut fitted: Vec<usize> = shown.iter().map(|i| natural[*i]).collect();
            let floors: Vec<usize> = shown.iter().map(|i| floor(*i)).collect();
            shrink(&mut fitted, &floors, budget);
            for (i, w) in shown.iter().zip(fitted) {
                widths[*i] = Some(w);
            }
            return Layout {
                widths,
                natural,
                max: Some(max),
            };
        }
    }
    // Not even the most important column fits alone: it is cut to what is left.
    let mut widths = vec![None; columns.len()];
    if let Some(i) = first {
        let room = max.saturating_sub(table_overhead(1)).max(2);
        widths[i] = Some(natural[i].min(room));
    }
    Layout {
        widths,
        natural,
        max: Some(max),
    }
}

/// Shortens `widths` to sum to at most `budget`, none below its floor: while too wide, the
/// widest column above its floor loses one column of text (of equally wide ones, the
/// rightmost). So the widest are shortened first, and none below another that was
/// narrower.
pub(crate) fn shrink(widths: &mut [usize], floors: &[usize], budget: usize) {
    let mut total: usize = widths.iter().sum();
    while total > budget {
        // The rightmost of the widest (`max_by_key` returns the last maximum).
        let Some((i, _)) = widths
            .iter()
            .enumerate()
            .filter(|(i, w)| **w > floors.get(*i).copied().unwrap_or(1).max(1))
            .max_by_key(|(_, w)| **w)
        else {
            break;
        };
        widths[i] -= 1;
        total -= 1;
    }
}

/// The narrowest width from `from` up (at most `natural`) at which `values`, each cut to it
/// ([`sanitize::shorten_to_width`]: a prefix and `…`), stay as distinct as they are: a
/// cut value keeps a prefix that no other value has. Time: one pass over the distinct
/// values per width tried.
pub fn unique_width<S: AsRef<str>>(values: &[S], from: usize, natural: usize) -> usize {
    let distinct: HashSet<&str> = values.iter().map(AsRef::as_ref).collect();
    let mut width = from.max(2);
    while width < natural {
        let mut seen = HashSet::with_capacity(distinct.len());
        if distinct
            .iter()
            .all(|v| seen.insert(sanitize::shorten_to_width(v, width)))
        {
            return width;
        }
        width += 1;
    }
    natural.max(from)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// The connections list's columns and the natural widths of the mock's data.
    fn list_columns() -> ([ColumnSpec<'static>; 8], [usize; 8]) {
        (
            [
                ColumnSpec::USER,
                ColumnSpec::VIRTUAL_IP,
                ColumnSpec::CLIENT_IP,
                ColumnSpec::ESTABLISHED,
                ColumnSpec::CONNECTED_FOR,
                ColumnSpec::IN,
                ColumnSpec::OUT,
                ColumnSpec::CONNECTION_ID,
            ],
            [13, 11, 15, 19, 13, 8, 9, 36],
        )
    }

    fn shown_headers(columns: &[ColumnSpec<'_>], layout: &Layout) -> Vec<String> {
        layout
            .shown()
            .map(|i| columns[i].header.to_owned())
            .collect()
    }

    #[test]
    fn the_least_important_columns_are_hidden_first_and_nothing_is_cut() {
        let (columns, natural) = list_columns();
        let full: usize = natural.iter().sum::<usize>() + table_overhead(8);
        assert_eq!(full, 149);
        // Wide enough, or no width: everything, natural widths.
        for max in [None, Some(149), Some(500)] {
            let layout = fit(&columns, &natural, max);
            assert_eq!(layout.shown().count(), 8);
            assert_eq!(layout.note(&columns, Reveal::Wide), None);
        }
        // One column short: the connection ID goes (not a column of text from everyone).
        let layout = fit(&columns, &natural, Some(148));
        assert_eq!(layout.hidden().collect::<Vec<_>>(), [7]);
        assert_eq!(
            layout.note(&columns, Reveal::Wide).unwrap(),
            "Not shown to fit 148 columns: CONNECTION ID (--wide shows every column)"
        );
        // 100 columns: the ID and the time.
        let layout = fit(&columns, &natural, Some(100));
        assert_eq!(
            shown_headers(&columns, &layout),
            [
                "USER",
                "VIRTUAL IP",
                "CLIENT IP",
                "CONNECTED FOR",
                "IN",
                "OUT"
            ]
        );
        // 80 columns: IN and OUT go together.
        let layout = fit(&columns, &natural, Some(80));
        assert_eq!(
            shown_headers(&columns, &layout),
            ["USER", "VIRTUAL IP", "CLIENT IP", "CONNECTED FOR"]
        );
        assert_eq!(
            layout.note(&columns, Reveal::WideOrColumns).unwrap(),
            "Not shown to fit 80 columns: ESTABLISHED (UTC), IN, OUT, CONNECTION ID \
             (--wide shows every column; --columns chooses them)"
        );
        // Never a cut while the most important column fits alone.
        for max in 18..200 {
            let layout = fit(&columns, &natural, Some(max));
            for i in layout.shown() {
                assert!(!layout.is_cut(i), "{max}: {layout:?}");
            }
            let width: usize = layout.shown().map(|i| natural[i]).sum::<usize>()
                + table_overhead(layout.shown().count());
            assert!(width <= max, "{max}: {layout:?}");
            // A column is shown only if every more important one is.
            for i in layout.hidden() {
                for j in layout.shown() {
                    assert!(columns[j].priority <= columns[i].priority, "{max}");
                }
            }
        }
        // USER alone takes 17 columns; at 16 it is cut, and shown alone.
        let layout = fit(&columns, &natural, Some(16));
        assert_eq!(layout.shown().collect::<Vec<_>>(), [0]);
        assert_eq!(layout.width(0), Some(12));
        assert!(layout.is_cut(0));
    }

    #[test]
    fn free_text_is_shortened_before_columns_are_hidden() {
        let columns = [ColumnSpec::FIELD, ColumnSpec::VALUE];
        let natural = [25, 60];
        // 92 fits; at 60 the value is shortened to 60 - 7 - 25 = 28.
        assert_eq!(fit(&columns, &natural, Some(92)).width(1), Some(60));
        let layout = fit(&columns, &natural, Some(60));
        assert_eq!((layout.width(0), layout.width(1)), (Some(25), Some(28)));
        // Down to TEXT_MIN_WIDTH, then the value is hidden.
        let layout = fit(&columns, &natural, Some(25 + 12 + 7));
        assert_eq!(layout.width(1), Some(12));
        let layout = fit(&columns, &natural, Some(25 + 11 + 7));
        assert_eq!(layout.width(1), None);
        assert_eq!(layout.width(0), Some(25));
    }

    #[test]
    fn a_cut_value_keeps_a_unique_prefix() {
        let users = ["carol_muller", "carol_mueller", "bob", "carol_muller"];
        // At 4, "car…" twice; the two carols differ at their 9th character: 9 and `…`.
        assert_eq!(unique_width(&users, 4, 13), 10);
        assert_eq!(unique_width(&["alice", "bob"], 2, 5), 2);
        // Never wider than the values.
        assert_eq!(unique_width(&["aaaa", "aaab"], 2, 4), 4);
        let ips = ["103.199.2.7", "103.199.20.7"];
        let w = unique_width(&ips, 3, 12);
        let cut: HashSet<_> = ips
            .iter()
            .map(|v| sanitize::shorten_to_width(v, w))
            .collect();
        assert_eq!(cut.len(), 2, "{w}");
    }

    #[test]
    fn the_old_rule_still_shortens_the_widest_free_text_first() {
        let mut w = [5, 20, 8];
        shrink(&mut w, &[1, 1, 1], 33);
        assert_eq!(w, [5, 20, 8]);
        shrink(&mut w, &[1, 1, 1], 21);
        assert_eq!(w, [5, 8, 8]);
        shrink(&mut w, &[1, 1, 1], 20);
        assert_eq!(w, [5, 8, 7]);
        shrink(&mut w, &[1, 1, 1], 0);
        assert_eq!(w, [1, 1, 1]);
        let mut w = [5, 20, 8];
        shrink(&mut w, &[5, 12, 8], 0);
        assert_eq!(w, [5, 12, 8]);
    }

    #[test]
    fn headers_name_their_column_everywhere() {
        assert_eq!(ColumnSpec::for_header("USER", 3), ColumnSpec::USER);
        assert_eq!(ColumnSpec::for_header("OUT", 0), ColumnSpec::OUT);
        let asked = ColumnSpec::for_header("client_ip", 2);
        assert_eq!((asked.give, asked.priority), (Give::Drop, 1002));
        let headers: HashSet<&str> = ColumnSpec::KNOWN.iter().map(|c| c.header).collect();
        assert_eq!(headers.len(), ColumnSpec::KNOWN.len());
    }
}
