//! The CLI's argument parsing — the binary's own clap definitions (`p2c_vpn_cli::cli::Cli`,
//! the library target of `crates/p2c-vpn-cli`) and the value parsers of its flags — and the
//! gateway ID check.
//!
//! The ID check (`check_id` in `crates/p2c-vpn/src/names.rs`) is private; it is reached
//! through `Client::connections(id).send()` against a loopback server that records the
//! request line (a text that is not a UUID is a gateway name: the server's listing names
//! a gateway with that ID, so the connections request follows it).
//!
//! Input: bytes before the first 0x00 are a command line, split into arguments at each 0x01
//! and given after the program name `p2c-vpn` (as bytes: arguments are `OsStr`s, so
//! non-UTF-8 ones reach clap too); the rest is the gateway ID.
//!
//! Invariants:
//! - parsing an argv, the way `main` does (`Cli::command().try_get_matches_from`, then
//!   `Cli::from_arg_matches`), never panics, and matches clap accepted always give a `Cli`;
//! - an error renders (`render`, `Display`) without panicking, with exit code 0 (help,
//!   version) or 2 (usage);
//! - every duration flag given on the command line (`--interval`, `--timeout`,
//!   `--scrape-timeout`, …) holds what the CLI's own parser makes of its last value
//!   (`parse_interval` for `--interval`, `parse_duration_or_zero` for `--min-interval`,
//!   else `parse_duration`), which is humantime's reading of the trimmed text: non-zero,
//!   and at least 100 ms for `--interval`; the typed `Cli` holds the same values;
//! - an ID is either rejected as `InvalidInput` with nothing sent, or sent as exactly one
//!   path segment that decodes back to the ID, with the expected query unchanged.
#![no_main]

#[path = "common/server.rs"]
mod server;

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt as _;
use std::time::Duration;

use clap::parser::ValueSource;
use clap::{CommandFactory as _, FromArgMatches as _};
use libfuzzer_sys::fuzz_target;
use p2c_vpn::ErrorKind;
use p2c_vpn_cli::cli::{
    Cli, Command, ConnectionsCommand, parse_duration, parse_duration_or_zero, parse_interval,
};
use server::{Harness, Reply};

fuzz_target!(|data: &[u8]| {
    let (argv, id) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &b""[..]),
    };
    let mut args = vec![OsString::from("p2c-vpn")];
    if !argv.is_empty() {
        args.extend(
            argv.split(|&b| b == 1)
                .map(|a| OsStr::from_bytes(a).to_owned()),
        );
    }
    check_command_line(&args);

    if let Ok(id) = std::str::from_utf8(id) {
        check_gateway_id(id);
    }
});

/// The matches of the innermost subcommand (where the flags live), as `main` finds them.
fn leaf(matches: &clap::ArgMatches) -> &clap::ArgMatches {
    let mut m = matches;
    while let Some((_, sub)) = m.subcommand() {
        m = sub;
    }
    m
}

fn check_command_line(args: &[OsString]) {
    let matches = match Cli::command().try_get_matches_from(args) {
        Ok(matches) => matches,
        Err(e) => {
            let rendered = e.render().to_string();
            let shown = e.to_string();
            assert!(
                !shown.is_empty() && !rendered.is_empty(),
                "{args:?}: empty error"
            );
            let code = e.exit_code();
            assert!(
                code == 0 || code == 2,
                "{args:?}: exit code {code} for {shown}"
            );
            return;
        }
    };
    let cli = Cli::from_arg_matches(&matches)
        .unwrap_or_else(|e| panic!("{args:?}: clap accepted it, the typed Cli did not: {e}"));
    let m = leaf(&matches);

    for id in m.ids() {
        let id = id.as_str();
        if m.value_source(id) != Some(ValueSource::CommandLine) {
            continue;
        }
        let Ok(Some(value)) = m.try_get_one::<Duration>(id) else {
            continue;
        };
        let raw = m
            .get_raw(id)
            .and_then(|values| values.last())
            .unwrap_or_else(|| panic!("{args:?}: --{id} has a value but no text"));
        let text = raw
            .to_str()
            .unwrap_or_else(|| panic!("{args:?}: --{id} accepted non-UTF-8 {raw:?}"));
        let parser: fn(&str) -> Result<Duration, String> = match id {
            "interval" => parse_interval,
            "min_interval" => parse_duration_or_zero,
            _ => parse_duration,
        };
        assert_eq!(
            parser(text),
            Ok(*value),
            "{args:?}: --{id} {text:?} is not what the CLI's parser makes of it"
        );
        assert_eq!(
            humantime::parse_duration(text.trim()).ok(),
            Some(*value),
            "{args:?}: --{id} {text:?} is not humantime's reading"
        );
        match id {
            "min_interval" => {}
            "interval" => assert!(*value >= Duration::from_millis(100), "{args:?}"),
            _ => assert!(!value.is_zero(), "{args:?}: --{id} accepted zero"),
        }
    }

    // The typed values are the matched ones (the fields are what `main` reads).
    let get = |id: &str| m.try_get_one::<Duration>(id).ok().flatten().copied();
    match &cli.command {
        Command::Connections(ConnectionsCommand::Watch(a)) => {
            assert_eq!(Some(a.interval), get("interval"), "{args:?}");
            assert_eq!(Some(a.conn.client.timeout), get("timeout"), "{args:?}");
        }
        Command::Connections(ConnectionsCommand::List(a)) => {
            assert_eq!(Some(a.conn.client.timeout), get("timeout"), "{args:?}");
        }
        Command::Top(a) => assert_eq!(Some(a.interval), get("interval"), "{args:?}"),
        _ => {}
    }
}

fn check_gateway_id(id: &str) {
    let h = Harness::get();
    // One body for every request of the call: an empty connections page, and a gateway
    // listing holding one gateway whose ID (and name) is `id`. A text that is not a UUID is
    // a name the client looks up in that listing (exact ID first), so every ID the check
    // lets through reaches the connections path, UUID or not.
    let body = serde_json::json!({
        "connections": [],
        "total_count": 0,
        "p2c_vpn_gateways": [{"id": id, "name": id}],
    });
    h.set_reply(Reply {
        status: 200,
        headers: vec![("content-type".into(), "application/json".into())],
        body: body.to_string().into_bytes(),
    });
    let result = h
        .runtime
        .block_on(h.client.connections(id).limit(10).send());
    let target = h.last_target();
    match result {
        Err(e) if e.kind() == ErrorKind::InvalidInput => {
            assert!(target.is_none(), "rejected {id:?} but sent {target:?}");
            assert!(!e.to_string().contains(['\n', '\r']), "{e}");
        }
        Err(e) => panic!("ID {id:?}: unexpected error {e}"),
        Ok(_) => {
            let target = target.expect("accepted but nothing sent");
            let rest = target
                .strip_prefix("/v5/fuzzproject/p2c-vpn-gateways/")
                .unwrap_or_else(|| panic!("{id:?} changed the path: {target}"));
            let (segment, rest) = rest
                .split_once('/')
                .unwrap_or_else(|| panic!("{id:?} changed the path: {target}"));
            assert_eq!(rest, "connections?limit=10", "{id:?} → {target}");
            let decoded = percent_encoding::percent_decode_str(segment).decode_utf8_lossy();
            assert_eq!(decoded, id, "{target}");
        }
    }
}
