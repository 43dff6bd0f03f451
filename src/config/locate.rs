//! Finds where a key path (`source[2].start_urls[0]`) sits in TOML text.

use toml_edit::{ImDocument, Item, Value};

/// Line and column (1-based, in characters) of byte `offset` in `text`.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// Span lookups over one parsed document.
pub struct Locator<'a> {
    text: &'a str,
    doc: Option<ImDocument<String>>,
}

enum Seg<'p> {
    Key(&'p str),
    Index(usize),
}

fn segments(path: &str) -> Vec<Seg<'_>> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (name, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !name.is_empty() {
            out.push(Seg::Key(name));
        }
        while let Some(end) = rest.find(']') {
            if let Ok(i) = rest[1..end].parse() {
                out.push(Seg::Index(i));
            }
            rest = &rest[end + 1..];
        }
    }
    out
}

impl<'a> Locator<'a> {
    /// Parses `text` once for lookups.
    pub fn new(text: &'a str) -> Self {
        Locator {
            text,
            doc: ImDocument::parse(text.to_string()).ok(),
        }
    }

    /// Line and column of the value (or table) at `path`, or of the nearest
    /// enclosing item that exists.
    pub fn position(&self, path: &str) -> Option<(usize, usize)> {
        let doc = self.doc.as_ref()?;
        let mut item: &Item = doc.as_item();
        let mut best = None;
        for seg in segments(path) {
            let next: Option<&Item> = match (seg, item) {
                (Seg::Key(k), Item::Table(t)) => {
                    if let Some(key) = t.key(k) {
                        best = key.span().or(best);
                    }
                    t.get(k)
                }
                (Seg::Index(i), Item::ArrayOfTables(a)) => {
                    let t = a.get(i)?;
                    best = t.span().or(best);
                    // An array of tables yields tables; wrap via lookup below.
                    return self.descend_table(t, path, best);
                }
                (Seg::Index(i), Item::Value(Value::Array(a))) => {
                    let v = a.get(i)?;
                    return v.span().or(best).map(|s| line_col(self.text, s.start));
                }
                _ => None,
            };
            match next {
                Some(n) => {
                    if let Some(s) = n.span() {
                        best = Some(s);
                    }
                    item = n;
                }
                None => break,
            }
        }
        best.map(|s| line_col(self.text, s.start))
    }

    /// Continues a lookup inside one table of an array of tables.
    fn descend_table(
        &self,
        table: &toml_edit::Table,
        path: &str,
        mut best: Option<std::ops::Range<usize>>,
    ) -> Option<(usize, usize)> {
        // The part of the path after the first `[i]`.
        let rest = path.split_once("].").map(|(_, r)| r).unwrap_or("");
        let mut segs = segments(rest).into_iter();
        let Some(Seg::Key(k)) = segs.next() else {
            return best.map(|s| line_col(self.text, s.start));
        };
        if let Some(key) = table.key(k) {
            best = key.span().or(best);
        }
        let Some(item) = table.get(k) else {
            return best.map(|s| line_col(self.text, s.start));
        };
        if let Some(s) = item.span() {
            best = Some(s);
        }
        if let (Some(Seg::Index(i)), Item::Value(Value::Array(a))) = (segs.next(), item) {
            if let Some(s) = a.get(i).and_then(|v| v.span()) {
                best = Some(s);
            }
        }
        best.map(|s| line_col(self.text, s.start))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_nested_values() {
        let text = "[crawl]\nrate = 1\n\n[[source]]\nname = \"a\"\n\n[[source]]\nname = \"b\"\nurls = [\"x\", \"y\"]\n";
        let l = Locator::new(text);
        assert_eq!(l.position("crawl.rate"), Some((2, 8)));
        assert_eq!(l.position("source[1].name"), Some((8, 8)));
        assert_eq!(l.position("source[1].urls[1]"), Some((9, 14)));
        assert_eq!(l.position("source[1]"), Some((7, 1)));
        assert_eq!(line_col("ab\n中文x", 9), (2, 3));
    }
}
