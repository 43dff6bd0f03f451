//! Chinese CMS and news meta lines, the line under a headline that DedeCMS,
//! PHPCMS, 帝国CMS, WordPress themes and portal templates print:
//! `来源：某某网 作者：张三 发布时间：2025-07-27 10:26 阅读：128`, in any order,
//! with `：`, `:`, `|`, spaces or full-width spaces between the fields. The
//! author and the date are taken from it (the line nearest the headline
//! wins over dates in sidebars and related lists) and it is kept out of the
//! post's text, as are reprint footers (`本文由…整理发布`, `转载请注明出处`).

use std::sync::OnceLock;

use chrono::{DateTime, FixedOffset};
use regex::Regex;
use scraper::{ElementRef, Html};

use super::{date, text};

/// What a meta line says.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MetaLine {
    /// `作者`, `记者` or `文`.
    pub author: Option<String>,
    /// `来源`: the outlet the text comes from.
    pub source: Option<String>,
    /// `发布时间`, `时间`, `日期`, or a date written without a key.
    pub published: Option<DateTime<FixedOffset>>,
}

fn keys() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| {
        Regex::new(
            r"(?i)(来源|來源|出处|出處|作\s*者|提问者|提問者|记者|記者|责任编辑|責任編輯|责编|編輯|编辑|文|发布时间|發布時間|发表时间|發表時間|发布日期|發布日期|更新时间|更新時間|时间|時間|日期|阅读|閱讀|浏览|瀏覽|点击|點擊|人气|人氣|评论|評論|字号|字號|source|author|posted|published|views)\s*[：:]\s*",
        )
        .expect("static regex")
    })
}

/// A reporter's byline without a colon, as Taiwan and Hong Kong portals
/// (and many mainland ones) print it: `記者林怡君／台北報導`,
/// `(记者 王小明/北京报道)`, `記者林怡君、陳建宏／綜合報導`.
fn reporter() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| {
        Regex::new(
            r"(?:记者|記者)\s*([^\s／/|｜：:()（）、,，]{2,10}?)(?:[、,，][^\s／/|｜：:()（）]{2,10}?)*\s*[／/]\s*[^\s／/]{0,8}?(?:报道|報導|报导|報道)",
        )
        .expect("static regex")
    })
}

/// The fields of `line` as (key, value) pairs, in order.
fn fields(line: &str) -> Vec<(String, String)> {
    let found: Vec<_> = keys().captures_iter(line).collect();
    let mut out = Vec::new();
    for (i, c) in found.iter().enumerate() {
        let (Some(whole), Some(key)) = (c.get(0), c.get(1)) else {
            continue;
        };
        let end = found
            .get(i + 1)
            .and_then(|n| n.get(0))
            .map_or(line.len(), |n| n.start());
        let value = line[whole.end()..end]
            .trim_matches(|c: char| c.is_whitespace() || "|｜/·•-—–".contains(c))
            .to_string();
        let key: String = key
            .as_str()
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        out.push((key.to_lowercase(), value));
    }
    out
}

/// True for a short line made of meta fields: two keys or more, or one key
/// and a date (`2025-07-27 10:26 来源：某某网`).
pub fn is_meta(line: &str, ctx: &date::Context) -> bool {
    if line.chars().count() > META_CHARS || line.contains('\n') {
        return false;
    }
    let f = fields(line);
    let distinct: std::collections::HashSet<&str> = f.iter().map(|(k, _)| k.as_str()).collect();
    // A lone `文：` is too common in prose to count.
    let keyed =
        distinct.iter().filter(|k| **k != "文").count() + usize::from(reporter().is_match(line));
    keyed >= 2 || (keyed == 1 && date::parse_absolute(line, ctx).is_some()) || {
        // A reporter's byline alone on its line.
        reporter()
            .find(line)
            .is_some_and(|m| squash_len(line) <= squash_len(m.as_str()) + 4)
    }
}

/// Reads a meta line.
pub fn read(line: &str, ctx: &date::Context) -> MetaLine {
    let mut out = MetaLine::default();
    for (key, value) in fields(line) {
        match key.as_str() {
            "作者" | "记者" | "記者" | "文" | "提问者" | "提問者" | "author"
                if out.author.is_none() =>
            {
                let name = value
                    .split(|c: char| c.is_whitespace() || c == '\u{3000}')
                    .next()
                    .unwrap_or("");
                // `作者：林小溪发表于2025-07-27`: the name ends at `发表于`.
                let name: String = [
                    "发表于",
                    "發表於",
                    "发布于",
                    "發佈於",
                    "發布於",
                    "发表",
                    "發表",
                ]
                .iter()
                .filter_map(|m| name.find(m))
                .min()
                .map_or(name, |i| &name[..i])
                .to_string();
                if !name.is_empty()
                    && name.chars().count() <= 30
                    && !["佚名", "未知", "匿名", "admin", "本站", "网络"].contains(&name.as_str())
                {
                    out.author = Some(name);
                }
            }
            "来源" | "來源" | "出处" | "出處" | "source" if out.source.is_none() => {
                let v = value.split_whitespace().next().unwrap_or("").to_string();
                if !v.is_empty() {
                    out.source = Some(v);
                }
            }
            _ => {}
        }
    }
    if out.author.is_none() {
        out.author = reporter()
            .captures(line)
            .and_then(|c| c.get(1))
            .map(|m| m.as_str().to_string());
    }
    out.published = date::parse_absolute(line, ctx);
    out
}

fn squash_len(s: &str) -> usize {
    s.chars()
        .filter(|c| c.is_alphanumeric() || super::is_cjk(*c))
        .count()
}

/// A line at an article's end that says when it was last updated
/// (`更新時間：2026/11/22 12:05`, `（最后更新：2026-11-22）`): not the text, and
/// not its publication date.
pub fn is_update_line(p: &str, ctx: &date::Context) -> bool {
    static R: OnceLock<Regex> = OnceLock::new();
    let r = R.get_or_init(|| {
        Regex::new(r"^[(（\[【]?\s*(?:更新时间|更新時間|最后更新|最後更新|最后修改|最後修改|修改时间|修改時間|更新日期|更新于|更新於)\s*[：:]?\s*")
            .expect("static regex")
    });
    // The rest is the date alone (a closing bracket aside).
    p.chars().count() <= 48
        && !p.contains('\n')
        && r.find(p).is_some_and(|m| {
            let rest = &p[m.end()..];
            rest.starts_with(|c: char| c.is_ascii_digit())
                && rest.chars().count() <= 24
                && date::parse_absolute(rest, ctx).is_some()
        })
}

/// A site's link bar (`关于我们 · 帮助 · 协议 · 隐私 · 联系我们 © 2026 某站`,
/// `Home | About | Contact | Privacy`): four parts or more, each a short
/// label, between `·`, `|` or `｜`.
pub fn is_link_bar(p: &str) -> bool {
    if p.contains('\n') || p.chars().count() > 120 {
        return false;
    }
    let parts: Vec<&str> = p
        .split(['·', '|', '｜'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    parts.len() >= 4
        && parts.iter().all(|s| {
            s.chars().count() <= 16 && !s.contains(['。', '，', '！', '？', ',', '.', '!', '?'])
        })
}

/// A Chinese blog post's trailer line: WordPress's `此条目发表在 X 分类目录。
/// 将固定链接加入收藏夹。`, a `标签：` line.
pub fn is_trailer(p: &str) -> bool {
    static R: OnceLock<Regex> = OnceLock::new();
    let r = R.get_or_init(|| {
        Regex::new(r"^(?:此条目(?:发表|发布)在|此文章(?:發表|發佈)於|标签\s*[：:]|標籤\s*[：:])|将固定链接加入收藏夹|將永久連結加入書籤")
            .expect("static regex")
    });
    p.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .all(|l| l.chars().count() <= 200 && r.is_match(l))
}

/// Elements of the body looked at for a meta line: it sits near the top.
const SCAN_ELEMENTS: usize = 5_000;
/// Characters of a meta line at most.
const META_CHARS: usize = 160;
/// Nodes read for one element's text: more, and it is no short block.
const TEXT_NODES: usize = 2_000;

/// The meta line of an article page: the first short block after the
/// headline (or, without one, anywhere in the page) whose text is a meta
/// line. Linear in the page: a bounded number of elements, each read to a
/// bounded depth (a page of 100,000 nested `div`s costs no more).
pub fn find(doc: &Html, title: Option<&str>, ctx: &date::Context) -> Option<MetaLine> {
    let squash = |s: &str| -> String { s.chars().filter(|c| !c.is_whitespace()).collect() };
    let title = title.map(squash).filter(|t| !t.is_empty());
    let title_chars = title.as_deref().map_or(0, |t| t.chars().count());
    let mut raw = String::new();
    let body = doc.select(&super::css("body")?).next()?;
    let mut past_title = title.is_none();
    // Each element's node count from one walk: an element over
    // TEXT_NODES is skipped without walking it, and a text is read only
    // until it is too long.
    let sizes = text::subtree_sizes(*body);
    for node in body.descendants().skip(1).take(SCAN_ELEMENTS) {
        let Some(el) = ElementRef::wrap(node) else {
            continue;
        };
        if matches!(
            el.value().name(),
            "script" | "style" | "a" | "li" | "option"
        ) {
            continue;
        }
        if sizes.get(&node.id()).copied().unwrap_or(0) > TEXT_NODES {
            continue;
        }
        // Text past what a meta line (after the headline, when it shares
        // the headline's element) can hold is not read: counted in
        // non-whitespace characters, a longer text is skipped below all the
        // same, and the headline is matched within what is read.
        let limit = META_CHARS + if past_title { 0 } else { title_chars };
        raw.clear();
        let (mut chars, mut long) = (0usize, false);
        for n in el.descendants() {
            if let Some(t) = n.value().as_text() {
                // Counted only until past the limit: a long text node
                // (a page's inline data) is not read to its end.
                chars += t
                    .chars()
                    .filter(|c| !c.is_whitespace())
                    .take(limit + 1 - chars.min(limit + 1))
                    .count();
                raw.push_str(t);
                long = chars > limit;
                if long {
                    break;
                }
            }
        }
        if long && past_title {
            continue;
        }
        if !past_title {
            // The headline's own element (its text is the title, maybe with
            // the meta line after it inside the same element). Matched on
            // the raw text: `after_prefix` passes over whitespace, so only
            // what follows the headline needs collapsing.
            if let Some(rest) = title.as_deref().and_then(|h| after_prefix(&raw, h)) {
                past_title = true;
                let rest = text::collapse(rest);
                if !rest.is_empty() && is_meta(&rest, ctx) {
                    return Some(read(&rest, ctx));
                }
            }
            continue;
        }
        // Every field of a meta line has its colon (`keys`), a reporter's
        // byline its slash: a text with neither is none.
        if !raw.contains([':', '：', '／', '/']) {
            continue;
        }
        let t = text::collapse(&raw);
        let t = t.trim();
        if t.is_empty() || t.chars().count() > META_CHARS {
            continue;
        }
        if is_meta(t, ctx) {
            return Some(read(t, ctx));
        }
    }
    None
}

/// What follows `prefix` in `t` when `t` starts with it, whitespace in `t`
/// aside (`prefix` has none).
fn after_prefix<'a>(t: &'a str, prefix: &str) -> Option<&'a str> {
    let mut want = prefix.chars().peekable();
    for (i, c) in t.char_indices() {
        if want.peek().is_none() {
            return Some(&t[i..]);
        }
        if c.is_whitespace() {
            continue;
        }
        if want.next() != Some(c) {
            return None;
        }
    }
    want.peek().is_none().then_some("")
}

/// A reprint or copyright footer: `本文由某某网整理发布`, `转载请注明出处`,
/// `原文链接：…`, `免责声明：…`.
pub fn is_footer(p: &str) -> bool {
    static R: OnceLock<Regex> = OnceLock::new();
    let r = R.get_or_init(|| {
        Regex::new(
            r"^\s*[(（【\[]?\s*(本文由.{1,40}(整理|编辑|编译|发布|原创)|本文(来源|來源|转载|轉載)(于|自|於)|转载请注明|轉載請註明|原文链接|原文鏈接|原文地址|免责声明|免責聲明|版权声明|版權聲明|版权归.{1,20}所有|声明[：:]\s*(本文|该文|該文)|反侵权公告|反侵權公告|原创版权|原創版權|转载申请|轉載申請|侵权必究|侵權必究)",
        )
        .expect("static regex")
    });
    p.chars().count() <= 300 && r.is_match(p)
}

/// Where a copyright notice that runs to the end of the text starts: a
/// footer paragraph among the last eight (`反侵权公告：`, `原创版权禁止商业转载`)
/// with at most 1,000 characters from it to the end, its clauses and
/// contact lines included.
pub fn footer_block_start(paras: &[&str]) -> Option<usize> {
    let from = paras.len().saturating_sub(8).max(1);
    let start = (from..paras.len()).find(|&i| is_footer(paras[i]))?;
    let tail: usize = paras[start..].iter().map(|p| p.chars().count()).sum();
    (tail <= 1_000).then_some(start)
}

/// A line that ends an article and is not its text: a reprint or copyright
/// footer, a blog's category trailer, an update-time line, a link bar.
pub(crate) fn is_end_line(p: &str, ctx: &date::Context) -> bool {
    is_footer(p) || is_trailer(p) || is_update_line(p, ctx) || is_link_bar(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> date::Context {
        date::test_context()
    }

    #[test]
    fn fields_in_any_order_and_separator() {
        for line in [
            "来源：数码前线 作者：林小溪 发布时间：2025-07-27 10:26 阅读：128",
            "发布时间: 2025-07-27 10:26 | 作者: 林小溪 | 来源: 数码前线 | 浏览: 128",
            "2025-07-27 10:26　来源：数码前线　作者：林小溪　点击：",
            "作者 : 林小溪 / 来源 : 数码前线 / 时间 : 2025年7月27日 10:26",
        ] {
            assert!(is_meta(line, &ctx()), "{line}");
            let m = read(line, &ctx());
            assert_eq!(m.author.as_deref(), Some("林小溪"), "{line}");
            assert_eq!(m.source.as_deref(), Some("数码前线"), "{line}");
            assert_eq!(
                m.published.map(|d| d.to_rfc3339()).as_deref(),
                Some("2025-07-27T10:26:00+08:00"),
                "{line}"
            );
        }
    }

    #[test]
    fn prose_is_not_a_meta_line() {
        for line in [
            "文：这款手机的续航表现在同价位中算是不错的。",
            "记者从云雀科技获悉，受影响的机器可以免费更换电池。",
            "2025年7月27日，云雀科技发布了新款平板电脑。",
        ] {
            assert!(!is_meta(line, &ctx()), "{line}");
        }
    }

    #[test]
    fn a_byline_with_other_fields_after_the_author() {
        let m = read("发表时间：2025-07-27 10:26 作者：林小溪 分类：平板", &ctx());
        assert_eq!(m.author.as_deref(), Some("林小溪"));
    }

    /// Chinese bylines: `作者：X 发表于 DATE`, with or without a space
    /// before `发表于`.
    #[test]
    fn an_author_then_posted_at_byline() {
        for line in [
            "作者：林小溪 发表于 2025-07-27 10:26",
            "作者：林小溪发表于2025-07-27 10:26",
            "作者: 林小溪　發表於 2025-07-27 10:26",
            "发表于 2025-07-27 10:26 | 作者：林小溪",
        ] {
            assert!(is_meta(line, &ctx()), "{line}");
            let m = read(line, &ctx());
            assert_eq!(m.author.as_deref(), Some("林小溪"), "{line}");
            assert_eq!(
                m.published.map(|d| d.to_rfc3339()).as_deref(),
                Some("2025-07-27T10:26:00+08:00"),
                "{line}"
            );
        }
    }

    #[test]
    fn reprint_footers() {
        assert!(is_footer("本文由数码前线整理发布，转载请注明出处。"));
        assert!(is_footer("（本文来源于网络，如有侵权请联系删除）"));
        assert!(is_footer("免责声明：本文仅代表作者个人观点。"));
        assert!(!is_footer("本文测试了云雀 X5 的续航，结论是电池发热严重。"));
    }

    /// `記者林怡君／台北報導` (no colon): the author, alone or beside the
    /// date; prose that names a reporter is no meta line.
    #[test]
    fn a_reporters_byline_without_a_colon() {
        let m = read("記者林怡君／台北報導 2026/11/22 08:30", &ctx());
        assert_eq!(m.author.as_deref(), Some("林怡君"));
        assert_eq!(
            m.published.map(|d| d.to_rfc3339()).as_deref(),
            Some("2026-11-22T08:30:00+08:00")
        );
        assert!(is_meta("記者林怡君／台北報導 2026/11/22 08:30", &ctx()));
        assert!(is_meta("（记者 王小明/北京报道）", &ctx()));
        assert_eq!(
            read("（记者 王小明/北京报道）", &ctx()).author.as_deref(),
            Some("王小明")
        );
        assert_eq!(
            read("記者林怡君、陳建宏／綜合報導", &ctx())
                .author
                .as_deref(),
            Some("林怡君")
        );
        assert!(!is_meta(
            "記者林怡君／台北報導，青禾科技今日證實部分平板在快充時溫度偏高，將於下週推送更新。",
            &ctx()
        ));
        assert!(!is_meta(
            "记者从云雀科技获悉，受影响的机器可以免费更换电池。",
            &ctx()
        ));
    }

    /// The end of an article: an update-time line, a WordPress-zh trailer,
    /// a site's link bar; sentences that mention these words stay.
    #[test]
    fn update_lines_trailers_and_link_bars() {
        assert!(is_update_line("更新時間：2026/11/22 12:05", &ctx()));
        assert!(is_update_line("（最后更新：2026-11-22）", &ctx()));
        assert!(!is_update_line("更新时间：未知", &ctx()));
        assert!(!is_update_line(
            "更新时间过长的问题，原厂说会在2026-11-30前解决。",
            &ctx()
        ));
        assert!(is_trailer(
            "此条目发表在 装备 分类目录。将固定链接加入收藏夹。"
        ));
        assert!(is_trailer("标签：平板, 支架"));
        assert!(!is_trailer("此条目疑似由大量爱好者内容组成。"));
        assert!(is_link_bar(
            "刘看山 · 知问指南 · 知问协议 · 知问隐私保护指引 · 应用 · 工作 · 联系我们 © 2026 知问"
        ));
        assert!(is_link_bar("Home | About | Contact | Privacy"));
        assert!(!is_link_bar(
            "屏幕 · 续航 · 扬声器，三样里我最在意续航，其次是屏幕。"
        ));
        assert!(!is_link_bar("A · B · C"));
    }

    #[test]
    fn a_copyright_notice_block_at_the_end_leaves_the_article() {
        let url = url::Url::parse("http://www.chengnanxw.test/shehui/2026/1121/5521.html").unwrap();
        let html = include_str!("../../../../tests/fixtures/extract/news-copyright-notice-zh.html");
        let e = crate::extract::extract(
            &url,
            html,
            None,
            chrono_tz::Asia::Shanghai,
            chrono::Utc::now(),
        )
        .unwrap();
        let text = &e.posts[0].text;
        assert!(text.contains("试点三个月后"), "{text}");
        assert!(text.ends_with("（城南新闻网编辑 陶一凡）"), "{text}");
        for notice in [
            "反侵权公告",
            "依法追究侵权责任",
            "版权合作",
            "原创版权禁止商业转载",
        ] {
            assert!(!text.contains(notice), "{notice}: {text}");
        }
        // Its clauses are cut only with the heading: alone, a numbered line
        // or a contact line is no footer.
        assert!(!is_footer(
            "二、对侵犯本网站著作权益的行为，本网站将依法追究侵权责任；"
        ));
        assert_eq!(
            footer_block_start(&["正文。", "反侵权公告：", "一、……"]),
            Some(1)
        );
        assert_eq!(footer_block_start(&["反侵权公告：", "一、……"]), None);
    }
}
