//! The `swarmec` command line: a thin layer over the library. Flags are parsed by clap, turned into
//! library calls, and every failure becomes one line on stderr with exit code 1 (runtime) or 2 (usage).

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::Args::parse();
    match cli::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) if f.is_broken_pipe() => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("swarmec: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}
