//! Which language a dashboard request is answered in. The words live in
//! the library's table (`earshot::report::DashStrings`); this only picks:
//! `?lang=` (the EN / 中文 switch, remembered in a cookie), then that
//! cookie, then `[serve] language`, then the browser's `Accept-Language`.

use axum::http::{header, HeaderMap, HeaderValue};
use earshot::report::Language;
use maud::{html, Markup};

use super::Shared;

/// The cookie the language switch sets.
pub(super) const COOKIE: &str = "earshot_lang";

/// `?lang=` on any dashboard page.
#[derive(Debug, Default, serde::Deserialize)]
pub(super) struct LangQuery {
    lang: Option<String>,
}

/// The language of this request, and the cookie to set when the viewer
/// switched with `?lang=`.
pub(super) fn pick(
    state: &Shared,
    headers: &HeaderMap,
    q: &LangQuery,
) -> (Language, Option<HeaderValue>) {
    if let Some(l) = q.lang.as_deref().and_then(|l| l.parse::<Language>().ok()) {
        let secure = if state.config.serve.secure_cookie {
            "; Secure"
        } else {
            ""
        };
        let cookie = format!(
            "{COOKIE}={}; SameSite=Lax; Path=/; Max-Age=31536000{secure}",
            l.tag()
        );
        return (l, HeaderValue::from_str(&cookie).ok());
    }
    (from_headers(state, headers), None)
}

/// The language without a switch in the query: cookie, config, browser.
pub(super) fn from_headers(state: &Shared, headers: &HeaderMap) -> Language {
    let cookie = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .and_then(|(_, v)| v.parse::<Language>().ok());
    cookie
        .or_else(|| state.config.serve.fixed_language())
        .unwrap_or_else(|| {
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .map(Language::from_accept_language)
                .unwrap_or_default()
        })
}

/// The language switch (EN / 中文): links to this page with `?lang=`,
/// keeping its filters (`qs`); the current language is not a link.
pub(super) fn switch(lang: Language, qs: &str) -> Markup {
    let sep = if qs.is_empty() { "" } else { "&" };
    html! {
        span.lang-switch title=(lang.dash().language) {
            @for (l, name) in [(Language::En, "EN"), (Language::ZhCn, "中文")] {
                @if l == lang { strong lang=(l.tag()) { (name) } }
                @else { a lang=(l.tag()) href={"?" (qs) (sep) "lang=" (l.tag())} { (name) } }
                " "
            }
        }
    }
}
