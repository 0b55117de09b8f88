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
    /// Validate every spec in openapi/ and regenerate crates/p2c-vpn-api/src/generated/
    /// (one module per spec).
    Regen {
        /// Do not write; print a unified diff and exit 1 if a committed file is stale.
        #[arg(long)]
        check: bool,
    },
    /// Refresh everything derived from the specs: `regen`, then `public-api`.
    Update,
    /// Validate and lint every spec in openapi/ (every finding with its JSON pointer).
    Lint,
    /// Report spec changes, each classified breaking or non-breaking for users of the
    /// generated client: every spec in openapi/ (vs. a git revision), or two files.
    /// Exit 0: no breaking change; 1: breaking change(s); 2: could not compare (a side
    /// cannot be generated, or git failed). Lint findings are listed, never refused.
    Diff {
        /// Git revision whose openapi/*.yaml are the old side (default: HEAD); every spec
        /// present on either side is compared with the working tree.
        #[arg(value_name = "BASE", conflicts_with = "old")]
        base: Option<String>,
        /// Old spec from a file (default with --new: openapi/p2c-vpn.yaml at BASE).
        #[arg(long, value_name = "FILE")]
        old: Option<PathBuf>,
        /// New spec from a file (default with --old: the working tree's openapi/p2c-vpn.yaml).
        #[arg(long, value_name = "FILE")]
        new: Option<PathBuf>,
        /// Report format.
        #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
        format: DiffFormat,
        /// Accepted for existing scripts: breaking changes always exit 1.
        #[arg(long)]
        fail_on_breaking: bool,
    },
    /// Regenerate the public-API snapshots (crates/*/public-api.txt) from rustdoc JSON
    /// (written by the pinned Rust 1.95.0 via rustup, rendered by the `public-api` crate).
    PublicApi {
        /// Do not write; print a diff and exit 1 if a committed snapshot is stale.
        #[arg(long)]
        check: bool,
    },
    /// Whole-process benchmarks (CLI vs curl vs Python SDK), start-up and memory;
    /// runs xtask/scripts/compare.sh (needs hyperfine, curl, python3; nginx for the static
    /// server, installed when missing).
    Bench {
        /// compare (mock and static server), static, static-paired, startup, memory,
        /// cold-start or all (all = every one but static-paired and cold-start).
        #[arg(default_value = "all")]
        mode: String,
        /// hyperfine runs per command.
        #[arg(long, default_value_t = 30)]
        runs: u32,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum DiffFormat {
    /// Plain text.
    Text,
    /// Markdown, for pasting into a review.
    Markdown,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let root = cli.workspace_root.unwrap_or_else(xtask::workspace_root);
    match cli.task {
        Task::Regen { check } => run_regen(&root, check),
        Task::Update => match run_regen(&root, false) {
            code if code == ExitCode::SUCCESS => run_public_api(&root, false),
            code => code,
        },
        Task::Diff {
            base,
            old,
            new,
            format,
            fail_on_breaking: _,
        } => run_diff(&root, base, old, new, format),
        Task::PublicApi { check } => run_public_api(&root, check),
        Task::Bench { mode, runs } => xtask::bench::run(&root, &mode, runs),
        Task::Lint => run_lint(&root),
    }
}

fn run_regen(root: &std::path::Path, check: bool) -> ExitCode {
    match regen::regen(root, check) {
        Ok(Outcome::UpToDate) => {
            eprintln!("{}/ is up to date", regen::GENERATED_DIR);
            ExitCode::SUCCESS
        }
        Ok(Outcome::Written(paths)) => {
            for path in paths {
                eprintln!("wrote {path}");
            }
            ExitCode::SUCCESS
        }
        Ok(Outcome::Stale(diff)) => {
            print!("{diff}");
            eprintln!(
                "error: {}/ is out of date with the specs in {}/; run `cargo xtask regen` and commit the result",
                regen::GENERATED_DIR,
                regen::SPEC_DIR
            );
            ExitCode::FAILURE
        }
        Err(e) => fail(e),
    }
}

/// Prints `e` as the error it is and exits 1.
fn fail(e: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {e}");
    ExitCode::FAILURE
}

fn run_lint(root: &std::path::Path) -> ExitCode {
    let units = match regen::units(root) {
        Ok(units) => units,
        Err(e) => return fail(e),
    };
    let mut code = ExitCode::SUCCESS;
    for unit in units {
        match xtask::spec::load(&root.join(&unit.spec)) {
            Ok(_) => eprintln!("{}: ok", unit.spec),
            Err(e) => code = fail(e),
        }
    }
    code
}

/// `cargo xtask diff`: exit 0 when nothing breaks, 1 on breaking changes, 2 when a side
/// cannot be generated (the reasons on stderr, no report). Lint findings never change it.
fn run_diff(
    root: &std::path::Path,
    base: Option<String>,
    old: Option<PathBuf>,
    new: Option<PathBuf>,
    format: DiffFormat,
) -> ExitCode {
    use xtask::diff;
    let rev = base.as_deref().unwrap_or("HEAD");
    let reports = if old.is_none() && new.is_none() {
        diff::compare_revision(root, rev)
    } else {
        let old = match old {
            Some(file) => diff::load_file(&file),
            None => diff::load_revision(root, rev, regen::SPEC_PATH),
        };
        let new = match new {
            Some(file) => diff::load_file(&file),
            None => diff::load_file(&root.join(regen::SPEC_PATH)).map(|mut d| {
                d.label = "working tree".into();
                d
            }),
        };
        match (old, new) {
            (Ok(old), Ok(new)) => Ok(vec![diff::diff(&old, &new)]),
            (old, new) => Err(old.err().into_iter().chain(new.err()).collect()),
        }
    };
    let reports = match reports {
        Ok(reports) => reports,
        Err(errors) => {
            for e in errors {
                eprintln!("error: {e}");
            }
            eprintln!("error: could not compare (exit 2)");
            return ExitCode::from(2);
        }
    };
    let format = match format {
        DiffFormat::Text => diff::Format::Text,
        DiffFormat::Markdown => diff::Format::Markdown,
    };
    let rendered: Vec<String> = reports.iter().map(|r| diff::render(r, format)).collect();
    print!("{}", rendered.join("\n"));
    let problems: usize = reports.iter().map(|r| r.problems.len()).sum();
    if problems > 0 {
        eprintln!(
            "{problems} spec problem(s) listed: `cargo xtask regen` would refuse the new spec \
             (reported only: the exit code is the verdict's)"
        );
    }
    let breaking: usize = reports.iter().map(|r| r.counts().0).sum();
    if breaking > 0 {
        eprintln!("{breaking} breaking change(s) (exit 1)");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

fn run_public_api(root: &std::path::Path, check: bool) -> ExitCode {
    use xtask::public_api;
    let snapshots = match public_api::snapshots(root) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let stale: Vec<&public_api::Snapshot> = snapshots.iter().filter(|s| !s.up_to_date()).collect();
    if stale.is_empty() {
        for s in &snapshots {
            eprintln!("{} is up to date", s.path);
        }
        return ExitCode::SUCCESS;
    }
    if check {
        for s in &stale {
            print!("{}", s.diff());
            eprintln!(
                "error: {} is out of date with the code; run `cargo xtask public-api` and commit \
                 the result (and review the API change)",
                s.path
            );
        }
        return ExitCode::FAILURE;
    }
    if let Err(e) = public_api::write(root, &snapshots) {
        return fail(e);
    }
    for s in &stale {
        eprintln!("wrote {}", s.path);
    }
    ExitCode::SUCCESS
}
