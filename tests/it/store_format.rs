//! The store format across releases: a store written by an earlier release
//! (committed under `tests/fixtures/store/`, see its README) opens with this
//! build, migrated, with every record intact and the alerts shown exactly
//! as that release showed them.
//!
//! `write_store_fixture` (ignored) is the generator: it writes the fixture
//! with this build's code, so the next format change starts from a store of
//! this release.

use std::path::{Path, PathBuf};
use std::process::Output;

use chrono::{DateTime, Duration, TimeZone, Utc};
use earshot::store::{
    Alert, AlertEvent, AlertState, CrawlState, Detector, Label, Mention, Post, Sentiment, Severity,
    Silence, Store, SCHEMA_VERSION,
};
use earshot_cli::config::Config;
use earshot_test_utils::synthetic_mention;

use crate::util::{earshot, text};

/// The config the fixture's alerts were evaluated with (three watches,
/// threshold 5 as the watches are new, one webhook channel).
const FIXTURE_CONFIG: &str = r#"
[alert]
max_age = "3650d"
[alert.detect]
threshold = 5

[[watch]]
name = "云雀"
[[watch]]
name = "Lumio"
[[watch]]
name = "Nova"

[[channel]]
name = "hook"
kind = "webhook"
url = "http://127.0.0.1:9/hook"
secret = "fixture-secret"
"#;

/// The source whose crawl pass and crawl state the fixture records.
const FIXTURE_SOURCE: &str = "synthetic";
const FIXTURE_CRAWLED_URL: &str = "https://bbs.example.com/forum-2-1.html";

fn day() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 0, 0, 0).unwrap()
}

/// The fixture's mentions, all on 2026-11-20 (UTC): each watch has one
/// mention an hour (every third negative), then bursts of negative posts:
/// 云雀 10 at 09:00 (medium, resolved by 11:00; the last three syndicated
/// copies of one story), Nova 7 at 14:00 (low, under a silence), Lumio 6 at
/// 20:00 (low) and 16 at 21:00 (escalates to high, still open).
pub fn fixture_mentions() -> Vec<Mention> {
    let mut out = Vec::new();
    let mut i = 0u64;
    let mut add = |watch: &str, at: DateTime<Utc>, negative: bool, story: &str| {
        let mut m = synthetic_mention(i, &[watch], day());
        let url = format!("https://bbs.example.com/thread-{}-1-1.html", 5000 + i);
        // Format 1 and 2 keyed a mention by its post; format 3 by post and
        // watch (the migration gives each watch's mention this id).
        m.post_id = Mention::make_id(&url, 0);
        m.id = Mention::watch_id(m.post_id, watch);
        m.url = url.clone();
        m.canonical_url = url;
        // The language tag the format 1 release wrote (now `zh-Hans`).
        m.lang = Some("zh".into());
        m.published_at = Some(at.fixed_offset());
        m.fetched_at = at + Duration::minutes(2);
        m.site = if i % 2 == 0 {
            "bbs.example.com".into()
        } else {
            "news.example.com".into()
        };
        m.context = format!("{watch} {story}。帖子 {i}");
        m.text = m.context.clone();
        m.content_hash = Mention::hash_text(&m.text);
        m.spam = None;
        let label = if negative {
            Label::Negative
        } else {
            Label::Positive
        };
        m.sentiment = Some(Sentiment {
            label,
            score: if negative { -0.9 } else { 0.8 },
            probs: if negative {
                [0.9, 0.05, 0.05]
            } else {
                [0.05, 0.15, 0.8]
            },
            model: "fixture".into(),
        });
        out.push(m);
        i += 1;
    };
    for watch in ["云雀", "Lumio", "Nova"] {
        for h in 0..24 {
            let neg = h % 3 == 0;
            let story = if neg {
                "客服回复太慢"
            } else {
                "用着还行，拍照不错"
            };
            add(watch, day() + Duration::minutes(60 * h + 5), neg, story);
        }
    }
    let burst = |h: i64, k: i64| day() + Duration::hours(h) + Duration::minutes(10 + 3 * k);
    for k in 0..10 {
        add("云雀", burst(9, k), true, "X5 充电发烫，电池鼓包，售后拒保");
    }
    for k in 0..7 {
        add("Nova", burst(14, k), true, "发布会直播卡顿，抢购页面崩了");
    }
    for k in 0..6 {
        add("Lumio", burst(20, k), true, "系统更新后频繁重启，数据丢失");
    }
    for k in 0..16 {
        add("Lumio", burst(21, k), true, "系统更新后频繁重启，数据丢失");
    }
    // Three syndicated copies of one 云雀 story (a cluster in the evidence).
    for m in out
        .iter_mut()
        .filter(|m| m.watches[0] == "云雀")
        .rev()
        .take(3)
    {
        m.cluster_id = Some(4242);
        m.context = "云雀 X5 电池鼓包，官方售后拒绝保修（转载）".into();
        m.text = m.context.clone();
        m.content_hash = Mention::hash_text(&m.text);
    }
    out
}

/// The stored posts (format 3 and later keep every extracted post for
/// `rematch`): the post of each of the first ten mentions, and one post no
/// watch matched.
pub fn fixture_posts() -> Vec<Post> {
    let mut out: Vec<Post> = fixture_mentions()
        .iter()
        .take(10)
        .map(|m| Post {
            id: m.post_id,
            url: m.url.clone(),
            canonical_url: m.canonical_url.clone(),
            source: FIXTURE_SOURCE.into(),
            site: m.site.clone(),
            author: m.author.clone(),
            published_at: m.published_at,
            fetched_at: m.fetched_at,
            title: m.title.clone(),
            has_title: true,
            text: m.text.clone(),
            lang: m.lang.clone(),
            flags: m.flags.clone(),
            floor: m.floor,
            rating: None,
        })
        .collect();
    let url = "https://bbs.example.com/thread-6000-1-1.html";
    out.push(Post {
        id: Mention::make_id(url, 2),
        url: url.into(),
        canonical_url: url.into(),
        source: FIXTURE_SOURCE.into(),
        site: "bbs.example.com".into(),
        author: Some("路人甲".into()),
        published_at: Some((day() + Duration::hours(3)).fixed_offset()),
        fetched_at: day() + Duration::hours(4),
        title: Some("闲聊".into()),
        has_title: false,
        text: "今天天气不错".into(),
        lang: Some("zh-Hans".into()),
        flags: vec!["ad line (cues): 加微信".into()],
        floor: Some(2),
        rating: None,
    });
    out
}

fn fixture_silence() -> Silence {
    Silence {
        id: 1,
        watch: Some("Nova".into()),
        from: day() + Duration::hours(13),
        until: day() + Duration::hours(16),
        reason: "launch event".into(),
        created_at: day() + Duration::hours(12),
    }
}

fn fixture_crawl_state() -> CrawlState {
    CrawlState {
        etag: Some("\"5f2a-1\"".into()),
        last_modified: Some("Fri, 20 Nov 2026 22:00:00 GMT".into()),
        content_hash: Some("0123456789abcdef0123456789abcdef".into()),
        charset: Some("gbk".into()),
        status: 200,
        last_fetch: Some(day() + Duration::hours(22)),
        next_due: Some(day() + Duration::hours(23)),
        links: vec!["https://bbs.example.com/thread-5000-1-1.html".into()],
    }
}

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/store")
}

/// Runs the CLI against a store with the fixture config.
fn cli(dir: &Path, store: &Path, args: &[&str]) -> Output {
    let cfg = dir.join("earshot.toml");
    std::fs::write(&cfg, FIXTURE_CONFIG).unwrap();
    let out = earshot()
        .arg("--config")
        .arg(&cfg)
        .arg("--store")
        .arg(store)
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
    out
}

/// The files under `dir` as a gzipped ustar archive (paths relative to
/// `dir`, sorted; times and owners zeroed, so the same files give the same
/// archive). sled's `db` file is mostly zeros: 512 KiB becomes ~30 KB.
fn tar_gz(dir: &Path) -> Vec<u8> {
    fn header(name: &str, size: u64, dir: bool) -> [u8; 512] {
        assert!(name.len() < 100, "{name}: too long for a plain ustar name");
        let mut h = [0u8; 512];
        h[..name.len()].copy_from_slice(name.as_bytes());
        let mut octal = |at: usize, width: usize, v: u64| {
            let s = format!("{v:0w$o}\0", w = width - 1);
            h[at..at + width].copy_from_slice(s.as_bytes());
        };
        octal(100, 8, if dir { 0o755 } else { 0o644 });
        octal(108, 8, 0);
        octal(116, 8, 0);
        octal(124, 12, size);
        octal(136, 12, 0);
        h[156] = if dir { b'5' } else { b'0' };
        h[257..265].copy_from_slice(b"ustar\x0000");
        h[148..156].copy_from_slice(b"        ");
        let sum: u64 = h.iter().map(|&b| b as u64).sum();
        h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
        h
    }
    fn walk(root: &Path, dir: &Path, out: &mut Vec<u8>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for p in entries {
            let name = p.strip_prefix(root).unwrap().to_str().unwrap().to_string();
            if p.is_dir() {
                out.extend_from_slice(&header(&format!("{name}/"), 0, true));
                walk(root, &p, out);
            } else {
                let data = std::fs::read(&p).unwrap();
                out.extend_from_slice(&header(&name, data.len() as u64, false));
                out.extend_from_slice(&data);
                out.resize(out.len().next_multiple_of(512), 0);
            }
        }
    }
    let mut tar = Vec::new();
    walk(dir, dir, &mut tar);
    tar.resize(tar.len() + 1024, 0);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    std::io::Write::write_all(&mut gz, &tar).unwrap();
    gz.finish().unwrap()
}

/// Unpacks what [`tar_gz`] made into `to`.
fn untar_gz(archive: &Path, to: &Path) {
    let mut tar = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::GzDecoder::new(std::fs::File::open(archive).unwrap()),
        &mut tar,
    )
    .unwrap();
    std::fs::create_dir_all(to).unwrap();
    let mut at = 0;
    while at + 512 <= tar.len() && tar[at..at + 512].iter().any(|&b| b != 0) {
        let h = &tar[at..at + 512];
        let field = |r: std::ops::Range<usize>| {
            let f = &h[r];
            let end = f.iter().position(|&b| b == 0).unwrap_or(f.len());
            std::str::from_utf8(&f[..end]).unwrap().trim().to_string()
        };
        let name = field(0..100);
        let size = u64::from_str_radix(&field(124..136), 8).unwrap() as usize;
        assert!(!name.starts_with('/') && !name.contains(".."), "{name}");
        at += 512;
        if h[156] == b'5' {
            std::fs::create_dir_all(to.join(&name)).unwrap();
        } else {
            std::fs::write(to.join(&name), &tar[at..at + size]).unwrap();
            at += size.next_multiple_of(512);
        }
    }
}

/// Writes `tests/fixtures/store/v<SCHEMA_VERSION>.tar.gz` (a sled store
/// made by this build, archived) and, next to it, what `earshot alerts` and
/// `earshot alerts --json` print for it. Refuses to overwrite: remove the
/// old files first. `cargo test --locked write_store_fixture -- --ignored`
#[test]
#[ignore = "writes the committed fixture; run by hand for a new store format"]
fn write_store_fixture() {
    let name = format!("v{}", earshot::store::SCHEMA_VERSION);
    let target = fixture_dir().join(format!("{name}.tar.gz"));
    assert!(!target.exists(), "{} exists", target.display());
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("store");
    {
        let store = Store::open(&path).unwrap();
        let config = Config::parse(FIXTURE_CONFIG, "earshot.toml").unwrap();
        store
            .put_mentions(
                &fixture_mentions(),
                Some((FIXTURE_CRAWLED_URL, &fixture_crawl_state())),
            )
            .unwrap();
        // Stored posts exist from format 3 on (the generator wrote none
        // before format 4).
        store.put_page(&[], &fixture_posts(), None).unwrap();
        store
            .set_source_last_run(FIXTURE_SOURCE, day() + Duration::hours(22))
            .unwrap();
        store.put_silence(&fixture_silence()).unwrap();
        // Two passes of `earshot run`: the second escalates Lumio.
        for now in [
            day() + Duration::minutes(20 * 60 + 30),
            day() + Duration::minutes(21 * 60 + 30),
        ] {
            earshot::alert::evaluate(
                &store,
                &config.alert,
                &config.watches,
                &config.channels,
                now,
            )
            .unwrap();
        }
        store.flush().unwrap();
    }
    let json = cli(tmp.path(), &path, &["alerts", "--json"]).stdout;
    let plain = cli(tmp.path(), &path, &["alerts"]).stdout;
    std::fs::create_dir_all(fixture_dir()).unwrap();
    std::fs::write(&target, tar_gz(&path)).unwrap();
    // The archive unpacks to the same files.
    let back = tmp.path().join("back");
    untar_gz(&target, &back);
    for f in ["conf", "db"] {
        assert_eq!(
            std::fs::read(path.join(f)).unwrap(),
            std::fs::read(back.join(f)).unwrap()
        );
    }
    std::fs::write(fixture_dir().join(format!("{name}.alerts.jsonl")), json).unwrap();
    std::fs::write(fixture_dir().join(format!("{name}.alerts.txt")), plain).unwrap();
}

fn read_fixture(name: &str) -> String {
    std::fs::read_to_string(fixture_dir().join(name)).unwrap()
}

/// The format 1 fixture store, unpacked in a temporary directory.
fn format_1_store() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("store");
    untar_gz(&fixture_dir().join("v1.tar.gz"), &path);
    (tmp, path)
}

/// Everything the fixture holds besides its alerts is as it was written.
fn assert_records_intact(store: &Store) {
    let mentions = fixture_mentions();
    assert_eq!(store.mention_count().unwrap(), mentions.len() as u64);
    for m in &mentions {
        assert_eq!(store.get_mention(m.id).unwrap().as_ref(), Some(m));
    }
    assert_eq!(store.verify().unwrap(), Vec::<String>::new());
    assert_eq!(store.silences().unwrap(), vec![fixture_silence()]);
    // Format 3 cleared the validators, body hash and fetch time, so the
    // next crawl reads the page again and stores its posts.
    assert_eq!(
        store.crawl_state(FIXTURE_CRAWLED_URL).unwrap(),
        Some(CrawlState {
            etag: None,
            last_modified: None,
            content_hash: None,
            last_fetch: None,
            ..fixture_crawl_state()
        })
    );
    assert_eq!(store.pages_without_posts().unwrap(), 1);
    assert_eq!(
        store.source_last_run(FIXTURE_SOURCE).unwrap(),
        Some(day() + Duration::hours(22))
    );
    // 云雀 (open) and Lumio (open, escalate) notified the webhook; the
    // silenced Nova did not.
    let outbox = store.outbox_all().unwrap();
    assert_eq!(outbox.len(), 3, "{outbox:?}");
    assert!(outbox.iter().all(|o| o.channel == "hook"));
}

#[test]
fn a_format_1_store_is_migrated_with_every_record_intact() {
    let (tmp, path) = format_1_store();
    // The first open migrates; the alerts print exactly as the release that
    // wrote the store printed them.
    let json = cli(tmp.path(), &path, &["alerts", "--json"]).stdout;
    assert_eq!(
        before_format_4(&text(&json)),
        before_format_4(&read_fixture("v1.alerts.jsonl"))
    );
    let plain = cli(tmp.path(), &path, &["alerts"]).stdout;
    assert_eq!(text(&plain), read_fixture("v1.alerts.txt"));

    let store = Store::open_existing(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    assert_records_intact(&store);

    // The typed fields say what the text said.
    let alerts = store.alerts().unwrap();
    assert_eq!(alerts.len(), 3);
    let by_watch = |w: &str| alerts.iter().find(|a| a.watch == w).unwrap();
    let history = |a: &Alert| -> Vec<(AlertEvent, Severity)> {
        let e = a.evidence.as_ref().unwrap();
        e.history.iter().map(|h| (h.event, h.severity)).collect()
    };
    use AlertEvent::{Escalate, Open, Resolve};
    use Severity::{High, Low};

    let yunque = by_watch("云雀");
    assert_eq!((yunque.state, yunque.severity), (AlertState::Resolved, Low));
    assert_eq!(history(yunque), [(Open, Low), (Resolve, Low)]);
    let e = yunque.evidence.as_ref().unwrap();
    assert_eq!(e.detector, Detector::Threshold);
    assert_eq!(e.start, day() + Duration::hours(9));
    assert_eq!(e.resolved, Some(day() + Duration::hours(11)));
    assert_eq!(e.observed, 9);
    let story = &e.top_mentions[0];
    assert_eq!((story.copies, story.sites.len()), (3, 2), "{story:?}");

    let lumio = by_watch("Lumio");
    assert_eq!((lumio.state, lumio.severity), (AlertState::Open, High));
    assert_eq!(history(lumio), [(Open, Low), (Escalate, High)]);
    let e = lumio.evidence.as_ref().unwrap();
    assert_eq!((e.resolved, e.observed, e.peak_observed), (None, 23, 17));

    let nova = by_watch("Nova");
    assert_eq!((nova.state, nova.severity), (AlertState::Silenced, Low));
    assert_eq!(history(nova), [(Open, Low), (Resolve, Low), (Resolve, Low)]);

    // Every field is what the old release printed, evidence included.
    let printed: Vec<serde_json::Value> = read_fixture("v1.alerts.jsonl")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(printed.len(), alerts.len());
    for a in &alerts {
        let p = printed
            .iter()
            .find(|p| p["id"] == format!("{:016x}", a.id))
            .unwrap();
        assert_eq!(p["watch"], a.watch);
        assert_eq!(p["state"], a.state.as_str());
        assert_eq!(p["severity"], a.severity.as_str());
        assert_eq!(p["opened_at"], serde_json::to_value(a.opened_at).unwrap());
        assert_eq!(p["updated_at"], serde_json::to_value(a.updated_at).unwrap());
        assert_eq!(p["summary"], a.summary);
        let mut e = serde_json::to_value(&a.evidence).unwrap();
        // Format 4's baseline: a format 1 summary never said it.
        assert_eq!(e["baseline"], serde_json::Value::Null);
        strip_format_4(&mut e);
        assert_eq!(p["evidence"], e);
    }

    // A second open finds the current format and changes nothing.
    drop(store);
    let store = Store::open_existing(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(store.alerts().unwrap(), alerts);
    assert_records_intact(&store);
    drop(store);
    let json = cli(tmp.path(), &path, &["alerts", "--json"]).stdout;
    assert_eq!(
        before_format_4(&text(&json)),
        before_format_4(&read_fixture("v1.alerts.jsonl"))
    );
}

/// The evidence keys format 4 added (`baseline`, `baseline_days`) removed.
fn strip_format_4(evidence: &mut serde_json::Value) {
    if let Some(e) = evidence.as_object_mut() {
        e.remove("baseline");
        e.remove("baseline_days");
    }
}

/// `alerts --json` output as a release before format 4 printed it.
fn before_format_4(jsonl: &str) -> String {
    jsonl
        .lines()
        .map(|l| {
            let mut v: serde_json::Value = serde_json::from_str(l).unwrap();
            strip_format_4(&mut v["evidence"]);
            format!("{v}\n")
        })
        .collect()
}

/// A format 3 store (written by the release before the baseline became a
/// field) opens with each alert's baseline read back from its summary, and
/// prints everything else as that release did.
#[test]
fn a_format_3_store_gains_each_alerts_baseline_and_keeps_every_record() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("store");
    untar_gz(&fixture_dir().join("v3.tar.gz"), &path);
    let json = cli(tmp.path(), &path, &["alerts", "--json"]).stdout;
    assert_eq!(
        before_format_4(&text(&json)),
        before_format_4(&read_fixture("v3.alerts.jsonl"))
    );
    let plain = cli(tmp.path(), &path, &["alerts"]).stdout;
    assert_eq!(text(&plain), read_fixture("v3.alerts.txt"));

    let store = Store::open_existing(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    let mentions = fixture_mentions();
    assert_eq!(store.mention_count().unwrap(), mentions.len() as u64);
    for m in &mentions {
        assert_eq!(store.get_mention(m.id).unwrap().as_ref(), Some(m));
    }
    assert_eq!(store.verify().unwrap(), Vec::<String>::new());
    assert_eq!(
        store.crawl_state(FIXTURE_CRAWLED_URL).unwrap(),
        Some(fixture_crawl_state())
    );
    // The release that wrote it raised one alert (Lumio) on this timeline.
    let alerts = store.alerts().unwrap();
    assert_eq!(alerts.len(), 1);
    for a in &alerts {
        let e = a.evidence.as_ref().unwrap();
        let b = e.baseline.as_deref().unwrap_or_else(|| panic!("{a:?}"));
        assert!(a.summary.ends_with(b), "{b} / {}", a.summary);
        assert!(b.contains("days of history"), "{b}");
        assert!(e.baseline_days.is_some_and(|d| d > 0.0 && d < 2.0), "{e:?}");
    }
    let lumio = alerts.iter().find(|a| a.watch == "Lumio").unwrap();
    let e = lumio.evidence.as_ref().unwrap();
    assert_eq!(
        e.baseline.as_deref(),
        Some("average hour so far (21 hours), 0.9 days of history, p = 1.6e-9")
    );
    assert_eq!(e.baseline_days, Some(0.9));
}

/// A format 4 store (written by the release before ratings were kept)
/// opens with every mention and stored post intact and unrated, and prints
/// its alerts exactly as that release did.
#[test]
fn a_format_4_store_gains_an_empty_rating_and_keeps_every_record() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("store");
    untar_gz(&fixture_dir().join("v4.tar.gz"), &path);
    let json = cli(tmp.path(), &path, &["alerts", "--json"]).stdout;
    assert_eq!(text(&json), read_fixture("v4.alerts.jsonl"));
    let plain = cli(tmp.path(), &path, &["alerts"]).stdout;
    assert_eq!(text(&plain), read_fixture("v4.alerts.txt"));
    // Every mention listed, none rated.
    let listed = cli(tmp.path(), &path, &["mentions", "--json", "-n", "1000"]).stdout;
    let listed: Vec<serde_json::Value> = text(&listed)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let mentions = fixture_mentions();
    assert_eq!(listed.len(), mentions.len());
    assert!(listed.iter().all(|m| m["rating"].is_null()), "{listed:?}");

    let store = Store::open_existing(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    let check = |store: &Store| {
        assert_eq!(store.mention_count().unwrap(), mentions.len() as u64);
        for m in &mentions {
            assert_eq!(m.rating, None);
            assert_eq!(store.get_mention(m.id).unwrap().as_ref(), Some(m));
        }
        let posts = fixture_posts();
        assert_eq!(store.post_count(), posts.len() as u64);
        for p in &posts {
            assert_eq!(store.get_post(p.id).unwrap().as_ref(), Some(p));
        }
        assert_eq!(store.verify().unwrap(), Vec::<String>::new());
        assert_eq!(
            store.crawl_state(FIXTURE_CRAWLED_URL).unwrap(),
            Some(fixture_crawl_state())
        );
        assert_eq!(store.silences().unwrap(), vec![fixture_silence()]);
        assert_eq!(
            store.source_last_run(FIXTURE_SOURCE).unwrap(),
            Some(day() + Duration::hours(22))
        );
        let outbox = store.outbox_all().unwrap();
        assert!(!outbox.is_empty() && outbox.iter().all(|o| o.channel == "hook"));
    };
    check(&store);
    let alerts = store.alerts().unwrap();
    assert_eq!(
        alerts.len(),
        read_fixture("v4.alerts.jsonl").lines().count()
    );
    // A second open finds the current format and changes nothing.
    drop(store);
    let store = Store::open_existing(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(store.alerts().unwrap(), alerts);
    check(&store);
}

/// A format 5 store (the last with plain postcard records) and a format 6
/// one (packed records under a per-watch time index) open in the current
/// format with every mention and stored post intact, each watch's
/// timeline its records newest first, and print their alerts exactly as
/// their release did.
#[test]
fn a_format_5_store_is_packed_and_keeps_every_record() {
    a_recent_store_keeps_every_record(5);
}

#[test]
fn a_format_6_store_is_keyed_by_watch_and_keeps_every_record() {
    a_recent_store_keeps_every_record(6);
}

fn a_recent_store_keeps_every_record(v: u32) {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("store");
    untar_gz(&fixture_dir().join(format!("v{v}.tar.gz")), &path);
    let json = cli(tmp.path(), &path, &["alerts", "--json"]).stdout;
    assert_eq!(text(&json), read_fixture(&format!("v{v}.alerts.jsonl")));
    let plain = cli(tmp.path(), &path, &["alerts"]).stdout;
    assert_eq!(text(&plain), read_fixture(&format!("v{v}.alerts.txt")));
    let listed = cli(tmp.path(), &path, &["mentions", "--json", "-n", "1000"]).stdout;
    let mentions = fixture_mentions();
    assert_eq!(text(&listed).lines().count(), mentions.len());

    let store = Store::open_existing(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    // Each watch's timeline is its records, newest first.
    for w in ["云雀", "Lumio", "Nova"] {
        let q = earshot::store::MentionQuery {
            watch: Some(w.into()),
            ..Default::default()
        };
        let got: Vec<u64> = store.mentions(&q).unwrap().iter().map(|m| m.id).collect();
        let mut want: Vec<&Mention> = mentions
            .iter()
            .filter(|m| m.watches.iter().any(|x| x == w))
            .collect();
        want.sort_by_key(|m| std::cmp::Reverse((m.bucket_time(), m.id)));
        assert_eq!(got, want.iter().map(|m| m.id).collect::<Vec<_>>(), "{w}");
    }
    let check = |store: &Store| {
        assert_eq!(store.mention_count().unwrap(), mentions.len() as u64);
        for m in &mentions {
            assert_eq!(store.get_mention(m.id).unwrap().as_ref(), Some(m));
        }
        let posts = fixture_posts();
        assert_eq!(store.post_count(), posts.len() as u64);
        for p in &posts {
            assert_eq!(store.get_post(p.id).unwrap().as_ref(), Some(p));
        }
        assert_eq!(store.posts_after(None, 1000).unwrap().len(), posts.len());
        // Records under their watch, the id index, counters and records
        // agree (a recount).
        assert_eq!(store.verify().unwrap(), Vec::<String>::new());
        assert_eq!(
            store.crawl_state(FIXTURE_CRAWLED_URL).unwrap(),
            Some(fixture_crawl_state())
        );
        assert_eq!(store.silences().unwrap(), vec![fixture_silence()]);
        assert_eq!(
            store.source_last_run(FIXTURE_SOURCE).unwrap(),
            Some(day() + Duration::hours(22))
        );
    };
    check(&store);
    let alerts = store.alerts().unwrap();
    assert_eq!(
        alerts.len(),
        read_fixture(&format!("v{v}.alerts.jsonl")).lines().count()
    );
    // A second open finds the current format and changes nothing.
    drop(store);
    let store = Store::open_existing(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(store.alerts().unwrap(), alerts);
    check(&store);
}

/// Alerting carries on from migrated alerts: the next pass over the same
/// timeline reads their history back and notifies nothing again.
#[test]
fn alerting_carries_on_from_a_migrated_store() {
    let (_tmp, path) = format_1_store();
    let store = Store::open_existing(&path).unwrap();
    let before = store.alerts().unwrap();
    let config = Config::parse(FIXTURE_CONFIG, "earshot.toml").unwrap();
    let now = day() + Duration::minutes(21 * 60 + 30);
    let evals = earshot::alert::evaluate(
        &store,
        &config.alert,
        &config.watches,
        &config.channels,
        now,
    )
    .unwrap();
    assert_eq!(
        evals.iter().map(|e| e.queued).sum::<usize>(),
        0,
        "{evals:?}"
    );
    assert_eq!(store.outbox_all().unwrap().len(), 3);
    let after = store.alerts().unwrap();
    assert_eq!(after.len(), before.len());
    // Nothing changes: severity follows the ratio shown (#31), but the
    // finished 云雀 spike and the open Lumio one keep what they were stored
    // with, and the silenced Nova stays silenced with its resolve recorded
    // once (#25), not re-graded on every pass.
    for (a, b) in before.iter().zip(&after) {
        assert_eq!((a.id, a.state), (b.id, b.state));
        assert_eq!(a.severity, b.severity, "{}", a.watch);
    }
}
