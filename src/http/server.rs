//! The server's state, routes and lifecycle (`serve`, and an in-process [`TestServer`]).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::Request;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method};
use axum::response::Response;
use axum::routing::{any, get};
use axum::Extension;
use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tower::Layer;
use tower::ServiceExt;
use tower_http::cors::{AllowHeaders, AllowMethods, AllowOrigin, Any, Cors, CorsLayer};

use crate::domain::{Clock, Domain, Fixtures, StoreIdentity};
use crate::graphql::Engine;
use crate::ops::{self, RequestCtx};
use crate::profile::Profile;

use super::faults;
use super::front_door;
use super::guard;
use super::journal;
use super::request::{self, DocumentCache, GraphqlRequest};
use super::startup::{self, LogFormat};
use super::store::Store;
use super::stores::{ClockStart, SandboxLimits, Stores, DEFAULT_MAX_SANDBOXES, DEFAULT_SANDBOX_IDLE_SECS};
use super::watch::{self, FixtureStatus, WatchTask, WATCH_INTERVAL};
use super::{control, gate, options, protocol, rest, storefront_pages};

/// How `serve` was asked to run: one field per `serve` option, defaults as `serve` has them.
///
/// [`TestServer::start_config`] takes one too (with host and port forced to `127.0.0.1:0`):
///
/// ```
/// use commerce_auth_mock::{Fixtures, Profile, ServeConfig, TestServer};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let config = ServeConfig {
///     profile: Profile::Paas247,
///     control_token: Some("s3cret".into()),
///     ..ServeConfig::default()
/// };
/// let server = TestServer::start_config(config, Fixtures::embedded_default()).await;
/// let access = format!("{}/__mock/access", server.base_url());
/// let client = reqwest::Client::new();
/// let refused = client.get(&access).send().await.unwrap();
/// assert_eq!(refused.status(), 401);
/// let allowed = client.get(&access).bearer_auth("s3cret").send().await.unwrap();
/// assert_eq!(allowed.status(), 200);
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct ServeConfig {
    pub host: String,
    pub port: u16,
    pub profile: Profile,
    /// A fixtures file; `None` uses the embedded defaults.
    pub fixtures: Option<PathBuf>,
    /// Origins allowed by CORS; empty means any origin.
    pub cors_origins: Vec<String>,
    /// Required as `Authorization: Bearer <token>` on `/__mock/*`.
    pub control_token: Option<String>,
    /// Removes the `/__mock/*` control API entirely.
    pub no_control: bool,
    /// Reload `fixtures` when the file changes (`serve --watch`).
    pub watch: bool,
    /// Email confirmation required, whatever the fixtures say (`serve --require-confirmation`).
    pub require_confirmation: bool,
    /// The address the mock is reached at, when not the one it binds (a proxy, a container's
    /// published port): the base of email links and of the storefront pages they open.
    pub public_url: Option<String>,
    /// A connection that has not sent a whole request head within this time is closed.
    pub header_read_timeout: Duration,
    /// A request body not received within this time is answered 408.
    pub body_read_timeout: Duration,
    /// A request body over this many bytes is answered 413.
    pub max_body_bytes: usize,
    /// On Ctrl-C / SIGTERM, how long in-flight requests may take before the server stops anyway.
    pub shutdown_grace: Duration,
    /// Host names the mock answers besides IP addresses, `localhost` and the `public_url` host
    /// (`serve --allowed-host`; a leading dot allows every subdomain).
    pub allowed_hosts: Vec<String>,
    /// Serve an unguarded control API on a non-loopback address (`serve
    /// --dangerously-allow-open-control`).
    pub dangerously_allow_open_control: bool,
    /// The bounds of the sandboxes (`serve --max-sandboxes`, `--sandbox-idle-seconds`).
    pub sandboxes: SandboxLimits,
    /// Once listening, write the served URLs here as JSON (`serve --ready-file`).
    pub ready_file: Option<PathBuf>,
    /// How the start line is written (`serve --log-format`; the subscriber is set up by the caller).
    pub log_format: LogFormat,
}

/// Default of [`ServeConfig::header_read_timeout`] (hyper's own default).
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// Default of [`ServeConfig::shutdown_grace`].
pub const DEFAULT_SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

impl Default for ServeConfig {
    fn default() -> Self {
        ServeConfig {
            host: "127.0.0.1".into(),
            port: 4000,
            profile: Profile::Saas,
            fixtures: None,
            cors_origins: Vec::new(),
            control_token: None,
            no_control: false,
            watch: false,
            require_confirmation: false,
            public_url: None,
            allowed_hosts: Vec::new(),
            dangerously_allow_open_control: false,
            sandboxes: SandboxLimits {
                max: DEFAULT_MAX_SANDBOXES,
                idle_secs: DEFAULT_SANDBOX_IDLE_SECS,
            },
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
            body_read_timeout: guard::DEFAULT_BODY_READ_TIMEOUT,
            max_body_bytes: guard::DEFAULT_MAX_BODY_BYTES,
            shutdown_grace: DEFAULT_SHUTDOWN_GRACE,
            ready_file: None,
            log_format: LogFormat::Text,
        }
    }
}

/// Everything a request handler needs, shared by all connections. What belongs to one store
/// (domain, journal, faults) is in [`Store`], which each request carries in its extensions.
pub struct AppState {
    pub profile: Profile,
    pub engine: Engine<RequestCtx>,
    pub documents: DocumentCache,
    pub config: ServeConfig,
    /// The default store (the un-prefixed routes) and the sandboxes.
    pub stores: Stores,
    /// The fixtures file and its last (re)load, for `GET /__mock/health`.
    pub fixtures_status: FixtureStatus,
}

impl ServeConfig {
    /// What the configuration changes in fixtures as loaded (at start and on every reload).
    pub fn adjust(&self, fixtures: &mut Fixtures) {
        if self.require_confirmation {
            fixtures.settings.confirmation_required = true;
        }
    }

    /// Where the mock is reached: `--public-url`, else the bound address (with `localhost`
    /// for an unspecified address such as `0.0.0.0`, which no browser can open).
    pub fn address(&self, bound: SocketAddr) -> String {
        if let Some(url) = &self.public_url {
            return url.trim_end_matches('/').to_string();
        }
        if bound.ip().is_unspecified() {
            format!("http://localhost:{}", bound.port())
        } else {
            format!("http://{bound}")
        }
    }
}

impl AppState {
    /// The state of a mock bound to `bound`; new sandboxes' clocks start as `clocks` says.
    /// Public (through `test-support`) for the fuzz target.
    pub fn new(config: ServeConfig, mut fixtures: Fixtures, clocks: ClockStart, bound: SocketAddr) -> Self {
        config.adjust(&mut fixtures);
        let address = config.address(bound);
        let identity = StoreIdentity {
            key_salt: String::new(),
            address: address.clone(),
        };
        let clock = match clocks {
            ClockStart::System => Clock::system(),
            ClockStart::VirtualAt(t) => Clock::virtual_at(t),
        };
        let default = Arc::new(Store::new(None, Arc::new(fixtures), clock.clone(), identity));
        AppState {
            profile: config.profile,
            fixtures_status: FixtureStatus::new(config.fixtures.as_deref(), clock.now()),
            stores: Stores::new(default, config.sandboxes, clocks, address),
            engine: ops::build_engine(config.profile),
            documents: DocumentCache::new(1024),
            config,
        }
    }

    /// The default store's domain.
    pub(crate) fn domain(&self) -> &Arc<Domain> {
        &self.stores.default.domain
    }
}

async fn graphql_endpoint(
    State(app): State<Arc<AppState>>,
    Extension(store): Extension<Arc<Store>>,
    method: Method,
    headers: HeaderMap,
    request: Option<Extension<Arc<GraphqlRequest>>>,
) -> Response {
    let (mut response, summary) = front_door::handle(&app, &store, &method, &headers, request.as_deref());
    // The journal (which logs the request) reads the operation name from here.
    response.extensions_mut().insert(summary);
    response
}

/// CORS for every route (spec 7). Request headers and methods are mirrored rather than answered
/// with `*`: browsers do not let `*` cover `Authorization`. Without `--cors-origin` any origin
/// is allowed and echoed back; with it, only the listed ones (others get no allow-origin header).
fn cors_layer(origins: &[String]) -> CorsLayer {
    let layer = CorsLayer::new()
        .allow_methods(AllowMethods::mirror_request())
        .allow_headers(AllowHeaders::mirror_request())
        .expose_headers(Any)
        .max_age(std::time::Duration::from_secs(600));
    if origins.is_empty() {
        return layer.allow_origin(AllowOrigin::mirror_request());
    }
    let list: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    layer.allow_origin(AllowOrigin::list(list))
}

/// The routes of the mock, without the layers every request goes through (see [`Mock`]).
fn routes(app: &Arc<AppState>) -> Router {
    let mut routes = Router::new()
        .route("/graphql", any(graphql_endpoint))
        .route("/rest/{*path}", any(rest::endpoint))
        .route("/V1/{*path}", any(rest::endpoint))
        // The storefront pages the emails link to (Magento's URL builder adds the slash; both work).
        .route(
            "/customer/account/createPassword/",
            get(storefront_pages::create_password),
        )
        .route(
            "/customer/account/createPassword",
            get(storefront_pages::create_password),
        )
        .route("/customer/account/confirm/", get(storefront_pages::confirm))
        .route("/customer/account/confirm", get(storefront_pages::confirm))
        .fallback(rest::fallback);
    if !app.config.no_control {
        routes = routes.nest("/__mock", control::routes(app.clone()));
    }
    routes.with_state(app.clone())
}

/// The whole mock as one service: the layers every request goes through, written as one chain
/// of calls rather than as tower layers, because a layered axum router clones and boxes every
/// layer of a route on every request, which cost more than everything else a sign-in does.
///
/// Outermost first: the journal logs every request, refusals too; the gate picks the store
/// (stripping a tenant prefix) and guards the control plane; OPTIONS are answered around CORS;
/// the guard reads the body once with its limits; a panic below it is caught (so the 500 is
/// reshaped by the guard, carries CORS headers and is journaled); the GraphQL request is read
/// once for faults and the front door; then the route.
pub(crate) struct Mock {
    app: Arc<AppState>,
    cors: Cors<Inner>,
    inner: Inner,
    /// The headers the CORS layer adds to a request that has no `Origin` header and is not an
    /// `OPTIONS` request (with this configuration: `vary` and `access-control-expose-headers`),
    /// taken from the layer itself once (see [`plain_cors_headers`]).
    plain_cors: HeaderMap,
}

/// What `cors` adds to the answer of a request without `Origin` that is not `OPTIONS`: for such
/// a request the layer's headers depend on its configuration only, so they are learnt once by
/// running the layer over an empty answer, and added to those answers without running it.
fn plain_cors_headers(cors: &CorsLayer) -> HeaderMap {
    let empty = tower::service_fn(|_: Request| async {
        Ok::<_, std::convert::Infallible>(Response::new(axum::body::Body::empty()))
    });
    let probe = Request::new(axum::body::Body::empty());
    use std::future::Future as _;
    let mut answer = std::pin::pin!(cors.layer(empty).oneshot(probe));
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match answer.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(Ok(response)) => response.into_parts().0.headers,
        // The layer's allow-origin for a request without `Origin` is never asynchronous.
        _ => unreachable!("tower-http answers a request without Origin at once"),
    }
}

/// Adds `plain` to `response` the way the CORS layer adds its headers: `vary` appended to any the
/// answer has, the others replacing the answer's own.
fn add_plain_cors(response: &mut Response, plain: &HeaderMap) {
    let headers = response.headers_mut();
    for name in plain.keys() {
        let mut values = plain.get_all(name).iter();
        if name != axum::http::header::VARY {
            if let Some(first) = values.next() {
                headers.insert(name.clone(), first.clone());
            }
        }
        for value in values {
            headers.append(name.clone(), value.clone());
        }
    }
}

/// What runs inside the CORS layer.
#[derive(Clone)]
pub(crate) struct Inner {
    app: Arc<AppState>,
    routes: Router,
}

impl Mock {
    pub(crate) fn new(app: Arc<AppState>) -> Mock {
        let inner = Inner {
            routes: routes(&app),
            app: app.clone(),
        };
        let cors = cors_layer(&app.config.cors_origins);
        Mock {
            plain_cors: plain_cors_headers(&cors),
            cors: cors.layer(inner.clone()),
            inner,
            app,
        }
    }

    /// Answers one request.
    pub(crate) async fn handle(&self, request: Request) -> Response {
        journal::record(request, |request| {
            gate::gate(&self.app, request, |request| async move {
                // Not from a web page and not a preflight: what the CORS layer would add is known.
                if request.method() != Method::OPTIONS
                    && !request.headers().contains_key(axum::http::header::ORIGIN)
                {
                    let mut response = self.inner.handle(request).await;
                    add_plain_cors(&mut response, &self.plain_cors);
                    return response;
                }
                options::preflight_status(request, |request| {
                    let cors = self.cors.clone();
                    async move {
                        match cors.oneshot(request).await {
                            Ok(response) => response,
                            Err(never) => match never {},
                        }
                    }
                })
                .await
            })
        })
        .await
    }
}

impl tower::Service<Request> for Inner {
    type Response = Response;
    type Error = std::convert::Infallible;
    type Future = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, _: &mut std::task::Context<'_>) -> std::task::Poll<Result<(), Self::Error>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let this = self.clone();
        Box::pin(async move { Ok(this.handle(request).await) })
    }
}

impl Inner {
    async fn handle(&self, request: Request) -> Response {
        let app = &self.app;
        options::answer(request, |request| {
            guard::guard(app, request, |request| {
                CatchUnwind {
                    inner: request::read_graphql(app, request, |request| {
                        faults::inject(app, request, |request| self.route(request))
                    }),
                }
            })
        })
        .await
    }

    /// The route: `GET` and `POST /graphql` straight to the front door (what the router's
    /// `/graphql` route would run), everything else through the router.
    async fn route(&self, request: Request) -> Response {
        let method = request.method();
        if (method == Method::GET || method == Method::POST) && request.uri().path() == "/graphql" {
            if let Some(store) = request.extensions().get::<Arc<Store>>() {
                let graphql = request.extensions().get::<Arc<GraphqlRequest>>();
                let (mut response, summary) =
                    front_door::handle(&self.app, store, method, request.headers(), graphql);
                response.extensions_mut().insert(summary);
                return response;
            }
        }
        match self.routes.clone().oneshot(request).await {
            Ok(response) => response,
            Err(never) => match never {},
        }
    }
}

pin_project_lite::pin_project! {
    /// A future whose panic becomes the guard's 500 answer (what `CatchPanicLayer` did), held in
    /// place rather than in a box of its own.
    struct CatchUnwind<F> {
        #[pin]
        inner: F,
    }
}

impl<F: std::future::Future<Output = Response>> std::future::Future for CatchUnwind<F> {
    type Output = Response;

    fn poll(self: std::pin::Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<Response> {
        let inner = self.project().inner;
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| inner.poll(cx))) {
            Ok(poll) => poll,
            Err(panic) => std::task::Poll::Ready(guard::panic_response(panic)),
        }
    }
}

/// One connection's service: the shared [`Mock`], and the connection's marks (a request was
/// served on it) for the protocol refusals.
#[derive(Clone)]
struct Connection {
    mock: Arc<Mock>,
    marks: Arc<protocol::ConnectionMarks>,
}

impl hyper::service::Service<hyper::Request<hyper::body::Incoming>> for Connection {
    type Response = Response;
    type Error = std::convert::Infallible;
    type Future = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Response, Self::Error>> + Send>>;

    fn call(&self, request: hyper::Request<hyper::body::Incoming>) -> Self::Future {
        self.marks.served();
        let mock = self.mock.clone();
        Box::pin(async move { Ok(mock.handle(request.map(axum::body::Body::new)).await) })
    }
}

/// The mock over `app` as an axum router (the fuzz target drives it as a `tower::Service`).
#[cfg(any(test, feature = "test-support"))]
pub fn router(app: Arc<AppState>) -> Router {
    let mock = Arc::new(Mock::new(app));
    Router::new().fallback_service(tower::service_fn(move |request: Request| {
        let mock = mock.clone();
        async move { Ok::<_, std::convert::Infallible>(mock.handle(request).await) }
    }))
}

/// How often the purge task drops expired throttle windows and one-time codes.
pub const PURGE_INTERVAL: std::time::Duration = std::time::Duration::from_secs(5);

/// The one background task of the mock: every [`PURGE_INTERVAL`] it asks the domain to drop
/// expired entries, so memory stays bounded under a long-running frontend's traffic. The rules
/// themselves never depend on it (expiry is checked against the clock on every read).
/// Dropping the handle stops the task.
pub struct PurgeTask {
    stop: Option<oneshot::Sender<()>>,
}

impl PurgeTask {
    /// Starts the task on the current Tokio runtime.
    pub fn start(app: Arc<AppState>) -> PurgeTask {
        let (tx, mut rx) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(PURGE_INTERVAL);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = &mut rx => break,
                    _ = tick.tick() => app.stores.purge(),
                }
            }
        });
        PurgeTask { stop: Some(tx) }
    }
}

impl Drop for PurgeTask {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }
}

/// Runs the mock until Ctrl-C or SIGTERM; in-flight requests finish before it returns.
///
/// ```no_run
/// use commerce_auth_mock::{serve, Profile, ServeConfig};
///
/// #[tokio::main]
/// async fn main() -> anyhow::Result<()> {
///     // `commerce-auth-mock serve --port 4000 --profile paas-2.4.8`
///     serve(ServeConfig { port: 4000, profile: Profile::Paas248, ..ServeConfig::default() }).await
/// }
/// ```
pub async fn serve(config: ServeConfig) -> anyhow::Result<()> {
    let fixtures = match &config.fixtures {
        Some(path) => watch::load_fixtures(path)?,
        None if config.watch => anyhow::bail!("--watch needs a fixtures file to watch: pass --fixtures FILE"),
        None => Fixtures::embedded_default(),
    };
    let addrs = startup::listen_addrs(&config.host, config.port).await?;
    let open = addrs.iter().find(|a| !a.ip().is_loopback()).copied();
    let mut fixtures = fixtures;
    let exposure = match open {
        Some(open) => Some(expose_openly(&config, &mut fixtures, open)?),
        None => None,
    };
    let addr = format!("{}:{}", config.host, config.port);
    let listener = TcpListener::bind(&addrs[..]).await.map_err(|e| {
        anyhow::anyhow!(
            "cannot listen on {addr}: {e}. Is another server using the port? Try --port 0 or another port."
        )
    })?;
    let local = listener.local_addr()?;
    let app = Arc::new(AppState::new(config, fixtures, ClockStart::System, local));
    let shutdown = shutdown_signal();
    startup::announce(&app.config, local)?;
    if let Some(exposure) = exposure {
        tracing::warn!(listen = %local, "{exposure}");
    }
    let purge = PurgeTask::start(app.clone());
    let watch = start_watch(&app);
    let config = app.config.clone();
    accept_loop(listener, Arc::new(Mock::new(app)), &config, shutdown).await;
    drop((purge, watch));
    Ok(())
}

/// The rule for a bind that other machines can reach (anything but loopback): the control API
/// must be guarded (`--control-token`), removed (`--no-control`), or its exposure accepted by a
/// loudly named flag; the static admin tokens of the embedded defaults (never-expiring, known to
/// anyone who has read the README) are dropped unless the fixtures file names tokens itself.
/// Returns what is exposed, printed after the start line.
fn expose_openly(config: &ServeConfig, fixtures: &mut Fixtures, addr: SocketAddr) -> anyhow::Result<String> {
    let guarded = config.no_control || config.control_token.is_some();
    if !guarded && !config.dangerously_allow_open_control {
        anyhow::bail!(
            "refusing to serve an unguarded control API on {addr}, which other machines can reach: anyone \
             who reaches it can reset the mock, move its clock, read live reset tokens and confirmation keys \
             from the outbox, seed customers, change settings and inject faults. Pass --control-token TOKEN \
             to guard it, --no-control to remove it, or --dangerously-allow-open-control to accept that \
             (for example in a container whose port is published only on the host's loopback)."
        );
    }
    if !fixtures.admin_tokens_named_by_file {
        fixtures.admin_tokens.clear();
    }
    let control = if config.no_control {
        "removed (--no-control)".to_string()
    } else if config.control_token.is_some() {
        "guarded by the control token".to_string()
    } else {
        "OPEN to anyone who reaches the port (--dangerously-allow-open-control): reset, clock, outbox \
         with live reset tokens, customers, settings, faults, journal, console"
            .to_string()
    };
    let tokens = if fixtures.admin_tokens.is_empty() {
        "none (the defaults' static tokens are refused on this bind; name tokens in a --fixtures file, or \
         use POST /V1/integration/admin/token)"
            .to_string()
    } else {
        format!("{} named by {}", fixtures.admin_tokens.len(), fixtures.source)
    };
    Ok(format!(
        "serving on an address other machines can reach: GraphQL and REST for anyone; control API {control}; static admin tokens: {tokens}"
    ))
}

/// Serves `routes` on `listener` until `shutdown` completes, then stops accepting and waits up
/// to `config.shutdown_grace` for the open connections' in-flight requests to finish.
///
/// This is `axum::serve` written out with hyper-util, because `axum::serve` has no header read
/// timeout: here hyper closes a connection whose request head does not arrive in
/// `config.header_read_timeout` (a slow or stalled client cannot hold a connection forever).
/// Accept errors (e.g. out of file descriptors) are logged and retried, never fatal.
async fn accept_loop(
    listener: TcpListener,
    mock: Arc<Mock>,
    config: &ServeConfig,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(config.header_read_timeout);
    builder.http2().timer(TokioTimer::new());
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => stream,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed; retrying");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        // hyper's own refusals (bad framing, 414, 431) leave as JSON (see `protocol.rs`).
        let stream = protocol::Shaped::new(stream);
        let service = Connection {
            mock: mock.clone(),
            marks: stream.marks(),
        };
        let connection = builder
            .serve_connection_with_upgrades(TokioIo::new(stream), service)
            .into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = tokio::time::sleep(config.shutdown_grace) => {
            tracing::warn!(
                grace_ms = config.shutdown_grace.as_millis() as u64,
                "requests still running after the shutdown grace period; stopping anyway"
            );
        }
    }
}

/// The `--watch` task, when asked for and there is a file to watch.
fn start_watch(app: &Arc<AppState>) -> Option<WatchTask> {
    let path = app.config.fixtures.clone().filter(|_| app.config.watch)?;
    Some(WatchTask::start(app.clone(), path, WATCH_INTERVAL))
}

/// Registers the Ctrl-C / SIGTERM handlers now, and returns the future that completes on either.
/// Called before the start line and `--ready-file` say the server is up: a test runner that
/// stops it the moment it is ready must get the graceful exit, not the signal's default action.
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let (interrupt, terminate) = {
        use tokio::signal::unix::{signal, SignalKind};
        (
            signal(SignalKind::interrupt()).ok(),
            signal(SignalKind::terminate()).ok(),
        )
    };
    async move {
        #[cfg(unix)]
        {
            async fn next(signal: Option<tokio::signal::unix::Signal>) {
                match signal {
                    Some(mut s) => {
                        s.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            }
            tokio::select! { _ = next(interrupt) => {}, _ = next(terminate) => {} }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
        tracing::info!("shutting down: letting in-flight requests finish");
    }
}

/// A mock on `127.0.0.1:0` with a virtual clock, for tests. Dropping it stops the server.
///
/// ```
/// use commerce_auth_mock::{Fixtures, Profile, TestServer};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// // The mock's own fixtures format; sections left out keep the embedded defaults.
/// let fixtures = Fixtures::from_json_str(
///     "inline",
///     r#"{"customers": [{"id": 1, "email": "ada@example.com", "password": "Analytical-1843",
///                        "firstname": "Ada", "lastname": "Lovelace"}]}"#,
/// )
/// .unwrap();
/// let server = TestServer::start_with(Profile::Saas, fixtures).await;
/// assert!(server.graphql_url().starts_with("http://127.0.0.1:"));
///
/// let sign_in = |password: &str| {
///     let query = format!(
///         r#"mutation {{ generateCustomerToken(email: "ada@example.com", password: "{password}") {{ token }} }}"#
///     );
///     reqwest::Client::new()
///         .post(server.graphql_url())
///         .json(&serde_json::json!({ "query": query }))
///         .send()
/// };
/// assert_eq!(sign_in("Analytical-1843").await.unwrap().status(), 200);
/// // The embedded defaults' customers are replaced: their passwords sign no one in.
/// let wrong = sign_in("Roni-Cost-2024").await.unwrap();
/// assert_eq!(wrong.status(), 401, "Magento's graphql-authentication status");
/// # }
/// ```
pub struct TestServer {
    pub addr: SocketAddr,
    /// The server's state (test support: the stores, the default store's domain).
    #[cfg(feature = "test-support")]
    pub app: Arc<AppState>,
    /// The default store's domain (test support: its clock, outbox and customers).
    #[cfg(feature = "test-support")]
    pub domain: Arc<Domain>,
    shutdown: Option<oneshot::Sender<()>>,
    _purge: PurgeTask,
    _watch: Option<WatchTask>,
}

/// Where the virtual clock of a [`TestServer`] starts: 2026-01-01T00:00:00Z.
pub const TEST_CLOCK_START: i64 = 1_767_225_600;

impl TestServer {
    /// The default fixtures under `profile`.
    pub async fn start(profile: Profile) -> TestServer {
        Self::start_with(profile, Fixtures::embedded_default()).await
    }

    /// Given fixtures under `profile`.
    pub async fn start_with(profile: Profile, fixtures: Fixtures) -> TestServer {
        let config = ServeConfig {
            port: 0,
            profile,
            ..ServeConfig::default()
        };
        Self::start_config(config, fixtures).await
    }

    /// Full control over the configuration (host and port are forced to 127.0.0.1:0).
    pub async fn start_config(mut config: ServeConfig, fixtures: Fixtures) -> TestServer {
        config.host = "127.0.0.1".into();
        config.port = 0;
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local addr");
        let app = Arc::new(AppState::new(
            config,
            fixtures,
            ClockStart::VirtualAt(TEST_CLOCK_START),
            addr,
        ));
        let (tx, rx) = oneshot::channel::<()>();
        let mock = Arc::new(Mock::new(app.clone()));
        let serve_config = app.config.clone();
        tokio::spawn(async move {
            accept_loop(listener, mock, &serve_config, async {
                let _ = rx.await;
            })
            .await;
        });
        TestServer {
            addr,
            #[cfg(feature = "test-support")]
            domain: app.domain().clone(),
            _purge: PurgeTask::start(app.clone()),
            _watch: start_watch(&app),
            #[cfg(feature = "test-support")]
            app,
            shutdown: Some(tx),
        }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `http://127.0.0.1:<port>/graphql`.
    pub fn graphql_url(&self) -> String {
        format!("{}/graphql", self.base_url())
    }

    /// The sandbox `name`, created when new (as a first request under `/<name>/…` would).
    #[cfg(feature = "test-support")]
    pub fn sandbox(&self, name: &str) -> Arc<Store> {
        self.app
            .stores
            .sandbox(name)
            .unwrap_or_else(|e| panic!("sandbox {name}: {e}"))
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open() -> SocketAddr {
        "0.0.0.0:4000".parse().unwrap()
    }

    #[test]
    fn an_open_bind_drops_the_defaults_static_tokens_but_keeps_a_files_own() {
        let config = ServeConfig {
            dangerously_allow_open_control: true,
            ..ServeConfig::default()
        };
        let mut embedded = Fixtures::embedded_default();
        assert!(!embedded.admin_tokens.is_empty());
        let said = expose_openly(&config, &mut embedded, open()).unwrap();
        assert!(embedded.admin_tokens.is_empty());
        assert!(said.contains("static admin tokens: none"), "{said}");

        let mut own =
            Fixtures::from_json_str("own.json", r#"{"admin_tokens":{"ci-token":"admin"}}"#).unwrap();
        let said = expose_openly(&config, &mut own, open()).unwrap();
        assert_eq!(own.admin_tokens.len(), 1);
        assert!(
            said.contains("static admin tokens: 1 named by own.json"),
            "{said}"
        );

        // Layered over the defaults without naming tokens: the defaults' tokens still go.
        let mut layered = Fixtures::from_json_str("customers.json", r#"{"customers":[]}"#).unwrap();
        expose_openly(&config, &mut layered, open()).unwrap();
        assert!(layered.admin_tokens.is_empty());
    }

    #[test]
    fn an_open_bind_is_refused_unless_the_control_api_is_guarded_removed_or_accepted() {
        let mut f = Fixtures::embedded_default();
        assert!(expose_openly(&ServeConfig::default(), &mut f, open()).is_err());
        for config in [
            ServeConfig {
                control_token: Some("t".into()),
                ..ServeConfig::default()
            },
            ServeConfig {
                no_control: true,
                ..ServeConfig::default()
            },
        ] {
            let said = expose_openly(&config, &mut Fixtures::embedded_default(), open()).unwrap();
            assert!(!said.contains("OPEN"), "{said}");
        }
    }
}
