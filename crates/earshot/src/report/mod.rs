//! Mention reports: CSV, XLSX, HTML, PDF and JSON files over some watches and a
//! period, for analysts (Excel, a browser) and for the people they forward
//! them to.
//!
//! [`gather`] reads what a report shows from the store once
//! ([`ReportData`]); a writer per format turns it into bytes. The timeline
//! and alerts come from [`timeline`] and [`alerts_for`], small functions
//! over the store's counters and alert records that the dashboard
//! (`crate::serve`) uses too, so both can be rewired to the alerting
//! module's timeline later in one place.

mod chart;
mod config;
mod csv_out;
mod dash_lang;
mod filter;
mod html;
mod lang;
pub mod message;
mod pdf;
pub mod scheduled;
mod xlsx;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use chrono::{DateTime, SubsecRound, Utc};
use serde::Serialize;

use crate::store::{
    Alert, AlertState, Counts, Granularity, Label, Mention, MentionQuery, Severity, Store,
    StoreError,
};

pub use chart::{timeline_svg, timeline_svg_in};
pub use config::{problems, ReportConfig, ReportSettings};
pub use csv_out::neutralise;
pub use dash_lang::DashStrings;
pub use filter::{Filter, SentimentFilter};
pub use html::{escape_html, link, pill, safe_href, stars};
pub use lang::{Language, Strings};
pub use pdf::PdfError;

/// The stylesheet of the HTML report, shared by the dashboard.
pub fn html_css() -> &'static str {
    html::CSS
}

/// Why a report could not be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// Reading the store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The period is empty or reversed.
    #[error("the report period is empty: --from {from} is not before --to {to}\n  help: give a --from earlier than --to, e.g. --from 30d --to now")]
    EmptyPeriod {
        /// Start.
        from: DateTime<Utc>,
        /// End.
        to: DateTime<Utc>,
    },
    /// The period is longer than [`MAX_PERIOD_DAYS`].
    #[error("the report period from {from} to {to} is longer than {max} days\n  help: report on at most {max} days (about five years) at a time, e.g. --from 365d", max = MAX_PERIOD_DAYS)]
    PeriodTooLong {
        /// Start.
        from: DateTime<Utc>,
        /// End.
        to: DateTime<Utc>,
    },
    /// No watch given.
    #[error("a report needs at least one watch\n  help: add --watch NAME (the [[watch]] names in the config)")]
    NoWatch,
    /// The XLSX writer failed.
    #[error("cannot build the XLSX report: {0}")]
    Xlsx(String),
    /// The CSV writer failed.
    #[error("cannot build the CSV report: {0}")]
    Csv(String),
    /// The JSON writer failed.
    #[error("cannot build the JSON report: {0}")]
    Json(String),
    /// The PDF writer failed (no font for the text, a font that cannot
    /// be read).
    #[error(transparent)]
    Pdf(#[from] PdfError),
    /// Writing the file failed.
    #[error("cannot write the report to {path}: {reason}\n  help: check that the directory exists and is writable, or pass --out PATH")]
    Write {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        reason: String,
    },
}

/// A report file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// One row per mention, UTF-8 with BOM.
    Csv,
    /// Excel workbook with filters and charts.
    Xlsx,
    /// One self-contained, printable page.
    Html,
    /// Everything as JSON, for scripts.
    Json,
    /// The HTML report's content as A4 pages, fonts embedded.
    Pdf,
}

impl Format {
    /// The file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
            Format::Html => "html",
            Format::Json => "json",
            Format::Pdf => "pdf",
        }
    }

    /// The MIME type, for downloads.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Format::Html => "text/html; charset=utf-8",
            Format::Json => "application/json",
            Format::Pdf => "application/pdf",
        }
    }
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "csv" => Ok(Format::Csv),
            "xlsx" | "excel" => Ok(Format::Xlsx),
            "html" => Ok(Format::Html),
            "json" => Ok(Format::Json),
            "pdf" => Ok(Format::Pdf),
            _ => Err(format!(
                "`{s}` is not a report format; use csv, xlsx, html, pdf or json"
            )),
        }
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.extension())
    }
}

/// The longest period a report, timeline or chart covers (about five
/// years): each day is a bucket per watch, so an unbounded period would
/// let one request allocate without limit.
pub const MAX_PERIOD_DAYS: i64 = 1830;

/// What to report on.
#[derive(Debug, Clone, Serialize)]
pub struct ReportRequest {
    /// Watch names.
    pub watches: Vec<String>,
    /// Period start (inclusive).
    pub from: DateTime<Utc>,
    /// Period end (exclusive).
    pub to: DateTime<Utc>,
    /// The language of the report's headings, column names and dates
    /// (HTML, XLSX and PDF).
    pub language: Language,
}

impl ReportRequest {
    /// Checks the request.
    pub fn validate(&self) -> Result<(), ReportError> {
        if self.watches.is_empty() {
            return Err(ReportError::NoWatch);
        }
        if self.from >= self.to {
            return Err(ReportError::EmptyPeriod {
                from: self.from,
                to: self.to,
            });
        }
        if self.to - self.from > chrono::Duration::days(MAX_PERIOD_DAYS) {
            return Err(ReportError::PeriodTooLong {
                from: self.from,
                to: self.to,
            });
        }
        Ok(())
    }

    /// A file name that says what and when:
    /// `mentions_云雀+Lumio_2026-11-01_2026-11-30.html`.
    pub fn file_name(&self, format: Format) -> String {
        let watches: Vec<String> = self
            .watches
            .iter()
            .map(|w| {
                w.chars()
                    .map(|c| if c.is_alphanumeric() { c } else { '-' })
                    .collect()
            })
            .collect();
        // The end is exclusive: a period ending at midnight ends the day before.
        let last = self.to - chrono::Duration::seconds(1);
        format!(
            "mentions_{}_{}_{}.{}",
            watches.join("+"),
            self.from.format("%Y-%m-%d"),
            last.max(self.from).format("%Y-%m-%d"),
            format.extension()
        )
    }

    /// Bucket size of the timeline: hours up to three days, else days.
    pub fn granularity(&self) -> Granularity {
        if self.to - self.from <= chrono::Duration::days(3) {
            Granularity::Hour
        } else {
            Granularity::Day
        }
    }
}

/// One mention as a report row.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    /// The mention.
    #[serde(flatten)]
    pub mention: Mention,
    /// The report's watches it matched.
    pub report_watches: Vec<String>,
    /// Members of its syndication cluster (1 when alone).
    pub cluster_size: usize,
}

impl Row {
    /// Sentiment label as text (`unscored` when none).
    pub fn label(&self) -> &'static str {
        match self.mention.sentiment.as_ref().map(|s| s.label) {
            Some(Label::Negative) => "negative",
            Some(Label::Neutral) => "neutral",
            Some(Label::Positive) => "positive",
            None => "unscored",
        }
    }
}

/// A negative story: the mentions of one syndication cluster (or one
/// mention on its own) collapsed into one line.
#[derive(Debug, Clone, Serialize)]
pub struct Story {
    /// Title of its newest mention.
    pub title: String,
    /// Link to its newest mention.
    pub url: String,
    /// Excerpt.
    pub excerpt: String,
    /// Sites it appeared on.
    pub sites: Vec<String>,
    /// Negative mentions in the period.
    pub mentions: usize,
    /// Cluster id, when clustered.
    pub cluster_id: Option<u64>,
    /// Most negative score.
    pub score: f32,
}

/// One bucket of the timeline, all the report's watches together.
#[derive(Debug, Clone, Serialize)]
pub struct Bucket {
    /// Bucket start.
    pub start: DateTime<Utc>,
    /// Counts.
    #[serde(flatten)]
    pub counts: Counts,
}

/// Everything a report shows, read from the store once.
#[derive(Debug, Clone, Serialize)]
pub struct ReportData {
    /// What was asked.
    pub request: ReportRequest,
    /// The mention filters the report applies (the dashboard's).
    #[serde(skip_serializing_if = "Filter::is_empty")]
    pub filter: Filter,
    /// When the report was made, to the second (a fixed-width timestamp:
    /// the same report is the same size whenever it is made).
    pub generated_at: DateTime<Utc>,
    /// Timeline bucket size.
    pub granularity: Granularity,
    /// Volume per bucket, all watches together.
    pub timeline: Vec<Bucket>,
    /// Volume per bucket and watch.
    pub per_watch: BTreeMap<String, Vec<Bucket>>,
    /// Totals per watch over the period (share of voice).
    pub totals: BTreeMap<String, Counts>,
    /// All watches together.
    pub total: Counts,
    /// Alerts on the watches opened or updated in the period.
    #[serde(serialize_with = "alerts_as_format_1")]
    pub alerts: Vec<Alert>,
    /// Non-spam mentions per site, most first.
    pub top_sites: Vec<(String, u64)>,
    /// Negative stories, most mentioned first.
    pub top_negative: Vec<Story>,
    /// Every mention, newest first.
    pub rows: Vec<Row>,
}

/// The JSON report shows an alert as it always has: the fields of store
/// format 1, evidence as JSON text in `evidence_json`.
fn alerts_as_format_1<S: serde::Serializer>(alerts: &[Alert], s: S) -> Result<S::Ok, S::Error> {
    #[derive(Serialize)]
    struct AlertJson<'a> {
        id: u64,
        watch: &'a str,
        state: AlertState,
        severity: Severity,
        opened_at: DateTime<Utc>,
        updated_at: DateTime<Utc>,
        summary: &'a str,
        evidence_json: String,
    }
    s.collect_seq(alerts.iter().map(|a| AlertJson {
        id: a.id,
        watch: &a.watch,
        state: a.state,
        severity: a.severity,
        opened_at: a.opened_at,
        updated_at: a.updated_at,
        summary: &a.summary,
        evidence_json: a.evidence_json(),
    }))
}

impl ReportData {
    /// The example mentions every format shows: up to four newest
    /// non-spam mentions of each sentiment (negative, positive, neutral,
    /// unscored).
    pub fn examples(&self) -> Vec<&Row> {
        let mut out: Vec<&Row> = Vec::new();
        for label in [
            Some(Label::Negative),
            Some(Label::Positive),
            Some(Label::Neutral),
            None,
        ] {
            out.extend(
                self.rows
                    .iter()
                    .filter(|r| {
                        r.mention.spam.is_none()
                            && r.mention.sentiment.as_ref().map(|s| s.label) == label
                    })
                    .take(4),
            );
        }
        out
    }

    /// Share of non-spam mentions scored negative, among scored ones.
    pub fn negative_share(c: &Counts) -> Option<f64> {
        let scored = c.negative + c.neutral + c.positive;
        (scored > 0).then(|| c.negative as f64 / scored as f64)
    }
}

/// The timeline of one watch: counts per bucket in `[from, to)`, empty
/// buckets included; the one timeline the detectors read too (each
/// syndication cluster once, spam out: [`crate::alert::timeline::counted`]).
pub fn timeline(
    store: &Store,
    watch: &str,
    granularity: Granularity,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<(DateTime<Utc>, Counts)>, StoreError> {
    use crate::alert::timeline::{counted, Bucket};
    counted(store, watch, Bucket::of(granularity), from, to)
}

/// [`timeline`] of the mentions `filter` keeps (the counters when it keeps
/// everything).
pub fn timeline_filtered(
    store: &Store,
    watch: &str,
    granularity: Granularity,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    filter: &Filter,
) -> Result<Vec<(DateTime<Utc>, Counts)>, StoreError> {
    use crate::alert::timeline::{counted_where, Bucket};
    if filter.is_empty() {
        return timeline(store, watch, granularity, from, to);
    }
    counted_where(store, watch, Bucket::of(granularity), from, to, &|m| {
        filter.keeps(m)
    })
}

/// Alerts on any of `watches` that were open at some time in `[from, to)`
/// (opened before `to`, last updated at or after `from`), newest first.
pub fn alerts_for(
    store: &Store,
    watches: &[String],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<Alert>, StoreError> {
    let mut out: Vec<Alert> = store
        .alerts()?
        .into_iter()
        .filter(|a| {
            (watches.is_empty() || watches.contains(&a.watch))
                && a.opened_at < to
                && a.updated_at.max(a.opened_at) >= from
        })
        .collect();
    out.sort_by(|a, b| b.opened_at.cmp(&a.opened_at).then(b.id.cmp(&a.id)));
    Ok(out)
}

/// Reads everything the report shows.
pub fn gather(store: &Store, req: &ReportRequest) -> Result<ReportData, ReportError> {
    gather_filtered(store, req, &Filter::default())
}

/// [`gather`] of the mentions `filter` keeps: every count, chart, story
/// and row of the report.
pub fn gather_filtered(
    store: &Store,
    req: &ReportRequest,
    filter: &Filter,
) -> Result<ReportData, ReportError> {
    req.validate()?;
    let g = req.granularity();
    let mut per_watch = BTreeMap::new();
    let mut totals = BTreeMap::new();
    let mut combined: BTreeMap<DateTime<Utc>, Counts> = BTreeMap::new();
    for w in &req.watches {
        let series = timeline_filtered(store, w, g, req.from, req.to, filter)?;
        let mut total = Counts::default();
        for (t, c) in &series {
            total.merge(c);
            combined.entry(*t).or_default().merge(c);
        }
        totals.insert(w.clone(), total);
        per_watch.insert(
            w.clone(),
            series
                .into_iter()
                .map(|(start, counts)| Bucket { start, counts })
                .collect(),
        );
    }
    let mut total = Counts::default();
    for c in totals.values() {
        total.merge(c);
    }

    // Mentions of every watch, merged by id (a mention may match several).
    // When the report covers every watch the store counts, one sequential
    // read of the period's records beats a lookup per index entry.
    let everything = store
        .stats()?
        .watches
        .keys()
        .all(|w| req.watches.contains(w));
    let mut found: Vec<Mention> = Vec::new();
    if everything {
        found = store.mentions_between(req.from, req.to, &|m| {
            m.watches.iter().any(|w| req.watches.contains(w))
        })?;
    } else {
        for w in &req.watches {
            found.extend(store.mentions(&MentionQuery {
                watch: Some(w.clone()),
                since: Some(req.from),
                until: Some(req.to),
                ..Default::default()
            })?);
        }
    }
    found.retain(|m| filter.keeps(m));
    let mut by_id: HashMap<u64, Row> = HashMap::with_capacity(found.len());
    for m in found {
        let watches: Vec<String> = m
            .watches
            .iter()
            .filter(|w| req.watches.contains(w))
            .cloned()
            .collect();
        by_id.entry(m.id).or_insert_with(|| Row {
            mention: m,
            report_watches: watches,
            cluster_size: 1,
        });
    }
    let mut rows: Vec<Row> = by_id.into_values().collect();
    rows.sort_by(|a, b| {
        b.mention
            .bucket_time()
            .cmp(&a.mention.bucket_time())
            .then(b.mention.id.cmp(&a.mention.id))
    });
    let mut cluster_ids: Vec<u64> = rows.iter().filter_map(|r| r.mention.cluster_id).collect();
    cluster_ids.sort_unstable();
    cluster_ids.dedup();
    let sizes = store.cluster_sizes(&cluster_ids)?;
    for r in &mut rows {
        if let Some(c) = r.mention.cluster_id {
            r.cluster_size = sizes.get(&c).copied().unwrap_or(1).max(1);
        }
    }

    let mut sites: HashMap<&str, u64> = HashMap::new();
    for r in rows.iter().filter(|r| r.mention.spam.is_none()) {
        *sites.entry(r.mention.site.as_str()).or_default() += 1;
    }
    let mut top_sites: Vec<(String, u64)> =
        sites.into_iter().map(|(s, n)| (s.to_string(), n)).collect();
    top_sites.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    top_sites.truncate(10);

    let top_negative = negative_stories(&rows, 10);
    let alerts = alerts_for(store, &req.watches, req.from, req.to)?;
    Ok(ReportData {
        request: req.clone(),
        filter: filter.clone(),
        generated_at: Utc::now().trunc_subsecs(0),
        granularity: g,
        timeline: combined
            .into_iter()
            .map(|(start, counts)| Bucket { start, counts })
            .collect(),
        per_watch,
        totals,
        total,
        alerts,
        top_sites,
        top_negative,
        rows,
    })
}

/// Negative non-spam mentions grouped by cluster, most mentioned first.
fn negative_stories(rows: &[Row], n: usize) -> Vec<Story> {
    let mut groups: Vec<Story> = Vec::new();
    let mut index: HashMap<(bool, u64), usize> = HashMap::new();
    // Rows are newest first: the first row of a group names the story.
    for r in rows {
        let m = &r.mention;
        let Some(s) = m.sentiment.as_ref().filter(|s| s.label == Label::Negative) else {
            continue;
        };
        if m.spam.is_some() {
            continue;
        }
        let key = match m.cluster_id {
            Some(c) => (true, c),
            None => (false, m.id),
        };
        let i = *index.entry(key).or_insert_with(|| {
            groups.push(Story {
                title: m
                    .title
                    .clone()
                    .filter(|t| !t.trim().is_empty())
                    .unwrap_or_else(|| excerpt(&m.context, 60)),
                url: m.url.clone(),
                excerpt: excerpt(&m.context, 240),
                sites: Vec::new(),
                mentions: 0,
                cluster_id: m.cluster_id,
                score: s.score,
            });
            groups.len() - 1
        });
        let g = &mut groups[i];
        g.mentions += 1;
        g.score = g.score.min(s.score);
        if !g.sites.contains(&m.site) {
            g.sites.push(m.site.clone());
        }
    }
    groups.sort_by(|a, b| {
        b.mentions
            .cmp(&a.mentions)
            .then(a.score.total_cmp(&b.score))
    });
    groups.truncate(n);
    groups
}

/// The first `max` characters of `text` on one line, with `…` when cut.
pub fn excerpt(text: &str, max: usize) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        flat
    } else {
        let mut s: String = flat.chars().take(max).collect();
        s.push('…');
        s
    }
}

/// Renders `data` in `format` with the default [`ReportSettings`] (a PDF
/// finds its font among the system's).
pub fn render(data: &ReportData, format: Format) -> Result<Vec<u8>, ReportError> {
    render_with(data, format, &ReportSettings::default())
}

/// Renders `data` in `format` with `settings` (`[reports]`).
pub fn render_with(
    data: &ReportData,
    format: Format,
    settings: &ReportSettings,
) -> Result<Vec<u8>, ReportError> {
    match format {
        Format::Csv => csv_out::render(data),
        Format::Xlsx => xlsx::render(data),
        Format::Html => Ok(html::render(data).into_bytes()),
        Format::Pdf => Ok(pdf::render(data, settings)?),
        Format::Json => {
            serde_json::to_vec_pretty(data).map_err(|e| ReportError::Json(e.to_string()))
        }
    }
}

/// Renders `data` in `format` and writes it to `path` (its directory is
/// created when missing).
pub fn write(data: &ReportData, format: Format, path: &Path) -> Result<(), ReportError> {
    write_with(data, format, &ReportSettings::default(), path)
}

/// [`write`] with `settings` (`[reports]`).
pub fn write_with(
    data: &ReportData,
    format: Format,
    settings: &ReportSettings,
    path: &Path,
) -> Result<(), ReportError> {
    write_rendered(&render_with(data, format, settings)?, format, path)
}

/// Writes a report already rendered in `format` to `path`, as [`write`]
/// does (a report a running earshot rendered).
pub fn write_rendered(bytes: &[u8], format: Format, path: &Path) -> Result<(), ReportError> {
    let werr = |e: std::io::Error| ReportError::Write {
        path: path.to_path_buf(),
        reason: e.to_string(),
    };
    if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(werr)?;
    }
    // Write then rename: a reader (or Excel) never sees half a file.
    let tmp = path.with_extension(format!("{}.part", format.extension()));
    std::fs::write(&tmp, bytes).map_err(werr)?;
    std::fs::rename(&tmp, path).map_err(werr)?;
    Ok(())
}

#[cfg(test)]
mod tests;
