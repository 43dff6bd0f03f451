//! kill -9 at random points must never lose an acknowledged batch nor
//! corrupt the store. A child `earshot debug-ingest` stores the synthetic
//! mentions we write to its stdin in batches and prints `ack N` once batch
//! N is durable; we SIGKILL it after a random delay, reopen the store and
//! check it. More trials: EARSHOT_CRASH_TRIALS.

use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use earshot::store::{Mention, Post, Store};
use earshot_test_utils::synthetic_mention;
use rand::{Rng, SeedableRng};

const BATCH: u64 = 150;
const WATCHES: [&str; 3] = ["云雀", "Lumio", "Northwind"];

#[test]
fn kill_9_loses_no_acknowledged_mention() {
    let trials: usize = std::env::var("EARSHOT_CRASH_TRIALS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let seed: u64 = std::env::var("EARSHOT_CRASH_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x0EA5);
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    let start = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let mut next_batch = 0u64; // first batch not yet acknowledged
    let mut checked_upto = 0u64;
    let mut kills_mid_run = 0;

    for trial in 0..trials {
        let mut child = crate::util::earshot()
            .arg("--store")
            .arg(&path)
            .args([
                "debug-ingest",
                "--batch-size",
                &BATCH.to_string(),
                "--start",
                &next_batch.to_string(),
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn earshot");
        // Mentions from the first unacknowledged batch on, until the kill
        // breaks the pipe.
        let mut stdin = child.stdin.take().unwrap();
        let first_mention = next_batch * BATCH;
        let writer = std::thread::spawn(move || {
            for i in first_mention.. {
                let m = synthetic_mention(i, &WATCHES, start);
                let line = serde_json::to_string(&m).unwrap();
                if writeln!(stdin, "{line}").is_err() {
                    break;
                }
            }
        });
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(n) = line
                    .strip_prefix("ack ")
                    .and_then(|n| n.parse::<u64>().ok())
                {
                    let _ = tx.send(n);
                }
            }
        });
        // Wait for the first ack (the store is open and writing), then kill
        // after a random delay so the kill lands anywhere in a batch.
        let first = rx.recv_timeout(Duration::from_secs(30));
        std::thread::sleep(Duration::from_millis(rng.gen_range(0..120)));
        child.kill().expect("kill -9");
        let status = child.wait().unwrap();
        reader.join().unwrap();
        writer.join().unwrap();
        let mut acked: Vec<u64> = first.into_iter().collect();
        acked.extend(rx.try_iter());
        if status.code().is_none() {
            kills_mid_run += 1;
        } else {
            let mut err = String::new();
            std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
            panic!("trial {trial}: child exited on its own ({status}): {err}");
        }
        if let Some(&last) = acked.iter().max() {
            assert_eq!(
                acked.first().copied(),
                Some(next_batch),
                "acks start at the first batch"
            );
            next_batch = last + 1;
        }

        let store = Store::open_existing(&path)
            .unwrap_or_else(|e| panic!("trial {trial}: store does not reopen: {e}"));
        let problems = store.verify().unwrap();
        assert!(problems.is_empty(), "trial {trial}: {problems:?}");
        let acked_mentions = next_batch * BATCH;
        let n = store.mention_count().unwrap();
        // The batch in flight at the kill is all there or not at all.
        assert!(
            n == acked_mentions || n == acked_mentions + BATCH,
            "trial {trial}: {n} mentions, {acked_mentions} acknowledged"
        );
        for i in checked_upto * BATCH..acked_mentions {
            let m = synthetic_mention(i, &WATCHES, start);
            assert_eq!(
                store.get_mention(m.id).unwrap().as_ref(),
                Some(&m),
                "trial {trial}: mention {i} lost"
            );
        }
        checked_upto = next_batch;
    }
    assert_eq!(kills_mid_run, trials);
    assert!(
        next_batch >= trials as u64,
        "every trial acknowledged at least one batch"
    );
}

/// Old mentions (800 days ago) and new ones (the last 10 days), with their
/// posts, written through the store API into a fresh store at `path`.
fn old_and_new(path: &std::path::Path, old: u64, new: u64) -> (Vec<Mention>, Vec<Mention>) {
    let now = Utc::now();
    let old_start = now - chrono::Duration::days(800);
    let new_start = now - chrono::Duration::days(10);
    let olds: Vec<Mention> = (0..old)
        .map(|i| synthetic_mention(i, &WATCHES, old_start))
        .collect();
    let news: Vec<Mention> = (old..old + new)
        .map(|i| synthetic_mention(i, &WATCHES, new_start))
        .collect();
    let store = Store::open(path).unwrap();
    for chunk in olds.chunks(500).chain(news.chunks(500)) {
        let posts: Vec<Post> = chunk.iter().map(post_of).collect();
        store.put_page(chunk, &posts, None).unwrap();
    }
    store.flush().unwrap();
    (olds, news)
}

fn post_of(m: &Mention) -> Post {
    Post {
        id: m.post_id,
        url: m.url.clone(),
        canonical_url: m.canonical_url.clone(),
        source: m.source.clone(),
        site: m.site.clone(),
        author: m.author.clone(),
        published_at: m.published_at,
        fetched_at: m.fetched_at,
        title: m.title.clone(),
        has_title: false,
        text: m.text.clone(),
        lang: m.lang.clone(),
        flags: Vec::new(),
        floor: m.floor,
        rating: None,
    }
}

/// Runs `earshot --store PATH ARGS`, kills it with SIGKILL after `delay`
/// (if it is still running); true when the kill landed.
fn kill_after(path: &std::path::Path, args: &[&str], delay: Duration) -> bool {
    let mut child = crate::util::earshot()
        .arg("--store")
        .arg(path)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn earshot");
    std::thread::sleep(delay);
    let _ = child.kill();
    let out = child.wait_with_output().unwrap();
    if let Some(code) = out.status.code() {
        assert_eq!(
            code,
            0,
            "{args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        return false;
    }
    true
}

/// Every mention of `all` is in the store, unchanged; the store verifies.
fn check_whole(path: &std::path::Path, all: &[Mention], what: &str) {
    let store =
        Store::open_existing(path).unwrap_or_else(|e| panic!("{what}: store does not reopen: {e}"));
    let problems = store.verify().unwrap();
    assert!(problems.is_empty(), "{what}: {problems:?}");
    assert_eq!(
        store.counters().unwrap(),
        store.recount().unwrap(),
        "{what}"
    );
    for m in all {
        assert_eq!(
            store.get_mention(m.id).unwrap().as_ref(),
            Some(m),
            "{what}: mention {} lost",
            m.id
        );
    }
}

#[test]
fn kill_9_during_compaction_loses_nothing() {
    let trials: usize = std::env::var("EARSHOT_CRASH_TRIALS")
        .ok()
        .and_then(|v| v.parse().ok())
        .map(|n: usize| n.div_ceil(4))
        .unwrap_or(5);
    let mut rng = rand::rngs::StdRng::seed_from_u64(0xC0DA);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    let (olds, news) = old_and_new(&path, 6000, 2000);
    let all: Vec<Mention> = olds.into_iter().chain(news).collect();
    // How long one compaction takes here, to spread the kills over it.
    let t = std::time::Instant::now();
    let out = crate::util::run(&path, &["store", "compact"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let whole = t.elapsed().max(Duration::from_millis(200));
    check_whole(&path, &all, "after a compaction");
    let mut kills = 0;
    for trial in 0..trials {
        let delay = whole.mul_f64(rng.gen_range(0.05..1.0));
        if kill_after(&path, &["store", "compact"], delay) {
            kills += 1;
        }
        check_whole(
            &path,
            &all,
            &format!("compaction trial {trial} ({delay:?})"),
        );
    }
    assert!(kills > 0, "no kill landed during a compaction");
    // What the kills left beside the store is cleaned up by the next one.
    let out = crate::util::run(&path, &["store", "compact", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    check_whole(&path, &all, "after the last compaction");
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != "store" && !n.contains("before-compact-"))
        .collect();
    assert!(left.is_empty(), "left beside the store: {left:?}");
}

#[test]
fn kill_9_during_retention_loses_no_kept_mention() {
    let trials: usize = std::env::var("EARSHOT_CRASH_TRIALS")
        .ok()
        .and_then(|v| v.parse().ok())
        .map(|n: usize| n.div_ceil(4))
        .unwrap_or(5);
    let mut rng = rand::rngs::StdRng::seed_from_u64(0x0DD5);
    let dir = tempfile::tempdir().unwrap();
    let args = ["store", "prune", "--keep", "365d", "--batch", "40"];
    // Each trial kills a retention run on a store of its own, at a random
    // point of a whole run's duration here (measured first): a trial that
    // went on where the last one stopped would find less and less to do,
    // and the kills would miss on a fast machine.
    let fresh = |k: usize| {
        let path = dir.path().join(format!("store-{k}"));
        let (olds, news) = old_and_new(&path, 6000, 1500);
        (path, olds, news)
    };
    let (path, _, news) = fresh(0);
    let t = std::time::Instant::now();
    let out = crate::util::run(&path, &args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let whole = t.elapsed().max(Duration::from_millis(200));
    check_whole(&path, &news, "after a whole retention run");
    let (mut path, mut olds, mut news) = (path, Vec::new(), news);
    let mut kills = 0;
    for trial in 0..trials {
        (path, olds, news) = fresh(trial + 1);
        let delay = whole.mul_f64(rng.gen_range(0.05..0.9));
        if kill_after(&path, &args, delay) {
            kills += 1;
        }
        check_whole(
            &path,
            &news,
            &format!("retention trial {trial} ({delay:?})"),
        );
        let store = Store::open_existing(&path).unwrap();
        let left = store.mention_count().unwrap() - news.len() as u64;
        // Oldest first: what is left of the old ones is their newest end.
        for (i, m) in olds.iter().enumerate() {
            let kept = store.get_mention(m.id).unwrap().is_some();
            assert_eq!(
                kept,
                i as u64 >= olds.len() as u64 - left,
                "trial {trial}: old mention {i}"
            );
        }
    }
    assert!(kills > 0, "no kill landed during retention");
    // Finished: every old mention and post gone, every new one kept.
    let out = crate::util::run(&path, &args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    check_whole(&path, &news, "after retention");
    let store = Store::open_existing(&path).unwrap();
    assert_eq!(store.mention_count().unwrap(), news.len() as u64);
    for m in &olds {
        assert_eq!(store.get_mention(m.id).unwrap(), None);
        assert_eq!(store.get_post(m.post_id).unwrap(), None);
    }
    for m in &news {
        assert!(store.get_post(m.post_id).unwrap().is_some());
    }
}
