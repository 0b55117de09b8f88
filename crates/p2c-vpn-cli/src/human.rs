//! Numbers for people: sizes, rates and durations.

/// Bytes with binary units: `512 B`, `1.5 KiB`, `12.3 MiB`, `2.0 GiB`.
pub fn bytes(n: i64) -> String {
    const UNITS: [&str; 6] = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    if n.unsigned_abs() < 1024 {
        return format!("{n} B");
    }
    let mut value = n as f64 / 1024.0;
    let mut unit = 0;
    while value.abs() >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    // 1023.96 KiB would print as "1024.0 KiB": move up instead.
    if format!("{value:.1}")
        .trim_start_matches('-')
        .starts_with("1024")
        && unit + 1 < UNITS.len()
    {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// A rate in bytes per second: `0 B/s`, `850 B/s`, `1.2 MiB/s`.
pub fn rate(bytes_per_second: f64) -> String {
    if !bytes_per_second.is_finite() {
        return "-".to_owned();
    }
    format!("{}/s", bytes(bytes_per_second.round() as i64))
}

/// A duration as its two largest units: `42s`, `5m 03s`, `2h 05m`, `3d 04h`.
pub fn duration(d: std::time::Duration) -> String {
    let total = d.as_secs();
    let (days, hours, minutes, seconds) = (
        total / 86_400,
        total / 3600 % 24,
        total / 60 % 60,
        total % 60,
    );
    if days > 0 {
        format!("{days}d {hours:02}h")
    } else if hours > 0 {
        format!("{hours}h {minutes:02}m")
    } else if minutes > 0 {
        format!("{minutes}m {seconds:02}s")
    } else {
        format!("{seconds}s")
    }
}

/// Plural suffix.
pub fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("{n} {one}")
    } else {
        format!("{n} {many}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(bytes(0), "0 B");
        assert_eq!(bytes(1023), "1023 B");
        assert_eq!(bytes(1024), "1.0 KiB");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bytes(1024 * 1024 - 1), "1.0 MiB");
        assert_eq!(bytes(5 * 1024 * 1024 * 1024), "5.0 GiB");
        assert_eq!(bytes(i64::MAX), "8.0 EiB");
        assert_eq!(bytes(-2048), "-2.0 KiB");
    }

    #[test]
    fn rates() {
        assert_eq!(rate(0.0), "0 B/s");
        assert_eq!(rate(2048.4), "2.0 KiB/s");
        assert_eq!(rate(f64::NAN), "-");
    }

    #[test]
    fn durations() {
        let s = std::time::Duration::from_secs;
        assert_eq!(duration(s(42)), "42s");
        assert_eq!(duration(s(303)), "5m 03s");
        assert_eq!(duration(s(7500)), "2h 05m");
        assert_eq!(duration(s(3 * 86_400 + 4 * 3600 + 59)), "3d 04h");
    }
}
