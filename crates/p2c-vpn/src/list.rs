//! Listing connections: one page, or every page as a lazy stream (offset paging, on the
//! safeguards of `pager.rs`).

use futures::FutureExt as _;
use futures::future::BoxFuture;
use futures::stream::{self, BoxStream, FuturesOrdered};
use futures::{StreamExt as _, TryStreamExt as _};
use uuid::Uuid;

use crate::client::Client;
use crate::error::{Error, Result, Setting};
use crate::execute::check_param;
use crate::model::{Connection, Page};
use crate::pager::{Guard, ListingLimits};

/// Page size used by [`ListConnections::stream`] and friends unless set.
pub const DEFAULT_PAGE_SIZE: u32 = 100;

/// Pages kept in flight by streams once the total is known (see
/// [`ListConnections::read_ahead`]). Measured in `benches/list.rs`: with 2 ms of latency per
/// page, 4 pages in flight list 10,000 connections about 3x faster than one at a time.
pub const DEFAULT_READ_AHEAD: usize = 4;

/// A request to list a gateway's connections; made by [`Client::connections`].
///
/// - [`send`](Self::send) makes one request with the given `limit`/`offset` (none: the
///   service returns everything, its "non-pagination mode").
/// - [`pages`](Self::pages), [`stream`](Self::stream) and [`collect_all`](Self::collect_all)
///   walk every page lazily with `limit`/`offset`, starting at `offset` (default 0).
///
/// Paging is defensive: it stops when the offset reaches `total_count` or a page comes back
/// empty; follows a `total_count` that changes between pages; pages at the stride of a
/// server that returns fewer records than asked (learnt from the first page, so read-ahead
/// requests are not wasted); drops connections already seen (by `connection_id`); fails
/// with [`ErrorKind::Pagination`](crate::ErrorKind::Pagination) instead of looping when a
/// page brings nothing new (a server ignoring `offset`), and at the client's
/// [`ListingLimits`] (pages, records, bytes). A list that shrinks mid-way ends early with
/// what was seen.
#[derive(Clone, Debug)]
#[must_use = "a listing does nothing until sent or streamed"]
pub struct ListConnections {
    client: Client,
    gateway_id: String,
    limit: Option<u32>,
    offset: Option<u32>,
    page_size: Option<u32>,
    read_ahead: usize,
    max_pages: Option<u64>,
    max_records: Option<u64>,
    max_bytes: Option<u64>,
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
            max_pages: None,
            max_records: None,
            max_bytes: None,
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
    /// after this many pages (default: the client's [`ListingLimits::max_pages`]), so a
    /// server whose `total_count` never ends cannot keep the caller paging forever.
    pub fn max_pages(mut self, pages: u64) -> Self {
        self.max_pages = Some(pages);
        self
    }

    /// Likewise after this many records (default: [`ListingLimits::max_records`]).
    pub fn max_records(mut self, records: u64) -> Self {
        self.max_records = Some(records);
        self
    }

    /// Likewise after this many bytes of response bodies (default:
    /// [`ListingLimits::max_bytes`]).
    pub fn max_bytes(mut self, bytes: u64) -> Self {
        self.max_bytes = Some(bytes);
        self
    }

    fn limits(&self) -> ListingLimits {
        let mut limits = self.client.listing_limits();
        limits.max_pages = self.max_pages.unwrap_or(limits.max_pages);
        limits.max_records = self.max_records.unwrap_or(limits.max_records);
        limits.max_bytes = self.max_bytes.unwrap_or(limits.max_bytes);
        limits
    }

    /// Makes one request and returns its page.
    pub async fn send(self) -> Result<Page> {
        let client = &self.client;
        let (_, page) = client
            .on_gateway(&self.gateway_id, |id| async move {
                client.fetch_page(&id, self.limit, self.offset).await
            })
            .await?;
        Ok(page)
    }

    /// Every page, fetched one after another (the stream is `Unpin`: no pinning needed) as the stream is polled. The first page is
    /// yielded even when empty, so its `total_count` is seen.
    pub fn pages(self) -> BoxStream<'static, Result<Page>> {
        let page_size = self.page_size.or(self.limit).unwrap_or(DEFAULT_PAGE_SIZE);
        let pager = Pager {
            scheduled: u64::from(self.offset.unwrap_or(0)),
            read_ahead: self.read_ahead.max(1),
            guard: Guard::new(self.limits(), "offset"),
            list: self,
            page_size,
            inflight: FuturesOrdered::new(),
            total: None,
            first: true,
            done: false,
            resolved: None,
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
    guard: Guard<Uuid>,
    first: bool,
    done: bool,
    /// The gateway's ID, once resolved from what the caller named.
    resolved: Option<String>,
}

impl Pager {
    fn request(&mut self, offset: u64) {
        let client = self.list.client.clone();
        let gateway = self.resolved.clone().unwrap_or_default();
        let limit = self.page_size;
        self.inflight.push_back(
            async move {
                let result = match offset_param(offset) {
                    Ok(o) => client.fetch_page(&gateway, Some(limit), Some(o)).await,
                    Err(e) => Err(e),
                };
                (offset, result)
            }
            .boxed(),
        );
    }

    /// The first page, which also resolves the gateway (once more if a remembered name
    /// turns out to have moved).
    async fn first_page(&mut self) -> Result<(u64, Page)> {
        let client = self.list.client.clone();
        let (offset, limit) = (self.scheduled, self.page_size);
        let o = offset_param(offset)?;
        let (id, page) = client
            .on_gateway(&self.list.gateway_id, |id| {
                let client = client.clone();
                async move { client.fetch_page(&id, Some(limit), Some(o)).await }
            })
            .await?;
        self.resolved = Some(id);
        self.scheduled += u64::from(self.page_size);
        Ok((offset, page))
    }

    async fn next_page(&mut self) -> Option<Result<Page>> {
        if self.done {
            return None;
        }
        let next = if self.resolved.is_none() {
            self.first_page().await
        } else {
            // Keep up to `read_ahead` requests in flight, never past the latest total
            // (without one, one page at a time).
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
            result.map(|page| (offset, page))
        };
        let (offset, mut page) = match next {
            Ok(next) => next,
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
        let checked = self.guard.count(returned, page.body_bytes).and_then(|()| {
            self.guard
                .dedupe(&mut page.connections, Connection::connection_id, || {
                    offset.to_string()
                })
        });
        if let Err(e) = checked {
            self.done = true;
            return Some(Err(e));
        }
        if returned < u64::from(self.page_size) {
            match self.total {
                // Without a total, a short page is the last one.
                None => self.done = true,
                // The first page is short of a total: the server caps `limit` below our
                // page size. Page at its stride from now on (nothing is in flight yet).
                Some(total) if first && offset + returned < total => {
                    self.page_size = u32::try_from(returned).unwrap_or(u32::MAX);
                    self.scheduled = offset + returned;
                }
                // A short page later, before the end (a server that changed its page
                // size): the pages in flight were asked at the old stride and would leave
                // gaps; ask again from right after this page.
                Some(total) if offset + returned < total => {
                    self.page_size = u32::try_from(returned).unwrap_or(u32::MAX);
                    self.inflight = FuturesOrdered::new();
                    self.scheduled = offset + returned;
                }
                Some(_) => {}
            }
        }
        Some(Ok(page))
    }
}

/// An offset of the listing as the API's int32: paging past it is the listing's failure
/// (a server whose total never ends), not the caller's input.
fn offset_param(offset: u64) -> Result<u32> {
    u32::try_from(offset)
        .ok()
        .and_then(|o| check_param(Setting::Offset, &p2c_vpn_api::params::OFFSET, o).ok())
        .ok_or_else(|| {
            Error::pagination(format!(
                "offset {offset} is beyond the API's range ({}..={})",
                p2c_vpn_api::params::OFFSET.start(),
                p2c_vpn_api::params::OFFSET.end()
            ))
        })
}
