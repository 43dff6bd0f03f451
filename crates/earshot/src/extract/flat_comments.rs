//! Blog comments printed flat after the entry (Movable Type, TypePad
//! templates), cut from the generic extractor's article text.

use super::{text, Removed};

/// Comments that a blog template (Movable Type, TypePad) prints as flat
/// siblings of the entry, each comment's text followed by its byline
/// (`Posted by: Ann at November 7, 2012 3:09 PM`): no element holds a
/// comment with its byline, so `repeated` finds no blocks, and the
/// article's element takes them in. When at least two such bylines follow
/// the entry's own footer (`Posted by Kathy on April 6, 2007`, `Posted on
/// …`, no colon), the text after the footer is cut and returned as a
/// removal record.
pub(super) fn cut(body: &str) -> (String, Option<Removed>) {
    let short = |p: &str| p.chars().count() <= 160;
    let byline = |p: &str| {
        short(p)
            && p.get(..11)
                .is_some_and(|h| h.eq_ignore_ascii_case("posted by: "))
    };
    let footer = |p: &str| {
        let l = p.to_ascii_lowercase();
        short(p)
            && (l.starts_with("posted on ")
                || l.starts_with("posted at ")
                || (l.starts_with("posted by ") && !l.starts_with("posted by :")))
    };
    let paras: Vec<&str> = body.split("\n\n").collect();
    let mut bylines = paras.iter().enumerate().filter(|(_, p)| byline(p.trim()));
    let (Some((first, _)), Some(_)) = (bylines.next(), bylines.next()) else {
        return (body.to_string(), None);
    };
    let Some(end) = paras[..first].iter().rposition(|p| footer(p.trim())) else {
        return (body.to_string(), None);
    };
    let cut = paras[end + 1..].join("\n\n");
    let removed = Removed {
        text: text::clip(&text::collapse(&cut)),
        reason: "comments after the entry's `Posted by … at …` line".into(),
    };
    (paras[..=end].join("\n\n"), Some(removed))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::date;
    use scraper::Html;
    use url::Url;

    /// A Movable Type-style blog (table layout, fixture written for this
    /// test): each comment's text in `div.commentbody`, its `Posted by:`
    /// byline beside it, so no element holds a comment whole. The entry
    /// ends at its own `Posted by … at …` line; the comments after it are
    /// cut from the article's text and recorded as removed.
    #[test]
    fn flat_comments_after_the_entry_s_posted_by_line_leave_the_article() {
        let ctx = date::Context {
            tz: chrono_tz::UTC,
            now: chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 11, 23, 0, 0, 0)
                .single()
                .unwrap_or_default(),
        };
        let html = include_str!("../../../../tests/fixtures/extract/blog-flat-comments-en.html");
        let url = Url::parse("https://quiet-commute.test/2026/11/night-bus-earbuds.html")
            .expect("static URL");
        let e = super::super::generic::extract(&url, &Html::parse_document(html), &ctx);
        let post = &e.posts[0];
        // (The navigation line above the entry stays: another class.)
        assert!(post.text.contains("A month ago I bought"), "{}", post.text);
        // The entry's own `Posted by … at …` line ends the article and
        // gives its author and date (`byline`), out of the text.
        assert!(
            post.text.ends_with("the pair my neighbour swears by."),
            "{}",
            post.text
        );
        assert_eq!(post.author.as_deref(), Some("Ines Varga"));
        assert_eq!(
            post.published_at.map(|d| d.to_rfc3339()).as_deref(),
            Some("2026-11-20T22:42:00+00:00")
        );
        for bad in ["steel in the railings", "multipoint", "Posted by: Greta"] {
            assert!(!post.text.contains(bad), "{bad} in {}", post.text);
        }
        assert!(
            post.removed
                .iter()
                .any(|r| r.reason.contains("comments") && r.text.contains("railings")),
            "{:?}",
            post.removed
        );
        // Bylines without the entry's own line before them stay (a page
        // that is a list of quotes, say): nothing is cut.
        let body = "Ann said this.\n\nPosted by: Ann at May 1, 2026\n\nBo said that.\n\nPosted by: Bo at May 2, 2026";
        assert_eq!(cut(body), (body.to_string(), None));
    }
}
