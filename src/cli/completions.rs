//! `earshot completions SHELL`: the shell completion script, generated from
//! the clap definitions (clap_complete), on stdout.

use anyhow::{Context, Result};
use clap::{Args, CommandFactory};
use clap_complete::Shell;

use super::{Cli, Exit};

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell: bash, zsh, fish, elvish or powershell
    #[arg(value_enum)]
    pub shell: Shell,
}

pub(super) fn run(a: &CompletionsArgs) -> Result<Exit> {
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(a.shell, &mut cmd, "earshot", &mut out);
    use std::io::Write;
    std::io::stdout()
        .write_all(&out)
        .context("cannot write the completion script to stdout")?;
    Ok(Exit::Ok)
}
