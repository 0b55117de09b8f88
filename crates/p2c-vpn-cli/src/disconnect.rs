//! `connections disconnect`: the connections of one gateway that match every selector, after
//! a look at them (`--dry-run`) or a confirmation (on a terminal, unless `--yes`).
//!
//! Selectors combine with AND (`--user alice --connected-longer-than 8h`: alice's
//! connections older than 8 hours); a repeated selector flag matches any of its values.
//! A `--connection-id` the listing does not show is still sent when connection IDs are the
//! only selector (the service answers whether it is connected: usually "already gone"); with
//! other selectors it cannot match them, and is reported as not connected.

use std::collections::HashSet;
use std::io::{BufRead as _, IsTerminal as _, Write};
use std::net::IpAddr;
use std::time::Duration;

use comfy_table::Color;
use futures::StreamExt as _;
use p2c_vpn::{Client, Connection, Disconnected};
use uuid::Uuid;

use crate::cli::DisconnectArgs;
use crate::connect::{self, CONCURRENCY};
use crate::error::{self, CliError, EXIT_OTHER, EXIT_SERVICE, EXIT_USAGE};
use crate::human;
use crate::output::{self, Style, TextCell};
use crate::sanitize;

/// What `--connection-id`, `--user`, `--client-ip`, `--connected-longer-than` and
/// `--all-connections` select.
#[derive(Debug, Clone, Default)]
pub struct Selector {
    pub connection_ids: HashSet<Uuid>,
    pub users: HashSet<String>,
    pub client_ip: Option<IpAddr>,
    pub connected_longer_than: Option<Duration>,
    pub all: bool,
}

impl Selector {
    pub fn from_args(args: &DisconnectArgs) -> Self {
        Self {
            connection_ids: args.connection_ids.iter().copied().collect(),
            users: args.users.iter().cloned().collect(),
            client_ip: args.client_ip,
            connected_longer_than: args.connected_longer_than,
            all: args.all_connections,
        }
    }

    /// Whether anything is selected at all.
    pub fn is_empty(&self) -> bool {
        !self.all
            && self.connection_ids.is_empty()
            && self.users.is_empty()
            && self.client_ip.is_none()
            && self.connected_longer_than.is_none()
    }

    /// Whether connection IDs are the only selector.
    fn ids_only(&self) -> bool {
        !self.connection_ids.is_empty()
            && self.users.is_empty()
            && self.client_ip.is_none()
            && self.connected_longer_than.is_none()
    }

    /// Whether `c` matches every selector given (nothing matches an empty selector).
    pub fn matches(&self, c: &Connection) -> bool {
        if self.all {
            return true;
        }
        if self.is_empty() {
            return false;
        }
        let id = self.connection_ids.is_empty()
            || c.connection_id()
                .is_some_and(|id| self.connection_ids.contains(&id));
        let user = self.users.is_empty() || c.user_name().is_some_and(|u| self.users.contains(u));
        let ip = self.client_ip.is_none_or(|ip| c.client_ip() == Some(ip));
        let age = self
            .connected_longer_than
            .is_none_or(|min| c.connected_for().is_some_and(|d| d > min));
        id && user && ip && age
    }
}

/// One connection to disconnect.
#[derive(Debug, Clone)]
enum Target<'a> {
    /// Seen in the listing.
    Listed(&'a Connection),
    /// Named by `--connection-id`, not in the listing.
    Unlisted(Uuid),
}

impl Target<'_> {
    fn id(&self) -> Option<Uuid> {
        match self {
            Self::Listed(c) => c.connection_id(),
            Self::Unlisted(id) => Some(*id),
        }
    }

    fn user(&self) -> Option<&str> {
        match self {
            Self::Listed(c) => c.user_name(),
            Self::Unlisted(_) => None,
        }
    }
}

/// The outcome for one connection.
enum Outcome {
    Disconnected(Option<String>),
    AlreadyGone(Option<String>),
    NotConnected,
    Failed(p2c_vpn::Error),
}

/// Runs `connections disconnect`.
pub async fn run(
    args: &DisconnectArgs,
    matches: &clap::ArgMatches,
    out: &mut dyn Write,
    style: Style,
) -> Result<(), CliError> {
    let selector = Selector::from_args(args);
    if selector.is_empty() {
        return Err(CliError::Usage(
            "say which connections to disconnect: --connection-id ID, --user NAME, \
             --client-ip IP or --connected-longer-than DURATION (they combine: a connection \
             must match all of them), or --all-connections to disconnect every connection of \
             the gateway"
                .to_owned(),
        ));
    }
    let interactive = std::io::stdin().is_terminal();
    if !args.dry_run && !args.yes && !interactive {
        return Err(CliError::Usage(
            "refusing to disconnect without confirmation: stdin is not a terminal, so the \
             question cannot be asked; pass --yes to disconnect without asking (or --dry-run \
             to see what would be disconnected)"
                .to_owned(),
        ));
    }
    let client = connect::from_flags(&args.client, matches)?;
    let gateway = client
        .gateway(&args.gateway)
        .await
        .map_err(|e| CliError::api(None, e))?;
    let gateway_label = match (gateway.name(), gateway.id()) {
        (Some(name), Some(id)) if name != id => format!("{name} ({id})"),
        (name, id) => name.or(id).unwrap_or(args.gateway.as_str()).to_owned(),
    };
    let gateway_label = sanitize::for_terminal(&gateway_label).into_owned();
    // The name given resolves from the client's memory now: no second lookup.
    let connections = client
        .connections(args.gateway.as_str())
        .collect_all()
        .await
        .map_err(|e| CliError::api(None, e))?;

    let mut targets: Vec<Target<'_>> = connections
        .iter()
        .filter(|c| selector.matches(c))
        .map(Target::Listed)
        .collect();
    let listed: HashSet<Uuid> = connections
        .iter()
        .filter_map(|c| c.connection_id())
        .collect();
    // In flag order, once each.
    let mut named = HashSet::new();
    let unlisted: Vec<Uuid> = args
        .connection_ids
        .iter()
        .copied()
        .filter(|id| !listed.contains(id) && named.insert(*id))
        .collect();
    let send_unlisted = selector.ids_only();
    targets.extend(unlisted.iter().copied().map(Target::Unlisted));

    if targets.is_empty() {
        writeln!(
            out,
            "No connection of gateway {gateway_label} matches ({} listed); nothing to do.",
            human::plural(connections.len(), "connection", "connections")
        )?;
        return Ok(());
    }

    let confirm = interactive && !args.yes && !args.dry_run;
    if args.dry_run || confirm {
        write_matches(
            out,
            &gateway_label,
            &targets,
            send_unlisted,
            args.dry_run,
            style,
        )?;
    }
    if args.dry_run {
        writeln!(out, "Dry run: nothing was disconnected.")?;
        return Ok(());
    }
    if confirm {
        out.flush()?;
        let sending = targets
            .iter()
            .filter(|t| send_unlisted || matches!(t, Target::Listed(_)))
            .count();
        if !ask(&format!(
            "Disconnect {} from gateway {gateway_label}? [y/N] ",
            human::plural(sending, "connection", "connections")
        ))? {
            return Err(CliError::Exit {
                code: EXIT_OTHER,
                message: Some("not confirmed: nothing was disconnected".to_owned()),
            });
        }
    }

    disconnect_all(&client, &args.gateway, &targets, send_unlisted, out).await
}

/// Shows what would be (or is about to be) disconnected.
fn write_matches(
    out: &mut dyn Write,
    gateway: &str,
    targets: &[Target<'_>],
    send_unlisted: bool,
    dry_run: bool,
    style: Style,
) -> Result<(), CliError> {
    let listed: Vec<&Connection> = targets
        .iter()
        .filter_map(|t| match t {
            Target::Listed(c) => Some(*c),
            Target::Unlisted(_) => None,
        })
        .collect();
    let verb = if dry_run {
        "Would disconnect"
    } else {
        "About to disconnect"
    };
    writeln!(
        out,
        "{verb} {} from gateway {gateway}:",
        human::plural(listed.len(), "connection", "connections")
    )?;
    if !listed.is_empty() {
        let headers = [
            "USER",
            "CLIENT IP",
            "VIRTUAL IP",
            "CONNECTED FOR",
            "CONNECTION ID",
        ];
        let make_rows = || {
            listed.iter().map(|c| {
                vec![
                    TextCell::new(c.user_name().unwrap_or("-")).color(Color::Cyan),
                    TextCell::new(c.as_api().client_ip.as_deref().unwrap_or("-")),
                    TextCell::new(c.as_api().client_virtual_ip.as_deref().unwrap_or("-")),
                    TextCell::new(output::or_dash(c.connected_for().map(human::duration))),
                    TextCell::new(output::or_dash(c.connection_id())),
                ]
            })
        };
        output::write_table(out, style, &headers, &[3], listed.len(), make_rows)?;
    }
    for t in targets {
        if let Target::Unlisted(id) = t {
            if send_unlisted {
                writeln!(
                    out,
                    "not in the gateway's connections, sent anyway (the service says whether it is connected): {id}"
                )?;
            } else {
                writeln!(
                    out,
                    "not connected (not in the gateway's connections): {id}"
                )?;
            }
        }
    }
    Ok(())
}

/// Asks `question` on stderr; true for `y` or `yes`.
fn ask(question: &str) -> Result<bool, CliError> {
    let mut stderr = std::io::stderr();
    stderr.write_all(question.as_bytes())?;
    stderr.flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(is_yes(&answer))
}

/// Whether an answer means yes.
pub fn is_yes(answer: &str) -> bool {
    matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}

/// Disconnects the targets (a few at a time), one result line each, in order.
async fn disconnect_all(
    client: &Client,
    gateway: &str,
    targets: &[Target<'_>],
    send_unlisted: bool,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let mut results = futures::stream::iter(targets.iter().map(|t| async move {
        let outcome = match (t, t.id()) {
            (Target::Unlisted(_), _) if !send_unlisted => Outcome::NotConnected,
            // A listed connection without an ID cannot be named in a request.
            (_, None) => Outcome::NotConnected,
            (_, Some(id)) => match client.disconnect(gateway, id).await {
                Ok(Disconnected::Disconnected { request_id }) => Outcome::Disconnected(request_id),
                Ok(Disconnected::AlreadyGone { request_id }) => Outcome::AlreadyGone(request_id),
                Ok(_) => Outcome::AlreadyGone(None),
                Err(e) => Outcome::Failed(e),
            },
        };
        (t, outcome)
    }))
    .buffered(CONCURRENCY);

    let (mut done, mut gone, mut failed) = (0usize, 0usize, 0usize);
    let mut exit = None;
    while let Some((target, outcome)) = results.next().await {
        let id = output::or_dash(target.id());
        let user = target
            .user()
            .map(|u| format!(" {}", sanitize::cell(u)))
            .unwrap_or_default();
        let request = |r: &Option<String>| {
            r.as_deref()
                .map(|r| format!(" (request id {})", sanitize::for_terminal(r)))
                .unwrap_or_default()
        };
        match outcome {
            Outcome::Disconnected(r) => {
                done += 1;
                writeln!(out, "disconnected  {id}{user}{}", request(&r))?;
            }
            Outcome::AlreadyGone(r) => {
                gone += 1;
                writeln!(out, "already gone  {id}{user}{}", request(&r))?;
            }
            Outcome::NotConnected => {
                gone += 1;
                writeln!(
                    out,
                    "already gone  {id}{user} (not in the gateway's connections)"
                )?;
            }
            Outcome::Failed(e) => {
                failed += 1;
                let code = match error::api_exit_code(&e) {
                    EXIT_USAGE | EXIT_OTHER => EXIT_SERVICE,
                    code => code,
                };
                exit.get_or_insert(code);
                let reason = sanitize::for_terminal(&error::describe(&e)).into_owned();
                writeln!(out, "failed        {id}{user}: {reason}")?;
            }
        }
        out.flush()?;
    }
    writeln!(
        out,
        "{done} disconnected, {gone} already gone, {failed} failed"
    )?;
    match exit {
        None => Ok(()),
        Some(code) => Err(CliError::Exit {
            code,
            message: Some(format!("{failed} of {} disconnects failed", targets.len())),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conn(id: u128, user: &str, ip: &str, minutes: i64) -> Connection {
        let established = chrono::DateTime::parse_from_rfc3339("2024-06-17T00:00:00Z")
            .expect("valid")
            .to_utc();
        serde_json::from_value(serde_json::json!({
            "connection_id": Uuid::from_u128(id),
            "client_user_name": user,
            "client_ip": ip,
            "connection_established_time": established,
            "timestamp": established + chrono::Duration::minutes(minutes),
        }))
        .expect("valid connection")
    }

    #[test]
    fn selectors_combine_with_and() {
        let alice_old = conn(1, "alice", "203.0.113.7", 600);
        let alice_new = conn(2, "alice", "203.0.113.8", 5);
        let bob_old = conn(3, "bob", "203.0.113.7", 600);
        let all = [&alice_old, &alice_new, &bob_old];
        let pick = |s: &Selector| -> Vec<u128> {
            all.iter()
                .filter(|c| s.matches(c))
                .map(|c| c.connection_id().expect("id").as_u128())
                .collect()
        };
        assert!(pick(&Selector::default()).is_empty(), "nothing by default");
        let users = Selector {
            users: HashSet::from(["alice".to_owned()]),
            ..Selector::default()
        };
        assert_eq!(pick(&users), [1, 2]);
        let old_alice = Selector {
            connected_longer_than: Some(Duration::from_secs(3600)),
            ..users.clone()
        };
        assert_eq!(pick(&old_alice), [1]);
        let ip = Selector {
            client_ip: Some("203.0.113.7".parse().expect("ip")),
            ..Selector::default()
        };
        assert_eq!(pick(&ip), [1, 3]);
        let ids = Selector {
            connection_ids: HashSet::from([Uuid::from_u128(2), Uuid::from_u128(3)]),
            ..Selector::default()
        };
        assert_eq!(pick(&ids), [2, 3]);
        assert!(ids.ids_only() && !old_alice.ids_only());
        let everyone = Selector {
            all: true,
            ..Selector::default()
        };
        assert_eq!(pick(&everyone), [1, 2, 3]);
    }

    #[test]
    fn answers() {
        for yes in ["y", "Y", "yes", " YES\n"] {
            assert!(is_yes(yes), "{yes:?}");
        }
        for no in ["", "\n", "n", "no", "yep", "sure"] {
            assert!(!is_yes(no), "{no:?}");
        }
    }
}
