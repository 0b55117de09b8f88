//! `p2c-vpn connections list` with gateways named by ID or name, every gateway of the
//! project at once, `--user` and `--columns`: the real binary against the mock.

#![allow(clippy::unwrap_used)]

use crate::common;

use std::collections::{BTreeMap, HashSet};

use common::{Mock, frozen_at, ndjson, stderr, stdout};
use p2c_vpn_mock::{MockGateway, Operation};
use predicates::prelude::*;

const OFFICE_A: &str = "11111111-1111-4111-8111-111111111111";
const OFFICE_B: &str = "22222222-2222-4222-8222-222222222222";
const LAB: &str = "33333333-3333-4333-8333-333333333333";

/// Three gateways: two named `office` (5 and 2 connections), `lab` (3).
fn mock() -> Mock {
    Mock::start(|b| {
        b.seed(9)
            .frozen_clock(frozen_at())
            .gateway_with(
                MockGateway::new(OFFICE_A)
                    .name("office")
                    .connections(5)
                    .max_connections(8),
            )
            .gateway_named(OFFICE_B, "office", 2)
            .gateway_named(LAB, "lab", 3)
    })
}

fn list(mock: &Mock, args: &[&str]) -> std::process::Output {
    mock.list(args).output().unwrap()
}

/// The connections of `gateway` through the library, as JSON.
fn api(mock: &Mock, gateway: &str) -> Vec<serde_json::Value> {
    let client = mock.client();
    mock.block_on(client.connections(gateway).collect_all())
        .unwrap()
        .iter()
        .map(|c| serde_json::to_value(c).unwrap())
        .collect()
}

#[test]
fn a_gateway_is_named_by_id_or_by_name() {
    let mock = mock();
    let by_name = list(&mock, &["--gateway", "lab", "-o", "ndjson"]);
    assert!(by_name.status.success(), "{}", stderr(&by_name));
    let by_id = list(&mock, &["--gateway", LAB, "-o", "ndjson"]);
    assert!(by_id.status.success(), "{}", stderr(&by_id));
    assert_eq!(stdout(&by_name), stdout(&by_id));
    assert_eq!(ndjson(&stdout(&by_name)), api(&mock, LAB));

    // Several, mixed: `gateway_id` is the ID, whatever the flag said.
    let out = list(
        &mock,
        &["--gateway", "lab", "--gateway", OFFICE_B, "-o", "ndjson"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let ids: Vec<String> = ndjson(&stdout(&out))
        .iter()
        .map(|l| l["gateway_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, [LAB, LAB, LAB, OFFICE_B, OFFICE_B]);

    // The table shows the gateway as it was named.
    let out = list(&mock, &["--gateway", "lab", "--gateway", OFFICE_B]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("gateway lab: 3 connections")
            && text.contains(&format!("gateway {OFFICE_B}: 2 connections")),
        "{text}"
    );
}

#[test]
fn an_ambiguous_or_unknown_name_exits_2_with_the_candidates() {
    let mock = mock();
    let out = list(&mock, &["--gateway", "office"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("ambiguous") && err.contains(OFFICE_A) && err.contains(OFFICE_B),
        "{err}"
    );
    assert!(out.stdout.is_empty());
    assert_eq!(mock.count(Operation::ListP2cVgwConnections), 0);

    // One bad name among several: its line, nothing on stdout.
    let out = list(&mock, &["--gateway", "lab", "--gateway", "nowhere"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("gateway nowhere:") && err.contains("lab") && err.contains(LAB),
        "{err}"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn without_gateway_every_gateway_is_listed() {
    let mock = mock();
    let out = list(&mock, &["-o", "ndjson"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let lines = ndjson(&stdout(&out));
    assert_eq!(lines.len(), 10);
    let mut per_gateway: BTreeMap<String, Vec<serde_json::Value>> = BTreeMap::new();
    for mut line in lines {
        let gateway = line
            .as_object_mut()
            .unwrap()
            .remove("gateway_id")
            .unwrap()
            .as_str()
            .unwrap()
            .to_owned();
        per_gateway.entry(gateway).or_default().push(line);
    }
    for id in [OFFICE_A, OFFICE_B, LAB] {
        assert_eq!(per_gateway[id], api(&mock, id), "{id}");
    }
    // One listing of the gateways; the IDs are UUIDs, so no other lookup.
    assert_eq!(mock.count(Operation::ListP2cVgws), 1);

    // Table: the gateway column holds the names; a footer line per gateway.
    let out = list(&mock, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("GATEWAY"), "{text}");
    assert!(
        text.contains("gateway lab: 3 connections")
            // Two gateways share the name "office": each is told apart by its ID's prefix.
            && text.contains("gateway office (11111111): 5 connections")
            && text.contains("gateway office (22222222): 2 connections")
            && text.contains("10 connections on 3 gateways"),
        "{text}"
    );

    // json: one document per gateway, csv: a gateway_id column.
    let out = list(&mock, &["-o", "json"]);
    let docs: Vec<serde_json::Value> = serde_json::from_str(&stdout(&out)).unwrap();
    let ids: HashSet<&str> = docs
        .iter()
        .map(|d| d["gateway_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, HashSet::from([OFFICE_A, OFFICE_B, LAB]));
    let out = list(&mock, &["-o", "csv"]);
    assert!(stdout(&out).starts_with("gateway_id,client_ip,"));
    assert_eq!(stdout(&out).lines().count(), 11);
}

#[test]
fn user_keeps_the_connections_of_these_users() {
    let mock = mock();
    let all = api(&mock, OFFICE_A);
    let users: Vec<&str> = all
        .iter()
        .map(|c| c["client_user_name"].as_str().unwrap())
        .collect();
    let (first, second) = (users[0], *users.iter().find(|u| **u != users[0]).unwrap());
    let expected: Vec<&serde_json::Value> = all
        .iter()
        .filter(|c| c["client_user_name"] == first || c["client_user_name"] == second)
        .collect();
    let out = list(
        &mock,
        &[
            "--gateway",
            OFFICE_A,
            "--user",
            first,
            "--user",
            second,
            "-o",
            "ndjson",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let lines = ndjson(&stdout(&out));
    assert_eq!(lines.iter().collect::<Vec<_>>(), expected);

    // Streamed (--all, one gateway) and across every gateway too.
    let out = list(
        &mock,
        &[
            "--gateway",
            OFFICE_A,
            "--all",
            "--page-size",
            "2",
            "--user",
            first,
            "-o",
            "csv",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let rows = text.lines().skip(1).count();
    assert_eq!(
        rows,
        users.iter().filter(|u| **u == first).count(),
        "{text}"
    );
    assert!(text.lines().skip(1).all(|l| l.contains(first)), "{text}");

    let out = list(&mock, &["--user", "nobody-at-all"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("No connections."), "{}", stdout(&out));
}

#[test]
fn columns_pick_any_fields_for_table_and_csv() {
    let mock = mock();
    let expected = api(&mock, LAB);
    let out = list(
        &mock,
        &[
            "--gateway",
            "lab",
            "--columns",
            "client_user_name,inbound_packets,timestamp",
            "-o",
            "csv",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("client_user_name,inbound_packets,timestamp")
    );
    for (line, c) in lines.zip(&expected) {
        assert_eq!(
            line,
            format!(
                "{},{},{}",
                c["client_user_name"].as_str().unwrap(),
                c["inbound_packets"],
                c["timestamp"].as_str().unwrap()
            )
        );
    }

    // Table, every gateway: the gateway_id column comes first.
    let out = list(&mock, &["--columns", "connection_id,client_ip"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let header = text.lines().nth(1).unwrap();
    assert!(
        header.contains("gateway_id")
            && header.contains("connection_id")
            && header.contains("client_ip"),
        "{text}"
    );
    assert!(!text.contains("USER"), "{text}");
    for c in &expected {
        assert!(
            text.contains(c["connection_id"].as_str().unwrap()),
            "{text}"
        );
    }
    assert!(text.contains("10 connections on 3 gateways"), "{text}");

    // Streamed csv with an explicit gateway_id column.
    let out = list(
        &mock,
        &[
            "--gateway",
            "lab",
            "--all",
            "--columns",
            "gateway_id,connection_id",
            "-o",
            "csv",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("gateway_id,connection_id\n"), "{text}");
    assert!(
        text.lines()
            .skip(1)
            .all(|l| l.starts_with(&format!("{LAB},"))),
        "{text}"
    );
}

#[test]
fn an_unknown_column_is_a_usage_error_listing_the_available_ones() {
    let mock = mock();
    let out = list(
        &mock,
        &["--gateway", "lab", "--columns", "client_ip,colour"],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("\"colour\""), "{err}");
    for field in [
        "connection_id",
        "client_user_name",
        "inbound_bytes",
        "timestamp",
        "gateway_id",
    ] {
        assert!(err.contains(field), "{field}: {err}");
    }
    // json and ndjson always carry every field.
    mock.list(&["--gateway", "lab", "--columns", "client_ip", "-o", "json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--columns"));
    assert!(mock.server.requests().is_empty(), "checked before sending");
}

#[test]
fn one_gateway_named_by_name_and_by_id_is_listed_once() {
    let mock = mock();
    let out = list(&mock, &["--gateway", "lab", "--gateway", LAB]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    // One gateway: no gateway column, no "on 2 gateways" footer.
    assert!(!text.contains("on 2 gateways"), "{text}");
    assert_eq!(text.matches("ivan.smith").count(), 1, "{text}");
    let out = list(
        &mock,
        &["--gateway", "lab", "--gateway", LAB, "-o", "ndjson"],
    );
    assert_eq!(ndjson(&stdout(&out)).len(), 3);
}
