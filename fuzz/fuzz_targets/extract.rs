//! Extraction must never panic: any bytes, decoded as the crawler does.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (text, _) = earshot::fetch::decode(data, None);
    let url = url::Url::parse("http://bbs.example.test/thread-1-1-1.html").expect("static url");
    let _ = earshot::extract::extract(&url, &text, None, chrono_tz::Asia::Shanghai, chrono::Utc::now());
    let url = url::Url::parse("http://blog.example.test/2026/11/post/").expect("static url");
    let _ = earshot::extract::extract(&url, &text, Some("wordpress"), chrono_tz::UTC, chrono::Utc::now());
});
