//! `earshot debug-ingest` (hidden): stores mentions read from stdin in
//! acknowledged batches, for the crash tests.

use std::io::{BufRead, Write};

use anyhow::{Context, Result};
use clap::Args;

use super::{Cli, Exit};
use earshot::store::{Mention, Store};

#[derive(Debug, Args)]
pub struct DebugIngestArgs {
    /// Number of the first batch (acknowledgements count from it)
    #[arg(long, default_value_t = 0)]
    pub start: u64,
    /// Mentions per batch
    #[arg(long, default_value_t = 100)]
    pub batch_size: u64,
}

/// Reads one JSON mention per line from stdin and stores them in batches,
/// printing `ack N` once batch N is durable. The crash tests feed it
/// synthetic mentions and kill it at random points.
pub(super) fn run(cli: &Cli, a: &DebugIngestArgs) -> Result<Exit> {
    let path = cli.store.clone().context("debug-ingest needs --store")?;
    let store = Store::open(&path)?;
    let stdout = std::io::stdout();
    let mut b = a.start;
    let mut batch: Vec<Mention> = Vec::new();
    let mut lines = std::io::stdin().lock().lines();
    loop {
        let line = lines.next().transpose().context("reading stdin")?;
        if let Some(line) = &line {
            let m: Mention = serde_json::from_str(line)
                .with_context(|| format!("batch {b}: not a JSON mention: {line:.80}"))?;
            batch.push(m);
        }
        let full = batch.len() as u64 >= a.batch_size.max(1);
        if full || (line.is_none() && !batch.is_empty()) {
            store.put_mentions(&batch, None)?;
            store.flush()?;
            let mut out = stdout.lock();
            writeln!(out, "ack {b}")?;
            out.flush()?;
            batch.clear();
            b += 1;
        }
        if line.is_none() {
            return Ok(Exit::Ok);
        }
    }
}
