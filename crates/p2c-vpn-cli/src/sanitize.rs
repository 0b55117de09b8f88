//! Server strings made safe to show: on a terminal (tables, the watch screen, messages) and
//! in a spreadsheet (CSV).
//!
//! A terminal obeys the control characters in what it prints: a user name holding
//! `ESC ] 0 ; … BEL` sets the window title, `ESC [ 2 J` clears the screen, a newline adds a
//! fake row, `ESC ] 8` prints a hyperlink, and a bidi override (U+202E) reorders the rest
//! of the line. [`for_terminal`] shows every such character as an escape instead (`\x1b`,
//! `\n`, `\u{202e}`), so a value stays on its line and does nothing. The escapes are for
//! reading, not a reversible encoding (a backslash is shown as is): the exact value is in
//! the `json`/`ndjson` output.
//!
//! [`cell`] also shortens a value to [`CELL_MAX_CHARS`] characters (ending in `…`), looking
//! at no more of the input than that: a 10 MB user name costs a table nothing.
//! [`shorten_to_width`] shortens such a cell further, to a number of display columns, when a
//! table must fit a terminal.
//!
//! [`for_spreadsheet`] defuses CSV formula injection (see the crate README, "CSV and
//! spreadsheets").

use std::borrow::Cow;
use std::fmt::Write as _;

/// The longest table cell, in characters (after escaping, `…` included).
pub const CELL_MAX_CHARS: usize = 64;

/// What a shortened value ends with.
pub const ELLIPSIS: char = '…';

/// Whether `c` must not reach a terminal as is: C0 controls (U+0000–U+001F, tab and
/// newline included), DEL, C1 controls (U+0080–U+009F), the bidi embeddings, overrides and
/// isolates (U+202A–U+202E, U+2066–U+2069), and the line and paragraph separators
/// (U+2028, U+2029).
pub fn is_unsafe(c: char) -> bool {
    matches!(
        c,
        '\u{0}'..='\u{1f}'
            | '\u{7f}'..='\u{9f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2066}'..='\u{2069}'
            | '\u{2028}'
            | '\u{2029}'
    )
}

/// Appends the visible form of `c`: `\n`, `\r`, `\t`, `\xNN` below U+0100, else `\u{NNNN}`;
/// safe characters as they are.
fn push_visible(out: &mut String, c: char) {
    if !is_unsafe(c) {
        out.push(c);
        return;
    }
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if u32::from(c) < 0x100 => {
            let _ = write!(out, "\\x{:02x}", u32::from(c));
        }
        c => {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        }
    }
}

/// How many characters the visible form of `c` takes.
fn visible_len(c: char) -> usize {
    match c {
        c if !is_unsafe(c) => 1,
        '\n' | '\r' | '\t' => 2,
        c if u32::from(c) < 0x100 => 4,
        // \u{202e}
        _ => 8,
    }
}

/// `s` with every [unsafe](is_unsafe) character shown as an escape; borrowed when there is
/// none. For messages and other text shown whole.
pub fn for_terminal(s: &str) -> Cow<'_, str> {
    let Some(first) = s.find(is_unsafe) else {
        return Cow::Borrowed(s);
    };
    let mut out = String::with_capacity(s.len() + 16);
    out.push_str(&s[..first]);
    for c in s[first..].chars() {
        push_visible(&mut out, c);
    }
    Cow::Owned(out)
}

/// A table cell: [`for_terminal`], then at most [`CELL_MAX_CHARS`] characters.
pub fn cell(s: &str) -> Cow<'_, str> {
    shorten_for_terminal(s, CELL_MAX_CHARS)
}

/// [`for_terminal`] shortened to at most `max_chars` characters (at least 1): when the
/// escaped value is longer, its first `max_chars - 1` characters (never half an escape) and
/// `…`. Reads at most about `max_chars` characters of `s`, whatever its length.
pub fn shorten_for_terminal(s: &str, max_chars: usize) -> Cow<'_, str> {
    match shorten_chars(s.chars(), max_chars) {
        None => Cow::Borrowed(s),
        Some(out) => Cow::Owned(out),
    }
}

/// [`shorten_for_terminal`] over any characters: `None` when they are safe and short
/// enough (the caller borrows them). Reads at most `2 * (max_chars + 1)` of them (one pass
/// to decide, one to write), whatever their number: the unit tests count them.
fn shorten_chars<I>(chars: I, max_chars: usize) -> Option<String>
where
    I: Iterator<Item = char> + Clone,
{
    let max = max_chars.max(1);
    // Fast path: safe and short enough, borrowed.
    let needs_work = chars
        .clone()
        .enumerate()
        .any(|(count, c)| count == max || is_unsafe(c));
    if !needs_work {
        return None;
    }
    let len_bound = chars.size_hint().1.unwrap_or(max);
    let mut out = String::with_capacity(max.min(len_bound) + 8);
    let mut shown = 0;
    // The length of `out` at the last point where `…` still fits after it.
    let mut keep = 0;
    for c in chars {
        let n = visible_len(c);
        if shown + n > max {
            out.truncate(keep);
            out.push(ELLIPSIS);
            return Some(out);
        }
        push_visible(&mut out, c);
        shown += n;
        if shown < max {
            keep = out.len();
        }
    }
    Some(out)
}

/// Safe text (a [`cell`]) shortened to at most `max_width` display columns (at least 1),
/// wide characters (CJK, emoji) counting 2: when it is wider, the longest prefix that leaves
/// room for `…`, then `…`. Borrowed when it fits. For fitting a table to a terminal:
/// a value is shortened, never split across lines.
pub fn shorten_to_width(s: &str, max_width: usize) -> Cow<'_, str> {
    use unicode_width::{UnicodeWidthChar as _, UnicodeWidthStr as _};
    let max = max_width.max(1);
    if s.width() <= max {
        return Cow::Borrowed(s);
    }
    let room = max - 1;
    let mut out = String::with_capacity(room + 3);
    let mut width = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if width + w > room {
            break;
        }
        out.push(c);
        width += w;
    }
    // The width of a string is not always the sum of its characters' (emoji sequences):
    // trust the string's.
    while out.width() > room {
        out.pop();
    }
    out.push(ELLIPSIS);
    Cow::Owned(out)
}

/// The characters that make a spreadsheet read a CSV cell as a formula (OWASP's list).
const FORMULA_TRIGGERS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A server string for a CSV cell: prefixed with `'` when it starts with `=`, `+`, `-`,
/// `@`, a tab or a carriage return, so that a spreadsheet shows it as text instead of
/// running it as a formula (OWASP's advice for CSV injection). Everything else, control
/// characters included, stays exact (the CSV writer quotes what needs quoting).
///
/// Only for strings: numeric columns (where `-5` is a number) never go through it.
pub fn for_spreadsheet(s: &str) -> Cow<'_, str> {
    if s.starts_with(FORMULA_TRIGGERS) {
        Cow::Owned(format!("'{s}"))
    } else {
        Cow::Borrowed(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_text_is_borrowed() {
        for s in ["", "nlopez", "victor.zhou", "用户名", "Zoë", "a\\nb", "🙂"] {
            assert!(matches!(for_terminal(s), Cow::Borrowed(_)), "{s}");
            assert!(matches!(cell(s), Cow::Borrowed(_)), "{s}");
        }
    }

    #[test]
    fn hostile_names_are_escaped() {
        let cases = [
            ("\x1b]0;pwned\x07", "\\x1b]0;pwned\\x07"),
            ("\x1b[2J", "\\x1b[2J"),
            ("a\nb", "a\\nb"),
            ("a\r\nb\tc", "a\\r\\nb\\tc"),
            ("\u{202e}evil", "\\u{202e}evil"),
            (
                "\x1b]8;;http://x\x07link\x1b]8;;\x07",
                "\\x1b]8;;http://x\\x07link\\x1b]8;;\\x07",
            ),
            (
                "\0\x7f\u{80}\u{85}\u{9b}\u{9f}",
                "\\x00\\x7f\\x80\\x85\\x9b\\x9f",
            ),
            (
                "\u{202a}\u{202b}\u{202c}\u{202d}\u{2066}\u{2067}\u{2068}\u{2069}",
                "\\u{202a}\\u{202b}\\u{202c}\\u{202d}\\u{2066}\\u{2067}\\u{2068}\\u{2069}",
            ),
            ("line\u{2028}para\u{2029}", "line\\u{2028}para\\u{2029}"),
        ];
        for (raw, shown) in cases {
            assert_eq!(for_terminal(raw), shown, "{raw:?}");
            assert_eq!(cell(raw), shown, "{raw:?}");
            let out = for_terminal(raw);
            assert!(!out.chars().any(is_unsafe), "{out:?}");
        }
        // Neighbours of the ranges are left alone.
        for s in [
            "\u{a0}", "\u{2065}", "\u{206a}", "\u{2027}", "\u{202f}", "\u{200f}",
        ] {
            assert_eq!(for_terminal(s), s, "{s:?}");
        }
    }

    #[test]
    fn visible_len_matches_the_escape() {
        for c in [
            'a', '\n', '\x1b', '\u{9f}', '\u{202e}', '\u{2028}', 'é', '用',
        ] {
            let mut s = String::new();
            push_visible(&mut s, c);
            assert_eq!(s.chars().count(), visible_len(c), "{c:?} -> {s}");
        }
    }

    #[test]
    fn long_values_are_shortened_with_an_ellipsis() {
        let exact = "x".repeat(CELL_MAX_CHARS);
        assert_eq!(cell(&exact), exact.as_str());
        let long = "y".repeat(CELL_MAX_CHARS + 1);
        let shown = cell(&long);
        assert_eq!(shown.chars().count(), CELL_MAX_CHARS);
        assert!(shown.ends_with('…'));
        assert_eq!(shown, format!("{}…", "y".repeat(CELL_MAX_CHARS - 1)));

        // Multi-byte characters count as one.
        let wide = "用".repeat(100);
        assert_eq!(cell(&wide), format!("{}…", "用".repeat(CELL_MAX_CHARS - 1)));

        // Never half an escape: "ab\x1b…" rather than "ab\x1…".
        assert_eq!(shorten_for_terminal("ab\x1b\x1b", 7), "ab\\x1b…");
        assert_eq!(shorten_for_terminal("ab\x1b\x1b", 6), "ab…");
        assert_eq!(shorten_for_terminal("ab\x1b", 6), "ab\\x1b");
        assert_eq!(shorten_for_terminal("abc", 1), "…");
        assert_eq!(shorten_for_terminal("a", 0), "a");
        assert_eq!(shorten_for_terminal("\u{202e}", 3), "…");
    }

    #[test]
    fn a_huge_value_costs_no_more_than_a_cell() {
        // 10 M characters: only about the first CELL_MAX_CHARS are read, counted (not
        // timed), for escaped, plain and wide characters alike.
        const HUGE: usize = 10 * 1024 * 1024;
        for c in ['\x1b', 'n', '用', '\u{202e}'] {
            let read = std::cell::Cell::new(0usize);
            let chars = std::iter::repeat_n(c, HUGE).inspect(|_| read.set(read.get() + 1));
            let shown = shorten_chars(chars, CELL_MAX_CHARS).expect("shortened");
            assert!(shown.chars().count() <= CELL_MAX_CHARS, "{c:?}");
            assert!(shown.ends_with(ELLIPSIS), "{c:?}");
            assert!(
                read.get() <= 2 * (CELL_MAX_CHARS + 1),
                "{c:?}: read {} characters for a cell",
                read.get()
            );
        }
        // And through `cell` itself, on a real 10 MB string: the same answer.
        let plain = "n".repeat(HUGE);
        assert_eq!(cell(&plain).chars().count(), CELL_MAX_CHARS);
        let escapes = "\x1b".repeat(HUGE);
        assert!(cell(&escapes).chars().count() <= CELL_MAX_CHARS);
    }

    #[test]
    fn shortened_to_a_display_width() {
        use unicode_width::UnicodeWidthStr as _;
        assert!(matches!(
            shorten_to_width("nlopez", 6),
            Cow::Borrowed("nlopez")
        ));
        assert_eq!(shorten_to_width("nlopez", 5), "nlop…");
        assert_eq!(shorten_to_width("nlopez", 1), "…");
        assert_eq!(shorten_to_width("nlopez", 0), "…");
        assert_eq!(shorten_to_width("", 0), "");
        // Wide characters count 2: "用户名" is 6 columns; in 5, "用户" (4) and "…".
        assert_eq!(shorten_to_width("用户名", 6), "用户名");
        assert_eq!(shorten_to_width("用户名", 5), "用户…");
        // A wide character that does not fit leaves the cell one column short.
        assert_eq!(shorten_to_width("用户名", 4), "用…");
        assert_eq!(shorten_to_width("a用户", 4), "a用…");
        for s in ["🙂🙂🙂", "Zoë Zoë Zoë", "a\\x1b[2J", "用户名用户名", "x"] {
            for max in 1..12 {
                let shown = shorten_to_width(s, max);
                assert!(shown.width() <= max, "{s:?} in {max}: {shown:?}");
                if s.width() > max {
                    assert!(shown.ends_with(ELLIPSIS), "{shown:?}");
                    assert!(
                        shown.width() + 1 >= max,
                        "no more than a column lost: {shown:?}"
                    );
                } else {
                    assert_eq!(shown, s);
                }
            }
        }
    }

    #[test]
    fn spreadsheet_formulas_are_defused() {
        for s in [
            "=1+1",
            "+1",
            "-2+3",
            "@SUM(A1)",
            "\t=1",
            "\r=1",
            "=HYPERLINK(\"http://x\",\"y\")",
        ] {
            assert_eq!(for_spreadsheet(s), format!("'{s}"), "{s:?}");
        }
        for s in [
            "",
            "nlopez",
            "172.17.0.2",
            "'quoted",
            " =1",
            "a=b",
            "a\nb",
            "\x1b[2J",
        ] {
            assert!(
                matches!(for_spreadsheet(s), Cow::Borrowed(x) if x == s),
                "{s:?}"
            );
        }
    }
}
