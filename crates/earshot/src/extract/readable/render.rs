//! Writing the chosen container out: boilerplate inside it dropped (link
//! lists, share bars, forms), paragraph breaks kept.

use super::*;

/// Nothing scored: all kept text of the body.
pub(super) fn render_all(
    arena: &Arena<'_>,
    dropped: &[bool],
    sums: &[Sum],
    start: usize,
    flags: Flags,
    score: &[f64],
) -> Attempt {
    let mut removed = dropped.to_vec();
    if flags.clean_conditionally {
        clean(arena, &[start], sums, score, flags, &mut removed);
    }
    let mut out = String::new();
    render(arena, start, &removed, &mut out);
    finish(out)
}

/// Readability's conditional cleaning: inside the kept roots, drop lists,
/// tables, forms and divs that look like navigation, link lists, share bars
/// or widgets rather than prose.
pub(super) fn clean(
    arena: &Arena<'_>,
    roots: &[usize],
    sums: &[Sum],
    score: &[f64],
    flags: Flags,
    removed: &mut [bool],
) {
    let items = &arena.items;
    let mut stack: Vec<usize> = roots.to_vec();
    let mut first = true;
    while let Some(i) = stack.pop() {
        let it = &items[i];
        if removed[i] || it.tag.is_empty() {
            continue;
        }
        let is_root = first || roots.contains(&i);
        first = false;
        let s = &sums[i];
        let density = if s.chars == 0 {
            0.0
        } else {
            s.link as f64 / s.chars as f64
        };
        let drop = if is_root {
            false
        } else if (matches!(it.tag, "footer" | "nav" | "aside" | "form" | "fieldset")
            && (s.commas < 10 || density > 0.3))
            || (it.share && s.chars < 500)
            || ((is_heading(it.tag) || it.tag == "header")
                && flags.weight_classes
                && (it.weight < 0 || density > 0.33))
        {
            true
        } else if matches!(
            it.tag,
            "table" | "td" | "ul" | "ol" | "div" | "section" | "dl" | "header" | "center"
        ) {
            let weight = if flags.weight_classes { it.weight } else { 0 };
            let sc = if score[i].is_nan() { 0.0 } else { score[i] };
            let is_list = matches!(it.tag, "ul" | "ol")
                || (s.chars > 0 && s.li_chars as f64 / s.chars as f64 > 0.9);
            if (weight as f64) + sc < 0.0 && s.commas < 10 {
                true
            } else if s.commas < 10 {
                let heading_density = if s.chars == 0 {
                    0.0
                } else {
                    s.heading as f64 / s.chars as f64
                };
                (s.img > 1 && (s.p as f64) / (s.img as f64) < 0.5 && s.chars < 200)
                    || (!is_list && s.li > s.p + 1 && density > 0.2)
                    || (s.input > s.p / 3 + 1)
                    || (!is_list
                        && heading_density < 0.9
                        && s.chars < 25
                        && (s.img == 0 || s.img > 2)
                        && density > 0.0)
                    || (weight < 25 && density > 0.2 + if is_list { 0.3 } else { 0.0 })
                    || (weight >= 25 && density > 0.5)
            } else {
                false
            }
        } else {
            false
        };
        if drop {
            removed[i] = true;
            continue;
        }
        for c in arena.children(i) {
            stack.push(c);
        }
    }
}

/// Writes the text under `root` (skipping `removed`), blocks on their own
/// lines. Iterative.
pub(super) fn render(arena: &Arena<'_>, root: usize, removed: &[bool], out: &mut String) {
    let items = &arena.items;
    // (node, entering)
    let mut stack = vec![(root, true)];
    while let Some((i, enter)) = stack.pop() {
        let it = &items[i];
        if !enter {
            out.push_str("\n\n");
            continue;
        }
        if removed.get(i).copied().unwrap_or(false) {
            continue;
        }
        if it.tag.is_empty() {
            out.push_str(it.text);
            continue;
        }
        if it.tag == "br" {
            out.push('\n');
            continue;
        }
        if it.block {
            out.push_str("\n\n");
            stack.push((i, false));
        }
        let kids: Vec<usize> = arena.children(i).collect();
        for &c in kids.iter().rev() {
            stack.push((c, true));
        }
    }
}

/// Tidies rendered text and drops boilerplate lines; returns it with its
/// weighted length.
pub(super) fn finish(raw: String) -> Attempt {
    let cleaned = text::clean(&raw);
    let r = res();
    let mut out = String::with_capacity(cleaned.len());
    let mut pending_break = "";
    for line in cleaned.split('\n') {
        if line.is_empty() {
            pending_break = "\n\n";
            continue;
        }
        if is_boiler_line(line, r) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(if pending_break.is_empty() {
                "\n"
            } else {
                pending_break
            });
        }
        pending_break = "";
        out.push_str(line);
    }
    let chars = weigh(&out).0;
    Attempt { text: out, chars }
}

pub(super) fn is_boiler_line(line: &str, r: &Res) -> bool {
    let t = line.trim();
    if t.chars().count() > 200 {
        return false;
    }
    if r.boiler_line.is_match(t) {
        return true;
    }
    // A bar of such labels (`Print this article | E-mail this article`).
    if t.contains('|') && t.split('|').all(|w| r.boiler_line.is_match(w.trim())) {
        return true;
    }
    let lower = t.to_lowercase();
    (lower.starts_with('©')
        || lower.starts_with("copyright")
        || lower.starts_with("(c) ")
        || lower.contains("all rights reserved")
        || t.starts_with("版权所有")
        || t.contains("版权所有") && t.chars().count() < 60)
        && t.chars().count() < 200
}

/// `s` holds a sentence end: `.`, `!` or `?` after a letter and before a
/// space or the end, or a CJK full stop, exclamation or question mark.
pub(super) fn has_sentence(s: &str) -> bool {
    let cs: Vec<char> = s.chars().collect();
    cs.iter().enumerate().any(|(i, &c)| match c {
        '。' | '！' | '？' => true,
        '.' | '!' | '?' => {
            i > 0 && cs[i - 1].is_alphabetic() && cs.get(i + 1).is_none_or(|n| n.is_whitespace())
        }
        _ => false,
    })
}
