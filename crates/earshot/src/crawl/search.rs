//! `kind = "search"` sources: a search page or news-search feed URL
//! template, filled once per search term of the watches it serves.
//!
//! A watch's search terms: its name and aliases when it has no query;
//! otherwise the terms and phrases its query counts as a mention, read
//! from the query's shape: each side of an `OR` is searched on its own,
//! the sides of an `AND` (or `NEAR`) are searched together (joined by a
//! space, which search engines read as AND), `NOT` parts and `author:`/
//! `site:` terms are not searched. Terms are searched as the query writes
//! them after normalisation (lower case, full-width folded).

use url::Url;

use super::config::{SourceConfig, SourceKind};
use crate::util::{did_you_mean, expand_env, Problem};
use crate::watch::query::{Field, Query};
use crate::watch::WatchConfig;

/// Searches built from one AND group at most (its sides' combinations).
const MAX_COMBINATIONS: usize = 10;

/// The one placeholder a template may hold.
const PLACEHOLDER: &str = "query";

/// The search terms of one watch (see the module docs).
pub fn watch_terms(w: &WatchConfig) -> Vec<String> {
    let mut out: Vec<String> = match &w.query {
        None => std::iter::once(&w.name)
            .chain(&w.aliases)
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
        Some(q) => match Query::parse(q) {
            Ok(q) => terms_of(&q),
            Err(_) => Vec::new(),
        },
    };
    let mut seen = std::collections::HashSet::new();
    out.retain(|t| seen.insert(t.to_lowercase()));
    out
}

fn terms_of(q: &Query) -> Vec<String> {
    match q {
        Query::Term(t) if matches!(t.field, Field::Body | Field::Title) => {
            vec![t.text.trim().to_string()]
        }
        Query::Term(_) | Query::Not(_) => Vec::new(),
        Query::Or(v) => v.iter().flat_map(terms_of).collect(),
        Query::And(v) => combine(v.iter().map(terms_of)),
        Query::Near(a, b, _) => combine([terms_of(a), terms_of(b)].into_iter()),
    }
}

/// Every combination of one term from each non-empty side, joined by a
/// space, at most [`MAX_COMBINATIONS`].
fn combine(sides: impl Iterator<Item = Vec<String>>) -> Vec<String> {
    let mut out = vec![String::new()];
    for side in sides.filter(|s| !s.is_empty()) {
        let mut next = Vec::new();
        for prefix in &out {
            for t in &side {
                if next.len() < MAX_COMBINATIONS {
                    next.push(if prefix.is_empty() {
                        t.clone()
                    } else {
                        format!("{prefix} {t}")
                    });
                }
            }
        }
        out = next;
    }
    out.retain(|t| !t.is_empty());
    out
}

/// The watches a search source serves: those it names, else all.
fn served<'a>(s: &SourceConfig, watches: &'a [WatchConfig]) -> Vec<&'a WatchConfig> {
    watches
        .iter()
        .filter(|w| s.watches.is_empty() || s.watches.contains(&w.name))
        .collect()
}

/// Percent-encodes `term` in `charset` (every byte but the unreserved
/// ASCII ones, so a space is `%20`).
pub fn encode_query(term: &str, charset: &'static encoding_rs::Encoding) -> String {
    let (bytes, _, _) = charset.encode(term);
    let mut out = String::with_capacity(bytes.len() * 3);
    for b in bytes.iter() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(b) {
            out.push(*b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The template's placeholders, in order (`${VAR}` is the environment's,
/// expanded before).
fn placeholders(template: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let Some(len) = rest[open..].find('}') else {
            return Err(format!(
                "`{{` at `{}` is not closed",
                &rest[open..].chars().take(20).collect::<String>()
            ));
        };
        out.push(rest[open + 1..open + len].to_string());
        rest = &rest[open + len + 1..];
    }
    Ok(out)
}

fn charset(s: &SourceConfig) -> Result<&'static encoding_rs::Encoding, String> {
    match &s.query_charset {
        None => Ok(encoding_rs::UTF_8),
        Some(label) => encoding_rs::Encoding::for_label(label.trim().as_bytes())
            .map(|e| e.output_encoding())
            .ok_or_else(|| format!("`{label}` is not a charset earshot knows")),
    }
}

/// The results pages of a search source, one per search term of the
/// watches it serves, with the term; or what is wrong.
pub fn search_urls(
    s: &SourceConfig,
    watches: &[WatchConfig],
) -> Result<Vec<(Url, String)>, String> {
    let template = s
        .url
        .as_deref()
        .ok_or("kind = \"search\" needs url = \"…{query}…\"")?;
    let template = expand_env(template)?;
    let enc = charset(s)?;
    let mut out: Vec<(Url, String)> = Vec::new();
    for w in served(s, watches) {
        for term in watch_terms(w) {
            let filled = template.replace("{query}", &encode_query(&term, enc));
            let u = Url::parse(&filled).map_err(|e| format!("`{filled}` is not a URL: {e}"))?;
            if !out.iter().any(|(o, _)| *o == u) {
                out.push((u, term));
            }
        }
    }
    Ok(out)
}

/// What is wrong with a `search` or `sitemap` source (number `i`).
pub(super) fn problems(i: usize, s: &SourceConfig, watches: &[WatchConfig]) -> Vec<Problem> {
    let at = |k: &str| format!("source[{i}].{k}");
    let mut out = Vec::new();
    let kind = if s.kind == SourceKind::Search {
        "search"
    } else {
        "sitemap"
    };
    for (field, given) in [
        ("start_urls", !s.start_urls.is_empty()),
        ("feeds", !s.feeds.is_empty()),
    ] {
        if given {
            out.push(Problem::new(
                at(field),
                format!("a kind = \"{kind}\" source reads `url`, not `{field}`"),
                format!(
                    "move the address to url = \"…\", or make a separate [[source]] for {field}"
                ),
            ));
        }
    }
    if s.kind == SourceKind::Sitemap {
        for (field, given) in [
            ("watches", !s.watches.is_empty()),
            ("query_charset", s.query_charset.is_some()),
        ] {
            if given {
                out.push(Problem::new(
                    at(field),
                    format!("`{field}` is read only by kind = \"search\" sources"),
                    "remove it: a sitemap lists the site's pages whatever the watches",
                ));
            }
        }
        if s.max_sitemap_urls == Some(0) {
            out.push(Problem::new(
                at("max_sitemap_urls"),
                "must be at least 1",
                format!(
                    "e.g. max_sitemap_urls = 5000 (default {})",
                    super::config::MAX_SITEMAP_URLS
                ),
            ));
        }
        match s.url.as_deref().map(expand_env) {
            None => out.push(Problem::new(
                at("kind"),
                "kind = \"sitemap\" needs the sitemap's address",
                "add url = \"https://news.example.com/sitemap.xml\" (or the site's root, whose robots.txt lists its sitemaps)",
            )),
            Some(Err(e)) => out.push(Problem::new(
                at("url"),
                e,
                "set the variable, or give a default: ${VAR:-http://...}",
            )),
            Some(Ok(u)) => {
                if let Some(p) = http_problem(&u) {
                    out.push(Problem::new(at("url"), p, "e.g. url = \"https://news.example.com/sitemap.xml\""));
                }
            }
        }
        return out;
    }
    if s.max_sitemap_urls.is_some() {
        out.push(Problem::new(
            at("max_sitemap_urls"),
            "`max_sitemap_urls` is read only by kind = \"sitemap\" sources",
            "remove it",
        ));
    }
    let example = "url = \"https://news.example.com/rss/search?q={query}\"";
    let Some(template) = &s.url else {
        out.push(Problem::new(
            at("kind"),
            "kind = \"search\" needs a URL template",
            format!("add {example}: {{query}} is replaced by each watch term"),
        ));
        return out;
    };
    let template = match expand_env(template) {
        Ok(t) => t,
        Err(e) => {
            out.push(Problem::new(
                at("url"),
                e,
                "set the variable, or give a default: ${VAR:-http://...}",
            ));
            return out;
        }
    };
    match placeholders(&template) {
        Err(e) => out.push(Problem::new(
            at("url"),
            format!("the template `{template}` does not parse: {e}"),
            format!("write {example}"),
        )),
        Ok(found) => {
            for p in found.iter().filter(|p| p.as_str() != PLACEHOLDER) {
                let hint = did_you_mean(p, [PLACEHOLDER].into_iter())
                    .map(|m| format!("did you mean {{{m}}}? "))
                    .unwrap_or_default();
                out.push(Problem::new(
                    at("url"),
                    format!("the template `{template}` has an unknown placeholder {{{p}}}"),
                    format!("{hint}only {{query}} is filled (with each watch term, URL-encoded); e.g. {example}"),
                ));
            }
            if !found.iter().any(|p| p == PLACEHOLDER) {
                out.push(Problem::new(
                    at("url"),
                    format!("the template `{template}` has no {{query}}: every watch would fetch the same page"),
                    format!("put {{query}} where the search terms go, e.g. {example}"),
                ));
            } else if let Some(p) = http_problem(&template.replace("{query}", "x")) {
                out.push(Problem::new(at("url"), p, format!("e.g. {example}")));
            }
        }
    }
    if let Err(e) = charset(s) {
        out.push(Problem::new(
            at("query_charset"),
            e,
            "e.g. query_charset = \"gbk\" for an old Chinese forum (WHATWG charset names), or remove it for UTF-8",
        ));
    }
    for (j, name) in s.watches.iter().enumerate() {
        if !watches.iter().any(|w| &w.name == name) {
            let hint = did_you_mean(name, watches.iter().map(|w| w.name.as_str()))
                .map(|m| format!("did you mean `{m}`?"))
                .unwrap_or_else(|| {
                    "name a [[watch]] of this config, or remove `watches` to search for every watch"
                        .into()
                });
            out.push(Problem::new(
                format!("source[{i}].watches[{j}]"),
                format!("no [[watch]] named `{name}`"),
                hint,
            ));
        }
    }
    let served = served(s, watches);
    if !served.is_empty() && served.iter().all(|w| watch_terms(w).is_empty()) {
        out.push(Problem::new(
            at("watches"),
            "the watches this source serves have no term to search for (only NOT, author: or site: terms)",
            "search for a watch whose query names the brand",
        ));
    }
    out
}

fn http_problem(u: &str) -> Option<String> {
    match Url::parse(u) {
        Ok(url) if url.scheme() == "http" || url.scheme() == "https" => None,
        Ok(url) => Some(format!(
            "only http and https URLs can be crawled, not `{}:`",
            url.scheme()
        )),
        Err(e) => Some(format!("`{u}` is not an absolute URL ({e})")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn watch(name: &str, query: Option<&str>) -> WatchConfig {
        WatchConfig {
            name: name.into(),
            query: query.map(str::to_string),
            ..Default::default()
        }
    }

    #[test]
    fn terms_follow_the_query_shape() {
        let mut w = watch("Lumio", None);
        w.aliases = vec!["露米奥".into(), "lumio".into()];
        assert_eq!(watch_terms(&w), ["Lumio", "露米奥"]);
        let w = watch(
            "x",
            Some("(\"lumio aura\" OR 云雀) AND (lamp OR 灯) NOT review author:bob"),
        );
        assert_eq!(
            watch_terms(&w),
            ["lumio aura lamp", "lumio aura 灯", "云雀 lamp", "云雀 灯"]
        );
    }

    #[test]
    fn queries_are_encoded_in_the_site_charset() {
        assert_eq!(
            encode_query("云雀 X5", encoding_rs::UTF_8),
            "%E4%BA%91%E9%9B%80%20X5"
        );
        assert_eq!(encode_query("云雀", encoding_rs::GBK), "%D4%C6%C8%B8");
    }

    #[test]
    fn bad_templates_say_where_and_how() {
        let ws = [watch("Lumio", None)];
        let src = |url: &str| SourceConfig {
            name: "s".into(),
            kind: SourceKind::Search,
            url: Some(url.into()),
            ..Default::default()
        };
        let p = problems(0, &src("https://n.example/search?q=lumio"), &ws);
        assert!(p[0].message.contains("has no {query}"), "{p:?}");
        assert_eq!(p[0].key, "source[0].url");
        let p = problems(0, &src("https://n.example/search?q={qeury}"), &ws);
        assert!(
            p.iter()
                .any(|p| p.message.contains("unknown placeholder {qeury}")
                    && p.hint
                        .as_deref()
                        .unwrap_or("")
                        .contains("did you mean {query}")),
            "{p:?}"
        );
        assert!(problems(0, &src("https://n.example/search?q={query}"), &ws).is_empty());
        let mut s = src("https://n.example/search?q={query}");
        s.query_charset = Some("klingon".into());
        s.watches = vec!["Lumoi".into()];
        let p = problems(0, &s, &ws);
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(p[1].hint.as_deref().unwrap_or("").contains("`Lumio`"));
    }
}
