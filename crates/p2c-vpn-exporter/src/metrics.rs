//! The metric families, built from a [`View`] at encode time (a `prometheus-client`
//! [`Collector`]): nothing is registered per series, so the series of a gateway or
//! connection that is gone simply stop being written.

use std::sync::Arc;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, NoLabelSet};
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::Registry;

use crate::collect::{ConnectionSample, GatewayView, Sample, View};

/// An exposition format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Format {
    /// The Prometheus text format, version 0.0.4 (the default).
    Prometheus,
    /// OpenMetrics 1.0 text, when the scraper asks for `application/openmetrics-text`.
    OpenMetrics,
}

impl Format {
    /// The `Content-Type` of a response in this format.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Prometheus => prometheus_client::encoding::prometheus_text::CONTENT_TYPE,
            Self::OpenMetrics => "application/openmetrics-text; version=1.0.0; charset=utf-8",
        }
    }

    /// The format an `Accept` header asks for: OpenMetrics when it lists
    /// `application/openmetrics-text` with a quality at least that of `text/plain` (and of
    /// `*/*`), else the Prometheus text format.
    pub fn from_accept(accept: Option<&str>) -> Self {
        let Some(accept) = accept else {
            return Self::Prometheus;
        };
        let (mut openmetrics, mut text) = (0.0f32, 0.0f32);
        for range in accept.split(',') {
            let mut parts = range.split(';').map(str::trim);
            let media = parts.next().unwrap_or_default().to_ascii_lowercase();
            let q = parts
                .filter_map(|p| p.strip_prefix("q="))
                .find_map(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            match media.as_str() {
                "application/openmetrics-text" => openmetrics = openmetrics.max(q),
                "text/plain" | "text/*" | "*/*" => text = text.max(q),
                _ => {}
            }
        }
        if openmetrics > 0.0 && openmetrics >= text {
            Self::OpenMetrics
        } else {
            Self::Prometheus
        }
    }
}

/// Encodes a view.
pub(crate) fn encode(view: View, format: Format) -> Result<String, std::fmt::Error> {
    let mut registry = Registry::default();
    registry.register_collector(Box::new(ViewCollector(Arc::new(view))));
    let mut out = String::new();
    match format {
        Format::Prometheus => {
            prometheus_client::encoding::prometheus_text::encode(&mut out, &registry)?;
        }
        Format::OpenMetrics => prometheus_client::encoding::text::encode(&mut out, &registry)?,
    }
    Ok(out)
}

#[derive(Debug)]
struct ViewCollector(Arc<View>);

type Labels<'a> = Vec<(&'static str, &'a str)>;

impl View {
    /// `region` and `project`, when there are several targets.
    fn push_target<'a>(&'a self, target: usize, labels: &mut Labels<'a>) {
        if let Some(all) = &self.target_labels {
            let (region, project) = all
                .get(target)
                .map(|(r, p)| (r.as_str(), p.as_str()))
                .unwrap_or(("", ""));
            labels.push(("region", region));
            labels.push(("project", project));
        }
    }

    /// `{gateway[, region, project]}`.
    fn gateway_labels<'a>(&'a self, g: &'a GatewayView) -> Labels<'a> {
        let mut labels = vec![("gateway", g.id.as_str())];
        self.push_target(g.target, &mut labels);
        labels
    }

    /// `{gateway, gateway_name[, region, project]}`.
    fn named_labels<'a>(&'a self, g: &'a GatewayView) -> Labels<'a> {
        let mut labels = vec![
            ("gateway", g.id.as_str()),
            ("gateway_name", g.name.as_str()),
        ];
        self.push_target(g.target, &mut labels);
        labels
    }
}

/// Writes one gauge family: a sample per `(labels, value)`.
fn gauge<'a, V: prometheus_client::encoding::EncodeGaugeValue>(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    samples: impl Iterator<Item = (Labels<'a>, V)>,
) -> Result<(), std::fmt::Error> {
    let mut family = encoder.encode_descriptor(name, help, None, MetricType::Gauge)?;
    for (labels, value) in samples {
        family.encode_family(&labels)?.encode_gauge(&value)?;
    }
    Ok(())
}

/// Writes one counter family (`name` without `_total`: the encoder adds it).
fn counter<'a>(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    samples: impl Iterator<Item = (Labels<'a>, u64)>,
) -> Result<(), std::fmt::Error> {
    let mut family = encoder.encode_descriptor(name, help, None, MetricType::Counter)?;
    for (labels, value) in samples {
        family
            .encode_family(&labels)?
            .encode_counter::<NoLabelSet, u64, u64>(&value, None)?;
    }
    Ok(())
}

impl Collector for ViewCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let view = &*self.0;
        let e = &mut encoder;
        let with_sample = || {
            view.gateways
                .iter()
                .filter_map(|g| g.sample.as_deref().map(|s| (g, s)))
        };

        gauge(
            e,
            "p2c_vpn_up",
            "1 when the last collection of the gateway succeeded in time, else 0 (its other \
             series then keep their last collected values).",
            view.gateways
                .iter()
                .map(|g| (view.gateway_labels(g), i64::from(g.up)))
                .chain(view.unresolved.iter().map(|selector| {
                    let mut labels = vec![("gateway", selector.as_str())];
                    if view.target_labels.is_some() {
                        labels.push(("region", ""));
                        labels.push(("project", ""));
                    }
                    (labels, 0)
                })),
        )?;
        gauge(
            e,
            "p2c_vpn_gateway_connections",
            "Client connections of the gateway.",
            with_sample().map(|(g, s)| (view.named_labels(g), s.connections as i64)),
        )?;
        gauge(
            e,
            "p2c_vpn_gateway_max_connections",
            "The most client connections the gateway allows.",
            view.gateways
                .iter()
                .filter_map(|g| Some((view.named_labels(g), g.max_connections? as i64))),
        )?;
        for (name, help, get) in [
            (
                "p2c_vpn_gateway_inbound_bytes",
                "Bytes received from clients, summed over the current connections (falls when \
                 a client disconnects).",
                (|s| s.inbound_bytes) as fn(&Sample) -> i64,
            ),
            (
                "p2c_vpn_gateway_outbound_bytes",
                "Bytes sent to clients, summed over the current connections (falls when a \
                 client disconnects).",
                |s| s.outbound_bytes,
            ),
            (
                "p2c_vpn_gateway_inbound_packets",
                "Packets received from clients, summed over the current connections (falls \
                 when a client disconnects).",
                |s| s.inbound_packets,
            ),
            (
                "p2c_vpn_gateway_outbound_packets",
                "Packets sent to clients, summed over the current connections (falls when a \
                 client disconnects).",
                |s| s.outbound_packets,
            ),
        ] {
            gauge(
                e,
                name,
                help,
                with_sample().map(|(g, s)| (view.named_labels(g), get(s))),
            )?;
        }

        if view.per_connection {
            encode_connections(view, e)?;
        }

        counter(
            e,
            "p2c_vpn_api_requests",
            "API calls made by the exporter (one per page; retries inside a call are not \
             counted separately), by operation and outcome.",
            view.api.iter().map(|(target, op, outcome, n)| {
                let mut labels = vec![("operation", *op), ("outcome", *outcome)];
                view.push_target(*target, &mut labels);
                (labels, *n)
            }),
        )?;
        counter(
            e,
            "p2c_vpn_collection_errors",
            "Failed collection steps, by operation (KeystoneListProjects, ListP2cVgws, \
             ListP2cVgwConnections) and reason (the error kind, as the outcome of \
             p2c_vpn_api_requests_total). A failed gateway also has p2c_vpn_up 0 and keeps \
             its last values.",
            view.errors.iter().map(|(target, op, reason, n)| {
                let mut labels = vec![("operation", *op), ("reason", *reason)];
                view.push_target(*target, &mut labels);
                (labels, *n)
            }),
        )?;
        gauge(
            e,
            "p2c_vpn_exporter_truncated",
            "1 when the exporter's own limit cut the last collection: limit=max_gateways \
             (gateways past --max-gateways are not collected) or max_connection_series \
             (connections past --max-connection-series have no series of their own).",
            view.truncated.iter().map(|(target, limit, cut)| {
                let mut labels = vec![("limit", *limit)];
                view.push_target(*target, &mut labels);
                (labels, i64::from(*cut))
            }),
        )?;
        counter(
            e,
            "p2c_vpn_exporter_http_connections_closed",
            "HTTP connections the exporter closed to protect itself, by reason: \
             header_timeout (no whole request within --header-read-timeout), evicted (the \
             oldest idle connection, for a new one at --max-http-connections), refused (a \
             new one while every connection was being answered), too_large (a request over \
             the size limit), write_stalled (a client that read nothing for \
             --header-read-timeout).",
            view.http
                .iter()
                .map(|(reason, n)| (vec![("reason", *reason)], *n)),
        )?;
        counter(
            e,
            "p2c_vpn_exporter_http_responses_refused",
            "/metrics requests answered 503 because the responses still being sent to other \
             clients held the response budget (clients that do not read).",
            std::iter::once((Vec::new(), view.responses_refused)),
        )?;
        gauge(
            e,
            "p2c_vpn_collection_duration_seconds",
            "How long the last collection of the gateway's connections took.",
            view.gateways
                .iter()
                .filter_map(|g| Some((view.gateway_labels(g), g.duration?))),
        )?;
        gauge(
            e,
            "p2c_vpn_last_success_timestamp_seconds",
            "When the gateway was last collected successfully (Unix time).",
            view.gateways
                .iter()
                .filter_map(|g| Some((view.gateway_labels(g), g.last_success?))),
        )?;
        Ok(())
    }
}

/// The per-connection families (`per_connection` only).
fn encode_connections(view: &View, e: &mut DescriptorEncoder) -> Result<(), std::fmt::Error> {
    let connections = || {
        view.gateways.iter().flat_map(|g| {
            g.sample
                .iter()
                .flat_map(|s| s.per_connection.iter())
                .map(move |c| {
                    let mut labels = vec![
                        ("gateway", g.id.as_str()),
                        ("connection_id", c.id.as_str()),
                        ("user", c.user.as_str()),
                    ];
                    view.push_target(g.target, &mut labels);
                    (labels, c)
                })
        })
    };
    for (name, help, get) in [
        (
            "p2c_vpn_connection_inbound_bytes",
            "Bytes received from the client since it connected.",
            (|c| c.inbound_bytes) as fn(&ConnectionSample) -> Option<u64>,
        ),
        (
            "p2c_vpn_connection_outbound_bytes",
            "Bytes sent to the client since it connected.",
            |c| c.outbound_bytes,
        ),
        (
            "p2c_vpn_connection_inbound_packets",
            "Packets received from the client since it connected.",
            |c| c.inbound_packets,
        ),
        (
            "p2c_vpn_connection_outbound_packets",
            "Packets sent to the client since it connected.",
            |c| c.outbound_packets,
        ),
    ] {
        counter(
            e,
            name,
            help,
            connections().filter_map(|(labels, c)| Some((labels, get(c)?))),
        )?;
    }
    gauge(
        e,
        "p2c_vpn_connection_established_timestamp_seconds",
        "When the client connected (Unix time).",
        connections().filter_map(|(labels, c)| Some((labels, c.established?))),
    )
}
