//! Repeated answer, comment and review blocks on pages no profile knows.
//!
//! A Q&A content farm, a blog's comment list, a news page's 网友评论: sibling
//! elements of the same tag and classes, each with its own author, date and
//! text. Found by structure, not by one site's class names: siblings are
//! grouped by their tag and class words, and a group counts when most of
//! its members (two at least) carry a date, an author (a name by its class,
//! a link to a user page, or a `网友`-style label) and text that is not
//! their links. Each member becomes a post after the page's own text (the
//! question or the article), which loses the lines the members hold.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use ego_tree::{NodeId, NodeRef};
use regex::Regex;
use scraper::{Html, Node};

use super::{date, text, Extracted, PageKind, Post};
use forum::{client_tail, forum_res, plain_author, quoted, without_title};

mod forum;

/// Elements in one member at most: more, and it is a page section.
const MEMBER_NODES: usize = 1_000;
/// Characters of a date or author element at most.
const SHORT: usize = 40;

/// What one repeated block says.
struct Member {
    id: NodeId,
    author: String,
    published: chrono::DateTime<chrono::FixedOffset>,
    /// The date the block shows, when it is not `published` (an edit date
    /// beside microdata's creation date).
    shown: Option<chrono::DateTime<chrono::FixedOffset>>,
    text: String,
    /// Another post quoted at the top (`X 发表于 DATE`, `X wrote:`), kept apart.
    quote: Option<String>,
    /// The block names its floor (`楼主`, `沙发`, `2楼`, `4#`): a thread's post.
    floor: bool,
}

fn res() -> &'static (Regex, Regex, Regex) {
    static R: OnceLock<(Regex, Regex, Regex)> = OnceLock::new();
    R.get_or_init(|| {
        let re = |s: &str| Regex::new(s).expect("static regex");
        (
            // Class, itemprop or rel words of an author's name.
            re(r"(?i)author|user|name|nick|poster|commenter|member|writer|reviewer|\bfn\b"),
            // A link to a user's page.
            re(r"(?i)/u/|/users?[/.?]|/members?[/.?]|/people/|/profile|/space|uid=|/author/|/home\.php"),
            // A name written after a label (`网友：小明`, `提問者：阿傑`), or a
            // reader named by place (`广东深圳网友`).
            re(r"(?i)^(?:(?:(?:网友|網友|作者|答主|回答者|提问者|提問者|评论者|評論者)\s*[：:]?|by\s)\s*(\S.{0,29})|(\S{0,20}(?:网友|網友)\S{0,12}))$"),
        )
    })
}

/// Tag and first class word of an element: siblings alike in these are one
/// group (`answer best-answer` and `answer`, `comment even depth-1` and
/// `comment odd`; numbered and state words aside).
fn signature(e: &scraper::node::Element) -> (&str, &str) {
    let word = text::attr(e, "class")
        .unwrap_or("")
        .split_whitespace()
        .find(|w| {
            !w.bytes().any(|b| b.is_ascii_digit())
                && !matches!(
                    *w,
                    "even" | "odd" | "alt" | "first" | "last" | "active" | "best" | "top"
                )
        })
        .unwrap_or("");
    (e.name(), word)
}

fn squash(s: &str) -> String {
    s.chars().filter(|c| c.is_alphanumeric()).collect()
}

/// Collapsed text of `el`, or `None` past `limit` characters.
fn short_text(el: NodeRef<'_, Node>, limit: usize) -> Option<String> {
    let mut out = String::new();
    for n in el.descendants() {
        if let Some(t) = n.value().as_text() {
            out.push_str(t);
            if out.len() > limit * 8 {
                return None;
            }
        }
    }
    let t = text::collapse(&out);
    (t.chars().count() <= limit).then_some(t)
}

/// `n` is (inside) one of the `skip` blocks below `el`: a nested reply.
fn inside_other(n: NodeRef<'_, Node>, el: NodeRef<'_, Node>, skip: &HashSet<NodeId>) -> bool {
    n != el
        && std::iter::once(n)
            .chain(n.ancestors().take_while(|a| *a != el))
            .any(|a| skip.contains(&a.id()))
}

fn could_be_date(t: &str) -> bool {
    // One pass over the bytes: a digit, or a cue word starting here (each
    // cue's first byte is checked before the cue, so most bytes cost one
    // comparison). The same answer as a `contains` per cue.
    const CUES: &[&str] = &["前", "昨天", "前天", "刚刚", "剛剛", "ago", "yesterday"];
    let b = t.as_bytes();
    b.iter().enumerate().any(|(i, &c)| {
        c.is_ascii_digit()
            || CUES
                .iter()
                .any(|k| k.as_bytes()[0] == c && b[i..].starts_with(k.as_bytes()))
    })
}

/// Reads one block: its date, author and own text; `None` when it lacks one.
/// `sizes` holds each node's node count (`text::subtree_sizes`).
fn member(
    el: NodeRef<'_, Node>,
    skip: &HashSet<NodeId>,
    sizes: &text::Sizes,
    ctx: &date::Context,
) -> Option<Member> {
    let (author_class, user_link, label) = res();
    if sizes.get(&el.id()).copied().unwrap_or(0) > MEMBER_NODES {
        return None;
    }
    // The date: a `datetime` attribute, or the innermost short element
    // whose text is a date (found from the text nodes that could hold one).
    let mut when = None;
    // Elements already read for a date, and whether one was there: text
    // nodes side by side share their parent, which is read once (a date
    // found there was inside a nested block, and stops the search for each
    // text node under it, as reading it again would).
    let mut tried: HashMap<NodeId, bool> = HashMap::new();
    for n in el.descendants() {
        let at = match n.value() {
            Node::Element(e) if text::attr(e, "datetime").is_some() => {
                let d = text::attr(e, "datetime").and_then(|d| date::parse(d, ctx));
                d.map(|d| (n, d, short_text(n, SHORT).unwrap_or_default()))
            }
            // A user profile's `注册：2007-5-12` is no post date.
            Node::Text(t) if could_be_date(t) && !forum_res().1.is_match(t.trim()) => {
                let mut at = None;
                for a in n.ancestors().take(2).take_while(|a| *a != el) {
                    match tried.get(&a.id()) {
                        Some(false) => continue,
                        Some(true) => break,
                        None => {}
                    }
                    let found = short_text(a, SHORT)
                        .filter(|t| !t.is_empty())
                        .and_then(|t| date::parse(&t, ctx).map(|d| (a, d, t)));
                    tried.insert(a.id(), found.is_some());
                    if found.is_some() {
                        at = found;
                        break;
                    }
                }
                at
            }
            _ => None,
        };
        if let Some(at) = at.filter(|(a, _, _)| !inside_other(*a, el, skip)) {
            when = Some(at);
            break;
        }
    }
    // Microdata's creation date (`<meta itemprop="dateCreated">`) is the
    // post's own: the date shown may be when it was last edited.
    let created = el.descendants().skip(1).find_map(|n| {
        let e = n.value().as_element()?;
        if e.name() != "meta" || inside_other(n, el, skip) {
            return None;
        }
        let prop = text::attr(e, "itemprop")?;
        if !matches!(prop, "dateCreated" | "datePublished") {
            return None;
        }
        date::parse(text::attr(e, "content")?, ctx)
            .map(|d| (n, d.with_timezone(&ctx.tz).fixed_offset()))
    });
    let (date_node, published, date_text, shown) = match (when, created) {
        (Some((n, s, t)), Some((_, d))) => (n, d, t, Some(s)),
        (Some((n, d, t)), None) => (n, d, t, None),
        (None, Some((n, d))) => (n, d, String::new(), None),
        (None, None) => return None,
    };
    let date_id = date_node.id();
    // The author: a short element named so by its class, a link to a user
    // page, or a labelled name; never the date.
    let mut author: Option<(NodeId, String)> = None;
    for n in el.descendants().skip(1) {
        let Some(e) = n.value().as_element() else {
            continue;
        };
        if inside_other(n, el, skip) {
            continue;
        }
        let named = text::attr(e, "class")
            .into_iter()
            .chain(text::attr(e, "itemprop"))
            .chain(text::attr(e, "rel"))
            .any(|c| author_class.is_match(c));
        let linked =
            e.name() == "a" && text::attr(e, "href").is_some_and(|h| user_link.is_match(h));
        let cue = n.children().any(|c| {
            c.value().as_text().is_some_and(|t| {
                [
                    "网友",
                    "網友",
                    "作者",
                    "答主",
                    "回答者",
                    "提问者",
                    "提問者",
                    "评论者",
                    "評論者",
                    "by ",
                    "By ",
                ]
                .iter()
                .any(|k| t.contains(k))
            })
        });
        if !(named || linked || cue) {
            continue;
        }
        let holds_date = date_node.ancestors().any(|a| a == n) || date_node == n;
        let Some(t) = short_text(n, SHORT)
            .map(|t| {
                if holds_date {
                    t.replace(&date_text, "")
                } else {
                    t
                }
            })
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
        else {
            continue;
        };
        let labelled = label
            .captures(&t)
            .and_then(|c| c.get(1).or(c.get(2)))
            .map(|m| m.as_str().trim().to_string());
        let name = if let Some(l) = labelled {
            Some(l)
        } else if named || linked {
            // The name's element may hold the date too (`user · 2 hours ago`).
            let inner = n
                .descendants()
                .skip(1)
                .filter(|c| c.value().as_element().is_some_and(|e| e.name() == "a"))
                .find_map(|c| short_text(c, SHORT).filter(|t| !t.is_empty()));
            Some(inner.unwrap_or(t))
        } else {
            None
        };
        let name = name.map(|s| {
            let s = s.trim().trim_end_matches([':', '：', '·', '|', ',']).trim();
            // `阿树 说道：`, `Jo says:`: the name before its verb.
            forum_res().2.replace(s, "").trim().to_string()
        });
        if let Some(name) = name
            .filter(|s| !s.is_empty() && s.chars().count() <= 30 && date::parse(s, ctx).is_none())
        {
            author = Some((n.id(), name));
            break;
        }
    }
    // Floor labels (`楼主`, `2楼`, `4#`): the header's, and the block a
    // thread's post.
    let floors: Vec<NodeId> = el
        .descendants()
        .skip(1)
        .filter(|n| {
            n.value()
                .as_element()
                .is_some_and(|e| !matches!(e.name(), "script" | "style"))
                // A label is an element of a few nodes (`<em>4<sup>#</sup></em>`).
                && sizes.get(&n.id()).copied().unwrap_or(usize::MAX) <= 4
                && !inside_other(*n, el, skip)
                && short_text(*n, 8).is_some_and(|t| forum_res().0.is_match(&t))
        })
        .map(|n| n.id())
        .collect();
    let floor = !floors.is_empty();
    // No name marked as one (old table layouts: `<b>陈喆</b>` atop the
    // user column): the block's first short bold, cited or linked text
    // alone in its element, not the date and not a floor or field label;
    // trusted only in a forum's post, which names its floor or shows its
    // user's profile fields.
    let author = author.or_else(|| {
        let fields = el.descendants().any(|n| {
            n.value()
                .as_text()
                .is_some_and(|t| forum_res().1.is_match(t.trim()))
        });
        (floor || fields)
            .then(|| plain_author(el, skip, date_id, ctx))
            .flatten()
    });
    let (author_id, author) = author?;
    // The header: the date and author elements and their ancestors below
    // the block that hold little else (`提问者：` labels, `发表于`).
    let mut header: HashSet<NodeId> = HashSet::from([date_id, author_id]);
    let budget = date_text.chars().count() + author.chars().count() + 16;
    for start in [date_node, el.tree().get(author_id)?] {
        for a in start.ancestors() {
            if a == el {
                break;
            }
            match short_text(a, budget) {
                Some(_) => {
                    header.insert(a.id());
                }
                None => break,
            }
        }
    }
    // Badges before the header (`最佳解答`, `Top comment`).
    let first = date_id.min(author_id);
    for n in el.descendants().skip(1) {
        if n.id() >= first {
            break;
        }
        let holds_header = n
            .descendants()
            .any(|d| d.id() == date_id || d.id() == author_id);
        if n.value().is_element() && !holds_header && short_text(n, 12).is_some() {
            header.insert(n.id());
        }
    }
    header.extend(floors);
    let quote = quoted(el, skip, &mut header, ctx);
    let raw = render(el, &header, skip);
    // Lines made of the block's links only (vote, reply, report controls).
    let links: Vec<String> = el
        .descendants()
        .filter(|n| n.value().as_element().is_some_and(|e| e.name() == "a"))
        .filter_map(|n| short_text(n, SHORT))
        .filter(|t| !t.is_empty())
        .collect();
    let kept: Vec<&str> = raw
        .split('\n')
        .filter(|l| {
            if l.len() > 200 || l.trim().is_empty() || text::is_sig_delimiter(l) {
                return true;
            }
            // A mobile client's tail (`来自手机`, `来自Android客户端`).
            if client_tail(l.trim()) {
                return false;
            }
            // A user profile's field lines (`帖子：312`, `注册：2007-5-12`).
            if l.chars().count() <= 40 && forum_res().1.is_match(l.trim()) {
                return false;
            }
            let mut rest = l.to_string();
            for a in links.iter().filter(|a| l.contains(a.as_str())) {
                rest = rest.replace(a.as_str(), "");
            }
            squash(&rest).chars().count() >= 2
        })
        .collect();
    // The separator after a name the text starts with (`小明:&nbsp;…`).
    let text = text::clean(&kept.join("\n"))
        .trim_start_matches([':', '：', ' '])
        .to_string();
    let n = text.chars().count();
    let cjk = text.chars().filter(|c| super::is_cjk(*c)).count();
    if cjk < 6 && n < 20 {
        return None;
    }
    Some(Member {
        id: el.id(),
        author,
        published,
        shown,
        text,
        quote,
        floor,
    })
}

/// Text of `el` with paragraph breaks, leaving out `header` and `skip`.
fn render(el: NodeRef<'_, Node>, header: &HashSet<NodeId>, skip: &HashSet<NodeId>) -> String {
    enum Step<'a> {
        Enter(NodeRef<'a, Node>),
        Close,
    }
    let mut out = String::new();
    let mut stack: Vec<Step<'_>> = el.children().rev().map(Step::Enter).collect();
    while let Some(step) = stack.pop() {
        let node = match step {
            Step::Close => {
                out.push_str("\n\n");
                continue;
            }
            Step::Enter(n) => n,
        };
        if header.contains(&node.id()) || skip.contains(&node.id()) {
            continue;
        }
        match node.value() {
            Node::Text(t) => out.extend(t.chars().map(|c| if c.is_whitespace() { ' ' } else { c })),
            Node::Element(e) => {
                let name = e.name();
                if matches!(
                    name,
                    "script" | "style" | "noscript" | "button" | "form" | "select" | "textarea"
                ) || e
                    .attr("style")
                    .is_some_and(|s| s.replace(' ', "").contains("display:none"))
                {
                    continue;
                }
                if name == "br" {
                    out.push('\n');
                    continue;
                }
                if text::is_block(name) {
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

/// The page's repeated blocks, in page order; empty when it has none.
fn find(doc: &Html, ctx: &date::Context) -> Vec<Member> {
    // Candidate groups: two or more element children alike.
    let mut groups: Vec<Vec<NodeRef<'_, Node>>> = Vec::new();
    let mut kids: Vec<((&str, &str), NodeRef<'_, Node>)> = Vec::new();
    for parent in doc.tree.nodes() {
        if !parent.value().is_element() {
            continue;
        }
        kids.clear();
        for c in parent.children() {
            if let Some(e) = c.value().as_element() {
                if !matches!(
                    e.name(),
                    "br" | "a" | "span" | "img" | "p" | "script" | "style"
                ) {
                    kids.push((signature(e), c));
                }
            }
        }
        if kids.len() < 2 {
            continue;
        }
        kids.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.id().cmp(&b.1.id())));
        for run in kids.chunk_by(|a, b| a.0 == b.0) {
            if run.len() >= 2 {
                groups.push(run.iter().map(|(_, n)| *n).collect());
            }
        }
    }
    // Each group read; the one with the most text wins, and groups alike
    // nested in its members (replies to a comment) join it.
    // Blocks read with nothing skipped, by node: each is read once.
    let none = HashSet::new();
    let sizes = text::subtree_sizes(doc.tree.root());
    let mut read_once: HashMap<NodeId, Option<Member>> = HashMap::new();
    let mut read: Vec<((&str, &str), usize, usize)> = Vec::new();
    for (gi, g) in groups.iter().enumerate() {
        // A group stops being read once too few of its members can be
        // blocks (two at least, and half of them).
        let need = 2.max(g.len().div_ceil(2));
        let (mut found, mut missed, mut chars) = (0, 0, 0);
        for m in g {
            let got = read_once
                .entry(m.id())
                .or_insert_with(|| member(*m, &none, &sizes, ctx));
            match got {
                Some(b) => {
                    found += 1;
                    chars += b.text.len();
                }
                None => missed += 1,
            }
            if g.len() - missed < need {
                break;
            }
        }
        if found >= need {
            let sig = g[0].value().as_element().map(signature).unwrap_or(("", ""));
            read.push((sig, chars, gi));
        }
    }
    let Some(best) = read
        .iter()
        .max_by_key(|(_, chars, _)| *chars)
        .map(|(sig, _, _)| *sig)
    else {
        return Vec::new();
    };
    // Blocks alike anywhere: a lone reply nested in a comment is no group
    // of its own.
    let mut ids: HashSet<NodeId> = doc
        .tree
        .nodes()
        .filter(|n| n.value().as_element().is_some_and(|e| signature(e) == best))
        .filter(|n| {
            read_once
                .entry(n.id())
                .or_insert_with(|| member(*n, &none, &sizes, ctx))
                .is_some()
        })
        .map(|n| n.id())
        .collect();
    // Groups of another kind nested in those blocks (a forum floor's
    // replies, `楼中楼`; an answer's comments): posts of their own, after
    // the block they sit in.
    let nested: Vec<NodeId> = read
        .iter()
        .filter(|(sig, _, _)| *sig != best)
        .flat_map(|(_, _, gi)| groups[*gi].iter())
        .filter(|m| read_once.get(&m.id()).is_some_and(Option::is_some))
        .filter(|m| m.ancestors().any(|a| ids.contains(&a.id())))
        .map(|m| m.id())
        .collect();
    ids.extend(nested);
    // Read again without the nested ones, so a reply is not in its parent
    // (a block with none inside reads as it did).
    let nests: HashSet<NodeId> = ids
        .iter()
        .filter_map(|id| doc.tree.get(*id))
        .flat_map(|n| n.ancestors().map(|a| a.id()).filter(|a| ids.contains(a)))
        .collect();
    let mut out: Vec<Member> = ids
        .iter()
        .filter_map(|id| doc.tree.get(*id))
        .filter_map(|n| {
            if nests.contains(&n.id()) {
                member(n, &ids, &sizes, ctx)
            } else {
                read_once.remove(&n.id()).flatten()
            }
        })
        .collect();
    out.sort_by_key(|m| m.id);
    let mut seen = HashSet::new();
    out.retain(|m| seen.insert(squash(&m.text)));
    let one_author = out.len() > 3 && out.windows(2).all(|w| w[0].author == w[1].author);
    if out.len() < 2 || one_author {
        // One author everywhere is a list of one site's items, not replies.
        return Vec::new();
    }
    out
}

/// Splits a generic page with repeated answer or comment blocks: the page's
/// own text (the question or the article) first, without what the blocks
/// hold, then one post per block.
pub fn split(doc: &Html, e: &mut Extracted, ctx: &date::Context) {
    let members = find(doc, ctx);
    if members.is_empty() {
        return;
    }
    let lines: HashSet<String> = members
        .iter()
        .flat_map(|m| m.text.lines().map(squash))
        .filter(|l| !l.is_empty())
        .collect();
    // Blocks the markup calls comments are an article's comments, even
    // under a headline that asks a question (a blog post titled "…?").
    let comments = marked_as_comments(doc, &members);
    // Blocks that name their floors (`楼主`, `沙发`, `2楼`, `4#`), most of
    // them, are a forum thread's posts, the first the opening post.
    // Numbered comments under a blog post (`#1`, `2楼`) stay its comments.
    let thread = !comments && members.iter().filter(|m| m.floor).count() * 2 >= members.len();
    let question = !comments
        && !thread
        && e.title
            .as_deref()
            .is_some_and(|t| t.trim_end().ends_with(['?', '？']));
    let mut own_text = true;
    if let Some(first) = e.posts.first() {
        // On an article, blocks that are most of what the article extractor
        // took are the article's own parts (dated sections, a list of
        // quotes), not its comments: the page stays as it was. On a
        // thread, what is left of such a text is the posts' labels.
        let left = without(&first.text, &lines).len();
        let mostly_blocks = first.text.len().saturating_sub(left) * 2 > first.text.len();
        if thread {
            own_text = !mostly_blocks;
        } else if !question && mostly_blocks {
            return;
        }
    }
    let mut posts = Vec::with_capacity(members.len() + 1);
    if let Some(mut first) = e.posts.drain(..).next().filter(|_| own_text) {
        first.text = without(&first.text, &lines);
        // A byline the generic extractor took from a comment's author.
        if let Some(a) = first.author.clone() {
            if members.iter().any(|m| m.author == a) && !outside(doc, &a, &members) {
                first.author = None;
            }
        }
        if members
            .iter()
            .any(|m| Some(m.published) == first.published_at || m.shown == first.published_at)
        {
            first.published_at = None;
        }
        if !first.text.is_empty() {
            posts.push(first);
        }
    }
    let title: String = e.title.as_deref().map(squash).unwrap_or_default();
    for mut m in members {
        m.text = without_title(&m.text, &title);
        posts.push(Post {
            author: Some(m.author),
            published_at: Some(m.published),
            text: m.text,
            quote: m.quote,
            floor: Some(posts.len() as u32 + 1),
            ..Default::default()
        });
    }
    if question {
        e.kind = PageKind::Question;
    } else if thread {
        e.kind = PageKind::Thread;
    }
    e.posts = posts;
}

/// Most blocks sit in (or are) an element whose class or id says comment
/// (`ol.commentlist`, `#comments`, `li.comment`) and none says answer.
fn marked_as_comments(doc: &Html, members: &[Member]) -> bool {
    let says = |n: NodeRef<'_, Node>, word: &str| {
        n.value().as_element().is_some_and(|e| {
            [e.attr("class"), e.attr("id")]
                .into_iter()
                .flatten()
                .any(|v| v.to_ascii_lowercase().contains(word))
        })
    };
    let marked = |m: &Member, word: &str| {
        doc.tree.get(m.id).is_some_and(|n| {
            std::iter::once(n)
                .chain(n.ancestors())
                .any(|a| says(a, word))
        })
    };
    let n = members.iter().filter(|m| marked(m, "comment")).count();
    n * 2 > members.len() && !members.iter().any(|m| marked(m, "answer"))
}

/// True when `name` is written somewhere outside the blocks.
fn outside(doc: &Html, name: &str, members: &[Member]) -> bool {
    let ids: HashSet<NodeId> = members.iter().map(|m| m.id).collect();
    doc.tree.nodes().any(|n| {
        n.value().as_text().is_some_and(|t| t.contains(name))
            && !n.ancestors().any(|a| ids.contains(&a.id()))
            && !n
                .ancestors()
                .any(|a| a.value().as_element().is_some_and(|e| e.name() == "title"))
    })
}

/// `text` without the lines in `lines`, and without the short headings
/// (`最佳答案`, `全部回答（3）`, `3 Comments`) whose paragraphs went with them.
fn without(text: &str, lines: &HashSet<String>) -> String {
    let paras: Vec<Vec<&str>> = text
        .split("\n\n")
        .map(|p| {
            p.lines()
                .filter(|l| !lines.contains(&squash(l)))
                .collect::<Vec<_>>()
        })
        .collect();
    let heading = |p: &[&str]| p.len() == 1 && p[0].chars().count() <= 16;
    let mut keep: Vec<bool> = paras.iter().map(|p| !p.is_empty()).collect();
    for i in (0..paras.len()).rev() {
        // A heading whose next paragraph went.
        if keep[i] && heading(&paras[i]) && keep.get(i + 1) == Some(&false) {
            keep[i] = false;
        }
    }
    paras
        .iter()
        .zip(keep)
        .filter(|(_, k)| *k)
        .map(|(p, _)| p.join("\n"))
        .collect::<Vec<_>>()
        .join("\n\n")
}

#[cfg(test)]
mod forum_tests;
#[cfg(test)]
mod tests;
