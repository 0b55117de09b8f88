//! The CLI's failures and their exit codes (documented in `--help` and the README).

use std::fmt;
use std::process::ExitCode;

use p2c_vpn::{
    ENV_ENDPOINT, ENV_IAM_ENDPOINT, ENV_PROJECT_ID, ENV_REGION, ErrorKind, Hint, ListingLimit,
    Setting,
};

use crate::sanitize;

/// Exit code: success.
pub const EXIT_OK: u8 = 0;
/// Exit code: any other failure (e.g. writing the output).
pub const EXIT_OTHER: u8 = 1;
/// Exit code: usage error (also clap's own).
pub const EXIT_USAGE: u8 = 2;
/// Exit code: credentials missing or rejected.
pub const EXIT_AUTH: u8 = 3;
/// Exit code: the service answered with an error, or unusable data.
pub const EXIT_SERVICE: u8 = 4;
/// Exit code: network failure or timeout.
pub const EXIT_NETWORK: u8 = 5;

/// Why the CLI stops with a non-zero exit code.
#[derive(Debug)]
pub enum CliError {
    /// Bad arguments that clap could not catch.
    Usage(String),
    /// A failed call, with the gateway it was for when several were asked for.
    Api {
        gateway: Option<String>,
        error: p2c_vpn::Error,
    },
    /// Several failed calls (several gateways); the first one decides the exit code.
    Many(Vec<CliError>),
    /// The output pipe was closed (`| head`): not an error for the user.
    BrokenPipe,
    /// Writing the output or another local failure.
    Io(std::io::Error),
    /// Anything else.
    Other(String),
    /// Results already reported on stdout: exit with `code`, after `message` (if any) on
    /// stderr.
    Exit { code: u8, message: Option<String> },
}

impl CliError {
    /// A failed call; `gateway` names it in the message.
    pub fn api(gateway: Option<&str>, error: p2c_vpn::Error) -> Self {
        Self::Api {
            gateway: gateway.map(str::to_owned),
            error,
        }
    }

    /// The documented exit code.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Usage(_) => EXIT_USAGE,
            Self::Api { error, .. } => api_exit_code(error),
            Self::Many(errors) => errors.first().map_or(EXIT_OTHER, Self::exit_code),
            Self::BrokenPipe => EXIT_OK,
            Self::Io(_) | Self::Other(_) => EXIT_OTHER,
            Self::Exit { code, .. } => *code,
        }
    }

    /// Prints the error (one line per failure) on stderr, nothing for a closed pipe.
    /// Server text in it is shown escaped (it can never add a line or drive the terminal).
    pub fn report(&self) -> ExitCode {
        match self {
            Self::BrokenPipe | Self::Exit { message: None, .. } => {}
            Self::Exit {
                message: Some(message),
                ..
            } => eprintln!("p2c-vpn: error: {}", sanitize::for_terminal(message)),
            Self::Many(errors) => {
                for e in errors {
                    eprintln!("p2c-vpn: error: {}", sanitize::for_terminal(&e.to_string()));
                }
            }
            other => eprintln!(
                "p2c-vpn: error: {}",
                sanitize::for_terminal(&other.to_string())
            ),
        }
        ExitCode::from(self.exit_code())
    }
}

/// The exit code of a wrapper error.
pub fn api_exit_code(error: &p2c_vpn::Error) -> u8 {
    match error.kind() {
        ErrorKind::Credentials | ErrorKind::Unauthorized => EXIT_AUTH,
        // Checked before sending (bad ID, limit, endpoint): a usage error, unless a
        // server response is behind it.
        ErrorKind::InvalidInput if error.status().is_none() => EXIT_USAGE,
        ErrorKind::InvalidInput
        | ErrorKind::Service
        | ErrorKind::Throttled
        | ErrorKind::Decode
        | ErrorKind::Pagination => EXIT_SERVICE,
        ErrorKind::Timeout | ErrorKind::Connect | ErrorKind::Network => EXIT_NETWORK,
        _ => EXIT_OTHER,
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Usage(message) | Self::Other(message) => f.write_str(message),
            Self::Api {
                gateway: Some(gateway),
                error,
            } => write!(f, "gateway {gateway}: {}", describe(error)),
            Self::Api {
                gateway: None,
                error,
            } => f.write_str(&describe(error)),
            Self::Many(errors) => {
                let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
                f.write_str(&lines.join("; "))
            }
            Self::BrokenPipe => f.write_str("output closed"),
            Self::Io(e) => write!(f, "cannot write the output: {e}"),
            Self::Exit { message, .. } => f.write_str(message.as_deref().unwrap_or("failed")),
        }
    }
}

/// Whether -v was given: network errors are then described with their whole chain.
static VERBOSE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Records -v (once, at start).
pub fn set_verbose(verbose: bool) {
    VERBOSE.store(verbose, std::sync::atomic::Ordering::Relaxed);
}

/// A library error in the CLI's words: its typed [`Hint`] becomes the flags that set the
/// same thing (`.project_id(..)` is `--project-id` here); a remedy the CLI has no flag for
/// is left out; a network failure is one line naming the host and the cause (its whole
/// chain, URL included, with -v). The library's message itself is never rewritten.
pub fn describe(error: &p2c_vpn::Error) -> String {
    if !VERBOSE.load(std::sync::atomic::Ordering::Relaxed)
        && let Some(line) = crate::neterror::one_line(error)
    {
        return line;
    }
    if let Some(limit) = error.limit() {
        let flag = match limit {
            ListingLimit::Records(_) => Some("--max-records"),
            ListingLimit::Bytes(_) => Some("--max-bytes"),
            _ => None,
        };
        return match flag {
            Some(flag) => format!("{error}; raise it with {flag}"),
            None => error.to_string(),
        };
    }
    let Some(hint) = error.hint() else {
        return match (error.setting().and_then(setting_source), error.status()) {
            (Some(source), None) => format!("{error} (from {source})"),
            _ => error.to_string(),
        };
    };
    let words = match hint {
        Hint::SetRegionOrEndpoint => Some(format!(
            "pass --region REGION or --endpoint URL (or set {ENV_REGION} / {ENV_ENDPOINT})"
        )),
        Hint::SetProjectIdOrRegion => Some(format!(
            "set --project-id, {ENV_PROJECT_ID} or project_id in the credentials file, or \
             --region (the region names the project to look up through IAM)"
        )),
        Hint::CheckRegionOrSetProjectId => Some(format!(
            "check the region, or set the project ID (--project-id or {ENV_PROJECT_ID})"
        )),
        Hint::SetProjectIdToPickOne => Some(format!(
            "set the project ID (--project-id or {ENV_PROJECT_ID}) to pick one"
        )),
        // The CLI sends credentials over plain HTTP only to loopback: no flag to allow it.
        Hint::AllowInsecureHttp => None,
        _ => return error.to_string(),
    };
    let mut line = format!("{}: {}", error.kind(), error.error_message());
    match words {
        Some(words) => {
            line.push_str("; ");
            line.push_str(&words);
        }
        None => {
            if let Some(source) = error.setting().and_then(setting_source) {
                line.push_str(&format!(" (from {source})"));
            }
        }
    }
    line
}

/// Where a setting the library refused came from on the command line.
fn setting_source(setting: Setting) -> Option<String> {
    Some(match setting {
        Setting::Endpoint => format!("--endpoint or {ENV_ENDPOINT}"),
        Setting::Region => format!("--region or {ENV_REGION}"),
        Setting::IamEndpoint => format!("--iam-endpoint or {ENV_IAM_ENDPOINT}"),
        Setting::ProjectId => format!("--project-id or {ENV_PROJECT_ID}"),
        _ => return None,
    })
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            Self::BrokenPipe
        } else {
            Self::Io(e)
        }
    }
}

impl From<csv::Error> for CliError {
    fn from(e: csv::Error) -> Self {
        match e.into_kind() {
            csv::ErrorKind::Io(io) => io.into(),
            other => Self::Other(format!("cannot write CSV: {other:?}")),
        }
    }
}

impl From<serde_json::Error> for CliError {
    fn from(e: serde_json::Error) -> Self {
        match e.io_error_kind() {
            Some(kind) => std::io::Error::new(kind, e).into(),
            None => Self::Other(format!("cannot write JSON: {e}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn library_hints_become_flags() {
        // Built by the library, described by the CLI: no text is matched or rewritten.
        let err = p2c_vpn::Client::builder()
            .credentials(p2c_vpn::Credentials::new("AK", "SK"))
            .endpoint("http://127.0.0.1:9")
            .build()
            .expect_err("no project and no region");
        assert_eq!(err.hint(), Some(Hint::SetProjectIdOrRegion));
        assert_eq!(err.setting(), Some(p2c_vpn::Setting::ProjectId));
        let line = describe(&err);
        assert!(
            line.contains("--project-id") && line.contains("--region"),
            "{line}"
        );
        assert!(!line.contains(".project_id(..)"), "{line}");
        assert!(
            err.to_string().contains(".project_id(..)"),
            "library words: {err}"
        );

        let err = p2c_vpn::Client::builder()
            .credentials(p2c_vpn::Credentials::new("AK", "SK"))
            .project_id("p")
            .endpoint("http://vpn.example.com")
            .build()
            .expect_err("plain http to a remote host");
        assert_eq!(err.hint(), Some(Hint::AllowInsecureHttp));
        let line = describe(&err);
        assert!(line.contains("use https://"), "{line}");
        assert!(
            line.contains("(from --endpoint or HUAWEICLOUD_SDK_ENDPOINT)"),
            "{line}"
        );
        assert!(
            !line.contains("allow_insecure_http"),
            "no flag for it: {line}"
        );
    }
}
