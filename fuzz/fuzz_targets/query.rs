//! The watch query parser and matcher must never panic, whatever the query.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    if let Ok(q) = earshot::watch::query::Query::parse(s) {
        let w = earshot::watch::WatchConfig {
            name: "w".into(),
            query: Some(s.to_string()),
            ..Default::default()
        };
        if let Ok(m) = earshot::watch::Matcher::new(&[w]) {
            let _ = m.find(&earshot::watch::Doc {
                title: s,
                text: "云雀 Lumio 華為 ＬＵＭＩＯ apple pineapple 招聘 job opening",
                ..Default::default()
            });
        }
        let _ = q.positive_terms();
    }
});
