//! Forum shapes among repeated blocks: floor labels (`楼主`, `2楼`, `4#`),
//! user profile fields (`注册：2007-5-12`), names written plainly in old
//! table layouts, quoted posts with their attribution, mobile client tails,
//! the headline a thread's opening post repeats.

use std::collections::HashSet;
use std::sync::OnceLock;

use ego_tree::{NodeId, NodeRef};
use regex::Regex;
use scraper::Node;

use super::{date, inside_other, render, short_text, squash, text};

/// A forum floor label alone in its element (`楼主`, `沙发`, `2楼`, `4#`,
/// `#3`, `第5楼`); a user profile's field line (`注册：2007-5-12`,
/// `帖子：312`, `Joined: …`), whose date is never the post's; a name's
/// trailing `说道：` / `says:`.
pub(super) fn forum_res() -> &'static (Regex, Regex, Regex) {
    static R: OnceLock<(Regex, Regex, Regex)> = OnceLock::new();
    R.get_or_init(|| {
        let re = |s: &str| Regex::new(s).expect("static regex");
        (
            re(r"^(?:楼主|樓主|沙发|沙發|板凳|地板|地下室|\d{1,5}\s*(?:楼|樓|#|F)|#\s*\d{1,5}|第\s*\d{1,5}\s*(?:楼|樓))$"),
            re(r"(?i)^(?:等级|等級|级别|級別|头衔|頭銜|帖子|发帖|發帖|主题|主題|积分|積分|精华|精華|威望|金钱|金錢|经验|經驗|贡献|貢獻|在线时间|在線時間|注册|註冊|注册时间|註冊時間|加入时间|加入時間|最后登录|最後登錄|上次登录|上次登錄|阅读权限|閱讀權限|性别|性別|来自|來自|生日|uid|posts|joined|registered|join date|location|reputation)\s*[：:]"),
            re(r"(?i)\s*(?:说道|說道|写道|寫道|says|said|wrote)\s*[：:]?$"),
        )
    })
}

/// Another post quoted in `el`: a `blockquote` or an element whose class
/// says quote, opening with its attribution (`小明 发表于 2026-11-20 21:08`,
/// `引用 小明 的帖子`, `Jo wrote:`). Its text, which joins `header` so the
/// block's own text leaves it out.
pub(super) fn quoted(
    el: NodeRef<'_, Node>,
    skip: &HashSet<NodeId>,
    header: &mut HashSet<NodeId>,
    ctx: &date::Context,
) -> Option<String> {
    static R: OnceLock<Regex> = OnceLock::new();
    let attribution = R.get_or_init(|| {
        Regex::new(
            r"(?i)^(?:引用|回复|回復|quote)|(?:发表于|發表於|写道|寫道|說|说|wrote|said)\s*[：:]?$",
        )
        .expect("static regex")
    });
    let mut out: Vec<String> = Vec::new();
    for n in el.descendants().skip(1) {
        let Some(e) = n.value().as_element() else {
            continue;
        };
        let is_quote = e.name() == "blockquote"
            || text::attr(e, "class").is_some_and(|c| {
                c.split_whitespace()
                    .any(|w| w.to_ascii_lowercase().contains("quote"))
            });
        if !is_quote || inside_other(n, el, skip) || n.ancestors().any(|a| header.contains(&a.id()))
        {
            continue;
        }
        let t = text::clean(&render(n, &HashSet::new(), skip));
        let first = t.lines().next().unwrap_or("").trim();
        let attributed = first.chars().count() <= 60
            && (attribution.is_match(first) || date::parse_absolute(first, ctx).is_some());
        if attributed && t.lines().count() > 1 {
            header.insert(n.id());
            out.push(t);
        }
    }
    (!out.is_empty()).then(|| out.join("\n\n"))
}

/// A mobile client's line under a forum post: `来自手机`, `来自Android客户端`,
/// `发自我的iPhone`, `来自: 触屏版`.
pub(super) fn client_tail(l: &str) -> bool {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| {
        Regex::new(r"(?i)^[-—(（]*\s*(?:来自|來自|发自|發自|from)\s*[:：]?\s*\S{0,12}?(?:手机|手機|客户端|客戶端|iphone|android|ipad|移动版|移動版|触屏版|觸屏版|app)\S{0,8}?\s*[)）]?$")
            .expect("static regex")
    })
    .is_match(l)
        && l.chars().count() <= 30
}

/// A name written plainly: the first text of `el` (outside nested blocks)
/// that is all of a short `b`, `strong`, `cite`, `font` or `a` element,
/// before any longer text, and is no date, floor or field label.
pub(super) fn plain_author(
    el: NodeRef<'_, Node>,
    skip: &HashSet<NodeId>,
    date_id: NodeId,
    ctx: &date::Context,
) -> Option<(NodeId, String)> {
    for n in el.descendants() {
        let Some(t) = n.value().as_text() else {
            continue;
        };
        let t = t.trim();
        if t.is_empty() || inside_other(n, el, skip) {
            continue;
        }
        if n.ancestors().any(|a| a.id() == date_id) || t.chars().count() > 40 {
            return None;
        }
        if t.chars().count() > 20 {
            continue;
        }
        let (fr, fields, _) = forum_res();
        if fr.is_match(t) || fields.is_match(t) || t.ends_with([':', '：']) {
            continue;
        }
        let parent = n
            .ancestors()
            .take_while(|a| *a != el)
            .find(|a| {
                a.value()
                    .as_element()
                    .is_some_and(|e| !matches!(e.name(), "font"))
            })
            .or_else(|| n.parent())?;
        let tag = n.parent()?.value().as_element()?.name();
        if !matches!(tag, "b" | "strong" | "cite" | "font" | "a") {
            return None;
        }
        let whole = short_text(parent, 20)?;
        if whole != t || date::parse(t, ctx).is_some() || squash(t).chars().count() < 2 {
            return None;
        }
        // Alone in its block (a table cell, a line of its own), not a bold
        // word in a sentence.
        let block = n.ancestors().take_while(|a| *a != el).find(|a| {
            a.value()
                .as_element()
                .is_some_and(|e| text::is_block(e.name()) || matches!(e.name(), "td" | "th"))
        })?;
        if short_text(block, 20).as_deref() != Some(t) {
            return None;
        }
        return Some((parent.id(), t.to_string()));
    }
    None
}

/// `text` without its first lines that are the page's headline, maybe
/// after a label (`* 贴子主题：青禾 Q7 …`): a thread's opening post repeats it.
pub(super) fn without_title(text: &str, title: &str) -> String {
    let n = title.chars().count();
    if n < 4 {
        return text.to_string();
    }
    let mut rest = text;
    for _ in 0..2 {
        let (line, after) = rest.split_once('\n').unwrap_or((rest, ""));
        let l = squash(line);
        if !(l.ends_with(title) && l.chars().count() <= n + 8) || after.trim().is_empty() {
            break;
        }
        rest = after.trim_start_matches('\n');
    }
    rest.to_string()
}
