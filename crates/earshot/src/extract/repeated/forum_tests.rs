//! Tests of `extract::repeated` on forum and Q&A shapes no profile knows,
//! on fixtures of our own making (`tests/fixtures/extract/README.md`).

use super::super::{Extracted, PageKind};
use super::tests::read;

/// (author, date) of each post.
fn who_when(e: &Extracted) -> Vec<(String, String)> {
    e.posts
        .iter()
        .map(|p| {
            (
                p.author.clone().unwrap_or_default(),
                p.published_at.map(|d| d.to_rfc3339()).unwrap_or_default(),
            )
        })
        .collect()
}

fn pairs(want: &[(&str, &str)]) -> Vec<(String, String)> {
    want.iter()
        .map(|(a, d)| (a.to_string(), d.to_string()))
        .collect()
}

/// A Discuz! mobile thread (`div.plc`, which the desktop profile does not
/// know): the article extractor takes all the floors as one text, which
/// the blocks are most of. Blocks naming their floors (`楼主`, `沙发`,
/// `4#`) are a thread's posts, not an article's parts: one post each, the
/// labels, the quote's attribution and the `来自手机` tail out of the text.
#[test]
fn floor_labelled_blocks_are_a_threads_posts() {
    let e = read(
        include_bytes!("../../../../../tests/fixtures/extract/discuz-mobile-gbk.html"),
        "http://bbs.erjizhijia.test/forum.php?mod=viewthread&tid=3321&mobile=2",
    );
    assert_eq!(e.kind, PageKind::Thread);
    assert_eq!(
        who_when(&e),
        pairs(&[
            ("雨后小蜗牛", "2026-11-20T21:08:00+08:00"),
            ("老周不听歌", "2026-11-20T21:31:00+08:00"),
            ("橙子味汽水", "2026-11-22T22:47:00+08:00"),
            ("雨后小蜗牛", "2026-11-23T12:00:00+08:00"),
        ])
    );
    assert!(
        e.posts[0].text.starts_with("五月份买的"),
        "{}",
        e.posts[0].text
    );
    // The quoted post is kept apart, with its attribution.
    assert_eq!(
        e.posts[1].text,
        "合页松是通病，我的也这样，拿去售后换了个盒子，没收钱。"
    );
    let quote = e.posts[1].quote.as_deref().unwrap_or("");
    assert!(
        quote.starts_with("雨后小蜗牛 发表于 2026-11-20 21:08"),
        "{quote}"
    );
    assert!(!e.posts[2].text.contains("来自手机"), "{}", e.posts[2].text);
    for p in &e.posts {
        for bad in ["楼主", "沙发", "板凳", "4#"] {
            assert!(!p.text.contains(bad), "{bad} in {}", p.text);
        }
    }
}

/// A Tieba-style thread: each floor's replies (`楼中楼`, `li.lzl_single_post`,
/// another kind of block inside the floor) are posts of their own after
/// the floor, not lines of its text with their dates and `回复` links.
#[test]
fn replies_nested_in_a_floor_are_posts_of_their_own() {
    let e = read(
        include_bytes!("../../../../../tests/fixtures/extract/tieba-thread.html"),
        "https://tieba.baidu.test/p/8812345677",
    );
    assert_eq!(e.kind, PageKind::Thread);
    assert_eq!(
        who_when(&e),
        pairs(&[
            ("地铁通勤党", "2026-11-21T21:08:00+08:00"),
            ("耳机老炮儿", "2026-11-21T21:35:00+08:00"),
            ("地铁通勤党", "2026-11-21T21:40:00+08:00"),
            ("耳机老炮儿", "2026-11-21T21:52:00+08:00"),
            ("小鹿不吃草", "2026-11-22T08:12:00+08:00"),
            ("钢琴与猫", "2026-11-23T11:00:00+08:00"),
        ])
    );
    assert!(
        e.posts[1].text.ends_with("会好很多。"),
        "{}",
        e.posts[1].text
    );
    assert_eq!(e.posts[2].text, "这个选项在哪？App里翻了半天没找到");
    for p in &e.posts {
        for bad in ["广告", "回复(", "1楼", "来自"] {
            assert!(!p.text.contains(bad), "{bad} in {}", p.text);
        }
    }
}

/// A table-layout forum (dvbbs-style, GB2312 label, GBK bytes): each post a
/// `<table>` whose class has a digit, the name in a bare `<b>` with no
/// class or user link, the user column's `注册：2007-5-12` before the post's
/// date. The name is the author, the registration date is not the post's,
/// the user's field lines, the repeated headline and the signature leave
/// the text; `<title>`'s site-name prefix leaves the title.
#[test]
fn a_table_forums_plain_names_and_profile_fields() {
    let e = read(
        include_bytes!("../../../../../tests/fixtures/extract/table-forum-gbk.html"),
        "http://www.shumachaguan.test/dispbbs.asp?boardid=12&id=88201",
    );
    assert_eq!(e.title.as_deref(), Some("青禾 Q7 平板充电发烫，正常吗？"));
    assert_eq!(e.kind, PageKind::Thread);
    assert_eq!(
        who_when(&e),
        pairs(&[
            ("陈喆", "2008-03-14T13:56:00+08:00"),
            ("老茶客", "2008-03-14T14:20:31+08:00"),
            ("小林子", "2008-03-15T09:02:10+08:00"),
        ])
    );
    assert!(
        e.posts[0].text.starts_with("上周买的青禾 Q7"),
        "{}",
        e.posts[0].text
    );
    assert!(
        e.posts[0].text.ends_with("需不需要去换？"),
        "{}",
        e.posts[0].text
    );
    for p in &e.posts {
        for bad in ["等级", "帖子：", "注册", "签名", "举报"] {
            assert!(!p.text.contains(bad), "{bad} in {}", p.text);
        }
    }
}

/// A Zhihu-like answer list: microdata's `dateCreated` (UTC) is the
/// answer's date, in the site's zone, not the `编辑于` date it shows or a
/// `3 小时前`; a name's `说道：` is no part of it (WordPress's old comment
/// markup); a footer link bar leaves the question.
#[test]
fn microdata_creation_dates_and_names_without_their_verb() {
    let e = read(
        include_bytes!("../../../../../tests/fixtures/extract/qa-zhihu-like.html"),
        "https://www.zhiwen.test/question/41822",
    );
    assert_eq!(e.kind, PageKind::Question);
    assert_eq!(
        who_when(&e),
        pairs(&[
            ("", ""),
            ("数码老胡", "2026-11-18T11:40:11+08:00"),
            ("阿杏", "2026-11-21T22:02:33+08:00"),
            ("匿名用户", "2026-11-23T10:15:00+08:00"),
        ])
    );
    assert!(
        e.posts[0].text.ends_with("有用过的说说吗？"),
        "{}",
        e.posts[0].text
    );
    for p in &e.posts {
        for bad in ["赞同", "编辑于", "条评论", "数码博主"] {
            assert!(!p.text.contains(bad), "{bad} in {}", p.text);
        }
    }
    let e = read(
        include_bytes!("../../../../../tests/fixtures/extract/wordpress-zh-comments.html"),
        "https://ashu-bike.test/2026/11/q7-mount/",
    );
    let names: Vec<String> = who_when(&e).into_iter().map(|(a, _)| a).collect();
    assert_eq!(names, ["阿树", "小雨跑步", "阿树", "老K", "低价耳机"]);
    assert!(
        e.posts[0].text.ends_with("我挺满意的。"),
        "{}",
        e.posts[0].text
    );
}
