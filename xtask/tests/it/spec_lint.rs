//! `cargo xtask lint` covers what reviews rely on: every parameter (operation- or
//! path-level) and property is described, examples at any depth validate and name no key
//! their schema lacks, operationIds are unique, response objects stay open (no
//! `additionalProperties: false`, no closed enum), every component is referenced, every
//! `$ref` is local and resolves, and every security requirement names a defined scheme.

use std::path::Path;

use xtask::spec;

const BASE: &str = "
openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /v1/items/{item_id}:
    parameters:
      - name: item_id
        in: path
        required: true
        description: Item ID.
        schema: {type: string}
    get:
      operationId: GetItem
      responses:
        '200':
          description: One item.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Item'
  /v1/other:
    get:
      operationId: GetOther
      responses:
        '204':
          description: Nothing.
components:
  schemas:
    Item:
      type: object
      description: An item.
      properties:
        size:
          type: integer
          format: int64
          description: Size.
          example: 3
        kind:
          type: string
          description: Kind.
";

fn lint(text: &str) -> String {
    match spec::parse(Path::new("fixture.yaml"), text) {
        Ok(_) => String::new(),
        Err(e) => e.to_string(),
    }
}

fn edited(from: &str, to: &str) -> String {
    let text = BASE.replacen(from, to, 1);
    assert_ne!(text, BASE, "anchor {from:?} not found");
    text
}

#[test]
fn base_fixture_is_clean() {
    assert_eq!(lint(BASE), "");
}

#[test]
fn path_level_parameter_needs_a_description() {
    let msg = lint(&edited("        description: Item ID.\n", ""));
    assert!(
        msg.contains(
            "/paths/~1v1~1items~1{item_id}/parameters/0: parameter \"item_id\" has no description"
        ),
        "{msg}"
    );
}

#[test]
fn property_needs_a_description() {
    let msg = lint(&edited("          description: Kind.\n", ""));
    assert!(
        msg.contains("/components/schemas/Item/properties/kind"),
        "{msg}"
    );
}

#[test]
fn property_level_example_must_validate() {
    let msg = lint(&edited("example: 3", "example: three"));
    assert!(
        msg.contains("/components/schemas/Item/properties/size/example: example does not match"),
        "{msg}"
    );
}

#[test]
fn operation_ids_are_unique() {
    let msg = lint(&edited("operationId: GetOther", "operationId: GetItem"));
    assert!(
        msg.contains("operationId \"GetItem\" is already used"),
        "{msg}"
    );
}

#[test]
fn response_objects_stay_open() {
    let msg = lint(&edited(
        "      description: An item.\n",
        "      description: An item.\n      additionalProperties: false\n",
    ));
    assert!(
        msg.contains("/components/schemas/Item/additionalProperties"),
        "{msg}"
    );
    let msg = lint(&edited(
        "          description: Kind.\n",
        "          description: Kind.\n          enum: [a, b]\n",
    ));
    assert!(
        msg.contains("/components/schemas/Item/properties/kind/enum"),
        "{msg}"
    );
}

#[test]
fn example_keys_must_be_properties_of_the_open_schema() {
    // A property renamed (kind → category) and an example left behind: the schema is open,
    // so validation alone lets the stale key through.
    let text = edited(
        "      description: An item.\n",
        "      description: An item.\n      example: {size: 3, kind: a}\n",
    )
    .replacen("        kind:\n", "        category:\n", 1);
    let msg = lint(&text);
    assert!(
        msg.contains(
            "/components/schemas/Item/example/kind: example key \"kind\" is not a property of its schema"
        ),
        "{msg}"
    );
    // Keys of a map (`additionalProperties` with a schema) and of an object with no
    // `properties` are not judged; nested objects are, through arrays and `$ref`s.
    let text = edited(
        "        kind:\n          type: string\n          description: Kind.\n",
        "        kind:\n          type: string\n          description: Kind.\n        \
         labels:\n          type: object\n          description: Labels.\n          \
         additionalProperties: {type: string}\n        extra:\n          type: object\n          \
         description: Anything.\n",
    )
    .replacen(
        "      description: An item.\n",
        "      description: An item.\n      example: {size: 3, labels: {env: prod}, extra: {x: 1}}\n",
        1,
    );
    assert_eq!(lint(&text), "");
    let text = edited(
        "                $ref: '#/components/schemas/Item'\n",
        "                type: array\n                items:\n                  \
         $ref: '#/components/schemas/Item'\n              example: [{size: 1}, {sise: 2}]\n",
    );
    let msg = lint(&text);
    assert!(
        msg.contains("/example/1/sise: example key \"sise\" is not a property"),
        "{msg}"
    );
}

#[test]
fn components_nothing_references_are_reported() {
    let text = format!(
        "{BASE}    Orphan:\n      type: object\n      description: Left over.\n      properties:\n        \
         part:\n          $ref: '#/components/schemas/OrphanPart'\n    OrphanPart:\n      \
         type: string\n      description: Only used by Orphan.\n  responses:\n    Gone:\n      \
         description: Unused.\n  parameters:\n    Limit:\n      name: limit\n      in: query\n      \
         description: Unused.\n      schema: {{type: integer}}\n"
    );
    let msg = lint(&text);
    for (at, what) in [
        ("/components/schemas/Orphan", "schema \"Orphan\""),
        ("/components/schemas/OrphanPart", "schema \"OrphanPart\""),
        ("/components/responses/Gone", "response \"Gone\""),
        ("/components/parameters/Limit", "parameter \"Limit\""),
    ] {
        assert!(
            msg.contains(&format!("{at}: {what} is not referenced anywhere")),
            "{at}: {msg}"
        );
    }
    assert!(!msg.contains("schema \"Item\""), "{msg}");
}

#[test]
fn refs_are_local_and_resolve_and_security_schemes_exist() {
    let msg = lint(&edited(
        "$ref: '#/components/schemas/Item'",
        "$ref: '#/components/schemas/Itme'",
    ));
    assert!(
        msg.contains("$ref \"#/components/schemas/Itme\" does not resolve"),
        "{msg}"
    );
    assert_eq!(
        msg.matches("does not resolve").count(),
        1,
        "reported once: {msg}"
    );
    let msg = lint(&edited(
        "$ref: '#/components/schemas/Item'",
        "$ref: 'item.yaml#/Item'",
    ));
    assert!(
        msg.contains("$ref \"item.yaml#/Item\" is external"),
        "{msg}"
    );
    let msg = lint(&edited(
        "      operationId: GetOther\n",
        "      operationId: GetOther\n      security:\n        - akskSignature: []\n",
    ));
    assert!(
        msg.contains(
            "/paths/~1v1~1other/get/security/0/akskSignature: security scheme \"akskSignature\" is not defined"
        ),
        "{msg}"
    );
}
