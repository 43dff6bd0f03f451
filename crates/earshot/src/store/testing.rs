//! Deterministic data for tests and benchmarks. Compiled only for the
//! library's own tests and with the `test-utils` feature (which
//! `earshot-test-utils` turns on): never in the `earshot` binary.

use chrono::{DateTime, Duration, Utc};

use super::{Label, Mention, Sentiment};

/// A deterministic synthetic mention, for tests, benchmarks and the crash
/// soak: mention `i` of watch `i % watches.len()`, one every 7 seconds from
/// `start`, sentiment cycling through the labels, every 50th flagged spam.
pub fn synthetic_mention(i: u64, watches: &[&str], start: DateTime<Utc>) -> Mention {
    let watch = watches[(i as usize) % watches.len().max(1)].to_string();
    let label = [
        Label::Negative,
        Label::Neutral,
        Label::Positive,
        Label::Positive,
    ][((i / 3) % 4) as usize];
    let url = format!("https://bbs.example.com/thread-{}-1-1.html", i / 20);
    let text = format!(
        "第{i}楼：{watch} 的新手机续航怎么样？用了一周，感觉还行。Battery life is fine, post {i}."
    );
    let post_id = Mention::make_id(&url, (i % 20) as u32);
    Mention {
        id: Mention::watch_id(post_id, &watch),
        canonical_url: url.clone(),
        url,
        source: "synthetic".into(),
        site: "bbs.example.com".into(),
        author: Some(format!("user{}", i % 997)),
        published_at: Some((start + Duration::seconds(7 * i as i64)).fixed_offset()),
        fetched_at: start + Duration::seconds(7 * i as i64 + 60),
        title: Some(format!("thread {}", i / 20)),
        context: text.clone(),
        content_hash: Mention::hash_text(&text),
        text,
        lang: Some("zh-Hans".into()),
        watches: vec![watch],
        sentiment: (i % 10 != 9).then(|| Sentiment {
            label,
            score: match label {
                Label::Negative => -0.8,
                Label::Neutral => 0.0,
                Label::Positive => 0.7,
            },
            probs: [0.1, 0.2, 0.7],
            model: "synthetic".into(),
        }),
        cluster_id: None,
        spam: (i % 50 == 49).then(|| "synthetic spam".to_string()),
        flags: Vec::new(),
        floor: Some((i % 20) as u32 + 1),
        post_id,
        rating: None,
    }
}

/// Opens a store's sled database directly, with the segment size it was
/// created with: for tests that damage records or fake a newer format.
/// sled's flusher thread lets go of the file lock a moment after a store
/// is dropped, so this waits up to 10 s for a lock held in this process.
pub fn open_raw_sled(path: &std::path::Path) -> Result<sled::Db, sled::Error> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        match super::engine::sled_config(path).open() {
            Err(sled::Error::Io(e))
                if e.to_string().contains("could not acquire lock")
                    && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            other => return other,
        }
    }
}
