//! The Text log format's lines, written for less: [`PlainText`] writes the same bytes as
//! tracing-subscriber's default (Full) formatter without its detours, and leaves every line it
//! does not reproduce exactly to that formatter. The tests pin the bytes.

use std::cell::RefCell;
use std::fmt::{self, Write};
use std::time::{SystemTime, UNIX_EPOCH};

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::fmt::format::{Format, Full, Writer};
use tracing_subscriber::fmt::time::SystemTime as SystemTimer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// The Text format without colours, as `fmt::format().with_target(false)` writes it:
/// `<RFC 3339 UTC, microseconds> <level padded to 5> <message> <name>=<value>…`.
///
/// Faster by: the timestamp's date and time up to the second formatted once a second (per
/// thread), the level a constant, fields written straight into a buffer (no styles, which are
/// empty without colours). Lines it leaves to `full`, the formatter it stands for, byte for byte:
/// coloured ones, lines inside a span, `log` records (`log.*` fields), error values (their
/// sources), a message with a character the formatter would escape (ESC, BEL, BS, FF, DEL, C1),
/// writers without sanitization, and a clock before 1970 or after 9999.
pub(crate) struct PlainText {
    full: Format<Full, SystemTimer>,
}

impl PlainText {
    pub(crate) fn new() -> PlainText {
        PlainText {
            full: Format::default().with_target(false),
        }
    }
}

thread_local! {
    /// A line being written, so that a line [`PlainText`] leaves to the full formatter halfway
    /// leaves nothing behind.
    static LINE: RefCell<String> = const { RefCell::new(String::new()) };
    /// The unix second the prefix is for, and `YYYY-MM-DDTHH:MM:SS.` for it.
    static SECOND: RefCell<(u64, String)> = const { RefCell::new((u64::MAX, String::new())) };
}

impl<S, N> FormatEvent<S, N> for PlainText
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(&self, ctx: &FmtContext<'_, S, N>, mut writer: Writer<'_>, event: &Event<'_>) -> fmt::Result {
        let plain = !writer.has_ansi_escapes()
            && writer.sanitizes_ansi_escapes()
            && ctx.event_scope().is_none();
        let written = plain
            .then(|| {
                LINE.with(|line| {
                    let mut line = line.try_borrow_mut().ok()?;
                    line.clear();
                    plain_line(&mut line, event).then(|| writer.write_str(&line))
                })
            })
            .flatten();
        if let Some(result) = written {
            result
        } else {
            #[cfg(test)]
            tests::LEFT_TO_FULL.with(|n| n.set(n.get() + 1));
            self.full.format_event(ctx, writer, event)
        }
    }
}

/// `event`'s line into `line`; false if it is one for the full formatter.
fn plain_line(line: &mut String, event: &Event<'_>) -> bool {
    if !timestamp(line) {
        return false;
    }
    line.push_str(match *event.metadata().level() {
        Level::TRACE => "TRACE ",
        Level::DEBUG => "DEBUG ",
        Level::INFO => " INFO ",
        Level::WARN => " WARN ",
        Level::ERROR => "ERROR ",
    });
    let mut fields = PlainFields {
        line,
        first: true,
        ok: true,
    };
    event.record(&mut fields);
    if !fields.ok {
        return false;
    }
    line.push('\n');
    true
}

/// `tracing_subscriber::fmt::time::SystemTime`'s text for now, and a space; false before 1970
/// or after 9999.
fn timestamp(line: &mut String) -> bool {
    let Ok(since) = SystemTime::now().duration_since(UNIX_EPOCH) else {
        return false;
    };
    let secs = since.as_secs();
    if secs >= 253_402_300_800 {
        // 10000-01-01: the formatter writes `+10000`.
        return false;
    }
    SECOND.with(|second| {
        let mut second = second.borrow_mut();
        if second.0 != secs {
            second.1.clear();
            date_time(&mut second.1, secs);
            second.0 = secs;
        }
        line.push_str(&second.1);
    });
    let mut rest = since.subsec_micros();
    let mut digits = [b'0', b'0', b'0', b'0', b'0', b'0', b'Z', b' '];
    for d in digits[..6].iter_mut().rev() {
        *d = b'0' + (rest % 10) as u8;
        rest /= 10;
    }
    // Six ASCII digits, `Z `.
    line.push_str(std::str::from_utf8(&digits).unwrap_or("000000Z "));
    true
}

/// `YYYY-MM-DDTHH:MM:SS.` (UTC, proleptic Gregorian) for `secs` since 1970, years 1970–9999.
fn date_time(out: &mut String, secs: u64) {
    let days = (secs / 86_400) as i64;
    let in_day = secs % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let two = |out: &mut String, n: u64| {
        out.push(char::from(b'0' + (n / 10) as u8));
        out.push(char::from(b'0' + (n % 10) as u8));
    };
    let year = year as u64;
    two(out, year / 100);
    two(out, year % 100);
    out.push('-');
    two(out, month as u64);
    out.push('-');
    two(out, day as u64);
    out.push('T');
    two(out, in_day / 3600);
    out.push(':');
    two(out, in_day / 60 % 60);
    out.push(':');
    two(out, in_day % 60);
    out.push('.');
}

/// tracing-subscriber's `DefaultVisitor` without colours: `message` first as it is, the other
/// fields as `name=value` (`{:?}`: a `%` field's Display, a `&str` quoted), one space apart.
struct PlainFields<'a> {
    line: &'a mut String,
    first: bool,
    /// False once a field needs the full formatter.
    ok: bool,
}

/// What the full formatter's sanitization escapes in a message.
fn escaped_by_sanitization(text: &str) -> bool {
    text.chars()
        .any(|c| matches!(c, '\x1b' | '\x07' | '\x08' | '\x0c' | '\x7f' | '\u{80}'..='\u{9f}'))
}

impl Visit for PlainFields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.record_debug(field, &format_args!("{value}"))
        } else {
            self.record_debug(field, &value)
        }
    }

    fn record_error(&mut self, _field: &Field, _value: &(dyn std::error::Error + 'static)) {
        self.ok = false;
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if !self.ok {
            return;
        }
        let name = field.name();
        if name.starts_with("log.") {
            self.ok = false;
            return;
        }
        if !self.first {
            self.line.push(' ');
        }
        self.first = false;
        if name == "message" {
            let from = self.line.len();
            self.ok = write!(self.line, "{value:?}").is_ok()
                && !escaped_by_sanitization(&self.line[from..]);
            return;
        }
        self.line.push_str(name.strip_prefix("r#").unwrap_or(name));
        self.line.push('=');
        self.ok = write!(self.line, "{value:?}").is_ok();
    }
}

#[cfg(test)]
mod tests {
    use std::io;
    use std::sync::{Arc, Mutex};

    use axum::body::Body;
    use axum::extract::Request;
    use axum::response::Response;
    use tracing_subscriber::fmt::MakeWriter;
    use tracing_subscriber::EnvFilter;

    use crate::http::faults::FaultMark;
    use crate::http::front_door::GraphqlSummary;
    use crate::http::journal::record;
    use crate::http::startup::{log_dispatch, LogFormat};

    use super::*;

    thread_local! {
        /// Lines `PlainText` left to the full formatter on this thread.
        pub(super) static LEFT_TO_FULL: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
    }

    fn left_to_full() -> usize {
        LEFT_TO_FULL.with(|n| n.replace(0))
    }

    #[test]
    fn request_lines_are_written_by_plain_text_and_the_rest_as_before() {
        left_to_full();
        logged(LogFormat::Text, false, "info", requests);
        assert_eq!(left_to_full(), 0, "all request lines written by PlainText");
        logged(LogFormat::Text, false, "info", other_lines);
        // The message with ESC and BEL only.
        assert_eq!(left_to_full(), 1);
        logged(LogFormat::Text, true, "info", requests);
        assert_eq!(left_to_full(), 5, "coloured lines are the full formatter's");
        logged(LogFormat::Text, false, "info", || {
            let _span = tracing::info_span!("outer", n = 1).entered();
            tracing::info!(status = 200u64, "in a span");
        });
        assert_eq!(left_to_full(), 1, "lines in a span are the full formatter's");
        let e = io::Error::other("gone");
        logged(LogFormat::Text, false, "info", || {
            tracing::info!(error = &e as &(dyn std::error::Error + 'static), "an error value");
        });
        assert_eq!(left_to_full(), 1, "error values are the full formatter's");
    }

    #[test]
    fn plain_text_writes_what_the_full_formatter_writes() {
        // Both formatters on the same events, timestamps aside.
        let lines = |event_format: bool, ansi: bool| {
            let capture = Capture::default();
            let builder = tracing_subscriber::fmt()
                .with_env_filter(EnvFilter::new("trace"))
                .with_target(false)
                .with_ansi(ansi)
                .with_writer(capture.clone());
            let dispatch: tracing::Dispatch = if event_format {
                builder.event_format(PlainText::new()).finish().into()
            } else {
                builder.finish().into()
            };
            tracing::dispatcher::with_default(&dispatch, || {
                requests();
                other_lines();
                tracing::trace!(r#type = "t", "trace");
                tracing::debug!(x = ?Some("q\"uote"), "debug {}", 1);
                tracing::info!(b = 1u128, c = -1i128, "big ints");
                tracing::info!(empty = "", "");
                tracing::info!("no fields");
                tracing::info!(only = 1u64);
            });
            shaped(&capture.take())
        };
        for ansi in [false, true] {
            assert_eq!(lines(true, ansi), lines(false, ansi), "ansi: {ansi}");
        }
    }

    #[test]
    fn timestamps_are_the_system_timers() {
        use tracing_subscriber::fmt::time::FormatTime;
        for _ in 0..100 {
            let mut stock = String::new();
            SystemTimer.format_time(&mut Writer::new(&mut stock)).unwrap();
            let mut ours = String::new();
            assert!(timestamp(&mut ours));
            assert_eq!(ours.len(), stock.len() + 1, "{ours:?} {stock:?}");
            assert!(ours.ends_with("Z "), "{ours:?}");
            // The same second (unless one was just crossed), the same shape.
            if ours[..19] == stock[..19] {
                assert_eq!(ours.as_bytes()[19], b'.');
                return;
            }
        }
        panic!("never the same second");
    }

    #[test]
    fn dates_and_times_up_to_the_second() {
        // `date -u -d @N +%Y-%m-%dT%H:%M:%S.`
        for (secs, text) in [
            (0, "1970-01-01T00:00:00."),
            (951_782_400, "2000-02-29T00:00:00."),
            (1_709_251_199, "2024-02-29T23:59:59."),
            (1_764_604_591, "2025-12-01T15:56:31."),
            (4_107_542_400, "2100-03-01T00:00:00."),
            (4_102_444_799, "2099-12-31T23:59:59."),
            (253_402_300_799, "9999-12-31T23:59:59."),
        ] {
            let mut out = String::new();
            date_time(&mut out, secs);
            assert_eq!(out, text, "{secs}");
        }
    }

    /// A writer into a shared buffer, which also counts the writes (one per line).
    #[derive(Clone, Default)]
    struct Capture {
        bytes: Arc<Mutex<Vec<u8>>>,
        writes: Arc<Mutex<usize>>,
    }

    impl io::Write for Capture {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.bytes.lock().unwrap().extend_from_slice(buf);
            *self.writes.lock().unwrap() += 1;
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Capture {
        type Writer = Capture;
        fn make_writer(&'a self) -> Capture {
            self.clone()
        }
    }

    impl Capture {
        fn take(&self) -> String {
            String::from_utf8(std::mem::take(&mut *self.bytes.lock().unwrap())).unwrap()
        }
    }

    /// Runs `emit` with the subscriber `init_logging` installs for `format` (at `info`, or
    /// `filter`), writing into a buffer; returns what it wrote.
    fn logged(format: LogFormat, ansi: bool, filter: &str, emit: impl FnOnce()) -> String {
        let capture = Capture::default();
        let dispatch = log_dispatch(format, EnvFilter::new(filter), ansi, capture.clone());
        tracing::dispatcher::with_default(&dispatch, emit);
        capture.take()
    }

    /// One request through the journal's middleware, answered with `status` (and `operation`
    /// and `fault` in the response's extensions).
    fn request(path: &str, operation: Option<&str>, status: u16, fault: Option<&'static str>) {
        let request = Request::builder()
            .method("POST")
            .uri(path)
            .body(Body::empty())
            .unwrap();
        let operation = operation.map(Into::into);
        let answered = record(request, move |_| async move {
            let mut response = Response::new(Body::empty());
            *response.status_mut() = status.try_into().unwrap();
            response.extensions_mut().insert(GraphqlSummary { operation });
            if let Some(kind) = fault {
                response.extensions_mut().insert(FaultMark { id: 7, kind });
            }
            response
        });
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(answered);
    }

    /// `text` with each line's timestamp (checked for its shape: RFC 3339, microseconds, UTC)
    /// replaced by `<ts>` and each `ms=` duration (two decimals) by `<ms>`.
    fn shaped(text: &str) -> String {
        let ts = regex::Regex::new(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z").unwrap();
        // Coloured: `ms`, then `=` dimmed.
        let ms = regex::Regex::new(r"(ms(?:\x1b\[0m\x1b\[2m=\x1b\[0m|=))\d+\.\d\d").unwrap();
        let mut out = String::new();
        for line in text.split_inclusive('\n') {
            let line = ts.replace(line, "<ts>");
            assert!(line.contains("<ts>"), "a timestamp in {line:?}");
            out.push_str(&ms.replace(&line, "${1}<ms>"));
        }
        out
    }

    fn requests() {
        request("/graphql", Some("generateCustomerToken"), 200, None);
        request("/rest/V1/nothing", None, 404, None);
        request("/graphql", Some("customer"), 200, Some("drop"));
        request("/graphql", None, 503, Some("status"));
        // Quotes, a C1 control (U+009B, CSI on some terminals), non-ASCII and a percent-encoded
        // ESC: what an HTTP path may hold (http's URI parser refuses a raw ESC, see below).
        request("/a\"b\"/\u{9b}31m/é/%1b[2J", Some("x"), 200, None);
    }

    #[test]
    fn a_raw_escape_never_reaches_the_log_in_a_path() {
        for bad in ["/a\u{1b}[31m", "/a\u{7f}", "/a\u{7}", "/a b"] {
            assert!(Request::builder().uri(bad).body(()).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn text_request_lines_are_pinned() {
        let text = logged(LogFormat::Text, false, "info", requests);
        assert_eq!(
            shaped(&text),
            concat!(
                "<ts>  INFO request method=POST path=/graphql operation=generateCustomerToken status=200 ms=<ms>\n",
                "<ts>  INFO request method=POST path=/rest/V1/nothing operation=- status=404 ms=<ms>\n",
                "<ts>  INFO request method=POST path=/graphql operation=customer status=0 ms=<ms> fault=\"drop\"\n",
                "<ts>  INFO request method=POST path=/graphql operation=- status=503 ms=<ms> fault=\"status\"\n",
                "<ts>  INFO request method=POST path=/a\"b\"/\u{9b}31m/é/%1b[2J operation=x status=200 ms=<ms>\n",
            )
        );
    }

    #[test]
    fn text_lines_without_escape_codes_when_not_coloured() {
        let text = logged(LogFormat::Text, false, "info", requests);
        assert!(!text.contains('\u{1b}'), "{text:?}");
    }

    #[test]
    fn coloured_text_request_lines_are_pinned() {
        let text = logged(LogFormat::Text, true, "info", || {
            request("/graphql", Some("generateCustomerToken"), 200, None);
            request("/graphql", None, 503, Some("status"));
        });
        assert_eq!(
            shaped(&text),
            concat!(
                "\u{1b}[2m<ts>\u{1b}[0m \u{1b}[32m INFO\u{1b}[0m request \u{1b}[3mmethod\u{1b}[0m\u{1b}[2m=\u{1b}[0mPOST \u{1b}[3mpath\u{1b}[0m\u{1b}[2m=\u{1b}[0m/graphql \u{1b}[3moperation\u{1b}[0m\u{1b}[2m=\u{1b}[0mgenerateCustomerToken \u{1b}[3mstatus\u{1b}[0m\u{1b}[2m=\u{1b}[0m200 \u{1b}[3mms\u{1b}[0m\u{1b}[2m=\u{1b}[0m<ms>\n",
                "\u{1b}[2m<ts>\u{1b}[0m \u{1b}[32m INFO\u{1b}[0m request \u{1b}[3mmethod\u{1b}[0m\u{1b}[2m=\u{1b}[0mPOST \u{1b}[3mpath\u{1b}[0m\u{1b}[2m=\u{1b}[0m/graphql \u{1b}[3moperation\u{1b}[0m\u{1b}[2m=\u{1b}[0m- \u{1b}[3mstatus\u{1b}[0m\u{1b}[2m=\u{1b}[0m503 \u{1b}[3mms\u{1b}[0m\u{1b}[2m=\u{1b}[0m<ms> \u{1b}[3mfault\u{1b}[0m\u{1b}[2m=\u{1b}[0m\"status\"\n",
            )
        );
    }

    /// The other lines the mock writes (same call shapes as theirs), at every level shown.
    fn other_lines() {
        let name = "sb-1";
        let idle = 600;
        tracing::info!(sandbox = %name, "sandbox ended after {idle} s unused");
        tracing::info!(sandbox = %name, "sandbox evicted to make room");
        tracing::info!("shutting down: letting in-flight requests finish");
        tracing::info!(file = %"fixtures/a b.json", "fixtures reloaded");
        let e = io::Error::other("no \"such\" file");
        tracing::warn!(problem = %e, "fixtures not reloaded, the last good ones keep serving");
        tracing::warn!(error = %e, "accept failed; retrying");
        tracing::error!(panic = "boom \"x\"\u{1b}[31m", "a handler panicked; answering 500");
        tracing::info!("an escape \u{1b}[31m and a bell \u{7} in a message");
        tracing::info!(count = 3u64, on = true, neg = -2i64, f = 1.5f64, "typed");
        tracing::debug!(method = "POST", "not shown at info");
    }

    #[test]
    fn other_text_lines_are_pinned() {
        let text = logged(LogFormat::Text, false, "info", other_lines);
        assert_eq!(
            shaped(&text),
            concat!(
                "<ts>  INFO sandbox ended after 600 s unused sandbox=sb-1\n",
                "<ts>  INFO sandbox evicted to make room sandbox=sb-1\n",
                "<ts>  INFO shutting down: letting in-flight requests finish\n",
                "<ts>  INFO fixtures reloaded file=fixtures/a b.json\n",
                "<ts>  WARN fixtures not reloaded, the last good ones keep serving problem=no \"such\" file\n",
                "<ts>  WARN accept failed; retrying error=no \"such\" file\n",
                "<ts> ERROR a handler panicked; answering 500 panic=\"boom \\\"x\\\"\\u{1b}[31m\"\n",
                "<ts>  INFO an escape \\x1b[31m and a bell \\x07 in a message\n",
                "<ts>  INFO typed count=3 on=true neg=-2 f=1.5\n",
            )
        );
    }

    #[test]
    fn a_warn_filter_shows_no_request_lines() {
        let text = logged(LogFormat::Text, false, "warn", requests);
        assert_eq!(text, "");
    }

    #[test]
    fn json_request_lines_are_pinned() {
        let text = logged(LogFormat::Json, false, "info", requests);
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let ts = regex::Regex::new(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$").unwrap();
        let ms = regex::Regex::new(r"^\d+\.\d\d$").unwrap();
        let mut shaped = Vec::new();
        for mut line in lines {
            let o = line.as_object_mut().unwrap();
            assert!(ts.is_match(o["timestamp"].as_str().unwrap()), "{o:?}");
            assert!(ms.is_match(o["ms"].as_str().unwrap()), "{o:?}");
            o.insert("timestamp".into(), "<ts>".into());
            o.insert("ms".into(), "<ms>".into());
            shaped.push(serde_json::to_string(&line).unwrap());
        }
        assert_eq!(
            shaped,
            [
                r#"{"timestamp":"<ts>","level":"INFO","message":"request","method":"POST","path":"/graphql","operation":"generateCustomerToken","status":200,"ms":"<ms>"}"#,
                r#"{"timestamp":"<ts>","level":"INFO","message":"request","method":"POST","path":"/rest/V1/nothing","operation":"-","status":404,"ms":"<ms>"}"#,
                r#"{"timestamp":"<ts>","level":"INFO","message":"request","method":"POST","path":"/graphql","operation":"customer","status":0,"ms":"<ms>","fault":"drop"}"#,
                r#"{"timestamp":"<ts>","level":"INFO","message":"request","method":"POST","path":"/graphql","operation":"-","status":503,"ms":"<ms>","fault":"status"}"#,
                "{\"timestamp\":\"<ts>\",\"level\":\"INFO\",\"message\":\"request\",\"method\":\"POST\",\"path\":\"/a\\\"b\\\"/\u{9b}31m/é/%1b[2J\",\"operation\":\"x\",\"status\":200,\"ms\":\"<ms>\"}",
            ]
        );
    }

    #[test]
    fn one_write_per_line() {
        let capture = Capture::default();
        let dispatch = log_dispatch(LogFormat::Text, EnvFilter::new("info"), false, capture.clone());
        tracing::dispatcher::with_default(&dispatch, requests);
        assert_eq!(*capture.writes.lock().unwrap(), 5);
        assert_eq!(capture.take().lines().count(), 5);
    }
}
