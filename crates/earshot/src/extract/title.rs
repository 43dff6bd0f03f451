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
    let headings = |tag: &str| -> Vec<String> {
        let Some(sel) = super::css(tag) else {
            return Vec::new();
        };
        doc.select(&sel)
            .filter(|h| !is_logo(*h))
            .map(first_line)
            .filter(|t| t.chars().count() >= 4 && Some(t.as_str()) != site.as_deref())
            .collect()
    };
    let (h1, h2) = (headings("h1"), headings("h2"));
    match &page {
        Some(p) => h1
            .iter()
            .chain(&h2)
            .find(|h| p.contains(h.as_str()))
            .cloned()
            .or_else(|| Some(strip_site_suffix(p))),
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
