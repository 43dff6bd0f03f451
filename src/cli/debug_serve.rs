//! `earshot debug-serve` (hidden): static files on 127.0.0.1 for the
//! benchmarks, until Ctrl-C.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use tokio_util::sync::CancellationToken;

use super::{runtime, signal, Exit};

#[derive(Debug, Args)]
pub struct DebugServeArgs {
    /// Directory to serve
    pub dir: PathBuf,
    /// Address to listen on
    #[arg(long, default_value = "127.0.0.1:0")]
    pub addr: String,
}

pub(super) fn run(a: &DebugServeArgs, shutdown: &CancellationToken) -> Result<Exit> {
    let rt = runtime()?;
    rt.block_on(async {
        let _signals = signal::cancel_on_signal(shutdown, None);
        crate::demo::serve_dir(a.dir.clone(), &a.addr, shutdown.clone()).await
    })?;
    Ok(Exit::Ok)
}
