//! Backup and restore: a consistent copy of a store into a fresh directory
//! while it stays open, and putting such a copy back in place.
//!
//! A backup is itself a store (open it with `--store`), plus
//! `earshot-backup.json`: when it was taken, by which version, and the
//! number of keys and a BLAKE3 digest of every key and value, which
//! restore checks before it touches the live store. The copy is taken
//! under the store's write lock, so no multi-key write (a page's mentions
//! and counters, an alert and its outbox items) is half in it; writers
//! wait for the copy (about a second per 100,000 mentions), readers never.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use super::{map_io, map_sled, Store, StoreError, SCHEMA_VERSION};

/// Why a backup or restore could not be done.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// The store (or the copy, opened as a store) failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The backup directory cannot be used.
    #[error("backup {path}: {reason}\n  help: {help}")]
    Target {
        /// The directory.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
        /// How to fix it.
        help: &'static str,
    },
}

pub(super) fn target(path: &Path, reason: impl Into<String>, help: &'static str) -> BackupError {
    BackupError::Target {
        path: path.to_path_buf(),
        reason: reason.into(),
        help,
    }
}

/// The manifest's file name inside a backup directory.
pub const MANIFEST: &str = "earshot-backup.json";

/// What a backup holds, written beside its data as [`MANIFEST`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BackupManifest {
    /// When the copy was taken.
    pub taken_at: DateTime<Utc>,
    /// The earshot version that took it.
    pub earshot_version: String,
    /// The store format version of the copy.
    pub schema_version: u32,
    /// The store it was taken from.
    pub source: PathBuf,
    /// Keys copied, all trees together.
    pub keys: u64,
    /// Bytes of keys and values copied.
    pub bytes: u64,
    /// BLAKE3 over every tree name, key and value, in order (hex).
    pub digest: String,
}

/// Keys and digest of one pass over a sled database.
pub(super) struct Tally {
    pub(super) keys: u64,
    pub(super) bytes: u64,
    pub(super) hasher: blake3::Hasher,
}

impl Tally {
    fn new() -> Tally {
        Tally {
            keys: 0,
            bytes: 0,
            hasher: blake3::Hasher::new(),
        }
    }

    fn add(&mut self, k: &[u8], v: &[u8]) {
        self.keys += 1;
        self.bytes += (k.len() + v.len()) as u64;
        for part in [k, v] {
            self.hasher.update(&(part.len() as u64).to_be_bytes());
            self.hasher.update(part);
        }
    }
}

/// Copies every tree of `from` into `to` (both open), returning the tally
/// of what was copied.
pub(super) fn copy_all(
    from: &sled::Db,
    to: &sled::Db,
    to_path: &Path,
) -> Result<Tally, StoreError> {
    let mut tally = Tally::new();
    let mut names = from.tree_names();
    names.sort();
    for name in names {
        tally.hasher.update(&(name.len() as u64).to_be_bytes());
        tally.hasher.update(&name);
        let src = from.open_tree(&name).map_err(|e| map_sled(to_path, e))?;
        let dst = to.open_tree(&name).map_err(|e| map_sled(to_path, e))?;
        let mut batch = sled::Batch::default();
        let mut in_batch = 0usize;
        for item in src.iter() {
            let (k, v) = item.map_err(|e| map_sled(to_path, e))?;
            tally.add(&k, &v);
            batch.insert(k, v);
            in_batch += 1;
            if in_batch == 10_000 {
                dst.apply_batch(std::mem::take(&mut batch))
                    .map_err(|e| map_sled(to_path, e))?;
                in_batch = 0;
            }
        }
        dst.apply_batch(batch).map_err(|e| map_sled(to_path, e))?;
    }
    to.flush().map_err(|e| map_sled(to_path, e))?;
    Ok(tally)
}

/// Reads a whole database once for its tally (to verify a copy).
pub(super) fn tally_of(db: &sled::Db, path: &Path) -> Result<Tally, StoreError> {
    let mut tally = Tally::new();
    let mut names = db.tree_names();
    names.sort();
    for name in names {
        tally.hasher.update(&(name.len() as u64).to_be_bytes());
        tally.hasher.update(&name);
        let tree = db.open_tree(&name).map_err(|e| map_sled(path, e))?;
        for item in tree.iter() {
            let (k, v) = item.map_err(|e| map_sled(path, e))?;
            tally.add(&k, &v);
        }
    }
    Ok(tally)
}

pub(super) fn fresh_dir(dest: &Path) -> Result<(), BackupError> {
    let non_empty = std::fs::read_dir(dest)
        .map(|mut d| d.next().is_some())
        .unwrap_or(false);
    if non_empty {
        return Err(target(
            dest,
            "it exists and is not empty",
            "give a new directory for each backup, e.g. backups/earshot-$(date +%F)",
        ));
    }
    Ok(std::fs::create_dir_all(dest).map_err(|e| map_io(dest, e))?)
}

impl Store {
    /// Writes a consistent copy of this store into `dest`, a directory
    /// that must not exist or be empty, then reads the copy back to check
    /// it. Writers wait while it copies.
    pub fn backup_to(&self, dest: &Path) -> Result<BackupManifest, BackupError> {
        fresh_dir(dest)?;
        let copy = super::engine::sled_config(dest)
            .open()
            .map_err(|e| map_sled(dest, e))?;
        let tally = {
            let _guard = self.write_lock.lock().unwrap_or_else(|p| p.into_inner());
            copy_all(&self.db()?, &copy, dest)?
        };
        let check = tally_of(&copy, dest)?;
        let digest = tally.hasher.finalize().to_hex().to_string();
        if check.keys != tally.keys || check.hasher.finalize().to_hex().as_str() != digest {
            return Err(target(
                dest,
                "the copy read back differs from what was written",
                "check the disk under the backup directory (dmesg), then take the backup again",
            ));
        }
        drop(copy);
        let manifest = BackupManifest {
            taken_at: Utc::now(),
            earshot_version: env!("CARGO_PKG_VERSION").to_string(),
            schema_version: self.schema_version()?,
            source: self.path.clone(),
            keys: tally.keys,
            bytes: tally.bytes,
            digest,
        };
        let json = serde_json::to_vec_pretty(&manifest).unwrap_or_default();
        let file = dest.join(MANIFEST);
        std::fs::write(&file, json).map_err(|e| map_io(&file, e))?;
        Ok(manifest)
    }

    /// Puts the backup at `backup` in place of the store at `path`, which
    /// no process may have open. The backup is verified against its
    /// manifest and copied beside `path` first; only then is the store
    /// there (if any) moved aside to `<path>.before-restore-<time>` and the
    /// copy renamed into place. Returns the manifest and where the old
    /// store went.
    pub fn restore(
        backup: &Path,
        path: &Path,
    ) -> Result<(BackupManifest, Option<PathBuf>), BackupError> {
        let manifest = read_manifest(backup)?;
        if manifest.schema_version > SCHEMA_VERSION {
            return Err(StoreError::NewerVersion {
                path: backup.to_path_buf(),
                found: manifest.schema_version,
                supported: SCHEMA_VERSION,
            }
            .into());
        }
        // The live store must not be in use: opening it takes sled's lock.
        let old = if path.join("db").exists() {
            Some(Store::open_existing(path)?)
        } else {
            None
        };
        let src = super::engine::sled_config(backup)
            .open()
            .map_err(|e| map_sled(backup, e))?;
        let tally = tally_of(&src, backup)?;
        let digest = tally.hasher.finalize().to_hex().to_string();
        if tally.keys != manifest.keys || digest != manifest.digest {
            return Err(target(
                backup,
                format!(
                    "it does not match its manifest ({} keys found, {} listed): the copy is damaged",
                    tally.keys, manifest.keys
                ),
                "restore another backup; the live store was not touched",
            ));
        }
        let staging = sibling(path, "restoring");
        if staging.exists() {
            std::fs::remove_dir_all(&staging).map_err(|e| map_io(&staging, e))?;
        }
        fresh_dir(&staging)?;
        let copy = super::engine::sled_config(&staging)
            .open()
            .map_err(|e| map_sled(&staging, e))?;
        let copied = copy_all(&src, &copy, &staging)?;
        if copied.hasher.finalize().to_hex().as_str() != manifest.digest {
            return Err(target(
                &staging,
                "the restored copy differs from the backup",
                "check free space and the disk beside the store; the live store was not touched",
            ));
        }
        drop(copy);
        drop(src);
        drop(old);
        let aside = if path.exists() {
            let aside = sibling(
                path,
                &format!("before-restore-{}", Utc::now().format("%Y%m%dT%H%M%S")),
            );
            std::fs::rename(path, &aside).map_err(|e| map_io(path, e))?;
            Some(aside)
        } else {
            None
        };
        std::fs::rename(&staging, path).map_err(|e| map_io(path, e))?;
        // Opening checks the format version (and migrates an older copy).
        Store::open_existing(path)?;
        Ok((manifest, aside))
    }
}

/// Reads and parses a backup's manifest.
pub fn read_manifest(backup: &Path) -> Result<BackupManifest, BackupError> {
    let file = backup.join(MANIFEST);
    let text = std::fs::read(&file).map_err(|e| {
        target(
            backup,
            format!("no readable {MANIFEST} ({e}): not an earshot backup, or an unfinished one"),
            "give the directory `earshot store backup` wrote",
        )
    })?;
    serde_json::from_slice(&text).map_err(|e| {
        target(
            &file,
            format!("not a backup manifest: {e}"),
            "give the directory `earshot store backup` wrote",
        )
    })
}

pub(super) fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".{suffix}"));
    path.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::synthetic_mention;

    fn t0() -> DateTime<Utc> {
        "2026-11-01T00:00:00Z".parse().unwrap()
    }

    #[test]
    fn backup_while_open_then_restore_gives_every_mention_back() {
        let dir = tempfile::tempdir().unwrap();
        let live = dir.path().join("store");
        let store = Store::open(&live).unwrap();
        let mentions: Vec<_> = (0..500)
            .map(|i| synthetic_mention(i, &["lumio"], t0()))
            .collect();
        store.put_mentions(&mentions, None).unwrap();
        let backup = dir.path().join("backup");
        let manifest = store.backup_to(&backup).unwrap();
        assert!(manifest.keys > 500, "{manifest:?}");
        // Written after the backup: gone after the restore.
        store
            .put_mentions(&[synthetic_mention(10_000, &["lumio"], t0())], None)
            .unwrap();
        let before = store.stats().unwrap();
        assert_eq!(before.mentions, 501);

        // In use: refused, nothing changed.
        let err = Store::restore(&backup, &live).unwrap_err();
        assert!(
            matches!(err, BackupError::Store(StoreError::Locked(_))),
            "{err}"
        );
        drop(store);

        let (m, aside) = Store::restore(&backup, &live).unwrap();
        assert_eq!(m, manifest);
        let aside = aside.expect("the old store was kept");
        let restored = Store::open_existing(&live).unwrap();
        assert_eq!(restored.stats().unwrap().mentions, 500);
        assert_eq!(restored.stats().unwrap().watches, {
            let s = Store::open_existing(&backup).unwrap();
            s.stats().unwrap().watches
        });
        assert_eq!(
            Store::open_existing(&aside)
                .unwrap()
                .mention_count()
                .unwrap(),
            501
        );
    }

    #[test]
    fn a_backup_that_does_not_match_its_manifest_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let live = dir.path().join("store");
        let store = Store::open(&live).unwrap();
        store
            .put_mentions(&[synthetic_mention(1, &["lumio"], t0())], None)
            .unwrap();
        let backup = dir.path().join("backup");
        store.backup_to(&backup).unwrap();
        // Refused into a non-empty directory.
        let again = store.backup_to(&backup).unwrap_err();
        assert!(again.to_string().contains("not empty"), "{again}");
        drop(store);
        let file = backup.join(MANIFEST);
        let mut m: BackupManifest = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
        m.keys += 1;
        std::fs::write(&file, serde_json::to_vec(&m).unwrap()).unwrap();
        let err = Store::restore(&backup, &live).unwrap_err();
        assert!(err.to_string().contains("damaged"), "{err}");
        // The live store is untouched.
        assert_eq!(
            Store::open_existing(&live)
                .unwrap()
                .mention_count()
                .unwrap(),
            1
        );
        let not_backup = Store::restore(dir.path(), &live).unwrap_err();
        assert!(
            not_backup.to_string().contains("not an earshot backup"),
            "{not_backup}"
        );
    }
}
