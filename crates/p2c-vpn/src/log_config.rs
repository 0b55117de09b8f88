//! A gateway's connection logs: where the service sends them. Once a gateway has a log
//! configuration, Huawei Cloud writes a record of each client connection (who connected,
//! from where, when, for how long) to a log stream of the Log Tank Service (LTS); the
//! connections API only shows who is connected now. [`Client::log_config`],
//! [`Client::set_log_config`] and [`Client::delete_log_config`] are
//! `ShowVpnConnectionsLogConfig`, `UpdateVpnConnectionsLogConfig` and
//! `DeleteVpnConnectionsLogConfig` of `/v5/{project_id}/p2c-vpn-gateways/{p2c_vgw_id}/log-config`.

use std::fmt;
use std::str::FromStr;

use p2c_vpn_api::types;
use serde::Serialize;

use crate::client::Client;
use crate::error::{Error, Result, Setting};
use crate::names::{check_id, shorten};

/// Where a gateway's connection logs go: a log group of the Log Tank Service (LTS) and a log
/// stream in it, by ID (as the LTS console and API show them).
///
/// Serializes as the API's `log_config` object (`{"log_group_id":…,"log_stream_id":…}`);
/// written and parsed as `LOG_GROUP_ID:LOG_STREAM_ID`.
///
/// ```
/// use p2c_vpn::LogConfig;
///
/// let config: LogConfig =
///     "05c4052d-8d14-488f-aa00-19fea5a25fdd:d9d85143-e1e1-427a-9994-d8b8fd9ebe3f".parse()?;
/// assert_eq!(config.log_group_id(), "05c4052d-8d14-488f-aa00-19fea5a25fdd");
/// assert_eq!(config.log_stream_id(), "d9d85143-e1e1-427a-9994-d8b8fd9ebe3f");
/// assert!("no-colon".parse::<LogConfig>().is_err());
/// assert!(LogConfig::new("", "stream").is_err());
/// # Ok::<(), p2c_vpn::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct LogConfig {
    log_group_id: String,
    log_stream_id: String,
}

impl LogConfig {
    /// A log group and log stream, by ID. Each must be non-empty, at most 256 bytes, without
    /// whitespace, control characters or `/ ? # % \` (an
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) error about
    /// [`Setting::LogConfig`] otherwise); whether they exist is the service's to say.
    pub fn new(log_group_id: impl Into<String>, log_stream_id: impl Into<String>) -> Result<Self> {
        let config = Self {
            log_group_id: log_group_id.into(),
            log_stream_id: log_stream_id.into(),
        };
        check_id(Setting::LogConfig, "log group ID", &config.log_group_id)?;
        check_id(Setting::LogConfig, "log stream ID", &config.log_stream_id)?;
        Ok(config)
    }

    /// The LTS log group ID (`log_group_id`).
    pub fn log_group_id(&self) -> &str {
        &self.log_group_id
    }

    /// The LTS log stream ID (`log_stream_id`).
    pub fn log_stream_id(&self) -> &str {
        &self.log_stream_id
    }

    /// The configuration in a response: `None` when there is none (no `log_config`, or
    /// neither ID); an error when only one ID is there. The service's values are taken as
    /// they are (not checked like [`new`](Self::new)'s).
    fn from_api(config: Option<types::ConnectionsLogConfig>) -> Result<Option<Self>> {
        let Some(config) = config else {
            return Ok(None);
        };
        let given = |id: Option<String>| id.filter(|s| !s.is_empty());
        match (given(config.log_group_id), given(config.log_stream_id)) {
            (None, None) => Ok(None),
            (Some(log_group_id), Some(log_stream_id)) => Ok(Some(Self {
                log_group_id,
                log_stream_id,
            })),
            (Some(_), None) => Err(Error::decode_missing("log_config.log_stream_id")),
            (None, Some(_)) => Err(Error::decode_missing("log_config.log_group_id")),
        }
    }
}

impl FromStr for LogConfig {
    type Err = Error;

    /// `LOG_GROUP_ID:LOG_STREAM_ID` (split at the first `:`), each checked as in
    /// [`LogConfig::new`].
    fn from_str(s: &str) -> Result<Self> {
        let Some((group, stream)) = s.split_once(':') else {
            return Err(Error::invalid_setting(
                Setting::LogConfig,
                format!(
                    "\"{}\" is not LOG_GROUP_ID:LOG_STREAM_ID (the IDs of an LTS log group and \
                     of a log stream in it, joined by a colon)",
                    shorten(s)
                ),
            ));
        };
        Self::new(group, stream)
    }
}

impl fmt::Display for LogConfig {
    /// `LOG_GROUP_ID:LOG_STREAM_ID`, the form [`FromStr`] reads.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.log_group_id, self.log_stream_id)
    }
}

impl Client {
    /// Where the connection logs of a gateway (named by ID or name, see
    /// [`resolve_gateway`](Self::resolve_gateway)) go: `None` when it has no log
    /// configuration (the service's answer has no `log_config`, or one without IDs).
    pub async fn log_config(&self, gateway: &str) -> Result<Option<LogConfig>> {
        let (api, project) = self.vpn().await?;
        let (_, config) = self
            .on_gateway(gateway, |gateway_id| async move {
                check_id(Setting::Gateway, "gateway ID", &gateway_id)?;
                let call = api
                    .show_vpn_connections_log_config()
                    .project_id(project)
                    .p2c_vgw_id(gateway_id.as_str());
                let span = span(Call::Show, &gateway_id);
                let response = self.execute(span, call.send()).await?;
                LogConfig::from_api(response.into_inner().log_config)
            })
            .await?;
        Ok(config)
    }

    /// Sends the connection logs of a gateway (named by ID or name) to `config`'s LTS log
    /// group and stream, replacing any configuration it had. Returns the configuration the
    /// service answered with (`config` when its answer has none).
    ///
    /// Setting the same configuration again changes nothing, so this call is retried like a
    /// GET (throttling, 5xx, timeouts, network errors).
    pub async fn set_log_config(&self, gateway: &str, config: &LogConfig) -> Result<LogConfig> {
        let (api, project) = self.vpn().await?;
        let (_, answered) = self
            .on_gateway(gateway, |gateway_id| async move {
                check_id(Setting::Gateway, "gateway ID", &gateway_id)?;
                // The generated builders, never a struct literal: both IDs are required.
                let content = types::UpdateVpnLogConfigRequestBodyContent::builder()
                    .log_group_id(config.log_group_id())
                    .log_stream_id(config.log_stream_id());
                let call = api
                    .update_vpn_connections_log_config()
                    .project_id(project)
                    .p2c_vgw_id(gateway_id.as_str())
                    .body_map(|body| body.log_config(content));
                let span = span(Call::Set, &gateway_id);
                let response = self.execute(span, call.send()).await?;
                LogConfig::from_api(response.into_inner().log_config)
            })
            .await?;
        Ok(answered.unwrap_or_else(|| config.clone()))
    }

    /// Removes the log configuration of a gateway (named by ID or name): the service stops
    /// sending its connection logs to LTS (what was written stays there). The doc answers
    /// 204; like the official SDK, any other success status is taken as done. Retried like
    /// a GET.
    pub async fn delete_log_config(&self, gateway: &str) -> Result<()> {
        let (api, project) = self.vpn().await?;
        self.on_gateway(gateway, |gateway_id| async move {
            check_id(Setting::Gateway, "gateway ID", &gateway_id)?;
            let call = api
                .delete_vpn_connections_log_config()
                .project_id(project)
                .p2c_vgw_id(gateway_id.as_str());
            let span = span(Call::Delete, &gateway_id);
            match self.execute(span, call.send()).await {
                Ok(_) => Ok(()),
                // A 200 (with or without a body) is an "unexpected status" to the generated
                // code, which knows only the doc's 204.
                Err(e) if e.status().is_some_and(|s| s.is_success()) => Ok(()),
                Err(e) => Err(e),
            }
        })
        .await?;
        Ok(())
    }
}

/// The three log-config calls, each with its span.
#[derive(Clone, Copy)]
enum Call {
    Show,
    Set,
    Delete,
}

/// The span of one log-config call (its fields filled by [`Client::execute`]).
fn span(call: Call, gateway_id: &str) -> tracing::Span {
    macro_rules! span {
        ($name:literal) => {
            tracing::info_span!(
                $name,
                gateway = gateway_id,
                status = tracing::field::Empty,
                request_id = tracing::field::Empty,
                attempts = tracing::field::Empty,
                elapsed_ms = tracing::field::Empty,
            )
        };
    }
    match call {
        Call::Show => span!("p2c_vpn.log_config"),
        Call::Set => span!("p2c_vpn.set_log_config"),
        Call::Delete => span!("p2c_vpn.delete_log_config"),
    }
}
