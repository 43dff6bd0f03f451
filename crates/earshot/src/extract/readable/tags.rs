//! Element names and attributes as the arena reads them: by `match` on the
//! name, where a scan of a list compared each entry, and every attribute
//! the arena wants from one pass over an element's attributes.

/// Elements that start a new line of text.
pub(super) fn is_block(tag: &str) -> bool {
    matches!(
        tag,
        "address"
            | "article"
            | "aside"
            | "blockquote"
            | "body"
            | "caption"
            | "center"
            | "dd"
            | "details"
            | "dir"
            | "div"
            | "dl"
            | "dt"
            | "fieldset"
            | "figcaption"
            | "figure"
            | "footer"
            | "form"
            | "frame"
            | "frameset"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "header"
            | "hgroup"
            | "hr"
            | "html"
            | "legend"
            | "li"
            | "main"
            | "menu"
            | "nav"
            | "ol"
            | "p"
            | "pre"
            | "section"
            | "summary"
            | "table"
            | "tbody"
            | "td"
            | "tfoot"
            | "th"
            | "thead"
            | "tr"
            | "ul"
    )
}

/// Elements whose subtree never holds readable text.
pub(super) fn is_skipped(tag: &str) -> bool {
    matches!(
        tag,
        "script"
            | "style"
            | "noscript"
            | "template"
            | "svg"
            | "math"
            | "iframe"
            | "object"
            | "embed"
            | "canvas"
            | "head"
            | "title"
            | "select"
            | "option"
            | "button"
            | "textarea"
            | "link"
            | "meta"
            | "map"
            | "audio"
            | "video"
            | "source"
            | "track"
            | "dialog"
    )
}

/// The attributes the arena reads, from one pass over an element's
/// attributes (each `Element::attr` call makes an atom of its name and
/// searches).
#[derive(Default)]
pub(super) struct Attrs<'a> {
    pub(super) hidden: bool,
    pub(super) aria_hidden: Option<&'a str>,
    pub(super) style: Option<&'a str>,
    pub(super) class: Option<&'a str>,
    pub(super) id: Option<&'a str>,
    pub(super) role: Option<&'a str>,
    pub(super) itemprop: Option<&'a str>,
}

impl<'a> Attrs<'a> {
    pub(super) fn of(e: &'a scraper::node::Element) -> Self {
        let mut a = Attrs::default();
        for (q, v) in &e.attrs {
            // As `Element::attr` finds them: no prefix, no namespace.
            if q.prefix.is_some() || !q.ns.is_empty() {
                continue;
            }
            let v: &'a str = v;
            match &*q.local {
                "hidden" => a.hidden = true,
                "aria-hidden" => a.aria_hidden = Some(v),
                "style" => a.style = Some(v),
                "class" => a.class = Some(v),
                "id" => a.id = Some(v),
                "role" => a.role = Some(v),
                "itemprop" => a.itemprop = Some(v),
                _ => {}
            }
        }
        a
    }
}
