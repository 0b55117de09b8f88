//! Response decoder: arbitrary bytes → the generated page and error types, exactly as the
//! generated client decodes them (`serde_json::from_slice`), plus the path-naming re-decode
//! the wrapper does on failure (`serde_path_to_error`).
//!
//! Invariants: nothing panics; a page that decodes re-serializes to JSON that decodes to an
//! equal page; the wrapper's accessors work on every decoded connection; the path-aware
//! decode agrees with the plain one on success/failure.
#![no_main]

use libfuzzer_sys::fuzz_target;
use p2c_vpn::Connection;
use p2c_vpn::api::{ApiError, ListP2cVgwConnectionsResponse};

fuzz_target!(|data: &[u8]| {
    let plain = serde_json::from_slice::<ListP2cVgwConnectionsResponse>(data);
    let mut de = serde_json::Deserializer::from_slice(data);
    let located = serde_path_to_error::deserialize::<_, ListP2cVgwConnectionsResponse>(&mut de);
    // from_slice also rejects trailing characters; mirror it.
    let trailing_ok = de.end().is_ok();
    match (&plain, &located) {
        (Ok(a), Ok(b)) => assert_eq!(a, b),
        (Err(_), Ok(_)) => assert!(!trailing_ok, "path-aware decode accepts what from_slice rejects"),
        (Err(_), Err(e)) => {
            let _ = e.path().to_string();
        }
        (Ok(_), Err(e)) => panic!("from_slice accepts what the path-aware decode rejects: {e}"),
    }
    if let Ok(page) = plain {
        let json = serde_json::to_vec(&page).expect("a decoded page serializes");
        let again: ListP2cVgwConnectionsResponse =
            serde_json::from_slice(&json).expect("re-serialized page decodes");
        assert_eq!(page, again, "{}", String::from_utf8_lossy(&json));
        for c in page.connections {
            let c = Connection::from(c);
            let _ = (c.connection_id(), c.connected_for(), c.client_ip());
            let _ = (c.client_virtual_ip(), c.user_name(), format!("{c:?}"));
            let json = serde_json::to_string(&c).expect("connection serializes");
            let back: Connection = serde_json::from_str(&json).expect("connection decodes");
            assert_eq!(c, back);
        }
    }
    if let Ok(err) = serde_json::from_slice::<ApiError>(data) {
        let json = serde_json::to_vec(&err).expect("an error body serializes");
        let again: ApiError = serde_json::from_slice(&json).expect("re-serialized body decodes");
        assert_eq!(err, again);
    }
});
