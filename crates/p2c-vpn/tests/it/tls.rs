//! An untrusted certificate is a clear error naming the host and the reason, and is not
//! retried (asking again only repeats the exposure).

use std::sync::Arc;
use std::time::Duration;

use p2c_vpn::{Client, Credentials, ErrorKind, RetryConfig};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// A TLS server on loopback with a self-signed certificate for `localhost`; counts the
/// handshakes it sees.
async fn self_signed_server() -> (u16, Arc<std::sync::atomic::AtomicUsize>) {
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).expect("cert");
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(cert.signing_key.serialize_der()));
    let chain = vec![CertificateDer::from(cert.cert.der().to_vec())];
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("protocols")
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .expect("server config");
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let handshakes = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = handshakes.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let _ = tokio::time::timeout(Duration::from_secs(5), acceptor.accept(socket)).await;
            });
        }
    });
    (port, handshakes)
}

#[tokio::test]
async fn an_untrusted_certificate_is_named_and_not_retried() {
    let (port, handshakes) = self_signed_server().await;
    let client = Client::builder()
        .endpoint(format!("https://localhost:{port}"))
        .project_id("0123456789abcdef0123456789abcdef")
        .credentials(Credentials::new("AK", "SK"))
        .retry(
            RetryConfig::default()
                .with_max_attempts(3)
                .with_base_delay(Duration::from_millis(5)),
        )
        .build()
        .expect("builds");
    let err = client
        .connections("0f2c5a4e-6b0d-4c5e-9a8f-1c2d3e4f5a6b")
        .send()
        .await
        .expect_err("untrusted");
    assert_eq!(err.kind(), ErrorKind::Connect);
    let msg = err.to_string();
    assert!(
        msg.contains("certificate for localhost not trusted: "),
        "{msg}"
    );
    assert!(
        !msg.contains("Error {") && !msg.contains("kind:"),
        "no Debug dump: {msg}"
    );
    assert_eq!(err.attempts(), 1, "not retried");
    assert_eq!(handshakes.load(std::sync::atomic::Ordering::SeqCst), 1);
}
