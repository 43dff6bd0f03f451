//! `earshot extract` on the fixtures in `tests/fixtures/extract/` (pages we
//! wrote in the markup and encodings of real sites), compared with their
//! golden JSON; the demo site's pages; and bad input, which must give a
//! clear error or a best-effort result, never a panic or a stack overflow.
//!
//! `EARSHOT_UPDATE_GOLDEN=1 cargo test --test tests it_extract` rewrites the
//! golden files; read every changed one before committing it.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::util::{earshot, text};

/// Relative dates in the fixtures count back from this time.
const FETCHED_AT: &str = "2026-11-23T14:00:00+08:00";

/// (fixture file, the address it pretends to come from).
const FIXTURES: &[(&str, &str)] = &[
    (
        "discuz-thread-p1.html",
        "http://bbs.jikechaguan.test/thread-2041-1-1.html",
    ),
    (
        "discuz-thread-p2.html",
        "http://bbs.jikechaguan.test/thread-2041-2-1.html",
    ),
    (
        "qa-big5.html",
        "http://wenda.example.test/question-312.html",
    ),
    (
        "wordpress-post.html",
        "https://commuteaudio.test/2026/11/xingzhou-s3-three-weeks/",
    ),
    (
        "phpbb-topic.html",
        "https://forum.truewireless.test/viewtopic.php?t=9127",
    ),
    (
        "discourse-topic.json",
        "https://community.xingzhou.test/t/s3-left-earbud-drops-in-stations/5531.json",
    ),
    ("rss.xml", "https://commuteaudio.test/feed/"),
    ("atom.xml", "https://club.xingzhou.test/feed.atom"),
    (
        "review-jsonld.html",
        "https://www.soundcheckr.test/products/xingzhou-s3/",
    ),
    (
        "review-bad-jsonld.html",
        "https://www.soundcheckr.test/products/xingzhou-s3/?v=old",
    ),
    (
        "discuz-thread-ad-gbk.html",
        "http://bbs.erjijie.test/forum.php?mod=viewthread&tid=5120",
    ),
    (
        "qa-farm-big5.html",
        "http://www.wenda-tiandi.test/ask/20261120/88213.html",
    ),
    (
        "blog-comments-en.html",
        "https://quiet-commute.test/2026/11/s3-night-bus/",
    ),
    (
        "news-comments-zh.html",
        "http://www.chengnan.test/digi/2026/11/88412.html",
    ),
    (
        "blog-question-title-en.html",
        "https://pocketaudio.test/2026/11/wait-for-the-s4/",
    ),
    (
        "wordpress-old-theme.html",
        "https://platformnine.test/2026/11/s3-back/",
    ),
    (
        "review-editorial.html",
        "https://gadgetledger.test/reviews/xingzhou-s3/",
    ),
    (
        "news-end-matter-en.html",
        "https://millbrook-courier.test/news/library-sundays",
    ),
    (
        "blog-entry-nav-en.html",
        "https://pianoshed.test/archives/2026/11/old-upright.html",
    ),
    (
        "note-one-paragraph-en.html",
        "https://readinggroup.test/notes/thursday",
    ),
    (
        "news-swallowed-script-en.html",
        "https://millbrook-courier.test/news/pier-theatre",
    ),
    (
        "news-lost-start-en.html",
        "https://harbour-gazette.test/news/ferry-winter",
    ),
    (
        "history-two-columns-en.html",
        "https://history.test/villages/harrowfield/",
    ),
    ("tieba-thread.html", "https://tieba.baidu.test/p/8812345677"),
    (
        "discuz-mobile-gbk.html",
        "http://bbs.erjizhijia.test/forum.php?mod=viewthread&tid=3321&mobile=2",
    ),
    (
        "table-forum-gbk.html",
        "http://www.shumachaguan.test/dispbbs.asp?boardid=12&id=88201",
    ),
    (
        "news-big5-tw.html",
        "https://news.dongan.test/tech/20261122/q7.html",
    ),
    (
        "wordpress-zh-comments.html",
        "https://ashu-bike.test/2026/11/q7-mount/",
    ),
    (
        "qa-zhihu-like.html",
        "https://www.zhiwen.test/question/41822",
    ),
];

/// Articles read by the generic extractor (no profile): a news story and
/// copies of it on other sites, verbatim (GBK, another template) and
/// reworded. Their golden files hold the right answer, written by hand.
const GENERIC_FIXTURES: &[(&str, &str)] = &[
    (
        "news-original.html",
        "https://www.jisukeji.test/news/2026/11/22/xingzhou-s3.html",
    ),
    (
        "news-copy-gbk.html",
        "http://www.dzcpw.test/news/20261122/7731.html",
    ),
    (
        "news-reworded.html",
        "http://www.smtiantian.test/xinpin/2026/1122/9931.html",
    ),
];

pub(crate) fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/extract")
}

/// `earshot extract FILE --url URL --json`, with a fixed fetch time and
/// the Chinese sites' default timezone.
pub(crate) fn extract_json(file: &Path, url: &str, extra: &[&str]) -> Value {
    let out = earshot()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("extract")
        .arg(file)
        .args([
            "--url",
            url,
            "--json",
            "--timezone",
            "Asia/Shanghai",
            "--fetched-at",
            FETCHED_AT,
        ])
        .args(extra)
        .output()
        .expect("run earshot extract");
    assert!(
        out.status.success(),
        "{}: {}",
        file.display(),
        text(&out.stderr)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{}: not JSON ({e}): {}", file.display(), text(&out.stdout)))
}

#[test]
fn fixtures_match_their_golden_output() {
    check_golden(FIXTURES);
}

#[test]
fn generic_article_fixtures_match_their_golden_output() {
    check_golden(GENERIC_FIXTURES);
}

fn check_golden(fixtures: &[(&str, &str)]) {
    let update = std::env::var_os("EARSHOT_UPDATE_GOLDEN").is_some();
    let dir = fixture_dir();
    let mut failures = Vec::new();
    for (name, url) in fixtures {
        let got = extract_json(&dir.join(name), url, &[]);
        let stem = name.rsplit_once('.').map(|(s, _)| s).unwrap_or(name);
        let golden = dir.join(format!("{stem}.golden.json"));
        if update {
            let mut s = serde_json::to_string_pretty(&got).unwrap();
            s.push('\n');
            std::fs::write(&golden, s).unwrap();
            continue;
        }
        let want: Value = match std::fs::read(&golden) {
            Ok(b) => serde_json::from_slice(&b).unwrap(),
            Err(e) => {
                failures.push(format!("{}: {e}", golden.display()));
                continue;
            }
        };
        if got != want {
            failures.push(format!(
                "{name} differs from {}:\n{}",
                golden.display(),
                serde_json::to_string_pretty(&got).unwrap()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{}\n(EARSHOT_UPDATE_GOLDEN=1 rewrites the golden files)",
        failures.join("\n\n")
    );
}

pub(crate) fn posts(v: &Value) -> &Vec<Value> {
    v["posts"].as_array().expect("posts")
}

/// Each post's author and publication time ("" where missing).
pub(crate) fn authors_and_dates<'a>(
    posts: impl IntoIterator<Item = &'a Value>,
) -> Vec<(&'a str, &'a str)> {
    posts
        .into_iter()
        .map(|p| {
            (
                p["author"].as_str().unwrap_or(""),
                p["published_at"].as_str().unwrap_or(""),
            )
        })
        .collect()
}

fn removed_reasons(p: &Value) -> Vec<String> {
    p["removed"]
        .as_array()
        .map(|r| {
            r.iter()
                .map(|x| x["reason"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn gbk_discuz_thread_posts_are_clean_with_reasons_recorded() {
    let dir = fixture_dir();
    let v = extract_json(
        &dir.join("discuz-thread-p1.html"),
        "http://bbs.jikechaguan.test/thread-2041-1-1.html",
        &[],
    );
    assert_eq!(v["charset"], "GBK");
    assert_eq!(v["profile"], "discuz-thread");
    assert_eq!(v["site"], "bbs.jikechaguan.test");
    let p = posts(&v);
    let floors: Vec<u64> = p.iter().map(|p| p["floor"].as_u64().unwrap()).collect();
    assert_eq!(floors, [1, 2, 3, 4, 5]);
    assert_eq!(p[0]["author"], "耳机发烧友阿凯");
    assert_eq!(p[0]["published_at"], "2026-11-18T20:14:05+08:00");
    // The span's title is the date, not "5 天前".
    assert_eq!(p[1]["published_at"], "2026-11-18T20:31:44+08:00");
    // "昨天 22:15", against the fetch time.
    assert_eq!(p[4]["published_at"], "2026-11-22T22:15:00+08:00");
    for post in p {
        let t = post["text"].as_str().unwrap();
        for bad in [
            "本帖最后由",
            "{:soso",
            "隐藏内容",
            "稳赚",
            "理性消费",
            "回复",
        ] {
            assert!(!t.contains(bad), "{bad} in {t}");
        }
    }
    assert!(
        removed_reasons(&p[0]).contains(&"edit notice".to_string())
            || removed_reasons(&p[0])
                .iter()
                .any(|r| r.contains(".pstatus"))
    );
    assert!(removed_reasons(&p[1]).contains(&"emoticon code".to_string()));
    assert!(removed_reasons(&p[1]).contains(&"smiley image".to_string()));
    assert!(removed_reasons(&p[3])
        .iter()
        .any(|r| r.starts_with("ad line")));
    // The quote is kept apart from the reply's own text.
    assert!(p[2]["quote"].as_str().unwrap().contains("属于正常现象"));
    assert!(!p[2]["text"].as_str().unwrap().contains("属于正常现象"));
    assert!(v["links"]
        .as_array()
        .unwrap()
        .iter()
        .any(|l| l == "http://bbs.jikechaguan.test/thread-2041-2-1.html"));
}

/// An investment pitch injected at the top of a Discuz! X3.2 post (none of
/// the literal cues of the old detector), anti-copy "jammer" strings inside
/// the posts, thread ads beside them: the pitch is cut with its cues and
/// score recorded, the jammers are cut, and a reply that talks about money
/// and shouts "！！" keeps every line.
#[test]
fn an_injected_investment_pitch_and_discuz_jammers_leave_the_posts() {
    let v = extract_json(
        &fixture_dir().join("discuz-thread-ad-gbk.html"),
        "http://bbs.erjijie.test/forum.php?mod=viewthread&tid=5120",
        &[],
    );
    assert_eq!(v["charset"], "GBK");
    assert_eq!(v["profile"], "discuz-thread");
    let p = posts(&v);
    assert_eq!(p.len(), 3);
    let first = p[0]["text"].as_str().unwrap();
    assert!(
        first.starts_with("双十一买的星舟 S3，通勤用了两个月，说说感受。"),
        "{first}"
    );
    for bad in ["比特币", "躺着赚", "8k2Lq", "Qm7x3", "btc8866", "月入三万"] {
        for post in p {
            assert!(
                !post["text"].as_str().unwrap().contains(bad),
                "{bad} in {post}"
            );
        }
    }
    let reasons = removed_reasons(&p[0]);
    let ad = reasons
        .iter()
        .find(|r| r.starts_with("ad line ("))
        .unwrap_or_else(|| panic!("no ad line recorded: {reasons:?}"));
    assert!(
        ad.contains("crypto `比特币`") && ad.contains("score "),
        "{ad}"
    );
    assert!(reasons.iter().any(|r| r.contains(".jammer")), "{reasons:?}");
    // Real discussion of resale value and an excited tip stay whole.
    let second = p[1]["text"].as_str().unwrap();
    assert!(second.contains("回血率差不多七成，这牌子保值还行，收益比买别家的高。"));
    assert!(second.ends_with("我关了以后好多了！！"), "{second}");
    assert!(removed_reasons(&p[1]).is_empty(), "{:?}", p[1]["removed"]);
}

/// A traditional-Chinese Q&A content farm (Big5, no known engine) that shows
/// the best answer twice (on top and in the answer list) and a list of
/// related questions: the question, then each answer once as a post of its
/// own with its author and date, in page order, no related list.
#[test]
fn a_content_farm_page_keeps_each_answer_once() {
    let v = extract_json(
        &fixture_dir().join("qa-farm-big5.html"),
        "http://www.wenda-tiandi.test/ask/20261120/88213.html",
        &[],
    );
    assert_eq!(v["charset"], "Big5");
    assert_eq!(v["lang"], "zh-Hant");
    assert_eq!(v["kind"], "question");
    let who = authors_and_dates(posts(&v));
    assert_eq!(
        who,
        [
            ("路過的小齊", "2026-11-20T09:12:00+08:00"),
            ("耳機老司機", "2026-11-20T10:05:00+08:00"),
            ("阿傑的日常", "2026-11-20T13:47:00+08:00"),
            ("小白兔兔", "2026-11-21T08:30:00+08:00"),
        ]
    );
    let text: String = posts(&v)
        .iter()
        .map(|p| p["text"].as_str().unwrap().to_string())
        .collect::<Vec<_>>()
        .join("\n\n");
    let question = "買了三個禮拜，在地鐵站裡左耳常常斷開";
    let answers = [
        "這是左右耳轉發的設計造成的。",
        "新韌體 1.3.2 以後才有這個選項",
        "把省電模式關掉",
        "直接找客服換貨吧",
    ];
    assert_eq!(text.matches(question).count(), 1, "{text}");
    let mut at = text.find(question).unwrap();
    for a in answers {
        assert_eq!(text.matches(a).count(), 1, "{a} in {text}");
        let i = text.find(a).unwrap();
        assert!(i > at, "{a} out of order in {text}");
        at = i;
    }
    for bad in ["相關問題", "值得升級嗎", "讚(12)", "熱門問題"] {
        assert!(!text.contains(bad), "{bad} in {text}");
    }
}

/// A blog post whose headline asks a question ("Should you wait for …?")
/// with its comments in `ol.commentlist > li.comment` is an article with
/// comments, not a question with answers: the post first, whole and without
/// the comments' lines, then one post per comment with its author and date.
#[test]
fn a_blog_post_titled_with_a_question_keeps_its_comments_as_comments() {
    let v = extract_json(
        &fixture_dir().join("blog-question-title-en.html"),
        "https://pocketaudio.test/2026/11/wait-for-the-s4/",
        &[],
    );
    assert_eq!(v["kind"], "article");
    assert_eq!(v["title"], "Should you wait for the Xingzhou S4?");
    let posts = posts(&v);
    let who = authors_and_dates(posts.iter().skip(1));
    assert_eq!(
        who,
        [
            ("Tomasz", "2026-11-19T08:40:00+08:00"),
            ("Hannah B.", "2026-11-19T12:05:00+08:00"),
            ("K. Ito", "2026-11-20T21:27:00+08:00"),
        ]
    );
    let article = posts[0]["text"].as_str().unwrap_or("");
    assert!(article.contains("Every week a reader asks"), "{article}");
    assert!(article.contains("do not look back."), "{article}");
    for bad in [
        "There is always a next model",
        "I am going to wait",
        "Leave a comment",
    ] {
        assert!(!article.contains(bad), "{bad} in {article}");
    }
}

/// The demo site's forum, blog (post, comments, feed), review and Q&A
/// pages, with the addresses the demo serves them at.
#[test]
fn demo_site_pages_come_out_as_posts() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("demo/site");
    let demo = |path: &str| {
        extract_json(
            &root.join(
                path.trim_end_matches('/').to_string()
                    + if path.ends_with('/') {
                        "/index.html"
                    } else {
                        ""
                    },
            ),
            &format!("http://demo.earshot.test/{path}"),
            &[],
        )
    };

    // Forum: 10 floors, the quote apart, the ad line, emoticons and the
    // edit notice cut with reasons; page 2 linked.
    let v = demo("bbs/thread-1001-1-1.html");
    assert_eq!(v["profile"], "discuz-thread");
    let p = posts(&v);
    assert_eq!(p.len(), 10);
    assert_eq!(p[0]["author"], "数码老张");
    assert_eq!(p[0]["published_at"], "2026-11-20T09:12:33+08:00");
    assert_eq!(p[1]["published_at"], "2026-11-20T09:20:05+08:00");
    for (i, post) in p.iter().enumerate() {
        assert_eq!(post["floor"], i as u64 + 1);
        let t = post["text"].as_str().unwrap();
        assert!(
            !t.contains("{:soso_") && !t.contains("本帖最后由") && !t.contains("DeFi"),
            "{t}"
        );
    }
    assert!(p[2]["quote"].as_str().unwrap().contains("数码老张"));
    assert!(removed_reasons(&p[3]).contains(&"emoticon code".to_string()));
    assert!(removed_reasons(&p[3]).contains(&"smiley image".to_string()));
    assert!(removed_reasons(&p[5])
        .iter()
        .any(|r| r.starts_with("ad line")));
    assert!(v["links"]
        .as_array()
        .unwrap()
        .iter()
        .any(|l| l == "http://demo.earshot.test/bbs/thread-1001-2-1.html"));
    let v = demo("bbs/thread-1001-2-1.html");
    let floors: Vec<u64> = posts(&v)
        .iter()
        .map(|p| p["floor"].as_u64().unwrap())
        .collect();
    assert_eq!(floors, [11, 12, 13]);
    let v = demo("bbs/forum-2-1.html");
    assert_eq!(v["kind"], "thread_list");
    assert_eq!(v["links"].as_array().unwrap().len(), 5, "{}", v["links"]);

    // Blog: the post, then four comments in document order.
    let v = demo("blog/2026/11/lumio-aura-review/");
    assert_eq!(v["profile"], "wordpress");
    let p = posts(&v);
    let authors: Vec<&str> = p.iter().map(|p| p["author"].as_str().unwrap()).collect();
    assert_eq!(
        authors,
        [
            "Jen Alvarez",
            "Priya Raman",
            "Tomasz Kowalczyk",
            "Jen Alvarez",
            "Best SEO Services 2026"
        ]
    );
    assert_eq!(p[0]["published_at"], "2026-11-18T08:30:00Z");
    assert_eq!(p[2]["published_at"], "2026-11-18T15:47:30Z");
    assert!(!p[0]["text"].as_str().unwrap().contains("Share this"));
    // The SEO comment is all ad: kept whole (the crawler flags it).
    assert!(
        p[4]["text"].as_str().unwrap().contains("rank-boost-seo")
            || p[4]["text"]
                .as_str()
                .unwrap()
                .to_lowercase()
                .contains("backlinks")
    );

    // The feed: one post per item, with its link, author and date.
    let v = demo("blog/feed/index.xml");
    assert_eq!(v["kind"], "feed");
    let p = posts(&v);
    assert_eq!(p.len(), 2);
    assert_eq!(p[0]["author"], "Jen Alvarez");
    assert_eq!(p[0]["published_at"], "2026-11-18T08:30:00Z");
    assert_eq!(
        p[0]["url"],
        "http://demo.earshot.test/blog/2026/11/lumio-aura-review/"
    );
    assert!(p[0]["text"].as_str().unwrap().contains("Lumio"));

    // Reviews: three (JSON-LD and microdata are the same three), rated.
    let v = demo("reviews/lumio-aura.html");
    assert_eq!(v["profile"], "review");
    assert_eq!(v["kind"], "review");
    let p = posts(&v);
    assert_eq!(p.len(), 3);
    let ratings: Vec<f64> = p
        .iter()
        .map(|p| p["rating"]["value"].as_f64().unwrap())
        .collect();
    assert_eq!(ratings, [5.0, 4.0, 1.0]);
    assert_eq!(p[2]["author"], "Rachel Novak");
    assert!(p[2]["text"]
        .as_str()
        .unwrap()
        .starts_with("The dimmer died after two weeks"));

    // Q&A (Big5): the question, then three answers.
    let v = demo("qa/question-88.html");
    assert_eq!(v["profile"], "qa");
    assert_eq!(v["charset"], "Big5");
    let p = posts(&v);
    let authors: Vec<&str> = p.iter().map(|p| p["author"].as_str().unwrap()).collect();
    assert_eq!(authors, ["小熊軟糖", "阿德", "林小姐", "數位宅男"]);
    assert_eq!(p[1]["published_at"], "2026-11-21T14:30:00+08:00");

    // The news sites: the headline, never the site's logo heading (今日数码
    // puts its name in an <h1> linking home and the headline in an <h2>).
    for (path, headline) in [
        (
            "news-c/a/8837.html",
            "云雀 X5 被曝充电发热、电池鼓包 多地消费者称售后不予保修",
        ),
        (
            "news-a/2026/11/21/yunque-x5-battery.html",
            "云雀 X5 被曝充电发烫、电池鼓包 多地用户称售后拒保",
        ),
    ] {
        let v = demo(path);
        assert_eq!(v["title"], headline, "{path}");
    }
}

/// Runs `f` on a thread with the 2 MiB stack of a tokio blocking thread,
/// where the crawler extracts pages.
fn on_worker_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(f)
        .unwrap()
        .join()
        .expect("extraction panicked or overflowed")
}

fn lib_extract(url: &str, bytes: &[u8]) -> Result<earshot::extract::Extracted, String> {
    let (text, _) = earshot::fetch::decode(bytes, None);
    let url = url::Url::parse(url).unwrap();
    let now = chrono::DateTime::parse_from_rfc3339(FETCHED_AT)
        .unwrap()
        .with_timezone(&chrono::Utc);
    earshot::extract::extract(&url, &text, None, chrono_tz::Asia::Shanghai, now)
        .map_err(|e| e.to_string())
}

#[test]
fn bad_input_gives_an_error_or_a_best_effort_result() {
    let dir = tempfile::tempdir().unwrap();
    // Empty and binary files: a clear error each, the next input still read.
    let empty = dir.path().join("empty.html");
    std::fs::write(&empty, b"").unwrap();
    let binary = dir.path().join("image.html");
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    png.extend((0..4096u32).map(|i| (i * 31 % 251) as u8));
    std::fs::write(&binary, &png).unwrap();
    let out = earshot()
        .args(["extract", "--json"])
        .arg(&empty)
        .arg(&binary)
        .arg(fixture_dir().join("rss.xml"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert_eq!(err.matches("empty or binary").count(), 2, "{err}");
    assert!(!err.contains("panicked"), "{err}");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["kind"], "feed");

    // Truncated pages: whatever came before the cut.
    let page = std::fs::read(fixture_dir().join("discuz-thread-p1.html")).unwrap();
    let cut = &page[..page.len() * 6 / 10];
    let e = lib_extract("http://bbs.jikechaguan.test/thread-2041-1-1.html", cut).unwrap();
    assert!(
        !e.posts.is_empty() && e.posts.len() < 5,
        "{}",
        e.posts.len()
    );
    let feed = std::fs::read(fixture_dir().join("rss.xml")).unwrap();
    let r = lib_extract("https://commuteaudio.test/feed/", &feed[..feed.len() / 2]);
    assert!(
        r.is_ok() || r.as_ref().unwrap_err().contains("feed"),
        "{r:?}"
    );
    let json = std::fs::read(fixture_dir().join("discourse-topic.json")).unwrap();
    let r = lib_extract(
        "https://community.xingzhou.test/t/s3-left-earbud-drops-in-stations/5531.json",
        &json[..json.len() / 2],
    );
    assert!(r.unwrap_err().contains("not valid JSON"));
    // JSON at an address no profile claims, with a shape none knows.
    let r = lib_extract("https://api.example.test/v1/things", br#"{"things": []}"#);
    assert!(r.unwrap_err().contains("no profile reads"));

    // Invalid JSON-LD: the markup is read instead, and the problem noted.
    let bad = std::fs::read(fixture_dir().join("review-bad-jsonld.html")).unwrap();
    let e = lib_extract("https://www.soundcheckr.test/products/xingzhou-s3/", &bad).unwrap();
    assert_eq!(e.profile, "review");
    assert_eq!(e.posts.len(), 3);
    assert!(e.notes[0].contains("not valid JSON"), "{:?}", e.notes);

    // A 10 MB page on one line.
    let mut big = String::from(
        "<html><head><meta charset=utf-8><title>长</title></head><body><div class=\"article\"><p>",
    );
    while big.len() < 10 * 1024 * 1024 {
        big.push_str("星舟 S3 耳机左耳断连，客服说是正常现象。Left bud drops out again. ");
    }
    big.push_str("</p></div></body></html>");
    let t = std::time::Instant::now();
    let e = on_worker_stack(move || {
        lib_extract("https://www.jisukeji.test/news/long.html", big.as_bytes())
    })
    .unwrap();
    assert!(e.posts.len() <= 1);
    assert!(t.elapsed().as_secs() < 60, "{:?}", t.elapsed());

    // Thousands of ad lines between real ones: cut in linear time.
    let mut page = String::from(
        "<html><body><div id=\"post_1\"><table class=\"plhin\"><tr><td class=\"t_f\">",
    );
    for i in 0..20_000 {
        page.push_str(&format!("第{i}层楼，耳机左耳又断连了，客服还是说正常。<br />加微信 coin{i:05} 空投项目稳赚不赔<br />"));
    }
    page.push_str("</td></tr></table></div></body></html>");
    let t = std::time::Instant::now();
    let e = on_worker_stack(move || {
        lib_extract(
            "http://bbs.jikechaguan.test/thread-9-1-1.html",
            page.as_bytes(),
        )
    })
    .unwrap();
    assert_eq!(e.posts[0].removed.len(), 20_000);
    assert!(!e.posts[0].text.contains("加微信"));
    assert!(t.elapsed().as_secs() < 30, "{:?}", t.elapsed());

    // 100,000 nested elements, through the generic extractor and through a
    // profile, on a worker's stack.
    let n = 100_000;
    for (url, open, close) in [
        (
            "https://www.jisukeji.test/news/deep.html",
            "<div>",
            "</div>",
        ),
        (
            "https://www.jisukeji.test/news/deep-q.html",
            "<blockquote>",
            "</blockquote>",
        ),
        (
            "http://bbs.jikechaguan.test/thread-1-1-1.html",
            "<span>",
            "</span>",
        ),
    ] {
        let mut page = String::from(
            "<html><body><div id=\"post_1\"><table class=\"plhin\"><tr><td class=\"t_f\">",
        );
        page.push_str(&open.repeat(n));
        page.push_str("很深的一层文字，足够长的正文内容，用来测试递归。The innermost text.");
        page.push_str(&close.repeat(n));
        page.push_str("</td></tr></table></div></body></html>");
        let url = url.to_string();
        let t = std::time::Instant::now();
        let r = on_worker_stack(move || lib_extract(&url, page.as_bytes()).map(|e| e.posts.len()));
        let err = r.unwrap_err();
        assert!(
            err.contains("elements nest 10000") && err.contains("deep"),
            "{err}"
        );
        assert!(t.elapsed().as_secs() < 10, "{:?}", t.elapsed());
    }
    // Deep but under the limit: parsed, on a worker's stack.
    let mut page = String::from(
        "<html><body><div id=\"post_1\"><table class=\"plhin\"><tr><td class=\"t_f\">",
    );
    page.push_str(&"<span>".repeat(900));
    page.push_str("很深的一层文字");
    page.push_str(&"</span>".repeat(900));
    page.push_str("</td></tr></table></div></body></html>");
    let e = on_worker_stack(move || {
        lib_extract(
            "http://bbs.jikechaguan.test/thread-1-1-1.html",
            page.as_bytes(),
        )
    })
    .unwrap();
    assert_eq!(e.posts[0].text, "很深的一层文字");
}

#[test]
fn profile_option_forces_a_profile_and_unknown_ones_are_errors() {
    let dir = fixture_dir();
    // The Discourse JSON at an address that says nothing: chosen by shape.
    let v = extract_json(
        &dir.join("discourse-topic.json"),
        "https://community.xingzhou.test/latest-copy",
        &[],
    );
    assert_eq!(v["profile"], "discourse");
    // Forced.
    let v = extract_json(
        &dir.join("qa-big5.html"),
        "http://wenda.example.test/somewhere",
        &["--profile", "qa"],
    );
    assert_eq!(v["profile"], "qa");
    assert_eq!(posts(&v).len(), 4);
    let out = earshot()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["extract", "--profile", "vbulletin", "--json"])
        .arg(dir.join("qa-big5.html"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("no such profile"),
        "{}",
        text(&out.stderr)
    );
}
