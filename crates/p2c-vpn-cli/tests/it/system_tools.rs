//! Tests that need a program of the system (a shell, groff, tmux): present, they run;
//! missing, they print one `SKIPPED` line and pass, unless `P2C_VPN_REQUIRE_SYSTEM_TOOLS=1`
//! (CI installs them), which makes it a failure. The rule is `p2c_vpn_mock::system_tool`'s,
//! the one every test crate uses.

/// Whether `program` is installed (on `PATH`, or named by `P2C_VPN_<PROGRAM>`); prints the
/// skip line (or fails under `P2C_VPN_REQUIRE_SYSTEM_TOOLS=1`) when it is not. The skip line
/// names the running test (the test thread's name).
pub fn available(program: &str) -> bool {
    let var = format!(
        "P2C_VPN_{}",
        program.to_ascii_uppercase().replace(['-', '.'], "_")
    );
    let install = format!("install it (Debian: apt-get install {program}; .ci/run does)");
    p2c_vpn_mock::system_tool(program, &var, &install).is_some()
}
