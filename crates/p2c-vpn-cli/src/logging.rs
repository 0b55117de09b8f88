//! Logs on stderr. Without -v: warnings of this project's crates only (a credentials file
//! others can read, say), each one line `p2c-vpn: warning: ...` like the CLI's own
//! warnings. Third-party crates (rustls, hyper, ...) are heard from -v on, as log lines
//! (time, level, target): their errors repeat what the CLI's error line already says. -v adds each call's span, -vv details;
//! `RUST_LOG` overrides the levels. Secrets and client IPs are never logged (the library's
//! spans carry IDs, statuses and request IDs only).

use std::fmt;

use tracing::{Event, Level, Subscriber};
use tracing_subscriber::fmt::format::{Format, Full, Writer};
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

use crate::sanitize;

/// The targets of this project's crates (`p2c_vpn`, `p2c_vpn_api`, `p2c_vpn_auth`, ...):
/// a `Targets` directive matches every target it is a prefix of.
const OURS: &str = "p2c_vpn";

/// The levels for `-v` counted `verbose` times, when `RUST_LOG` does not set them.
fn default_directives(verbose: u8) -> String {
    match verbose {
        0 => format!("{OURS}=warn"),
        1 => format!("warn,{OURS}=info"),
        _ => "debug".to_owned(),
    }
}

/// Installs the subscriber (once; later calls do nothing).
pub fn init(verbose: u8) {
    use tracing_subscriber::filter::Targets;
    use tracing_subscriber::prelude::*;
    let default = default_directives(verbose);
    // `Targets` reads the `target=level,...` directives people put in RUST_LOG without the
    // regex engine `EnvFilter` needs (a large part of a cold build).
    let mut bad = None;
    let filter = match std::env::var("RUST_LOG") {
        Ok(directives) if !directives.trim().is_empty() => {
            directives.parse::<Targets>().unwrap_or_else(|e| {
                bad = Some(format!("RUST_LOG={directives:?} ignored: {e}"));
                default.parse().unwrap_or_default()
            })
        }
        _ => default.parse().unwrap_or_default(),
    };
    let span_events = if verbose > 0 {
        tracing_subscriber::fmt::format::FmtSpan::CLOSE
    } else {
        tracing_subscriber::fmt::format::FmtSpan::NONE
    };
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let fmt = tracing_subscriber::fmt::layer()
        .with_span_events(span_events)
        .with_writer(std::io::stderr)
        .with_ansi(ansi)
        .event_format(CliFormat {
            full: Format::default().with_ansi(ansi),
        });
    let _ = tracing_subscriber::registry()
        .with(fmt)
        .with(filter)
        .try_init();
    if let Some(bad) = bad {
        tracing::warn!("{bad}");
    }
}

/// This project's warnings and errors as one `p2c-vpn: warning: MESSAGE key=value...`
/// line, like the CLI's own; everything else (the spans of -v, other crates' logs, which
/// are shown from -v on only) in tracing's full format: a log line, not a message.
struct CliFormat {
    full: Format<Full>,
}

impl<S, N> FormatEvent<S, N> for CliFormat
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let level = *event.metadata().level();
        // In tracing's order ERROR < WARN < INFO; an event of the `log` crate (rustls's)
        // has the target `log` and is not ours.
        if level > Level::WARN || !event.metadata().target().starts_with(OURS) {
            return self.full.format_event(ctx, writer, event);
        }
        let mut fields = Fields::default();
        event.record(&mut fields);
        let word = if level == Level::ERROR {
            "error"
        } else {
            "warning"
        };
        let line = format!("{}{}", fields.message, fields.rest);
        writeln!(writer, "p2c-vpn: {word}: {}", sanitize::for_terminal(&line))
    }
}

/// An event's message, then its other fields as ` key=value`.
#[derive(Default)]
struct Fields {
    message: String,
    rest: String,
}

impl tracing::field::Visit for Fields {
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        match field.name() {
            "message" => self.message.push_str(value),
            name => self.rest.push_str(&format!(" {name}={value:?}")),
        }
    }

    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn fmt::Debug) {
        match field.name() {
            "message" => self.message.push_str(&format!("{value:?}")),
            name => self.rest.push_str(&format!(" {name}={value:?}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn third_party_targets_are_off_without_verbose() {
        use tracing_subscriber::filter::Targets;
        let quiet: Targets = default_directives(0).parse().expect("directives");
        assert!(quiet.would_enable("p2c_vpn_auth::credentials", &Level::WARN));
        assert!(quiet.would_enable("p2c_vpn::execute", &Level::WARN));
        assert!(!quiet.would_enable("p2c_vpn::execute", &Level::INFO));
        assert!(!quiet.would_enable(
            "rustls_platform_verifier::verification::others",
            &Level::ERROR
        ));
        let verbose: Targets = default_directives(1).parse().expect("directives");
        assert!(verbose.would_enable(
            "rustls_platform_verifier::verification::others",
            &Level::ERROR
        ));
        assert!(verbose.would_enable("p2c_vpn::execute", &Level::INFO));
        assert!(!verbose.would_enable("hyper_util::client", &Level::INFO));
    }
}
