//! The earshot binary: parse the command line, run, exit with a code.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = earshot_cli::cli::Cli::parse();
    let code = earshot_cli::cli::run(cli) as u8;
    // The scorer processes a command started end with it, cleanly.
    earshot::sentiment::stop_shared_scorers();
    std::process::ExitCode::from(code)
}
