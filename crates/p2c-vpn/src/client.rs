//! [`Client`]: the operations on gateways and connections, over the generated client.
//! Its settings are in `builder.rs`, the project in `project.rs`, gateway names in
//! `names.rs` and the one request path in `execute.rs`.

use std::sync::Arc;
use std::time::Duration;

use p2c_vpn_api::{ClientState, ResponseLimits, RetryConfig};
use p2c_vpn_auth::Auth;
use reqwest::StatusCode;
use tokio::sync::OnceCell;
use uuid::Uuid;

use crate::builder::{ClientBuilder, ENV_ENDPOINT, ENV_REGION};
use crate::error::{Error, Result, Setting};
use crate::gateways::ListGateways;
use crate::list::ListConnections;
use crate::model::Gateway;
use crate::names::{NameCache, check_id, shorten};
use crate::pager::ListingLimits;

/// A client for the P2C VPN gateway API: gateways, their connections, disconnecting. Cheap
/// to clone; clones share the connection pool, the project lookup and the name cache.
///
/// ```no_run
/// # async fn run() -> p2c_vpn::Result<()> {
/// let client = p2c_vpn::Client::builder()
///     .region("cn-north-4")
///     .build()?; // credentials from HUAWEICLOUD_SDK_AK/_SK or ~/.huaweicloud/credentials;
///                // without a project ID, it is looked up through IAM on first use
/// let page = client.connections("office-gateway").limit(10).send().await?;
/// println!("{} of {:?} connections", page.connections.len(), page.total_count);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) http: reqwest::Client,
    pub(crate) base_url: String,
    pub(crate) auth: Auth,
    pub(crate) retry: RetryConfig,
    pub(crate) limits: ResponseLimits,
    pub(crate) timeout: Duration,
    pub(crate) operation_timeout: Duration,
    /// Where the project ID is looked up when none was given.
    pub(crate) iam: Option<IamLookup>,
    /// The project and the VPN client that signs for it: set at build time when the project
    /// ID is known, else by the first call (one IAM lookup shared by concurrent callers).
    pub(crate) project: OnceCell<Project>,
    /// Gateway names (and IDs that are no UUIDs) resolved to IDs.
    pub(crate) names: NameCache,
    /// Caps of every listing.
    pub(crate) listing: ListingLimits,
}

#[derive(Debug)]
pub(crate) struct IamLookup {
    pub(crate) endpoint: String,
    pub(crate) region: String,
}

#[derive(Debug)]
pub(crate) struct Project {
    pub(crate) id: String,
    pub(crate) api: p2c_vpn_api::Client,
}

impl Client {
    /// A builder with defaults.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client configured from the environment: region from `HUAWEICLOUD_SDK_REGION` or
    /// endpoint from `HUAWEICLOUD_SDK_ENDPOINT`, credentials and project ID from the
    /// provider chain.
    pub fn from_env() -> Result<Self> {
        let mut builder = Self::builder();
        if let Some(endpoint) = crate::builder::env_var(ENV_ENDPOINT)? {
            builder = builder.endpoint(endpoint);
        }
        if let Some(region) = crate::builder::env_var(ENV_REGION)? {
            builder = builder.region(region);
        }
        builder.build()
    }

    /// The project ID requests are made for, once known: given at build time, or after the
    /// IAM lookup of the first call. [`project`](Self::project) looks it up if needed.
    pub fn project_id(&self) -> Option<&str> {
        self.inner.project.get().map(|p| p.id.as_str())
    }

    /// The project ID, looked up through IAM (once per client, shared by concurrent
    /// callers) if it was not given.
    pub async fn project(&self) -> Result<&str> {
        Ok(self.project_api().await?.id.as_str())
    }

    /// The caps every listing of this client starts from.
    pub fn listing_limits(&self) -> ListingLimits {
        self.inner.listing
    }

    /// The base URL requests go to.
    pub fn endpoint(&self) -> &str {
        &self.inner.base_url
    }

    /// Lists the connections of a gateway, named by ID or name (see
    /// [`resolve_gateway`](Self::resolve_gateway)): one page with
    /// [`send`](ListConnections::send), or all of them with
    /// [`stream`](ListConnections::stream), [`pages`](ListConnections::pages) or
    /// [`collect_all`](ListConnections::collect_all).
    pub fn connections(&self, gateway: impl Into<String>) -> ListConnections {
        ListConnections::new(self.clone(), gateway.into())
    }

    /// Lists the project's P2C VPN gateways (marker pagination), one page or all of them.
    pub fn gateways(&self) -> ListGateways {
        ListGateways::new(self.clone())
    }

    /// One gateway, named by ID or name.
    ///
    /// An ID ([`is_gateway_id`](crate::is_gateway_id)) or a remembered name is shown with
    /// `ShowP2cVgw`; another name is found in a listing of the gateways, which is then
    /// the answer.
    pub async fn gateway(&self, gateway: &str) -> Result<Gateway> {
        if crate::is_gateway_id(gateway) || self.is_remembered(gateway) {
            let (_, found) = self
                .on_gateway(gateway, |id| async move { self.show_gateway(&id).await })
                .await?;
            return Ok(found);
        }
        check_id(Setting::Gateway, "gateway", gateway)?;
        let all = self.gateways().collect_all().await?;
        Ok(crate::find_gateway(&all, gateway)?.clone())
    }

    /// `ShowP2cVgw` for a gateway ID.
    pub(crate) async fn show_gateway(&self, gateway_id: &str) -> Result<Gateway> {
        check_id(Setting::Gateway, "gateway ID", gateway_id)?;
        let project = self.project_api().await?;
        let call = project
            .api
            .show_p2c_vgw()
            .project_id(project.id.as_str())
            .p2c_vgw_id(gateway_id);
        let span = tracing::info_span!(
            "p2c_vpn.show_gateway",
            gateway = gateway_id,
            status = tracing::field::Empty,
            request_id = tracing::field::Empty,
            attempts = tracing::field::Empty,
            elapsed_ms = tracing::field::Empty,
        );
        let response = self.execute(span, call.send()).await?;
        let gateway = response
            .into_inner()
            .p2c_vpn_gateway
            .map(Gateway::from)
            .ok_or_else(|| Error::decode_missing("p2c_vpn_gateway"))?;
        // An answer about another gateway must not be taken for this one (a confirmation
        // would name it while the requests go to the ID asked for).
        match gateway.id() {
            Some(id) if id != gateway_id => Err(Error::decode_mismatch(format!(
                "asked for gateway {gateway_id}, the service answered with gateway {}",
                shorten(id)
            ))),
            _ => Ok(gateway),
        }
    }

    /// Disconnects one connection of a gateway (named by ID or name, see
    /// [`resolve_gateway`](Self::resolve_gateway)). `connection` is the ID as
    /// [`Connection::connection_id`](crate::Connection::connection_id) returns it, or a
    /// [`ConnectionId`] parsed from text; it is sent exactly as given.
    ///
    /// The service treats disconnecting as idempotent, so this call is retried like a GET
    /// (throttling, 5xx, timeouts, network errors). A 404 (`VPN.0004`) on a gateway that
    /// exists is [`Disconnected::AlreadyGone`] when it answered the first attempt; when an
    /// earlier attempt of this call may have been applied (it timed out or its answer was
    /// lost), the 404 is what that attempt did: [`Disconnected::Unconfirmed`].
    pub async fn disconnect(
        &self,
        gateway: &str,
        connection: impl Into<ConnectionId>,
    ) -> Result<Disconnected> {
        let connection: ConnectionId = connection.into();
        let connection_id = connection.as_str();
        let project = self.project_api().await?;
        let outcome = self
            .on_gateway(gateway, |gateway_id| async move {
                let call = project
                    .api
                    .delete_p2c_vgw_connection()
                    .project_id(project.id.as_str())
                    .p2c_vgw_id(gateway_id.as_str())
                    .connection_id(connection_id);
                let span = tracing::info_span!(
                    "p2c_vpn.disconnect",
                    gateway = gateway_id.as_str(),
                    connection = connection_id,
                    status = tracing::field::Empty,
                    request_id = tracing::field::Empty,
                    attempts = tracing::field::Empty,
                    elapsed_ms = tracing::field::Empty,
                );
                match self.execute(span, call.send()).await {
                    Ok(response) => {
                        let header_id =
                            p2c_vpn_api::params::request_id(response.headers()).map(str::to_owned);
                        Ok(Disconnected::Disconnected {
                            request_id: header_id.or(response.into_inner().request_id),
                        })
                    }
                    Err(e) if e.status() == Some(StatusCode::NOT_FOUND) => {
                        // VPN.0004 is also the answer for an unknown gateway: only a gateway
                        // that exists makes this about the connection.
                        self.show_gateway(&gateway_id).await?;
                        let request_id = e.request_id().map(str::to_owned);
                        Ok(if e.attempts() > 1 {
                            Disconnected::Unconfirmed { request_id }
                        } else {
                            Disconnected::AlreadyGone { request_id }
                        })
                    }
                    Err(e) => Err(e),
                }
            })
            .await?;
        Ok(outcome.1)
    }
}

/// What [`Client::disconnect`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Disconnected {
    /// The connection was disconnected.
    Disconnected {
        /// The request ID of the disconnect.
        request_id: Option<String>,
    },
    /// The connection was already gone (404 `VPN.0004` on a gateway that exists, in answer
    /// to the first attempt).
    AlreadyGone {
        /// The request ID of the refused disconnect.
        request_id: Option<String>,
    },
    /// Gone now, but perhaps by this call: an earlier attempt timed out or lost its answer
    /// (so it may have been applied) and the retry got 404.
    Unconfirmed {
        /// The request ID of the last attempt.
        request_id: Option<String>,
    },
}

/// A connection ID to disconnect: a UUID, kept exactly as it was written and sent that way
/// (the service may compare IDs as text: an upper-case, braced, simple or `urn:uuid:` ID is
/// never rewritten to the canonical form). From
/// [`Connection::connection_id`](crate::Connection::connection_id) (a [`Uuid`], written as
/// the service lists IDs), or parsed from text; compared by the UUID it names.
///
/// ```
/// use p2c_vpn::ConnectionId;
///
/// let id: ConnectionId = "2C3A47E2-5B7D-4E0A-9F51-0B6A6C2D9E11".parse()?;
/// assert_eq!(id.as_str(), "2C3A47E2-5B7D-4E0A-9F51-0B6A6C2D9E11");
/// assert_eq!(id.uuid().to_string(), "2c3a47e2-5b7d-4e0a-9f51-0b6a6c2d9e11");
/// assert!("not-a-uuid".parse::<ConnectionId>().is_err());
/// # Ok::<(), p2c_vpn::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct ConnectionId {
    text: String,
    uuid: Uuid,
}

impl ConnectionId {
    /// The ID as it will be sent.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The UUID it names.
    pub fn uuid(&self) -> Uuid {
        self.uuid
    }
}

impl PartialEq for ConnectionId {
    fn eq(&self, other: &Self) -> bool {
        self.uuid == other.uuid
    }
}

impl Eq for ConnectionId {}

impl std::hash::Hash for ConnectionId {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.uuid.hash(state);
    }
}

impl From<Uuid> for ConnectionId {
    /// The canonical (hyphenated, lower-case) form, as the service lists IDs.
    fn from(uuid: Uuid) -> Self {
        Self {
            text: uuid.hyphenated().to_string(),
            uuid,
        }
    }
}

impl From<&Uuid> for ConnectionId {
    fn from(id: &Uuid) -> Self {
        Self::from(*id)
    }
}

impl From<&ConnectionId> for ConnectionId {
    fn from(id: &ConnectionId) -> Self {
        id.clone()
    }
}

impl std::str::FromStr for ConnectionId {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        let uuid = Uuid::try_parse(s).map_err(|_| {
            let shown: String = s.chars().take(64).flat_map(char::escape_default).collect();
            Error::invalid_setting(
                Setting::ConnectionId,
                format!(
                    "\"{shown}\" is not a connection ID (expected a UUID such as \
                     4f08c74b-a132-4993-a1ce-183ba6574995)"
                ),
            )
        })?;
        // Every form a UUID parses from is safe in a path, but check it like any ID.
        check_id(Setting::ConnectionId, "connection ID", s)?;
        Ok(Self {
            text: s.to_owned(),
            uuid,
        })
    }
}

impl std::fmt::Display for ConnectionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

impl Inner {
    /// The generated clients' state: the one retry policy and attempt timeout, with `auth`.
    pub(crate) fn state(&self, auth: Auth) -> ClientState {
        ClientState::new()
            .with_auth(auth)
            .with_retry(self.retry.clone())
            .with_limits(self.limits)
            .with_attempt_timeout(self.timeout)
    }

    /// The VPN client for project `id`: AK/SK credentials carry it, so it is the
    /// `X-Project-Id` that is signed.
    pub(crate) fn project(&self, id: String) -> Project {
        let auth = match &self.auth {
            Auth::AkSk(signer) => {
                Auth::aksk(signer.credentials().clone().with_project_id(id.as_str()))
            }
            token @ Auth::Token(_) => token.clone(),
        };
        Project {
            api: p2c_vpn_api::Client::new_with_client(
                &self.base_url,
                self.http.clone(),
                self.state(auth),
            ),
            id,
        }
    }
}
