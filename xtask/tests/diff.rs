//! `cargo xtask diff`: every kind of spec change gets the expected classification, changes
//! inside a `$ref`'d schema are reported where it is used, exit codes, and git revisions.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use xtask::diff::{self, Change, Format, Report, Severity};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/diff")
}

fn report(case: &str) -> Report {
    let dir = fixtures().join(case);
    let old = diff::load_file(&dir.join("old.yaml")).expect("old fixture parses");
    let new = diff::load_file(&dir.join("new.yaml")).expect("new fixture parses");
    assert!(
        old.warning.is_none() && new.warning.is_none(),
        "{case}: fixtures must pass the lint: {:?} {:?}",
        old.warning,
        new.warning
    );
    diff::diff(&old, &new)
}

/// The one change in `report` whose description contains `what`.
fn find<'r>(report: &'r Report, site: &str, what: &str) -> &'r Change {
    let found: Vec<&Change> = report
        .changes
        .iter()
        .filter(|c| c.site() == site && c.what.contains(what))
        .collect();
    assert_eq!(
        found.len(),
        1,
        "expected one change {what:?} at {site:?}; got:\n{}",
        diff::render(report, Format::Text)
    );
    found[0]
}

const LIST: &str = "GET /v1/items (ListItems)";
const GET: &str = "GET /v1/items/{item_id} (GetItem)";

fn xtask(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .output()
        .expect("run xtask")
}

fn fixture_args(case: &str) -> [String; 4] {
    let dir = fixtures().join(case);
    [
        "--old".into(),
        dir.join("old.yaml").display().to_string(),
        "--new".into(),
        dir.join("new.yaml").display().to_string(),
    ]
}

#[test]
fn identical_specs_have_no_changes() {
    let r = report("no_change");
    assert!(r.changes.is_empty(), "{:?}", r.changes);
    assert!(!r.has_breaking());
    assert!(diff::render(&r, Format::Text).contains("No changes."));
}

/// (case, site, what, expected class): one row per kind of change.
const CASES: &[(&str, &str, &str, Severity)] = &[
    (
        "field_removed",
        "GET /v1/items/{item_id} (GetItem) → 200 (Item) → size",
        "field removed",
        Severity::Breaking,
    ),
    (
        "field_type_changed",
        "GET /v1/items/{item_id} (GetItem) → 200 (Item) → size",
        "type changed `integer/int64` → `string/none`",
        Severity::Breaking,
    ),
    (
        "format_changed",
        "GET /v1/items/{item_id} (GetItem) → 200 (Item) → size",
        "type changed `integer/int64` → `integer/int32`",
        Severity::Breaking,
    ),
    (
        "optional_field_added",
        "GET /v1/items/{item_id} (GetItem) → 200 (Item) → owner",
        "optional field added",
        Severity::NonBreaking,
    ),
    (
        "required_response_field_added",
        "GET /v1/items (ListItems) → 200 (ItemList) → total",
        "required field added",
        Severity::NonBreaking,
    ),
    (
        "response_field_nullable",
        "GET /v1/items/{item_id} (GetItem) → 200 (Item) → size",
        "now nullable",
        Severity::Breaking,
    ),
    (
        "param_optional_to_required",
        "GET /v1/items (ListItems) → parameter limit (query)",
        "optional → required",
        Severity::Breaking,
    ),
    (
        "required_param_added",
        "GET /v1/items (ListItems) → parameter region (query)",
        "required parameter added",
        Severity::Breaking,
    ),
    (
        "optional_param_added",
        "GET /v1/items (ListItems) → parameter marker (query)",
        "optional parameter added",
        Severity::NonBreaking,
    ),
    (
        "param_location_changed",
        "GET /v1/items (ListItems) → parameter limit (header)",
        "location changed `query` → `header`",
        Severity::Breaking,
    ),
    (
        "operation_removed",
        "GET /v1/items/{item_id} (GetItem)",
        "operation removed",
        Severity::Breaking,
    ),
    (
        "operation_added",
        "DELETE /v1/items/{item_id} (DeleteItem)",
        "operation added",
        Severity::NonBreaking,
    ),
    (
        "operation_id_changed",
        "GET /v1/items/{item_id} (FetchItem)",
        "operationId changed `GetItem` → `FetchItem`",
        Severity::Breaking,
    ),
    (
        "path_removed",
        "/v1/items/{item_id}",
        "path removed (GET)",
        Severity::Breaking,
    ),
    (
        "description_changed",
        "GET /v1/items (ListItems) → 200 (ItemList) → items[] (Item) → size",
        "description changed",
        Severity::NonBreaking,
    ),
    (
        "example_changed",
        "GET /v1/items (ListItems) → 200",
        "example(s) changed",
        Severity::NonBreaking,
    ),
    (
        "enum_value_removed",
        "GET /v1/items (ListItems) → parameter sort (query)",
        "enum value `desc` removed",
        Severity::Breaking,
    ),
    (
        "enum_value_added",
        "GET /v1/items (ListItems) → parameter sort (query)",
        "enum value `random` added",
        Severity::NonBreaking,
    ),
    (
        "response_removed",
        "GET /v1/items (ListItems) → 4XX",
        "response removed",
        Severity::Breaking,
    ),
    (
        "schema_renamed",
        "GET /v1/items (ListItems) → 4XX",
        "schema changed `Error` → `Problem`",
        Severity::Breaking,
    ),
    (
        "schema_renamed",
        "components.schemas.Error",
        "schema removed",
        Severity::Breaking,
    ),
];

#[test]
fn each_kind_of_change_is_classified() {
    for (case, site, what, severity) in CASES {
        let r = report(case);
        let change = find(&r, site, what);
        assert_eq!(change.severity, *severity, "{case}: {change:?}");
        assert!(!change.reason.is_empty(), "{case}: a reason is given");
        // The whole report is breaking exactly when the expected change is (each fixture
        // makes one change; examples or descriptions that follow it are non-breaking).
        assert_eq!(r.has_breaking(), *severity == Severity::Breaking, "{case}");
    }
}

#[test]
fn fixture_dirs_are_all_exercised() {
    let mut dirs: Vec<String> = std::fs::read_dir(fixtures())
        .expect("fixtures")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    dirs.sort();
    for dir in dirs {
        assert!(
            dir == "no_change" || CASES.iter().any(|(case, ..)| *case == dir),
            "fixture {dir} has no expectation in CASES"
        );
    }
}

#[test]
fn change_inside_a_ref_is_reported_at_every_use_site_and_once_per_schema() {
    let r = report("field_type_changed");
    // Reached through ItemList.items[] and directly as GetItem's body.
    let via_list = find(
        &r,
        "GET /v1/items (ListItems) → 200 (ItemList) → items[] (Item) → size",
        "type changed",
    );
    let direct = find(
        &r,
        "GET /v1/items/{item_id} (GetItem) → 200 (Item) → size",
        "type changed",
    );
    for c in [via_list, direct] {
        let origin = c.origin.as_ref().expect("made in a component schema");
        assert_eq!(origin.schema, "Item");
        assert_eq!(origin.path, ["size"]);
    }
    let text = diff::render(&r, Format::Text);
    assert!(
        text.contains(
            "GET /v1/items (ListItems)\n  [breaking]      200 (ItemList) → items[] (Item) → size: type changed integer/int64 → string/none"
        ),
        "{text}"
    );
    // The schema section lists it once, with both use sites.
    let by_schema = &text[text.find("By schema").expect("schema section")..];
    assert_eq!(by_schema.matches("size: type changed").count(), 1, "{text}");
    assert!(by_schema.contains(&format!("used at: {LIST} → 200 (ItemList) → items[]")));
    assert!(by_schema.contains(&format!("used at: {GET} → 200")));
}

#[test]
fn recursive_schema_terminates() {
    // Item.children is an array of Item: every fixture walks the cycle; this one changes
    // a field inside it, which must be reported once per use site, not forever.
    let r = report("optional_field_added");
    assert_eq!(r.changes.len(), 2, "{}", diff::render(&r, Format::Text));
}

#[test]
fn markdown_is_a_table_per_group() {
    let r = report("field_type_changed");
    let md = diff::render(&r, Format::Markdown);
    assert!(md.starts_with("### API diff: "), "{md}");
    assert!(
        md.contains("**2 breaking**, 1 non-breaking change(s)."),
        "{md}"
    );
    assert!(md.contains(&format!("#### `{LIST}`")), "{md}");
    assert!(
        md.contains("| **breaking** | `200 (ItemList) → items[] (Item) → size` | type changed `integer/int64` → `string/none` |"),
        "{md}"
    );
    assert!(md.contains("#### By schema"), "{md}");
}

#[test]
fn fail_on_breaking_exit_codes() {
    let breaking = fixture_args("field_removed");
    let out = xtask(&[
        "diff",
        &breaking[0],
        &breaking[1],
        &breaking[2],
        &breaking[3],
    ]);
    assert_eq!(out.status.code(), Some(0), "report only without the flag");
    assert!(String::from_utf8_lossy(&out.stdout).contains("[breaking]"));

    let out = xtask(&[
        "diff",
        &breaking[0],
        &breaking[1],
        &breaking[2],
        &breaking[3],
        "--fail-on-breaking",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("2 breaking change(s)"));

    let fine = fixture_args("optional_field_added");
    let out = xtask(&[
        "diff",
        &fine[0],
        &fine[1],
        &fine[2],
        &fine[3],
        "--fail-on-breaking",
        "--format",
        "markdown",
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("**0 breaking**"));
}

#[test]
fn unparsable_spec_is_a_clear_error_not_a_panic() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, "openapi: 3.0.3\ninfo: [unclosed\n").expect("write");
    let good = fixtures().join("no_change/old.yaml");
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["diff", "--old"])
        .arg(&good)
        .arg("--new")
        .arg(&bad)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("bad.yaml") && stderr.contains("invalid YAML"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");

    let missing = dir.path().join("missing.yaml");
    let err = diff::load_file(&missing).expect_err("missing file");
    assert!(err.to_string().contains("cannot read spec"), "{err}");
}

#[test]
fn spec_failing_the_lint_is_still_compared_with_a_warning() {
    let text = std::fs::read_to_string(fixtures().join("no_change/old.yaml")).expect("read");
    let undescribed = text.replacen("          description: Size in bytes.\n", "", 1);
    let old = diff::parse_document("old", Path::new("old.yaml"), &text).expect("old");
    let new = diff::parse_document("new", Path::new("new.yaml"), &undescribed).expect("new");
    assert!(new.warning.as_deref().is_some_and(|w| w.contains("lint")));
    let r = diff::diff(&old, &new);
    assert!(r.changes.iter().any(|c| c.what == "description changed"));
    assert!(diff::render(&r, Format::Text).contains("warning: new"));
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=t", "-c", "user.email=t@example.invalid"])
        .args(args)
        .output()
        .expect("run git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn diff_against_head_in_a_git_repo() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    std::fs::create_dir_all(root.join("openapi")).expect("mkdir");
    let spec = root.join("openapi/p2c-vpn.yaml");
    let case = fixtures().join("field_removed");
    std::fs::copy(case.join("old.yaml"), &spec).expect("copy");
    git(root, &["init", "-q"]);
    git(root, &["add", "."]);
    git(root, &["commit", "-qm", "old"]);
    std::fs::copy(case.join("new.yaml"), &spec).expect("copy");

    let run = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_xtask"))
            .arg("diff")
            .arg("--workspace-root")
            .arg(root)
            .args(extra)
            .output()
            .expect("run")
    };
    let out = run(&["--fail-on-breaking"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("HEAD → working tree"), "{stdout}");
    assert!(stdout.contains("size: field removed"), "{stdout}");

    // Committed: HEAD now matches, HEAD~1 still differs.
    git(root, &["commit", "-qam", "new"]);
    let out = run(&["--fail-on-breaking"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("No changes."));
    let out = run(&["HEAD~1"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("field removed"));

    for bad in ["no-such-rev", "--upload-pack=x", "HEAD:x"] {
        let out = run(&["--", bad]);
        assert_eq!(out.status.code(), Some(2), "{bad}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("cannot read openapi/p2c-vpn.yaml at revision"),
            "{stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}
