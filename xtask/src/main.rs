//! `cargo xtask` entry point; see `cargo xtask --help`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use xtask::regen::{self, Outcome};

#[derive(Debug, Parser)]
#[command(name = "cargo xtask", about = "Maintainer tasks for p2c-vpn")]
struct Cli {
    /// Workspace root to operate on (default: the one this xtask was built in).
    #[arg(long, global = true, value_name = "DIR")]
    workspace_root: Option<PathBuf>,
    #[command(subcommand)]
    task: Task,
}

#[derive(Debug, Subcommand)]
enum Task {
    /// Validate openapi/p2c-vpn.yaml and regenerate crates/p2c-vpn-api/src/generated.rs.
    Regen {
        /// Do not write; print a unified diff and exit 1 if the committed file is stale.
        #[arg(long)]
        check: bool,
    },
    /// Validate and lint the spec only (every finding with its JSON pointer).
    Lint,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let root = cli.workspace_root.unwrap_or_else(xtask::workspace_root);
    match cli.task {
        Task::Regen { check } => match regen::regen(&root, check) {
            Ok(Outcome::UpToDate) => {
                eprintln!("{} is up to date", regen::GENERATED_PATH);
                ExitCode::SUCCESS
            }
            Ok(Outcome::Written) => {
                eprintln!("wrote {}", regen::GENERATED_PATH);
                ExitCode::SUCCESS
            }
            Ok(Outcome::Stale(diff)) => {
                print!("{diff}");
                eprintln!(
                    "error: {} is out of date with {}; run `cargo xtask regen` and commit the result",
                    regen::GENERATED_PATH,
                    regen::SPEC_PATH
                );
                ExitCode::FAILURE
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        },
        Task::Lint => match xtask::spec::load(&root.join(regen::SPEC_PATH)) {
            Ok(_) => {
                eprintln!("{}: ok", regen::SPEC_PATH);
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        },
    }
}
