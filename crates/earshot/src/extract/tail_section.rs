//! The page's own sections after an article that the article's element
//! takes in (a comment form's `Leave a Reply`, `Comments are now closed for
//! this story` and the comments under it, `Related on HuffPost:` and a
//! slideshow, `You may also be interested in:`, `Recent Posts`), cut from
//! the generic extractor's article text.

use super::{text, Removed};

/// Text before a heading that is at least this many characters, and at
/// least `MIN_SHARE_BEFORE` of the whole: a heading near the top is the
/// page's chrome before a short article, not a section after it.
const MIN_BEFORE: usize = 300;
const MIN_SHARE_BEFORE: f64 = 0.2;

/// A paragraph that is only a heading that opens a section after the
/// article: the comments, the comment form, trackbacks, related or recent
/// stories. Words that also head a section of an article's own text
/// (`Response`, `Most read`, `Discussion`) are not among them.
pub(super) fn is_heading(p: &str) -> bool {
    static R: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let r = R.get_or_init(|| {
        regex::Regex::new(
            r"(?i)^(?:comments? (?:are|is) (?:now )?closed(?: for this (?:story|article|post|entry))?\.?|leave a (?:reply|comment)|post a comment|add (?:a |your )?comment|join the (?:discussion|conversation)|related on [^\n]{1,40}:|you (?:may|might) also (?:like|be interested in):?|recent posts|trackbacks?|more from [^\n]{1,40}(?:…|\.\.\.|:)|you must be logged in to post a comment\.?)$",
        )
        .expect("static regex")
    });
    let p = p.trim();
    !p.contains('\n') && p.chars().count() <= 60 && r.is_match(p)
}

/// `body` (paragraphs separated by blank lines) without the first section
/// heading after the article and everything after it, and what was cut as
/// a removal record; `body` unchanged when there is no such heading.
pub(super) fn cut(body: &str) -> (String, Option<Removed>) {
    let total = body.chars().count();
    let mut before = 0usize;
    let mut at = None;
    for p in body.split("\n\n") {
        if before >= MIN_BEFORE && before as f64 >= MIN_SHARE_BEFORE * total as f64 && is_heading(p)
        {
            at = Some(before);
            break;
        }
        before += p.chars().count() + 2;
    }
    let Some(at) = at else {
        return (body.to_string(), None);
    };
    let split = body.char_indices().nth(at).map_or(body.len(), |(i, _)| i);
    let (kept, cut) = body.split_at(split);
    let heading = cut.lines().next().unwrap_or("").trim();
    let removed = Removed {
        text: text::clip(&text::collapse(cut)),
        reason: format!("a section after the article (`{heading}`)"),
    };
    (kept.trim_end().to_string(), Some(removed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_of_the_sections_after_an_article() {
        for h in [
            "Leave a Reply",
            "Comments are now closed for this story",
            "Related on HuffPost:",
            "You may also be interested in:",
            "Recent Posts",
            "TRACKBACKS",
            "More from mental_floss…",
            "You must be logged in to post a comment.",
        ] {
            assert!(is_heading(h), "{h:?}");
        }
        for p in [
            "Response",
            "Most Read Business Stories",
            "In response to the query, the minister said the comments are closed to the press.",
            "Leave a reply to this letter within the week, the notice said.",
            "Recent posts on the forum suggest the opposite.",
        ] {
            assert!(!is_heading(p), "{p:?}");
        }
    }

    #[test]
    fn a_heading_at_the_top_is_not_cut() {
        let body = "Recent Posts\n\nA short article that follows the page's menu.";
        assert_eq!(cut(body).0, body);
    }

    /// A regional paper's story (fixture written for earshot) whose cell
    /// holds a `Related on …:` list and then the closed comments, names in
    /// bold: the story's paragraphs only, what followed them recorded as
    /// removed.
    #[test]
    fn the_related_list_and_closed_comments_after_a_story_leave_it() {
        let html = include_str!("../../../../tests/fixtures/extract/news-comments-closed-en.html");
        let doc = scraper::Html::parse_document(html);
        let url = url::Url::parse("https://harbourpost.example.org/news/ferry-fares").unwrap();
        let ctx = crate::extract::date::Context {
            tz: chrono_tz::UTC,
            now: chrono::Utc::now(),
        };
        let e = super::super::generic::extract(&url, &doc, &ctx);
        let post = &e.posts[0];
        assert!(
            post.text
                .starts_with("Fares on the three harbour ferry routes"),
            "{:?}",
            post.text
        );
        assert!(
            post.text.ends_with("would not change this year."),
            "{:?}",
            post.text
        );
        for junk in [
            "Related on",
            "new Westhaven pier takes shape",
            "Comments are now closed",
            "Marta",
            "bigger boat",
        ] {
            assert!(!post.text.contains(junk), "{junk:?} in {:?}", post.text);
        }
        let r = post
            .removed
            .iter()
            .find(|r| r.reason.contains("Related on The Harbour Post:"));
        assert!(
            r.is_some_and(|r| r.text.contains("Westhaven pier takes shape")),
            "{:?}",
            post.removed
        );
    }
}
