//! Pages whose markup a raw-text element swallowed: an element whose
//! content the HTML parser reads as text up to its end tag (`<title>`,
//! `<script>`) left open, or opened by a tag whose attribute quote is never
//! closed, holds the rest of the page's markup as its text. Browsers show
//! nothing of it, but the markup is all there: read that text as the page.
//! And a page whose start was lost (a script's code left as bare text
//! before the head's elements): that text is not the page's.

use std::sync::OnceLock;

use ego_tree::{NodeId, NodeRef};
use scraper::{Html, Node, Selector};

/// A swallowed text at least this long (bytes) is read as a page.
const MIN_SWALLOWED: usize = 2000;

fn selector(css: &'static str, cell: &'static OnceLock<Selector>) -> &'static Selector {
    cell.get_or_init(|| Selector::parse(css).expect("static selector"))
}

/// The swallowed markup to read in place of `doc`'s, given the text the
/// finder found in `doc`: an open `<title>`'s text when the page gave no
/// text, and a `<script>`'s text that holds the page's own `<body>` tag (a
/// script does not write a document's body; one whose text has it has
/// swallowed the page) whatever the page gave.
pub(super) fn markup(doc: &Html, found: &str) -> Vec<String> {
    static TITLE: OnceLock<Selector> = OnceLock::new();
    static SCRIPT: OnceLock<Selector> = OnceLock::new();
    let mut out = Vec::new();
    if found.is_empty() {
        out.extend(
            doc.select(selector("title", &TITLE))
                .map(|t| t.text().collect::<String>())
                .filter(|t| t.len() > MIN_SWALLOWED && t.contains("</"))
                .take(1),
        );
    }
    out.extend(
        doc.select(selector("script", &SCRIPT))
            .map(|s| s.text().collect::<String>())
            .filter(|t| t.len() > MIN_SWALLOWED && holds_body_tag(t)),
    );
    out
}

/// `t` holds a `<body>` start tag (any case) followed by more markup.
/// Linear: the first such tag has all markup after any later one after it.
pub(super) fn holds_body_tag(t: &str) -> bool {
    let first = t.as_bytes().windows(6).position(|w| {
        w[0] == b'<'
            && w[1..5].eq_ignore_ascii_case(b"body")
            && matches!(w[5], b'>' | b' ' | b'\t' | b'\n' | b'\r')
    });
    // `<` is ASCII, so `i` is a character boundary.
    first.is_some_and(|i| t[i..].contains("</"))
}

/// Text nodes of `body` before its first element of head matter
/// (`<style>`, `<link>`, `<title>`, `<base>`, a `<meta>` that is not
/// microdata), in document order, when the page's `<head>` is empty and
/// the body opens with bare text: text before the head's end (a page whose
/// start was lost, leaving a script's code as bare text) closed the head,
/// and the head's elements that followed landed in the body. That text is
/// not the page's. Sorted; empty for a page with its head.
pub(super) fn stray_text(body: NodeRef<'_, Node>) -> Vec<NodeId> {
    let head = body
        .prev_siblings()
        .find(|n| n.value().as_element().is_some_and(|e| e.name() == "head"));
    if head.is_none_or(|h| h.children().any(|c| c.value().is_element())) {
        return Vec::new();
    }
    let opens_with_text = body
        .children()
        .find(|c| match c.value() {
            Node::Text(t) => !t.trim().is_empty(),
            Node::Element(_) => true,
            _ => false,
        })
        .is_some_and(|c| c.value().is_text());
    let is_head_matter = |n: &NodeRef<'_, Node>| {
        n.value().as_element().is_some_and(|e| match e.name() {
            "style" | "link" | "title" | "base" => true,
            "meta" => e.attr("itemprop").is_none(),
            _ => false,
        })
    };
    if !opens_with_text || !body.descendants().any(|n| is_head_matter(&n)) {
        return Vec::new();
    }
    let text: Vec<NodeRef<'_, Node>> = body
        .descendants()
        .take_while(|n| !is_head_matter(n))
        .filter(|n| n.value().is_text())
        .collect();
    // Head text holds no paragraphs: text inside a block element (other
    // than the body) before the head matter is the page's own (a page an
    // open `<title>` swallowed, read again, whose body holds a `<link>`).
    let in_block = |n: &NodeRef<'_, Node>| {
        n.parent()
            .and_then(|p| p.value().as_element().map(|e| e.name()))
            .is_some_and(|name| name != "body" && super::is_block(name))
    };
    if text
        .iter()
        .any(|n| in_block(n) && n.value().as_text().is_some_and(|t| !t.trim().is_empty()))
    {
        return Vec::new();
    }
    let mut ids: Vec<NodeId> = text.iter().map(|n| n.id()).collect();
    ids.sort_unstable();
    ids
}
