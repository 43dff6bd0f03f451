//! The PDF report: the HTML report's content (summary, timeline by
//! sentiment with alerts, share of voice, top sites, top negative stories,
//! example mentions) on A4 pages with a running header and page numbers,
//! made in-process with krilla (typst's PDF backend): text is shaped and
//! set in a subset of the chosen font ([`font`]), charts are vector paths.

mod chart;
mod emit;
mod font;
mod layout;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::{safe_href, ReportData, ReportSettings, Row};
use crate::store::Severity;
use layout::{
    Column, Layout, Piece, Rgb, ACCENT, INK, LINE, MARGIN, MUTED, PAGE_H, PAGE_W, WHITE, WIDTH,
};

/// Why a PDF report could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PdfError {
    /// The text has Chinese, Japanese or Korean characters and no font
    /// found has them.
    #[error("cannot write the PDF report: no font for its Chinese/Japanese/Korean text (e.g. `{sample}`): {searched}\n  help: {}", font::CJK_HELP)]
    NoCjkFont {
        /// A few of the characters.
        sample: String,
        /// What was looked at.
        searched: String,
    },
    /// No font at all on the system.
    #[error(
        "cannot write the PDF report: the system has no fonts\n  help: {}",
        font::CJK_HELP
    )]
    NoFont,
    /// `pdf_font` (or a system font) cannot be read.
    #[error(
        "cannot use {path} as the PDF report's font: {reason}\n  help: {}",
        font::CJK_HELP
    )]
    FontFile {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// krilla could not write the document.
    #[error("cannot write the PDF report: {0}")]
    Write(String),
}

/// Checks a `pdf_font` file (for `[reports]`'s problems).
pub(super) fn check_font_file(path: &Path) -> Result<(), PdfError> {
    font::check_file(path)
}

const BAND: Rgb = (0x10, 0x2a, 0x43);
const CARD: Rgb = (0xf5, 0xf7, 0xfa);

/// Every character the report may draw (to choose a font that has them).
fn text_chars(d: &ReportData, examples: &[&Row], fixed: &[&str]) -> BTreeSet<char> {
    let mut chars = BTreeSet::new();
    let mut add =
        |s: &str| chars.extend(s.chars().filter(|c| !c.is_whitespace() && !c.is_control()));
    fixed.iter().for_each(|s| add(s));
    d.request.watches.iter().for_each(|w| add(w));
    d.top_sites.iter().for_each(|(s, _)| add(s));
    for s in &d.top_negative {
        add(&s.title);
        add(&s.excerpt);
        s.sites.iter().for_each(|x| add(x));
    }
    for a in &d.alerts {
        add(&d.request.language.alert_summary(a, chrono_tz::UTC));
        add(&a.watch);
    }
    for r in examples {
        let m = &r.mention;
        add(m.title.as_deref().unwrap_or(""));
        add(&super::excerpt(&m.context, 220));
        add(&m.site);
        add(m.author.as_deref().unwrap_or(""));
        if let Some(rating) = &m.rating {
            // the star too: a font without ★ would draw a blank box
            add(&format!("★ {rating}"));
        }
    }
    if let Some(f) = d.filter.describe() {
        add(&f);
    }
    chars
}

fn label_color(label: &str) -> Rgb {
    match label {
        "negative" => chart::NEGATIVE,
        "neutral" => chart::NEUTRAL,
        "positive" => chart::POSITIVE,
        _ => (0x9f, 0xae, 0xc6),
    }
}

/// Renders the PDF.
pub(super) fn render(d: &ReportData, settings: &ReportSettings) -> Result<Vec<u8>, PdfError> {
    let lang = d.request.language;
    let s = lang.strings();
    let examples = d.examples();
    let title = format!("{}{}", s.title, d.request.watches.join(", "));
    let period = lang.period(d.request.from, d.request.to);
    let generated = lang.generated(d.generated_at);
    let chars = text_chars(
        d,
        &examples,
        &[&title, &period, &generated, s.top_negative, s.examples],
    );
    let chosen = font::choose(settings.pdf_font.as_deref(), &chars)?;
    tracing::debug!(font = %chosen.regular.name, path = %chosen.regular.path.display(), bold = chosen.bold.is_some(), "PDF report font");
    let fonts = font::Fonts {
        regular: font::Face::new(&chosen.regular)?,
        bold: chosen.bold.as_ref().map(font::Face::new).transpose()?,
    };
    let mut l = Layout::new(&fonts);
    first_page_band(&mut l, d, &title, &period, &generated);
    body(&mut l, d, &examples);
    running(&mut l, &title, &period, &generated, lang);
    emit::pdf(&l.pages, &fonts, &title, lang.tag())
}

fn first_page_band(l: &mut Layout, d: &ReportData, title: &str, period: &str, generated: &str) {
    let s = d.request.language.strings();
    let lines = l.wrap(title, 18.0, true, WIDTH, 2);
    let filter = d.filter.describe().map(|f| format!("{}{f}", s.only_with));
    let h = 30.0 + lines.len() as f32 * 24.0 + 28.0 + if filter.is_some() { 13.0 } else { 0.0 };
    l.rect(0.0, 0.0, PAGE_W, h, BAND);
    let mut y = 30.0;
    for line in &lines {
        y += 20.0;
        l.text(MARGIN, y, 18.0, true, WHITE, line);
        y += 4.0;
    }
    y += 14.0;
    let sub = format!("{period} · {generated}");
    let sub = l.wrap(&sub, 9.0, false, WIDTH, 1).concat();
    l.text(MARGIN, y, 9.0, false, (0xbc, 0xcc, 0xdc), &sub);
    if let Some(f) = filter {
        y += 13.0;
        let f = l.wrap(&f, 9.0, false, WIDTH, 1).concat();
        l.text(MARGIN, y, 9.0, false, (0xbc, 0xcc, 0xdc), &f);
    }
    l.y = h + 16.0;
}

/// The running header (pages after the first) and footer (every page).
fn running(l: &mut Layout, title: &str, period: &str, generated: &str, lang: super::Language) {
    let pages = l.pages.len();
    let head_title = l.wrap(title, 9.0, true, WIDTH * 0.5, 1).concat();
    let head_period = l.wrap(period, 8.0, false, WIDTH * 0.5, 1).concat();
    for i in 0..pages {
        // Drawn on a scratch page, then moved onto page i.
        l.pages.push(Vec::new());
        if i > 0 {
            l.text(MARGIN, 34.0, 9.0, true, INK, &head_title);
            let w = l.width(&head_period, 8.0, false);
            l.text(PAGE_W - MARGIN - w, 34.0, 8.0, false, MUTED, &head_period);
            l.line((MARGIN, 42.0), (PAGE_W - MARGIN, 42.0), 0.6, LINE);
        }
        let fy = PAGE_H - 28.0;
        l.line((MARGIN, fy - 12.0), (PAGE_W - MARGIN, fy - 12.0), 0.6, LINE);
        l.text(MARGIN, fy, 7.5, false, MUTED, generated);
        l.text_right(PAGE_W - MARGIN, fy, 7.5, MUTED, &lang.page_of(i + 1, pages));
        if let Some(extra) = l.pages.pop() {
            l.pages[i].extend(extra);
        }
    }
}

fn body(l: &mut Layout, d: &ReportData, examples: &[&Row]) {
    let lang = d.request.language;
    let s = lang.strings();
    // Summary cards.
    let cards: [(&str, String, Rgb); 6] = [
        (s.mentions, lang.count(d.total.total), INK),
        (
            s.negative_share,
            lang.percent(ReportData::negative_share(&d.total)),
            chart::NEGATIVE,
        ),
        (s.negative, lang.count(d.total.negative), INK),
        (s.positive, lang.count(d.total.positive), INK),
        (s.alerts, lang.count(d.alerts.len() as u64), INK),
        (s.spam_filtered, lang.count(d.total.spam), INK),
    ];
    let gap = 8.0;
    let cw = (WIDTH - gap * 5.0) / 6.0;
    l.ensure(48.0);
    for (i, (k, v, color)) in cards.iter().enumerate() {
        let x = MARGIN + i as f32 * (cw + gap);
        l.rect(x, l.y, cw, 46.0, CARD);
        // The sentiment words are lower case in the table; a card's label
        // starts with a capital.
        let k: String = k
            .chars()
            .take(1)
            .flat_map(char::to_uppercase)
            .chain(k.chars().skip(1))
            .collect();
        let k = l.wrap(&k, 7.5, false, cw - 12.0, 1).concat();
        l.text(x + 7.0, l.y + 14.0, 7.5, false, MUTED, &k);
        l.text(x + 7.0, l.y + 36.0, 16.0, true, *color, v);
    }
    l.y += 46.0;

    // Timeline.
    let note = if d.alerts.is_empty() {
        ""
    } else {
        s.alert_lines
    };
    l.heading(s.timeline, note, 190.0);
    let y = l.y;
    chart::timeline(
        l,
        lang,
        &d.timeline,
        d.granularity,
        &d.alerts,
        (MARGIN, y, WIDTH, 190.0),
    );
    l.y += 196.0;

    share_and_sites(l, d);
    stories(l, d);
    alerts(l, d);

    l.heading(s.examples, "", 40.0);
    if examples.is_empty() {
        l.paragraph(s.no_mentions, 9.0, false, MUTED);
    } else {
        let cols = [
            Column {
                title: s.time.into(),
                width: 64.0,
                right: false,
            },
            Column {
                title: s.site.into(),
                width: 86.0,
                right: false,
            },
            Column {
                title: s.author.into(),
                width: 62.0,
                right: false,
            },
            Column {
                title: s.mention.into(),
                width: WIDTH - 64.0 - 86.0 - 62.0 - 58.0,
                right: false,
            },
            Column {
                title: s.sentiment.into(),
                width: 58.0,
                right: false,
            },
        ];
        let rows: Vec<Vec<Vec<Piece>>> = examples
            .iter()
            .map(|r| {
                let m = &r.mention;
                let title = m
                    .title
                    .as_deref()
                    .filter(|t| !t.trim().is_empty())
                    .unwrap_or(s.untitled);
                let mut sentiment =
                    vec![Piece::new(lang.label(r.label()), 7.5).pill(label_color(r.label()))];
                if let Some(rating) = &m.rating {
                    sentiment
                        .push(Piece::new(format!("★ {rating}"), 7.5).color((0xb4, 0x4d, 0x12)));
                }
                vec![
                    vec![Piece::new(lang.datetime(m.bucket_time()), 7.5)
                        .color(MUTED)
                        .lines(2)],
                    vec![Piece::new(&m.site, 8.0).lines(2)],
                    vec![Piece::new(m.author.as_deref().unwrap_or("–"), 8.0).lines(2)],
                    vec![
                        Piece::new(title, 8.5)
                            .bold()
                            .color(ACCENT)
                            .link(safe_href(&m.url))
                            .lines(2),
                        Piece::new(super::excerpt(&m.context, 220), 7.5)
                            .color((0x3e, 0x4c, 0x59))
                            .lines(4),
                    ],
                    sentiment,
                ]
            })
            .collect();
        l.table(MARGIN, &cols, &rows);
    }
    l.y += 10.0;
    l.paragraph(&lang.mentions_in_period(d.rows.len()), 8.0, false, MUTED);
}

/// Share of voice (bars and a table) beside the top sites (bars).
fn share_and_sites(l: &mut Layout, d: &ReportData) {
    let lang = d.request.language;
    let s = lang.strings();
    let col = (WIDTH - 16.0) / 2.0;
    let sov: Vec<(String, u64)> = d.totals.iter().map(|(w, c)| (w.clone(), c.total)).collect();
    let sov_total: u64 = sov.iter().map(|x| x.1).sum();
    let left_h = 17.0 * sov.len() as f32 + 8.0 + 15.0 + 18.0 * sov.len() as f32;
    let right_h = 17.0 * d.top_sites.len().max(1) as f32;
    l.y += 10.0;
    l.ensure(22.0 + left_h.max(right_h));
    let y0 = l.y;
    l.text(MARGIN, y0 + 12.0, 12.0, true, INK, s.share_of_voice);
    l.text(MARGIN + col + 16.0, y0 + 12.0, 12.0, true, INK, s.top_sites);
    let y = y0 + 20.0;
    let bars_h = chart::bars(l, lang, &sov, chart::POSITIVE, MARGIN, y, col);
    let right_end = if d.top_sites.is_empty() {
        l.text(
            MARGIN + col + 16.0,
            y + 12.0,
            9.0,
            false,
            MUTED,
            s.no_mentions,
        );
        y + 18.0
    } else {
        y + chart::bars(l, lang, &d.top_sites, ACCENT, MARGIN + col + 16.0, y, col)
    };
    l.y = y + bars_h + 8.0;
    let cols = [
        Column {
            title: s.watch.into(),
            width: col - 50.0 - 44.0 - 76.0,
            right: false,
        },
        Column {
            title: s.mentions.into(),
            width: 50.0,
            right: true,
        },
        Column {
            title: s.share.into(),
            width: 44.0,
            right: true,
        },
        Column {
            title: s.negative_share.into(),
            width: 76.0,
            right: true,
        },
    ];
    let rows: Vec<Vec<Vec<Piece>>> = d
        .totals
        .iter()
        .map(|(w, c)| {
            vec![
                vec![Piece::new(w, 8.5).lines(1)],
                vec![Piece::new(lang.count(c.total), 8.5)],
                vec![Piece::new(
                    lang.percent((sov_total > 0).then(|| c.total as f64 / sov_total as f64)),
                    8.5,
                )],
                vec![Piece::new(lang.percent(ReportData::negative_share(c)), 8.5)],
            ]
        })
        .collect();
    l.table(MARGIN, &cols, &rows);
    l.y = l.y.max(right_end);
}

fn stories(l: &mut Layout, d: &ReportData) {
    let lang = d.request.language;
    let s = lang.strings();
    l.heading(
        s.top_negative,
        s.copies_once.trim_start_matches(" · "),
        40.0,
    );
    if d.top_negative.is_empty() {
        l.paragraph(s.no_negative, 9.0, false, MUTED);
        return;
    }
    let cols = [
        Column {
            title: s.story.into(),
            width: WIDTH - 110.0 - 52.0 - 44.0,
            right: false,
        },
        Column {
            title: s.sites.into(),
            width: 110.0,
            right: false,
        },
        Column {
            title: s.mentions.into(),
            width: 52.0,
            right: true,
        },
        Column {
            title: s.score.into(),
            width: 44.0,
            right: true,
        },
    ];
    let rows: Vec<Vec<Vec<Piece>>> = d
        .top_negative
        .iter()
        .map(|st| {
            vec![
                vec![
                    Piece::new(&st.title, 8.5)
                        .bold()
                        .color(ACCENT)
                        .link(safe_href(&st.url))
                        .lines(2),
                    Piece::new(&st.excerpt, 7.5)
                        .color((0x3e, 0x4c, 0x59))
                        .lines(3),
                ],
                vec![Piece::new(st.sites.join(", "), 8.0).lines(4)],
                vec![Piece::new(lang.count(st.mentions as u64), 8.5).bold()],
                vec![Piece::new(format!("{:.2}", st.score), 8.5).color(chart::NEGATIVE)],
            ]
        })
        .collect();
    l.table(MARGIN, &cols, &rows);
}

fn alerts(l: &mut Layout, d: &ReportData) {
    let lang = d.request.language;
    let s = lang.strings();
    l.heading(s.alerts, "", 40.0);
    if d.alerts.is_empty() {
        l.paragraph(s.no_alerts, 9.0, false, MUTED);
        return;
    }
    let cols = [
        Column {
            title: s.opened.into(),
            width: 76.0,
            right: false,
        },
        Column {
            title: s.watch.into(),
            width: 70.0,
            right: false,
        },
        Column {
            title: s.severity.into(),
            width: 52.0,
            right: false,
        },
        Column {
            title: s.state.into(),
            width: 52.0,
            right: false,
        },
        Column {
            title: s.summary.into(),
            width: WIDTH - 76.0 - 70.0 - 104.0,
            right: false,
        },
    ];
    let sev = |v: Severity| match v {
        Severity::High => chart::NEGATIVE,
        Severity::Medium => (0xde, 0x91, 0x1d),
        Severity::Low => chart::NEUTRAL,
    };
    let rows: Vec<Vec<Vec<Piece>>> = d
        .alerts
        .iter()
        .map(|a| {
            vec![
                vec![Piece::new(lang.datetime(a.opened_at), 7.5)
                    .color(MUTED)
                    .lines(2)],
                vec![Piece::new(&a.watch, 8.0).lines(2)],
                vec![Piece::new(lang.severity(a.severity), 7.5).pill(sev(a.severity))],
                vec![Piece::new(lang.state(a.state), 8.0)],
                vec![Piece::new(lang.alert_summary(a, chrono_tz::UTC), 8.0).lines(4)],
            ]
        })
        .collect();
    l.table(MARGIN, &cols, &rows);
}
