//! The page's own sections after an article that the article's element
//! takes in (a comment form's `Leave a Reply`, `Comments are now closed for
//! this story` and the comments under it, `Related on HuffPost:` and a
//! slideshow, `You may also be interested in:`, `Recent Posts`), cut from
//! the generic extractor's article text; and the site's end matter under
//! an article (a comment policy, an e-mail-a-friend form, a newsletter
//! sign-up, the previous and next post, the site's disclaimer).

use super::{text, Removed};

/// End matter is looked for among the last this many paragraphs, and cut
/// only when it and what follows it are at most `END_MAX_CHARS`: a long
/// tail after such a line is more than the page's footer.
const END_PARAS: usize = 12;
const END_MAX_CHARS: usize = 1_500;

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

/// A paragraph that opens the site's end matter under an article: a
/// comment policy or form (`Comments are moderated…`, `Limit: 1000
/// characters`, `Have your say`, `No comments at the moment.`), an
/// e-mail-a-friend form, a newsletter or follow invitation, the previous
/// and next post, a print-version link, the site's disclaimer (`Reliance
/// on the information this site contains…`, `The opinions expressed in
/// this …`). Sentences that start so inside an article's own text are
/// rare and, near the end, are taken with what follows only when that is
/// short (`END_MAX_CHARS`).
pub(super) fn is_end_matter(p: &str) -> bool {
    static R: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let r = R.get_or_init(|| {
        regex::Regex::new(
            r"(?i)^(?:comments? (?:are|may be|will be) (?:moderated|reviewed)|some comments (?:posted here )?may be reviewed|limit:? \d+ characters|have your say(?:\s*$| on )|comment posters are responsible|all readers'? comments are|e-?mail this (?:story |article |page |post )?to (?:a friend|friends)|send (?:this|the) (?:story|article) to (?:a friend|friends)|e-?mail this to:|enter (?:the|your) e-?mail address|no comments (?:yet|at the moment|so far)|only (?:registered )?(?:members|users)\b.{0,40}\bcan (?:post|enter|add|leave) comments|now you'?re in the public comment zone|(?:join|subscribe to) our (?:mailing list|newsletter)|join us for free|sign up for our (?:free )?newsletter|follow (?:me|us) on twitter|previous post:|next post:|reliance on the information|please read our terms|click here to send us your|social bookmark this story|sponsored links\s*$|sponsor showcase\s*$|printer[ -]friendly|print version|the opinions expressed in this)",
        )
        .expect("static regex")
    });
    let p = p.trim();
    p.chars().count() <= 300 && r.is_match(p)
}

/// `body` without the site's end matter at its end (`is_end_matter` among
/// the last `END_PARAS` paragraphs, not the first, with at most
/// `END_MAX_CHARS` from it to the end), and what was cut as a removal
/// record; `body` unchanged when there is none. Only the tail is read.
pub(super) fn cut_end_matter(body: &str) -> (String, Option<Removed>) {
    // Byte offsets of the last END_PARAS paragraph starts, from the end;
    // stop once the tail is longer than a cut may take.
    let mut starts = Vec::with_capacity(END_PARAS);
    let mut end = body.len();
    while starts.len() < END_PARAS {
        let Some(i) = body[..end].rfind("\n\n") else {
            break;
        };
        let start = i + 2;
        if body[start..].chars().count() > END_MAX_CHARS {
            break;
        }
        starts.push(start);
        end = i;
    }
    // The earliest end-matter paragraph wins: what follows it is the
    // same footer.
    let Some(&at) = starts
        .iter()
        .rev()
        .find(|&&s| is_end_matter(body[s..].split("\n\n").next().unwrap_or("")))
    else {
        return (body.to_string(), None);
    };
    let (kept, cut) = body.split_at(at);
    let first: String = cut
        .lines()
        .next()
        .unwrap_or("")
        .trim()
        .chars()
        .take(60)
        .collect();
    let removed = Removed {
        text: text::clip(&text::collapse(cut)),
        reason: format!("the site's end matter after the article (`{first}`)"),
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

    /// The generic extractor on a fixture page, as the crawler runs it.
    fn generic(html: &str, url: &str) -> crate::extract::Extracted {
        let doc = scraper::Html::parse_document(html);
        let url = url::Url::parse(url).unwrap();
        let ctx = crate::extract::date::Context {
            tz: chrono_tz::UTC,
            now: chrono::Utc::now(),
        };
        super::super::generic::extract(&url, &doc, &ctx)
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
        let e = generic(
            include_str!("../../../../tests/fixtures/extract/news-comments-closed-en.html"),
            "https://harbourpost.example.org/news/ferry-fares",
        );
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

    #[test]
    fn end_matter_lines() {
        for p in [
            "Email this story to a friend",
            "Have your say",
            "Have your say on the latest news in our forums",
            "Comments are moderated by our editors, so there may be a delay.",
            "Some comments posted here may be reviewed before they are displayed.",
            "Limit: 1000 characters",
            "No comments at the moment.",
            "Only members of the Club can enter comments.",
            "Previous post: Winter timetable",
            "Reliance on the information this site contains is at your own risk.",
            "Print version | Email to a friend | Related articles",
            "The opinions expressed in this release are those of the organization issuing it.",
        ] {
            assert!(is_end_matter(p), "{p:?}");
        }
        for p in [
            "The council said comments are moderated more strictly since May.",
            "Have your cake and eat it, the minister said.",
            "Next season the club will play at home.",
            "Print runs of the paper have fallen by half.",
        ] {
            assert!(!is_end_matter(p), "{p:?}");
        }
    }

    #[test]
    fn end_matter_is_cut_only_near_the_end_and_when_short() {
        let story = "The library will open on Sundays.";
        let body = format!("{story}\n\nEmail this story to a friend\n\nLimit: 1000 characters");
        let (kept, removed) = cut_end_matter(&body);
        assert_eq!(kept, story);
        assert!(removed.is_some_and(|r| r.reason.contains("Email this story")));
        // Alone, it is not cut (there is nothing before it).
        let alone = "Email this story to a friend";
        assert_eq!(cut_end_matter(alone).0, alone);
        // A long tail after it is more than the site's footer.
        let long = format!(
            "{story}\n\nHave your say\n\n{}",
            "A reader's long letter. ".repeat(80)
        );
        assert_eq!(cut_end_matter(&long).0, long);
    }

    /// A small-town paper's story (fixture written for earshot) with, in
    /// the story's own cell, an e-mail-a-friend link, a `Have your say`
    /// form's heading, its moderation notice and character limit, and the
    /// site's disclaimer: the story's paragraphs only, the rest recorded
    /// as removed.
    #[test]
    fn the_sites_end_matter_after_a_story_leaves_it() {
        let e = generic(
            include_str!("../../../../tests/fixtures/extract/news-end-matter-en.html"),
            "https://millbrook-courier.test/news/library-sundays",
        );
        let post = &e.posts[0];
        assert!(
            post.text
                .starts_with("The Millbrook valley library will open"),
            "{:?}",
            post.text
        );
        assert!(post.text.ends_with("to borrow books."), "{:?}", post.text);
        for junk in [
            "Email this story",
            "Have your say",
            "moderated",
            "Limit:",
            "Reliance",
        ] {
            assert!(!post.text.contains(junk), "{junk:?} in {:?}", post.text);
        }
        assert!(
            post.removed
                .iter()
                .any(|r| r.reason.contains("end matter")
                    && r.text.contains("Limit: 1000 characters")),
            "{:?}",
            post.removed
        );
    }
}
