//! Rules on the API's parameters and headers that several crates apply (the wrapper, the
//! CLI's flags, the mock): each is written here once.

use std::ops::RangeInclusive;

use reqwest::header::HeaderMap;

/// The values `limit` takes: the spec's `int32`, at least 1.
pub const LIMIT: RangeInclusive<u32> = 1..=i32::MAX as u32;

/// The values `offset` takes: the spec's `int32`, at least 0.
pub const OFFSET: RangeInclusive<u32> = 0..=i32::MAX as u32;

/// The response header that carries Huawei's request ID (quote it to support).
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The request ID of a response, from [`REQUEST_ID_HEADER`] (`None` if absent or not
/// visible ASCII).
pub fn request_id(headers: &HeaderMap) -> Option<&str> {
    headers.get(REQUEST_ID_HEADER).and_then(|v| v.to_str().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_the_specs_int32() {
        assert!(!LIMIT.contains(&0) && LIMIT.contains(&1));
        assert!(LIMIT.contains(&(i32::MAX as u32)) && !LIMIT.contains(&(i32::MAX as u32 + 1)));
        assert!(OFFSET.contains(&0) && !OFFSET.contains(&(i32::MAX as u32 + 1)));
    }

    #[test]
    fn request_id_reads_the_header() {
        let mut headers = HeaderMap::new();
        assert_eq!(request_id(&headers), None);
        headers.insert("X-Request-Id", "abc".parse().expect("header"));
        assert_eq!(request_id(&headers), Some("abc"));
    }
}
