//! The article extractor used when no profile claims a page: finds the
//! element a reader would call the article (most paragraph text, least
//! link text) and keeps its paragraphs.

use scraper::Html;
use url::Url;

use super::{date, select_first, Extracted, PageKind, Post};

#[path = "readable.rs"]
mod readable;

/// Page title: og:title, then the first h1, then `<title>`.
pub fn title(doc: &Html) -> Option<String> {
    select_first(
        doc.root_element(),
        &[
            "meta[property='og:title']@content".into(),
            "h1".into(),
            "title".into(),
        ],
    )
}

fn published(doc: &Html, ctx: &date::Context) -> Option<chrono::DateTime<chrono::FixedOffset>> {
    select_first(
        doc.root_element(),
        &[
            "meta[property='article:published_time']@content".into(),
            "meta[itemprop=datePublished]@content".into(),
            "[itemprop=datePublished]@datetime".into(),
            "time[datetime]@datetime".into(),
            ".date".into(),
            ".time".into(),
        ],
    )
    .and_then(|d| date::parse(&d, ctx))
    .or_else(|| date_after_title(doc, ctx))
}

/// News templates often print the date in a line under (or inside) the headline
/// (`2026-11-21 09:47 来源：…`): the first absolute date in the text that
/// follows the `<h1>`.
fn date_after_title(
    doc: &Html,
    ctx: &date::Context,
) -> Option<chrono::DateTime<chrono::FixedOffset>> {
    let h1 = super::css("h1").expect("static selector");
    let heading = doc.select(&h1).next()?;
    let title: String = heading.text().collect();
    let body = super::css("body").expect("static selector");
    let all: String = doc.select(&body).next()?.text().collect();
    // From the headline on: some templates put the date line inside <h1>.
    let at = all.find(title.trim()).unwrap_or(0);
    let window: String = all[at..]
        .chars()
        .take(title.chars().count() + 300)
        .collect();
    date::parse_absolute(&window, ctx)
}

fn author(doc: &Html) -> Option<String> {
    select_first(
        doc.root_element(),
        &[
            "meta[name=author]@content".into(),
            "[rel=author]".into(),
            "[itemprop=author] [itemprop=name]".into(),
            ".author".into(),
            ".byline".into(),
        ],
    )
}

/// Extracts the main text of an article page.
pub fn extract(url: &Url, doc: &Html, ctx: &date::Context) -> Extracted {
    let body = readable::main_text(doc);
    let posts = if body.is_empty() {
        Vec::new()
    } else {
        vec![Post {
            author: author(doc),
            published_at: published(doc, ctx),
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
        title: title(doc),
        lang: None,
        charset: None,
        posts,
        links: Vec::new(),
        anchors: Vec::new(),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    #[ignore = "known gap: the link column beside the text cell is kept (see the extract-generic report)"]
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

    #[test]
    #[ignore = "known gap: the last relaxed pass returns the link text of an index page"]
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
