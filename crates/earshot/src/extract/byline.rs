//! English bylines on a line of their own, at the top or the bottom of a
//! blog post or article: `Posted by NAME on DATE`, `Posted by NAME at
//! DATE`, `By NAME | DATE`, `By NAME, DATE`, `Posted on DATE by NAME`,
//! `Written by NAME, DATE`, `DATE by NAME`. The author and the date are
//! taken from the line and the line leaves the post's text.
//!
//! Only a whole short line counts, and only when its name looks like a
//! name (capitalised words, or one user handle) and its date part is a date
//! and little else: "posted by the company on Monday" in a paragraph of
//! prose stays prose. (Chinese `作者：… 发表于 …` lines are meta lines,
//! `meta_line`.)

use std::sync::OnceLock;

use chrono::{DateTime, FixedOffset};
use regex::Regex;

use super::date;

/// What a byline says.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Byline {
    /// The name, `None` for a placeholder (`admin`, `Anonymous`).
    pub author: Option<String>,
    /// The date.
    pub published: DateTime<FixedOffset>,
}

impl Byline {
    /// A byline that gave a date and no name of its own.
    pub fn dated(published: DateTime<FixedOffset>) -> Self {
        Byline {
            author: None,
            published,
        }
    }
}

/// Characters of a byline at most.
const LINE_CHARS: usize = 120;
/// Characters of a byline's date part at most (`Wednesday, November 18,
/// 2026 at 10:42 PM` is 40).
const DATE_CHARS: usize = 44;
/// Words of a name at most (`Mary Ann van der Berg`).
const NAME_WORDS: usize = 5;

/// The byline patterns, name and date as named groups; tried in order.
fn patterns() -> &'static [Regex] {
    static R: OnceLock<Vec<Regex>> = OnceLock::new();
    R.get_or_init(|| {
        let sep = r"\s*(?:\s(?:on|at)\s|,|\||｜|·|•|/|\s-\s|\s–\s|\s—\s)\s*";
        [
            // Posted by NAME on DATE, Written by NAME, DATE, By NAME | DATE.
            format!(
                r"(?i)^(?:(?:posted|written|published|submitted|words)\s+)?by\s+(?P<name>.+?){sep}(?:(?:posted|published)(?:\s+on)?\s+)?(?P<date>.+)$"
            ),
            // Posted on DATE by NAME, DATE by NAME, DATE | By NAME.
            r"(?i)^(?:(?:posted|written|published|submitted)(?:\s+on)?\s+)?(?P<date>.+?)\s*(?:[|｜·•,]\s*|\s-\s|\s–\s|\s—\s)?\s(?:posted\s+|written\s+)?by\s+(?P<name>.+)$".to_string(),
        ]
        .iter()
        .map(|p| Regex::new(p).expect("static byline regex"))
        .collect()
    })
}

/// Reads `line` as a byline: `None` unless the whole line is one.
pub fn read(line: &str, ctx: &date::Context) -> Option<Byline> {
    let line = line.trim();
    if line.is_empty() || line.chars().count() > LINE_CHARS || line.contains('\n') {
        return None;
    }
    let line = strip_counts(line);
    for re in patterns() {
        let Some(c) = re.captures(line) else {
            continue;
        };
        let (Some(name), Some(when)) = (c.name("name"), c.name("date")) else {
            continue;
        };
        let when = when.as_str().trim();
        let Some(name) = name_of(name.as_str()) else {
            continue;
        };
        if when.chars().count() > DATE_CHARS
            || !when.chars().any(|c| c.is_ascii_digit())
            || !only_date_words(when)
        {
            continue;
        }
        let Some(published) = date::parse(when, ctx) else {
            continue;
        };
        let placeholder = ["admin", "administrator", "anonymous", "unknown", "guest"]
            .iter()
            .any(|p| name.eq_ignore_ascii_case(p));
        return Some(Byline {
            author: (!placeholder).then_some(name),
            published,
        });
    }
    None
}

/// Splits a byline element's text (`By NAME, DATE`, `By NAME | DATE`,
/// `By NAME on DATE`, `By NAME - Month D, YYYY`) into the part before the
/// date and the date: the first separator after which the rest is a date
/// and date words only. `None` when no date ends the text (`By Jane Doe,
/// Staff Writer` stays whole). The name part keeps its prefix (`By`), not
/// a label before the date (`Published:`); it is empty when it is a date.
pub fn split_date(raw: &str, ctx: &date::Context) -> Option<(String, DateTime<FixedOffset>)> {
    static SEP: OnceLock<Regex> = OnceLock::new();
    let sep = SEP.get_or_init(|| {
        Regex::new(r"(?i)\s(?:on|at)\s|,|\||｜|·|•|/|\s-\s|\s–\s|\s—\s")
            .expect("static separator regex")
    });
    let raw = strip_counts(raw.trim());
    if raw.chars().count() > LINE_CHARS {
        return None;
    }
    // At a separator or a space (`NAME Thursday, December 27, 2007`),
    // leftmost first.
    let mut cuts: Vec<(usize, usize)> = sep.find_iter(raw).map(|m| (m.start(), m.end())).collect();
    cuts.extend(raw.match_indices(' ').map(|(i, _)| (i, i + 1)));
    cuts.sort_unstable();
    for (start, end) in cuts {
        let (name, when) = (raw[..start].trim(), raw[end..].trim());
        if name.is_empty()
            || when.chars().count() > DATE_CHARS
            || !when.chars().any(|c| c.is_ascii_digit())
            || !only_date_words(when)
        {
            continue;
        }
        if let Some(d) = date::parse(when, ctx) {
            return Some((name_before_date(name), d));
        }
    }
    None
}

/// The part before a byline's date without its label (`Reuters
/// Published:`, `Updated:`); empty when what is left is a date too (`Dec
/// 16, 2007 | Updated Dec 17, 2007`).
fn name_before_date(mut name: &str) -> String {
    loop {
        name = name.trim_end_matches(|c: char| c.is_whitespace() || ",|｜·•/:-–—".contains(c));
        let (head, last) = name.rsplit_once(char::is_whitespace).unwrap_or(("", name));
        if !["posted", "published", "updated", "last"].contains(&last.to_lowercase().as_str()) {
            break;
        }
        name = head;
    }
    if name.chars().any(|c| c.is_ascii_digit()) && only_date_words(name) {
        return String::new();
    }
    name.to_string()
}

/// Paragraphs of the top looked at for a byline: the headline, a kicker,
/// the byline.
const TOP_PARAS: usize = 4;
/// A line this long is prose: no byline is looked for after it.
const PROSE_CHARS: usize = 200;

/// Takes the byline from the top of `body` (paragraphs split by a blank
/// line, lines by `\n`): a line of its own among the first paragraphs,
/// before any line of prose. Returns the body without that line.
pub fn take_first(body: &str, ctx: &date::Context) -> (String, Option<Byline>) {
    let mut paras: Vec<String> = body.split("\n\n").map(str::to_string).collect();
    for i in 0..paras.len().min(TOP_PARAS) {
        let lines: Vec<&str> = paras[i].lines().collect();
        for (j, l) in lines.iter().enumerate() {
            if l.chars().count() > PROSE_CHARS {
                return (body.to_string(), None);
            }
            let Some(b) = read(l, ctx) else {
                continue;
            };
            let rest: Vec<&str> = lines
                .iter()
                .enumerate()
                .filter(|(k, _)| *k != j)
                .map(|(_, l)| *l)
                .collect();
            if rest.iter().all(|l| l.trim().is_empty()) {
                // The byline alone: its paragraph goes, when text remains.
                if paras.len() == 1 {
                    return (body.to_string(), None);
                }
                paras.remove(i);
            } else {
                paras[i] = rest.join("\n");
            }
            return (paras.join("\n\n"), Some(b));
        }
    }
    (body.to_string(), None)
}

/// Takes the byline from the end of `body`: its last paragraph, when that
/// is a byline line and, beside it, only lines `trailer` accepts (`Posted
/// in: Gear`). Returns the body without that paragraph.
pub fn take_last(
    body: &str,
    ctx: &date::Context,
    trailer: impl Fn(&str) -> bool,
) -> (String, Option<Byline>) {
    let Some((head, last)) = body.rsplit_once("\n\n") else {
        return (body.to_string(), None);
    };
    // Another byline above it: comments kept in the text, each with its
    // own, and the last one is the last comment's, not the post's.
    if head
        .split("\n\n")
        .flat_map(str::lines)
        .any(|l| read(l, ctx).is_some())
    {
        return (body.to_string(), None);
    }
    let mut found = None;
    for l in last.lines().map(str::trim).filter(|l| !l.is_empty()) {
        match read(l, ctx) {
            Some(b) if found.is_none() => found = Some(b),
            _ if trailer(l) => {}
            _ => return (body.to_string(), None),
        }
    }
    match found {
        Some(b) if !head.trim().is_empty() => (head.to_string(), Some(b)),
        _ => (body.to_string(), None),
    }
}

/// True when every word of `s` belongs to a date: a number (`18`, `1st`,
/// `10:42`, `2026-11-18`), a month or weekday name, `at`, `on`, `am`/`pm`
/// or a zone. `Rice Couple on November 8, 2012` (a name cut at its own
/// `on`) or `August 9, 2012 Share` is none.
fn only_date_words(s: &str) -> bool {
    const NAMES: &[&str] = &[
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
        "mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun",
    ];
    const FULL: &[&str] = &[
        "january",
        "february",
        "march",
        "april",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ];
    const OTHER: &[&str] = &[
        "at", "on", "of", "the", "am", "pm", "a.m", "p.m", "utc", "gmt", "est", "edt", "cst",
        "cdt", "mst", "mdt", "pst", "pdt", "bst", "cet", "cest", "ist", "jst", "et", "pt",
    ];
    s.split(|c: char| c.is_whitespace() || ",|/·•-–—()".contains(c))
        .map(|w| w.trim_matches('.').to_lowercase())
        .filter(|w| !w.is_empty())
        .all(|w| {
            w.chars().any(|c| c.is_ascii_digit())
                || NAMES.contains(&w.as_str())
                || FULL.contains(&w.as_str())
                || OTHER.contains(&w.as_str())
        })
}

/// `… | 3 Comments`, `… | Leave a comment`, `… | Permalink` after a byline.
fn strip_counts(line: &str) -> &str {
    static R: OnceLock<Regex> = OnceLock::new();
    let r = R.get_or_init(|| {
        Regex::new(
            r"(?i)\s*[|｜·•]\s*(?:(?:\d+|no|one)\s+(?:comments?|responses?|replies)|leave a (?:comment|reply)|permalink|comments? \(\d+\))\s*$",
        )
        .expect("static regex")
    });
    r.find(line).map_or(line, |m| &line[..m.start()])
}

/// A name as a byline writes it: one to five words, each capitalised (`K.
/// Ito`, `Hannah B.`, `María López`, `Jean-Luc O'Neil`) or a name
/// particle (`van`, `de`), or a single user handle (`tomasz_k`, `admin`).
/// A lower-case phrase (`the company`, `mistake`) is none.
fn name_of(raw: &str) -> Option<String> {
    let mut words: Vec<&str> = raw
        .trim()
        .trim_end_matches([',', '|', '·', '-', ':'])
        .split_whitespace()
        .collect();
    // `Emily Temple. Posted on …`, `Mike Schramm Writer on …`: the verb
    // or the role after the name is not the name's.
    const AFTER: &[&str] = &[
        "posted",
        "published",
        "updated",
        "writer",
        "editor",
        "reporter",
        "correspondent",
        "contributor",
        "staff",
    ];
    while words.len() > 1
        && words
            .last()
            .is_some_and(|w| AFTER.contains(&w.to_lowercase().as_str()))
    {
        words.pop();
    }
    // A full stop after the last word (`Bradley M. Kuhn.`), not an
    // initial's (`Hannah B.`).
    if let Some(last) = words.last_mut() {
        if last.chars().count() > 2 {
            *last = last.trim_end_matches('.');
        }
    }
    let name = words.join(" ");
    let name = name.as_str();
    if words.is_empty() || words.len() > NAME_WORDS || name.chars().count() > 60 {
        return None;
    }
    const PARTICLES: &[&str] = &[
        "van", "von", "der", "den", "de", "da", "di", "du", "del", "la", "le", "bin", "al",
    ];
    const NOT_NAMES: &[&str] = &[
        "the", "a", "an", "us", "me", "him", "her", "them", "you", "mistake", "email", "e-mail",
        "mail", "hand", "request", "post", "phone", "default",
    ];
    let capitalised = |w: &str| {
        let mut cs = w.chars().skip_while(|c| matches!(c, '\'' | '"' | '('));
        cs.next().is_some_and(char::is_uppercase)
            && w.chars()
                .all(|c| c.is_alphabetic() || matches!(c, '.' | '\'' | '’' | '-' | '"' | '(' | ')'))
    };
    let ok = if words.len() == 1 {
        let w = words[0];
        !NOT_NAMES.contains(&w.to_lowercase().as_str())
            && w.chars().any(char::is_alphabetic)
            && w.chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '-' | '\''))
    } else {
        capitalised(words[0])
            && words.last().is_some_and(|w| capitalised(w))
            && words
                .iter()
                .all(|w| capitalised(w) || PARTICLES.contains(w))
    };
    ok.then(|| name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> date::Context {
        date::test_context()
    }

    fn got(line: &str) -> Option<(Option<String>, String)> {
        read(line, &ctx()).map(|b| (b.author, b.published.format("%Y-%m-%d %H:%M").to_string()))
    }

    #[test]
    fn bylines_give_their_author_and_date() {
        for (line, name, when) in [
            (
                "Posted by Priya Natarajan on November 18, 2026",
                "Priya Natarajan",
                "2026-11-18 00:00",
            ),
            (
                "Posted by Ines Varga at November 20, 2026 10:42 PM",
                "Ines Varga",
                "2026-11-20 22:42",
            ),
            (
                "By Hannah B. | Nov 19, 2026",
                "Hannah B.",
                "2026-11-19 00:00",
            ),
            ("By K. Ito, 20 November 2026", "K. Ito", "2026-11-20 00:00"),
            (
                "Posted on November 18, 2026 by Priya Natarajan",
                "Priya Natarajan",
                "2026-11-18 00:00",
            ),
            (
                "Written by Priya Natarajan, November 18, 2026",
                "Priya Natarajan",
                "2026-11-18 00:00",
            ),
            (
                "November 18, 2026 by tomasz_k",
                "tomasz_k",
                "2026-11-18 00:00",
            ),
            (
                "Posted by Ann van der Berg on 2026-11-18 09:30 | 3 Comments",
                "Ann van der Berg",
                "2026-11-18 09:30",
            ),
            (
                "By María López — November 18, 2026",
                "María López",
                "2026-11-18 00:00",
            ),
            (
                "by Emily Temple. Posted on Thursday Nov 19, 2026 at 1:00 pm",
                "Emily Temple",
                "2026-11-19 13:00",
            ),
            (
                "by Mike Schramm Writer on Nov 1st 2026 8:00PM",
                "Mike Schramm",
                "2026-11-01 20:00",
            ),
            (
                "Posted on Tuesday 17 November 2026 at 09:11 by Bradley M. Kuhn.",
                "Bradley M. Kuhn",
                "2026-11-17 09:11",
            ),
        ] {
            assert_eq!(
                got(line),
                Some((Some(name.to_string()), when.to_string())),
                "{line}"
            );
        }
        // A placeholder name: the date, no author.
        assert_eq!(
            got("Posted by admin on November 18, 2026"),
            Some((None, "2026-11-18 00:00".to_string()))
        );
    }

    /// A byline element's text: the date after the name leaves the name.
    #[test]
    fn a_byline_elements_date_is_split_from_its_name() {
        let split = |raw: &str| {
            split_date(raw, &ctx()).map(|(n, d)| (n, d.format("%Y-%m-%d %H:%M").to_string()))
        };
        for (raw, name, when) in [
            (
                "By Jane Doe, Nov 19, 2026",
                "By Jane Doe",
                "2026-11-19 00:00",
            ),
            (
                "By Jane Doe | 2026-11-19",
                "By Jane Doe",
                "2026-11-19 00:00",
            ),
            (
                "By Jane Doe on November 19, 2026 at 10:42 PM",
                "By Jane Doe",
                "2026-11-19 22:42",
            ),
            (
                "By Jane Doe - November 19, 2026",
                "By Jane Doe",
                "2026-11-19 00:00",
            ),
            (
                "By jane doe, 19 November 2026",
                "By jane doe",
                "2026-11-19 00:00",
            ),
            (
                "Reuters Published: Nov 19, 2026",
                "Reuters",
                "2026-11-19 00:00",
            ),
            ("Updated: Nov 19, 2026", "", "2026-11-19 00:00"),
            (
                "Nov 18, 2026 18:22 | Updated Nov 19, 2026 11:52",
                "",
                "2026-11-19 11:52",
            ),
            (
                "By Jane Doe Thursday, November 19, 2026",
                "By Jane Doe",
                "2026-11-19 00:00",
            ),
            (
                "By Jane Doe, Staff Writer, Nov 19, 2026",
                "By Jane Doe, Staff Writer",
                "2026-11-19 00:00",
            ),
        ] {
            assert_eq!(
                split(raw),
                Some((name.to_string(), when.to_string())),
                "{raw}"
            );
        }
        for raw in [
            "By Jane Doe",
            "By Jane Doe, Staff Writer",
            "By Jane Doe, Boston Bureau 2",
            "By Jane Doe, 3 hours ago",
        ] {
            assert_eq!(split(raw), None, "{raw}");
        }
    }

    #[test]
    fn the_last_paragraph_s_byline_unless_comments_have_theirs() {
        let trailer = |l: &str| l.starts_with("Filed under:");
        let body = "First.\n\nSecond.\n\nPosted by Ann Lee on November 18, 2026\nFiled under: Gear";
        let (text, b) = take_last(body, &ctx(), trailer);
        assert_eq!(text, "First.\n\nSecond.");
        assert_eq!(b.and_then(|b| b.author).as_deref(), Some("Ann Lee"));
        // A line of prose beside it: nothing taken.
        let body = "First.\n\nPosted by Ann Lee on November 18, 2026\nThanks for reading!";
        assert_eq!(take_last(body, &ctx(), trailer), (body.to_string(), None));
        // Comments in the text, each with its byline: the last is Bo's.
        let body = "Post.\n\nGreat post.\n\nPosted by Ann Lee on November 19, 2026\n\nAgreed.\n\nPosted by Bo Chen on November 20, 2026";
        assert_eq!(take_last(body, &ctx(), trailer), (body.to_string(), None));
    }

    #[test]
    fn prose_and_other_lines_are_no_byline() {
        for line in [
            "The update was posted by the company on Monday, and it fixed the dropouts.",
            "posted by the company on Monday",
            "Posted by the company on November 18, 2026",
            "By the time I got home on November 18, 2026 the battery was flat.",
            "Posted by Priya Natarajan",
            "By Priya Natarajan",
            "Posted by: Tomas R. at November 20, 2026 11:05 PM and then some more words after it",
            "I bought them by mistake on November 3, 2026",
            "Posted in: Gear",
            // A name with `on` in it, and a word after the date.
            "by White on Rice Couple on November 8, 2012",
            "Posted By Stephen M. Walt Thursday, August 9, 2012 - 10:40 AM Share",
            "",
        ] {
            assert_eq!(got(line), None, "{line}");
        }
        let long = format!(
            "Posted by Priya Natarajan on November 18, 2026 {}",
            "x".repeat(120)
        );
        assert_eq!(got(&long), None);
    }
}
