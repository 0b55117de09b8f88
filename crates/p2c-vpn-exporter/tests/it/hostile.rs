//! Issue #24: the exporter against hostile clients and a hostile upstream. Clients: a
//! request head trickled slowly (cut at the header-read timeout), oversized requests,
//! connections held idle at the cap (the oldest never-served one makes room). Upstream:
//! more gateways than `max_gateways`, more connections than `max_connection_series`,
//! failures (counted, last values kept), names far longer than a label should be.
//!
//! Loopback servers only (the mock and the exporter on port 0), on paused time: the
//! header-read timeout passes in virtual time, and nothing depends on the wall clock.

use crate::common;

use std::time::Duration;

use common::*;
use p2c_vpn_exporter::Format;
use p2c_vpn_mock::{Fault, MockGateway, MockServer, Operation, StatusCode};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

const GET_HEALTHZ: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";

/// Reads until the peer closes (or fails); what was read.
async fn read_to_close(stream: &mut TcpStream) -> String {
    let mut out = Vec::new();
    let _ = stream.read_to_end(&mut out).await;
    String::from_utf8_lossy(&out).into_owned()
}

/// Reads one `/healthz` response on a kept-alive connection (it ends with `ok\n`).
async fn read_health(stream: &mut TcpStream) -> String {
    let mut out = Vec::new();
    let mut buf = [0u8; 1024];
    while !out.ends_with(b"ok\n") {
        let n = stream.read(&mut buf).await.unwrap_or(0);
        if n == 0 {
            break;
        }
        out.extend_from_slice(&buf[..n]);
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// One request on a fresh connection that asks to close: the whole response.
async fn request(addr: std::net::SocketAddr, raw: &[u8]) -> String {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream.write_all(raw).await.expect("write");
    read_to_close(&mut stream).await
}

/// The value of the exporter's counter of closed connections for `reason`.
fn closed(samples: &[Sample], reason: &str) -> f64 {
    value(
        samples,
        "p2c_vpn_exporter_http_connections_closed_total",
        &[("reason", reason)],
    )
}

#[tokio::test(start_paused = true)]
async fn a_request_head_trickled_slowly_is_cut_at_the_header_read_timeout() {
    let server = three_gateways().await;
    let exporter = exporter(common::config(&server).header_read_timeout(Duration::from_secs(10)));
    let served = serve(exporter.clone()).await;
    let mut stream = TcpStream::connect(served.addr).await.expect("connect");
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\n")
        .await
        .expect("write");
    let (mut reader, mut writer) = stream.into_split();
    // A header line every second, for up to 100 s (virtual), unless the server hangs up:
    // each line well within the timeout, so only a timeout on the whole head can cut it.
    let lines = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let written = std::sync::Arc::clone(&lines);
    let trickle = tokio::spawn(async move {
        for _ in 0..100 {
            tokio::time::sleep(Duration::from_secs(1)).await;
            if writer.write_all(b"X-Slow: 1\r\n").await.is_err() {
                break;
            }
            written.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    });
    let mut answer = Vec::new();
    let _ = reader.read_to_end(&mut answer).await;
    // Counted in lines sent one (virtual) second apart, not in time: the 9 lines before
    // the 10 s timeout all went through, and the server hung up long before the 100th.
    let sent = lines.load(std::sync::atomic::Ordering::SeqCst);
    let finished = trickle.is_finished();
    trickle.abort();
    assert!(
        !String::from_utf8_lossy(&answer).contains("200 OK"),
        "no answer to a request never finished"
    );
    assert!(
        (9..100).contains(&sent) && !finished,
        "closed after {sent} header lines (finished: {finished}), not at the header-read timeout"
    );
    let samples = parse(&exporter.scrape(Format::Prometheus).await);
    assert_eq!(closed(&samples, "header_timeout"), 1.0);
    assert_eq!(closed(&samples, "evicted"), 0.0);
}

#[tokio::test(start_paused = true)]
async fn oversized_requests_are_refused_and_counted() {
    let server = three_gateways().await;
    let exporter = exporter(common::config(&server));
    let served = serve(exporter.clone()).await;

    // A head over the 16 KiB limit: 431.
    let mut huge = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ".to_vec();
    huge.extend(std::iter::repeat_n(
        b'a',
        p2c_vpn_exporter::MAX_REQUEST_HEAD_BYTES + 1,
    ));
    huge.extend_from_slice(b"\r\n\r\n");
    let answer = request(served.addr, &huge).await;
    assert!(answer.starts_with("HTTP/1.1 431"), "{answer}");

    // A body, announced by length or by chunks: 413, and the body is not read.
    let answer = request(
        served.addr,
        b"POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000\r\n\r\nabc",
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    let answer = request(
        served.addr,
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n",
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");

    // An ordinary request still works, and the refusals are counted.
    let answer = request(
        served.addr,
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let samples = parse(&exporter.scrape(Format::Prometheus).await);
    assert_eq!(closed(&samples, "too_large"), 3.0);
}

#[tokio::test(start_paused = true)]
async fn at_the_cap_the_oldest_never_served_connection_makes_room() {
    let server = three_gateways().await;
    let exporter = exporter(
        common::config(&server)
            .max_http_connections(3)
            .header_read_timeout(Duration::from_secs(3600)),
    );
    let served = serve(exporter.clone()).await;
    let settle = || tokio::time::sleep(Duration::from_millis(10));

    // A: a kept-alive client that was answered once.
    let mut kept = TcpStream::connect(served.addr).await.expect("connect");
    kept.write_all(GET_HEALTHZ).await.expect("write");
    assert!(read_health(&mut kept).await.starts_with("HTTP/1.1 200"));
    // B, C: connections that never send a byte.
    let mut silent_b = TcpStream::connect(served.addr).await.expect("connect");
    settle().await;
    let mut silent_c = TcpStream::connect(served.addr).await.expect("connect");
    settle().await;

    // At the cap, a new client is answered: B (the oldest never served) made room. That
    // client closes when answered, so a new silent one (F) fills the cap again.
    let close = b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    let answer = request(served.addr, close).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let _silent_f = TcpStream::connect(served.addr).await.expect("connect");
    settle().await;
    // Another: C goes (never served), not A (served, idle), nor F (newer).
    let answer = request(served.addr, close).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    // Counted before anything waits (an idle wait would pass the header-read timeout).
    let samples = parse(&exporter.scrape(Format::Prometheus).await);
    assert_eq!(closed(&samples, "evicted"), 2.0);
    assert_eq!(closed(&samples, "header_timeout"), 0.0);
    assert_eq!(closed(&samples, "refused"), 0.0);
    kept.write_all(GET_HEALTHZ).await.expect("A still open");
    assert!(
        read_health(&mut kept).await.starts_with("HTTP/1.1 200"),
        "A, served before, is kept"
    );
    assert_eq!(read_to_close(&mut silent_b).await, "", "B was closed");
    assert_eq!(read_to_close(&mut silent_c).await, "", "C was closed");
    let samples = parse(&exporter.scrape(Format::Prometheus).await);
    assert_eq!(closed(&samples, "evicted"), 2.0);
}

/// `n` gateways `gw-00`… named `name-00`…, `connections` each.
async fn many_gateways(n: usize, connections: usize) -> MockServer {
    let mut builder = MockServer::builder().frozen_clock(std::time::SystemTime::now());
    for i in 0..n {
        builder = builder.gateway_with(
            MockGateway::new(format!("gw-{i:02}"))
                .name(format!("name-{i:02}"))
                .connections(connections)
                .max_connections(100),
        );
    }
    builder.start().await.expect("mock starts")
}

fn truncated(samples: &[Sample], limit: &str) -> f64 {
    value(samples, "p2c_vpn_exporter_truncated", &[("limit", limit)])
}

#[tokio::test(start_paused = true)]
async fn more_gateways_than_max_gateways_are_cut_and_said_to_be() {
    let server = many_gateways(12, 1).await;
    let exporter = exporter(common::config(&server).max_gateways(5));
    let samples = parse(&exporter.scrape(Format::Prometheus).await);
    assert_eq!(find(&samples, "p2c_vpn_up", &[]).len(), 5);
    // The first five of the list, in the service's order.
    let listed = client(&server)
        .gateways()
        .collect_all()
        .await
        .expect("lists");
    for g in &listed[..5] {
        let id = g.id().expect("id");
        assert_eq!(value(&samples, "p2c_vpn_up", &[("gateway", id)]), 1.0);
    }
    assert_eq!(truncated(&samples, "max_gateways"), 1.0);
    assert_eq!(truncated(&samples, "max_connection_series"), 0.0);
    assert_eq!(
        requests(&server, Operation::ListP2cVgwConnections),
        5,
        "only the gateways kept are collected"
    );

    // Under the cap: nothing cut.
    let all = exporter_for(&server, |c| c.max_gateways(12));
    let samples = parse(&all.scrape(Format::Prometheus).await);
    assert_eq!(find(&samples, "p2c_vpn_up", &[]).len(), 12);
    assert_eq!(truncated(&samples, "max_gateways"), 0.0);

    // With --gateway: the cap counts the gateways chosen.
    let chosen = exporter_for(&server, |c| {
        c.gateways(["name-07", "gw-03", "name-09"]).max_gateways(2)
    });
    let samples = parse(&chosen.scrape(Format::Prometheus).await);
    let ups: Vec<&str> = find(&samples, "p2c_vpn_up", &[])
        .iter()
        .map(|s| s.labels["gateway"].as_str())
        .collect();
    assert_eq!(ups, ["gw-03", "gw-07"]);
    assert_eq!(truncated(&samples, "max_gateways"), 1.0);
}

fn exporter_for(
    server: &MockServer,
    configure: impl FnOnce(p2c_vpn_exporter::ExporterConfig) -> p2c_vpn_exporter::ExporterConfig,
) -> p2c_vpn_exporter::Exporter {
    exporter(configure(common::config(server)))
}

#[tokio::test(start_paused = true)]
async fn per_connection_series_share_one_budget_and_keep_to_it() {
    let server = many_gateways(2, 8).await;
    let exporter = exporter_for(&server, |c| {
        c.per_connection(true).max_connection_series(10)
    });
    for round in 0..3 {
        let samples = parse(&exporter.scrape(Format::Prometheus).await);
        assert_eq!(
            find(&samples, "p2c_vpn_connection_inbound_bytes_total", &[]).len(),
            10,
            "round {round}: the budget is over all gateways, and stays put"
        );
        for id in ["gw-00", "gw-01"] {
            assert_eq!(
                value(&samples, "p2c_vpn_gateway_connections", &[("gateway", id)]),
                8.0,
                "the sums count every connection"
            );
        }
        assert_eq!(truncated(&samples, "max_connection_series"), 1.0);
    }
    let roomy = exporter_for(&server, |c| {
        c.per_connection(true).max_connection_series(16)
    });
    let samples = parse(&roomy.scrape(Format::Prometheus).await);
    assert_eq!(
        find(&samples, "p2c_vpn_connection_inbound_bytes_total", &[]).len(),
        16
    );
    assert_eq!(truncated(&samples, "max_connection_series"), 0.0);
}

#[tokio::test(start_paused = true)]
async fn failures_are_counted_by_reason_and_the_last_values_kept() {
    let server = three_gateways().await;
    let exporter = exporter(common::config(&server));
    let before = parse(&exporter.scrape(Format::Prometheus).await);
    assert!(find(&before, "p2c_vpn_collection_errors_total", &[]).is_empty());

    server
        .faults()
        .always(Fault::Status(StatusCode::INTERNAL_SERVER_ERROR));
    let during = parse(&exporter.scrape(Format::Prometheus).await);
    assert_eq!(
        value(
            &during,
            "p2c_vpn_collection_errors_total",
            &[("operation", "ListP2cVgws"), ("reason", "service_error")]
        ),
        1.0
    );
    assert_eq!(
        value(
            &during,
            "p2c_vpn_collection_errors_total",
            &[
                ("operation", "ListP2cVgwConnections"),
                ("reason", "service_error")
            ]
        ),
        3.0,
        "the known gateways were tried, and failed"
    );
    for id in [GW_A, GW_B, GW_C] {
        let gw = [("gateway", id)];
        assert_eq!(value(&during, "p2c_vpn_up", &gw), 0.0);
        assert_eq!(
            value(&during, "p2c_vpn_gateway_connections", &gw),
            value(&before, "p2c_vpn_gateway_connections", &gw),
            "the last good value is kept"
        );
    }

    server.faults().never();
    let after = parse(&exporter.scrape(Format::Prometheus).await);
    assert_eq!(value(&after, "p2c_vpn_up", &[("gateway", GW_A)]), 1.0);
    assert_eq!(
        value(
            &after,
            "p2c_vpn_collection_errors_total",
            &[("operation", "ListP2cVgws"), ("reason", "service_error")]
        ),
        1.0,
        "a counter"
    );
}

#[tokio::test(start_paused = true)]
async fn names_longer_than_a_label_should_be_are_cut() {
    let long = "é".repeat(5000); // 10,000 bytes
    let server = MockServer::builder()
        .frozen_clock(std::time::SystemTime::now())
        .gateway_with(MockGateway::new(GW_A).name(long.as_str()).connections(1))
        .start()
        .await
        .expect("mock starts");
    let samples = parse(
        &exporter(common::config(&server))
            .scrape(Format::Prometheus)
            .await,
    );
    let series = find(
        &samples,
        "p2c_vpn_gateway_connections",
        &[("gateway", GW_A)],
    );
    assert_eq!(series.len(), 1);
    let name = &series[0].labels["gateway_name"];
    assert_eq!(name.len(), 256, "cut at 256 bytes, on a character boundary");
    assert!(long.starts_with(name.as_str()));
}

#[tokio::test(start_paused = true)]
async fn a_client_that_does_not_read_holds_the_response_budget_until_cut() {
    // ~8 MB of per-connection series (more than the kernel's socket buffers take), served
    // from the cache (no upstream call while the clock is paused below).
    let mut builder = MockServer::builder().frozen_clock(std::time::SystemTime::now());
    for i in 0..20 {
        builder = builder.gateway_with(
            MockGateway::new(format!("gw-{i:02}"))
                .connections(500)
                .max_connections(500),
        );
    }
    let server = builder.start().await.expect("mock starts");
    let exporter = exporter_for(&server, |c| {
        c.per_connection(true)
            .min_interval(Duration::from_secs(3600))
            .header_read_timeout(Duration::from_secs(10))
            .max_response_bytes(1)
    });
    let size = exporter.scrape(Format::Prometheus).await.len();
    assert!(size > 6_000_000, "{size}");
    let served = serve(exporter.clone()).await;
    let settle = || tokio::time::sleep(Duration::from_millis(10));

    // A asks and never reads (a small receive buffer: the response backs up at once).
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket.set_recv_buffer_size(4096).expect("buffer size");
    let mut stalled = socket.connect(served.addr).await.expect("connect");
    stalled
        .write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .expect("write");
    settle().await;

    // While A's response is unsent, another scrape would pass the budget: 503.
    let close = b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    let busy = request(served.addr, close).await;
    assert!(
        busy.starts_with("HTTP/1.1 503"),
        "{}",
        &busy[..busy.len().min(200)]
    );
    assert!(
        busy.to_ascii_lowercase().contains("retry-after: 1"),
        "{busy}"
    );

    // A is cut once its writes made no progress for the timeout (10 s): after 30 s without
    // reading, A finds the end of what the kernel had buffered, and the connection closed.
    tokio::time::sleep(Duration::from_secs(30)).await;
    let samples = parse(&exporter.scrape(Format::Prometheus).await);
    assert_eq!(
        closed(&samples, "write_stalled"),
        1.0,
        "cut while A still read nothing"
    );
    let mut received = Vec::new();
    let _ = stalled.read_to_end(&mut received).await;
    assert!(
        received.len() < size,
        "A got {} of {size} bytes",
        received.len()
    );
    // The budget is free again.
    let ok = request(served.addr, close).await;
    assert!(
        ok.starts_with("HTTP/1.1 200"),
        "{}",
        &ok[..ok.len().min(200)]
    );
    let samples = parse(&exporter.scrape(Format::Prometheus).await);
    assert_eq!(
        value(
            &samples,
            "p2c_vpn_exporter_http_responses_refused_total",
            &[]
        ),
        1.0
    );
}
