//! Helpers shared by the integration tests.

use std::path::Path;
use std::process::{Command, Output};

/// The earshot binary under test.
pub fn earshot() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_earshot"));
    c.env_remove("EARSHOT_CONFIG")
        .env_remove("EARSHOT_STORE")
        .env("NO_COLOR", "1");
    c
}

/// Runs earshot with `args` and a store at `store`.
pub fn run(store: &Path, args: &[&str]) -> Output {
    earshot()
        .arg("--store")
        .arg(store)
        .args(args)
        .output()
        .expect("run earshot")
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}
