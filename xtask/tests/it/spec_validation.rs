//! The spec loads and validates; each kind of broken spec gets a clear error, not a panic.

use std::path::{Path, PathBuf};

use xtask::regen::SPEC_PATH;
use xtask::spec::{self, SpecError};

fn spec_text() -> String {
    std::fs::read_to_string(root().join(SPEC_PATH)).expect("read spec")
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

fn parse(text: &str) -> Result<spec::Spec, SpecError> {
    spec::parse(Path::new("openapi/p2c-vpn.yaml"), text)
}

#[test]
fn committed_spec_is_valid() {
    let spec = parse(&spec_text()).expect("committed spec validates");
    let mut ids: Vec<&str> = spec
        .openapi
        .operations()
        .filter_map(|(_, _, op)| op.operation_id.as_deref())
        .collect();
    ids.sort_unstable();
    assert_eq!(
        ids,
        [
            "DeleteP2cVgwConnection",
            "DeleteVpnConnectionsLogConfig",
            "ListP2cVgwConnections",
            "ListP2cVgws",
            "ShowP2cVgw",
            "ShowVpnConnectionsLogConfig",
            "UpdateVpnConnectionsLogConfig"
        ]
    );
    assert!(spec.openapi.openapi.starts_with("3.0."));
}

#[test]
fn doc_example_response_validates_against_the_200_schema() {
    let spec = parse(&spec_text()).expect("valid");
    let example = spec
        .raw
        .pointer(
            "/paths/~1v5~1{project_id}~1p2c-vpn-gateways~1{p2c_vgw_id}~1connections/get/responses/200/content/application~1json/examples/connections/value",
        )
        .expect("doc example present");
    assert_eq!(example["total_count"], 2);
    assert_eq!(example["connections"][1]["outbound_bytes"], 15804);
    // The same example with a wrong type must be rejected by the same machinery.
    let broken = spec_text().replace("\"inbound_bytes\": 4185", "\"inbound_bytes\": \"4185\"");
    let err = parse(&broken).expect_err("string where int64 is required");
    assert!(err.to_string().contains("inbound_bytes"), "{err}");
}

#[test]
fn malformed_yaml_is_a_clear_error() {
    let err = parse("openapi: 3.0.3\ninfo: [unclosed\n").expect_err("malformed");
    let msg = err.to_string();
    assert!(matches!(err, SpecError::Yaml { .. }), "{msg}");
    assert!(
        msg.contains("openapi/p2c-vpn.yaml") && msg.contains("invalid YAML"),
        "{msg}"
    );
}

#[test]
fn duplicate_key_is_a_clear_error() {
    let text = spec_text().replacen(
        "      operationId: ListP2cVgwConnections\n",
        "      operationId: ListP2cVgwConnections\n      operationId: Again\n",
        1,
    );
    let err = parse(&text).expect_err("duplicate key");
    let msg = err.to_string();
    assert!(matches!(err, SpecError::Yaml { .. }), "{msg}");
    assert!(msg.to_lowercase().contains("duplicate"), "{msg}");
}

#[test]
fn missing_operation_id_is_reported_with_its_pointer() {
    let text = spec_text().replacen("      operationId: ListP2cVgwConnections\n", "", 1);
    let err = parse(&text).expect_err("no operationId");
    let msg = err.to_string();
    assert!(msg.contains("no operationId"), "{msg}");
    assert!(
        msg.contains("/paths/~1v5~1{project_id}~1p2c-vpn-gateways~1{p2c_vgw_id}~1connections/get"),
        "{msg}"
    );
}

#[test]
fn example_violating_its_schema_is_reported() {
    let text = spec_text().replacen(
        "\"connection_id\": \"10293371-114e-4d2a-878e-c6a616d0ec0e\"",
        "\"connection_id\": \"not-a-uuid\"",
        1,
    );
    let err = parse(&text).expect_err("bad uuid in example");
    let msg = err.to_string();
    assert!(msg.contains("example does not match its schema"), "{msg}");
    assert!(msg.contains("/connections/0/connection_id"), "{msg}");
}

#[test]
fn other_openapi_versions_are_refused() {
    let text = spec_text().replacen("openapi: 3.0.3", "openapi: 3.1.0", 1);
    let msg = parse(&text).expect_err("3.1").to_string();
    assert!(msg.contains("only OpenAPI 3.0.x"), "{msg}");
}

#[test]
fn mixed_error_schemas_are_caught_before_the_generator_asserts() {
    let text = spec_text().replacen(
        "        '5XX':\n          $ref: '#/components/responses/ErrorResponse'\n",
        "        '5XX':\n          description: other\n          content:\n            application/json:\n              schema:\n                $ref: '#/components/schemas/ApiErrorDetail'\n",
        1,
    );
    let msg = parse(&text).expect_err("mixed").to_string();
    assert!(msg.contains("different error response schemas"), "{msg}");
}

#[test]
fn closed_response_objects_and_undescribed_properties_are_linted() {
    let text = spec_text().replacen(
        "    Connection:\n      type: object\n",
        "    Connection:\n      type: object\n      additionalProperties: false\n",
        1,
    );
    let msg = parse(&text).expect_err("closed").to_string();
    assert!(
        msg.contains("/components/schemas/Connection/additionalProperties"),
        "{msg}"
    );

    let text = spec_text().replacen(
        "          description: Specifies a client username.\n",
        "",
        1,
    );
    let msg = parse(&text).expect_err("undescribed").to_string();
    assert!(
        msg.contains("/components/schemas/Connection/properties/client_user_name"),
        "{msg}"
    );
}

#[test]
fn garbage_never_panics() {
    for text in [
        "",
        "null",
        "[]",
        "openapi: 3.0.3",
        "openapi: 3.0.3\npaths: 7\n",
        "openapi: 3.0.3\ninfo: {title: t, version: v}\npaths: {/x: {get: {responses: 5}}}\n",
        "\u{0}\u{1}\u{2}",
        "a: &a [*a]",
    ] {
        assert!(parse(text).is_err(), "{text:?} should be rejected");
    }
}
