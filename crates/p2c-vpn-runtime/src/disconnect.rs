//! Bulk disconnect: the connections of one gateway that a [`Selector`] matches, planned
//! first (a dry run is the plan alone), then disconnected a few at a time with one
//! [`Outcome`] per connection.
//!
//! ```no_run
//! use futures::StreamExt as _;
//! use p2c_vpn_runtime::disconnect::{self, Summary};
//! use p2c_vpn_runtime::select::Selector;
//!
//! # async fn run(client: p2c_vpn::Client) -> p2c_vpn::Result<()> {
//! let plan = disconnect::plan(&client, "office", &Selector::new().user("alice")).await?;
//! println!("gateway {}: {} of {} connections match", plan.gateway_id(), plan.targets().len(), plan.listed());
//! // Dry run: stop here. Otherwise:
//! let mut summary = Summary::default();
//! let mut reports = plan.execute(&client, disconnect::DEFAULT_CONCURRENCY);
//! while let Some(report) = reports.next().await {
//!     println!("{:?}: {}", report.target.id().map(|id| id.as_str()), report.outcome);
//!     summary.add(&report.outcome);
//! }
//! assert_eq!(summary.failed, 0);
//! # Ok(()) }
//! ```
//!
//! # What is sent
//!
//! Every request goes to the gateway ID the plan shows ([`Plan::gateway_id`]), resolved
//! once. A connection named by an ID the caller gave is sent that ID as written (validated
//! as a UUID, never rewritten); other matches are sent the ID of the listing. A matching
//! connection the service listed without an ID cannot be named in a request: it is
//! [`Outcome::NoId`], a failure.

use std::fmt;

use futures::StreamExt as _;
use futures::stream::BoxStream;
use p2c_vpn::{Client, Connection, Disconnected, ErrorKind, StatusCode};

use crate::select::{ConnectionId, Selector};

/// Disconnects in flight at once by default.
pub const DEFAULT_CONCURRENCY: usize = 4;

/// One connection to disconnect.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Target {
    /// A connection of the listing that matched.
    Listed {
        /// The connection as listed.
        connection: Box<Connection>,
        /// The ID to send: as the caller wrote it when it named this connection, else the
        /// listing's; `None` when the service gave none.
        id: Option<ConnectionId>,
    },
    /// An ID the caller gave that the listing does not show.
    Unlisted {
        /// The ID, as written.
        id: ConnectionId,
        /// Whether it is sent anyway: only when IDs are the only criterion (the service
        /// says whether it is connected); with other criteria it cannot match them.
        send: bool,
    },
}

impl Target {
    /// The ID that is (or would be) sent.
    pub fn id(&self) -> Option<&ConnectionId> {
        match self {
            Self::Listed { id, .. } => id.as_ref(),
            Self::Unlisted { id, .. } => Some(id),
        }
    }

    /// The listed connection, if any.
    pub fn connection(&self) -> Option<&Connection> {
        match self {
            Self::Listed { connection, .. } => Some(connection),
            Self::Unlisted { .. } => None,
        }
    }

    /// Whether a disconnect request is sent for it.
    pub fn is_sent(&self) -> bool {
        match self {
            Self::Listed { id, .. } => id.is_some(),
            Self::Unlisted { send, .. } => *send,
        }
    }
}

/// What happened to one connection.
#[derive(Debug)]
#[non_exhaustive]
pub enum Outcome {
    /// Disconnected by this request.
    Disconnected {
        /// The request ID of the disconnect.
        request_id: Option<String>,
    },
    /// The service says it was not connected (404 on the first attempt, on a gateway that
    /// exists).
    AlreadyGone {
        /// The request ID of the refused disconnect.
        request_id: Option<String>,
    },
    /// An ID given with other criteria that the listing does not show: not sent.
    NotListed,
    /// The service listed the connection without an ID: it cannot be named in a request.
    /// A failure.
    NoId,
    /// The request may or may not have been applied: it timed out or lost its connection
    /// after being sent, or a retry got 404 after an earlier attempt whose answer was lost
    /// (that attempt probably disconnected it), or the library gave an answer this
    /// version does not know (`error` is then `None`). A failure: look again before
    /// retrying.
    Unknown {
        /// What went wrong.
        error: Option<p2c_vpn::Error>,
    },
    /// The request failed.
    Failed(p2c_vpn::Error),
}

impl Outcome {
    /// Classifies the answer of [`Client::disconnect`].
    pub fn from_result(result: p2c_vpn::Result<Disconnected>) -> Self {
        match result {
            Ok(Disconnected::Disconnected { request_id }) => Self::Disconnected { request_id },
            Ok(Disconnected::AlreadyGone { request_id }) => Self::AlreadyGone { request_id },
            // Gone after a retry: perhaps by this command's first attempt.
            Ok(Disconnected::Unconfirmed { .. }) => Self::Unknown { error: None },
            // A future answer this version does not know: say nothing false.
            Ok(_) => Self::Unknown { error: None },
            Err(e) if e.status() == Some(StatusCode::NOT_FOUND) && e.attempts() > 1 => {
                Self::Unknown { error: Some(e) }
            }
            Err(e)
                if e.attempts() > 0
                    && matches!(e.kind(), ErrorKind::Timeout | ErrorKind::Network) =>
            {
                Self::Unknown { error: Some(e) }
            }
            Err(e) => Self::Failed(e),
        }
    }

    /// Whether this counts as a failure: [`NoId`](Self::NoId), [`Unknown`](Self::Unknown)
    /// and [`Failed`](Self::Failed).
    pub fn is_failure(&self) -> bool {
        matches!(self, Self::NoId | Self::Unknown { .. } | Self::Failed(_))
    }

    /// The error, for [`Unknown`](Self::Unknown) and [`Failed`](Self::Failed).
    pub fn error(&self) -> Option<&p2c_vpn::Error> {
        match self {
            Self::Unknown { error } => error.as_ref(),
            Self::Failed(e) => Some(e),
            _ => None,
        }
    }
}

impl fmt::Display for Outcome {
    /// `disconnected`, `already gone`, `not connected (not in the gateway's connections)`,
    /// `cannot disconnect: the service gave no ID`, `outcome unknown: …`, `failed: …`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Disconnected { .. } => f.write_str("disconnected"),
            Self::AlreadyGone { .. } => f.write_str("already gone"),
            Self::NotListed => f.write_str("not connected (not in the gateway's connections)"),
            Self::NoId => f.write_str("cannot disconnect: the service gave no ID"),
            Self::Unknown { error: Some(e) } => write!(f, "outcome unknown: {e}"),
            Self::Unknown { error: None } => f.write_str("outcome unknown"),
            Self::Failed(e) => write!(f, "failed: {e}"),
        }
    }
}

/// One connection's outcome.
#[derive(Debug)]
#[non_exhaustive]
pub struct Report<'a> {
    /// The connection.
    pub target: &'a Target,
    /// What happened.
    pub outcome: Outcome,
}

/// Counts of outcomes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Summary {
    /// [`Outcome::Disconnected`].
    pub disconnected: usize,
    /// [`Outcome::AlreadyGone`] and [`Outcome::NotListed`].
    pub already_gone: usize,
    /// [`Outcome::is_failure`].
    pub failed: usize,
}

impl Summary {
    /// Counts `outcome`.
    pub fn add(&mut self, outcome: &Outcome) {
        match outcome {
            Outcome::Disconnected { .. } => self.disconnected += 1,
            Outcome::AlreadyGone { .. } | Outcome::NotListed => self.already_gone += 1,
            _ => self.failed += 1,
        }
    }
}

/// What a bulk disconnect would do: the gateway, and the matching connections.
#[derive(Debug, Clone)]
pub struct Plan {
    gateway_id: String,
    gateway_name: Option<String>,
    listed: usize,
    targets: Vec<Target>,
    masked_mismatch: bool,
}

impl Plan {
    /// The ID every request goes to.
    pub fn gateway_id(&self) -> &str {
        &self.gateway_id
    }

    /// The gateway's name, when the service's answer for [`gateway_id`](Self::gateway_id)
    /// gave one (an answer about another ID is not believed).
    pub fn gateway_name(&self) -> Option<&str> {
        self.gateway_name.as_deref()
    }

    /// How many connections the gateway listed.
    pub fn listed(&self) -> usize {
        self.listed
    }

    /// The matching connections (listing order), then the given IDs the listing does not
    /// show (in the order given).
    pub fn targets(&self) -> &[Target] {
        &self.targets
    }

    /// How many disconnect requests [`execute`](Self::execute) sends.
    pub fn to_send(&self) -> usize {
        self.targets.iter().filter(|t| t.is_sent()).count()
    }

    /// Whether a real client IP was asked for while the service masks addresses (see
    /// [`Selector::masked_mismatch`]): nothing can match, say so.
    pub fn masked_mismatch(&self) -> bool {
        self.masked_mismatch
    }

    /// Disconnects the targets, `concurrency` at a time (at least 1); reports come in
    /// the order of [`targets`](Self::targets).
    pub fn execute<'a>(
        &'a self,
        client: &'a Client,
        concurrency: usize,
    ) -> BoxStream<'a, Report<'a>> {
        let gateway = self.gateway_id.as_str();
        futures::stream::iter(self.targets.iter().map(move |target| async move {
            let outcome = match target {
                Target::Unlisted { send: false, .. } => Outcome::NotListed,
                Target::Listed { id: None, .. } => Outcome::NoId,
                Target::Listed { id: Some(id), .. } | Target::Unlisted { id, .. } => {
                    Outcome::from_result(client.disconnect(gateway, id).await)
                }
            };
            Report { target, outcome }
        }))
        .buffered(concurrency.max(1))
        .boxed()
    }
}

/// Looks the gateway up (by ID or name), lists its connections and keeps those `selector`
/// matches, plus the IDs it names that the listing does not show.
///
/// Nothing is disconnected: this is the dry run. An empty selector plans nothing.
pub async fn plan(client: &Client, gateway: &str, selector: &Selector) -> p2c_vpn::Result<Plan> {
    let found = client.gateway(gateway).await?;
    let gateway_id = client.resolve_gateway(gateway).await?;
    let gateway_name = name_for(&gateway_id, &found);
    let connections = client
        .connections(gateway_id.as_str())
        .collect_all()
        .await?;
    Ok(plan_from(gateway_id, gateway_name, &connections, selector))
}

/// The name `found` gives, if it is about `gateway_id`: a `ShowP2cVgw` answer about another
/// gateway never names the one the requests go to.
fn name_for(gateway_id: &str, found: &p2c_vpn::Gateway) -> Option<String> {
    match found.id() {
        Some(id) if id == gateway_id => found.name().map(str::to_owned),
        _ => None,
    }
}

/// [`plan`] over a listing already fetched.
pub fn plan_from(
    gateway_id: String,
    gateway_name: Option<String>,
    connections: &[Connection],
    selector: &Selector,
) -> Plan {
    let mut targets: Vec<Target> = connections
        .iter()
        .filter(|c| selector.matches(c))
        .map(|c| Target::Listed {
            id: selector
                .given_id(c)
                .cloned()
                .or_else(|| c.connection_id().map(ConnectionId::from)),
            connection: Box::new(c.clone()),
        })
        .collect();
    let send = selector.ids_only();
    targets.extend(
        selector
            .connection_ids()
            .iter()
            .filter(|id| {
                !connections
                    .iter()
                    .any(|c| c.connection_id() == Some(id.uuid()))
            })
            .map(|id| Target::Unlisted {
                id: id.clone(),
                send,
            }),
    );
    Plan {
        gateway_id,
        gateway_name,
        listed: connections.len(),
        masked_mismatch: selector.masked_mismatch(connections),
        targets,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gateway(id: &str, name: &str) -> p2c_vpn::Gateway {
        let mut g = p2c_vpn::api::ShowResponseP2cVgw::default();
        g.id = Some(id.to_owned());
        g.name = Some(name.to_owned());
        g.into()
    }

    #[test]
    fn an_answer_about_another_gateway_names_nothing() {
        let asked = "11111111-1111-4111-8111-111111111111";
        assert_eq!(
            name_for(asked, &gateway(asked, "office")).as_deref(),
            Some("office")
        );
        let other = gateway(
            "22222222-2222-4222-8222-222222222222",
            "TOTALLY-DIFFERENT-gw",
        );
        assert_eq!(name_for(asked, &other), None);
        let plan = plan_from(
            asked.to_owned(),
            name_for(asked, &other),
            &[],
            &Selector::all(),
        );
        assert_eq!((plan.gateway_id(), plan.gateway_name()), (asked, None));
    }

    #[test]
    fn outcomes_of_the_library_answers() {
        let done = Outcome::from_result(Ok(Disconnected::Disconnected { request_id: None }));
        assert!(matches!(done, Outcome::Disconnected { .. }) && !done.is_failure());
        let gone = Outcome::from_result(Ok(Disconnected::AlreadyGone { request_id: None }));
        assert!(matches!(gone, Outcome::AlreadyGone { .. }) && !gone.is_failure());
        let mut summary = Summary::default();
        for o in [&done, &gone, &Outcome::NotListed, &Outcome::NoId] {
            summary.add(o);
        }
        assert_eq!(
            (summary.disconnected, summary.already_gone, summary.failed),
            (1, 2, 1)
        );
        assert_eq!(
            Outcome::NotListed.to_string(),
            "not connected (not in the gateway's connections)"
        );
    }
}
