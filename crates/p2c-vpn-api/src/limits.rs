//! Bounds on what one response may cost: enforced while the body arrives, before anything
//! is decoded, so a hostile or broken server cannot take the caller's memory.

use std::fmt;

use bytes::{Bytes, BytesMut};
use reqwest::Response;

/// Default cap on one response body: 16 MiB (a full page of the largest gateway is about
/// 200 KiB).
pub const DEFAULT_MAX_BODY_BYTES: usize = 16 * 1024 * 1024;
/// Default cap on the JSON values of one response (objects, plus members of objects and
/// arrays): 100,000. A page of 500 connections has about 5,500.
pub const DEFAULT_MAX_JSON_VALUES: usize = 100_000;

/// Caps on one response; see [`DEFAULT_MAX_BODY_BYTES`] and [`DEFAULT_MAX_JSON_VALUES`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResponseLimits {
    /// Bytes of one body, counted as they arrive.
    pub max_body_bytes: usize,
    /// JSON values in one body (decoded records cost memory per value, so this bounds what
    /// decoding may allocate).
    pub max_json_values: usize,
}

impl Default for ResponseLimits {
    fn default() -> Self {
        Self {
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            max_json_values: DEFAULT_MAX_JSON_VALUES,
        }
    }
}

/// A response went past one of its [`ResponseLimits`]. It reaches callers as the source of
/// the body error the generated code reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LimitExceeded {
    /// What was counted: `"body bytes"` or `"JSON values"`.
    pub what: &'static str,
    /// The cap that was passed.
    pub limit: usize,
}

impl fmt::Display for LimitExceeded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the response has more than {} {} (the client's cap; raise it if the service really sends that much)",
            self.limit, self.what
        )
    }
}

impl std::error::Error for LimitExceeded {}

impl ResponseLimits {
    /// Reads `response`'s body, refusing it as soon as it passes a cap.
    pub(crate) async fn read(
        &self,
        response: &mut Response,
    ) -> reqwest::Result<Result<Bytes, LimitExceeded>> {
        let too_large = LimitExceeded {
            what: "body bytes",
            limit: self.max_body_bytes,
        };
        let announced = response.content_length().unwrap_or(0);
        if announced > self.max_body_bytes as u64 {
            return Ok(Err(too_large));
        }
        let mut body = BytesMut::with_capacity((announced as usize).min(1 << 20));
        // A bound on the JSON values, counted chunk by chunk as they arrive (one vectorised
        // pass over bytes already in cache): the exact count runs only when it passes the
        // cap.
        let mut bound = 1;
        while let Some(chunk) = response.chunk().await? {
            if body.len() + chunk.len() > self.max_body_bytes {
                return Ok(Err(too_large));
            }
            bound += separators(&chunk);
            body.extend_from_slice(&chunk);
        }
        if !self.within_value_cap(&body, bound) {
            return Ok(Err(LimitExceeded {
                what: "JSON values",
                limit: self.max_json_values,
            }));
        }
        Ok(Ok(body.freeze()))
    }
}

impl ResponseLimits {
    /// Whether `body`, whose [`separators`] plus one are `bound`, holds at most
    /// `max_json_values` values. [`json_values`] counts the same bytes outside strings only,
    /// so it is never more than `bound`: the exact count is needed only past the cap.
    fn within_value_cap(&self, body: &[u8], bound: usize) -> bool {
        bound <= self.max_json_values || json_values(body) <= self.max_json_values
    }
}

/// The `{` and `,` bytes of `bytes`, in strings or not: an upper bound on what
/// [`json_values`] counts, in a loop the compiler vectorises.
fn separators(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b == b'{' || b == b',').count()
}

/// Counts JSON values the cheap way, in one pass: every `{` and every `,` outside strings
/// (plus one). Exact for the records that cost memory; never less than what decoding
/// allocates per element. Not a validator: anything that is not JSON fails decoding later.
pub fn json_values(body: &[u8]) -> usize {
    let mut count = 1;
    let mut in_string = false;
    let mut escaped = false;
    for &b in body {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
        } else {
            match b {
                b'"' => in_string = true,
                b'{' | b',' => count += 1,
                _ => {}
            }
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_counted_outside_strings_only() {
        assert_eq!(json_values(b"{}"), 2);
        assert_eq!(json_values(br#"{"a":[{},{},{}]}"#), 7);
        assert_eq!(json_values(br#"{"a":"{,{,\",{"}"#), 2);
        assert_eq!(json_values(b"[1,2,3]"), 3);
    }

    #[test]
    fn the_bound_decides_alone_below_the_cap_and_the_exact_count_above_it() {
        let limits = ResponseLimits {
            max_body_bytes: 1 << 20,
            max_json_values: 4,
        };
        for body in [
            &br#"{"a":[1,2]}"#[..],
            br#"{"a":"{,{,{,{,{,{"}"#,
            br#"{"a":[1,2,3]}"#,
            br#"{"a":[{},{},{}]}"#,
            br#"[1,2,3,4,5,6]"#,
        ] {
            let bound = 1 + separators(body);
            assert!(json_values(body) <= bound, "{body:?}");
            assert_eq!(
                limits.within_value_cap(body, bound),
                json_values(body) <= 4,
                "{:?}",
                String::from_utf8_lossy(body)
            );
        }
        // Commas inside strings pass the bound but not the exact count.
        let quoted = br#"{"a":"{,{,{,{,{,{"}"#;
        assert!(1 + separators(quoted) > 4 && json_values(quoted) <= 4);
    }
}
