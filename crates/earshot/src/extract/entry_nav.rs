//! A blog entry's navigation to its neighbours, as Movable Type and its
//! kin print it above or below the entry: `« Previous entry's title |
//! Main | Next entry's title »`, on one line or split over two or three
//! paragraphs. The titles are other posts', not this one's text.

use regex::Regex;
use std::sync::OnceLock;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Part {
    /// The whole bar: `« A | Main | B »`, or `« A | Main`, `Main | B »`.
    Bar,
    /// `« A |`, the previous entry.
    Prev,
    /// `| B »`, the next entry.
    Next,
    /// `Main` (or `Home`) alone, kept unless beside a `Prev` or `Next`.
    Main,
}

/// A title in the bar: no guillemets, no line break, at most 150 characters.
const T: &str = r"[^«»\n]{1,150}?";

fn part(p: &str) -> Option<Part> {
    let p = p.trim();
    // Cheap first: every part starts with `«`, `|`, `Main` or `Home`.
    let lead = p.get(..4).unwrap_or(p);
    if !(p.starts_with('«')
        || p.starts_with('|')
        || lead.eq_ignore_ascii_case("main")
        || lead.eq_ignore_ascii_case("home"))
    {
        return None;
    }
    static R: OnceLock<[Regex; 4]> = OnceLock::new();
    let r = R.get_or_init(|| {
        let re = |s: String| Regex::new(&s).expect("static regex");
        [
            re(format!(
                r"(?i)^(?:«\s*{T}\s*\|\s*(?:main|home)(?:\s*\|\s*{T}\s*»)?|(?:main|home)\s*\|\s*{T}\s*»)$"
            )),
            re(format!(r"^«\s*{T}\s*\|$")),
            re(format!(r"^\|\s*{T}\s*»$")),
            re(r"(?i)^(?:main|home)$".to_string()),
        ]
    });
    let line: String = p
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    [Part::Bar, Part::Prev, Part::Next, Part::Main]
        .into_iter()
        .zip(r.iter())
        .find(|(_, r)| r.is_match(&line))
        .map(|(k, _)| k)
}

/// `paras` without the entry navigation bar's paragraphs: `Bar`, `Prev`
/// and `Next` parts wherever they are, a `Main` only right after a `Prev`
/// or right before a `Next`.
pub(super) fn drop(paras: &mut Vec<&str>) {
    if !paras.iter().any(|p| {
        let p = p.trim_start();
        p.starts_with('«') || p.starts_with('|')
    }) && !paras.iter().any(|p| p.trim_end().ends_with('»'))
    {
        return;
    }
    let kinds: Vec<Option<Part>> = paras.iter().map(|p| part(p)).collect();
    let mut i = 0;
    paras.retain(|_| {
        let k = kinds[i];
        let drop = match k {
            Some(Part::Bar | Part::Prev | Part::Next) => true,
            Some(Part::Main) => {
                (i > 0 && kinds[i - 1] == Some(Part::Prev))
                    || kinds.get(i + 1).copied().flatten() == Some(Part::Next)
            }
            None => false,
        };
        i += 1;
        !drop
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dropped(paras: &[&str]) -> Vec<String> {
        let mut v = paras.to_vec();
        drop(&mut v);
        v.into_iter().map(str::to_string).collect()
    }

    #[test]
    fn the_bar_on_one_line_or_split_leaves() {
        let text = "The tide tables for December are out.";
        assert_eq!(
            dropped(&[
                "« Winter ferry timetable |\nMain\n| Pier lights fixed »",
                text
            ]),
            vec![text]
        );
        assert_eq!(
            dropped(&[
                "« Winter ferry timetable |",
                "Main",
                "| Pier lights fixed »",
                text
            ]),
            vec![text]
        );
        assert_eq!(
            dropped(&[
                text,
                "« Winter ferry timetable |",
                "Main\n| Pier lights fixed »"
            ]),
            vec![text]
        );
        // The newest entry has no next one.
        assert_eq!(
            dropped(&["« Winter ferry timetable |", "Main", text]),
            vec![text]
        );
    }

    #[test]
    fn prose_with_guillemets_and_a_main_heading_stay() {
        let paras = [
            "« Nous partons demain », dit-elle au capitaine.",
            "Main",
            "The main course was fish | chips on the side »",
            "Read more »",
        ];
        assert_eq!(dropped(&paras), paras.to_vec());
    }

    /// A Movable Type-style blog entry (fixture written for earshot) with
    /// the `« previous | Main | next »` bar inside the entry's element,
    /// above the text on three lines and below it as three paragraphs:
    /// the entry's paragraphs only.
    #[test]
    fn an_entrys_neighbour_bar_leaves_its_text() {
        let html = include_str!("../../../../tests/fixtures/extract/blog-entry-nav-en.html");
        let doc = scraper::Html::parse_document(html);
        let url =
            url::Url::parse("https://pianoshed.test/archives/2026/11/old-upright.html").unwrap();
        let ctx = crate::extract::date::Context {
            tz: chrono_tz::UTC,
            now: chrono::Utc::now(),
        };
        let e = super::super::generic::extract(&url, &doc, &ctx);
        let text = &e.posts[0].text;
        assert!(text.starts_with("The upright that came in"), "{text:?}");
        assert!(text.ends_with("when the weather turns."), "{text:?}");
        for junk in ["Replacing felt", "Main", "old factory", "«", "»"] {
            assert!(!text.contains(junk), "{junk:?} in {text:?}");
        }
    }
}
