//! The earshot binary: parse the command line, run, exit with a code.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = earshot::cli::Cli::parse();
    std::process::ExitCode::from(earshot::cli::run(cli) as u8)
}
