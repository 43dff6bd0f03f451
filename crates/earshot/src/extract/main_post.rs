//! A profile that knows a site's comments but not its theme's article
//! markup: an old WordPress theme puts the post in `div.post > div.entry`,
//! which the profile's article rule (`article.post … .entry-content`)
//! misses, while its comment rule (`ol.commentlist li.comment >
//! div.comment-body`) matches. Read as the profile alone, the page is its
//! comments and the article is lost; here the generic extractor reads the
//! article and the profile's comments follow it.

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

#[cfg(test)]
mod tests {
    use super::super::{extract_with, Options};

    #[test]
    fn an_old_theme_s_article_is_read_before_the_profile_s_comments() {
        let url = url::Url::parse("https://platformnine.test/2026/11/s3-back/").unwrap();
        let html = include_str!("../../../../tests/fixtures/extract/wordpress-old-theme.html");
        let o = Options {
            profile: None,
            tz: chrono_tz::UTC,
            fetched_at: chrono::Utc::now(),
            drop_lines: &[],
        };
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
}
