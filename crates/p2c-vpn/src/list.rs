//! Listing connections: one page, or every page as a lazy stream.

use std::collections::HashSet;
use std::hash::{Hash as _, Hasher as _};

use futures::FutureExt as _;
use futures::future::BoxFuture;
use futures::stream::{self, BoxStream, FuturesOrdered};
use futures::{StreamExt as _, TryStreamExt as _};
use uuid::Uuid;

use crate::client::Client;
use crate::error::{Error, Result};
use crate::model::{Connection, Page};

/// Page size used by [`ListConnections::stream`] and friends unless set.
pub const DEFAULT_PAGE_SIZE: u32 = 100;

/// Pages kept in flight by streams once the total is known (see
/// [`ListConnections::read_ahead`]). Measured in `benches/list.rs`: with 2 ms of latency per
/// page, 4 pages in flight list 10,000 connections about 3x faster than one at a time.
pub const DEFAULT_READ_AHEAD: usize = 4;

/// Default cap on the pages of one listing: 10,000 (a million connections at the default
/// page size; a gateway allows at most 500).
pub const DEFAULT_MAX_PAGES: u64 = 10_000;
/// Default cap on the records of one listing: 1,000,000.
pub const DEFAULT_MAX_RECORDS: u64 = 1_000_000;

/// A request to list a gateway's connections; made by [`Client::connections`].
///
/// - [`send`](Self::send) makes one request with the given `limit`/`offset` (none: the
///   service returns everything, its "non-pagination mode").
/// - [`pages`](Self::pages), [`stream`](Self::stream) and [`collect_all`](Self::collect_all)
///   walk every page lazily with `limit`/`offset`, starting at `offset` (default 0).
///
/// Paging is defensive: it stops when the offset reaches `total_count` or a page comes back
/// empty; follows a `total_count` that changes between pages; drops connections already
/// seen (by `connection_id`); and fails with
/// [`ErrorKind::Pagination`](crate::ErrorKind::Pagination) instead of looping when a page
/// brings nothing new (a server ignoring `offset`). A list that shrinks mid-way ends early
/// with what was seen.
#[derive(Clone, Debug)]
#[must_use = "a listing does nothing until sent or streamed"]
pub struct ListConnections {
    client: Client,
    gateway_id: String,
    limit: Option<u32>,
    offset: Option<u32>,
    page_size: Option<u32>,
    read_ahead: usize,
    max_pages: u64,
    max_records: u64,
}

impl ListConnections {
    pub(crate) fn new(client: Client, gateway_id: String) -> Self {
        Self {
            client,
            gateway_id,
            limit: None,
            offset: None,
            page_size: None,
            read_ahead: DEFAULT_READ_AHEAD,
            max_pages: DEFAULT_MAX_PAGES,
            max_records: DEFAULT_MAX_RECORDS,
        }
    }

    /// Records per page for [`send`](Self::send); also the page size for streams unless
    /// [`page_size`](Self::page_size) is set.
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Where to start: the offset for [`send`](Self::send), the first offset for streams.
    pub fn offset(mut self, offset: u32) -> Self {
        self.offset = Some(offset);
        self
    }

    /// Records per request when streaming (default [`DEFAULT_PAGE_SIZE`]).
    pub fn page_size(mut self, page_size: u32) -> Self {
        self.page_size = Some(page_size);
        self
    }

    /// Pages requested ahead of the consumer once the total is known (default
    /// [`DEFAULT_READ_AHEAD`]; 1 = strictly one request at a time). Pages are still yielded
    /// in order, and nothing is requested until the stream is polled.
    pub fn read_ahead(mut self, pages: usize) -> Self {
        self.read_ahead = pages.max(1);
        self
    }

    /// Stops a stream with an [`ErrorKind::Pagination`](crate::ErrorKind::Pagination) error
    /// after this many pages (default [`DEFAULT_MAX_PAGES`]), so a server whose
    /// `total_count` never ends cannot keep the caller paging forever.
    pub fn max_pages(mut self, pages: u64) -> Self {
        self.max_pages = pages;
        self
    }

    /// Likewise after this many records (default [`DEFAULT_MAX_RECORDS`]).
    pub fn max_records(mut self, records: u64) -> Self {
        self.max_records = records;
        self
    }

    /// Makes one request and returns its page.
    pub async fn send(self) -> Result<Page> {
        let gateway_id = self.client.resolve_gateway(&self.gateway_id).await?;
        self.client
            .fetch_page(&gateway_id, self.limit, self.offset)
            .await
    }

    /// Every page, fetched one after another (the stream is `Unpin`: no pinning needed) as the stream is polled. The first page is
    /// yielded even when empty, so its `total_count` is seen.
    pub fn pages(self) -> BoxStream<'static, Result<Page>> {
        let page_size = self.page_size.or(self.limit).unwrap_or(DEFAULT_PAGE_SIZE);
        let pager = Pager {
            scheduled: u64::from(self.offset.unwrap_or(0)),
            read_ahead: self.read_ahead.max(1),
            list: self,
            page_size,
            inflight: FuturesOrdered::new(),
            total: None,
            seen: HashSet::new(),
            first: true,
            done: false,
            resolved: None,
            pages: 0,
            records: 0,
            page_hashes: HashSet::new(),
        };
        stream::unfold(pager, |mut pager| async move {
            let item = pager.next_page().await?;
            Some((item, pager))
        })
        .boxed()
    }

    /// Every connection, page after page, fetched lazily.
    pub fn stream(self) -> BoxStream<'static, Result<Connection>> {
        self.pages()
            .map_ok(|page| stream::iter(page.connections.into_iter().map(Ok)))
            .try_flatten()
            .boxed()
    }

    /// Every connection, collected.
    pub async fn collect_all(self) -> Result<Vec<Connection>> {
        self.stream().try_collect().await
    }
}

struct Pager {
    list: ListConnections,
    page_size: u32,
    read_ahead: usize,
    /// Next offset to request (pages are requested at a stride of `page_size`).
    scheduled: u64,
    inflight: FuturesOrdered<BoxFuture<'static, (u64, Result<Page>)>>,
    total: Option<u64>,
    seen: HashSet<Uuid>,
    first: bool,
    done: bool,
    /// The gateway's ID, once resolved from what the caller named.
    resolved: Option<String>,
    /// Pages and records received so far, against the listing's caps.
    pages: u64,
    records: u64,
    /// Content hashes of pages holding records without IDs.
    page_hashes: HashSet<u64>,
}

impl Pager {
    fn request(&mut self, offset: u64) {
        let client = self.list.client.clone();
        let gateway = self.resolved.clone().unwrap_or_default();
        let limit = self.page_size;
        self.inflight.push_back(
            async move {
                // The API's offset is an int32: paging past it is the listing's failure
                // (a server whose total never ends), not the caller's input.
                let result = match u32::try_from(offset) {
                    Ok(o) if o <= i32::MAX as u32 => {
                        client.fetch_page(&gateway, Some(limit), Some(o)).await
                    }
                    _ => Err(Error::pagination(format!(
                        "offset {offset} is beyond the API's range (0..={})",
                        i32::MAX
                    ))),
                };
                (offset, result)
            }
            .boxed(),
        );
    }

    async fn next_page(&mut self) -> Option<Result<Page>> {
        if self.done {
            return None;
        }
        if self.resolved.is_none() {
            match self
                .list
                .client
                .resolve_gateway(&self.list.gateway_id)
                .await
            {
                Ok(id) => self.resolved = Some(id),
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            }
        }
        // Until the first page tells us the total, go one page at a time; after that keep
        // up to `read_ahead` requests in flight, never past the latest total.
        let window = if self.total.is_some() {
            self.read_ahead
        } else {
            1
        };
        while self.inflight.len() < window
            && self
                .total
                .map_or(self.inflight.is_empty(), |total| self.scheduled < total)
        {
            self.request(self.scheduled);
            self.scheduled += u64::from(self.page_size);
        }
        let (offset, result) = self.inflight.next().await?;
        let mut page = match result {
            Ok(page) => page,
            Err(e) => {
                self.done = true;
                return Some(Err(e));
            }
        };
        let first = std::mem::replace(&mut self.first, false);
        // Follow the latest total: the list may grow or shrink while we page. A negative
        // total means nothing: treat it as unknown.
        self.total = match page.total_count {
            Some(t) if t < 0 => {
                tracing::warn!(total_count = t, "negative total_count treated as unknown");
                None
            }
            t => t.map(|t| t as u64),
        };
        let returned = page.connections.len() as u64;
        if returned == 0 {
            self.done = true;
            return first.then_some(Ok(page));
        }
        self.pages += 1;
        self.records += returned;
        if self.pages > self.list.max_pages || self.records > self.list.max_records {
            self.done = true;
            return Some(Err(Error::pagination(format!(
                "stopped after {} page(s) and {} record(s): the listing passed its cap of {} \
                 pages or {} records (raise it with max_pages / max_records if the gateway \
                 really has that many)",
                self.pages, self.records, self.list.max_pages, self.list.max_records
            ))));
        }
        // A server that ignores `offset` and sends records without IDs: recognise a page by
        // its content instead.
        if page.connections.iter().any(|c| c.connection_id().is_none()) {
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            for c in &page.connections {
                serde_json::to_string(c)
                    .unwrap_or_default()
                    .hash(&mut hasher);
            }
            if !self.page_hashes.insert(hasher.finish()) {
                self.done = true;
                return Some(Err(Error::pagination(format!(
                    "the page at offset {offset} repeated an earlier page ({returned} \
                     connection(s) without IDs); the server appears to ignore `offset`"
                ))));
            }
        }
        page.connections.retain(|c| match c.connection_id() {
            Some(id) => self.seen.insert(id),
            None => true,
        });
        if page.connections.is_empty() {
            self.done = true;
            return Some(Err(Error::pagination(format!(
                "the page at offset {offset} repeated {returned} connection(s) already seen; \
                 the server appears to ignore `offset`"
            ))));
        }
        if returned < u64::from(self.page_size) {
            match self.total {
                // Without a total, a short page is the last one.
                None => self.done = true,
                // A short page before the end (a server capping `limit` below our page
                // size): drop the pages requested at the old stride and resume right after
                // what this page returned.
                Some(total) if offset + returned < total => {
                    self.inflight = FuturesOrdered::new();
                    self.scheduled = offset + returned;
                }
                Some(_) => {}
            }
        }
        Some(Ok(page))
    }
}
