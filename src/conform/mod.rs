//! Placeholder of the conformance runner (the real one lands from branch `conform`).

/// Options of `conform`.
#[derive(Debug, Clone, clap::Args)]
pub struct ConformArgs {
    /// The target's GraphQL endpoint.
    #[arg(long, env = "CONFORM_TARGET")]
    pub target: String,
}

/// Runs the suite; returns the exit code.
pub fn run(_args: ConformArgs) -> i32 {
    eprintln!("conform: not available yet");
    2
}
