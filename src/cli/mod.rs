//! The command line: the flags of [`Cli`], dispatch to one file per
//! subcommand, and the one error path. A command returns an exit code or an
//! error; [`run`] prints the error once and maps it to a code with
//! [`exit_code`]. `main.rs` only parses, calls [`run`] and exits.

mod alerts;
mod backtest;
mod completions;
mod config_check;
mod crawl;
mod debug_ingest;
mod debug_serve;
mod demo;
mod doctor;
mod error;
mod eval_sentiment;
mod extract;
mod man;
mod mentions;
mod output;
mod rematch;
mod remote;
mod report;
mod rescore;
mod run;
mod score;
mod serve;
mod signal;
mod source_add;
mod stats;
mod store_cmd;
mod timeline;
mod token;
mod when;
mod worker;

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
use tokio_util::sync::CancellationToken;

use crate::config::Config;

pub use alerts::{AlertsArgs, AlertsCmd, CheckArgs, SilenceArgs};
pub use backtest::BacktestArgs;
pub use completions::CompletionsArgs;
pub use config_check::ConfigCmd;
pub use crawl::CrawlArgs;
pub use debug_ingest::DebugIngestArgs;
pub use debug_serve::DebugServeArgs;
pub use demo::DemoArgs;
pub use error::{exit_code, Exit, UsageError};
pub use eval_sentiment::EvalArgs;
pub use extract::ExtractArgs;
pub use man::ManArgs;
pub use mentions::MentionsArgs;
pub use rematch::RematchArgs;
pub use report::ReportArgs;
pub use rescore::RescoreArgs;
pub use run::RunArgs;
pub use score::ScoreArgs;
pub use serve::ServeArgs;
pub use source_add::{SourceAddArgs, SourceCmd};
pub use store_cmd::StoreCmd;
pub use timeline::{TimelineArgs, TimelineCmd};
pub use token::TokenCmd;
pub use when::parse_when;
pub use worker::WorkerArgs;

/// earshot: listen to what the web says about your brands.
#[derive(Debug, Parser)]
#[command(name = "earshot", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// Configuration file [default: $EARSHOT_CONFIG, else
    /// ./config/earshot.toml, else ~/.config/earshot/earshot.toml]
    #[arg(long, short = 'c', global = true, help_heading = "Global options")]
    pub config: Option<PathBuf>,
    /// Store directory, overriding store.path in the config
    #[arg(
        long,
        global = true,
        env = "EARSHOT_STORE",
        help_heading = "Global options"
    )]
    pub store: Option<PathBuf>,
    /// More log output (-v info, -vv debug)
    #[arg(short, long, action = clap::ArgAction::Count, global = true, help_heading = "Global options")]
    pub verbose: u8,
    /// Only errors
    #[arg(short, long, global = true, help_heading = "Global options")]
    pub quiet: bool,
    /// Log lines as `text` or `json` (one object a line) [default: the
    /// config's log.format, else text]
    #[arg(
        long,
        global = true,
        env = "EARSHOT_LOG_FORMAT",
        value_enum,
        help_heading = "Global options"
    )]
    pub log_format: Option<LogFormat>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check a configuration file
    #[command(subcommand)]
    Config(ConfigCmd),
    /// Crawl the configured sources once and store the mentions found
    Crawl(CrawlArgs),
    /// Add a site: look at one of its pages and propose (or --write) its
    /// [[source]] entry
    #[command(subcommand)]
    Source(SourceCmd),
    /// Run as a daemon: crawl each source on its schedule until Ctrl-C
    Run(RunArgs),
    /// Work for a fleet: fetch, read and score pages that `run --fleet`
    /// or `crawl --fleet` hand out through NATS JetStream
    Worker(WorkerArgs),
    /// Extract posts from pages (files or URLs) as the crawler would
    Extract(ExtractArgs),
    /// List stored mentions
    Mentions(MentionsArgs),
    /// Summary of the store
    Stats(JsonArg),
    /// Write a mention report (CSV, XLSX, HTML or JSON) into reports/
    Report(ReportArgs),
    /// Serve the dashboard and JSON API (127.0.0.1 unless configured)
    Serve(ServeArgs),
    /// Dashboard tokens
    #[command(subcommand)]
    Token(TokenCmd),
    /// Serve the bundled demo site, crawl it and show what was found
    Demo(DemoArgs),
    /// Back up or restore the mention store
    #[command(subcommand)]
    Store(StoreCmd),
    /// Check that libtorch, the sentiment model, the config and the store work here
    Doctor(JsonArg),
    /// Score texts with the sentiment model, one per line (stdin by default)
    Score(ScoreArgs),
    /// Accuracy, macro-F1 and confusion matrix of the model on a labelled CSV
    EvalSentiment(EvalArgs),
    /// Score stored mentions again with the current model
    Rescore(RescoreArgs),
    /// Apply the current watches to the stored posts (after adding a watch
    /// or editing a query): new matches stored and scored, stale ones removed
    Rematch(RematchArgs),
    /// List alerts; evaluate detectors and deliver (check); silence watches
    Alerts(AlertsArgs),
    /// Run the detectors over stored history or a CSV series and print the
    /// alerts they would have raised
    Backtest(BacktestArgs),
    /// A watch's timeline per bucket: mentions by sentiment, authors,
    /// sites, and clusters counted once
    Timeline(TimelineArgs),
    /// Print the shell completion script (bash, zsh, fish, elvish,
    /// powershell)
    Completions(CompletionsArgs),
    /// Print the manual page (roff), or write one page per command with --out
    Man(ManArgs),
    /// Development tool: write synthetic mentions in acknowledged batches
    #[command(hide = true)]
    DebugIngest(DebugIngestArgs),
    /// Development tool: serve a directory of static files on 127.0.0.1
    /// (benchmarks); prints `listening http://ADDR` when ready
    #[command(hide = true)]
    DebugServe(DebugServeArgs),
}

pub use crate::config::LogFormat;

#[derive(Debug, Args)]
pub struct JsonArg {
    /// Machine-readable JSON output
    #[arg(long)]
    pub json: bool,
}

/// Runs a parsed command line; prints errors; returns the exit code.
pub fn run(cli: Cli) -> Exit {
    init_logging(&cli);
    // The process's one shutdown signal. Commands that stop cleanly on
    // Ctrl-C cancel it from a signal listener (see `signal`) and pass it
    // down to the daemon, the crawl, the servers and the outbox.
    let shutdown = CancellationToken::new();
    match dispatch(&cli, &shutdown) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            exit_code(&e)
        }
    }
}

fn dispatch(cli: &Cli, shutdown: &CancellationToken) -> Result<Exit> {
    match &cli.command {
        Command::Config(c) => config_check::run(cli, c),
        Command::Crawl(a) => crawl::run(cli, a, shutdown),
        Command::Run(a) => run::run(cli, a, shutdown),
        Command::Worker(a) => worker::run(cli, a, shutdown),
        Command::Source(c) => source_add::run(cli, c),
        Command::Extract(a) => extract::run(cli, a),
        Command::Mentions(a) => mentions::run(cli, a),
        Command::Stats(a) => stats::run(cli, a),
        Command::Report(a) => report::run(cli, a),
        Command::Serve(a) => serve::run(cli, a, shutdown),
        Command::Token(t) => token::run(t),
        Command::Demo(a) => demo::run(cli, a, shutdown),
        Command::Store(c) => store_cmd::run(cli, c),
        Command::Doctor(a) => doctor::run(cli, a),
        Command::Score(a) => score::run(cli, a),
        Command::EvalSentiment(a) => eval_sentiment::run(cli, a),
        Command::Rescore(a) => rescore::run(cli, a),
        Command::Rematch(a) => rematch::run(cli, a, shutdown),
        Command::Alerts(a) => alerts::run(cli, a, shutdown),
        Command::Backtest(a) => backtest::run(cli, a),
        Command::Timeline(a) => timeline::run(cli, a),
        Command::Completions(a) => completions::run(a),
        Command::Man(a) => man::run(a),
        Command::DebugIngest(a) => debug_ingest::run(cli, a),
        Command::DebugServe(a) => debug_serve::run(a, shutdown),
    }
}

/// Logs go to stderr: `EARSHOT_LOG` (an `EnvFilter`: `earshot=debug,warn`)
/// or -v/-q choose what; earshot's own lines at info for `run` and `serve`
/// (warn for other commands), other crates at warn. Colour only when
/// stderr is a terminal and `NO_COLOR` is unset.
fn init_logging(cli: &Cli) {
    use std::io::IsTerminal;
    let daemon = matches!(
        cli.command,
        Command::Run(_) | Command::Serve(_) | Command::Worker(_)
    );
    let level = if cli.quiet {
        "error"
    } else {
        match cli.verbose {
            0 if daemon => "info",
            0 => "warn",
            1 => "info",
            _ => "debug",
        }
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("EARSHOT_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(format!("earshot={level},warn")));
    let format = cli
        .log_format
        .or_else(|| configured_log_format(cli))
        .unwrap_or(LogFormat::Text);
    let ansi = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(std::io::stderr)
        .with_target(false);
    let _ = match format {
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .try_init(),
        LogFormat::Text => builder.with_ansi(ansi).try_init(),
    };
}

/// `[log] format` of the config file the command will use, read before
/// logging starts (a file that does not parse is reported by the command).
fn configured_log_format(cli: &Cli) -> Option<LogFormat> {
    #[derive(serde::Deserialize)]
    struct File {
        log: Option<Section>,
    }
    #[derive(serde::Deserialize)]
    struct Section {
        format: Option<LogFormat>,
    }
    let path = config_source(cli).path()?.to_path_buf();
    let text = std::fs::read_to_string(path).ok()?;
    toml::from_str::<File>(&text).ok()?.log?.format
}

/// Which configuration file the command uses (`config::find`).
fn config_source(cli: &Cli) -> crate::config::ConfigSource {
    crate::config::find(cli.config.as_deref())
}

/// The configuration the command uses, said in the log (info; a warning
/// when no file was found).
fn load_config(cli: &Cli) -> Result<Config> {
    let source = config_source(cli);
    match &source {
        crate::config::ConfigSource::Defaults { .. } => tracing::warn!("{source}"),
        _ => tracing::info!("config: {source}"),
    }
    Ok(source.load()?)
}

/// `--store`, else the config's `store.path`.
fn store_path(cli: &Cli, config: &Config) -> PathBuf {
    cli.store
        .clone()
        .unwrap_or_else(|| config.store.path.clone())
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// `--watch NAME` names a watch of the config, or one the store holds
/// history for (a watch since removed from the config): anything else is a
/// typo, a usage error with a "did you mean". Every command that takes
/// `--watch` asks here.
fn check_watch(config: &Config, store: Option<&earshot::store::Store>, name: &str) -> Result<()> {
    if config.watches.iter().any(|w| w.name == name) {
        return Ok(());
    }
    let stored: Option<Vec<String>> = match store {
        Some(s) => Some(s.counters()?.into_keys().map(|(_, w, _)| w).collect()),
        None => None,
    };
    check_watch_in(config, stored, name)
}

/// [`check_watch`] with the store or the daemon that holds it.
fn check_watch_at(config: &Config, access: &remote::Access, name: &str) -> Result<()> {
    if config.watches.iter().any(|w| w.name == name) {
        return Ok(());
    }
    check_watch_in(config, Some(access.stored_watches()?), name)
}

/// [`check_watch`] given the watch names the store holds (`None`: no store).
fn check_watch_in(config: &Config, stored: Option<Vec<String>>, name: &str) -> Result<()> {
    if config.watches.iter().any(|w| w.name == name) {
        return Ok(());
    }
    let has_store = stored.is_some();
    let mut stored = stored.unwrap_or_default();
    stored.sort();
    stored.dedup();
    if stored.iter().any(|w| w == name) {
        return Ok(());
    }
    let mut names: Vec<&str> = config.watches.iter().map(|w| w.name.as_str()).collect();
    for w in &stored {
        if !names.contains(&w.as_str()) {
            names.push(w);
        }
    }
    let help = match crate::config::did_you_mean(name, names.iter().copied()) {
        Some(m) => format!("did you mean `{m}`?"),
        None if names.is_empty() => "the config has no [[watch]]; add one".to_string(),
        None => format!("the watches are: {}", names.join(", ")),
    };
    let where_ = if has_store {
        "the config or the store"
    } else {
        "the config"
    };
    Err(
        UsageError::new(format!("no watch named `{name}` in {where_}"))
            .help(help)
            .into(),
    )
}
