//! Element text with paragraphs kept, and forum boilerplate removed.

use std::sync::OnceLock;

use ego_tree::NodeRef;
use regex::Regex;
use scraper::{ElementRef, Node, Selector};

const SKIP: &[&str] = &[
    "script", "style", "noscript", "template", "img", "iframe", "svg", "button", "select", "form",
    "input", "textarea",
];
const BLOCK: &[&str] = &[
    "p",
    "div",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "tr",
    "table",
    "section",
    "article",
    "header",
    "footer",
    "pre",
    "dd",
    "dt",
    "dl",
    "figure",
    "figcaption",
    "aside",
    "nav",
    "main",
    "hr",
];

/// Text of `el` with paragraph breaks, leaving out elements matching
/// `remove` and `skip_quote`.
pub fn element_text(
    el: ElementRef<'_>,
    remove: &[Selector],
    skip_quote: Option<&Selector>,
) -> String {
    let mut out = String::new();
    walk(*el, remove, skip_quote, &mut out);
    out
}

fn walk(
    node: NodeRef<'_, Node>,
    remove: &[Selector],
    skip_quote: Option<&Selector>,
    out: &mut String,
) {
    for child in node.children() {
        match child.value() {
            Node::Text(t) => out.push_str(t),
            Node::Element(e) => {
                let name = e.name();
                if SKIP.contains(&name) {
                    continue;
                }
                if name == "br" {
                    out.push('\n');
                    continue;
                }
                if let Some(er) = ElementRef::wrap(child) {
                    if remove.iter().any(|s| s.matches(&er))
                        || skip_quote.is_some_and(|q| q.matches(&er))
                    {
                        continue;
                    }
                }
                let block = BLOCK.contains(&name);
                if block {
                    out.push_str("\n\n");
                }
                walk(child, remove, skip_quote, out);
                if block {
                    out.push_str("\n\n");
                }
            }
            _ => {}
        }
    }
}

/// Collapses whitespace runs to one space.
pub fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn boilerplate() -> &'static [Regex] {
    static R: OnceLock<Vec<Regex>> = OnceLock::new();
    R.get_or_init(|| {
        [
            r"本帖最后由\s*\S+\s*于\s*[\d\-: ]+\s*编辑",
            r"本帖最後由\s*\S+\s*於\s*[\d\-: ]+\s*編輯",
            r"您需要\s*登录\s*才可以下载或查看.*",
            r"\{:[A-Za-z0-9_]+:\}",
        ]
        .iter()
        .filter_map(|p| Regex::new(p).ok())
        .collect()
    })
}

/// Tidies extracted text: strips forum boilerplate and emoticon codes,
/// collapses spaces inside lines, keeps paragraphs (blank lines) and
/// single line breaks.
pub fn clean(raw: &str) -> String {
    let mut s = raw.replace('\u{a0}', " ").replace('\r', "");
    for r in boilerplate() {
        s = r.replace_all(&s, "").into_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut blank = 0;
    for line in s.lines() {
        let line = collapse(line);
        if line.is_empty() {
            blank += 1;
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank > 0 { "\n\n" } else { "\n" });
        }
        blank = 0;
        out.push_str(&line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use scraper::Html;

    #[test]
    fn paragraphs_breaks_and_boilerplate() {
        let html = Html::parse_fragment(
            r#"<table><tr><td class="t_f"><i class="pstatus"> 本帖最后由 老王 于 2026-11-20 11:02 编辑 </i><br />第一行{:soso_e163:}<br/>第二行<p>段落 <b>二</b></p><div class="sign">签名</div><script>x()</script></td></tr></table>"#,
        );
        let td = html.select(&Selector::parse("td").unwrap()).next().unwrap();
        let remove = vec![Selector::parse(".sign").unwrap()];
        let t = clean(&element_text(td, &remove, None));
        assert_eq!(t, "第一行\n第二行\n\n段落 二");
    }
}
