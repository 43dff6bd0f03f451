//! `earshot config check`.

use anyhow::Result;
use clap::Subcommand;

use super::{config_source, Cli, Exit, UsageError};
use crate::config::ConfigSource;

#[derive(Debug, Subcommand)]
pub enum ConfigCmd {
    /// Parse and validate FILE (default: the file every command uses:
    /// --config, EARSHOT_CONFIG, ./config/earshot.toml, then
    /// ~/.config/earshot/earshot.toml)
    Check {
        /// The file to check
        file: Option<std::path::PathBuf>,
    },
}

pub(super) fn run(cli: &Cli, cmd: &ConfigCmd) -> Result<Exit> {
    let ConfigCmd::Check { file } = cmd;
    let source = match file {
        Some(p) => ConfigSource::File {
            how: "the command line",
            path: p.clone(),
        },
        None => config_source(cli),
    };
    if let ConfigSource::Defaults { .. } = source {
        return Err(UsageError::new(format!("nothing to check: {source}"))
            .help(
                "name the file (`earshot config check FILE`), or create config/earshot.toml here or ~/.config/earshot/earshot.toml",
            )
            .into());
    }
    run_on(source)
}

/// Loads and validates the file of `source` and says so (`config check`;
/// `source add --write` after appending).
pub(super) fn run_on(source: ConfigSource) -> Result<Exit> {
    let config = source.load()?;
    println!(
        "{source}: OK ({} sources, {} watches, store at {})",
        config.sources.len(),
        config.watches.len(),
        config.store.path.display()
    );
    for w in config.warnings() {
        println!(
            "warning: `{}`: {}{}",
            w.key,
            w.message,
            w.hint
                .as_deref()
                .map(|h| format!("\n  help: {h}"))
                .unwrap_or_default()
        );
    }
    Ok(Exit::Ok)
}
