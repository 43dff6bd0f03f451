//! `earshot mentions`: stored mentions, newest first.

use anyhow::Result;
use chrono::Utc;
use clap::Args;

use super::remote::{self, Access};
use super::{check_watch_at, load_config, output, parse_when, store_path, Cli, Exit};
use crate::serve::cli_api::MentionsQuery;
use earshot::store::{Label, Mention, MentionQuery};

#[derive(Debug, Args)]
pub struct MentionsArgs {
    /// Only mentions of this watch
    #[arg(long)]
    pub watch: Option<String>,
    /// Only since: a duration back from now (7d, 12h) or a date/time
    #[arg(long)]
    pub since: Option<String>,
    /// Only before: a duration back from now or a date/time
    #[arg(long)]
    pub until: Option<String>,
    /// Only this sentiment: negative, neutral or positive
    #[arg(long)]
    pub sentiment: Option<Label>,
    /// At most this many, newest first
    #[arg(long, short = 'n', default_value_t = 50)]
    pub limit: usize,
    /// One JSON object per line
    #[arg(long)]
    pub json: bool,
}

pub(super) fn run(cli: &Cli, args: &MentionsArgs) -> Result<Exit> {
    let config = load_config(cli)?;
    let access = remote::open(&store_path(cli, &config), false)?;
    let now = Utc::now();
    let q = MentionQuery {
        watch: args.watch.clone(),
        since: args
            .since
            .as_deref()
            .map(|s| parse_when(s, now))
            .transpose()?,
        until: args
            .until
            .as_deref()
            .map(|s| parse_when(s, now))
            .transpose()?,
        sentiment: args.sentiment,
        limit: Some(args.limit),
    };
    if let Some(w) = &q.watch {
        check_watch_at(&config, &access, w)?;
    }
    let found: Vec<Mention> = match &access {
        Access::Local(store) => store.mentions(&q)?,
        Access::Daemon(d) => d.get(
            "/api/cli/mentions",
            &MentionsQuery {
                watch: q.watch.clone(),
                since: q.since,
                until: q.until,
                sentiment: q.sentiment,
                limit: q.limit,
            },
        )?,
    };
    if args.json {
        for m in &found {
            println!("{}", serde_json::to_string(m)?);
        }
    } else {
        output::print_mentions(&found);
    }
    Ok(Exit::Ok)
}
