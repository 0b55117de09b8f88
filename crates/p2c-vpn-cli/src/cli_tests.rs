//! Unit tests of the clap definitions (`p2c_vpn_cli::cli`), run in the binary's test
//! harness: the library target has none (`test = false`), so they run once.

use std::time::Duration;

use clap::{CommandFactory as _, Parser as _};
use p2c_vpn_cli::cli::*;

#[test]
fn the_command_is_well_formed() {
    Cli::command().debug_assert();
}

#[test]
fn durations_are_humantime() {
    assert_eq!(parse_duration("1m30s"), Ok(Duration::from_secs(90)));
    assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
    assert!(parse_duration("10").is_err());
    assert!(parse_duration("0s").is_err());
    assert!(parse_interval("10ms").is_err());
}

#[test]
fn connection_ids_are_uuids() {
    // Through the flag, as the binary parses it (the parser itself is private).
    let ids = |value: &str| {
        Cli::try_parse_from([
            "p2c-vpn",
            "connections",
            "disconnect",
            "--gateway",
            "gw",
            "--connection-id",
            value,
        ])
        .map(|cli| match cli.command {
            Command::Connections(ConnectionsCommand::Disconnect(args)) => args
                .connection_ids
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            other => panic!("parsed as {other:?}"),
        })
    };
    let id = "4f08c74b-a132-4993-a1ce-183ba6574995";
    assert_eq!(ids(id).expect("a UUID"), [id]);
    assert!(ids("alice").is_err());
    assert!(ids("../x").is_err());
}
