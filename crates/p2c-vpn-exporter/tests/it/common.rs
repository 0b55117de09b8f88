//! Shared helpers: a mock, an exporter pointed at it, an HTTP server for it, a parser of
//! the text format.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::{Duration, SystemTime};

use p2c_vpn::{Client, RetryConfig};
use p2c_vpn_exporter::{Exporter, ExporterConfig, Target};
use p2c_vpn_mock::{MockGateway, MockServer, Operation};

/// Gateway IDs are UUIDs, as the service's are: the client then resolves nothing.
pub const GW_A: &str = "6a1c0e8e-0d3f-4b3e-9c55-3f1a5e7b0a01";
pub const GW_B: &str = "6a1c0e8e-0d3f-4b3e-9c55-3f1a5e7b0a02";
pub const GW_C: &str = "6a1c0e8e-0d3f-4b3e-9c55-3f1a5e7b0a03";

/// A mock with a frozen clock (counters stay put) and these gateways.
pub async fn mock(gateways: &[(&str, &str, usize, usize)]) -> MockServer {
    let mut builder = MockServer::builder().frozen_clock(SystemTime::now());
    for (id, name, connections, max) in gateways {
        builder = builder.gateway_with(
            MockGateway::new(*id)
                .name(*name)
                .connections(*connections)
                .max_connections(*max),
        );
    }
    builder.start().await.expect("mock starts")
}

/// Three gateways: office (5 of 20), lab (3 of 10), idle (0 of 10).
pub async fn three_gateways() -> MockServer {
    mock(&[
        (GW_A, "office", 5, 20),
        (GW_B, "lab", 3, 10),
        (GW_C, "idle", 0, 10),
    ])
    .await
}

/// A client for the mock: no retries (one fault = one failed call), short timeouts.
pub fn client(server: &MockServer) -> Client {
    builder(server).build().expect("client builds")
}

pub fn builder(server: &MockServer) -> p2c_vpn::ClientBuilder {
    Client::builder()
        .endpoint(server.base_url())
        .credentials(server.credentials())
        .project_id(server.project_id())
        .retry(RetryConfig::disabled())
        .timeout(Duration::from_secs(10))
}

/// Default test config: one target, no cache.
pub fn config(server: &MockServer) -> ExporterConfig {
    ExporterConfig::new(vec![Target::new(client(server)).region("cn-north-4")])
        .min_interval(Duration::ZERO)
        .scrape_timeout(Duration::from_secs(5))
}

pub fn exporter(config: ExporterConfig) -> Exporter {
    Exporter::new(config).expect("valid config")
}

/// The exporter served on a random loopback port until the guard is dropped.
pub struct Served {
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    pub task: Option<tokio::task::JoinHandle<Result<(), p2c_vpn_exporter::Error>>>,
}

impl Served {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Stops the server and waits for it to return.
    pub async fn shutdown(mut self) -> Result<(), p2c_vpn_exporter::Error> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.task.take() {
            Some(task) => task.await.expect("server task"),
            None => Ok(()),
        }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

pub async fn serve(exporter: Exporter) -> Served {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(p2c_vpn_exporter::serve_on(listener, exporter, async move {
        let _ = stopped.await;
    }));
    Served {
        addr,
        stop: Some(stop),
        task: Some(task),
    }
}

/// GET `url` with an optional `Accept`; (content type, body).
pub async fn get(url: &str, accept: Option<&str>) -> (String, String) {
    p2c_vpn::install_crypto_provider();
    let mut request = reqwest::Client::new().get(url);
    if let Some(accept) = accept {
        request = request.header("accept", accept);
    }
    let response = request.send().await.expect("request");
    assert_eq!(response.status(), 200, "{url}");
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (content_type, response.text().await.expect("body"))
}

/// One sample of the text format.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

/// The samples of a scrape (text format; comments skipped). Panics on a line it cannot
/// read: the format is the thing under test.
pub fn parse(text: &str) -> Vec<Sample> {
    let mut samples = Vec::new();
    for line in text.lines() {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (name, rest) = match line.find('{') {
            Some(i) => (&line[..i], &line[i..]),
            None => line.split_at(line.find(' ').expect("value")),
        };
        let mut labels = BTreeMap::new();
        let mut rest = rest;
        if let Some(inner) = rest.strip_prefix('{') {
            let mut chars = inner.char_indices();
            let mut key = String::new();
            let mut end = None;
            'labels: while let Some((i, c)) = chars.next() {
                match c {
                    '}' => {
                        end = Some(i + 1);
                        break 'labels;
                    }
                    ',' => {}
                    '=' => {
                        assert_eq!(chars.next().map(|(_, c)| c), Some('"'), "{line}");
                        let mut value = String::new();
                        while let Some((_, c)) = chars.next() {
                            match c {
                                '\\' => match chars.next().map(|(_, c)| c) {
                                    Some('n') => value.push('\n'),
                                    Some(other) => value.push(other),
                                    None => panic!("{line}"),
                                },
                                '"' => break,
                                c => value.push(c),
                            }
                        }
                        labels.insert(std::mem::take(&mut key), value);
                    }
                    c => key.push(c),
                }
            }
            rest = &inner[end.expect("closing brace")..];
        }
        let value = rest.trim().split(' ').next().expect("value");
        let value = match value {
            "+Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            v => v.parse().unwrap_or_else(|_| panic!("value in {line:?}")),
        };
        samples.push(Sample {
            name: name.to_owned(),
            labels,
            value,
        });
    }
    samples
}

/// The value of `name` whose labels include all of `labels`; panics unless exactly one.
pub fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> f64 {
    let found = find(samples, name, labels);
    assert_eq!(found.len(), 1, "{name}{labels:?} in {samples:#?}");
    found[0].value
}

pub fn find<'a>(samples: &'a [Sample], name: &str, labels: &[(&str, &str)]) -> Vec<&'a Sample> {
    samples
        .iter()
        .filter(|s| {
            s.name == name
                && labels
                    .iter()
                    .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
        })
        .collect()
}

/// Requests the mock received for an operation.
pub fn requests(server: &MockServer, operation: Operation) -> usize {
    server
        .requests()
        .iter()
        .filter(|r| r.operation == Some(operation))
        .count()
}

/// The exporter's own tracing events (message and fields as text), recorded on this
/// thread: a test installs it with `tracing::subscriber::set_default` on its
/// current-thread runtime, where the exporter's tasks run too. Tests assert on these
/// events (what ended a round, where it serves) instead of timing anything.
#[derive(Clone, Debug, Default)]
pub struct EventLog(std::sync::Arc<std::sync::Mutex<Vec<Event>>>);

/// One recorded event.
#[derive(Clone, Debug, Default)]
pub struct Event {
    pub message: String,
    pub fields: BTreeMap<String, String>,
}

impl EventLog {
    /// Records the exporter's events on this thread until the guard is dropped.
    pub fn install(&self) -> tracing::subscriber::DefaultGuard {
        use tracing_subscriber::layer::SubscriberExt as _;
        keep_call_sites_open();
        tracing::subscriber::set_default(tracing_subscriber::registry().with(self.clone()))
    }

    /// The events with this message, in order.
    pub fn named(&self, message: &str) -> Vec<Event> {
        self.0
            .lock()
            .expect("event log")
            .iter()
            .filter(|e| e.message == message)
            .cloned()
            .collect()
    }

    /// The address of the first `serving metrics at …` event.
    pub fn serving(&self) -> Option<String> {
        self.0
            .lock()
            .expect("event log")
            .iter()
            .find(|e| e.message.starts_with("serving metrics at"))
            .and_then(|e| e.fields.get("addr").cloned())
    }

    /// The `cut` field of every `round ended` event: whether the scrape timeout ended
    /// that round with work still running.
    pub fn rounds_cut(&self) -> Vec<bool> {
        self.named("round ended")
            .iter()
            .map(|e| e.fields.get("cut").map(String::as_str) == Some("true"))
            .collect()
    }
}

/// tracing-core caches whether a call site is wanted when it is first hit; while at most
/// one dispatcher is registered it asks only the *hitting thread's* default, so a test on
/// another thread, with no subscriber, could switch the call site off for every thread.
/// A second dispatcher kept alive for the whole process makes it ask all of them.
fn keep_call_sites_open() {
    static KEEPER: std::sync::OnceLock<tracing::Dispatch> = std::sync::OnceLock::new();
    KEEPER.get_or_init(|| tracing::Dispatch::new(tracing_subscriber::registry()));
}

impl tracing::field::Visit for Event {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        let text = format!("{value:?}");
        if field.name() == "message" {
            self.message = text;
        } else {
            self.fields.insert(field.name().to_owned(), text);
        }
    }
}

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for EventLog {
    fn on_event(
        &self,
        event: &tracing::Event<'_>,
        _ctx: tracing_subscriber::layer::Context<'_, S>,
    ) {
        if !event.metadata().target().starts_with("p2c_vpn_exporter") {
            return;
        }
        let mut recorded = Event::default();
        event.record(&mut recorded);
        self.0.lock().expect("event log").push(recorded);
    }
}

/// A hang guard, not a time bound: far past any answer a test waits for.
pub const HUNG: Duration = Duration::from_secs(60);
