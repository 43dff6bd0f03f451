//! `earshot-score`: earshot's sentiment model in its own process. earshot
//! starts it when it first scores and speaks the scorer protocol with it
//! over stdin and stdout (see `earshot::sentiment::protocol`); it logs on
//! stderr (`EARSHOT_SCORER_LOG`: error, warn, info, debug or trace).

use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::os::fd::FromRawFd;
use std::process::ExitCode;

const USAGE: &str = "earshot-score: earshot's sentiment scorer (libtorch) in its own process.
earshot starts it when it scores and talks to it over stdin/stdout
(length-prefixed postcard frames: see earshot::sentiment::protocol).
It is not meant to be run by hand; `earshot doctor` checks it.

  --version   print its version and protocol";

fn main() -> ExitCode {
    if let Some(arg) = std::env::args().nth(1) {
        return if arg == "--version" || arg == "-V" {
            println!(
                "earshot-score {} (scorer protocol {})",
                env!("CARGO_PKG_VERSION"),
                earshot::sentiment::protocol::PROTOCOL
            );
            ExitCode::SUCCESS
        } else {
            println!("{USAGE}");
            if arg == "--help" || arg == "-h" {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(2)
            }
        };
    }
    let level = std::env::var("EARSHOT_SCORER_LOG").unwrap_or_else(|_| "info".into());
    let filter = tracing_subscriber::EnvFilter::try_new(format!("warn,earshot={level}"))
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,earshot=info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .without_time()
        .with_target(false)
        .init();
    // The protocol gets its own copy of stdout; fd 1 then points at stderr,
    // so nothing else that prints (libtorch) can corrupt a frame.
    // SAFETY: dup and dup2 on the process's own standard descriptors; the
    // new descriptor is owned by the File alone.
    let out = unsafe {
        let fd = libc::dup(1);
        if fd < 0 || libc::dup2(2, 1) < 0 {
            eprintln!("ERROR earshot-score: cannot set up its output");
            return ExitCode::FAILURE;
        }
        File::from_raw_fd(fd)
    };
    tracing::info!(pid = std::process::id(), "earshot-score started");
    let input = BufReader::new(std::io::stdin().lock());
    match earshot_scorer::serve(input, BufWriter::new(out)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            ExitCode::FAILURE
        }
    }
}
