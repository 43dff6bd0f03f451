//! The article split into like blocks (see [`add`]).

use super::{Arena, Sum, MIN_ARTICLE, NONE};

/// The share of the named cell's score that a twin found through an only
/// child needs.
const TWIN_SHARE: f64 = 0.5;

/// The article split into blocks of one kind with figures, quotes or ads
/// between them (`<div class="post__content">` … `<figure>` …
/// `<div class="post__content">`): elements with the top candidate's tag
/// and class that hold scored paragraphs and little link text join the
/// roots, in document order.
pub(super) fn add(
    arena: &Arena<'_>,
    top: usize,
    named: usize,
    dropped: &[bool],
    sums: &[Sum],
    score: &[f64],
    roots: &mut Vec<usize>,
) {
    let items = &arena.items;
    // The top candidate, or the only child it stands for (`<table>` of a
    // column whose one `<td class="col">` holds the text) when it has no
    // class of its own. Such a twin must score like it and hold almost
    // no link text: a list of teasers in the site's next box has that
    // class too.
    let (named, floor, links) = if items[top].class.trim().is_empty() {
        (named, score[named] * TWIN_SHARE, 10)
    } else {
        (top, 0.0, 4)
    };
    let (tag, class) = (items[named].tag, items[named].class.trim());
    if class.is_empty() {
        return;
    }
    let inside = |mut x: usize, set: &[usize]| {
        while x != NONE {
            if set.contains(&x) {
                return true;
            }
            x = items[x].parent;
        }
        false
    };
    let mut add = Vec::new();
    for j in 0..items.len() {
        let it = &items[j];
        if it.tag != tag || it.class.trim() != class || dropped[j] || score[j].is_nan() {
            continue;
        }
        let s = &sums[j];
        if s.chars < MIN_ARTICLE || s.link * links > s.chars || score[j] <= floor.max(0.0) {
            continue;
        }
        if inside(j, roots) || roots.iter().any(|&r| inside(r, &[j])) {
            continue;
        }
        add.push(j);
    }
    if add.is_empty() {
        return;
    }
    roots.extend(add);
    roots.sort_unstable();
}
