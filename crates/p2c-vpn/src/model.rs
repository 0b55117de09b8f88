//! The data users handle: a [`Connection`] and a [`Page`] of them.
//!
//! [`Connection`] wraps the generated `p2c_vpn_api::types::Connection` (same fields, same
//! JSON) to add typed accessors and a `Debug` that hides the client's public IP, which
//! Huawei's own SDKs treat as sensitive.

use std::fmt;
use std::net::IpAddr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The generated model, for users who need the exact spec types.
pub use p2c_vpn_api::types as api;

/// One client connection of a P2C VPN gateway.
///
/// Every field of the spec has a typed accessor (`conn.inbound_bytes()`, ...);
/// serializes to exactly the API's JSON.
///
/// **Absent fields:** every accessor returns `None` when the service omitted the field or
/// sent a value outside the accessor's type (a negative counter, a masked IP address such as
/// `100.***.***.100`). The raw value, exactly as sent, stays reachable through
/// [`as_api`](Self::as_api).
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Connection(api::Connection);

impl Connection {
    /// The connection ID (a UUID), if the service sent one.
    pub fn connection_id(&self) -> Option<Uuid> {
        self.0.connection_id
    }

    /// When the client connected (`connection_established_time`).
    pub fn established_at(&self) -> Option<DateTime<Utc>> {
        self.0.connection_established_time.map(Into::into)
    }

    /// When the traffic counters were sampled (`timestamp`).
    pub fn observed_at(&self) -> Option<DateTime<Utc>> {
        self.0.timestamp.map(Into::into)
    }

    /// How long the client had been connected when the counters were sampled (`None`
    /// when either time is absent, or the sample is older than the connection).
    pub fn connected_for(&self) -> Option<std::time::Duration> {
        (self.observed_at()? - self.established_at()?).to_std().ok()
    }

    /// The client's public IP address (`client_ip`); `None` when masked (`100.***.***.100`).
    pub fn client_ip(&self) -> Option<IpAddr> {
        self.0.client_ip.as_deref()?.parse().ok()
    }

    /// The virtual IP assigned inside the VPN (`client_virtual_ip`); `None` when masked.
    pub fn client_virtual_ip(&self) -> Option<IpAddr> {
        self.0.client_virtual_ip.as_deref()?.parse().ok()
    }

    /// The client's user name (`client_user_name`).
    pub fn user_name(&self) -> Option<&str> {
        self.0.client_user_name.as_deref()
    }

    /// Bytes received from the client (`inbound_bytes`).
    pub fn inbound_bytes(&self) -> Option<u64> {
        counter(self.0.inbound_bytes)
    }

    /// Bytes sent to the client (`outbound_bytes`).
    pub fn outbound_bytes(&self) -> Option<u64> {
        counter(self.0.outbound_bytes)
    }

    /// Packets received from the client (`inbound_packets`).
    pub fn inbound_packets(&self) -> Option<u64> {
        counter(self.0.inbound_packets)
    }

    /// Packets sent to the client (`outbound_packets`).
    pub fn outbound_packets(&self) -> Option<u64> {
        counter(self.0.outbound_packets)
    }

    /// The generated model value.
    pub fn as_api(&self) -> &api::Connection {
        &self.0
    }

    /// Unwraps into the generated model value.
    pub fn into_api(self) -> api::Connection {
        self.0
    }
}

impl From<api::Connection> for Connection {
    fn from(inner: api::Connection) -> Self {
        Self(inner)
    }
}

impl From<Connection> for api::Connection {
    fn from(c: Connection) -> Self {
        c.0
    }
}

/// The one rule for counters: absent or negative is `None`.
fn counter(n: Option<i64>) -> Option<u64> {
    n.and_then(|n| u64::try_from(n).ok())
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &self.0;
        f.debug_struct("Connection")
            .field("connection_id", &c.connection_id)
            .field("client_user_name", &c.client_user_name)
            .field("client_virtual_ip", &c.client_virtual_ip)
            .field("client_ip", &c.client_ip.as_ref().map(|_| "[redacted]"))
            .field("inbound_packets", &c.inbound_packets)
            .field("outbound_packets", &c.outbound_packets)
            .field("inbound_bytes", &c.inbound_bytes)
            .field("outbound_bytes", &c.outbound_bytes)
            .field(
                "connection_established_time",
                &c.connection_established_time,
            )
            .field("timestamp", &c.timestamp)
            .finish()
    }
}

/// One page of a listing, as the API returned it.
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct Page {
    /// The connections on this page.
    pub connections: Vec<Connection>,
    /// The gateway's total number of connections, if the service said.
    pub total_count: Option<i64>,
    /// The request ID (the `X-Request-Id` header, else the body's `request_id`).
    pub request_id: Option<String>,
    /// Bytes of the response body (what a listing's
    /// [`max_bytes`](crate::ListingLimits::max_bytes) counts).
    pub body_bytes: u64,
}

impl Page {
    pub(crate) fn from_api(
        body: api::ListP2cVgwConnectionsResponse,
        header_id: Option<String>,
        body_bytes: u64,
    ) -> Self {
        Self {
            body_bytes,
            // Same layout on both sides, so this reuses the vector's allocation.
            connections: body.connections.into_iter().map(Connection).collect(),
            total_count: body.total_count,
            request_id: header_id.or(body.request_id),
        }
    }
}

/// A P2C VPN gateway, as `ListP2cVgws` and `ShowP2cVgw` return it.
///
/// Typed accessors for what operators use; every field of the spec through
/// [`as_api`](Self::as_api). Serializes to exactly the API's JSON.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Gateway(api::ShowResponseP2cVgw);

impl Gateway {
    /// The gateway ID.
    pub fn id(&self) -> Option<&str> {
        self.0.id.as_deref()
    }

    /// The gateway's name.
    pub fn name(&self) -> Option<&str> {
        self.0.name.as_deref()
    }

    /// The status (`ACTIVE`, `PENDING_CREATE`, `FAULT`, `FROZEN`, ...; open-ended).
    pub fn status(&self) -> Option<&str> {
        self.0.status.as_deref()
    }

    /// Client connections now (`current_connection_number`); `None` when absent or negative.
    pub fn current_connections(&self) -> Option<u64> {
        counter(self.0.current_connection_number)
    }

    /// The most concurrent client connections allowed (`max_connection_number`).
    pub fn max_connections(&self) -> Option<u64> {
        counter(self.0.max_connection_number)
    }

    /// When the gateway was created.
    pub fn created_at(&self) -> Option<DateTime<Utc>> {
        self.0.created_at.map(Into::into)
    }

    /// The generated model value.
    pub fn as_api(&self) -> &api::ShowResponseP2cVgw {
        &self.0
    }

    /// Unwraps into the generated model value.
    pub fn into_api(self) -> api::ShowResponseP2cVgw {
        self.0
    }
}

impl From<api::ShowResponseP2cVgw> for Gateway {
    fn from(inner: api::ShowResponseP2cVgw) -> Self {
        Self(inner)
    }
}

/// One page of gateways, as the API returned it.
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct GatewayPage {
    /// The gateways on this page.
    pub gateways: Vec<Gateway>,
    /// The project's total number of gateways, if the service said.
    pub total_count: Option<i64>,
    /// The marker of the next page (`page_info.next_marker`); `None` on the last page.
    pub next_marker: Option<String>,
    /// The request ID (the `X-Request-Id` header, else the body's `request_id`).
    pub request_id: Option<String>,
    /// Bytes of the response body.
    pub body_bytes: u64,
}

impl GatewayPage {
    pub(crate) fn from_api(
        body: api::ListP2cVgwsResponse,
        header_id: Option<String>,
        body_bytes: u64,
    ) -> Self {
        Self {
            body_bytes,
            gateways: body.p2c_vpn_gateways.into_iter().map(Gateway).collect(),
            total_count: body.total_count,
            next_marker: body
                .page_info
                .and_then(|p| p.next_marker)
                .filter(|m| !m.is_empty()),
            request_id: header_id.or(body.request_id),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Connection {
        serde_json::from_str(
            r#"{"connection_id":"10293371-114e-4d2a-878e-c6a616d0ec0e","client_virtual_ip":"36.***.***.149",
                "client_ip":"203.0.113.7","client_user_name":"alice","inbound_bytes":4185,
                "connection_established_time":"2024-06-17T02:58:27.213Z","timestamp":"2024-06-17T02:58:48Z"}"#,
        )
        .expect("valid")
    }

    #[test]
    fn accessors_type_the_fields() {
        let c = sample();
        assert_eq!(
            c.connection_id().map(|u| u.to_string()).as_deref(),
            Some("10293371-114e-4d2a-878e-c6a616d0ec0e")
        );
        assert_eq!(c.client_ip(), Some("203.0.113.7".parse().expect("ip")));
        assert_eq!(c.client_virtual_ip(), None, "masked");
        assert_eq!(c.user_name(), Some("alice"));
        assert_eq!(
            c.connected_for(),
            Some(std::time::Duration::from_millis(20_787))
        );
        assert_eq!(c.inbound_bytes(), Some(4185));
        assert_eq!(c.outbound_bytes(), None, "absent");
        assert_eq!(
            c.as_api().client_virtual_ip.as_deref(),
            Some("36.***.***.149")
        );
    }

    #[test]
    fn counters_outside_u64_are_none() {
        let mut api = sample().into_api();
        api.inbound_bytes = Some(-1);
        api.outbound_bytes = Some(i64::MAX);
        api.inbound_packets = Some(0);
        let c = Connection::from(api);
        assert_eq!(c.inbound_bytes(), None, "negative");
        assert_eq!(c.as_api().inbound_bytes, Some(-1), "raw value kept");
        assert_eq!(c.outbound_bytes(), Some(i64::MAX as u64));
        assert_eq!(c.inbound_packets(), Some(0));
        assert_eq!(c.outbound_packets(), None);
    }

    #[test]
    fn debug_hides_the_client_ip() {
        let shown = format!("{:?}", sample());
        assert!(!shown.contains("203.0.113.7"), "{shown}");
        assert!(
            shown.contains("[redacted]") && shown.contains("alice"),
            "{shown}"
        );
    }

    #[test]
    fn serializes_to_the_api_json() {
        let c = sample();
        let json = serde_json::to_value(&c).expect("serializes");
        assert_eq!(json["client_ip"], "203.0.113.7");
        assert_eq!(
            json["connection_established_time"],
            "2024-06-17T02:58:27.213Z"
        );
        assert_eq!(json["timestamp"], "2024-06-17T02:58:48Z");
    }
}
