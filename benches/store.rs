//! Store benchmarks (a bench binary, not timed tests).
//!
//! `cargo bench --bench store` (or `make bench`): batched ingest of 1 M
//! synthetic mentions (short texts, about 90 characters; target ≥ 50,000
//! mentions/s), a 30-day hourly series of one watch (target < 50 ms) and
//! the newest 100 mentions of a watch.
//!
//! `cargo bench --bench store -- --big`: the agency-scale figures of
//! issue #30 at 1 M mentions whose texts are 200–1,000 characters
//! (uniform, 600 on average; the context 200): ingest/s; bytes on disk per
//! mention after ingest and after a restart (with the time the reopen
//! took); then the reads, once on the store as ingest left it and once
//! after `store compact` (with its bytes per mention): p50/p99 of a
//! watch's 30-day timeline and of its newest 100, a full-text filter over
//! one watch's month, gathering 100,000 mentions for a report; last the
//! RSS and disk of crawl state for 1 M URLs (in a child process).
//!
//! `EARSHOT_BENCH_MENTIONS=N` sets the size; the 10 M run is
//! `benches/store-10m.sh` (its header says how long it takes and how much
//! disk it needs); `EARSHOT_BENCH_URLS` the crawl-state size (`0` skips
//! it); `EARSHOT_BENCH_CACHE_MB` sled's page cache (as `[store]
//! cache_mb`; default [`DEFAULT_CACHE_MB`]). The store lives in a
//! temporary directory under `TMPDIR`.

use std::time::Instant;

use chrono::{DateTime, Duration, TimeZone, Utc};
use earshot::store::compact::dir_size;
use earshot::store::{CrawlState, Granularity, Mention, MentionQuery, Store, DEFAULT_CACHE_MB};
use earshot_test_utils::synthetic_mention;

const WATCHES: [&str; 2] = ["云雀", "Lumio"];

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A cheap deterministic hash (splitmix64).
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// Synthetic mention `i`; with `long`, its text is 200–1,000 characters
/// (uniform), mixed Chinese and English, and its context the first 200.
fn mention(i: u64, start: DateTime<Utc>, long: bool) -> Mention {
    let mut m = synthetic_mention(i, &WATCHES, start);
    if long {
        const WORDS: [&str; 12] = [
            "续航",
            "屏幕",
            "battery",
            "camera",
            "价格",
            "售后",
            "really",
            "快充",
            "系统更新",
            "signal",
            "发热",
            "good",
        ];
        let want = 200 + (mix(i) % 801) as usize;
        let mut text = m.text.clone();
        let mut n = text.chars().count();
        let mut k = mix(i ^ 0xABCD);
        while n < want {
            let w = WORDS[(k % 12) as usize];
            k = mix(k);
            text.push(' ');
            text.push_str(w);
            n += 1 + w.chars().count();
        }
        let text: String = text.chars().take(want).collect();
        m.context = text.chars().take(200).collect();
        m.content_hash = Mention::hash_text(&text);
        m.text = text;
    }
    m
}

/// sled's page cache for the bench's stores, in MiB.
fn cache_mb() -> u64 {
    env_or("EARSHOT_BENCH_CACHE_MB", DEFAULT_CACHE_MB)
}

fn percentile(times: &mut [f64], p: f64) -> f64 {
    times.sort_by(f64::total_cmp);
    let i = ((times.len() as f64 - 1.0) * p).round() as usize;
    times[i]
}

fn rss_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// The child of the crawl-state figure: `urls` URLs with crawl state and a
/// seen-set entry, written as a crawl does (one page at a time), then
/// 100,000 looked up at random; prints RSS and disk.
fn crawl_state_child(urls: u64) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("crawl");
    let store = Store::open_with_cache(&path, cache_mb()).expect("open store");
    let base = rss_kib("VmRSS:");
    let t = Instant::now();
    let now = Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap();
    for i in 0..urls {
        let url = format!(
            "https://bbs{}.example.com/forum.php?mod=viewthread&tid={}&page=1",
            i % 50,
            i
        );
        let state = CrawlState {
            etag: Some(format!("\"{:x}\"", mix(i))),
            last_modified: None,
            content_hash: Some(format!("{:032x}", mix(i) as u128 * 31)),
            charset: Some("utf-8".into()),
            status: 200,
            last_fetch: Some(now),
            next_due: Some(now + Duration::hours(6)),
            links: Vec::new(),
        };
        store.put_crawl_state(&url, &state).expect("crawl state");
        store.mark_reached("bbs", &url, 1).expect("seen");
        if i % 10_000 == 9_999 {
            store.flush().expect("flush");
        }
    }
    store.flush().expect("flush");
    let write_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let mut found = 0;
    for k in 0..100_000u64 {
        let i = mix(k) % urls;
        let url = format!(
            "https://bbs{}.example.com/forum.php?mod=viewthread&tid={}&page=1",
            i % 50,
            i
        );
        found += store.crawl_state(&url).expect("read").is_some() as u64;
    }
    let read_us = t.elapsed().as_secs_f64() * 1e6 / 100_000.0;
    assert_eq!(found, 100_000);
    println!(
        "crawl state: {urls} URLs (state + seen set, cache_mb = {}) written in {write_s:.1} s, lookup {read_us:.1} µs; RSS {:.0} MB (peak {:.0} MB, {:.0} MB before) [target < 300 MB]; disk {:.0} MB",
        cache_mb(),
        rss_kib("VmRSS:") as f64 / 1024.0,
        rss_kib("VmHWM:") as f64 / 1024.0,
        base as f64 / 1024.0,
        dir_size(&path) as f64 / 1e6
    );
}

/// The read figures over the stored `total` mentions; `label` says
/// whether the store was compacted.
fn reads(store: &Store, start: DateTime<Utc>, total: u64, big: bool, label: &str) {
    // 30-day windows of the stored range.
    let span_end = start + Duration::seconds(7 * total as i64);
    let windows = (span_end - start).num_days().max(31) - 30;
    let window = |k: u64| {
        let from = Granularity::Hour
            .bucket_start(start + Duration::days((mix(k) % windows as u64) as i64));
        (from, from + Duration::days(30))
    };
    let runs = if big { 200 } else { 50 };
    let mut times = Vec::new();
    for k in 0..runs {
        let (from, to) = window(k);
        let t = Instant::now();
        let s = store
            .series("云雀", Granularity::Hour, from, to)
            .expect("series");
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(s.len(), 720);
    }
    println!(
        "timeline{label}: one watch, 30 days hourly over {total} mentions: median {:.2} ms, p99 {:.2} ms [target < 50 ms]",
        percentile(&mut times, 0.5),
        percentile(&mut times, 0.99)
    );
    let mut times = Vec::new();
    for k in 0..runs {
        let (_, to) = window(k);
        let t = Instant::now();
        let page = store
            .mentions(&MentionQuery {
                watch: Some("Lumio".into()),
                until: Some(to),
                limit: Some(100),
                ..Default::default()
            })
            .expect("mentions");
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(page.len(), 100);
    }
    println!(
        "newest 100 of one watch{label}: median {:.2} ms, p99 {:.2} ms [target < 10 ms]",
        percentile(&mut times, 0.5),
        percentile(&mut times, 0.99)
    );
    if !big {
        return;
    }
    let mut times = Vec::new();
    let mut hits = 0;
    let mut scanned = 0;
    for k in 0..5 {
        let (from, to) = window(k);
        let t = Instant::now();
        let month = store
            .mentions(&MentionQuery {
                watch: Some("云雀".into()),
                since: Some(from),
                until: Some(to),
                ..Default::default()
            })
            .expect("mentions");
        scanned = month.len();
        hits = month
            .iter()
            .filter(|m| m.text.contains("系统更新 发热"))
            .count();
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    println!(
        "full-text filter over one watch's month{label} ({scanned} mentions read, {hits} match): median {:.0} ms",
        percentile(&mut times, 0.5)
    );
    let (from, _) = window(7);
    let to = from + Duration::seconds(7 * 100_000);
    let t = Instant::now();
    let found = store
        .mentions_between(from, to, &|m| {
            m.watches.iter().any(|w| WATCHES.contains(&w.as_str()))
        })
        .expect("gather");
    println!(
        "report gathering{label}: {} mentions (one sequential read of the period, as `earshot report` does): {:.0} ms",
        found.len(),
        t.elapsed().as_secs_f64() * 1000.0
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--crawl-state-child") {
        let urls = args
            .get(i + 1)
            .and_then(|v| v.parse().ok())
            .unwrap_or(1_000_000);
        crawl_state_child(urls);
        return;
    }
    let run = Instant::now();
    let big = args.iter().any(|a| a == "--big");
    let total = env_or("EARSHOT_BENCH_MENTIONS", 1_000_000);
    let batch: u64 = 5_000;
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("bench");
    let mut store = Store::open_with_cache(&path, cache_mb()).expect("open store");
    let start = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    if big {
        println!("texts: 200-1000 characters (uniform, mean 600), context 200; {total} mentions, 2 watches, one every 7 s");
    } else {
        println!("texts: about 90 characters; {total} mentions, 2 watches, one every 7 s");
    }

    let t0 = Instant::now();
    let mut report_at = 100_000;
    let (mut gen_time, mut put_time, mut flush_time) = (0.0f64, 0.0f64, 0.0f64);
    let mut i = 0;
    while i < total {
        let tg = Instant::now();
        let ms: Vec<_> = (i..(i + batch).min(total))
            .map(|n| mention(n, start, big))
            .collect();
        gen_time += tg.elapsed().as_secs_f64();
        let tp = Instant::now();
        store.put_mentions(&ms, None).expect("ingest");
        put_time += tp.elapsed().as_secs_f64();
        let tf = Instant::now();
        store.flush().expect("flush");
        flush_time += tf.elapsed().as_secs_f64();
        i += batch;
        if i >= report_at {
            let rate = i as f64 / t0.elapsed().as_secs_f64();
            eprintln!("  {i} mentions stored, {rate:.0} mentions/s so far");
            report_at *= 2;
        }
    }
    let secs = t0.elapsed().as_secs_f64();
    println!(
        "  time: generating {gen_time:.1} s, put_mentions {put_time:.1} s, flush {flush_time:.1} s"
    );
    println!(
        "ingest: {total} mentions in batches of {batch} (flushed per batch): {:.1} s, {:.0} mentions/s [target >= 50000]",
        secs,
        total as f64 / secs
    );
    let per = |bytes: u64| bytes as f64 / total as f64;
    println!(
        "size on disk after ingest: {:.0} MB, {:.0} bytes per mention",
        dir_size(&path) as f64 / 1e6,
        per(dir_size(&path))
    );
    if big {
        drop(store);
        let t = Instant::now();
        store = Store::open_existing_with_cache(&path, cache_mb()).expect("reopen");
        println!(
            "size on disk after a restart (opened in {:.1} s): {:.0} bytes per mention",
            t.elapsed().as_secs_f64(),
            per(dir_size(&path))
        );
    }

    let label = if big { ", before compaction" } else { "" };
    reads(&store, start, total, big, label);
    if big {
        drop(store);
        let t = Instant::now();
        let r = Store::compact(&path, false).expect("compact");
        println!(
            "size on disk after `store compact` ({:.1} s): {:.0} MB, {:.0} bytes per mention [target <= 600]",
            t.elapsed().as_secs_f64(),
            r.bytes_after as f64 / 1e6,
            per(r.bytes_after)
        );
        store = Store::open_existing_with_cache(&path, cache_mb()).expect("reopen");
        reads(&store, start, total, big, ", after compaction");
    }
    eprintln!(
        "  mentions and reads done after {:.0} s",
        run.elapsed().as_secs_f64()
    );
    if !big {
        return;
    }
    drop(store);
    let urls = env_or("EARSHOT_BENCH_URLS", 1_000_000);
    if urls == 0 {
        println!("crawl state: skipped (EARSHOT_BENCH_URLS=0)");
        return;
    }
    let out = std::process::Command::new(std::env::current_exe().expect("exe"))
        .args(["--crawl-state-child", &urls.to_string()])
        .output()
        .expect("crawl-state child");
    print!("{}", String::from_utf8_lossy(&out.stdout));
    if !out.status.success() {
        eprintln!("{}", String::from_utf8_lossy(&out.stderr));
    }
}
