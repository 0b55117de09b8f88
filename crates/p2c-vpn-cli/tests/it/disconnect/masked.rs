//! `--client-ip` and masked addresses (`100.***.***.100`, as Huawei's documentation shows
//! `client_ip`): the masked form selects as printed; a real address against a service that
//! masks is a usage error saying so, not "nothing to do".

use super::{OFFICE, assert_disconnected, connections, disconnect, id};
use crate::common::{Mock, frozen_at, stderr, stdout};
use p2c_vpn_mock::{MockGateway, Operation};
use std::collections::HashSet;

/// A mock whose service masks client addresses, as Huawei's documentation shows.
fn masked_mock() -> Mock {
    Mock::start(|b| {
        b.seed(21)
            .frozen_clock(frozen_at())
            .masked_ips(true)
            .gateway_with(MockGateway::new(OFFICE).name("office").connections(8))
    })
}

#[test]
fn client_ip_accepts_the_masked_form_and_matches_it_as_printed() {
    let mock = masked_mock();
    let before = connections(&mock, OFFICE);
    let shown = before[2]["client_ip"].as_str().unwrap().to_owned();
    assert!(shown.contains(".***.***."), "{shown}");
    let gone: HashSet<String> = before
        .iter()
        .filter(|c| c["client_ip"] == shown.as_str())
        .map(id)
        .collect();
    mock.server.clear_requests();
    let out = disconnect(
        &mock,
        &["--gateway", "office", "--client-ip", &shown, "--yes"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_disconnected(&mock, &before, &gone);
}

#[test]
fn a_real_address_against_masked_addresses_says_so() {
    let mock = masked_mock();
    let before = connections(&mock, OFFICE);
    let shown = before[0]["client_ip"].as_str().unwrap().to_owned();
    let real = shown.replace("***", "7");
    mock.server.clear_requests();
    let out = disconnect(
        &mock,
        &["--gateway", "office", "--client-ip", &real, "--dry-run"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(err.contains("masks client addresses"), "{err}");
    assert!(!stdout(&out).contains("nothing to do"), "{}", stdout(&out));
    assert_eq!(mock.count(Operation::DeleteP2cVgwConnection), 0);
    // Not an address, nor the masked form.
    for bad in ["100.***.7.100", "***.***.***.***", "100.*.*.100"] {
        mock.run(
            &["connections", "disconnect"],
            &["--gateway", "office", "--client-ip", bad, "--yes"],
        )
        .assert()
        .code(2);
    }
}
