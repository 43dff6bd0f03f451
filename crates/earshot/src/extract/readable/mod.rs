//! Main-text finder for article pages, in the manner of Readability: the
//! page is copied into a flat arena (no recursion anywhere, so 100,000
//! nested elements are fine), text blocks are scored by length and commas,
//! the scores flow to their ancestors weighted by class/id hints and link
//! density, the best container and its like-scored siblings are kept, and
//! boilerplate inside them (link lists, share bars, forms, comment blocks)
//! is dropped before the text is written out with paragraph breaks.

use std::collections::HashMap;
use std::sync::OnceLock;

use ego_tree::NodeRef;
use regex::Regex;
use scraper::{Html, Node};

use super::text;

mod render;
mod swallowed;
mod tags;
#[cfg(test)]
mod tests;
mod twins;

use render::{clean, finish, render, render_all};
use tags::{is_block, is_skipped, Attrs};

const NONE: usize = usize::MAX;

/// Text blocks shorter than this (weighted characters) are not scored.
const MIN_BLOCK: usize = 25;
/// Weighted characters below which a page has no article (an index page).
const MIN_ARTICLE: usize = 140;
/// A stricter attempt's text at least this long, though shorter than
/// `MIN_ARTICLE`, is kept over a relaxed attempt's text that does not hold it.
const MIN_SHORT: usize = 25;

#[derive(Default, Clone)]
struct Item<'a> {
    parent: usize,
    first: usize,
    last: usize,
    next: usize,
    /// Element name; empty for a text node.
    tag: &'a str,
    text: &'a str,
    /// `weigh(text)`, read once for every attempt.
    weighed: (usize, usize),
    /// `is_block(tag)`.
    block: bool,
    /// The `class` attribute as written.
    class: &'a str,
    /// Class/id weight: +25 for article-like names, -25 for boilerplate names.
    weight: i32,
    /// Class/id or role says navigation, comments, sidebar … (Readability's
    /// "unlikely candidates").
    unlikely: bool,
    /// A share/social bar by name.
    share: bool,
    /// Holds the page's article by markup: `<main>`, a likely `<article>`
    /// or schema.org `articleBody` (unlikely names never drop it).
    holds_article: bool,
}

/// Per-node totals over the kept part of its subtree.
#[derive(Default, Clone, Copy)]
struct Sum {
    /// Weighted characters (CJK counts 3, whitespace runs 1).
    chars: usize,
    /// Weighted characters inside links.
    link: usize,
    /// Commas.
    commas: usize,
    /// Weighted characters inside `<li>`.
    li_chars: usize,
    /// Weighted characters inside headings.
    heading: usize,
    p: usize,
    img: usize,
    li: usize,
    input: usize,
}

struct Arena<'a> {
    items: Vec<Item<'a>>,
    body: usize,
}

fn is_heading(tag: &str) -> bool {
    matches!(tag, "h1" | "h2" | "h3" | "h4" | "h5" | "h6")
}

struct Res {
    hidden_style: Regex,
    boiler_line: Regex,
    /// Class/id hints as one set, pattern `i` setting bit `HINT_BITS[i]`:
    /// negative names, positive names, unlikely candidates, names that
    /// save an unlikely one ("maybe"), share bars.
    hints: regex::RegexSet,
}

fn res() -> &'static Res {
    static R: OnceLock<Res> = OnceLock::new();
    R.get_or_init(|| {
        let re = |s: &str| Regex::new(s).expect("static regex");
        Res {
            hints: regex::RegexSet::new([
                // negative
                r"(?i)-ad-|hidden|^hid$| hid$| hid |^hid |banner|combx|comment|com-|contact|footer|gdpr|masthead|media|meta|outbrain|promo|related|scroll|share|shoutbox|sidebar|skyscraper|sponsor|shopping|tags|widget|breadcrumb|byline|author|dateline|copyright|subscribe|newsletter|popular|recommend|toolbar",
                // positive
                r"(?i)article|body|content|entry|hentry|h-entry|main|page|post|text|blog|story",
                // unlikely
                r"(?i)-ad-|ai2html|banner|breadcrumbs|combx|comment|community|cover-wrap|disqus|extra|footer|gdpr|header|legends|menu|related|remark|replies|rss|shoutbox|sidebar|skyscraper|social|sponsor|supplemental|ad-break|agegate|pagination|pager|popup|yom-remote|cookie|consent|newsletter|subscribe|navbar|topnav|sitenav|copyright",
                // maybe
                r"(?i)and|article|body|column|content|main|mathjax|shadow",
                // share
                r"(?i)(\b|_)(share|sharedaddy|sharing|social|addthis|sociable)(\b|_)",
            ])
            .expect("static regex set"),
            hidden_style: re(r"(?i)display\s*:\s*none|visibility\s*:\s*hidden"),
            boiler_line: re(
                r"(?i)^(share|share this|share this (article|story|post|page)|tweet|print|email|e-mail|email this|print this|facebook|twitter|linkedin|pinterest|reddit|whatsapp|google\+?|digg|stumbleupon|delicious|advertisement|advertising|sponsored|related|related (articles|stories|posts|links|content)|read more|more|comments?|leave a comment|print version|print this (article|story|page)|e-?mail this (article|story|page)|print email|email print|view larger (image|photo)|more articles|e-?newsletters?|\d+ comments?|no comments( yet\.?)?|comments? \(\d+\)|post a comment|reply|login|log in|sign in|sign up|register|subscribe|back to top|top|home|next|previous|prev|close|menu|search|skip to (main )?content|分享到?|打印|关闭|关闭窗口|返回顶部|上一页|下一页|相关(文章|新闻|阅读|链接)?|发表评论|我要评论|收藏|推荐|登录|注册)[\s:：|»›>]*$",
            ),
        }
    })
}

/// Weighted length of `s`: CJK counts 3 (a character is about a word),
/// each run of other non-space characters its length, each gap 1.
fn weigh(s: &str) -> (usize, usize) {
    let (mut n, mut commas, mut gap) = (0usize, 0usize, false);
    for c in s.chars() {
        if c.is_whitespace() {
            gap = n > 0;
            continue;
        }
        if gap {
            n += 1;
            gap = false;
        }
        n += if crate::util::is_cjk(c) { 3 } else { 1 };
        if matches!(
            c,
            ',' | '，' | '、' | '\u{60c}' | '\u{fe50}' | '\u{fe10}' | '\u{fe11}'
        ) {
            commas += 1;
        }
    }
    (n, commas)
}

// Class/id hint bits (see `Res::hints`).
const NEGATIVE: u8 = 1;
const POSITIVE: u8 = 2;
const UNLIKELY: u8 = 4;
const MAYBE: u8 = 8;
const SHARE: u8 = 16;
/// The bit of each pattern of `Res::hints`, in its order.
const HINT_BITS: [u8; 5] = [NEGATIVE, POSITIVE, UNLIKELY, MAYBE, SHARE];

impl<'a> Arena<'a> {
    /// Copies the document into the arena, dropping scripts, styles, hidden
    /// elements and comments. Iterative: deep trees do not touch the stack.
    fn new(doc: &'a Html) -> Self {
        let r = res();
        let mut items: Vec<Item<'a>> = Vec::new();
        let mut body = NONE;
        let mut stack: Vec<(NodeRef<'a, Node>, usize)> = vec![(doc.tree.root(), NONE)];
        // Class and id hints, read once per distinct value (a page repeats
        // its class names many times).
        let mut seen: HashMap<&'a str, u8> = HashMap::new();
        let mut hints = |s: &'a str| -> u8 {
            if s.is_empty() {
                return 0;
            }
            *seen.entry(s).or_insert_with(|| {
                // One pass for the five patterns.
                r.hints
                    .matches(s)
                    .iter()
                    .fold(0u8, |bits, i| bits | HINT_BITS[i])
            })
        };
        // Text before the head matter that landed in the body is left out
        // (`swallowed::stray_text`).
        let mut stray = Vec::new();
        while let Some((node, parent)) = stack.pop() {
            let mut item = Item {
                parent,
                first: NONE,
                last: NONE,
                next: NONE,
                ..Default::default()
            };
            let descend = match node.value() {
                Node::Document | Node::Fragment => {
                    item.tag = "#document";
                    true
                }
                Node::Text(_) if stray.binary_search(&node.id()).is_ok() => continue,
                Node::Text(t) => {
                    item.text = t;
                    item.weighed = weigh(t);
                    false
                }
                Node::Element(e) => {
                    let name = e.name();
                    if is_skipped(name) {
                        continue;
                    }
                    let at = Attrs::of(e);
                    if at.hidden
                        || at.aria_hidden.is_some_and(|v| v == "true")
                        || at.style.is_some_and(|s| r.hidden_style.is_match(s))
                    {
                        continue;
                    }
                    item.tag = name;
                    item.block = is_block(name);
                    let class = at.class.unwrap_or("");
                    item.class = class;
                    let id = at.id.unwrap_or("");
                    let (hc, hi) = (hints(class), hints(id));
                    let mut w = 0;
                    for h in [hc, hi] {
                        if h & NEGATIVE != 0 {
                            w -= 25;
                        }
                        if h & POSITIVE != 0 {
                            w += 25;
                        }
                    }
                    item.weight = w;
                    // The class and the id read apart say what the two read
                    // together would (no pattern spans the space between).
                    let both = hc | hi;
                    item.unlikely = (both & UNLIKELY != 0 && both & MAYBE == 0)
                        || at.role.is_some_and(|role| {
                            matches!(
                                role,
                                "menu"
                                    | "menubar"
                                    | "complementary"
                                    | "navigation"
                                    | "alert"
                                    | "alertdialog"
                                    | "dialog"
                            )
                        })
                        || matches!(name, "nav" | "aside");
                    item.share = both & SHARE != 0;
                    item.holds_article =
                        name == "main" || at.itemprop.is_some_and(|p| p.contains("articleBody"));
                    true
                }
                _ => continue,
            };
            let idx = items.len();
            if item.tag == "body" && body == NONE {
                body = idx;
                stray = swallowed::stray_text(node);
            }
            items.push(item);
            if parent != NONE {
                let last = items[parent].last;
                if last == NONE {
                    items[parent].first = idx;
                } else {
                    items[last].next = idx;
                }
                items[parent].last = idx;
            }
            if descend {
                for c in node.children().rev() {
                    stack.push((c, idx));
                }
            }
        }
        if body == NONE {
            body = 0;
        }
        // The only `<article>` of a page is its article.
        let mut articles = items
            .iter()
            .enumerate()
            .filter(|(_, it)| it.tag == "article");
        if let (Some((i, _)), None) = (articles.next(), articles.next()) {
            items[i].holds_article |= !items[i].unlikely;
        }
        for i in (1..items.len()).rev() {
            let p = items[i].parent;
            if items[i].holds_article && p != NONE {
                items[p].holds_article = true;
            }
        }
        Arena { items, body }
    }

    fn children(&self, i: usize) -> Children<'_, 'a> {
        Children {
            arena: self,
            at: self.items[i].first,
        }
    }
}

struct Children<'r, 'a> {
    arena: &'r Arena<'a>,
    at: usize,
}

impl Iterator for Children<'_, '_> {
    type Item = usize;
    fn next(&mut self) -> Option<usize> {
        if self.at == NONE {
            return None;
        }
        let i = self.at;
        self.at = self.arena.items[i].next;
        Some(i)
    }
}

/// Which rules an attempt applies; later attempts relax them.
#[derive(Clone, Copy)]
struct Flags {
    strip_unlikely: bool,
    weight_classes: bool,
    clean_conditionally: bool,
}

struct Attempt {
    text: String,
    chars: usize,
}

/// The main text of `doc`, paragraphs separated by blank lines; empty when
/// the page has no article (too little text outside links).
pub fn main_text(doc: &Html) -> String {
    let mut text = best_text(doc);
    // Markup a raw-text element swallowed (`swallowed.rs`) is read as a
    // page; its text wins when it is longer.
    for markup in swallowed::markup(doc, &text) {
        let t = best_text(&Html::parse_document(&markup));
        if weigh(&t).0 > weigh(&text).0 {
            text = t;
        }
    }
    text
}

fn best_text(doc: &Html) -> String {
    let arena = Arena::new(doc);
    let all = [
        Flags {
            strip_unlikely: true,
            weight_classes: true,
            clean_conditionally: true,
        },
        Flags {
            strip_unlikely: false,
            weight_classes: true,
            clean_conditionally: true,
        },
        Flags {
            strip_unlikely: false,
            weight_classes: false,
            clean_conditionally: true,
        },
        // Last resort, for short articles the cleaning rules eat; an index
        // page's link text that this lets through is caught by the generic
        // extractor's `mostly_links`.
        Flags {
            strip_unlikely: false,
            weight_classes: false,
            clean_conditionally: false,
        },
    ];
    // Later attempts only when the strict one finds no article: relaxing
    // the rules on a page with a short article lets in its comments and
    // link lists, not more article.
    let mut best: Option<Attempt> = None;
    // The first short text a stricter attempt found that holds a sentence
    // (a post of one or two sentences in the blog's entry element, not a
    // masthead, a skip link or a headline with its byline): a relaxed
    // attempt that finds a long text elsewhere (the footer's credits, an
    // author box, the comments) has found another part of the page, not
    // more article.
    let mut short: Option<Attempt> = None;
    for flags in all {
        let a = attempt(&arena, flags);
        if a.chars >= MIN_ARTICLE {
            if let Some(s) = short.take_if(|s| !a.text.contains(s.text.trim())) {
                return s.text;
            }
            best = Some(a);
            break;
        }
        if short.is_none() && a.chars >= MIN_SHORT && render::has_sentence(&a.text) {
            short = Some(Attempt {
                text: a.text.clone(),
                chars: a.chars,
            });
        }
        if best.as_ref().is_none_or(|b| a.chars > b.chars) {
            best = Some(a);
        }
    }
    match best {
        Some(a) if a.chars >= MIN_ARTICLE => a.text,
        // No attempt found an article: a page whose text is a sentence or
        // two (a one-paragraph note, a list of one item) is that text.
        _ => short.map(|s| s.text).unwrap_or_default(),
    }
}

fn attempt(arena: &Arena<'_>, flags: Flags) -> Attempt {
    let n = arena.items.len();
    let items = &arena.items;
    // Dropped subtrees: unlikely names (unless inside a table or code, or
    // the body itself).
    let mut dropped = vec![false; n];
    let mut sheltered = vec![false; n];
    for i in 0..n {
        let it = &items[i];
        let p = it.parent;
        sheltered[i] = matches!(it.tag, "table" | "code" | "pre") || (p != NONE && sheltered[p]);
        if p != NONE && dropped[p] {
            dropped[i] = true;
            continue;
        }
        if flags.strip_unlikely
            && it.unlikely
            && !it.holds_article
            && !matches!(it.tag, "body" | "html" | "a" | "#document")
            && !(p != NONE && sheltered[p])
        {
            dropped[i] = true;
        }
    }
    // Totals, bottom up (children come after their parents in the arena).
    let mut sums = vec![Sum::default(); n];
    let mut in_link = vec![false; n];
    for i in 0..n {
        let p = items[i].parent;
        in_link[i] = items[i].tag == "a" || (p != NONE && in_link[p]);
    }
    for i in (0..n).rev() {
        if dropped[i] {
            continue;
        }
        let it = &items[i];
        let mut s = sums[i];
        if it.tag.is_empty() {
            let (c, commas) = it.weighed;
            s.chars = c;
            s.commas = commas;
            if in_link[i] {
                s.link = c;
            }
        } else {
            match it.tag {
                "p" => s.p += 1,
                "img" => s.img += 1,
                "li" => {
                    s.li += 1;
                    s.li_chars = s.chars;
                }
                "input" => s.input += 1,
                t if is_heading(t) => s.heading = s.chars,
                _ => {}
            }
        }
        sums[i] = s;
        let p = it.parent;
        if p != NONE {
            let ps = &mut sums[p];
            ps.chars += s.chars + usize::from(it.tag.is_empty() || it.block);
            ps.link += s.link;
            ps.commas += s.commas;
            ps.li_chars += s.li_chars;
            ps.heading += s.heading;
            ps.p += s.p;
            ps.img += s.img;
            ps.li += s.li;
            ps.input += s.input;
        }
    }
    let density = |i: usize| {
        let s = &sums[i];
        if s.chars == 0 {
            0.0
        } else {
            s.link as f64 / s.chars as f64
        }
    };
    let weight = |i: usize| {
        if flags.weight_classes {
            items[i].weight
        } else {
            0
        }
    };

    // Scores: every run of inline content inside a block is a paragraph;
    // its score goes to its container and up to four more ancestors.
    let mut score = vec![f64::NAN; n];
    let init = |score: &mut Vec<f64>, i: usize| {
        if score[i].is_nan() {
            let base = match items[i].tag {
                "div" | "article" | "main" | "section" => 5.0,
                "pre" | "td" | "blockquote" => 3.0,
                "address" | "ol" | "ul" | "dl" | "dd" | "dt" | "li" | "form" => -3.0,
                "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "th" => -5.0,
                _ => 0.0,
            };
            score[i] = base + weight(i) as f64;
        }
    };
    let start = arena.body;
    let mut stack = vec![start];
    while let Some(e) = stack.pop() {
        if dropped[e] || items[e].tag.is_empty() {
            continue;
        }
        // Runs of inline children.
        let has_block = arena.children(e).any(|c| !dropped[c] && items[c].block);
        let mut run = (0usize, 0usize, 0usize); // chars, commas, link
        let flush = |run: &mut (usize, usize, usize), score: &mut Vec<f64>| {
            let (chars, commas, link) = *run;
            *run = (0, 0, 0);
            if chars < MIN_BLOCK || is_heading(items[e].tag) {
                return;
            }
            let content = 1.0 + (commas + 1) as f64 + (chars / 100).min(3) as f64;
            let _ = link;
            // A block of inline content is itself the paragraph; a run
            // beside blocks is a paragraph inside `e`.
            let mut anc = if has_block { e } else { items[e].parent };
            let mut level = 0;
            while anc != NONE && level < 5 && items[anc].tag != "#document" {
                if items[anc].tag == "html" {
                    break;
                }
                init(score, anc);
                let div = match level {
                    0 => 1.0,
                    1 => 2.0,
                    l => l as f64 * 3.0,
                };
                score[anc] += content / div;
                anc = items[anc].parent;
                level += 1;
            }
        };
        for c in arena.children(e) {
            if dropped[c] {
                continue;
            }
            let it = &items[c];
            if it.tag.is_empty() || !it.block {
                let s = &sums[c];
                run.0 += s.chars;
                run.1 += s.commas;
                run.2 += s.link;
            } else {
                flush(&mut run, &mut score);
                stack.push(c);
            }
        }
        flush(&mut run, &mut score);
    }

    // The best candidate, its score scaled by its non-link share.
    let mut cands: Vec<(f64, usize)> = Vec::new();
    for (i, sc) in score.iter_mut().enumerate().take(n) {
        if !sc.is_nan() {
            *sc *= 1.0 - density(i);
            cands.push((*sc, i));
        }
    }
    cands.sort_by(|a, b| b.0.total_cmp(&a.0));
    let Some(&(top_score, mut top)) = cands.first() else {
        return render_all(arena, &dropped, &sums, start, flags, &score);
    };
    // Several near-top candidates under one ancestor: that ancestor holds
    // the article (split into sibling blocks).
    let near: Vec<usize> = cands
        .iter()
        .skip(1)
        .take(4)
        .filter(|(s, _)| *s / top_score >= 0.75)
        .map(|&(_, i)| i)
        .collect();
    if near.len() >= 2 {
        // Distance from `top` of each ancestor of `top`.
        let mut up = std::collections::HashMap::new();
        up.insert(top, 0usize);
        let mut a = items[top].parent;
        let mut d = 1usize;
        while a != NONE && a != start && items[a].tag != "#document" {
            up.insert(a, d);
            a = items[a].parent;
            d += 1;
        }
        // The lowest common ancestor of `top` and each near candidate.
        let mut meets: Vec<(usize, usize)> = near
            .iter()
            .filter_map(|&c| {
                let mut x = c;
                while x != NONE {
                    if let Some(&d) = up.get(&x) {
                        return Some((d, x));
                    }
                    x = items[x].parent;
                }
                None
            })
            .collect();
        meets.sort_unstable();
        if let Some(&(_, anc)) = meets.get(1) {
            top = anc;
        }
    }
    if score[top].is_nan() {
        init(&mut score, top);
    }
    // Climb while the parent scores better.
    let mut last = score[top];
    let threshold = last / 3.0;
    let mut parent = items[top].parent;
    while parent != NONE && parent != start && items[parent].tag != "#document" {
        if score[parent].is_nan() {
            parent = items[parent].parent;
            continue;
        }
        if score[parent] < threshold {
            break;
        }
        if score[parent] > last {
            top = parent;
            break;
        }
        last = score[parent];
        parent = items[parent].parent;
    }
    // An only child stands for its parent.
    let named = top;
    loop {
        let p = items[top].parent;
        if p == NONE || p == start || items[p].tag == "#document" {
            break;
        }
        let live = arena
            .children(p)
            .filter(|&c| !dropped[c])
            .filter(|&c| !items[c].tag.is_empty() || sums[c].chars > 0);
        if live.count() != 1 {
            break;
        }
        top = p;
    }

    // Siblings scoring like the top candidate join it.
    let top_score = if score[top].is_nan() { 0.0 } else { score[top] };
    let sib_threshold = (top_score * 0.2).max(10.0);
    let mut roots = Vec::new();
    let parent = items[top].parent;
    if parent == NONE {
        roots.push(top);
    } else {
        for s in arena.children(parent) {
            if dropped[s] {
                continue;
            }
            if s == top {
                roots.push(s);
                continue;
            }
            let it = &items[s];
            if it.tag.is_empty() {
                continue;
            }
            let mut bonus = 0.0;
            let class_of = |i: usize| {
                let _ = i;
                items[i].weight
            };
            if class_of(s) == class_of(top) && items[top].weight > 0 && it.tag == items[top].tag {
                bonus = top_score * 0.2;
            }
            let ss = if score[s].is_nan() { 0.0 } else { score[s] };
            let chars = sums[s].chars;
            let ld = density(s);
            let append = if ss + bonus >= sib_threshold && !score[s].is_nan() {
                true
            } else if it.tag == "p" || (!is_block_parent(arena, s) && !it.tag.is_empty()) {
                let t = first_sentence_end(arena, s);
                (chars > 80 && ld < 0.25) || (chars > 0 && chars <= 80 && ld == 0.0 && t)
            } else {
                false
            };
            if append {
                roots.push(s);
            }
        }
    }
    twins::add(arena, top, named, &dropped, &sums, &score, &mut roots);
    let mut out = String::new();
    let mut removed = dropped.clone();
    if flags.clean_conditionally {
        clean(arena, &roots, &sums, &score, flags, &mut removed);
    }
    for &r in &roots {
        render(arena, r, &removed, &mut out);
        out.push_str("\n\n");
    }
    finish(out)
}

/// True when `i` has block children.
fn is_block_parent(arena: &Arena<'_>, i: usize) -> bool {
    arena.children(i).any(|c| arena.items[c].block)
}

/// The text of `i` has a sentence end (`. ` or a final `.`).
fn first_sentence_end(arena: &Arena<'_>, i: usize) -> bool {
    let mut s = String::new();
    render(arena, i, &[], &mut s);
    let t = s.trim_end();
    t.ends_with('.')
        || t.ends_with('。')
        || t.contains(". ")
        || t.contains('。')
        || t.ends_with('!')
        || t.ends_with('?')
}
