//! `earshot stats`: a summary of the store.

use anyhow::Result;

use super::remote::{self, Access, NO_QUERY};
use super::{load_config, output, store_path, Cli, Exit, JsonArg};
use earshot::store::StoreStats;

pub(super) fn run(cli: &Cli, a: &JsonArg) -> Result<Exit> {
    let config = load_config(cli)?;
    let stats: StoreStats = match remote::open(&store_path(cli, &config), false)? {
        Access::Local(store) => store.stats()?,
        Access::Daemon(d) => d.get("/api/cli/stats", NO_QUERY)?,
    };
    if a.json {
        println!("{}", serde_json::to_string_pretty(&stats)?);
    } else {
        output::print_stats(&stats);
    }
    Ok(Exit::Ok)
}
