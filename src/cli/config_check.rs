//! `earshot config check`.

use anyhow::Result;
use clap::Subcommand;

use super::{Cli, Exit};
use crate::config::Config;

#[derive(Debug, Subcommand)]
pub enum ConfigCmd {
    /// Parse and validate FILE (default: --config, else the built-in one)
    Check {
        /// The file to check
        file: Option<std::path::PathBuf>,
    },
}

pub(super) fn run(cli: &Cli, cmd: &ConfigCmd) -> Result<Exit> {
    let ConfigCmd::Check { file } = cmd;
    let path = file.clone().or_else(|| cli.config.clone());
    let config = Config::load_or_default(path.as_deref())?;
    let name = path
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| crate::config::DEFAULT_CONFIG_NAME.to_string());
    println!(
        "{name}: OK ({} sources, {} watches, store at {})",
        config.sources.len(),
        config.watches.len(),
        config.store.path.display()
    );
    Ok(Exit::Ok)
}
