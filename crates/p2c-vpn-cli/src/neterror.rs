//! A network failure in one line: `cannot connect to HOST:PORT: connection refused`.
//!
//! The library's message for a transport failure is reqwest's chain, full URL included
//! (`error sending request for url (http://...): client error (Connect): tcp connect error:
//! Connection refused (os error 111)`): right for -v, noise otherwise. Without -v the CLI
//! names the host (and port, when the URL has one) and the innermost cause. A message the
//! library composed itself (an untrusted certificate, a capped body) is kept as it is.

use std::error::Error as StdError;

use p2c_vpn::ErrorKind;
use p2c_vpn::reqwest;

/// The short line for a transport failure; `None` for every other error.
pub fn one_line(error: &p2c_vpn::Error) -> Option<String> {
    let what = match error.kind() {
        ErrorKind::Connect => "cannot connect to",
        ErrorKind::Timeout => "timed out talking to",
        ErrorKind::Network => "network error talking to",
        _ => return None,
    };
    if error.status().is_some() {
        return None;
    }
    let transport = chain(error).find_map(|e| e.downcast_ref::<reqwest::Error>())?;
    // Only reqwest's own chain is shortened: the library's composed messages stay whole.
    if !error.error_message().starts_with(&transport.to_string()) {
        return None;
    }
    let url = transport.url()?;
    let host = match (url.host_str()?, url.port()) {
        (host, Some(port)) => format!("{host}:{port}"),
        (host, None) => host.to_owned(),
    };
    let mut line = format!("{what} {host}: {}", cause(transport));
    let mut extra = Vec::new();
    if let Some(id) = error.request_id() {
        extra.push(format!("request id {id}"));
    }
    if error.attempts() > 1 {
        extra.push(format!("after {} attempts", error.attempts()));
    }
    if !extra.is_empty() {
        line.push_str(&format!(" ({})", extra.join(", ")));
    }
    Some(line)
}

/// `error`'s sources, outermost first (`error` itself excluded).
fn chain<'a>(
    error: &'a (dyn StdError + 'static),
) -> impl Iterator<Item = &'a (dyn StdError + 'static)> {
    std::iter::successors(error.source(), |&e| e.source())
}

/// The innermost cause in a few words: an I/O error by its kind (`connection refused`),
/// a failed name lookup as such, else the innermost message.
fn cause(transport: &reqwest::Error) -> String {
    let links: Vec<&(dyn StdError + 'static)> = chain(transport).collect();
    if let Some(io) = links
        .iter()
        .rev()
        .find_map(|e| e.downcast_ref::<std::io::Error>())
        && let Some(words) = io_words(io.kind())
    {
        return words.to_owned();
    }
    let innermost = links
        .last()
        .map_or_else(|| transport.to_string(), ToString::to_string);
    // reqwest's own message without its URL (`error decoding response body for url (...)`).
    let innermost = innermost
        .split(" for url (")
        .next()
        .unwrap_or_default()
        .to_owned();
    let innermost = without_os_error(&innermost);
    if links.iter().any(|e| e.to_string().starts_with("dns error")) {
        let detail = innermost
            .strip_prefix("failed to lookup address information: ")
            .unwrap_or(&innermost);
        return format!("cannot resolve the host name ({detail})");
    }
    innermost
}

/// Words for the I/O errors a connection meets; `None` for the rest (their message is
/// used).
fn io_words(kind: std::io::ErrorKind) -> Option<&'static str> {
    use std::io::ErrorKind as K;
    Some(match kind {
        K::ConnectionRefused => "connection refused",
        K::ConnectionReset => "connection reset",
        K::ConnectionAborted => "connection aborted",
        K::TimedOut => "timed out",
        K::UnexpectedEof => "connection closed early",
        K::BrokenPipe => "connection closed",
        K::AddrNotAvailable => "address not available",
        K::HostUnreachable => "host unreachable",
        K::NetworkUnreachable => "network unreachable",
        K::NotConnected => "not connected",
        _ => return None,
    })
}

/// `Connection refused (os error 111)` → `Connection refused`.
fn without_os_error(message: &str) -> String {
    match message.rfind(" (os error ") {
        Some(at) if message.ends_with(')') => message[..at].to_owned(),
        _ => message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os_error_numbers_are_dropped() {
        assert_eq!(
            without_os_error("Connection refused (os error 111)"),
            "Connection refused"
        );
        assert_eq!(without_os_error("no number"), "no number");
    }

    #[test]
    fn other_errors_are_left_alone() {
        let err = p2c_vpn::Client::builder()
            .credentials(p2c_vpn::Credentials::new("AK", "SK"))
            .endpoint("http://127.0.0.1:9")
            .build()
            .expect_err("no project and no region");
        assert_eq!(one_line(&err), None);
    }
}
