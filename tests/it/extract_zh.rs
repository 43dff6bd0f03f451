//! `earshot extract` on Chinese pages of shapes no fixture had before
//! (issue 26): a Tieba-style thread, a Discuz! mobile thread, a table-layout
//! forum, a Big5 Taiwan news article, a WordPress-zh post with comments, a
//! Zhihu-like Q&A page. Their golden files are checked with the others in
//! `extract::fixtures_match_their_golden_output`.

use crate::extract::{authors_and_dates, extract_json, fixture_dir, posts};

/// (fixture, its address, title, language, each post's author and date).
type Case = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

/// Chinese pages of shapes no fixture had before (issue 26), read as a new
/// user would: title, language, and each post's author and date, written
/// down by hand before the extractor's output was looked at.
#[test]
fn chinese_pages_of_unseen_shapes() {
    let cases: &[Case] = &[
        (
            "tieba-thread.html",
            "https://tieba.baidu.test/p/8812345677",
            "星舟S3左耳老是断连，有人遇到过吗？",
            "zh-Hans",
            &[
                ("地铁通勤党", "2026-11-21T21:08:00+08:00"),
                ("耳机老炮儿", "2026-11-21T21:35:00+08:00"),
                ("地铁通勤党", "2026-11-21T21:40:00+08:00"),
                ("耳机老炮儿", "2026-11-21T21:52:00+08:00"),
                ("小鹿不吃草", "2026-11-22T08:12:00+08:00"),
                ("钢琴与猫", "2026-11-23T11:00:00+08:00"),
            ],
        ),
        (
            "discuz-mobile-gbk.html",
            "http://bbs.erjizhijia.test/forum.php?mod=viewthread&tid=3321&mobile=2",
            "S3 用了半年，说说电池衰减",
            "zh-Hans",
            &[
                ("雨后小蜗牛", "2026-11-20T21:08:00+08:00"),
                ("老周不听歌", "2026-11-20T21:31:00+08:00"),
                ("橙子味汽水", "2026-11-22T22:47:00+08:00"),
                ("雨后小蜗牛", "2026-11-23T12:00:00+08:00"),
            ],
        ),
        (
            "table-forum-gbk.html",
            "http://www.shumachaguan.test/dispbbs.asp?boardid=12&id=88201",
            "青禾 Q7 平板充电发烫，正常吗？",
            "zh-Hans",
            &[
                ("陈喆", "2008-03-14T13:56:00+08:00"),
                ("老茶客", "2008-03-14T14:20:31+08:00"),
                ("小林子", "2008-03-15T09:02:10+08:00"),
            ],
        ),
        (
            "news-big5-tw.html",
            "https://news.dongan.test/tech/20261122/q7.html",
            "青禾Q7平板傳充電過熱 原廠：韌體下週修正",
            "zh-Hant",
            &[("林怡君", "2026-11-22T08:30:00+08:00")],
        ),
        (
            "wordpress-zh-comments.html",
            "https://ashu-bike.test/2026/11/q7-mount/",
            "骑车通勤一年，聊聊我的青禾Q7平板支架",
            "zh-Hans",
            &[
                ("阿树", "2026-11-20T00:00:00+08:00"),
                ("小雨跑步", "2026-11-20T22:14:00+08:00"),
                ("阿树", "2026-11-21T07:50:00+08:00"),
                ("老K", "2026-11-22T12:31:00+08:00"),
                ("低价耳机", "2026-11-23T09:02:00+08:00"),
            ],
        ),
        (
            "qa-zhihu-like.html",
            "https://www.zhiwen.test/question/41822",
            "青禾 Q7 平板值得买吗？",
            "zh-Hans",
            &[
                ("", ""),
                ("数码老胡", "2026-11-18T11:40:11+08:00"),
                ("阿杏", "2026-11-21T22:02:33+08:00"),
                ("匿名用户", "2026-11-23T10:15:00+08:00"),
            ],
        ),
    ];
    let dir = fixture_dir();
    for (name, url, title, lang, want) in cases {
        let v = extract_json(&dir.join(name), url, &[]);
        assert_eq!(v["title"], *title, "{name}");
        assert_eq!(v["lang"], *lang, "{name}");
        assert_eq!(authors_and_dates(posts(&v)), *want, "{name}");
        for p in posts(&v) {
            let t = p["text"].as_str().unwrap_or("");
            for bad in [
                "回复(",
                "1楼",
                "更新時間",
                "延伸閱讀",
                "此条目发表在",
                "赞同",
                "注册：",
                "来自手机",
                "说道",
            ] {
                assert!(!t.contains(bad), "{name}: {bad} in {t}");
            }
        }
    }
}
