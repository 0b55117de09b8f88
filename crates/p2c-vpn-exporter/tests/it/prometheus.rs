//! Against a real Prometheus (Debian package `prometheus`: `prometheus` and `promtool` on
//! `PATH`): it scrapes the exporter every second and its query API must follow the mock's
//! connection counts; `promtool` checks a scrape and `examples/prometheus/`.
//!
//! Without Prometheus each test prints one `SKIPPED` line and passes (`apt-get install -y
//! prometheus` to run them); `P2C_VPN_REQUIRE_SYSTEM_TOOLS=1` (set by `.ci/run`) makes that
//! a failure. `PROMETHEUS` / `PROMTOOL` name other binaries.

use crate::common;

use std::collections::BTreeMap;
use std::io::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime};

use common::*;
use p2c_vpn_exporter::{ExporterConfig, Format, Target};
use p2c_vpn_mock::{MockGateway, MockServer};

/// A Prometheus binary, or `None` (the test is skipped: see the module docs).
fn tool(name: &str, env: &str) -> Option<PathBuf> {
    p2c_vpn_mock::system_tool(
        name,
        env,
        "apt-get install -y prometheus: Debian's package has prometheus and promtool",
    )
}

/// Kills and reaps the child process when dropped, panics included.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs promtool with `args` (and `stdin`); panics with its output unless it succeeds.
fn promtool(promtool: &Path, args: &[&str], stdin: Option<&str>) -> String {
    let mut child = Command::new(promtool)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool runs");
    let mut input = child.stdin.take().expect("stdin");
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).expect("write stdin");
    }
    drop(input);
    let out = child.wait_with_output().expect("promtool ends");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "promtool {args:?} failed:\n{text}");
    text
}

/// How often, and how many times, a condition on Prometheus is polled (four minutes in all:
/// generous for a loaded machine; a pass usually takes a few polls).
const POLL: Duration = Duration::from_millis(250);
const MAX_POLLS: u32 = 960;

fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/prometheus")
}

#[test]
fn shipped_prometheus_config_and_alert_rules_are_valid() {
    let Some(bin) = tool("promtool", "PROMTOOL") else {
        return;
    };
    let promtool = |args: &[&str], stdin| promtool(&bin, args, stdin);
    let dir = examples_dir();
    let path = |f: &str| dir.join(f).to_string_lossy().into_owned();
    let out = promtool(&["check", "config", &path("prometheus.yml")], None);
    assert!(out.contains("SUCCESS"), "{out}");
    let out = promtool(&["check", "rules", &path("alerts.yml")], None);
    assert!(out.contains("SUCCESS: 5 rules found"), "{out}");
    // The alerts fire when they should (gateway down, near maximum, not collecting,
    // exporter down, exporter truncating), with their annotations rendered.
    let out = promtool(&["test", "rules", &path("alerts_test.yml")], None);
    assert!(out.contains("SUCCESS"), "{out}");
}

#[tokio::test]
async fn promtool_accepts_a_scrape() {
    let Some(bin) = tool("promtool", "PROMTOOL") else {
        return;
    };
    let server = three_gateways().await;
    let exporter = exporter(common::config(&server).per_connection(true));
    let body = exporter.scrape(Format::Prometheus).await;
    assert!(body.contains("p2c_vpn_connection_inbound_bytes_total{"));
    let out = promtool(&bin, &["check", "metrics"], Some(&body));
    // Lint findings are printed (and fail the command); nothing is expected.
    assert!(out.trim().is_empty(), "promtool check metrics:\n{out}");
}

/// A Prometheus server on a loopback port it chose, scraping `exporter` every second.
struct Prometheus {
    _child: KillOnDrop,
    addr: SocketAddr,
    dir: tempfile::TempDir,
    http: reqwest::Client,
}

impl Prometheus {
    async fn start(binary: &Path, exporter: SocketAddr) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let config = dir.path().join("prometheus.yml");
        std::fs::write(
            &config,
            format!(
                "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n\
                 scrape_configs:\n  - job_name: p2c-vpn\n    static_configs:\n      - targets: [\"{exporter}\"]\n"
            ),
        )
        .expect("config");
        let log = std::fs::File::create(dir.path().join("prometheus.log")).expect("log");
        let child = Command::new(binary)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.path().join("data").display()
            ))
            // Port 0: Prometheus logs the port it bound (`msg="Listening on" address=…`).
            .arg("--web.listen-address=127.0.0.1:0")
            .arg("--storage.tsdb.retention.time=1h")
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("prometheus starts");
        let child = KillOnDrop(child);
        p2c_vpn::install_crypto_provider();
        let log = dir.path().join("prometheus.log");
        let mut addr = None;
        for _ in 0..MAX_POLLS {
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            addr = text
                .lines()
                .filter(|l| l.contains("msg=\"Listening on\""))
                .find_map(|l| l.split_once(" address=")?.1.split(' ').next()?.parse().ok());
            if addr.is_some() {
                break;
            }
            tokio::time::sleep(POLL).await;
        }
        let addr = addr.unwrap_or_else(|| {
            panic!(
                "Prometheus never said where it listens:\n{}",
                std::fs::read_to_string(&log).unwrap_or_default()
            )
        });
        let prometheus = Self {
            _child: child,
            addr,
            dir,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(5))
                .build()
                .expect("http client"),
        };
        let p = &prometheus;
        prometheus
            .wait_for("Prometheus to be ready", move || async move {
                let url = format!("http://{}/-/ready", p.addr);
                match p.http.get(url).send().await {
                    Ok(r) if r.status().is_success() => Ok(()),
                    Ok(r) => Err(format!("status {}", r.status())),
                    Err(e) => Err(e.to_string()),
                }
            })
            .await;
        prometheus
    }

    fn log(&self) -> String {
        let text =
            std::fs::read_to_string(self.dir.path().join("prometheus.log")).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }

    /// An instant query: each result's labels and value.
    async fn query(&self, promql: &str) -> Result<Vec<(BTreeMap<String, String>, f64)>, String> {
        let url = format!("http://{}/api/v1/query", self.addr);
        let response = self
            .http
            .get(url)
            .query(&[("query", promql)])
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let body: serde_json::Value = response.json().await.map_err(|e| e.to_string())?;
        if body["status"] != "success" {
            return Err(body.to_string());
        }
        let results = body["data"]["result"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        results
            .iter()
            .map(|r| {
                let labels = r["metric"]
                    .as_object()
                    .map(|m| {
                        m.iter()
                            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                            .collect()
                    })
                    .unwrap_or_default();
                let value = r["value"][1]
                    .as_str()
                    .and_then(|v| v.parse().ok())
                    .ok_or_else(|| format!("no value in {r}"))?;
                Ok((labels, value))
            })
            .collect()
    }

    /// `query` grouped by the `gateway` label.
    async fn by_gateway(&self, promql: &str) -> Result<BTreeMap<String, f64>, String> {
        Ok(self
            .query(promql)
            .await?
            .into_iter()
            .map(|(labels, v)| (labels.get("gateway").cloned().unwrap_or_default(), v))
            .collect())
    }

    /// Polls `check` until it succeeds; panics after `MAX_POLLS` tries with the last
    /// failure and Prometheus' log. (A count of polls, not a time limit: Prometheus
    /// follows at its own pace, and only what it reports is asserted.)
    async fn wait_for<F, Fut>(&self, what: &str, mut check: F)
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<(), String>>,
    {
        let mut last = String::new();
        for _ in 0..MAX_POLLS {
            match check().await {
                Ok(()) => return,
                Err(e) => last = e,
            }
            tokio::time::sleep(POLL).await;
        }
        panic!(
            "polled {MAX_POLLS} times for {what}; last: {last}\nprometheus log:\n{}",
            self.log()
        );
    }

    /// Waits until Prometheus' `p2c_vpn_gateway_connections` (and the per-connection series
    /// count) equal the mock's counts.
    async fn wait_for_counts(&self, server: &MockServer, gateways: &[&str], step: &str) {
        let expected: BTreeMap<String, f64> = gateways
            .iter()
            .map(|id| {
                let n = server.connection_count(id).expect("known gateway");
                ((*id).to_owned(), n as f64)
            })
            .collect();
        let expected = &expected;
        self.wait_for(
            &format!("{step}: p2c_vpn_gateway_connections = {expected:?}"),
            move || async move {
                let seen = self.by_gateway("p2c_vpn_gateway_connections").await?;
                if seen != *expected {
                    return Err(format!("p2c_vpn_gateway_connections = {seen:?}"));
                }
                // Series of gone connections disappear (Prometheus marks them stale).
                let series = self
                    .by_gateway("count by (gateway) (p2c_vpn_connection_inbound_bytes_total)")
                    .await?;
                let wanted: BTreeMap<String, f64> = expected
                    .iter()
                    .filter(|(_, n)| **n > 0.0)
                    .map(|(g, n)| (g.clone(), *n))
                    .collect();
                if series != wanted {
                    return Err(format!("per-connection series by gateway = {series:?}"));
                }
                Ok(())
            },
        )
        .await;
    }
}

/// The exporter (per-connection series, no cache) over `server`, and a Prometheus
/// scraping it every second.
async fn scraped(server: &MockServer, binary: &Path) -> (Served, Prometheus) {
    let config = ExporterConfig::new(vec![Target::new(client(server)).region("cn-north-4")])
        .per_connection(true)
        .min_interval(Duration::ZERO)
        .scrape_timeout(Duration::from_millis(800));
    let served = serve(exporter(config)).await;
    let prometheus = Prometheus::start(binary, served.addr).await;
    (served, prometheus)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_follows_the_mock() {
    // Check for the binary before starting anything.
    let Some(binary) = tool("prometheus", "PROMETHEUS") else {
        return;
    };
    // Frozen clock: connections change only when the test says so (disconnects, churn on
    // `advance`).
    let server = MockServer::builder()
        .frozen_clock(SystemTime::now())
        .churn(6.0)
        .gateway_with(
            MockGateway::new(GW_A)
                .name("office")
                .connections(6)
                .max_connections(20),
        )
        .gateway_with(
            MockGateway::new(GW_B)
                .name("lab")
                .connections(4)
                .max_connections(10),
        )
        .gateway_with(
            MockGateway::new(GW_C)
                .name("idle")
                .connections(0)
                .max_connections(10),
        )
        .start()
        .await
        .expect("mock");
    let gateways = [GW_A, GW_B, GW_C];
    let (served, prometheus) = scraped(&server, &binary).await;

    // The scrape works (Prometheus asks for OpenMetrics) and every gateway is up.
    let p = &prometheus;
    let gateways_ref = &gateways;
    prometheus
        .wait_for("the exporter to be up in Prometheus", move || async move {
            let up = p.query("up{job=\"p2c-vpn\"}").await?;
            let gw = p.by_gateway("p2c_vpn_up").await?;
            let all_up = gateways_ref.iter().all(|g| gw.get(*g) == Some(&1.0));
            if up.len() == 1 && up[0].1 == 1.0 && all_up {
                Ok(())
            } else {
                Err(format!("up = {up:?}, p2c_vpn_up = {gw:?}"))
            }
        })
        .await;
    prometheus
        .wait_for_counts(&server, &gateways, "start")
        .await;
    let max = prometheus
        .by_gateway("p2c_vpn_gateway_max_connections")
        .await
        .expect("query");
    assert_eq!(max.get(GW_A), Some(&20.0), "{max:?}");

    // Two clients of `office` disconnect.
    let client = client(&server);
    let conns = client.connections(GW_A).collect_all().await.expect("lists");
    for c in &conns[..2] {
        let id = c.connection_id().expect("id").to_string();
        let id: p2c_vpn::ConnectionId = id.parse().expect("a connection ID");
        client.disconnect(GW_A, &id).await.expect("disconnects");
    }
    assert_eq!(server.connection_count(GW_A), Some(4));
    prometheus
        .wait_for_counts(&server, &gateways, "after disconnects")
        .await;

    // The mock's clock moves on in ten-minute steps until churn (clients connecting and
    // disconnecting, from the mock's seeded generator) has changed some count: connects and
    // disconnects can cancel out within one step.
    let counts = || -> Vec<usize> {
        gateways
            .iter()
            .map(|g| server.connection_count(g).unwrap_or(0))
            .collect()
    };
    let before = counts();
    let mut steps = 0;
    while counts() == before && steps < 12 {
        server.advance(Duration::from_secs(600));
        steps += 1;
    }
    assert_ne!(before, counts(), "two hours of churn changed no count");
    prometheus
        .wait_for_counts(&server, &gateways, "after churn")
        .await;

    // The exporter's own series reached Prometheus too.
    let calls = prometheus
        .query("sum(p2c_vpn_api_requests_total{operation=\"ListP2cVgwConnections\",outcome=\"success\"})")
        .await
        .expect("query");
    assert!(calls.first().is_some_and(|(_, v)| *v >= 3.0), "{calls:?}");
    drop(prometheus);
    served.shutdown().await.expect("clean shutdown");
}

/// Every query of the Grafana dashboard (`examples/grafana/p2c-vpn.json`) returns series
/// from a real Prometheus scraping the exporter: none names a metric or label that does
/// not exist. One API call fails on purpose, so the error panels have data too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_dashboard_query_returns_series() {
    let Some(binary) = tool("prometheus", "PROMETHEUS") else {
        return;
    };
    let path = examples_dir()
        .parent()
        .expect("examples/")
        .join("grafana/p2c-vpn.json");
    let dashboard: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("dashboard")).expect("JSON");
    let queries: Vec<(String, String)> = dashboard["panels"]
        .as_array()
        .expect("panels")
        .iter()
        .flat_map(|panel| {
            let title = panel["title"].as_str().unwrap_or("?").to_owned();
            panel["targets"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .map(move |t| {
                    let expr = t["expr"].as_str().expect("expr").replace("$job", "p2c-vpn");
                    (title.clone(), expr)
                })
        })
        .collect();
    assert!(queries.len() >= 8, "{queries:?}");

    let server = MockServer::builder()
        .gateway_with(
            MockGateway::new(GW_A)
                .name("office")
                .connections(6)
                .max_connections(20),
        )
        .gateway_with(
            MockGateway::new(GW_B)
                .name("lab")
                .connections(4)
                .max_connections(10),
        )
        .start()
        .await
        .expect("mock");
    let (served, prometheus) = scraped(&server, &binary).await;
    let p = &prometheus;
    // A few good scrapes (rates need two samples), then one failed call (retries are off
    // in these tests), then good ones again.
    p.wait_for("two good scrapes", move || async move {
        let n = p.query("count_over_time(p2c_vpn_up[1m])").await?;
        if n.iter().any(|(_, v)| *v >= 2.0) {
            Ok(())
        } else {
            Err(format!("{n:?}"))
        }
    })
    .await;
    server
        .faults()
        .fail_next(1, p2c_vpn_mock::StatusCode::SERVICE_UNAVAILABLE);
    for (title, expr) in &queries {
        let what = format!("panel {title:?}: {expr}");
        p.wait_for(&what, move || async move {
            let series = p.query(expr).await?;
            if series.is_empty() {
                Err("no series".to_owned())
            } else {
                Ok(())
            }
        })
        .await;
    }
    drop(prometheus);
    served.shutdown().await.expect("clean shutdown");
}
