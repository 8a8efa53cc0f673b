//! JSON for the refusals hyper writes itself.
//!
//! When a request head cannot be parsed, hyper answers on its own, before any service of ours
//! runs, with a bare status line and no body (`proto::h1::role::Server::on_error`): 400 for a
//! malformed request line or header, two different `Content-Length` values or an unsupported
//! `Transfer-Encoding`; 414 for a URI over 65 534 bytes; 431 for more than 100 header fields or
//! a head over hyper's read buffer (417 792 bytes). hyper 1.x has no setting to shape that
//! answer, and the error reaches `serve_connection` only after the answer is on the wire.
//!
//! So the connection's I/O is wrapped here: the wrapper passes every byte through, except
//! hyper's automatic answer, which it recognises by its exact form and writes as a whole JSON
//! answer instead — same status, same `date`, `connection: close`, in the route's error shape.
//! Nothing else can take that form: every answer of the mock's own routes carries a
//! `content-type` and a JSON (or HTML) body, and JSON bodies never contain a raw CR LF.
//!
//! The route is known only from the request line, which is what failed to parse: the wrapper
//! keeps the first bytes the connection sent, and when the refused request is the connection's
//! first (none reached the router yet) and its path is a GraphQL path, the answer has the
//! GraphQL shape. Later requests on a kept-alive connection get the REST shape (**mock
//! decision**: the wrapper does not parse HTTP to tell where a later request starts).
//!
//! Not shaped (README, "Performance and robustness"): a connection closed for a head that
//! does not arrive in time (no answer at all), and HTTP/2 protocol errors (frames, not bodies).

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use serde_json::json;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::request::is_graphql_path;

/// hyper's limits behind its automatic 414 and 431 (its defaults, which the mock keeps).
pub(crate) const MAX_URI_BYTES: usize = 65_534;
pub(crate) const MAX_HEADERS: usize = 100;
pub(crate) const MAX_HEAD_BYTES: usize = 8192 + 4096 * 100;

/// How much of the connection's first bytes is kept to read the first request line.
const FIRST_BYTES: usize = 2048;

/// The statuses hyper answers itself, with the reason phrase it writes and the mock's message
/// (**mock decision** on the wording).
fn message(status: u16) -> Option<(&'static str, String)> {
    Some(match status {
        400 => (
            "Bad Request",
            "The request is not valid HTTP/1.1: a malformed request line or header, two different \
             Content-Length values, or a Transfer-Encoding other than chunked. Send one request line, \
             well-formed headers and at most one Content-Length."
                .to_string(),
        ),
        414 => (
            "URI Too Long",
            format!("The request URI is too long: the limit is {MAX_URI_BYTES} bytes. Send long values in a POST body."),
        ),
        431 => (
            "Request Header Fields Too Large",
            format!(
                "The request head is too large: the limit is {MAX_HEADERS} header fields and \
                 {MAX_HEAD_BYTES} bytes of request line and headers."
            ),
        ),
        _ => return None,
    })
}

/// What a wrapped connection knows about itself; shared with the service that serves it.
#[derive(Debug, Default)]
pub(crate) struct ConnectionMarks {
    /// A request of this connection reached the router.
    served: AtomicBool,
}

impl ConnectionMarks {
    /// Called for every request the router gets.
    pub(crate) fn served(&self) {
        self.served.store(true, Ordering::Relaxed);
    }
}

/// A connection's I/O, passing everything through but hyper's automatic refusals, which it
/// writes as JSON answers.
pub(crate) struct Shaped<IO> {
    inner: IO,
    marks: Arc<ConnectionMarks>,
    /// The first bytes read, up to [`FIRST_BYTES`].
    first: Vec<u8>,
    /// The JSON answer still to write, and how much of it is written.
    pending: Vec<u8>,
    written: usize,
}

impl<IO> Shaped<IO> {
    pub(crate) fn new(inner: IO) -> Self {
        Shaped {
            inner,
            marks: Arc::default(),
            first: Vec::new(),
            pending: Vec::new(),
            written: 0,
        }
    }

    /// The marks the service of this connection sets.
    pub(crate) fn marks(&self) -> Arc<ConnectionMarks> {
        self.marks.clone()
    }

    /// Whether the refused request was a GraphQL one, as far as the wrapper can tell.
    fn refused_graphql(&self) -> bool {
        if self.marks.served.load(Ordering::Relaxed) {
            return false;
        }
        let line = self.first.split(|b| *b == b'\n').next().unwrap_or(&[]);
        let target = line.split(|b| *b == b' ').nth(1).unwrap_or(&[]);
        let path = target.split(|b| *b == b'?').next().unwrap_or(&[]);
        std::str::from_utf8(path).is_ok_and(is_graphql_path)
    }

    /// The JSON answer that replaces hyper's refusal `head`.
    fn answer(&self, refusal: &Refusal<'_>) -> Vec<u8> {
        let body = if self.refused_graphql() {
            json!({"errors": [{"message": refusal.message, "extensions": {"category": "graphql-input"}}]})
        } else {
            json!({ "message": refusal.message })
        }
        .to_string();
        format!(
            "HTTP/1.1 {} {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\ndate: {}\r\n\r\n{body}",
            refusal.status,
            refusal.reason,
            body.len(),
            refusal.date,
        )
        .into_bytes()
    }
}

/// hyper's automatic refusal, read back from the bytes it writes.
struct Refusal<'a> {
    status: u16,
    reason: &'static str,
    message: String,
    date: &'a str,
}

/// Where hyper's automatic refusal starts in `buf`, if `buf` ends with one: exactly
/// `HTTP/1.1 <status> <reason>\r\nconnection: close\r\ncontent-length: 0\r\ndate: <date>\r\n\r\n`.
fn find_refusal(buf: &[u8]) -> Option<(usize, Refusal<'_>)> {
    const START: &[u8] = b"HTTP/1.1 ";
    // The longest refusal is 128 bytes: only the tail of a write is looked at, so a large
    // answer costs nothing more to send.
    const LONGEST: usize = 160;
    if !buf.ends_with(b"\r\n\r\n") {
        return None;
    }
    let from = buf.len().saturating_sub(LONGEST);
    let at = from + buf[from..].windows(START.len()).rposition(|w| w == START)?;
    let text = std::str::from_utf8(&buf[at..]).ok()?;
    let rest = text.strip_prefix("HTTP/1.1 ")?;
    let status: u16 = rest.get(..3)?.parse().ok()?;
    let (reason, message) = message(status)?;
    let rest = rest[3..].strip_prefix(' ')?.strip_prefix(reason)?;
    let rest = rest.strip_prefix("\r\nconnection: close\r\ncontent-length: 0\r\ndate: ")?;
    let date = rest.strip_suffix("\r\n\r\n")?;
    if date.len() != 29 || date.contains('\r') {
        return None;
    }
    Some((
        at,
        Refusal {
            status,
            reason,
            message,
            date,
        },
    ))
}

impl<IO: AsyncWrite + Unpin> Shaped<IO> {
    /// Writes what is left of the JSON answer.
    fn poll_pending(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.written < self.pending.len() {
            let n = ready!(Pin::new(&mut self.inner).poll_write(cx, &self.pending[self.written..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.written += n;
        }
        Poll::Ready(Ok(()))
    }
}

impl<IO: AsyncRead + Unpin> AsyncRead for Shaped<IO> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        ready!(Pin::new(&mut this.inner).poll_read(cx, buf))?;
        if this.first.len() < FIRST_BYTES {
            let new = &buf.filled()[before..];
            let take = new.len().min(FIRST_BYTES - this.first.len());
            this.first.extend_from_slice(&new[..take]);
        }
        Poll::Ready(Ok(()))
    }
}

impl<IO: AsyncWrite + Unpin> AsyncWrite for Shaped<IO> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        ready!(this.poll_pending(cx))?;
        match find_refusal(buf) {
            // What comes before the refusal (an earlier answer) goes out as it is first; hyper
            // calls again with the rest.
            Some((at, _)) if at > 0 => Pin::new(&mut this.inner).poll_write(cx, &buf[..at]),
            Some((_, refusal)) => {
                this.pending = this.answer(&refusal);
                this.written = 0;
                // The refusal counts as written; the answer goes out now or on the next flush.
                let _ = this.poll_pending(cx)?;
                Poll::Ready(Ok(buf.len()))
            }
            None => Pin::new(&mut this.inner).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_pending(cx))?;
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_pending(cx))?;
        Pin::new(&mut this.inner).poll_shutdown(cx)
    }

    // Not vectored: hyper then flattens each answer into one buffer, so a refusal it writes is
    // always the tail of one `poll_write`.
    fn is_write_vectored(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DATE: &str = "Tue, 01 Dec 2026 10:39:56 GMT";

    fn refusal(status: &str) -> String {
        format!("HTTP/1.1 {status}\r\nconnection: close\r\ncontent-length: 0\r\ndate: {DATE}\r\n\r\n")
    }

    #[test]
    fn hypers_refusals_are_recognised_at_the_end_of_a_write() {
        for (line, status) in [
            ("400 Bad Request", 400),
            ("414 URI Too Long", 414),
            ("431 Request Header Fields Too Large", 431),
        ] {
            let alone = refusal(line);
            let (at, r) = find_refusal(alone.as_bytes()).expect(line);
            assert_eq!((at, r.status, r.date), (0, status, DATE));
            let earlier = "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}";
            let both = format!("{earlier}{alone}");
            assert_eq!(
                find_refusal(both.as_bytes()).map(|(at, _)| at),
                Some(earlier.len())
            );
        }
    }

    #[test]
    fn other_answers_pass_through() {
        for other in [
            refusal("404 Not Found"),
            format!("{}x", refusal("400 Bad Request")),
            "HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}"
                .into(),
            String::new(),
        ] {
            assert!(find_refusal(other.as_bytes()).is_none(), "{other:?}");
        }
    }

    #[test]
    fn the_first_request_line_decides_the_shape() {
        let mut s = Shaped::new(());
        s.first = b"GET /graphql?query=x HTTP/1.1\r\nHost: x\r\n".to_vec();
        assert!(s.refused_graphql());
        s.first = b"POST /tenant-1/graphql HTTP/1.1\r\n".to_vec();
        assert!(s.refused_graphql());
        s.first = b"GET /rest/V1/customers/1 HTTP/1.1\r\n".to_vec();
        assert!(!s.refused_graphql());
        s.first = b"GET /graphql HTTP/1.1\r\n".to_vec();
        s.marks.served();
        assert!(!s.refused_graphql(), "a later request of the connection");
    }
}
