//! The watch query language. Case-insensitive; adjacent terms are ANDed.
//!
//! ```text
//! query   := or
//! or      := and ("OR" and)*
//! and     := unary (("AND")? unary)*
//! unary   := "NOT" unary | near
//! near    := primary ("NEAR/" N primary)*
//! primary := "(" or ")" | [field ":"] (PHRASE | TERM)
//! field   := "title" | "author" | "site"
//! ```
//!
//! A term ending in `*` matches as a prefix (`lumio*` finds `lumios`);
//! other terms of ASCII letters and digits match whole words only.
//! `a NEAR/5 b`: `a` and `b` at most 5 words apart in the text (each
//! Chinese character counts as a word); NEAR takes terms, phrases or
//! parenthesised ORs of them.

use std::fmt;

/// Where a term must occur.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// Title or text.
    Body,
    /// The title.
    Title,
    /// The author's name.
    Author,
    /// The site name or host.
    Site,
}

/// One term or phrase, normalised.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Term {
    /// Where it must occur.
    pub field: Field,
    /// Normalised text (see [`super::normalize`]).
    pub text: String,
    /// Matches as a prefix (`lumio*`).
    pub prefix: bool,
}

/// A parsed query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Query {
    /// A word or phrase.
    Term(Term),
    /// All must match.
    And(Vec<Query>),
    /// One must match.
    Or(Vec<Query>),
    /// Must not match.
    Not(Box<Query>),
    /// Both sides within N words of each other.
    Near(Box<Query>, Box<Query>, u32),
}

/// A query that does not parse: where and what was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryError {
    /// Character offset in the query (0-based).
    pub position: usize,
    /// What was expected there.
    pub message: String,
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "query error at character {}: {}",
            self.position + 1,
            self.message
        )
    }
}

impl std::error::Error for QueryError {}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    LParen,
    RParen,
    And,
    Or,
    Not,
    Near(u32),
    Field(Field),
    Word(String),
    Phrase(String),
}

fn is_quote(c: char) -> bool {
    matches!(c, '"' | '“' | '”')
}

fn lex(s: &str) -> Result<Vec<(usize, Tok)>, QueryError> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '(' || c == '（' {
            out.push((i, Tok::LParen));
            i += 1;
        } else if c == ')' || c == '）' {
            out.push((i, Tok::RParen));
            i += 1;
        } else if is_quote(c) {
            let start = i;
            i += 1;
            let mut phrase = String::new();
            while i < chars.len() && !is_quote(chars[i]) {
                phrase.push(chars[i]);
                i += 1;
            }
            if i >= chars.len() {
                return Err(QueryError {
                    position: start,
                    message: "this quote is never closed; expected a closing `\"`".into(),
                });
            }
            i += 1;
            if phrase.trim().is_empty() {
                return Err(QueryError {
                    position: start,
                    message: "empty phrase; expected text between the quotes".into(),
                });
            }
            out.push((start, Tok::Phrase(phrase)));
        } else {
            let start = i;
            let mut w = String::new();
            while i < chars.len()
                && !chars[i].is_whitespace()
                && !matches!(chars[i], '(' | ')' | '（' | '）')
                && !is_quote(chars[i])
            {
                w.push(chars[i]);
                i += 1;
                // `title:` ends a token so `title:"a phrase"` works.
                if w.ends_with(':') && field_of(&w[..w.len() - 1]).is_some() {
                    break;
                }
            }
            let tok = if let Some(f) = w.strip_suffix(':').and_then(field_of) {
                Tok::Field(f)
            } else if w == "AND" {
                Tok::And
            } else if w == "OR" {
                Tok::Or
            } else if w == "NOT" {
                Tok::Not
            } else if let Some(n) = w.strip_prefix("NEAR") {
                let n = n
                    .strip_prefix('/')
                    .and_then(|n| n.parse::<u32>().ok())
                    .filter(|n| *n > 0 && *n <= 1000);
                match n {
                    Some(n) => Tok::Near(n),
                    None => {
                        return Err(QueryError {
                            position: start,
                            message: format!("`{w}`: expected NEAR/<words> with a number from 1 to 1000, e.g. NEAR/5"),
                        })
                    }
                }
            } else {
                Tok::Word(w)
            };
            out.push((start, tok));
        }
    }
    Ok(out)
}

/// Operators written in the wrong case (`and`, `Or`, `not`): the query
/// language takes them as words to search for. Each as (character offset,
/// the word as written).
pub fn lowercase_operators(q: &str) -> Vec<(usize, String)> {
    lex(q)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(at, t)| match t {
            Tok::Word(w)
                if ["and", "or", "not"]
                    .iter()
                    .any(|op| w.eq_ignore_ascii_case(op)) =>
            {
                Some((at, w))
            }
            _ => None,
        })
        .collect()
}

fn field_of(name: &str) -> Option<Field> {
    match name.to_ascii_lowercase().as_str() {
        "title" => Some(Field::Title),
        "author" => Some(Field::Author),
        "site" => Some(Field::Site),
        _ => None,
    }
}

struct Parser {
    toks: Vec<(usize, Tok)>,
    pos: usize,
    len: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|(_, t)| t)
    }
    fn at(&self) -> usize {
        self.toks.get(self.pos).map(|(p, _)| *p).unwrap_or(self.len)
    }
    fn or(&mut self) -> Result<Query, QueryError> {
        let mut items = vec![self.and()?];
        while self.peek() == Some(&Tok::Or) {
            self.pos += 1;
            items.push(self.and()?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Query::Or(items)
        })
    }
    fn and(&mut self) -> Result<Query, QueryError> {
        let mut items = vec![self.unary()?];
        loop {
            match self.peek() {
                Some(Tok::And) => {
                    self.pos += 1;
                    items.push(self.unary()?);
                }
                Some(Tok::Word(_) | Tok::Phrase(_) | Tok::LParen | Tok::Not | Tok::Field(_)) => {
                    items.push(self.unary()?)
                }
                _ => break,
            }
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Query::And(items)
        })
    }
    fn unary(&mut self) -> Result<Query, QueryError> {
        if self.peek() == Some(&Tok::Not) {
            self.pos += 1;
            return Ok(Query::Not(Box::new(self.unary()?)));
        }
        self.near()
    }
    fn near(&mut self) -> Result<Query, QueryError> {
        let start = self.at();
        let mut left = self.primary()?;
        while let Some(Tok::Near(n)) = self.peek().cloned() {
            let op = self.at();
            self.pos += 1;
            let right_at = self.at();
            let right = self.primary()?;
            for (q, at) in [(&left, start), (&right, right_at)] {
                if !near_operand(q) {
                    return Err(QueryError {
                        position: at,
                        message: format!("NEAR/{n} at character {} needs a term, a \"phrase\" or (a OR b) of them on each side", op + 1),
                    });
                }
            }
            left = Query::Near(Box::new(left), Box::new(right), n);
        }
        Ok(left)
    }
    fn primary(&mut self) -> Result<Query, QueryError> {
        let at = self.at();
        match self.toks.get(self.pos).map(|(_, t)| t.clone()) {
            Some(Tok::LParen) => {
                self.pos += 1;
                let q = self.or()?;
                if self.peek() != Some(&Tok::RParen) {
                    return Err(QueryError {
                        position: self.at(),
                        message: format!("expected `)` to close the `(` at character {}", at + 1),
                    });
                }
                self.pos += 1;
                Ok(q)
            }
            Some(Tok::Field(field)) => {
                self.pos += 1;
                match self.toks.get(self.pos).map(|(_, t)| t.clone()) {
                    Some(Tok::Word(w) | Tok::Phrase(w)) => {
                        self.pos += 1;
                        Ok(term(field, &w))
                    }
                    _ => Err(QueryError {
                        position: self.at(),
                        message: "expected a term or a \"phrase\" after the field name".into(),
                    }),
                }
            }
            Some(Tok::Word(w)) | Some(Tok::Phrase(w)) => {
                self.pos += 1;
                Ok(term(Field::Body, &w))
            }
            Some(t) => Err(QueryError {
                position: at,
                message: format!(
                    "expected a term, a \"phrase\" or `(`, found {}",
                    describe(&t)
                ),
            }),
            None => Err(QueryError {
                position: at,
                message: "expected a term, a \"phrase\" or `(`, found the end of the query".into(),
            }),
        }
    }
}

fn term(field: Field, raw: &str) -> Query {
    let (raw, prefix) = match raw.strip_suffix('*') {
        Some(r) if !r.is_empty() => (r, true),
        _ => (raw, false),
    };
    Query::Term(Term {
        field,
        text: super::normalize(raw.trim()),
        prefix,
    })
}

fn near_operand(q: &Query) -> bool {
    match q {
        Query::Term(t) => t.field == Field::Body || t.field == Field::Title,
        Query::Or(v) => v.iter().all(near_operand),
        _ => false,
    }
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::LParen => "`(`".into(),
        Tok::RParen => "`)`".into(),
        Tok::And => "`AND`".into(),
        Tok::Or => "`OR`".into(),
        Tok::Not => "`NOT`".into(),
        Tok::Near(n) => format!("`NEAR/{n}`"),
        Tok::Field(f) => format!("`{f:?}:`").to_lowercase(),
        Tok::Word(w) => format!("`{w}`"),
        Tok::Phrase(p) => format!("\"{p}\""),
    }
}

impl Query {
    /// Parses a query.
    pub fn parse(s: &str) -> Result<Query, QueryError> {
        let toks = lex(s)?;
        let mut p = Parser {
            toks,
            pos: 0,
            len: s.chars().count(),
        };
        let q = p.or()?;
        if let Some(t) = p.peek().cloned() {
            return Err(QueryError {
                position: p.at(),
                message: format!(
                    "expected AND, OR, NEAR/n or the end of the query, found {}",
                    describe(&t)
                ),
            });
        }
        if !q.has_positive() {
            return Err(QueryError {
                position: 0,
                message:
                    "the query only excludes (NOT ...); expected at least one term that must appear"
                        .into(),
            });
        }
        Ok(q)
    }

    fn has_positive(&self) -> bool {
        match self {
            Query::Term(_) | Query::Near(..) => true,
            Query::And(v) => v.iter().any(Query::has_positive),
            Query::Or(v) => v.iter().all(Query::has_positive),
            Query::Not(_) => false,
        }
    }

    /// Every term in the query.
    pub fn terms(&self) -> Vec<&Term> {
        let mut out = Vec::new();
        self.walk(false, &mut |t, _| out.push(t));
        out
    }

    /// Terms whose presence counts as the mention (not under NOT).
    pub fn positive_terms(&self) -> Vec<&Term> {
        let mut out = Vec::new();
        self.walk(false, &mut |t, neg| {
            if !neg {
                out.push(t)
            }
        });
        out
    }

    fn walk<'a>(&'a self, neg: bool, f: &mut dyn FnMut(&'a Term, bool)) {
        match self {
            Query::Term(t) => f(t, neg),
            Query::And(v) | Query::Or(v) => v.iter().for_each(|q| q.walk(neg, f)),
            Query::Not(q) => q.walk(!neg, f),
            Query::Near(a, b, _) => {
                a.walk(neg, f);
                b.walk(neg, f);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Query {
        Query::Term(Term {
            field: Field::Body,
            text: s.into(),
            prefix: false,
        })
    }

    fn tf(field: Field, s: &str) -> Query {
        Query::Term(Term {
            field,
            text: s.into(),
            prefix: false,
        })
    }

    #[test]
    fn valid_queries() {
        let cases: Vec<(&str, Query)> = vec![
            ("Huawei", t("huawei")),
            ("a OR b", Query::Or(vec![t("a"), t("b")])),
            ("a b", Query::And(vec![t("a"), t("b")])),
            (
                "a AND NOT b",
                Query::And(vec![t("a"), Query::Not(Box::new(t("b")))]),
            ),
            (
                "\"job opening\" OR x",
                Query::Or(vec![t("job opening"), t("x")]),
            ),
            (
                "(\"华为\" OR Huawei OR 華為) AND NOT (招聘 OR \"job opening\")",
                Query::And(vec![
                    Query::Or(vec![t("华为"), t("huawei"), t("华为")]),
                    Query::Not(Box::new(Query::Or(vec![t("招聘"), t("job opening")]))),
                ]),
            ),
            ("ＬＵＭＩＯ", t("lumio")),
            (
                "lumio NEAR/5 flicker",
                Query::Near(Box::new(t("lumio")), Box::new(t("flicker")), 5),
            ),
            (
                "(lumio OR aura) NEAR/3 \"dimmer broke\"",
                Query::Near(
                    Box::new(Query::Or(vec![t("lumio"), t("aura")])),
                    Box::new(t("dimmer broke")),
                    3,
                ),
            ),
            (
                "title:云雀 author:\"Jen Alvarez\"",
                Query::And(vec![
                    tf(Field::Title, "云雀"),
                    tf(Field::Author, "jen alvarez"),
                ]),
            ),
            ("site:weibo.com", tf(Field::Site, "weibo.com")),
            (
                "lumio*",
                Query::Term(Term {
                    field: Field::Body,
                    text: "lumio".into(),
                    prefix: true,
                }),
            ),
        ];
        for (q, want) in cases {
            assert_eq!(Query::parse(q).unwrap(), want, "query {q:?}");
        }
    }

    #[test]
    fn invalid_queries_point_at_the_problem() {
        let cases: &[(&str, usize, &str)] = &[
            ("(a OR b", 7, "expected `)`"),
            ("a OR", 4, "found the end"),
            ("a OR OR b", 5, "found `OR`"),
            ("\"unclosed", 0, "never closed"),
            ("a )", 2, "found `)`"),
            ("NOT a", 0, "only excludes"),
            ("\"\"", 0, "empty phrase"),
            ("a NEAR b", 2, "NEAR/<words>"),
            ("a NEAR/0 b", 2, "from 1 to 1000"),
            ("a NEAR/5", 8, "found the end"),
            ("(a AND b) NEAR/5 c", 0, "needs a term"),
            ("title:", 6, "after the field name"),
            ("a NEAR/3 NOT b", 9, "found `NOT`"),
            ("a NEAR/2 b NEAR/2 c", 0, "needs a term"),
        ];
        for (q, pos, msg) in cases {
            let e = Query::parse(q).unwrap_err();
            assert_eq!(e.position, *pos, "query {q:?}: {e}");
            assert!(e.message.contains(msg), "query {q:?}: {e}");
        }
    }
}
