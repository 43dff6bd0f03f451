//! The article extractor used when no profile claims a page: finds the
//! element a reader would call the article (most paragraph text, least
//! link text) and keeps its paragraphs.

use scraper::Html;
use url::Url;

use super::byline::{self, Byline};
use super::index_page::{self, Verdict};
use super::meta_line::{self, MetaLine};
use super::readable;
use super::title::title;
use super::{date, select_first, text, Extracted, PageKind, Post};

/// Lines that carry the date of the visit, not of the article
/// (`今天是：2026年11月23日` in a portal's header).
fn is_todays_date(s: &str) -> bool {
    let l = s.to_lowercase();
    ["今天是", "今天：", "今日：", "today is"]
        .iter()
        .any(|k| l.contains(k))
}

fn published(
    doc: &Html,
    title: Option<&str>,
    meta: Option<&MetaLine>,
    byline: Option<&Byline>,
    ctx: &date::Context,
) -> Option<chrono::DateTime<chrono::FixedOffset>> {
    // Dates the page states for machines first, then the meta line under
    // the headline, the post's byline (`Posted by … on …`) and the first
    // date after the headline; classes like `.date` last,
    // since sidebars and related-article lists use them too.
    const STATED: &[&str] = &[
        "meta[property='article:published_time']@content",
        "meta[itemprop=datePublished]@content",
        "[itemprop=datePublished]@datetime",
        "time[datetime]@datetime",
    ];
    const CLASSES: &[&str] = &[".date", ".time"];
    let by_selectors = |selectors: &[&str]| {
        if !any_match(doc, selectors) {
            return None;
        }
        for s in selectors {
            let (css_text, attr) = super::split_attr(s);
            let Some(sel) = super::css(css_text) else {
                continue;
            };
            for el in doc.select(&sel) {
                let v = match attr {
                    Some(a) => el.value().attr(a).map(str::to_string),
                    None => Some(text::collapse(&el.text().collect::<String>())),
                };
                let Some(v) = v.filter(|v| !v.trim().is_empty() && !is_todays_date(v)) else {
                    continue;
                };
                if let Some(d) = date::parse(v.trim(), ctx) {
                    return Some(d);
                }
            }
        }
        None
    };
    by_selectors(STATED)
        .or_else(|| meta.and_then(|m| m.published))
        .or_else(|| byline.map(|b| b.published))
        .or_else(|| date_after_title(doc, title, ctx))
        .or_else(|| by_selectors(CLASSES))
}

/// News templates often print the date in a line under (or inside) the headline
/// (`2026-11-21 09:47 来源：…`): the first absolute date in the text that
/// follows the headline (the page's title found in its body text).
fn date_after_title(
    doc: &Html,
    title: Option<&str>,
    ctx: &date::Context,
) -> Option<chrono::DateTime<chrono::FixedOffset>> {
    // The page's title as `title` finds it (computed once, by the caller).
    let title = title?.trim();
    let body = super::css("body").expect("static selector");
    let body = doc.select(&body).next()?;
    // The body's text collapsed (`text::collapse`) as it is read, up to
    // the window after the headline's first occurrence: the rest of the
    // page is neither copied nor collapsed.
    let want = title.chars().count() + 300;
    let mut all = String::new();
    let (mut gap, mut at) = (false, title.is_empty().then_some(0));
    // The headline's searcher, built once for every text node.
    let finder = memchr::memmem::Finder::new(title.as_bytes());
    for t in body.text() {
        for c in t.chars() {
            if c.is_whitespace() {
                gap = !all.is_empty();
                continue;
            }
            if gap {
                all.push(' ');
                gap = false;
            }
            all.push(c);
        }
        if at.is_none() {
            // The headline may end in this text: search from where it
            // could have started.
            let mut from = all.len().saturating_sub(title.len() + t.len() + 1);
            while !all.is_char_boundary(from) {
                from -= 1;
            }
            at = finder.find(&all.as_bytes()[from..]).map(|i| from + i);
        }
        if at.is_some_and(|a| all[a..].chars().count() >= want) {
            break;
        }
    }
    let at = at?;
    let window: String = all[at..].chars().take(want).collect();
    date::parse_absolute(&window, ctx)
}

/// True when an element matches one of `selectors` (`css@attr` or
/// `css`): one pass over the page for a list of selectors that usually all
/// miss, instead of one pass for each.
fn any_match(doc: &Html, selectors: &[&str]) -> bool {
    let list: Vec<&str> = selectors.iter().map(|s| super::split_attr(s).0).collect();
    match super::css(&list.join(", ")) {
        Some(sel) => doc.select(&sel).next().is_some(),
        // A list that does not parse: each selector is tried on its own.
        None => true,
    }
}

/// The byline's name: `记者 李晓萌` → `李晓萌`, `By Jane Doe` → `Jane Doe`;
/// placeholders (`佚名`, `未知`, `admin`) are no author; a date after it
/// (`By Jane Doe, Nov 19, 2026`) is cut off and given as a byline.
fn author(doc: &Html, ctx: &date::Context) -> Option<(String, Option<Byline>)> {
    const SELECTORS: &[&str] = &[
        "meta[name=author]@content",
        "meta[property='article:author']@content",
        "[rel=author]",
        "[itemprop=author] [itemprop=name]",
        ".author",
        ".byline",
    ];
    if !any_match(doc, SELECTORS) {
        return None;
    }
    for s in SELECTORS {
        let Some(v) = select_first(doc.root_element(), &[(*s).to_string()]) else {
            continue;
        };
        if v.starts_with("http://") || v.starts_with("https://") {
            continue;
        }
        let (v, when) = byline::split_date(&v, ctx).map_or((v, None), |(n, d)| (n, Some(d)));
        if let Some(name) = clean_byline(&v) {
            return Some((name, when.map(Byline::dated)));
        }
    }
    None
}

fn clean_byline(v: &str) -> Option<String> {
    static PREFIX: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let prefix = PREFIX.get_or_init(|| {
        regex::Regex::new(r"(?i)^\s*(?:(?:本报|本站)?记者|作者|文|编辑|责任编辑|責任編輯|撰文|by|posted by|written by)\s*[:：/|]?\s*")
            .expect("static regex")
    });
    let name = prefix.replace(v.trim(), "");
    let name = name.trim().trim_end_matches(['|', '/', '·']).trim();
    if name.is_empty()
        || name.chars().count() > 60
        || ["佚名", "未知", "匿名", "admin", "unknown", "anonymous"]
            .iter()
            .any(|p| name.eq_ignore_ascii_case(p))
    {
        return None;
    }
    Some(name.to_string())
}

/// Extracts the main text of an article page.
pub fn extract(url: &Url, doc: &Html, ctx: &date::Context) -> Extracted {
    let title = title(doc);
    let mut body = readable::main_text(doc);
    match index_page::judge(doc, &body) {
        Verdict::Article => {}
        // An index page: its "text" is a list of headlines.
        Verdict::Index => body.clear(),
        Verdict::ArticleThenList(end) => body.truncate(end),
    }
    // A byline line (`Posted by NAME on DATE`) at the top, taken before
    // `tidy_body` drops date lines there; one at the end (the entry's
    // footer) after the flat comments, which end at it, are cut.
    let (body, top) = byline::take_first(&body, ctx);
    let body = tidy_body(&body, title.as_deref(), ctx);
    let (body, comments) = super::flat_comments::cut(&body);
    let (body, section) = super::tail_section::cut(&body);
    let (body, end_matter) = super::tail_section::cut_end_matter(&body);
    let (body, end) = byline::take_last(&body, ctx, is_post_trailer);
    let (by_el, el_date) = author(doc, ctx).unzip();
    let byline = top.or(end).or(el_date.flatten());
    let meta = meta_line::find(doc, title.as_deref(), ctx);
    let posts = if body.is_empty() {
        Vec::new()
    } else {
        vec![Post {
            removed: comments
                .into_iter()
                .chain(section)
                .chain(end_matter)
                .collect(),
            author: by_el
                .or_else(|| meta.as_ref().and_then(|m| m.author.clone()))
                .or_else(|| byline.as_ref().and_then(|b| b.author.clone())),
            published_at: published(doc, title.as_deref(), meta.as_ref(), byline.as_ref(), ctx),
            text: body,
            quote: None,
            floor: Some(1),
            ..Default::default()
        }]
    };
    Extracted {
        url: url.to_string(),
        profile: "generic".into(),
        kind: PageKind::Article,
        title,
        lang: None,
        charset: None,
        posts,
        links: Vec::new(),
        anchors: Vec::new(),
        ..Default::default()
    }
}

/// What a reader would not call the article's text, though it sits inside
/// the article's element: the headline and the date/source line under it at
/// the top (the title is kept in `Extracted.title`, the date in
/// `published_at`), and a summary paragraph that the next paragraph repeats.
fn tidy_body(body: &str, title: Option<&str>, ctx: &date::Context) -> String {
    let mut paras: Vec<&str> = body
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    super::entry_nav::drop(&mut paras);
    let squash = |s: &str| -> String { s.chars().filter(|c| !c.is_whitespace()).collect() };
    let title = title.map(squash).unwrap_or_default();
    let mut lead = 0;
    while lead < paras.len().min(3) && paras.len() - lead > 1 {
        let p = paras[lead];
        // The headline, the meta line, or both in one block (a date line
        // after a `<br>` inside the headline).
        let heading_or_meta = p.lines().map(str::trim).filter(|l| !l.is_empty()).all(|l| {
            (!title.is_empty() && squash(l) == title)
                || is_meta_line(l, ctx)
                || meta_line::is_meta(l, ctx)
        });
        if heading_or_meta {
            lead += 1;
        } else {
            break;
        }
    }
    paras.drain(..lead);
    // Reprint and copyright footers at the end, and a blog post's trailer
    // (tags, categories, the "You can leave a response" lines).
    while paras.len() > 1
        && paras
            .last()
            .is_some_and(|p| is_post_trailer(p) || meta_line::is_end_line(p, ctx))
    {
        paras.pop();
    }
    if let Some(start) = meta_line::footer_block_start(&paras) {
        paras.truncate(start);
    }
    // A block the page shows twice (a content farm's best answer that the
    // answer list repeats, a comment quoted whole) keeps its first copy,
    // by letters and digits only. Where repeats are most of the text (the
    // whole article printed twice) the page is left as it is: the
    // development set's references keep those, and de-duplicating them
    // cost F1 there (README, "Extraction").
    let key = |p: &str| -> String { p.chars().filter(|c| c.is_alphanumeric()).collect() };
    let mut seen = std::collections::HashSet::new();
    let mut again = vec![false; paras.len()];
    let (mut dup_chars, mut all_chars) = (0usize, 0usize);
    for (i, p) in paras.iter().enumerate() {
        let k = key(p);
        let n = k.chars().count();
        all_chars += n;
        if n >= 12 && !seen.insert(k) {
            again[i] = true;
            dup_chars += n;
        }
    }
    if dup_chars * 10 > all_chars * 4 {
        again.iter_mut().for_each(|a| *a = false);
    }
    let mut out: Vec<&str> = Vec::with_capacity(paras.len());
    for (i, p) in paras.iter().enumerate() {
        let stem = p.trim_end_matches(|c: char| !c.is_alphanumeric());
        let repeated = paras.get(i + 1).is_some_and(|next| {
            stem.chars().count() >= 20
                && next.len() > stem.len()
                && next.starts_with(stem)
                && key(next) != key(p)
        });
        if !repeated && !again[i] {
            out.push(p);
        }
    }
    out.join("\n\n")
}

/// Every line of `p` is a blog post's trailer: its tags or categories
/// (`Tags: a, b`, `Filed under: …`, `Posted in: …`) or the lines blog
/// engines print after a post (`You can leave a response, or trackback …`).
fn is_post_trailer(p: &str) -> bool {
    static R: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let r = R.get_or_init(|| {
        regex::Regex::new(
            r"(?i)^(?:(?:tags?|tagged(?: with)?|filed (?:under|in)|categor(?:y|ies)|posted in|labels?|topics?|keywords?)\s*[:：]|you can (?:leave a response|follow any responses|skip to the end)|(?:both )?comments and pings are|(?:comments|responses) are currently closed|this entry was posted)",
        )
        .expect("static regex")
    });
    p.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .all(|l| l.chars().count() <= 200 && r.is_match(l))
}

/// A short line under a headline with the date and the source, author or
/// counters: `2026-11-22 13:05:41 来源：极速科技 评论：0 点击：`.
fn is_meta_line(p: &str, ctx: &date::Context) -> bool {
    static CUES: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let cues = CUES.get_or_init(|| {
        regex::Regex::new(
            r"(?i)来源|來源|作者|编辑|編輯|责编|點擊|点击|阅读|閱讀|评论|評論|发布|發布|时间|時間|\bby\b|\bposted\b|\bupdated\b|\bpublished\b",
        )
        .expect("static regex")
    });
    p.chars().count() <= 120
        && !p.contains('\n')
        && cues.is_match(p)
        && date::parse_absolute(p, ctx).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bylines_lose_their_prefix_and_placeholders_are_no_author() {
        for (raw, want) in [
            ("记者 李晓萌", Some("李晓萌")),
            ("本报记者：王强", Some("王强")),
            ("作者: 张三 |", Some("张三")),
            ("By Jane Doe", Some("Jane Doe")),
            ("佚名", None),
            ("作者：未知", None),
            ("admin", None),
            ("", None),
        ] {
            assert_eq!(clean_byline(raw).as_deref(), want, "{raw}");
        }
    }

    /// `<p class="byline">By NAME, DATE</p>` (`|`, ` on `, ` - `): the name
    /// alone, the date when the page states none.
    #[test]
    fn a_byline_element_with_a_date_gives_the_name_and_the_date() {
        let para = "The earbuds held their charge through a week of commuting. ".repeat(6);
        let url = Url::parse("https://news.test/a").expect("url");
        for (line, head, day) in [
            ("By Jane Doe, Nov 19, 2026", "", "2026-11-19"),
            ("By Jane Doe | Nov 19, 2026", "", "2026-11-19"),
            ("By Jane Doe on Nov 19, 2026", "", "2026-11-19"),
            ("By Jane Doe - November 19, 2026", "", "2026-11-19"),
            (
                "By Jane Doe, Nov 19, 2026",
                "<meta property=\"article:published_time\" content=\"2026-11-18T08:00:00Z\">",
                "2026-11-18",
            ),
        ] {
            let html = format!("<html><head>{head}</head><body><p class=\"byline\">{line}</p><article><h1>Review</h1><p>{para}</p><p>{para}</p></article></body></html>");
            let e = extract(&url, &Html::parse_document(&html), &date::test_context());
            let when = e.posts[0].published_at.map(|d| d.date_naive().to_string());
            assert_eq!(e.posts[0].author.as_deref(), Some("Jane Doe"), "{line}");
            assert_eq!(when.as_deref(), Some(day), "{line}");
        }
    }

    /// The date line after the headline, with the headline split over
    /// text nodes and whitespace, and a later date in the page that is not
    /// the article's: only the text after the headline's first occurrence
    /// counts, and only the first 300 characters after it.
    #[test]
    fn the_date_after_the_headline_is_read_from_the_text_that_follows_it() {
        let ctx = date::Context {
            tz: chrono_tz::Asia::Shanghai,
            now: chrono::Utc::now(),
        };
        let doc = Html::parse_document(
            "<html><body><div class=\"nav\">首页 2026-01-01 更新</div>\
             <div><b>云雀平板</b>\n  被曝<i>漏光</i></div><div>\n2026-11-22\t18:20 来源 数码前线</div>\
             <p>正文</p></body></html>",
        );
        let d = date_after_title(&doc, Some("云雀平板 被曝漏光"), &ctx).expect("a date");
        assert_eq!(d.format("%Y-%m-%d %H:%M").to_string(), "2026-11-22 18:20");
        // Not in the page: no date.
        assert_eq!(date_after_title(&doc, Some("别的标题"), &ctx), None);
        // A date further than 300 characters after the headline is not its.
        let far = format!(
            "<html><body><h1>Lamp recall widens</h1><p>{}</p><p>2026-11-22 18:20</p></body></html>",
            "word ".repeat(80)
        );
        let doc = Html::parse_document(&far);
        assert_eq!(
            date_after_title(&doc, Some("Lamp recall widens"), &ctx),
            None
        );
    }

    #[test]
    fn the_header_s_date_of_the_visit_is_not_the_article_s() {
        let ctx = date::Context {
            tz: chrono_tz::Asia::Shanghai,
            now: chrono::Utc::now(),
        };
        let doc = Html::parse_document(
            "<html><body><span class=\"time\">今天是：2026年11月23日</span>\
             <h1>标题一二三四</h1><div class=\"info\">2026-11-22 18:20 来源：未知</div><p>正文</p></body></html>",
        );
        let d = published(&doc, title(&doc).as_deref(), None, None, &ctx).expect("a date");
        assert_eq!(d.format("%Y-%m-%d %H:%M").to_string(), "2026-11-22 18:20");
    }

    /// Article templates of Chinese CMSs, written for earshot: the meta line
    /// under the headline gives the author and the date (not the later dates
    /// of the sidebar's related list), and neither it nor the reprint footer
    /// stays in the text.
    #[test]
    fn cms_meta_lines_give_author_and_date_and_leave_the_body() {
        let ctx = date::Context {
            tz: chrono_tz::Asia::Shanghai,
            now: chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2025, 8, 1, 0, 0, 0)
                .single()
                .unwrap_or_default(),
        };
        let para = "云雀科技昨日发布新款平板，主打长续航和护眼屏幕。多位用户在试用后表示，屏幕在暗光下有明显漏光，售后称属于正常现象，引发不少争议。";
        let para2 = "记者联系云雀客服，对方表示将收集用户反馈，并未给出具体的处理方案。业内人士认为，漏光问题多与面板批次有关，厂商应尽快给出说明。";
        let sidebar = "<div class=\"side\"><h3>相关文章</h3><ul>\
            <li><a href=\"/a/1.html\">云雀手机降价促销活动开启</a><span class=\"date\">2025-07-30</span></li>\
            <li><a href=\"/a/2.html\">星舟耳机新品上市</a><span class=\"date\">2025-07-29</span></li></ul></div>";
        let pages = [
            // DedeCMS: div.info with spans, 来源 first.
            format!("<html><head><title>云雀平板被曝屏幕漏光_数码前线</title></head><body>{sidebar}\
                <div class=\"viewbox\"><div class=\"title\"><h2>云雀平板被曝屏幕漏光</h2></div>\
                <div class=\"info\"><small>来源:</small>数码前线 <small>作者:</small>林小溪 <small>发布时间:</small>2025-07-27 10:26 <small>阅读:</small><script>document.write('128')</script>次</div>\
                <div class=\"content\"><p>{para}</p><p>{para2}</p><p>本文由数码前线整理发布，转载请注明出处。</p></div></div></body></html>"),
            // PHPCMS: the date first, then the fields, full-width spaces.
            format!("<html><head><title>云雀平板被曝屏幕漏光 - 数码前线</title></head><body>{sidebar}\
                <div id=\"Article\"><h1>云雀平板被曝屏幕漏光<br/><span>2025-07-27 10:26:00　来源：数码前线　作者：林小溪　评论：0 条</span></h1>\
                <div class=\"content\"><p>{para}</p><p>{para2}</p><p>（本文来源于网络，如有侵权请联系删除）</p></div></div></body></html>"),
            // 帝国CMS: fields with | between them, date last.
            format!("<html><head><title>云雀平板被曝屏幕漏光</title></head><body>\
                <div class=\"news_title\"><h1>云雀平板被曝屏幕漏光</h1></div>\
                <div class=\"news_info\">作者：林小溪 | 来源：数码前线 | 浏览：128 | 时间：2025年07月27日 10:26</div>\
                <div class=\"news_body\"><p>{para}</p><p>{para2}</p><p>免责声明：本文仅代表作者个人观点，与本站无关。</p></div>{sidebar}</body></html>"),
            // WordPress theme in Chinese: the byline in a paragraph.
            format!("<html><head><title>云雀平板被曝屏幕漏光 | 数码前线</title></head><body>\
                <article><header><h1 class=\"entry-title\">云雀平板被曝屏幕漏光</h1>\
                <p class=\"entry-meta\">发表时间：2025-07-27 10:26 作者：林小溪 分类：平板</p></header>\
                <div class=\"entry-content\"><p>{para}</p><p>{para2}</p></div></article>{sidebar}</body></html>"),
            // Portal: 记者 and 责任编辑 around the date.
            format!("<html><head><title>云雀平板被曝屏幕漏光_科技频道_某门户</title></head><body>{sidebar}\
                <div class=\"main\"><h1>云雀平板被曝屏幕漏光</h1>\
                <div class=\"meta\"><span>2025-07-27 10:26</span><span>来源：数码前线</span><span>记者：林小溪</span><span>责任编辑：王编</span></div>\
                <div class=\"article\"><p>{para}</p><p>{para2}</p><p>原文链接：https://example.test/a/8837.html</p></div></div></body></html>"),
        ];
        let url = Url::parse("https://news.example.test/a/8837.html").unwrap();
        for (i, html) in pages.iter().enumerate() {
            let e = extract(&url, &Html::parse_document(html), &ctx);
            assert_eq!(e.title.as_deref(), Some("云雀平板被曝屏幕漏光"), "page {i}");
            let p = &e.posts[0];
            assert_eq!(p.author.as_deref(), Some("林小溪"), "page {i}");
            assert_eq!(
                p.published_at.map(|d| d.to_rfc3339()).as_deref(),
                Some("2025-07-27T10:26:00+08:00"),
                "page {i}"
            );
            assert!(
                p.text.starts_with("云雀科技昨日发布"),
                "page {i}: {}",
                p.text
            );
            assert!(p.text.ends_with("尽快给出说明。"), "page {i}: {}", p.text);
        }
    }

    #[test]
    fn the_headline_its_date_line_and_a_repeated_summary_leave_the_body() {
        let ctx = date::Context {
            tz: chrono_tz::Asia::Shanghai,
            now: chrono::Utc::now(),
        };
        let body = "星舟 S3 耳机断连\n\n2026-11-22 13:05:41 来源：极速科技 评论：0\n\n\
                    多名消费者在社交平台反映耳机左耳频繁断连。\n\n\
                    多名消费者在社交平台反映耳机左耳频繁断连，在地铁尤为明显。\n\n厂商回应将免费换新。";
        assert_eq!(
            tidy_body(body, Some("星舟 S3 耳机断连"), &ctx),
            "多名消费者在社交平台反映耳机左耳频繁断连，在地铁尤为明显。\n\n厂商回应将免费换新。"
        );
        // A dated sentence of the article itself stays.
        let body = "On 2026-11-20 the company said the lamps were recalled because of overheating \
                    bases, and published a list of affected serial numbers for owners to check.\n\nMore.";
        assert_eq!(tidy_body(body, None, &ctx), body);
    }

    #[test]
    fn a_block_the_page_repeats_is_kept_once() {
        let ctx = date::Context {
            tz: chrono_tz::Asia::Shanghai,
            now: chrono::Utc::now(),
        };
        // A content farm's best answer, then the same answer in the list.
        let answer = "这是左右耳转发的设计造成的，地铁里干扰大最容易断。\n\n升级固件到 1.3.2 后打开双耳同步。";
        let body = format!(
            "买了三周，左耳在地铁站常断开。\n\n最佳答案\n\n{answer}\n\n全部回答（2）\n\n{answer}\n\n我关掉手机的蓝牙省电模式就好了。\n\nOK\n\nOK"
        );
        assert_eq!(
            tidy_body(&body, None, &ctx),
            format!("买了三周，左耳在地铁站常断开。\n\n最佳答案\n\n{answer}\n\n全部回答（2）\n\n我关掉手机的蓝牙省电模式就好了。\n\nOK\n\nOK"),
            "the second copy goes; short replies such as OK may repeat"
        );
        // The whole story printed twice (a print copy under the page's):
        // left as the page has it.
        let story = "市民反映地铁站内信号差，耳机频繁断连。\n\n厂商称将在下月推送固件修复。";
        let twice = format!("{story}\n\n{story}");
        assert_eq!(tidy_body(&twice, None, &ctx), twice);
    }

    fn body_of(html: &str) -> String {
        let doc = Html::parse_document(html);
        let url = Url::parse("https://news.example.org/2026/11/21/story.html").unwrap();
        let ctx = date::Context {
            tz: chrono_tz::UTC,
            now: chrono::Utc::now(),
        };
        let e = extract(&url, &doc, &ctx);
        e.posts
            .into_iter()
            .map(|p| p.text)
            .collect::<Vec<_>>()
            .join("\n\n")
    }

    const PARAS: [&str; 4] = [
        "The city council voted on Tuesday to extend the night bus network, adding three routes that will run until four in the morning, the transport office said.",
        "Officials said the new routes, which cost about two million a year, would serve hospital workers, cleaners and students who finish late, and were funded by a parking levy.",
        "Opponents argued that the money could be better spent on daytime service, where buses are crowded, but the motion passed by eleven votes to four after a long debate.",
        "The first night buses are expected to start in March, once drivers have been hired and trained, and the timetable will be reviewed after six months of service.",
    ];

    #[test]
    fn keeps_the_article_and_drops_the_chrome_around_it() {
        let html = format!(
            r##"<html><head><title>Night buses | Example News</title></head><body>
<header class="site-header"><a href="/">Example News</a>
  <nav><ul><li><a href="/world">World</a></li><li><a href="/business">Business</a></li><li><a href="/sport">Sport</a></li></ul></nav></header>
<div id="wrap">
 <div class="main-column">
  <article>
   <h1>Council extends night buses</h1>
   <div class="share-bar"><a href="#">Share</a> <a href="#">Tweet</a> <a href="#">Email</a></div>
   <p>{}</p><p>{}</p><p>{}</p><p>{}</p>
   <div class="related-links"><h3>Related stories</h3><ul><li><a href="/a">Bus fares rise again next year</a></li><li><a href="/b">Tram line opens to the airport</a></li></ul></div>
  </article>
  <section id="comments"><h3>3 comments</h3>
   <div class="comment"><p>Great news for people who work nights, finally something sensible from the council.</p></div>
   <div class="comment"><p>What about the villages, we still have one bus a day and nobody seems to care about that.</p></div>
  </section>
 </div>
 <aside class="sidebar"><h3>Most read</h3><ol><li><a href="/1">Storm closes the harbour for two days</a></li><li><a href="/2">Local bakery wins a national prize</a></li></ol></aside>
</div>
<footer><p>Copyright © 2026 Example News. All rights reserved.</p><a href="/privacy">Privacy</a></footer>
</body></html>"##,
            PARAS[0], PARAS[1], PARAS[2], PARAS[3]
        );
        let body = body_of(&html);
        for p in PARAS {
            assert!(body.contains(p), "missing paragraph {p:?} in {body:?}");
        }
        // Paragraphs stay apart.
        assert!(
            body.contains(&format!("{}\n\n{}", PARAS[0], PARAS[1])),
            "{body:?}"
        );
        for junk in [
            "Business",
            "Tweet",
            "Share",
            "Bus fares rise",
            "finally something sensible",
            "Storm closes",
            "Copyright",
            "Privacy",
        ] {
            assert!(!body.contains(junk), "{junk:?} leaked into {body:?}");
        }
    }

    #[test]
    fn joins_an_article_split_over_sibling_blocks() {
        let html = format!(
            r##"<html><body><div id="page"><h1>Council extends night buses</h1>
<div class="story-body"><p>{}</p><p>{}</p></div>
<div class="ad-slot"><a href="https://ads.example.com/x">Buy cheap flights now</a></div>
<div class="story-body"><p>{}</p></div>
<div class="inline-promo"><a href="/subscribe">Subscribe for one euro</a></div>
<div class="story-body"><p>{}</p></div>
</div>
<div id="footer"><a href="/about">About us</a> | <a href="/jobs">Jobs</a></div></body></html>"##,
            PARAS[0], PARAS[1], PARAS[2], PARAS[3]
        );
        let body = body_of(&html);
        for p in PARAS {
            assert!(body.contains(p), "missing paragraph {p:?} in {body:?}");
        }
        for junk in ["cheap flights", "Subscribe", "About us"] {
            assert!(!body.contains(junk), "{junk:?} leaked into {body:?}");
        }
    }

    #[test]
    fn reads_a_gbk_table_layout_with_br_lines() {
        let lines = [
            "本市今天召开新闻发布会，介绍了今年以来城市公共交通建设的总体情况和下一步工作安排。",
            "据介绍，今年新开通夜间公交线路三条，日均客流量比去年同期增长百分之十二，市民反映良好。",
            "有关负责人表示，明年将继续优化线路布局，重点解决郊区居民出行难的问题，并加强车辆维护。",
            "发布会上，记者还就票价调整、无障碍设施建设等问题进行了提问，有关部门逐一作了回答。",
        ];
        let html = format!(
            r##"<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"><title>新闻中心</title></head>
<body><table width="100%"><tr><td><a href="/">首页</a> | <a href="/news">新闻</a> | <a href="/bbs">论坛</a> | <a href="/blog">博客</a></td></tr></table>
<table width="760"><tr>
<td width="180" valign="top"><a href="/1">热点新闻一</a><br><a href="/2">热点新闻二</a><br><a href="/3">热点新闻三</a></td>
<td width="580" valign="top"><font size="4"><b>市公交夜班线路扩大</b></font><br><br>
&nbsp;&nbsp;{}<br>&nbsp;&nbsp;{}<br>&nbsp;&nbsp;{}<br>&nbsp;&nbsp;{}<br></td>
</tr></table>
<table><tr><td><a href="/about">关于我们</a> 版权所有 2005 新闻网</td></tr></table></body></html>"##,
            lines[0], lines[1], lines[2], lines[3]
        );
        let (bytes, _, _) = encoding_rs::GBK.encode(&html);
        let (text, enc) = crate::fetch::decode(&bytes, None);
        assert_eq!(enc, encoding_rs::GBK);
        let body = body_of(&text);
        for l in lines {
            assert!(body.contains(l), "missing line {l:?} in {body:?}");
        }
        // <br> lines stay separate lines.
        assert!(
            body.contains(&format!("{}\n{}", lines[0], lines[1])),
            "{body:?}"
        );
        for junk in ["论坛", "热点新闻", "版权所有", "关于我们"] {
            assert!(!body.contains(junk), "{junk:?} leaked into {body:?}");
        }
    }

    /// A blog post with a tool bar (`Print this article`), a photo's `View
    /// larger image` line, and the engine's trailer after the post (tags,
    /// category, "You can leave a response …", "No comments yet."): the
    /// post's paragraphs only, the question in its last one kept.
    #[test]
    fn a_blog_posts_controls_and_trailer_leave_the_body() {
        let html = include_str!("../../../../tests/fixtures/extract/blog-post-trailer-en.html");
        let body = body_of(html);
        assert!(body.starts_with("After a month of night buses"), "{body:?}");
        assert!(body.ends_with("walk them through a tunnel."), "{body:?}");
        assert!(body.contains("Would I buy them again?"), "{body:?}");
        for junk in [
            "Print this article",
            "E-mail this article",
            "View larger image",
            "Tags:",
            "Posted in",
            "RSS 2.0 feed",
            "leave a response",
            "No comments yet",
        ] {
            assert!(!body.contains(junk), "{junk:?} in {body:?}");
        }
        // Tags in the middle of a text are the text's.
        let p = "Tags: earbuds, night bus";
        assert!(is_post_trailer(p));
        assert!(!is_post_trailer(
            "The tags: on the case say made in 2026, and the box agrees."
        ));
    }

    /// A blog post's `Posted by NAME on DATE` line under its headline
    /// (fixture written for earshot) gives the post's author and date and
    /// leaves its text; the same words inside a paragraph of prose, or a
    /// short line naming no person, stay.
    #[test]
    fn a_posted_by_line_gives_author_and_date_and_leaves_the_body() {
        let html = include_str!("../../../../tests/fixtures/extract/blog-question-title-en.html");
        let url = Url::parse("https://pocketaudio.test/2026/11/wait-for-the-s4/").unwrap();
        let ctx = date::Context {
            tz: chrono_tz::Asia::Shanghai,
            now: chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 11, 23, 6, 0, 0)
                .single()
                .unwrap_or_default(),
        };
        let e = extract(&url, &Html::parse_document(html), &ctx);
        let p = &e.posts[0];
        assert_eq!(p.author.as_deref(), Some("Priya Natarajan"));
        assert_eq!(
            p.published_at.map(|d| d.to_rfc3339()).as_deref(),
            Some("2026-11-18T00:00:00+08:00")
        );
        assert!(p.text.starts_with("Every week a reader asks"), "{}", p.text);
        assert!(!p.text.contains("Posted by"), "{}", p.text);
        // At the post's end, with a category line beside it.
        let bottom = format!(
            "<html><body><article><h1>Night buses</h1><p>{}</p><p>{}</p>\
             <p class=\"meta\">Written by Jane Doe, 21 November 2026<br>Filed under: Transport</p></article></body></html>",
            PARAS[0], PARAS[1]
        );
        let e = extract(&url, &Html::parse_document(&bottom), &ctx);
        let p = &e.posts[0];
        assert_eq!(p.author.as_deref(), Some("Jane Doe"));
        assert_eq!(
            p.published_at.map(|d| d.to_rfc3339()).as_deref(),
            Some("2026-11-21T00:00:00+08:00")
        );
        assert!(p.text.ends_with(PARAS[1]), "{}", p.text);
        // Prose that says "posted by … on …" is the article's text.
        let prose = "The update was posted by the company on Monday, and owners say it fixed the dropouts on the left earbud in most stations they tried.";
        let short = "Posted by the company on November 18, 2026";
        let html = format!(
            "<html><body><article><h1>Night buses</h1><p>{short}</p><p>{prose}</p><p>{}</p></article></body></html>",
            PARAS[0]
        );
        let e = extract(&url, &Html::parse_document(&html), &ctx);
        let p = &e.posts[0];
        assert_eq!(p.author, None);
        assert!(p.text.contains(prose), "{}", p.text);
    }

    #[test]
    fn a_page_of_links_has_no_article() {
        let items: String = (0..40)
            .map(|i| format!("<li><a href=\"/story/{i}\">Headline number {i} about the news of the day</a></li>"))
            .collect();
        let html = format!("<html><body><h1>Latest</h1><ul>{items}</ul></body></html>");
        assert_eq!(body_of(&html), "");
    }

    #[test]
    fn deep_nesting_long_lines_and_junk_do_not_panic() {
        let depth = 100_000;
        let mut html = String::with_capacity(depth * 12 + 1000);
        html.push_str("<html><body>");
        for _ in 0..depth {
            html.push_str("<div>");
        }
        html.push_str(&format!("<p>{}</p><p>{}</p>", PARAS[0], PARAS[1]));
        for _ in 0..depth {
            html.push_str("</div>");
        }
        html.push_str("</body></html>");
        let body = body_of(&html);
        assert!(body.contains(PARAS[0]), "{}", body.len());

        let line = format!(
            "<html><body><p>{}</p></body></html>",
            "word, ".repeat(400_000)
        );
        assert!(!body_of(&line).is_empty());

        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let junk: Vec<u8> = (0..200_000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        let (text, _) = crate::fetch::decode(&junk, None);
        let _ = body_of(&text);
    }
}
