//! Posts from structured data: JSON APIs read by pointers from a profile,
//! schema.org JSON-LD (reviews), and RSS/Atom feeds (feed-rs).

use chrono::{DateTime, FixedOffset, Utc};
use scraper::Html;
use serde_json::Value;
use url::Url;

use super::{
    css, date, drops, text, ExtractError, Extracted, PageKind, Post, Profile, Rating, Removed,
};

/// A number written as a JSON number or a string (`"4.5"`, `"4,5"`).
pub fn number(s: &str) -> Option<f64> {
    let t = s.trim().replace(',', ".");
    let head: String = t
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == '-')
        .collect();
    head.parse::<f64>().ok().filter(|n| n.is_finite())
}

fn value_number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64().filter(|n| n.is_finite()),
        Value::String(s) => number(s),
        _ => None,
    }
}

/// A JSON value as short text: strings as they are, numbers printed,
/// objects by their `name`.
fn value_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        Value::Number(n) => Some(n.to_string()),
        Value::Object(o) => o.get("name").and_then(value_text),
        Value::Array(a) => a.first().and_then(value_text),
        _ => None,
    }
}

fn first_text(v: &Value, pointers: &[String]) -> Option<String> {
    pointers
        .iter()
        .find_map(|p| v.pointer(p).and_then(value_text))
}

/// Text of an HTML fragment (a JSON `cooked` field, a feed item's
/// content), read with the profile's `remove` and `quote` rules.
fn html_text(
    html: &str,
    profile: Option<&Profile>,
    removed: &mut Vec<Removed>,
) -> (String, Option<String>) {
    if text::nesting_depth(html) > super::MAX_DEPTH {
        let t = text::clean_recorded(&text::strip_tags(html), removed);
        return (t, None);
    }
    let frag = Html::parse_fragment(html);
    let drops = profile.map(drops).unwrap_or_default();
    let quote = profile.and_then(|p| p.quote.as_deref()).and_then(css);
    super::body_text(frag.root_element(), &drops, quote.as_ref(), removed)
}

/// Reads a JSON API document with the profile's `[json]` pointers.
pub fn read_json(url: &Url, v: &Value, p: &Profile, ctx: &date::Context) -> Extracted {
    let mut out = Extracted {
        url: url.to_string(),
        profile: p.name.clone(),
        kind: p.kind,
        ..Default::default()
    };
    let Some(j) = &p.json else {
        return out;
    };
    out.title = first_text(v, &j.title);
    let items = v.pointer(&j.items).and_then(Value::as_array);
    if items.is_none() {
        out.notes.push(format!("no array at `{}`", j.items));
    }
    for item in items.into_iter().flatten() {
        let mut removed = Vec::new();
        let html = j.html.iter().find_map(|h| {
            item.pointer(h)
                .and_then(Value::as_str)
                .filter(|s| !s.trim().is_empty())
        });
        let (mut text, quote) = match (html, &j.text) {
            (Some(h), _) => html_text(h, Some(p), &mut removed),
            (None, Some(t)) => (
                text::clean_recorded(
                    item.pointer(t).and_then(Value::as_str).unwrap_or(""),
                    &mut removed,
                ),
                None,
            ),
            _ => (String::new(), None),
        };
        let title = first_text(item, &j.post_title);
        if text.is_empty() {
            // A link post: its title is what it says.
            match &title {
                Some(t) => text = t.clone(),
                None => continue,
            }
        }
        let floor = j
            .floor
            .as_ref()
            .and_then(|f| item.pointer(f))
            .and_then(value_number)
            .filter(|n| *n >= 0.0 && *n <= u32::MAX as f64)
            .map(|n| n as u32)
            .or(Some(out.posts.len() as u32 + 1));
        let own_url = j
            .url
            .as_deref()
            .and_then(|t| fill(t, item))
            .and_then(|h| url.join(&h).ok())
            .map(|u| u.to_string());
        out.posts.push(Post {
            author: first_text(item, &j.author),
            published_at: j
                .date
                .iter()
                .find_map(|d| item.pointer(d))
                .and_then(|d| json_date(d, ctx)),
            text,
            quote,
            floor: if own_url.is_some() { None } else { floor },
            title,
            url: own_url,
            removed,
            ..Default::default()
        });
    }
    for l in &j.links {
        for item in v
            .pointer(&l.items)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(href) = fill(&l.href, item) {
                if let Ok(u) = url.join(&href) {
                    out.links.push(u.to_string());
                }
            }
        }
    }
    if let Some(n) = &j.next {
        if let Some(next) = next_page(url, v, n) {
            out.links.push(next);
        }
    }
    out
}

/// A JSON date: a number is Unix time (seconds, or milliseconds when it
/// is too large for seconds), a string is read like any date.
fn json_date(v: &Value, ctx: &date::Context) -> Option<DateTime<FixedOffset>> {
    match v {
        Value::Number(n) => {
            let n = n.as_f64().filter(|n| n.is_finite() && *n > 0.0)?;
            let secs = if n > 1e11 { n / 1000.0 } else { n };
            let t = DateTime::<Utc>::from_timestamp(secs as i64, 0)?;
            Some(t.with_timezone(&ctx.tz).fixed_offset())
        }
        _ => value_text(v).and_then(|d| date::parse(&d, ctx)),
    }
}

/// The listing's next page (see [`super::JsonNext`]).
fn next_page(url: &Url, doc: &Value, n: &super::JsonNext) -> Option<String> {
    let found = doc.pointer(&n.value)?;
    let value = match n.add {
        _ if found.is_null() => return None,
        Some(add) => {
            let next = value_number(found)? as i64 + add;
            let until = n
                .until
                .as_ref()
                .and_then(|u| doc.pointer(u))
                .and_then(value_number);
            if until.is_some_and(|u| next as f64 >= u) {
                return None;
            }
            next.to_string()
        }
        None => value_text(found)?,
    };
    let mut u = url.clone();
    let kept: Vec<(String, String)> = u
        .query_pairs()
        .filter(|(k, _)| *k != n.param)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    u.query_pairs_mut()
        .clear()
        .extend_pairs(kept)
        .append_pair(&n.param, &value);
    Some(u.to_string())
}

/// `href` with each `{field}` replaced by the item's field; `None` when a
/// field is missing.
pub(super) fn fill(template: &str, item: &Value) -> Option<String> {
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = rest[open..].find('}')? + open;
        let key = &rest[open + 1..close];
        // `{+key}` inserts the value as it is (a path such as a permalink).
        let (raw, key) = match key.strip_prefix('+') {
            Some(k) => (true, k),
            None => (false, key),
        };
        let found = if key.starts_with('/') {
            item.pointer(key)
        } else {
            item.get(key)
        };
        let v = found.and_then(value_text)?;
        if raw {
            out.push_str(&v);
            rest = &rest[close + 1..];
            continue;
        }
        // Percent-encoded as one path segment.
        for b in v.bytes() {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                out.push(b as char);
            } else {
                out.push_str(&format!("%{b:02X}"));
            }
        }
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    Some(out)
}

/// The page's JSON-LD blocks, parsed; and one note per block that is not
/// valid JSON.
pub fn jsonld_blocks(doc: &Html) -> (Vec<Value>, Vec<String>) {
    let mut blocks = Vec::new();
    let mut notes = Vec::new();
    let Some(sel) = css("script[type='application/ld+json']") else {
        return (blocks, notes);
    };
    for (i, s) in doc.select(&sel).enumerate() {
        let raw: String = s.text().collect();
        // Some CMSs wrap the JSON in an HTML comment or CDATA.
        let t = raw
            .trim()
            .trim_start_matches("<!--")
            .trim_end_matches("-->")
            .trim_start_matches("//<![CDATA[")
            .trim_end_matches("//]]>")
            .trim();
        match serde_json::from_str::<Value>(t) {
            Ok(v) => blocks.push(v),
            Err(e) => notes.push(format!(
                "JSON-LD block {} is not valid JSON ({e}); read the markup instead",
                i + 1
            )),
        }
    }
    (blocks, notes)
}

fn type_matches(o: &serde_json::Map<String, Value>, types: &[String]) -> bool {
    let is = |t: &str| {
        let short = t.rsplit('/').next().unwrap_or(t);
        types.iter().any(|want| want == short)
    };
    match o.get("@type") {
        Some(Value::String(t)) => is(t),
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).any(is),
        _ => false,
    }
}

/// Objects of the given schema.org types anywhere in `blocks`, in
/// document order. serde_json stops at 128 levels, so this recursion is
/// bounded.
fn objects_of<'a>(
    v: &'a Value,
    types: &[String],
    out: &mut Vec<&'a serde_json::Map<String, Value>>,
) {
    match v {
        Value::Object(o) => {
            if type_matches(o, types) {
                out.push(o);
            }
            for child in o.values() {
                objects_of(child, types, out);
            }
        }
        Value::Array(a) => {
            for child in a {
                objects_of(child, types, out);
            }
        }
        _ => {}
    }
}

/// True when the JSON-LD holds an object of one of `types`.
pub fn has_types(blocks: &[Value], types: &[String]) -> bool {
    let mut found = Vec::new();
    for b in blocks {
        objects_of(b, types, &mut found);
        if !found.is_empty() {
            return true;
        }
    }
    false
}

/// One post per JSON-LD object of `types` (schema.org `Review`, and
/// anything shaped like it: author, datePublished, reviewBody or text,
/// reviewRating).
pub fn jsonld_posts(
    doc: &Html,
    types: &[String],
    ctx: &date::Context,
    notes: &mut Vec<String>,
) -> Vec<Post> {
    let (blocks, bad) = jsonld_blocks(doc);
    notes.extend(bad);
    let mut objs = Vec::new();
    for b in &blocks {
        objects_of(b, types, &mut objs);
    }
    let mut posts: Vec<Post> = Vec::new();
    for o in objs {
        let mut removed = Vec::new();
        let body = ["reviewBody", "text", "articleBody", "description"]
            .iter()
            .find_map(|k| o.get(*k).and_then(Value::as_str))
            .unwrap_or("");
        // Bodies are text, but some sites put HTML in them.
        let text = if body.contains('<') {
            html_text(body, None, &mut removed).0
        } else {
            text::clean_recorded(body, &mut removed)
        };
        if text.is_empty() {
            continue;
        }
        let rating = o.get("reviewRating").and_then(|r| {
            let value = r
                .get("ratingValue")
                .and_then(value_number)
                .or_else(|| value_number(r))?;
            Some(Rating {
                value,
                best: r.get("bestRating").and_then(value_number).unwrap_or(5.0),
            })
        });
        let published_at: Option<DateTime<FixedOffset>> = ["datePublished", "dateCreated"]
            .iter()
            .find_map(|k| o.get(*k).and_then(value_text))
            .and_then(|d| date::parse(&d, ctx));
        let post = Post {
            author: o.get("author").and_then(value_text),
            published_at,
            text,
            floor: Some(posts.len() as u32 + 1),
            title: o.get("name").and_then(value_text),
            url: o.get("url").and_then(value_text),
            rating,
            removed,
            ..Default::default()
        };
        // The same review listed twice (in @graph and under its product).
        if !posts
            .iter()
            .any(|p| p.text == post.text && p.author == post.author)
        {
            posts.push(post);
        }
    }
    posts
}

/// Reads an RSS or Atom feed: one post per entry, and the entries' links.
pub fn read_feed(
    url: &Url,
    text: &str,
    p: Option<&Profile>,
    _ctx: &date::Context,
) -> Result<Extracted, ExtractError> {
    let feed = feed_rs::parser::parse(text.as_bytes()).map_err(|e| ExtractError::Feed {
        url: url.to_string(),
        message: e.to_string(),
    })?;
    let mut out = Extracted {
        url: url.to_string(),
        profile: p.map_or_else(|| "feed".to_string(), |p| p.name.clone()),
        kind: PageKind::Feed,
        title: feed.title.map(|t| text::collapse(&t.content)),
        lang: feed.language.as_deref().and_then(super::normalize_lang_tag),
        ..Default::default()
    };
    for entry in &feed.entries {
        let link = entry
            .links
            .iter()
            .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
            .or(entry.links.first())
            .and_then(|l| url.join(l.href.trim()).ok())
            .map(|u| u.to_string());
        if let Some(l) = &link {
            out.links.push(l.clone());
        }
        let html = entry
            .content
            .as_ref()
            .and_then(|c| c.body.as_deref())
            .or(entry.summary.as_ref().map(|s| s.content.as_str()))
            .unwrap_or("");
        let mut removed = Vec::new();
        let (body, quote) = html_text(html, p, &mut removed);
        let title = entry.title.as_ref().map(|t| text::collapse(&t.content));
        let body = if body.is_empty() {
            title.clone().unwrap_or_default()
        } else {
            body
        };
        if body.is_empty() {
            continue;
        }
        let published_at = entry.published.or(entry.updated).map(|d| d.fixed_offset());
        out.posts.push(Post {
            author: entry
                .authors
                .first()
                .map(|a| text::collapse(&a.name))
                .filter(|a| !a.is_empty()),
            published_at,
            text: body,
            quote,
            floor: Some(out.posts.len() as u32 + 1),
            title,
            url: link,
            removed,
            ..Default::default()
        });
    }
    Ok(out)
}
