//! Credentials (AK/SK, optional security token and project id) and where to
//! find them: explicit values, environment variables, the credentials file.
//!
//! Names and semantics follow the official SDK's `EnvCredentialProvider` and
//! `ProfileCredentialProvider`: empty values count as unset, the file is INI
//! with a `[basic]` section, keys are case-insensitive.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use secrecy::{ExposeSecret, SecretString};

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

fn non_empty(v: Option<String>) -> Option<String> {
    v.filter(|s| !s.is_empty())
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
    /// `Ok(None)` when neither AK nor SK is set (empty counts as unset); an
    /// error when only one of them is, or a variable is not Unicode.
    pub fn from_env() -> Result<Option<Self>, CredentialsError> {
        Self::from_lookup(&|name: &str| match std::env::var(name) {
            Ok(v) => Ok(Some(v)),
            Err(std::env::VarError::NotPresent) => Ok(None),
            Err(std::env::VarError::NotUnicode(_)) => Err(CredentialsError::NotUnicode {
                variable: name.to_owned(),
            }),
        })
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
        let ak = non_empty(lookup(ENV_AK)?);
        let sk = non_empty(lookup(ENV_SK)?);
        let token = non_empty(lookup(ENV_SECURITY_TOKEN)?);
        let project = non_empty(lookup(ENV_PROJECT_ID)?);
        let (ak, sk) = match (ak, sk) {
            (None, None) => return Ok(None),
            (Some(ak), Some(sk)) => (ak, sk),
            (ak, _) => {
                return Err(CredentialsError::Incomplete {
                    location: "environment".to_owned(),
                    missing: if ak.is_none() { ENV_AK } else { ENV_SK }.to_owned(),
                });
            }
        };
        let mut c = Self::new(ak, sk);
        if let Some(t) = token {
            c = c.with_security_token(t);
        }
        if let Some(p) = project {
            c = c.with_project_id(p);
        }
        Ok(Some(c))
    }

    /// Reads an INI credentials file: section `[basic]`, keys `ak`, `sk`,
    /// `project_id`, `security_token` (key names case-insensitive, `=` or `:`
    /// delimiters, values taken literally — no quote or backslash processing,
    /// as with Python's `configparser` — and empty values count as missing).
    pub fn from_file(path: &Path) -> Result<Self, CredentialsError> {
        let text = std::fs::read_to_string(path).map_err(|source| CredentialsError::Io {
            path: path.to_owned(),
            source,
        })?;
        Self::from_ini_str(&text, path)
    }

    /// Parses credentials-file text; `path` only names it in errors.
    pub fn from_ini_str(text: &str, path: &Path) -> Result<Self, CredentialsError> {
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
        let section =
            ini.section(Some(FILE_SECTION))
                .ok_or_else(|| CredentialsError::MissingSection {
                    path: path.to_owned(),
                    section: FILE_SECTION,
                })?;
        let get = |key: &str| {
            section
                .iter()
                .filter(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| v.trim())
                .rfind(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let (ak, sk) = match (get("ak"), get("sk")) {
            (Some(ak), Some(sk)) => (ak, sk),
            (ak, sk) => {
                let missing: Vec<&str> = [("ak", ak.is_none()), ("sk", sk.is_none())]
                    .iter()
                    .filter(|(_, m)| *m)
                    .map(|(k, _)| *k)
                    .collect();
                return Err(CredentialsError::Incomplete {
                    location: format!("credentials file {} [{FILE_SECTION}]", path.display()),
                    missing: missing.join(" and "),
                });
            }
        };
        let mut c = Self::new(ak, sk);
        if let Some(t) = get("security_token") {
            c = c.with_security_token(t);
        }
        if let Some(p) = get("project_id") {
            c = c.with_project_id(p);
        }
        Ok(c)
    }

    /// Reads the default credentials file: the one named by
    /// `HUAWEICLOUD_SDK_CREDENTIALS_FILE`, else `~/.huaweicloud/credentials`.
    ///
    /// `Ok(None)` when the default file does not exist; an error when a file
    /// named by the variable does not exist, or a file is unreadable or
    /// incomplete.
    pub fn from_default_file() -> Result<Option<Self>, CredentialsError> {
        let var = match std::env::var(ENV_CREDENTIALS_FILE) {
            Ok(v) => Some(v),
            Err(std::env::VarError::NotPresent) => None,
            Err(std::env::VarError::NotUnicode(_)) => {
                return Err(CredentialsError::NotUnicode {
                    variable: ENV_CREDENTIALS_FILE.to_owned(),
                });
            }
        };
        match default_file_location(var, home::home_dir()) {
            FileLocation::Explicit(p) => Self::from_file(&p).map(Some),
            FileLocation::Default(p) => read_if_exists(&p),
            FileLocation::NoHome => Ok(None),
        }
    }
}

fn read_if_exists(path: &Path) -> Result<Option<Credentials>, CredentialsError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Credentials::from_ini_str(&text, path).map(Some),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(CredentialsError::Io {
            path: path.to_owned(),
            source,
        }),
    }
}

enum FileLocation {
    Explicit(PathBuf),
    Default(PathBuf),
    NoHome,
}

fn default_file_location(var: Option<String>, home: Option<PathBuf>) -> FileLocation {
    if let Some(p) = non_empty(var) {
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

/// Provider chain: explicit credentials, then the environment, then the
/// credentials file; the first source holding an AK/SK pair wins, as is.
///
/// A source that holds *part* of a pair (say an AK without SK) stops the
/// chain with an error rather than silently falling through. When nothing is
/// found the error names every place looked at and what was missing there.
///
/// ```
/// use p2c_vpn_auth::{Credentials, CredentialsChain};
/// let creds = CredentialsChain::default()
///     .with_explicit(Some(Credentials::new("AK", "SK")))
///     .resolve()
///     .expect("explicit credentials");
/// assert_eq!(creds.access_key(), "AK");
/// ```
#[derive(Clone)]
pub struct CredentialsChain {
    explicit: Option<Credentials>,
    env: bool,
    env_lookup: Option<Lookup>,
    file: FileSource,
    home: Option<Option<PathBuf>>,
}

impl Default for CredentialsChain {
    fn default() -> Self {
        Self {
            explicit: None,
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

    /// Reads this credentials file instead of the default one (it must exist).
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
            None => match std::env::var(name) {
                Ok(v) => Ok(Some(v)),
                Err(std::env::VarError::NotPresent) => Ok(None),
                Err(std::env::VarError::NotUnicode(_)) => Err(CredentialsError::NotUnicode {
                    variable: name.to_owned(),
                }),
            },
        }
    }

    /// Resolves credentials: explicit, then environment, then file.
    pub fn resolve(&self) -> Result<Credentials, CredentialsError> {
        let mut looked = Vec::with_capacity(3);
        if let Some(c) = &self.explicit {
            return Ok(c.clone());
        }
        looked.push("explicit credentials (none given)".to_owned());

        if self.env {
            if let Some(c) = Credentials::from_lookup(&|n: &str| self.lookup(n))? {
                return Ok(c);
            }
            looked.push(format!(
                "environment variables {ENV_AK} and {ENV_SK} (not set)"
            ));
        } else {
            looked.push("environment (disabled)".to_owned());
        }

        match &self.file {
            FileSource::Disabled => looked.push("credentials file (disabled)".to_owned()),
            FileSource::Path(p) => return Credentials::from_file(p),
            FileSource::Default => {
                let home = match &self.home {
                    Some(h) => h.clone(),
                    None => home::home_dir(),
                };
                match default_file_location(self.lookup(ENV_CREDENTIALS_FILE)?, home) {
                    FileLocation::Explicit(p) => return Credentials::from_file(&p),
                    FileLocation::Default(p) => {
                        if let Some(c) = read_if_exists(&p)? {
                            return Ok(c);
                        }
                        looked.push(format!("credentials file {} (not found)", p.display()));
                    }
                    FileLocation::NoHome => looked.push(format!(
                        "credentials file (no home directory and {ENV_CREDENTIALS_FILE} not set)"
                    )),
                }
            }
        }
        Err(CredentialsError::NotFound { looked })
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
