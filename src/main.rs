//! The earshot binary: parse the command line, run, exit with a code.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = earshot_cli::cli::Cli::parse();
    std::process::ExitCode::from(earshot_cli::cli::run(cli) as u8)
}
