//! The one set of paging safeguards, for offset paging (connections) and marker paging
//! (gateways) alike: caps on what a listing receives in all (pages, records, body bytes,
//! marker length), de-duplication of records, and no-progress detection.

use std::collections::HashSet;
use std::hash::{Hash, Hasher as _};

use crate::error::{Error, ListingLimit, Result};

/// Default [`ListingLimits::max_pages`]: 10,000.
pub const DEFAULT_MAX_PAGES: u64 = 10_000;
/// Default [`ListingLimits::max_records`]: 100,000 (a gateway allows at most 500
/// connections; a project has far fewer gateways). What a listing holds decoded stays far
/// under 256 MiB: 100,000 gateways take about 100 MiB.
pub const DEFAULT_MAX_RECORDS: u64 = 100_000;
/// Default [`ListingLimits::max_bytes`]: 64 MiB of response bodies (about 200,000
/// connections; the 500 connections a gateway allows take about 150 KiB).
pub const DEFAULT_MAX_BYTES: u64 = 64 * 1024 * 1024;
/// Default [`ListingLimits::max_marker_bytes`]: 1 KiB (Huawei's markers are creation
/// times of about 30 bytes).
pub const DEFAULT_MAX_MARKER_BYTES: u64 = 1024;

/// Caps on what one listing (every page of it) may receive, whatever page size the server
/// chooses: a listing that reaches one fails with
/// [`ErrorKind::Pagination`](crate::ErrorKind::Pagination) and [`Error::limit`] naming it.
/// Set for every listing of a client with
/// [`ClientBuilder::listing_limits`](crate::ClientBuilder::listing_limits) (the listings
/// that resolve gateway names included); a listing may override them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListingLimits {
    /// Pages (default [`DEFAULT_MAX_PAGES`]).
    pub max_pages: u64,
    /// Records (default [`DEFAULT_MAX_RECORDS`]).
    pub max_records: u64,
    /// Bytes of response bodies in all (default [`DEFAULT_MAX_BYTES`]); each body is also
    /// capped on its own by [`ResponseLimits`](crate::ResponseLimits).
    pub max_bytes: u64,
    /// Bytes of one marker a server hands back (default [`DEFAULT_MAX_MARKER_BYTES`]): it
    /// is sent back in the next URL.
    pub max_marker_bytes: u64,
}

impl Default for ListingLimits {
    fn default() -> Self {
        Self {
            max_pages: DEFAULT_MAX_PAGES,
            max_records: DEFAULT_MAX_RECORDS,
            max_bytes: DEFAULT_MAX_BYTES,
            max_marker_bytes: DEFAULT_MAX_MARKER_BYTES,
        }
    }
}

/// What a listing has received so far, against its [`ListingLimits`], and the records it
/// has seen.
#[derive(Debug)]
pub(crate) struct Guard<K> {
    limits: ListingLimits,
    /// The paging parameter (`offset`, `marker`), for messages.
    param: &'static str,
    pages: u64,
    records: u64,
    bytes: u64,
    /// Keys seen so far. foldhash, randomly seeded (a server chooses the keys, so the hash
    /// must not be predictable), costs a fifth of std's SipHash per connection ID.
    seen: HashSet<K, foldhash::fast::RandomState>,
    /// Content hashes of pages holding records without keys.
    page_hashes: HashSet<u64>,
}

impl<K: Eq + Hash> Guard<K> {
    pub(crate) fn new(limits: ListingLimits, param: &'static str) -> Self {
        Self {
            limits,
            param,
            pages: 0,
            records: 0,
            bytes: 0,
            seen: HashSet::default(),
            page_hashes: HashSet::new(),
        }
    }

    /// Counts a non-empty page of `records` records and `bytes` body bytes; an error once a
    /// cap is passed.
    pub(crate) fn count(&mut self, records: u64, bytes: u64) -> Result<()> {
        self.pages += 1;
        self.records += records;
        self.bytes += bytes;
        let l = &self.limits;
        let (limit, what) = if self.pages > l.max_pages {
            (
                ListingLimit::Pages(l.max_pages),
                format!("{} pages", l.max_pages),
            )
        } else if self.records > l.max_records {
            (
                ListingLimit::Records(l.max_records),
                format!("{} records", l.max_records),
            )
        } else if self.bytes > l.max_bytes {
            (
                ListingLimit::Bytes(l.max_bytes),
                format!("{} bytes of responses", l.max_bytes),
            )
        } else {
            return Ok(());
        };
        Err(Error::limit_reached(
            limit,
            format!(
                "stopped after {} page(s), {} record(s) and {} byte(s): the listing passed its \
                 cap of {what} (raise it if the project really has that much)",
                self.pages, self.records, self.bytes
            ),
        ))
    }

    /// Checks a marker the server handed back before it is kept and sent back.
    pub(crate) fn check_marker(&self, marker: &str) -> Result<()> {
        let max = self.limits.max_marker_bytes;
        if marker.len() as u64 > max {
            return Err(Error::limit_reached(
                ListingLimit::MarkerBytes(max),
                format!(
                    "the service handed back a marker of {} bytes (the cap is {max}); stopping",
                    marker.len()
                ),
            ));
        }
        Ok(())
    }

    /// Drops the records already seen (by `key`), keeping records without a key; fails
    /// instead of looping when the page brings nothing new: a page whose records all were
    /// seen, or a page of keyless records identical to an earlier one. `at` says where the
    /// page was asked for (the value of the paging parameter), for the error.
    pub(crate) fn dedupe<T: serde::Serialize>(
        &mut self,
        records: &mut Vec<T>,
        key: impl Fn(&T) -> Option<K>,
        at: impl Fn() -> String,
    ) -> Result<()> {
        let returned = records.len();
        if records.iter().any(|r| key(r).is_none()) {
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            for r in records.iter() {
                serde_json::to_string(r)
                    .unwrap_or_default()
                    .hash(&mut hasher);
            }
            if !self.page_hashes.insert(hasher.finish()) {
                return Err(Error::pagination(format!(
                    "the page at {} {} repeated an earlier page ({returned} record(s) without \
                     IDs); the server appears to ignore `{}`",
                    self.param,
                    at(),
                    self.param
                )));
            }
        }
        records.retain(|r| key(r).is_none_or(|k| self.seen.insert(k)));
        if records.is_empty() {
            return Err(Error::pagination(format!(
                "the page at {} {} repeated {returned} record(s) already seen; the server \
                 appears to ignore `{}`",
                self.param,
                at(),
                self.param
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    fn limits(pages: u64, records: u64, bytes: u64) -> ListingLimits {
        ListingLimits {
            max_pages: pages,
            max_records: records,
            max_bytes: bytes,
            ..ListingLimits::default()
        }
    }

    #[test]
    fn each_cap_is_named_when_passed() {
        let mut g = Guard::<u32>::new(limits(2, 100, 1000), "offset");
        g.count(1, 10).expect("first");
        g.count(1, 10).expect("second");
        let e = g.count(1, 10).expect_err("third page");
        assert_eq!(e.limit(), Some(ListingLimit::Pages(2)));
        assert_eq!(e.kind(), ErrorKind::Pagination);

        let mut g = Guard::<u32>::new(limits(100, 5, 1000), "offset");
        let e = g.count(6, 1).expect_err("records");
        assert_eq!(e.limit(), Some(ListingLimit::Records(5)));

        let mut g = Guard::<u32>::new(limits(100, 100, 1000), "offset");
        g.count(1, 999).expect("under");
        let e = g.count(1, 2).expect_err("bytes");
        assert_eq!(e.limit(), Some(ListingLimit::Bytes(1000)));
        assert!(e.to_string().contains("1000 bytes"), "{e}");
    }

    #[test]
    fn long_markers_are_refused() {
        let g = Guard::<u32>::new(ListingLimits::default(), "offset");
        g.check_marker("2024-06-17T02:58:27.213Z")
            .expect("a real marker");
        let e = g.check_marker(&"m".repeat(2000)).expect_err("long");
        assert_eq!(e.limit(), Some(ListingLimit::MarkerBytes(1024)));
        assert!(
            !e.to_string().contains("mmmm"),
            "the marker is not echoed: {e}"
        );
    }

    #[test]
    fn repeats_are_dropped_and_a_page_of_nothing_new_stops() {
        let mut g = Guard::<u32>::new(ListingLimits::default(), "offset");
        let mut page = vec![1, 2, 3];
        g.dedupe(&mut page, |r| Some(*r), || "0".into())
            .expect("new");
        let mut page = vec![3, 4];
        g.dedupe(&mut page, |r| Some(*r), || "3".into())
            .expect("one new");
        assert_eq!(page, [4]);
        let mut page = vec![1, 2];
        let e = g
            .dedupe(&mut page, |r| Some(*r), || "5".into())
            .expect_err("nothing new");
        assert!(e.to_string().contains("offset 5"), "{e}");
        // Records without keys: a page identical to an earlier one stops the listing.
        let mut g = Guard::<u32>::new(ListingLimits::default(), "offset");
        let mut page = vec![7, 8];
        g.dedupe(&mut page, |_| None, || "a".into()).expect("first");
        let mut page = vec![7, 8];
        g.dedupe(&mut page, |_| None, || "b".into())
            .expect_err("repeated keyless page");
    }
}
