//! `p2c-vpn man`: man pages (roff) from the clap command, one per command.
//!
//! Each page is clap_mangen's title, name, synopsis, description, options and subcommands,
//! then sections of our own from [`AFTER_HELP`] (what `--help` ends with): EXIT STATUS,
//! ENVIRONMENT and EXAMPLES, and SEE ALSO naming the parent and child pages. The pages are
//! named like the references clap_mangen writes (`p2c-vpn-connections(1)`):
//! `p2c-vpn.1`, `p2c-vpn-connections.1`, `p2c-vpn-connections-list.1`, ...

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::CommandFactory as _;

use crate::cli::{AFTER_HELP, Cli};
use crate::error::CliError;

/// The section of every page.
const SECTION: &str = "1";

/// A man page: its file name and roff text.
#[derive(Debug)]
pub struct Page {
    pub file_name: String,
    pub roff: Vec<u8>,
}

/// Every page: the top-level one first, then each command's, depth first.
pub fn pages() -> Result<Vec<Page>, CliError> {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    let mut pages = Vec::new();
    add_pages(&cmd, None, &mut pages)?;
    Ok(pages)
}

fn add_pages(
    cmd: &clap::Command,
    parent: Option<&str>,
    pages: &mut Vec<Page>,
) -> Result<(), CliError> {
    let name = page_name(cmd);
    pages.push(Page {
        file_name: format!("{name}.{SECTION}"),
        roff: render(cmd, parent).map_err(|e| CliError::Other(format!("cannot render: {e}")))?,
    });
    for sub in visible_subcommands(cmd) {
        add_pages(sub, Some(&name), pages)?;
    }
    Ok(())
}

/// `p2c-vpn man`: the top-level page on `out`.
pub fn print_top(out: &mut impl Write) -> Result<(), CliError> {
    let pages = pages()?;
    let top = pages
        .first()
        .ok_or_else(|| CliError::Other("no man page".to_owned()))?;
    out.write_all(&top.roff)?;
    Ok(())
}

/// `p2c-vpn man --dir DIR`: writes every page into `dir` (created if missing) and lists
/// the files written on `out`.
pub fn write_all(dir: &Path, out: &mut impl Write) -> Result<(), CliError> {
    let cannot = |path: &Path, e: std::io::Error| {
        CliError::Other(format!("cannot write {}: {e}", path.display()))
    };
    std::fs::create_dir_all(dir).map_err(|e| cannot(dir, e))?;
    for page in pages()? {
        let path: PathBuf = dir.join(&page.file_name);
        std::fs::write(&path, &page.roff).map_err(|e| cannot(&path, e))?;
        writeln!(out, "{}", path.display())?;
    }
    Ok(())
}

/// The page's name: `p2c-vpn` for the top, `p2c-vpn-connections-list` for a command.
fn page_name(cmd: &clap::Command) -> String {
    cmd.get_display_name()
        .unwrap_or_else(|| cmd.get_name())
        .to_owned()
}

fn visible_subcommands(cmd: &clap::Command) -> impl Iterator<Item = &clap::Command> {
    cmd.get_subcommands().filter(|s| !s.is_hide_set())
}

/// One page: clap_mangen's sections, then ours.
fn render(cmd: &clap::Command, parent: Option<&str>) -> std::io::Result<Vec<u8>> {
    let man = clap_mangen::Man::new(cmd.clone())
        .section(SECTION)
        // The footer names the program, not the command (`list 0.1.0`).
        .source(concat!("p2c-vpn ", env!("CARGO_PKG_VERSION")));
    let mut page = Vec::new();
    man.render_title(&mut page)?;
    man.render_name_section(&mut page)?;
    man.render_synopsis_section(&mut page)?;
    man.render_description_section(&mut page)?;
    if cmd.get_arguments().any(|a| !a.is_hide_set()) {
        man.render_options_section(&mut page)?;
    }
    if visible_subcommands(cmd).next().is_some() {
        man.render_subcommands_section(&mut page)?;
    }
    for section in after_help_sections() {
        write_section(&mut page, &section)?;
    }
    let mut see_also: Vec<String> = parent.into_iter().map(str::to_owned).collect();
    let name = page_name(cmd);
    see_also.extend(visible_subcommands(cmd).map(|s| format!("{name}-{}", s.get_name())));
    if !see_also.is_empty() {
        writeln!(page, ".SH \"SEE ALSO\"")?;
        let refs: Vec<String> = see_also
            .iter()
            .map(|n| format!("\\fB{}\\fR({SECTION})", escape(n)))
            .collect();
        writeln!(page, "{}", refs.join(", "))?;
    }
    if cmd.get_version().is_some() {
        man.render_version_section(&mut page)?;
    }
    Ok(page)
}

/// A section of [`AFTER_HELP`]: definitions (`0  success`, `NAME  meaning`) and
/// paragraphs.
#[derive(Debug, PartialEq, Eq)]
struct Section {
    heading: &'static str,
    entries: Vec<(String, String)>,
    paragraphs: Vec<String>,
}

/// [`AFTER_HELP`] as man sections: `Exit codes:` → EXIT STATUS, `Environment:` →
/// ENVIRONMENT, the lines under no heading → EXAMPLES. An entry is a line indented by two
/// spaces, its term and its text parted by two spaces or more; a line indented deeper
/// continues the text above.
fn after_help_sections() -> Vec<Section> {
    let mut sections: Vec<Section> = Vec::new();
    let mut current: Option<Section> = None;
    let mut loose = Section {
        heading: "EXAMPLES",
        entries: Vec::new(),
        paragraphs: Vec::new(),
    };
    for line in AFTER_HELP.lines() {
        let indent = line.len() - line.trim_start().len();
        let text = line.trim();
        if text.is_empty() {
            sections.extend(current.take());
        } else if indent == 0 && text.ends_with(':') {
            sections.extend(current.take());
            let heading = match text.trim_end_matches(':') {
                "Exit codes" => "EXIT STATUS",
                "Environment" => "ENVIRONMENT",
                _ => "NOTES",
            };
            current = Some(Section {
                heading,
                entries: Vec::new(),
                paragraphs: Vec::new(),
            });
        } else if let Some(section) = current.as_mut().filter(|_| indent > 0) {
            match (indent, section.entries.last_mut()) {
                (2, _) | (_, None) => {
                    let (term, meaning) = text.split_once("  ").unwrap_or((text, ""));
                    section
                        .entries
                        .push((term.trim().to_owned(), meaning.trim().to_owned()));
                }
                (_, Some((_, meaning))) => {
                    meaning.push(' ');
                    meaning.push_str(text);
                }
            }
        } else {
            sections.extend(current.take());
            loose.paragraphs.push(text.to_owned());
        }
    }
    sections.extend(current);
    if !loose.paragraphs.is_empty() {
        sections.push(loose);
    }
    sections
}

fn write_section(page: &mut Vec<u8>, section: &Section) -> std::io::Result<()> {
    writeln!(page, ".SH \"{}\"", section.heading)?;
    for (term, meaning) in &section.entries {
        writeln!(page, ".TP")?;
        writeln!(page, "\\fB{}\\fR", escape(term))?;
        writeln!(page, "{}", escape(meaning))?;
    }
    for paragraph in &section.paragraphs {
        writeln!(page, ".PP")?;
        writeln!(page, "{}", escape(paragraph))?;
    }
    Ok(())
}

/// Text for a roff text line: backslashes and hyphens escaped (`--flag` stays typeable
/// when copied), and a leading `.` or `'` made literal.
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len() + 8);
    if text.starts_with(['.', '\'']) {
        escaped.push_str("\\&");
    }
    for c in text.chars() {
        match c {
            '\\' => escaped.push_str("\\e"),
            '-' => escaped.push_str("\\-"),
            c => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_and_environment_become_sections() {
        let sections = after_help_sections();
        let headings: Vec<&str> = sections.iter().map(|s| s.heading).collect();
        assert_eq!(headings, ["EXIT STATUS", "ENVIRONMENT", "EXAMPLES"]);
        let codes: Vec<&str> = sections[0].entries.iter().map(|e| e.0.as_str()).collect();
        assert_eq!(codes, ["0", "1", "2", "3", "4", "5"]);
        // A continued line joins its entry.
        assert!(
            sections[0].entries[2]
                .1
                .contains("a gateway name that matches no gateway"),
            "{:?}",
            sections[0].entries[2]
        );
        let vars: Vec<&str> = sections[1].entries.iter().map(|e| e.0.as_str()).collect();
        assert!(vars.contains(&"HUAWEICLOUD_SDK_ENDPOINT"), "{vars:?}");
        assert!(
            vars.contains(&"HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK"),
            "{vars:?}"
        );
        let project = &sections[1].entries[2];
        assert_eq!(project.0, "HUAWEICLOUD_SDK_PROJECT_ID");
        assert!(project.1.ends_with("looked up through IAM for the region)"));
    }

    #[test]
    fn one_page_per_command() {
        let names: Vec<String> = pages()
            .expect("pages")
            .into_iter()
            .map(|p| p.file_name)
            .collect();
        for expected in [
            "p2c-vpn.1",
            "p2c-vpn-connections.1",
            "p2c-vpn-connections-list.1",
            "p2c-vpn-connections-watch.1",
            "p2c-vpn-connections-disconnect.1",
            "p2c-vpn-gateways-list.1",
            "p2c-vpn-gateways-show.1",
            "p2c-vpn-exporter.1",
            "p2c-vpn-completions.1",
            "p2c-vpn-man.1",
        ] {
            assert!(names.iter().any(|n| n == expected), "{expected}: {names:?}");
        }
        assert!(!names.iter().any(|n| n.contains("help")), "{names:?}");
    }

    #[test]
    fn escaping() {
        assert_eq!(escape("--output"), "\\-\\-output");
        assert_eq!(escape(".x 'y'"), "\\&.x 'y'");
        assert_eq!(escape("a\\b"), "a\\eb");
    }
}
