//! Element text with paragraphs kept, and forum boilerplate removed, with
//! a reason recorded for everything taken out.
//!
//! The walk over the tree is iterative: pages with 100,000 nested elements
//! must not overflow the stack of a 2 MiB worker thread.

use std::collections::HashMap;
use std::sync::OnceLock;

use ego_tree::NodeRef;
use regex::Regex;
use scraper::{ElementRef, Node, Selector};

use super::Removed;

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
    "cite",
    "nav",
    "main",
    "hr",
];

/// Longest text kept in a [`Removed`] record.
const RECORD_CHARS: usize = 200;

/// A selector that drops elements from post text, with its source text
/// for the record.
pub struct Drop {
    /// The selector as written in the profile.
    pub name: String,
    /// Compiled.
    pub sel: Selector,
}

/// Text of `el` with paragraph breaks, leaving out elements matching
/// `remove` and `skip_quote`.
#[cfg(test)]
pub fn element_text(
    el: ElementRef<'_>,
    remove: &[Selector],
    skip_quote: Option<&Selector>,
) -> String {
    let drops: Vec<Drop> = remove
        .iter()
        .map(|s| Drop {
            name: String::new(),
            sel: s.clone(),
        })
        .collect();
    element_text_recorded(el, &drops, skip_quote, &mut Vec::new())
}

/// Like [`element_text`], recording what the `remove` selectors and smiley
/// images took out. Quotes are left out silently: they are kept apart.
pub fn element_text_recorded(
    el: ElementRef<'_>,
    remove: &[Drop],
    skip_quote: Option<&Selector>,
    removed: &mut Vec<Removed>,
) -> String {
    enum Step<'a> {
        Enter(NodeRef<'a, Node>),
        Close,
        ClosePre,
    }
    let mut out = String::new();
    // Inside <pre> line breaks in the source are text; elsewhere they are
    // spaces, and only <br> and blocks break lines.
    let mut pre = 0usize;
    let mut stack: Vec<Step<'_>> = el.children().rev().map(Step::Enter).collect();
    while let Some(step) = stack.pop() {
        let node = match step {
            Step::Close => {
                out.push_str("\n\n");
                continue;
            }
            Step::ClosePre => {
                pre = pre.saturating_sub(1);
                out.push_str("\n\n");
                continue;
            }
            Step::Enter(n) => n,
        };
        match node.value() {
            Node::Text(t) if pre > 0 => out.push_str(t),
            Node::Text(t) => out.extend(t.chars().map(|c| match c {
                '\n' | '\r' | '\t' => ' ',
                c => c,
            })),
            Node::Element(e) => {
                let name = e.name();
                if name == "img" {
                    if is_smiley(e) {
                        removed.push(Removed {
                            text: e
                                .attr("alt")
                                .filter(|a| !a.trim().is_empty())
                                .or_else(|| e.attr("src"))
                                .unwrap_or("")
                                .trim()
                                .to_string(),
                            reason: "smiley image".into(),
                        });
                    }
                    continue;
                }
                if SKIP.contains(&name) {
                    continue;
                }
                if name == "br" {
                    out.push('\n');
                    continue;
                }
                if let Some(er) = ElementRef::wrap(node) {
                    if skip_quote.is_some_and(|q| q.matches(&er)) {
                        continue;
                    }
                    if let Some(d) = remove.iter().find(|d| d.sel.matches(&er)) {
                        let t = clip(&collapse(&er.text().collect::<Vec<_>>().join(" ")));
                        if !t.is_empty() {
                            let reason = if d.name.is_empty() {
                                "removed by the profile".to_string()
                            } else {
                                format!("profile remove `{}`", d.name)
                            };
                            removed.push(Removed { text: t, reason });
                        }
                        continue;
                    }
                }
                let block = BLOCK.contains(&name);
                if name == "pre" {
                    pre += 1;
                    out.push_str("\n\n");
                    stack.push(Step::ClosePre);
                } else if block {
                    out.push_str("\n\n");
                    stack.push(Step::Close);
                }
                stack.extend(node.children().rev().map(Step::Enter));
            }
            _ => {}
        }
    }
    out
}

/// Elements that start a new paragraph of post text.
pub fn is_block(name: &str) -> bool {
    BLOCK.contains(&name)
}

/// `e`'s attribute `name`, the one `Element::attr` finds (no prefix, no
/// namespace), by comparing names: `Element::attr` makes an atom of `name`
/// on every call, which cost more than the search in loops over every
/// element of a page.
pub fn attr<'a>(e: &'a scraper::node::Element, name: &str) -> Option<&'a str> {
    e.attrs
        .iter()
        .find(|(q, _)| q.prefix.is_none() && q.ns.is_empty() && &*q.local == name)
        .map(|(_, v)| &**v)
}

/// Smiley images: Discuz (`smilieid`, `static/image/smiley`), phpBB
/// (`class="smilies"`), WordPress and Discourse emoji.
fn is_smiley(e: &scraper::node::Element) -> bool {
    if e.attr("smilieid").is_some() {
        return true;
    }
    let class = e.attr("class").unwrap_or("");
    if class
        .split_whitespace()
        .any(|c| matches!(c, "smilies" | "smiley" | "emoji" | "wp-smiley" | "emoticon"))
    {
        return true;
    }
    let src = e.attr("src").unwrap_or("").to_ascii_lowercase();
    src.contains("/smiley/") || src.contains("/smilies/") || src.contains("/emoticons/")
}

/// Collapses whitespace runs to one space.
/// Node counts by node (`subtree_sizes`), hashed by the node's index alone:
/// the default hasher cost as much as the walk.
pub type Sizes = HashMap<ego_tree::NodeId, usize, std::hash::BuildHasherDefault<IdHasher>>;

/// A multiplicative hash for node ids (small integers, hashed once each).
#[derive(Default)]
pub struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(0x517c_c1b7_2722_0a95);
        }
    }
    fn write_usize(&mut self, n: usize) {
        self.0 = (self.0.rotate_left(5) ^ n as u64).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

/// The number of nodes under each node of `root`'s subtree, itself
/// included (what `n.descendants().count()` gives), from one walk: callers
/// that bound the work per element by its size need not walk it to learn
/// the size.
pub fn subtree_sizes(root: NodeRef<'_, Node>) -> Sizes {
    let mut sizes = Sizes::default();
    // (node, nodes seen when it opened)
    let mut open: Vec<(ego_tree::NodeId, usize)> = Vec::new();
    let mut seen = 0usize;
    for edge in root.traverse() {
        match edge {
            ego_tree::iter::Edge::Open(n) => {
                seen += 1;
                open.push((n.id(), seen));
            }
            ego_tree::iter::Edge::Close(_) => {
                if let Some((id, at)) = open.pop() {
                    sizes.insert(id, seen - at + 1);
                }
            }
        }
    }
    sizes
}

pub fn collapse(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for w in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}

pub(super) fn clip(s: &str) -> String {
    if s.chars().count() <= RECORD_CHARS {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(RECORD_CHARS).collect();
        t.push('…');
        t
    }
}

/// Patterns cut out of text wherever they occur, with their reason.
fn inline_patterns() -> &'static [(Regex, &'static str)] {
    static R: OnceLock<Vec<(Regex, &'static str)>> = OnceLock::new();
    R.get_or_init(|| {
        [
            (r"本帖最后由\s*\S+\s*于\s*[\d\-/: ]+\s*编辑", "edit notice"),
            (r"本帖最後由\s*\S+\s*於\s*[\d\-/: ]+\s*編輯", "edit notice"),
            (
                r"(?i)last edited by .{1,60}? on .{4,40}?; edited \d+ times? in total\.?",
                "edit notice",
            ),
            (r"您需要\s*登录\s*才可以下载或查看[^\n]*", "login prompt"),
            (r"您需要\s*登錄\s*才可以下載或查看[^\n]*", "login prompt"),
            (r"\{:[A-Za-z0-9_]{1,40}:\}", "emoticon code"),
            (r"\[s:\d{1,4}\]", "emoticon code"),
            (r"\[em\][A-Za-z]?\d{1,4}\[/em\]", "emoticon code"),
            (
                r"\[/?(?:img|url|quote|b|i|u|color|size|font|align)(?:=[^\]\n]{0,80})?\]",
                "unrendered BBCode",
            ),
        ]
        .into_iter()
        .filter_map(|(p, why)| Regex::new(p).ok().map(|r| (r, why)))
        .collect()
    })
}

/// Lines that are only forum controls ("回复", "引用", "Reply", …).
fn control_line() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| {
        Regex::new(
            r"(?i)^(?:(?:回复|回復|引用|举报|舉報|评分|評分|分享|收藏|支持|反对|反對|使用道具|只看该作者|只看該作者|电梯直达|電梯直達|倒序浏览|倒序瀏覽|reply|quote|report|like|share|permalink|top)\s*(?:\d+\s*)?[|·]?\s*)+$",
        )
        .expect("static regex")
    })
}

/// Signature delimiters: `-- `, `——————`, `________`.
fn sig_delimiter() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| Regex::new(r"^(?:--|[-_—=~]{6,})$").expect("static regex"))
}

/// A signature delimiter line (`-- `, `——————`, `________`), for readers
/// that filter lines before [`clean`] cuts the signature after it.
pub fn is_sig_delimiter(line: &str) -> bool {
    sig_delimiter().is_match(line.trim())
}

/// Tidies extracted text: strips forum boilerplate and emoticon codes,
/// collapses spaces inside lines, keeps paragraphs (blank lines) and
/// single line breaks.
pub fn clean(raw: &str) -> String {
    clean_recorded(raw, &mut Vec::new())
}

/// Like [`clean`], recording each piece taken out and why.
pub fn clean_recorded(raw: &str, removed: &mut Vec<Removed>) -> String {
    let mut s = raw.replace('\u{a0}', " ").replace('\r', "");
    for (r, why) in inline_patterns() {
        if r.is_match(&s) {
            for m in r.find_iter(&s) {
                removed.push(Removed {
                    text: clip(&collapse(m.as_str())),
                    reason: (*why).to_string(),
                });
            }
            s = r.replace_all(&s, "").into_owned();
        }
    }
    let mut lines: Vec<(String, bool)> = Vec::new(); // (line, blank before)
    let mut blank = false;
    for line in s.lines() {
        let line = collapse(line);
        if line.is_empty() {
            blank = true;
            continue;
        }
        if control_line().is_match(&line) {
            removed.push(Removed {
                text: line,
                reason: "reply/quote control".into(),
            });
            continue;
        }
        lines.push((line, blank));
        blank = false;
    }
    // A signature after a delimiter near the end: at most 3 short lines.
    if let Some(at) = lines.iter().rposition(|(l, _)| sig_delimiter().is_match(l)) {
        let tail = &lines[at + 1..];
        if at > 0 && tail.len() <= 3 && tail.iter().all(|(l, _)| l.chars().count() <= 80) {
            let sig: Vec<String> = lines.drain(at..).skip(1).map(|(l, _)| l).collect();
            if !sig.is_empty() {
                removed.push(Removed {
                    text: clip(&sig.join(" / ")),
                    reason: "signature".into(),
                });
            }
        }
    }
    let mut out = String::with_capacity(s.len());
    for (line, blank) in lines {
        if !out.is_empty() {
            out.push_str(if blank { "\n\n" } else { "\n" });
        }
        out.push_str(&line);
    }
    out
}

/// Words of a text for comparing vocabulary, counted: CJK bigrams and
/// Latin words of three letters or more, lower-cased.
fn vocabulary(s: &str, out: &mut HashMap<String, usize>) {
    let chars: Vec<char> = s.chars().collect();
    for w in chars.windows(2) {
        if super::is_cjk(w[0]) && super::is_cjk(w[1]) {
            *out.entry(w.iter().collect()).or_default() += 1;
        }
    }
    for word in s
        .split(|c: char| !c.is_alphanumeric() || super::is_cjk(c))
        .filter(|w| w.chars().count() >= 3 && !w.chars().all(|c| c.is_ascii_digit()))
    {
        *out.entry(word.to_lowercase()).or_default() += 1;
    }
}

/// Common words that say nothing about a line's topic.
const STOP: &[&str] = &[
    "the", "and", "for", "you", "this", "that", "with", "are", "was", "have", "not", "了解",
    "我们", "你们", "大家", "一个", "没有", "可以", "就是",
];

/// Cuts lines injected as ads: a promotional line (two ad cues, or one
/// with a contact such as a link, WeChat/QQ id or a promised return) that
/// shares no vocabulary with the rest of the post, or that matches one of
/// `patterns` (from the profile or the config). Each cut is recorded. A
/// post that is mostly ads is left whole: the crawler flags it as spam.
pub fn cut_ad_lines(
    text: &str,
    patterns: &[(String, Regex)],
    removed: &mut Vec<Removed>,
) -> String {
    let lines: Vec<&str> = text.split('\n').collect();
    let mut cut: Vec<Option<String>> = vec![None; lines.len()];
    // Promotional lines, then the words of the other lines: an ad repeated
    // down a post shares words only with itself.
    let mut candidates: Vec<Option<String>> = vec![None; lines.len()];
    for (i, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        if let Some((p, _)) = patterns.iter().find(|(_, r)| r.is_match(line)) {
            cut[i] = Some(format!("matched pattern `{p}`"));
        } else {
            candidates[i] = crate::util::ads::ad_line(line);
        }
    }
    let mut others = HashMap::new();
    if candidates.iter().any(Option::is_some) {
        for (i, line) in lines.iter().enumerate() {
            if candidates[i].is_none() && cut[i].is_none() {
                vocabulary(line, &mut others);
            }
        }
    }
    for (i, line) in lines.iter().enumerate() {
        let Some(reason) = candidates[i].take() else {
            continue;
        };
        let mut mine = HashMap::new();
        vocabulary(line, &mut mine);
        let shared = mine
            .keys()
            .filter(|w| !STOP.contains(&w.as_str()) && others.contains_key(*w))
            .count();
        // Unrelated: at most one shared word (brand names leak into ads).
        if shared * 10 <= mine.len().max(1) || shared <= 1 {
            let cues = reason
                .split_once("):")
                .map(|(c, _)| format!("{c})"))
                .unwrap_or(reason);
            cut[i] = Some(format!("{cues}, unrelated to the post"));
        }
    }
    let total: usize = lines.iter().map(|l| l.trim().chars().count()).sum();
    let ads: usize = lines
        .iter()
        .zip(&cut)
        .filter(|(_, c)| c.is_some())
        .map(|(l, _)| l.trim().chars().count())
        .sum();
    if ads == 0 || ads * 10 > total * 7 || total - ads < 20 {
        return text.to_string();
    }
    let mut kept = Vec::new();
    for (line, c) in lines.iter().zip(cut) {
        match c {
            Some(reason) => removed.push(Removed {
                text: clip(line.trim()),
                reason,
            }),
            None => kept.push(*line),
        }
    }
    let mut t = kept.join("\n");
    while t.contains("\n\n\n") {
        t = t.replace("\n\n\n", "\n\n");
    }
    t.trim().to_string()
}

/// Elements with no end tag, or whose end tag is implied by the next one,
/// which do not deepen the tree.
const FLAT: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr", "p", "li", "dt", "dd", "td", "th", "tr", "option", "optgroup", "tbody",
    "thead", "tfoot", "colgroup", "rt", "rp", "!doctype",
];

/// How deep the elements of `html` nest, counted on the raw text (start
/// tags minus end tags; void and implicitly closed elements, comments,
/// scripts and styles left out). html5ever takes time quadratic in the
/// depth of nested block elements, so hostile pages are turned away on
/// this count before parsing.
pub fn nesting_depth(html: &str) -> usize {
    let b = html.as_bytes();
    let (mut depth, mut max, mut i) = (0usize, 0usize, 0usize);
    // The end of the first `pat` (ASCII, case-insensitive) at or after
    // `from`, found by jumping from one candidate first byte to the next;
    // the end of the text when there is none.
    let find = |from: usize, pat: &[u8]| -> usize {
        let (first, mut at) = (pat[0], from);
        while at + pat.len() <= b.len() {
            match b[at..].iter().position(|c| c.eq_ignore_ascii_case(&first)) {
                Some(p) => at += p,
                None => break,
            }
            if at + pat.len() <= b.len() && b[at..at + pat.len()].eq_ignore_ascii_case(pat) {
                return at + pat.len();
            }
            at += 1;
        }
        b.len()
    };
    // Tag names lowercased into a buffer, not a new string per tag: every
    // name this looks for fits in it, a longer one is none of them.
    let mut buf = [0u8; 16];
    while i < b.len() {
        match b[i..].iter().position(|&c| c == b'<') {
            Some(p) => i += p,
            None => break,
        }
        if b[i..].starts_with(b"<!--") {
            i = find(i + 4, b"-->");
            continue;
        }
        let close = b.get(i + 1) == Some(&b'/');
        let start = i + 1 + close as usize;
        let mut end = start;
        while end < b.len() && (b[end].is_ascii_alphanumeric() || b[end] == b'!' || b[end] == b'-')
        {
            end += 1;
        }
        if end == start || !(b[start].is_ascii_alphabetic() || b[start] == b'!') {
            i += 1;
            continue;
        }
        let known = end - start <= buf.len();
        let name: &[u8] = if known {
            let n = &mut buf[..end - start];
            n.copy_from_slice(&b[start..end]);
            n.make_ascii_lowercase();
            n
        } else {
            &[]
        };
        let gt = b[end..]
            .iter()
            .position(|&c| c == b'>')
            .map_or(b.len(), |p| end + p);
        let self_closing = gt > 0 && gt < b.len() && b[gt - 1] == b'/';
        i = (gt + 1).min(b.len());
        if known && FLAT.iter().any(|f| f.as_bytes() == name) {
            continue;
        }
        if close {
            depth = depth.saturating_sub(1);
            continue;
        }
        if self_closing {
            continue;
        }
        depth += 1;
        max = max.max(depth);
        if known && matches!(name, b"script" | b"style" | b"textarea" | b"title") {
            let mut pat = [0u8; 10];
            pat[0] = b'<';
            pat[1] = b'/';
            pat[2..2 + name.len()].copy_from_slice(name);
            let pat_len = 2 + name.len();
            i = find(i, &pat[..pat_len]);
            depth -= 1;
        }
    }
    max
}

/// Text of `html` with every tag taken out: the best effort for markup
/// too deep to parse.
pub fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len() / 2);
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use scraper::Html;

    #[test]
    fn subtree_sizes_count_what_descendants_count() {
        let doc = Html::parse_document(
            "<html><body><div id=a><p>one <b>two</b></p><p>three</p></div><ul><li>x</li><li></li></ul>\
             <table><tr><td>cell</td></tr></table></body></html>",
        );
        let sizes = subtree_sizes(doc.tree.root());
        let mut checked = 0;
        for n in doc.tree.root().descendants() {
            assert_eq!(sizes.get(&n.id()).copied(), Some(n.descendants().count()));
            checked += 1;
        }
        assert_eq!(sizes.len(), checked);
        // A subtree's own walk counts only its part.
        let body = doc
            .tree
            .root()
            .descendants()
            .find(|n| n.value().as_element().is_some_and(|e| e.name() == "body"));
        let body = body.expect("a body");
        let inner = subtree_sizes(body);
        assert_eq!(
            inner.get(&body.id()).copied(),
            Some(body.descendants().count())
        );
        assert!(!inner.contains_key(&doc.tree.root().id()));
    }

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

    #[test]
    fn removals_are_recorded_with_reasons() {
        let html = Html::parse_fragment(
            r#"<div id="m">本帖最后由 老王 于 2026-11-20 11:02 编辑<br/>电池真的烫{:soso_e163:}<img src="static/image/smiley/default/sad.gif" smilieid="2" alt=""><div class="sign">签名一句</div><br/>回复 引用<br/>[s:13] 好吧</div>"#,
        );
        let m = html.select(&Selector::parse("#m").unwrap()).next().unwrap();
        let drops = vec![Drop {
            name: ".sign".into(),
            sel: Selector::parse(".sign").unwrap(),
        }];
        let mut removed = Vec::new();
        let raw = element_text_recorded(m, &drops, None, &mut removed);
        let t = clean_recorded(&raw, &mut removed);
        assert_eq!(t, "电池真的烫\n好吧");
        let reasons: Vec<&str> = removed.iter().map(|r| r.reason.as_str()).collect();
        assert_eq!(
            reasons,
            [
                "smiley image",
                "profile remove `.sign`",
                "edit notice",
                "emoticon code",
                "emoticon code",
                "reply/quote control"
            ]
        );
        assert_eq!(removed[1].text, "签名一句");
    }

    #[test]
    fn ad_lines_unrelated_to_the_post_are_cut() {
        let post = "我也中招了，X5 充到 80% 左右就烫得没法拿。\n客服电话打了三次，每次都说已记录。\n\n【福利】加入金元链 DeFi 项目，日收益 3%，稳赚不赔，加微信 coin8888 了解";
        let mut removed = Vec::new();
        let t = cut_ad_lines(post, &[], &mut removed);
        assert!(!t.contains("DeFi"), "{t}");
        assert!(t.ends_with("每次都说已记录。"), "{t}");
        assert_eq!(removed.len(), 1);
        assert!(removed[0].reason.starts_with("ad line ("), "{:?}", removed);
        // A post that is all ad stays whole (it is flagged, not emptied).
        let mut removed = Vec::new();
        let ad = "加微信 coin8888 了解 DeFi 空投项目，稳赚不赔";
        assert_eq!(cut_ad_lines(ad, &[], &mut removed), ad);
        assert!(removed.is_empty());
        // A line about the post's own topic that mentions a discount stays.
        let real = "Lumio Aura lamp flickers at low brightness after the update.\nThe Lumio Aura lamp had a discount code at launch, see https://lumio.example/aura for the lamp.";
        let mut removed = Vec::new();
        assert_eq!(cut_ad_lines(real, &[], &mut removed), real);
        // Configured patterns cut with their own reason.
        let pats = vec![("^本站广告".to_string(), Regex::new("^本站广告").unwrap())];
        let mut removed = Vec::new();
        let t = cut_ad_lines(
            "正文内容比较长，超过二十个字，说的是手机电池的问题。\n本站广告：招商",
            &pats,
            &mut removed,
        );
        assert_eq!(t, "正文内容比较长，超过二十个字，说的是手机电池的问题。");
        assert_eq!(removed[0].reason, "matched pattern `^本站广告`");
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        // A tokio blocking thread has 2 MiB of stack. Inline elements:
        // html5ever parses those in linear time (block elements are what
        // `too_deep` guards against).
        let t = std::thread::Builder::new()
            .stack_size(2 * 1024 * 1024)
            .spawn(|| {
                let n = 100_000;
                let html = format!("<div>{}深{}</div>", "<span>".repeat(n), "</span>".repeat(n));
                let doc = Html::parse_document(&html);
                let body = doc
                    .select(&Selector::parse("body").unwrap())
                    .next()
                    .unwrap();
                clean(&element_text(body, &[], None))
            })
            .unwrap()
            .join()
            .unwrap();
        assert_eq!(t, "深");
    }

    #[test]
    fn nesting_depth_is_measured_without_parsing() {
        assert_eq!(
            nesting_depth("<div><p>a<br>b<img src=x></p></div><section><b>x</b></section>"),
            2
        );
        assert_eq!(nesting_depth("<div><section><b>x</b></section></div>"), 3);
        assert_eq!(nesting_depth("<ul><li>a<li>b</ul>"), 1);
        assert_eq!(
            nesting_depth("<script>if (a<b && c<d) {}</script><!-- <div><div> --><i/>"),
            1
        );
        assert_eq!(nesting_depth(&"<div>".repeat(50)), 50);
        assert_eq!(nesting_depth("</div></div><b>"), 1);
        assert_eq!(nesting_depth("<"), 0);
        assert_eq!(nesting_depth("<a"), 1);
    }
}
