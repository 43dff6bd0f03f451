//! Watchlists: which posts mention which brands, and where.
//!
//! Text and terms are normalised alike, character by character: NFKC (so
//! full-width Latin becomes ASCII), lower case, then traditional to
//! simplified Chinese (fast2s, OpenCC tables), so `華為` finds `华为` and
//! `ＬＵＭＩＯ` finds `Lumio`. Every term of every watch is found in one
//! Aho-Corasick pass per field. A term of ASCII letters and digits matches
//! on word boundaries (`apple` is not in `pineapple`) unless it ends in
//! `*`; Chinese terms match anywhere. A watch's aliases stand in for its
//! name wherever the name appears in its query; the default query is the
//! name alone.
//!
//! Each match keeps a context window: the sentence holding the first
//! mention plus neighbours while they fit in [`CONTEXT_CHARS`], cut from
//! the original text. That, under the post's own title when it has one,
//! with the title also read alone (`crawl::score_mentions`), is what
//! sentiment is scored on.

mod config;
pub mod query;
pub mod spam;

use std::collections::HashMap;

use aho_corasick::{AhoCorasick, MatchKind};
use unicode_normalization::UnicodeNormalization;

pub use config::{problems, WatchConfig};
use query::{Field, Query, Term};

/// Longest context window kept, in characters.
pub const CONTEXT_CHARS: usize = 240;

/// Normalises text for matching (see the module docs).
pub fn normalize(s: &str) -> String {
    Normalized::new(s).text
}

/// Normalised text and, for each of its characters, the index of the
/// original character it came from.
#[derive(Debug, Clone)]
pub struct Normalized {
    /// The normalised text.
    pub text: String,
    /// Original char index per normalised char.
    pub origin: Vec<u32>,
    /// Byte offset of each normalised char (and the end).
    bytes: Vec<u32>,
    /// Word index of each normalised char (CJK: one word per char).
    words: Vec<u32>,
}

impl Normalized {
    /// Normalises `s`.
    pub fn new(s: &str) -> Normalized {
        let mut out = String::with_capacity(s.len());
        let mut origin = Vec::with_capacity(s.len());
        let mut last_space = true;
        for (i, c) in s.chars().enumerate() {
            if c.is_whitespace() {
                if !last_space {
                    out.push(' ');
                    origin.push(i as u32);
                    last_space = true;
                }
                continue;
            }
            last_space = false;
            // Fast paths: ASCII, CJK ideographs (NFKC and case leave them
            // alone) and full-width ASCII forms (NFKC maps them down).
            if c.is_ascii() {
                out.push(c.to_ascii_lowercase());
                origin.push(i as u32);
                continue;
            }
            let u = c as u32;
            if (0x4E00..=0x9FFF).contains(&u)
                || (0x3400..=0x4DBF).contains(&u)
                || (0x3001..=0x3002).contains(&u)
            {
                out.push(c);
                origin.push(i as u32);
                continue;
            }
            if (0xFF01..=0xFF5E).contains(&u) {
                let a = char::from_u32(u - 0xFEE0).unwrap_or(c);
                out.push(a.to_ascii_lowercase());
                origin.push(i as u32);
                continue;
            }
            for n in std::iter::once(c).nfkc() {
                for l in n.to_lowercase() {
                    if l.is_whitespace() {
                        continue;
                    }
                    out.push(l);
                    origin.push(i as u32);
                }
            }
        }
        // Traditional to simplified, one character for one.
        let text = fast2s::convert(&out);
        Normalized {
            text,
            origin,
            bytes: Vec::new(),
            words: Vec::new(),
        }
    }

    /// Builds the byte and word positions (only texts with hits need them).
    fn index(&mut self) {
        if !self.bytes.is_empty() {
            return;
        }
        let mut bytes = Vec::with_capacity(self.origin.len() + 1);
        let mut words = Vec::with_capacity(self.origin.len());
        let mut word = 0u32;
        let mut in_word = false;
        for (b, c) in self.text.char_indices() {
            bytes.push(b as u32);
            if crate::util::is_cjk(c) {
                word += 1;
                in_word = false;
            } else if c.is_alphanumeric() {
                if !in_word {
                    word += 1;
                    in_word = true;
                }
            } else {
                in_word = false;
            }
            words.push(word);
        }
        bytes.push(self.text.len() as u32);
        self.bytes = bytes;
        self.words = words;
    }

    fn char_at_byte(&self, b: usize) -> usize {
        self.bytes.partition_point(|&x| (x as usize) < b)
    }
}

/// A compiled watch.
#[derive(Debug, Clone)]
struct Watch {
    name: String,
    query: Query,
    /// Normalised name and aliases.
    synonyms: Vec<String>,
    languages: Vec<String>,
    sources: Vec<String>,
}

/// A post to match: its fields as extracted.
#[derive(Debug, Clone, Copy, Default)]
pub struct Doc<'a> {
    /// Page or thread title (may be empty).
    pub title: &'a str,
    /// Post text.
    pub text: &'a str,
    /// Author name.
    pub author: &'a str,
    /// Site name and host, e.g. `云雀手机论坛 bbs.example.com`.
    pub site: &'a str,
    /// `[[source]]` name.
    pub source: &'a str,
    /// Language code.
    pub lang: Option<&'a str>,
}

/// Where a watch matched in a post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    /// Watch name.
    pub watch: String,
    /// The sentences around the first mention in the text.
    pub context: String,
    /// Whether the post's own words (text or title) mention the watch,
    /// rather than only tag or navigation lines, the author or the site.
    pub substantive: bool,
}

#[derive(Debug, Clone)]
struct Pattern {
    text: String,
    prefix: bool,
}

/// All watches compiled into one automaton.
#[derive(Debug, Clone)]
pub struct Matcher {
    watches: Vec<Watch>,
    /// For each pattern, the watches whose queries use it.
    pattern_watches: Vec<Vec<u32>>,
    patterns: Vec<Pattern>,
    index: HashMap<(String, bool), usize>,
    ac: AhoCorasick,
}

/// Occurrences of each pattern in one field: normalised char positions.
type Hits = HashMap<usize, Vec<(usize, usize)>>;

struct Scan {
    title: (Normalized, Hits),
    text: (Normalized, Hits),
    author: (Normalized, Hits),
    site: (Normalized, Hits),
}

impl Matcher {
    /// Compiles watches (validated by the config).
    pub fn new(configs: &[WatchConfig]) -> Result<Matcher, query::QueryError> {
        let mut watches = Vec::new();
        for c in configs {
            let query = match &c.query {
                Some(q) => Query::parse(q)?,
                None => Query::parse(&format!("\"{}\"", c.name.replace('"', " ")))?,
            };
            let mut synonyms: Vec<String> = std::iter::once(&c.name)
                .chain(&c.aliases)
                .map(|s| normalize(s))
                .collect();
            synonyms.retain(|s| !s.is_empty());
            synonyms.dedup();
            watches.push(Watch {
                name: c.name.clone(),
                query,
                synonyms,
                languages: c.languages.clone(),
                sources: c.sources.clone(),
            });
        }
        let mut patterns = Vec::new();
        let mut index = HashMap::new();
        let mut pattern_watches: Vec<Vec<u32>> = Vec::new();
        for (wi, w) in watches.iter().enumerate() {
            for t in w.query.terms() {
                for text in w.expand(t) {
                    let id = *index.entry((text.clone(), t.prefix)).or_insert_with(|| {
                        patterns.push(Pattern {
                            text: text.clone(),
                            prefix: t.prefix,
                        });
                        pattern_watches.push(Vec::new());
                        patterns.len() - 1
                    });
                    if !pattern_watches[id].contains(&(wi as u32)) {
                        pattern_watches[id].push(wi as u32);
                    }
                }
            }
        }
        // A DFA scans ~2x faster than the NFA; past its size limits (tens
        // of thousands of terms) the builder's own choice is used.
        let texts = || patterns.iter().map(|p: &Pattern| p.text.as_str());
        let ac = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .kind(Some(aho_corasick::AhoCorasickKind::DFA))
            .build(texts())
            .or_else(|_| {
                AhoCorasick::builder()
                    .match_kind(MatchKind::Standard)
                    .build(texts())
            })
            .map_err(|e| query::QueryError {
                position: 0,
                message: format!("cannot build the matcher: {e}"),
            })?;
        Ok(Matcher {
            watches,
            pattern_watches,
            patterns,
            index,
            ac,
        })
    }

    /// Number of distinct patterns in the automaton.
    pub fn pattern_count(&self) -> usize {
        self.patterns.len()
    }

    fn scan_field(&self, s: &str) -> (Normalized, Hits) {
        let mut n = Normalized::new(s);
        let mut hits: Hits = HashMap::new();
        if n.text.is_empty() {
            return (n, hits);
        }
        let mut found = Vec::new();
        for m in self.ac.find_overlapping_iter(&n.text) {
            let p = &self.patterns[m.pattern().as_usize()];
            if wordy(&p.text) {
                let before = n.text[..m.start()].chars().next_back();
                let after = n.text[m.end()..].chars().next();
                let boundary = |c: Option<char>| c.is_none_or(|c| !c.is_ascii_alphanumeric());
                if !boundary(before) || (!p.prefix && !boundary(after)) {
                    continue;
                }
            }
            found.push((m.pattern().as_usize(), m.start(), m.end()));
        }
        if found.is_empty() {
            return (n, hits);
        }
        n.index();
        for (p, b0, b1) in found {
            hits.entry(p)
                .or_default()
                .push((n.char_at_byte(b0), n.char_at_byte(b1)));
        }
        (n, hits)
    }

    /// Watches that `doc` mentions, each with its context window.
    pub fn find(&self, doc: &Doc<'_>) -> Vec<Match> {
        let scan = Scan {
            title: self.scan_field(doc.title),
            text: self.scan_field(doc.text),
            author: self.scan_field(doc.author),
            site: self.scan_field(doc.site),
        };
        // Every query needs one of its terms present: only watches with a
        // pattern found are evaluated.
        let mut candidates: Vec<u32> = [&scan.title.1, &scan.text.1, &scan.author.1, &scan.site.1]
            .iter()
            .flat_map(|h| h.keys())
            .flat_map(|p| self.pattern_watches[*p].iter().copied())
            .collect();
        candidates.sort_unstable();
        candidates.dedup();
        let mut out = Vec::new();
        for w in candidates.into_iter().map(|i| &self.watches[i as usize]) {
            if !w.applies(doc.source, doc.lang) {
                continue;
            }
            if !self.eval(w, &w.query, &scan) {
                continue;
            }
            // Occurrences of positive terms in the text, earliest first.
            let mut occ: Vec<(usize, usize)> = w
                .query
                .positive_terms()
                .into_iter()
                .flat_map(|t| self.pattern_ids(w, t))
                .filter_map(|id| scan.text.1.get(&id))
                .flatten()
                .copied()
                .collect();
            occ.sort_unstable();
            let in_title = w
                .query
                .positive_terms()
                .into_iter()
                .flat_map(|t| self.pattern_ids(w, t))
                .any(|id| scan.title.1.contains_key(&id));
            let lines: Vec<&str> = doc.text.split('\n').collect();
            let line_of = |char_idx: usize| {
                let mut seen = 0usize;
                for l in &lines {
                    let n = l.chars().count() + 1;
                    if char_idx < seen + n {
                        return *l;
                    }
                    seen += n;
                }
                ""
            };
            // A mention only in tag or navigation lines is noise.
            let in_content = occ.iter().any(|(s, _)| {
                !spam::tag_or_nav_line(line_of(
                    scan.text.0.origin.get(*s).copied().unwrap_or(0) as usize
                ))
            });
            let (context, substantive) = match occ.first() {
                Some(&(s, e)) => (
                    context_window(doc.text, &scan.text.0, s, e),
                    in_content || in_title,
                ),
                // The title (a thread's subject) counts as the post's own.
                None => (
                    doc.text
                        .chars()
                        .take(CONTEXT_CHARS)
                        .collect::<String>()
                        .trim()
                        .to_string(),
                    in_title,
                ),
            };
            out.push(Match {
                watch: w.name.clone(),
                context,
                substantive,
            });
        }
        out
    }

    fn pattern_ids(&self, w: &Watch, t: &Term) -> Vec<usize> {
        w.expand(t)
            .into_iter()
            .filter_map(|s| self.index.get(&(s, t.prefix)).copied())
            .collect()
    }

    /// Occurrences of `q` (a term or an OR of terms) in body fields.
    fn positions(&self, w: &Watch, q: &Query, scan: &Scan) -> Vec<(u8, usize)> {
        match q {
            Query::Term(t) => {
                let mut out = Vec::new();
                for id in self.pattern_ids(w, t) {
                    if t.field != Field::Title {
                        if let Some(v) = scan.text.1.get(&id) {
                            out.extend(v.iter().map(|(s, _)| {
                                (
                                    0u8,
                                    scan.text.0.words.get(*s).copied().unwrap_or(0) as usize,
                                )
                            }));
                        }
                    }
                    if let Some(v) = scan.title.1.get(&id) {
                        out.extend(v.iter().map(|(s, _)| {
                            (
                                1u8,
                                scan.title.0.words.get(*s).copied().unwrap_or(0) as usize,
                            )
                        }));
                    }
                }
                out
            }
            Query::Or(v) => v.iter().flat_map(|q| self.positions(w, q, scan)).collect(),
            _ => Vec::new(),
        }
    }

    fn eval(&self, w: &Watch, q: &Query, scan: &Scan) -> bool {
        match q {
            Query::Term(t) => {
                let ids = self.pattern_ids(w, t);
                let present = |hits: &Hits| ids.iter().any(|id| hits.contains_key(id));
                match t.field {
                    Field::Body => present(&scan.text.1) || present(&scan.title.1),
                    Field::Title => present(&scan.title.1),
                    Field::Author => present(&scan.author.1),
                    Field::Site => present(&scan.site.1),
                }
            }
            Query::And(v) => v.iter().all(|q| self.eval(w, q, scan)),
            Query::Or(v) => v.iter().any(|q| self.eval(w, q, scan)),
            Query::Not(q) => !self.eval(w, q, scan),
            Query::Near(a, b, n) => {
                let pa = self.positions(w, a, scan);
                let pb = self.positions(w, b, scan);
                pa.iter().any(|(fa, xa)| {
                    pb.iter()
                        .any(|(fb, xb)| fa == fb && xa.abs_diff(*xb) <= *n as usize)
                })
            }
        }
    }
}

/// Whether a post in `lang` is in the configured language `want`: `zh`
/// takes `zh-Hans` and `zh-Hant`, `zh-Hant` only itself (any case).
pub fn lang_matches(want: &str, lang: &str) -> bool {
    let (want, lang) = (want.to_ascii_lowercase(), lang.to_ascii_lowercase());
    lang == want || lang.strip_prefix(&want).is_some_and(|r| r.starts_with('-'))
}

impl Watch {
    /// Whether this watch applies to posts from `source` in `lang`.
    fn applies(&self, source: &str, lang: Option<&str>) -> bool {
        (self.sources.is_empty() || self.sources.iter().any(|s| s == source))
            && (self.languages.is_empty()
                || lang.is_none_or(|l| self.languages.iter().any(|x| lang_matches(x, l))))
    }

    /// A term, or all synonyms when it names the watch.
    fn expand(&self, t: &Term) -> Vec<String> {
        if self.synonyms.iter().any(|s| s == &t.text) {
            self.synonyms.clone()
        } else {
            vec![t.text.clone()]
        }
    }
}

/// ASCII words and phrases match on word boundaries.
fn wordy(term: &str) -> bool {
    term.chars()
        .all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-' || c == '.' || c == '\'')
}

fn is_sentence_end(c: char) -> bool {
    matches!(c, '。' | '！' | '？' | '!' | '?' | '；' | ';' | '\n' | '.')
}

/// The sentence holding the match (normalised chars `s..e`), plus
/// neighbouring sentences while they fit, cut from the original text.
fn context_window(original: &str, norm: &Normalized, s: usize, e: usize) -> String {
    let chars: Vec<char> = original.chars().collect();
    if chars.is_empty() {
        return String::new();
    }
    let at = norm.origin.get(s).copied().unwrap_or(0) as usize;
    let end_match = norm
        .origin
        .get(e.saturating_sub(1))
        .map(|x| *x as usize + 1)
        .unwrap_or(chars.len())
        .min(chars.len());
    let mut start = at.min(chars.len() - 1);
    while start > 0 && !is_sentence_end(chars[start - 1]) {
        start -= 1;
    }
    let mut end = end_match;
    while end < chars.len() && !is_sentence_end(chars[end]) {
        end += 1;
    }
    if end < chars.len() {
        end += 1;
    }
    loop {
        let mut grown = false;
        if end < chars.len() {
            let mut x = end;
            while x < chars.len() && !is_sentence_end(chars[x]) {
                x += 1;
            }
            let x = (x + 1).min(chars.len());
            if x - start <= CONTEXT_CHARS {
                end = x;
                grown = true;
            }
        }
        if start > 0 {
            let mut x = start - 1;
            while x > 0 && !is_sentence_end(chars[x - 1]) {
                x -= 1;
            }
            if end - x <= CONTEXT_CHARS {
                start = x;
                grown = true;
            }
        }
        if !grown || end - start >= CONTEXT_CHARS {
            break;
        }
    }
    // One over-long sentence: a window around the match.
    if end - start > CONTEXT_CHARS {
        start = at.saturating_sub(CONTEXT_CHARS / 2).max(start);
        end = (start + CONTEXT_CHARS).min(end);
    }
    chars[start..end]
        .iter()
        .collect::<String>()
        .trim()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_configured_language_takes_its_scripts() {
        assert!(lang_matches("zh", "zh-Hans"));
        assert!(lang_matches("zh", "zh-Hant"));
        assert!(lang_matches("zh-Hant", "zh-hant"));
        assert!(!lang_matches("zh-Hant", "zh-Hans"));
        assert!(!lang_matches("zh", "zu"));
        assert!(lang_matches("en", "en"));
        assert!(!lang_matches("en", "eo"));
    }

    fn watch(name: &str, query: Option<&str>, aliases: &[&str]) -> WatchConfig {
        WatchConfig {
            name: name.into(),
            query: query.map(str::to_string),
            aliases: aliases.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        }
    }

    fn doc(text: &str) -> Doc<'_> {
        Doc {
            text,
            ..Default::default()
        }
    }

    #[test]
    fn normalisation_folds_width_case_and_script() {
        assert_eq!(normalize("ＬＵＭＩＯ 華為  手機"), "lumio 华为 手机");
        let n = Normalized::new("Ａb 雲雀");
        assert_eq!(n.text, "ab 云雀");
        assert_eq!(n.origin, vec![0, 1, 2, 3, 4]);
    }

    #[test]
    fn matching_table() {
        let m = Matcher::new(&[
            watch("Lumio", None, &[]),
            watch(
                "云雀",
                Some("云雀 AND NOT (招聘 OR \"job opening\")"),
                &["Yunque"],
            ),
            watch("apple", None, &[]),
            watch("华为", Some("(华为 OR Huawei) AND NOT 招聘"), &[]),
            watch("flicker", Some("lumio NEAR/3 flicker*"), &[]),
            watch("jen", Some("author:\"jen alvarez\" lumio"), &[]),
            watch("weibo", Some("site:weibo.com 云雀"), &[]),
            watch("headline", Some("title:云雀"), &[]),
            watch("bigbrand", Some("\"big brand\""), &[]),
        ])
        .unwrap();
        let cases: &[(Doc, &[&str])] = &[
            (doc("I love my Lumio Aura lamp."), &["Lumio"]),
            (doc("i love my LUMIO lamp"), &["Lumio"]),
            (doc("全角 ＬＵＭＩＯ 也算"), &["Lumio"]),
            (doc("Lumios are not a thing"), &[]),
            (doc("pineapple juice"), &[]),
            (doc("an Apple phone"), &["apple"]),
            (doc("云雀X5电池鼓包"), &["云雀"]),
            (doc("雲雀 X5 值得買嗎"), &["云雀"]),
            (doc("Ｙｕｎｑｕｅ X5 is hot"), &["云雀"]),
            (doc("云雀科技招聘工程师"), &[]),
            (doc("華為手機"), &["华为"]),
            (doc("HUAWEI job"), &["华为"]),
            (doc("华为招聘"), &[]),
            (
                doc("My Lumio lamp started flickering badly"),
                &["Lumio", "flicker"],
            ),
            (
                doc("Lumio is great. Other lamps, a cheap one from the market, flicker."),
                &["Lumio"],
            ),
            (doc("this is a big   brand story"), &["bigbrand"]),
            (doc("bigbrand"), &[]),
            (
                Doc {
                    text: "my lumio",
                    author: "Jen Alvarez",
                    ..Default::default()
                },
                &["Lumio", "jen"],
            ),
            (
                Doc {
                    text: "云雀新机",
                    site: "weibo.com",
                    ..Default::default()
                },
                &["云雀", "weibo"],
            ),
            (
                Doc {
                    title: "云雀 X5 评测",
                    text: "续航不错",
                    ..Default::default()
                },
                &["云雀", "headline"],
            ),
        ];
        for (d, want) in cases {
            let got: Vec<String> = m.find(d).into_iter().map(|x| x.watch).collect();
            assert_eq!(
                got,
                want.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
                "on {d:?}"
            );
        }
    }

    #[test]
    fn mentions_only_in_tag_lines_are_not_substantive() {
        let m = Matcher::new(&[watch("Lumio", None, &[])]).unwrap();
        let tags =
            "A long review of three desk lamps from other makers.\nTags: lamps, Lumio, desk setup";
        assert!(!m.find(&doc(tags))[0].substantive);
        let nav = "首页 | 新闻 | Lumio | 论坛 | 下载";
        assert!(!m.find(&doc(nav))[0].substantive);
        assert!(m
            .find(&doc("My Lumio is great.\nTags: lamps"))
            .iter()
            .all(|x| x.substantive));
        let titled = Doc {
            title: "Lumio Aura review",
            text: "It is a fine lamp.",
            ..Default::default()
        };
        assert!(
            m.find(&titled)[0].substantive,
            "a post's title is its own words"
        );
    }

    #[test]
    fn context_is_the_sentence_around_the_mention_in_the_original_text() {
        let m = Matcher::new(&[watch("云雀", None, &["雲雀"])]).unwrap();
        let filler = "今天天气很好，我们去公园散步，然后吃了午饭，下午又看了一场很长很长的电影，晚上回家以后还打了两个小时的游戏。".repeat(3);
        let text = format!("{filler}我的雲雀X5充电时发烫得厉害！{filler}");
        let found = m.find(&doc(&text));
        assert!(
            found[0].context.contains("我的雲雀X5充电时发烫得厉害！"),
            "{}",
            found[0].context
        );
        assert!(found[0].substantive);
        assert!(found[0].context.chars().count() <= CONTEXT_CHARS);
        let long = "很".repeat(1000) + "云雀" + &"好".repeat(1000);
        let found = m.find(&doc(&long));
        assert!(found[0].context.contains("云雀"));
        assert!(found[0].context.chars().count() <= CONTEXT_CHARS);
        // Full-width Latin maps back to the original characters.
        let m = Matcher::new(&[watch("Lumio", None, &[])]).unwrap();
        let found = m.find(&doc("Intro line.\nＬＵＭＩＯ is bright. End."));
        assert!(
            found[0].context.contains("ＬＵＭＩＯ is bright."),
            "{}",
            found[0].context
        );
    }
}
