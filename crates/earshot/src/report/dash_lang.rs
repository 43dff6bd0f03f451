//! The dashboard's fixed strings, one table per [`Language`] beside the
//! report's (`lang.rs`), and how a browser's `Accept-Language` and a
//! viewer's timezone pick the language and the clock. The serve layer
//! only picks; every word a person reads on the dashboard is here.

use chrono::{DateTime, Datelike, Timelike, Utc};
use chrono_tz::Tz;

use super::lang::Language;

/// The dashboard's fixed strings, one field per string.
#[derive(Debug)]
pub struct DashStrings {
    /// Page title.
    pub page_title: &'static str,
    /// Line under the heading.
    pub tagline: &'static str,
    /// "Signed in as" before the name.
    pub signed_in_as: &'static str,
    /// The admin role's name.
    pub admin: &'static str,
    /// The viewer role's name.
    pub viewer: &'static str,
    /// Crawl button.
    pub crawl_now: &'static str,
    /// Sign-out button.
    pub sign_out: &'static str,
    /// Notice when a crawl was already running.
    pub crawl_busy: &'static str,
    /// Filter: watch.
    pub watch: &'static str,
    /// Filter option: every watch.
    pub all_watches: &'static str,
    /// Filter: from.
    pub from: &'static str,
    /// Filter: to.
    pub to: &'static str,
    /// Placeholder of "to".
    pub now: &'static str,
    /// Filter: sentiment.
    pub sentiment: &'static str,
    /// Filter option: any sentiment.
    pub any: &'static str,
    /// Filter: site.
    pub site: &'static str,
    /// Filter: text.
    pub text: &'static str,
    /// Apply button.
    pub apply: &'static str,
    /// Before the export buttons.
    pub export: &'static str,
    /// Card: mentions in the period.
    pub mentions_in_period: &'static str,
    /// Card: negative.
    pub negative: &'static str,
    /// Card and heading: alerts.
    pub alerts: &'static str,
    /// Heading: timeline.
    pub timeline: &'static str,
    /// Empty state: no alerts.
    pub no_alerts: &'static str,
    /// Alerts column: opened.
    pub opened: &'static str,
    /// Alerts column: severity.
    pub severity: &'static str,
    /// Alerts column: state.
    pub state: &'static str,
    /// Alerts column: summary and evidence.
    pub summary_evidence: &'static str,
    /// Evidence toggle.
    pub evidence: &'static str,
    /// Confirmation before silencing.
    pub silence_confirm: &'static str,
    /// Silence button.
    pub silence: &'static str,
    /// Heading: mentions.
    pub mentions: &'static str,
    /// Empty state: no mentions.
    pub no_mentions: &'static str,
    /// After the count of mentions shown.
    pub shown: &'static str,
    /// When only part of the store was searched.
    pub partial: &'static str,
    /// Pager link when the search was partial.
    pub search_older: &'static str,
    /// Pager link.
    pub older: &'static str,
    /// Mentions column: time (the zone follows).
    pub time: &'static str,
    /// Mentions column: author.
    pub author: &'static str,
    /// Mentions column: mention.
    pub mention: &'static str,
    /// A mention without a title.
    pub untitled: &'static str,
    /// Sign-in page: title.
    pub sign_in_title: &'static str,
    /// Sign-in page: the line under the heading.
    pub sign_in_hint: &'static str,
    /// Sign-in page: token label.
    pub token: &'static str,
    /// Sign-in page: button.
    pub sign_in: &'static str,
    /// The language switch's label.
    pub language: &'static str,
    /// Sign-in refused: the token is not one of the configured ones.
    pub token_invalid: &'static str,
    /// Sign-in refused: the token is under 128 bits.
    pub token_weak: &'static str,
    /// Sign-in refused: a used or expired one-time link.
    pub link_expired: &'static str,
    /// The crawl status line while a crawl runs.
    pub crawl_running: &'static str,
}

const EN: DashStrings = DashStrings {
    page_title: "earshot dashboard",
    tagline: "Mentions, timelines and alerts",
    signed_in_as: "Signed in as",
    admin: "admin",
    viewer: "viewer",
    crawl_now: "Crawl now",
    sign_out: "Sign out",
    crawl_busy: "A crawl was already running, so no second one was started. ",
    watch: "Watch",
    all_watches: "All watches",
    from: "From",
    to: "To",
    now: "now",
    sentiment: "Sentiment",
    any: "Any",
    site: "Site",
    text: "Text",
    apply: "Apply",
    export: "Export: ",
    mentions_in_period: "Mentions in period",
    negative: "Negative",
    alerts: "Alerts",
    timeline: "Timeline by sentiment",
    no_alerts: "No alerts in this period.",
    opened: "Opened",
    severity: "Severity",
    state: "State",
    summary_evidence: "Summary and evidence",
    evidence: "Evidence",
    silence_confirm: "Silence this alert?",
    silence: "Silence",
    mentions: "Mentions",
    no_mentions: "No mentions match these filters.",
    shown: " shown",
    partial: " · searched part of the store so far",
    search_older: "Search older mentions →",
    older: "Older mentions →",
    time: "Time",
    author: "Author",
    mention: "Mention",
    untitled: "(untitled)",
    sign_in_title: "Sign in · earshot",
    sign_in_hint: "Sign in with your dashboard token.",
    token: "Token",
    sign_in: "Sign in",
    language: "Language",
    token_invalid: "That token is not valid.",
    token_weak: "That token is too weak to be accepted (earshot needs 128 bits of randomness): ask for a new one, made with `earshot token new`.",
    link_expired: "That sign-in link was used already or has expired. Sign in with your token.",
    crawl_running: "A crawl is running; this page refreshes until it ends.",
};

const ZH_CN: DashStrings = DashStrings {
    page_title: "earshot 舆情看板",
    tagline: "提及、时间线与预警",
    signed_in_as: "当前用户",
    admin: "管理员",
    viewer: "查看者",
    crawl_now: "立即抓取",
    sign_out: "退出登录",
    crawl_busy: "已有抓取正在进行，未再启动新的抓取。",
    watch: "监测项",
    all_watches: "全部监测项",
    from: "起始",
    to: "截止",
    now: "现在",
    sentiment: "情感",
    any: "全部",
    site: "站点",
    text: "文本",
    apply: "筛选",
    export: "导出：",
    mentions_in_period: "本期提及",
    negative: "负面",
    alerts: "预警",
    timeline: "情感时间线",
    no_alerts: "本期没有预警。",
    opened: "发生时间",
    severity: "级别",
    state: "状态",
    summary_evidence: "摘要与证据",
    evidence: "证据",
    silence_confirm: "确定静默这条预警吗？",
    silence: "静默",
    mentions: "提及",
    no_mentions: "没有符合筛选条件的提及。",
    shown: " 条",
    partial: " · 目前只搜索了部分数据",
    search_older: "继续搜索更早的提及 →",
    older: "更早的提及 →",
    time: "时间",
    author: "作者",
    mention: "提及内容",
    untitled: "（无标题）",
    sign_in_title: "登录 · earshot",
    sign_in_hint: "请使用看板令牌登录。",
    token: "令牌",
    sign_in: "登录",
    language: "语言",
    token_invalid: "该令牌无效。",
    token_weak: "该令牌强度不足，无法接受（earshot 需要 128 位随机性）：请申请一个用 `earshot token new` 生成的新令牌。",
    link_expired: "该登录链接已被使用或已过期，请使用令牌登录。",
    crawl_running: "抓取正在进行，本页面会持续刷新直到抓取结束。",
};

impl Language {
    /// The dashboard's fixed strings in this language.
    pub fn dash(self) -> &'static DashStrings {
        match self {
            Language::En => &EN,
            Language::ZhCn => &ZH_CN,
        }
    }

    /// The language a browser asks for in `Accept-Language`: the first
    /// range (by q-value, then order) that is Chinese (`zh`, `zh-CN`,
    /// `zh-Hans`, `zh-TW`, …) or English; English when neither is named.
    pub fn from_accept_language(header: &str) -> Language {
        let mut ranges: Vec<(f32, usize, &str)> = header
            .split(',')
            .enumerate()
            .filter_map(|(i, part)| {
                let mut it = part.split(';');
                let tag = it.next()?.trim();
                let q = it
                    .filter_map(|p| p.trim().strip_prefix("q="))
                    .find_map(|q| q.trim().parse::<f32>().ok())
                    .unwrap_or(1.0);
                (!tag.is_empty() && q > 0.0).then_some((q, i, tag))
            })
            .collect();
        ranges.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        for (_, _, tag) in ranges {
            let primary = tag.split(['-', '_']).next().unwrap_or("");
            if primary.eq_ignore_ascii_case("zh") {
                return Language::ZhCn;
            }
            if primary.eq_ignore_ascii_case("en") {
                return Language::En;
            }
        }
        Language::En
    }

    /// The sign-in throttle's message: try again in `minutes`.
    pub fn too_many_sign_ins(self, minutes: u64) -> String {
        match self {
            Language::En => format!(
                "Too many failed sign-ins from your address: try again in {minutes} minute(s)."
            ),
            Language::ZhCn => format!("您的地址登录失败次数过多，请在 {minutes} 分钟后重试。"),
        }
    }

    /// The line a finished dashboard crawl leaves: when (in `tz`), pages
    /// fetched, unchanged and failed, and new mentions; or its error.
    pub fn crawl_ended(self, at: DateTime<Utc>, tz: Tz, outcome: Result<[u64; 4], &str>) -> String {
        let at = at.with_timezone(&tz).format("%H:%M");
        let zone = tz.name();
        match (self, outcome) {
            (Language::En, Ok([fetched, unchanged, failed, new])) => format!(
                "The crawl finished at {at} {zone}: {fetched} pages fetched, {unchanged} unchanged, {failed} failed; {new} new mentions."
            ),
            (Language::ZhCn, Ok([fetched, unchanged, failed, new])) => format!(
                "抓取已于 {at}（{zone}）完成：抓取 {fetched} 个页面，{unchanged} 个未变化，{failed} 个失败；新增提及 {new} 条。"
            ),
            (Language::En, Err(e)) => format!("The crawl failed at {at} {zone}: {e}"),
            (Language::ZhCn, Err(e)) => format!("抓取于 {at}（{zone}）失败：{e}"),
        }
    }

    /// A date and time in `tz`: `2026-11-03 08:05` / `2026年11月3日 08:05`.
    pub fn datetime_in(self, t: DateTime<Utc>, tz: Tz) -> String {
        let t = t.with_timezone(&tz);
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

    /// A count as the dashboard shows it: `12,345` / `12,345`.
    pub fn number(self, n: u64) -> String {
        self.count(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_chinese_for_every_chinese_range() {
        for h in [
            "zh-CN",
            "zh",
            "zh-Hans-CN,en;q=0.8",
            "zh-TW",
            "en;q=0.5, zh-HK",
        ] {
            assert_eq!(Language::from_accept_language(h), Language::ZhCn, "{h}");
        }
        for h in ["", "en-US,zh;q=0.5", "fr-FR", "de, en", "zh;q=0"] {
            assert_eq!(Language::from_accept_language(h), Language::En, "{h}");
        }
    }

    #[test]
    fn datetimes_follow_the_zone_and_the_language() {
        let t = DateTime::parse_from_rfc3339("2026-11-03T00:05:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let sh: Tz = "Asia/Shanghai".parse().unwrap();
        assert_eq!(Language::ZhCn.datetime_in(t, sh), "2026年11月3日 08:05");
        assert_eq!(Language::En.datetime_in(t, Tz::UTC), "2026-11-03 00:05");
    }
}
