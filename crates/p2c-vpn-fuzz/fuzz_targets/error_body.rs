//! Error-body parsing and error mapping, through the public API: `Client::connections(id)
//! .send()` against a loopback server answering with a fuzzed status and body. The
//! wrapper's parser (`crates/p2c-vpn/src/error.rs`) is private, so this is the path that
//! reaches it: the generated client decodes `ApiError` (4xx/5xx) or the page (200) and the
//! wrapper maps failures, re-decoding leniently or with `serde_path_to_error`.
//!
//! Input: byte 0 picks the status (mostly errors) and headers; the rest is the body.
//!
//! Invariants: nothing panics; 200 gives a page exactly when the body decodes as the page
//! schema, else a `Decode` error; 4xx/5xx give an error with that status and the right kind;
//! an error's `Display` is one line (the crate documents "one actionable line").
#![no_main]

#[path = "common/server.rs"]
mod server;

use libfuzzer_sys::fuzz_target;
use p2c_vpn::ErrorKind;
use p2c_vpn::api::ListP2cVgwConnectionsResponse;
use server::{Harness, Reply};

const STATUSES: [u16; 16] = [
    200, 200, 200, 400, 401, 403, 404, 409, 418, 429, 500, 502, 503, 504, 204, 302,
];

fuzz_target!(|data: &[u8]| {
    let Some((&sel, body)) = data.split_first() else {
        return;
    };
    let status = STATUSES[usize::from(sel & 0x0f)];
    let mut headers = Vec::new();
    if sel & 0x10 != 0 {
        headers.push(("content-type".into(), "application/json".into()));
    } else if sel & 0x20 != 0 {
        headers.push(("content-type".into(), "text/html".into()));
    }
    if sel & 0x40 != 0 {
        headers.push(("x-request-id".into(), "hdr-rid".into()));
    }
    let h = Harness::get();
    h.set_reply(Reply {
        status,
        headers,
        body: body.to_vec(),
    });
    let result = h
        .runtime
        .block_on(h.client.connections("gw-1").limit(10).send());
    match result {
        Ok(page) => {
            assert_eq!(status, 200, "a page from HTTP {status}");
            let expected: ListP2cVgwConnectionsResponse =
                serde_json::from_slice(body).expect("page accepted but does not decode");
            assert_eq!(page.connections.len(), expected.connections.len());
            assert_eq!(page.total_count, expected.total_count);
            if sel & 0x40 != 0 {
                assert_eq!(page.request_id.as_deref(), Some("hdr-rid"));
            } else {
                assert_eq!(page.request_id, expected.request_id);
            }
        }
        Err(e) => {
            let line = e.to_string();
            assert!(
                !line.contains(['\n', '\r']),
                "Display is not one line: {line:?}"
            );
            let _ = format!("{e:?}");
            match status {
                200 => {
                    assert_eq!(e.kind(), ErrorKind::Decode, "{e}");
                    assert!(
                        serde_json::from_slice::<ListP2cVgwConnectionsResponse>(body).is_err(),
                        "valid page rejected: {e}"
                    );
                }
                400..=599 => {
                    assert_eq!(e.status().map(|s| s.as_u16()), Some(status), "{e}");
                    let kind = match status {
                        401 | 403 => ErrorKind::Unauthorized,
                        429 => ErrorKind::Throttled,
                        _ => ErrorKind::Service,
                    };
                    assert_eq!(e.kind(), kind, "{e}");
                    if sel & 0x40 != 0 {
                        assert_eq!(e.request_id(), Some("hdr-rid"));
                    }
                }
                _ => {}
            }
        }
    }
});
