//! The formats of `connections list`: json, ndjson, csv, and the connections' table (on
//! the engine in [`super::table`]).

use std::io::Write;

use comfy_table::Color;
use p2c_vpn::Connection;

use super::record;
use super::table::{Style, TextCell, or_dash, when, write_table};
use crate::cli::ListFormat;
use crate::columns;
use crate::connect::Fetched;
use crate::error::CliError;
use crate::human;
use crate::sanitize;

/// One gateway's result, ready to print.
#[derive(Debug)]
pub struct GatewayOutput<'a> {
    /// The gateway's ID: `gateway_id` in json, ndjson and csv.
    pub gateway: &'a str,
    /// How tables name it: as given on the command line, or its name when every gateway
    /// of the project is listed.
    pub label: &'a str,
    pub fetched: &'a Fetched,
}

/// Writes the results in `format`; `several` adds the gateway (a `gateway_id` field or
/// column, a `GATEWAY` column): for more than one gateway, and for every gateway of the
/// project however many there are.
pub fn write_list(
    out: &mut dyn Write,
    format: ListFormat,
    results: &[GatewayOutput<'_>],
    several: bool,
    style: Style,
) -> Result<(), CliError> {
    match format {
        ListFormat::Json => record::write_json(out, results, several)?,
        ListFormat::Ndjson => {
            for r in results {
                write_ndjson_rows(out, several.then_some(r.gateway), &r.fetched.connections)?;
            }
        }
        ListFormat::Csv => write_csv(out, results, several)?,
        ListFormat::Table => write_list_table(out, results, several, style)?,
    }
    out.flush()?;
    Ok(())
}

fn write_csv(
    out: &mut dyn Write,
    results: &[GatewayOutput<'_>],
    several: bool,
) -> Result<(), CliError> {
    write_csv_header(out, several)?;
    for r in results {
        write_csv_rows(out, several.then_some(r.gateway), &r.fetched.connections)?;
    }
    Ok(())
}

/// NDJSON lines for `connections`, each with `gateway_id` when `gateway` is given, written
/// from the typed connections ([`record::write_compact`]) in large writes.
pub fn write_ndjson_rows(
    out: &mut dyn Write,
    gateway: Option<&str>,
    connections: &[Connection],
) -> Result<(), CliError> {
    let mut buf = Vec::with_capacity(record::CHUNK + 4096);
    for c in connections {
        record::write_compact(&mut buf, gateway, c);
        buf.push(b'\n');
        record::spill(out, &mut buf)?;
    }
    out.write_all(&buf)?;
    Ok(())
}

/// The default CSV columns: every field of a connection ([`columns::connection_fields`], the
/// list `--columns` accepts), after a first `gateway_id` for several gateways.
fn csv_columns(several: bool) -> Vec<&'static str> {
    let fields = columns::connection_fields().iter().map(String::as_str);
    several
        .then_some(columns::GATEWAY_ID)
        .into_iter()
        .chain(fields)
        .collect()
}

/// The CSV header row (with a first `gateway_id` column for several gateways).
pub fn write_csv_header(out: &mut dyn Write, several: bool) -> Result<(), CliError> {
    let mut csv = csv::Writer::from_writer(out);
    csv.write_record(csv_columns(several))?;
    csv.flush()?;
    Ok(())
}

/// CSV rows for `connections`, led by `gateway` when given (no header); values written from
/// the typed connection ([`columns::field_text`]).
pub fn write_csv_rows(
    out: &mut dyn Write,
    gateway: Option<&str>,
    connections: &[Connection],
) -> Result<(), CliError> {
    let shown = csv_columns(gateway.is_some());
    columns::rows_csv(out, &shown, gateway.unwrap_or_default(), connections)
}

/// The list's table: one row per connection, the gateway first with several.
fn write_list_table(
    out: &mut dyn Write,
    results: &[GatewayOutput<'_>],
    several: bool,
    style: Style,
) -> Result<(), CliError> {
    let mut headers = Vec::new();
    if several {
        headers.push("GATEWAY");
    }
    headers.extend([
        "USER",
        "VIRTUAL IP",
        "CLIENT IP",
        "ESTABLISHED (UTC)",
        "CONNECTED FOR",
        "IN",
        "OUT",
        "CONNECTION ID",
    ]);
    let offset = usize::from(several);
    let rows: usize = results.iter().map(|r| r.fetched.connections.len()).sum();
    if rows > 0 {
        let make_rows = || {
            results.iter().flat_map(move |r| {
                r.fetched.connections.iter().map(move |c| {
                    let mut cells = Vec::with_capacity(9);
                    if several {
                        cells.push(TextCell::new(r.label));
                    }
                    cells.extend(connection_cells(c));
                    cells
                })
            })
        };
        write_table(
            out,
            style,
            &headers,
            &[offset + 4, offset + 5, offset + 6],
            rows,
            make_rows,
        )?;
    } else {
        writeln!(out, "No connections.")?;
    }
    for line in footer(results, several) {
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// USER, VIRTUAL IP, CLIENT IP, ESTABLISHED, CONNECTED FOR, IN, OUT, CONNECTION ID.
///
/// IPs and counters as the service sent them (`as_api()`): a masked IP (`100.***.***.100`)
/// or a negative counter is shown, not hidden as absent.
pub(crate) fn connection_cells(c: &Connection) -> [TextCell<'_>; 8] {
    let raw = c.as_api();
    [
        TextCell::new(c.user_name().unwrap_or("-")).color(Color::Cyan),
        TextCell::new(raw.client_virtual_ip.as_deref().unwrap_or("-")),
        TextCell::new(raw.client_ip.as_deref().unwrap_or("-")),
        TextCell::new(when(c.established_at())),
        TextCell::new(or_dash(c.connected_for().map(human::duration))),
        TextCell::new(or_dash(raw.inbound_bytes.map(human::bytes))),
        TextCell::new(or_dash(raw.outbound_bytes.map(human::bytes))),
        TextCell::new(or_dash(c.connection_id())).color(Color::DarkGrey),
    ]
}

/// `25 connections`, `10 of 25 connections`, per gateway and in all.
fn footer(results: &[GatewayOutput<'_>], several: bool) -> Vec<String> {
    let count = |f: &Fetched| {
        let shown = f.connections.len();
        match f.total_count {
            Some(total) if usize::try_from(total).ok() != Some(shown) => {
                format!("{shown} of {} connections", total)
            }
            _ => human::plural(shown, "connection", "connections"),
        }
    };
    match results {
        [one] if !several => vec![count(one.fetched)],
        many => {
            let mut lines: Vec<String> = many
                .iter()
                .map(|r| {
                    format!(
                        "gateway {}: {}",
                        sanitize::for_terminal(r.label),
                        count(r.fetched)
                    )
                })
                .collect();
            let shown: usize = many.iter().map(|r| r.fetched.connections.len()).sum();
            lines.push(format!(
                "{} on {}",
                human::plural(shown, "connection", "connections"),
                human::plural(many.len(), "gateway", "gateways")
            ));
            lines
        }
    }
}
#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::output::STREAM_TABLE_ROWS;
    use crate::output::TableWidth;
    use crate::output::test_support::{conn, fetched, render, strip_sgr};
    use unicode_width::UnicodeWidthStr as _;

    const HOSTILE: [&str; 7] = [
        "\x1b]0;pwned\x07",
        "\x1b[2J",
        "a\nb",
        "\u{202e}evil",
        "\x1b]8;;http://x\x07link\x1b]8;;\x07",
        "x\r\u{85}\u{9b}31m\u{2028}y\u{2066}",
        "tab\there\x7f",
    ];

    fn hostile_connections() -> Vec<Connection> {
        HOSTILE
            .iter()
            .enumerate()
            .map(|(i, name)| {
                conn(serde_json::json!({
                    "connection_id": uuid::Uuid::from_u128(i as u128),
                    "client_user_name": name,
                    "client_virtual_ip": format!("10.0.0.{i}\x1b[1A"),
                    "client_ip": "\u{202e}1.2.3.4",
                    "inbound_bytes": 1,
                }))
            })
            .collect()
    }

    #[test]
    fn hostile_strings_are_escaped_in_tables_and_exact_in_json() {
        let f = fetched(hostile_connections());
        let one = [GatewayOutput {
            gateway: "gw\x1b[31m",
            label: "gw\x1b[31m",
            fetched: &f,
        }];
        for style in [
            Style::default(),
            Style {
                color: true,
                tty: true,
                width: TableWidth::Full,
            },
        ] {
            let table = render(ListFormat::Table, &one, style);
            // No control character but the colours' own ESC + '[' .. 'm' and newlines.
            let without_colours = strip_sgr(&table);
            assert!(
                !without_colours
                    .chars()
                    .any(|c| c != '\n' && sanitize::is_unsafe(c)),
                "{without_colours:?}"
            );
            // One line per row: 3 rules, the header, 7 rows, the footer.
            assert_eq!(table.lines().count(), 3 + 1 + HOSTILE.len() + 1, "{table}");
            for shown in [
                "\\x1b]0;pwned\\x07",
                "\\x1b[2J",
                "a\\nb",
                "\\u{202e}evil",
                "\\x1b]8;;http://x\\x07link\\x1b]8;;\\x07",
                "x\\r\\x85\\x9b31m\\u{2028}y\\u{2066}",
                "tab\\there\\x7f",
                "10.0.0.0\\x1b[1A",
                "\\u{202e}1.2.3.4",
            ] {
                assert!(
                    without_colours.contains(shown),
                    "{shown} in {without_colours}"
                );
            }
        }

        // Several gateways: the gateway names too, in cells and the footer.
        let f2 = fetched(Vec::new());
        let two = [
            GatewayOutput {
                gateway: "gw\x1b[31m",
                label: "gw\x1b[31m",
                fetched: &f,
            },
            GatewayOutput {
                gateway: "gw\nfake row",
                label: "gw\nfake row",
                fetched: &f2,
            },
        ];
        let table = render(ListFormat::Table, &two, Style::default());
        assert!(!table.chars().any(|c| c != '\n' && sanitize::is_unsafe(c)));
        assert!(
            table.contains("gateway gw\\x1b[31m: 7 connections"),
            "{table}"
        );
        assert!(
            table.contains("gateway gw\\nfake row: 0 connections"),
            "{table}"
        );

        // JSON and NDJSON: exact (serde escapes control characters as JSON requires).
        let json: serde_json::Value =
            serde_json::from_str(&render(ListFormat::Json, &one, Style::default())).unwrap();
        let names: Vec<&str> = json["connections"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["client_user_name"].as_str().unwrap())
            .collect();
        assert_eq!(names, HOSTILE);
        let ndjson = render(ListFormat::Ndjson, &one, Style::default());
        assert_eq!(ndjson.lines().count(), HOSTILE.len());
        for (line, name) in ndjson.lines().zip(HOSTILE) {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            assert_eq!(v["client_user_name"], name);
        }
    }

    /// What `--output json` wrote with serde: the documents, pretty.
    fn serde_json_output(results: &[GatewayOutput<'_>], several: bool) -> String {
        #[derive(serde::Serialize)]
        struct Document<'a> {
            #[serde(skip_serializing_if = "Option::is_none")]
            gateway_id: Option<&'a str>,
            connections: &'a [Connection],
            #[serde(skip_serializing_if = "Option::is_none")]
            total_count: Option<i64>,
            #[serde(skip_serializing_if = "Option::is_none")]
            request_id: Option<&'a str>,
        }
        let docs: Vec<Document<'_>> = results
            .iter()
            .map(|r| Document {
                gateway_id: several.then_some(r.gateway),
                connections: &r.fetched.connections,
                total_count: r.fetched.total_count,
                request_id: r.fetched.request_id.as_deref(),
            })
            .collect();
        let mut text = if several {
            serde_json::to_string_pretty(&docs).unwrap()
        } else {
            docs.first()
                .map(|d| serde_json::to_string_pretty(d).unwrap())
                .unwrap_or_default()
        };
        text.push('\n');
        text
    }

    #[test]
    fn json_is_laid_out_as_serde_lays_it_out() {
        let mut a = fetched(hostile_connections());
        a.request_id = Some("req\"1".to_owned());
        let mut b = fetched(Vec::new());
        b.total_count = None;
        let c = fetched(vec![Connection::default(), Connection::default()]);
        let outputs = |list: &[&'static str]| -> Vec<(&'static str, &Fetched)> {
            list.iter()
                .map(|name| match *name {
                    "a" => ("a", &a),
                    "b" => ("b", &b),
                    _ => ("c", &c),
                })
                .collect()
        };
        for names in [vec![], vec!["a"], vec!["b"], vec!["c"], vec!["a", "b", "c"]] {
            let chosen = outputs(&names);
            let results: Vec<GatewayOutput<'_>> = chosen
                .iter()
                .map(|(g, f)| GatewayOutput {
                    gateway: g,
                    label: g,
                    fetched: f,
                })
                .collect();
            for several in [false, true] {
                let mut out = Vec::new();
                write_list(
                    &mut out,
                    ListFormat::Json,
                    &results,
                    several,
                    Style::default(),
                )
                .unwrap();
                assert_eq!(
                    String::from_utf8(out).unwrap(),
                    serde_json_output(&results, several),
                    "{names:?}, several: {several}"
                );
            }
        }
    }

    #[test]
    fn csv_defuses_formulas_in_strings_only() {
        let f = fetched(vec![
            conn(serde_json::json!({
                "client_user_name": "=HYPERLINK(\"http://evil\",\"click\")",
                "client_virtual_ip": "+1",
                "client_ip": "@SUM(A1)",
                "inbound_bytes": -5,
                "outbound_bytes": 7,
                "inbound_packets": -1,
            })),
            conn(serde_json::json!({
                "client_user_name": "-cmd|' /C calc'!A0",
                "client_ip": "\tx",
            })),
            conn(serde_json::json!({
                "client_user_name": "a\nb\x1b[2J",
                "client_ip": "1.2.3.4",
            })),
        ]);
        let one = [GatewayOutput {
            gateway: "gw",
            label: "gw",
            fetched: &f,
        }];
        let text = render(ListFormat::Csv, &one, Style::default());
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 3, "{text}");
        let col = |name: &str| {
            columns::connection_fields()
                .iter()
                .position(|f| f == name)
                .unwrap()
        };
        assert_eq!(
            &rows[0][col("client_user_name")],
            "'=HYPERLINK(\"http://evil\",\"click\")"
        );
        assert_eq!(&rows[0][col("client_virtual_ip")], "'+1");
        assert_eq!(&rows[0][col("client_ip")], "'@SUM(A1)");
        // Numbers stay numbers.
        assert_eq!(&rows[0][col("inbound_bytes")], "-5");
        assert_eq!(&rows[0][col("inbound_packets")], "-1");
        assert_eq!(&rows[0][col("outbound_bytes")], "7");
        assert_eq!(&rows[1][col("client_user_name")], "'-cmd|' /C calc'!A0");
        assert_eq!(&rows[1][col("client_ip")], "'\tx");
        // Control characters stay exact; quoting keeps the row whole.
        assert_eq!(&rows[2][col("client_user_name")], "a\nb\x1b[2J");
        assert_eq!(&rows[2][col("client_ip")], "1.2.3.4");

        // The gateway column of several gateways too.
        let two = [
            GatewayOutput {
                gateway: "=gw",
                label: "=gw",
                fetched: &f,
            },
            GatewayOutput {
                gateway: "gw2",
                label: "gw2",
                fetched: &f,
            },
        ];
        let text = render(ListFormat::Csv, &two, Style::default());
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let first = reader.records().next().unwrap().unwrap();
        assert_eq!(&first[0], "'=gw");
    }

    #[test]
    fn long_cells_are_shortened_in_tables_only() {
        let long = format!("{}{}", "u".repeat(100), "\x1b".repeat(10));
        let f = fetched(vec![conn(serde_json::json!({
            "client_user_name": long,
            "client_ip": "9".repeat(200),
        }))]);
        let one = [GatewayOutput {
            gateway: "gw",
            label: "gw",
            fetched: &f,
        }];
        let table = render(ListFormat::Table, &one, Style::default());
        let shown = format!("{}…", "u".repeat(sanitize::CELL_MAX_CHARS - 1));
        assert!(table.contains(&format!("│ {shown} ┆")), "{table}");
        assert!(table.contains(&format!("{}…", "9".repeat(63))), "{table}");
        // Every line as wide as the others: the cap is applied before layout.
        let widths: Vec<usize> = table.lines().take(5).map(|l| l.chars().count()).collect();
        assert!(widths.windows(2).all(|w| w[0] == w[1]), "{widths:?}");

        let json: serde_json::Value =
            serde_json::from_str(&render(ListFormat::Json, &one, Style::default())).unwrap();
        assert_eq!(json["connections"][0]["client_user_name"], long.as_str());
        let csv = render(ListFormat::Csv, &one, Style::default());
        assert!(csv.contains(&"9".repeat(200)));
        assert!(csv.contains(&long));
    }

    #[test]
    fn a_10_mb_user_name_is_capped_before_layout() {
        let huge = "n".repeat(10 * 1024 * 1024);
        let f = fetched(vec![conn(serde_json::json!({ "client_user_name": huge }))]);
        let one = [GatewayOutput {
            gateway: "gw",
            label: "gw",
            fetched: &f,
        }];
        // Before the cap: seconds of layout, growing with the square of the length. The
        // cell is shortened before layout, so the table is small (no clock asserted).
        let table = render(ListFormat::Table, &one, Style::default());
        assert!(table.len() < 4096, "{}", table.len());
        let shown = format!("{}…", "n".repeat(sanitize::CELL_MAX_CHARS - 1));
        assert!(table.contains(&shown), "{table}");
    }

    /// User names of every shape the mock makes, and two of other scripts.
    const USERS: [&str; 8] = [
        "oscar_zhao06",
        "svc-ci-14",
        "hrossi",
        "alice.martin",
        "heidi.garcia",
        "jun_muller03",
        "用户名",
        "Zoë.lopez",
    ];

    /// Connections as the service writes them: these user names, public client IPs,
    /// counters from bytes to GiB.
    fn realistic_rows(n: usize, users: &[&str]) -> Vec<Connection> {
        (0..n)
            .map(|i| {
                let i64 = i as i64;
                conn(serde_json::json!({
                    "connection_id": uuid::Uuid::from_u128(0x8e7c_6483_f123_4951_bd4d_77f8_6852_a47d ^ ((i as u128) << 64)),
                    "client_user_name": users[i % users.len()],
                    "client_virtual_ip": format!("172.17.{}.{}", i / 250, 2 + i % 250),
                    "client_ip": format!("{}.{}.{}.{}", 36 + i % 180, (i * 7) % 256, (i * 13) % 256, 1 + i % 254),
                    "inbound_bytes": 1_500 + i64 * i64 * 9_973,
                    "outbound_bytes": 3_000 + i64 * 7_340_033,
                    "inbound_packets": 10 + i64,
                    "outbound_packets": 20 + i64,
                    "connection_established_time": format!("2024-06-16T{:02}:{:02}:48.644Z", i % 24, i % 60),
                    "timestamp": "2024-06-17T03:00:00Z",
                }))
            })
            .collect()
    }

    /// Every line of `table` at most `max` display columns, and one line per row: the
    /// table's lines are its 3 rules, the header and `rows` rows, then the note on hidden
    /// columns, if any, and the footer lines.
    fn assert_fitted(table: &str, max: usize, rows: usize, footer_lines: usize) {
        for line in table.lines() {
            assert!(
                line.width() <= max,
                "{} > {max}: {line}\n{table}",
                line.width()
            );
        }
        let lines: Vec<&str> = table.lines().collect();
        let note = lines[3 + rows + 1..lines.len() - footer_lines].join(" ");
        assert!(
            note.is_empty() || note.starts_with("Not shown to fit"),
            "{table}"
        );
        assert!(
            lines[0].starts_with('╭') && lines[2].starts_with('╞'),
            "{table}"
        );
        assert!(lines[3 + rows].starts_with('╰'), "{table}");
        for line in &lines[3..3 + rows] {
            assert!(line.starts_with("│ ") && line.ends_with(" │"), "{line}");
        }
    }

    #[test]
    fn tables_fit_80_columns_with_one_line_per_row() {
        let a = fetched(realistic_rows(500, &USERS));
        let b = fetched(realistic_rows(
            37,
            &[
                "a.very.long.user.name@corp.example.com",
                "svc-ci-01",
                "用户名",
            ],
        ));
        let one = [GatewayOutput {
            gateway: "gw",
            label: "gw",
            fetched: &a,
        }];
        let two = [
            GatewayOutput {
                gateway: "6c8a4f52-8b3e-4b8e-9a0e-3c1f2b7d9e01",
                label: "office-vpn-shanghai",
                fetched: &a,
            },
            GatewayOutput {
                gateway: "a1f3e5c7-0000-4000-8000-000000000002",
                label: "lab",
                fetched: &b,
            },
        ];
        for color in [false, true] {
            for max in [80, 100, 60] {
                let style = Style {
                    color,
                    tty: false,
                    width: TableWidth::Columns(max),
                };
                let table = strip_sgr(&render(ListFormat::Table, &one, style));
                assert_fitted(&table, max, 500, 1);
                let table = strip_sgr(&render(ListFormat::Table, &two, style));
                assert_fitted(&table, max, 537, 3);
            }
        }

        // The least important columns are hidden first; no value is cut. One column
        // short of the full width: the connection ID goes.
        let style = |n| Style {
            width: TableWidth::Columns(n),
            ..Style::default()
        };
        let full = render(ListFormat::Table, &one, Style::default());
        let full_width = full.lines().next().unwrap().width();
        let table = render(ListFormat::Table, &one, style(full_width - 1));
        assert!(!table.contains("8e7c6483"), "{table:.2000}");
        assert!(table.contains(" 2024-06-16 00:00:48 "), "{table:.2000}");
        let note = format!("Not shown to fit {} columns: CONNECTION ID", full_width - 1);
        assert!(table.contains(&note), "{table:.2000}");
        // At 80: the user, the IPs and how long connected, whole.
        let table = render(ListFormat::Table, &one, style(80));
        assert!(!table.contains('…'), "{table:.2000}");
        for whole in [
            " oscar_zhao06 ",
            " 172.17.0.2 ",
            " 36.0.0.1 ",
            " CONNECTED FOR ",
        ] {
            assert!(table.contains(whole), "{whole} in {table:.2000}");
        }
        assert!(table.contains("\nNot shown to fit 80 columns: ESTABLISHED (UTC), IN, OUT,"));
    }

    #[test]
    fn streamed_tables_fit_too() {
        let n = STREAM_TABLE_ROWS + 1;
        let f = fetched(realistic_rows(n, &USERS));
        let one = [GatewayOutput {
            gateway: "gw",
            label: "gw",
            fetched: &f,
        }];
        let style = Style {
            width: TableWidth::Columns(80),
            ..Style::default()
        };
        let table = render(ListFormat::Table, &one, style);
        assert_fitted(&table, 80, n, 1);
        assert!(!table.contains('…'), "{:.2000}", table);
    }

    #[test]
    fn large_tables_are_streamed_with_the_same_rows() {
        let n = STREAM_TABLE_ROWS + 1;
        let f = fetched(vec![Connection::default(); n]);
        let one = [GatewayOutput {
            gateway: "gw",
            label: "gw",
            fetched: &f,
        }];
        let table = render(ListFormat::Table, &one, Style::default());
        assert_eq!(table.lines().count(), n + 5);
        assert!(
            table.lines().nth(3).unwrap().starts_with("│ - "),
            "{table:.500}"
        );
        assert!(table.ends_with(&format!("╯\n{n} connections\n")));
    }

    /// Peak memory of a table of a million empty records: run alone, under
    /// `/usr/bin/time -v`, to read "Maximum resident set size":
    /// `cargo test -p p2c-vpn-cli --bin p2c-vpn -- --ignored --exact output::format::tests::million_empty_records_as_a_table`
    /// (or the test binary directly).
    #[test]
    #[ignore = "a measurement (peak RSS), run by hand"]
    fn million_empty_records_as_a_table() {
        let connections: Vec<Connection> = vec![Connection::default(); 1_000_000];
        let f = fetched(connections);
        let one = [GatewayOutput {
            gateway: "gw",
            label: "gw",
            fetched: &f,
        }];
        let started = std::time::Instant::now();
        let mut out = std::io::BufWriter::new(std::io::sink());
        write_list(&mut out, ListFormat::Table, &one, false, Style::default()).unwrap();
        eprintln!(
            "rendered 1,000,000 rows in {:?} ({} MiB of them in memory before rendering: {} bytes a Connection)",
            started.elapsed(),
            1_000_000 * std::mem::size_of::<Connection>() / (1024 * 1024),
            std::mem::size_of::<Connection>(),
        );
    }
}
