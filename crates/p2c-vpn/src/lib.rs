#![doc = include_str!("../README.md")]
#![warn(missing_docs)]
//!
//! ## Crate map
//!
//! [`ClientBuilder`] (`builder.rs`: endpoint, credentials, timeouts, caps) → [`Client`]
//! (`client.rs`; the project lookup in `project.rs`, gateway names in `names.rs`) →
//! [`ListGateways`], [`ListConnections`] (one page or a stream, on the safeguards of
//! `pager.rs`), [`Client::gateway`], [`Client::disconnect`], [`Client::log_config`] (and
//! setting or deleting it, `log_config.rs`) → `execute.rs`, the one request
//! path → the generated `p2c_vpn_api` clients, whose hooks sign and retry.
//! [`Error`] is the one error type; [`Gateway`], [`Connection`] and their pages are the
//! data.

mod builder;
mod client;
mod error;
mod execute;
mod gateways;
mod list;
mod log_config;
mod model;
mod names;
mod pager;
mod project;
mod region;

pub use builder::{
    ClientBuilder, DEFAULT_CONCURRENCY, DEFAULT_CONNECT_TIMEOUT, DEFAULT_OPERATION_TIMEOUT,
    DEFAULT_TIMEOUT, ENV_ENDPOINT, ENV_IAM_ENDPOINT, ENV_REGION,
};
pub use client::{Client, ConnectionId, Disconnected};
pub use error::{Error, ErrorKind, Hint, ListingLimit, Result, Setting};
pub use gateways::ListGateways;
pub use list::{DEFAULT_PAGE_SIZE, DEFAULT_READ_AHEAD, ListConnections};
pub use log_config::LogConfig;
pub use model::{Connection, Gateway, GatewayPage, Page, api};
pub use names::{DEFAULT_NAME_TTL, find_gateway, gateway_labels, is_gateway_id};
pub use p2c_vpn_api::RetryConfig;
/// TLS is rustls with the `ring` provider, installed by [`ClientBuilder::build`]; call this
/// before building a [`reqwest::Client`] of your own before any p2c-vpn client exists.
pub use p2c_vpn_api::install_crypto_provider;
/// The API's parameter ranges (`limit`, `offset`) and the request-ID header, each defined
/// once (front ends take their flag ranges from here).
pub use p2c_vpn_api::params;
pub use p2c_vpn_api::{
    DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_JSON_VALUES, LimitExceeded, ResponseLimits,
};
pub use p2c_vpn_auth::{Credentials, CredentialsChain, CredentialsError};
/// The environment variables of the credentials chain.
pub use p2c_vpn_auth::{ENV_AK, ENV_CREDENTIALS_FILE, ENV_PROJECT_ID, ENV_SECURITY_TOKEN, ENV_SK};
pub use pager::{
    DEFAULT_MAX_BYTES, DEFAULT_MAX_MARKER_BYTES, DEFAULT_MAX_PAGES, DEFAULT_MAX_RECORDS,
    ListingLimits,
};
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
