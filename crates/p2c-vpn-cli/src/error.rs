//! The CLI's failures and their exit codes (documented in `--help` and the README).

use std::fmt;
use std::process::ExitCode;

use p2c_vpn::ErrorKind;

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
        }
    }

    /// Prints the error (one line per failure) on stderr, nothing for a closed pipe.
    pub fn report(&self) -> ExitCode {
        match self {
            Self::BrokenPipe => {}
            Self::Many(errors) => {
                for e in errors {
                    eprintln!("p2c-vpn: error: {e}");
                }
            }
            other => eprintln!("p2c-vpn: error: {other}"),
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
            } => write!(f, "gateway {gateway}: {error}"),
            Self::Api {
                gateway: None,
                error,
            } => write!(f, "{error}"),
            Self::Many(errors) => {
                let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
                f.write_str(&lines.join("; "))
            }
            Self::BrokenPipe => f.write_str("output closed"),
            Self::Io(e) => write!(f, "cannot write the output: {e}"),
        }
    }
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
