//! Tests that need a program of the system (a shell, groff): present, they run; missing,
//! they print one line on the real stderr (seen even when the output is captured) and pass,
//! unless `P2C_VPN_REQUIRE_SYSTEM_TOOLS=1` (CI installs them), which makes it a failure.

use std::io::Write as _;

/// Whether `program` runs (`program --version` succeeds); prints the skip line (or fails
/// under `P2C_VPN_REQUIRE_SYSTEM_TOOLS=1`) when it does not. `test` names the test.
pub fn available(program: &str, test: &str) -> bool {
    let found = std::process::Command::new(program)
        .arg("--version")
        .stdin(std::process::Stdio::null())
        .output()
        .is_ok_and(|o| o.status.success());
    if found {
        return true;
    }
    let required = std::env::var_os("P2C_VPN_REQUIRE_SYSTEM_TOOLS").is_some_and(|v| v == "1");
    assert!(
        !required,
        "{test}: `{program}` is not installed and P2C_VPN_REQUIRE_SYSTEM_TOOLS=1 (apt-get install it)"
    );
    // Past the test harness's capture: a skipped test is seen as such.
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED {test}: `{program}` is not installed (P2C_VPN_REQUIRE_SYSTEM_TOOLS=1 makes this a failure)"
    );
    false
}
