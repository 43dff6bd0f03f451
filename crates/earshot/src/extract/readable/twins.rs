//! The article split into like blocks (see [`add`]).

use super::{Arena, Sum, MIN_ARTICLE, NONE};

/// The article split into blocks of one kind with figures, quotes or ads
/// between them (`<div class="post__content">` … `<figure>` …
/// `<div class="post__content">`): elements with the top candidate's tag
/// and class that hold scored paragraphs and little link text join the
/// roots, in document order.
pub(super) fn add(
    arena: &Arena<'_>,
    top: usize,
    dropped: &[bool],
    sums: &[Sum],
    score: &[f64],
    roots: &mut Vec<usize>,
) {
    let items = &arena.items;
    let (tag, class) = (items[top].tag, items[top].class.trim());
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
        if s.chars < MIN_ARTICLE || s.link * 4 > s.chars || score[j] <= 0.0 {
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
