//! A gateway's connection-log configuration: where its connection logs go in LTS (a log
//! group and a log stream). `ShowVpnConnectionsLogConfig` (GET),
//! `UpdateVpnConnectionsLogConfig` (PUT) and `DeleteVpnConnectionsLogConfig` (DELETE) of
//! `/v5/{project_id}/p2c-vpn-gateways/{p2c_vgw_id}/log-config`.

use std::collections::HashMap;
use std::sync::Mutex;

use http::{Method, StatusCode};
use p2c_vpn_api::types::{
    ConnectionsLogConfig, ShowVpnConnectionsLogConfigResponse,
    UpdateVpnConnectionsLogConfigResponse, UpdateVpnLogConfigRequestBody,
};

use super::{Reply, Shared, gateway_not_found, json_reply, truncate};
use crate::record::Operation;

/// Each gateway's log group and log stream IDs, by gateway ID.
#[derive(Debug, Default)]
pub(crate) struct LogConfigs {
    inner: Mutex<HashMap<String, (String, String)>>,
}

impl LogConfigs {
    /// The configurations the server starts with.
    pub(crate) fn new(initial: impl IntoIterator<Item = (String, (String, String))>) -> Self {
        Self {
            inner: Mutex::new(initial.into_iter().collect()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (String, String)>> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The (log group ID, log stream ID) of a gateway, if set.
    pub(crate) fn get(&self, gateway_id: &str) -> Option<(String, String)> {
        self.lock().get(gateway_id).cloned()
    }
}

/// The operation of a log-config request.
pub(super) fn operation(method: &Method) -> Operation {
    match *method {
        Method::PUT => Operation::UpdateVpnConnectionsLogConfig,
        Method::DELETE => Operation::DeleteVpnConnectionsLogConfig,
        _ => Operation::ShowVpnConnectionsLogConfig,
    }
}

fn api_config(group: &str, stream: &str) -> ConnectionsLogConfig {
    // Default + assignment, never a struct literal: a property added to the spec must not
    // break the mock.
    let mut config = ConnectionsLogConfig::default();
    config.log_group_id = Some(group.to_owned());
    config.log_stream_id = Some(stream.to_owned());
    config
}

/// A [`Fault::WrongFieldType`](crate::Fault::WrongFieldType) answer: `request_id` a number.
fn wrong_request_id(v: &mut serde_json::Value) {
    if let Some(obj) = v.as_object_mut() {
        obj.insert("request_id".to_owned(), serde_json::Value::from(0));
    }
}

impl Shared {
    /// A log-config request on `gateway_id`, after authentication.
    pub(super) fn log_config(
        &self,
        gateway_id: &str,
        method: &Method,
        body: &[u8],
        wrong_type: bool,
        request_id: &str,
    ) -> Reply {
        if !self.gateways.contains_key(gateway_id) {
            return gateway_not_found(gateway_id);
        }
        let edit = |v: &mut serde_json::Value| {
            if wrong_type {
                wrong_request_id(v);
            }
        };
        match *method {
            Method::PUT => {
                let (group, stream) = match parse_update(body) {
                    Ok(ids) => ids,
                    Err(msg) => {
                        return Reply::error(StatusCode::BAD_REQUEST, "VPN.0001", msg, request_id);
                    }
                };
                let mut response = UpdateVpnConnectionsLogConfigResponse::default();
                response.log_config = Some(api_config(&group, &stream));
                response.request_id = Some(request_id.to_owned());
                self.log_configs
                    .lock()
                    .insert(gateway_id.to_owned(), (group, stream));
                json_reply(serde_json::to_value(&response), request_id, edit)
            }
            Method::DELETE => {
                self.log_configs.lock().remove(gateway_id);
                Reply::empty(StatusCode::NO_CONTENT)
            }
            _ => {
                let mut response = ShowVpnConnectionsLogConfigResponse::default();
                response.log_config = self
                    .log_configs
                    .get(gateway_id)
                    .map(|(group, stream)| api_config(&group, &stream));
                response.request_id = Some(request_id.to_owned());
                json_reply(serde_json::to_value(&response), request_id, edit)
            }
        }
    }
}

/// The log group and stream IDs of an `UpdateVpnConnectionsLogConfig` body: the generated
/// request type (both IDs required), neither empty.
fn parse_update(body: &[u8]) -> Result<(String, String), String> {
    let parsed: UpdateVpnLogConfigRequestBody = serde_json::from_slice(body).map_err(|e| {
        format!(
            "Invalid request body: {}; expected {{\"log_config\":{{\"log_group_id\":…,\"log_stream_id\":…}}}}",
            truncate(&e.to_string())
        )
    })?;
    let config = parsed.log_config;
    for (name, value) in [
        ("log_group_id", &config.log_group_id),
        ("log_stream_id", &config.log_stream_id),
    ] {
        if value.trim().is_empty() {
            return Err(format!(
                "Invalid parameter {name}: must be the ID of an LTS log {}",
                if name == "log_group_id" {
                    "group"
                } else {
                    "stream"
                }
            ));
        }
    }
    Ok((config.log_group_id, config.log_stream_id))
}
