//! `p2c-vpn gateways list|show`, and the project and endpoint flags every command shares
//! (`--project-id` optional: the project is looked up through IAM for the region), end to
//! end: the real binary against the mock.

#![allow(clippy::unwrap_used)]

use crate::common;

use common::{Mock, frozen_at, ndjson, stderr, stdout};
use p2c_vpn_mock::{MockGateway, Operation};
use predicates::prelude::*;

const OFFICE_A: &str = "11111111-1111-4111-8111-111111111111";
const OFFICE_B: &str = "22222222-2222-4222-8222-222222222222";
const LAB: &str = "33333333-3333-4333-8333-333333333333";

/// Three gateways: two named `office` (5 of at most 8 connections, and 2), `lab` (3).
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

#[test]
fn list_shows_every_gateway_in_every_format() {
    let mock = mock();
    let out = mock.run(&["gateways", "list"], &[]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for expected in [
        "NAME",
        "ID",
        "STATUS",
        "CONNECTIONS",
        "CREATED (UTC)",
        "office",
        "lab",
        OFFICE_A,
        OFFICE_B,
        LAB,
        "ACTIVE",
        "5 / 8",
        "3 gateways, 10 connections",
    ] {
        assert!(text.contains(expected), "{expected}: {text}");
    }

    let out = mock
        .run(&["gateways", "list"], &["-o", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let gateways = doc["p2c_vpn_gateways"].as_array().unwrap();
    assert_eq!(gateways.len(), 3);
    assert_eq!(doc["total_count"], 3);
    assert!(doc["request_id"].is_string());
    let office = gateways.iter().find(|g| g["id"] == OFFICE_A).unwrap();
    assert_eq!(office["name"], "office");
    assert_eq!(office["current_connection_number"], 5);
    assert_eq!(office["max_connection_number"], 8);

    let out = mock
        .run(&["gateways", "list"], &["-o", "ndjson"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let lines = ndjson(&stdout(&out));
    assert_eq!(serde_json::Value::Array(lines), doc["p2c_vpn_gateways"]);

    let out = mock
        .run(&["gateways", "list"], &["-o", "csv"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("id,name,status,current_connection_number,max_connection_number,created_at")
    );
    assert!(
        text.contains(&format!("{OFFICE_A},office,ACTIVE,5,8,")),
        "{text}"
    );
    assert_eq!(lines.count(), 3);
}

#[test]
fn list_pages_through_many_gateways() {
    let mock = Mock::start(|mut b| {
        for i in 0..250u32 {
            b = b.gateway_named(
                format!("00000000-0000-4000-8000-{i:012}"),
                format!("gw{i}"),
                0,
            );
        }
        b.seed(1).frozen_clock(frozen_at())
    });
    let out = mock
        .run(&["gateways", "list"], &["-o", "ndjson"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(ndjson(&stdout(&out)).len(), 250);
    assert_eq!(mock.count(Operation::ListP2cVgws), 3, "pages of 100");
}

#[test]
fn show_finds_a_gateway_by_id_or_name() {
    let mock = mock();
    // By name: from the listing.
    let out = mock
        .run(&["gateways", "show", "lab"], &[])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for expected in [
        "FIELD",
        "VALUE",
        "name",
        "lab",
        LAB,
        "max_connection_number",
        "eip.ip_address",
        "availability_zone_ids",
        "cn-north-4a, cn-north-4b",
        "vpc_id",
    ] {
        assert!(text.contains(expected), "{expected}: {text}");
    }
    // By ID (a UUID: no listing, one ShowP2cVgw), as the API's JSON.
    mock.server.clear_requests();
    let out = mock
        .run(&["gateways", "show", OFFICE_B], &["-o", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(doc["p2c_vpn_gateway"]["id"], OFFICE_B);
    assert_eq!(doc["p2c_vpn_gateway"]["name"], "office");
    assert_eq!(doc["p2c_vpn_gateway"]["current_connection_number"], 2);
    assert_eq!(mock.count(Operation::ShowP2cVgw), 1);
    assert_eq!(mock.count(Operation::ListP2cVgws), 0);
}

#[test]
fn an_ambiguous_or_unknown_name_is_a_usage_error_with_the_candidates() {
    let mock = mock();
    let out = mock
        .run(&["gateways", "show", "office"], &[])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("ambiguous") && err.contains(OFFICE_A) && err.contains(OFFICE_B),
        "{err}"
    );
    assert!(!err.contains(LAB), "only the candidates: {err}");
    assert!(out.stdout.is_empty());

    let out = mock
        .run(&["gateways", "show", "nowhere"], &[])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("\"nowhere\"") && err.contains("lab") && err.contains(LAB),
        "{err}"
    );

    // An ID in UUID form is taken as an ID: an unknown one is the service's 404.
    mock.run(
        &["gateways", "show", "44444444-4444-4444-8444-444444444444"],
        &[],
    )
    .assert()
    .code(4)
    .stderr(predicate::str::contains("VPN.0004"));
}

#[test]
fn the_project_is_looked_up_through_iam_without_a_project_id() {
    let mock = mock();
    let out = mock
        .run(
            &["gateways", "list"],
            &[
                "--region",
                "CN-North-4",
                "--iam-endpoint",
                mock.server.base_url(),
                "-o",
                "ndjson",
            ],
        )
        .env_remove("HUAWEICLOUD_SDK_PROJECT_ID")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(ndjson(&stdout(&out)).len(), 3);
    assert_eq!(mock.count(Operation::KeystoneListProjects), 1);
    let lookup = mock
        .server
        .requests()
        .into_iter()
        .find(|r| r.operation == Some(Operation::KeystoneListProjects))
        .unwrap();
    assert_eq!(lookup.query_param("name").as_deref(), Some("cn-north-4"));
    // The project found is the one in the VPN request's path.
    let listing = mock
        .server
        .requests()
        .into_iter()
        .find(|r| r.operation == Some(Operation::ListP2cVgws))
        .unwrap();
    assert!(listing.path.contains(mock.server.project_id()));

    // The IAM endpoint from the environment too, and one lookup for a whole fan-out.
    mock.server.clear_requests();
    let out = mock
        .run(
            &["connections", "list"],
            &["--region", "cn-north-4", "-o", "ndjson"],
        )
        .env_remove("HUAWEICLOUD_SDK_PROJECT_ID")
        .env("HUAWEICLOUD_SDK_IAM_ENDPOINT", mock.server.base_url())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(ndjson(&stdout(&out)).len(), 10);
    assert_eq!(mock.count(Operation::KeystoneListProjects), 1);
}

#[test]
fn a_project_id_means_no_lookup() {
    let mock = mock();
    // From the flag (the environment has none).
    let out = mock
        .run(
            &["gateways", "list"],
            &[
                "--project-id",
                mock.server.project_id(),
                "--region",
                "cn-north-4",
                "--iam-endpoint",
                mock.server.base_url(),
            ],
        )
        .env_remove("HUAWEICLOUD_SDK_PROJECT_ID")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    // From the environment.
    mock.run(&["gateways", "list"], &["--region", "cn-north-4"])
        .assert()
        .success();
    assert_eq!(mock.count(Operation::KeystoneListProjects), 0);
    assert_eq!(mock.count(Operation::ListP2cVgws), 2);
}

#[test]
fn a_failed_lookup_says_what_to_do_in_the_cli_words() {
    // IAM knows no project for the region.
    let mock = Mock::start(|b| {
        b.gateway_named(LAB, "lab", 1)
            .iam_projects(Vec::<String>::new())
    });
    let out = mock
        .run(
            &["gateways", "list"],
            &[
                "--region",
                "cn-north-4",
                "--iam-endpoint",
                mock.server.base_url(),
            ],
        )
        .env_remove("HUAWEICLOUD_SDK_PROJECT_ID")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("--project-id") && err.contains("HUAWEICLOUD_SDK_PROJECT_ID"),
        "{err}"
    );
    assert!(!err.contains(".project_id("), "{err}");
}

#[test]
fn endpoint_without_region_or_project_says_what_is_missing() {
    let mock = mock();
    let out = mock
        .run(&["gateways", "list"], &[])
        .env_remove("HUAWEICLOUD_SDK_PROJECT_ID")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    for expected in [
        "--endpoint",
        "--project-id",
        "HUAWEICLOUD_SDK_PROJECT_ID",
        "--region",
    ] {
        assert!(err.contains(expected), "{expected}: {err}");
    }
    assert!(
        !err.contains(".project_id(") && !err.contains(".region("),
        "{err}"
    );
    assert!(mock.server.requests().is_empty(), "nothing sent");
}

#[test]
fn endpoints_are_checked_before_anything_is_sent() {
    let mock = mock();
    // Plain http to a remote IAM endpoint.
    let out = mock
        .run(
            &["gateways", "list"],
            &[
                "--region",
                "cn-north-4",
                "--iam-endpoint",
                "http://192.0.2.1",
            ],
        )
        .env_remove("HUAWEICLOUD_SDK_PROJECT_ID")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("--iam-endpoint") && err.contains("https://"),
        "{err}"
    );
    assert!(!err.contains("allow_insecure_http"), "{err}");
    // An unknown region with --endpoint and no project ID (it names the project).
    mock.run(&["gateways", "list"], &["--region", "xx-nowhere-9"])
        .env_remove("HUAWEICLOUD_SDK_PROJECT_ID")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("xx-nowhere-9"));
    assert!(mock.server.requests().is_empty(), "nothing sent");
}

#[test]
fn help_documents_the_commands() {
    common::bare_cmd()
        .args(["gateways", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("list").and(predicate::str::contains("show")));
    common::bare_cmd()
        .args(["gateways", "list", "--help"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("--project-id")
                .and(predicate::str::contains(
                    "[env: HUAWEICLOUD_SDK_IAM_ENDPOINT=",
                ))
                .and(predicate::str::contains("Exit codes:"))
                .and(predicate::str::contains("candidates")),
        );
}

#[test]
fn the_project_id_flag_beats_the_environment_in_the_path_and_the_signature() {
    let mock = mock();
    let out = mock
        .run(
            &["gateways", "list"],
            &["--project-id", mock.server.project_id(), "-o", "ndjson"],
        )
        .env(
            "HUAWEICLOUD_SDK_PROJECT_ID",
            "0123456789abcdef0123456789abcdef",
        )
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let request = &mock.server.requests()[0];
    assert!(request.path.contains(mock.server.project_id()));
    assert_eq!(
        request.header("x-project-id"),
        Some(mock.server.project_id())
    );
    let signed = request.header("authorization").unwrap();
    assert!(signed.contains("x-project-id"), "{signed}");
}
