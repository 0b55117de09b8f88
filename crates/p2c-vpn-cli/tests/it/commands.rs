//! The command tree and each command's options, read from the binary's own `-h`: the
//! tests of completions and man pages cover every command there is, new ones included.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;

use crate::common::{bare_cmd, stdout};

/// `p2c-vpn WORDS... -h`.
pub fn help(words: &[String]) -> String {
    let out = bare_cmd().args(words).arg("-h").output().unwrap();
    assert!(out.status.success(), "{words:?} -h: {out:?}");
    stdout(&out)
}

/// The lines of a `-h` section (`Commands:`, `Options:`) up to the next blank line.
fn section<'a>(help: &'a str, heading: &str) -> impl Iterator<Item = &'a str> {
    help.lines()
        .skip_while(move |l| *l != heading)
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
}

/// The subcommands a `-h` lists, `help` aside.
pub fn subcommands(help: &str) -> Vec<String> {
    section(help, "Commands:")
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_owned)
        .collect()
}

/// The long options a `-h` lists (`-o, --output <FORMAT>  ...` → `--output`).
pub fn long_options(help: &str) -> BTreeSet<String> {
    section(help, "Options:")
        .map(str::trim_start)
        .filter(|l| l.starts_with('-'))
        // The option's spelling, before its description.
        .filter_map(|l| l.split("  ").next())
        .flat_map(|spec| spec.split([',', ' ']))
        .filter(|w| w.starts_with("--"))
        .map(|w| w.trim_end_matches('.').to_owned())
        .collect()
}

/// Every command's words: `[]` (the top), `["connections"]`, `["connections", "list"]`...
pub fn tree() -> Vec<Vec<String>> {
    fn walk(words: Vec<String>, all: &mut Vec<Vec<String>>) {
        let subs = subcommands(&help(&words));
        all.push(words.clone());
        for sub in subs {
            let mut path = words.clone();
            path.push(sub);
            walk(path, all);
        }
    }
    let mut all = Vec::new();
    walk(Vec::new(), &mut all);
    all
}

#[test]
fn the_tree_and_options_are_read() {
    let tree = tree();
    let list = ["connections".to_owned(), "list".to_owned()];
    assert!(tree.iter().any(|p| p.as_slice() == list), "{tree:?}");
    assert!(tree.iter().any(|p| p.is_empty()));
    assert!(!tree.iter().flatten().any(|w| w == "help"), "{tree:?}");
    let options = long_options(&help(&list));
    for flag in [
        "--output",
        "--gateway",
        "--verbose",
        "--help",
        "--max-records",
    ] {
        assert!(options.contains(flag), "{flag}: {options:?}");
    }
    // The top level's own options, not those its subcommands' descriptions mention.
    let top = long_options(&help(&[]));
    assert!(
        top.contains("--verbose") && !top.contains("--listen"),
        "{top:?}"
    );
}
