//! Which columns fit a width: the rule for narrow screens, in one function ([`fit`]) so that
//! the tables' own column-priority rule can replace it.
//!
//! A column is shown whole or not at all: when the table is too wide, the column of lowest
//! priority goes first (totals, activity, connected-for, rates, then gateway, virtual IP,
//! client IP; the user goes last). Identifying values (user, IPs, gateway) are never cut.

use super::app::Col;

/// Columns from most to least important.
pub const PRIORITY: [Col; 10] = [
    Col::User,
    Col::ClientIp,
    Col::VirtualIp,
    Col::Gateway,
    Col::InRate,
    Col::OutRate,
    Col::ConnectedFor,
    Col::Activity,
    Col::InTotal,
    Col::OutTotal,
];

/// The columns to show, in table order, with their widths: `wanted` (table order, each
/// with the width its header and values need) less the lowest-priority ones until they fit
/// `available` columns with `spacing` between two columns.
pub fn fit(wanted: &[(Col, u16)], available: u16, spacing: u16) -> Vec<(Col, u16)> {
    let mut shown: Vec<(Col, u16)> = wanted.to_vec();
    let total = |cols: &[(Col, u16)]| -> u32 {
        cols.iter().map(|(_, w)| u32::from(*w)).sum::<u32>()
            + u32::from(spacing) * cols.len().saturating_sub(1) as u32
    };
    for drop in PRIORITY.iter().rev() {
        if total(&shown) <= u32::from(available) {
            break;
        }
        shown.retain(|(c, _)| c != drop);
    }
    shown
}
