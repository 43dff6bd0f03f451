//! The report's language: one table of fixed strings per language (the
//! headings, column names and period words every format shows) and the
//! way dates and numbers are written in it. HTML, XLSX and PDF read the
//! same table.

use chrono::{DateTime, Datelike, Timelike, Utc};
use serde::{Deserialize, Serialize};

use crate::store::{AlertState, Severity};

/// The language a report is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Language {
    /// English.
    #[default]
    #[serde(rename = "en")]
    En,
    /// Simplified Chinese.
    #[serde(rename = "zh-CN", alias = "zh", alias = "zh-cn", alias = "zh-Hans")]
    ZhCn,
}

impl Language {
    /// The BCP 47 tag (`en`, `zh-CN`).
    pub fn tag(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::ZhCn => "zh-CN",
        }
    }

    /// The fixed strings in this language.
    pub fn strings(self) -> &'static Strings {
        match self {
            Language::En => &EN,
            Language::ZhCn => &ZH_CN,
        }
    }

    /// A date and time in UTC: `2026-11-03 08:00` / `2026年11月3日 08:00`.
    pub fn datetime(self, t: DateTime<Utc>) -> String {
        match self {
            Language::En => t.format("%Y-%m-%d %H:%M").to_string(),
            Language::ZhCn => format!(
                "{}年{}月{}日 {:02}:{:02}",
                t.year(),
                t.month(),
                t.day(),
                t.hour(),
                t.minute()
            ),
        }
    }

    /// A date: `2026-11-03` / `2026年11月3日`.
    pub fn date(self, t: DateTime<Utc>) -> String {
        match self {
            Language::En => t.format("%Y-%m-%d").to_string(),
            Language::ZhCn => format!("{}年{}月{}日", t.year(), t.month(), t.day()),
        }
    }

    /// A chart's bucket label: `11-03` (`11-03 08:00` by the hour) /
    /// `11月3日` (`3日 08时`).
    pub fn bucket(self, t: DateTime<Utc>, hourly: bool) -> String {
        match (self, hourly) {
            (Language::En, false) => t.format("%m-%d").to_string(),
            (Language::En, true) => t.format("%m-%d %H:00").to_string(),
            (Language::ZhCn, false) => format!("{}月{}日", t.month(), t.day()),
            (Language::ZhCn, true) => format!("{}日 {:02}时", t.day(), t.hour()),
        }
    }

    /// The period `[from, to)` as its first and last minute, in UTC.
    pub fn period(self, from: DateTime<Utc>, to: DateTime<Utc>) -> String {
        let last = (to - chrono::Duration::seconds(1)).max(from);
        match self {
            Language::En => format!("{} – {} (UTC)", self.datetime(from), self.datetime(last)),
            Language::ZhCn => format!("{} 至 {}（UTC）", self.datetime(from), self.datetime(last)),
        }
    }

    /// A count with thousands separators: `12,345` (both languages write
    /// it so in reports).
    pub fn count(self, n: u64) -> String {
        let digits = n.to_string();
        let mut out = String::with_capacity(digits.len() + digits.len() / 3);
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(c);
        }
        out
    }

    /// A share as a whole percentage, `–` when there is none.
    pub fn percent(self, x: Option<f64>) -> String {
        x.map(|v| format!("{:.0}%", v * 100.0))
            .unwrap_or_else(|| "–".into())
    }

    /// A sentiment label (`negative`, `neutral`, `positive`, `unscored`)
    /// in this language.
    pub fn label(self, label: &str) -> &'static str {
        let s = self.strings();
        match label {
            "negative" => s.negative,
            "neutral" => s.neutral,
            "positive" => s.positive,
            _ => s.unscored,
        }
    }

    /// An alert's severity in this language.
    pub fn severity(self, sev: Severity) -> &'static str {
        match (self, sev) {
            (Language::En, s) => s.as_str(),
            (Language::ZhCn, Severity::High) => "高",
            (Language::ZhCn, Severity::Medium) => "中",
            (Language::ZhCn, Severity::Low) => "低",
        }
    }

    /// An alert's one-line summary in this language, its times in `tz`
    /// ([`crate::alert::channel::summary_in`]).
    pub fn alert_summary(self, a: &crate::store::Alert, tz: chrono_tz::Tz) -> String {
        let lang = match self {
            Language::En => crate::alert::channel::Lang::En,
            Language::ZhCn => crate::alert::channel::Lang::Zh,
        };
        crate::alert::channel::summary_in(&a.watch, &a.summary, a.evidence.as_ref(), lang, tz)
    }

    /// An alert's state in this language.
    pub fn state(self, state: AlertState) -> &'static str {
        match (self, state) {
            (Language::En, s) => s.as_str(),
            (Language::ZhCn, AlertState::Open) => "未处理",
            (Language::ZhCn, AlertState::Silenced) => "已静默",
            (Language::ZhCn, AlertState::Resolved) => "已解决",
        }
    }

    /// "Page 2 of 5" / "第 2 页，共 5 页".
    pub fn page_of(self, page: usize, pages: usize) -> String {
        match self {
            Language::En => format!("Page {page} of {pages}"),
            Language::ZhCn => format!("第 {page} 页，共 {pages} 页"),
        }
    }

    /// "generated 2026-11-30 08:00 UTC by earshot".
    pub fn generated(self, t: DateTime<Utc>) -> String {
        match self {
            Language::En => format!("generated {} UTC by earshot", self.datetime(t)),
            Language::ZhCn => format!("earshot 生成于 {}（UTC）", self.datetime(t)),
        }
    }

    /// The footer: how many mentions the period holds, spam included.
    pub fn mentions_in_period(self, n: usize) -> String {
        match self {
            Language::En => format!("{} mentions in the period, spam included · earshot", n),
            Language::ZhCn => format!("本期共 {} 条提及（含垃圾信息）· earshot", n),
        }
    }
}

impl std::str::FromStr for Language {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "en" | "en-us" | "en-gb" | "english" => Ok(Language::En),
            "zh-cn" | "zh" | "zh-hans" | "zh_cn" | "chinese" => Ok(Language::ZhCn),
            _ => Err(format!("`{s}` is not a report language; use en or zh-CN")),
        }
    }
}

impl std::fmt::Display for Language {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.tag())
    }
}

/// The fixed strings of a report, one field per string.
#[derive(Debug)]
pub struct Strings {
    /// Title before the watch names: "Mentions report: ".
    pub title: &'static str,
    /// Summary card / column: mentions.
    pub mentions: &'static str,
    /// Summary card: share of the scored mentions that are negative.
    pub negative_share: &'static str,
    /// Sentiment: negative.
    pub negative: &'static str,
    /// Sentiment: neutral.
    pub neutral: &'static str,
    /// Sentiment: positive.
    pub positive: &'static str,
    /// Sentiment: none yet.
    pub unscored: &'static str,
    /// Summary card / section: alerts.
    pub alerts: &'static str,
    /// Summary card: spam filtered out.
    pub spam_filtered: &'static str,
    /// Section: the timeline chart.
    pub timeline: &'static str,
    /// Note on the timeline when alerts are marked.
    pub alert_lines: &'static str,
    /// Legend entry of an alert line.
    pub alert: &'static str,
    /// Section: share of voice.
    pub share_of_voice: &'static str,
    /// Column: the watch.
    pub watch: &'static str,
    /// Column: share of voice.
    pub share: &'static str,
    /// Section: top sites.
    pub top_sites: &'static str,
    /// Section: top negative stories.
    pub top_negative: &'static str,
    /// Note on syndicated copies.
    pub copies_once: &'static str,
    /// Column: story.
    pub story: &'static str,
    /// Column: sites.
    pub sites: &'static str,
    /// Column: score.
    pub score: &'static str,
    /// Column: when an alert opened.
    pub opened: &'static str,
    /// Column: severity.
    pub severity: &'static str,
    /// Column: state.
    pub state: &'static str,
    /// Column: summary.
    pub summary: &'static str,
    /// Section: example mentions.
    pub examples: &'static str,
    /// Column: time.
    pub time: &'static str,
    /// Column: site.
    pub site: &'static str,
    /// Column: author.
    pub author: &'static str,
    /// Column: the mention (title and excerpt).
    pub mention: &'static str,
    /// Column: sentiment.
    pub sentiment: &'static str,
    /// A mention without a title.
    pub untitled: &'static str,
    /// Empty section: no mentions.
    pub no_mentions: &'static str,
    /// Empty section: no negative mentions.
    pub no_negative: &'static str,
    /// Empty section: no alerts.
    pub no_alerts: &'static str,
    /// Before the filter's description.
    pub only_with: &'static str,
    /// XLSX: sheet of mentions.
    pub sheet_mentions: &'static str,
    /// XLSX: sheet of days.
    pub sheet_daily: &'static str,
    /// XLSX: sheet of watches.
    pub sheet_watches: &'static str,
    /// XLSX: sheet of alerts.
    pub sheet_alerts: &'static str,
    /// XLSX column: time in UTC.
    pub time_utc: &'static str,
    /// XLSX column: title.
    pub col_title: &'static str,
    /// XLSX column: excerpt.
    pub excerpt: &'static str,
    /// XLSX column: rating.
    pub rating: &'static str,
    /// XLSX column: best rating.
    pub best_rating: &'static str,
    /// XLSX column: cluster id.
    pub cluster_id: &'static str,
    /// XLSX column: cluster size.
    pub cluster_size: &'static str,
    /// XLSX column: spam reason.
    pub spam: &'static str,
    /// XLSX column: URL.
    pub url: &'static str,
    /// XLSX column: mention id.
    pub mention_id: &'static str,
    /// XLSX column: date.
    pub date: &'static str,
    /// XLSX column: total.
    pub total: &'static str,
    /// XLSX chart title: mentions per day by sentiment.
    pub per_day_chart: &'static str,
    /// XLSX column: opened, UTC.
    pub opened_utc: &'static str,
    /// XLSX column: updated, UTC.
    pub updated_utc: &'static str,
    /// XLSX column: evidence.
    pub evidence: &'static str,
}

/// English.
pub static EN: Strings = Strings {
    title: "Mentions report: ",
    mentions: "Mentions",
    negative_share: "Negative share",
    negative: "negative",
    neutral: "neutral",
    positive: "positive",
    unscored: "unscored",
    alerts: "Alerts",
    spam_filtered: "Spam filtered",
    timeline: "Timeline by sentiment",
    alert_lines: " · red lines mark alerts",
    alert: "alert",
    share_of_voice: "Share of voice",
    watch: "Watch",
    share: "Share",
    top_sites: "Top sites",
    top_negative: "Top negative stories",
    copies_once: " · copies of one story on several sites are counted once",
    story: "Story",
    sites: "Sites",
    score: "Score",
    opened: "Opened",
    severity: "Severity",
    state: "State",
    summary: "Summary",
    examples: "Example mentions",
    time: "Time",
    site: "Site",
    author: "Author",
    mention: "Mention",
    sentiment: "Sentiment",
    untitled: "(untitled)",
    no_mentions: "No mentions in this period.",
    no_negative: "No negative mentions in this period.",
    no_alerts: "No alerts in this period.",
    only_with: "Only mentions with ",
    sheet_mentions: "Mentions",
    sheet_daily: "Daily",
    sheet_watches: "Watches",
    sheet_alerts: "Alerts",
    time_utc: "Time (UTC)",
    col_title: "Title",
    excerpt: "Excerpt",
    rating: "Rating",
    best_rating: "Best rating",
    cluster_id: "Cluster id",
    cluster_size: "Cluster size",
    spam: "Spam",
    url: "URL",
    mention_id: "Mention id",
    date: "Date",
    total: "Total",
    per_day_chart: "Mentions per day by sentiment",
    opened_utc: "Opened (UTC)",
    updated_utc: "Updated (UTC)",
    evidence: "Evidence",
};

/// Simplified Chinese.
pub static ZH_CN: Strings = Strings {
    title: "舆情报告：",
    mentions: "提及量",
    negative_share: "负面占比",
    negative: "负面",
    neutral: "中性",
    positive: "正面",
    unscored: "未评分",
    alerts: "预警",
    spam_filtered: "已过滤垃圾信息",
    timeline: "情感走势",
    alert_lines: " · 红线标出预警",
    alert: "预警",
    share_of_voice: "声量占比",
    watch: "监测对象",
    share: "占比",
    top_sites: "主要站点",
    top_negative: "负面报道",
    copies_once: " · 同一报道在多个站点的转载只计一次",
    story: "报道",
    sites: "站点",
    score: "得分",
    opened: "触发时间",
    severity: "级别",
    state: "状态",
    summary: "摘要",
    examples: "示例提及",
    time: "时间",
    site: "站点",
    author: "作者",
    mention: "提及内容",
    sentiment: "情感",
    untitled: "（无标题）",
    no_mentions: "本期没有提及。",
    no_negative: "本期没有负面提及。",
    no_alerts: "本期没有预警。",
    only_with: "仅含以下提及：",
    sheet_mentions: "提及",
    sheet_daily: "每日",
    sheet_watches: "监测对象",
    sheet_alerts: "预警",
    time_utc: "时间（UTC）",
    col_title: "标题",
    excerpt: "摘录",
    rating: "评分",
    best_rating: "满分",
    cluster_id: "转载组编号",
    cluster_size: "转载组大小",
    spam: "垃圾信息",
    url: "链接",
    mention_id: "提及编号",
    date: "日期",
    total: "合计",
    per_day_chart: "每日提及量（按情感）",
    opened_utc: "触发时间（UTC）",
    updated_utc: "更新时间（UTC）",
    evidence: "依据",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_parse_print_and_format() {
        assert_eq!("zh-CN".parse::<Language>().unwrap(), Language::ZhCn);
        assert_eq!("zh".parse::<Language>().unwrap(), Language::ZhCn);
        assert_eq!("EN".parse::<Language>().unwrap(), Language::En);
        assert!("fr"
            .parse::<Language>()
            .unwrap_err()
            .contains("en or zh-CN"));
        assert_eq!(Language::ZhCn.to_string(), "zh-CN");
        let t = DateTime::parse_from_rfc3339("2026-11-03T08:05:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(Language::En.datetime(t), "2026-11-03 08:05");
        assert_eq!(Language::ZhCn.datetime(t), "2026年11月3日 08:05");
        assert_eq!(Language::ZhCn.bucket(t, false), "11月3日");
        assert_eq!(Language::En.count(1234567), "1,234,567");
        assert_eq!(Language::En.count(999), "999");
        assert_eq!(Language::ZhCn.page_of(2, 5), "第 2 页，共 5 页");
        assert_eq!(Language::ZhCn.label("negative"), "负面");
        let cfg: std::collections::HashMap<String, Language> =
            toml::from_str("a = \"zh-CN\"\nb = \"en\"").unwrap();
        assert_eq!(cfg["a"], Language::ZhCn);
    }
}
