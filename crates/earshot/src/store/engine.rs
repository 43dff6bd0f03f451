//! sled's handles, and opening them again: after a failed write (a full
//! disk) sled refuses every later write until the database is reopened.

use std::path::Path;

use chrono::Utc;

use super::{keys, map_sled, Store, StoreError};

/// sled's handles. After a failed write sled refuses every later one
/// until it is opened again, so they can be replaced ([`Store::reopen`]).
pub(super) struct Engine {
    pub(super) db: sled::Db,
    pub(super) tree: sled::Tree,
}

impl Engine {
    /// Opens sled at `path` with a page cache of `cache_bytes`. sled's
    /// flusher thread lets go of the file lock a moment after a store is
    /// dropped: an open in the same process waits up to `wait` for that
    /// before calling the store locked.
    pub(super) fn open(
        path: &Path,
        cache_bytes: u64,
        wait: std::time::Duration,
    ) -> Result<Engine, StoreError> {
        let deadline = std::time::Instant::now() + wait;
        let db = loop {
            let opened = sled_config(path)
                .cache_capacity(cache_bytes)
                .open()
                .map_err(|e| map_sled(path, e));
            match opened {
                Err(StoreError::Locked(_)) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
                other => break other?,
            }
        };
        let tree = db.open_tree("earshot").map_err(|e| map_sled(path, e))?;
        Ok(Engine { db, tree })
    }
}

/// sled's log segment size for a store created from now on. sled keeps
/// its log in segments and reclaims a segment once at most half of it is
/// live; with 8 MiB instead of sled's 512 KiB a store written by batched
/// ingest holds a quarter to a third fewer bytes per mention (README,
/// issue #30). The costs: each open store keeps I/O buffers of this size,
/// and sled writes the unused rest of its current segment on every open
/// (so a store is at least this big once reopened).
pub(super) const NEW_SEGMENT_BYTES: usize = 8 << 20;

/// sled's default segment size, which every store created before
/// [`NEW_SEGMENT_BYTES`] has.
const SLED_DEFAULT_SEGMENT_BYTES: usize = 512 << 10;

/// The sled configuration for the database at `path`: a new one gets
/// [`NEW_SEGMENT_BYTES`], an existing one the segment size it was created
/// with (sled persists it in `<path>/conf` and refuses to open a database
/// with another). `earshot store compact` writes a new database, so it
/// moves an older store to the new size.
pub(super) fn sled_config(path: &Path) -> sled::Config {
    sled::Config::new()
        .path(path)
        .mode(sled::Mode::HighThroughput)
        .segment_size(segment_size_of(path))
}

/// The segment size the sled database at `path` was created with
/// ([`NEW_SEGMENT_BYTES`] when there is none yet; sled's default when its
/// `conf` does not say, for sled itself to report what is wrong).
fn segment_size_of(path: &Path) -> usize {
    let conf = path.join("conf");
    let text = match std::fs::read(&conf) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return NEW_SEGMENT_BYTES,
        Err(e) => {
            tracing::warn!(conf = %conf.display(), "reading sled's configuration failed: {e}");
            return SLED_DEFAULT_SEGMENT_BYTES;
        }
    };
    String::from_utf8_lossy(&text)
        .lines()
        .find_map(|l| l.strip_prefix("segment_size: "))
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|n| n.is_power_of_two())
        .unwrap_or(SLED_DEFAULT_SEGMENT_BYTES)
}

impl Store {
    /// The tree every record lives in (a cheap handle).
    pub(super) fn tree(&self) -> Result<sled::Tree, StoreError> {
        match &*self.engine.read().unwrap_or_else(|p| p.into_inner()) {
            Some(e) => Ok(e.tree.clone()),
            None => Err(self.closed()),
        }
    }

    /// The database (for flushes, sizes and backups).
    pub(super) fn db(&self) -> Result<sled::Db, StoreError> {
        match &*self.engine.read().unwrap_or_else(|p| p.into_inner()) {
            Some(e) => Ok(e.db.clone()),
            None => Err(self.closed()),
        }
    }

    fn closed(&self) -> StoreError {
        StoreError::Engine {
            path: self.path.clone(),
            reason: "the store is being reopened after a write error".into(),
        }
    }

    /// Closes the engine and opens it again: after a write error (a full
    /// disk) sled refuses every later write until then. What was flushed
    /// before is read back; what was not is gone, as after a crash (a
    /// page whose crawl state went with it is fetched again). Writers wait
    /// meanwhile; readers get an error for that moment. Checks the store
    /// can be written and flushed again, so an `Ok` means writes work.
    pub fn reopen(&self) -> Result<(), StoreError> {
        let _writers = self.write_lock.lock().unwrap_or_else(|p| p.into_inner());
        let mut engine = self.engine.write().unwrap_or_else(|p| p.into_inner());
        if let Some(old) = engine.take() {
            // A poisoned engine cannot flush; its error is the one that
            // brought us here.
            let _ = old.db.flush();
            drop(old);
        }
        // Handles still held by readers keep the old file lock a moment.
        let fresh = Engine::open(
            &self.path,
            self.cache_bytes,
            std::time::Duration::from_secs(10),
        )?;
        // Readable from here on, even when the check below fails.
        let (tree, db) = (fresh.tree.clone(), fresh.db.clone());
        *engine = Some(fresh);
        drop(engine);
        self.injected_failure()?;
        tree.insert(keys::meta("probe"), &Utc::now().timestamp().to_be_bytes())
            .map_err(|e| map_sled(&self.path, e))?;
        db.flush().map_err(|e| map_sled(&self.path, e))?;
        Ok(())
    }

    /// A test hook, in debug builds only: while the file named by
    /// `EARSHOT_TEST_FULL_DISK` exists, the store writer, flushes and the
    /// check after a reopen fail as on a full disk. For the store-fault
    /// test where it cannot mount a small filesystem (not root).
    #[cfg(debug_assertions)]
    pub(super) fn injected_failure(&self) -> Result<(), StoreError> {
        match std::env::var_os("EARSHOT_TEST_FULL_DISK") {
            Some(flag) if Path::new(&flag).exists() => Err(StoreError::DiskFull {
                path: self.path.clone(),
                reason: "No space left on device (injected: EARSHOT_TEST_FULL_DISK)".into(),
            }),
            _ => Ok(()),
        }
    }

    #[cfg(not(debug_assertions))]
    pub(super) fn injected_failure(&self) -> Result<(), StoreError> {
        Ok(())
    }
}
