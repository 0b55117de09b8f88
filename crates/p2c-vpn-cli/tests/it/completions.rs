//! `p2c-vpn completions bash|zsh|fish`: the candidates the real shells offer, at the top
//! level, for a subcommand's subcommands, for a flag's prefix and for a flag's values.
//! bash through its `complete` registration and the function it names (as bash calls it on
//! TAB), zsh through a pseudo-terminal (`zpty`) with a TAB typed after the line, fish
//! through `complete -C`. Besides the cases below, every command's long options (read from
//! its `-h`, so a new command is covered too) are offered after `p2c-vpn WORDS --`.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::common::bare_cmd;
use crate::{commands, system_tools};

/// The command lines completed (the cursor at their end) and what each must offer.
struct Case {
    line: &'static str,
    /// Every one of these is offered.
    offers: &'static [&'static str],
    /// None of these is (words of another level).
    not: &'static [&'static str],
    /// Exactly `offers` (ignoring the flags bash adds at a subcommand's position).
    exact: bool,
}

const CASES: &[Case] = &[
    Case {
        line: "p2c-vpn ",
        offers: &[
            "gateways",
            "connections",
            "exporter",
            "demo",
            "completions",
            "man",
        ],
        not: &["list", "watch"],
        exact: false,
    },
    Case {
        line: "p2c-vpn connections ",
        offers: &["list", "watch", "disconnect"],
        not: &["gateways", "exporter", "show"],
        exact: false,
    },
    Case {
        line: "p2c-vpn connections list --out",
        offers: &["--output"],
        not: &[],
        exact: true,
    },
    Case {
        line: "p2c-vpn connections list -o ",
        offers: &["table", "json", "ndjson", "csv"],
        not: &[],
        exact: true,
    },
    Case {
        line: "p2c-vpn connections watch --output ",
        offers: &["table", "ndjson"],
        not: &[],
        exact: true,
    },
    Case {
        line: "p2c-vpn gateways show --o",
        offers: &["--output"],
        not: &[],
        exact: true,
    },
    Case {
        line: "p2c-vpn connections disconnect --dry",
        offers: &["--dry-run"],
        not: &[],
        exact: true,
    },
];

/// `p2c-vpn completions SHELL` written to `dir/file`.
fn script(shell: &str, dir: &Path, file: &str) -> PathBuf {
    let out = bare_cmd()
        .args(["completions", shell])
        .output()
        .expect("runs");
    assert!(out.status.success(), "{out:?}");
    let path = dir.join(file);
    std::fs::write(&path, &out.stdout).unwrap();
    path
}

/// Runs `program args...` (killed after 60 s: a shell waiting for input would hang the
/// suite) and returns its stdout.
fn run(program: &str, args: &[&str], home: &Path) -> String {
    let out = assert_cmd::Command::new(program)
        .args(args)
        .env("HOME", home)
        .env("TERM", "dumb")
        .timeout(Duration::from_secs(60))
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{program} {args:?}: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Every command's long options (from its `-h`), each offered after `p2c-vpn WORDS --`.
fn check_every_command(shell: &str, mut offered: impl FnMut(&str) -> BTreeSet<String>) {
    let tree = commands::tree();
    assert!(tree.len() > 8, "{tree:?}");
    for words in tree {
        let expected = commands::long_options(&commands::help(&words));
        let mut line = String::from("p2c-vpn ");
        for word in &words {
            line.push_str(word);
            line.push(' ');
        }
        line.push_str("--");
        let got = offered(&line);
        let missing: Vec<&String> = expected.difference(&got).collect();
        assert!(
            missing.is_empty(),
            "{shell}: `{line}<TAB>` does not offer {missing:?}: {got:?}"
        );
    }
}

fn check(shell: &str, case: &Case, offered: &BTreeSet<String>) {
    let line = case.line;
    for word in case.offers {
        assert!(
            offered.contains(*word),
            "{shell}: `{line}<TAB>` does not offer {word}: {offered:?}"
        );
    }
    for word in case.not {
        assert!(
            !offered.contains(*word),
            "{shell}: `{line}<TAB>` offers {word}: {offered:?}"
        );
    }
    if case.exact {
        let expected: BTreeSet<String> = case.offers.iter().map(|s| (*s).to_owned()).collect();
        assert_eq!(offered, &expected, "{shell}: `{line}<TAB>`");
    }
}

/// bash: source the script, find the function `complete -p p2c-vpn` names, call it as bash
/// does on TAB (`COMP_WORDS`, `COMP_CWORD`, `COMP_LINE`, `COMP_POINT`; arguments: the
/// command, the word being completed, the word before it) and print `COMPREPLY`.
const BASH_DRIVER: &str = r#"
source "$1" || exit 3
spec=$(complete -p p2c-vpn) || exit 4
fn=${spec##*-F }; fn=${fn%% *}
COMP_LINE=$2; COMP_POINT=${#COMP_LINE}
read -ra COMP_WORDS <<<"$COMP_LINE"
[[ $COMP_LINE == *" " ]] && COMP_WORDS+=("")
COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
"$fn" p2c-vpn "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
printf '%s\n' "${COMPREPLY[@]}"
"#;

#[test]
fn bash_completes_every_level() {
    if !system_tools::available("bash") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let script = script("bash", dir.path(), "p2c-vpn.bash");
    let offered = |line: &str| -> BTreeSet<String> {
        let args = ["--norc", "--noprofile", "-c", BASH_DRIVER, "bash"];
        let out = run(
            "bash",
            &[&args[..], &[script.to_str().unwrap(), line]].concat(),
            dir.path(),
        );
        out.lines()
            .filter(|w| !w.is_empty())
            .map(str::to_owned)
            .collect()
    };
    for case in CASES {
        let mut words = offered(case.line);
        // At a subcommand's position bash also offers that command's flags.
        if !case.exact {
            words.retain(|w| !w.starts_with('-'));
        }
        check("bash", case, &words);
    }
    check_every_command("bash", offered);
}

/// zsh: an interactive zsh on a pseudo-terminal (`zpty`) with the completion system, a
/// `compadd` that also prints each match it adds, the script sourced; the line is typed
/// with a TAB and the matches are read back up to the end marker (the markers are built
/// from two halves, so the echo of the typed setup never contains them).
const ZSH_DRIVER: &str = r#"
zmodload zsh/zpty || exit 3
zpty z zsh -f -i
zpty -w z 'PROMPT= RPROMPT= PS2=; unsetopt beep
autoload -U compinit && compinit -u -D
zstyle ":completion:*" list-grouped false
compadd() {
  if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return; fi
  local -a __hits
  builtin compadd -A __hits "$@"
  (( $#__hits )) && print -rl -- "<<MA""TCH>>"${^__hits}
  builtin compadd "$@"
}
__done() { print -r -- "<<E""ND>>" }
comppostfuncs=(__done)
bindkey "^I" complete-word
source '"${(q)1}"'
print -r -- "<<RE""ADY>>"'
zpty -r z out '*<<READY>>*' || exit 4
zpty -w -n z "$2"$'\t'
zpty -r z out '*<<END>>*' || exit 5
print -r -- "$out"
zpty -d z
"#;

#[test]
fn zsh_completes_every_level() {
    if !system_tools::available("zsh") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let script = script("zsh", dir.path(), "_p2c-vpn");
    let driver = dir.path().join("drive.zsh");
    std::fs::write(&driver, ZSH_DRIVER).unwrap();
    let offered = |line: &str| -> BTreeSet<String> {
        let args = [
            "-f",
            driver.to_str().unwrap(),
            script.to_str().unwrap(),
            line,
        ];
        let out = run("zsh", &args, dir.path());
        assert!(out.contains("<<END>>"), "zsh: {out}");
        out.lines()
            .filter_map(|l| l.split_once("<<MATCH>>"))
            .map(|(_, word)| word.trim_end_matches('\r').to_owned())
            .collect()
    };
    for case in CASES {
        check("zsh", case, &offered(case.line));
    }
    check_every_command("zsh", offered);
}

#[test]
fn fish_completes_every_level() {
    if !system_tools::available("fish") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let script = script("fish", dir.path(), "p2c-vpn.fish");
    let offered = |line: &str| -> BTreeSet<String> {
        let args = [
            "--no-config",
            "-c",
            "source $argv[1]; and complete -C $argv[2]",
            script.to_str().unwrap(),
            line,
        ];
        let out = run("fish", &args, dir.path());
        // `candidate<TAB>description` per line.
        out.lines()
            .map(|l| l.split('\t').next().unwrap_or_default().to_owned())
            .filter(|w| !w.is_empty())
            .collect()
    };
    for case in CASES {
        check("fish", case, &offered(case.line));
    }
    check_every_command("fish", offered);
}
