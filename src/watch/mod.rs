//! Watchlists: which posts mention which brands, and where.
//!
//! Text and terms are normalised alike (NFKC, so full-width Latin becomes
//! ASCII, then lower case). A term of ASCII letters and digits matches on
//! word boundaries (`apple` is not in `pineapple`); other terms (Chinese)
//! match anywhere. A watch's aliases stand in for its name wherever the
//! name appears in the query; the default query is the name alone.

pub mod query;

use unicode_normalization::UnicodeNormalization;

use crate::config::WatchConfig;
use query::Query;

/// Normalises text for matching: NFKC and lower case.
pub fn normalize(s: &str) -> String {
    s.nfkc().flat_map(char::to_lowercase).collect()
}

/// A compiled watch.
#[derive(Debug, Clone)]
pub struct Watch {
    /// The watch's name.
    pub name: String,
    query: Query,
    /// Normalised name and aliases.
    synonyms: Vec<String>,
    languages: Vec<String>,
    sources: Vec<String>,
}

/// Where a watch matched in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    /// Watch name.
    pub watch: String,
    /// The sentences around the first occurrence.
    pub context: String,
}

/// Longest context window kept, in characters.
pub const CONTEXT_CHARS: usize = 240;

impl Watch {
    /// Compiles a watch from its config (validated earlier).
    pub fn new(c: &WatchConfig) -> Result<Watch, query::QueryError> {
        let query = match &c.query {
            Some(q) => Query::parse(q)?,
            None => Query::Term(normalize(&c.name)),
        };
        let mut synonyms: Vec<String> = std::iter::once(&c.name)
            .chain(&c.aliases)
            .map(|s| normalize(s))
            .collect();
        synonyms.dedup();
        Ok(Watch {
            name: c.name.clone(),
            query,
            synonyms,
            languages: c.languages.clone(),
            sources: c.sources.clone(),
        })
    }

    /// Whether this watch applies to posts from `source` in `lang`.
    pub fn applies(&self, source: &str, lang: Option<&str>) -> bool {
        (self.sources.is_empty() || self.sources.iter().any(|s| s == source))
            && (self.languages.is_empty()
                || lang.is_none_or(|l| self.languages.iter().any(|x| x == l)))
    }

    fn expand<'a>(&'a self, term: &'a str) -> Vec<&'a str> {
        if self.synonyms.iter().any(|s| s == term) {
            self.synonyms.iter().map(String::as_str).collect()
        } else {
            vec![term]
        }
    }

    /// Matches `text` (and `title`); returns the context of the first
    /// occurrence when the query holds.
    pub fn find(&self, title: &str, text: &str) -> Option<Match> {
        let norm_text = normalize(text);
        let norm_all = format!("{}\n{}", normalize(title), norm_text);
        let holds = self.query.eval(&|t| {
            self.expand(t)
                .iter()
                .any(|v| find_term(&norm_all, v).is_some())
        });
        if !holds {
            return None;
        }
        let first = self
            .query
            .positive_terms()
            .into_iter()
            .flat_map(|t| self.expand(t))
            .filter_map(|t| find_term(&norm_text, t).map(|pos| (pos, t.chars().count())))
            .min();
        let context = match first {
            Some((byte, len)) => context_window(&norm_text, text, byte, len),
            // Only the title mentions it: the opening of the text.
            None => text.chars().take(CONTEXT_CHARS).collect(),
        };
        Some(Match {
            watch: self.name.clone(),
            context,
        })
    }
}

/// Byte offset of `term` in `hay`, on word boundaries for ASCII words.
fn find_term(hay: &str, term: &str) -> Option<usize> {
    if term.is_empty() {
        return None;
    }
    let wordy = term
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-' || c == '.');
    let mut from = 0;
    while let Some(i) = hay[from..].find(term) {
        let start = from + i;
        let end = start + term.len();
        if !wordy {
            return Some(start);
        }
        let before = hay[..start].chars().next_back();
        let after = hay[end..].chars().next();
        let boundary = |c: Option<char>| c.is_none_or(|c| !c.is_ascii_alphanumeric());
        if boundary(before) && boundary(after) {
            return Some(start);
        }
        from = start + term.chars().next().map(char::len_utf8).unwrap_or(1);
    }
    None
}

fn is_sentence_end(c: char) -> bool {
    matches!(c, '。' | '！' | '？' | '!' | '?' | '；' | ';' | '\n' | '.')
}

/// The sentence holding the match, plus neighbours while they fit, in the
/// original (not normalised) text. NFKC can change lengths, so positions
/// are mapped by character count, which NFKC keeps for the text we see
/// (full-width forms map one to one).
fn context_window(norm: &str, original: &str, byte: usize, len: usize) -> String {
    let chars: Vec<char> = original.chars().collect();
    let norm_chars = norm[..byte].chars().count();
    let at = norm_chars.min(chars.len());
    let end_match = (at + len).min(chars.len());
    let mut start = at;
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
    // Grow by whole sentences while under the bound.
    loop {
        let mut grown = false;
        if end < chars.len() {
            let mut e = end;
            while e < chars.len() && !is_sentence_end(chars[e]) {
                e += 1;
            }
            let e = (e + 1).min(chars.len());
            if e - start <= CONTEXT_CHARS {
                end = e;
                grown = true;
            }
        }
        if start > 0 {
            let mut s = start - 1;
            while s > 0 && !is_sentence_end(chars[s - 1]) {
                s -= 1;
            }
            if end - s <= CONTEXT_CHARS {
                start = s;
                grown = true;
            }
        }
        if !grown || end - start >= CONTEXT_CHARS {
            break;
        }
    }
    // One over-long sentence: a window around the match.
    if end - start > CONTEXT_CHARS {
        let half = CONTEXT_CHARS / 2;
        start = at.saturating_sub(half).max(start);
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

    fn watch(name: &str, query: Option<&str>, aliases: &[&str]) -> Watch {
        Watch::new(&WatchConfig {
            name: name.into(),
            query: query.map(str::to_string),
            aliases: aliases.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        })
        .unwrap()
    }

    #[test]
    fn matching_table() {
        let lumio = watch("Lumio", None, &[]);
        let yunque = watch(
            "云雀",
            Some("云雀 AND NOT (招聘 OR \"job opening\")"),
            &["雲雀", "Yunque"],
        );
        let apple = watch("apple", None, &[]);
        let cases: &[(&Watch, &str, bool)] = &[
            (&lumio, "I love my Lumio Aura lamp.", true),
            (&lumio, "i love my LUMIO lamp", true),
            (&lumio, "全角 ＬＵＭＩＯ 也算", true),
            (&lumio, "Lumios are not a thing", false),
            (&apple, "pineapple juice", false),
            (&apple, "an Apple phone", true),
            (&yunque, "云雀X5电池鼓包", true),
            (&yunque, "雲雀 X5 值得買嗎", true),
            (&yunque, "Ｙｕｎｑｕｅ X5 is hot", true),
            (&yunque, "云雀科技招聘工程师", false),
            (&yunque, "没有提到品牌", false),
        ];
        for (w, text, want) in cases {
            assert_eq!(w.find("", text).is_some(), *want, "{} on {text:?}", w.name);
        }
    }

    #[test]
    fn context_is_the_sentence_around_the_mention() {
        let w = watch("云雀", None, &[]);
        let filler = "今天天气很好，我们去公园散步，然后吃了午饭，下午又看了一场很长很长的电影，晚上回家以后还打了两个小时的游戏。".repeat(3);
        let text = format!("{filler}我的云雀X5充电时发烫得厉害！{filler}");
        let m = w.find("", &text).unwrap();
        assert!(
            m.context.contains("我的云雀X5充电时发烫得厉害！"),
            "{}",
            m.context
        );
        assert!(m.context.chars().count() <= CONTEXT_CHARS);
        let long = "很".repeat(1000) + "云雀" + &"好".repeat(1000);
        let m = w.find("", &long).unwrap();
        assert!(m.context.contains("云雀"));
        assert!(m.context.chars().count() <= CONTEXT_CHARS);
    }
}
