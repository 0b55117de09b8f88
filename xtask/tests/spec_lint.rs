//! `cargo xtask lint` covers what reviews rely on: every parameter (operation- or
//! path-level) and property is described, examples at any depth validate, operationIds are
//! unique, and response objects stay open (no `additionalProperties: false`, no closed enum).

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
