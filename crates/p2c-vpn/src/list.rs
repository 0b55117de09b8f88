//! Listing connections: one page, or every page as a lazy stream.

use std::collections::HashSet;

use futures::stream::{self, BoxStream};
use futures::{StreamExt as _, TryStreamExt as _};
use uuid::Uuid;

use crate::client::Client;
use crate::error::{Error, Result};
use crate::model::{Connection, Page};

/// Page size used by [`ListConnections::stream`] and friends unless set.
pub const DEFAULT_PAGE_SIZE: u32 = 100;

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
}

impl ListConnections {
    pub(crate) fn new(client: Client, gateway_id: String) -> Self {
        Self {
            client,
            gateway_id,
            limit: None,
            offset: None,
            page_size: None,
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

    /// Makes one request and returns its page.
    pub async fn send(self) -> Result<Page> {
        self.client
            .fetch_page(&self.gateway_id, self.limit, self.offset)
            .await
    }

    /// Every page, fetched one after another (the stream is `Unpin`: no pinning needed) as the stream is polled. The first page is
    /// yielded even when empty, so its `total_count` is seen.
    pub fn pages(self) -> BoxStream<'static, Result<Page>> {
        let page_size = self.page_size.or(self.limit).unwrap_or(DEFAULT_PAGE_SIZE);
        let pager = Pager {
            next_offset: u64::from(self.offset.unwrap_or(0)),
            list: self,
            page_size,
            total: None,
            seen: HashSet::new(),
            first: true,
            done: false,
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
    next_offset: u64,
    total: Option<u64>,
    seen: HashSet<Uuid>,
    first: bool,
    done: bool,
}

impl Pager {
    async fn next_page(&mut self) -> Option<Result<Page>> {
        if self.done || self.total.is_some_and(|total| self.next_offset >= total) {
            return None;
        }
        let Ok(offset) = u32::try_from(self.next_offset) else {
            self.done = true;
            return Some(Err(Error::pagination(format!(
                "offset {} exceeds the API's range",
                self.next_offset
            ))));
        };
        let result = self
            .list
            .client
            .fetch_page(&self.list.gateway_id, Some(self.page_size), Some(offset))
            .await;
        let mut page = match result {
            Ok(page) => page,
            Err(e) => {
                self.done = true;
                return Some(Err(e));
            }
        };
        let first = std::mem::replace(&mut self.first, false);
        // Follow the latest total: the list may grow or shrink while we page.
        self.total = page.total_count.map(|t| u64::try_from(t).unwrap_or(0));
        let returned = page.connections.len();
        if returned == 0 {
            self.done = true;
            return first.then_some(Ok(page));
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
        self.next_offset += returned as u64;
        // Without a total, a short page is the last one.
        if self.total.is_none() && (returned as u64) < u64::from(self.page_size) {
            self.done = true;
        }
        Some(Ok(page))
    }
}
