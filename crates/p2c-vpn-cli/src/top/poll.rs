//! The network side of `top`: gateways' maximums, one poll of every gateway, disconnects.
//!
//! [`poll_all`] is the whole poll (one listing per gateway, a few at a time); the event loop
//! runs one at a time, so polls never overlap. It is the one function to replace with the
//! runtime's per-gateway polling when that lands.

use futures::StreamExt as _;
use p2c_vpn::{Client, Connection};
use p2c_vpn_runtime::disconnect::{self, Outcome};
use p2c_vpn_runtime::select::{ConnectionId, Selector};

use super::app::{Gateway, Target};
use crate::connect::{self, Fetch, GatewayRef};
use crate::error;
use crate::sanitize;

/// The gateways to show, with their maximums: from the listing of every gateway, else
/// looked up once each (a failure leaves the maximum unknown; the polls report it).
pub async fn gateways(client: &Client, refs: Vec<GatewayRef>) -> Vec<Gateway> {
    futures::stream::iter(refs.into_iter().map(|g| async move {
        let (id, max) = match &g.known {
            Some(known) => known.clone(),
            None => match client.gateway(&g.lookup).await {
                Ok(found) => (
                    found.id().unwrap_or(&g.lookup).to_owned(),
                    found.max_connections(),
                ),
                Err(_) => (g.lookup.clone(), None),
            },
        };
        Gateway::new(id, g.label, g.lookup, max)
    }))
    .buffered(connect::CONCURRENCY)
    .collect()
    .await
}

/// One poll of `lookups` (every page of each): per gateway, in order, its connections or
/// why the poll failed (in the CLI's words).
pub async fn poll_all(
    client: &Client,
    lookups: &[String],
    page_size: u32,
) -> Vec<Result<Vec<Connection>, String>> {
    let how = Fetch::All {
        page_size,
        offset: None,
    };
    connect::fetch_many_resolved(client, lookups, how)
        .await
        .into_iter()
        .map(|r| {
            r.map(|(_, f)| f.connections)
                .map_err(|e| error::describe(&e))
        })
        .collect()
}

/// Disconnects `targets` through `p2c_vpn_runtime::disconnect` (a plan per gateway over
/// the connections as shown, by connection ID): one line per connection, safe to show.
pub async fn disconnect(client: &Client, targets: Vec<Target>) -> Vec<String> {
    let mut by_gateway: Vec<(String, String, Vec<Target>)> = Vec::new();
    for t in targets {
        match by_gateway.iter_mut().find(|(id, _, _)| *id == t.gateway_id) {
            Some((_, _, list)) => list.push(t),
            None => by_gateway.push((t.gateway_id.clone(), t.gateway_label.clone(), vec![t])),
        }
    }
    let mut lines = Vec::new();
    for (gateway_id, label, targets) in by_gateway {
        let mut selector = Selector::new();
        let mut listed = Vec::new();
        for t in &targets {
            match t.conn.connection_id() {
                Some(id) => {
                    selector = selector.connection_id(ConnectionId::from(id));
                    listed.push(t.conn.clone());
                }
                None => lines.push(format!("{}: {}", t.describe(), Outcome::NoId)),
            }
        }
        if selector.connection_ids().is_empty() {
            continue;
        }
        let plan = disconnect::plan_from(gateway_id, Some(label.clone()), &listed, &selector);
        let mut reports = plan.execute(client, disconnect::DEFAULT_CONCURRENCY);
        while let Some(report) = reports.next().await {
            let who = match report.target.connection() {
                Some(c) => Target {
                    gateway_id: plan.gateway_id().to_owned(),
                    gateway_label: label.clone(),
                    conn: c.clone(),
                }
                .describe(),
                None => format!("connection on {}", sanitize::cell(&label)),
            };
            let outcome = match &report.outcome {
                Outcome::Failed(e) => format!("failed: {}", error::describe(e)),
                Outcome::Unknown { error: Some(e) } => {
                    format!("outcome unknown: {}", error::describe(e))
                }
                other => other.to_string(),
            };
            lines.push(format!("{who}: {}", sanitize::for_terminal(&outcome)));
        }
    }
    lines
}
