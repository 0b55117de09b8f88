//! The exporter when the service fails or hangs: failing gateways and listings, errors
//! before any gateway is known, a hung gateway against the scrape timeout and Prometheus'
//! timeout header, and shutting down during a hung collection.

use crate::common;

use std::time::Duration;

use common::*;
use p2c_vpn_exporter::{ExporterConfig, Format, Target};
use p2c_vpn_mock::{Fault, MockServer, Operation, StatusCode};

#[tokio::test]
async fn a_failing_gateway_is_down_while_the_others_stay_up() {
    let server = three_gateways().await;
    let exporter = exporter(common::config(&server));
    let before = parse(&exporter.scrape(Format::Prometheus).await);
    // The gateway list goes through; the next request (one gateway's page) fails.
    server
        .faults()
        .push(Fault::Latency(Duration::ZERO))
        .push(Fault::Status(StatusCode::INTERNAL_SERVER_ERROR));
    let after = parse(&exporter.scrape(Format::Prometheus).await);
    let ups: Vec<(&str, f64)> = [GW_A, GW_B, GW_C]
        .iter()
        .map(|id| (*id, value(&after, "p2c_vpn_up", &[("gateway", id)])))
        .collect();
    let down: Vec<&str> = ups
        .iter()
        .filter(|(_, v)| *v == 0.0)
        .map(|(id, _)| *id)
        .collect();
    assert_eq!(down.len(), 1, "exactly one gateway failed: {ups:?}");
    assert_eq!(ups.iter().filter(|(_, v)| *v == 1.0).count(), 2, "{ups:?}");
    let failed = down[0];
    // The failed gateway keeps its last values and last success time.
    for name in [
        "p2c_vpn_gateway_connections",
        "p2c_vpn_gateway_inbound_bytes",
        "p2c_vpn_last_success_timestamp_seconds",
    ] {
        assert_eq!(
            value(&after, name, &[("gateway", failed)]),
            value(&before, name, &[("gateway", failed)]),
            "{name}"
        );
    }
    assert_eq!(
        value(
            &after,
            "p2c_vpn_api_requests_total",
            &[
                ("operation", "ListP2cVgwConnections"),
                ("outcome", "service_error")
            ]
        ),
        1.0
    );
    // It recovers on the next collection.
    let again = parse(&exporter.scrape(Format::Prometheus).await);
    assert_eq!(value(&again, "p2c_vpn_up", &[("gateway", failed)]), 1.0);
}

#[tokio::test]
async fn a_failing_gateway_list_keeps_collecting_the_known_gateways() {
    let server = three_gateways().await;
    let exporter = exporter(common::config(&server));
    exporter.scrape(Format::Prometheus).await;
    server
        .faults()
        .fail_next(1, StatusCode::SERVICE_UNAVAILABLE);
    let samples = parse(&exporter.scrape(Format::Prometheus).await);
    for id in [GW_A, GW_B, GW_C] {
        assert_eq!(value(&samples, "p2c_vpn_up", &[("gateway", id)]), 1.0);
    }
    assert_eq!(
        value(
            &samples,
            "p2c_vpn_api_requests_total",
            &[("operation", "ListP2cVgws"), ("outcome", "service_error")]
        ),
        1.0
    );
}

#[tokio::test]
async fn errors_before_any_gateway_is_known_never_crash_the_exporter() {
    let server = three_gateways().await;
    server.faults().always(Fault::Status(StatusCode::FORBIDDEN));
    let served = serve(exporter(common::config(&server))).await;
    for _ in 0..3 {
        let (_, body) = get(&served.url("/metrics"), None).await;
        let samples = parse(&body);
        assert!(find(&samples, "p2c_vpn_up", &[]).is_empty(), "{body}");
        assert!(
            value(
                &samples,
                "p2c_vpn_api_requests_total",
                &[("operation", "ListP2cVgws"), ("outcome", "unauthorized")]
            ) >= 1.0
        );
    }
    server.faults().never();
    let (_, body) = get(&served.url("/metrics"), None).await;
    assert_eq!(
        value(&parse(&body), "p2c_vpn_up", &[("gateway", GW_A)]),
        1.0
    );
}

/// Requests for `gateway`'s connections the mock received.
fn connection_requests(server: &MockServer, gateway: &str) -> usize {
    server
        .requests()
        .iter()
        .filter(|r| {
            r.operation == Some(Operation::ListP2cVgwConnections) && r.path.contains(gateway)
        })
        .count()
}

#[tokio::test]
async fn a_hung_gateway_never_holds_the_scrape_past_its_timeout() {
    // What ends each round is read from the exporter's `round ended` event (and the
    // metrics), never from the time a scrape took.
    let events = EventLog::default();
    let _events = events.install();
    let server = three_gateways().await;
    // Attempts time out after 6 s, three times the scrape timeout: every scrape below meets
    // the hung call still hanging, and it ends (as a failure) during the test.
    let client = builder(&server)
        .timeout(Duration::from_secs(6))
        .build()
        .expect("client");
    let config = ExporterConfig::new(vec![Target::new(client)])
        .min_interval(Duration::ZERO)
        .scrape_timeout(Duration::from_secs(2));
    let served = serve(exporter(config)).await;
    let url = served.url("/metrics");
    let (_, body) = get(&url, None).await;
    let before = parse(&body);
    assert_eq!(events.rounds_cut(), [false]);

    server
        .faults()
        .push(Fault::Latency(Duration::ZERO))
        .push(Fault::Hang);
    let (_, body) = get(&url, None).await;
    // The round was ended by the scrape timeout, with the other gateways collected: the
    // scrape waited for them, and not for the hung one.
    assert_eq!(events.rounds_cut(), [false, true], "{body}");
    let during = parse(&body);
    let down: Vec<&str> = [GW_A, GW_B, GW_C]
        .into_iter()
        .filter(|id| value(&during, "p2c_vpn_up", &[("gateway", id)]) == 0.0)
        .collect();
    assert_eq!(down.len(), 1, "{body}");
    let hung = down[0];
    for id in [GW_A, GW_B, GW_C].into_iter().filter(|id| *id != hung) {
        assert_eq!(
            value(&during, "p2c_vpn_up", &[("gateway", id)]),
            1.0,
            "{body}"
        );
    }
    assert_eq!(
        value(&during, "p2c_vpn_gateway_connections", &[("gateway", hung)]),
        value(&before, "p2c_vpn_gateway_connections", &[("gateway", hung)]),
        "last good value served"
    );
    let hung_calls = connection_requests(&server, hung);
    assert_eq!(hung_calls, 2);

    // While it still hangs, a scrape does not wait for it again (its round ends with its
    // own work, not at the deadline) nor start a second call.
    let (_, body) = get(&url, None).await;
    assert_eq!(events.rounds_cut(), [false, true, false], "{body}");
    let still = parse(&body);
    assert_eq!(value(&still, "p2c_vpn_up", &[("gateway", hung)]), 0.0);
    assert_eq!(connection_requests(&server, hung), hung_calls);
    assert!(
        find(
            &still,
            "p2c_vpn_api_requests_total",
            &[("outcome", "timeout")]
        )
        .is_empty(),
        "answered while the call still hung: {body}"
    );

    // Once the attempt times out, it is collected again (scrapes until then find it
    // still hanging; the guard only turns a hang into a failure).
    let polls = HUNG.as_millis() / 50;
    let mut after = Vec::new();
    for poll in 0.. {
        let (_, body) = get(&url, None).await;
        after = parse(&body);
        if value(&after, "p2c_vpn_up", &[("gateway", hung)]) == 1.0 {
            break;
        }
        assert!(poll < polls, "hung: never collected again\n{body}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        value(
            &after,
            "p2c_vpn_api_requests_total",
            &[
                ("operation", "ListP2cVgwConnections"),
                ("outcome", "timeout")
            ]
        ),
        1.0
    );
    served.shutdown().await.expect("clean");
}

#[tokio::test]
async fn shutting_down_does_not_wait_for_a_hung_collection() {
    let server = three_gateways().await;
    // A hung call here would last an hour.
    let client = builder(&server)
        .timeout(Duration::from_secs(3600))
        .build()
        .expect("client");
    let config = ExporterConfig::new(vec![Target::new(client)])
        .min_interval(Duration::ZERO)
        .scrape_timeout(Duration::from_secs(2));
    let exporter = exporter(config);
    let served = serve(exporter.clone()).await;
    server
        .faults()
        .push(Fault::Latency(Duration::ZERO))
        .push(Fault::Hang);
    let (_, body) = get(&served.url("/metrics"), None).await;
    let down = [GW_A, GW_B, GW_C]
        .into_iter()
        .filter(|id| value(&parse(&body), "p2c_vpn_up", &[("gateway", id)]) == 0.0)
        .count();
    assert_eq!(down, 1, "one collection hangs: {body}");
    tokio::time::timeout(HUNG, served.shutdown())
        .await
        .expect("hung: shutting down waited for the hung collection")
        .expect("clean");
    // Stopped: the hung call was dropped, not counted as anything.
    let samples = parse(&exporter.scrape(Format::Prometheus).await);
    assert!(
        find(
            &samples,
            "p2c_vpn_api_requests_total",
            &[
                ("operation", "ListP2cVgwConnections"),
                ("outcome", "timeout")
            ]
        )
        .is_empty()
    );
}

#[tokio::test]
async fn prometheus_timeout_header_shortens_the_wait() {
    let server = three_gateways().await;
    // The configured wait is long: only the header can end the first scrape below before
    // the collection it started.
    let config = common::config(&server).scrape_timeout(Duration::from_secs(60));
    let served = serve(exporter(config)).await;
    let url = served.url("/metrics");
    let (_, body) = get(&url, None).await;
    let before = parse(&body);

    // Every request now takes 1.5 s from when the mock gets it; Prometheus says it waits
    // 1 s (the exporter answers 250 ms before): the answer comes while all three are
    // still in flight, whatever the machine's load.
    server.faults().set_latency(Duration::from_millis(1500));
    p2c_vpn::install_crypto_provider();
    let body = tokio::time::timeout(
        HUNG,
        reqwest::Client::new()
            .get(&url)
            .header("x-prometheus-scrape-timeout-seconds", "1")
            .send(),
    )
    .await
    .expect("hung: the header did not shorten the wait")
    .expect("scrape")
    .text()
    .await
    .expect("body");
    let during = parse(&body);
    for id in [GW_A, GW_B, GW_C] {
        let gw = [("gateway", id)];
        assert_eq!(value(&during, "p2c_vpn_up", &gw), 0.0, "{body}");
        assert_eq!(
            value(&during, "p2c_vpn_gateway_connections", &gw),
            value(&before, "p2c_vpn_gateway_connections", &gw)
        );
    }
    // The collection went on; the next scrape waits for it and sees everything up.
    server.faults().set_latency(Duration::ZERO);
    let (_, body) = get(&url, None).await;
    let after = parse(&body);
    for id in [GW_A, GW_B, GW_C] {
        assert_eq!(
            value(&after, "p2c_vpn_up", &[("gateway", id)]),
            1.0,
            "{body}"
        );
    }
}
