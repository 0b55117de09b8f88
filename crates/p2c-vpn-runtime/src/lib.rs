#![doc = include_str!("../README.md")]
#![warn(missing_docs)]
//!
//! ## Modules
//!
//! - [`select`]: [`Selector`](select::Selector) (user, client IP plain or masked,
//!   connected longer than, connection IDs), [`ConnectionId`](select::ConnectionId),
//!   [`ClientIp`](select::ClientIp).
//! - [`disconnect`]: [`plan`](disconnect::plan) (the dry run),
//!   [`Plan::execute`](disconnect::Plan::execute), one
//!   [`Outcome`](disconnect::Outcome) per connection.
//! - [`sample`]: [`Sampler`](sample::Sampler): rates, baseline / new / update / dropped
//!   events, failed polls kept apart.
//! - [`watch`]: [`Watch`](watch::Watch): several gateways polled every interval, each on
//!   its own deadline, as a stream of [`Tick`](watch::Tick)s.

pub mod disconnect;
pub mod sample;
pub mod select;
pub mod watch;

/// The mock's README example (a user's test against `p2c-vpn-mock`), compiled as a doctest
/// here, where `p2c-vpn` and the mock are both at hand, so it stays true.
#[cfg(doctest)]
#[doc = include_str!("../../p2c-vpn-mock/README.md")]
struct MockReadme;
