//! The fault matrix: every way the service or the network can misbehave, one row each,
//! with the outcome the client promises. Rows run against the stateful mock
//! (`p2c-vpn-mock`) where it can produce the fault, else against wiremock.

use std::time::Duration;

use p2c_vpn::{Client, Credentials, ErrorKind, RetryConfig};
use p2c_vpn_mock::{Fault, MockServer, StatusCode};
use serde_json::json;
use tracing::instrument::WithSubscriber as _;
use wiremock::matchers::method;
use wiremock::{Mock, ResponseTemplate};

const GATEWAY: &str = "6a3c1f0e-2b4d-4e8f-9a1b-3c5d7e9f1a2b";
const CONNECTIONS: usize = 25;
/// What the error of the whole-operation timeout says (an attempt's timeout says only
/// reqwest's "operation timed out").
const OPERATION_TIMEOUT: &str = "(raise the operation timeout?)";

use crate::common::retry_log::RetryLog;

/// Where a row's faults come from.
enum Setup {
    /// The mock, with faults queued (one per request, in order) or applied to every request.
    Mock {
        queued: Vec<Fault>,
        always: Option<Fault>,
    },
    /// The mock, queried with other credentials / project / gateway than it knows.
    MockWrong { wrong: Wrong },
    /// A wiremock server giving this response to every request.
    Wire(ResponseTemplate),
}

enum Wrong {
    SecretKey,
    ProjectId,
    Gateway,
}

/// What the client call must produce.
enum Expect {
    /// Success with this many connections, after this many attempts at least.
    Ok { connections: usize },
    /// Failure of this kind, optionally with this status, error code and message fragment.
    Err {
        kind: ErrorKind,
        status: Option<u16>,
        code: Option<&'static str>,
        says: Option<&'static str>,
    },
}

struct Row {
    name: &'static str,
    setup: Setup,
    /// Per-attempt timeout for this row.
    timeout: Duration,
    /// List every page (page size 10) instead of one request.
    all_pages: bool,
    expect: Expect,
    /// The waits the retry loop must decide, in order (Retry-After honoured), when given.
    /// What is asserted is the decision and the attempts, never the time the call took.
    retry_delays: Option<Vec<Duration>>,
    /// The attempts a failed call must report, when given.
    attempts: Option<u32>,
}

fn row(name: &'static str, setup: Setup, expect: Expect) -> Row {
    Row {
        name,
        setup,
        timeout: Duration::from_secs(5),
        all_pages: false,
        expect,
        retry_delays: None,
        attempts: None,
    }
}

fn queued(faults: Vec<Fault>) -> Setup {
    Setup::Mock {
        queued: faults,
        always: None,
    }
}

fn always(fault: Fault) -> Setup {
    Setup::Mock {
        queued: Vec::new(),
        always: Some(fault),
    }
}

fn ok(connections: usize) -> Expect {
    Expect::Ok { connections }
}

fn err(kind: ErrorKind, status: Option<u16>, code: Option<&'static str>) -> Expect {
    Expect::Err {
        kind,
        status,
        code,
        says: None,
    }
}

fn page_with(connection: serde_json::Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "connections": [connection], "total_count": 1, "request_id": "r"
    }))
}

fn rows() -> Vec<Row> {
    let base_connection = json!({
        "connection_id": "10293371-114e-4d2a-878e-c6a616d0ec0e",
        "client_user_name": "1111",
        "inbound_bytes": 4185_i64,
        "connection_established_time": "2024-06-17T02:58:27.213Z",
        "timestamp": "2024-06-17T02:58:48Z"
    });
    let mut huge = base_connection.clone();
    huge["inbound_bytes"] = json!(1_i64 << 62);
    huge["outbound_packets"] = json!(i64::MAX);
    let mut unknown = base_connection.clone();
    unknown["client_os"] = json!({"name": "linux", "tags": [1, 2]});

    vec![
        row(
            "503 twice, then 200",
            queued(vec![
                Fault::Status(StatusCode::SERVICE_UNAVAILABLE),
                Fault::Status(StatusCode::SERVICE_UNAVAILABLE),
            ]),
            ok(10),
        ),
        Row {
            retry_delays: Some(vec![Duration::from_secs(1)]),
            ..row(
                "429 with Retry-After: 1, then 200",
                queued(vec![Fault::TooManyRequests {
                    retry_after_secs: 1,
                }]),
                ok(10),
            )
        },
        Row {
            retry_delays: Some(vec![Duration::ZERO, Duration::ZERO]),
            attempts: Some(3),
            ..row(
                "429 on every attempt",
                always(Fault::TooManyRequests {
                    retry_after_secs: 0,
                }),
                err(ErrorKind::Throttled, Some(429), Some("APIGW.0308")),
            )
        },
        Row {
            // Each attempt is cut by its own timeout (the operation's, 120 s by default,
            // would say "raise the operation timeout"), and every attempt is made.
            timeout: Duration::from_millis(300),
            attempts: Some(3),
            ..row(
                "hung server, 300 ms per attempt",
                always(Fault::Hang),
                Expect::Err {
                    kind: ErrorKind::Timeout,
                    status: None,
                    code: None,
                    says: Some("timed out"),
                },
            )
        },
        row(
            "connection reset mid-body once, then fine",
            queued(vec![Fault::ResetMidBody]),
            ok(10),
        ),
        row(
            "connection reset mid-body on every attempt",
            always(Fault::ResetMidBody),
            err(ErrorKind::Network, None, None),
        ),
        row(
            "truncated JSON",
            always(Fault::TruncatedJson),
            err(ErrorKind::Decode, None, None),
        ),
        row(
            "HTML page with status 200",
            Setup::Wire(
                ResponseTemplate::new(200)
                    .set_body_raw("<html><body>Sign in</body></html>", "text/html"),
            ),
            Expect::Err {
                kind: ErrorKind::Decode,
                status: None,
                code: None,
                says: Some("<html><body>Sign in"),
            },
        ),
        row(
            "HTML 502 from a proxy on every attempt",
            always(Fault::HtmlBadGateway),
            Expect::Err {
                kind: ErrorKind::Service,
                status: Some(502),
                code: None,
                says: Some("html"),
            },
        ),
        row(
            "wrong field type",
            always(Fault::WrongFieldType),
            Expect::Err {
                kind: ErrorKind::Decode,
                status: None,
                code: None,
                says: Some("connections[0].inbound_bytes"),
            },
        ),
        row(
            "2^62 and i64::MAX counters",
            Setup::Wire(page_with(huge)),
            ok(1),
        ),
        row("unknown fields", Setup::Wire(page_with(unknown)), ok(1)),
        Row {
            all_pages: true,
            ..row(
                "server ignoring offset",
                always(Fault::IgnoreOffset),
                Expect::Err {
                    kind: ErrorKind::Pagination,
                    status: None,
                    code: None,
                    says: Some("ignore `offset`"),
                },
            )
        },
        Row {
            all_pages: true,
            ..row("all pages, no fault", queued(Vec::new()), ok(CONNECTIONS))
        },
        row(
            "401: bad signature (APIG body)",
            Setup::MockWrong {
                wrong: Wrong::SecretKey,
            },
            err(ErrorKind::Unauthorized, Some(401), Some("APIGW.0301")),
        ),
        row(
            "403: another project (VPN body)",
            Setup::MockWrong {
                wrong: Wrong::ProjectId,
            },
            err(ErrorKind::Unauthorized, Some(403), Some("VPN.0003")),
        ),
        row(
            "404: unknown gateway ({code, message} body)",
            Setup::MockWrong {
                wrong: Wrong::Gateway,
            },
            err(ErrorKind::Service, Some(404), Some("VPN.0004")),
        ),
        row(
            "403 with a nested {error: {code, message}} body",
            Setup::Wire(
                ResponseTemplate::new(403).set_body_json(
                    json!({"error": {"code": "IAM.0011", "message": "no permission"}}),
                ),
            ),
            err(ErrorKind::Unauthorized, Some(403), Some("IAM.0011")),
        ),
        row(
            "401 with a non-JSON body",
            Setup::Wire(ResponseTemplate::new(401).set_body_string("denied")),
            Expect::Err {
                kind: ErrorKind::Unauthorized,
                status: Some(401),
                code: None,
                says: Some("denied"),
            },
        ),
        // Hostile servers (issue "Hardening"): bounded, clear, never retried in vain.
        row(
            "a body past the 16 MiB cap",
            Setup::Wire(ResponseTemplate::new(200).set_body_raw(
                vec![b' '; p2c_vpn::DEFAULT_MAX_BODY_BYTES + 1],
                "application/json",
            )),
            Expect::Err {
                kind: ErrorKind::Decode,
                status: None,
                code: None,
                says: Some("body bytes"),
            },
        ),
        row(
            "a page of 200,000 empty records (the JSON value cap)",
            Setup::Wire(ResponseTemplate::new(200).set_body_raw(
                format!(r#"{{"connections":[{}]}}"#, vec!["{}"; 200_000].join(",")),
                "application/json",
            )),
            Expect::Err {
                kind: ErrorKind::Decode,
                status: None,
                code: None,
                says: Some("JSON values"),
            },
        ),
        row(
            "a redirect (named, not followed)",
            Setup::Wire(
                ResponseTemplate::new(301).insert_header("location", "https://elsewhere.example/"),
            ),
            Expect::Err {
                kind: ErrorKind::Service,
                status: Some(301),
                code: None,
                says: Some("elsewhere.example"),
            },
        ),
        Row {
            all_pages: true,
            ..row(
                "every page the same, records without IDs",
                Setup::Wire(ResponseTemplate::new(200).set_body_json(json!({
                    "connections": [{"client_user_name": "a"}, {"client_user_name": "b"}],
                    "total_count": 1000
                }))),
                Expect::Err {
                    kind: ErrorKind::Pagination,
                    status: None,
                    code: None,
                    says: Some("repeated an earlier page"),
                },
            )
        },
    ]
}

fn client(base_url: &str, project: &str, credentials: Credentials, timeout: Duration) -> Client {
    Client::builder()
        .endpoint(base_url)
        .project_id(project)
        .credentials(credentials)
        .timeout(timeout)
        .retry(
            RetryConfig::default()
                .with_base_delay(Duration::from_millis(5))
                .with_max_delay(Duration::from_secs(2)),
        )
        .build()
        .expect("client builds")
}

async fn run(row: Row) {
    let mock = MockServer::builder()
        .gateway(GATEWAY, CONNECTIONS)
        .start()
        .await
        .expect("mock starts");
    let wire = wiremock::MockServer::start().await;
    let (base, project, credentials, gateway) = match row.setup {
        Setup::Mock { queued, always } => {
            for fault in queued {
                mock.faults().push(fault);
            }
            if let Some(fault) = always {
                mock.faults().always(fault);
            }
            (
                mock.base_url().to_owned(),
                mock.project_id().to_owned(),
                mock.credentials(),
                GATEWAY,
            )
        }
        Setup::MockWrong { wrong } => {
            let (project, credentials, gateway) = match wrong {
                Wrong::SecretKey => (
                    mock.project_id().to_owned(),
                    Credentials::new(mock.credentials().access_key(), "not-the-secret"),
                    GATEWAY,
                ),
                Wrong::ProjectId => (
                    "ffffffffffffffffffffffffffffffff".to_owned(),
                    Credentials::new(
                        mock.credentials().access_key(),
                        p2c_vpn_mock::DEFAULT_SECRET_KEY,
                    ),
                    GATEWAY,
                ),
                Wrong::Gateway => (
                    mock.project_id().to_owned(),
                    mock.credentials(),
                    "00000000-0000-4000-8000-00000000dead",
                ),
            };
            (mock.base_url().to_owned(), project, credentials, gateway)
        }
        Setup::Wire(template) => {
            Mock::given(method("GET"))
                .respond_with(template)
                .mount(&wire)
                .await;
            (
                wire.uri(),
                "p1".to_owned(),
                Credentials::new("AK", "SK"),
                GATEWAY,
            )
        }
    };
    let client = client(&base, &project, credentials, row.timeout);
    let retries = RetryLog::default();
    let outcome = async {
        if row.all_pages {
            client
                .connections(gateway)
                .page_size(10)
                .collect_all()
                .await
                .map(|c| c.len())
        } else {
            client
                .connections(gateway)
                .limit(10)
                .send()
                .await
                .map(|p| p.connections.len())
        }
    }
    .with_subscriber(retries.subscriber())
    .await;
    let name = row.name;
    if let Some(delays) = &row.retry_delays {
        assert_eq!(&retries.delays(), delays, "{name}: the retry waits decided");
    }
    if let (Some(attempts), Err(e)) = (row.attempts, &outcome) {
        assert_eq!(e.attempts(), attempts, "{name}: {e}");
        assert!(
            !e.to_string().contains(OPERATION_TIMEOUT),
            "{name}: ended by the operation timeout: {e}"
        );
    }
    match (row.expect, outcome) {
        (Expect::Ok { connections }, Ok(n)) => assert_eq!(n, connections, "{name}"),
        (Expect::Ok { .. }, Err(e)) => panic!("{name}: expected success, got {e}"),
        (Expect::Err { kind, .. }, Ok(n)) => {
            panic!("{name}: expected {kind:?}, got {n} connections")
        }
        (
            Expect::Err {
                kind,
                status,
                code,
                says,
            },
            Err(e),
        ) => {
            assert_eq!(e.kind(), kind, "{name}: {e}");
            if let Some(status) = status {
                assert_eq!(e.status().map(|s| s.as_u16()), Some(status), "{name}: {e}");
            }
            assert_eq!(e.error_code(), code, "{name}: {e}");
            if let Some(fragment) = says {
                assert!(e.to_string().contains(fragment), "{name}: {e}");
            }
            let line = e.to_string();
            assert!(!line.contains('\n'), "{name}: one line: {line}");
            assert!(
                !line.contains(p2c_vpn_mock::DEFAULT_SECRET_KEY),
                "{name}: no secret"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_matrix() {
    // Rows are independent; run them concurrently so the matrix costs its slowest row.
    let rows = rows();
    let count = rows.len();
    let handles: Vec<_> = rows.into_iter().map(|r| tokio::spawn(run(r))).collect();
    let mut failures = Vec::new();
    for handle in handles {
        if let Err(e) = handle.await {
            failures.push(e.to_string());
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {count} rows failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The error describes the last attempt: a body cut off after an earlier 503 is a network
/// error without that 503's status or request id.
#[tokio::test]
async fn the_error_describes_the_last_attempt() {
    let mock = MockServer::builder()
        .gateway(GATEWAY, CONNECTIONS)
        .start()
        .await
        .expect("mock starts");
    mock.faults()
        .push(Fault::Status(StatusCode::SERVICE_UNAVAILABLE))
        .push(Fault::ResetMidBody);
    let client = Client::builder()
        .endpoint(mock.base_url())
        .project_id(mock.project_id())
        .credentials(mock.credentials())
        .retry(
            RetryConfig::default()
                .with_max_attempts(2)
                .with_base_delay(Duration::from_millis(5)),
        )
        .build()
        .expect("client builds");
    let err = client
        .connections(GATEWAY)
        .send()
        .await
        .expect_err("last attempt cut off");
    assert_eq!(err.kind(), ErrorKind::Network, "{err}");
    assert_eq!(err.status(), None, "{err}");
    assert_eq!(err.request_id(), None, "{err}");
    assert_eq!(err.attempts(), 2);
}
