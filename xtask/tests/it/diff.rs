//! `cargo xtask diff`: every kind of spec change gets the expected classification and
//! explanation (checked against the client generated from both sides), changes inside a
//! `$ref`'d schema are reported where it is used, exit codes 0/1/2, specs regen refuses, and
//! every spec of `openapi/` against a git revision.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use xtask::diff::{self, Change, Format, Report, Severity};

mod cases;
use cases::{CASES, INVALID, LINT, UNCHANGED};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/diff")
}

fn report(case: &str) -> Report {
    let dir = fixtures().join(case);
    let load = |side: &str| {
        diff::load_file(&dir.join(side))
            .unwrap_or_else(|e| panic!("{case}/{side} must be a spec regen accepts: {e}"))
    };
    diff::diff(&load("old.yaml"), &load("new.yaml"))
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

#[test]
fn each_kind_of_change_is_classified_and_explained() {
    for (case, site, what, severity, why) in CASES {
        let r = report(case);
        let change = find(&r, site, what);
        assert_eq!(change.severity, *severity, "{case}: {change:?}");
        assert!(
            change.reason.contains(why),
            "{case}: explanation {:?} lacks {why:?}",
            change.reason
        );
        // The whole report is breaking exactly when the expected change is (each fixture
        // makes one change; examples or descriptions that follow it are non-breaking).
        assert_eq!(r.has_breaking(), *severity == Severity::Breaking, "{case}");
    }
}

#[test]
fn unchanged_fixtures_report_nothing() {
    for case in UNCHANGED {
        let r = report(case);
        assert!(r.changes.is_empty(), "{case}: {:?}", r.changes);
        assert!(r.generated.is_empty(), "{case}: {:?}", r.generated);
    }
}

/// The verdicts agree with the generated code: whenever a public item of the generated
/// module is removed or changed, the report is breaking; a non-breaking report leaves every
/// existing item as it was.
#[test]
fn verdicts_agree_with_the_generated_code() {
    for (case, ..) in CASES {
        let r = report(case);
        let broken: Vec<&diff::ItemChange> = r.generated.iter().filter(|i| i.breaks()).collect();
        if !broken.is_empty() {
            assert!(r.has_breaking(), "{case}: {broken:?}");
        }
        if !r.has_breaking() {
            assert!(broken.is_empty(), "{case}: {broken:?}");
        }
        // No verdict in the fixtures needs the net: the rules explain every item.
        assert!(
            r.changes.iter().all(|c| c.group != "generated client"),
            "{case}: {}",
            diff::render(&r, Format::Text)
        );
    }
    let r = report("path_param_renamed");
    let items: Vec<(&str, bool)> = r
        .generated
        .iter()
        .map(|i| (i.item.as_str(), i.breaks()))
        .collect();
    assert_eq!(
        items,
        [
            ("builder::GetItem::id()", false),
            ("builder::GetItem::item_id()", true)
        ]
    );
    for case in [
        "nullable_optional_field",
        "media_type_parameter",
        "path_param_renamed_same_method",
    ] {
        assert!(
            report(case).generated.is_empty(),
            "{case}: the generated code is identical"
        );
    }
}

#[test]
fn a_generated_change_no_rule_explains_is_breaking() {
    // Two valid specs whose only difference the rules read as documentation, while the
    // generated field changes: the net reports it.
    let dir = fixtures().join("default_added");
    let old = diff::load_file(&dir.join("old.yaml")).expect("old");
    let mut new = diff::load_file(&dir.join("old.yaml")).expect("new");
    new.api
        .items
        .insert("types::Item::size".into(), "i64 #[serde(default)]".into());
    let r = diff::diff(&old, &new);
    let c = find(&r, "generated client → types::Item::size", "changed");
    assert_eq!(c.severity, Severity::Breaking);
    assert!(
        c.reason.contains("no rule above explains it"),
        "{}",
        c.reason
    );
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
            UNCHANGED.contains(&dir.as_str())
                || CASES.iter().any(|(case, ..)| *case == dir)
                || INVALID.iter().any(|(case, _)| *case == dir),
            "fixture {dir} has no expectation"
        );
    }
}

#[test]
fn client_auth_headers_match_the_auth_crate() {
    // diff judges security by the headers the client's auth code sets; keep them in step.
    let signer = Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/p2c-vpn-auth/src/signer.rs");
    let text = std::fs::read_to_string(signer).expect("read signer.rs");
    assert!(
        text.contains("headers.insert(AUTHORIZATION"),
        "AK/SK signature header"
    );
    assert!(
        text.contains("from_static(\"x-auth-token\")"),
        "IAM token header"
    );
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

fn diff_files(case: &str, extra: &[&str]) -> Output {
    let args = fixture_args(case);
    let mut all: Vec<&str> = vec!["diff"];
    all.extend(args.iter().map(String::as_str));
    all.extend(extra);
    xtask(&all)
}

#[test]
fn exit_codes_0_no_breaking_1_breaking_2_could_not_compare() {
    let out = diff_files("nullable_optional_field", &["--format", "markdown"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("**0 breaking**"));

    // Breaking changes exit 1, with or without the (kept) --fail-on-breaking.
    for extra in [&[][..], &["--fail-on-breaking"][..]] {
        let out = diff_files("field_removed", extra);
        assert_eq!(out.status.code(), Some(1), "{extra:?}");
        assert!(String::from_utf8_lossy(&out.stdout).contains("[breaking]"));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("2 breaking change(s)"), "{stderr}");
    }

    // A spec regen refuses, on either side: exit 2, the reason on stderr, no report.
    for (case, message) in INVALID {
        let [old_flag, old, new_flag, new] = fixture_args(case);
        for args in [
            ["diff", &old_flag, &old, &new_flag, &new],
            ["diff", &old_flag, &new, &new_flag, &old],
        ] {
            let out = xtask(&args);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{case}: {stderr}");
            assert!(stderr.contains(message), "{case}: {stderr}");
            assert!(
                stderr.contains("new.yaml"),
                "{case}: names the file: {stderr}"
            );
            assert!(!stderr.contains("panicked"), "{case}: {stderr}");
            assert!(out.stdout.is_empty(), "{case}: no report");
        }
    }
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
fn spec_failing_the_lint_gets_a_verdict_and_its_problems_are_listed() {
    for (case, code, new_at, old_at) in LINT {
        let r = report(case);
        let pointers = |found: &[xtask::spec::Finding]| -> Vec<String> {
            found.iter().map(|f| f.pointer.clone()).collect()
        };
        assert_eq!(
            new_at.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
            pointers(&r.problems),
            "{case}: new side"
        );
        assert_eq!(
            old_at.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
            pointers(&r.old_problems),
            "{case}: old side"
        );
        for format in ["text", "markdown"] {
            let out = diff_files(case, &["--format", format]);
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert_eq!(out.status.code(), Some(*code), "{case}: {stdout}");
            // The verdict first, then the problems, each with its JSON pointer.
            let verdict = stdout.find("breaking").expect("a verdict");
            if let Some(at) = new_at {
                let section = stdout.find(diff::PROBLEMS).expect("new-side problems");
                assert!(verdict < section, "{case}: {stdout}");
                assert!(stdout[section..].contains(at), "{case}: {stdout}");
                let stderr = String::from_utf8_lossy(&out.stderr);
                assert!(stderr.contains("would refuse the new spec"), "{stderr}");
            } else {
                assert!(!stdout.contains(diff::PROBLEMS), "{case}: {stdout}");
            }
            if let Some(at) = old_at {
                let section = stdout
                    .find("Spec problems of the old side")
                    .expect("old side");
                assert!(stdout[section..].contains(at), "{case}: {stdout}");
            }
        }
    }
    // Nothing breaks yet when a removal leaves a schema unused: its generated type stays.
    let r = report("lint_unreferenced_after_removal");
    let c = find(
        &r,
        "components.schemas.ItemStats",
        "no longer used by any operation",
    );
    assert_eq!(c.severity, Severity::NonBreaking);
    assert!(
        c.reason.contains("`types::ItemStats` stays"),
        "{}",
        c.reason
    );
    assert!(r.generated.iter().all(|i| !i.item.starts_with("types::")));

    // What regen refuses for the lint alone, diff reads: the finding is kept, not refused.
    let text = std::fs::read_to_string(fixtures().join("no_change/old.yaml")).expect("read");
    let undescribed = text.replacen("          description: Size in bytes.\n", "", 1);
    let err = xtask::spec::parse(Path::new("new.yaml"), &undescribed).expect_err("regen refuses");
    assert!(err.to_string().contains("has no description"), "{err}");
    let doc = diff::parse_document("new", Path::new("new.yaml"), &undescribed).expect("diff reads");
    assert_eq!(doc.problems.len(), 1, "{:?}", doc.problems);
    assert!(doc.problems[0].message.contains("has no description"));
}

/// History is always comparable: the current specs against the repository's first spec
/// revision and some in between, whatever lint rules were added since. Needs the git
/// history (a clean clone has it); every revision listed must give a verdict (exit 0 or 1).
#[test]
fn current_specs_compare_with_earlier_spec_revisions() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("root");
    let out = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["log", "--format=%H", "--", "openapi/"])
        .output()
        .expect("run git");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let revs: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    assert!(!revs.is_empty(), "no revision of openapi/ in the history");
    // The first revision, then at most three more spread over the rest (newest last).
    let step = revs.len().div_ceil(4).max(1);
    let mut picked: Vec<&String> = revs.iter().rev().step_by(step).collect();
    if picked.len() > 4 {
        picked.truncate(4);
    }
    assert_eq!(picked[0], revs.last().expect("first"));
    for rev in picked {
        let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
            .arg("diff")
            .arg("--workspace-root")
            .arg(root)
            .arg(rev)
            .output()
            .expect("run");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{rev}: exit {:?}\n{stderr}",
            out.status.code()
        );
        assert!(
            stdout.contains(&format!(
                "API diff of openapi/p2c-vpn.yaml: {rev} → working tree"
            )),
            "{rev}: {stdout}"
        );
    }
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
fn every_spec_of_openapi_against_head_in_a_git_repo() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let specs = root.join("openapi");
    std::fs::create_dir_all(specs.join("sdk")).expect("mkdir");
    let case = fixtures().join("field_removed");
    std::fs::copy(case.join("old.yaml"), specs.join("p2c-vpn.yaml")).expect("copy");
    std::fs::copy(
        fixtures().join("no_change/old.yaml"),
        specs.join("iam.yaml"),
    )
    .expect("copy");
    std::fs::write(specs.join("sdk/notes.yaml"), "not: a spec\n").expect("write");
    git(root, &["init", "-q"]);
    git(root, &["add", "."]);
    git(root, &["commit", "-qm", "old"]);
    // The VPN spec changes, iam.yaml is removed and a new spec appears.
    std::fs::copy(case.join("new.yaml"), specs.join("p2c-vpn.yaml")).expect("copy");
    std::fs::remove_file(specs.join("iam.yaml")).expect("rm");
    std::fs::copy(
        fixtures().join("no_change/old.yaml"),
        specs.join("billing.yaml"),
    )
    .expect("copy");

    let run = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_xtask"))
            .arg("diff")
            .arg("--workspace-root")
            .arg(root)
            .args(extra)
            .output()
            .expect("run")
    };
    let out = run(&[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    // One report per spec present on either side, in file-name order; sdk/ is not a spec.
    let heads: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("API diff"))
        .collect();
    assert_eq!(
        heads,
        [
            "API diff of openapi/billing.yaml: HEAD → working tree",
            "API diff of openapi/iam.yaml: HEAD → working tree",
            "API diff of openapi/p2c-vpn.yaml: HEAD → working tree",
        ],
        "{stdout}"
    );
    assert!(
        stdout.contains("[non-breaking]  spec added (GetItem, ListItems)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("a new generated module (billing)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("Generated client: a new module of 15 public item(s)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("[breaking]      spec removed (GetItem, ListItems)"),
        "{stdout}"
    );
    assert!(stdout.contains("its generated module (iam)"), "{stdout}");
    assert!(
        stdout.contains("Generated client: the module and its 15 public item(s) are gone"),
        "{stdout}"
    );
    assert!(stdout.contains("size: field removed"), "{stdout}");

    // Committed: HEAD now matches, HEAD~1 still differs.
    git(root, &["add", "-A"]);
    git(root, &["commit", "-qm", "new"]);
    let out = run(&["--fail-on-breaking"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert_eq!(stdout.matches("No changes.").count(), 2, "{stdout}");
    let out = run(&["HEAD~1"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("field removed"));

    // A spec regen refuses, in the working tree: exit 2, no report.
    std::fs::write(specs.join("billing.yaml"), "openapi: 3.1.0\n").expect("write");
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("billing.yaml") && stderr.contains("only OpenAPI 3.0.x"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());

    for bad in ["no-such-rev", "--upload-pack=x", "HEAD:x"] {
        let out = run(&["--", bad]);
        assert_eq!(out.status.code(), Some(2), "{bad}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("cannot read openapi/ at revision"),
            "{stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}
