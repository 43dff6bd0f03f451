//! Pages whose markup a raw-text element swallowed: an element whose
//! content the HTML parser reads as text up to its end tag (`<title>`,
//! `<script>`) left open, or opened by a tag whose attribute quote is never
//! closed, holds the rest of the page's markup as its text. Browsers show
//! nothing of it, but the markup is all there: read that text as the page.

use std::sync::OnceLock;

use scraper::{Html, Selector};

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
