//! `[[watch]]`: the brands and topics to listen for.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::query::Query;
use crate::util::Problem;

/// `[[watch]]`: a brand or topic to listen for.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct WatchConfig {
    /// Unique name, used on the command line and in reports.
    pub name: String,
    /// Boolean query: terms, "quoted phrases", AND, OR, NOT, parentheses.
    /// Defaults to the name OR'd with the aliases.
    pub query: Option<String>,
    /// Other spellings of the brand; any one of them is a mention.
    pub aliases: Vec<String>,
    /// Languages to keep (`zh`, `en`); empty keeps all.
    pub languages: Vec<String>,
    /// Sources this watch applies to; empty means all.
    pub sources: Vec<String>,
    /// Alert detector overrides for this watch.
    pub alert: Option<crate::detect::WatchAlertConfig>,
}

/// What is wrong with the `[[watch]]` list on its own (the sources a watch
/// names are checked by the application, which sees both lists).
pub fn problems(watches: &[WatchConfig]) -> Vec<Problem> {
    let mut out = Vec::new();
    let mut names = HashSet::new();
    for (i, w) in watches.iter().enumerate() {
        if w.name.trim().is_empty() {
            out.push(Problem::new(
                format!("watch[{i}]"),
                "has no name",
                "add name = \"MyBrand\"",
            ));
        } else if !names.insert(w.name.as_str()) {
            out.push(Problem::new(
                format!("watch[{i}].name"),
                format!("watch name `{}` is used twice", w.name),
                "give every [[watch]] its own name",
            ));
        }
        if let Some(q) = &w.query {
            if let Err(e) = Query::parse(q) {
                out.push(Problem::new(
                    format!("watch[{i}].query"),
                    format!("{e}"),
                    "e.g. query = '(\"华为\" OR Huawei) AND NOT 招聘'",
                ));
            }
            // `lumio or lumios` searches for the word "or": say so.
            for (at, w) in super::query::lowercase_operators(q) {
                let op = w.to_ascii_uppercase();
                out.push(Problem::new(
                    format!("watch[{i}].query"),
                    format!(
                        "`{w}` at character {} is searched for as a word, not the operator {op}",
                        at + 1
                    ),
                    format!("operators are upper case: write {op}; to search for the word, quote it: \"{w}\""),
                ));
            }
        }
        for (j, l) in w.languages.iter().enumerate() {
            if !is_language_tag(l) {
                out.push(Problem::new(
                    format!("watch[{i}].languages[{j}]"),
                    format!("`{l}` is not a language tag"),
                    "use \"zh\" (both scripts), \"zh-Hans\", \"zh-Hant\", \"en\", or another two- or three-letter code such as \"ja\"",
                ));
            }
        }
    }
    out
}

/// `en`, `zh`, `zh-Hant`, `yue`: a primary language subtag, with a script
/// for Chinese.
fn is_language_tag(t: &str) -> bool {
    let mut parts = t.split('-');
    let primary = parts.next().unwrap_or("");
    let script = parts.next();
    parts.next().is_none()
        && (2..=3).contains(&primary.len())
        && primary.bytes().all(|b| b.is_ascii_alphabetic())
        && script.is_none_or(|s| {
            primary.eq_ignore_ascii_case("zh")
                && (s.eq_ignore_ascii_case("hans") || s.eq_ignore_ascii_case("hant"))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `lumio or lumios` searches for the word "or": a problem saying so,
    /// with the fix; upper-case operators and a quoted "or" are fine.
    #[test]
    fn lower_case_operators_are_a_problem_with_a_fix() {
        let watch = |q: &str| WatchConfig {
            name: "Lumio".into(),
            query: Some(q.into()),
            ..Default::default()
        };
        let p = problems(&[watch("lumio or lumios and not 招聘")]);
        let msgs: Vec<String> = p
            .iter()
            .map(|p| format!("{} / {:?}", p.message, p.hint))
            .collect();
        assert_eq!(p.len(), 3, "{msgs:?}");
        assert!(
            msgs[0].contains("`or` at character 7 is searched for as a word, not the operator OR"),
            "{msgs:?}"
        );
        assert!(msgs[0].contains("write OR"), "{msgs:?}");
        assert!(
            msgs[1].contains("`and`") && msgs[2].contains("`not`"),
            "{msgs:?}"
        );
        assert!(problems(&[watch("lumio OR lumios AND NOT \"or\" NOT 招聘")]).is_empty());
        assert_eq!(problems(&[watch("Lumio Or x")]).len(), 1);
    }
}
