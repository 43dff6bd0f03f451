//! `earshot store compact`: the store copied into a fresh directory (sled
//! never gives back the space of its log: a copy holds only the live
//! records), the copy verified, then swapped into place.
//!
//! 1. `<store>.compacting` is written as a backup is (under the writer
//!    lock, every key of every tree), flushed, read back and compared
//!    with what was copied (key count and BLAKE3 digest), opened as a
//!    store and checked ([`Store::verify`]: mention count, record keys,
//!    counters equal to a recount).
//! 2. A marker file ([`SWAP_MARKER`]) is written into the copy: it is
//!    verified and may replace the store.
//! 3. The store is renamed to `<store>.before-compact-<time>` and the copy
//!    to `<store>`; the copy is opened and its mention count compared.
//! 4. The old store is removed, or kept when asked (`--keep-old`).
//!
//! A kill at any point loses nothing: before step 3 the store is
//! untouched (the next compaction removes the unfinished copy); between
//! the two renames, opening the store finds no store but a verified copy
//! and finishes the swap ([`recover_interrupted_compaction`]); after
//! them, the old store is still beside the new one.
//!
//! The store must not be open in another process: compaction needs it to
//! itself (a running `earshot run` or `serve` is refused by sled's lock).

use std::path::{Path, PathBuf};

use chrono::Utc;

use super::backup::{copy_all, fresh_dir, sibling, tally_of, target, BackupError};
use super::{map_io, map_sled, Store, StoreError};

/// Written into a verified copy just before the swap.
pub const SWAP_MARKER: &str = "earshot-compacted.json";

/// What a compaction did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CompactReport {
    /// The store.
    pub path: PathBuf,
    /// Bytes of the store directory before.
    pub bytes_before: u64,
    /// Bytes of the store directory after.
    pub bytes_after: u64,
    /// Keys copied (all trees).
    pub keys: u64,
    /// Mentions in the store (before and after: equal).
    pub mentions: u64,
    /// Where the old store was kept (`--keep-old`); `None`: removed.
    pub old_store: Option<PathBuf>,
}

/// Total bytes of the files under `dir`.
pub fn dir_size(dir: &Path) -> u64 {
    let mut total = 0;
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            match e.metadata() {
                Ok(m) if m.is_dir() => todo.push(e.path()),
                Ok(m) => total += m.len(),
                Err(_) => {}
            }
        }
    }
    total
}

/// Finishes a compaction killed between its two renames: no store at
/// `path`, a verified copy beside it. Called before a store is opened.
pub(super) fn recover_interrupted_compaction(path: &Path) -> Result<(), StoreError> {
    let staging = sibling(path, "compacting");
    if path.exists() || !staging.join(SWAP_MARKER).exists() {
        return Ok(());
    }
    tracing::warn!(
        store = %path.display(),
        "a compaction was interrupted after the store was moved aside: putting the verified copy in place"
    );
    if let Err(e) = std::fs::rename(&staging, path) {
        // Another process may have just finished the same swap.
        if !path.exists() {
            return Err(map_io(path, e));
        }
    }
    let _ = std::fs::remove_file(path.join(SWAP_MARKER));
    Ok(())
}

impl Store {
    /// Compacts the store at `path` (see the module docs); `keep_old`
    /// keeps the old store as `<path>.before-compact-<time>`.
    pub fn compact(path: &Path, keep_old: bool) -> Result<CompactReport, BackupError> {
        recover_interrupted_compaction(path)?;
        let _ = std::fs::remove_file(path.join(SWAP_MARKER));
        // Takes sled's lock: refused while another process holds it.
        let live = Store::open_existing(path)?;
        live.flush()?;
        let bytes_before = dir_size(path);
        let mentions = live.mention_count()?;
        let staging = sibling(path, "compacting");
        if staging.exists() {
            // An unfinished copy of an earlier, interrupted compaction.
            std::fs::remove_dir_all(&staging).map_err(|e| map_io(&staging, e))?;
        }
        fresh_dir(&staging)?;
        let copy = super::engine::sled_config(&staging)
            .open()
            .map_err(|e| map_sled(&staging, e))?;
        let tally = {
            let _guard = live.write_lock.lock().unwrap_or_else(|p| p.into_inner());
            copy_all(&live.db()?, &copy, &staging)?
        };
        let digest = tally.hasher.finalize().to_hex().to_string();
        let check = tally_of(&copy, &staging)?;
        if check.keys != tally.keys || check.hasher.finalize().to_hex().as_str() != digest {
            return Err(target(
                &staging,
                "the compacted copy read back differs from what was written",
                "check the disk beside the store (dmesg) and its free space; the store was not touched",
            ));
        }
        drop(copy);
        {
            let fresh = Store::open_existing(&staging)?;
            let problems = fresh.verify()?;
            let n = fresh.mention_count()?;
            if !problems.is_empty() || n != mentions {
                return Err(target(
                    &staging,
                    format!(
                        "the compacted copy does not verify ({n} mentions of {mentions}; {})",
                        problems.join("; ")
                    ),
                    "run `earshot stats` and `earshot timeline rebuild` on the store, then compact again; the store was not touched",
                ));
            }
        }
        let aside = sibling(
            path,
            &format!("before-compact-{}", Utc::now().format("%Y%m%dT%H%M%S")),
        );
        let marker = staging.join(SWAP_MARKER);
        let note = serde_json::json!({ "store": path, "old_store": aside, "keys": tally.keys, "digest": digest });
        write_synced(&marker, note.to_string().as_bytes())?;
        drop(live);
        std::fs::rename(path, &aside).map_err(|e| map_io(path, e))?;
        std::fs::rename(&staging, path).map_err(|e| map_io(path, e))?;
        sync_dir(path.parent());
        let _ = std::fs::remove_file(path.join(SWAP_MARKER));
        let reopened = Store::open_existing(path)?;
        let n = reopened.mention_count()?;
        drop(reopened);
        if n != mentions {
            return Err(target(
                path,
                format!("the compacted store holds {n} mentions, the old one {mentions}"),
                "the old store is kept beside it: move it back in place of the compacted one",
            ));
        }
        let old_store = if keep_old {
            Some(aside)
        } else {
            std::fs::remove_dir_all(&aside).map_err(|e| map_io(&aside, e))?;
            None
        };
        Ok(CompactReport {
            path: path.to_path_buf(),
            bytes_before,
            bytes_after: dir_size(path),
            keys: tally.keys,
            mentions,
            old_store,
        })
    }
}

fn write_synced(file: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    use std::io::Write;
    let mut f = std::fs::File::create(file).map_err(|e| map_io(file, e))?;
    f.write_all(bytes).map_err(|e| map_io(file, e))?;
    f.sync_all().map_err(|e| map_io(file, e))
}

/// Makes renames in `dir` durable (best effort: not every filesystem
/// lets a directory be synced).
fn sync_dir(dir: Option<&Path>) {
    let dir = dir
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::synthetic_mention;
    use chrono::{DateTime, TimeZone};

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap()
    }

    #[test]
    fn compaction_shrinks_the_store_and_keeps_every_mention() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store");
        let watches = ["云雀", "Lumio"];
        let all: Vec<_> = (0..3000)
            .map(|i| synthetic_mention(i, &watches, t0()))
            .collect();
        {
            let s = Store::open(&path).unwrap();
            // Written, rescored and partly removed: garbage in sled's log.
            for round in 0..4 {
                let ms: Vec<_> = all
                    .iter()
                    .map(|m| {
                        let mut m = m.clone();
                        m.context = format!("{} (round {round})", m.context);
                        m
                    })
                    .collect();
                for c in ms.chunks(300) {
                    s.put_mentions(c, None).unwrap();
                    s.flush().unwrap();
                }
            }
            s.put_mentions(&all, None).unwrap();
            s.flush().unwrap();
        }
        let r = Store::compact(&path, false).unwrap();
        assert_eq!(r.mentions, 3000);
        assert!(r.old_store.is_none());
        assert!(
            r.bytes_after < r.bytes_before,
            "{} bytes before, {} after",
            r.bytes_before,
            r.bytes_after
        );
        assert!(!sibling(&path, "compacting").exists());
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
        let s = Store::open_existing(&path).unwrap();
        assert!(!path.join(SWAP_MARKER).exists());
        for m in &all {
            assert_eq!(s.get_mention(m.id).unwrap().as_ref(), Some(m));
        }
        assert!(s.verify().unwrap().is_empty());
        assert_eq!(s.counters().unwrap(), s.recount().unwrap());

        // In use: refused, untouched.
        let err = Store::compact(&path, false).unwrap_err();
        assert!(
            matches!(err, BackupError::Store(StoreError::Locked(_))),
            "{err}"
        );
        drop(s);

        // --keep-old keeps the old store beside it, whole.
        let r = Store::compact(&path, true).unwrap();
        let old = r.old_store.expect("kept");
        assert!(old.to_string_lossy().contains("before-compact-"), "{old:?}");
        assert_eq!(
            Store::open_existing(&old).unwrap().mention_count().unwrap(),
            3000
        );
        assert_eq!(
            Store::open_existing(&path)
                .unwrap()
                .mention_count()
                .unwrap(),
            3000
        );
    }

    fn segment_line(path: &Path) -> String {
        // sled's `conf`: lines of text, then a checksum.
        let conf = std::fs::read(path.join("conf")).unwrap();
        String::from_utf8_lossy(&conf)
            .lines()
            .find(|l| l.starts_with("segment_size: "))
            .unwrap()
            .to_string()
    }

    #[test]
    fn a_store_keeps_its_segment_size_and_compaction_moves_it_to_the_new_one() {
        let dir = tempfile::tempdir().unwrap();
        let new = super::super::engine::NEW_SEGMENT_BYTES;
        // A fresh store gets the new segment size.
        let fresh = dir.path().join("fresh");
        drop(Store::open(&fresh).unwrap());
        assert_eq!(segment_line(&fresh), format!("segment_size: {new}"));

        // A store created with sled's default (as every store before)
        // opens with it, takes writes, backs up and restores, and moves to
        // the new size only when compacted.
        let path = dir.path().join("store");
        drop(sled::Config::new().path(&path).open().unwrap());
        let old_line = segment_line(&path);
        assert_eq!(old_line, format!("segment_size: {}", 512 << 10));
        let all: Vec<_> = (0..500)
            .map(|i| synthetic_mention(i, &["云雀", "Lumio"], t0()))
            .collect();
        {
            let s = Store::open(&path).unwrap();
            s.put_mentions(&all, None).unwrap();
            s.flush().unwrap();
            s.backup_to(&dir.path().join("backup")).unwrap();
        }
        assert_eq!(segment_line(&path), old_line);
        let s = Store::open_existing(&path).unwrap();
        assert_eq!(s.mention_count().unwrap(), 500);
        drop(s);
        Store::restore(&dir.path().join("backup"), &path).unwrap();
        Store::compact(&path, false).unwrap();
        assert_eq!(segment_line(&path), format!("segment_size: {new}"));
        let s = Store::open_existing(&path).unwrap();
        for m in &all {
            assert_eq!(s.get_mention(m.id).unwrap().as_ref(), Some(m));
        }
        assert!(s.verify().unwrap().is_empty());
        assert_eq!(s.counters().unwrap(), s.recount().unwrap());
    }

    #[test]
    fn a_compaction_killed_between_its_renames_is_finished_on_open() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store");
        let all: Vec<_> = (0..200)
            .map(|i| synthetic_mention(i, &["a"], t0()))
            .collect();
        {
            let s = Store::open(&path).unwrap();
            s.put_mentions(&all, None).unwrap();
            // A verified copy, then the first rename only.
            s.backup_to(&sibling(&path, "compacting")).unwrap();
        }
        let staging = sibling(&path, "compacting");
        std::fs::write(staging.join(SWAP_MARKER), b"{}").unwrap();
        std::fs::rename(&path, sibling(&path, "before-compact-x")).unwrap();
        let s = Store::open_existing(&path).unwrap();
        assert_eq!(s.mention_count().unwrap(), 200);
        assert!(s.verify().unwrap().is_empty());
        assert!(!staging.exists());
        assert!(!path.join(SWAP_MARKER).exists());
        drop(s);
        // An unfinished copy (no marker) is not used, and the next
        // compaction replaces it.
        std::fs::create_dir_all(&staging).unwrap();
        std::fs::write(staging.join("junk"), b"x").unwrap();
        assert_eq!(
            Store::open_existing(&path)
                .unwrap()
                .mention_count()
                .unwrap(),
            200
        );
        Store::compact(&path, false).unwrap();
        assert!(!staging.exists());
        assert_eq!(
            Store::open_existing(&path)
                .unwrap()
                .mention_count()
                .unwrap(),
            200
        );
    }
}
