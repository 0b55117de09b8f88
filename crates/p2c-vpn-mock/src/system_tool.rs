//! The one rule for tests that need a program the Rust toolchain does not provide
//! (Prometheus' `prometheus` and `promtool`, util-linux `script`): found → its path;
//! missing → the test says so on one line of the terminal and passes, unless
//! `P2C_VPN_REQUIRE_SYSTEM_TOOLS=1` (set by `.ci/run`) makes the absence a failure.

use std::ffi::OsString;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// The variable that turns a missing tool from a skip into a failure.
pub const REQUIRE_SYSTEM_TOOLS: &str = "P2C_VPN_REQUIRE_SYSTEM_TOOLS";

/// Finds `name` for the calling test: `$override_var` if set (then it must exist), else
/// the first `name` on `PATH`. When it is missing, writes
/// a line `SKIPPED TEST: needs NAME …; INSTALL` straight to the process's stderr (the test
/// harness captures `eprintln!` of passing tests, not the stderr handle, so the line shows
/// in a plain `cargo test`) and returns `None`: the caller returns early. With
/// `P2C_VPN_REQUIRE_SYSTEM_TOOLS=1` it panics instead.
///
/// # Panics
/// When the tool is missing and required, or `$override_var` names no file.
#[must_use]
pub fn system_tool(name: &str, override_var: &str, install: &str) -> Option<PathBuf> {
    let require = std::env::var_os(REQUIRE_SYSTEM_TOOLS).is_some_and(|v| v == "1");
    match find(
        name,
        override_var,
        std::env::var_os(override_var),
        std::env::var_os("PATH"),
        require,
    ) {
        Ok(found) => found,
        Err(Missing::Skip(line)) => {
            let test = std::thread::current().name().unwrap_or("a test").to_owned();
            // Not `eprintln!`: the harness would capture it.
            let _ = writeln!(
                std::io::stderr().lock(),
                "SKIPPED {test}: {line}; {install}"
            );
            None
        }
        Err(Missing::Fail(message)) => panic!("{message}; {install}"),
    }
}

/// Why a tool was not found.
#[derive(Debug, PartialEq, Eq)]
enum Missing {
    /// Say this and skip.
    Skip(String),
    /// Fail with this.
    Fail(String),
}

/// The lookup, apart from the process environment (so its own test need not change it).
fn find(
    name: &str,
    override_var: &str,
    override_value: Option<OsString>,
    path: Option<OsString>,
    require: bool,
) -> Result<Option<PathBuf>, Missing> {
    if let Some(value) = override_value {
        let file = PathBuf::from(value);
        return if file.is_file() {
            Ok(Some(file))
        } else {
            Err(Missing::Fail(format!(
                "{override_var}={} names no file",
                file.display()
            )))
        };
    }
    let found = path
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join(name))
        .find(|candidate| is_program(candidate));
    match found {
        Some(file) => Ok(Some(file)),
        None if require => Err(Missing::Fail(format!(
            "{name} is not on PATH and {REQUIRE_SYSTEM_TOOLS}=1 requires it ({override_var} \
             names another binary)"
        ))),
        None => Err(Missing::Skip(format!(
            "needs `{name}`, which is not on PATH (set {override_var} to use another binary; \
             {REQUIRE_SYSTEM_TOOLS}=1 makes this a failure)"
        ))),
    }
}

fn is_program(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        path.metadata()
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    {
        path.is_file()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::{Missing, find};

    #[test]
    fn a_missing_tool_is_skipped_or_fails_when_required() {
        let path = Some(std::ffi::OsString::from("/nonexistent-p2c-vpn-dir"));
        let skipped = find("promtool", "PROMTOOL", None, path.clone(), false);
        assert!(
            matches!(&skipped, Err(Missing::Skip(line)) if line.contains("needs `promtool`")),
            "{skipped:?}"
        );
        let failed = find("promtool", "PROMTOOL", None, path, true);
        assert!(
            matches!(&failed, Err(Missing::Fail(m)) if m.contains("P2C_VPN_REQUIRE_SYSTEM_TOOLS=1")),
            "{failed:?}"
        );
    }

    #[test]
    fn a_tool_is_found_on_path_or_through_its_variable() {
        let dir = std::env::temp_dir().join(format!("p2c-vpn-system-tool-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let tool = dir.join("promtool");
        std::fs::write(&tool, "#!/bin/sh\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(&tool, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let path =
            std::env::join_paths([std::path::Path::new("/nonexistent-p2c-vpn-dir"), &dir]).ok();
        assert_eq!(
            find("promtool", "PROMTOOL", None, path, true),
            Ok(Some(tool.clone()))
        );
        let named = Some(tool.clone().into_os_string());
        assert_eq!(
            find("promtool", "PROMTOOL", named, None, true),
            Ok(Some(tool.clone()))
        );
        // A variable naming nothing is a mistake, not a skip.
        let wrong = Some(dir.join("absent").into_os_string());
        assert!(matches!(
            find("promtool", "PROMTOOL", wrong, None, false),
            Err(Missing::Fail(_))
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
