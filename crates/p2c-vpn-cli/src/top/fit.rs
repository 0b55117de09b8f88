//! Which columns fit a width: the tables' rule for narrow screens (the column priorities of
//! [`ColumnSpec`](crate::output::ColumnSpec), `output/table/fit.rs`), applied to `top`'s
//! columns.
//!
//! A column is shown whole or not at all: when the screen is too narrow, the columns of
//! the highest priority value go first (the same order as every table: totals, connected
//! for, virtual IP, rates, client IP; the gateway and the user go last), columns of equal
//! priority together. Identifying values (user, IPs, gateway) are never cut.

use super::app::Col;
use crate::output::ColumnSpec;

/// The table column `c` is, for its priority.
fn spec(c: Col) -> ColumnSpec<'static> {
    match c {
        Col::User => ColumnSpec::USER,
        Col::ClientIp => ColumnSpec::CLIENT_IP,
        Col::VirtualIp => ColumnSpec::VIRTUAL_IP,
        Col::Gateway => ColumnSpec::GATEWAY,
        Col::ConnectedFor => ColumnSpec::CONNECTED_FOR,
        Col::InRate => ColumnSpec::IN_RATE,
        Col::OutRate => ColumnSpec::OUT_RATE,
        Col::Activity => ColumnSpec::ACTIVITY,
        Col::InTotal => ColumnSpec::IN,
        Col::OutTotal => ColumnSpec::OUT,
    }
}

/// The columns to show, in table order, with their widths: `wanted` (table order, each
/// with the width its header and values need) less the least important ones, a priority
/// at a time, until they fit `available` columns with `spacing` between two columns.
pub fn fit(wanted: &[(Col, u16)], available: u16, spacing: u16) -> Vec<(Col, u16)> {
    let mut shown: Vec<(Col, u16)> = wanted.to_vec();
    let total = |cols: &[(Col, u16)]| -> u32 {
        cols.iter().map(|(_, w)| u32::from(*w)).sum::<u32>()
            + u32::from(spacing) * cols.len().saturating_sub(1) as u32
    };
    while total(&shown) > u32::from(available) && shown.len() > 1 {
        let Some(least) = shown.iter().map(|(c, _)| spec(*c).priority).max() else {
            break;
        };
        let before = shown.len();
        shown.retain(|(c, _)| spec(*c).priority != least);
        if shown.is_empty() {
            // The most important columns alone do not fit: keep them (cut at the edge).
            return wanted
                .iter()
                .filter(|(c, _)| spec(*c).priority == least)
                .copied()
                .collect();
        }
        if shown.len() == before {
            break;
        }
    }
    shown
}
