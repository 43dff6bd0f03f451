//! `earshot store backup PATH` and `earshot store restore PATH`.

use std::path::PathBuf;

use anyhow::Result;
use clap::Subcommand;

use super::remote::{self, Access};
use super::{load_config, store_path, Cli, Exit};
use earshot::store::backup::BackupManifest;
use earshot::store::Store;

#[derive(Debug, Subcommand)]
pub enum StoreCmd {
    /// Copy the store into a new directory, consistently; while `earshot
    /// run` or `serve` holds the store, that process takes the copy
    Backup {
        /// Directory to create (must not exist or be empty)
        path: PathBuf,
        /// Machine-readable JSON output
        #[arg(long)]
        json: bool,
    },
    /// Put a backup in place of the store (earshot must not be running);
    /// the current store is kept beside it as <store>.before-restore-TIME
    Restore {
        /// A directory written by `earshot store backup`
        path: PathBuf,
        /// Machine-readable JSON output
        #[arg(long)]
        json: bool,
    },
}

pub(super) fn run(cli: &Cli, c: &StoreCmd) -> Result<Exit> {
    let config = load_config(cli)?;
    let live = store_path(cli, &config);
    match c {
        StoreCmd::Backup { path, json } => {
            let started = std::time::Instant::now();
            let m: BackupManifest = match remote::open(&live, false)? {
                Access::Local(store) => store.backup_to(path)?,
                Access::Daemon(d) => {
                    // The daemon's working directory is not ours.
                    let path = std::path::absolute(path)?;
                    d.post(
                        "/api/cli/backup",
                        &crate::serve::cli_api::BackupRequest { path: path.clone() },
                    )?
                }
            };
            if *json {
                println!("{}", serde_json::to_string_pretty(&m)?);
            } else {
                println!(
                    "backed up {} to {}: {} keys, {:.1} MB, in {:.1} s (check it with `earshot --store {} stats`)",
                    live.display(),
                    path.display(),
                    m.keys,
                    m.bytes as f64 / 1e6,
                    started.elapsed().as_secs_f64(),
                    path.display()
                );
            }
        }
        StoreCmd::Restore { path, json } => {
            let (m, aside) = Store::restore(path, &live)?;
            if *json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&serde_json::json!({
                        "restored": m,
                        "store": live,
                        "previous_store": aside,
                    }))?
                );
            } else {
                println!(
                    "restored {} (taken {}, {} keys) into {}",
                    path.display(),
                    m.taken_at.format("%Y-%m-%d %H:%M UTC"),
                    m.keys,
                    live.display()
                );
                if let Some(a) = aside {
                    println!(
                        "the store that was there is kept at {} (delete it once you are satisfied)",
                        a.display()
                    );
                }
            }
        }
    }
    Ok(Exit::Ok)
}
