//! Credentials: environment (injected lookup, no process env mutation), INI
//! file, provider chain order, error messages, Debug redaction.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::path::Path;

use p2c_vpn_auth::{
    Credentials, CredentialsChain, CredentialsError, ENV_AK, ENV_CREDENTIALS_FILE, ENV_PROJECT_ID,
    ENV_SECURITY_TOKEN, ENV_SK, IamToken, Signer,
};
use secrecy::ExposeSecret;

fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + Send + Sync + 'static {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |k: &str| map.get(k).cloned()
}

fn write_file(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn env_full() {
    let c = Credentials::from_env_with(env(&[
        (ENV_AK, "AKENV"),
        (ENV_SK, "SKENV"),
        (ENV_SECURITY_TOKEN, "TOKENV"),
        (ENV_PROJECT_ID, "PROJENV"),
    ]))
    .unwrap()
    .expect("credentials");
    assert_eq!(c.access_key(), "AKENV");
    assert_eq!(c.secret_key().expose_secret(), "SKENV");
    assert_eq!(c.security_token().unwrap().expose_secret(), "TOKENV");
    assert_eq!(c.project_id(), Some("PROJENV"));
}

#[test]
fn env_absent_or_empty_is_none() {
    assert!(Credentials::from_env_with(env(&[])).unwrap().is_none());
    assert!(
        Credentials::from_env_with(env(&[(ENV_AK, ""), (ENV_SK, ""), (ENV_PROJECT_ID, "p")]))
            .unwrap()
            .is_none()
    );
}

#[test]
fn env_incomplete_names_missing_variable() {
    let e = Credentials::from_env_with(env(&[(ENV_AK, "AK")])).unwrap_err();
    assert_eq!(
        e.to_string(),
        "incomplete credentials in environment: missing HUAWEICLOUD_SDK_SK"
    );
    let e = Credentials::from_env_with(env(&[(ENV_SK, "SUPERSECRET")])).unwrap_err();
    assert_eq!(
        e.to_string(),
        "incomplete credentials in environment: missing HUAWEICLOUD_SDK_AK"
    );
    assert!(!format!("{e} {e:?}").contains("SUPERSECRET"));
}

#[test]
fn from_env_reads_process_env_without_mutating_it() {
    // The result depends on the machine; what must hold anywhere: `from_env` is
    // `from_env_with` over the process environment, and it changes no variable.
    let before: Vec<_> = std::env::vars_os().collect();
    let from_process = Credentials::from_env();
    assert_eq!(std::env::vars_os().collect::<Vec<_>>(), before);
    let from_lookup = Credentials::from_env_with(|name| std::env::var(name).ok());
    // `Debug` is redacted, and names the fields that are set.
    assert_eq!(format!("{from_process:?}"), format!("{from_lookup:?}"));
}

#[test]
fn file_parsing() {
    let dir = tempfile::tempdir().unwrap();
    let p = write_file(
        dir.path(),
        "credentials",
        "# comment\n[global]\nak = GLOBALAK\nsk = GLOBALSK\n\n[basic]\nAK = FILEAK\nsk=FILESK\nproject_id = FILEPROJ\nsecurity_token: FILETOKEN\n",
    );
    let c = Credentials::from_file(&p).unwrap();
    assert_eq!(c.access_key(), "FILEAK");
    assert_eq!(c.secret_key().expose_secret(), "FILESK");
    assert_eq!(c.project_id(), Some("FILEPROJ"));
    assert_eq!(c.security_token().unwrap().expose_secret(), "FILETOKEN");
}

#[test]
fn file_values_are_literal_like_configparser() {
    let dir = tempfile::tempdir().unwrap();
    let p = write_file(
        dir.path(),
        "credentials",
        "[basic]\nak = A\\K\nsk = \"quoted\" s\\k ; not a comment\n",
    );
    let c = Credentials::from_file(&p).unwrap();
    assert_eq!(c.access_key(), "A\\K");
    assert_eq!(
        c.secret_key().expose_secret(),
        "\"quoted\" s\\k ; not a comment"
    );
}

#[test]
fn file_errors_name_what_and_where() {
    let dir = tempfile::tempdir().unwrap();
    let p = write_file(dir.path(), "c1", "[basic]\nsk = FILESECRET\n");
    let e = Credentials::from_file(&p).unwrap_err();
    let msg = e.to_string();
    assert!(msg.contains("missing ak"), "{msg}");
    assert!(msg.contains(&p.display().to_string()), "{msg}");
    assert!(!msg.contains("FILESECRET") && !format!("{e:?}").contains("FILESECRET"));

    let p = write_file(dir.path(), "c2", "[basic]\nproject_id = x\n");
    let msg = Credentials::from_file(&p).unwrap_err().to_string();
    assert!(msg.contains("missing ak and sk"), "{msg}");

    let p = write_file(dir.path(), "c3", "[global]\nak = a\nsk = b\n");
    let e = Credentials::from_file(&p).unwrap_err();
    assert!(
        matches!(e, CredentialsError::MissingSection { .. }),
        "{e:?}"
    );
    assert!(e.to_string().contains("[basic]"));

    let p = write_file(dir.path(), "c4", "[basic\nak = a\nsk = SECRETSK\n");
    let e = Credentials::from_file(&p).unwrap_err();
    assert!(matches!(e, CredentialsError::Parse { .. }), "{e:?}");
    assert!(!format!("{e} {e:?}").contains("SECRETSK"));

    let missing = dir.path().join("nope");
    let e = Credentials::from_file(&missing).unwrap_err();
    assert!(matches!(e, CredentialsError::Io { .. }));
    assert!(e.to_string().contains("nope"));
}

#[test]
fn chain_order_explicit_env_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_file(
        dir.path(),
        "credentials",
        "[basic]\nak = FILEAK\nsk = FILESK\n",
    );
    let full_env = [(ENV_AK, "ENVAK"), (ENV_SK, "ENVSK")];

    // explicit beats env and file
    let c = CredentialsChain::default()
        .with_explicit(Some(Credentials::new("EXPAK", "EXPSK")))
        .with_env_lookup(env(&full_env))
        .with_file(&file)
        .resolve()
        .unwrap();
    assert_eq!(c.access_key(), "EXPAK");

    // env beats file
    let c = CredentialsChain::default()
        .with_explicit(None)
        .with_env_lookup(env(&full_env))
        .with_file(&file)
        .resolve()
        .unwrap();
    assert_eq!(c.access_key(), "ENVAK");

    // file last
    let c = CredentialsChain::default()
        .with_env_lookup(env(&[]))
        .with_file(&file)
        .resolve()
        .unwrap();
    assert_eq!(c.access_key(), "FILEAK");

    // file named by HUAWEICLOUD_SDK_CREDENTIALS_FILE
    let c = CredentialsChain::default()
        .with_env_lookup(env(&[(ENV_CREDENTIALS_FILE, file.to_str().unwrap())]))
        .resolve()
        .unwrap();
    assert_eq!(c.access_key(), "FILEAK");

    // default location under the home directory
    std::fs::create_dir(dir.path().join(".huaweicloud")).unwrap();
    std::fs::copy(&file, dir.path().join(".huaweicloud").join("credentials")).unwrap();
    let c = CredentialsChain::default()
        .with_env_lookup(env(&[]))
        .with_home_dir(Some(dir.path().to_owned()))
        .resolve()
        .unwrap();
    assert_eq!(c.access_key(), "FILEAK");

    // env disabled
    let c = CredentialsChain::default()
        .with_env_lookup(env(&full_env))
        .without_env()
        .with_file(&file)
        .resolve()
        .unwrap();
    assert_eq!(c.access_key(), "FILEAK");
}

#[test]
fn chain_not_found_says_where_it_looked() {
    let home = tempfile::tempdir().unwrap();
    let e = CredentialsChain::default()
        .with_env_lookup(env(&[]))
        .with_home_dir(Some(home.path().to_owned()))
        .resolve()
        .unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, CredentialsError::NotFound { .. }));
    assert!(msg.contains("explicit credentials (none given)"), "{msg}");
    assert!(
        msg.contains("HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK (not set)"),
        "{msg}"
    );
    let expected = home.path().join(".huaweicloud").join("credentials");
    assert!(
        msg.contains(&format!("{} (not found)", expected.display())),
        "{msg}"
    );

    let msg = CredentialsChain::default()
        .with_env_lookup(env(&[]))
        .with_home_dir(None)
        .resolve()
        .unwrap_err()
        .to_string();
    assert!(msg.contains("no home directory"), "{msg}");

    let msg = CredentialsChain::default()
        .without_env()
        .without_file()
        .resolve()
        .unwrap_err()
        .to_string();
    assert!(msg.contains("environment (disabled)") && msg.contains("credentials file (disabled)"));
}

#[test]
fn chain_half_configured_env_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_file(
        dir.path(),
        "credentials",
        "[basic]\nak = FILEAK\nsk = FILESK\n",
    );
    let e = CredentialsChain::default()
        .with_env_lookup(env(&[(ENV_AK, "ENVAK")]))
        .with_file(&file)
        .resolve()
        .unwrap_err();
    assert!(e.to_string().contains("missing HUAWEICLOUD_SDK_SK"), "{e}");

    // An explicitly named file that does not exist is an error, not a skip.
    let e = CredentialsChain::default()
        .with_env_lookup(env(&[(ENV_CREDENTIALS_FILE, "/nonexistent/creds")]))
        .resolve()
        .unwrap_err();
    assert!(matches!(e, CredentialsError::Io { .. }), "{e:?}");
    assert!(e.to_string().contains("/nonexistent/creds"));
}

#[test]
fn debug_is_redacted() {
    let c = Credentials::new("AKVISIBLE", "SKHIDDEN")
        .with_security_token("TOKHIDDEN")
        .with_project_id("PROJVISIBLE");
    let chain = CredentialsChain::default().with_explicit(Some(c.clone()));
    let signer = Signer::new(c.clone());
    let token = IamToken::new("IAMHIDDEN");
    let auth = p2c_vpn_auth::Auth::AkSk(signer.clone());
    let auth_tok = p2c_vpn_auth::Auth::Token(token.clone());
    for dbg in [
        format!("{c:?}"),
        format!("{c:#?}"),
        format!("{chain:?}"),
        format!("{signer:?}"),
        format!("{token:?}"),
        format!("{auth:?}"),
        format!("{auth_tok:?}"),
    ] {
        for secret in ["SKHIDDEN", "TOKHIDDEN", "IAMHIDDEN"] {
            assert!(!dbg.contains(secret), "{secret} leaked in {dbg}");
        }
    }
    assert!(format!("{c:?}").contains("AKVISIBLE"));
    assert!(format!("{c:?}").contains("[REDACTED]"));
    assert!(format!("{c:?}").contains("PROJVISIBLE"));
    assert!(format!("{signer:?}").contains("AKVISIBLE"));
}
