//! One timeline (issue #25): the dashboard's API, `earshot timeline`, a
//! report and `earshot backtest --watch` count the demo store alike (each
//! syndication cluster once, spam out).

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, DurationRound, Utc};
use earshot::store::{MentionQuery, Store};
use serde_json::Value;

use crate::dashboard::{client, get_json, rt, start};
use crate::util::{earshot, fixture_config, text};

type Counts = BTreeMap<DateTime<Utc>, (u64, u64)>;

fn time(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().unwrap())
        .unwrap()
        .with_timezone(&Utc)
}

fn counts<'a>(buckets: impl Iterator<Item = &'a Value>, total: &str, negative: &str) -> Counts {
    buckets
        .map(|b| {
            let n = |k: &str| k.split('.').fold(b, |v, k| &v[k]).as_u64().unwrap();
            (time(&b["start"]), (n(total), n(negative)))
        })
        .collect()
}

#[test]
fn the_dashboard_timeline_a_report_and_backtest_count_the_demo_alike() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let out = crate::util::run(&db, &["demo"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let (lo, hi) = {
        let store = Store::open_existing(&db).unwrap();
        let ms = store
            .mentions(&MentionQuery {
                watch: Some("云雀".into()),
                ..Default::default()
            })
            .unwrap();
        let times: Vec<_> = ms.iter().map(|m| m.bucket_time()).collect();
        (*times.iter().min().unwrap(), *times.iter().max().unwrap())
    };
    let from = lo.duration_trunc(Duration::days(1)).unwrap();
    let to = hi.duration_trunc(Duration::days(1)).unwrap() + Duration::days(1);
    let (f, t) = (from.to_rfc3339(), to.to_rfc3339());
    let (cfg, viewer, admin) = fixture_config();
    // The demo's own override: its forum is small.
    let cfg = cfg.replacen(
        "name = \"云雀\"\n",
        "name = \"云雀\"\nalert = { threshold = 3 }\n",
        1,
    );
    let cfg_path = dir.path().join("earshot.toml");
    std::fs::write(&cfg_path, cfg).unwrap();
    let run = |args: &[&str]| {
        let out = earshot()
            .arg("--config")
            .arg(&cfg_path)
            .arg("--store")
            .arg(&db)
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
        text(&out.stdout)
    };

    // A report (JSON), at its own bucket size.
    let report_path = dir.path().join("report.json");
    run(&[
        "report",
        "--watch",
        "云雀",
        "--from",
        &f,
        "--to",
        &t,
        "--format",
        "json",
        "--out",
        report_path.to_str().unwrap(),
    ]);
    let report: Value = serde_json::from_slice(&std::fs::read(&report_path).unwrap()).unwrap();
    let g = report["granularity"].as_str().unwrap().to_string();
    let from_report = counts(
        report["per_watch"]["云雀"].as_array().unwrap().iter(),
        "total",
        "negative",
    );

    // `earshot timeline` at the same bucket size, and hourly for backtest.
    let rows = |bucket: &str| -> Vec<Value> {
        run(&[
            "timeline", "--watch", "云雀", "--since", &f, "--until", &t, "--bucket", bucket,
            "--json",
        ])
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
    };
    let from_timeline = counts(rows(&g).iter(), "clusters.total", "clusters.negative");
    assert_eq!(from_timeline, from_report);
    let negatives: u64 = from_report.values().map(|c| c.1).sum();
    assert!(negatives > 0, "{from_report:?}");
    let copies: u64 = rows(&g)
        .iter()
        .map(|r| r["mentions"]["total"].as_u64().unwrap())
        .sum();
    let counted: u64 = from_report.values().map(|c| c.0).sum();
    assert!(copies >= counted, "{copies} copies, {counted} counted");

    // backtest --watch: each alert's observed negatives are the timeline's.
    let hourly = counts(rows("hour").iter(), "clusters.total", "clusters.negative");
    let alerts: Vec<Value> = run(&[
        "backtest", "--watch", "云雀", "--from", &f, "--to", &t, "--json",
    ])
    .lines()
    .map(|l| serde_json::from_str(l).unwrap())
    .collect();
    assert!(!alerts.is_empty(), "the demo's spike");
    for a in &alerts {
        let (s, e) = (time(&a["start"]), time(&a["end"]));
        let sum: u64 = hourly.range(s..e).map(|(_, c)| c.1).sum();
        assert_eq!(a["observed"].as_u64().unwrap(), sum, "{a}");
    }

    // The dashboard's API.
    let served = start(
        tempfile::tempdir().unwrap(),
        &cfg_path,
        &db,
        viewer.clone(),
        admin,
        0,
    );
    let v = rt().block_on(get_json(
        &client(),
        &format!(
            "{}/api/timeline?watch=%E4%BA%91%E9%9B%80&from={}&to={}&granularity={g}",
            served.base,
            f.replace('+', "%2B"),
            t.replace('+', "%2B")
        ),
        &viewer,
    ));
    let from_api = counts(
        v["series"][0]["buckets"].as_array().unwrap().iter(),
        "total",
        "negative",
    );
    assert_eq!(from_api, from_report);
}
