//! The benchmark ceiling: a bare hyper 1 server that answers every request with a fixed JSON body
//! (the shape of a successful `generateCustomerToken`), with no routing, parsing or state.
//!
//! `bench/run.sh` measures it next to the mock with the same load generator, so the mock's
//! figures can be read as a fraction of what hyper and tokio can do on this machine.
//!
//! ```text
//! cargo run --release --example bare_hyper -- 4101
//! ```

use std::convert::Infallible;
use std::net::SocketAddr;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::net::TcpListener;

/// The same bytes a successful sign-in answers with (a fixed, syntactically valid HS256 JWS).
const BODY: &str = concat!(
    r#"{"data":{"generateCustomerToken":{"token":""#,
    "eyJraWQiOiIxIiwiYWxnIjoiSFMyNTYifQ.",
    "eyJ1aWQiOjEsInV0eXBpZCI6MywiaWF0IjoxNzY3MjI1NjAwLCJleHAiOjE3NjcyMjkyMDB9.",
    "L03FsvnmCLbsxr7EBT2GFy3myT2U2D_FgdNfwn59WV4",
    r#""}}}"#
);

async fn answer(_req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let mut response = Response::new(Full::new(Bytes::from_static(BODY.as_bytes())));
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    Ok(response)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let port: u16 = match std::env::args().nth(1) {
        Some(arg) => arg
            .parse()
            .map_err(|e| format!("port {arg:?} is not a number ({e}); usage: bare_hyper <port>"))?,
        None => 4101,
    };
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}; try another port"))?;
    println!(
        "bare hyper serving fixed JSON on http://{}/",
        listener.local_addr()?
    );
    loop {
        let (stream, _) = listener.accept().await?;
        tokio::spawn(async move {
            let io = TokioIo::new(stream);
            let _ = auto::Builder::new(TokioExecutor::new())
                .serve_connection(io, hyper::service::service_fn(answer))
                .await;
        });
    }
}
