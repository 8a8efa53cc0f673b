//! What `serve` does between parsing its options and accepting connections, for the people and
//! test runners that start it: the log format, where to listen (without NSS), and the start line
//! and `--ready-file` that say where it is listening.

use std::io::{IsTerminal, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use serde::Serialize;

use super::ServeConfig;

/// `--log-format`: how log lines (and the start line) are written to stdout.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines (coloured only on a terminal).
    #[default]
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Installs the global `tracing` subscriber writing to stdout. `RUST_LOG` sets the level (info by
/// default).
///
/// The lines go to stdout from a writer thread (tracing-appender), buffered: while requests keep
/// coming, many lines leave in one `write(2)`; as soon as no line is waiting, the buffer is
/// flushed, and the thread then rests for [`LOG_COALESCE`] before it takes the next lines (see
/// [`Coalescing`]), so a line is on stdout within about a millisecond of its request. One
/// `write(2)` per line cost the server more than formatting the line, and waking the thread for
/// each line nearly as much. Keep the returned guard until the process ends: dropping it writes
/// out what is still buffered.
#[must_use = "dropping the guard stops the log writer"]
pub fn init_logging(format: LogFormat) -> LogGuard {
    use tracing_subscriber::util::SubscriberInitExt;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        // Block rather than drop lines when the writer falls behind.
        .lossy(false)
        .thread_name("log writer")
        .finish(Coalescing::new(std::io::stdout(), LOG_COALESCE));
    log_dispatch(format, filter, colours_wanted(), writer).init();
    LogGuard(guard)
}

/// How long the log writer thread rests after writing lines out (**mock decision**): at a few
/// thousand requests a second, their lines then leave in one `write(2)` a millisecond, and the
/// thread is woken once for them all instead of once a line. A line that comes after a quiet
/// spell is written at once; only lines that follow others closely wait, for at most this.
pub(crate) const LOG_COALESCE: Duration = Duration::from_millis(1);

/// The log writer thread's output: a 64 KiB buffer in front of `W` whose `flush` (which
/// tracing-appender's worker calls once no line is waiting) writes the buffer out and then holds
/// the thread for `rest`, so that the lines of the requests served meanwhile queue in the channel
/// and are taken together, without a wake-up each. The requests never wait for it: they hand
/// their lines to the channel and go on.
pub(crate) struct Coalescing<W: Write> {
    out: std::io::BufWriter<W>,
    rest: Duration,
}

impl<W: Write> Coalescing<W> {
    pub(crate) fn new(out: W, rest: Duration) -> Self {
        Coalescing {
            out: std::io::BufWriter::with_capacity(64 * 1024, out),
            rest,
        }
    }
}

impl<W: Write> Write for Coalescing<W> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.out.write(bytes)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()?;
        if !self.rest.is_zero() {
            std::thread::sleep(self.rest);
        }
        Ok(())
    }
}

/// Returned by [`init_logging`]: the log writer runs while it lives, and flushes when dropped.
pub struct LogGuard(#[allow(dead_code)] tracing_appender::non_blocking::WorkerGuard);

/// The subscriber [`init_logging`] installs, writing to `writer` (stdout there; a buffer in the
/// tests that pin the lines' bytes), with escape codes when `ansi` (Text only).
pub(crate) fn log_dispatch<W>(
    format: LogFormat,
    filter: tracing_subscriber::EnvFilter,
    ansi: bool,
    writer: W,
) -> tracing::Dispatch
where
    W: for<'w> tracing_subscriber::fmt::MakeWriter<'w> + Send + Sync + 'static,
{
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_writer(writer);
    match format {
        // The default (Full) formatter's bytes, written for less (see PlainText).
        LogFormat::Text => builder
            .with_ansi(ansi)
            .event_format(super::log_line::PlainText::new())
            .finish()
            .into(),
        // Fields at the top level (`"status":200`, not `"fields":{"status":200}`) so collectors can
        // index them directly.
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_span_list(false)
            .finish()
            .into(),
    }
}

/// Escape codes only for a person at a terminal: piped into a file or a CI log they are noise.
/// `NO_COLOR` (https://no-color.org) turns them off on a terminal too.
fn colours_wanted() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// A request's duration in milliseconds for the log: two decimals (`ms=0.42`), not f64's 17 digits.
pub(crate) struct LogMs(pub Duration);

impl std::fmt::Display for LogMs {
    /// `{:.2}` of the milliseconds as an f64. Under 1000 s, the digits come from the integer
    /// nanoseconds (no float formatting, once per logged request): the f64 is within 1e-9 ms of
    /// them, so both round the same way unless they sit on a tie (…5 µs exactly), which is left
    /// to the f64 (rounding half to even on its exact value).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let nanos = self.0.as_nanos();
        if self.0.as_secs() < 1000 && nanos % 10_000 != 5_000 {
            let hundredths = (nanos as u64 + 5_000) / 10_000;
            let mut whole = itoa::Buffer::new();
            f.write_str(whole.format(hundredths / 100))?;
            let cents = (hundredths % 100) as u8;
            let decimals = [b'.', b'0' + cents / 10, b'0' + cents % 10];
            // ASCII.
            return f.write_str(std::str::from_utf8(&decimals).unwrap_or(".00"));
        }
        write!(f, "{:.2}", self.0.as_secs_f64() * 1000.0)
    }
}

/// The addresses `--host HOST --port PORT` means, found without getaddrinfo: the static binary
/// has no NSS modules to load (and the container image has no /etc/nsswitch.conf).
///
/// An IP address (`::1` or `[::1]` too) is used as it is; `localhost` and `*.localhost` are the
/// loopback address (RFC 6761, the same answer every resolver gives); any other name goes to
/// hickory's resolver, which reads /etc/hosts and /etc/resolv.conf itself.
pub(crate) async fn listen_addrs(host: &str, port: u16) -> anyhow::Result<Vec<SocketAddr>> {
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    if is_localhost(bare) {
        return Ok(vec![SocketAddr::new(Ipv4Addr::LOCALHOST.into(), port)]);
    }
    let hint = "pass an IP address instead, e.g. --host 127.0.0.1 (this machine only) or --host 0.0.0.0 (every interface)";
    let resolver = hickory_resolver::TokioResolver::builder_tokio()
        .map_err(|e| {
            anyhow::anyhow!("cannot resolve --host {host}: no DNS configuration could be read ({e}); {hint}")
        })?
        .build();
    let lookup = resolver
        .lookup_ip(bare)
        .await
        .map_err(|e| anyhow::anyhow!("cannot resolve --host {host}: {e}; {hint}"))?;
    let addrs: Vec<SocketAddr> = lookup.iter().map(|ip| SocketAddr::new(ip, port)).collect();
    if addrs.is_empty() {
        anyhow::bail!("cannot resolve --host {host}: no addresses; {hint}");
    }
    Ok(addrs)
}

fn is_localhost(name: &str) -> bool {
    let name = name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase();
    name == "localhost" || name.ends_with(".localhost")
}

/// Where a started mock answers, as `--ready-file` writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct ServedUrls {
    pub graphql: String,
    pub rest: String,
    /// `None` with `--no-control`.
    pub control: Option<String>,
    /// `None` with `--no-control`.
    pub console: Option<String>,
    pub port: u16,
}

impl ServedUrls {
    /// The URLs of a server bound to `local`. A wildcard bind (0.0.0.0, ::) is reached through
    /// the loopback address, which always works from the same machine (or container).
    pub(crate) fn new(local: SocketAddr, control: bool) -> ServedUrls {
        let ip = match local.ip() {
            IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
            ip => ip,
        };
        let base = format!("http://{}", SocketAddr::new(ip, local.port()));
        ServedUrls {
            graphql: format!("{base}/graphql"),
            rest: format!("{base}/rest"),
            control: control.then(|| format!("{base}/__mock")),
            console: control.then(|| format!("{base}/__mock/ui")),
            port: local.port(),
        }
    }
}

/// Called once the listener is bound: writes `--ready-file` (if asked), then the start line.
pub(crate) fn announce(config: &ServeConfig, local: SocketAddr) -> anyhow::Result<()> {
    let urls = ServedUrls::new(local, !config.no_control);
    if let Some(path) = &config.ready_file {
        write_ready_file(path, &urls)?;
    }
    let mut line = format!(
        "commerce-auth-mock ({} profile) serving GraphQL on {}",
        config.profile, urls.graphql
    );
    let mut notes = Vec::new();
    if !local.ip().is_loopback() {
        notes.push(format!("listening on {local}"));
    }
    if let Some(console) = &urls.console {
        notes.push(format!("console: {console}"));
    }
    if !notes.is_empty() {
        // In parentheses, so the GraphQL URL stays a word of its own for scripts that pick it out.
        line.push_str(&format!(" ({})", notes.join("; ")));
    }
    match config.log_format {
        LogFormat::Text => {
            let mut out = std::io::stdout().lock();
            writeln!(out, "{line}")?;
            out.flush()?;
        }
        LogFormat::Json => tracing::info!(
            graphql = %urls.graphql,
            rest = %urls.rest,
            control = urls.control.as_deref(),
            console = urls.console.as_deref(),
            port = urls.port,
            listen = %local,
            profile = %config.profile,
            "{line}"
        ),
    }
    Ok(())
}

/// Writes the file whole or not at all: a test runner polling for it never reads half a JSON
/// document. The temporary file sits in the same directory, so the rename cannot cross devices.
fn write_ready_file(path: &Path, urls: &ServedUrls) -> anyhow::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let context = || format!("cannot write --ready-file {}", path.display());
    let mut tmp = tempfile::Builder::new()
        .prefix(".ready-")
        .tempfile_in(dir)
        .with_context(context)?;
    serde_json::to_writer(&mut tmp, urls).with_context(context)?;
    tmp.write_all(b"\n").with_context(context)?;
    // tempfile creates 0600; the reader may be another user (a container's bind-mounted folder).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))
            .with_context(context)?;
    }
    tmp.persist(path).map_err(|e| e.error).with_context(context)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer whose bytes the test can read while the `Coalescing` in front of it holds it.
    #[derive(Clone, Default)]
    struct Shared(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn the_log_writer_keeps_lines_until_the_worker_flushes_then_writes_them_all_in_order() {
        let out = Shared::default();
        let mut writer = Coalescing::new(out.clone(), Duration::ZERO);
        writer.write_all(b"first line\n").unwrap();
        writer.write_all(b"second line\n").unwrap();
        assert!(out.0.lock().unwrap().is_empty(), "held until the flush");
        writer.flush().unwrap();
        assert_eq!(&*out.0.lock().unwrap(), b"first line\nsecond line\n");
        // More than the buffer holds goes out without a flush, nothing lost or reordered.
        let big: Vec<u8> = (0..100_000u32).flat_map(|i| format!("{i}\n").into_bytes()).collect();
        writer.write_all(&big).unwrap();
        writer.flush().unwrap();
        assert_eq!(out.0.lock().unwrap().len(), 23 + big.len());
        assert!(out.0.lock().unwrap().ends_with(&big));
    }

    #[test]
    fn wildcard_binds_are_announced_with_the_loopback_address() {
        let urls = ServedUrls::new("0.0.0.0:4000".parse().unwrap(), true);
        assert_eq!(urls.graphql, "http://127.0.0.1:4000/graphql");
        assert_eq!(urls.console.as_deref(), Some("http://127.0.0.1:4000/__mock/ui"));
        let urls = ServedUrls::new("[::]:4000".parse().unwrap(), false);
        assert_eq!(urls.graphql, "http://[::1]:4000/graphql");
        assert_eq!(urls.rest, "http://[::1]:4000/rest");
        assert_eq!(urls.control, None);
    }

    #[test]
    fn log_durations_have_two_decimals() {
        assert_eq!(LogMs(Duration::from_micros(1234)).to_string(), "1.23");
        assert_eq!(LogMs(Duration::from_millis(2)).to_string(), "2.00");
        assert_eq!(LogMs(Duration::from_nanos(4_999)).to_string(), "0.00");
    }

    #[test]
    fn log_durations_are_the_f64_formatters() {
        let f64s = |d: Duration| format!("{:.2}", d.as_secs_f64() * 1000.0);
        let checked = |d: Duration| assert_eq!(LogMs(d).to_string(), f64s(d), "{d:?}");
        // Every nanosecond of the first millisecond, ties included.
        for n in 0..1_000_000 {
            checked(Duration::from_nanos(n));
        }
        // Around every tie and carry of the first second, and of one just before 1000 s.
        for base in [0, 998_000_000_000u64] {
            for tie in (5_000..1_000_000_000u64).step_by(10_000) {
                for n in [tie - 2, tie - 1, tie, tie + 1, tie + 2] {
                    checked(Duration::from_nanos(base + n));
                }
            }
        }
        // Spread over 0–1100 s (a multiplicative walk), past the integer path's end.
        let mut n = 1u64;
        while n < 1_100_000_000_000 {
            for m in [n, n + 4_999, n + 5_000, n + 5_001] {
                checked(Duration::from_nanos(m));
            }
            n = n * 10_001 / 10_000 + 7;
        }
    }

    #[tokio::test]
    async fn ip_literals_and_localhost_need_no_resolver() {
        let v4 = listen_addrs("0.0.0.0", 4000).await.unwrap();
        assert_eq!(v4, vec!["0.0.0.0:4000".parse().unwrap()]);
        let v6 = listen_addrs("[::1]", 80).await.unwrap();
        assert_eq!(v6, vec!["[::1]:80".parse().unwrap()]);
        for name in ["localhost", "LOCALHOST.", "app.localhost"] {
            let addrs = listen_addrs(name, 1).await.unwrap();
            assert_eq!(addrs, vec!["127.0.0.1:1".parse().unwrap()], "{name}");
        }
    }
}
