//! `earshot debug-ingest` (hidden): synthetic mentions in acknowledged
//! batches, for the crash tests.

use anyhow::{Context, Result};
use chrono::Utc;
use clap::Args;

use super::{Cli, Exit};
use earshot::store::Store;

#[derive(Debug, Args)]
pub struct DebugIngestArgs {
    /// First batch number
    #[arg(long, default_value_t = 0)]
    pub start: u64,
    /// Batches to write (0: until killed)
    #[arg(long, default_value_t = 0)]
    pub batches: u64,
    /// Mentions per batch
    #[arg(long, default_value_t = 100)]
    pub batch_size: u64,
}

/// Writes synthetic mentions in batches, printing `ack N` after batch N is
/// durable. The crash tests kill it at random points.
pub(super) fn run(cli: &Cli, a: &DebugIngestArgs) -> Result<Exit> {
    use std::io::Write;
    let path = cli.store.clone().context("debug-ingest needs --store")?;
    let store = Store::open(&path)?;
    let start = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or_default();
    let watches = ["云雀", "Lumio", "Northwind"];
    let stdout = std::io::stdout();
    let mut b = a.start;
    loop {
        if a.batches > 0 && b >= a.start + a.batches {
            break;
        }
        let first = b * a.batch_size;
        let batch: Vec<_> = (first..first + a.batch_size)
            .map(|i| earshot::store::synthetic_mention(i, &watches, start))
            .collect();
        store.put_mentions(&batch, None)?;
        store.flush()?;
        let mut out = stdout.lock();
        writeln!(out, "ack {b}")?;
        out.flush()?;
        b += 1;
    }
    Ok(Exit::Ok)
}
