//! `p2c-vpn man --dir DIR`: one page per command, each rendered by groff without a
//! warning, with every flag its `--help` shows, the exit codes and the environment;
//! `p2c-vpn man` prints the top page.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::path::Path;

use crate::common::{bare_cmd, stdout};
use crate::{commands, system_tools};

/// Pages `man --dir` must write (among one per command, whatever the commands are).
const PAGES: &[&str] = &[
    "p2c-vpn.1",
    "p2c-vpn-gateways.1",
    "p2c-vpn-gateways-list.1",
    "p2c-vpn-gateways-show.1",
    "p2c-vpn-connections.1",
    "p2c-vpn-connections-list.1",
    "p2c-vpn-connections-watch.1",
    "p2c-vpn-connections-disconnect.1",
    "p2c-vpn-exporter.1",
    "p2c-vpn-demo.1",
    "p2c-vpn-completions.1",
    "p2c-vpn-man.1",
];

/// The page of the command `words`: `p2c-vpn-connections-list.1`.
fn page_of(words: &[String]) -> String {
    let mut name = String::from("p2c-vpn");
    for word in words {
        name.push('-');
        name.push_str(word);
    }
    name + ".1"
}

/// The long flags (`--name`) in `text`.
fn long_flags(text: &str) -> BTreeSet<String> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .filter(|w| w.len() > 2 && w.starts_with("--") && w.as_bytes()[2].is_ascii_lowercase())
        .map(|w| w.trim_end_matches('-').to_owned())
        .collect()
}

/// `page` rendered as text by groff (wide lines, no hyphenation, no bold or underline),
/// after asserting that groff warns about nothing (`-ww`: every warning).
fn render(page: &Path) -> String {
    let name = page.file_name().unwrap().to_string_lossy();
    let check = std::process::Command::new("groff")
        .args(["-man", "-Tutf8", "-ww", "-z"])
        .arg(page)
        .output()
        .unwrap();
    assert!(check.status.success(), "groff {name}: {check:?}");
    assert!(
        check.stderr.is_empty(),
        "groff warns about {name}:\n{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let out = std::process::Command::new("groff")
        .args(["-man", "-Tutf8", "-ww", "-rLL=300n", "-rHY=0"])
        .args(["-P-c", "-P-b", "-P-u", "-P-o"])
        .arg(page)
        .output()
        .unwrap();
    assert!(out.status.success(), "groff {name}: {out:?}");
    assert!(
        out.stderr.is_empty(),
        "{name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Hyphens and minus signs as typed.
    String::from_utf8(out.stdout)
        .unwrap()
        .replace(['\u{2010}', '\u{2212}'], "-")
}

#[test]
fn every_command_has_a_page_that_renders_without_warnings() {
    if !system_tools::available("groff") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("man1");
    let out = bare_cmd()
        .args(["man", "--dir"])
        .arg(&out_dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let listed: BTreeSet<String> = stdout(&out)
        .lines()
        .map(|l| {
            Path::new(l)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    let written: BTreeSet<String> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(listed, written, "the paths printed are the files written");
    let tree = commands::tree();
    let expected: BTreeSet<String> = tree.iter().map(|words| page_of(words)).collect();
    assert_eq!(written, expected, "one page per command");
    for page in PAGES {
        assert!(written.contains(*page), "{page}: {written:?}");
    }

    for words in &tree {
        let page = page_of(words);
        let text = render(&out_dir.join(&page));
        let flags = commands::long_options(&commands::help(words));
        assert!(flags.contains("--help"), "{words:?}: {flags:?}");
        let in_page = long_flags(&text);
        let missing: Vec<&String> = flags.difference(&in_page).collect();
        assert!(missing.is_empty(), "{page} lacks {missing:?}:\n{text}");
        for section in ["NAME", "SYNOPSIS", "EXIT STATUS", "ENVIRONMENT"] {
            assert!(
                text.lines().any(|l| l == section),
                "{page} has no {section} section:\n{text}"
            );
        }
        for needle in [
            "HUAWEICLOUD_SDK_ENDPOINT",
            "HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK",
            "usage error",
        ] {
            assert!(text.contains(needle), "{page} lacks {needle:?}:\n{text}");
        }
    }

    // The flags of a leaf page, by name, and its enumerated values.
    let list = render(&out_dir.join("p2c-vpn-connections-list.1"));
    for flag in [
        "--gateway",
        "--user",
        "--columns",
        "--all",
        "--page-size",
        "--max-records",
    ] {
        assert!(long_flags(&list).contains(flag), "{flag}:\n{list}");
    }
    assert!(list.contains("-o, --output"), "{list}");
    assert!(list.contains("ndjson"), "{list}");
    // The top page names the others.
    let top = render(&out_dir.join("p2c-vpn.1"));
    assert!(top.contains("p2c-vpn-connections(1)"), "{top}");
}

#[test]
fn man_prints_the_top_page() {
    let dir = tempfile::tempdir().unwrap();
    let out = bare_cmd()
        .args(["man", "--dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let printed = bare_cmd().arg("man").output().unwrap();
    assert!(printed.status.success(), "{printed:?}");
    let top = std::fs::read(dir.path().join("p2c-vpn.1")).unwrap();
    assert_eq!(printed.stdout, top);
    let roff = String::from_utf8(top).unwrap();
    assert!(roff.contains("\n.TH p2c-vpn 1 "), "{roff}");
    assert!(roff.contains(".SH \"EXIT STATUS\""), "{roff}");
}

#[test]
fn an_unwritable_directory_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, "x").unwrap();
    let out = bare_cmd()
        .args(["man", "--dir"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("p2c-vpn: error: cannot write ") && err.contains("a-file"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
}
