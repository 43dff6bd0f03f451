//! `earshot store compact` and `earshot store prune` from the command
//! line: what they print, what they keep, what they refuse.

use chrono::Utc;
use earshot::store::Store;
use earshot_test_utils::synthetic_mention;

fn config(dir: &std::path::Path, store_section: &str) -> std::path::PathBuf {
    let file = dir.join("earshot.toml");
    std::fs::write(
        &file,
        format!(
            "[store]\npath = \"{}\"\n{store_section}\n\n[[watch]]\nname = \"Lumio\"\nquery = \"Lumio\"\n",
            dir.join("store").display()
        ),
    )
    .unwrap();
    file
}

#[test]
fn prune_and_compact_keep_every_recent_mention_and_give_space_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    let now = Utc::now();
    let olds: Vec<_> = (0..3000)
        .map(|i| synthetic_mention(i, &["Lumio"], now - chrono::Duration::days(500)))
        .collect();
    let news: Vec<_> = (3000..4000)
        .map(|i| synthetic_mention(i, &["Lumio"], now - chrono::Duration::days(3)))
        .collect();
    {
        let s = Store::open(&path).unwrap();
        for c in olds.chunks(200).chain(news.chunks(200)) {
            s.put_mentions(c, None).unwrap();
            s.flush().unwrap();
        }
    }
    let file = config(dir.path(), "keep = \"400d\"");
    let out = crate::util::earshot()
        .arg("--config")
        .arg(&file)
        .args(["store", "prune", "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["removed"]["mentions"], 3000, "{v}");
    assert_eq!(v["removed"]["complete"], true, "{v}");
    assert_eq!(v["mentions_left"], 1000, "{v}");

    let out = crate::util::run(&path, &["store", "compact", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let (before, after) = (
        r["bytes_before"].as_u64().unwrap(),
        r["bytes_after"].as_u64().unwrap(),
    );
    assert!(after < before, "{before} bytes before, {after} after");
    assert_eq!(r["mentions"], 1000);
    let s = Store::open_existing(&path).unwrap();
    assert!(s.verify().unwrap().is_empty());
    assert_eq!(s.counters().unwrap(), s.recount().unwrap());
    for m in &news {
        assert_eq!(s.get_mention(m.id).unwrap().as_ref(), Some(m));
    }
    for m in &olds {
        assert_eq!(s.get_mention(m.id).unwrap(), None);
    }
    drop(s);

    // --keep-old: the old store stays beside it; the text says where.
    let out = crate::util::run(&path, &["store", "compact", "--keep-old"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("before-compact-"), "{text}");
}

#[test]
fn nonsense_retention_is_refused_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    Store::open(&dir.path().join("store")).unwrap();
    for (section, want) in [
        ("keep = \"2h\"", "retention under a day"),
        (
            "keep = \"banana\"",
            "earshot.toml:3:8: invalid value: string \"banana\", expected a duration",
        ),
        ("keep = 400", "earshot.toml:3:8"),
    ] {
        let file = config(dir.path(), section);
        let out = crate::util::earshot()
            .arg("--config")
            .arg(&file)
            .args(["store", "prune"])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{section}: {err}");
        assert!(err.contains(want), "{section}: {err}");
    }
    // No retention anywhere: says how to give one.
    let file = config(dir.path(), "");
    let out = crate::util::earshot()
        .arg("--config")
        .arg(&file)
        .args(["store", "prune"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("--keep 400d"), "{err}");
    let out = crate::util::earshot()
        .arg("--config")
        .arg(&file)
        .args(["store", "prune", "--keep", "5m"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("--keep is 5m"), "{err}");
}

/// `earshot run` with `[store] keep` removes what is older by itself,
/// without a source to crawl.
#[test]
fn run_applies_retention_while_it_runs() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    let now = Utc::now();
    let olds: Vec<_> = (0..2500)
        .map(|i| synthetic_mention(i, &["Lumio"], now - chrono::Duration::days(450)))
        .collect();
    let news: Vec<_> = (2500..3000)
        .map(|i| synthetic_mention(i, &["Lumio"], now - chrono::Duration::days(2)))
        .collect();
    {
        let s = Store::open(&path).unwrap();
        s.put_mentions(&olds, None).unwrap();
        s.put_mentions(&news, None).unwrap();
    }
    let file = config(dir.path(), "keep = \"400d\"");
    let mut child = crate::util::earshot()
        .arg("--config")
        .arg(&file)
        .arg("run")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            let _ = tx.send(line);
        }
    });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(90);
    let mut seen = Vec::new();
    let found = loop {
        match rx.recv_timeout(std::time::Duration::from_secs(1)) {
            Ok(l) if l.contains("retention") => break Some(l),
            Ok(l) => seen.push(l),
            Err(_) if std::time::Instant::now() > deadline => break None,
            Err(_) => {}
        }
    };
    // The removal was flushed before it was logged: a kill loses none of it.
    child.kill().unwrap();
    child.wait().unwrap();
    let line = found.unwrap_or_else(|| panic!("no retention line: {seen:#?}"));
    assert!(line.contains("mentions=2500"), "{line}");
    let s = Store::open_existing(&path).unwrap();
    assert_eq!(s.mention_count().unwrap(), 500);
    assert!(s.verify().unwrap().is_empty());
    for m in &news {
        assert_eq!(s.get_mention(m.id).unwrap().as_ref(), Some(m));
    }
    for m in &olds {
        assert_eq!(s.get_mention(m.id).unwrap(), None);
    }
}

/// `[store] cache_mb` outside 8..=65536 (or not a number) is refused with
/// its line and what to write; a sensible one opens the store.
#[test]
fn a_cache_size_out_of_range_is_refused_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    Store::open(&dir.path().join("store")).unwrap();
    for (section, want) in [
        ("cache_mb = 2", "store.cache_mb"),
        ("cache_mb = 2", "sled's page cache must be 8 to 65536 MiB"),
        ("cache_mb = 1000000", "cache_mb = 128"),
        ("cache_mb = \"big\"", "earshot.toml:3:12"),
    ] {
        let file = config(dir.path(), section);
        let out = crate::util::earshot()
            .arg("--config")
            .arg(&file)
            .args(["stats"])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{section}: {err}");
        assert!(err.contains(want), "{section}: {err}");
    }
    let file = config(dir.path(), "cache_mb = 64");
    let out = crate::util::earshot()
        .arg("--config")
        .arg(&file)
        .args(["stats"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
