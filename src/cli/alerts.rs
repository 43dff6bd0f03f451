//! `earshot alerts`: list alerts; `silence`, `unsilence` and `check`.

use std::path::Path;

use anyhow::{Context, Result};
use chrono::Utc;
use clap::{Args, Subcommand};
use tokio_util::sync::CancellationToken;

use super::remote::{self, Access, NO_QUERY};
use super::when::{parse_duration, parse_when};
use super::{check_watch_at, load_config, output, runtime, store_path, Cli, Exit, UsageError};
use crate::config::Config;
use crate::serve::cli_api::CheckRequest;
use earshot::alert::channel::{self, DrainReport};
use earshot::alert::silence::{new_silence, SilenceError};
use earshot::alert::WatchEval;
use earshot::store::{Alert, Silence};

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
    /// Send a test message through a configured channel, now (no alert,
    /// no outbox): checks its URL, secret and signature end to end
    Test {
        /// The channel's name (`[[channel]] name`)
        #[arg(long)]
        channel: String,
    },
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

pub(super) fn run(cli: &Cli, a: &AlertsArgs, shutdown: &CancellationToken) -> Result<Exit> {
    let config = load_config(cli)?;
    let path = store_path(cli, &config);
    match &a.cmd {
        None => list(&config, a, &path),
        Some(AlertsCmd::Silence(s)) => silence(&config, s, &path),
        Some(AlertsCmd::Unsilence { id }) => unsilence(id, &path),
        Some(AlertsCmd::Check(c)) => check(config, c, &path, shutdown),
        Some(AlertsCmd::Test { channel }) => test_channel(&config, channel),
    }
}

/// `earshot alerts test --channel NAME`.
fn test_channel(config: &Config, name: &str) -> Result<Exit> {
    let Some(ch) = config.channels.iter().find(|c| c.name == name) else {
        let names = config.channels.iter().map(|c| c.name.as_str());
        let help = match crate::config::did_you_mean(name, names) {
            Some(m) => format!("did you mean `{m}`?"),
            None if config.channels.is_empty() => {
                "the config has no [[channel]]; add one (config/README.md, \"Channels\")"
                    .to_string()
            }
            None => format!(
                "the channels are: {}",
                config
                    .channels
                    .iter()
                    .map(|c| c.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        return Err(
            UsageError::new(format!("no channel named `{name}` in the config"))
                .help(help)
                .into(),
        );
    };
    runtime()?.block_on(channel::send_test(ch, Utc::now()))?;
    println!(
        "sent a test message to channel `{}` ({:?}): it was accepted",
        ch.name, ch.kind
    );
    Ok(Exit::Ok)
}

/// `earshot alerts`: the stored alerts, newest first.
fn list(config: &Config, a: &AlertsArgs, path: &Path) -> Result<Exit> {
    let access = remote::open(path, false)?;
    if let Some(w) = &a.watch {
        check_watch_at(config, &access, w)?;
    }
    let mut list: Vec<Alert> = match &access {
        Access::Local(store) => store.alerts()?,
        Access::Daemon(d) => d.get("/api/cli/alerts", NO_QUERY)?,
    };
    list.retain(|x| a.watch.as_ref().is_none_or(|w| &x.watch == w));
    list.sort_by_key(|x| std::cmp::Reverse(x.opened_at));
    if a.json {
        for al in &list {
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
                    "evidence": al.evidence,
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

/// `earshot alerts silence`: makes one, or lists them.
fn silence(config: &Config, s: &SilenceArgs, path: &Path) -> Result<Exit> {
    let access = remote::open(path, true)?;
    if s.list {
        let list: Vec<Silence> = match &access {
            Access::Local(store) => store.silences()?,
            Access::Daemon(d) => d.get("/api/cli/silences", NO_QUERY)?,
        };
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
                    secs(x.from),
                    secs(x.until),
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
    let (from, until) =
        match (&s.duration, &s.from, &s.until) {
            (Some(d), _, _) => {
                let until = now
                    .checked_add_signed(parse_duration(d, "--for")?)
                    .ok_or_else(|| {
                        UsageError::new(format!("--for `{d}` reaches past what a date can hold"))
                            .help("e.g. --for 2h or --for 30d")
                    })?;
                (now, until)
            }
            (None, Some(f), Some(u)) => (parse_when(f, now)?, parse_when(u, now)?),
            _ => return Err(UsageError::new(
                "say how long: --for 2h, or --from TIME --until TIME",
            )
            .help("earshot alerts silence --watch 云雀 --for 3h --reason \"launch event\"")
            .into()),
        };
    let watches: Vec<&str> = config.watches.iter().map(|w| w.name.as_str()).collect();
    let silence = new_silence(&watches, s.watch.clone(), from, until, s.reason.clone(), now)
        .map_err(|e| {
            let help = match e {
                SilenceError::EndsBeforeStart { .. } => "--until must be after --from",
                SilenceError::NoSuchWatch(_) => "earshot alerts silence --watch NAME, with a name from the config, or no --watch for every watch",
            };
            UsageError::new(e.to_string()).help(help)
        })?;
    let id = silence.id;
    match &access {
        Access::Local(store) => {
            store.put_silence(&silence)?;
            store.flush()?;
        }
        Access::Daemon(d) => {
            let _: Silence = d.post("/api/cli/silences", &silence)?;
        }
    }
    if s.json {
        println!(
            "{}",
            serde_json::json!({"id": format!("{id:016x}"), "from": from, "until": until})
        );
    } else {
        println!(
            "silenced {} from {} until {} (id {id:016x})",
            s.watch.as_deref().unwrap_or("every watch"),
            secs(from),
            secs(until)
        );
    }
    Ok(Exit::Ok)
}

/// A time to the second, as people read it (`2026-11-20T08:00:00+00:00`).
fn secs(t: chrono::DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

/// `earshot alerts unsilence ID`.
fn unsilence(id: &str, path: &Path) -> Result<Exit> {
    let access = remote::open(path, true)?;
    let n = u64::from_str_radix(id.trim(), 16).with_context(|| {
        format!("`{id}` is not a silence id (16 hex digits from `earshot alerts silence --list`)")
    })?;
    let removed = match &access {
        Access::Local(store) => {
            let removed = store.remove_silence(n)?;
            store.flush()?;
            removed
        }
        Access::Daemon(d) => {
            let r: serde_json::Value = d.delete(&format!("/api/cli/silences/{n:016x}"))?;
            r["removed"].as_bool().unwrap_or(false)
        }
    };
    if removed {
        println!("removed silence {n:016x}");
        Ok(Exit::Ok)
    } else {
        anyhow::bail!("no silence {n:016x}\n  help: earshot alerts silence --list")
    }
}

/// `earshot alerts check`: evaluates the detectors, then delivers the
/// outbox (retrying up to `--wait`).
fn check(
    mut config: Config,
    c: &CheckArgs,
    path: &Path,
    shutdown: &CancellationToken,
) -> Result<Exit> {
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
    let (evals, report): (Vec<WatchEval>, DrainReport) = match remote::open(path, true)? {
        Access::Local(store) => {
            let evals = earshot::alert::evaluate(
                &store,
                &config.alert,
                &config.watches,
                &config.channels,
                now,
            )?;
            let rt = runtime()?;
            let deadline = std::time::Instant::now() + wait;
            let report = rt.block_on(channel::drain_until(
                &store,
                &config.channels,
                config.alert.retry_base,
                config.alert.retry_max,
                channel::Until::EmptyOr(deadline),
                shutdown,
            ))?;
            (evals, report)
        }
        // The daemon evaluates with its own config and channels.
        Access::Daemon(d) => {
            #[derive(serde::Deserialize)]
            struct Checked {
                watches: Vec<WatchEval>,
                delivery: DrainReport,
            }
            let c: Checked = d.post(
                "/api/cli/alerts/check",
                &CheckRequest {
                    now,
                    max_age_s: c.max_age.as_ref().map(|_| config.alert.max_age.as_secs()),
                    wait_s: wait.as_secs(),
                },
            )?;
            (c.watches, c.delivery)
        }
    };
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
            for h in &e.held_back {
                println!("  held back: {h}");
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
