//! Extraction must never panic: any bytes, decoded as the crawler does,
//! through every way a page is chosen (URL patterns of each profile, the
//! generic extractor, feeds, JSON, forced profiles).
#![no_main]

use libfuzzer_sys::fuzz_target;

const URLS: &[&str] = &[
    "http://bbs.example.test/thread-1-1-1.html",
    "http://bbs.example.test/forum-2-1.html",
    "https://forum.example.test/viewtopic.php?t=1",
    "https://community.example.test/t/slug/1.json",
    "http://qa.example.test/question-1.html",
    "https://news.example.test/2026/11/article.html",
];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let (text, _) = earshot::fetch::decode(bytes, None);
    let now = chrono::DateTime::from_timestamp(1_795_000_000, 0).unwrap_or_default();
    let url = url::Url::parse(URLS[selector as usize % URLS.len()]).expect("static url");
    let _ = earshot::extract::extract(&url, &text, None, chrono_tz::Asia::Shanghai, now);
    let names = earshot::extract::Profile::names();
    if !names.is_empty() {
        let forced = &names[(selector as usize / URLS.len()) % names.len()];
        let _ = earshot::extract::extract(&url, &text, Some(forced), chrono_tz::UTC, now);
    }
    // Dates on their own: the first line of the input.
    if let Some(line) = text.lines().next() {
        let ctx = earshot::extract::date::Context {
            tz: chrono_tz::Asia::Shanghai,
            now,
        };
        let _ = earshot::extract::date::parse(line, &ctx);
    }
});
