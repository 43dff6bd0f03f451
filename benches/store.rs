//! Store benchmarks (a bench binary, not timed tests):
//!
//! * batched ingest of synthetic mentions (target ≥ 50,000 mentions/s),
//! * a 30-day hourly series for one watch over 1 M stored mentions
//!   (target < 50 ms); `--big` uses 10 M.
//!
//! Run: `cargo bench --bench store` (or `make bench`); `-- --big` for 10 M.

use std::time::Instant;

use chrono::{Duration, TimeZone, Utc};
use earshot::store::{Granularity, MentionQuery, Store};
use earshot_test_utils::synthetic_mention;

fn main() {
    let big = std::env::args().any(|a| a == "--big");
    let total: u64 = std::env::var("EARSHOT_BENCH_MENTIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if big { 10_000_000 } else { 1_000_000 });
    let batch: u64 = 5_000;
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&dir.path().join("bench")).expect("open store");
    // One watch per ~4 days of 7-second spaced mentions; 2 watches.
    let watches = ["云雀", "Lumio"];
    let start = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();

    let t0 = Instant::now();
    let mut report_at = 100_000;
    let (mut gen_time, mut put_time, mut flush_time) = (0.0f64, 0.0f64, 0.0f64);
    let mut i = 0;
    while i < total {
        let tg = Instant::now();
        let ms: Vec<_> = (i..i + batch)
            .map(|n| synthetic_mention(n, &watches, start))
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

    // 30 days of hourly buckets in the middle of the stored range.
    let span_end = start + Duration::seconds(7 * total as i64);
    let from = Granularity::Hour.bucket_start(start + (span_end - start) / 2);
    let to = from + Duration::days(30);
    let mut times = Vec::new();
    for _ in 0..50 {
        let t = Instant::now();
        let s = store
            .series("云雀", Granularity::Hour, from, to)
            .expect("series");
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(s.len(), 720);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "series: 30 days hourly over {total} mentions: median {:.2} ms, max {:.2} ms [target < 50 ms]",
        times[times.len() / 2],
        times[times.len() - 1]
    );
    let t = Instant::now();
    let page = store
        .mentions(&MentionQuery {
            watch: Some("Lumio".into()),
            since: Some(from),
            limit: Some(100),
            ..Default::default()
        })
        .expect("mentions");
    println!(
        "mentions: newest 100 of one watch: {:.2} ms ({} returned)",
        t.elapsed().as_secs_f64() * 1000.0,
        page.len()
    );
    println!(
        "size on disk: {:.0} MB",
        store.stats().map(|s| s.size_on_disk).unwrap_or(0) as f64 / 1e6
    );
}
