//! A scheduled report's message, rendered for its channel's kind as alert
//! messages are ([`crate::alert::channel::envelope`]): email with the
//! report files attached, chat platforms with a summary (period, mentions,
//! negative share, alerts) and the files' names and paths, a generic
//! webhook with the figures as JSON.

use std::path::PathBuf;

use chrono::{DateTime, Utc};

use crate::alert::channel::{envelope, markup_of, window, ChannelConfig, ChannelKind, Lang};
use crate::alert::escape::{self, Markup};

/// What a report message says.
#[derive(Debug, Clone)]
pub struct ReportMessage {
    /// The `[[report]]` name.
    pub name: String,
    /// Watches it covers.
    pub watches: Vec<String>,
    /// Period start.
    pub from: DateTime<Utc>,
    /// Period end.
    pub to: DateTime<Utc>,
    /// Mentions in the period (spam and syndicated copies apart).
    pub mentions: u64,
    /// Of which negative.
    pub negative: u64,
    /// Negative among the scored ones, 0–1 (none scored: `None`), as the
    /// report files show it.
    pub negative_share: Option<f64>,
    /// Alerts in the period.
    pub alerts: usize,
    /// The files written.
    pub files: Vec<PathBuf>,
}

impl ReportMessage {
    fn subject(&self, lang: Lang) -> String {
        let what = match lang {
            Lang::En => "earshot report",
            Lang::Zh => "earshot 报告",
        };
        format!(
            "{what} {}: {} ({} – {})",
            self.name,
            self.watches.join(", "),
            self.from.format("%Y-%m-%d"),
            self.to.format("%Y-%m-%d")
        )
    }

    /// The summary in `markup`; `with_paths` adds where each file is.
    fn text(&self, lang: Lang, tz: chrono_tz::Tz, markup: Markup, with_paths: bool) -> String {
        let t = |en: &'static str, zh: &'static str| match lang {
            Lang::En => en,
            Lang::Zh => zh,
        };
        let esc = |s: &str| escape::text(s, markup);
        let title = esc(&self.subject(lang));
        let mut md = match markup {
            Markup::Slack => format!("*{title}*\n\n"),
            Markup::Markdown => format!("### {title}\n\n"),
        };
        let bold = |s: String| match markup {
            Markup::Slack => format!("*{s}*"),
            Markup::Markdown => format!("**{s}**"),
        };
        let share = match self.negative_share {
            Some(s) => format!("{:.1}%", 100.0 * s),
            None => t("none scored", "未评分").to_string(),
        };
        md.push_str(&format!(
            "- {}: {}\n- {}: {}\n- {}: {} ({share})\n- {}: {}\n",
            t("Period", "时间"),
            window(self.from, self.to, tz),
            t("Mentions", "提及"),
            bold(self.mentions.to_string()),
            t("Negative", "负面"),
            bold(self.negative.to_string()),
            t("Alerts", "告警"),
            self.alerts,
        ));
        if !self.files.is_empty() {
            md.push_str(&format!("\n{}\n\n", bold(t("Files", "文件").into())));
            // File names and paths as code, so `_` and `*` in them stay
            // as they are (they come from the config, not crawled text).
            let code = |s: &str| {
                let s: String = s
                    .chars()
                    .map(|c| {
                        if matches!(c, '`' | '\n' | '\r') {
                            ' '
                        } else {
                            c
                        }
                    })
                    .collect();
                match markup {
                    Markup::Slack => format!("`{}`", escape::text(&s, Markup::Slack)),
                    Markup::Markdown => format!("`{s}`"),
                }
            };
            for f in &self.files {
                let name = f
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                if with_paths {
                    md.push_str(&format!(
                        "- {} ({})\n",
                        code(&name),
                        code(&f.display().to_string())
                    ));
                } else {
                    md.push_str(&format!("- {}\n", code(&name)));
                }
            }
        }
        md
    }
}

/// The body queued for `ch` (before any signature), as
/// [`crate::alert::channel::render`] does for alerts.
pub fn render(ch: &ChannelConfig, m: &ReportMessage, key: &str) -> String {
    let subject = m.subject(ch.language);
    let v = match ch.kind {
        ChannelKind::Webhook => serde_json::json!({
            "kind": "report",
            "idempotency_key": key,
            "report": m.name,
            "subject": subject,
            "watches": m.watches,
            "from": m.from,
            "to": m.to,
            "mentions": m.mentions,
            "negative": m.negative,
            "negative_share": m.negative_share,
            "alerts": m.alerts,
            "files": m.files,
            "text": m.text(ch.language, ch.tz(), Markup::Markdown, true),
        }),
        ChannelKind::Email => serde_json::json!({
            "subject": subject,
            // The files are attached: the text names them only.
            "text": m.text(ch.language, ch.tz(), Markup::Markdown, false),
            "attachments": m.files,
        }),
        kind => envelope(
            kind,
            &subject,
            &m.text(ch.language, ch.tz(), markup_of(kind), true),
        ),
    };
    v.to_string()
}
