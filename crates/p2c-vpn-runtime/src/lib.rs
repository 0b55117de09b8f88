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

pub mod disconnect;
pub mod sample;
pub mod select;
