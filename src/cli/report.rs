//! `earshot report`: a mention report file per format.

use std::path::PathBuf;

use anyhow::{Context, Result};
use chrono::Utc;
use clap::Args;

use super::remote::{self, Access};
use super::{check_watch_at, load_config, parse_when, store_path, Cli, Exit};

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
    /// csv, xlsx, html, pdf or json (repeat for several)
    #[arg(long = "format", default_value = "html")]
    pub formats: Vec<earshot::report::Format>,
    /// Language of the headings, column names and dates: en or zh-CN
    #[arg(long, default_value = "en")]
    pub language: earshot::report::Language,
    /// Output file (one format) or directory [default: reports/]
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Print what was written as JSON
    #[arg(long)]
    pub json: bool,
}

pub(super) fn run(cli: &Cli, args: &ReportArgs) -> Result<Exit> {
    use earshot::report::{self, ReportRequest};
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
        language: args.language,
    };
    req.validate()?;
    let access = remote::open(&store_path(cli, &config), false)?;
    for w in &req.watches {
        check_watch_at(&config, &access, w)?;
    }
    let mut formats = args.formats.clone();
    formats.dedup();
    let started = std::time::Instant::now();
    let data = match &access {
        Access::Local(store) => Some(report::gather(store, &req)?),
        Access::Daemon(_) => None,
    };
    let (mut mentions, mut alerts) = data
        .as_ref()
        .map(|d| (d.rows.len(), d.alerts.len()))
        .unwrap_or_default();
    let mut written = Vec::new();
    for f in &formats {
        let path = match &args.out {
            Some(p) if formats.len() == 1 && !p.is_dir() => p.clone(),
            Some(dir) => dir.join(req.file_name(*f)),
            None => PathBuf::from("reports").join(req.file_name(*f)),
        };
        match (&data, &access) {
            (Some(data), _) => report::write_with(data, *f, &config.report_settings, &path)?,
            (None, Access::Local(_)) => {}
            (None, Access::Daemon(d)) => {
                // The daemon renders it from the same period and watches.
                let to_rfc = |t: chrono::DateTime<Utc>| {
                    t.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)
                };
                let (bytes, headers) = d.get_bytes(
                    "/api/report",
                    &[
                        ("watch", req.watches.join(",")),
                        ("from", to_rfc(req.from)),
                        ("to", to_rfc(req.to)),
                        ("format", f.to_string()),
                        ("language", req.language.to_string()),
                    ],
                )?;
                let count = |h: &str| {
                    headers
                        .get(h)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.parse::<usize>().ok())
                        .unwrap_or(0)
                };
                (mentions, alerts) = (count("x-earshot-mentions"), count("x-earshot-alerts"));
                report::write_rendered(&bytes, *f, &path)?;
            }
        }
        written.push(serde_json::json!({"format": f, "path": path, "bytes": std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0)}));
        if !args.json {
            println!(
                "wrote {} ({mentions} mentions, {alerts} alerts)",
                path.display(),
            );
        }
    }
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "watches": req.watches, "from": req.from, "to": req.to,
                "mentions": mentions, "alerts": alerts,
                "elapsed_ms": started.elapsed().as_millis() as u64,
                "files": written,
            }))?
        );
    }
    Ok(Exit::Ok)
}
