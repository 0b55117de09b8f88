//! Output: the table engine ([`table`]), the formats of `connections list` ([`format`]:
//! table, JSON, NDJSON and CSV), and a connection's JSON written from its typed fields
//! ([`record`], byte for byte what serde writes, without serde's per-value cost).
//!
//! With one gateway, `json` and `ndjson` are exactly the API's JSON. With several, each
//! NDJSON line and each JSON document gains a `gateway_id` (JSON becomes an array of
//! per-gateway documents) and CSV gains a first `gateway_id` column.
//!
//! What the server sent is shown safely: table cells go through [`crate::sanitize::cell`]
//! (control characters and bidi overrides escaped, at most
//! [`crate::sanitize::CELL_MAX_CHARS`] characters), CSV string cells through
//! [`crate::sanitize::for_spreadsheet`] (formula prefix); JSON and NDJSON stay exact.

mod format;
mod record;
mod table;

pub use format::*;
pub use record::{CHUNK, push_i64, push_time, push_uuid, spill};
pub use table::*;

/// What the tests of both modules share.
#[cfg(test)]
#[allow(clippy::unwrap_used)]
pub(crate) mod test_support {
    use p2c_vpn::Connection;

    use super::{GatewayOutput, Style, write_list};
    use crate::cli::ListFormat;
    use crate::connect::Fetched;

    pub fn conn(value: serde_json::Value) -> Connection {
        serde_json::from_value(value).expect("valid connection")
    }

    pub fn fetched(connections: Vec<Connection>) -> Fetched {
        Fetched {
            total_count: Some(connections.len() as i64),
            connections,
            request_id: None,
        }
    }

    pub fn render(format: ListFormat, results: &[GatewayOutput<'_>], style: Style) -> String {
        let mut out = Vec::new();
        write_list(&mut out, format, results, results.len() > 1, style).expect("written");
        String::from_utf8(out).expect("UTF-8")
    }

    /// `s` without SGR sequences (`ESC [ digits ; … m`), the colours.
    pub fn strip_sgr(s: &str) -> String {
        let mut out = String::new();
        let mut rest = s;
        while let Some(i) = rest.find("\x1b[") {
            out.push_str(&rest[..i]);
            let tail = &rest[i + 2..];
            match tail.find(|c: char| !(c.is_ascii_digit() || c == ';')) {
                Some(j) if tail[j..].starts_with('m') => rest = &tail[j + 1..],
                _ => {
                    out.push_str("\x1b[");
                    rest = tail;
                }
            }
        }
        out.push_str(rest);
        out
    }
}
