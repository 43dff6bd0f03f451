//! `[[report]]`: reports written on a schedule.

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::Format;
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
    /// `csv`, `xlsx`, `html` or `json`; several may be listed.
    pub format: Vec<String>,
    /// When to write it: `every 1d` or a cron expression in UTC, crontab
    /// style (`0 8 * * 1`).
    pub schedule: String,
    /// Directory the files go to [default: reports/].
    pub out_dir: Option<PathBuf>,
    /// Notification channel to send the report to (e-mail), by name.
    pub channel: Option<String>,
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
                    "use csv, xlsx, html or json",
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
