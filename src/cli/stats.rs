//! `earshot stats`: a summary of the store.

use anyhow::Result;

use super::{load_config, output, store_path, Cli, Exit, JsonArg};
use earshot::store::Store;

pub(super) fn run(cli: &Cli, a: &JsonArg) -> Result<Exit> {
    let config = load_config(cli)?;
    let store = Store::open_existing(&store_path(cli, &config))?;
    let stats = store.stats()?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&stats)?);
    } else {
        output::print_stats(&stats);
    }
    Ok(Exit::Ok)
}
