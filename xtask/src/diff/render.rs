//! The report as text (a terminal) or markdown (a review): changes grouped by operation,
//! again by schema, then the generated items that differ.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use super::Severity::{Breaking, NonBreaking};
use super::{Change, Format, ItemChange, Report, Severity};
use crate::spec::Finding;

/// One schema-section row: a change where it was made, with every use site.
struct SchemaRow {
    path: String,
    what: String,
    severity: Severity,
    reason: String,
    used_at: BTreeSet<String>,
}

fn schema_rows(report: &Report) -> BTreeMap<String, Vec<SchemaRow>> {
    let mut out: BTreeMap<String, Vec<SchemaRow>> = BTreeMap::new();
    for c in &report.changes {
        let Some(o) = &c.origin else { continue };
        let path = if o.path.is_empty() {
            "(the schema itself)".to_owned()
        } else {
            o.path.join(" → ")
        };
        let rows = out.entry(o.schema.clone()).or_default();
        match rows.iter_mut().find(|r| r.path == path && r.what == c.what) {
            Some(row) => {
                if c.severity > row.severity {
                    row.severity = c.severity;
                    row.reason = c.reason.clone();
                }
                row.used_at.insert(o.used_at.clone());
            }
            None => rows.push(SchemaRow {
                path,
                what: c.what.clone(),
                severity: c.severity,
                reason: c.reason.clone(),
                used_at: BTreeSet::from([o.used_at.clone()]),
            }),
        }
    }
    out
}

/// Groups in first-seen order.
fn groups(report: &Report) -> Vec<(&str, Vec<&Change>)> {
    let mut out: Vec<(&str, Vec<&Change>)> = Vec::new();
    for c in &report.changes {
        match out.iter_mut().find(|(g, _)| *g == c.group) {
            Some((_, list)) => list.push(c),
            None => out.push((&c.group, vec![c])),
        }
    }
    // Breaking changes first within each group; otherwise document order.
    for (_, list) in &mut out {
        list.sort_by_key(|c| std::cmp::Reverse(c.severity));
    }
    out
}

fn plain(s: &str) -> String {
    s.replace('`', "")
}

fn md_cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn summary(report: &Report) -> String {
    let (b, n) = report.counts();
    format!("{b} breaking, {n} non-breaking change(s)")
}

/// Renders the report.
pub fn render(report: &Report, format: Format) -> String {
    match format {
        Format::Text => render_text(report),
        Format::Markdown => render_markdown(report),
    }
}

fn render_text(report: &Report) -> String {
    let mut out = String::new();
    let _ = match &report.spec {
        Some(spec) => writeln!(
            out,
            "API diff of {spec}: {} → {}",
            report.old_label, report.new_label
        ),
        None => writeln!(out, "API diff: {} → {}", report.old_label, report.new_label),
    };
    if report.changes.is_empty() {
        let _ = writeln!(out, "No changes.");
        problems_text(report, &mut out);
        return out;
    }
    let _ = writeln!(out, "{}", summary(report));
    for (group, changes) in groups(report) {
        let _ = writeln!(out, "\n{group}");
        for c in changes {
            let at = if c.location.is_empty() {
                String::new()
            } else {
                format!("{}: ", c.location.join(" → "))
            };
            let _ = writeln!(
                out,
                "  {:<16}{at}{}",
                format!("[{}]", c.severity.as_str()),
                plain(&c.what)
            );
            let _ = writeln!(out, "  {:<16}why: {}", "", plain(&c.reason));
        }
    }
    let rows = schema_rows(report);
    if !rows.is_empty() {
        let _ = writeln!(out, "\nBy schema (each change once, where it was made)");
        for (schema, rows) in rows {
            let _ = writeln!(out, "  {schema}");
            for r in rows {
                let _ = writeln!(
                    out,
                    "    {:<16}{}: {}",
                    format!("[{}]", r.severity.as_str()),
                    r.path,
                    plain(&r.what)
                );
                for u in &r.used_at {
                    let _ = writeln!(out, "    {:<16}used at: {u}", "");
                }
            }
        }
    }
    let _ = writeln!(out, "\nGenerated client: {}", generated_summary(report));
    for line in generated_lines(report) {
        let _ = writeln!(out, "  {}", plain(&line));
    }
    problems_text(report, &mut out);
    out
}

/// A spec added or removed as a whole: its items are not listed one by one.
fn whole_module(report: &Report) -> bool {
    report.changes.len() == 1
        && report.changes[0].group == "document"
        && (report.changes[0].what.starts_with("spec added")
            || report.changes[0].what.starts_with("spec removed"))
}

fn generated_summary(report: &Report) -> String {
    let broken = report.generated.iter().filter(|i| i.breaks()).count();
    let added = report.generated.len() - broken;
    let n = report.generated.len();
    if whole_module(report) && broken == 0 {
        format!("a new module of {n} public item(s)")
    } else if whole_module(report) {
        format!("the module and its {n} public item(s) are gone")
    } else if report.generated.is_empty() {
        "no public item changed (both sides generated in memory)".into()
    } else {
        format!(
            "{broken} public item(s) removed or changed, {added} added (both sides generated in \
             memory)"
        )
    }
}

/// The items removed or changed, then those added; at most [`MAX_ITEMS`] lines.
fn generated_lines(report: &Report) -> Vec<String> {
    const MAX_ITEMS: usize = 40;
    if whole_module(report) {
        return Vec::new();
    }
    let mut items: Vec<&ItemChange> = report.generated.iter().collect();
    items.sort_by_key(|i| (!i.breaks(), i.new.is_none()));
    let mut lines: Vec<String> = items
        .iter()
        .take(MAX_ITEMS)
        .map(|i| match (&i.old, &i.new) {
            (Some(_), None) => format!("removed `{}`", i.item),
            (None, _) => format!("added `{}`", i.item),
            (Some(o), Some(n)) => {
                // The serde attributes only when they are what changed.
                let bare = |s: &str| s.split(" #[").next().unwrap_or_default().to_owned();
                let (o, n) = match (bare(o), bare(n)) {
                    (a, b) if a != b => (a, b),
                    _ => (o.clone(), n.clone()),
                };
                format!("changed `{}`: `{o}` → `{n}`", i.item)
            }
        })
        .collect();
    if items.len() > MAX_ITEMS {
        lines.push(format!("… and {} more", items.len() - MAX_ITEMS));
    }
    lines
}

fn render_markdown(report: &Report) -> String {
    let mut out = String::new();
    let spec = report
        .spec
        .as_ref()
        .map(|s| format!(" (`{s}`)"))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "### API diff: `{}` → `{}`{spec}\n",
        report.old_label, report.new_label
    );
    if report.changes.is_empty() {
        let _ = writeln!(out, "No changes.");
        problems_markdown(report, &mut out);
        return out;
    }
    let (b, n) = report.counts();
    let _ = writeln!(
        out,
        "**{b} breaking**, {n} non-breaking change(s).{}",
        if b > 0 { " ⚠️" } else { "" }
    );
    for (group, changes) in groups(report) {
        let _ = writeln!(out, "\n#### `{}`\n", group);
        let _ = writeln!(out, "| | Where | Change | Why |\n| --- | --- | --- | --- |");
        for c in changes {
            let class = match c.severity {
                Breaking => "**breaking**",
                NonBreaking => "non-breaking",
            };
            let at = if c.location.is_empty() {
                "(operation)".to_owned()
            } else {
                format!("`{}`", c.location.join(" → "))
            };
            let _ = writeln!(
                out,
                "| {class} | {} | {} | {} |",
                md_cell(&at),
                md_cell(&c.what),
                md_cell(&c.reason)
            );
        }
    }
    let rows = schema_rows(report);
    if !rows.is_empty() {
        let _ = writeln!(out, "\n#### By schema\n");
        let _ = writeln!(
            out,
            "| Schema | Where | Change | | Used at |\n| --- | --- | --- | --- | --- |"
        );
        for (schema, rows) in rows {
            for r in rows {
                let class = match r.severity {
                    Breaking => "**breaking**",
                    NonBreaking => "non-breaking",
                };
                let used: Vec<String> = r.used_at.iter().map(|u| format!("`{u}`")).collect();
                let _ = writeln!(
                    out,
                    "| `{schema}` | `{}` | {} | {class} | {} |",
                    md_cell(&r.path),
                    md_cell(&r.what),
                    md_cell(&used.join("<br>"))
                );
            }
        }
    }
    let _ = writeln!(
        out,
        "\n#### Generated client\n\n{}.\n",
        generated_summary(report)
    );
    for line in generated_lines(report) {
        let _ = writeln!(out, "- {line}");
    }
    problems_markdown(report, &mut out);
    out
}

/// The heading of the new side's lint findings.
pub const PROBLEMS: &str = "Spec problems: `cargo xtask regen` would refuse the new spec";
/// The heading of the old side's lint findings.
const OLD_PROBLEMS: &str = "Spec problems of the old side (history: compared all the same)";

/// The lint findings of each side, after the verdict: (heading, findings).
fn problem_sections(report: &Report) -> Vec<(&'static str, &[Finding])> {
    [
        (PROBLEMS, report.problems.as_slice()),
        (OLD_PROBLEMS, report.old_problems.as_slice()),
    ]
    .into_iter()
    .filter(|(_, findings)| !findings.is_empty())
    .collect()
}

fn problems_text(report: &Report, out: &mut String) {
    for (heading, findings) in problem_sections(report) {
        let _ = writeln!(out, "\n{heading} ({})", findings.len());
        for f in findings {
            let _ = writeln!(out, "  {f}");
        }
    }
}

fn problems_markdown(report: &Report, out: &mut String) {
    for (heading, findings) in problem_sections(report) {
        if !out.ends_with("\n\n") {
            out.push('\n');
        }
        let _ = writeln!(out, "#### {heading} ({})\n", findings.len());
        for f in findings {
            let pointer = if f.pointer.is_empty() {
                "/"
            } else {
                &f.pointer
            };
            let _ = writeln!(out, "- `{pointer}`: {}", md_cell(&f.message));
        }
    }
}
