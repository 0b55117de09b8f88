//! `p2c-vpn completions SHELL`: clap_complete's scripts, with bash's repaired.
//!
//! clap_complete's bash script is broken for a binary whose name has a hyphen: the loop
//! that follows the words names the state `p2c__vpn__subcmd__connections`, the `case` arms
//! that complete each command are labelled `p2c__subcmd__vpn__subcmd__connections`, so
//! nothing past the top level ever completes (clap-rs/clap#6421, #6529, still open). The
//! script is therefore generated for a name without a hyphen, where the loop and the arms
//! agree by construction, and only the `complete -F` registration is pointed at `p2c-vpn`.
//! An upstream fix changes nothing here. zsh, fish, elvish and PowerShell scripts are
//! clap_complete's, unchanged (zsh and fish are tested against the real shells).

use std::io::Write;

use clap::CommandFactory as _;
use clap_complete::Shell;

use crate::cli::Cli;
use crate::error::CliError;

/// The command the scripts complete.
const BIN: &str = "p2c-vpn";
/// The name bash's script is generated for: [`BIN`] without its hyphen.
const BASH_NAME: &str = "p2c_vpn";

/// Writes the completion script of `shell` to `out`.
pub fn write(shell: Shell, out: &mut impl Write) -> Result<(), CliError> {
    let script = script(shell)?;
    out.write_all(script.as_bytes())?;
    Ok(())
}

/// The completion script of `shell`.
pub fn script(shell: Shell) -> Result<String, CliError> {
    script_for(Cli::command(), shell)
}

fn script_for(mut cmd: clap::Command, shell: Shell) -> Result<String, CliError> {
    let mut buf = Vec::new();
    let name = if shell == Shell::Bash { BASH_NAME } else { BIN };
    clap_complete::generate(shell, &mut cmd, name, &mut buf);
    let script = String::from_utf8(buf)
        .map_err(|_| CliError::Other("the completion script is not UTF-8".to_owned()))?;
    if shell == Shell::Bash {
        register_bash(&script)
    } else {
        Ok(script)
    }
}

/// Points the `complete -F _p2c_vpn ... p2c_vpn` lines of bash's script at `p2c-vpn`; the
/// function keeps its name (a valid identifier in POSIX mode too).
fn register_bash(script: &str) -> Result<String, CliError> {
    let suffix = format!(" {BASH_NAME}");
    let mut registered = 0;
    let mut lines: Vec<String> = Vec::new();
    for line in script.lines() {
        let is_registration = line.trim_start().starts_with("complete -F ");
        match line.strip_suffix(&suffix) {
            Some(head) if is_registration => {
                registered += 1;
                lines.push(format!("{head} {BIN}"));
            }
            _ => lines.push(line.to_owned()),
        }
    }
    if registered == 0 {
        return Err(CliError::Other(
            "cannot find the `complete -F` line of clap_complete's bash script (a bug: please \
             report it)"
                .to_owned(),
        ));
    }
    let mut script = lines.join("\n");
    script.push('\n');
    Ok(script)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// The states the word loop of bash's script assigns (`cmd="..."`), and the labels of
    /// the `case "${cmd}" in` arms that complete them.
    fn states_and_arms(script: &str) -> (BTreeSet<String>, BTreeSet<String>) {
        let mut states = BTreeSet::new();
        let mut arms = BTreeSet::new();
        let mut in_dispatch = false;
        for line in script.lines() {
            let trimmed = line.trim();
            if let Some(state) = trimmed
                .strip_prefix("cmd=\"")
                .and_then(|s| s.strip_suffix('"'))
                .filter(|s| !s.is_empty())
            {
                states.insert(state.to_owned());
            }
            if trimmed == "case \"${cmd}\" in" {
                in_dispatch = true;
                continue;
            }
            // The arms are the lines of the dispatch `case` indented by exactly 8 spaces.
            if in_dispatch
                && line.starts_with("        ")
                && !line.starts_with("         ")
                && let Some(label) = trimmed.strip_suffix(')')
            {
                arms.insert(label.to_owned());
            }
        }
        (states, arms)
    }

    #[test]
    fn bash_states_and_arms_agree() {
        let script = script(Shell::Bash).expect("bash script");
        let (states, arms) = states_and_arms(&script);
        assert!(states.len() > 10, "the loop assigns the states: {states:?}");
        assert_eq!(
            states, arms,
            "every state has its arm and every arm its state"
        );
        assert!(states.contains("p2c_vpn__subcmd__connections__subcmd__list"));
    }

    #[test]
    fn bash_states_and_arms_agree_for_hyphenated_subcommands() {
        use clap::{Arg, ArgAction, Command};
        let cmd = Command::new(BIN).subcommand(
            Command::new("gateways").subcommand(
                Command::new("log-config")
                    .arg(Arg::new("set").long("set"))
                    .arg(
                        Arg::new("dry-run")
                            .long("dry-run")
                            .action(ArgAction::SetTrue),
                    ),
            ),
        );
        let script = script_for(cmd, Shell::Bash).expect("bash script");
        let (states, arms) = states_and_arms(&script);
        assert_eq!(states, arms);
        assert!(
            states.contains("p2c_vpn__subcmd__gateways__subcmd__log__subcmd__config"),
            "{states:?}"
        );
    }

    #[test]
    fn bash_registers_the_hyphenated_name() {
        let script = script(Shell::Bash).expect("bash script");
        let registrations: Vec<&str> = script
            .lines()
            .filter(|l| l.trim_start().starts_with("complete -F "))
            .collect();
        assert!(!registrations.is_empty(), "{script}");
        for line in registrations {
            assert!(line.ends_with(" p2c-vpn"), "{line}");
            assert!(line.contains("-F _p2c_vpn "), "{line}");
        }
    }

    #[test]
    fn the_hyphenated_name_is_what_breaks_upstream() {
        // What clap_complete writes for `p2c-vpn` itself: when its states and arms agree
        // (the upstream bug fixed), this repair is no longer needed (but still harmless).
        let mut buf = Vec::new();
        clap_complete::generate(Shell::Bash, &mut Cli::command(), BIN, &mut buf);
        let upstream = String::from_utf8(buf).expect("utf-8");
        let (states, arms) = states_and_arms(&upstream);
        assert!(!states.is_empty() && !arms.is_empty());
        if states != arms {
            assert!(
                arms.iter().any(|a| a.starts_with("p2c__subcmd__vpn")),
                "an unknown mismatch: {arms:?}"
            );
        }
    }

    #[test]
    fn other_shells_are_generated_for_p2c_vpn() {
        for shell in [Shell::Zsh, Shell::Fish] {
            let script = script(shell).expect("script");
            assert!(script.contains("p2c-vpn"), "{shell}");
            assert!(!script.contains("p2c_vpn "), "{shell}");
        }
    }
}
