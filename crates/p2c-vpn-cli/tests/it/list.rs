//! `p2c-vpn connections list` and `p2c-vpn demo`, end to end: the real binary against the
//! mock, through signing, paging and every output format.

#![allow(clippy::unwrap_used)]

use crate::common;

use std::collections::HashSet;
use std::io::{BufRead as _, BufReader};
use std::process::Stdio;
use std::time::Duration;

use common::{Mock, assert_golden, bare_cmd, ndjson, stderr, stdout};
use p2c_vpn_mock::{DEFAULT_SECRET_KEY, Fault, StatusCode};
use predicates::prelude::*;

/// Gateway IDs no gateway of the mock has (UUIDs: taken as IDs without a lookup).
const NOPE: &str = "00000000-0000-4000-8000-000000000404";
const GONE: &str = "00000000-0000-4000-8000-000000000410";

/// The connections of a gateway as the library gets them from the API, as JSON (the
/// library's `Connection` serializes to the API's JSON).
fn raw_api(mock: &Mock, gateway: &str) -> serde_json::Value {
    let client = p2c_vpn::Client::builder()
        .endpoint(mock.server.base_url())
        .project_id(mock.server.project_id())
        .credentials(mock.server.credentials())
        .build()
        .unwrap();
    let page = mock
        .block_on(client.connections(gateway).send())
        .expect("listing through the library");
    serde_json::to_value(&page.connections).unwrap()
}

/// The connection listings the mock received (not the gateway listings that resolve
/// gateway IDs that are no UUIDs, like the tests' `gw-alpha`).
fn connection_requests(mock: &Mock) -> Vec<p2c_vpn_mock::RecordedRequest> {
    mock.server
        .requests()
        .into_iter()
        .filter(|r| r.operation == Some(p2c_vpn_mock::Operation::ListP2cVgwConnections))
        .collect()
}

#[test]
fn table_output_matches_the_golden_file() {
    let mock = Mock::deterministic();
    let out = mock.list(&["--gateway", "gw-alpha"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_golden("list_table.txt", &stdout(&out));
}

#[test]
fn table_with_several_gateways_matches_the_golden_file() {
    let mock = Mock::deterministic();
    let out = mock
        .list(&[
            "--gateway",
            "gw-beta",
            "--gateway",
            "gw-alpha",
            "--limit",
            "2",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert_golden("list_table_several.txt", &text);
    // Flag order, not completion order.
    let beta = text.find("gw-beta").unwrap();
    let alpha = text.find("gw-alpha").unwrap();
    assert!(beta < alpha);
    assert!(
        text.contains("gateway gw-alpha: 2 of 25 connections"),
        "{text}"
    );
}

#[test]
fn csv_output_matches_the_golden_files() {
    let mock = Mock::deterministic();
    let out = mock
        .list(&["--gateway", "gw-alpha", "--output", "csv"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert_golden("list.csv", &text);
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some(
            "client_ip,client_user_name,client_virtual_ip,connection_established_time,\
             connection_id,inbound_bytes,inbound_packets,outbound_bytes,outbound_packets,timestamp"
        )
    );
    assert_eq!(lines.count(), 25);

    let out = mock
        .list(&[
            "--gateway",
            "gw-alpha",
            "--gateway",
            "gw-beta",
            "--output",
            "csv",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert_golden("list_several.csv", &text);
    assert!(text.starts_with("gateway_id,client_ip,client_user_name,"));
    assert_eq!(
        text.lines().filter(|l| l.starts_with("gw-alpha,")).count(),
        25
    );
    assert_eq!(
        text.lines().filter(|l| l.starts_with("gw-beta,")).count(),
        3
    );
}

#[test]
fn ndjson_is_exactly_the_api_connections() {
    let mock = Mock::deterministic();
    let out = mock
        .list(&["--gateway", "gw-alpha", "--output", "ndjson"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let lines = ndjson(&stdout(&out));
    assert_eq!(
        serde_json::Value::Array(lines.clone()),
        raw_api(&mock, "gw-alpha")
    );
    // The API's own spelling of times.
    let first = &lines[0];
    let established = first["connection_established_time"].as_str().unwrap();
    assert!(
        established.ends_with('Z') && established.contains('.'),
        "{established}"
    );
    assert!(first.get("gateway_id").is_none());
}

#[test]
fn ndjson_with_several_gateways_adds_gateway_id() {
    let mock = Mock::deterministic();
    let out = mock
        .list(&[
            "--gateway",
            "gw-beta",
            "--gateway",
            "gw-alpha",
            "--gateway",
            "gw-beta",
            "-o",
            "ndjson",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let lines = ndjson(&stdout(&out));
    let gateways: Vec<&str> = lines
        .iter()
        .map(|l| l["gateway_id"].as_str().unwrap())
        .collect();
    // Flag order, a repeated gateway once.
    let mut expected = vec!["gw-beta"; 3];
    expected.extend(vec!["gw-alpha"; 25]);
    assert_eq!(gateways, expected);
    let mut without: serde_json::Value = lines[0].clone();
    without.as_object_mut().unwrap().remove("gateway_id");
    assert_eq!(without, raw_api(&mock, "gw-beta")[0]);
}

#[test]
fn json_is_the_api_response_shape() {
    let mock = Mock::deterministic();
    let out = mock
        .list(&["--gateway", "gw-beta", "--output", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let keys: HashSet<&str> = doc
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        HashSet::from(["connections", "total_count", "request_id"])
    );
    assert_eq!(doc["total_count"], 3);
    assert_eq!(doc["connections"], raw_api(&mock, "gw-beta"));
    let request_id = doc["request_id"].as_str().unwrap();
    let recorded: Vec<String> = mock
        .server
        .requests()
        .iter()
        .map(|r| r.request_id.clone())
        .collect();
    assert!(recorded.iter().any(|id| id == request_id));
}

#[test]
fn json_with_several_gateways_is_an_array_of_documents() {
    let mock = Mock::deterministic();
    let out = mock
        .list(&[
            "--gateway",
            "gw-alpha",
            "--gateway",
            "gw-beta",
            "--all",
            "--page-size",
            "10",
            "-o",
            "json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let docs: Vec<serde_json::Value> = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(docs.len(), 2);
    assert_eq!(docs[0]["gateway_id"], "gw-alpha");
    assert_eq!(docs[0]["total_count"], 25);
    assert_eq!(docs[0]["connections"].as_array().unwrap().len(), 25);
    assert_eq!(docs[0]["connections"], raw_api(&mock, "gw-alpha"));
    assert_eq!(docs[1]["gateway_id"], "gw-beta");
    assert_eq!(docs[1]["connections"].as_array().unwrap().len(), 3);
    assert!(docs[1]["request_id"].is_string());
}

#[test]
fn limit_and_offset_make_one_request() {
    let mock = Mock::deterministic();
    let out = mock
        .list(&[
            "--gateway",
            "gw-alpha",
            "--limit",
            "5",
            "--offset",
            "20",
            "-o",
            "json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(
        doc["connections"],
        serde_json::Value::Array(raw_api(&mock, "gw-alpha").as_array().unwrap()[20..25].to_vec())
    );
    assert_eq!(doc["total_count"], 25);
    // "gw-alpha" is no UUID: the gateways are listed first to resolve it (an exact ID
    // wins); only the connection requests are looked at here.
    let requests = connection_requests(&mock);
    let first = &requests[0];
    assert_eq!(first.query_param("limit").as_deref(), Some("5"));
    assert_eq!(first.query_param("offset").as_deref(), Some("20"));

    // Neither: the service's non-pagination mode, no query at all.
    mock.server.clear_requests();
    mock.list(&["--gateway", "gw-alpha", "-o", "ndjson"])
        .assert()
        .success();
    let requests = connection_requests(&mock);
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].query_param("limit"), None);
    assert_eq!(requests[0].query_param("offset"), None);
}

#[test]
fn all_walks_every_page() {
    let mock = Mock::start(|b| b.seed(3).gateway("gw-big", 250));
    let out = mock
        .list(&["--gateway", "gw-big", "--all", "-o", "ndjson"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let lines = ndjson(&stdout(&out));
    assert_eq!(lines.len(), 250);
    let ids: HashSet<&str> = lines
        .iter()
        .map(|l| l["connection_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 250, "no duplicates");
    let requests = connection_requests(&mock);
    let mut offsets: Vec<(Option<String>, Option<String>)> = requests
        .iter()
        .map(|r| (r.query_param("limit"), r.query_param("offset")))
        .collect();
    // Pages after the first are read ahead concurrently: arrival order may vary.
    offsets.sort();
    let page = |offset: &str| (Some("100".to_owned()), Some(offset.to_owned()));
    assert_eq!(offsets, vec![page("0"), page("100"), page("200")]);

    // --page-size and a starting --offset.
    mock.server.clear_requests();
    let out = mock
        .list(&[
            "--gateway",
            "gw-big",
            "--all",
            "--page-size",
            "60",
            "--offset",
            "10",
            "-o",
            "csv",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).lines().count(), 1 + 240);
    assert_eq!(connection_requests(&mock).len(), 4);
}

#[test]
fn bad_flags_are_usage_errors() {
    let mock = Mock::deterministic();
    for args in [
        vec!["--limit", "0"],
        vec!["--limit", "abc"],
        vec!["--limit", "5", "--all"],
        vec!["--page-size", "5"],
        vec!["--output", "xml"],
        vec!["--timeout", "10"],
        vec!["--timeout", "soon"],
        vec!["--no-such-flag"],
    ] {
        let mut all = vec!["--gateway", "gw-alpha"];
        all.extend(&args);
        mock.list(&all)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("error"));
    }
    // Durations explain themselves.
    mock.list(&["--gateway", "gw-alpha", "--timeout", "10"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("1m30s"));
    // An ID that would change the request path, checked before sending.
    mock.list(&["--gateway", "gw/../x"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("gateway \"gw/../x\" contains '/'"));
    // No endpoint at all.
    mock.cmd()
        .args(["connections", "list", "--gateway", "gw-alpha"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("HUAWEICLOUD_SDK_REGION"));
    // Unknown region.
    mock.cmd()
        .args([
            "connections",
            "list",
            "--gateway",
            "g",
            "--region",
            "xx-nowhere-9",
        ])
        .assert()
        .code(2);
    assert!(mock.server.requests().is_empty(), "nothing sent");

    // Both --region and --endpoint on the command line: the endpoint is where requests
    // go, the region names the project to look up (not needed here: the project ID is
    // set).
    mock.list(&["--gateway", "gw-alpha", "--region", "cn-north-4"])
        .assert()
        .success();
    // No gateway: every gateway of the project.
    mock.list(&["-o", "ndjson"]).assert().success();
}

#[test]
fn region_and_endpoint_come_from_the_environment_too() {
    let mock = Mock::deterministic();
    // Endpoint from the environment.
    mock.cmd()
        .env("HUAWEICLOUD_SDK_ENDPOINT", mock.server.base_url())
        .args([
            "connections",
            "list",
            "--gateway",
            "gw-beta",
            "-o",
            "ndjson",
        ])
        .assert()
        .success();
    // A region in the environment does not stop --endpoint on the command line.
    mock.list(&["--gateway", "gw-beta", "-o", "ndjson"])
        .env("HUAWEICLOUD_SDK_REGION", "cn-north-4")
        .assert()
        .success();
    // --project-id beats the environment's.
    mock.list(&["--gateway", "gw-beta", "--project-id", "0000"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("HTTP 403"));
}

#[test]
fn bad_or_missing_credentials_exit_3() {
    let mock = Mock::deterministic();
    let out = mock
        .list(&["--gateway", "gw-alpha"])
        .env(
            "HUAWEICLOUD_SDK_SK",
            "wrong-secret-key-wrong-secret-key-000",
        )
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("HTTP 401") && err.contains("APIGW.0301"),
        "{err}"
    );
    assert!(err.contains("request id"), "{err}");
    assert!(
        !err.contains("wrong-secret-key"),
        "no secret printed: {err}"
    );
    assert!(out.stdout.is_empty());

    // No credentials anywhere.
    let out = bare_cmd()
        .args([
            "connections",
            "list",
            "--gateway",
            "gw-alpha",
            "--endpoint",
            mock.server.base_url(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert_eq!(stderr(&out).lines().count(), 1);
}

#[test]
fn service_errors_exit_4_with_status_code_and_request_id() {
    let mock = Mock::deterministic();
    // An unknown gateway ID (a UUID is taken as an ID as it is: the service says 404; a
    // name or other ID that matches no gateway is a usage error, see connections.rs).
    let out = mock.list(&["--gateway", NOPE]).output().unwrap();
    assert_eq!(out.status.code(), Some(4));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("HTTP 404") && err.contains("VPN.0004"),
        "{err}"
    );
    let request_id = &mock.server.requests()[0].request_id;
    assert!(err.contains(request_id.as_str()), "{err}");
    assert!(!err.contains(DEFAULT_SECRET_KEY));

    // Several gateways: one line per failure, nothing on stdout.
    let out = mock
        .list(&[
            "--gateway",
            "gw-alpha",
            "--gateway",
            NOPE,
            "--gateway",
            GONE,
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 2, "{err}");
    assert!(
        err.lines()
            .next()
            .unwrap()
            .contains(&format!("gateway {NOPE}: HTTP 404")),
        "{err}"
    );
    assert!(out.stdout.is_empty());

    // A 500 that persists through the retries, and an unreadable body.
    mock.server
        .faults()
        .always(Fault::Status(StatusCode::INTERNAL_SERVER_ERROR));
    mock.list(&["--gateway", "gw-alpha", "--retries", "1"])
        .assert()
        .code(4)
        .stderr(predicate::str::contains("HTTP 500").and(predicate::str::contains("2 attempts")));
    mock.server.faults().clear();
    mock.server.faults().always(Fault::TooManyRequests {
        retry_after_secs: 0,
    });
    mock.list(&["--gateway", "gw-alpha", "--retries", "0"])
        .assert()
        .code(4)
        .stderr(predicate::str::contains("HTTP 429"));
    mock.server.faults().clear();
    // The first request lists the gateways (to resolve "gw-alpha"); the second lists the
    // connections.
    mock.server
        .faults()
        .push(Fault::Latency(Duration::ZERO))
        .push(Fault::WrongFieldType);
    mock.list(&["--gateway", "gw-alpha"])
        .assert()
        .code(4)
        .stderr(predicate::str::contains("inbound_bytes"));
}

#[test]
fn unreachable_endpoint_exits_5() {
    // Port 0: nothing can listen there (a connection is refused), unlike a port freed
    // after binding it, which another process may take.
    let mock = Mock::deterministic();
    mock.cmd()
        .args([
            "connections",
            "list",
            "--gateway",
            "gw-alpha",
            "--retries",
            "0",
            "--endpoint",
            "http://127.0.0.1:0",
        ])
        .assert()
        .code(5)
        .stderr(predicate::str::contains("cannot connect").or(predicate::str::contains("connect")));
}

#[test]
fn a_connection_cut_mid_body_exits_5() {
    let mock = Mock::deterministic();
    mock.server.faults().always(Fault::ResetMidBody);
    mock.list(&["--gateway", "gw-alpha", "--retries", "0"])
        .assert()
        .code(5);
}

#[test]
fn timeout_against_a_hung_server_exits_5() {
    let mock = Mock::deterministic();
    mock.server.faults().always(Fault::Hang);
    // The server never answers: the process ending at all shows the timeout works; the
    // request count shows both attempts were made (no clock).
    let out = mock
        .list(&["--gateway", "gw-alpha", "--timeout", "1s", "--retries", "1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("time"), "{err}");
    assert_eq!(mock.server.requests().len(), 2);
}

#[test]
fn a_closed_pipe_ends_quietly() {
    let mock = Mock::start(|b| b.gateway("gw-many", 3000));
    let mut child = mock
        .std_cmd()
        .args(["connections", "list", "--endpoint", mock.server.base_url()])
        .args(["--gateway", "gw-many", "-o", "ndjson"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    assert!(line.starts_with('{'));
    drop(reader);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stderr(&out), "", "nothing on stderr");
}

#[test]
fn help_documents_exit_codes_and_environment() {
    bare_cmd()
        .args(["connections", "list", "--help"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("Exit codes:")
                .and(predicate::str::contains("HUAWEICLOUD_SDK_AK"))
                .and(predicate::str::contains("[env: HUAWEICLOUD_SDK_REGION="))
                .and(predicate::str::contains("[env: HUAWEICLOUD_SDK_ENDPOINT="))
                .and(predicate::str::contains("5  network")),
        );
}

#[test]
fn demo_works_offline_without_credentials() {
    // Hostile environment: it must be ignored.
    let out = bare_cmd()
        .arg("demo")
        .env("HUAWEICLOUD_SDK_ENDPOINT", "http://127.0.0.1:1")
        .env("HUAWEICLOUD_SDK_AK", "USER-REAL-AK")
        .env("HUAWEICLOUD_SDK_SK", "user-real-sk")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("CONNECTION ID") && text.contains("25 connections"),
        "{text}"
    );
    assert!(text.contains("3 signed requests"), "several pages: {text}");
    assert!(
        text.contains("HUAWEICLOUD_SDK_AK")
            && text.contains("--region")
            && text.contains("p2c-vpn connections list"),
        "{text}"
    );
    assert!(!text.contains("USER-REAL-AK") && !text.contains("user-real-sk"));
    assert_eq!(stderr(&out), "");
}

#[test]
fn colours_only_when_asked_for() {
    let mock = Mock::deterministic();
    let plain = mock.list(&["--gateway", "gw-beta"]).output().unwrap();
    assert!(
        !stdout(&plain).contains('\x1b'),
        "not a terminal: no colours"
    );
    let forced = mock
        .list(&["--gateway", "gw-beta"])
        .env_remove("NO_COLOR")
        .env("CLICOLOR_FORCE", "1")
        .output()
        .unwrap();
    assert!(
        stdout(&forced).contains("\x1b["),
        "CLICOLOR_FORCE forces colours"
    );
    let no_color = mock
        .list(&["--gateway", "gw-beta"])
        .env("CLICOLOR_FORCE", "1")
        .output()
        .unwrap();
    assert!(!stdout(&no_color).contains('\x1b'), "NO_COLOR wins");
}

#[test]
fn all_as_ndjson_streams_pages_and_reports_a_later_failure() {
    let mock = Mock::start(|b| b.seed(5).gateway("gw-big", 250));
    // The gateway listing (resolving "gw-big") and the first page are served; every
    // later request fails.
    mock.server
        .faults()
        .push(Fault::Latency(Duration::ZERO))
        .push(Fault::Latency(Duration::ZERO))
        .push_n(Fault::Status(p2c_vpn_mock::StatusCode::BAD_REQUEST), 10);
    let out = mock
        .list(&[
            "--gateway",
            "gw-big",
            "--all",
            "--page-size",
            "100",
            "--retries",
            "0",
            "-o",
            "ndjson",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    // Rows arrive as pages do: the first page was written before the failure.
    assert_eq!(ndjson(&stdout(&out)).len(), 100);
    assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
}
