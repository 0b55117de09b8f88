//! The one HTTP handler: routing, authentication, validation, faults and bodies.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::SystemTime;

use axum::extract::{Request, State};
use axum::response::Response;
use bytes::Bytes;
use chrono::{DateTime, FixedOffset};
use http::header::{HOST, RETRY_AFTER};
use http::{HeaderName, HeaderValue, Method, StatusCode};
use p2c_vpn_api::iam::types::{KeystoneListProjectsResponse, Links, ProjectResult};
use p2c_vpn_api::types::{
    DeleteP2cVgwConnectionResponse, ListP2cVgwConnectionsResponse, ListP2cVgwsResponse, PageInfo,
    ShowP2cVgwResponse,
};
use p2c_vpn_auth::Credentials;
use rand::RngExt as _;
use secrecy::{ExposeSecret as _, SecretString};
use tokio::sync::watch;

use crate::clock::Clock;
use crate::data::{DataConfig, Gateway};
use crate::faults::{Fault, Faults};
use crate::record::{Operation, RecordedRequest, Recorder};

/// Header carrying the request id on every response.
pub(crate) const X_REQUEST_ID: HeaderName =
    HeaderName::from_static(p2c_vpn_api::params::REQUEST_ID_HEADER);
/// Header carrying IAM's trace id on IAM responses.
const X_IAM_TRACE_ID: HeaderName = HeaderName::from_static("x-iam-trace-id");
const X_AUTH_TOKEN: &str = "x-auth-token";
/// Bodies larger than this are refused (the one body the API takes, a log configuration,
/// is far smaller).
const MAX_BODY: usize = 64 * 1024;

/// How requests are authenticated.
#[derive(Debug)]
pub(crate) struct AuthConfig {
    pub(crate) require_signature: bool,
    pub(crate) credentials: Credentials,
    pub(crate) token: Option<SecretString>,
}

/// What IAM's project lookup answers.
#[derive(Debug)]
pub(crate) struct IamConfig {
    /// The region, i.e. the name of its projects.
    pub(crate) region: String,
    /// The ids of the projects named after the region.
    pub(crate) project_ids: Vec<String>,
    /// The account (domain) id.
    pub(crate) domain_id: String,
}

/// Everything the handler reads.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) base_url: String,
    pub(crate) project_id: String,
    pub(crate) gateways: HashMap<String, Arc<Gateway>>,
    /// Each gateway's connection-log configuration, if one is set.
    pub(crate) log_configs: LogConfigs,
    /// The same gateways sorted by (creation time, id): the order of ListP2cVgws.
    pub(crate) by_created: Vec<Arc<Gateway>>,
    pub(crate) iam: IamConfig,
    pub(crate) data: DataConfig,
    pub(crate) clock: Clock,
    pub(crate) auth: AuthConfig,
    pub(crate) faults: Faults,
    /// How far the clock moves as each request arrives (`advance_per_request`).
    pub(crate) clock_step: std::time::Duration,
    pub(crate) recorder: Recorder,
    pub(crate) shutdown: watch::Receiver<bool>,
}

#[path = "handler_reply.rs"]
mod reply;
use reply::{Reply, finish};

#[path = "handler_log_config.rs"]
mod log_config;
pub(crate) use log_config::LogConfigs;

/// A fresh request id: 32 lower-case hex digits, like the service's.
fn new_request_id() -> String {
    format!("{:032x}", rand::rng().random::<u128>())
}

/// The error code a [`Fault::Status`] answer carries.
fn code_for(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "VPN.0001",
        401 => "APIGW.0301",
        403 => "VPN.0003",
        404 => "VPN.0004",
        429 => "APIGW.0308",
        _ => "VPN.0002",
    }
}

/// What a request asks for: the operation and its path parameters, percent-decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Route {
    ListGateways {
        project: String,
    },
    ShowGateway {
        project: String,
        gateway: String,
    },
    ListConnections {
        project: String,
        gateway: String,
    },
    Disconnect {
        project: String,
        gateway: String,
        connection: String,
    },
    /// `GET`, `PUT` or `DELETE` of a gateway's log configuration.
    LogConfig {
        project: String,
        gateway: String,
        method: Method,
    },
    IamProjects,
}

impl Route {
    fn operation(&self) -> Operation {
        match self {
            Self::ListGateways { .. } => Operation::ListP2cVgws,
            Self::ShowGateway { .. } => Operation::ShowP2cVgw,
            Self::ListConnections { .. } => Operation::ListP2cVgwConnections,
            Self::Disconnect { .. } => Operation::DeleteP2cVgwConnection,
            Self::LogConfig { method, .. } => log_config::operation(method),
            Self::IamProjects => Operation::KeystoneListProjects,
        }
    }

    /// The project of a VPN operation (`None` for IAM).
    fn project(&self) -> Option<&str> {
        match self {
            Self::ListGateways { project }
            | Self::ShowGateway { project, .. }
            | Self::ListConnections { project, .. }
            | Self::Disconnect { project, .. }
            | Self::LogConfig { project, .. } => Some(project),
            Self::IamProjects => None,
        }
    }
}

/// Routes a method and raw path; `None` for anything the service does not serve.
fn route(method: &Method, path: &str) -> Option<Route> {
    if path == "/v3/projects" {
        return (*method == Method::GET).then_some(Route::IamProjects);
    }
    let rest = path.strip_prefix("/v5/")?;
    let segments: Vec<&str> = rest.split('/').collect();
    if segments.len() > 6
        || segments.iter().any(|s| s.is_empty())
        || segments.get(1) != Some(&"p2c-vpn-gateways")
    {
        return None;
    }
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8_lossy()
            .into_owned()
    };
    let get = *method == Method::GET;
    let post = *method == Method::POST;
    match segments.as_slice() {
        [project, _] if get => Some(Route::ListGateways {
            project: decode(project),
        }),
        [project, _, gateway] if get => Some(Route::ShowGateway {
            project: decode(project),
            gateway: decode(gateway),
        }),
        [project, _, gateway, "connections"] if get => Some(Route::ListConnections {
            project: decode(project),
            gateway: decode(gateway),
        }),
        [project, _, gateway, "log-config"]
            if matches!(*method, Method::GET | Method::PUT | Method::DELETE) =>
        {
            Some(Route::LogConfig {
                project: decode(project),
                gateway: decode(gateway),
                method: method.clone(),
            })
        }
        [project, _, gateway, "connections", connection, "disconnect"] if post => {
            Some(Route::Disconnect {
                project: decode(project),
                gateway: decode(gateway),
                connection: decode(connection),
            })
        }
        _ => None,
    }
}

/// The first occurrence of query parameter `name`.
fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// `limit`: an integer in `1..=i32::MAX`.
fn parse_limit(v: &str) -> Result<usize, String> {
    let range = p2c_vpn_api::params::LIMIT;
    match v.parse::<u32>() {
        Ok(n) if range.contains(&n) => Ok(usize::try_from(n).unwrap_or(usize::MAX)),
        _ => Err(format!(
            "Invalid parameter limit: {:?}, must be an integer from {} to {}",
            truncate(v),
            range.start(),
            range.end()
        )),
    }
}

/// `limit` and `marker` of ListP2cVgws (first occurrence of each; an empty marker is the
/// first page).
fn gateway_paging(
    query: Option<&str>,
) -> Result<(Option<usize>, Option<DateTime<FixedOffset>>), String> {
    let limit = query_param(query, "limit")
        .map(|v| parse_limit(&v))
        .transpose()?;
    let marker = match query_param(query, "marker") {
        None => None,
        Some(v) if v.is_empty() => None,
        Some(v) => Some(DateTime::parse_from_rfc3339(&v).map_err(|_| {
            format!(
                "Invalid parameter marker: {:?}, must be the next_marker (an RFC 3339 creation time) of the previous page",
                truncate(&v)
            )
        })?),
    };
    Ok((limit, marker))
}

/// `limit` and `offset` from the raw query (first occurrence of each).
fn paging(query: Option<&str>) -> Result<(usize, Option<usize>), String> {
    let (mut limit, mut offset) = (None, None);
    for (k, v) in url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        match &*k {
            "limit" if limit.is_none() => limit = Some(v),
            "offset" if offset.is_none() => offset = Some(v),
            _ => {}
        }
    }
    let limit = limit.map(|v| parse_limit(&v)).transpose()?;
    let offset = match offset {
        None => 0,
        Some(v) => match v.parse::<u32>() {
            Ok(n) if p2c_vpn_api::params::OFFSET.contains(&n) => {
                usize::try_from(n).unwrap_or(usize::MAX)
            }
            _ => {
                let range = p2c_vpn_api::params::OFFSET;
                return Err(format!(
                    "Invalid parameter offset: {:?}, must be an integer from {} to {}",
                    truncate(&v),
                    range.start(),
                    range.end()
                ));
            }
        },
    };
    Ok((offset, limit))
}

/// At most 64 characters of a hostile value, for error messages.
fn truncate(s: &str) -> String {
    s.chars().take(64).collect()
}

impl Shared {
    /// Checks the signature or token; `Err` holds the reason for the 401 message.
    fn authenticate(&self, parts: &http::request::Parts, body: &[u8]) -> Result<(), String> {
        let auth = &self.auth;
        if !auth.require_signature {
            return Ok(());
        }
        let headers = &parts.headers;
        if headers.contains_key(http::header::AUTHORIZATION) {
            // HTTP/2 carries the host in the URI, not in a header.
            let with_host;
            let headers = match (headers.contains_key(HOST), parts.uri.authority()) {
                (false, Some(authority)) => {
                    let mut h = headers.clone();
                    if let Ok(v) = HeaderValue::from_str(authority.as_str()) {
                        h.insert(HOST, v);
                    }
                    with_host = h;
                    &with_host
                }
                _ => headers,
            };
            let creds = &auth.credentials;
            p2c_vpn_auth::verify(
                &parts.method,
                parts.uri.path(),
                parts.uri.query(),
                headers,
                body,
                |ak| (ak == creds.access_key()).then(|| creds.secret_key().clone()),
                SystemTime::now(),
                p2c_vpn_auth::DEFAULT_MAX_SKEW,
            )
            .map_err(|e| e.to_string())?;
            if let Some(expected) = creds.security_token() {
                let sent = headers
                    .get(p2c_vpn_auth::canonical::HEADER_SECURITY_TOKEN)
                    .map(HeaderValue::as_bytes);
                if sent != Some(expected.expose_secret().as_bytes()) {
                    return Err("missing or wrong X-Security-Token".to_owned());
                }
            }
            return Ok(());
        }
        if let Some(sent) = headers.get(X_AUTH_TOKEN) {
            return match &auth.token {
                Some(t) if sent.as_bytes() == t.expose_secret().as_bytes() => Ok(()),
                Some(_) => Err("the token is invalid or expired".to_owned()),
                None => Err("token authentication is not enabled".to_owned()),
            };
        }
        Err("missing Authorization (AK/SK signature) or X-Auth-Token header".to_owned())
    }

    /// The service's answer to a request routed to `route` (`None`: no such API), faults
    /// that change a successful body applied.
    fn serve(
        &self,
        route: Option<&Route>,
        parts: &http::request::Parts,
        body: &[u8],
        fault: Option<&Fault>,
        request_id: &str,
    ) -> Reply {
        let Some(route) = route else {
            return Reply::error(
                StatusCode::NOT_FOUND,
                "APIGW.0101",
                "The API does not exist or has not been published in the environment",
                request_id,
            );
        };
        let mut reply = self.serve_route(route, parts, body, fault, request_id);
        if *route == Route::IamProjects
            && let Ok(v) = HeaderValue::from_str(&new_request_id())
        {
            reply.headers.push((X_IAM_TRACE_ID, v));
        }
        reply
    }

    fn serve_route(
        &self,
        route: &Route,
        parts: &http::request::Parts,
        body: &[u8],
        fault: Option<&Fault>,
        request_id: &str,
    ) -> Reply {
        if let Err(why) = self.authenticate(parts, body) {
            return Reply::error(
                StatusCode::UNAUTHORIZED,
                "APIGW.0301",
                format!("Incorrect IAM authentication information: {why}"),
                request_id,
            );
        }
        // VPN operations: the path's project must be the mock's, and so must a signed
        // `X-Project-Id`. IAM requests carry no project (the official SDKs send none).
        if let Some(project_id) = route.project() {
            let header_project = parts
                .headers
                .get(p2c_vpn_auth::canonical::HEADER_PROJECT_ID)
                .and_then(|v| v.to_str().ok());
            if project_id != self.project_id || header_project.is_some_and(|p| p != project_id) {
                return Reply::error(
                    StatusCode::FORBIDDEN,
                    "VPN.0003",
                    format!(
                        "Access denied: the project {:?} is not the project of these credentials",
                        truncate(project_id)
                    ),
                    request_id,
                );
            }
        }
        let query = parts.uri.query();
        let wrong_type = fault == Some(&Fault::WrongFieldType);
        match route {
            Route::ListConnections { gateway, .. } => {
                self.list_connections(gateway, query, fault, request_id)
            }
            Route::ListGateways { .. } => {
                let (limit, marker) = match gateway_paging(query) {
                    Ok(p) => p,
                    Err(msg) => {
                        return Reply::error(StatusCode::BAD_REQUEST, "VPN.0001", msg, request_id);
                    }
                };
                let marker = if fault == Some(&Fault::IgnoreOffset) {
                    None
                } else {
                    marker
                };
                self.list_gateways(limit, marker, wrong_type, request_id)
            }
            Route::ShowGateway { gateway, .. } => {
                let Some(gw) = self.gateways.get(gateway) else {
                    return gateway_not_found(gateway);
                };
                let mut response = ShowP2cVgwResponse::default();
                response.p2c_vpn_gateway = Some(gw.view(&self.data, self.clock.now_ms()));
                response.request_id = Some(request_id.to_owned());
                json_reply(serde_json::to_value(&response), request_id, |v| {
                    if wrong_type {
                        stringify(v.get_mut("p2c_vpn_gateway"), "max_connection_number");
                    }
                })
            }
            Route::Disconnect {
                gateway,
                connection,
                ..
            } => {
                let Some(gw) = self.gateways.get(gateway) else {
                    return gateway_not_found(gateway);
                };
                let gone = uuid::Uuid::parse_str(connection)
                    .is_ok_and(|id| gw.disconnect(&self.data, self.clock.now_ms(), id));
                if !gone {
                    return Reply::code_message(
                        StatusCode::NOT_FOUND,
                        "VPN.0004",
                        format!(
                            "The resource does not exist: connection {:?} of P2C VPN gateway {:?} not found",
                            truncate(connection),
                            truncate(gateway)
                        ),
                    );
                }
                let mut response = DeleteP2cVgwConnectionResponse::default();
                response.request_id = Some(request_id.to_owned());
                json_reply(serde_json::to_value(&response), request_id, |v| {
                    if wrong_type && let Some(obj) = v.as_object_mut() {
                        obj.insert("request_id".to_owned(), serde_json::Value::from(0));
                    }
                })
            }
            Route::LogConfig {
                gateway, method, ..
            } => self.log_config(gateway, method, body, wrong_type, request_id),
            Route::IamProjects => self.iam_projects(query, wrong_type, request_id),
        }
    }

    /// ListP2cVgwConnections, after authentication.
    fn list_connections(
        &self,
        gateway_id: &str,
        query: Option<&str>,
        fault: Option<&Fault>,
        request_id: &str,
    ) -> Reply {
        let (offset, limit) = match paging(query) {
            Ok(p) => p,
            Err(msg) => return Reply::error(StatusCode::BAD_REQUEST, "VPN.0001", msg, request_id),
        };
        let Some(gateway) = self.gateways.get(gateway_id) else {
            return gateway_not_found(gateway_id);
        };
        let offset = if fault == Some(&Fault::IgnoreOffset) {
            0
        } else {
            offset
        };
        let page = gateway.page(&self.data, self.clock.now_ms(), offset, limit);
        let mut response = ListP2cVgwConnectionsResponse::default();
        response.connections = page.connections;
        response.request_id = Some(request_id.to_owned());
        response.total_count = Some(i64::try_from(page.total).unwrap_or(i64::MAX));
        let wrong_type = fault == Some(&Fault::WrongFieldType);
        let bytes = if response.connections.is_empty() || wrong_type {
            success_value(&response, wrong_type)
        } else {
            serde_json::to_vec(&response)
        };
        match bytes {
            Ok(b) => Reply::json(StatusCode::OK, b),
            Err(e) => serialize_failed(&e, request_id),
        }
    }

    /// ListP2cVgws: the gateways created strictly after `marker`, by (creation time, id).
    fn list_gateways(
        &self,
        limit: Option<usize>,
        marker: Option<DateTime<FixedOffset>>,
        wrong_type: bool,
        request_id: &str,
    ) -> Reply {
        let all = &self.by_created;
        let total = all.len();
        let start = marker.map_or(0, |m| {
            all.partition_point(|g| g.created().is_some_and(|c| c <= m))
        });
        let end = limit.map_or(total, |l| start.saturating_add(l).min(total));
        let page = &all[start..end];
        let now_ms = self.clock.now_ms();
        let mut info = PageInfo::default();
        info.current_count = Some(i64::try_from(page.len()).unwrap_or(i64::MAX));
        if end < total {
            info.next_marker = page.last().map(|g| g.created_text().to_owned());
        }
        let mut response = ListP2cVgwsResponse::default();
        response.p2c_vpn_gateways = page.iter().map(|g| g.view(&self.data, now_ms)).collect();
        response.total_count = Some(i64::try_from(total).unwrap_or(i64::MAX));
        response.page_info = Some(info);
        response.request_id = Some(request_id.to_owned());
        json_reply(serde_json::to_value(&response), request_id, |v| {
            let Some(obj) = v.as_object_mut() else {
                return;
            };
            let list = obj
                .entry("p2c_vpn_gateways")
                .or_insert_with(|| serde_json::Value::Array(Vec::new()));
            if wrong_type {
                for gw in list.as_array_mut().into_iter().flatten() {
                    stringify(Some(gw), "max_connection_number");
                }
            }
        })
    }

    /// IAM KeystoneListProjects: the projects named `name` (all without `name`); only the
    /// region's project(s) exist.
    fn iam_projects(&self, query: Option<&str>, wrong_type: bool, request_id: &str) -> Reply {
        let iam = &self.iam;
        let matches = query_param(query, "name").is_none_or(|n| n == iam.region);
        let projects = if matches {
            iam.project_ids
                .iter()
                .map(|id| {
                    let mut links = Links::default();
                    links.self_ = Some(format!("{}/v3/projects/{id}", self.base_url));
                    let mut p = ProjectResult::default();
                    p.id = Some(id.clone());
                    p.name = Some(iam.region.clone());
                    p.domain_id = Some(iam.domain_id.clone());
                    p.parent_id = Some(iam.domain_id.clone());
                    p.enabled = Some(true);
                    p.is_domain = Some(false);
                    p.description = Some(String::new());
                    p.links = Some(links);
                    p
                })
                .collect()
        } else {
            Vec::new()
        };
        let mut links = Links::default();
        links.self_ = Some(match query {
            Some(q) => format!("{}/v3/projects?{q}", self.base_url),
            None => format!("{}/v3/projects", self.base_url),
        });
        let mut response = KeystoneListProjectsResponse::default();
        response.links = Some(links);
        response.projects = projects;
        json_reply(serde_json::to_value(&response), request_id, |v| {
            let Some(obj) = v.as_object_mut() else {
                return;
            };
            // Keystone writes the paging links as null, and an empty list as `[]`.
            if let Some(links) = obj.get_mut("links").and_then(|l| l.as_object_mut()) {
                links.entry("previous").or_insert(serde_json::Value::Null);
                links.entry("next").or_insert(serde_json::Value::Null);
            }
            let list = obj
                .entry("projects")
                .or_insert_with(|| serde_json::Value::Array(Vec::new()));
            if wrong_type {
                for p in list.as_array_mut().into_iter().flatten() {
                    stringify(Some(p), "enabled");
                }
            }
        })
    }
}

/// 404 `{"code":"VPN.0004",…}` for an unknown gateway.
fn gateway_not_found(gateway_id: &str) -> Reply {
    Reply::code_message(
        StatusCode::NOT_FOUND,
        "VPN.0004",
        format!(
            "The resource does not exist: P2C VPN gateway {:?} not found",
            truncate(gateway_id)
        ),
    )
}

fn serialize_failed(e: &serde_json::Error, request_id: &str) -> Reply {
    Reply::error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "VPN.0002",
        format!("cannot serialize the response: {e}"),
        request_id,
    )
}

/// A 200 whose body is `body` (a generated type through `serde_json::to_value`), after
/// `edit` changed it.
fn json_reply(
    body: serde_json::Result<serde_json::Value>,
    request_id: &str,
    edit: impl FnOnce(&mut serde_json::Value),
) -> Reply {
    let bytes = body.and_then(|mut v| {
        edit(&mut v);
        serde_json::to_vec(&v)
    });
    match bytes {
        Ok(b) => Reply::json(StatusCode::OK, b),
        Err(e) => serialize_failed(&e, request_id),
    }
}

/// Rewrites `object[field]` as a JSON string ([`Fault::WrongFieldType`]).
fn stringify(object: Option<&mut serde_json::Value>, field: &str) {
    if let Some(v) = object.and_then(|o| o.get_mut(field)) {
        *v = serde_json::Value::String(v.to_string());
    }
}

/// The success body through a `serde_json::Value`: writes `"connections": []` for an
/// empty page (the generated type omits an empty list; the service sends it) and, for
/// [`Fault::WrongFieldType`], `inbound_bytes` as strings.
fn success_value(
    response: &ListP2cVgwConnectionsResponse,
    wrong_type: bool,
) -> serde_json::Result<Vec<u8>> {
    let mut value = serde_json::to_value(response)?;
    if let Some(obj) = value.as_object_mut() {
        let list = obj
            .entry("connections")
            .or_insert_with(|| serde_json::Value::Array(Vec::new()));
        if wrong_type {
            for conn in list.as_array_mut().into_iter().flatten() {
                if let Some(v) = conn.get_mut("inbound_bytes") {
                    *v = serde_json::Value::String(v.to_string());
                }
            }
        }
    }
    serde_json::to_vec(&value)
}

/// Handles every request the server receives.
pub(crate) async fn handle(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let request_id = new_request_id();
    let (parts, body) = request.into_parts();
    let route = route(&parts.method, parts.uri.path());
    shared.recorder.record(RecordedRequest {
        method: parts.method.clone(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        operation: route.as_ref().map(Route::operation),
        headers: parts.headers.clone(),
        request_id: request_id.clone(),
        received_at: SystemTime::now(),
    });
    if !shared.clock_step.is_zero() {
        shared.clock.advance(shared.clock_step);
    }
    let taken = shared.faults.take();
    let mut delay = taken.latency;
    if let Some(Fault::Latency(extra)) = &taken.fault {
        delay = delay.saturating_add(*extra);
    }
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let fault = taken.fault.as_ref();
    let reply = match fault {
        Some(Fault::Status(status)) => Reply::error(
            *status,
            code_for(*status),
            format!(
                "injected failure ({})",
                status.canonical_reason().unwrap_or("error")
            ),
            &request_id,
        ),
        Some(Fault::TooManyRequests { retry_after_secs }) => {
            let mut reply = Reply::error(
                StatusCode::TOO_MANY_REQUESTS,
                "APIGW.0308",
                "The throttling threshold has been reached: policy user over ratelimit,limit:20,time:1 second",
                &request_id,
            );
            reply
                .headers
                .push((RETRY_AFTER, HeaderValue::from(*retry_after_secs)));
            reply
        }
        Some(Fault::HtmlBadGateway) => Reply {
            status: StatusCode::BAD_GATEWAY,
            content_type: "text/html",
            headers: Vec::new(),
            body: Bytes::from_static(
                b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n",
            ),
        },
        Some(Fault::Hang) => {
            let mut shutdown = shared.shutdown.clone();
            // Ends only when the server shuts down, so graceful shutdown is not held up.
            let _ = shutdown.wait_for(|stop| *stop).await;
            Reply::error(
                StatusCode::SERVICE_UNAVAILABLE,
                "VPN.0002",
                "the mock server is shutting down",
                &request_id,
            )
        }
        _ => match axum::body::to_bytes(body, MAX_BODY).await {
            Ok(body) => {
                let reply = shared.serve(route.as_ref(), &parts, &body, fault, &request_id);
                match fault {
                    Some(Fault::AppliedThenStatus(status)) => Reply::error(
                        *status,
                        code_for(*status),
                        "injected failure after the request was applied",
                        &request_id,
                    ),
                    Some(Fault::AppliedThenHang) => {
                        let mut shutdown = shared.shutdown.clone();
                        let _ = shutdown.wait_for(|stop| *stop).await;
                        Reply::error(
                            StatusCode::SERVICE_UNAVAILABLE,
                            "VPN.0002",
                            "the mock server is shutting down",
                            &request_id,
                        )
                    }
                    _ => reply,
                }
            }
            Err(_) => Reply::error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "APIGW.0201",
                "Request entity too large",
                &request_id,
            ),
        },
    };
    finish(reply, fault, &request_id)
}

#[cfg(test)]
#[path = "handler_tests.rs"]
mod tests;
