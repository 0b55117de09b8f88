//! The example response from Huawei's doc (kept verbatim in the spec) decodes into the
//! generated types with every value intact, and re-encodes to the same JSON.

use chrono::{TimeZone as _, Utc};
use p2c_vpn_api::types::ListP2cVgwConnectionsResponse;
use serde_json::Value;

fn doc_example() -> Value {
    let spec = include_str!("../../../../openapi/p2c-vpn.yaml");
    let spec: Value = serde_saphyr::from_str(spec).expect("spec parses");
    spec.pointer(
        "/paths/~1v5~1{project_id}~1p2c-vpn-gateways~1{p2c_vgw_id}~1connections/get/responses/200/content/application~1json/examples/connections/value",
    )
    .cloned()
    .expect("doc example present in the spec")
}

#[test]
fn doc_example_decodes_with_every_value_intact() {
    let page: ListP2cVgwConnectionsResponse =
        serde_json::from_value(doc_example()).expect("decodes");
    assert_eq!(page.total_count, Some(2));
    assert_eq!(
        page.request_id.as_deref(),
        Some("6844f73ab1dd713d369b88904a935bd6")
    );
    let [first, second] = page.connections.as_slice() else {
        panic!("two connections expected, got {}", page.connections.len());
    };
    assert_eq!(
        first.connection_id.map(|u| u.to_string()).as_deref(),
        Some("10293371-114e-4d2a-878e-c6a616d0ec0e")
    );
    assert_eq!(first.client_virtual_ip.as_deref(), Some("36.***.***.149"));
    assert_eq!(first.client_ip.as_deref(), Some("100.***.***.100"));
    assert_eq!(first.client_user_name.as_deref(), Some("1111"));
    assert_eq!(first.inbound_packets, Some(13));
    assert_eq!(first.outbound_packets, Some(24));
    assert_eq!(first.inbound_bytes, Some(4185));
    assert_eq!(first.outbound_bytes, Some(10480));
    let established = Utc
        .with_ymd_and_hms(2024, 6, 17, 2, 58, 27)
        .single()
        .expect("time")
        + chrono::Duration::milliseconds(213);
    assert_eq!(first.connection_established_time, Some(established.into()));
    assert_eq!(
        first.timestamp,
        Utc.with_ymd_and_hms(2024, 6, 17, 2, 58, 48)
            .single()
            .map(Into::into)
    );
    assert_eq!(second.outbound_packets, Some(38));
    assert_eq!(second.outbound_bytes, Some(15804));
    assert_eq!(
        second.connection_id.map(|u| u.to_string()).as_deref(),
        Some("6ade9de6-b19e-4b87-874d-f4880be317c1")
    );
}

#[test]
fn doc_example_round_trips_to_the_same_json() {
    let original = doc_example();
    let page: ListP2cVgwConnectionsResponse =
        serde_json::from_value(original.clone()).expect("decodes");
    // Both time forms the service writes (with and without milliseconds) survive.
    assert_eq!(serde_json::to_value(&page).expect("encodes"), original);
}

#[test]
fn unknown_fields_and_missing_fields_are_tolerated() {
    let page: ListP2cVgwConnectionsResponse = serde_json::from_str(
        r#"{"connections":[{"connection_id":"10293371-114e-4d2a-878e-c6a616d0ec0e","new_field":{"x":1}}],"extra":true}"#,
    )
    .expect("open schema");
    assert_eq!(page.connections.len(), 1);
    assert_eq!(page.total_count, None);
}

#[test]
fn large_counters_round_trip() {
    let big = 1i64 << 62;
    let page: ListP2cVgwConnectionsResponse = serde_json::from_str(&format!(
        r#"{{"connections":[{{"inbound_bytes":{big}}}],"total_count":1}}"#
    ))
    .expect("decodes");
    assert_eq!(page.connections[0].inbound_bytes, Some(big));
}

/// The log-config examples of Huawei's doc (kept verbatim in the spec): the request body
/// the generated builders make is the doc's, byte for byte as JSON, and both responses
/// decode with their values.
#[test]
fn log_config_doc_examples_match_the_generated_types() {
    use p2c_vpn_api::types::{
        ShowVpnConnectionsLogConfigResponse, UpdateVpnConnectionsLogConfigResponse,
        UpdateVpnLogConfigRequestBody, UpdateVpnLogConfigRequestBodyContent,
    };
    let spec: Value =
        serde_saphyr::from_str(include_str!("../../../../openapi/p2c-vpn.yaml")).expect("parses");
    let at = |pointer: &str| {
        spec.pointer(&format!(
            "/paths/~1v5~1{{project_id}}~1p2c-vpn-gateways~1{{p2c_vgw_id}}~1log-config/{pointer}"
        ))
        .cloned()
        .unwrap_or_else(|| panic!("{pointer} in the spec"))
    };
    let group = "05c4052d-8d14-488f-aa00-19fea5a25fdd";
    let stream = "d9d85143-e1e1-427a-9994-d8b8fd9ebe3f";

    let content: UpdateVpnLogConfigRequestBodyContent =
        UpdateVpnLogConfigRequestBodyContent::builder()
            .log_group_id(group)
            .log_stream_id(stream)
            .try_into()
            .expect("both IDs given");
    let body: UpdateVpnLogConfigRequestBody = UpdateVpnLogConfigRequestBody::builder()
        .log_config(content)
        .try_into()
        .expect("log_config given");
    assert_eq!(
        serde_json::to_value(&body).expect("encodes"),
        at("put/requestBody/content/application~1json/examples/logConfig/value")
    );
    // Both IDs are required: a builder without one refuses to build.
    let missing: Result<UpdateVpnLogConfigRequestBodyContent, _> =
        UpdateVpnLogConfigRequestBodyContent::builder()
            .log_group_id(group)
            .try_into();
    assert!(missing.is_err());

    let shown: ShowVpnConnectionsLogConfigResponse = serde_json::from_value(at(
        "get/responses/200/content/application~1json/examples/logConfig/value",
    ))
    .expect("decodes");
    let config = shown.log_config.expect("log_config");
    assert_eq!(config.log_group_id.as_deref(), Some(group));
    assert_eq!(config.log_stream_id.as_deref(), Some(stream));
    assert_eq!(
        shown.request_id.as_deref(),
        Some("2ddd2f6107a8164ce6f6268bd991e57c")
    );

    let updated: UpdateVpnConnectionsLogConfigResponse = serde_json::from_value(at(
        "put/responses/200/content/application~1json/examples/logConfig/value",
    ))
    .expect("decodes");
    assert_eq!(
        updated.log_config.and_then(|c| c.log_stream_id).as_deref(),
        Some(stream)
    );
    // Every response field is optional: an empty answer decodes.
    let empty: ShowVpnConnectionsLogConfigResponse =
        serde_json::from_str("{}").expect("open schema");
    assert!(empty.log_config.is_none());
}
