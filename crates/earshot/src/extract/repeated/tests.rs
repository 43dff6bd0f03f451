//! Tests of `extract::repeated` on fixtures of our own making.

use super::super::{extract_with, Extracted, Options, PageKind};
use super::date;
use scraper::Html;

/// A fixture's bytes extracted as the crawler does, at a fixed fetch time.
pub(super) fn read(bytes: &[u8], url: &str) -> Extracted {
    let (text, _) = crate::fetch::decode(bytes, None);
    let o = Options {
        profile: None,
        tz: chrono_tz::Asia::Shanghai,
        fetched_at: chrono::DateTime::parse_from_rfc3339("2026-11-23T14:00:00+08:00")
            .expect("date")
            .to_utc(),
        drop_lines: &[],
    };
    extract_with(&url::Url::parse(url).expect("url"), &text, &o).expect("extracts")
}

fn show(e: &Extracted) -> Vec<(String, String, String)> {
    e.posts
        .iter()
        .map(|p| {
            (
                p.author.clone().unwrap_or_default(),
                p.published_at.map(|d| d.to_rfc3339()).unwrap_or_default(),
                p.text.clone(),
            )
        })
        .collect()
}

/// (author, date, first words) of each post.
fn check(e: &Extracted, want: &[(&str, &str, &str)]) {
    let got = show(e);
    assert_eq!(got.len(), want.len(), "{got:#?}");
    for (g, w) in got.iter().zip(want) {
        assert_eq!((g.0.as_str(), g.1.as_str()), (w.0, w.1), "{got:#?}");
        assert!(
            g.2.starts_with(w.2),
            "{:?} does not start with {:?}",
            g.2,
            w.2
        );
    }
}

/// Three pages no profile knows, with class names of their own: a Big5
/// Q&A content farm (the best answer shown again in the list), an
/// English blog's comments (one a nested reply by the post's author),
/// a Chinese news page's 网友评论 (the reader named by place, a
/// relative date). Each block is a post with its author and date, after
/// the question or the article, which keeps none of their lines.
#[test]
fn answers_and_comments_on_pages_no_profile_knows_become_posts() {
    let e = read(
        include_bytes!("../../../../../tests/fixtures/extract/qa-farm-big5.html"),
        "http://www.wenda-tiandi.test/ask/20261120/88213.html",
    );
    assert_eq!(
        (e.kind, e.lang.as_deref()),
        (PageKind::Question, Some("zh-Hant"))
    );
    check(
        &e,
        &[
            ("路過的小齊", "2026-11-20T09:12:00+08:00", "買了三個禮拜"),
            (
                "耳機老司機",
                "2026-11-20T10:05:00+08:00",
                "這是左右耳轉發的設計造成的。",
            ),
            ("阿傑的日常", "2026-11-20T13:47:00+08:00", "我也遇過"),
            ("小白兔兔", "2026-11-21T08:30:00+08:00", "直接找客服換貨吧"),
        ],
    );
    assert!(
        e.posts[0].text.ends_with("還是手機的問題？"),
        "{}",
        e.posts[0].text
    );
    assert!(e.posts[1].text.ends_with("左耳天線接觸不良也會這樣。"));
    for p in &e.posts {
        for bad in ["最佳答案", "全部回答", "讚(", "回覆", "相關問題"] {
            assert!(!p.text.contains(bad), "{bad} in {}", p.text);
        }
    }

    let e = read(
        include_bytes!("../../../../../tests/fixtures/extract/blog-comments-en.html"),
        "https://quiet-commute.test/2026/11/s3-night-bus/",
    );
    assert_eq!((e.kind, e.lang.as_deref()), (PageKind::Article, Some("en")));
    check(
        &e,
        &[
            ("", "2026-11-19T21:30:00+00:00", "I bought the Xingzhou S3"),
            (
                "Marta K.",
                "2026-11-20T07:02:00+08:00",
                "Same here with the left bud",
            ),
            (
                "Dana Whitfield",
                "2026-11-20T09:15:00+08:00",
                "Thanks, I had not thought",
            ),
            (
                "Oskar",
                "2026-11-21T22:48:00+08:00",
                "Mine went back to the shop",
            ),
            (
                "Li Wen",
                "2026-11-22T18:30:00+08:00",
                "Honestly the S3 is the best",
            ),
        ],
    );
    assert!(e.posts[0].text.ends_with("I would not call them finished."));
    assert!(e.posts[1]
        .text
        .ends_with("helped more than the firmware did."));
    assert!(e.posts[3]
        .text
        .ends_with("\n\nAsk for an exchange while you are still inside the return window."));
    for p in &e.posts {
        for bad in ["Reply", "Like (", "responses", "Recent entries"] {
            assert!(!p.text.contains(bad), "{bad} in {}", p.text);
        }
    }

    let e = read(
        include_bytes!("../../../../../tests/fixtures/extract/news-comments-zh.html"),
        "http://www.chengnan.test/digi/2026/11/88412.html",
    );
    assert_eq!(
        (e.kind, e.lang.as_deref()),
        (PageKind::Article, Some("zh-Hans"))
    );
    check(
        &e,
        &[
            (
                "周立",
                "2026-11-22T08:30:00+08:00",
                "近期，多名市民向本网反映",
            ),
            ("广东深圳网友", "2026-11-22T09:41:00+08:00", "我的也是这样"),
            (
                "浙江杭州网友",
                "2026-11-22T11:07:00+08:00",
                "去门店换了一副新的",
            ),
            // "3小时前" at 14:00.
            ("北京网友", "2026-11-23T11:00:00+08:00", "价格不便宜"),
        ],
    );
    assert!(
        e.posts[0].text.ends_with("保修期内可免费更换。"),
        "{}",
        e.posts[0].text
    );
    for p in &e.posts {
        for bad in ["网友评论", "支持(", "回复", "热点推荐"] {
            assert!(!p.text.contains(bad), "{bad} in {}", p.text);
        }
    }
}

/// The `qa` profile is for the engine it names; a page like it that the
/// profile does not claim gets the same posts from the repeated blocks.
#[test]
fn a_qa_page_without_its_profile_gets_the_same_posts() {
    let page = include_bytes!("../../../../../tests/fixtures/extract/qa-big5.html");
    let (text, _) = crate::fetch::decode(page, None);
    let url = url::Url::parse("http://wenda.example.test/question-312.html").expect("url");
    let ctx = date::Context {
        tz: chrono_tz::Asia::Shanghai,
        now: chrono::DateTime::parse_from_rfc3339("2026-11-23T14:00:00+08:00")
            .expect("date")
            .to_utc(),
    };
    let by_profile = read(page, url.as_str());
    assert_eq!(by_profile.profile, "qa");
    let generic = super::super::generic_page(&url, &Html::parse_document(&text), &ctx);
    assert_eq!(generic.kind, PageKind::Question);
    assert_eq!(show(&generic), show(&by_profile));
}

/// A list of headlines with dates and bylines is no comment list: its
/// items have no text of their own besides their links.
#[test]
fn a_dated_headline_list_is_not_a_comment_list() {
    let items: String = (1..=6)
        .map(|i| {
            format!(
                "<li class=\"item\"><a href=\"/news/{i}.html\">Council votes on the night bus plan, part {i}</a> \
                 <a class=\"author\" href=\"/author/jo/\">Jo Smith</a> <span>2026-11-{i:02}</span></li>"
            )
        })
        .collect();
    let para = "The council voted on Tuesday to extend the night bus network, adding three routes that run until four. ";
    let html = format!(
        "<html><head><title>Night buses</title></head><body><h1>Night buses</h1><p>{}</p><ul class=\"more\">{items}</ul></body></html>",
        para.repeat(4)
    );
    let e = read(html.as_bytes(), "https://news.example.test/a.html");
    assert_eq!(e.posts.len(), 1, "{:#?}", show(&e));
}

/// A blog post whose headline asks a question, with its comments in
/// `li.comment` under `ol.commentlist`: an article with comments (the
/// markup says so), not a question with answers.
#[test]
fn comments_under_a_question_headline_stay_comments() {
    let e = read(
        include_bytes!("../../../../../tests/fixtures/extract/blog-question-title-en.html"),
        "https://pocketaudio.test/2026/11/wait-for-the-s4/",
    );
    assert_eq!(e.kind, PageKind::Article);
    let got = show(&e);
    assert_eq!(got.len(), 4, "{got:#?}");
    let article = &got[0].2;
    assert!(article.contains("Every week a reader asks"), "{article}");
    assert!(article.contains("do not look back."), "{article}");
    assert!(!article.contains("always a next model"), "{article}");
    let comments: Vec<(&str, &str, &str)> = got[1..]
        .iter()
        .map(|(a, d, t)| (a.as_str(), d.as_str(), t.split(' ').next().unwrap_or("")))
        .collect();
    assert_eq!(
        comments,
        [
            ("Tomasz", "2026-11-19T08:40:00+08:00", "I"),
            ("Hannah B.", "2026-11-19T12:05:00+08:00", "My"),
            ("K. Ito", "2026-11-20T21:27:00+08:00", "Does"),
        ]
    );
}
