//! The `commerce-auth-mock` binary: `serve` the mock, or `conform` a target to the contract.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::builder::BoolishValueParser;
use clap::{Parser, Subcommand};
use commerce_auth_mock::cli::{fixtures_check, fixtures_init, health, init_logging};
use commerce_auth_mock::{conform, LogFormat, Profile, SandboxLimits, ServeConfig};

/// mimalloc rather than glibc's malloc: a sign-in makes about a hundred small allocations, and
/// glibc's malloc and free were over a quarter of its instructions (bench/README, callgrind).
/// The library leaves the choice to whoever links it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Debug, Parser)]
#[command(
    name = "commerce-auth-mock",
    version,
    about = "A mock of Adobe Commerce customer sign-in, and a conformance runner for real backends"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the mock's GraphQL and REST APIs.
    Serve(ServeArgs),
    /// Check a target server (the mock or a real backend) against the contract.
    Conform(conform::ConformArgs),
    /// Check or create fixture files.
    #[command(subcommand)]
    Fixtures(FixturesCommand),
    /// Exit 0 if a mock answers GraphQL at --url, else 1 with one line saying why (for container
    /// health checks).
    Health(HealthArgs),
}

#[derive(Debug, clap::Args)]
struct HealthArgs {
    /// The GraphQL endpoint to ask [default: http://127.0.0.1:$COMMERCE_AUTH_MOCK_PORT/graphql,
    /// port 4000 when unset].
    #[arg(long)]
    url: Option<String>,
    /// Give up after this many seconds.
    #[arg(long, default_value_t = 5)]
    timeout_secs: u64,
}

#[derive(Debug, Subcommand)]
enum FixturesCommand {
    /// Print every problem of a fixtures file (exit 1), or a one-line summary (exit 0).
    Check { file: PathBuf },
    /// Write a commented starting fixtures file (the defaults, explained).
    Init {
        #[arg(default_value = "fixtures.json")]
        file: PathBuf,
        /// Overwrite FILE if it exists.
        #[arg(long, env = "COMMERCE_AUTH_MOCK_FORCE", value_parser = BoolishValueParser::new())]
        force: bool,
    },
}

#[derive(Debug, clap::Args)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "COMMERCE_AUTH_MOCK_HOST", default_value = "127.0.0.1")]
    host: String,
    /// Port to listen on (0 picks a free one).
    #[arg(long, env = "COMMERCE_AUTH_MOCK_PORT", default_value_t = 4000)]
    port: u16,
    /// Behaviour profile: saas, paas-2.4.8 or paas-2.4.7.
    #[arg(long, env = "COMMERCE_AUTH_MOCK_PROFILE", default_value = "saas")]
    profile: Profile,
    /// A fixtures file to serve instead of the embedded defaults.
    #[arg(long, env = "COMMERCE_AUTH_MOCK_FIXTURES", value_name = "FILE")]
    fixtures: Option<PathBuf>,
    /// Reload the --fixtures file when it changes (a broken file keeps the last good state).
    #[arg(long, env = "COMMERCE_AUTH_MOCK_WATCH", value_parser = BoolishValueParser::new())]
    watch: bool,
    /// Require email confirmation of new accounts, whatever the fixtures say (Magento's default
    /// is not to).
    #[arg(long, env = "COMMERCE_AUTH_MOCK_REQUIRE_CONFIRMATION", value_parser = BoolishValueParser::new())]
    require_confirmation: bool,
    /// The URL the mock is reached at, when not the address it binds (behind a proxy, in a
    /// container): the base of the links in reset and confirmation emails.
    #[arg(long, env = "COMMERCE_AUTH_MOCK_PUBLIC_URL", value_name = "URL", value_parser = parse_public_url)]
    public_url: Option<String>,
    /// Send CORS headers only to these origins, on every route (repeatable; default: any origin on
    /// GraphQL and REST, none on the /__mock control API).
    #[arg(
        long = "cors-origin",
        env = "COMMERCE_AUTH_MOCK_CORS_ORIGINS",
        value_delimiter = ','
    )]
    cors_origins: Vec<String>,
    /// Require `Authorization: Bearer <token>` on the /__mock control API.
    #[arg(long, env = "COMMERCE_AUTH_MOCK_CONTROL_TOKEN")]
    control_token: Option<String>,
    /// Remove the /__mock control API entirely.
    #[arg(long, env = "COMMERCE_AUTH_MOCK_NO_CONTROL", value_parser = BoolishValueParser::new())]
    no_control: bool,
    /// Accept an unguarded control API on a non-loopback --host (anyone who reaches the port can
    /// reset, move the clock, read reset tokens from the outbox, inject faults).
    #[arg(
        long,
        env = "COMMERCE_AUTH_MOCK_DANGEROUSLY_ALLOW_OPEN_CONTROL",
        value_parser = BoolishValueParser::new()
    )]
    dangerously_allow_open_control: bool,
    /// Also answer requests whose Host header names HOST (besides IP addresses, localhost and the
    /// --public-url host); a leading dot allows every subdomain. Repeatable / comma-separated.
    #[arg(
        long = "allowed-host",
        env = "COMMERCE_AUTH_MOCK_ALLOWED_HOSTS",
        value_delimiter = ',',
        value_name = "HOST"
    )]
    allowed_hosts: Vec<String>,
    /// Sandboxes (one per tenant prefix, /<tenant>/graphql) kept at most.
    #[arg(long, env = "COMMERCE_AUTH_MOCK_MAX_SANDBOXES", default_value_t = commerce_auth_mock::DEFAULT_MAX_SANDBOXES)]
    max_sandboxes: usize,
    /// A sandbox unused this many seconds is ended.
    #[arg(long, env = "COMMERCE_AUTH_MOCK_SANDBOX_IDLE_SECONDS", default_value_t = commerce_auth_mock::DEFAULT_SANDBOX_IDLE_SECS, value_parser = clap::value_parser!(i64).range(1..))]
    sandbox_idle_seconds: i64,
    /// Once listening, write the served URLs (graphql, rest, control, console, port) as JSON to
    /// PATH, atomically.
    #[arg(long, env = "COMMERCE_AUTH_MOCK_READY_FILE", value_name = "PATH")]
    ready_file: Option<PathBuf>,
    /// Log lines as text or as one JSON object per line.
    #[arg(
        long,
        env = "COMMERCE_AUTH_MOCK_LOG_FORMAT",
        value_enum,
        default_value_t = LogFormat::Text
    )]
    log_format: LogFormat,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(args) => {
            if args.watch && args.fixtures.is_none() {
                use clap::CommandFactory;
                Cli::command()
                    .error(
                        clap::error::ErrorKind::MissingRequiredArgument,
                        "--watch needs a fixtures file to watch: pass --fixtures FILE",
                    )
                    .exit();
            }
            let _log = init_logging(args.log_format);
            let config = ServeConfig {
                host: args.host,
                port: args.port,
                profile: args.profile,
                fixtures: args.fixtures,
                cors_origins: args.cors_origins,
                control_token: args.control_token,
                no_control: args.no_control,
                watch: args.watch,
                require_confirmation: args.require_confirmation,
                public_url: args.public_url,
                allowed_hosts: args.allowed_hosts,
                dangerously_allow_open_control: args.dangerously_allow_open_control,
                sandboxes: SandboxLimits {
                    max: args.max_sandboxes,
                    idle_secs: args.sandbox_idle_seconds,
                },
                ready_file: args.ready_file,
                log_format: args.log_format,
                ..ServeConfig::default()
            };
            let runtime = match tokio::runtime::Runtime::new() {
                Ok(rt) => rt,
                Err(e) => {
                    eprintln!("error: cannot start the async runtime: {e}");
                    return ExitCode::from(1);
                }
            };
            match runtime.block_on(commerce_auth_mock::serve(config)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("error: {e:#}");
                    ExitCode::from(1)
                }
            }
        }
        Command::Conform(args) => ExitCode::from(conform::run(args).clamp(0, 255) as u8),
        Command::Fixtures(FixturesCommand::Check { file }) => ExitCode::from(fixtures_check(&file)),
        Command::Fixtures(FixturesCommand::Init { file, force }) => {
            ExitCode::from(fixtures_init(&file, force))
        }
        Command::Health(args) => ExitCode::from(health(
            args.url.as_deref(),
            std::time::Duration::from_secs(args.timeout_secs),
        )),
    }
}

/// `--public-url`: an absolute http(s) URL (a trailing slash is dropped).
fn parse_public_url(s: &str) -> Result<String, String> {
    let url =
        url::Url::parse(s).map_err(|e| format!("{e}: give an absolute URL such as http://localhost:4000"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err("give an http:// or https:// URL with a host, such as http://localhost:4000".into());
    }
    Ok(s.trim_end_matches('/').to_string())
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory;

    /// Every flag of every subcommand, as `(subcommand, flag)`, for the flags whose value parser
    /// does not take `yes`, `on`, `1`, `no`, `off` and `0` (the behaviour of each flag is pinned
    /// by `tests/env_booleans.rs`; this catches a flag added later without the parser).
    #[test]
    fn every_flag_reads_boolish_values_from_the_environment() {
        let mut strict = Vec::new();
        let mut flags = 0;
        for sub in Cli::command().get_subcommands() {
            let nested: Vec<&clap::Command> = std::iter::once(sub).chain(sub.get_subcommands()).collect();
            for cmd in nested {
                for arg in cmd.get_arguments() {
                    if !matches!(arg.get_action(), clap::ArgAction::SetTrue) || arg.get_id() == "help" {
                        continue;
                    }
                    flags += 1;
                    let accepted: Vec<String> = arg
                        .get_value_parser()
                        .possible_values()
                        .into_iter()
                        .flatten()
                        .map(|v| v.get_name().to_string())
                        .collect();
                    let boolish = ["yes", "on", "1", "no", "off", "0"]
                        .iter()
                        .all(|v| accepted.iter().any(|a| a == v));
                    if !boolish || arg.get_env().is_none() {
                        strict.push(format!(
                            "{} --{}",
                            cmd.get_name(),
                            arg.get_long().unwrap_or(arg.get_id().as_str())
                        ));
                    }
                }
            }
        }
        assert_eq!(flags, 12, "serve 4, conform 7, fixtures init 1");
        assert!(
            strict.is_empty(),
            "flags without BoolishValueParser or env: {strict:?}"
        );
    }
}
