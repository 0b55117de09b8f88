//! Listing gateways: one page, or every page as a lazy marker-paginated stream.

use std::collections::HashSet;

use futures::stream::{self, BoxStream};
use futures::{StreamExt as _, TryStreamExt as _};

use crate::client::Client;
use crate::error::{Error, Result};
use crate::list::DEFAULT_PAGE_SIZE;
use crate::model::{Gateway, GatewayPage};
use crate::pager::{Guard, ListingLimits};

/// A request to list the project's gateways; made by [`Client::gateways`].
///
/// - [`send`](Self::send) makes one request with the given `limit`/`marker` (neither: the
///   service's default page).
/// - [`pages`](Self::pages), [`stream`](Self::stream) and [`collect_all`](Self::collect_all)
///   walk every page lazily, passing each page's `page_info.next_marker` as the next
///   `marker` (the creation time of the last record).
///
/// Paging is defensive: it stops when `next_marker` is absent or a page is empty, and fails
/// with [`ErrorKind::Pagination`](crate::ErrorKind::Pagination) instead of looping when the
/// service repeats a marker or sends a page of gateways already seen, and at the client's
/// [`ListingLimits`] (pages, records, bytes, marker length) whatever page size the server
/// chooses.
#[derive(Clone, Debug)]
#[must_use = "a listing does nothing until sent or streamed"]
pub struct ListGateways {
    client: Client,
    limit: Option<u32>,
    marker: Option<String>,
    limits: Option<ListingLimits>,
}

impl ListGateways {
    pub(crate) fn new(client: Client) -> Self {
        Self {
            client,
            limit: None,
            marker: None,
            limits: None,
        }
    }

    /// Records per page (default for streams: [`DEFAULT_PAGE_SIZE`]).
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Start after this marker (a `next_marker` from an earlier page).
    pub fn marker(mut self, marker: impl Into<String>) -> Self {
        self.marker = Some(marker.into());
        self
    }

    /// The caps of this listing (default: the client's
    /// [`listing_limits`](crate::ClientBuilder::listing_limits)).
    pub fn listing_limits(mut self, limits: ListingLimits) -> Self {
        self.limits = Some(limits);
        self
    }

    /// Makes one request and returns its page.
    pub async fn send(self) -> Result<GatewayPage> {
        self.client
            .fetch_gateways(self.limit, self.marker.as_deref())
            .await
    }

    /// Every page, one request at a time as the stream is polled. The first page is
    /// yielded even when empty, so its `total_count` is seen.
    ///
    /// A listing read to its end from the start (no [`marker`](Self::marker)) teaches the
    /// client every gateway's ID and unique name, so naming one later
    /// ([`Client::resolve_gateway`], [`Client::connections`], ...) sends no request.
    pub fn pages(self) -> BoxStream<'static, Result<GatewayPage>> {
        struct State {
            list: ListGateways,
            marker: Option<String>,
            markers: HashSet<String>,
            guard: Guard<String>,
            /// (ID, name) of every gateway so far, if the listing started at the start.
            names: Option<Vec<(String, Option<String>)>>,
            first: bool,
            done: bool,
        }
        impl State {
            /// The listing is complete: its IDs and unique names replace the client's.
            fn remember_names(&mut self) {
                if let Some(names) = self.names.take() {
                    self.list.client.remember_listing(&names);
                }
            }
        }
        let limits = self.limits.unwrap_or_else(|| self.client.listing_limits());
        let state = State {
            marker: self.marker.clone(),
            names: self.marker.is_none().then(Vec::new),
            list: self,
            markers: HashSet::new(),
            guard: Guard::new(limits, "marker"),
            first: true,
            done: false,
        };
        stream::unfold(state, |mut st| async move {
            if st.done {
                return None;
            }
            let limit = st.list.limit.unwrap_or(DEFAULT_PAGE_SIZE);
            let result = st
                .list
                .client
                .fetch_gateways(Some(limit), st.marker.as_deref())
                .await;
            let mut page = match result {
                Ok(page) => page,
                Err(e) => {
                    st.done = true;
                    return Some((Err(e), st));
                }
            };
            let first = std::mem::replace(&mut st.first, false);
            if page.gateways.is_empty() {
                st.done = true;
                st.remember_names();
                return first.then_some((Ok(page), st));
            }
            let returned = page.gateways.len() as u64;
            let marker = st.marker.clone();
            let checked = st.guard.count(returned, page.body_bytes).and_then(|()| {
                st.guard.dedupe(
                    &mut page.gateways,
                    |g| g.id().map(str::to_owned),
                    || format!("{:?}", marker.as_deref().unwrap_or("")),
                )
            });
            if let Err(e) = checked {
                st.done = true;
                return Some((Err(e), st));
            }
            if let Some(names) = &mut st.names {
                names.extend(
                    page.gateways
                        .iter()
                        .filter_map(|g| Some((g.id()?.to_owned(), g.name().map(str::to_owned)))),
                );
            }
            if let Some(next) = &page.next_marker
                && let Err(e) = st.guard.check_marker(next)
            {
                st.done = true;
                return Some((Err(e), st));
            }
            match page.next_marker.clone() {
                None => {
                    st.done = true;
                    st.remember_names();
                }
                Some(next) if !st.markers.insert(next.clone()) => {
                    st.done = true;
                    let err = Error::pagination(format!(
                        "the service repeated the marker of an earlier page ({} bytes); stopping instead of looping",
                        next.len()
                    ));
                    return Some((Err(err), st));
                }
                Some(next) => st.marker = Some(next),
            }
            Some((Ok(page), st))
        })
        .boxed()
    }

    /// Every gateway, page after page, fetched lazily.
    pub fn stream(self) -> BoxStream<'static, Result<Gateway>> {
        self.pages()
            .map_ok(|page| stream::iter(page.gateways.into_iter().map(Ok)))
            .try_flatten()
            .boxed()
    }

    /// Every gateway, collected.
    pub async fn collect_all(self) -> Result<Vec<Gateway>> {
        self.stream().try_collect().await
    }
}
