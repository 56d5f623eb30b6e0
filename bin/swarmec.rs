//! The `swarmec` command line: a thin layer over the library. Flags are parsed by clap, turned into
//! library calls, and every failure becomes one line on stderr with exit code 1 (runtime) or 2 (usage).

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::Args::parse();
    // Operators' logs on stderr: RUST_LOG as tracing reads it, else warnings (and swarmec's info
    // for the long-running commands).
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(args.default_log_filter()));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    match cli::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) if f.is_broken_pipe() => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("swarmec: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}
