//! Index pages and link lists: a body that is mostly headlines (lines made
//! of the page's link texts, or short dated lines) is no article.

use scraper::Html;

/// What a body the article finder returned is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Verdict {
    /// Prose: kept whole.
    Article,
    /// A list of headlines (an index page): no article.
    Index,
    /// An article with a list of headlines after it in the same element
    /// (an old table layout's "more news" column): the first `.0` bytes
    /// are the article.
    ArticleThenList(usize),
}

/// Lines of a list after an article: at least this many.
const LIST_LINES: usize = 3;
/// Characters of prose an article before a list has at least.
const PROSE_CHARS: usize = 400;

/// Reads `body`: mostly list entries (lines made of the page's link texts,
/// or short lines ending in a date, `…拒保 11-21 08:00`) is an index of
/// headlines, not an article, unless the entries all come after the prose
/// as one run of lines: then the prose is the article and the run its
/// page's headline list.
pub(super) fn judge(doc: &Html, body: &str) -> Verdict {
    // No text, no lines to weigh: the anchors need not be collected.
    if body.trim().is_empty() {
        return Verdict::Article;
    }
    let Some(a) = super::css("a") else {
        return Verdict::Article;
    };
    // Each anchor's text collapsed as it is read (`text::collapse` of
    // its joined text), with its length in characters.
    let mut set: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut t = String::new();
    for e in doc.select(&a) {
        t.clear();
        let (mut n, mut gap) = (0usize, false);
        for piece in e.text() {
            for c in piece.chars() {
                if c.is_whitespace() {
                    gap = !t.is_empty();
                    continue;
                }
                if gap {
                    t.push(' ');
                    n += 1;
                    gap = false;
                }
                t.push(c);
                n += 1;
            }
        }
        if n >= 4 && !set.contains_key(t.as_str()) {
            set.insert(t.clone(), n);
        }
    }
    if set.is_empty() {
        return Verdict::Article;
    }
    // Longest first, with their lengths: a line is covered by an anchor
    // only if the anchor is at least half its length, so the search stops
    // early on a paragraph of prose.
    let mut anchors: Vec<(usize, String)> = set.into_iter().map(|(t, n)| (n, t)).collect();
    anchors.sort_unstable_by_key(|a| std::cmp::Reverse(a.0));
    static DATED: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let dated = DATED.get_or_init(|| {
        regex::Regex::new(r"(\d{4}[-/.年])?\d{1,2}[-/.月]\d{1,2}日?(\s*\d{1,2}:\d{2})?\)?\s*$")
            .expect("static regex")
    });
    // (byte offset, chars, listed) of each non-empty line; the first 200
    // lines tell (and bound the work on huge pages).
    let mut lines: Vec<(usize, usize, bool)> = Vec::new();
    let mut more = false;
    for raw in body.split('\n') {
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        if lines.len() == 200 {
            more = true;
            break;
        }
        let at = raw.as_ptr() as usize - body.as_ptr() as usize;
        let n = line.chars().count();
        let covered = anchors
            .iter()
            .take_while(|(len, _)| len * 2 >= n)
            .any(|(_, t)| line.contains(t.as_str()));
        lines.push((at, n, covered || (n < 80 && dated.is_match(line))));
    }
    let weigh = |ls: &[(usize, usize, bool)]| {
        ls.iter().fold((0usize, 0usize), |(t, l), &(_, n, listed)| {
            (t + n, l + if listed { n } else { 0 })
        })
    };
    let (total, linked) = weigh(&lines);
    // An article with a long list of links under it still has its prose.
    if total == 0 || linked * 2 < total || total - linked >= 800 {
        return Verdict::Article;
    }
    // The list as one run after the prose: the prose (little of it
    // linked) is the article.
    let run = lines.iter().rev().take_while(|l| l.2).count();
    let before = &lines[..lines.len() - run];
    let (prose, listed) = weigh(before);
    if !more && run >= LIST_LINES && prose >= PROSE_CHARS && listed * 5 <= prose {
        return Verdict::ArticleThenList(lines[before.len()].0);
    }
    Verdict::Index
}

#[cfg(test)]
mod tests {
    use super::super::readable;
    use super::*;

    #[test]
    fn a_news_index_of_headlines_with_dates_has_no_article() {
        let doc = Html::parse_document(include_str!("../../../../demo/site/news-a/index.html"));
        let body = readable::main_text(&doc);
        assert_eq!(judge(&doc, &body), Verdict::Index, "{body:?}");
    }

    #[test]
    fn an_article_with_a_long_list_of_links_under_it_is_not_an_index() {
        let links: String = (0..60)
            .map(|i| {
                format!("<li><a href=\"/s/{i}\">Related story number {i} of the week</a></li>")
            })
            .collect();
        let prose = "The recall covers lamps sold between March and October, and owners can ask for a replacement base. ";
        let html = format!(
            "<html><body><ul>{links}</ul><p>{}</p></body></html>",
            prose.repeat(10)
        );
        let doc = Html::parse_document(&html);
        let anchors: Vec<String> = (0..60)
            .map(|i| format!("Related story number {i} of the week"))
            .collect();
        let body = format!("{}\n\n{}", anchors.join("\n"), prose.repeat(10).trim());
        assert_eq!(
            judge(&doc, &body),
            Verdict::Article,
            "prose of {} chars",
            prose.len() * 10
        );
        // The same list with one short line of prose is an index.
        let body = format!("{}\n\nShort note.", anchors.join("\n"));
        assert_eq!(judge(&doc, &body), Verdict::Index);
    }

    /// An old table layout's article with the station's headline list
    /// after it in the same cell (`news-table-headline-list.html`, our
    /// own page): the list outweighs the short article, which was dropped
    /// whole as an index page.
    #[test]
    fn an_article_with_its_headline_list_in_the_same_cell_keeps_the_article() {
        let page =
            include_bytes!("../../../../tests/fixtures/extract/news-table-headline-list.html");
        let (text, _) = crate::fetch::decode(page, None);
        let url = url::Url::parse("https://harbourfm.test/news/story.asp?sec=1&id=4411")
            .expect("static URL");
        let fetched = chrono::DateTime::<chrono::Utc>::from_timestamp(1_795_000_000, 0)
            .expect("static timestamp");
        let e = crate::extract::extract(&url, &text, None, chrono_tz::UTC, fetched)
            .expect("the fixture extracts");
        assert_eq!(e.profile, "generic");
        let body = e.posts.first().map(|p| p.text.as_str()).unwrap_or("");
        assert!(
            body.contains("The town's only public swimming pool"),
            "{body:?}"
        );
        assert!(
            body.trim_end()
                .ends_with("Season tickets will be extended by six weeks at no charge."),
            "{body:?}"
        );
        for junk in [
            "Ferry timetable",
            "Coastal path reopens",
            "More local news",
            "Privacy",
        ] {
            assert!(!body.contains(junk), "{junk:?} leaked into {body:?}");
        }
    }
}
