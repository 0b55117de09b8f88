//! Selecting connections: by ID, user name, client IP (plain or masked) and age.
//!
//! A [`Selector`] combines its criteria with AND; several values of one criterion match any
//! of them. A selector without criteria matches nothing ([`Selector::new`]) or everything
//! ([`Selector::all`]), so a bulk disconnect never takes everyone by accident.
//!
//! ```
//! use std::time::Duration;
//! use p2c_vpn_runtime::select::{ClientIp, Selector};
//!
//! // alice's connections from 203.0.113.7, connected for more than 8 hours.
//! let selector = Selector::new()
//!     .user("alice")
//!     .client_ip("203.0.113.7".parse::<ClientIp>()?)
//!     .connected_longer_than(Duration::from_secs(8 * 3600));
//!
//! let conn: p2c_vpn::Connection = serde_json_connection();
//! assert!(selector.matches(&conn));
//! assert!(!Selector::new().matches(&conn), "an empty selector matches nothing");
//! assert!(Selector::all().matches(&conn));
//! # fn serde_json_connection() -> p2c_vpn::Connection {
//! #     let mut c = p2c_vpn::api::Connection::default();
//! #     c.client_user_name = Some("alice".into());
//! #     c.client_ip = Some("203.0.113.7".into());
//! #     c.connection_established_time = Some("2024-06-17T00:00:00Z".parse().unwrap());
//! #     c.timestamp = Some("2024-06-17T10:00:00Z".parse().unwrap());
//! #     c.into()
//! # }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Masked addresses
//!
//! Huawei's documentation shows `client_ip` and `client_virtual_ip` masked, the middle two
//! octets of an IPv4 address replaced by `***`: `100.***.***.100`. A service that masks
//! addresses never shows the real one, so a real address cannot match a masked one.
//! [`ClientIp`] accepts both forms: a real address matches the same address (however the
//! service writes it), a masked one matches the text the service prints, exactly.
//! [`Selector::masked_mismatch`] tells when a real address was asked for but the service
//! masks, so the caller can say so instead of "nothing matched".

use std::collections::HashSet;
use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;
use std::time::Duration;

use p2c_vpn::Connection;

/// A connection ID as given: validated as a UUID, kept exactly as written (the library's
/// type, which [`p2c_vpn::Client::disconnect`] takes).
pub use p2c_vpn::ConnectionId;

/// Why a [`ClientIp`] did not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    message: String,
}

impl ParseError {
    fn new(what: &str, input: &str, why: impl fmt::Display) -> Self {
        let shown: String = input
            .chars()
            .take(64)
            .flat_map(char::escape_default)
            .collect();
        Self {
            message: format!("invalid {what} \"{shown}\": {why}"),
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ParseError {}

/// A client IP address to select: a real address, or the masked form the service prints
/// (`100.***.***.100`).
///
/// ```
/// use p2c_vpn_runtime::select::ClientIp;
///
/// let real: ClientIp = "203.0.113.7".parse()?;
/// assert!(real.matches("203.0.113.7") && !real.matches("203.***.***.7"));
/// let masked: ClientIp = "100.***.***.100".parse()?;
/// assert!(masked.is_masked());
/// assert!(masked.matches("100.***.***.100") && !masked.matches("100.1.2.100"));
/// assert!("100.***.2.100".parse::<ClientIp>().is_err());
/// # Ok::<(), p2c_vpn_runtime::select::ParseError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ClientIp {
    /// A real address: matches a connection whose address parses to it.
    Addr(IpAddr),
    /// A masked address, in its canonical text (`100.***.***.100`): matches that text.
    Masked(String),
}

impl ClientIp {
    /// Whether this is the masked form.
    pub fn is_masked(&self) -> bool {
        matches!(self, Self::Masked(_))
    }

    /// Whether `value`, an address as the service wrote it, is this one.
    pub fn matches(&self, value: &str) -> bool {
        match self {
            Self::Addr(ip) => value.trim().parse::<IpAddr>().is_ok_and(|v| v == *ip),
            Self::Masked(text) => value.trim() == text,
        }
    }
}

impl FromStr for ClientIp {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, ParseError> {
        if let Ok(ip) = s.parse::<IpAddr>() {
            return Ok(Self::Addr(ip));
        }
        if is_masked(s) {
            return Ok(Self::Masked(s.to_owned()));
        }
        Err(ParseError::new(
            "client IP",
            s,
            "expected an IP address (203.0.113.7, 2001:db8::1) or the masked form the \
             service prints (100.***.***.100)",
        ))
    }
}

impl fmt::Display for ClientIp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Addr(ip) => ip.fmt(f),
            Self::Masked(text) => f.write_str(text),
        }
    }
}

/// Whether `value` is an address in Huawei's masked form: four dot-separated parts, the
/// first and last a decimal octet (0-255), the middle two `***` (`100.***.***.100`).
///
/// ```
/// use p2c_vpn_runtime::select::is_masked;
/// assert!(is_masked("100.***.***.100"));
/// assert!(!is_masked("100.64.0.100") && !is_masked("***.***.***.***"));
/// ```
pub fn is_masked(value: &str) -> bool {
    let octet = |p: &str| {
        !p.is_empty()
            && p.len() <= 3
            && p.bytes().all(|b| b.is_ascii_digit())
            && p.parse::<u8>().is_ok()
    };
    let parts: Vec<&str> = value.split('.').collect();
    matches!(parts.as_slice(), [a, "***", "***", d] if octet(a) && octet(d))
}

/// Which connections to act on: criteria combined with AND; several values of one
/// criterion match any of them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selector {
    ids: Vec<ConnectionId>,
    users: HashSet<String>,
    client_ips: Vec<ClientIp>,
    connected_longer_than: Option<Duration>,
    all: bool,
}

impl Selector {
    /// A selector without criteria: matches nothing until one is added.
    pub fn new() -> Self {
        Self::default()
    }

    /// Matches every connection; criteria added to it narrow it down.
    pub fn all() -> Self {
        Self {
            all: true,
            ..Self::default()
        }
    }

    /// Adds a connection ID (matched by UUID value, sent as given).
    pub fn connection_id(mut self, id: impl Into<ConnectionId>) -> Self {
        let id = id.into();
        if !self.ids.contains(&id) {
            self.ids.push(id);
        }
        self
    }

    /// Adds a client user name (`client_user_name`, exact).
    pub fn user(mut self, user: impl Into<String>) -> Self {
        self.users.insert(user.into());
        self
    }

    /// Adds client user names.
    pub fn users<I, S>(self, users: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        users.into_iter().fold(self, Self::user)
    }

    /// Adds a client IP (`client_ip`), real or masked.
    pub fn client_ip(mut self, ip: impl Into<ClientIp>) -> Self {
        let ip = ip.into();
        if !self.client_ips.contains(&ip) {
            self.client_ips.push(ip);
        }
        self
    }

    /// Keeps connections connected for longer than `min` (see [`Connection::connected_for`]; a
    /// connection whose age is unknown does not match).
    pub fn connected_longer_than(mut self, min: Duration) -> Self {
        self.connected_longer_than = Some(min);
        self
    }

    /// The connection IDs given, in order, once each.
    pub fn connection_ids(&self) -> &[ConnectionId] {
        &self.ids
    }

    /// Whether no criterion is set (then it matches everything for [`Selector::all`],
    /// nothing otherwise).
    pub fn has_criteria(&self) -> bool {
        !self.ids.is_empty()
            || !self.users.is_empty()
            || !self.client_ips.is_empty()
            || self.connected_longer_than.is_some()
    }

    /// Whether this selector matches nothing whatever the connections.
    pub fn is_empty(&self) -> bool {
        !self.all && !self.has_criteria()
    }

    /// Whether connection IDs are the only criterion (an ID the listing does not show may
    /// then still be sent: the service says whether it is connected).
    pub fn ids_only(&self) -> bool {
        !self.ids.is_empty()
            && self.users.is_empty()
            && self.client_ips.is_empty()
            && self.connected_longer_than.is_none()
    }

    /// Whether `c` matches every criterion.
    pub fn matches(&self, c: &Connection) -> bool {
        if !self.has_criteria() {
            return self.all;
        }
        let id = self.ids.is_empty()
            || c.connection_id()
                .is_some_and(|id| self.ids.iter().any(|s| s.uuid() == id));
        let user = self.users.is_empty() || c.user_name().is_some_and(|u| self.users.contains(u));
        let ip = self.client_ips.is_empty()
            || c.as_api()
                .client_ip
                .as_deref()
                .is_some_and(|v| self.client_ips.iter().any(|s| s.matches(v)));
        let age = self
            .connected_longer_than
            .is_none_or(|min| c.connected_for().is_some_and(|d| d > min));
        id && user && ip && age
    }

    /// The given ID that names `c`, if any (to send it as written).
    pub fn given_id(&self, c: &Connection) -> Option<&ConnectionId> {
        let id = c.connection_id()?;
        self.ids.iter().find(|s| s.uuid() == id)
    }

    /// Whether a real client IP was asked for while the service masks addresses: some of
    /// `listed` have a masked `client_ip` and none of them matches. Say so rather than
    /// "nothing to do": a masked address never equals a real one.
    pub fn masked_mismatch(&self, listed: &[Connection]) -> bool {
        self.client_ips.iter().any(|ip| !ip.is_masked())
            && listed
                .iter()
                .any(|c| c.as_api().client_ip.as_deref().is_some_and(is_masked))
            && !listed.iter().any(|c| self.matches(c))
    }
}

impl From<IpAddr> for ClientIp {
    fn from(ip: IpAddr) -> Self {
        Self::Addr(ip)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn conn(id: u128, user: &str, ip: &str, minutes: i64) -> Connection {
        let mut c = p2c_vpn::api::Connection::default();
        let established: chrono::DateTime<chrono::Utc> =
            "2024-06-17T00:00:00Z".parse().expect("time");
        c.connection_id = Some(Uuid::from_u128(id));
        c.client_user_name = Some(user.to_owned());
        c.client_ip = Some(ip.to_owned());
        c.connection_established_time = Some(established.into());
        c.timestamp = Some((established + chrono::Duration::minutes(minutes)).into());
        c.into()
    }

    fn pick(s: &Selector, all: &[Connection]) -> Vec<u128> {
        all.iter()
            .filter(|c| s.matches(c))
            .map(|c| c.connection_id().expect("id").as_u128())
            .collect()
    }

    fn sample() -> Vec<Connection> {
        vec![
            conn(1, "alice", "203.0.113.7", 600),
            conn(2, "alice", "203.0.113.8", 5),
            conn(3, "bob", "203.0.113.7", 600),
            conn(4, "carol", "100.***.***.100", 60),
        ]
    }

    #[test]
    fn empty_matches_nothing_and_all_everything() {
        let all = sample();
        assert!(pick(&Selector::new(), &all).is_empty());
        assert!(Selector::new().is_empty());
        assert_eq!(pick(&Selector::all(), &all), [1, 2, 3, 4]);
        assert_eq!(pick(&Selector::all().user("bob"), &all), [3]);
    }

    #[test]
    fn by_user() {
        let all = sample();
        assert_eq!(pick(&Selector::new().user("alice"), &all), [1, 2]);
        assert_eq!(
            pick(&Selector::new().users(["alice", "bob"]), &all),
            [1, 2, 3]
        );
        assert!(pick(&Selector::new().user("Alice"), &all).is_empty());
    }

    #[test]
    fn by_client_ip_plain_and_masked() {
        let all = sample();
        let ip = |s: &str| s.parse::<ClientIp>().expect("ip");
        assert_eq!(
            pick(&Selector::new().client_ip(ip("203.0.113.7")), &all),
            [1, 3]
        );
        assert_eq!(
            pick(&Selector::new().client_ip(ip("100.***.***.100")), &all),
            [4]
        );
        // A real address never matches a masked one, even with the same visible octets.
        assert!(pick(&Selector::new().client_ip(ip("100.1.2.100")), &all).is_empty());
        for bad in [
            "",
            "100.***.***",
            "100.**.***.100",
            "300.***.***.1",
            "a.b.c.d",
            "1.2.3",
        ] {
            assert!(bad.parse::<ClientIp>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn by_age() {
        let all = sample();
        let s = Selector::new().connected_longer_than(Duration::from_secs(3600));
        assert_eq!(pick(&s, &all), [1, 3]);
        // Exactly the limit is not longer than it.
        let s = Selector::new().connected_longer_than(Duration::from_secs(60 * 60 - 1));
        assert_eq!(pick(&s, &all), [1, 3, 4]);
        // Unknown age never matches.
        let mut c = p2c_vpn::api::Connection::default();
        c.connection_id = Some(Uuid::from_u128(9));
        assert!(!s.matches(&c.into()));
    }

    #[test]
    fn by_id_kept_as_written() {
        let all = sample();
        let upper: ConnectionId = Uuid::from_u128(2)
            .hyphenated()
            .to_string()
            .to_uppercase()
            .parse()
            .expect("id");
        let s = Selector::new()
            .connection_id(upper.clone())
            .connection_id(Uuid::from_u128(3));
        assert_eq!(pick(&s, &all), [2, 3]);
        assert!(s.ids_only());
        assert_eq!(
            s.given_id(&all[1]).map(ConnectionId::as_str),
            Some(upper.as_str())
        );
        assert!(!s.clone().user("alice").ids_only());
        for bad in ["", "not-a-uuid", "2c3a47e2-5b7d-4e0a-9f51-0b6a6c2d9e1"] {
            assert!(bad.parse::<ConnectionId>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn criteria_combine_with_and() {
        let all = sample();
        let s = Selector::new()
            .user("alice")
            .connected_longer_than(Duration::from_secs(3600));
        assert_eq!(pick(&s, &all), [1]);
        let s = Selector::new()
            .user("alice")
            .client_ip("203.0.113.7".parse::<ClientIp>().expect("ip"));
        assert_eq!(pick(&s, &all), [1]);
    }

    #[test]
    fn masked_mismatch_only_for_a_real_address_against_masked_data() {
        let masked = vec![conn(4, "carol", "100.***.***.100", 60)];
        let plain = vec![conn(1, "alice", "203.0.113.7", 60)];
        let real = Selector::new().client_ip("100.1.2.100".parse::<ClientIp>().expect("ip"));
        assert!(real.masked_mismatch(&masked));
        assert!(!real.masked_mismatch(&plain));
        let as_printed =
            Selector::new().client_ip("100.***.***.100".parse::<ClientIp>().expect("ip"));
        assert!(!as_printed.masked_mismatch(&masked));
        assert!(!Selector::new().user("carol").masked_mismatch(&masked));
    }
}
