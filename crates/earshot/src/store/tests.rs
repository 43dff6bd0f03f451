use super::*;
use chrono::TimeZone;

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap()
}

fn batch(range: std::ops::Range<u64>) -> Vec<Mention> {
    range
        .map(|i| synthetic_mention(i, &["华为", "Lumio"], start()))
        .collect()
}

#[test]
fn mentions_round_trip_and_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s");
    {
        let s = Store::open(&path).unwrap();
        let r = s.put_mentions(&batch(0..100), None).unwrap();
        assert_eq!(r.inserted, 100);
        s.flush().unwrap();
    }
    let s = Store::open_existing(&path).unwrap();
    assert_eq!(s.mention_count().unwrap(), 100);
    let m = synthetic_mention(42, &["华为", "Lumio"], start());
    assert_eq!(s.get_mention(m.id).unwrap().as_ref(), Some(&m));
    assert!(s.verify().unwrap().is_empty());
}

#[test]
fn storing_again_is_idempotent_and_updates_move_counters() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(&dir.path().join("s")).unwrap();
    let b = batch(0..40);
    s.put_mentions(&b, None).unwrap();
    let before = s.counters().unwrap();
    let r = s.put_mentions(&b, None).unwrap();
    assert_eq!((r.inserted, r.updated, r.unchanged), (0, 0, 40));
    assert_eq!(s.counters().unwrap(), before);

    // Rescoring a mention moves it between sentiment counters.
    let mut m = b[0].clone();
    let old = m.sentiment.clone().unwrap().label;
    m.sentiment.as_mut().unwrap().label = Label::Positive;
    assert_ne!(old, Label::Positive);
    let r = s.put_mentions(&[m.clone()], None).unwrap();
    assert_eq!(r.updated, 1);
    assert!(s.verify().unwrap().is_empty(), "{:?}", s.verify());
    assert_eq!(s.mention_count().unwrap(), 40);

    // Moving a mention to another watch moves its index entry.
    m.watches = vec!["other".into()];
    s.put_mentions(&[m.clone()], None).unwrap();
    assert!(s.verify().unwrap().is_empty());
    let q = MentionQuery {
        watch: Some("other".into()),
        ..Default::default()
    };
    assert_eq!(s.mentions(&q).unwrap().len(), 1);
}

#[test]
fn duplicate_ids_inside_one_batch_count_once() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(&dir.path().join("s")).unwrap();
    let mut b = batch(0..5);
    b.push(b[0].clone());
    let r = s.put_mentions(&b, None).unwrap();
    assert_eq!((r.inserted, r.unchanged), (5, 1));
    assert_eq!(s.mention_count().unwrap(), 5);
    assert!(s.verify().unwrap().is_empty());
}

#[test]
fn series_and_queries() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(&dir.path().join("s")).unwrap();
    // 2000 mentions, 7 s apart: about 3.9 hours.
    s.put_mentions(&batch(0..2000), None).unwrap();
    let series = s
        .series(
            "华为",
            Granularity::Hour,
            start(),
            start() + chrono::Duration::hours(6),
        )
        .unwrap();
    assert_eq!(series.len(), 6);
    let total: u64 = series.iter().map(|(_, c)| c.total + c.spam).sum();
    assert_eq!(total, 1000);
    assert_eq!(series[5].1, Counts::default(), "empty buckets are zero");
    assert_eq!(series[1].0, start() + chrono::Duration::hours(1));

    let q = MentionQuery {
        watch: Some("Lumio".into()),
        since: Some(start() + chrono::Duration::hours(1)),
        until: Some(start() + chrono::Duration::hours(2)),
        sentiment: Some(Label::Negative),
        limit: None,
    };
    let found = s.mentions(&q).unwrap();
    assert!(!found.is_empty());
    for w in found.windows(2) {
        assert!(w[0].bucket_time() >= w[1].bucket_time(), "newest first");
    }
    for m in &found {
        assert_eq!(m.watches, vec!["Lumio".to_string()]);
        assert_eq!(m.sentiment.as_ref().unwrap().label, Label::Negative);
        assert!(m.bucket_time() >= q.since.unwrap() && m.bucket_time() < q.until.unwrap());
    }
    let all = s
        .mentions(&MentionQuery {
            limit: Some(10),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(all.len(), 10);
    assert_eq!(
        all[0].id,
        synthetic_mention(1999, &["华为", "Lumio"], start()).id
    );
}

#[test]
fn crawl_state_lands_with_mentions() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(&dir.path().join("s")).unwrap();
    let state = CrawlState {
        etag: Some("\"abc\"".into()),
        status: 200,
        ..Default::default()
    };
    s.put_mentions(&batch(0..3), Some(("https://x/1", &state)))
        .unwrap();
    assert_eq!(s.crawl_state("https://x/1").unwrap(), Some(state));
    assert_eq!(s.crawl_state("https://x/2").unwrap(), None);
}

#[test]
fn outbox_deduplicates_by_key() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(&dir.path().join("s")).unwrap();
    let mut item = OutboxItem {
        key: "alert-1/webhook".into(),
        channel: "webhook".into(),
        payload: "{}".into(),
        attempts: 0,
        next_attempt: start(),
        delivered_at: None,
        last_error: None,
    };
    assert!(s.enqueue(&item).unwrap());
    assert!(!s.enqueue(&item).unwrap());
    assert_eq!(s.outbox_pending().unwrap().len(), 1);
    item.delivered_at = Some(start());
    s.update_outbox(&item).unwrap();
    assert!(s.outbox_pending().unwrap().is_empty());
    assert!(
        !s.enqueue(&item).unwrap(),
        "a delivered key is not queued again"
    );
}

#[test]
fn missing_store_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let e = Store::open_existing(&dir.path().join("nope")).unwrap_err();
    assert!(matches!(e, StoreError::Missing(_)));
    assert!(e.to_string().contains("earshot crawl"), "{e}");
}

#[test]
fn second_open_is_refused_as_locked() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s");
    let _a = Store::open(&path).unwrap();
    let e = Store::open(&path).unwrap_err();
    assert!(matches!(e, StoreError::Locked(_)), "{e:?}");
    assert!(e.to_string().contains("in use by another earshot process"));
}

#[test]
fn newer_version_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s");
    {
        let s = Store::open(&path).unwrap();
        s.tree()
            .unwrap()
            .insert(
                keys::meta("schema_version"),
                &(SCHEMA_VERSION + 1).to_be_bytes(),
            )
            .unwrap();
        s.flush().unwrap();
    }
    let e = Store::open(&path).unwrap_err();
    assert!(
        matches!(e, StoreError::NewerVersion { found, .. } if found == SCHEMA_VERSION + 1),
        "{e:?}"
    );
    assert!(e.to_string().contains("upgrade earshot"));
}

/// A format no release wrote (0) has no migration: refused with the
/// format named and what to do, and left untouched (not stamped current).
#[test]
fn a_format_without_a_migration_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    {
        let s = Store::open(&path).unwrap();
        s.tree()
            .unwrap()
            .insert(keys::meta("schema_version"), &0u32.to_be_bytes())
            .unwrap();
        s.flush().unwrap();
    }
    let e = Store::open(&path).unwrap_err();
    assert!(
        matches!(e, StoreError::UnknownVersion { found: 0, .. }),
        "{e:?}"
    );
    let msg = e.to_string();
    assert!(msg.contains("format version 0"), "{msg}");
    assert!(msg.contains("migrates formats 1 to"), "{msg}");
    assert!(msg.contains("restore a backup"), "{msg}");
    assert_eq!(e.class(), ErrorClass::Fatal);
    // Still format 0: nothing was rewritten or stamped.
    let db = super::engine::sled_config(&path).open().unwrap();
    let tree = db.open_tree("earshot").unwrap();
    let v = tree.get(keys::meta("schema_version")).unwrap().unwrap();
    assert_eq!(v.as_ref(), &0u32.to_be_bytes());
}

/// Store errors are classified for the daemon: a full disk (as sled hands
/// it on from its flusher thread: same kind, the OS error in the text),
/// corruption, and the rest.
#[test]
fn store_errors_are_classified() {
    let p = Path::new("/x");
    let full = std::io::Error::from_raw_os_error(28);
    assert_eq!(map_io(p, full).class(), ErrorClass::DiskFull);
    let copied = std::io::Error::new(
        std::io::ErrorKind::StorageFull,
        "Os { code: 28, kind: StorageFull, message: \"No space left on device\" }",
    );
    assert_eq!(
        map_sled(p, sled::Error::Io(copied)).class(),
        ErrorClass::DiskFull
    );
    let eio = std::io::Error::from_raw_os_error(5);
    assert_eq!(map_io(p, eio).class(), ErrorClass::Transient);
    let bug = sled::Error::ReportableBug("x".into());
    assert_eq!(map_sled(p, bug).class(), ErrorClass::Fatal);
    let corrupt = StoreError::Corrupt {
        key: "k".into(),
        reason: "r".into(),
    };
    assert_eq!(corrupt.class(), ErrorClass::Fatal);
}

/// A reopened store reads what was flushed before and takes writes.
#[test]
fn a_reopened_store_keeps_what_was_flushed_and_takes_writes() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(&dir.path().join("db")).unwrap();
    let m = synthetic_mention(1, &["w"], start());
    s.put_mentions(std::slice::from_ref(&m), None).unwrap();
    s.flush().unwrap();
    s.reopen().unwrap();
    assert_eq!(s.get_mention(m.id).unwrap(), Some(m));
    let m2 = synthetic_mention(2, &["w"], start());
    s.put_mentions(std::slice::from_ref(&m2), None).unwrap();
    s.flush().unwrap();
    assert_eq!(s.mention_count().unwrap(), 2);
}

/// A store at format 1 holding `alerts` as format 1 wrote them.
fn format_1_store(path: &Path, alerts: &[migrate::AlertV1]) {
    let s = Store::open(path).unwrap();
    s.tree()
        .unwrap()
        .insert(keys::meta("schema_version"), &1u32.to_be_bytes())
        .unwrap();
    for a in alerts {
        s.tree()
            .unwrap()
            .insert(keys::alert(a.id), encode(a))
            .unwrap();
    }
    s.flush().unwrap();
}

fn alert_v1(id: u64, state: &str, evidence_json: &str) -> migrate::AlertV1 {
    migrate::AlertV1 {
        id,
        watch: "华为".into(),
        state: state.into(),
        severity: "medium".into(),
        opened_at: start(),
        updated_at: start() + chrono::Duration::hours(2),
        summary: format!("alert {id}"),
        evidence_json: evidence_json.into(),
    }
}

#[test]
fn format_1_alerts_are_migrated_and_evidence_that_is_not_evidence_is_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s");
    format_1_store(
        &path,
        &[
            alert_v1(1, "silenced", "{\"mentions\":[],\"negative_share\":0.6}"),
            alert_v1(2, "resolved", ""),
        ],
    );
    let s = Store::open_existing(&path).unwrap();
    assert_eq!(s.schema_version().unwrap(), SCHEMA_VERSION);
    let a = s.alerts().unwrap();
    assert_eq!(a.len(), 2);
    assert_eq!(
        (a[0].state, a[0].severity, a[0].evidence.as_ref()),
        (AlertState::Silenced, Severity::Medium, None)
    );
    assert_eq!(a[0].summary, "alert 1");
    assert_eq!(a[0].updated_at, start() + chrono::Duration::hours(2));
    assert_eq!(
        (a[1].state, a[1].evidence.as_ref()),
        (AlertState::Resolved, None)
    );
    assert_eq!(a[1].evidence_json(), "");
}

#[test]
fn a_format_1_alert_earshot_never_wrote_stops_the_migration_whole() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s");
    format_1_store(&path, &[alert_v1(1, "open", ""), alert_v1(2, "acked", "")]);
    let e = Store::open_existing(&path).unwrap_err();
    assert!(
        matches!(&e, StoreError::Corrupt { reason, .. } if reason.contains("`acked`")),
        "{e:?}"
    );
    // Nothing was rewritten: still format 1, every record in its old layout.
    // (sled lets go of its file lock a moment after the failed open.)
    let db = (0..40)
        .find_map(|_| {
            super::engine::sled_config(&path)
                .open()
                .map_err(|_| std::thread::sleep(std::time::Duration::from_millis(50)))
                .ok()
        })
        .unwrap();
    let tree = db.open_tree("earshot").unwrap();
    let v = tree.get(keys::meta("schema_version")).unwrap().unwrap();
    assert_eq!(v.as_ref(), 1u32.to_be_bytes());
    let old: migrate::AlertV1 = decode(b"a", &tree.get(keys::alert(1)).unwrap().unwrap()).unwrap();
    assert_eq!(old, alert_v1(1, "open", ""));
}

#[test]
fn foreign_directory_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), "mine").unwrap();
    let e = Store::open(dir.path()).unwrap_err();
    assert!(matches!(e, StoreError::Foreign(_)), "{e:?}");
    let file = dir.path().join("notes.txt");
    assert!(matches!(
        Store::open(&file).unwrap_err(),
        StoreError::Foreign(_)
    ));
}

#[test]
fn read_only_location_is_a_clear_error() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let ro = dir.path().join("ro");
    std::fs::create_dir(&ro).unwrap();
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();
    // root ignores directory permissions: use a location the kernel
    // refuses to everyone instead.
    let target = if std::fs::write(ro.join("probe"), "x").is_ok() {
        std::path::PathBuf::from("/sys/earshot-store-test/s")
    } else {
        ro.join("s")
    };
    let e = Store::open(&target).unwrap_err();
    assert!(matches!(e, StoreError::NotWritable { .. }), "{e:?}");
    assert!(e.to_string().contains("permission"), "{e}");
}

#[test]
fn cursor_pages_cover_every_mention_once_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(&dir.path().join("s")).unwrap();
    s.put_mentions(&batch(0..230), None).unwrap();
    for watch in [None, Some("华为".to_string())] {
        let q = MentionQuery {
            watch: watch.clone(),
            limit: Some(40),
            ..Default::default()
        };
        let all = s
            .mentions(&MentionQuery {
                watch: watch.clone(),
                ..Default::default()
            })
            .unwrap();
        let mut seen = Vec::new();
        let mut after = None;
        loop {
            let page = s.mentions_page(&q, after, &|_| true, usize::MAX).unwrap();
            seen.extend(page.mentions.iter().map(|m| m.id));
            match page.next {
                Some(c) => {
                    let text = c.encode();
                    assert_eq!(MentionCursor::parse(&text), Some(c));
                    after = Some(c);
                }
                None => break,
            }
        }
        assert_eq!(seen, all.iter().map(|m| m.id).collect::<Vec<_>>());
    }
    // A filter applies before the page is cut.
    let q = MentionQuery {
        limit: Some(5),
        ..Default::default()
    };
    let page = s
        .mentions_page(&q, None, &|m| m.text.contains("post 1"), usize::MAX)
        .unwrap();
    assert_eq!(page.mentions.len(), 5);
    assert!(page.mentions.iter().all(|m| m.text.contains("post 1")));
    // A scan budget bounds the work; following the cursors finds the rest.
    let rare = |m: &Mention| m.text.contains("post 7.") || m.text.contains("post 3.");
    let mut found = Vec::new();
    let mut after = None;
    let mut rounds = 0;
    loop {
        rounds += 1;
        let page = s.mentions_page(&q, after, &rare, 30).unwrap();
        found.extend(page.mentions.iter().map(|m| m.id));
        match page.next {
            Some(c) => after = Some(c),
            None => break,
        }
    }
    assert_eq!(found.len(), 2);
    assert!(rounds >= 230 / 30, "{rounds}");
    // All records of a period in one sequential read.
    let t0 = start();
    let between = s
        .mentions_between(t0, t0 + chrono::Duration::seconds(7 * 100), &|_| true)
        .unwrap();
    assert_eq!(between.len(), 100);
    assert_eq!(MentionCursor::parse("zz"), None);
}

#[test]
fn rebuild_counters_repairs_a_damaged_counter() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("db")).unwrap();
    store.put_mentions(&batch(0..200), None).unwrap();
    assert_eq!(store.rebuild_counters().unwrap().1, 0, "nothing to repair");
    assert!(store.verify().unwrap().is_empty());
    // damage one counter and add a stray one
    let (k, c) = store.counters().unwrap().into_iter().next().unwrap();
    let mut wrong = c;
    wrong.total += 7;
    store
        .tree()
        .unwrap()
        .insert(keys::counter(k.0, &k.1, k.2), encode(&wrong))
        .unwrap();
    store
        .tree()
        .unwrap()
        .insert(keys::counter(k.0, "ghost", k.2), encode(&wrong))
        .unwrap();
    assert!(!store.verify().unwrap().is_empty());
    let (buckets, differed) = store.rebuild_counters().unwrap();
    assert_eq!(differed, 2);
    assert!(buckets > 0);
    assert!(store.verify().unwrap().is_empty(), "{:?}", store.verify());
    assert_eq!(store.counters().unwrap(), store.recount().unwrap());
}

#[test]
fn verify_counts_the_content_hash_index_and_cluster_members() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(&dir.path().join("s")).unwrap();
    let mut b = batch(0..30);
    for m in b.iter_mut().step_by(2) {
        m.cluster_id = Some(m.post_id);
    }
    s.put_mentions(&b, None).unwrap();
    assert_eq!(s.verify().unwrap(), Vec::<String>::new());
    let tree = s.tree().unwrap();
    // A lost hash entry and a stray cluster member are both reported.
    tree.remove(keys::hash_index(&b[3].content_hash, b[3].id))
        .unwrap()
        .unwrap();
    tree.insert(&keys::cluster_member(1, 2)[..], keys::member_value(2, "x"))
        .unwrap();
    let problems = s.verify().unwrap();
    assert_eq!(
        problems,
        vec![
            "content-hash index has 29 entries for 30 mentions".to_string(),
            "clusters have 16 members for 15 mentions in a cluster".to_string(),
        ]
    );
    // Put back as they were: clean again.
    tree.insert(keys::hash_index(&b[3].content_hash, b[3].id), &[][..])
        .unwrap();
    tree.remove(&keys::cluster_member(1, 2)[..])
        .unwrap()
        .unwrap();
    assert_eq!(s.verify().unwrap(), Vec::<String>::new());
}

#[test]
fn removing_mentions_takes_them_out_of_counters_and_indexes() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(&dir.path().join("s")).unwrap();
    let b = batch(0..40);
    s.put_mentions(&b, None).unwrap();
    let gone: Vec<u64> = b.iter().step_by(3).map(|m| m.id).collect();
    let r = s.replace_mentions(&[], &gone).unwrap();
    assert_eq!(r.removed, gone.len());
    assert_eq!(r.removed_per_watch.values().sum::<usize>(), gone.len());
    assert_eq!(s.mention_count().unwrap(), (40 - gone.len()) as u64);
    assert_eq!(s.verify().unwrap(), Vec::<String>::new());
    assert_eq!(s.counters().unwrap(), s.recount().unwrap());
    assert!(s.get_mention(gone[0]).unwrap().is_none());
    let listed = s.mentions(&MentionQuery::default()).unwrap();
    assert_eq!(listed.len(), 40 - gone.len());
    assert!(listed.iter().all(|m| !gone.contains(&m.id)));
    // Removing what is not there changes nothing.
    let r = s.replace_mentions(&[], &gone).unwrap();
    assert_eq!(r.removed, 0);
    assert_eq!(s.mention_count().unwrap(), (40 - gone.len()) as u64);
}

#[test]
fn a_post_naming_two_watches_is_counted_once_in_each_with_its_own_sentiment() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(&dir.path().join("s")).unwrap();
    let mut a = synthetic_mention(0, &["Lumio"], start());
    a.sentiment.as_mut().unwrap().label = Label::Positive;
    a.cluster_id = Some(a.post_id);
    let mut b = a.clone();
    b.watches = vec!["Northwind".into()];
    b.id = Mention::watch_id(b.post_id, "Northwind");
    b.sentiment.as_mut().unwrap().label = Label::Negative;
    assert_ne!(a.id, b.id);
    s.put_mentions(&[a.clone(), b.clone()], None).unwrap();
    let stats = s.stats().unwrap();
    assert_eq!(stats.watches["Lumio"].positive, 1);
    assert_eq!(stats.watches["Lumio"].negative, 0);
    assert_eq!(stats.watches["Northwind"].negative, 1);
    assert_eq!(stats.watches["Northwind"].positive, 0);
    assert_eq!(s.verify().unwrap(), Vec::<String>::new());
    // One post: one member of its cluster, not two.
    assert_eq!(s.cluster_sizes(&[a.post_id]).unwrap()[&a.post_id], 1);
    assert_eq!(s.clusters(1).unwrap()[0].members.len(), 1);
}

#[test]
fn posts_and_watch_fingerprints_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(&dir.path().join("s")).unwrap();
    assert!(!s.has_posts().unwrap());
    let posts: Vec<Post> = (0..10u32)
        .map(|i| Post {
            id: Mention::make_id("https://x.example/t/1", i),
            url: "https://x.example/t/1".into(),
            canonical_url: "https://x.example/t/1".into(),
            source: "x".into(),
            site: "x.example".into(),
            author: Some(format!("u{i}")),
            published_at: None,
            fetched_at: start(),
            title: Some("t".into()),
            has_title: i == 0,
            text: format!("post {i}"),
            lang: Some("en".into()),
            flags: Vec::new(),
            floor: Some(i + 1),
            rating: (i == 2).then_some(Rating {
                value: 4.5,
                best: 5.0,
            }),
        })
        .collect();
    let state = CrawlState {
        content_hash: Some("ab".into()),
        status: 200,
        ..Default::default()
    };
    s.put_page(&[], &posts, Some(("https://x.example/t/1", &state)))
        .unwrap();
    assert!(s.has_posts().unwrap());
    assert_eq!(s.post_count(), 10);
    assert_eq!(s.get_post(posts[3].id).unwrap().as_ref(), Some(&posts[3]));
    assert_eq!(s.crawl_state("https://x.example/t/1").unwrap(), Some(state));
    // Paged reads cover every post once.
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = s.posts_after(after, 3).unwrap();
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        seen.extend(page.into_iter().map(|p| p.id));
    }
    let mut want: Vec<u64> = posts.iter().map(|p| p.id).collect();
    want.sort_unstable();
    assert_eq!(seen, want);

    assert!(s.watch_fingerprints().unwrap().is_empty());
    s.set_watch_fingerprint("Lumio", "abc").unwrap();
    s.set_watch_fingerprint("云雀", "def").unwrap();
    let fp = s.watch_fingerprints().unwrap();
    assert_eq!(fp.len(), 2);
    assert_eq!(fp["Lumio"], "abc");
    assert_eq!(fp["云雀"], "def");
}

#[test]
fn format_2_mentions_are_split_per_watch() {
    use super::migrate::MentionV2;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s");
    let m = synthetic_mention(7, &["Lumio"], start());
    let t = m.bucket_time();
    let old = MentionV2 {
        id: m.post_id,
        url: m.url.clone(),
        canonical_url: m.canonical_url.clone(),
        source: m.source.clone(),
        site: m.site.clone(),
        author: m.author.clone(),
        published_at: m.published_at,
        fetched_at: m.fetched_at,
        title: m.title.clone(),
        text: m.text.clone(),
        context: m.context.clone(),
        lang: m.lang.clone(),
        watches: vec!["Lumio".into(), "Northwind".into()],
        sentiment: m.sentiment.clone(),
        cluster_id: Some(m.post_id),
        spam: None,
        flags: Vec::new(),
        content_hash: m.content_hash.clone(),
        floor: m.floor,
    };
    {
        // A format 2 store, written record by record.
        let s = Store::open(&path).unwrap();
        let tree = &s.tree().unwrap();
        tree.insert(keys::meta("schema_version"), &2u32.to_be_bytes())
            .unwrap();
        tree.insert(&keys::mention_v6(t, old.id)[..], encode(&old))
            .unwrap();
        tree.insert(keys::id_index(old.id), &keys::ts_value(t)[..])
            .unwrap();
        tree.insert(keys::hash_index(&old.content_hash, old.id), &[][..])
            .unwrap();
        tree.insert(
            &keys::cluster_member(old.id, old.id)[..],
            old.site.as_bytes(),
        )
        .unwrap();
        tree.insert(keys::meta("mention_count"), &1u64.to_be_bytes())
            .unwrap();
        let mut d = CountsDelta::default();
        d.add(&m);
        for w in &old.watches {
            tree.insert(keys::time_index(w, t, old.id), &[][..])
                .unwrap();
            for g in Granularity::STORED {
                let mut c = Counts::default();
                d.apply(&mut c);
                tree.insert(keys::counter(*g, w, g.bucket_start(t)), encode(&c))
                    .unwrap();
            }
        }
        let state = CrawlState {
            etag: Some("e".into()),
            content_hash: Some("h".into()),
            status: 200,
            last_fetch: Some(start()),
            ..Default::default()
        };
        tree.insert(keys::crawl("https://x.example/"), encode(&state))
            .unwrap();
        s.flush().unwrap();
    }
    let s = Store::open_existing(&path).unwrap();
    assert_eq!(s.schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(s.mention_count().unwrap(), 2);
    assert_eq!(s.verify().unwrap(), Vec::<String>::new());
    for w in ["Lumio", "Northwind"] {
        let got = s
            .get_mention(Mention::watch_id(old.id, w))
            .unwrap()
            .unwrap();
        assert_eq!(got.watches, vec![w.to_string()]);
        assert_eq!(got.post_id, old.id);
        assert_eq!(got.sentiment, old.sentiment);
        let q = MentionQuery {
            watch: Some(w.into()),
            ..Default::default()
        };
        assert_eq!(s.mentions(&q).unwrap().len(), 1);
    }
    assert!(s.get_mention(old.id).unwrap().is_none());
    assert_eq!(s.cluster_sizes(&[old.id]).unwrap()[&old.id], 1);
    assert_eq!(s.pages_without_posts().unwrap(), 1);
    let state = s.crawl_state("https://x.example/").unwrap().unwrap();
    assert_eq!(
        (state.etag, state.content_hash, state.last_fetch),
        (None, None, None)
    );
}
