//! CLI input parsing: `--timeout`/`--interval` durations and the gateway ID.
//!
//! The CLI is a binary crate (`crates/p2c-vpn-cli`), so its `parse_duration` is not
//! linkable; it is `humantime::parse_duration(s.trim())` plus a non-zero check, which is
//! what is fuzzed here. The ID check (`check_id` in `crates/p2c-vpn/src/client.rs`) is
//! private too; it is reached through `Client::connections(id).send()` against a loopback
//! server that records the request line.
//!
//! Input: bytes before the first 0x00 are the duration text, the rest the gateway ID.
//!
//! Invariants: nothing panics; a parsed duration formats (`humantime::format_duration`) to
//! text that parses back to the same value; an ID is either rejected as `InvalidInput`
//! with nothing sent, or sent as exactly one path segment that decodes back to the ID, with
//! the expected query unchanged.
#![no_main]

#[path = "common/server.rs"]
mod server;

use libfuzzer_sys::fuzz_target;
use p2c_vpn::ErrorKind;
use server::{Harness, Reply};

fuzz_target!(|data: &[u8]| {
    let (dur, id) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &b""[..]),
    };

    if let Ok(text) = std::str::from_utf8(dur) {
        if let Ok(d) = humantime::parse_duration(text.trim()) {
            let shown = humantime::format_duration(d).to_string();
            let back = humantime::parse_duration(&shown)
                .unwrap_or_else(|e| panic!("{text:?} → {d:?} → {shown:?} does not parse: {e}"));
            assert_eq!(back, d, "{text:?} → {shown:?}");
        }
    }

    let Ok(id) = std::str::from_utf8(id) else {
        return;
    };
    let h = Harness::get();
    h.set_reply(Reply {
        status: 200,
        headers: vec![("content-type".into(), "application/json".into())],
        body: br#"{"connections":[],"total_count":0}"#.to_vec(),
    });
    let result = h.runtime.block_on(h.client.connections(id).limit(10).send());
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
});
