//! [`Timestamp`]: the type of every `format: date-time` property of the generated types
//! (`cargo xtask regen` maps them to it), a `chrono::DateTime<Utc>` with a fast decoder.
//!
//! chrono's own `Deserialize` parses with `DateTime<FixedOffset>::from_str`, a relaxed RFC
//! 3339 parser of ~1,700 instructions a time: with two times per connection, 18 % of all the
//! client's instructions for a 10,000-connection listing (BENCHMARKS.md). The canonical form
//! servers send (`2024-06-17T02:58:27.213Z`, or an offset `+08:00`) is parsed here directly;
//! anything else (lower-case `t`/`z`, a space, a leap second, more than 9 fractional digits,
//! an out-of-range field, garbage) goes to chrono's parser, so what is accepted, the value
//! and the error message are exactly chrono's.

use std::fmt;
use std::ops::Deref;
use std::str::FromStr;

use chrono::{
    DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, ParseError, TimeDelta, Utc,
};

/// A point in time, in UTC: `chrono::DateTime<Utc>` with chrono's value semantics
/// ([`Deref`] to it, [`From`] both ways, the same `Debug`, `Display`, serde form and JSON
/// Schema), decoded faster from the canonical RFC 3339 form.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(DateTime<Utc>);

impl Timestamp {
    /// The time as chrono's type.
    pub fn into_datetime(self) -> DateTime<Utc> {
        self.0
    }

    /// Parses an RFC 3339 time as chrono's `Deserialize` for `DateTime<Utc>` does
    /// (`DateTime<FixedOffset>::from_str`, then to UTC): the same accepted strings, values
    /// and errors.
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        match fast_rfc3339(s.as_bytes()) {
            Some(t) => Ok(Timestamp(t)),
            None => by_chrono(s),
        }
    }
}

/// chrono's parser, out of line: the fast path stays small.
#[cold]
#[inline(never)]
fn by_chrono(s: &str) -> Result<Timestamp, ParseError> {
    s.parse::<DateTime<FixedOffset>>()
        .map(|t| Timestamp(t.with_timezone(&Utc)))
}

impl Deref for Timestamp {
    type Target = DateTime<Utc>;
    fn deref(&self) -> &DateTime<Utc> {
        &self.0
    }
}

impl From<DateTime<Utc>> for Timestamp {
    fn from(t: DateTime<Utc>) -> Self {
        Timestamp(t)
    }
}

impl From<Timestamp> for DateTime<Utc> {
    fn from(t: Timestamp) -> Self {
        t.0
    }
}

impl PartialEq<DateTime<Utc>> for Timestamp {
    fn eq(&self, other: &DateTime<Utc>) -> bool {
        self.0 == *other
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl FromStr for Timestamp {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, ParseError> {
        Timestamp::parse(s)
    }
}

impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de> serde::Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(Visitor)
    }
}

struct Visitor;

impl serde::de::Visitor<'_> for Visitor {
    type Value = Timestamp;

    // chrono's words, so an error reads as before.
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an RFC 3339 formatted date and time string")
    }

    fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<Timestamp, E> {
        Timestamp::parse(value).map_err(E::custom)
    }
}

impl schemars::JsonSchema for Timestamp {
    fn is_referenceable() -> bool {
        <DateTime<Utc> as schemars::JsonSchema>::is_referenceable()
    }
    fn schema_name() -> String {
        <DateTime<Utc> as schemars::JsonSchema>::schema_name()
    }
    fn schema_id() -> std::borrow::Cow<'static, str> {
        <DateTime<Utc> as schemars::JsonSchema>::schema_id()
    }
    fn json_schema(generator: &mut schemars::r#gen::SchemaGenerator) -> schemars::schema::Schema {
        <DateTime<Utc> as schemars::JsonSchema>::json_schema(generator)
    }
}

/// `YYYY-MM-DDTHH:MM:SS[.F{1,9}](Z|±HH:MM)` with every field in range and no leap second,
/// else `None` (the caller then asks chrono). Whatever this accepts, chrono accepts with the
/// same value (the property tests check it).
#[inline]
fn fast_rfc3339(s: &[u8]) -> Option<DateTime<Utc>> {
    let (head, rest) = s.split_first_chunk::<19>()?;
    if head[4] != b'-'
        || head[7] != b'-'
        || head[10] != b'T'
        || head[13] != b':'
        || head[16] != b':'
    {
        return None;
    }
    let digit = |i: usize| u32::from(head[i].wrapping_sub(b'0'));
    let pair = |i: usize| (digit(i), digit(i + 1));
    let fields = [
        pair(0),
        pair(2),
        pair(5),
        pair(8),
        pair(11),
        pair(14),
        pair(17),
    ];
    // A byte that is no ASCII digit wraps to 10 or more.
    if fields.iter().any(|&(a, b)| a > 9 || b > 9) {
        return None;
    }
    let [century, yy, month, day, hour, minute, second] = fields.map(|(a, b)| a * 10 + b);
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let (nanos, rest) = match rest {
        [b'.', frac @ ..] => {
            let digits = frac.iter().take_while(|b| b.is_ascii_digit()).count();
            if digits == 0 || digits > 9 {
                return None;
            }
            let mut nanos = 0u32;
            for b in &frac[..digits] {
                nanos = nanos * 10 + u32::from(b - b'0');
            }
            (nanos * POW10[9 - digits], &frac[digits..])
        }
        _ => (0, rest),
    };
    let offset = match rest {
        [b'Z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let [h1, h2, m1, m2] = [*h1, *h2, *m1, *m2].map(|b| u32::from(b.wrapping_sub(b'0')));
            if h1 > 9 || h2 > 9 || m1 > 9 || m2 > 9 {
                return None;
            }
            let (h, m) = (h1 * 10 + h2, m1 * 10 + m2);
            if h > 23 || m > 59 {
                return None;
            }
            let secs = i64::from(h * 3600 + m * 60);
            if *sign == b'-' { -secs } else { secs }
        }
        _ => return None,
    };
    // chrono checks the day of the month (leap years included).
    let date = NaiveDate::from_ymd_opt((century * 100 + yy) as i32, month, day)?;
    let time = NaiveTime::from_hms_nano_opt(hour, minute, second, nanos)?;
    let local = NaiveDateTime::new(date, time).and_utc();
    if offset == 0 {
        return Some(local);
    }
    local.checked_sub_signed(TimeDelta::seconds(offset))
}

const POW10: [u32; 10] = [
    1,
    10,
    100,
    1_000,
    10_000,
    100_000,
    1_000_000,
    10_000_000,
    100_000_000,
    1_000_000_000,
];

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// What chrono's `Deserialize` for `DateTime<Utc>` does with `s`.
    fn chrono(s: &str) -> Result<DateTime<Utc>, ParseError> {
        s.parse::<DateTime<FixedOffset>>()
            .map(|t| t.with_timezone(&Utc))
    }

    fn same_as_chrono(s: &str) {
        assert_eq!(
            Timestamp::parse(s).map(Timestamp::into_datetime),
            chrono(s),
            "{s:?}"
        );
    }

    #[test]
    fn canonical_forms_take_the_fast_path_with_chrono_values() {
        for s in [
            "2024-06-17T02:58:27Z",
            "2024-06-17T02:58:27.213Z",
            "2024-06-17T02:58:27.1Z",
            "2024-06-17T02:58:27.123456789Z",
            "2024-06-17T02:58:27+08:00",
            "2024-06-17T02:58:27.5-05:30",
            "2024-06-17T02:58:27-00:00",
            "2024-02-29T23:59:59Z",
            "2000-02-29T00:00:00Z",
            "0000-01-01T00:00:00+01:00",
            "9999-12-31T23:59:59.999999999-23:59",
            "1969-12-31T23:59:59.999Z",
            "1970-01-01T00:00:00Z",
        ] {
            assert!(fast_rfc3339(s.as_bytes()).is_some(), "{s}");
            same_as_chrono(s);
        }
    }

    #[test]
    fn everything_else_is_chrono_s_answer() {
        for s in [
            "",
            "2024-06-17",
            "2024-06-17T02:58:27",
            "2024-06-17t02:58:27z",
            "2024-06-17 02:58:27Z",
            "2024-06-17T02:58:60Z",
            "2016-12-31T23:59:60.5Z",
            "2024-06-17T02:58:27.Z",
            "2024-06-17T02:58:27.1234567891Z",
            "2024-06-17T02:58:27+0800",
            "2024-06-17T02:58:27+08",
            "2024-06-17T02:58:27+24:00",
            "2024-06-17T02:58:27+08:60",
            "2023-02-29T00:00:00Z",
            "1900-02-29T00:00:00Z",
            "2024-04-31T00:00:00Z",
            "2024-13-01T00:00:00Z",
            "2024-00-01T00:00:00Z",
            "2024-06-00T00:00:00Z",
            "2024-06-17T24:00:00Z",
            "2024-06-17T02:58:27Z ",
            " 2024-06-17T02:58:27Z",
            "2024-06-17T02:58:27ZZ",
            "+2024-06-17T02:58:27Z",
            "2024-06-17T02:58:27.213Zjunk",
            "２024-06-17T02:58:27Z",
            "not a time at all",
        ] {
            same_as_chrono(s);
        }
    }

    #[test]
    fn serde_reads_and_writes_as_chrono_does() {
        for json in [
            r#""2024-06-17T02:58:27.213Z""#,
            r#""2024-06-17T10:58:27+08:00""#,
            r#""2024-06-17 02:58:27Z""#,
            r#""2024-06-17T02:58:27""#,
            r#""2024\u002d06-17T02:58:27Z""#,
            "17",
            "null",
            "[]",
        ] {
            let ours = serde_json::from_str::<Timestamp>(json);
            let theirs = serde_json::from_str::<DateTime<Utc>>(json);
            match (&ours, &theirs) {
                (Ok(a), Ok(b)) => {
                    assert_eq!(a.into_datetime(), *b, "{json}");
                    assert_eq!(
                        serde_json::to_string(a).unwrap_or_default(),
                        serde_json::to_string(b).unwrap_or_default()
                    );
                    assert_eq!(format!("{a:?} {a}"), format!("{b:?} {b}"));
                }
                (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{json}"),
                _ => panic!("{json}: {ours:?} vs {theirs:?}"),
            }
        }
    }

    #[test]
    fn json_schema_is_chrono_s() {
        assert_eq!(
            schemars::schema_for!(Timestamp),
            schemars::schema_for!(DateTime<Utc>)
        );
    }

    /// Near-canonical strings: each field valid, out of range, short, or swapped for a
    /// character chrono's relaxed parser may or may not take.
    fn near_rfc3339() -> impl Strategy<Value = String> {
        let num = |width: usize, max: u32| {
            prop_oneof![
                (0..=max).prop_map(move |n| format!("{n:0width$}")),
                (0..10u32).prop_map(|n| n.to_string()),
                "[0-9]{0,5}",
            ]
        };
        let sep = |c: &'static str| prop_oneof![8 => Just(c.to_owned()), 1 => "[-:Tt .Zz+]?"];
        let frac = prop_oneof![Just(String::new()), "\\.[0-9]{0,12}", Just(".".to_owned()),];
        let offset = prop_oneof![
            Just("Z".to_owned()),
            Just("z".to_owned()),
            (prop_oneof![Just('+'), Just('-')], 0..=30u32, 0..=70u32)
                .prop_map(|(s, h, m)| format!("{s}{h:02}:{m:02}")),
            "[+-][0-9]{0,5}",
            "[ A-Za-z0-9:+-]{0,3}",
        ];
        (
            (num(4, 9999), sep("-"), num(2, 13), sep("-"), num(2, 32)),
            (
                sep("T"),
                num(2, 25),
                sep(":"),
                num(2, 61),
                sep(":"),
                num(2, 61),
            ),
            frac,
            offset,
        )
            .prop_map(|((y, a, mo, b, d), (t, h, c, mi, e, s), f, o)| {
                format!("{y}{a}{mo}{b}{d}{t}{h}{c}{mi}{e}{s}{f}{o}")
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]

        #[test]
        fn near_rfc3339_strings_parse_as_chrono_parses_them(s in near_rfc3339()) {
            prop_assert_eq!(Timestamp::parse(&s).map(Timestamp::into_datetime), chrono(&s), "{:?}", s);
        }

        #[test]
        fn any_string_parses_as_chrono_parses_it(s in "\\PC{0,40}") {
            prop_assert_eq!(Timestamp::parse(&s).map(Timestamp::into_datetime), chrono(&s));
        }

        #[test]
        fn every_instant_round_trips(secs in -62_167_219_200i64..253_402_300_799, nanos in 0u32..1_000_000_000, off in -86_399i32..86_400) {
            let utc = DateTime::from_timestamp(secs, nanos).unwrap_or_default();
            let Some(offset) = FixedOffset::east_opt(off / 60 * 60) else {
                return Ok(());
            };
            for s in [utc.to_rfc3339(), utc.with_timezone(&offset).to_rfc3339(), serde_json::to_string(&utc).unwrap_or_default().trim_matches('"').to_owned()] {
                prop_assert_eq!(Timestamp::parse(&s).map(Timestamp::into_datetime), chrono(&s), "{:?}", s);
            }
        }
    }
}
