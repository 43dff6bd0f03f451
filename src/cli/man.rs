//! `earshot man`: the manual page in roff, generated from the clap
//! definitions (clap_mangen): earshot(1) on stdout, or with `--out DIR` one
//! page per command (earshot.1, earshot-crawl.1, …) into DIR.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Args, CommandFactory};

use super::{Cli, Exit};

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write one page per command (earshot.1, earshot-crawl.1, …) into DIR
    /// instead of earshot(1) to stdout
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

pub(super) fn run(a: &ManArgs) -> Result<Exit> {
    let cmd = Cli::command();
    match &a.out {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create the directory {}", dir.display()))?;
            clap_mangen::generate_to(cmd, dir)
                .with_context(|| format!("cannot write the manual pages into {}", dir.display()))?;
            println!("manual pages written to {}", dir.display());
        }
        None => {
            let mut out = Vec::new();
            clap_mangen::Man::new(cmd)
                .render(&mut out)
                .context("cannot render the manual page")?;
            use std::io::Write;
            std::io::stdout()
                .write_all(&out)
                .context("cannot write the manual page to stdout")?;
        }
    }
    Ok(Exit::Ok)
}
