//! The diff fixtures and what each must give: one row per kind of change, the fixtures
//! whose specs fail the lint, those `regen` refuses, and those that change nothing.

use xtask::diff::Severity;

/// (case, site, what, expected class, words the explanation must contain): one row per kind
/// of change.
pub(super) const CASES: &[(&str, &str, &str, Severity, &str)] = &[
    (
        "field_removed",
        "GET /v1/items/{item_id} (GetItem) → 200 (Item) → size",
        "field removed",
        Severity::Breaking,
        "the generated field disappears",
    ),
    (
        "field_type_changed",
        "GET /v1/items/{item_id} (GetItem) → 200 (Item) → size",
        "type changed `integer/int64` → `string/none`",
        Severity::Breaking,
        "`types::Item::size` changes `Option<i64>` → `Option<String>`",
    ),
    (
        "format_changed",
        "GET /v1/items/{item_id} (GetItem) → 200 (Item) → size",
        "type changed `integer/int64` → `integer/int32`",
        Severity::Breaking,
        "`Option<i64>` → `Option<i32>`",
    ),
    (
        "optional_field_added",
        "GET /v1/items/{item_id} (GetItem) → 200 (Item) → owner",
        "optional field added",
        Severity::NonBreaking,
        "only gains data",
    ),
    (
        "required_response_field_added",
        "GET /v1/items (ListItems) → 200 (ItemList) → total",
        "required field added",
        Severity::NonBreaking,
        "only gains data",
    ),
    // Requiredness and nullability, judged by the generated field.
    (
        "nullable_optional_field",
        "GET /v1/items/{item_id} (GetItem) → 200 (Item) → size",
        "now nullable",
        Severity::NonBreaking,
        "`types::Item::size` stays `Option<i64>`; `null` decodes to `None`",
    ),
    (
        "nullable_required_field",
        "GET /v1/items/{item_id} (GetItem) → 200 (Item) → id",
        "now nullable",
        Severity::Breaking,
        "`types::Item::id` changes `String` → `Option<String>`: code that reads it or builds the struct literally no longer compiles; at run time, old clients fail to decode `null`",
    ),
    (
        "required_nullable_to_optional",
        "GET /v1/items/{item_id} (GetItem) → 200 (Item) → id",
        "required → optional",
        Severity::Breaking,
        "`types::Item::id` stays `Option<String>`, but old clients require it and fail to decode a response that omits it",
    ),
    (
        "response_required_to_optional",
        "GET /v1/items/{item_id} (GetItem) → 200 (Item) → id",
        "required → optional",
        Severity::Breaking,
        "`String` → `Option<String>`",
    ),
    (
        "response_optional_to_required",
        "GET /v1/items/{item_id} (GetItem) → 200 (Item) → size",
        "optional → required",
        Severity::Breaking,
        "`types::Item::size` changes `Option<i64>` → `i64`",
    ),
    (
        "request_field_nullable",
        "PUT /v1/items/{item_id} (UpdateItem) → request body (ItemUpdate) → note",
        "now nullable",
        Severity::NonBreaking,
        "`types::ItemUpdate::note` stays `Option<String>`",
    ),
    (
        "request_field_required_to_optional",
        "PUT /v1/items/{item_id} (UpdateItem) → request body (ItemUpdate) → name",
        "required → optional",
        Severity::Breaking,
        "`types::ItemUpdate::name` changes `String` → `Option<String>`",
    ),
    (
        "request_field_optional_to_required",
        "PUT /v1/items/{item_id} (UpdateItem) → request body (ItemUpdate) → note",
        "optional → required",
        Severity::Breaking,
        "old clients omit it when unset, which the service now rejects",
    ),
    (
        "default_added",
        "GET /v1/items/{item_id} (GetItem) → 200 (Item) → size",
        "default changed",
        Severity::Breaking,
        "`types::Item::size` changes `Option<i64>` → `i64`",
    ),
    (
        "array_items_nullable",
        "GET /v1/items (ListItems) → 200 (ItemList) → items[]",
        "now nullable",
        Severity::Breaking,
        "`T` → `Option<T>`, and old clients reject `null`",
    ),
    // Media types, as progenitor reads them.
    (
        "media_type_parameter",
        "GET /v1/items/{item_id} (GetItem) → 200",
        "media type `application/json` → `application/json; charset=utf-8`",
        Severity::NonBreaking,
        "the generated type and decoding are unchanged",
    ),
    (
        "media_type_parameter_request",
        "PUT /v1/items/{item_id} (UpdateItem) → request body",
        "media type `application/json` → `application/json; charset=utf-8`",
        Severity::NonBreaking,
        "sends `Content-Type: application/json` either way",
    ),
    (
        "media_type_json_suffix",
        "GET /v1/items (ListItems) → 4XX",
        "media type `application/json` → `application/problem+json`",
        Severity::Breaking,
        "`send()` returns `Result<ResponseValue<types::ItemList>, Error<types::Error>>` → `Result<ResponseValue<types::ItemList>, Error<ByteStream>>`",
    ),
    (
        "media_type_json_suffix_added",
        "GET /v1/items (ListItems) → 4XX",
        "media type `application/problem+json` added",
        Severity::NonBreaking,
        "reads only the JSON body",
    ),
    // Security, as the client's auth code (AK/SK signature, IAM token) uses it.
    (
        "security_removed_per_operation",
        "GET /v1/items/{item_id} (GetItem)",
        "`akskSignature` no longer accepted (operation `security`)",
        Severity::Breaking,
        "rejected (HTTP 401) by a service that implements the new spec. The generated code does not change: this breaks at run time only",
    ),
    (
        "global_security_requirement_removed",
        "GET /v1/items (ListItems)",
        "`akskSignature` no longer accepted (global `security`)",
        Severity::Breaking,
        "the AK/SK signature in `Authorization`",
    ),
    (
        "global_security_removed",
        "GET /v1/items (ListItems)",
        "`iamToken` no longer accepted (global `security`)",
        Severity::Breaking,
        "the new spec declares no authentication here",
    ),
    (
        "security_scheme_removed",
        "document → security scheme iamToken",
        "removed",
        Severity::Breaking,
        "the client's auth code authenticates with it (an IAM token in `X-Auth-Token`)",
    ),
    (
        "security_unused_scheme_removed",
        "document → security scheme oauthBearer",
        "removed",
        Severity::NonBreaking,
        "the client's auth code does not apply it",
    ),
    // Parameters renamed.
    (
        "path_param_renamed",
        "GET /v1/items/{id} (GetItem) → parameter id (path)",
        "path parameter renamed `item_id` → `id`",
        Severity::Breaking,
        "builder method `.item_id()` renamed to `.id()`; the request on the wire is unchanged",
    ),
    (
        "path_param_renamed_same_method",
        "GET /v1/items/{itemId} (GetItem) → parameter itemId (path)",
        "path parameter renamed `item_id` → `itemId`",
        Severity::NonBreaking,
        "the builder method stays `.item_id()`; the request on the wire is unchanged",
    ),
    (
        "query_param_renamed",
        "GET /v1/items (ListItems) → parameter page_size (query)",
        "query parameter renamed `limit` → `page_size`",
        Severity::Breaking,
        "builder method `.limit()` renamed to `.page_size()`, and the request on the wire changes: old clients send `?limit=…`, which the new service does not read",
    ),
    (
        "header_param_renamed",
        "GET /v1/items (ListItems) → parameter X-Trace-Id (header)",
        "header parameter renamed `X-Request-Id` → `X-Trace-Id`",
        Severity::Breaking,
        "builder method `.x_request_id()` renamed to `.x_trace_id()`, and the request on the wire changes: old clients send header `X-Request-Id`",
    ),
    (
        "param_optional_to_required",
        "GET /v1/items (ListItems) → parameter limit (query)",
        "optional → required",
        Severity::Breaking,
        "calls that do not set it now fail",
    ),
    (
        "required_param_added",
        "GET /v1/items (ListItems) → parameter region (query)",
        "required parameter added",
        Severity::Breaking,
        "existing calls do not set it",
    ),
    (
        "optional_param_added",
        "GET /v1/items (ListItems) → parameter marker (query)",
        "optional parameter added",
        Severity::NonBreaking,
        "a new builder method",
    ),
    (
        "param_location_changed",
        "GET /v1/items (ListItems) → parameter limit (header)",
        "location changed `query` → `header`",
        Severity::Breaking,
        "where the service no longer reads it",
    ),
    (
        "operation_removed",
        "GET /v1/items/{item_id} (GetItem)",
        "operation removed",
        Severity::Breaking,
        "its generated method disappears",
    ),
    (
        "operation_added",
        "DELETE /v1/items/{item_id} (DeleteItem)",
        "operation added",
        Severity::NonBreaking,
        "a new generated method",
    ),
    (
        "operation_id_changed",
        "GET /v1/items/{item_id} (FetchItem)",
        "operationId changed `GetItem` → `FetchItem`",
        Severity::Breaking,
        "renamed",
    ),
    (
        "path_removed",
        "/v1/items/{item_id}",
        "path removed (GET)",
        Severity::Breaking,
        "no longer serves it",
    ),
    (
        "description_changed",
        "GET /v1/items (ListItems) → 200 (ItemList) → items[] (Item) → size",
        "description changed",
        Severity::NonBreaking,
        "documentation only",
    ),
    (
        "example_changed",
        "GET /v1/items (ListItems) → 200",
        "example(s) changed",
        Severity::NonBreaking,
        "documentation only",
    ),
    (
        "enum_value_removed",
        "GET /v1/items (ListItems) → parameter sort (query)",
        "enum value `desc` removed",
        Severity::Breaking,
        "loses a variant",
    ),
    (
        "enum_value_added",
        "GET /v1/items (ListItems) → parameter sort (query)",
        "enum value `random` added",
        Severity::NonBreaking,
        "old calls still work",
    ),
    (
        "response_removed",
        "GET /v1/items (ListItems) → 4XX",
        "response removed",
        Severity::Breaking,
        "type for this status changes",
    ),
    (
        "schema_renamed",
        "GET /v1/items (ListItems) → 4XX",
        "schema changed `Error` → `Problem`",
        Severity::Breaking,
        "renamed",
    ),
    (
        "schema_renamed",
        "components.schemas.Error",
        "schema removed",
        Severity::Breaking,
        "`types::Error` disappears",
    ),
    // Changes whose spec fails the lint on one side or both: verdicts all the same.
    (
        "lint_stale_example",
        "GET /v1/items/{item_id} (GetItem) → 200 (Item) → size",
        "field removed",
        Severity::Breaking,
        "the generated field disappears",
    ),
    (
        "lint_missing_description",
        "GET /v1/items (ListItems) → parameter marker (query)",
        "optional parameter added",
        Severity::NonBreaking,
        "a new builder method",
    ),
    (
        "lint_unreferenced_after_removal",
        "/v1/items/{item_id}/stats",
        "path removed (GET)",
        Severity::Breaking,
        "no longer serves it",
    ),
    (
        "lint_response_enum_value_added",
        "GET /v1/items/{item_id} (GetItem) → 200 (Item) → state",
        "enum value `archived` added",
        Severity::Breaking,
        "old clients cannot deserialize the new value",
    ),
    (
        "lint_response_enum_value_removed",
        "GET /v1/items/{item_id} (GetItem) → 200 (Item) → state",
        "enum value `deleted` removed",
        Severity::Breaking,
        "the generated enum loses a variant",
    ),
    (
        "lint_additional_properties_false",
        "GET /v1/items/{item_id} (GetItem) → 200 (Item)",
        "additionalProperties changed absent → `false`",
        Severity::NonBreaking,
        "a client generated from the new spec fails on the first field the service adds later",
    ),
    (
        "lint_additional_properties_false_removed",
        "GET /v1/items/{item_id} (GetItem) → 200 (Item)",
        "additionalProperties changed `false` → absent",
        Severity::Breaking,
        "old clients (generated with `#[serde(deny_unknown_fields)]`) fail to decode",
    ),
    (
        "lint_old_revision",
        "GET /v1/items (ListItems) → 200",
        "example(s) changed",
        Severity::NonBreaking,
        "documentation only",
    ),
];

/// Fixtures whose spec fails the lint: (case, exit code, a pointer listed under the new
/// side's spec problems, one listed under the old side's). Listed after the verdict; the
/// exit code is the verdict's.
pub(super) const LINT: &[(&str, i32, Option<&str>, Option<&str>)] = &[
    (
        "lint_stale_example",
        1,
        Some("/paths/~1v1~1items/get/responses/200/content/application~1json/example/items/0/size"),
        None,
    ),
    (
        "lint_missing_description",
        0,
        Some("/paths/~1v1~1items/get/parameters/2"),
        None,
    ),
    (
        "lint_unreferenced_after_removal",
        1,
        Some("/components/schemas/ItemStats"),
        None,
    ),
    (
        "lint_response_enum_value_added",
        1,
        Some("/components/schemas/Item/properties/state/enum"),
        Some("/components/schemas/Item/properties/state/enum"),
    ),
    (
        "lint_response_enum_value_removed",
        1,
        Some("/components/schemas/Item/properties/state/enum"),
        Some("/components/schemas/Item/properties/state/enum"),
    ),
    (
        "lint_additional_properties_false",
        0,
        Some("/components/schemas/Item/additionalProperties"),
        None,
    ),
    (
        "lint_additional_properties_false_removed",
        1,
        None,
        Some("/components/schemas/Item/additionalProperties"),
    ),
    (
        "lint_old_revision",
        0,
        None,
        Some(
            "/paths/~1v1~1items/get/responses/200/content/application~1json/example/items/0/bytes",
        ),
    ),
];

/// Fixtures whose new side `regen` refuses: diff exits 2 with this on stderr.
pub(super) const INVALID: &[(&str, &str)] = &[
    ("invalid_empty", "missing `openapi: 3.0.x` version field"),
    (
        "invalid_not_openapi",
        "missing `openapi: 3.0.x` version field",
    ),
    ("invalid_swagger2", "missing `openapi: 3.0.x` version field"),
    (
        "invalid_openapi31",
        "version \"3.1.0\" is not supported: only OpenAPI 3.0.x is",
    ),
    (
        "invalid_dangling_ref",
        "$ref \"#/components/schemas/Itm\" does not resolve",
    ),
    (
        "invalid_external_ref",
        "$ref \"item.yaml#/Item\" is external",
    ),
    ("invalid_generation", "code generation failed"),
];

/// Fixtures that change nothing a client can see.
pub(super) const UNCHANGED: &[&str] = &["no_change", "security_moved_to_operations"];
