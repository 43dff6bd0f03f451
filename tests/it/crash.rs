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
use earshot::store::Store;
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
