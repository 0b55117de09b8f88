#![doc = include_str!("../README.md")]
#![warn(missing_docs)]
//!
//! ## Crate map
//!
//! [`Client`] / [`ClientBuilder`] (endpoint, credentials, timeouts, project lookup) →
//! [`ListGateways`], [`ListConnections`] (one page or a stream), [`Client::gateway`],
//! [`Client::disconnect`] → the generated `p2c_vpn_api` clients, whose hooks sign and retry.
//! [`Error`] is the one error type; [`Gateway`], [`Connection`] and their pages are the
//! data.

mod client;
mod error;
mod gateways;
mod list;
mod model;
mod region;

pub use client::{
    Client, ClientBuilder, DEFAULT_CONNECT_TIMEOUT, DEFAULT_OPERATION_TIMEOUT, DEFAULT_TIMEOUT,
    Disconnected, ENV_ENDPOINT, ENV_IAM_ENDPOINT, ENV_REGION, find_gateway,
};
pub use error::{Error, ErrorKind, Result};
pub use gateways::ListGateways;
pub use list::{
    DEFAULT_MAX_PAGES, DEFAULT_MAX_RECORDS, DEFAULT_PAGE_SIZE, DEFAULT_READ_AHEAD, ListConnections,
};
pub use model::{Connection, Gateway, GatewayPage, Page, api};
pub use p2c_vpn_api::RetryConfig;
/// TLS is rustls with the `ring` provider, installed by [`ClientBuilder::build`]; call this
/// before building a [`reqwest::Client`] of your own before any p2c-vpn client exists.
pub use p2c_vpn_api::install_crypto_provider;
pub use p2c_vpn_api::{
    DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_JSON_VALUES, LimitExceeded, ResponseLimits,
};
pub use p2c_vpn_auth::{Credentials, CredentialsChain, CredentialsError};
pub use region::{REGIONS, endpoint as region_endpoint};
/// The HTTP client crate of the public API ([`ClientBuilder::http_client`],
/// [`Error::status`]), so callers use the very version this crate was built with.
pub use reqwest;
pub use reqwest::StatusCode;

// The other crates whose types appear in this crate's API, re-exported for the same reason
// (`cargo xtask public-api` checks that nothing foreign is left out: xtask/tests/it/public_api.rs).
/// Times: [`Connection::established_at`], [`Connection::connected_for`], [`Gateway::created_at`].
pub use chrono;
/// Streams: [`ListConnections::stream`], [`ListGateways::pages`] (`futures::stream::BoxStream`).
pub use futures;
/// [`Connection`], [`Gateway`] and the [`api`] types implement its `Serialize`/`Deserialize`.
pub use serde;
/// IDs: [`Connection::connection_id`].
pub use uuid;

/// The workspace README's Rust examples, compiled as doctests so they stay true.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct WorkspaceReadme;
