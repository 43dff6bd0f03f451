//! Alerting through the command line: `backtest` over a CSV series,
//! silences that keep alerts but send nothing, and the demo's own spike
//! found and delivered with its evidence.

use std::path::PathBuf;
use std::process::Output;

use chrono::{TimeZone, Utc};
use earshot::store::{Label, Mention, Sentiment, Store};

use crate::alert::{burst_mentions, serve, webhook_app, Shared};
use crate::util::{earshot, text};

#[test]
fn backtest_prints_each_alert_of_a_csv_series_as_a_json_line() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("series.csv");
    let t0 = Utc.with_ymd_and_hms(2026, 1, 5, 0, 0, 0).unwrap();
    let mut s = String::from("time,total,negative\n");
    let burst = 24 * 7 * 5 + 34; // hour 10 (UTC) on a Tuesday, week 6
    for h in 0..24 * 7 * 6 {
        let hour = h % 24;
        let base = 60 + 40 * ((hour as i64 - 12).abs() < 6) as u64 + (h as u64 * 7919 % 11);
        let mut neg = base / 8 + (h as u64 * 104729 % 5);
        if (burst..burst + 3).contains(&h) {
            neg += 30;
        }
        let t = (t0 + chrono::Duration::hours(h as i64))
            .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap());
        s.push_str(&format!("{},{},{}\n", t.to_rfc3339(), base + neg, neg));
    }
    std::fs::write(&csv, s).unwrap();
    let out = earshot()
        .args(["backtest", "--series"])
        .arg(&csv)
        .arg("--json")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let alerts: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let hit: Vec<_> = alerts
        .iter()
        .filter(|a| a["detector"] != "threshold")
        .collect();
    assert_eq!(hit.len(), 1, "{alerts:?}");
    let a = hit[0];
    for k in [
        "start", "end", "peak", "observed", "expected", "severity", "ratio", "baseline",
    ] {
        assert!(!a[k].is_null(), "{k} in {a}");
    }
    let start = chrono::DateTime::parse_from_rfc3339(a["start"].as_str().unwrap()).unwrap();
    assert_eq!(start, t0 + chrono::Duration::hours(burst as i64));
    assert!(a["observed"].as_f64().unwrap() > 2.0 * a["expected"].as_f64().unwrap());
    // It says what it compared with, and how much history that had.
    assert!(a["baseline_days"].as_f64().unwrap() >= 7.0, "{a}");
    assert!(
        a["baseline"].as_str().unwrap().contains("days of history"),
        "{a}"
    );
    // A bad file says where and how to fix it.
    std::fs::write(&csv, "time,total\n").unwrap();
    let out = earshot()
        .args(["backtest", "--series"])
        .arg(&csv)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("time,total,negative"),
        "{}",
        text(&out.stderr)
    );
}

/// A store holding the 云雀 burst ([`burst_mentions`]) and a config that
/// alerts on it (threshold 5, a webhook channel nothing listens on), with
/// `max_age` as given: the setup of the `alerts` commands' tests.
struct Burst {
    _dir: tempfile::TempDir,
    db: PathBuf,
    config: PathBuf,
}

impl Burst {
    fn new(max_age: &str) -> Burst {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("earshot.toml");
        std::fs::write(
            &config,
            format!(
                "[alert]\nmax_age = \"{max_age}\"\n[alert.detect]\nthreshold = 5\n\
                 [[watch]]\nname = \"云雀\"\n\
                 [[channel]]\nname = \"hook\"\nkind = \"webhook\"\n\
                 url = \"http://127.0.0.1:9/x\"\nsecret = \"s\"\n"
            ),
        )
        .unwrap();
        let burst = Burst {
            db: dir.path().join("db"),
            config,
            _dir: dir,
        };
        burst.fresh_store();
        burst
    }

    /// Replaces the store with one holding only the burst.
    fn fresh_store(&self) {
        if self.db.exists() {
            std::fs::remove_dir_all(&self.db).unwrap();
        }
        let store = Store::open(&self.db).unwrap();
        store.put_mentions(&burst_mentions(), None).unwrap();
    }

    /// `earshot ARGS` with this config and store.
    fn run(&self, args: &[&str]) -> Output {
        earshot()
            .arg("--config")
            .arg(&self.config)
            .arg("--store")
            .arg(&self.db)
            .args(args)
            .output()
            .unwrap()
    }
}

#[test]
fn silences_keep_alerts_but_send_nothing() {
    let burst = Burst::new("3650d");
    let run = |args: &[&str]| burst.run(args);
    let out = run(&[
        "alerts",
        "silence",
        "--watch",
        "云雀",
        "--from",
        "2026-11-20T00:00:00Z",
        "--until",
        "2026-11-21T00:00:00Z",
        "--reason",
        "launch",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = run(&["alerts", "silence", "--watch", "nope", "--for", "1h"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("no [[watch]] named `nope`"));
    let out = run(&["alerts", "silence", "--list", "--json"]);
    assert!(text(&out.stdout).contains("launch"));
    let out = run(&["alerts", "check", "--now", "2026-11-20T23:00:00Z", "--json"]);
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["watches"][0]["queued"], 0, "{v}");
    let out = run(&["alerts", "--json"]);
    let a: serde_json::Value =
        serde_json::from_str(text(&out.stdout).lines().next().unwrap()).unwrap();
    assert_eq!(a["state"], "silenced");
}

/// The demo detects its negative spike with the shipped model; then, with
/// the sentiment pinned (thread 1001 and the battery story negative) so the
/// figures below do not move with a retrained model, `alerts check` finds
/// and delivers it with its evidence.
#[test]
fn the_demo_spike_is_detected_once_mentions_are_scored() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let out = crate::util::run(&db, &["demo"]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    // The demo itself, with the shipped sentiment model, finds the spike of
    // thread 1001 and delivers it to its signed webhook receiver.
    assert!(
        stdout.contains("云雀: 22 mentions (22 scored), 1 spikes found"),
        "{stdout}"
    );
    assert!(stdout.contains("1 deliveries verified"), "{stdout}");
    assert!(stdout.contains("thread-1001"), "{stdout}");
    // The counters kept incrementally equal a rebuild from the mentions.
    let out = crate::util::run(&db, &["timeline", "rebuild", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["differed"], 0, "{v}");
    assert!(v["buckets"].as_u64().unwrap() > 0, "{v}");
    {
        let store = Store::open_existing(&db).unwrap();
        let ms: Vec<Mention> = store
            .mentions(&earshot::store::MentionQuery::default())
            .unwrap()
            .into_iter()
            .map(|mut m| {
                let neg = m.url.contains("thread-1001") || m.context.contains("鼓包");
                let label = if neg {
                    Label::Negative
                } else {
                    Label::Positive
                };
                m.sentiment = Some(Sentiment {
                    label,
                    score: if neg { -0.9 } else { 0.6 },
                    probs: [0.8, 0.1, 0.1],
                    model: "test".into(),
                });
                m
            })
            .collect();
        store.put_mentions(&ms, None).unwrap();
        assert!(store.verify().unwrap().is_empty());
    }
    let rt = tokio::runtime::Runtime::new().unwrap();
    let seen = Shared::default();
    let port = rt.block_on(serve(webhook_app("demo-secret", seen.clone()), 0));
    let cfg_path = dir.path().join("earshot.toml");
    std::fs::write(
        &cfg_path,
        format!(
            "{}\n[[channel]]\nname = \"hook\"\nkind = \"webhook\"\nurl = \"http://127.0.0.1:{port}/x\"\nsecret = \"demo-secret\"\n",
            earshot_cli::config::DEFAULT_CONFIG
        ),
    )
    .unwrap();
    let run = |args: &[&str]| {
        earshot()
            .arg("--config")
            .arg(&cfg_path)
            .arg("--store")
            .arg(&db)
            .args(args)
            .output()
            .unwrap()
    };
    let out = run(&[
        "alerts",
        "check",
        "--now",
        "2026-11-22T00:00:00Z",
        "--max-age",
        "3650d",
        "--wait",
        "10s",
    ]);
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    // The demo already opened (and delivered) this spike: evaluating again
    // finds the same alert and queues nothing twice.
    let check = text(&out.stdout);
    assert!(check.contains("1 spikes, nothing new"), "{check}");
    let out = run(&["alerts"]);
    let listing = text(&out.stdout);
    println!("{listing}");
    let out = run(&["alerts", "--json", "--watch", "云雀"]);
    let alerts: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let spike = alerts
        .iter()
        .find(|a| {
            a["evidence"]["start"]
                .as_str()
                .unwrap_or("")
                .starts_with("2026-11-20T0")
        })
        .unwrap_or_else(|| panic!("no alert on 2026-11-20 morning UTC: {alerts:?}\n{listing}"));
    let top = spike["evidence"]["top_mentions"].as_array().unwrap();
    assert!(
        top.iter()
            .any(|m| m["url"].as_str().unwrap().contains("thread-1001")),
        "{spike}"
    );
    // The timeline query behind it: 01:00 UTC (09:00 +08:00) holds three
    // negative posts by three authors on one site.
    let out = run(&[
        "timeline",
        "--watch",
        "云雀",
        "--bucket",
        "hour",
        "--since",
        "2026-11-20T00:00:00Z",
        "--until",
        "2026-11-20T06:00:00Z",
        "--json",
    ]);
    let rows: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 6, "{rows:?}");
    assert_eq!(rows[1]["mentions"]["negative"], 3, "{:?}", rows[1]);
    assert_eq!(rows[1]["authors"], 3);
    assert_eq!(rows[1]["sites"], 1);
    assert!(
        seen.lock().unwrap().ok.is_empty(),
        "nothing delivered twice"
    );
}

/// Ten negative mentions in the hour now running, after a day and a half
/// of ordinary talk: the alert opens now, not
/// at the end of its bucket (up to an hour ahead), so `alerts`, a report
/// `--from 1d` and the dashboard's API for a period ending now all show it;
/// evaluating again later keeps the time it opened.
#[test]
fn a_live_alert_opens_when_it_is_detected_and_every_view_shows_it() {
    use chrono::{Duration, DurationRound};
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let (cfg, viewer, admin) = crate::util::fixture_config();
    let cfg_path = dir.path().join("earshot.toml");
    std::fs::write(
        &cfg_path,
        format!("{cfg}\n[alert]\nmax_age = \"1d\"\n[alert.detect]\nthreshold = 5\n"),
    )
    .unwrap();
    let now = Utc::now();
    let hour = now.duration_trunc(Duration::hours(1)).unwrap();
    {
        let store = Store::open(&db).unwrap();
        let ms: Vec<Mention> = (0..10u64)
            .map(|i| {
                let mut m = earshot_test_utils::synthetic_mention(i, &["云雀"], hour);
                m.published_at = Some(hour.fixed_offset());
                m.spam = None;
                m.sentiment = Some(Sentiment {
                    label: Label::Negative,
                    score: -0.9,
                    probs: [0.9, 0.05, 0.05],
                    model: "test".into(),
                });
                m
            })
            .collect();
        store.put_mentions(&ms, None).unwrap();
        // A day and a half of ordinary talk before it: the cold start
        // measures the storm against the watch's own past (with none,
        // nothing can stand out).
        let past: Vec<Mention> = (0..36i64 * 4)
            .map(|k| {
                let at = hour - Duration::hours(36 - k / 4) + Duration::minutes(10 * (k % 4));
                let mut m = earshot_test_utils::synthetic_mention(1000 + k as u64, &["云雀"], at);
                m.published_at = Some(at.fixed_offset());
                m.spam = None;
                let negative = k % 24 == 0;
                m.sentiment = Some(Sentiment {
                    label: if negative {
                        Label::Negative
                    } else {
                        Label::Positive
                    },
                    score: if negative { -0.8 } else { 0.7 },
                    probs: if negative {
                        [0.8, 0.1, 0.1]
                    } else {
                        [0.1, 0.2, 0.7]
                    },
                    model: "test".into(),
                });
                m
            })
            .collect();
        store.put_mentions(&past, None).unwrap();
    }
    let run = |args: &[&str]| {
        let out = earshot()
            .arg("--config")
            .arg(&cfg_path)
            .arg("--store")
            .arg(&db)
            .args(args)
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}{}",
            text(&out.stdout),
            text(&out.stderr)
        );
        text(&out.stdout)
    };
    let opened = || {
        let listing = run(&["alerts", "--json", "--watch", "云雀"]);
        let lines: Vec<&str> = listing.lines().collect();
        assert_eq!(lines.len(), 1, "{listing}");
        let a: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
        a["opened_at"]
            .as_str()
            .unwrap()
            .parse::<chrono::DateTime<Utc>>()
            .unwrap()
    };
    run(&["alerts", "check"]);
    let first = opened();
    let after = Utc::now();
    assert!(
        first >= now && first <= after,
        "opened at {first}, detected between {now} and {after}"
    );
    let v: serde_json::Value = serde_json::from_str(&run(&[
        "report", "--watch", "云雀", "--from", "1d", "--format", "json", "--json",
    ]))
    .unwrap();
    assert_eq!(v["alerts"], 1, "{v}");
    let report: serde_json::Value = serde_json::from_slice(
        &std::fs::read(
            v["files"][0]["path"]
                .as_str()
                .map(|p| dir.path().join(p))
                .unwrap(),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(report["alerts"].as_array().unwrap().len(), 1, "{report}");
    // A later pass re-evaluates the same spike: it opened when first seen.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    run(&["alerts", "check"]);
    assert_eq!(opened(), first);
    let served = crate::dashboard::start(dir, &cfg_path, &db, viewer, admin, 10);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let body = rt.block_on(async {
        reqwest::Client::new()
            .get(format!("{}/api/timeline?watch=云雀&from=1d", served.base))
            .bearer_auth(&served.viewer)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
    });
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["alerts"].as_array().map(Vec::len), Some(1), "{v}");
}

/// `earshot alerts test --channel NAME` sends one signed test message now;
/// a typo is a usage error with "did you mean"; a refusing endpoint is a
/// failure that says what it answered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alerts_test_sends_a_signed_test_message_through_a_channel() {
    use earshot_test_utils::server::{resp, start};
    let srv = start(std::sync::Arc::new(|path, _, _| {
        if path == "/down" {
            resp(
                "500 Internal Server Error",
                "Content-Type: text/plain\r\n",
                b"down",
            )
        } else {
            resp("200 OK", "Content-Type: text/plain\r\n", b"ok")
        }
    }))
    .await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("earshot.toml");
    std::fs::write(
        &cfg,
        format!(
            "[[watch]]\nname = \"Lumio\"\n[[channel]]\nname = \"team-hook\"\nkind = \"webhook\"\nurl = \"{0}/hook\"\nsecret = \"s3cret\"\n[[channel]]\nname = \"broken\"\nkind = \"webhook\"\nurl = \"{0}/down\"\nsecret = \"s3cret\"\n",
            srv.base
        ),
    )
    .unwrap();
    let run = |args: &[&str]| {
        tokio::task::block_in_place(|| {
            earshot()
                .arg("--config")
                .arg(&cfg)
                .args(args)
                .output()
                .unwrap()
        })
    };
    let out = run(&["alerts", "test", "--channel", "team-hook"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("sent a test message"),
        "{}",
        text(&out.stdout)
    );
    let hits = srv.hits_for("/hook");
    assert_eq!(hits.len(), 1);
    let head = hits[0].head.to_ascii_lowercase();
    assert!(head.contains("x-earshot-signature: sha256="), "{head}");
    assert!(head.contains("x-earshot-timestamp:"), "{head}");

    let out = run(&["alerts", "test", "--channel", "team-hok"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("did you mean `team-hook`?"),
        "{}",
        text(&out.stderr)
    );

    let out = run(&["alerts", "test", "--channel", "broken"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("500"), "{}", text(&out.stderr));
    assert_eq!(srv.hits_for("/hook").len(), 1, "nothing else sent");
}

/// `alerts check` says when `alert.max_age` held a notification back: the
/// spike is stored, nothing is queued, and the text and the JSON say why.
#[test]
fn alerts_check_says_when_max_age_held_a_notification_back() {
    let burst = Burst::new("1h");
    let run = |args: &[&str]| burst.run(args);
    // A day after the spike: older than max_age.
    let out = run(&["alerts", "check", "--now", "2026-11-21T23:00:00Z", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let w = &v["watches"][0];
    assert_eq!(w["queued"], 0, "{v}");
    let held = w["held_back"].as_array().unwrap();
    assert!(!held.is_empty(), "{v}");
    assert!(
        held[0].as_str().unwrap().contains("alert.max_age (1h)"),
        "{v}"
    );
    // Evaluated again: nothing new, nothing held back twice.
    let out = run(&["alerts", "check", "--now", "2026-11-21T23:00:00Z"]);
    assert!(
        !text(&out.stdout).contains("held back"),
        "{}",
        text(&out.stdout)
    );
    // In text, on a fresh store.
    burst.fresh_store();
    let out = run(&["alerts", "check", "--now", "2026-11-21T23:00:00Z"]);
    let stdout = text(&out.stdout);
    assert!(stdout.contains("held back: open "), "{stdout}");
    assert!(stdout.contains("not notified"), "{stdout}");
}
