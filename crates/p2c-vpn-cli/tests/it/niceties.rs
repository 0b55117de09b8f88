//! Shell completions, the man page, and numeric flags whose errors name the flag.

use assert_cmd::Command;

fn p2c_vpn() -> Command {
    let mut cmd = Command::cargo_bin("p2c-vpn").expect("binary");
    cmd.env_clear();
    cmd
}

#[test]
fn completions_for_each_shell() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = p2c_vpn()
            .args(["completions", shell])
            .output()
            .expect("runs");
        assert!(out.status.success(), "{shell}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("p2c-vpn") && text.contains("disconnect"),
            "{shell}"
        );
    }
    let out = p2c_vpn()
        .args(["completions", "tcsh"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn the_man_page_documents_every_command() {
    let out = p2c_vpn().arg("man").output().expect("runs");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(".TH p2c-vpn 1"), "{text}");
    for word in [
        "gateways",
        "connections",
        "exporter",
        "EXIT STATUS",
        "ENVIRONMENT",
    ] {
        assert!(text.contains(word), "man page lacks {word}");
    }
}

#[test]
fn a_negative_number_names_its_flag() {
    for flag in ["--offset", "--limit", "--retries", "--max-body-bytes"] {
        let out = p2c_vpn()
            .args(["connections", "list", "--region", "cn-north-4", flag, "-1"])
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(2), "{flag}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(&format!("'{flag} <")), "{flag}: {stderr}");
    }
}

/// RUST_LOG is read without a regex engine (`filter::Targets`): directives work, and a
/// malformed value is named in a warning instead of being dropped silently.
#[test]
fn rust_log_directives_and_a_malformed_value() {
    let out = p2c_vpn()
        .env("RUST_LOG", "p2c_vpn=[")
        .args([
            "gateways",
            "list",
            "--endpoint",
            "http://127.0.0.1:9",
            "--project-id",
            "p",
        ])
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("RUST_LOG=\"p2c_vpn=[\" ignored"),
        "{stderr}"
    );

    let out = p2c_vpn()
        .env("RUST_LOG", "p2c_vpn=debug")
        .env("HUAWEICLOUD_SDK_AK", "AK")
        .env("HUAWEICLOUD_SDK_SK", "s3cr3t-sk-value")
        .args([
            "gateways",
            "list",
            "--endpoint",
            "http://127.0.0.1:9",
            "--project-id",
            "p",
            "--retries",
            "0",
        ])
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("DEBUG"), "debug events shown: {stderr}");
    assert!(!stderr.contains("s3cr3t"), "no secret: {stderr}");
}

/// The binary's IDNA back end (`idna_adapter = "~1.1"` in Cargo.toml: unicode-rs instead of
/// ICU4X) still maps Unicode host names as UTS 46 says: case folding, nontransitional `ß`,
/// Punycode. `--endpoint` URLs go through this same parser.
#[test]
fn unicode_endpoint_hosts_are_mapped_to_punycode() {
    for (url, host) in [
        ("https://Bücher.example/", "xn--bcher-kva.example"),
        ("https://faß.example/", "xn--fa-hia.example"),
        (
            "https://vpn.cn-north-4.myhuaweicloud.com/",
            "vpn.cn-north-4.myhuaweicloud.com",
        ),
    ] {
        let parsed = p2c_vpn::reqwest::Url::parse(url).expect(url);
        assert_eq!(parsed.host_str(), Some(host), "{url}");
    }
}
