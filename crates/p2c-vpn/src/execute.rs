//! The one request path: every operation of every spec is sent by [`Client::execute`]
//! (operation timeout, attempt report, span fields, error mapping).

use std::future::Future;
use std::time::Instant;

use p2c_vpn_api::{ResponseValue, params, with_report};
use tracing::Instrument as _;

use crate::client::Client;
use crate::error::{Error, ErrorKind, Result, Setting};
use crate::model::{GatewayPage, Page};
use crate::names::check_id;

impl Client {
    /// Runs one generated call: **the single place a request is made**. Bounds it with the
    /// operation timeout, collects the attempt report from the hooks, records the span's
    /// fields and maps any failure to [`Error`].
    pub(crate) async fn execute<T, E>(
        &self,
        span: tracing::Span,
        call: impl Future<Output = std::result::Result<ResponseValue<T>, p2c_vpn_api::Error<E>>>,
    ) -> Result<ResponseValue<T>>
    where
        T: serde::de::DeserializeOwned,
        E: serde::Serialize,
    {
        Ok(self.execute_counted(span, call).await?.0)
    }

    /// [`execute`](Self::execute), with the byte size of the response body.
    pub(crate) async fn execute_counted<T, E>(
        &self,
        span: tracing::Span,
        call: impl Future<Output = std::result::Result<ResponseValue<T>, p2c_vpn_api::Error<E>>>,
    ) -> Result<(ResponseValue<T>, u64)>
    where
        T: serde::de::DeserializeOwned,
        E: serde::Serialize,
    {
        let started = Instant::now();
        let timeout = self.inner.operation_timeout;
        // The report's scope encloses the timeout, so a call cut short still says how many
        // attempts it made and what the last answer was.
        let (outcome, report) = with_report(tokio::time::timeout(timeout, call))
            .instrument(span.clone())
            .await;
        span.record("elapsed_ms", started.elapsed().as_millis() as u64);
        span.record("attempts", report.attempts);
        if let Some(status) = report.status {
            span.record("status", status.as_u16());
        }
        if let Some(id) = report.request_id() {
            span.record("request_id", id);
        }
        let Ok(result) = outcome else {
            let e = Error::operation_timeout(timeout, &report);
            tracing::debug!(parent: &span, error = %e, "call failed");
            return Err(e);
        };
        let body_bytes = report.body_bytes;
        result.map(|r| (r, body_bytes)).map_err(|e| {
            let e = Error::from_api::<T, E>(e, &report);
            if let Some(id) = e.request_id() {
                span.record("request_id", id);
            }
            if e.kind() != ErrorKind::InvalidInput {
                tracing::debug!(parent: &span, error = %e, "call failed");
            }
            e
        })
    }

    /// Fetches one page of a gateway's connections (`gateway_id` already resolved).
    pub(crate) async fn fetch_page(
        &self,
        gateway_id: &str,
        limit: Option<u32>,
        offset: Option<u32>,
    ) -> Result<Page> {
        check_id(Setting::Gateway, "gateway ID", gateway_id)?;
        let (api, project) = self.vpn().await?;
        let mut call = api
            .list_p2c_vgw_connections()
            .project_id(project)
            .p2c_vgw_id(gateway_id);
        if let Some(limit) = limit {
            call = call.limit(check_param(Setting::Limit, &params::LIMIT, limit)?);
        }
        if let Some(offset) = offset {
            call = call.offset(check_param(Setting::Offset, &params::OFFSET, offset)? as i32);
        }
        let span = tracing::info_span!(
            "p2c_vpn.list_connections",
            gateway = gateway_id,
            limit,
            offset,
            status = tracing::field::Empty,
            request_id = tracing::field::Empty,
            attempts = tracing::field::Empty,
            elapsed_ms = tracing::field::Empty,
        );
        let (response, body_bytes) = self.execute_counted(span, call.send()).await?;
        let header_id = params::request_id(response.headers()).map(str::to_owned);
        Ok(Page::from_api(response.into_inner(), header_id, body_bytes))
    }

    /// Fetches one page of gateways.
    pub(crate) async fn fetch_gateways(
        &self,
        limit: Option<u32>,
        marker: Option<&str>,
    ) -> Result<GatewayPage> {
        let (api, project) = self.vpn().await?;
        let mut call = api.list_p2c_vgws().project_id(project);
        if let Some(limit) = limit {
            call = call.limit(check_param(Setting::Limit, &params::LIMIT, limit)?);
        }
        if let Some(marker) = marker {
            call = call.marker(marker);
        }
        let span = tracing::info_span!(
            "p2c_vpn.list_gateways",
            limit,
            marker,
            status = tracing::field::Empty,
            request_id = tracing::field::Empty,
            attempts = tracing::field::Empty,
            elapsed_ms = tracing::field::Empty,
        );
        let (response, body_bytes) = self.execute_counted(span, call.send()).await?;
        let header_id = params::request_id(response.headers()).map(str::to_owned);
        Ok(GatewayPage::from_api(
            response.into_inner(),
            header_id,
            body_bytes,
        ))
    }
}

/// `value` of `setting` if it is in `range` (the spec's), else an error naming both.
pub(crate) fn check_param(
    setting: Setting,
    range: &std::ops::RangeInclusive<u32>,
    value: u32,
) -> Result<u32> {
    if range.contains(&value) {
        return Ok(value);
    }
    let name = match setting {
        Setting::Offset => "offset",
        _ => "limit",
    };
    Err(Error::invalid_setting(
        setting,
        format!(
            "{name} {value} is out of range ({}..={})",
            range.start(),
            range.end()
        ),
    ))
}
