//! A page too large for one message through a fetch worker and **two**
//! score-only workers, against a real `nats-server -js -m`: its result
//! goes in self-contained parts (each some posts with their mentions, and
//! some links), any score-only worker scores any part on its own, and the
//! coordinator stores the page once all parts are back. Before (protocol
//! 3, byte pieces of the page's JSON) the two workers each held pieces
//! they could not use, and the page was scored only after JetStream gave
//! the held pieces again, an `ack_wait` later.

use std::time::{Duration, Instant};

use earshot::store::{MentionQuery, Store};
use earshot_test_utils::server::{start, Handler};

use crate::fleet::{finish, Proc};
use crate::fleet_gaps::phpbb_topic;
use crate::fleet_score::{count, stop};

/// The mentions a score-only worker says it scored (its last line:
/// `… 3 pages scored (75 mentions in 3 batches, …)`).
fn mentions_scored(stderr: &str) -> u64 {
    let line = stderr
        .lines()
        .rev()
        .find(|l| l.contains("pages scored ("))
        .unwrap_or_else(|| panic!("no summary in: {stderr}"));
    line.split_once("pages scored (")
        .and_then(|(_, rest)| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{line}"))
}
use crate::fleet_sources::{nats, stream_state, waiting};

const MODEL: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/models/sentiment");

/// Posts on the page, each naming the lamp once in a long post: about
/// 4 KB of JSON per post with its mention, 0.6 MB in all.
const POSTS: usize = 150;
/// Links of each post to its notes (0.2 MB more).
const NOTES: usize = 12;
/// Long, so that a part not scored at once would show: JetStream gives a
/// held message again only after this.
const ACK_WAIT_S: u64 = 60;

/// A phpBB topic at /viewtopic.php?t=1 of `POSTS` long posts.
fn long_topic() -> Handler {
    let filler = "The desk faces the window, the chair is new, and the shelf above holds the \
                  manuals of everything else in the room, which nobody has read. "
        .repeat(8);
    phpbb_topic(POSTS, move |i| {
        format!(
            "Reply {i}. {filler} My Lumio Aura number {i} has {} on its dimmer; {}. {filler}{}",
            if i % 2 == 0 { "a smooth, quiet feel, and I love the warm light" } else { "a buzz at low light, which annoys me" },
            if i % 3 == 0 { "it was worth the money" } else { "support never answered my mail" },
            (0..NOTES)
                .map(|k| format!(" <a href=\"/t/{i}/notes/{k:03}-the-lamp-the-dimmer-and-the-warm-light\">{k}</a>"))
                .collect::<String>(),
        )
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_page_is_scored_in_parts_by_two_score_only_workers_once_and_at_once() {
    let srv = start(long_topic()).await;
    let dir = tempfile::tempdir().unwrap();
    let n = nats(dir.path());
    let cfg = |name: &str, sentiment: &str| {
        crate::fleet_gaps::forum_config(dir.path(), name, &srv.base, sentiment, ACK_WAIT_S)
    };
    let scoring = cfg("fleet.toml", &format!("model = \"{MODEL}\""));
    let fetching = cfg("fetch.toml", "enabled = false");
    let spawn = |cfg: &std::path::Path, args: &[&str]| {
        let mut cmd = crate::util::earshot();
        cmd.arg("--config")
            .arg(cfg)
            .args(["worker", "--fleet", &n.url])
            .args(args)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped());
        // The fetch worker cannot score; the score-only workers find the
        // real scorer beside `earshot`.
        if args == ["--no-score"] {
            cmd.env("EARSHOT_SCORER", dir.path().join("no-such-scorer"));
        }
        Proc(cmd.spawn().unwrap())
    };
    let fetcher = spawn(&fetching, &["--no-score"]);
    // One page a pull each: the parts of the page are shared between the
    // two, as pages are when there are more to score than workers.
    let scorers = [
        spawn(&scoring, &["--score-only", "--batch-pages", "1"]),
        spawn(&scoring, &["--score-only", "--batch-pages", "1"]),
    ];
    let d = dir.path().to_path_buf();
    let (monitor, url) = (n.monitor, n.url.clone());
    let started = Instant::now();
    let s = tokio::task::spawn_blocking(move || finish(crate::fleet::coordinator(&scoring, &url)))
        .await
        .unwrap();
    let took = started.elapsed();
    assert_eq!(s["pages_failed"], 0, "{s:#}");
    assert_eq!(s["posts"], POSTS as u64, "{s:#}");
    assert_eq!(s["mentions_new"], POSTS as u64, "{s:#}");
    // A correctness bound, not a speed target: no part waited for
    // JetStream to give it again.
    assert!(
        took < Duration::from_secs(ACK_WAIT_S),
        "the pass took {took:?}, not under ack_wait ({ACK_WAIT_S} s)"
    );
    let to_score = stream_state(monitor, "EARSHOT_SCORE", "last_seq");
    let results = stream_state(monitor, "EARSHOT_RESULTS", "last_seq");
    assert!(to_score > 1, "the page's mentions went in {to_score} parts");
    assert!(
        results > to_score,
        "{results} results, {to_score} parts to score"
    );
    for stream in ["EARSHOT_SCORE", "EARSHOT_RESULTS", "EARSHOT_FETCH"] {
        assert_eq!(waiting(monitor, stream), 0, "left in {stream}");
    }
    // Every mention scored once: what the two workers scored adds up.
    let scored: Vec<(u64, u64)> = scorers
        .into_iter()
        .map(|p| {
            let err = stop(p);
            (count(&err, "pages scored"), mentions_scored(&err))
        })
        .collect();
    eprintln!(
        "pass {took:?}; {to_score} parts to score, {results} result messages; \
         (parts, mentions) scored per worker: {scored:?}"
    );
    assert_eq!(
        scored.iter().map(|s| s.0).sum::<u64>(),
        to_score,
        "{scored:?}"
    );
    assert_eq!(
        scored.iter().map(|s| s.1).sum::<u64>(),
        POSTS as u64,
        "{scored:?}"
    );
    // Stored once, each scored.
    let store = Store::open_existing(&d.join("store")).unwrap();
    let all = store.mentions(&MentionQuery::default()).unwrap();
    assert_eq!(all.len(), POSTS);
    assert!(
        all.iter().all(|m| m.sentiment.is_some()),
        "every mention scored"
    );
    let state = store
        .crawl_state(&format!("{}/viewtopic.php?t=1", srv.base))
        .unwrap()
        .expect("the page's crawl state");
    assert_eq!(state.links.len(), POSTS * NOTES, "every link arrived");
    assert_eq!(store.verify().unwrap(), Vec::<String>::new());
    assert_eq!(store.counters().unwrap(), store.recount().unwrap());
    drop((fetcher, n));
}
