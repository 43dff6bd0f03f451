//! The XLSX report: a mentions sheet with filters and a frozen header, a
//! daily sheet (volume by sentiment, negative share) with native Excel
//! charts, share of voice per watch, and alerts. Crawled text is written
//! as strings, which Excel never evaluates as formulas.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_xlsxwriter::{
    Chart, ChartFormat, ChartLine, ChartSolidFill, ChartType, ExcelDateTime, Format, FormatAlign,
    Workbook, Worksheet, XlsxError,
};

use crate::store::Counts;

use super::{excerpt, ReportData, ReportError};

/// `s` with its first letter in upper case (column names from the
/// language table's lower-case sentiment words; Chinese is unchanged).
fn cap(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

fn xerr(e: XlsxError) -> ReportError {
    ReportError::Xlsx(e.to_string())
}

pub(super) fn render(d: &ReportData) -> Result<Vec<u8>, ReportError> {
    let lang = d.request.language;
    let s = lang.strings();
    let (mentions_sheet, daily_sheet, watches_sheet) =
        (s.sheet_mentions, s.sheet_daily, s.sheet_watches);
    let mut wb = Workbook::new();
    let header = Format::new()
        .set_bold()
        .set_font_color("#FFFFFF")
        .set_background_color("#102A43")
        .set_align(FormatAlign::Left);
    let when = Format::new().set_num_format("yyyy-mm-dd hh:mm");
    let day = Format::new().set_num_format("yyyy-mm-dd");
    let percent = Format::new().set_num_format("0.0%");
    let score = Format::new().set_num_format("0.000");
    let wrap = Format::new().set_text_wrap();

    // Mentions.
    let ws = wb.add_worksheet();
    ws.set_name(mentions_sheet).map_err(xerr)?;
    let cols: [(&str, f64); 15] = [
        (s.time_utc, 17.0),
        (s.watch, 12.0),
        (s.site, 16.0),
        (s.author, 14.0),
        (s.col_title, 36.0),
        (s.excerpt, 70.0),
        (s.sentiment, 11.0),
        (s.score, 8.0),
        (s.rating, 7.0),
        (s.best_rating, 7.0),
        (s.cluster_id, 21.0),
        (s.cluster_size, 8.0),
        (s.spam, 16.0),
        (s.url, 40.0),
        (s.mention_id, 21.0),
    ];
    for (c, (name, width)) in cols.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *name, &header)
            .map_err(xerr)?;
        ws.set_column_width(c as u16, *width).map_err(xerr)?;
    }
    for (i, r) in d.rows.iter().enumerate() {
        let row = i as u32 + 1;
        let m = &r.mention;
        let t = ExcelDateTime::from_timestamp(m.bucket_time().timestamp()).map_err(xerr)?;
        ws.write_datetime_with_format(row, 0, &t, &when)
            .map_err(xerr)?;
        ws.write_string(row, 1, r.report_watches.join("; "))
            .map_err(xerr)?;
        ws.write_string(row, 2, &m.site).map_err(xerr)?;
        ws.write_string(row, 3, m.author.as_deref().unwrap_or(""))
            .map_err(xerr)?;
        ws.write_string(row, 4, m.title.as_deref().unwrap_or(""))
            .map_err(xerr)?;
        ws.write_string(row, 5, excerpt(&m.context, 500))
            .map_err(xerr)?;
        ws.write_string(row, 6, lang.label(r.label()))
            .map_err(xerr)?;
        if let Some(s) = &m.sentiment {
            ws.write_number_with_format(row, 7, s.score as f64, &score)
                .map_err(xerr)?;
        }
        if let Some(rating) = &m.rating {
            ws.write_number(row, 8, rating.value).map_err(xerr)?;
            ws.write_number(row, 9, rating.best).map_err(xerr)?;
        }
        if let Some(c) = m.cluster_id {
            // Ids are 64-bit: as numbers Excel would round them.
            ws.write_string(row, 10, c.to_string()).map_err(xerr)?;
            ws.write_number(row, 11, r.cluster_size as f64)
                .map_err(xerr)?;
        }
        if let Some(s) = &m.spam {
            ws.write_string(row, 12, s).map_err(xerr)?;
        }
        ws.write_string(row, 13, &m.url).map_err(xerr)?;
        ws.write_string(row, 14, m.id.to_string()).map_err(xerr)?;
    }
    ws.set_freeze_panes(1, 0).map_err(xerr)?;
    ws.autofilter(0, 0, d.rows.len() as u32, cols.len() as u16 - 1)
        .map_err(xerr)?;

    // Daily volume by sentiment.
    let mut daily: BTreeMap<NaiveDate, Counts> = BTreeMap::new();
    for b in &d.timeline {
        daily
            .entry(b.start.date_naive())
            .or_default()
            .merge(&b.counts);
    }
    let ws = wb.add_worksheet();
    ws.set_name(daily_sheet).map_err(xerr)?;
    let heads = [
        s.date,
        s.negative,
        s.neutral,
        s.positive,
        s.unscored,
        s.total,
        s.negative_share,
        s.spam,
    ];
    for (c, h) in heads.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, cap(h), &header)
            .map_err(xerr)?;
        ws.set_column_width(c as u16, if c == 0 { 12.0 } else { 14.0 })
            .map_err(xerr)?;
    }
    for (i, (date, c)) in daily.iter().enumerate() {
        let row = i as u32 + 1;
        let t =
            ExcelDateTime::parse_from_str(&date.format("%Y-%m-%d").to_string()).map_err(xerr)?;
        ws.write_datetime_with_format(row, 0, &t, &day)
            .map_err(xerr)?;
        for (col, v) in [c.negative, c.neutral, c.positive, c.unscored, c.total]
            .iter()
            .enumerate()
        {
            ws.write_number(row, col as u16 + 1, *v as f64)
                .map_err(xerr)?;
        }
        if let Some(share) = ReportData::negative_share(c) {
            ws.write_number_with_format(row, 6, share, &percent)
                .map_err(xerr)?;
        }
        ws.write_number(row, 7, c.spam as f64).map_err(xerr)?;
    }
    ws.set_freeze_panes(1, 1).map_err(xerr)?;
    let last = daily.len().max(1) as u32;
    if !daily.is_empty() {
        let mut volume = Chart::new(ChartType::ColumnStacked);
        for (col, color) in [
            (1u16, "#D64545"),
            (2, "#9AA5B1"),
            (3, "#3C9D5D"),
            (4, "#C3CFE2"),
        ] {
            volume
                .add_series()
                .set_name((daily_sheet, 0, col))
                .set_categories((daily_sheet, 1, 0, last, 0))
                .set_values((daily_sheet, 1, col, last, col))
                .set_format(
                    ChartFormat::new().set_solid_fill(ChartSolidFill::new().set_color(color)),
                );
        }
        let mut share = Chart::new(ChartType::Line);
        share
            .add_series()
            .set_name((daily_sheet, 0, 6))
            .set_categories((daily_sheet, 1, 0, last, 0))
            .set_values((daily_sheet, 1, 6, last, 6))
            .set_secondary_axis(true)
            .set_format(
                ChartFormat::new().set_line(ChartLine::new().set_color("#B42318").set_width(2.25)),
            );
        volume.combine(&share);
        volume.title().set_name(s.per_day_chart);
        volume.y_axis().set_name(s.mentions);
        volume
            .y2_axis()
            .set_name(s.negative_share)
            .set_num_format("0%");
        volume.set_width(880).set_height(360);
        ws.insert_chart(1, heads.len() as u16 + 1, &volume)
            .map_err(xerr)?;
    }

    // Share of voice.
    let ws = wb.add_worksheet();
    ws.set_name(watches_sheet).map_err(xerr)?;
    let heads = [
        s.watch,
        s.mentions,
        s.share_of_voice,
        s.negative,
        s.neutral,
        s.positive,
        s.unscored,
        s.negative_share,
        s.spam,
    ];
    for (c, h) in heads.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, cap(h), &header)
            .map_err(xerr)?;
        ws.set_column_width(c as u16, 15.0).map_err(xerr)?;
    }
    let all: u64 = d.totals.values().map(|c| c.total).sum();
    for (i, (w, c)) in d.totals.iter().enumerate() {
        let row = i as u32 + 1;
        ws.write_string(row, 0, w).map_err(xerr)?;
        ws.write_number(row, 1, c.total as f64).map_err(xerr)?;
        if all > 0 {
            ws.write_number_with_format(row, 2, c.total as f64 / all as f64, &percent)
                .map_err(xerr)?;
        }
        for (col, v) in [c.negative, c.neutral, c.positive, c.unscored]
            .iter()
            .enumerate()
        {
            ws.write_number(row, col as u16 + 3, *v as f64)
                .map_err(xerr)?;
        }
        if let Some(s) = ReportData::negative_share(c) {
            ws.write_number_with_format(row, 7, s, &percent)
                .map_err(xerr)?;
        }
        ws.write_number(row, 8, c.spam as f64).map_err(xerr)?;
    }
    if all > 0 {
        let n = d.totals.len() as u32;
        let mut pie = Chart::new(ChartType::Pie);
        pie.add_series()
            .set_name(s.share_of_voice)
            .set_categories((watches_sheet, 1, 0, n, 0))
            .set_values((watches_sheet, 1, 1, n, 1));
        pie.title().set_name(s.share_of_voice);
        ws.insert_chart(n + 3, 0, &pie).map_err(xerr)?;
    }

    // Alerts.
    let ws = wb.add_worksheet();
    ws.set_name(s.sheet_alerts).map_err(xerr)?;
    alerts_sheet(ws, d, &header, &when, &wrap)?;

    wb.save_to_buffer().map_err(xerr)
}

fn alerts_sheet(
    ws: &mut Worksheet,
    d: &ReportData,
    header: &Format,
    when: &Format,
    wrap: &Format,
) -> Result<(), ReportError> {
    let lang = d.request.language;
    let s = lang.strings();
    let heads = [
        (s.opened_utc, 17.0),
        (s.updated_utc, 17.0),
        (s.watch, 12.0),
        (s.severity, 10.0),
        (s.state, 10.0),
        (s.summary, 60.0),
        (s.evidence, 80.0),
    ];
    for (c, (h, w)) in heads.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, header)
            .map_err(xerr)?;
        ws.set_column_width(c as u16, *w).map_err(xerr)?;
    }
    for (i, a) in d.alerts.iter().enumerate() {
        let row = i as u32 + 1;
        for (col, t) in [(0u16, a.opened_at), (1, a.updated_at)] {
            let t = ExcelDateTime::from_timestamp(t.timestamp()).map_err(xerr)?;
            ws.write_datetime_with_format(row, col, &t, when)
                .map_err(xerr)?;
        }
        ws.write_string(row, 2, &a.watch).map_err(xerr)?;
        ws.write_string(row, 3, lang.severity(a.severity))
            .map_err(xerr)?;
        ws.write_string(row, 4, lang.state(a.state)).map_err(xerr)?;
        ws.write_string(row, 5, lang.alert_summary(a, chrono_tz::UTC))
            .map_err(xerr)?;
        // Excel cells hold at most 32,767 characters.
        let ev: String = a.evidence_json().chars().take(32_000).collect();
        ws.write_string_with_format(row, 6, ev, wrap)
            .map_err(xerr)?;
    }
    ws.set_freeze_panes(1, 0).map_err(xerr)?;
    if d.alerts.is_empty() {
        ws.write_string(1, 0, s.no_alerts).map_err(xerr)?;
    } else {
        ws.autofilter(0, 0, d.alerts.len() as u32, heads.len() as u16 - 1)
            .map_err(xerr)?;
    }
    Ok(())
}
