//! What a notification says: its title and Markdown body per language
//! and time zone, an alert's one-line summary, and the test message.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::escape::{self, Markup};
use super::{AlertEvent, Severity};

/// Message language: `en`, or `zh` (also written `zh-CN`, as reports and
/// the dashboard spell it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Lang {
    /// English.
    #[default]
    #[serde(rename = "en")]
    En,
    /// Simplified Chinese.
    #[serde(rename = "zh", alias = "zh-CN", alias = "zh-cn", alias = "zh-Hans")]
    Zh,
}

/// A channel-neutral notification, rendered per channel when queued.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Notice {
    /// `open`, `escalate` or `resolve`.
    pub event: AlertEvent,
    /// Alert id (hex).
    pub alert_id: String,
    /// Watch.
    pub watch: String,
    /// Severity.
    pub severity: Severity,
    /// One-line summary.
    pub summary: String,
    /// The evidence (see `alert::Evidence`).
    pub evidence: super::Evidence,
}

fn t(lang: Lang, en: &'static str, zh: &'static str) -> &'static str {
    match lang {
        Lang::En => en,
        Lang::Zh => zh,
    }
}

/// A detector's name as a PR lead reads it.
pub fn detector_name(d: crate::store::Detector, lang: Lang) -> &'static str {
    use crate::store::Detector;
    match (lang, d) {
        (Lang::En, Detector::Seasonal) => "seasonal (same hour of the week)",
        (Lang::En, Detector::Share) => "share (negative share against the past week)",
        (Lang::En, Detector::Threshold) => "threshold (new watch)",
        (Lang::Zh, Detector::Seasonal) => "同期基线（每周同一小时）",
        (Lang::Zh, Detector::Share) => "负面占比（对比过去一周）",
        (Lang::Zh, Detector::Threshold) => "阈值（新监测）",
    }
}

/// A time window `start`–`end` in `tz`, with the zone named: the end's
/// date is written only when it differs from the start's.
pub fn window(start: DateTime<Utc>, end: DateTime<Utc>, tz: chrono_tz::Tz) -> String {
    let (s, e) = (start.with_timezone(&tz), end.with_timezone(&tz));
    let end_fmt = if s.date_naive() == e.date_naive() {
        "%H:%M"
    } else {
        "%Y-%m-%d %H:%M"
    };
    let zone = if tz == chrono_tz::UTC {
        "UTC".to_string()
    } else {
        format!("{} ({})", tz.name(), s.format("%:z"))
    };
    format!(
        "{} – {} {zone}",
        s.format("%Y-%m-%d %H:%M"),
        e.format(end_fmt)
    )
}

/// An alert's one-line summary in `lang`, its window in `tz`: what the
/// `stored` summary says (watch, window, observed against expected, the
/// detector and its history), written from the evidence. English in UTC,
/// or no evidence, gives the stored summary itself.
pub fn summary_in(
    watch: &str,
    stored: &str,
    evidence: Option<&crate::store::Evidence>,
    lang: Lang,
    tz: chrono_tz::Tz,
) -> String {
    let Some(e) = evidence else {
        return stored.to_string();
    };
    if lang == Lang::En && tz == chrono_tz::UTC {
        return stored.to_string();
    }
    let win = window(e.start, e.end + chrono::Duration::hours(1), tz);
    let history = e.baseline_days.map(|d| match lang {
        Lang::En => format!("{d:.1} days of history"),
        Lang::Zh => format!("{d:.1} 天历史"),
    });
    let test = e
        .p_value
        .filter(|p| p.is_finite())
        .map(|p| format!("p = {p:.1e}"));
    let tail: Vec<String> = [
        Some(detector_name(e.detector, lang).to_string()),
        history,
        test,
    ]
    .into_iter()
    .flatten()
    .collect();
    match lang {
        Lang::En => format!(
            "{watch}: {} negative mentions {win}, {}, {}",
            e.observed,
            crate::detect::expected_text(e.observed, e.expected),
            tail.join(", ")
        ),
        Lang::Zh => format!(
            "{watch}：{win} 负面提及 {} 条，{}；{}",
            e.observed,
            match crate::detect::ratio(e.observed, e.expected) {
                Some(r) => format!("预期 {:.1}（{r:.1}×）", e.expected),
                None => "预期 0（尚无基线）".to_string(),
            },
            tail.join("，")
        ),
    }
}

/// The message as Markdown (DingTalk, WeCom, Feishu, webhook, email) or
/// Slack mrkdwn, crawled text escaped for `markup`, its times in `tz`.
pub fn markdown(n: &Notice, lang: Lang, tz: chrono_tz::Tz, markup: Markup) -> (String, String) {
    let esc = |s: &str| escape::text(s, markup);
    let e = &n.evidence;
    let sev = match (lang, n.severity) {
        (Lang::En, s) => s.to_string(),
        (Lang::Zh, Severity::Low) => "低风险".into(),
        (Lang::Zh, Severity::Medium) => "中风险".into(),
        (Lang::Zh, Severity::High) => "高风险".into(),
    };
    let event = match (lang, n.event) {
        (Lang::En, AlertEvent::Open) => "Negative spike",
        (Lang::En, AlertEvent::Escalate) => "Negative spike growing",
        (Lang::En, AlertEvent::Resolve) => "Resolved",
        (Lang::Zh, AlertEvent::Open) => "负面声量激增",
        (Lang::Zh, AlertEvent::Escalate) => "负面声量继续上升",
        (Lang::Zh, AlertEvent::Resolve) => "已恢复",
        (Lang::En, AlertEvent::Silenced) => "Silenced",
        (Lang::Zh, AlertEvent::Silenced) => "已静默",
    };
    let title = match lang {
        Lang::En => format!("[{sev}] {event}: {}", n.watch),
        Lang::Zh => format!("【{sev}】{event}：{}", n.watch),
    };
    let mut md = match markup {
        Markup::Slack => format!("*{}*\n\n", esc(&title)),
        Markup::Markdown => format!("### {title}\n\n"),
    };
    md.push_str(&format!(
        "- {}: {}\n- {}: **{}** / {} {}\n- {}: {}\n",
        t(lang, "Window", "时间"),
        window(e.start, e.end + chrono::Duration::hours(1), tz),
        t(lang, "Negative mentions", "负面提及"),
        e.observed,
        t(lang, "expected", "预期"),
        match crate::detect::ratio(e.observed, e.expected) {
            Some(r) => format!("{:.1} ({r:.1}×)", e.expected),
            None => format!("0 ({})", t(lang, "no baseline yet", "尚无基线")),
        },
        t(lang, "Detector", "检测器"),
        detector_name(e.detector, lang),
    ));
    if !e.top_mentions.is_empty() {
        md.push_str(&format!(
            "\n**{}**\n\n",
            t(lang, "Top negative mentions", "主要负面内容")
        ));
        for m in &e.top_mentions {
            let copies = if m.copies > 1 {
                match lang {
                    Lang::En => format!(" ({} copies on {} sites)", m.copies, m.sites.len()),
                    Lang::Zh => format!("（{} 份转载，{} 个站点）", m.copies, m.sites.len()),
                }
            } else {
                String::new()
            };
            let label = m
                .title
                .as_deref()
                .map(esc)
                .unwrap_or_else(|| t(lang, "(untitled)", "（无标题）").into());
            md.push_str(&format!(
                "- {} — {}{}{}: {}\n",
                escape::link(&label, &m.url, markup),
                esc(&m.site),
                m.author
                    .as_deref()
                    .map(|a| format!(" / {}", esc(a)))
                    .unwrap_or_default(),
                copies,
                esc(&m.excerpt)
            ));
        }
    }
    if !e.top_sites.is_empty() {
        md.push_str(&format!(
            "\n**{}**: {}\n",
            t(lang, "Top sites", "主要站点"),
            e.top_sites
                .iter()
                .map(|(s, c)| format!("{} ({c})", esc(s)))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if !e.phrases.is_empty() {
        md.push_str(&format!(
            "\n**{}**: {}\n",
            t(lang, "Over-represented phrases", "突出词语"),
            e.phrases
                .iter()
                .map(|p| esc(p))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    (title, md)
}

/// The notice `earshot alerts test` sends: marked as a test, about no
/// alert, with no mentions, in the channel's language.
pub fn test_notice(now: DateTime<Utc>, lang: Lang) -> Notice {
    Notice {
        event: AlertEvent::Open,
        alert_id: "test".into(),
        watch: t(lang, "(test)", "（测试）").into(),
        severity: Severity::Low,
        summary: t(
            lang,
            "TEST from earshot: this channel is set up right (no alert)",
            "earshot 测试消息：此通道配置正确（并非告警）",
        )
        .into(),
        evidence: super::Evidence {
            detector: crate::store::Detector::Threshold,
            start: now,
            end: now,
            opened: now,
            peak: now,
            peak_observed: 0,
            observed: 0,
            expected: 0.0,
            p_value: None,
            baseline: None,
            baseline_days: None,
            resolved: None,
            top_mentions: Vec::new(),
            top_sites: Vec::new(),
            phrases: Vec::new(),
            history: Vec::new(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The message shows the ratio severity went by, and a zero baseline
    /// as such, not as "2.0×" (#31).
    #[test]
    fn messages_show_the_ratio_or_no_baseline() {
        let t = Utc::now();
        let notice = |observed, expected| {
            let mut n = test_notice(t, Lang::En);
            n.watch = "Lumio".into();
            n.severity = Severity::High;
            n.evidence.peak_observed = observed;
            n.evidence.observed = observed;
            n.evidence.expected = expected;
            n
        };
        let (_, md) = markdown(&notice(9, 0.1), Lang::En, chrono_tz::UTC, Markup::Markdown);
        assert!(md.contains("**9** / expected 0.1 (90.0×)"), "{md}");
        let (_, md) = markdown(&notice(1, 0.0), Lang::En, chrono_tz::UTC, Markup::Markdown);
        assert!(md.contains("**1** / expected 0 (no baseline yet)"), "{md}");
        assert!(!md.contains('×'), "{md}");
        let (_, md) = markdown(&notice(1, 0.0), Lang::Zh, chrono_tz::UTC, Markup::Markdown);
        assert!(md.contains("预期 0 (尚无基线)"), "{md}");
    }

    /// A Chinese channel's message has no English left in what earshot
    /// writes around the crawled text, and its times are in the channel's
    /// zone (#28).
    #[test]
    fn a_chinese_channel_reads_chinese_in_its_own_time_zone() {
        let t = DateTime::parse_from_rfc3339("2026-11-20T01:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let mut n = test_notice(t, Lang::Zh);
        n.watch = "云雀".into();
        n.severity = Severity::High;
        n.evidence.detector = crate::store::Detector::Seasonal;
        n.evidence.observed = 12;
        n.evidence.expected = 1.5;
        n.evidence.top_mentions = vec![crate::store::EvidenceMention {
            url: "https://bbs.example.cn/t/1".into(),
            site: "bbs.example.cn".into(),
            title: None,
            author: Some("小王".into()),
            published_at: Some(t),
            excerpt: "电池鼓包，售后不给保修".into(),
            copies: 3,
            sites: vec!["a.cn".into(), "b.cn".into()],
        }];
        let tz: chrono_tz::Tz = "Asia/Shanghai".parse().unwrap();
        let (title, md) = markdown(&n, Lang::Zh, tz, Markup::Markdown);
        assert_eq!(title, "【高风险】负面声量激增：云雀");
        assert!(
            md.contains("时间: 2026-11-20 09:00 – 10:00 Asia/Shanghai (+08:00)"),
            "{md}"
        );
        assert!(md.contains("同期基线（每周同一小时）"), "{md}");
        assert!(md.contains("（无标题）"), "{md}");
        assert!(md.contains("小王（3 份转载，2 个站点）"), "{md}");
        // Only crawled text, URLs, numbers and the zone's name are Latin.
        let latin: String = md
            .replace("Asia/Shanghai", "")
            .replace("https://bbs.example.cn/t/1", "")
            .replace("bbs.example.cn", "")
            .chars()
            .filter(|c| c.is_ascii_alphabetic())
            .collect();
        assert_eq!(latin, "", "{md}");
        // The same in English, in UTC.
        let (title, md) = markdown(&n, Lang::En, chrono_tz::UTC, Markup::Markdown);
        assert_eq!(title, "[high] Negative spike: 云雀");
        assert!(md.contains("Window: 2026-11-20 01:00 – 02:00 UTC"), "{md}");
        assert!(md.contains("seasonal (same hour of the week)"), "{md}");
        // The webhook's summary and the alert's one line, in Chinese.
        n.evidence.baseline_days = Some(28.0);
        n.evidence.p_value = Some(2.5e-7);
        let zh = summary_in(&n.watch, "stored", Some(&n.evidence), Lang::Zh, tz);
        assert_eq!(
            zh,
            "云雀：2026-11-20 09:00 – 10:00 Asia/Shanghai (+08:00) 负面提及 12 条，预期 1.5（8.0×）；同期基线（每周同一小时），28.0 天历史，p = 2.5e-7"
        );
        assert_eq!(
            summary_in(
                &n.watch,
                "stored",
                Some(&n.evidence),
                Lang::En,
                chrono_tz::UTC
            ),
            "stored"
        );
        assert_eq!(summary_in(&n.watch, "stored", None, Lang::Zh, tz), "stored");
        // A window across midnight names both dates.
        let w = window(t, t + chrono::Duration::hours(16), tz);
        assert_eq!(
            w,
            "2026-11-20 09:00 – 2026-11-21 01:00 Asia/Shanghai (+08:00)"
        );
    }
}
