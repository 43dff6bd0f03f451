//! `earshot rescore`: stored mentions scored again with the current model.

use anyhow::Result;
use clap::Args;

use super::score::scorer;
use super::{load_config, store_path, Cli, Exit};
use earshot::store::{MentionQuery, Store};

#[derive(Debug, Args)]
pub struct RescoreArgs {
    /// Rescore every mention, not only those scored by another model version
    #[arg(long)]
    pub all: bool,
    /// Only mentions of this watch
    #[arg(long)]
    pub watch: Option<String>,
    /// Print a JSON summary
    #[arg(long)]
    pub json: bool,
}

pub(super) fn run(cli: &Cli, args: &RescoreArgs) -> Result<Exit> {
    let config = load_config(cli)?;
    let store = Store::open_existing(&store_path(cli, &config))?;
    let score = scorer(&config, None, None)?;
    let mentions = store.mentions(&MentionQuery {
        watch: args.watch.clone(),
        ..Default::default()
    })?;
    let version = score.version().to_string();
    let todo: Vec<_> = mentions
        .into_iter()
        .filter(|m| args.all || m.sentiment.as_ref().map(|s| s.model.as_str()) != Some(&version))
        .collect();
    let bar = super::output::bar(todo.len() as u64, "rescoring");
    let (mut changed, mut same) = (0u64, 0u64);
    for chunk in todo.chunks(256) {
        let scores = earshot::crawl::score_mentions(&score, chunk)?;
        let mut batch = Vec::with_capacity(chunk.len());
        for (m, s) in chunk.iter().zip(scores) {
            if m.sentiment.as_ref().map(|o| o.label) != Some(s.label) {
                changed += 1;
            } else {
                same += 1;
            }
            let mut m = m.clone();
            m.sentiment = Some(s);
            batch.push(m);
        }
        store.put_mentions(&batch, None)?;
        bar.inc(chunk.len() as u64);
    }
    store.flush()?;
    bar.finish_and_clear();
    let n = todo.len();
    if args.json {
        println!(
            "{}",
            serde_json::json!({"model": version, "rescored": n, "label_changed": changed, "label_same": same})
        );
    } else {
        println!(
            "rescored {n} mentions with model {version}: {changed} changed label, {same} kept it"
        );
    }
    Ok(Exit::Ok)
}
