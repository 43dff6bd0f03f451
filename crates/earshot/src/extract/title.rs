//! The headline of an article page for the generic extractor: og:title, a
//! heading `<title>` agrees with (never the site's logo), or `<title>`
//! without its site suffix.

use scraper::Html;

use super::{select_first, text};

/// Page title: og:title; else the headline nearest the body that `<title>`
/// agrees with (an `<h1>`, then an `<h2>`: their first line, since some
/// templates put the date line inside after a `<br>`); else `<title>`
/// without its ` - section - site` suffix. A heading that is the site's
/// logo (a link to the home or a section page, or the site name `<title>`
/// ends with) is never the headline.
pub fn title(doc: &Html) -> Option<String> {
    if let Some(t) = select_first(
        doc.root_element(),
        &["meta[property='og:title']@content".into()],
    ) {
        return Some(t);
    }
    let page = select_first(doc.root_element(), &["title".into()]);
    let site = page.as_deref().and_then(site_name);
    // `<title>`'s middle parts: the sections (`帖子 - 星舟耳机 - 耳机之家`); a
    // heading that is one names a section (the last part, the site, is
    // `site`; a headline may be the last part after the site's name).
    let sections: Vec<String> = page
        .as_deref()
        .map(later_parts)
        .map(|mut p| {
            p.pop();
            p
        })
        .unwrap_or_default();
    let headings = |tag: &str| -> Vec<String> {
        let Some(sel) = super::css(tag) else {
            return Vec::new();
        };
        doc.select(&sel)
            .filter(|h| !is_logo(*h))
            .map(first_line)
            .filter(|t| t.chars().count() >= 4 && Some(t.as_str()) != site.as_deref())
            .filter(|t| !sections.contains(t))
            .collect()
    };
    let (h1, h2) = (headings("h1"), headings("h2"));
    match &page {
        Some(p) => h1
            .iter()
            .chain(&h2)
            .find(|h| p.contains(h.as_str()))
            .cloned()
            .or_else(|| Some(strip_site_suffix(&without_site_prefix(doc, p)))),
        None => h1.into_iter().next(),
    }
}

/// A heading that is the site's logo: its text is one link to the home page
/// or a section's front page (`/`, `/news/`, `/index.html`).
fn is_logo(h: scraper::ElementRef<'_>) -> bool {
    let Some(a) = super::css("a").and_then(|s| h.select(&s).next()) else {
        return false;
    };
    let text = |e: scraper::ElementRef<'_>| text::collapse(&e.text().collect::<String>());
    if text(a).trim() != text(h).trim() {
        return false;
    }
    let href = a.value().attr("href").unwrap_or("").trim();
    let path = match url::Url::parse(href) {
        Ok(u) => u.path().to_string(),
        Err(_) => href.split(['?', '#']).next().unwrap_or("").to_string(),
    };
    let path = path
        .trim_end_matches("index.html")
        .trim_end_matches("index.htm")
        .trim_end_matches("index.php");
    path.is_empty() || (path.ends_with('/') && path.trim_matches('/').split('/').count() <= 1)
}

const SEPARATORS: [&str; 6] = [" -- ", " - ", " | ", "_", " — ", " – "];

/// `<title>`'s parts after the first, split at its separators.
fn later_parts(page: &str) -> Vec<String> {
    let mut parts: Vec<&str> = vec![page];
    for sep in SEPARATORS {
        parts = parts.iter().flat_map(|p| p.split(sep)).collect();
    }
    parts
        .iter()
        .skip(1)
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

/// `数码茶馆 -- 青禾 Q7 平板充电发烫` → `青禾 Q7 平板充电发烫`: a `<title>` that
/// opens with the site's name, as a link to the home page shows it (its
/// text or its logo's `alt`), without it.
fn without_site_prefix(doc: &Html, page: &str) -> String {
    let Some((i, sep)) = SEPARATORS
        .iter()
        .filter_map(|sep| page.find(sep).map(|i| (i, *sep)))
        .min_by_key(|(i, sep)| (*i, usize::MAX - sep.len()))
    else {
        return page.to_string();
    };
    let (first, rest) = (page[..i].trim(), page[i + sep.len()..].trim());
    if first.is_empty() || rest.chars().count() < 4 {
        return page.to_string();
    }
    let Some(a) = super::css("a[href]") else {
        return page.to_string();
    };
    let home = doc
        .select(&a)
        .filter(|a| is_home(a.value().attr("href").unwrap_or("")))
        .any(|a| {
            text::collapse(&a.text().collect::<String>()).trim() == first
                || super::css("img[alt]").is_some_and(|img| {
                    a.select(&img)
                        .any(|i| i.value().attr("alt").is_some_and(|alt| alt.trim() == first))
                })
        });
    if home {
        rest.to_string()
    } else {
        page.to_string()
    }
}

/// A link to the site's home page: `/`, `index.asp`, `https://host/`.
fn is_home(href: &str) -> bool {
    let href = href.trim();
    let path = match url::Url::parse(href) {
        Ok(u) => u.path().to_string(),
        Err(_) => href.split(['?', '#']).next().unwrap_or("").to_string(),
    };
    let path = path.trim_start_matches("./");
    path.is_empty()
        || path == "/"
        || ["index.", "/index.", "default.", "/default."]
            .iter()
            .any(|p| path.starts_with(p) && !path[p.len()..].contains('/'))
}

/// The site's name as `<title>` ends with it: `…_新品速递_数码天天看` →
/// `数码天天看`, `Night buses | Example News` → `Example News`.
fn site_name(page: &str) -> Option<String> {
    let cut = [" - ", " | ", "_", " — ", " – "]
        .iter()
        .filter_map(|sep| page.rfind(sep).map(|i| i + sep.len()))
        .max()?;
    let name = page[cut..].trim();
    (!name.is_empty()).then(|| name.to_string())
}

/// The text of `el` up to its first `<br>` or block child, collapsed.
fn first_line(el: scraper::ElementRef<'_>) -> String {
    let mut out = String::new();
    for node in el.descendants() {
        if let Some(e) = node.value().as_element() {
            if matches!(e.name(), "br" | "p" | "div" | "span" | "small" | "time")
                && !out.trim().is_empty()
            {
                break;
            }
        } else if let Some(t) = node.value().as_text() {
            out.push_str(t);
        }
    }
    text::collapse(&out).trim().to_string()
}

/// `星舟 S3 耳机… - 数码资讯 - 电子产品网` → `星舟 S3 耳机…`: the first part
/// before a ` - `, ` | `, `_` or ` — ` separator, when it is long enough to
/// be a headline.
fn strip_site_suffix(t: &str) -> String {
    let cut = [" - ", " | ", "_", " — ", " – "]
        .iter()
        .filter_map(|sep| t.find(sep))
        .min();
    match cut {
        Some(i) if t[..i].trim().chars().count() >= 8 => t[..i].trim().to_string(),
        _ => t.trim().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_come_from_the_headline_not_its_date_line_or_the_site_name() {
        let doc = Html::parse_document(
            "<html><head><title>新品发布 - 数码资讯 - 电子产品网</title></head><body>\
             <h1>新品发布<br><span>2026-11-22 13:05 来源：某站</span></h1><p>正文</p></body></html>",
        );
        assert_eq!(title(&doc).as_deref(), Some("新品发布"));
        let doc = Html::parse_document(
            "<html><head><title>星舟耳机遭曝掉线 厂家回应_新品速递_数码天天看</title></head><body>\
             <h1><a href=\"/\"><img alt=\"数码天天看\"></a></h1><h2>星舟耳机遭曝掉线 厂家回应</h2></body></html>",
        );
        assert_eq!(title(&doc).as_deref(), Some("星舟耳机遭曝掉线 厂家回应"));
        assert_eq!(strip_site_suffix("Short | Site"), "Short | Site");
        // The site's logo in an <h1> linking home, the headline in an <h2>.
        let doc = Html::parse_document(
            "<html><head><title>云雀平板被曝屏幕漏光 售后称属正常现象_快讯_数码晚报</title></head><body>\
             <div class=\"logo\"><h1><a href=\"/kb/\">数码晚报</a></h1></div>\
             <div class=\"art\"><h2>云雀平板被曝屏幕漏光 售后称属正常现象</h2><p>正文</p></div></body></html>",
        );
        assert_eq!(
            title(&doc).as_deref(),
            Some("云雀平板被曝屏幕漏光 售后称属正常现象")
        );
        // A logo heading whose name is not in <title>: still not the headline.
        let doc = Html::parse_document(
            "<html><head><title>Lumio lamps recalled after fires</title></head><body>\
             <h1><a href=\"https://example.test/\">Daily Lamp News</a></h1>\
             <h2>Lumio lamps recalled after fires</h2></body></html>",
        );
        assert_eq!(
            title(&doc).as_deref(),
            Some("Lumio lamps recalled after fires")
        );
        // A section's name in an <h2> that <title> has in its middle (a
        // Discuz! mobile thread's forum link) is no headline.
        let doc = Html::parse_document(
            "<html><head><title>S3 用了半年，说说电池衰减 - 星舟耳机 - 耳机之家手机版 - Powered by Discuz!</title></head><body>\
             <h2><a href=\"forum.php?mod=forumdisplay&amp;fid=38\">星舟耳机</a></h2>\
             <div class=\"view_tit\">S3 用了半年，说说电池衰减</div></body></html>",
        );
        assert_eq!(title(&doc).as_deref(), Some("S3 用了半年，说说电池衰减"));
        // `<title>` opening with the site's name, as its home link shows it.
        let doc = Html::parse_document(
            "<html><head><title>数码茶馆 -- 青禾 Q7 平板充电发烫，正常吗？</title></head><body>\
             <a href=\"index.asp\"><img src=\"logo.gif\" alt=\"数码茶馆\"></a><p>正文</p></body></html>",
        );
        assert_eq!(
            title(&doc).as_deref(),
            Some("青禾 Q7 平板充电发烫，正常吗？")
        );
        // Without a home link of that name, the title stays whole.
        let doc = Html::parse_document(
            "<html><head><title>数码茶馆 -- 青禾 Q7 平板充电发烫，正常吗？</title></head><body><p>正文</p></body></html>",
        );
        assert_eq!(
            title(&doc).as_deref(),
            Some("数码茶馆 -- 青禾 Q7 平板充电发烫，正常吗？")
        );
        // A headline that links to itself is still the headline.
        let doc = Html::parse_document(
            "<html><head><title>Lumio Aura review: bright, but the app is bad - Blog</title></head><body>\
             <h1><a href=\"/2026/11/lumio-aura-review/\">Lumio Aura review: bright, but the app is bad</a></h1></body></html>",
        );
        assert_eq!(
            title(&doc).as_deref(),
            Some("Lumio Aura review: bright, but the app is bad")
        );
    }
}
