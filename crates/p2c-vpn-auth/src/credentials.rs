//! Credentials (AK/SK, optional security token and project id) and where to
//! find them: explicit values, environment variables, the credentials file.
//!
//! Names and semantics follow the official SDK's `EnvCredentialProvider` and
//! `ProfileCredentialProvider`: the file is INI with a `[basic]` section, keys
//! are case-insensitive. Values from the environment and the file are trimmed
//! alike (as Python's `str.strip()`), and a value empty after trimming counts
//! as unset.
//!
//! The file is read defensively: only a regular file (a directory, a FIFO, a
//! socket or a device such as `/dev/zero` is refused before it is opened, so
//! nothing can block), at most [`Credentials::MAX_FILE_SIZE`] bytes (a larger
//! file is an error after reading one byte past the cap), a UTF-8 byte-order
//! mark is accepted, a key
//! given twice in `[basic]` (or `[basic]` given twice) is an error naming it,
//! and on Unix a file that group or others can access gets a `tracing`
//! warning, as ssh gives for private keys.

mod read;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use secrecy::{ExposeSecret, SecretString};

use read::read_capped;
#[cfg(test)]
use read::too_open_warning;

/// Environment variable holding the access key (AK).
pub const ENV_AK: &str = "HUAWEICLOUD_SDK_AK";
/// Environment variable holding the secret key (SK).
pub const ENV_SK: &str = "HUAWEICLOUD_SDK_SK";
/// Environment variable holding a temporary security token.
pub const ENV_SECURITY_TOKEN: &str = "HUAWEICLOUD_SDK_SECURITY_TOKEN";
/// Environment variable holding the project id.
pub const ENV_PROJECT_ID: &str = "HUAWEICLOUD_SDK_PROJECT_ID";
/// Environment variable naming the credentials file.
pub const ENV_CREDENTIALS_FILE: &str = "HUAWEICLOUD_SDK_CREDENTIALS_FILE";

/// Reads one environment variable: `Ok(None)` when unset, an error naming it when it is
/// not Unicode. The one place the workspace reads the process environment (the
/// credentials chain here, region and endpoints in `p2c-vpn`); callers decide about
/// surrounding whitespace.
pub fn env_var(name: &str) -> Result<Option<String>, CredentialsError> {
    match std::env::var(name) {
        Ok(v) => Ok(Some(v)),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => Err(CredentialsError::NotUnicode {
            variable: name.to_owned(),
        }),
    }
}
/// Section of the credentials file holding regional (project) credentials.
pub const FILE_SECTION: &str = "basic";

/// An AK/SK pair with an optional security token (temporary credentials) and
/// project id. `Debug` shows the AK and the project id, never the SK or token.
#[derive(Clone)]
pub struct Credentials {
    ak: String,
    sk: SecretString,
    security_token: Option<SecretString>,
    project_id: Option<String>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("ak", &self.ak)
            .field("sk", &"[REDACTED]")
            .field(
                "security_token",
                &self.security_token.as_ref().map(|_| "[REDACTED]"),
            )
            .field("project_id", &self.project_id)
            .finish()
    }
}

/// Why credentials could not be loaded. Messages name variables, files and
/// keys, never secret values.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CredentialsError {
    /// A source holds some but not all required pieces.
    #[error("incomplete credentials in {location}: missing {missing}")]
    Incomplete {
        /// Where they were read (e.g. `environment` or a file path).
        location: String,
        /// What is missing (variable or key names).
        missing: String,
    },
    /// An environment variable is set but is not valid Unicode.
    #[error("environment variable {variable} is not valid Unicode")]
    NotUnicode {
        /// The variable.
        variable: String,
    },
    /// The credentials file could not be read.
    #[error("cannot read credentials file {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The credentials file is not valid INI (position only, no content).
    #[error("credentials file {} is not valid INI (line {line}, column {col})", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        col: usize,
    },
    /// The credentials file is larger than [`Credentials::MAX_FILE_SIZE`].
    #[error("credentials file {} is larger than {limit} bytes: not a credentials file", path.display())]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// The cap, in bytes.
        limit: u64,
    },
    /// A key appears more than once in the credentials file's section (key
    /// names compared case-insensitively, as the file's keys are).
    #[error("credentials file {} has key `{key}` more than once in [{section}]", path.display())]
    DuplicateKey {
        /// The file.
        path: PathBuf,
        /// The section.
        section: &'static str,
        /// The key, lower-cased.
        key: String,
    },
    /// The credentials file has the section more than once.
    #[error("credentials file {} has more than one [{section}] section", path.display())]
    DuplicateSection {
        /// The file.
        path: PathBuf,
        /// The section.
        section: &'static str,
    },
    /// The credentials file has no `[basic]` section.
    #[error("credentials file {} has no [{section}] section", path.display())]
    MissingSection {
        /// The file.
        path: PathBuf,
        /// The section looked for.
        section: &'static str,
    },
    /// No source gave credentials.
    #[error("no Huawei Cloud credentials found; looked in: {}", looked.join("; "))]
    NotFound {
        /// Each source tried, with what was found there.
        looked: Vec<String>,
    },
}

/// Trims like Python's `str.strip()` (Unicode white space plus the ASCII
/// separators U+001C..U+001F); `None` when nothing is left.
fn clean(v: Option<String>) -> Option<String> {
    let v = v?;
    let trimmed = v.trim_matches(|c: char| c.is_whitespace() || ('\x1c'..='\x1f').contains(&c));
    if trimmed.is_empty() {
        None
    } else if trimmed.len() == v.len() {
        Some(v)
    } else {
        Some(trimmed.to_owned())
    }
}

/// What one source holds; any piece may be missing.
#[derive(Default)]
struct Found {
    ak: Option<String>,
    sk: Option<String>,
    security_token: Option<String>,
    project_id: Option<String>,
}

impl Found {
    /// The AK/SK pair (with its token and the project id) as credentials:
    /// `Ok(None)` when neither AK nor SK is there, an error naming what is
    /// missing when only one is.
    fn into_credentials(
        self,
        location: impl FnOnce() -> String,
        names: [&str; 2],
    ) -> Result<Option<Credentials>, CredentialsError> {
        let (ak, sk) = match (self.ak, self.sk) {
            (None, None) => return Ok(None),
            (Some(ak), Some(sk)) => (ak, sk),
            (ak, _) => {
                return Err(CredentialsError::Incomplete {
                    location: location(),
                    missing: if ak.is_none() { names[0] } else { names[1] }.to_owned(),
                });
            }
        };
        let mut c = Credentials::new(ak, sk);
        c.security_token = self.security_token.map(SecretString::from);
        c.project_id = self.project_id;
        Ok(Some(c))
    }
}

impl Credentials {
    /// Credentials from an access key and a secret key.
    pub fn new(ak: impl Into<String>, sk: impl Into<String>) -> Self {
        Self {
            ak: ak.into(),
            sk: SecretString::from(sk.into()),
            security_token: None,
            project_id: None,
        }
    }

    /// Adds a security token (temporary AK/SK); it is sent as
    /// `X-Security-Token` and signed.
    pub fn with_security_token(mut self, token: impl Into<String>) -> Self {
        self.security_token = Some(SecretString::from(token.into()));
        self
    }

    /// Adds a project id; the signer sends it as `X-Project-Id` (signed), as
    /// the official SDK does.
    pub fn with_project_id(mut self, id: impl Into<String>) -> Self {
        self.project_id = Some(id.into());
        self
    }

    /// The access key (AK). Not a secret.
    pub fn access_key(&self) -> &str {
        &self.ak
    }

    /// The project id, if any.
    pub fn project_id(&self) -> Option<&str> {
        self.project_id.as_deref()
    }

    /// The secret key (SK), kept wrapped.
    pub fn secret_key(&self) -> &SecretString {
        &self.sk
    }

    /// The security token, if any, kept wrapped.
    pub fn security_token(&self) -> Option<&SecretString> {
        self.security_token.as_ref()
    }

    /// Reads `HUAWEICLOUD_SDK_AK`, `HUAWEICLOUD_SDK_SK`,
    /// `HUAWEICLOUD_SDK_SECURITY_TOKEN` and `HUAWEICLOUD_SDK_PROJECT_ID`.
    ///
    /// Values are trimmed (as the file's are); `Ok(None)` when neither AK nor
    /// SK is set (empty after trimming counts as unset); an error when only
    /// one of them is, or a variable is not Unicode.
    pub fn from_env() -> Result<Option<Self>, CredentialsError> {
        Self::from_lookup(&env_var)
    }

    /// Like [`from_env`](Self::from_env) with an injected variable lookup
    /// (for tests, or configuration that is not the process environment).
    pub fn from_env_with(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<Self>, CredentialsError> {
        Self::from_lookup(&|name: &str| Ok(lookup(name)))
    }

    fn from_lookup(
        lookup: &dyn Fn(&str) -> Result<Option<String>, CredentialsError>,
    ) -> Result<Option<Self>, CredentialsError> {
        env_found(lookup)?.into_credentials(|| "environment".to_owned(), [ENV_AK, ENV_SK])
    }

    /// The largest credentials file read, in bytes (64 KiB). A larger file
    /// is an error ([`CredentialsError::TooLarge`]), found after reading at
    /// most one byte more, whatever the file is (a device, a pipe).
    pub const MAX_FILE_SIZE: u64 = 64 * 1024;

    /// Reads an INI credentials file: section `[basic]`, keys `ak`, `sk`,
    /// `project_id`, `security_token` (key names case-insensitive, `=` or `:`
    /// delimiters, values taken literally — no quote or backslash processing,
    /// as with Python's `configparser` — trimmed, and empty values count as
    /// missing).
    ///
    /// At most [`MAX_FILE_SIZE`](Self::MAX_FILE_SIZE) bytes; a UTF-8 BOM is
    /// accepted; a key given twice in `[basic]` is an error naming the key.
    /// On Unix, a file that group or others can access is read with a
    /// `tracing` warning suggesting `chmod 600`.
    pub fn from_file(path: &Path) -> Result<Self, CredentialsError> {
        let text = read_capped(path)?;
        Self::from_ini_str(&text, path)
    }

    /// Parses credentials-file text; `path` only names it in errors.
    pub fn from_ini_str(text: &str, path: &Path) -> Result<Self, CredentialsError> {
        Self::from_found_file(parse_file(text, path)?, path)
    }

    /// Reads the default credentials file: the one named by
    /// `HUAWEICLOUD_SDK_CREDENTIALS_FILE`, else `~/.huaweicloud/credentials`.
    ///
    /// `Ok(None)` when the default file does not exist; an error when a file
    /// named by the variable does not exist, or a file is unreadable or
    /// incomplete.
    pub fn from_default_file() -> Result<Option<Self>, CredentialsError> {
        let var = env_var(ENV_CREDENTIALS_FILE)?;
        match default_file_location(var, std::env::home_dir()) {
            FileLocation::Explicit(p) => Self::from_file(&p).map(Some),
            FileLocation::Default(p) => match read_found_if_exists(&p)? {
                Some(found) => Self::from_found_file(found, &p).map(Some),
                None => Ok(None),
            },
            FileLocation::NoHome => Ok(None),
        }
    }

    /// Credentials from a file's values: the AK/SK pair is required.
    fn from_found_file(found: Found, path: &Path) -> Result<Self, CredentialsError> {
        let location = || format!("credentials file {} [{FILE_SECTION}]", path.display());
        found
            .into_credentials(location, ["ak", "sk"])?
            .ok_or_else(|| CredentialsError::Incomplete {
                location: location(),
                missing: "ak and sk".to_owned(),
            })
    }
}

/// The values of an environment (`lookup`), trimmed.
fn env_found(
    lookup: &dyn Fn(&str) -> Result<Option<String>, CredentialsError>,
) -> Result<Found, CredentialsError> {
    Ok(Found {
        ak: clean(lookup(ENV_AK)?),
        sk: clean(lookup(ENV_SK)?),
        security_token: clean(lookup(ENV_SECURITY_TOKEN)?),
        project_id: clean(lookup(ENV_PROJECT_ID)?),
    })
}

/// The `[basic]` values of credentials-file text.
fn parse_file(text: &str, path: &Path) -> Result<Found, CredentialsError> {
    // Editors on Windows save UTF-8 with a byte-order mark.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // Like Python's configparser: no quote or backslash processing.
    let opt = ini::ParseOption {
        enabled_quote: false,
        enabled_escape: false,
        ..ini::ParseOption::default()
    };
    let ini = ini::Ini::load_from_str_opt(text, opt).map_err(|e| CredentialsError::Parse {
        path: path.to_owned(),
        line: e.line,
        col: e.col,
    })?;
    let mut sections = ini.section_all(Some(FILE_SECTION));
    let section = sections
        .next()
        .ok_or_else(|| CredentialsError::MissingSection {
            path: path.to_owned(),
            section: FILE_SECTION,
        })?;
    if sections.next().is_some() {
        return Err(CredentialsError::DuplicateSection {
            path: path.to_owned(),
            section: FILE_SECTION,
        });
    }
    // Like configparser's strict mode: a key given twice is a mistake to
    // report, not a choice to make silently (keys are case-insensitive).
    let mut seen: Vec<String> = Vec::new();
    for (key, _) in section.iter() {
        let key = key.to_lowercase();
        if seen.contains(&key) {
            return Err(CredentialsError::DuplicateKey {
                path: path.to_owned(),
                section: FILE_SECTION,
                key,
            });
        }
        seen.push(key);
    }
    let get = |key: &str| {
        section
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .and_then(|(_, v)| clean(Some(v.to_owned())))
    };
    Ok(Found {
        ak: get("ak"),
        sk: get("sk"),
        security_token: get("security_token"),
        project_id: get("project_id"),
    })
}

/// Reads the file's values; `Ok(None)` when it does not exist.
fn read_found_if_exists(path: &Path) -> Result<Option<Found>, CredentialsError> {
    match read_capped(path) {
        Ok(text) => parse_file(&text, path).map(Some),
        Err(CredentialsError::Io { source, .. })
            if source.kind() == std::io::ErrorKind::NotFound =>
        {
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

enum FileLocation {
    Explicit(PathBuf),
    Default(PathBuf),
    NoHome,
}

fn default_file_location(var: Option<String>, home: Option<PathBuf>) -> FileLocation {
    if let Some(p) = clean(var) {
        return FileLocation::Explicit(PathBuf::from(p));
    }
    match home {
        Some(h) => FileLocation::Default(h.join(".huaweicloud").join("credentials")),
        None => FileLocation::NoHome,
    }
}

type Lookup = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// Where the chain looks for a credentials file.
#[derive(Clone, Debug)]
enum FileSource {
    /// `HUAWEICLOUD_SDK_CREDENTIALS_FILE`, else `<home>/.huaweicloud/credentials`.
    Default,
    /// This file (must exist).
    Path(PathBuf),
    /// No file.
    Disabled,
}

/// Provider chain: explicit values, then the environment, then the
/// credentials file. One precedence rule, value by value:
///
/// - the **AK, SK and security token** are one unit (a security token belongs
///   to its temporary AK/SK): they come together from the first source holding
///   an AK/SK pair — explicit credentials, else the environment, else the file;
/// - the **project id** (signed as `X-Project-Id`) is resolved on its own: an
///   explicit one ([`with_project_id`](Self::with_project_id), else the
///   explicit credentials'), else `HUAWEICLOUD_SDK_PROJECT_ID`, else the
///   file's `project_id`, whichever source gave the AK/SK. So
///   `HUAWEICLOUD_SDK_PROJECT_ID=Q` beats a file's `project_id = R`, and an
///   explicit `P` beats both.
///
/// A source that holds *part* of a pair (say an AK without SK) stops the
/// chain with an error rather than silently falling through. When nothing is
/// found the error names every place looked at and what was missing there.
///
/// The file is read only when a value is still missing after the sources
/// before it. Read for the project id alone, a file that does not exist or has
/// no `[basic]` section is skipped; any other fault in it (too large,
/// unreadable, not INI, a duplicate key) is an error.
///
/// ```
/// use p2c_vpn_auth::{Credentials, CredentialsChain};
/// let creds = CredentialsChain::default()
///     .with_explicit(Some(Credentials::new("AK", "SK")))
///     .with_project_id(Some("P".to_owned()))
///     .resolve()
///     .expect("explicit credentials");
/// assert_eq!(creds.access_key(), "AK");
/// assert_eq!(creds.project_id(), Some("P"));
/// ```
#[derive(Clone)]
pub struct CredentialsChain {
    explicit: Option<Credentials>,
    project_id: Option<String>,
    env: bool,
    env_lookup: Option<Lookup>,
    file: FileSource,
    home: Option<Option<PathBuf>>,
}

impl Default for CredentialsChain {
    fn default() -> Self {
        Self {
            explicit: None,
            project_id: None,
            env: true,
            env_lookup: None,
            file: FileSource::Default,
            home: None,
        }
    }
}

impl fmt::Debug for CredentialsChain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CredentialsChain")
            .field("explicit", &self.explicit)
            .field("project_id", &self.project_id)
            .field("env", &self.env)
            .field("custom_env_lookup", &self.env_lookup.is_some())
            .field("file", &self.file)
            .field("home", &self.home)
            .finish()
    }
}

impl CredentialsChain {
    /// The default chain (explicit: none, environment, default file).
    pub fn new() -> Self {
        Self::default()
    }

    /// Tries these credentials first (`None` leaves the chain unchanged).
    pub fn with_explicit(mut self, credentials: Option<Credentials>) -> Self {
        if credentials.is_some() {
            self.explicit = credentials;
        }
        self
    }

    /// An explicit project id (say, from a `--project-id` flag): it beats the
    /// explicit credentials', the environment's and the file's (`None`, or a
    /// value empty after trimming, leaves the chain unchanged).
    pub fn with_project_id(mut self, project_id: Option<String>) -> Self {
        if let Some(p) = clean(project_id) {
            self.project_id = Some(p);
        }
        self
    }

    /// Reads environment variables through `lookup` instead of the process
    /// environment (also used for `HUAWEICLOUD_SDK_CREDENTIALS_FILE`).
    pub fn with_env_lookup(
        mut self,
        lookup: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
    ) -> Self {
        self.env_lookup = Some(Arc::new(lookup));
        self
    }

    /// Skips the environment variables holding credentials.
    pub fn without_env(mut self) -> Self {
        self.env = false;
        self
    }

    /// Reads this credentials file instead of the default one (it must exist
    /// when the AK/SK pair is to come from it).
    pub fn with_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.file = FileSource::Path(path.into());
        self
    }

    /// Skips the credentials file.
    pub fn without_file(mut self) -> Self {
        self.file = FileSource::Disabled;
        self
    }

    /// Uses this home directory (or none) for the default file location.
    pub fn with_home_dir(mut self, home: Option<PathBuf>) -> Self {
        self.home = Some(home);
        self
    }

    fn lookup(&self, name: &str) -> Result<Option<String>, CredentialsError> {
        match &self.env_lookup {
            Some(f) => Ok(f(name)),
            None => env_var(name),
        }
    }

    /// Resolves credentials: explicit, then environment, then file, value by
    /// value (see the type's documentation).
    pub fn resolve(&self) -> Result<Credentials, CredentialsError> {
        let mut looked = Vec::with_capacity(3);
        let mut pair = self.explicit.clone();
        let mut project = self.project_id.clone().or_else(|| {
            pair.as_ref()
                .and_then(|c| c.project_id.clone())
                .and_then(|p| clean(Some(p)))
        });
        if pair.is_none() {
            looked.push("explicit credentials (none given)".to_owned());
        }

        if !self.env {
            looked.push("environment (disabled)".to_owned());
        } else if pair.is_none() {
            let mut found = env_found(&|n: &str| self.lookup(n))?;
            project = project.or(found.project_id.take());
            pair = found.into_credentials(|| "environment".to_owned(), [ENV_AK, ENV_SK])?;
            if pair.is_none() {
                looked.push(format!(
                    "environment variables {ENV_AK} and {ENV_SK} (not set)"
                ));
            }
        } else if project.is_none() {
            project = clean(self.lookup(ENV_PROJECT_ID)?);
        }

        if pair.is_none() || project.is_none() {
            let need_pair = pair.is_none();
            // (the file, whether it must exist)
            let file = match &self.file {
                FileSource::Disabled => {
                    looked.push("credentials file (disabled)".to_owned());
                    None
                }
                FileSource::Path(p) => Some((p.clone(), true)),
                FileSource::Default => {
                    let home = match &self.home {
                        Some(h) => h.clone(),
                        None => std::env::home_dir(),
                    };
                    match default_file_location(self.lookup(ENV_CREDENTIALS_FILE)?, home) {
                        FileLocation::Explicit(p) => Some((p, true)),
                        FileLocation::Default(p) => Some((p, false)),
                        FileLocation::NoHome => {
                            looked.push(format!(
                                "credentials file (no home directory and {ENV_CREDENTIALS_FILE} not set)"
                            ));
                            None
                        }
                    }
                }
            };
            if let Some((path, must_exist)) = file {
                if need_pair {
                    let found = if must_exist {
                        Some(parse_file(&read_capped(&path)?, &path)?)
                    } else {
                        read_found_if_exists(&path)?
                    };
                    match found {
                        Some(mut found) => {
                            project = project.or(found.project_id.take());
                            pair = Some(Credentials::from_found_file(found, &path)?);
                        }
                        None => {
                            looked.push(format!("credentials file {} (not found)", path.display()));
                        }
                    }
                } else {
                    // Only the project id is missing: an absent file or
                    // section is no error here.
                    match read_found_if_exists(&path) {
                        Ok(found) => project = found.and_then(|f| f.project_id),
                        Err(CredentialsError::MissingSection { .. }) => {}
                        Err(e) => return Err(e),
                    }
                }
            }
        }

        let mut credentials = pair.ok_or(CredentialsError::NotFound { looked })?;
        credentials.project_id = project;
        Ok(credentials)
    }
}

/// An IAM token, sent as `X-Auth-Token` instead of an AK/SK signature.
/// `Debug` never shows it.
#[derive(Clone)]
pub struct IamToken(SecretString);

impl IamToken {
    /// Wraps a token.
    pub fn new(token: impl Into<String>) -> Self {
        Self(SecretString::from(token.into()))
    }

    /// The token, wrapped.
    pub fn secret(&self) -> &SecretString {
        &self.0
    }

    pub(crate) fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for IamToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("IamToken([REDACTED])")
    }
}

impl From<SecretString> for IamToken {
    fn from(s: SecretString) -> Self {
        Self(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn too_open_warning_names_the_file_and_the_fix() {
        let p = Path::new("/home/u/.huaweicloud/credentials");
        assert_eq!(too_open_warning(p, 0o100600), None);
        assert_eq!(too_open_warning(p, 0o100400), None);
        for mode in [
            0o100644,
            0o100640,
            0o100604,
            0o100660,
            0o100601,
            0o100700 | 0o010,
        ] {
            let w = too_open_warning(p, mode).expect("warning");
            assert!(w.contains("/home/u/.huaweicloud/credentials"), "{w}");
            assert!(w.contains("chmod 600"), "{w}");
            assert!(w.contains(&format!("{:04o}", mode & 0o7777)), "{w}");
        }
    }

    #[test]
    fn clean_trims_like_python_strip() {
        assert_eq!(clean(None), None);
        assert_eq!(clean(Some(String::new())), None);
        assert_eq!(
            clean(Some(
                " \t\r\n\u{b}\u{c}\u{1c}\u{1f}\u{85}\u{a0}\u{3000}".into()
            )),
            None
        );
        assert_eq!(clean(Some("  a b \n".into())).as_deref(), Some("a b"));
        assert_eq!(clean(Some("\u{1e}x\u{2003}".into())).as_deref(), Some("x"));
        assert_eq!(clean(Some("x".into())).as_deref(), Some("x"));
    }
}
