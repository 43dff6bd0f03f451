//! The command line: flag definitions and the glue that calls the library.
//! `main.rs` only parses, calls [`run`] and exits with its code.

mod output;
mod sentiment;

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result};
use chrono::{DateTime, NaiveDate, Utc};
use clap::{Args, Parser, Subcommand};
use tokio_util::sync::CancellationToken;

use crate::config::{Config, ConfigError};
use crate::pipeline::{self, PipelineError};
use crate::store::{Label, MentionQuery, Store, StoreError};

/// Exit codes, documented in README.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Exit {
    /// Everything worked.
    Ok = 0,
    /// A runtime failure.
    Failure = 1,
    /// Bad usage or an invalid config.
    Usage = 2,
    /// The store could not be opened or written.
    Store = 3,
    /// The crawl finished, but some pages failed.
    Partial = 4,
}

/// earshot: listen to what the web says about your brands.
#[derive(Debug, Parser)]
#[command(name = "earshot", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// Configuration file [default: the built-in config/earshot.toml]
    #[arg(long, short = 'c', global = true, env = "EARSHOT_CONFIG")]
    pub config: Option<PathBuf>,
    /// Store directory, overriding store.path in the config
    #[arg(long, global = true, env = "EARSHOT_STORE")]
    pub store: Option<PathBuf>,
    /// More log output (-v info, -vv debug)
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Only errors
    #[arg(short, long, global = true)]
    pub quiet: bool,
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
    /// Run as a daemon: crawl each source on its schedule until Ctrl-C
    Run(RunArgs),
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
    /// Check that libtorch, the sentiment model, the config and the store work here
    Doctor(JsonArg),
    /// Score texts with the sentiment model, one per line (stdin by default)
    Score(sentiment::ScoreArgs),
    /// Accuracy, macro-F1 and confusion matrix of the model on a labelled CSV
    EvalSentiment(sentiment::EvalArgs),
    /// Score stored mentions again with the current model
    Rescore(sentiment::RescoreArgs),
    /// List alerts; evaluate detectors and deliver (check); silence watches
    Alerts(AlertsArgs),
    /// Run the detectors over stored history or a CSV series and print the
    /// alerts they would have raised
    Backtest(BacktestArgs),
    /// A watch's timeline per bucket: mentions by sentiment, authors,
    /// sites, and clusters counted once
    Timeline(TimelineArgs),
    /// Development tool: write synthetic mentions in acknowledged batches
    #[command(hide = true)]
    DebugIngest(DebugIngestArgs),
    /// Development tool: serve a directory of static files on 127.0.0.1
    /// (benchmarks); prints `listening http://ADDR` when ready
    #[command(hide = true)]
    DebugServe(DebugServeArgs),
}

#[derive(Debug, Args)]
pub struct DebugServeArgs {
    /// Directory to serve
    pub dir: PathBuf,
    /// Address to listen on
    #[arg(long, default_value = "127.0.0.1:0")]
    pub addr: String,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCmd {
    /// Parse and validate FILE (default: --config, else the built-in one)
    Check {
        /// The file to check
        file: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct JsonArg {
    /// Machine-readable JSON output
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct CrawlArgs {
    /// Only this [[source]]
    #[arg(long)]
    pub source: Option<String>,
    /// Print the summary as JSON
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ExtractArgs {
    /// Files or http(s) URLs
    #[arg(required = true)]
    pub inputs: Vec<String>,
    /// Use this site profile instead of choosing one
    #[arg(long)]
    pub profile: Option<String>,
    /// The page's address, for choosing a profile and resolving links (files)
    #[arg(long)]
    pub url: Option<String>,
    /// Timezone for dates written without one [default: crawl.timezone]
    #[arg(long)]
    pub timezone: Option<String>,
    /// One JSON object per input
    #[arg(long)]
    pub json: bool,
    /// Fetch time that relative dates ("3小时前") count back from, for a
    /// file: RFC 3339 [default: the file's modification time]
    #[arg(long)]
    pub fetched_at: Option<String>,
}

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

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Also serve the dashboard and API (serve.bind) from this process,
    /// sharing its store (a second process cannot open the store)
    #[arg(long)]
    pub serve: bool,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Watch to report on (repeat for several; share of voice compares them)
    #[arg(long = "watch", required = true)]
    pub watches: Vec<String>,
    /// Period start: a duration back from now (30d), a date or RFC 3339
    #[arg(long, default_value = "30d")]
    pub from: String,
    /// Period end (exclusive): `now`, a duration back from now, a date or RFC 3339
    #[arg(long, default_value = "now")]
    pub to: String,
    /// csv, xlsx, html or json (repeat for several)
    #[arg(long = "format", default_value = "html")]
    pub formats: Vec<crate::report::Format>,
    /// Output file (one format) or directory [default: reports/]
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Print what was written as JSON
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on, overriding serve.bind in the config
    #[arg(long)]
    pub bind: Option<String>,
    /// Print the one-time sign-in link as JSON on the first line (tests, scripts)
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum TokenCmd {
    /// Make a new random token and print it with the config entry holding its hash
    New {
        /// Who holds it
        #[arg(long, default_value = "analyst")]
        name: String,
        /// viewer or admin
        #[arg(long, default_value = "viewer")]
        role: String,
    },
    /// Print the SHA-256 hash of a token read from stdin
    Hash,
}

#[derive(Debug, Args)]
pub struct AlertsArgs {
    /// One JSON object per line
    #[arg(long)]
    pub json: bool,
    /// Only alerts of this watch
    #[arg(long)]
    pub watch: Option<String>,
    #[command(subcommand)]
    pub cmd: Option<AlertsCmd>,
}

#[derive(Debug, Subcommand)]
pub enum AlertsCmd {
    /// Silence notifications for a watch (or all) for a time range
    Silence(SilenceArgs),
    /// Remove a silence by id
    Unsilence {
        /// Silence id (from `earshot alerts silence --list`)
        id: String,
    },
    /// Evaluate the detectors over the stored timeline, store alerts and
    /// deliver queued notifications
    Check(CheckArgs),
}

#[derive(Debug, Args)]
pub struct SilenceArgs {
    /// Watch to silence [default: every watch]
    #[arg(long)]
    pub watch: Option<String>,
    /// Silence for this long from now (2h, 3d)
    #[arg(long = "for", conflicts_with_all = ["from", "until"])]
    pub duration: Option<String>,
    /// Start of the range (RFC 3339, date, or a duration back from now)
    #[arg(long)]
    pub from: Option<String>,
    /// End of the range
    #[arg(long)]
    pub until: Option<String>,
    /// Why (shown in `earshot alerts`)
    #[arg(long, default_value = "")]
    pub reason: String,
    /// List the silences instead
    #[arg(long)]
    pub list: bool,
    /// JSON output
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Keep retrying failed deliveries for up to this long (30s, 5m)
    #[arg(long, default_value = "0s")]
    pub wait: String,
    /// Evaluate as if it were this time [default: now]
    #[arg(long)]
    pub now: Option<String>,
    /// Notify spikes changed within this long [default: alert.max_age]
    #[arg(long)]
    pub max_age: Option<String>,
    /// JSON output
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct TimelineArgs {
    #[command(subcommand)]
    pub cmd: Option<TimelineCmd>,
    /// The watch
    #[arg(long)]
    pub watch: Option<String>,
    /// Bucket: 5m, hour or day
    #[arg(long, default_value = "hour")]
    pub bucket: String,
    /// Since: a duration back from now, a date or RFC 3339 [default: 2d]
    #[arg(long, default_value = "2d")]
    pub since: String,
    /// Until [default: now]
    #[arg(long)]
    pub until: Option<String>,
    /// One JSON object per bucket and line
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct BacktestArgs {
    /// A CSV with the header `time,total,negative`, hourly buckets
    #[arg(long, conflicts_with = "watch", required_unless_present = "watch")]
    pub series: Option<PathBuf>,
    /// A watch's stored timeline
    #[arg(long)]
    pub watch: Option<String>,
    /// Start (with --watch): RFC 3339, a date, or a duration back from now
    #[arg(long, requires = "watch")]
    pub from: Option<String>,
    /// End (with --watch) [default: now]
    #[arg(long, requires = "watch")]
    pub to: Option<String>,
    /// One JSON object per alert and line
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Keep serving the demo site after the crawl (until Ctrl-C)
    #[arg(long)]
    pub serve: bool,
}

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

/// A failure with the exit code it maps to.
fn exit_for(e: &anyhow::Error) -> Exit {
    for cause in e.chain() {
        if cause.downcast_ref::<ConfigError>().is_some() {
            return Exit::Usage;
        }
        if cause.downcast_ref::<StoreError>().is_some() {
            return Exit::Store;
        }
        if let Some(r) = cause.downcast_ref::<crate::report::ReportError>() {
            return match r {
                crate::report::ReportError::Store(_) => Exit::Store,
                crate::report::ReportError::EmptyPeriod { .. }
                | crate::report::ReportError::NoWatch => Exit::Usage,
                _ => Exit::Failure,
            };
        }
        if let Some(p) = cause.downcast_ref::<PipelineError>() {
            return match p {
                PipelineError::Store(_) => Exit::Store,
                PipelineError::NoSuchSource(..)
                | PipelineError::Watch(..)
                | PipelineError::Url(..) => Exit::Usage,
                _ => Exit::Failure,
            };
        }
    }
    Exit::Failure
}

/// Runs a parsed command line; prints errors; returns the exit code.
pub fn run(cli: Cli) -> Exit {
    init_logging(cli.verbose, cli.quiet);
    match dispatch(&cli) {
        Ok(code) => code,
        Err(e) => {
            let code = exit_for(&e);
            eprintln!("error: {e:#}");
            code
        }
    }
}

fn init_logging(verbose: u8, quiet: bool) {
    let level = if quiet {
        "error"
    } else {
        match verbose {
            0 => "warn",
            1 => "info",
            _ => "debug",
        }
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("EARSHOT_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(format!("earshot={level},warn")));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
}

fn load_config(cli: &Cli) -> Result<Config> {
    Ok(Config::load_or_default(cli.config.as_deref())?)
}

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

fn dispatch(cli: &Cli) -> Result<Exit> {
    match &cli.command {
        Command::Config(ConfigCmd::Check { file }) => {
            let path = file.clone().or_else(|| cli.config.clone());
            let config = Config::load_or_default(path.as_deref())?;
            let name = path
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| crate::config::DEFAULT_CONFIG_NAME.to_string());
            println!(
                "{name}: OK ({} sources, {} watches, store at {})",
                config.sources.len(),
                config.watches.len(),
                config.store.path.display()
            );
            Ok(Exit::Ok)
        }
        Command::Crawl(args) => {
            let config = load_config(cli)?;
            let store = Arc::new(Store::open(&store_path(cli, &config))?);
            let rt = runtime()?;
            let summary = rt.block_on(crawl_with_ctrl_c(
                &config,
                store,
                args.source.as_deref(),
                cli.quiet || args.json,
            ))?;
            if args.json {
                println!("{}", serde_json::to_string_pretty(&summary)?);
            } else {
                output::print_summary(&summary);
            }
            Ok(if summary.pages_failed > 0 {
                Exit::Partial
            } else {
                Exit::Ok
            })
        }
        Command::Run(args) => run_daemon(cli, args),
        Command::Extract(args) => extract_cmd(cli, args),
        Command::Mentions(args) => {
            let config = load_config(cli)?;
            let store = Store::open_existing(&store_path(cli, &config))?;
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
                if !config.watches.iter().any(|x| &x.name == w) {
                    eprintln!("note: `{w}` is not a [[watch]] in the config; showing what the store holds for it");
                }
            }
            let found = store.mentions(&q)?;
            if args.json {
                for m in &found {
                    println!("{}", serde_json::to_string(m)?);
                }
            } else {
                output::print_mentions(&found);
            }
            Ok(Exit::Ok)
        }
        Command::Stats(a) => {
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
        Command::Report(args) => report_cmd(cli, args),
        Command::Serve(args) => serve_cmd(cli, args),
        Command::Token(t) => token_cmd(t),
        Command::Demo(args) => demo(cli, args),
        Command::Doctor(a) => doctor(cli, a.json),
        Command::Score(a) => sentiment::score_cmd(cli, a),
        Command::EvalSentiment(a) => sentiment::eval_cmd(cli, a),
        Command::Rescore(a) => sentiment::rescore_cmd(cli, a),
        Command::Alerts(a) => alerts_cmd(cli, a),
        Command::Backtest(a) => backtest_cmd(cli, a),
        Command::Timeline(a) => timeline_cmd(cli, a),
        Command::DebugIngest(a) => debug_ingest(cli, a),
        Command::DebugServe(a) => {
            let rt = runtime()?;
            rt.block_on(async {
                let stop = CancellationToken::new();
                let on_ctrl_c = stop.clone();
                tokio::spawn(async move {
                    let _ = tokio::signal::ctrl_c().await;
                    on_ctrl_c.cancel();
                });
                crate::demo::serve_dir(a.dir.clone(), &a.addr, stop).await
            })?;
            Ok(Exit::Ok)
        }
    }
}

fn report_cmd(cli: &Cli, args: &ReportArgs) -> Result<Exit> {
    use crate::report::{self, ReportRequest};
    let config = load_config(cli)?;
    let now = Utc::now();
    let req = ReportRequest {
        watches: args.watches.clone(),
        from: parse_when(&args.from, now).context("--from")?,
        to: if args.to == "now" {
            now
        } else {
            parse_when(&args.to, now).context("--to")?
        },
    };
    req.validate()?;
    for w in &req.watches {
        if !config.watches.iter().any(|x| &x.name == w) {
            eprintln!("note: `{w}` is not a [[watch]] in the config; reporting what the store holds for it");
        }
    }
    let mut formats = args.formats.clone();
    formats.dedup();
    let store = Store::open_existing(&store_path(cli, &config))?;
    let started = std::time::Instant::now();
    let data = report::gather(&store, &req)?;
    let mut written = Vec::new();
    for f in &formats {
        let path = match &args.out {
            Some(p) if formats.len() == 1 && !p.is_dir() => p.clone(),
            Some(dir) => dir.join(req.file_name(*f)),
            None => PathBuf::from("reports").join(req.file_name(*f)),
        };
        report::write(&data, *f, &path)?;
        written.push(serde_json::json!({"format": f, "path": path, "bytes": std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0)}));
        if !args.json {
            println!(
                "wrote {} ({} mentions, {} alerts)",
                path.display(),
                data.rows.len(),
                data.alerts.len()
            );
        }
    }
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "watches": req.watches, "from": req.from, "to": req.to,
                "mentions": data.rows.len(), "alerts": data.alerts.len(),
                "elapsed_ms": started.elapsed().as_millis() as u64,
                "files": written,
            }))?
        );
    }
    Ok(Exit::Ok)
}

fn serve_cmd(cli: &Cli, args: &ServeArgs) -> Result<Exit> {
    let mut config = load_config(cli)?;
    if let Some(b) = &args.bind {
        config.serve.bind = b.clone();
    }
    let addr: std::net::SocketAddr = config.serve.bind.parse().with_context(|| {
        format!(
            "`{}` is not an address with a port (e.g. 127.0.0.1:8640)",
            config.serve.bind
        )
    })?;
    if !addr.ip().is_loopback() && config.serve.tokens.is_empty() {
        anyhow::bail!("refusing to serve on {addr} without [[serve.tokens]]: anyone on the network could read the dashboard\n  help: add a token (`earshot token new --role admin`) or bind to 127.0.0.1");
    }
    let store = Arc::new(Store::open_existing(&store_path(cli, &config))?);
    let rt = runtime()?;
    rt.block_on(async {
        let stop = CancellationToken::new();
        let server = crate::serve::start(config, store.clone(), addr, &stop).await?;
        let link = server.login_link(crate::config::Role::Admin);
        if args.json {
            println!("{}", serde_json::json!({"url": server.base_url(), "login": link, "token": server.generated_token()}));
        } else {
            println!("earshot serve: dashboard at {}/", server.base_url());
            println!("  sign in once with this link (valid 10 minutes): {link}");
            if let Some(t) = server.generated_token() {
                println!("  no [[serve.tokens]] configured: this run's admin token is {t}");
            }
            println!("  Ctrl-C to stop");
        }
        use std::io::Write;
        let _ = std::io::stdout().flush();
        let _ = tokio::signal::ctrl_c().await;
        server.stop().await;
        store.flush()?;
        Ok(Exit::Ok)
    })
}

fn token_cmd(t: &TokenCmd) -> Result<Exit> {
    match t {
        TokenCmd::New { name, role } => {
            let role: crate::config::Role = match role.as_str() {
                "viewer" => crate::config::Role::Viewer,
                "admin" => crate::config::Role::Admin,
                other => anyhow::bail!("`{other}` is not a role; use viewer or admin"),
            };
            let token = crate::serve::new_token();
            println!("token (give it to {name}; it is not stored anywhere): {token}");
            println!("\nadd to the config:\n[[serve.tokens]]\nname = {name:?}\nrole = \"{role}\"\nsha256 = \"{}\"", crate::serve::hash_token(&token));
        }
        TokenCmd::Hash => {
            let mut s = String::new();
            std::io::stdin()
                .read_line(&mut s)
                .context("cannot read the token from stdin")?;
            println!(
                "{}",
                crate::serve::hash_token(s.trim_end_matches(['\r', '\n']))
            );
        }
    }
    Ok(Exit::Ok)
}

fn extract_cmd(cli: &Cli, args: &ExtractArgs) -> Result<Exit> {
    let config = load_config(cli)?;
    let tz_name = args
        .timezone
        .clone()
        .unwrap_or_else(|| config.crawl.timezone.clone());
    let tz: chrono_tz::Tz = tz_name.parse().map_err(|_| {
        anyhow::anyhow!("`{tz_name}` is not an IANA timezone (e.g. Asia/Shanghai, UTC)")
    })?;
    let rt = runtime()?;
    let fetcher = crate::fetch::Fetcher::new(&config.crawl)?;
    let drop_lines = config.extract.patterns();
    let mut code = Exit::Ok;
    for input in &args.inputs {
        let result: Result<crate::extract::Extracted> = rt.block_on(async {
            let (url, text, charset, fetched_at) =
                if input.starts_with("http://") || input.starts_with("https://") {
                    let url = url::Url::parse(input)
                        .with_context(|| format!("`{input}` is not a URL"))?;
                    let req = crate::fetch::Request {
                        url,
                        rate: config.crawl.rate_per_host,
                        allow_private: config.crawl.allow_private,
                        validators: Default::default(),
                    };
                    match fetcher.fetch(&req).await? {
                        crate::fetch::Fetched::Page(p) => (
                            p.url.clone(),
                            p.text.clone(),
                            p.charset.to_string(),
                            p.fetched_at,
                        ),
                        crate::fetch::Fetched::NotModified => {
                            anyhow::bail!("{input}: 304 without a conditional request")
                        }
                    }
                } else {
                    let bytes =
                        std::fs::read(input).with_context(|| format!("cannot read {input}"))?;
                    let url = match &args.url {
                        Some(u) => url::Url::parse(u)
                            .with_context(|| format!("--url `{u}` is not a URL"))?,
                        None => url::Url::from_file_path(std::fs::canonicalize(input)?)
                            .map_err(|_| anyhow::anyhow!("cannot make a file URL for {input}"))?,
                    };
                    let (text, enc) = crate::fetch::decode(&bytes, None);
                    let modified = match &args.fetched_at {
                        Some(t) => DateTime::parse_from_rfc3339(t)
                            .with_context(|| format!("--fetched-at `{t}` is not an RFC 3339 time"))?
                            .with_timezone(&Utc),
                        None => std::fs::metadata(input)
                            .and_then(|m| m.modified())
                            .map(DateTime::<Utc>::from)
                            .unwrap_or_else(|_| Utc::now()),
                    };
                    (url, text, enc.name().to_string(), modified)
                };
            let mut e = crate::extract::extract_with(
                &url,
                &text,
                &crate::extract::Options {
                    profile: args.profile.as_deref(),
                    tz,
                    fetched_at,
                    drop_lines: &drop_lines,
                },
            )?;
            e.charset = Some(charset);
            Ok(e)
        });
        match result {
            Ok(e) if args.json => println!("{}", serde_json::to_string(&e)?),
            Ok(e) => output::print_extracted(&e),
            Err(err) => {
                eprintln!("error: {input}: {err:#}");
                code = Exit::Failure;
            }
        }
    }
    Ok(code)
}

/// Reads `7d`, `12h`, `30m` (back from `now`), RFC 3339 or `YYYY-MM-DD`.
pub fn parse_when(s: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>> {
    if let Ok(d) = humantime::parse_duration(s) {
        let d = chrono::Duration::from_std(d).context("duration too large")?;
        return Ok(now - d);
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(d.and_hms_opt(0, 0, 0).map(|t| t.and_utc()).unwrap_or(now));
    }
    anyhow::bail!("cannot read `{s}` as a time: write a duration back from now (7d, 12h), a date (2026-11-20) or RFC 3339 (2026-11-20T08:00:00+08:00)")
}

/// A token cancelled by the first Ctrl-C (finish in-flight work, flush); a
/// second Ctrl-C exits at once.
fn stop_on_ctrl_c() -> (CancellationToken, tokio::task::JoinHandle<()>) {
    let stop = CancellationToken::new();
    let flag = stop.clone();
    let task = tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("\nstopping: finishing in-flight pages and flushing the store (Ctrl-C again to abort)");
            flag.cancel();
            if tokio::signal::ctrl_c().await.is_ok() {
                std::process::exit(130);
            }
        }
    });
    (stop, task)
}

async fn crawl_with_ctrl_c(
    config: &Config,
    store: Arc<Store>,
    only: Option<&str>,
    quiet: bool,
) -> Result<pipeline::CrawlSummary, PipelineError> {
    let (stop, ctrl_c) = stop_on_ctrl_c();
    let progress = output::progress(quiet);
    let result = pipeline::crawl(config, store, only, stop, progress.callback()).await;
    progress.finish();
    ctrl_c.abort();
    result
}

fn run_daemon(cli: &Cli, args: &RunArgs) -> Result<Exit> {
    let config = load_config(cli)?;
    let store = Arc::new(Store::open(&store_path(cli, &config))?);
    let rt = runtime()?;
    rt.block_on(async {
        let (stop, ctrl_c) = stop_on_ctrl_c();
        let server = if args.serve {
            let addr: std::net::SocketAddr = config.serve.bind.parse().with_context(|| {
                format!("serve.bind `{}` is not an address with a port", config.serve.bind)
            })?;
            let server = crate::serve::start(config.clone(), store.clone(), addr, &stop).await?;
            println!("dashboard at {}/ ; sign in once with {}", server.base_url(), server.login_link(crate::config::Role::Admin));
            if let Some(t) = server.generated_token() {
                println!("  no [[serve.tokens]] configured: this run's admin token is {t}");
            }
            Some(server)
        } else {
            None
        };
        eprintln!("earshot run: {} sources, store {}; Ctrl-C to stop", config.sources.len(), store.path().display());
        let progress: pipeline::Progress = if cli.quiet {
            Arc::new(|_: &str| {})
        } else {
            Arc::new(|line: &str| tracing::info!("{line}"))
        };
        let on_pass = |name: &str, s: &pipeline::CrawlSummary| {
            println!(
                "pass done: source {name}: {} fetched, {} unchanged, {} fresh, {} failed; {} new mentions",
                s.pages_fetched, s.pages_unchanged, s.pages_fresh, s.pages_failed, s.mentions_new
            );
        };
        let reports = {
            let (config, store, stop) = (config.clone(), store.clone(), stop.clone());
            tokio::spawn(async move { crate::report::scheduled::run(&config, store, stop).await })
        };
        let result = crate::schedule::run(&config, store.clone(), stop.clone(), progress, &on_pass).await;
        if result.is_ok() && (!config.reports.is_empty() || server.is_some()) {
            // Sources done (or none scheduled): reports and the dashboard
            // go on until Ctrl-C.
            stop.cancelled().await;
        }
        stop.cancel();
        let _ = reports.await;
        if let Some(s) = server {
            s.stop().await;
        }
        ctrl_c.abort();
        store.flush()?;
        result?;
        eprintln!("earshot run: stopped; store flushed");
        Ok(Exit::Ok)
    })
}

fn demo(cli: &Cli, args: &DemoArgs) -> Result<Exit> {
    let rt = runtime()?;
    rt.block_on(async {
        let site = crate::demo::start().await.context("cannot start the demo site on 127.0.0.1")?;
        let base = site.base_url();
        let mut config = load_config(cli)?;
        // The demo sources' host name points at the server just started.
        config.crawl.resolve.insert(crate::demo::DEMO_HOST.to_string(), site.addr.to_string());
        let path = store_path(cli, &config);
        println!("earshot demo: the bundled demo site is at {base}/ (crawled as http://{}/)", crate::demo::DEMO_HOST);
        let torch = crate::sentiment::probe();
        let model_dir = config.sentiment.resolve_model_dir()?;
        println!(
            "sentiment: model {} on libtorch ({} threads, {} CUDA devices); each mention is scored on its context window",
            model_dir.display(),
            torch.threads,
            torch.cuda_devices
        );
        println!("config: {}", cli.config.as_ref().map(|p| p.display().to_string()).unwrap_or_else(|| crate::config::DEFAULT_CONFIG_NAME.into()));
        println!("store:  {}\n", path.display());
        let store = Arc::new(Store::open(&path)?);
        let summary = crawl_with_ctrl_c(&config, store.clone(), None, cli.quiet).await?;
        output::print_summary(&summary);
        for w in &config.watches {
            let q = MentionQuery {
                watch: Some(w.name.clone()),
                limit: Some(8),
                ..Default::default()
            };
            let found = store.mentions(&q)?;
            let total = store.stats()?.watches.get(&w.name).map(|c| c.total + c.spam).unwrap_or(0);
            println!("\n== {} ({} mentions stored; newest {}) ==", w.name, total, found.len());
            output::print_mentions(&found);
        }
        println!("\n== Sentiment (mentions stored, spam left out) ==");
        let asked = config.sentiment.effective_precision();
        println!(
            "  scored on CPU in {} (precision = \"{}\"; native bfloat16 on this CPU: {})",
            asked.on_cpu().name(),
            asked.name(),
            if crate::sentiment::native_bf16() { "yes" } else { "no" }
        );
        let stats = store.stats()?;
        for w in &config.watches {
            if let Some(c) = stats.watches.get(&w.name) {
                println!(
                    "  {:<10} {:>3} negative  {:>3} neutral  {:>3} positive  {:>3} unscored",
                    w.name, c.negative, c.neutral, c.positive, c.unscored
                );
            }
        }
        demo_extraction(&config).await?;
        let negative = store.mentions(&MentionQuery {
            sentiment: Some(Label::Negative),
            limit: Some(5),
            ..Default::default()
        })?;
        if !negative.is_empty() {
            println!("\n== Newest negative mentions ==");
            output::print_mentions(&negative);
        }
        let clusters = store.clusters(2)?;
        if !clusters.is_empty() {
            println!("\n== Syndication: stories found on several sites ==");
            for c in &clusters {
                println!("  {} copies on {}: {}", c.members.len(), c.sites.join(", "), c.title.as_deref().unwrap_or("(untitled)"));
            }
        }
        demo_alerts(&config, &store).await?;
        // Reports of the demo watches over the period the demo's posts cover.
        let watches: Vec<String> = config.watches.iter().map(|w| w.name.clone()).collect();
        let mut earliest: Option<DateTime<Utc>> = None;
        for w in &watches {
            for m in store.mentions(&MentionQuery { watch: Some(w.clone()), ..Default::default() })? {
                let t = m.bucket_time();
                earliest = Some(earliest.map_or(t, |e| e.min(t)));
            }
        }
        let now = Utc::now();
        let from = crate::store::Granularity::Day.bucket_start(earliest.unwrap_or(now - chrono::Duration::days(30)));
        let req = crate::report::ReportRequest { watches, from, to: now };
        let mut written = Vec::new();
        if req.validate().is_ok() {
            let data = crate::report::gather(&store, &req)?;
            for f in [crate::report::Format::Html, crate::report::Format::Xlsx] {
                let path = PathBuf::from("reports").join(req.file_name(f));
                crate::report::write(&data, f, &path)?;
                written.push(path);
            }
        }
        if !written.is_empty() {
            println!("\n== Reports ==");
            for p in &written {
                println!("  wrote {}", p.display());
            }
        }
        println!("\nNext:");
        let exe = "./target/release/earshot";
        let store_arg = cli.store.as_ref().map(|p| format!(" --store {}", p.display())).unwrap_or_default();
        println!("  {exe}{store_arg} serve    # the dashboard: open the sign-in link it prints (from: {})", from.format("%Y-%m-%d"));
        if let Some(p) = written.first() {
            println!("  open {}    # the HTML report in a browser (xdg-open / open)", p.display());
        }
        if let Some(w) = config.watches.first() {
            println!("  {exe} mentions --watch {} --since 30d    # list mentions", w.name);
        }
        println!("  {exe} stats                               # what the store holds");
        println!("  {exe} config check config/earshot.toml    # validate your own config");
        if args.serve {
            println!("\nServing the demo site at {base}/ until Ctrl-C");
            let _ = tokio::signal::ctrl_c().await;
        }
        site.stop().await;
        store.flush()?;
        Ok(if summary.pages_failed > 0 { Exit::Partial } else { Exit::Ok })
    })
}

fn parse_duration(s: &str, what: &str) -> Result<chrono::Duration> {
    let d = humantime::parse_duration(s)
        .with_context(|| format!("{what} `{s}` is not a duration: write e.g. 30s, 2h, 3d"))?;
    chrono::Duration::from_std(d).context("duration too large")
}

fn alerts_cmd(cli: &Cli, a: &AlertsArgs) -> Result<Exit> {
    let config = load_config(cli)?;
    let path = store_path(cli, &config);
    match &a.cmd {
        None => {
            let store = Store::open_existing(&path)?;
            let mut list = store.alerts()?;
            list.retain(|x| a.watch.as_ref().is_none_or(|w| &x.watch == w));
            list.sort_by_key(|x| std::cmp::Reverse(x.opened_at));
            if a.json {
                for al in &list {
                    let evidence: serde_json::Value =
                        serde_json::from_str(&al.evidence_json).unwrap_or_default();
                    println!(
                        "{}",
                        serde_json::json!({
                            "id": format!("{:016x}", al.id),
                            "watch": al.watch,
                            "state": al.state,
                            "severity": al.severity,
                            "opened_at": al.opened_at,
                            "updated_at": al.updated_at,
                            "summary": al.summary,
                            "evidence": evidence,
                        })
                    );
                }
            } else if list.is_empty() {
                println!("no alerts");
            } else {
                for al in &list {
                    output::print_alert(al);
                }
            }
            Ok(Exit::Ok)
        }
        Some(AlertsCmd::Silence(s)) => {
            let store = Store::open(&path)?;
            if s.list {
                let list = store.silences()?;
                for x in &list {
                    if s.json {
                        println!(
                            "{}",
                            serde_json::json!({"id": format!("{:016x}", x.id), "watch": x.watch, "from": x.from, "until": x.until, "reason": x.reason})
                        );
                    } else {
                        println!(
                            "{:016x}  {}  {} – {}  {}",
                            x.id,
                            x.watch.as_deref().unwrap_or("(every watch)"),
                            x.from.to_rfc3339(),
                            x.until.to_rfc3339(),
                            x.reason
                        );
                    }
                }
                if list.is_empty() && !s.json {
                    println!("no silences");
                }
                return Ok(Exit::Ok);
            }
            let now = Utc::now();
            let (from, until) = match (&s.duration, &s.from, &s.until) {
                (Some(d), _, _) => (now, now + parse_duration(d, "--for")?),
                (None, Some(f), Some(u)) => (parse_when(f, now)?, parse_when(u, now)?),
                _ => {
                    eprintln!("error: say how long: --for 2h, or --from TIME --until TIME\n  help: earshot alerts silence --watch 云雀 --for 3h --reason \"launch event\"");
                    return Ok(Exit::Usage);
                }
            };
            use crate::alert::silence::{new_silence, SilenceError};
            let watches: Vec<&str> = config.watches.iter().map(|w| w.name.as_str()).collect();
            let silence = match new_silence(
                &watches,
                s.watch.clone(),
                from,
                until,
                s.reason.clone(),
                now,
            ) {
                Ok(s) => s,
                Err(e) => {
                    let help = match e {
                        SilenceError::EndsBeforeStart { .. } => "--until must be after --from",
                        SilenceError::NoSuchWatch(_) => "earshot alerts silence --watch NAME, with a name from the config, or no --watch for every watch",
                    };
                    eprintln!("error: {e}\n  help: {help}");
                    return Ok(Exit::Usage);
                }
            };
            let id = silence.id;
            store.put_silence(&silence)?;
            store.flush()?;
            if s.json {
                println!(
                    "{}",
                    serde_json::json!({"id": format!("{id:016x}"), "from": from, "until": until})
                );
            } else {
                println!(
                    "silenced {} from {} until {} (id {id:016x})",
                    s.watch.as_deref().unwrap_or("every watch"),
                    from.to_rfc3339(),
                    until.to_rfc3339()
                );
            }
            Ok(Exit::Ok)
        }
        Some(AlertsCmd::Unsilence { id }) => {
            let store = Store::open(&path)?;
            let n = u64::from_str_radix(id.trim(), 16)
                .with_context(|| format!("`{id}` is not a silence id (16 hex digits from `earshot alerts silence --list`)"))?;
            if store.remove_silence(n)? {
                store.flush()?;
                println!("removed silence {n:016x}");
                Ok(Exit::Ok)
            } else {
                eprintln!("error: no silence {n:016x}\n  help: earshot alerts silence --list");
                Ok(Exit::Failure)
            }
        }
        Some(AlertsCmd::Check(c)) => {
            let mut config = config;
            let now = match &c.now {
                Some(t) => parse_when(t, Utc::now())?,
                None => Utc::now(),
            };
            if let Some(m) = &c.max_age {
                config.alert.max_age = parse_duration(m, "--max-age")?.to_std().unwrap_or_default();
            }
            let wait = parse_duration(&c.wait, "--wait")?
                .to_std()
                .unwrap_or_default();
            let store = Store::open(&path)?;
            let evals = crate::alert::evaluate(&store, &config, now)?;
            let rt = runtime()?;
            let deadline = std::time::Instant::now() + wait;
            let report = rt.block_on(crate::alert::channel::drain_until(
                &store,
                &config.channels,
                config.alert.retry_base,
                config.alert.retry_max,
                crate::alert::channel::Until::EmptyOr(deadline),
                &CancellationToken::new(),
            ))?;
            if c.json {
                println!(
                    "{}",
                    serde_json::json!({"watches": evals, "delivery": report})
                );
            } else {
                for e in &evals {
                    match (&e.note, e.events.is_empty()) {
                        (Some(n), _) => println!("{}: {n}", e.watch),
                        (None, true) => println!(
                            "{}: {} mentions ({} scored), {} spikes, nothing new",
                            e.watch, e.mentions, e.scored, e.spikes
                        ),
                        (None, false) => println!(
                            "{}: {}; {} notifications queued",
                            e.watch,
                            e.events.join("; "),
                            e.queued
                        ),
                    }
                }
                println!(
                    "delivery: {} delivered, {} failed attempts, {} still queued",
                    report.delivered, report.failed, report.pending
                );
                for err in report.errors.iter().take(5) {
                    println!("  {err}");
                }
            }
            Ok(if report.pending > 0 {
                Exit::Partial
            } else {
                Exit::Ok
            })
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum TimelineCmd {
    /// Recompute every stored hourly and daily counter from the stored
    /// mentions (after a crash of an old version, or to check them)
    Rebuild {
        /// Print the result as JSON
        #[arg(long)]
        json: bool,
    },
}

fn timeline_cmd(cli: &Cli, a: &TimelineArgs) -> Result<Exit> {
    use crate::alert::timeline::{timeline, Bucket};
    if let Some(TimelineCmd::Rebuild { json }) = &a.cmd {
        let config = load_config(cli)?;
        let store = Store::open_existing(&store_path(cli, &config))?;
        let (buckets, differed) = store.rebuild_counters()?;
        if *json {
            println!(
                "{}",
                serde_json::json!({"buckets": buckets, "differed": differed})
            );
        } else {
            println!("rebuilt {buckets} hourly and daily buckets from the stored mentions; {differed} differed from what was stored");
        }
        return Ok(Exit::Ok);
    }
    let Some(watch) = a.watch.as_deref() else {
        eprintln!("error: `earshot timeline` needs --watch NAME (or `earshot timeline rebuild`)");
        return Ok(Exit::Usage);
    };
    let bucket = match a.bucket.as_str() {
        "5m" => Bucket::Min5,
        "hour" | "1h" => Bucket::Hour,
        "day" | "1d" => Bucket::Day,
        other => {
            eprintln!("error: `{other}` is not a bucket\n  help: --bucket 5m, hour or day");
            return Ok(Exit::Usage);
        }
    };
    let config = load_config(cli)?;
    let store = Store::open_existing(&store_path(cli, &config))?;
    let now = Utc::now();
    let since = parse_when(&a.since, now)?;
    let until = a
        .until
        .as_deref()
        .map(|u| parse_when(u, now))
        .transpose()?
        .unwrap_or(now);
    let rows = timeline(&store, watch, bucket, since, until)?;
    if a.json {
        for r in &rows {
            println!("{}", serde_json::to_string(r)?);
        }
    } else {
        println!(
            "{:<17} {:>6} {:>5} {:>5} {:>5} {:>6} {:>8} {:>6} {:>6}",
            "bucket (UTC)", "total", "neg", "neu", "pos", "unscrd", "clusters", "authors", "sites"
        );
        for r in rows.iter().filter(|r| r.mentions.total > 0) {
            let m = &r.mentions;
            println!(
                "{:<17} {:>6} {:>5} {:>5} {:>5} {:>6} {:>8} {:>6} {:>6}",
                r.start.format("%Y-%m-%d %H:%M"),
                m.total,
                m.negative,
                m.neutral,
                m.positive,
                m.unscored,
                r.clusters.total,
                r.authors,
                r.sites
            );
        }
    }
    Ok(Exit::Ok)
}

fn backtest_cmd(cli: &Cli, a: &BacktestArgs) -> Result<Exit> {
    use crate::alert::detect;
    let config = load_config(cli)?;
    let now = Utc::now();
    let (series, from, cfg) = match (&a.series, &a.watch) {
        (Some(file), _) => {
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("cannot read the series {}", file.display()))?;
            let s = detect::read_csv(&text).map_err(|e| {
                anyhow::anyhow!("{}: {e}\n  help: the CSV needs the header time,total,negative and one hourly bucket a line, e.g. 2026-11-20T09:00:00+08:00,120,14", file.display())
            })?;
            (s, None, config.alert.detect.clone())
        }
        (None, Some(w)) => {
            let Some(wc) = config.watches.iter().find(|x| &x.name == w) else {
                eprintln!("error: no [[watch]] named `{w}` in the config\n  help: name a watch from the config");
                return Ok(Exit::Usage);
            };
            let cfg = wc
                .alert
                .as_ref()
                .map(|x| x.apply(&config.alert.detect))
                .unwrap_or_else(|| config.alert.detect.clone());
            let to =
                a.to.as_deref()
                    .map(|t| parse_when(t, now))
                    .transpose()?
                    .unwrap_or(now);
            let from = a
                .from
                .as_deref()
                .map(|t| parse_when(t, now))
                .transpose()?
                .unwrap_or(to - chrono::Duration::days(30));
            let store = Store::open_existing(&store_path(cli, &config))?;
            let base = from - chrono::Duration::weeks(cfg.weeks as i64 + 1);
            let (s, n, scored) =
                crate::alert::hourly_series(&store, w, base, to, config.alert.collapse_clusters)?;
            if scored == 0 {
                eprintln!("note: none of the {n} stored mentions of {w} in the range is scored for sentiment; no negative spike can show");
            }
            (s, Some(from), cfg)
        }
        (None, None) => {
            eprintln!("error: give --series FILE.csv or --watch NAME");
            return Ok(Exit::Usage);
        }
    };
    let eps = detect::run(&series, &cfg, chrono::Duration::hours(1), from);
    for e in &eps {
        let line = serde_json::json!({
            "start": e.start,
            "end": e.end + chrono::Duration::hours(1),
            "opened": e.opened + chrono::Duration::hours(1),
            "peak": e.peak,
            "peak_observed": e.peak_observed,
            "observed": e.observed,
            "expected": (e.expected * 10.0).round() / 10.0,
            "severity": e.severity,
            "detector": e.detector,
            "p_value": e.p_value.is_finite().then_some(e.p_value),
            "resolved": e.resolved.map(|r| r + chrono::Duration::hours(1)),
        });
        if a.json {
            println!("{line}");
        } else {
            println!(
                "{} – {}  {:<6} {:<9} observed {:>5}, expected {:>7.1}, peak {} ({})",
                e.start.format("%Y-%m-%d %H:%M"),
                (e.end + chrono::Duration::hours(1)).format("%Y-%m-%d %H:%M"),
                e.severity,
                e.detector,
                e.observed,
                e.expected,
                e.peak.format("%Y-%m-%d %H:%M"),
                e.peak_observed
            );
        }
    }
    if !a.json {
        println!("{} alerts over {} buckets", eps.len(), series.len());
    }
    Ok(Exit::Ok)
}

/// One page of each kind the demo site holds, as `earshot extract` sees it:
/// the profile chosen, the posts found and what cleaning removed, and why.
async fn demo_extraction(config: &Config) -> Result<()> {
    const PAGES: &[&str] = &[
        "bbs/thread-1001-1-1.html",
        "blog/2026/11/lumio-aura-review/",
        "reviews/lumio-aura.html",
        "qa/question-88.html",
        "blog/feed/index.xml",
        "news-a/2026/11/21/yunque-x5-battery.html",
    ];
    println!("\n== Extraction: the post model of one page of each kind (earshot extract URL) ==");
    let fetcher = crate::fetch::Fetcher::new(&config.crawl)?;
    let drop_lines = config.extract.patterns();
    for path in PAGES {
        // Read as the crawl reads it: the timezone and profile of the demo
        // source whose pages live under the same top folder.
        let folder = format!("/{}/", path.split('/').next().unwrap_or_default());
        let source = config.sources.iter().find(|s| {
            s.start_urls
                .iter()
                .chain(&s.feeds)
                .any(|u| u.contains(&folder))
        });
        let tz = source.map_or_else(
            || {
                config
                    .crawl
                    .timezone
                    .parse()
                    .unwrap_or(chrono_tz::Asia::Shanghai)
            },
            |s| s.timezone(&config.crawl),
        );
        let url = url::Url::parse(&format!("http://{}/{path}", crate::demo::DEMO_HOST))?;
        let req = crate::fetch::Request {
            url,
            rate: config.crawl.rate_per_host,
            allow_private: config.crawl.allow_private,
            validators: Default::default(),
        };
        let page = match fetcher.fetch(&req).await {
            Ok(crate::fetch::Fetched::Page(p)) => p,
            Ok(crate::fetch::Fetched::NotModified) => continue,
            Err(e) => {
                println!("  /{path}: {e}");
                continue;
            }
        };
        let opts = crate::extract::Options {
            profile: source.and_then(|s| s.profile.as_deref()),
            tz,
            fetched_at: page.fetched_at,
            drop_lines: &drop_lines,
        };
        match crate::extract::extract_with(&page.url, &page.text, &opts) {
            Ok(mut e) => {
                e.charset = Some(page.charset.to_string());
                output::print_extracted_brief(&format!("/{path}"), &e);
            }
            Err(e) => println!("  /{path}: {e}"),
        }
    }
    Ok(())
}

/// The demo's alert step: evaluates the detectors over the demo watches'
/// stored timeline and delivers what they find to a webhook receiver
/// started on 127.0.0.1, then prints each alert with its evidence.
async fn demo_alerts(config: &Config, store: &Store) -> Result<()> {
    use crate::alert::{channel, ChannelConfig, ChannelKind, Lang, Severity};
    println!("\n== Alerts: negative spikes on the demo timeline ==");
    let secret = format!("demo-{:016x}", rand::random::<u64>());
    let receiver = crate::demo::start_receiver(secret.clone())
        .await
        .context("cannot start the demo webhook receiver on 127.0.0.1")?;
    let mut config = config.clone();
    config.channels = vec![ChannelConfig {
        name: "demo-webhook".into(),
        kind: ChannelKind::Webhook,
        url: receiver.url(),
        secret: Some(secret),
        language: Lang::En,
        watches: Vec::new(),
        min_severity: Severity::Low,
        from: None,
        to: Vec::new(),
    }];
    // The demo posts are from November 2026: evaluate as of a day after the
    // newest one, and notify whatever is found in them.
    let mut newest = None;
    for w in &config.watches {
        let m = store.mentions(&MentionQuery {
            watch: Some(w.name.clone()),
            limit: Some(1),
            ..Default::default()
        })?;
        newest = newest.max(m.first().map(|m| m.bucket_time()));
    }
    let now = newest
        .map(|t| t + chrono::Duration::days(1))
        .unwrap_or_else(Utc::now);
    config.alert.max_age = std::time::Duration::from_secs(3650 * 86400);
    config.alert.retry_base = std::time::Duration::from_millis(200);
    let evals = crate::alert::evaluate(store, &config, now)?;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    channel::drain_until(
        store,
        &config.channels,
        config.alert.retry_base,
        config.alert.retry_max,
        channel::Until::EmptyOr(deadline),
        &CancellationToken::new(),
    )
    .await?;
    for e in &evals {
        match &e.note {
            Some(n) => println!("{}: {n}", e.watch),
            None => println!(
                "{}: {} mentions ({} scored), {} spikes found",
                e.watch, e.mentions, e.scored, e.spikes
            ),
        }
    }
    for a in store.alerts()? {
        output::print_alert(&a);
    }
    let got = receiver
        .received
        .lock()
        .map(|r| r.clone())
        .unwrap_or_default();
    println!(
        "webhook receiver at {}: {} deliveries verified (HMAC-SHA256 signature, fresh timestamp), {} refused",
        receiver.url(),
        got.len(),
        receiver.refused.load(std::sync::atomic::Ordering::Relaxed)
    );
    for (key, body) in &got {
        let v: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
        println!("  {key}: {}", v["summary"].as_str().unwrap_or(""));
    }
    receiver.stop();
    Ok(())
}

fn doctor(cli: &Cli, json: bool) -> Result<Exit> {
    let torch = crate::sentiment::probe();
    let config = load_config(cli);
    let mut report = serde_json::json!({
        "libtorch": torch,
        "config": match &config { Ok(_) => "ok".to_string(), Err(e) => format!("{e:#}") },
    });
    let mut sentiment_ok = true;
    if let Ok(c) = &config {
        let check = sentiment::doctor_check(c);
        sentiment_ok = check["ok"] == true;
        report["sentiment"] = check;
        let path = store_path(cli, c);
        report["store"] = match Store::open_existing(&path) {
            Ok(s) => serde_json::to_value(s.stats()?)?,
            Err(e) => serde_json::Value::String(e.to_string()),
        };
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!(
            "libtorch: ok (check {} , {} threads, {} CUDA devices)",
            torch.check, torch.threads, torch.cuda_devices
        );
        println!("config:   {}", report["config"].as_str().unwrap_or("?"));
        let st = &report["sentiment"];
        match st["model"].as_str() {
            Some(model) => println!(
                "sentiment: {} ({model}, {} on this CPU (precision = \"{}\"; native bfloat16: {}), loaded in {} ms)",
                st["status"].as_str().unwrap_or("?"),
                st["precision"].as_str().unwrap_or("?"),
                st["asked"].as_str().unwrap_or("?"),
                if st["native_bf16"] == true { "yes" } else { "no" },
                st["load_ms"],
            ),
            None => {
                if let Some(s) = st["status"].as_str() {
                    println!("sentiment: {s}");
                }
            }
        }
        match &report["store"] {
            serde_json::Value::String(s) => println!("store:    {s}"),
            serde_json::Value::Null => {}
            v => println!("store:    ok ({} mentions)", v["mentions"]),
        }
    }
    Ok(if torch.check == 14.0 && config.is_ok() && sentiment_ok {
        Exit::Ok
    } else {
        Exit::Failure
    })
}

/// Writes synthetic mentions in batches, printing `ack N` after batch N is
/// durable. The crash tests kill it at random points.
fn debug_ingest(cli: &Cli, a: &DebugIngestArgs) -> Result<Exit> {
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
            .map(|i| crate::store::synthetic_mention(i, &watches, start))
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
