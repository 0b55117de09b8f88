//! The CLI's failures and their exit codes (documented in `--help` and the README).

use std::fmt;
use std::process::ExitCode;

use p2c_vpn::ErrorKind;

use crate::connect::ENV_PROJECT_ID;
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
            } => write!(f, "gateway {gateway}: {}", cli_words(&error.to_string())),
            Self::Api {
                gateway: None,
                error,
            } => f.write_str(&cli_words(&error.to_string())),
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

/// A library message in the CLI's words: its builder methods become the flags that set
/// the same thing (`.project_id(..)` → `--project-id`), and options the CLI does not have
/// are left out.
pub fn cli_words(message: &str) -> String {
    const WORDS: [(&str, &str); 6] = [
        (" or .allow_insecure_http(true)", ""),
        (".project_id(..)", "--project-id"),
        (".iam_endpoint(..)", "--iam-endpoint"),
        (".endpoint(..)", "--endpoint"),
        (".region(..)", "--region"),
        ("IAM endpoint", "IAM endpoint (--iam-endpoint)"),
    ];
    let mut out = message.to_owned();
    for (library, cli) in WORDS {
        if out.contains(library) {
            out = out.replace(library, cli);
        }
    }
    let env = format!("({ENV_PROJECT_ID})");
    if out.contains(&env) {
        out = out.replace(&env, &format!("(--project-id or {ENV_PROJECT_ID})"));
    }
    out
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
    fn library_words_become_flags() {
        assert_eq!(
            cli_words(
                "no project ID and no region to look it up for: set .project_id(..), \
                 HUAWEICLOUD_SDK_PROJECT_ID or project_id in the credentials file, or .region(..)"
            ),
            "no project ID and no region to look it up for: set --project-id, \
             HUAWEICLOUD_SDK_PROJECT_ID or project_id in the credentials file, or --region"
        );
        assert_eq!(
            cli_words(
                "refusing plain http:// to non-loopback IAM endpoint host \"x\": requests \
                 would cross the network unencrypted; use https:// or .allow_insecure_http(true)"
            ),
            "refusing plain http:// to non-loopback IAM endpoint (--iam-endpoint) host \"x\": \
             requests would cross the network unencrypted; use https://"
        );
        assert_eq!(
            cli_words("check the region, or set the project ID (HUAWEICLOUD_SDK_PROJECT_ID)"),
            "check the region, or set the project ID (--project-id or HUAWEICLOUD_SDK_PROJECT_ID)"
        );
        assert_eq!(cli_words("HTTP 404 VPN.0004"), "HTTP 404 VPN.0004");
    }
}
