//! The watch query language: terms, "quoted phrases", AND, OR, NOT and
//! parentheses; adjacent terms are ANDed. Case-insensitive.
//!
//! ```text
//! query   := or
//! or      := and ("OR" and)*
//! and     := unary (("AND")? unary)*
//! unary   := "NOT" unary | primary
//! primary := "(" or ")" | PHRASE | TERM
//! ```

use std::fmt;

/// A parsed query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Query {
    /// A word or phrase (already normalised).
    Term(String),
    /// All must match.
    And(Vec<Query>),
    /// One must match.
    Or(Vec<Query>),
    /// Must not match.
    Not(Box<Query>),
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
    Word(String),
    Phrase(String),
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
        } else if c == '"' || c == '“' || c == '”' {
            let start = i;
            i += 1;
            let mut phrase = String::new();
            while i < chars.len() && !matches!(chars[i], '"' | '“' | '”') {
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
                && !matches!(chars[i], '(' | ')' | '（' | '）' | '"' | '“' | '”')
            {
                w.push(chars[i]);
                i += 1;
            }
            let tok = match w.as_str() {
                "AND" => Tok::And,
                "OR" => Tok::Or,
                "NOT" => Tok::Not,
                _ => Tok::Word(w),
            };
            out.push((start, tok));
        }
    }
    Ok(out)
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
            items.pop().unwrap_or(Query::Or(vec![]))
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
                Some(Tok::Word(_) | Tok::Phrase(_) | Tok::LParen | Tok::Not) => {
                    items.push(self.unary()?)
                }
                _ => break,
            }
        }
        Ok(if items.len() == 1 {
            items.pop().unwrap_or(Query::And(vec![]))
        } else {
            Query::And(items)
        })
    }
    fn unary(&mut self) -> Result<Query, QueryError> {
        if self.peek() == Some(&Tok::Not) {
            self.pos += 1;
            return Ok(Query::Not(Box::new(self.unary()?)));
        }
        self.primary()
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
            Some(Tok::Word(w)) | Some(Tok::Phrase(w)) => {
                self.pos += 1;
                Ok(Query::Term(super::normalize(&w)))
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

fn describe(t: &Tok) -> String {
    match t {
        Tok::LParen => "`(`".into(),
        Tok::RParen => "`)`".into(),
        Tok::And => "`AND`".into(),
        Tok::Or => "`OR`".into(),
        Tok::Not => "`NOT`".into(),
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
                    "expected AND, OR or the end of the query, found {}",
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
            Query::Term(_) => true,
            Query::And(v) => v.iter().any(Query::has_positive),
            Query::Or(v) => v.iter().all(Query::has_positive),
            Query::Not(_) => false,
        }
    }

    /// Evaluates against normalised text; `term` says whether a term occurs.
    pub fn eval(&self, term: &dyn Fn(&str) -> bool) -> bool {
        match self {
            Query::Term(t) => term(t),
            Query::And(v) => v.iter().all(|q| q.eval(term)),
            Query::Or(v) => v.iter().any(|q| q.eval(term)),
            Query::Not(q) => !q.eval(term),
        }
    }

    /// Terms that count as the mention when present (not under NOT).
    pub fn positive_terms(&self) -> Vec<&str> {
        let mut out = Vec::new();
        fn walk<'a>(q: &'a Query, neg: bool, out: &mut Vec<&'a str>) {
            match q {
                Query::Term(t) if !neg => out.push(t),
                Query::Term(_) => {}
                Query::And(v) | Query::Or(v) => v.iter().for_each(|q| walk(q, neg, out)),
                Query::Not(q) => walk(q, !neg, out),
            }
        }
        walk(self, false, &mut out);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Query {
        Query::Term(s.into())
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
                    Query::Or(vec![t("华为"), t("huawei"), t("華為")]),
                    Query::Not(Box::new(Query::Or(vec![t("招聘"), t("job opening")]))),
                ]),
            ),
            ("ＬＵＭＩＯ", t("lumio")),
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
        ];
        for (q, pos, msg) in cases {
            let e = Query::parse(q).unwrap_err();
            assert_eq!(e.position, *pos, "query {q:?}: {e}");
            assert!(e.message.contains(msg), "query {q:?}: {e}");
        }
    }
}
