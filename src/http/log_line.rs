//! The log lines' bytes, pinned: what `init_logging`'s subscriber writes for a request and for
//! the other lines, Text (plain and coloured) and Json.

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
        let operation = operation.map(str::to_string);
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
