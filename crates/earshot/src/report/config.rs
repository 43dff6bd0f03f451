//! `[[report]]`: reports written on a schedule.

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{Format, Language};
use crate::util::{Problem, Schedule};

/// `[[report]]`: a report `earshot run` writes on a schedule.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReportConfig {
    /// Unique name (used in logs).
    pub name: String,
    /// Watches the report covers.
    pub watches: Vec<String>,
    /// How far back each report looks, e.g. "7d".
    #[serde(with = "humantime_serde")]
    pub period: Option<Duration>,
    /// `csv`, `xlsx`, `html`, `pdf` or `json`; several may be listed.
    pub format: Vec<String>,
    /// When to write it: `every 1d` or a cron expression in UTC, crontab
    /// style (`0 8 * * 1`).
    pub schedule: String,
    /// Directory the files go to [default: reports/].
    pub out_dir: Option<PathBuf>,
    /// Notification channel to send the report to (e-mail), by name.
    pub channel: Option<String>,
    /// Language of the headings, column names and dates: `en` (default)
    /// or `zh-CN`.
    pub language: Language,
}

/// `[reports]`: what every report shares (`earshot report`, the
/// `[[report]]` entries and the dashboard's export). A separate table
/// because TOML cannot hold both `[report]` and `[[report]]`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReportSettings {
    /// The font PDF reports are set in (a .ttf, .otf or .ttc that covers
    /// the reports' text, Chinese included); found among the system's
    /// fonts when not given.
    pub pdf_font: Option<PathBuf>,
}

impl ReportSettings {
    /// What is wrong with `[reports]`: a `pdf_font` that is not there or
    /// is not a font.
    pub fn problems(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        if let Some(path) = &self.pdf_font {
            if let Err(e) = super::pdf::check_font_file(path) {
                out.push(Problem::new(
                    "reports.pdf_font",
                    e.to_string(),
                    "give the path of a .ttf, .otf or .ttc font that covers Chinese, e.g. /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc (Debian: apt install fonts-noto-cjk), or remove the key to use the system's fonts",
                ));
            }
        }
        out
    }
}

impl ReportConfig {
    /// The period, 7 days when not given.
    pub fn period(&self) -> Duration {
        self.period.unwrap_or(Duration::from_secs(7 * 24 * 3600))
    }
}

/// What is wrong with the `[[report]]` list on its own (the watches and
/// channels a report names are checked by the application).
pub fn problems(reports: &[ReportConfig]) -> Vec<Problem> {
    let mut out = Vec::new();
    let mut names = HashSet::new();
    for (i, r) in reports.iter().enumerate() {
        let at = |k: &str| format!("report[{i}].{k}");
        if r.name.trim().is_empty() {
            out.push(Problem::new(
                format!("report[{i}]"),
                "has no name",
                "add name = \"weekly\"",
            ));
        } else if !names.insert(r.name.as_str()) {
            out.push(Problem::new(
                at("name"),
                format!("report name `{}` is used twice", r.name),
                "give every [[report]] its own name",
            ));
        }
        if r.watches.is_empty() {
            out.push(Problem::new(
                at("name"),
                format!("report `{}` names no watches", r.name),
                "add watches = [\"MyBrand\"]",
            ));
        }
        if r.format.is_empty() {
            out.push(Problem::new(
                at("name"),
                format!("report `{}` has no format", r.name),
                "add format = [\"html\", \"xlsx\"]",
            ));
        }
        for (j, f) in r.format.iter().enumerate() {
            if f.parse::<Format>().is_err() {
                out.push(Problem::new(
                    format!("report[{i}].format[{j}]"),
                    format!("unknown report format `{f}`"),
                    "use csv, xlsx, html, pdf or json",
                ));
            }
        }
        if let Err(e) = Schedule::parse(&r.schedule) {
            out.push(Problem::new(
                at("schedule"),
                e,
                "write \"every 1d\" or a crontab line in UTC like \"0 8 * * 1\" (Mondays 08:00)",
            ));
        }
        if r.period.is_some_and(|p| p.is_zero()) {
            out.push(Problem::new(
                at("period"),
                "must be longer than zero",
                "e.g. period = \"7d\"",
            ));
        }
    }
    out
}
