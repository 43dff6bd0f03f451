//! Before parsing: the bodies of `<script>` and `<style>` elements and of
//! comments, which html5ever would tokenize character by character and the
//! extractor never reads, are emptied; every tag stays, so the tree keeps
//! its shape (a non-empty body becomes one space: the element keeps its
//! text node). JSON scripts (`application/ld+json`, read by the structured
//! and review readers) keep their bodies.
//!
//! The scan follows the HTML tokenizer where it matters for finding where
//! these bodies end: attribute values in quotes, the other raw-text and
//! RCDATA elements (`textarea`, `title`, `noscript`, `xmp`, `iframe`,
//! `noembed`, `noframes`: passed over, kept), the escaped states of script
//! data (`<!--` … `<script>` … `-->` inside a script), abrupt comments
//! (`<!-->`), and SVG and MathML, where `script` and `style` are ordinary
//! elements and nothing is emptied. Anything unterminated is left as it is.

use std::borrow::Cow;

/// Elements whose content the tokenizer reads as text up to their end tag.
const RAW: &[&[u8]] = &[
    b"script",
    b"style",
    b"textarea",
    b"title",
    b"noscript",
    b"xmp",
    b"iframe",
    b"noembed",
    b"noframes",
];

/// Start tags that end SVG or MathML content (the tree builder's breakout
/// list, less `font` with attributes).
const BREAKOUT: &[&[u8]] = &[
    b"b",
    b"big",
    b"blockquote",
    b"body",
    b"br",
    b"center",
    b"code",
    b"dd",
    b"div",
    b"dl",
    b"dt",
    b"em",
    b"embed",
    b"h1",
    b"h2",
    b"h3",
    b"h4",
    b"h5",
    b"h6",
    b"head",
    b"hr",
    b"i",
    b"img",
    b"li",
    b"listing",
    b"menu",
    b"meta",
    b"nobr",
    b"ol",
    b"p",
    b"pre",
    b"ruby",
    b"s",
    b"small",
    b"span",
    b"strong",
    b"strike",
    b"sub",
    b"sup",
    b"table",
    b"tt",
    b"u",
    b"ul",
    b"var",
];

fn is_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | b'\x0c' | b'\r' | b' ')
}

/// `html` with script, style and comment bodies emptied; borrowed when
/// there is nothing to empty.
pub fn strip(html: &str) -> Cow<'_, str> {
    let b = html.as_bytes();
    // Byte ranges to replace: (start, end, replacement).
    let mut cuts: Vec<(usize, usize, &'static str)> = Vec::new();
    let mut foreign: Option<(&'static [u8], usize)> = None;
    let mut i = 0;
    while let Some(p) = memchr::memchr(b'<', &b[i..]) {
        let lt = i + p;
        let rest = &b[lt + 1..];
        match rest.first() {
            Some(b'!') => {
                if rest.starts_with(b"!--") {
                    let body = lt + 4;
                    match comment_end(b, body) {
                        Some((end, after)) => {
                            if end > body {
                                cuts.push((body, end, ""));
                            }
                            i = after;
                        }
                        None => break,
                    }
                } else if foreign.is_some() && rest.starts_with(b"![CDATA[") {
                    match memchr::memmem::find(&b[lt..], b"]]>") {
                        Some(e) => i = lt + e + 3,
                        None => break,
                    }
                } else {
                    // A doctype or bogus comment: up to the next `>`.
                    match memchr::memchr(b'>', rest) {
                        Some(e) => i = lt + 1 + e + 1,
                        None => break,
                    }
                }
            }
            Some(b'?') => match memchr::memchr(b'>', rest) {
                Some(e) => i = lt + 1 + e + 1,
                None => break,
            },
            Some(b'/') if rest.get(1).is_some_and(u8::is_ascii_alphabetic) => {
                let Some(tag) = tag(b, lt + 2) else { break };
                if let Some((root, depth)) = foreign {
                    if tag.name.eq_ignore_ascii_case(root) {
                        foreign = (depth > 1).then_some((root, depth - 1));
                    }
                }
                i = tag.end;
            }
            // `</>` is nothing; `</` and anything else a bogus comment.
            Some(b'/') => match memchr::memchr(b'>', &rest[1..]) {
                Some(e) => i = lt + 2 + e + 1,
                None => break,
            },
            Some(c) if c.is_ascii_alphabetic() => {
                let Some(tag) = tag(b, lt + 1) else { break };
                i = tag.end;
                let name = tag.name;
                if let Some((root, depth)) = foreign {
                    if BREAKOUT.iter().any(|n| name.eq_ignore_ascii_case(n)) {
                        foreign = None;
                    } else if name.eq_ignore_ascii_case(root) && !tag.self_closing {
                        foreign = Some((root, depth + 1));
                    }
                    continue;
                }
                if name.eq_ignore_ascii_case(b"svg") || name.eq_ignore_ascii_case(b"math") {
                    if !tag.self_closing {
                        let root: &'static [u8] = if name.eq_ignore_ascii_case(b"svg") {
                            b"svg"
                        } else {
                            b"math"
                        };
                        foreign = Some((root, 1));
                    }
                    continue;
                }
                if name.eq_ignore_ascii_case(b"plaintext") {
                    break;
                }
                let Some(raw) = RAW.iter().find(|n| name.eq_ignore_ascii_case(n)) else {
                    continue;
                };
                let end = if *raw == b"script" {
                    script_end(b, i)
                } else {
                    end_tag(b, i, raw)
                };
                let Some(end) = end else { break };
                let empty = match *raw {
                    b"script" => !tag.json,
                    b"style" => true,
                    _ => false,
                };
                if empty && end > i {
                    cuts.push((i, end, " "));
                }
                i = end;
            }
            _ => i = lt + 1,
        }
    }
    if cuts.is_empty() {
        return Cow::Borrowed(html);
    }
    let mut out = String::with_capacity(html.len());
    let mut at = 0;
    for (s, e, with) in cuts {
        out.push_str(&html[at..s]);
        out.push_str(with);
        at = e;
    }
    out.push_str(&html[at..]);
    Cow::Owned(out)
}

struct Tag<'a> {
    name: &'a [u8],
    /// Just past the `>`.
    end: usize,
    self_closing: bool,
    /// A `type` attribute that names JSON.
    json: bool,
}

/// Reads a tag whose name starts at `at` up to its `>`, as the tokenizer
/// does (quotes only around attribute values). `None` when it never ends.
fn tag(b: &[u8], at: usize) -> Option<Tag<'_>> {
    let mut i = at;
    while i < b.len() && !is_space(b[i]) && b[i] != b'/' && b[i] != b'>' {
        i += 1;
    }
    let name = &b[at..i];
    let mut json = false;
    loop {
        // A `/` right before the `>` makes the tag self-closing.
        let mut slash = false;
        while i < b.len() && (is_space(b[i]) || b[i] == b'/') {
            slash = b[i] == b'/';
            i += 1;
        }
        match b.get(i)? {
            b'>' => {
                return Some(Tag {
                    name,
                    end: i + 1,
                    self_closing: slash,
                    json,
                });
            }
            _ => {
                // An attribute name (a leading `=` belongs to it).
                let start = i;
                i += 1;
                while i < b.len() && !is_space(b[i]) && !matches!(b[i], b'/' | b'>' | b'=') {
                    i += 1;
                }
                let attr = &b[start..i];
                while i < b.len() && is_space(b[i]) {
                    i += 1;
                }
                if b.get(i) != Some(&b'=') {
                    continue;
                }
                i += 1;
                while i < b.len() && is_space(b[i]) {
                    i += 1;
                }
                let value = match b.get(i)? {
                    q @ (b'"' | b'\'') => {
                        let e = memchr::memchr(*q, &b[i + 1..])?;
                        let v = &b[i + 1..i + 1 + e];
                        i += e + 2;
                        v
                    }
                    _ => {
                        let s = i;
                        while i < b.len() && !is_space(b[i]) && b[i] != b'>' {
                            i += 1;
                        }
                        &b[s..i]
                    }
                };
                if attr.eq_ignore_ascii_case(b"type")
                    && value.windows(4).any(|w| w.eq_ignore_ascii_case(b"json"))
                {
                    json = true;
                }
            }
        }
    }
}

/// `</name` followed by whitespace, `/` or `>` at `at`.
fn is_end_tag(b: &[u8], at: usize, name: &[u8]) -> bool {
    let n = at + 2 + name.len();
    b.len() > n
        && b[at] == b'<'
        && b[at + 1] == b'/'
        && b[at + 2..n].eq_ignore_ascii_case(name)
        && (is_space(b[n]) || b[n] == b'/' || b[n] == b'>')
}

/// Where the end tag of a raw-text or RCDATA element opened before `from`
/// starts.
fn end_tag(b: &[u8], from: usize, name: &[u8]) -> Option<usize> {
    let mut i = from;
    while let Some(p) = memchr::memchr(b'<', &b[i..]) {
        if is_end_tag(b, i + p, name) {
            return Some(i + p);
        }
        i += p + 1;
    }
    None
}

/// Where a comment whose body starts at `body` ends: the end of its body
/// and the index past its closing `-->` (or `--!>`, or the `>` of an
/// abrupt `<!-->` / `<!--->`).
fn comment_end(b: &[u8], body: usize) -> Option<(usize, usize)> {
    let rest = &b[body..];
    if rest.starts_with(b">") {
        return Some((body, body + 1));
    }
    if rest.starts_with(b"->") {
        return Some((body, body + 2));
    }
    let mut i = body;
    while let Some(p) = memchr::memmem::find(&b[i..], b"--") {
        let d = i + p;
        let after = &b[d + 2..];
        if after.starts_with(b">") {
            return Some((d, d + 3));
        }
        if after.starts_with(b"!>") {
            return Some((d, d + 4));
        }
        i = d + 1;
    }
    None
}

/// Where the `</script` that ends a script whose body starts at `from`
/// begins, through the tokenizer's script data states: inside `<!--`, a
/// `<script` opens a nested (double-escaped) part that `</script>` closes
/// without ending the element; `-->` leaves both.
fn script_end(b: &[u8], from: usize) -> Option<usize> {
    #[derive(Clone, Copy, PartialEq)]
    enum S {
        Data,
        Escaped,
        Double,
    }
    let mut s = S::Data;
    let mut i = from;
    // Dashes just read, for `-->`.
    let mut dashes = 0usize;
    while i < b.len() {
        if s == S::Data {
            // Only `<` matters here.
            let p = memchr::memchr(b'<', &b[i..])?;
            i += p;
            if is_end_tag(b, i, b"script") {
                return Some(i);
            }
            if b[i..].starts_with(b"<!--") {
                s = S::Escaped;
                // `<!--` leaves the tokenizer in the escaped dash-dash state.
                dashes = 2;
                i += 4;
            } else {
                i += 1;
            }
            continue;
        }
        let c = b[i];
        match c {
            b'-' => {
                dashes += 1;
                i += 1;
                continue;
            }
            b'>' if dashes >= 2 => {
                s = S::Data;
            }
            b'<' => {
                if s == S::Escaped && is_end_tag(b, i, b"script") {
                    return Some(i);
                }
                let close = b.get(i + 1) == Some(&b'/');
                let n = i + 1 + usize::from(close);
                let mut e = n;
                while e < b.len() && b[e].is_ascii_alphabetic() {
                    e += 1;
                }
                if e > n && e < b.len() && (is_space(b[e]) || b[e] == b'/' || b[e] == b'>') {
                    if b[n..e].eq_ignore_ascii_case(b"script") {
                        if s == S::Escaped && !close {
                            s = S::Double;
                        } else if s == S::Double && close {
                            s = S::Escaped;
                        }
                    }
                    // The letters are read; their terminator is looked at
                    // again (it may be a `-` or `<`).
                    i = e;
                    dashes = 0;
                    continue;
                }
            }
            _ => {}
        }
        dashes = 0;
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use scraper::{Html, Selector};

    fn texts(html: &str, css: &str) -> Vec<String> {
        let doc = Html::parse_document(html);
        let sel = Selector::parse(css).unwrap();
        doc.select(&sel)
            .map(|e| e.text().collect::<String>())
            .collect()
    }

    /// Every element of the parsed tree, by name and attributes, in
    /// document order: what the stripped page must keep.
    fn shape(html: &str) -> Vec<String> {
        let doc = Html::parse_document(html);
        doc.root_element()
            .descendants()
            .filter_map(scraper::ElementRef::wrap)
            .map(|e| format!("{:?}", e.value()))
            .collect()
    }

    #[test]
    fn script_style_and_comment_bodies_go_and_the_tags_stay() {
        let html = "<html><head><STYLE type=text/css>p > a { color: red }</STYLE>\
            <Script>var a = '<b>'; if (x < 3) {}</SCRIPT ><!-- a <p> comment --></head>\
            <body><p>one</p><script></script><p>two</p></body></html>";
        let out = strip(html);
        assert_eq!(
            out,
            "<html><head><STYLE type=text/css> </STYLE><Script> </SCRIPT ><!----></head>\
             <body><p>one</p><script></script><p>two</p></body></html>"
        );
        assert_eq!(shape(&out), shape(html));
        assert_eq!(texts(&out, "p"), ["one", "two"]);
    }

    #[test]
    fn a_closing_tag_inside_a_script_string_or_comment_is_followed_as_the_parser_does() {
        // `</scr` + `ipt>` split in a string does not end the script; `</script>`
        // in a string does (as in a browser). Inside `<!--`, a `<script>`
        // makes the next `</script>` part of the script's text.
        let html = "<body><script>var s = '</scr' + 'ipt>'; var t = '<!--';</script><p>a</p>\
            <script><!-- document.write('<script>x()</script>'); --></script><p>b</p>\
            <script>if (a<!--b) {} </script><p>c</p></body>";
        let out = strip(html);
        assert_eq!(shape(&out), shape(html));
        assert_eq!(texts(&out, "p"), ["a", "b", "c"]);
        assert_eq!(texts(&out, "script"), [" ", " ", " "]);
        // `<!--` inside a script is no comment of the page.
        let html = "<script>var c = '<!--';</script><p>kept</p><script>var d = '-->';</script>";
        let out = strip(html);
        assert_eq!(texts(&out, "p"), ["kept"]);
        assert_eq!(shape(&out), shape(html));
    }

    #[test]
    fn json_ld_and_other_raw_text_keep_their_bodies() {
        let ld = r#"{"@type": "Review", "reviewBody": "</p> <!-- fine"}"#;
        let html = format!(
            "<head><title>a <script>b</script></title><script type=\"application/ld+json\">{ld}</script></head>\
             <body><textarea><style>x</style></textarea><noscript><p>no js</p></noscript>\
             <p title='<script>'>text</p><!-->abrupt<!--->also<!-- x --!>after</body>"
        );
        let out = strip(&html);
        assert_eq!(
            texts(&out, "script[type='application/ld+json']"),
            [ld.to_string()]
        );
        assert_eq!(texts(&out, "title"), ["a <script>b</script>"]);
        assert_eq!(texts(&out, "textarea"), ["<style>x</style>"]);
        assert_eq!(texts(&out, "noscript"), ["<p>no js</p>"]);
        assert_eq!(texts(&out, "body"), [texts(&html, "body")[0].clone()]);
        assert_eq!(shape(&out), shape(&html));
    }

    #[test]
    fn unterminated_bodies_are_left_as_they_are() {
        for html in [
            "<p>a</p><script>never closed <p>b</p>",
            "<p>a</p><!-- never closed <p>b</p>",
            "<p>a</p><style>never closed",
            "<p a='never closed",
        ] {
            let out = strip(html);
            assert_eq!(shape(&out), shape(html), "{html}");
            assert_eq!(texts(&out, "body"), texts(html, "body"), "{html}");
        }
        // Nothing to empty: the page itself, not a copy.
        assert!(matches!(strip("<p>plain</p>"), Cow::Borrowed(_)));
    }

    #[test]
    fn svg_and_mathml_scripts_and_styles_are_elements_and_stay() {
        let html =
            "<body><svg><style/><script/><p>out</p><svg><style><![CDATA[a>b]]></style></svg>\
            <p>svg ended by p</p><script>x = '<p>'</script><math><script/></math><p>z</p></body>";
        let out = strip(html);
        assert_eq!(shape(&out), shape(html));
        assert_eq!(texts(&out, "p"), texts(html, "p"));
        // A `/` ending an unquoted value is no self-closing slash; `</ x>`
        // is a bogus comment that hides the tag inside it.
        for html in [
            "<svg class=a/><script>x('<p>')</script></svg><p>after</p>",
            "<p>a</ <script>x</script> >b</p><script>y('</p>')</script><p>c</p>",
        ] {
            let out = strip(html);
            assert_eq!(shape(&out), shape(html), "{html}");
            assert_eq!(texts(&out, "p"), texts(html, "p"), "{html}");
        }
    }
}
