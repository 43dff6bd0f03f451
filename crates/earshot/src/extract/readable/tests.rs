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

/// A photo blog's post of one sentence (fixture written for earshot): the
/// strict attempt finds it in the post's element, under `MIN_ARTICLE`; the
/// relaxed attempts would take the footer's credit paragraphs instead,
/// which do not hold it. The post's sentence is the text.
#[test]
fn a_one_sentence_post_is_not_replaced_by_the_footer() {
    let page = include_bytes!("../../../../../tests/fixtures/extract/blog-one-line-post-en.html");
    let (e, _) = article(page, "https://nightwalks.test/2026/11/ferry-terminal-sign/");
    assert_eq!(e.profile, "generic");
    let body = &e.posts.first().expect("a post").text;
    assert!(
        body.contains(
            "Twenty years dark, and tonight the old neon over the ferry terminal is burning again!"
        ),
        "{body:?}"
    );
    for junk in ["If you find anything", "All photographs", "Low tide"] {
        assert!(!body.contains(junk), "{junk:?} leaked into {body:?}");
    }
}

/// A page whose whole text is one short paragraph in a list (fixture
/// written for earshot), under `MIN_ARTICLE` in every attempt: that
/// paragraph is the text, not nothing.
#[test]
fn a_page_of_one_short_paragraph_is_that_paragraph() {
    let page = include_bytes!("../../../../../tests/fixtures/extract/note-one-paragraph-en.html");
    let (e, _) = article(page, "https://readinggroup.test/notes/thursday");
    assert_eq!(e.profile, "generic");
    let body = &e.posts.first().expect("a post").text;
    assert_eq!(
        body,
        "The reading group moves to Thursday this week. Bring the second half of the novel read."
    );
}

/// Only a short text with a sentence in it is kept over a relaxed
/// attempt's: a masthead line or a headline with its byline is not a post.
#[test]
fn a_short_text_needs_a_sentence() {
    use super::render::has_sentence;
    assert!(has_sentence("Simply beautiful! New material from the band"));
    assert!(has_sentence("Repurpose with a creative purpose. @someone"));
    assert!(has_sentence("今晚码头的霓虹灯又亮了。"));
    assert!(!has_sentence("Jump to navigation Skip navigation"));
    assert!(!has_sentence(
        "Goa's online news edition - Sunday, January 20, 2008"
    ));
    assert!(!has_sentence(
        "What we're reading: Thursday\n\nRick Bosh\n\n6:29 AM on 05/23/2013"
    ));
}

/// A page whose `<script src="…` quote is never closed (fixture written
/// for earshot): the parser reads the head's end, the body's start and
/// the story as that script's text, up to the next `</script>`, and only
/// the footer's site-requirements notice is left as the page. The script
/// text that holds the page's `<body>` tag is read as the page.
#[test]
fn a_story_swallowed_by_an_open_script_tag_is_read() {
    let page =
        include_bytes!("../../../../../tests/fixtures/extract/news-swallowed-script-en.html");
    let (e, _) = article(page, "https://millbrook-courier.test/news/pier-theatre");
    assert_eq!(e.profile, "generic");
    let body = &e.posts.first().expect("a post").text;
    for part in [
        "The pier theatre at Millbrook, shut since a winter storm",
        "Local carpenters rebuilt the stage",
        "a seat in the front row.",
    ] {
        assert!(body.contains(part), "{part:?} missing from {body:?}");
    }
    for junk in [
        "Site Requirements",
        "Site best viewed",
        "To reach the newsroom",
    ] {
        assert!(!body.contains(junk), "{junk:?} leaked into {body:?}");
    }
}

/// Only a script that holds a `<body>` start tag and markup after it has
/// swallowed the page; a script that writes markup of its own has not.
#[test]
fn a_script_has_swallowed_the_page_only_with_a_body_tag() {
    use super::swallowed::holds_body_tag;
    assert!(holds_body_tag(
        "x\n</head>\n<BODY bgcolor=\"#fff\">\n<p>story</p>"
    ));
    assert!(holds_body_tag("<body>\n<table><tr><td>a</td></tr></table>"));
    assert!(!holds_body_tag("document.write('<p>' + tease + '</p>');"));
    assert!(!holds_body_tag(
        "var bodyText = '<bodytext>'; el.innerHTML = '</b>';"
    ));
    assert!(!holds_body_tag("document.body.appendChild(el); // <body"));
}

/// A page whose start was lost (fixture written for earshot): it opens in
/// the middle of a script, whose code the parser reads as text in the
/// body, and the head's `<style>` after it lands in the body too. The code
/// before that head matter is left out; the story stays.
#[test]
fn script_code_before_the_head_matter_of_a_page_that_lost_its_start_is_left_out() {
    let page = include_bytes!("../../../../../tests/fixtures/extract/news-lost-start-en.html");
    let (e, _) = article(page, "https://harbour-gazette.test/news/ferry-winter");
    assert_eq!(e.profile, "generic");
    let body = &e.posts.first().expect("a post").text;
    for part in [
        "The harbour ferry will run every forty minutes",
        "The last sailing from the town quay",
        "The refit should be finished by the end of February.",
    ] {
        assert!(body.contains(part), "{part:?} missing from {body:?}");
    }
    for junk in [
        "tipOffsetX",
        "document.write",
        "function showTip",
        "tipOn=false",
    ] {
        assert!(!body.contains(junk), "{junk:?} leaked into {body:?}");
    }
}

/// Only a page with an empty head whose body opens with bare text has
/// stray text; a page without a head whose body opens with an element, or
/// whose only `<meta>` in the body is microdata, keeps all its text.
#[test]
fn stray_text_needs_an_empty_head_and_a_body_that_opens_with_text() {
    let stray = |html: &str| {
        let doc = scraper::Html::parse_document(html);
        let body = doc
            .tree
            .nodes()
            .find(|n| n.value().as_element().is_some_and(|e| e.name() == "body"))
            .expect("a body");
        super::swallowed::stray_text(body).len()
    };
    assert_eq!(
        stray("var a=1\nfunction f(){}\n<style>p{}</style><p>Story.</p>"),
        1
    );
    assert_eq!(
        stray("<title>T</title>var a=1<style>p{}</style><p>Story.</p>"),
        0
    );
    assert_eq!(stray("<p>Story.</p><style>p{}</style>"), 0);
    // Text in a paragraph before a `<link>` in the body is the page's own.
    assert_eq!(
        stray("Headline</x><div><p>Story.</p></div><link rel=stylesheet>"),
        0
    );
    assert_eq!(
        stray("Story text.<span><meta itemprop=\"datePublished\" content=\"2026\"></span>"),
        0
    );
}

/// A text in two columns of an old table layout, each column a table whose
/// one cell (`td.colText`) holds the paragraphs: the top candidate is the
/// left column's classless table, and its cell's twin on the right joins
/// it; a box of teasers with that class (link titles) stays out.
#[test]
fn a_text_in_two_table_columns_is_read_whole() {
    let page = include_bytes!("../../../../../tests/fixtures/extract/history-two-columns-en.html");
    let (e, _) = article(page, "https://history.test/villages/harrowfield/");
    let body = &e.posts[0].text;
    let mut at = 0;
    for f in [
        "Harrowfield grew up around two corn mills",
        "the long quarrel over the footbridge.",
        "The footbridge was the village's great argument.",
        "Please ask at the desk if you would like copies.",
    ] {
        let i = body[at..]
            .find(f)
            .unwrap_or_else(|| panic!("{f:?} missing or out of order in {body:?}"));
        at += i + f.len();
    }
    for junk in [
        "Tolley Edge -",
        "sheep fair",
        "Population in 1851",
        "© 2026",
    ] {
        assert!(!body.contains(junk), "{junk:?} leaked into {body:?}");
    }
}
