//! Robustness at the door: the request body is read here, once, with a size limit and
//! a deadline, and a panic anywhere below becomes a 500. Every refusal is JSON in the shape of the
//! route it was sent to (GraphQL: Magento's error shape with `graphql-input`; REST and the
//! control API: `{"message": …}`), so a client never sees a plain-text answer from the mock.
//!
//! Slow *headers* are cut by hyper's header read timeout (see `server.rs`); slow *bodies* by the
//! deadline here.

use std::any::Any;
use std::future::Future as _;
use std::task::Poll;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::header;
use axum::response::Response;
use http_body_util::{BodyExt, Limited};
use serde_json::json;

use crate::graphql::Category;

use super::front_door::{json_response, request_error};
use super::request::is_graphql_path;
use super::AppState;

/// The largest request body the mock reads (1 MiB), by default.
pub(crate) const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;
/// How long a client may take to send a request body, by default.
pub(crate) const DEFAULT_BODY_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// **Mock decision**: the 500 message of a handler that panicked.
pub(crate) const PANIC_MESSAGE: &str = "Internal server error";

/// An error answer in the shape of the route `path` belongs to.
pub(crate) fn refusal(path: &str, status: u16, category: Category, message: &str) -> Response {
    shaped_refusal(is_graphql_path(path), status, category, message)
}

/// An error answer in GraphQL's shape or in the REST and control API's.
fn shaped_refusal(graphql: bool, status: u16, category: Category, message: &str) -> Response {
    if graphql {
        request_error(status, category, message)
    } else {
        json_response(status, &json!({ "message": message }))
    }
}

/// The message of a body over the limit (**mock decision**).
pub(crate) fn too_large_message(limit: usize) -> String {
    format!("Request body is too large: the limit is {limit} bytes.")
}

/// The message of a body that did not arrive in time (**mock decision**).
pub(crate) fn too_slow_message(timeout: Duration) -> String {
    format!("Request body was not received within {} ms.", timeout.as_millis())
}

/// Marks the answer [`panic_response`] built, so [`guard`] can reshape it for its route.
#[derive(Debug, Clone, Copy)]
struct Panicked;

/// For `CatchPanicLayer::custom`: logs the panic and answers 500 (reshaped by [`guard`]).
pub(crate) fn panic_response(panic: Box<dyn Any + Send + 'static>) -> Response {
    let detail = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("(no message)");
    tracing::error!(panic = detail, "a handler panicked; answering 500");
    let mut response = json_response(500, &json!({ "message": PANIC_MESSAGE }));
    response.extensions_mut().insert(Panicked);
    response
}

/// What `body.collect().await` and `to_bytes()` give (the data frames joined, trailers
/// dropped), without `Collected`'s list of frames: a body of one data frame (what hyper hands
/// over for a body that came with its request head) is that frame's bytes, not copied, and
/// a body that says it has ended is not polled again.
pub(crate) async fn read_whole<B>(body: B) -> Result<Bytes, B::Error>
where
    B: axum::body::HttpBody<Data = Bytes>,
{
    let mut body = std::pin::pin!(body);
    let mut first: Option<Bytes> = None;
    let mut joined: Option<Vec<u8>> = None;
    while !body.is_end_stream() {
        let Some(frame) = body.frame().await else {
            break;
        };
        let Ok(data) = frame?.into_data() else {
            continue;
        };
        match (&mut first, &mut joined) {
            (_, Some(all)) => all.extend_from_slice(&data),
            (None, None) => first = Some(data),
            (Some(head), None) => {
                let mut all = Vec::with_capacity(head.len() + data.len());
                all.extend_from_slice(head);
                all.extend_from_slice(&data);
                joined = Some(all);
            }
        }
    }
    Ok(match (joined, first) {
        (Some(all), _) => Bytes::from(all),
        (None, Some(only)) => only,
        (None, None) => Bytes::new(),
    })
}

/// Middleware: reads the body with the configured limit and deadline, then runs the request with
/// the buffered body; turns a caught panic into the route's error shape.
pub(crate) async fn guard<F>(app: &AppState, request: Request, next: impl FnOnce(Request) -> F) -> Response
where
    F: std::future::Future<Output = Response>,
{
    let limit = app.config.max_body_bytes;
    let timeout = app.config.body_read_timeout;
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return refusal(request.uri().path(), 413, Category::Input, &too_large_message(limit));
    }
    let (parts, body) = request.into_parts();
    let path = parts.uri.path();
    let mut collect = std::pin::pin!(read_whole(Limited::new(body, limit)));
    // A body that came with its headers (most do) is read by one poll, without arming the
    // deadline's timer; the deadline starts when the body is first found not all there.
    let read = match std::future::poll_fn(|cx| Poll::Ready(collect.as_mut().poll(cx))).await {
        Poll::Ready(read) => Ok(read),
        Poll::Pending => tokio::time::timeout(timeout, collect).await,
    };
    let bytes: Bytes = match read {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => {
            return refusal(path, 413, Category::Input, &too_large_message(limit));
        }
        // The client went away or sent a broken body: nobody reads this answer.
        Ok(Err(_)) => {
            return refusal(path, 400, Category::Input, "The request body could not be read.");
        }
        Err(_) => return refusal(path, 408, Category::Input, &too_slow_message(timeout)),
    };
    let is_graphql = is_graphql_path(parts.uri.path());
    let response = next(Request::from_parts(parts, Body::from(bytes))).await;
    if response.extensions().get::<Panicked>().is_some() {
        return shaped_refusal(is_graphql, 500, Category::Internal, PANIC_MESSAGE);
    }
    response
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;
    use std::pin::Pin;
    use std::task::Context;

    use http_body_util::BodyExt;

    use super::*;

    /// A body of the given frames (data, trailers or an error), one per poll, that never says
    /// it has ended before its last frame is taken.
    struct Frames(VecDeque<Result<hyper::body::Frame<Bytes>, &'static str>>);

    impl axum::body::HttpBody for Frames {
        type Data = Bytes;
        type Error = &'static str;
        fn poll_frame(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Option<Result<hyper::body::Frame<Bytes>, &'static str>>> {
            Poll::Ready(self.0.pop_front())
        }
    }

    /// A frame of a test body: data, trailers or an error.
    #[derive(Debug, Clone, Copy)]
    enum F {
        Data(&'static str),
        Trailers,
        Error(&'static str),
    }

    fn body(frames: &[F]) -> Frames {
        Frames(
            frames
                .iter()
                .map(|f| match *f {
                    F::Data(text) => Ok(hyper::body::Frame::data(Bytes::from_static(text.as_bytes()))),
                    F::Trailers => {
                        let mut map = axum::http::HeaderMap::new();
                        map.insert("x-trailer", axum::http::HeaderValue::from_static("1"));
                        Ok(hyper::body::Frame::trailers(map))
                    }
                    F::Error(e) => Err(e),
                })
                .collect(),
        )
    }

    #[tokio::test]
    async fn a_body_is_read_whole_as_collect_reads_it() {
        use F::*;
        let cases: [&[F]; 7] = [
            &[],
            &[Data("")],
            &[Data("{\"query\":\"{ a }\"}")],
            &[Data("one "), Data("two "), Data("three")],
            &[Data("before"), Trailers],
            &[Trailers, Data("after trailers")],
            &[Data("a"), Data(""), Data("b"), Trailers, Data("c")],
        ];
        for frames in cases {
            let ours = read_whole(body(frames)).await.unwrap();
            let theirs = body(frames).collect().await.unwrap().to_bytes();
            assert_eq!(ours, theirs, "{frames:?}");
        }
        let broken = [Data("start"), Error("the client went away"), Data("never read")];
        assert_eq!(read_whole(body(&broken)).await, Err("the client went away"));
    }

    #[tokio::test]
    async fn a_body_of_one_frame_is_that_frames_bytes_not_a_copy() {
        let frame = Bytes::from(b"a body that came with its head".to_vec());
        let body = http_body_util::Full::new(frame.clone());
        let read = read_whole(body).await.unwrap();
        assert_eq!(read.as_ptr(), frame.as_ptr());
    }
}
