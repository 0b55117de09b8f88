//! The exporter against the offline mock: families and labels, formats, the cache,
//! cardinality, several targets, configuration, serving (failures and hangs: `failures`).

use crate::common;

use std::time::Duration;

use common::*;
use p2c_vpn_exporter::{Exporter, ExporterConfig, Format, Target};
use p2c_vpn_mock::{MockServer, Operation};

fn gateway_series(samples: &[Sample]) -> usize {
    samples
        .iter()
        .filter(|s| s.name != "p2c_vpn_api_requests_total")
        .count()
}

#[tokio::test]
async fn families_labels_and_values_follow_the_mock() {
    let server = three_gateways().await;
    let served = serve(exporter(common::config(&server))).await;
    let (content_type, body) = get(&served.url("/metrics"), None).await;
    assert_eq!(content_type, "text/plain; version=0.0.4; charset=utf-8");
    for family in [
        "# TYPE p2c_vpn_up gauge",
        "# TYPE p2c_vpn_gateway_connections gauge",
        "# TYPE p2c_vpn_gateway_max_connections gauge",
        "# TYPE p2c_vpn_gateway_inbound_bytes gauge",
        "# TYPE p2c_vpn_gateway_outbound_bytes gauge",
        "# TYPE p2c_vpn_gateway_inbound_packets gauge",
        "# TYPE p2c_vpn_gateway_outbound_packets gauge",
        "# TYPE p2c_vpn_api_requests_total counter",
        "# TYPE p2c_vpn_collection_duration_seconds gauge",
        "# TYPE p2c_vpn_last_success_timestamp_seconds gauge",
        "# HELP p2c_vpn_up ",
    ] {
        assert!(body.contains(family), "{family} missing from\n{body}");
    }
    assert!(
        !body.contains("p2c_vpn_connection_"),
        "per-connection is off:\n{body}"
    );
    let samples = parse(&body);
    let client = client(&server);
    for (id, name, count, max) in [
        (GW_A, "office", 5, 20),
        (GW_B, "lab", 3, 10),
        (GW_C, "idle", 0, 10),
    ] {
        let gw = [("gateway", id)];
        let named = [("gateway", id), ("gateway_name", name)];
        assert_eq!(value(&samples, "p2c_vpn_up", &gw), 1.0, "{name}");
        assert_eq!(
            value(&samples, "p2c_vpn_gateway_connections", &named),
            count as f64
        );
        assert_eq!(
            value(&samples, "p2c_vpn_gateway_max_connections", &named),
            max as f64
        );
        // The sums are those of the connections the API lists (the clock is frozen).
        let conns = client.connections(id).collect_all().await.expect("lists");
        let sum = |f: fn(&p2c_vpn::Connection) -> Option<u64>| {
            conns.iter().filter_map(f).sum::<u64>() as f64
        };
        assert_eq!(
            value(&samples, "p2c_vpn_gateway_inbound_bytes", &named),
            sum(p2c_vpn::Connection::inbound_bytes)
        );
        assert_eq!(
            value(&samples, "p2c_vpn_gateway_outbound_bytes", &named),
            sum(p2c_vpn::Connection::outbound_bytes)
        );
        assert_eq!(
            value(&samples, "p2c_vpn_gateway_inbound_packets", &named),
            sum(p2c_vpn::Connection::inbound_packets)
        );
        assert_eq!(
            value(&samples, "p2c_vpn_gateway_outbound_packets", &named),
            sum(p2c_vpn::Connection::outbound_packets)
        );
        if count > 0 {
            assert!(sum(p2c_vpn::Connection::inbound_bytes) > 0.0);
        }
        let duration = value(&samples, "p2c_vpn_collection_duration_seconds", &gw);
        assert!((0.0..5.0).contains(&duration), "{duration}");
        let last = value(&samples, "p2c_vpn_last_success_timestamp_seconds", &gw);
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock")
            .as_secs_f64();
        assert!((now - 60.0..=now + 1.0).contains(&last), "{last} vs {now}");
        // Only the documented labels: no region/project with a single target.
        for s in find(&samples, "p2c_vpn_gateway_connections", &gw) {
            assert_eq!(
                s.labels.keys().collect::<Vec<_>>(),
                ["gateway", "gateway_name"]
            );
        }
    }
    assert_eq!(
        value(
            &samples,
            "p2c_vpn_api_requests_total",
            &[("operation", "ListP2cVgws"), ("outcome", "success")]
        ),
        1.0
    );
    assert_eq!(
        value(
            &samples,
            "p2c_vpn_api_requests_total",
            &[
                ("operation", "ListP2cVgwConnections"),
                ("outcome", "success")
            ]
        ),
        3.0,
        "one page per gateway"
    );
    // What the exporter counted is what the mock saw (the test's own listings aside).
    assert_eq!(requests(&server, Operation::ListP2cVgws), 1);
    served.shutdown().await.expect("clean shutdown");
}

#[tokio::test]
async fn openmetrics_when_the_scraper_asks_for_it() {
    let server = three_gateways().await;
    let served = serve(exporter(common::config(&server))).await;
    // What Prometheus 2.x sends.
    let accept = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
    let (content_type, body) = get(&served.url("/metrics"), Some(accept)).await;
    assert_eq!(
        content_type,
        "application/openmetrics-text; version=1.0.0; charset=utf-8"
    );
    assert!(body.ends_with("# EOF\n"), "{body}");
    assert!(
        body.contains("# TYPE p2c_vpn_api_requests counter\n"),
        "{body}"
    );
    assert!(body.contains("p2c_vpn_api_requests_total{"), "{body}");
    let samples = parse(&body);
    assert_eq!(value(&samples, "p2c_vpn_up", &[("gateway", GW_A)]), 1.0);
    // Plain text otherwise.
    let (content_type, body) = get(&served.url("/metrics"), Some("text/plain")).await;
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    assert!(!body.contains("# EOF"));
    let (_, health) = get(&served.url("/healthz"), None).await;
    assert_eq!(health, "ok\n");
}

#[test]
fn accept_negotiation() {
    assert_eq!(Format::from_accept(None), Format::Prometheus);
    assert_eq!(Format::from_accept(Some("*/*")), Format::Prometheus);
    assert_eq!(
        Format::from_accept(Some("application/openmetrics-text")),
        Format::OpenMetrics
    );
    assert_eq!(
        Format::from_accept(Some("text/plain;q=0.9, application/openmetrics-text;q=0.5")),
        Format::Prometheus
    );
    assert_eq!(
        Format::from_accept(Some("application/openmetrics-text;q=0")),
        Format::Prometheus
    );
    assert_eq!(
        Format::from_accept(Some("Application/OpenMetrics-Text; version=1.0.0")),
        Format::OpenMetrics
    );
}

#[tokio::test]
async fn scrapes_within_min_interval_share_one_collection() {
    let server = three_gateways().await;
    let exporter = exporter(common::config(&server).min_interval(Duration::from_secs(3600)));
    let first = exporter.scrape(Format::Prometheus).await;
    let after_first = server.requests().len();
    assert_eq!(after_first, 1 + 3, "one gateway list, one page per gateway");
    // Sequential and concurrent scrapes within the interval call nothing.
    let second = exporter.scrape(Format::Prometheus).await;
    let concurrent =
        futures::future::join_all((0..8).map(|_| exporter.scrape(Format::Prometheus))).await;
    assert_eq!(server.requests().len(), after_first);
    let strip = |s: &str| gateway_series(&parse(s));
    assert_eq!(strip(&first), strip(&second));
    for body in &concurrent {
        assert_eq!(parse(body), parse(&second));
    }

    // Concurrent scrapes that start a collection join it rather than multiply it.
    let server = three_gateways().await;
    server.faults().set_latency(Duration::from_millis(200));
    let exporter =
        common::exporter(common::config(&server).min_interval(Duration::from_secs(3600)));
    let bodies =
        futures::future::join_all((0..8).map(|_| exporter.scrape(Format::Prometheus))).await;
    assert_eq!(server.requests().len(), 1 + 3);
    for body in &bodies {
        assert_eq!(
            value(
                &parse(body),
                "p2c_vpn_gateway_connections",
                &[("gateway", GW_A)]
            ),
            5.0
        );
    }

    // Without a minimum interval, every scrape collects.
    let server = three_gateways().await;
    let exporter = common::exporter(common::config(&server));
    exporter.scrape(Format::Prometheus).await;
    exporter.scrape(Format::Prometheus).await;
    assert_eq!(server.requests().len(), 2 * (1 + 3));
}

#[tokio::test]
async fn cache_expires_after_min_interval() {
    // The cache reads Tokio's clock: paused after the first collection, it moves only by
    // `advance`, so the test places each scrape on either side of the interval without
    // racing the wall clock (nothing but the cached scrape runs while it is paused).
    let min_interval = Duration::from_secs(3600);
    let server = three_gateways().await;
    let exporter = exporter(common::config(&server).min_interval(min_interval));
    let before = tokio::time::Instant::now();
    exporter.scrape(Format::Prometheus).await;
    assert_eq!(server.requests().len(), 4);
    // The collection started at or after `before`, and before now.
    tokio::time::pause();
    let collecting = before.elapsed();
    let short_of_it = min_interval
        .checked_sub(collecting + Duration::from_millis(1))
        .expect("hung: the first collection took an hour");
    tokio::time::advance(short_of_it).await;
    exporter.scrape(Format::Prometheus).await;
    assert_eq!(server.requests().len(), 4, "cached within min_interval");
    // `min_interval` after the pause, it has passed whenever the collection started.
    tokio::time::advance(collecting + Duration::from_millis(1)).await;
    tokio::time::resume();
    exporter.scrape(Format::Prometheus).await;
    assert_eq!(
        server.requests().len(),
        8,
        "collected again after min_interval"
    );
}

#[tokio::test]
async fn cardinality_with_and_without_per_connection() {
    let server = three_gateways().await;
    // 3 gateways × (up, connections, max, 4 sums, duration, last success) + 2 API series
    // + the exporter's own: 2 truncation gauges, 5 HTTP closing counters, 1 refusal counter.
    let plain = parse(
        &exporter(common::config(&server))
            .scrape(Format::Prometheus)
            .await,
    );
    assert_eq!(plain.len(), 3 * 9 + 2 + 2 + 6, "{plain:#?}");
    assert!(
        plain
            .iter()
            .all(|s| !s.labels.contains_key("connection_id"))
    );

    let exporter = exporter(common::config(&server).per_connection(true));
    let samples = parse(&exporter.scrape(Format::Prometheus).await);
    // Plus 5 series (4 counters, the established time) per connection: 5 + 3 + 0.
    assert_eq!(samples.len(), 3 * 9 + 2 + 2 + 6 + 5 * 8);
    let client = client(&server);
    let conns = client.connections(GW_A).collect_all().await.expect("lists");
    let first = conns[0].connection_id().expect("id").to_string();
    let user = conns[0].user_name().expect("user").to_owned();
    let labels = [
        ("gateway", GW_A),
        ("connection_id", first.as_str()),
        ("user", user.as_str()),
    ];
    assert_eq!(
        value(&samples, "p2c_vpn_connection_inbound_bytes_total", &labels),
        conns[0].inbound_bytes().expect("counter") as f64
    );
    for name in [
        "p2c_vpn_connection_outbound_bytes_total",
        "p2c_vpn_connection_inbound_packets_total",
        "p2c_vpn_connection_outbound_packets_total",
    ] {
        value(&samples, name, &labels);
    }
    let established = value(
        &samples,
        "p2c_vpn_connection_established_timestamp_seconds",
        &labels,
    );
    let expected = conns[0].established_at().expect("time").timestamp_millis() as f64 / 1000.0;
    assert!((established - expected).abs() < 1e-6);

    // A connection that goes away takes its series with it.
    let id: p2c_vpn::ConnectionId = first.parse().expect("a connection ID");
    client.disconnect(GW_A, &id).await.expect("disconnects");
    server.clear_requests();
    let after = parse(&exporter.scrape(Format::Prometheus).await);
    assert_eq!(after.len(), samples.len() - 5);
    assert!(
        find(
            &after,
            "p2c_vpn_connection_inbound_bytes_total",
            &[("connection_id", &first)]
        )
        .is_empty()
    );
    assert_eq!(
        value(&after, "p2c_vpn_gateway_connections", &[("gateway", GW_A)]),
        4.0
    );
}

#[tokio::test]
async fn gateways_are_chosen_by_id_or_name() {
    let server = three_gateways().await;
    let exporter = exporter(common::config(&server).gateways(["office", GW_B, "no-such-gateway"]));
    let samples = parse(&exporter.scrape(Format::Prometheus).await);
    assert_eq!(value(&samples, "p2c_vpn_up", &[("gateway", GW_A)]), 1.0);
    assert_eq!(value(&samples, "p2c_vpn_up", &[("gateway", GW_B)]), 1.0);
    assert!(
        find(&samples, "p2c_vpn_up", &[("gateway", GW_C)]).is_empty(),
        "not chosen"
    );
    assert_eq!(
        value(&samples, "p2c_vpn_up", &[("gateway", "no-such-gateway")]),
        0.0
    );
    assert_eq!(requests(&server, Operation::ListP2cVgwConnections), 2);
}

#[tokio::test]
async fn label_values_are_escaped() {
    let server = mock(&[(GW_A, "we\"ird\\name", 1, 10)]).await;
    let body = exporter(common::config(&server))
        .scrape(Format::Prometheus)
        .await;
    assert!(body.contains(r#"gateway_name="we\"ird\\name""#), "{body}");
    let samples = parse(&body);
    assert_eq!(
        value(
            &samples,
            "p2c_vpn_gateway_connections",
            &[("gateway_name", "we\"ird\\name")]
        ),
        1.0
    );
}

#[tokio::test]
async fn several_targets_carry_region_and_project_labels() {
    let one = three_gateways().await;
    let other = MockServer::builder()
        .region("ap-southeast-1")
        .project_id("0123456789abcdef0123456789abcdef")
        .gateway_named("7b2d1f9f-1e4a-4c4f-8d66-4a2b6f8c1b01", "branch", 2)
        .start()
        .await
        .expect("mock");
    let targets = vec![
        Target::new(client(&one)).region("cn-north-4"),
        Target::new(client(&other)).region("ap-southeast-1"),
    ];
    let exporter = Exporter::new(
        ExporterConfig::new(targets)
            .min_interval(Duration::ZERO)
            .per_connection(true),
    )
    .expect("config");
    let samples = parse(&exporter.scrape(Format::Prometheus).await);
    let branch = [
        ("gateway", "7b2d1f9f-1e4a-4c4f-8d66-4a2b6f8c1b01"),
        ("region", "ap-southeast-1"),
        ("project", "0123456789abcdef0123456789abcdef"),
    ];
    assert_eq!(value(&samples, "p2c_vpn_gateway_connections", &branch), 2.0);
    assert_eq!(
        value(
            &samples,
            "p2c_vpn_up",
            &[
                ("gateway", GW_A),
                ("region", "cn-north-4"),
                ("project", one.project_id())
            ]
        ),
        1.0
    );
    assert_eq!(
        find(&samples, "p2c_vpn_connection_inbound_bytes_total", &branch).len(),
        2
    );
    for region in ["cn-north-4", "ap-southeast-1"] {
        value(
            &samples,
            "p2c_vpn_api_requests_total",
            &[
                ("operation", "ListP2cVgws"),
                ("outcome", "success"),
                ("region", region),
            ],
        );
    }
    // Every series of a gateway or a call has both labels (the HTTP server's are the
    // process's own).
    for s in samples
        .iter()
        .filter(|s| !s.name.starts_with("p2c_vpn_exporter_http_"))
    {
        assert!(
            s.labels.contains_key("region") && s.labels.contains_key("project"),
            "{s:?}"
        );
    }
}

#[tokio::test]
async fn the_project_is_looked_up_once_and_counted() {
    let server = three_gateways().await;
    let client = p2c_vpn::Client::builder()
        .endpoint(server.base_url())
        .iam_endpoint(server.base_url())
        .region("cn-north-4")
        .credentials(p2c_vpn::Credentials::new(
            p2c_vpn_mock::DEFAULT_ACCESS_KEY,
            p2c_vpn_mock::DEFAULT_SECRET_KEY,
        ))
        .retry(p2c_vpn::RetryConfig::disabled())
        .build()
        .expect("client");
    let exporter =
        exporter(ExporterConfig::new(vec![Target::new(client)]).min_interval(Duration::ZERO));
    exporter.scrape(Format::Prometheus).await;
    let samples = parse(&exporter.scrape(Format::Prometheus).await);
    assert_eq!(
        value(
            &samples,
            "p2c_vpn_api_requests_total",
            &[
                ("operation", "KeystoneListProjects"),
                ("outcome", "success")
            ]
        ),
        1.0
    );
    assert_eq!(requests(&server, Operation::KeystoneListProjects), 1);
    assert_eq!(value(&samples, "p2c_vpn_up", &[("gateway", GW_B)]), 1.0);
}

#[tokio::test]
async fn the_configuration_is_checked() {
    let server = three_gateways().await;
    let err = Exporter::new(ExporterConfig::new(Vec::new())).expect_err("no target");
    assert!(err.to_string().contains("no target"), "{err}");
    let err = Exporter::new(common::config(&server).concurrency(0)).expect_err("zero");
    assert!(err.to_string().contains("concurrency"), "{err}");
    let err =
        Exporter::new(common::config(&server).scrape_timeout(Duration::ZERO)).expect_err("zero");
    assert!(err.to_string().contains("timeout"), "{err}");
    let err = Exporter::new(common::config(&server).gateways([" "])).expect_err("empty");
    assert!(err.to_string().contains("empty"), "{err}");
    let twice = vec![
        Target::new(client(&server)).region("cn-north-4"),
        Target::new(client(&server)).region("cn-north-4"),
    ];
    let err = Exporter::new(ExporterConfig::new(twice)).expect_err("same labels");
    assert!(err.to_string().contains("same region"), "{err}");
    for bad in ["", ":", "cn-north-4:", "cn north", "a/b", "cn-north-4:x/y"] {
        assert!(
            bad.parse::<p2c_vpn_exporter::TargetSpec>().is_err(),
            "{bad:?}"
        );
    }
    let spec: p2c_vpn_exporter::TargetSpec = "ap-southeast-1".parse().expect("region only");
    assert_eq!(
        (spec.region.as_str(), spec.project.as_deref()),
        ("ap-southeast-1", None)
    );
    assert_eq!(spec.to_string(), "ap-southeast-1");
}

#[tokio::test]
async fn serve_binds_and_stops_on_the_shutdown_future() {
    let events = EventLog::default();
    let _events = events.install();
    let server = three_gateways().await;
    // Port 0 through `serve` itself: it binds the configured address, and says which.
    let config = common::config(&server).listen("127.0.0.1:0".parse().expect("addr"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(p2c_vpn_exporter::serve(config, async move {
        let _ = stopped.await;
    }));
    // The address from its `serving` event (polled: the guard only turns a hang into a
    // failure).
    let addr = tokio::time::timeout(HUNG, async {
        loop {
            if let Some(addr) = events.serving() {
                break addr;
            }
            assert!(!task.is_finished(), "serve returned before serving");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("hung: never served");
    assert_eq!(get(&format!("http://{addr}/healthz"), None).await.1, "ok\n");
    stop.send(()).expect("running");
    let result = tokio::time::timeout(HUNG, task)
        .await
        .expect("hung: did not stop")
        .expect("task");
    assert!(result.is_ok(), "{result:?}");

    // A taken port is a bind error naming the address.
    let taken = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = taken.local_addr().expect("addr");
    let err = p2c_vpn_exporter::serve(common::config(&server).listen(addr), std::future::pending())
        .await
        .expect_err("in use");
    assert!(err.to_string().contains(&addr.to_string()), "{err}");
}
