//! Credentials hardening (issue #12): the file size cap (`/dev/zero`, a 65 KiB
//! file), a UTF-8 BOM, duplicate keys and sections, trimmed environment
//! values, and one precedence rule for every value including the project id
//! (signed as `X-Project-Id`). The environment is injected (no process env
//! mutation), as in `credentials.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use p2c_vpn_auth::{
    Credentials, CredentialsChain, CredentialsError, ENV_AK, ENV_CREDENTIALS_FILE, ENV_PROJECT_ID,
    ENV_SECURITY_TOKEN, ENV_SK, Signer,
};
use secrecy::ExposeSecret;

fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + Send + Sync + 'static {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |k: &str| map.get(k).cloned()
}

fn write_file(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// Every rendering of an error, for leak checks.
fn renderings(e: &CredentialsError) -> String {
    format!("{e} | {e:?} | {e:#?}")
}

// ---- size cap ----

#[cfg(unix)]
#[test]
fn dev_zero_fails_with_a_clear_error() {
    // Without the cap, reading /dev/zero never ends: the test ending with `TooLarge` is the
    // check (no clock).
    let e = Credentials::from_file(Path::new("/dev/zero")).unwrap_err();
    assert!(
        matches!(e, CredentialsError::TooLarge { limit, .. } if limit == Credentials::MAX_FILE_SIZE),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        "credentials file /dev/zero is larger than 65536 bytes: not a credentials file"
    );

    // The same through the chain, with the file named by the variable.
    let e = CredentialsChain::default()
        .with_env_lookup(env(&[(ENV_CREDENTIALS_FILE, "/dev/zero")]))
        .resolve()
        .unwrap_err();
    assert!(matches!(e, CredentialsError::TooLarge { .. }), "{e:?}");
    // Also when only the project id is looked for in the file: a file that
    // is there must be sane.
    let e = CredentialsChain::default()
        .with_env_lookup(env(&[
            (ENV_AK, "AK"),
            (ENV_SK, "SK"),
            (ENV_CREDENTIALS_FILE, "/dev/zero"),
        ]))
        .resolve()
        .unwrap_err();
    assert!(matches!(e, CredentialsError::TooLarge { .. }), "{e:?}");
}

#[test]
fn a_65_kib_file_is_too_large_and_64_kib_is_fine() {
    let dir = tempfile::tempdir().unwrap();
    let head = "[basic]\nak = AK\nsk = FILESECRET\n";
    let pad = |total: usize| {
        let mut text = head.to_owned();
        // Comment lines up to `total` bytes.
        while text.len() < total {
            let room = total - text.len();
            let line = "#".repeat(room.min(80).saturating_sub(1));
            text.push_str(&line);
            text.push('\n');
        }
        assert_eq!(text.len(), total);
        text
    };
    let big = write_file(dir.path(), "big", &pad(65 * 1024));
    let e = Credentials::from_file(&big).unwrap_err();
    assert!(matches!(e, CredentialsError::TooLarge { .. }), "{e:?}");
    assert!(e.to_string().contains(&big.display().to_string()));
    assert!(!renderings(&e).contains("FILESECRET"));

    let just_over = write_file(dir.path(), "over", &pad(64 * 1024 + 1));
    assert!(matches!(
        Credentials::from_file(&just_over).unwrap_err(),
        CredentialsError::TooLarge { .. }
    ));

    let at_cap = write_file(dir.path(), "at-cap", &pad(64 * 1024));
    let c = Credentials::from_file(&at_cap).unwrap();
    assert_eq!(c.access_key(), "AK");
}

#[test]
fn a_directory_or_non_utf8_file_is_an_io_error() {
    let dir = tempfile::tempdir().unwrap();
    let e = Credentials::from_file(dir.path()).unwrap_err();
    assert!(matches!(e, CredentialsError::Io { .. }), "{e:?}");

    let p = dir.path().join("latin1");
    std::fs::write(&p, b"[basic]\nak = AK\nsk = S\xe9CRET\n").unwrap();
    let e = Credentials::from_file(&p).unwrap_err();
    assert!(matches!(e, CredentialsError::Io { .. }), "{e:?}");
    assert!(e.to_string().contains("not valid UTF-8"), "{e}");
    assert!(!renderings(&e).contains("CRET"));
}

// ---- BOM, duplicates ----

#[test]
fn a_utf8_bom_is_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let p = write_file(
        dir.path(),
        "credentials",
        "\u{feff}[basic]\r\nak = BOMAK\r\nsk = BOMSK\r\nproject_id = BOMPROJ\r\n",
    );
    let c = Credentials::from_file(&p).unwrap();
    assert_eq!(c.access_key(), "BOMAK");
    assert_eq!(c.secret_key().expose_secret(), "BOMSK");
    assert_eq!(c.project_id(), Some("BOMPROJ"));
    let c = Credentials::from_ini_str("\u{feff}[basic]\nak=A\nsk=S\n", &p).unwrap();
    assert_eq!(c.access_key(), "A");
}

#[test]
fn a_duplicate_key_is_an_error_naming_the_key_and_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let p = write_file(
        dir.path(),
        "credentials",
        "[basic]\nak = AK\nsk = SECRETONE\nproject_id = P\nSK = SECRETTWO\n",
    );
    let e = Credentials::from_file(&p).unwrap_err();
    match &e {
        CredentialsError::DuplicateKey { key, path, section } => {
            assert_eq!(key, "sk");
            assert_eq!(path, &p);
            assert_eq!(*section, "basic");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        e.to_string(),
        format!(
            "credentials file {} has key `sk` more than once in [basic]",
            p.display()
        )
    );
    let all = renderings(&e);
    for secret in ["SECRETONE", "SECRETTWO", "AK =", "project_id"] {
        assert!(!all.contains(secret), "{secret} in {all}");
    }

    // An empty duplicate counts too (configparser's strict mode agrees).
    let p = write_file(dir.path(), "c2", "[basic]\nak =\nak = AK\nsk = S\n");
    assert!(matches!(
        Credentials::from_file(&p).unwrap_err(),
        CredentialsError::DuplicateKey { key, .. } if key == "ak"
    ));

    // The same key in another section is fine.
    let p = write_file(
        dir.path(),
        "c3",
        "[other]\nak = X\n[basic]\nak = AK\nsk = S\n",
    );
    assert_eq!(Credentials::from_file(&p).unwrap().access_key(), "AK");

    // [basic] twice.
    let p = write_file(
        dir.path(),
        "c4",
        "[basic]\nak = AK\n[other]\nx = y\n[basic]\nsk = SECRETSK\n",
    );
    let e = Credentials::from_file(&p).unwrap_err();
    assert!(
        matches!(e, CredentialsError::DuplicateSection { .. }),
        "{e:?}"
    );
    assert!(e.to_string().contains("more than one [basic]"), "{e}");
    assert!(!renderings(&e).contains("SECRETSK"));
}

// ---- trimming ----

#[test]
fn environment_values_are_trimmed_like_file_values() {
    let c = Credentials::from_env_with(env(&[
        (ENV_AK, "  AKENV\n"),
        (ENV_SK, "\tSKENV "),
        (ENV_SECURITY_TOKEN, " TOK\r\n"),
        (ENV_PROJECT_ID, " PROJ "),
    ]))
    .unwrap()
    .unwrap();
    assert_eq!(c.access_key(), "AKENV");
    assert_eq!(c.secret_key().expose_secret(), "SKENV");
    assert_eq!(c.security_token().unwrap().expose_secret(), "TOK");
    assert_eq!(c.project_id(), Some("PROJ"));

    // Blank counts as absent.
    assert!(
        Credentials::from_env_with(env(&[(ENV_AK, "  "), (ENV_SK, "\n")]))
            .unwrap()
            .is_none()
    );
    let c = Credentials::from_env_with(env(&[
        (ENV_AK, "A"),
        (ENV_SK, "S"),
        (ENV_SECURITY_TOKEN, "   "),
        (ENV_PROJECT_ID, "\t"),
    ]))
    .unwrap()
    .unwrap();
    assert!(c.security_token().is_none());
    assert_eq!(c.project_id(), None);
    // An AK with a blank SK is half a pair.
    let e = Credentials::from_env_with(env(&[(ENV_AK, "A"), (ENV_SK, "  ")])).unwrap_err();
    assert!(e.to_string().contains("missing HUAWEICLOUD_SDK_SK"), "{e}");

    // The file's values the same way, and the variable naming the file.
    let dir = tempfile::tempdir().unwrap();
    let p = write_file(
        dir.path(),
        "credentials",
        "[basic]\nak =   FILEAK  \nsk = FILESK\t\nproject_id =   \n",
    );
    let c = CredentialsChain::default()
        .with_env_lookup(env(&[(
            ENV_CREDENTIALS_FILE,
            &format!("  {}\n", p.display()),
        )]))
        .resolve()
        .unwrap();
    assert_eq!(c.access_key(), "FILEAK");
    assert_eq!(c.secret_key().expose_secret(), "FILESK");
    assert_eq!(c.project_id(), None);
}

// ---- precedence ----

/// The `X-Project-Id` a request signed with `c` carries.
fn signed_project(c: Credentials) -> Option<String> {
    let url =
        url::Url::parse("https://vpn.example.com/v5/p/p2c-vpn-gateways/g/connections").unwrap();
    let mut headers = http::HeaderMap::new();
    Signer::new(c)
        .sign(&http::Method::GET, &url, &mut headers, b"")
        .unwrap();
    headers
        .get("x-project-id")
        .map(|v| v.to_str().unwrap().to_owned())
}

#[test]
fn project_id_explicit_beats_env_beats_file_field_by_field() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_file(
        dir.path(),
        "credentials",
        "[basic]\nak = FILEAK\nsk = FILESK\nproject_id = R\n",
    );
    let chain = |pairs: &[(&str, &str)]| {
        CredentialsChain::default()
            .with_env_lookup(env(pairs))
            .with_file(&file)
    };

    // The environment holds only the project id: AK/SK from the file, the
    // project from the environment.
    let c = chain(&[(ENV_PROJECT_ID, "Q")]).resolve().unwrap();
    assert_eq!(c.access_key(), "FILEAK");
    assert_eq!(c.project_id(), Some("Q"));
    assert_eq!(signed_project(c).as_deref(), Some("Q"));

    // Everything in the environment: it wins whole.
    let c = chain(&[(ENV_AK, "ENVAK"), (ENV_SK, "ENVSK"), (ENV_PROJECT_ID, "Q")])
        .resolve()
        .unwrap();
    assert_eq!((c.access_key(), c.project_id()), ("ENVAK", Some("Q")));

    // AK/SK in the environment, no project there: the file's project.
    let c = chain(&[(ENV_AK, "ENVAK"), (ENV_SK, "ENVSK")])
        .resolve()
        .unwrap();
    assert_eq!((c.access_key(), c.project_id()), ("ENVAK", Some("R")));

    // An explicit project id beats the environment's and the file's.
    let c = chain(&[(ENV_PROJECT_ID, "Q")])
        .with_project_id(Some("P".to_owned()))
        .resolve()
        .unwrap();
    assert_eq!((c.access_key(), c.project_id()), ("FILEAK", Some("P")));
    assert_eq!(signed_project(c).as_deref(), Some("P"));

    // Explicit credentials: their project id beats the environment's...
    let c = chain(&[(ENV_PROJECT_ID, "Q")])
        .with_explicit(Some(
            Credentials::new("EXPAK", "EXPSK").with_project_id("E"),
        ))
        .resolve()
        .unwrap();
    assert_eq!((c.access_key(), c.project_id()), ("EXPAK", Some("E")));
    // ...an explicit project id beats theirs...
    let c = chain(&[(ENV_PROJECT_ID, "Q")])
        .with_explicit(Some(
            Credentials::new("EXPAK", "EXPSK").with_project_id("E"),
        ))
        .with_project_id(Some("P".to_owned()))
        .resolve()
        .unwrap();
    assert_eq!(c.project_id(), Some("P"));
    // ...and without one, the environment's, then the file's, apply.
    let c = chain(&[(ENV_PROJECT_ID, "Q")])
        .with_explicit(Some(Credentials::new("EXPAK", "EXPSK")))
        .resolve()
        .unwrap();
    assert_eq!((c.access_key(), c.project_id()), ("EXPAK", Some("Q")));
    let c = chain(&[])
        .with_explicit(Some(Credentials::new("EXPAK", "EXPSK")))
        .resolve()
        .unwrap();
    assert_eq!((c.access_key(), c.project_id()), ("EXPAK", Some("R")));

    // A blank explicit project id is no project id.
    let c = chain(&[(ENV_PROJECT_ID, "Q")])
        .with_project_id(Some("  ".to_owned()))
        .resolve()
        .unwrap();
    assert_eq!(c.project_id(), Some("Q"));

    // Environment disabled: the file's.
    let c = chain(&[(ENV_PROJECT_ID, "Q")])
        .without_env()
        .resolve()
        .unwrap();
    assert_eq!(c.project_id(), Some("R"));
}

#[test]
fn the_security_token_stays_with_its_ak_sk() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_file(
        dir.path(),
        "credentials",
        "[basic]\nak = FILEAK\nsk = FILESK\nsecurity_token = FILETOKEN\n",
    );
    // A token in the environment without an AK/SK does not join the file's
    // pair (it belongs to other temporary credentials).
    let c = CredentialsChain::default()
        .with_env_lookup(env(&[(ENV_SECURITY_TOKEN, "ENVTOKEN")]))
        .with_file(&file)
        .resolve()
        .unwrap();
    assert_eq!(c.access_key(), "FILEAK");
    assert_eq!(c.security_token().unwrap().expose_secret(), "FILETOKEN");
    // And the file's token never joins the environment's pair.
    let c = CredentialsChain::default()
        .with_env_lookup(env(&[(ENV_AK, "ENVAK"), (ENV_SK, "ENVSK")]))
        .with_file(&file)
        .resolve()
        .unwrap();
    assert_eq!(c.access_key(), "ENVAK");
    assert!(c.security_token().is_none());
}

#[test]
fn a_file_read_only_for_the_project_id() {
    let dir = tempfile::tempdir().unwrap();
    let pair = [(ENV_AK, "ENVAK"), (ENV_SK, "ENVSK")];

    // Not there, or without [basic]: no project id, no error.
    let c = CredentialsChain::default()
        .with_env_lookup(env(&pair))
        .with_file(dir.path().join("missing"))
        .resolve()
        .unwrap();
    assert_eq!((c.access_key(), c.project_id()), ("ENVAK", None));
    let other = write_file(dir.path(), "other", "[global]\nproject_id = G\n");
    let c = CredentialsChain::default()
        .with_env_lookup(env(&pair))
        .with_file(&other)
        .resolve()
        .unwrap();
    assert_eq!(c.project_id(), None);

    // Only a project id in the file (no AK/SK): that is enough here.
    let only = write_file(dir.path(), "only", "[basic]\nproject_id = R\n");
    let c = CredentialsChain::default()
        .with_env_lookup(env(&pair))
        .with_file(&only)
        .resolve()
        .unwrap();
    assert_eq!(c.project_id(), Some("R"));

    // Broken: an error, naming the key and not the values.
    let dup = write_file(
        dir.path(),
        "dup",
        "[basic]\nproject_id = R\nproject_id = R2\n",
    );
    let e = CredentialsChain::default()
        .with_env_lookup(env(&pair))
        .with_file(&dup)
        .resolve()
        .unwrap_err();
    assert!(
        matches!(e, CredentialsError::DuplicateKey { ref key, .. } if key == "project_id"),
        "{e:?}"
    );

    // Not read at all when the environment has everything.
    let c = CredentialsChain::default()
        .with_env_lookup(env(&[
            (ENV_AK, "ENVAK"),
            (ENV_SK, "ENVSK"),
            (ENV_PROJECT_ID, "Q"),
        ]))
        .with_file(&dup)
        .resolve()
        .unwrap();
    assert_eq!(c.project_id(), Some("Q"));
}
