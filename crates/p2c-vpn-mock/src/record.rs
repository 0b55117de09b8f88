//! Requests recorded for assertions.

use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use http::{HeaderMap, Method};

/// Header values [`RecordedRequest`]'s `Debug` does not print.
const REDACTED_HEADERS: &[&str] = &["authorization", "x-auth-token", "x-security-token"];

/// The operation a request was routed to, named by its `operationId` in the specs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Operation {
    /// `GET /v5/{project_id}/p2c-vpn-gateways`.
    ListP2cVgws,
    /// `GET /v5/{project_id}/p2c-vpn-gateways/{p2c_vgw_id}`.
    ShowP2cVgw,
    /// `GET /v5/{project_id}/p2c-vpn-gateways/{p2c_vgw_id}/connections`.
    ListP2cVgwConnections,
    /// `POST /v5/{project_id}/p2c-vpn-gateways/{p2c_vgw_id}/connections/{connection_id}/disconnect`.
    DeleteP2cVgwConnection,
    /// IAM `GET /v3/projects` (`openapi/iam.yaml`).
    KeystoneListProjects,
    /// `GET /v5/{project_id}/p2c-vpn-gateways/{p2c_vgw_id}/log-config`.
    ShowVpnConnectionsLogConfig,
    /// `PUT /v5/{project_id}/p2c-vpn-gateways/{p2c_vgw_id}/log-config`.
    UpdateVpnConnectionsLogConfig,
    /// `DELETE /v5/{project_id}/p2c-vpn-gateways/{p2c_vgw_id}/log-config`.
    DeleteVpnConnectionsLogConfig,
}

impl Operation {
    /// The `operationId`, e.g. `"ListP2cVgws"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ListP2cVgws => "ListP2cVgws",
            Self::ShowP2cVgw => "ShowP2cVgw",
            Self::ListP2cVgwConnections => "ListP2cVgwConnections",
            Self::DeleteP2cVgwConnection => "DeleteP2cVgwConnection",
            Self::KeystoneListProjects => "KeystoneListProjects",
            Self::ShowVpnConnectionsLogConfig => "ShowVpnConnectionsLogConfig",
            Self::UpdateVpnConnectionsLogConfig => "UpdateVpnConnectionsLogConfig",
            Self::DeleteVpnConnectionsLogConfig => "DeleteVpnConnectionsLogConfig",
        }
    }

    /// Whether this is an IAM operation rather than a VPN one.
    pub fn is_iam(self) -> bool {
        matches!(self, Self::KeystoneListProjects)
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A request as the mock received it.
///
/// Holds the headers as sent, `Authorization` included (the mock is for tests and its
/// credentials are throwaway); `Debug` prints `[REDACTED]` for the values of
/// `Authorization`, `X-Auth-Token` and `X-Security-Token`.
#[derive(Clone)]
#[non_exhaustive]
pub struct RecordedRequest {
    /// The HTTP method.
    pub method: Method,
    /// The raw path, as on the wire (still percent-encoded).
    pub path: String,
    /// The raw query string without `?`, if any.
    pub query: Option<String>,
    /// The operation the path and method route to; `None` for an unknown route (answered
    /// 404 `APIGW.0101`). Count IAM lookups with
    /// `requests().iter().filter(|r| r.operation == Some(Operation::KeystoneListProjects))`.
    pub operation: Option<Operation>,
    /// The request headers.
    pub headers: HeaderMap,
    /// The `X-Request-Id` the mock answered with.
    pub request_id: String,
    /// When it arrived (system time, not the mock's virtual clock).
    pub received_at: SystemTime,
}

impl RecordedRequest {
    /// The value of `name` in the raw query (first occurrence, percent-decoded).
    pub fn query_param(&self, name: &str) -> Option<String> {
        let query = self.query.as_deref()?;
        url::form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }

    /// The value of header `name` if present and valid UTF-8 (first one).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

impl fmt::Debug for RecordedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Headers<'a>(&'a HeaderMap);
        impl fmt::Debug for Headers<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let mut map = f.debug_map();
                for (name, value) in self.0 {
                    if REDACTED_HEADERS.contains(&name.as_str()) {
                        map.entry(&name.as_str(), &"[REDACTED]");
                    } else {
                        map.entry(&name.as_str(), value);
                    }
                }
                map.finish()
            }
        }
        f.debug_struct("RecordedRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &self.query)
            .field("operation", &self.operation)
            .field("headers", &Headers(&self.headers))
            .field("request_id", &self.request_id)
            .field("received_at", &self.received_at)
            .finish()
    }
}

/// The most recent requests, oldest first, bounded.
#[derive(Debug, Clone)]
pub(crate) struct Recorder {
    inner: Arc<Mutex<VecDeque<RecordedRequest>>>,
    capacity: usize,
}

impl Recorder {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            inner: Arc::default(),
            capacity,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<RecordedRequest>> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn record(&self, request: RecordedRequest) {
        if self.capacity == 0 {
            return;
        }
        let mut list = self.lock();
        while list.len() >= self.capacity {
            list.pop_front();
        }
        list.push_back(request);
    }

    pub(crate) fn snapshot(&self) -> Vec<RecordedRequest> {
        self.lock().iter().cloned().collect()
    }

    pub(crate) fn clear(&self) {
        self.lock().clear();
    }
}
