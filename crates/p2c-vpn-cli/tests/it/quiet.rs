//! Quiet, uniform messages: without -v, a failure is the CLI's one error line (no
//! third-party log line, no URL or error chain), and a warning reads `p2c-vpn: warning:`
//! like every other; with -v the details are there.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use crate::common::{Mock, bare_cmd, stderr};

/// A TLS server on loopback with a self-signed certificate for `localhost` (which no
/// client trusts), on its own runtime; its port.
fn untrusted_tls_server() -> (u16, tokio::runtime::Runtime) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(cert.signing_key.serialize_der()));
    let chain = vec![CertificateDer::from(cert.cert.der().to_vec())];
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .unwrap();
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let port = listener.local_addr().unwrap().port();
    rt.spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // A hang guard, not a time bound.
                let _ =
                    tokio::time::timeout(Duration::from_secs(60), acceptor.accept(socket)).await;
            });
        }
    });
    (port, rt)
}

#[test]
fn an_untrusted_certificate_is_one_line_without_third_party_logs() {
    let (port, _server) = untrusted_tls_server();
    let endpoint = format!("https://localhost:{port}");
    let run = |verbose: bool| {
        let mut cmd = bare_cmd();
        cmd.env("HUAWEICLOUD_SDK_AK", "AK")
            .env("HUAWEICLOUD_SDK_SK", "SK")
            .args(["gateways", "list", "--endpoint", &endpoint])
            .args(["--project-id", "p", "--retries", "0"]);
        if verbose {
            cmd.arg("-v");
        }
        cmd.output().unwrap()
    };

    let out = run(false);
    assert_eq!(out.status.code(), Some(5), "{out:?}");
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "one line:\n{err}");
    assert!(
        err.starts_with("p2c-vpn: error: cannot connect: certificate for localhost not trusted"),
        "{err}"
    );
    assert!(!err.contains("rustls") && !err.contains("ERROR"), "{err}");

    // The verifier's own log line is there at -v, where third-party logs belong, as a log
    // line: the CLI's error is still the one `p2c-vpn: error:` line.
    let err = stderr(&run(true));
    assert!(err.contains("rustls_platform_verifier"), "{err}");
    let errors = err.lines().filter(|l| l.starts_with("p2c-vpn: error:"));
    assert_eq!(errors.count(), 1, "{err}");
}

#[test]
fn the_credentials_file_warning_reads_like_every_warning() {
    use std::os::unix::fs::PermissionsExt as _;
    let mock = Mock::deterministic();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("credentials");
    std::fs::write(
        &file,
        format!(
            "[basic]\nak = {}\nsk = {}\nproject_id = {}\n",
            mock.server.credentials().access_key(),
            p2c_vpn_mock::DEFAULT_SECRET_KEY,
            mock.server.project_id()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();

    let out = bare_cmd()
        .env("HUAWEICLOUD_SDK_CREDENTIALS_FILE", &file)
        .args(["gateways", "list", "--endpoint", mock.server.base_url()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "one warning:\n{err}");
    assert!(
        err.starts_with("p2c-vpn: warning: credentials file ")
            && err.contains("(mode 0644)")
            && err.contains("chmod 600"),
        "{err}"
    );
    assert!(
        !err.contains("WARN") && !err.contains("p2c_vpn_auth"),
        "{err}"
    );
}

#[test]
fn a_network_error_is_one_line_naming_host_and_cause() {
    let run = |extra: &[&str]| {
        bare_cmd()
            .env("HUAWEICLOUD_SDK_AK", "AK")
            .env("HUAWEICLOUD_SDK_SK", "SK")
            // Port 9 (discard) on loopback: nothing listens there.
            .args(["gateways", "list", "--endpoint", "http://127.0.0.1:9"])
            .args(["--project-id", "p"])
            .args(extra)
            .output()
            .unwrap()
    };
    let out = run(&["--retries", "0"]);
    assert_eq!(out.status.code(), Some(5), "{out:?}");
    assert_eq!(
        stderr(&out),
        "p2c-vpn: error: cannot connect to 127.0.0.1:9: connection refused\n"
    );

    let out = run(&["--retries", "1"]);
    assert_eq!(out.status.code(), Some(5), "{out:?}");
    assert_eq!(
        stderr(&out),
        "p2c-vpn: error: cannot connect to 127.0.0.1:9: connection refused (after 2 attempts)\n"
    );

    // The whole chain, URL included, with -v.
    let out = run(&["--retries", "0", "-v"]);
    assert_eq!(out.status.code(), Some(5), "{out:?}");
    let err = stderr(&out);
    let line = err
        .lines()
        .find(|l| l.starts_with("p2c-vpn: error: "))
        .unwrap_or_else(|| panic!("{err}"));
    assert!(
        line.contains("http://127.0.0.1:9/v5/p/p2c-vpn-gateways") && line.contains("os error"),
        "{line}"
    );
}
