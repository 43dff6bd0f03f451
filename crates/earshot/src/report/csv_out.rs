//! CSV: one row per mention (a review's stars in `rating` out of
//! `best_rating`, empty for other posts), UTF-8 with a byte-order mark
//! (Excel reads Chinese correctly only with it), cells that a spreadsheet
//! would run as a formula neutralised.

use std::borrow::Cow;

use super::{excerpt, ReportData, ReportError};

/// The header row.
pub const HEADER: [&str; 15] = [
    "time",
    "watch",
    "site",
    "author",
    "title",
    "excerpt",
    "sentiment",
    "score",
    "rating",
    "best_rating",
    "cluster_id",
    "cluster_size",
    "spam",
    "url",
    "id",
];

/// Makes crawled text safe to open in a spreadsheet: a cell starting with
/// `=`, `+`, `-`, `@` (or a tab or carriage return, which some spreadsheets
/// skip before looking) would be read as a formula, so it gets a leading
/// `'`, which spreadsheets show as text. Numbers earshot writes itself
/// (scores) are not passed through this.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{cell}")),
        _ => Cow::Borrowed(cell),
    }
}

pub(super) fn render(data: &ReportData) -> Result<Vec<u8>, ReportError> {
    let mut buf = Vec::with_capacity(64 + data.rows.len() * 400);
    buf.extend_from_slice("\u{feff}".as_bytes());
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(buf);
    let err = |e: csv::Error| ReportError::Csv(e.to_string());
    w.write_record(HEADER).map_err(err)?;
    for r in &data.rows {
        let m = &r.mention;
        let (label, score) = match &m.sentiment {
            Some(s) => (r.label(), format!("{:.3}", s.score)),
            None => ("unscored", String::new()),
        };
        let time = m
            .published_at
            .map(|t| t.to_rfc3339())
            .unwrap_or_else(|| m.fetched_at.to_rfc3339());
        let watches = r.report_watches.join("; ");
        let cluster = m.cluster_id.map(|c| c.to_string()).unwrap_or_default();
        let size = if m.cluster_id.is_some() {
            r.cluster_size.to_string()
        } else {
            String::new()
        };
        let ex = excerpt(&m.context, 500);
        let id = m.id.to_string();
        let (rating, best) = match &m.rating {
            Some(r) => (r.value.to_string(), r.best.to_string()),
            None => (String::new(), String::new()),
        };
        let record: [Cow<'_, str>; 15] = [
            Cow::Owned(time),
            neutralise(&watches),
            neutralise(&m.site),
            neutralise(m.author.as_deref().unwrap_or("")),
            neutralise(m.title.as_deref().unwrap_or("")),
            neutralise(&ex),
            Cow::Borrowed(label),
            Cow::Owned(score),
            Cow::Owned(rating),
            Cow::Owned(best),
            Cow::Owned(cluster),
            Cow::Owned(size),
            neutralise(m.spam.as_deref().unwrap_or("")),
            neutralise(&m.url),
            Cow::Owned(id),
        ];
        w.write_record(record.iter().map(|c| c.as_bytes()))
            .map_err(err)?;
    }
    w.into_inner().map_err(|e| ReportError::Csv(e.to_string()))
}
