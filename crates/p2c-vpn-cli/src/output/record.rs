//! A connection's JSON written straight from its typed fields, byte for byte what
//! `serde_json::to_writer` writes for it (the tests compare the two), without serde's
//! per-value dispatch or chrono's `fmt` machinery: the hot path of `--output json` and
//! `ndjson`.
//!
//! The generated `Connection` is the field list; the members written (`members!`) are
//! checked against it by a test (a field added to the spec fails that test until it is
//! written here too).

use chrono::{DateTime, Datelike as _, Timelike as _, Utc};
use std::borrow::Cow;
use std::io::Write;

use p2c_vpn::Connection;

use super::GatewayOutput;
use crate::connect::Fetched;

/// Appends `c` as one line of compact JSON (no newline), led by `"gateway_id"` when given:
/// what `serde_json::to_writer` writes for the connection (or for it flattened after a
/// `gateway_id`).
pub fn write_compact(buf: &mut Vec<u8>, gateway_id: Option<&str>, c: &Connection) {
    write_record(buf, gateway_id, c, &COMPACT);
}

/// Appends `c` as `serde_json::to_writer_pretty` writes it at the layout's depth.
fn write_pretty(buf: &mut Vec<u8>, c: &Connection, layout: &Layout) {
    write_record(buf, None, c, layout);
}

/// A new line and `depth` levels of indentation.
fn newline(buf: &mut Vec<u8>, depth: usize) {
    buf.push(b'\n');
    buf.resize(buf.len() + 2 * depth, b' ');
}

/// A member name (after `{` or `,` as needed), compact or pretty at `depth`.
fn key(buf: &mut Vec<u8>, first: &mut bool, name: &str, depth: Option<usize>) {
    buf.push(if std::mem::replace(first, false) {
        b'{'
    } else {
        b','
    });
    if let Some(depth) = depth {
        newline(buf, depth + 1);
    }
    buf.push(b'"');
    buf.extend_from_slice(name.as_bytes());
    buf.extend_from_slice(if depth.is_some() { b"\": " } else { b"\":" });
}

/// Closes an object opened by [`key`] (`{}` if it never was).
fn end_object(buf: &mut Vec<u8>, first: bool, depth: Option<usize>) {
    if first {
        buf.extend_from_slice(b"{}");
        return;
    }
    if let Some(depth) = depth {
        newline(buf, depth);
    }
    buf.push(b'}');
}

/// The members a record may have, in the order they are written (`gateway_id`, then the
/// generated type's fields, serde's order), with their compact layout.
macro_rules! members {
    ($($index:ident = $name:literal),* $(,)?) => {
        const MEMBERS: usize = [$($name),*].len();
        /// The member names, by index.
        const NAMES: [&str; MEMBERS] = [$($name),*];
        members!(@index 0, $($index)*);
        /// Compact: `,"name":` for each member.
        static COMPACT: Layout = Layout {
            depth: None,
            prefixes: [$(Cow::Borrowed(concat!(",\"", $name, "\":").as_bytes())),*],
        };
    };
    (@index $n:expr, $first:ident $($rest:ident)*) => {
        const $first: usize = $n;
        members!(@index $n + 1, $($rest)*);
    };
    (@index $n:expr,) => {};
}

members! {
    GATEWAY_ID = "gateway_id",
    CLIENT_IP = "client_ip",
    CLIENT_USER_NAME = "client_user_name",
    CLIENT_VIRTUAL_IP = "client_virtual_ip",
    CONNECTION_ESTABLISHED_TIME = "connection_established_time",
    CONNECTION_ID = "connection_id",
    INBOUND_BYTES = "inbound_bytes",
    INBOUND_PACKETS = "inbound_packets",
    OUTBOUND_BYTES = "outbound_bytes",
    OUTBOUND_PACKETS = "outbound_packets",
    TIMESTAMP = "timestamp",
}

/// How a record's members are laid out: each member's whole prefix (`,` and, when pretty,
/// the new line, the indentation and `"name": `) made once per document, so writing a
/// member is one copy (the `,` becomes `{` for the first).
struct Layout {
    /// The record's depth when pretty (two spaces a level), `None` when compact.
    depth: Option<usize>,
    prefixes: [Cow<'static, [u8]>; MEMBERS],
}

impl Layout {
    /// `serde_json::to_writer_pretty`'s layout for a record at `depth`.
    fn pretty(depth: usize) -> Self {
        Self {
            depth: Some(depth),
            prefixes: NAMES.map(|name| {
                let mut prefix = Vec::with_capacity(name.len() + 2 * depth + 8);
                let mut first = false;
                key(&mut prefix, &mut first, name, Some(depth));
                Cow::Owned(prefix)
            }),
        }
    }
}

fn write_record(buf: &mut Vec<u8>, gateway_id: Option<&str>, c: &Connection, layout: &Layout) {
    let api = c.as_api();
    let mut first = true;
    let mut member = |buf: &mut Vec<u8>, index: usize| {
        let at = buf.len();
        buf.extend_from_slice(&layout.prefixes[index]);
        if std::mem::replace(&mut first, false) {
            buf[at] = b'{';
        }
    };
    if let Some(g) = gateway_id {
        member(buf, GATEWAY_ID);
        write_str(buf, g);
    }
    let strings = [
        (CLIENT_IP, &api.client_ip),
        (CLIENT_USER_NAME, &api.client_user_name),
        (CLIENT_VIRTUAL_IP, &api.client_virtual_ip),
    ];
    for (index, value) in strings {
        if let Some(s) = value {
            member(buf, index);
            write_str(buf, s);
        }
    }
    if let Some(t) = api.connection_established_time {
        member(buf, CONNECTION_ESTABLISHED_TIME);
        write_time(buf, t.into());
    }
    if let Some(id) = api.connection_id {
        member(buf, CONNECTION_ID);
        buf.push(b'"');
        buf.extend_from_slice(
            id.hyphenated()
                .encode_lower(&mut uuid::Uuid::encode_buffer())
                .as_bytes(),
        );
        buf.push(b'"');
    }
    let numbers = [
        (INBOUND_BYTES, api.inbound_bytes),
        (INBOUND_PACKETS, api.inbound_packets),
        (OUTBOUND_BYTES, api.outbound_bytes),
        (OUTBOUND_PACKETS, api.outbound_packets),
    ];
    for (index, value) in numbers {
        if let Some(n) = value {
            member(buf, index);
            write_i64(buf, n);
        }
    }
    if let Some(t) = api.timestamp {
        member(buf, TIMESTAMP);
        write_time(buf, t.into());
    }
    end_object(buf, first, layout.depth);
}

/// Bytes gathered before they are written out.
pub const CHUNK: usize = 64 * 1024;

/// Writes `buf` out once it holds [`CHUNK`] bytes.
pub fn spill(out: &mut dyn Write, buf: &mut Vec<u8>) -> std::io::Result<()> {
    if buf.len() >= CHUNK {
        out.write_all(buf)?;
        buf.clear();
    }
    Ok(())
}

/// The json output: one document in the API's response shape (for several gateways, an
/// array of them, each with its `gateway_id`), laid out as `serde_json::to_writer_pretty`
/// lays it out, written from the typed connections ([`write_pretty`]).
pub fn write_json(
    out: &mut dyn Write,
    results: &[GatewayOutput<'_>],
    several: bool,
) -> std::io::Result<()> {
    let mut buf = Vec::with_capacity(CHUNK + 4096);
    if several {
        if results.is_empty() {
            buf.extend_from_slice(b"[]");
        } else {
            buf.push(b'[');
            for (i, r) in results.iter().enumerate() {
                if i > 0 {
                    buf.push(b',');
                }
                newline(&mut buf, 1);
                write_document(out, &mut buf, Some(r.gateway), r.fetched, 1)?;
            }
            newline(&mut buf, 0);
            buf.push(b']');
        }
    } else if let Some(r) = results.first() {
        write_document(out, &mut buf, None, r.fetched, 0)?;
    }
    buf.push(b'\n');
    out.write_all(&buf)
}

/// One gateway's document at `depth`.
fn write_document(
    out: &mut dyn Write,
    buf: &mut Vec<u8>,
    gateway_id: Option<&str>,
    fetched: &Fetched,
    depth: usize,
) -> std::io::Result<()> {
    let mut first = true;
    let at = Some(depth);
    if let Some(g) = gateway_id {
        key(buf, &mut first, "gateway_id", at);
        write_str(buf, g);
    }
    key(buf, &mut first, "connections", at);
    if fetched.connections.is_empty() {
        buf.extend_from_slice(b"[]");
    } else {
        buf.push(b'[');
        let layout = Layout::pretty(depth + 2);
        for (i, c) in fetched.connections.iter().enumerate() {
            if i > 0 {
                buf.push(b',');
            }
            newline(buf, depth + 2);
            write_pretty(buf, c, &layout);
            spill(out, buf)?;
        }
        newline(buf, depth + 1);
        buf.push(b']');
    }
    if let Some(total) = fetched.total_count {
        key(buf, &mut first, "total_count", at);
        write_i64(buf, total);
    }
    if let Some(id) = &fetched.request_id {
        key(buf, &mut first, "request_id", at);
        write_str(buf, id);
    }
    end_object(buf, first, at);
    Ok(())
}

/// A JSON string, escaped as serde_json escapes it.
pub fn write_str(buf: &mut Vec<u8>, s: &str) {
    // No early exit: the compiler vectorises the scan (user names and IPs are short and
    // almost never need escaping).
    let special = s.bytes().fold(false, |acc, b| {
        acc | (b == b'"') | (b == b'\\') | (b < 0x20)
    });
    if special {
        // Rare (control characters, quotes): serde_json's own escaping.
        let _ = serde_json::to_writer(&mut *buf, s);
    } else {
        buf.reserve(s.len() + 2);
        buf.push(b'"');
        buf.extend_from_slice(s.as_bytes());
        buf.push(b'"');
    }
}

pub fn write_i64(buf: &mut Vec<u8>, n: i64) {
    // itoa: what serde_json itself writes integers with (two digits a step).
    buf.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}

/// What chrono's `Serialize` writes (RFC 3339, `Z`, fractional seconds in groups of 3 as
/// needed), quoted.
fn write_time(buf: &mut Vec<u8>, t: DateTime<Utc>) {
    buf.push(b'"');
    match time_text(t) {
        Some((text, len)) => buf.extend_from_slice(&text[..len]),
        None => buf.extend_from_slice(rare_time(t).as_bytes()),
    }
    buf.push(b'"');
}

/// [`write_time`]'s text, unquoted, into a string.
pub fn push_time(buf: &mut String, t: DateTime<Utc>) {
    match time_text(t) {
        // ASCII digits and punctuation: always UTF-8.
        Some((text, len)) => buf.push_str(std::str::from_utf8(&text[..len]).unwrap_or_default()),
        None => buf.push_str(&rare_time(t)),
    }
}

/// [`write_i64`]'s digits into a string.
pub fn push_i64(buf: &mut String, n: i64) {
    buf.push_str(itoa::Buffer::new().format(n));
}

/// A UUID as serde writes it (hyphenated, lower case), into a string.
pub fn push_uuid(buf: &mut String, id: uuid::Uuid) {
    buf.push_str(
        id.hyphenated()
            .encode_lower(&mut uuid::Uuid::encode_buffer()),
    );
}

/// Chrono's own text, for the cases [`time_text`] leaves to it.
fn rare_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

/// The text of [`write_time`] for years 0..=9999 without a leap second (every time a
/// service sends), in a buffer with its length; `None` otherwise.
fn time_text(t: DateTime<Utc>) -> Option<([u8; 30], usize)> {
    // The fields of the naive UTC time: `DateTime`'s own accessors add the (zero) offset
    // again for each one.
    let (date, time) = (t.date_naive(), t.time());
    let (year, nanos) = (date.year(), time.nanosecond());
    if !(0..=9999).contains(&year) || nanos >= 1_000_000_000 {
        return None;
    }
    let mut out = [0u8; 30];
    let mut len = 0;
    let mut push = |bytes: &[u8]| {
        out[len..len + bytes.len()].copy_from_slice(bytes);
        len += bytes.len();
    };
    let two = |n: u32| [b'0' + (n / 10) as u8, b'0' + (n % 10) as u8];
    let year = year as u32;
    push(&two(year / 100));
    push(&two(year % 100));
    push(b"-");
    push(&two(date.month()));
    push(b"-");
    push(&two(date.day()));
    push(b"T");
    push(&two(time.hour()));
    push(b":");
    push(&two(time.minute()));
    push(b":");
    push(&two(time.second()));
    let (mut value, digits) = if nanos == 0 {
        (0, 0)
    } else if nanos % 1_000_000 == 0 {
        (nanos / 1_000_000, 3)
    } else if nanos % 1_000 == 0 {
        (nanos / 1_000, 6)
    } else {
        (nanos, 9)
    };
    if digits > 0 {
        let mut fraction = [b'.'; 10];
        for slot in fraction[1..=digits].iter_mut().rev() {
            *slot = b'0' + (value % 10) as u8;
            value /= 10;
        }
        push(&fraction[..=digits]);
    }
    push(b"Z");
    Some((out, len))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// serde's JSON of `c` (flattened after `gateway_id` when given).
    fn serde(gateway_id: Option<&str>, c: &Connection) -> String {
        #[derive(serde::Serialize)]
        struct WithGateway<'a> {
            gateway_id: &'a str,
            #[serde(flatten)]
            connection: &'a Connection,
        }
        match gateway_id {
            Some(gateway_id) => serde_json::to_string(&WithGateway {
                gateway_id,
                connection: c,
            }),
            None => serde_json::to_string(c),
        }
        .unwrap()
    }

    #[test]
    fn records_are_written_as_serde_writes_them() {
        let times = [
            "2024-06-17T02:58:27Z",
            "2024-06-17T02:58:27.2Z",
            "2024-06-17T02:58:27.213+08:00",
            "2024-06-17T02:58:27.000213Z",
            "2024-06-17T02:58:27.000000213Z",
            "2024-06-17T02:58:27.123456789Z",
            "0001-01-01T00:00:00Z",
            "9999-12-31T23:59:59.999Z",
            "2016-12-31T23:59:60.5Z",
        ];
        let names = [
            "alice",
            "",
            "用户名",
            "a\"b\\c",
            "\x1b]0;pwned\x07",
            "x\r\u{85}\u{2028}\u{7f}",
        ];
        let numbers = [0, 7, -5, i64::MAX, i64::MIN, 1_000_000];
        let mut values = vec![serde_json::json!({})];
        for (i, time) in times.iter().enumerate() {
            let name = names[i % names.len()];
            let n = numbers[i % numbers.len()];
            values.push(serde_json::json!({
                "connection_id": uuid::Uuid::from_u128(0xABCD_u128 << (i * 7)),
                "client_virtual_ip": "10.0.0.2", "client_ip": name,
                "client_user_name": name, "inbound_packets": n, "outbound_packets": n.wrapping_neg(),
                "inbound_bytes": n / 3, "outbound_bytes": 1,
                "connection_established_time": time, "timestamp": time,
            }));
            values.push(serde_json::json!({ "client_user_name": name, "timestamp": time }));
            values.push(serde_json::json!({ "outbound_packets": n }));
        }
        let mut buf = Vec::new();
        for value in values {
            let c: Connection = serde_json::from_value(value).unwrap();
            for gateway in [None, Some("gw"), Some("g\"w\n")] {
                buf.clear();
                write_compact(&mut buf, gateway, &c);
                assert_eq!(String::from_utf8(buf.clone()).unwrap(), serde(gateway, &c));
            }
            buf.clear();
            write_pretty(&mut buf, &c, &Layout::pretty(0));
            let pretty = serde_json::to_string_pretty(&c).unwrap();
            assert_eq!(String::from_utf8(buf.clone()).unwrap(), pretty);
            // Nested as in a document: `[[c]]` puts the record at depth 2.
            buf.clear();
            buf.extend_from_slice(b"[\n  [\n    ");
            write_pretty(&mut buf, &c, &Layout::pretty(2));
            buf.extend_from_slice(b"\n  ]\n]");
            let nested = serde_json::to_string_pretty(&[[&c]]).unwrap();
            assert_eq!(String::from_utf8(buf.clone()).unwrap(), nested);
        }
    }

    #[test]
    fn every_field_of_the_spec_is_written() {
        // A field added to the spec (and so to the generated type) fails here until
        // `write_compact` writes it.
        let fields = &NAMES[GATEWAY_ID + 1..];
        assert_eq!(NAMES[GATEWAY_ID], "gateway_id");
        assert_eq!(crate::columns::connection_fields(), fields);
        let full: Connection = serde_json::from_value(serde_json::json!({
            "connection_id": "4f08c74b-a132-4993-a1ce-183ba6574995",
            "client_virtual_ip": "10.0.0.2", "client_ip": "203.0.113.7",
            "client_user_name": "alice", "inbound_packets": 1, "outbound_packets": 2,
            "inbound_bytes": 3, "outbound_bytes": 4,
            "connection_established_time": "2024-06-17T02:58:27.213Z",
            "timestamp": "2024-06-17T02:58:48Z"
        }))
        .unwrap();
        let mut buf = Vec::new();
        write_compact(&mut buf, None, &full);
        let written: serde_json::Value = serde_json::from_slice(&buf).unwrap();
        let keys: Vec<&String> = written.as_object().unwrap().keys().collect();
        assert_eq!(keys, fields);
    }
}
