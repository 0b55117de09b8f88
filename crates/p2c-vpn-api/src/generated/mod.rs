//! One module per spec in `openapi/`, each a progenitor client with its own `types`.
/// Generated from `openapi/iam.yaml`.
pub mod iam;
/// Generated from `openapi/p2c-vpn.yaml`.
pub mod p2c_vpn;
crate::hooks::client_hooks!(iam::Client);
crate::hooks::client_hooks!(p2c_vpn::Client);
/// The JSON Schema (schemars) of every generated component type, by spec module and
/// component name: what the conformance test compares with the specs.
pub fn component_schemas() -> Vec<
    (&'static str, &'static str, schemars::schema::RootSchema),
> {
    vec![
        ("iam", "IamError", schemars::schema_for!(iam::types::IamError)), ("iam",
        "IamErrorDetail", schemars::schema_for!(iam::types::IamErrorDetail)), ("iam",
        "KeystoneListProjectsResponse",
        schemars::schema_for!(iam::types::KeystoneListProjectsResponse)), ("iam",
        "Links", schemars::schema_for!(iam::types::Links)), ("iam", "ProjectResult",
        schemars::schema_for!(iam::types::ProjectResult)), ("p2c_vpn", "ApiError",
        schemars::schema_for!(p2c_vpn::types::ApiError)), ("p2c_vpn", "ApiErrorDetail",
        schemars::schema_for!(p2c_vpn::types::ApiErrorDetail)), ("p2c_vpn", "Connection",
        schemars::schema_for!(p2c_vpn::types::Connection)), ("p2c_vpn",
        "ConnectionsLogConfig",
        schemars::schema_for!(p2c_vpn::types::ConnectionsLogConfig)), ("p2c_vpn",
        "DeleteP2cVgwConnectionResponse",
        schemars::schema_for!(p2c_vpn::types::DeleteP2cVgwConnectionResponse)),
        ("p2c_vpn", "ListP2cVgwConnectionsResponse",
        schemars::schema_for!(p2c_vpn::types::ListP2cVgwConnectionsResponse)),
        ("p2c_vpn", "ListP2cVgwsResponse",
        schemars::schema_for!(p2c_vpn::types::ListP2cVgwsResponse)), ("p2c_vpn",
        "PageInfo", schemars::schema_for!(p2c_vpn::types::PageInfo)), ("p2c_vpn",
        "ResponseEipInfo", schemars::schema_for!(p2c_vpn::types::ResponseEipInfo)),
        ("p2c_vpn", "ShowP2cVgwResponse",
        schemars::schema_for!(p2c_vpn::types::ShowP2cVgwResponse)), ("p2c_vpn",
        "ShowResponseP2cVgw", schemars::schema_for!(p2c_vpn::types::ShowResponseP2cVgw)),
        ("p2c_vpn", "ShowVpnConnectionsLogConfigResponse",
        schemars::schema_for!(p2c_vpn::types::ShowVpnConnectionsLogConfigResponse)),
        ("p2c_vpn", "UpdateVpnConnectionsLogConfigResponse",
        schemars::schema_for!(p2c_vpn::types::UpdateVpnConnectionsLogConfigResponse)),
        ("p2c_vpn", "UpdateVpnLogConfigRequestBody",
        schemars::schema_for!(p2c_vpn::types::UpdateVpnLogConfigRequestBody)),
        ("p2c_vpn", "UpdateVpnLogConfigRequestBodyContent",
        schemars::schema_for!(p2c_vpn::types::UpdateVpnLogConfigRequestBodyContent)),
        ("p2c_vpn", "VpnResourceTag",
        schemars::schema_for!(p2c_vpn::types::VpnResourceTag)),
    ]
}
