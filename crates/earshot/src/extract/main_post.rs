//! Where a profile reads less than the article the page prints. First, a
//! profile that knows a site's comments but not its theme's article
//! markup: an old WordPress theme puts the post in `div.post > div.entry`,
//! which the profile's article rule (`article.post … .entry-content`)
//! misses, while its comment rule (`ol.commentlist li.comment >
//! div.comment-body`) matches. Read as the profile alone, the page is its
//! comments and the article is lost; here the generic extractor reads the
//! article and the profile's comments follow it. Second, a news site's
//! review whose JSON-LD `Review` holds only the summary: the generic
//! extractor's article becomes the review's text.

use scraper::Html;

use super::{css, Extracted, PageKind, Post, Profile};

/// The profile reads articles with comments, its first post rule (the
/// article) found no element with text on this page, and a later rule
/// (the comments) found posts.
pub(super) fn missing(p: &Profile, doc: &Html, e: &Extracted) -> bool {
    if p.kind != PageKind::Article || p.posts.len() < 2 || e.posts.is_empty() {
        return false;
    }
    let Some(first) = p.posts.first() else {
        return false;
    };
    let (Some(item), Some(content)) = (css(&first.item), css(&first.content)) else {
        return false;
    };
    doc.select(&item).all(|el| {
        el.select(&content)
            .next()
            .is_none_or(|c| c.text().all(|t| t.trim().is_empty()))
    })
}

/// `e` (the profile's comments) with the generic extractor's article `g`
/// first. When the generic extractor's article holds a comment's opening
/// words it took the comment list for the article, and `e` stays as it is.
pub(super) fn with_article(mut e: Extracted, g: Extracted) -> Extracted {
    let Some(article) = g.posts.into_iter().next() else {
        return e;
    };
    let key = |s: &str| -> String { s.chars().filter(|c| c.is_alphanumeric()).collect() };
    let body = key(&article.text);
    if body.is_empty() {
        return e;
    }
    let took_comments = e.posts.iter().any(|c| {
        let opening: String = key(&c.text).chars().take(40).collect();
        opening.chars().count() >= 12 && body.contains(&opening)
    });
    if took_comments {
        return e;
    }
    e.notes.push(format!(
        "profile `{}` found the comments but not the article; the generic article extractor read the article",
        e.profile
    ));
    let comments = std::mem::take(&mut e.posts);
    e.posts = std::iter::once(Post {
        floor: Some(1),
        ..article
    })
    .chain(comments.into_iter().map(|c| Post {
        floor: c.floor.map(|f| f + 1),
        ..c
    }))
    .collect();
    // The generic extractor's title is the headline nearest the article
    // (its `<title>` suffix cut); the profile's came from elsewhere.
    e.title = g.title.or(e.title);
    e
}

/// The page is one review (an editorial review: a news site's review of a
/// product), and the review's text in its JSON-LD or markup is the page's
/// summary (its `description` or `og:description` meta), not the review
/// the page prints. Read alone, the article was lost but for its summary.
pub(super) fn summary_only(p: &Profile, doc: &Html, e: &Extracted) -> bool {
    if p.kind != PageKind::Review || e.posts.len() != 1 || !is_article(doc) {
        return false;
    }
    let key = |s: &str| -> String { s.chars().filter(|c| c.is_alphanumeric()).collect() };
    let review = key(&e.posts[0].text);
    if review.chars().count() < 40 {
        return false;
    }
    let Some(sel) = css("meta[name=description], meta[property='og:description']") else {
        return false;
    };
    // The description is the review's text, or its opening cut with `…`.
    doc.select(&sel)
        .filter_map(|m| m.value().attr("content"))
        .map(key)
        .any(|d| d.chars().count() >= 40 && review.starts_with(&d))
}

/// The page calls itself an article (`og:type` `article`, or a JSON-LD
/// `Article`, `NewsArticle` or `BlogPosting`), as a news site's review
/// does and a shop's page of one customer's review does not.
fn is_article(doc: &Html) -> bool {
    static TYPE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let ld_type = TYPE.get_or_init(|| {
        regex::Regex::new(
            r#""@type"\s*:\s*"(?:Article|NewsArticle|BlogPosting|ReportageNewsArticle)""#,
        )
        .expect("static regex")
    });
    let og = css("meta[property='og:type']").is_some_and(|sel| {
        doc.select(&sel)
            .filter_map(|m| m.value().attr("content"))
            .any(|c| c.trim().eq_ignore_ascii_case("article"))
    });
    og || css("script[type='application/ld+json']").is_some_and(|sel| {
        doc.select(&sel)
            .any(|s| ld_type.is_match(&s.text().collect::<String>()))
    })
}

/// The one review of `e` with the generic extractor's article (`g`) as
/// its text, its author, date and rating kept, when that article is at
/// least three times the summary's length.
pub(super) fn with_article_text(mut e: Extracted, g: Extracted) -> Extracted {
    let (Some(review), Some(article)) = (e.posts.first_mut(), g.posts.into_iter().next()) else {
        return e;
    };
    if article.text.chars().count() < review.text.chars().count() * 3 {
        return e;
    }
    review.text = article.text;
    review.removed.extend(article.removed);
    if review.author.is_none() {
        review.author = article.author;
    }
    e.notes.push(format!(
        "profile `{}`: the review's text is the page's summary; the generic article extractor read the review",
        e.profile
    ));
    e
}

#[cfg(test)]
mod tests {
    use super::super::{extract_with, Options};

    #[test]
    fn an_old_theme_s_article_is_read_before_the_profile_s_comments() {
        let url = url::Url::parse("https://platformnine.test/2026/11/s3-back/").unwrap();
        let html = include_str!("../../../../tests/fixtures/extract/wordpress-old-theme.html");
        let o = Options::for_tests();
        let e = extract_with(&url, html, &o).unwrap();
        assert_eq!(e.profile, "wordpress");
        assert_eq!(e.posts.len(), 5, "{:#?}", e.posts);
        let article = &e.posts[0];
        assert!(
            article.text.starts_with("Three weeks ago I returned"),
            "{}",
            article.text
        );
        assert!(article.text.contains("anything starting with 2B"));
        assert!(!article.text.contains("Same story here"));
        assert_eq!(article.floor, Some(1));
        assert_eq!(
            e.title.as_deref(),
            Some("Why I sent my Xingzhou S3 back (and then bought it again)")
        );
        // The comments follow, each with its author and date, their names
        // and dates out of the text.
        let names: Vec<_> = e.posts[1..].iter().map(|p| p.author.as_deref()).collect();
        assert_eq!(
            names,
            [
                Some("Deepak M"),
                Some("Ruth Okafor"),
                Some("Hannah L."),
                Some("Ruth Okafor")
            ]
        );
        assert!(e.posts[1].text.starts_with("Same story here"));
        assert!(e.posts[1..].iter().all(|p| p.published_at.is_some()));
        assert_eq!(e.posts[4].floor, Some(5));
        assert!(e
            .notes
            .iter()
            .any(|n| n.contains("found the comments but not the article")));
    }

    #[test]
    fn an_editorial_review_whose_json_ld_holds_its_summary_is_read_whole() {
        let url = url::Url::parse("https://gadgetledger.test/reviews/xingzhou-s3/").unwrap();
        let html = include_str!("../../../../tests/fixtures/extract/review-editorial.html");
        let o = Options::for_tests();
        let e = extract_with(&url, html, &o).unwrap();
        assert_eq!(e.profile, "review");
        assert_eq!(e.posts.len(), 1, "{:#?}", e.posts);
        let review = &e.posts[0];
        // The summary, then the review's sections, not the summary alone.
        assert!(review
            .text
            .starts_with("The Xingzhou S3 cancels train noise"));
        for part in ["The antenna problem", "box code starting 2B", "Verdict"] {
            assert!(review.text.contains(part), "{part}: {}", review.text);
        }
        assert!(!review.text.contains("More reviews"));
        // What the JSON-LD said of the review stays.
        assert_eq!(review.author.as_deref(), Some("Mei Lindqvist"));
        let rating = review.rating.expect("rating");
        assert_eq!((rating.value, rating.best), (82.0, 100.0));
        assert!(review.published_at.is_some());
    }
}
