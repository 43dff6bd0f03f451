//! Failure classes of the article finder, each on a page of our own making
//! (`tests/fixtures/extract/`; see the failure-class list in its README).

use url::Url;

fn article(bytes: &[u8], url: &str) -> (crate::extract::Extracted, &'static encoding_rs::Encoding) {
    let (text, enc) = crate::fetch::decode(bytes, None);
    let url = Url::parse(url).expect("static URL");
    let fetched = chrono::DateTime::<chrono::Utc>::from_timestamp(1_795_000_000, 0)
        .expect("static timestamp");
    let e = crate::extract::extract(&url, &text, None, chrono_tz::UTC, fetched)
        .expect("the fixture extracts");
    (e, enc)
}

#[test]
fn an_article_split_into_like_sections_is_read_whole() {
    let page = include_bytes!("../../../../../tests/fixtures/extract/article-split-sections.html");
    let (e, _) = article(page, "https://harbour.test/sea/night-ferry");
    assert_eq!(e.profile, "generic");
    let body = &e.posts[0].text;
    // The first section, the one inside a wrapper, and the last one, in order.
    let firsts = [
        "For thirty-one years the last ferry",
        "Nobody did ask, at first.",
        "The plan was modest:",
        "carrying more passengers than at any time since 2019.",
    ];
    let mut at = 0;
    for f in firsts {
        let i = body[at..]
            .find(f)
            .unwrap_or_else(|| panic!("{f:?} missing or out of order in {body:?}"));
        at += i + f.len();
    }
    // What sits between the sections, and the rail, stay out.
    for junk in ["Photo: Harbour Weekly", "Most read", "Seal pups", "© 2026"] {
        assert!(!body.contains(junk), "{junk:?} leaked into {body:?}");
    }
}

#[test]
fn a_utf8_page_under_a_stale_gb2312_label_reads_as_chinese() {
    let page = include_bytes!("../../../../../tests/fixtures/extract/news-stale-charset.html");
    let (e, enc) = article(page, "https://news.test/city/2026/1120/library.html");
    assert_eq!(enc, encoding_rs::UTF_8);
    let body = &e.posts[0].text;
    assert!(
        body.starts_with("从下个月起，城东社区图书馆的开放时间将延长到晚上十点"),
        "{body:?}"
    );
    assert!(body.contains("现在终于可以安心看完一章"), "{body:?}");
    assert_eq!(e.title.as_deref(), Some("社区图书馆延长夜间开放时间"));
}
