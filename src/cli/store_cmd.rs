//! `earshot store backup PATH`, `store restore PATH`, `store compact` and
//! `store prune`.

use std::path::PathBuf;

use anyhow::Result;
use clap::Subcommand;

use super::remote::{self, Access};
use super::{load_config, store_path, Cli, Exit, UsageError};
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
    /// Rewrite the store into a fresh copy (sled never gives back the space
    /// of its log), verify the copy, swap it in; earshot must not be running
    Compact {
        /// Keep the old store beside it as <store>.before-compact-TIME
        /// (removed by default once the copy verifies)
        #[arg(long)]
        keep_old: bool,
        /// Machine-readable JSON output
        #[arg(long)]
        json: bool,
    },
    /// Remove mentions older than [store] keep (or --keep) now, with their
    /// posts, index entries and counters, in bounded batches (`earshot run`
    /// does this by itself while it runs)
    Prune {
        /// Keep this span instead of [store] keep, e.g. 400d
        #[arg(long, value_parser = humantime::parse_duration)]
        keep: Option<std::time::Duration>,
        /// Mentions per atomic batch
        #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
        batch: u64,
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
        StoreCmd::Compact { keep_old, json } => {
            refuse_while_held(&live, "compact")?;
            let started = std::time::Instant::now();
            let r = Store::compact(&live, *keep_old)?;
            if *json {
                println!("{}", serde_json::to_string_pretty(&r)?);
            } else {
                println!(
                    "compacted {}: {:.1} MB -> {:.1} MB, {} mentions, {} keys, verified, in {:.1} s",
                    live.display(),
                    r.bytes_before as f64 / 1e6,
                    r.bytes_after as f64 / 1e6,
                    r.mentions,
                    r.keys,
                    started.elapsed().as_secs_f64()
                );
                if let Some(old) = &r.old_store {
                    println!(
                        "the old store is kept at {} (delete it once you are satisfied)",
                        old.display()
                    );
                }
            }
        }
        StoreCmd::Prune { keep, batch, json } => {
            let Some(keep) = keep.or(config.store.keep) else {
                return Err(UsageError::new("no retention span set")
                    .help("give --keep SPAN (e.g. --keep 400d), or set keep = \"400d\" under [store] in the config")
                    .into());
            };
            if let Some(p) = earshot::store::keep_problem(keep) {
                let hint = p.hint.unwrap_or_default();
                let (key, hint) = if keep_from_flag(keep, config.store.keep) {
                    ("--keep", hint.replace("keep = ", "--keep "))
                } else {
                    ("store.keep", hint)
                };
                return Err(UsageError::new(format!("{key} {}", p.message))
                    .help(hint)
                    .into());
            }
            refuse_while_held(&live, "prune")?;
            let store = Store::open_existing(&live)?;
            let cutoff = chrono::Utc::now() - chrono::Duration::from_std(keep)?;
            let started = std::time::Instant::now();
            let r = store.prune_before(cutoff, *batch as usize, &mut |r| {
                if r.batches > 0 && r.batches % 100 == 0 {
                    tracing::info!(mentions = r.mentions, posts = r.posts, "pruning");
                }
                true
            })?;
            if *json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&serde_json::json!({
                        "cutoff": cutoff,
                        "removed": r,
                        "mentions_left": store.mention_count()?,
                    }))?
                );
            } else {
                println!(
                    "removed {} mentions and {} posts older than {} ({} batches, {:.1} s); {} mentions left{}",
                    r.mentions,
                    r.posts,
                    cutoff.format("%Y-%m-%d %H:%M UTC"),
                    r.batches,
                    started.elapsed().as_secs_f64(),
                    store.mention_count()?,
                    if r.mentions > 0 { " (`earshot store compact` gives the space back)" } else { "" }
                );
            }
        }
    }
    Ok(Exit::Ok)
}

fn keep_from_flag(keep: std::time::Duration, configured: Option<std::time::Duration>) -> bool {
    configured != Some(keep)
}

/// Compaction and a hand prune need the store to themselves.
fn refuse_while_held(live: &std::path::Path, what: &str) -> Result<()> {
    if let Some(d) = remote::Daemon::find(live) {
        let also = if what == "prune" {
            " (`earshot run` applies [store] keep by itself while it runs)"
        } else {
            ""
        };
        return Err(UsageError::new(format!(
            "`earshot store {what}` needs the store at {} to itself, but earshot (pid {}) holds it{also}",
            live.display(),
            d.pid()
        ))
        .help(format!(
            "stop that process, run `earshot store {what}`, then start it again"
        ))
        .into());
    }
    Ok(())
}
