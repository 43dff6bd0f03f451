//! Why the store could not do what was asked, and what a long-running
//! process does about it.

use std::path::{Path, PathBuf};

/// Why the store could not do what was asked.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// No store exists at the path.
    #[error("no mention store at {0}\n  help: run `earshot crawl` or `earshot demo` first, or point store.path in the config at an existing store")]
    Missing(PathBuf),
    /// Another process holds the store.
    #[error("the mention store at {0} is in use by another earshot process\n  help: stop that process (earshot run / demo / crawl) or set a different store.path")]
    Locked(PathBuf),
    /// The store cannot be written.
    #[error("cannot write to the mention store at {path}: {reason}\n  help: check the directory's permissions and free space, or set a writable store.path")]
    NotWritable {
        /// The store.
        path: PathBuf,
        /// What the OS said.
        reason: String,
    },
    /// A newer earshot wrote this store.
    #[error("the mention store at {path} has format version {found}, but this earshot reads up to version {supported}\n  help: upgrade earshot, or set a different store.path")]
    NewerVersion {
        /// The store.
        path: PathBuf,
        /// Version found on disk.
        found: u32,
        /// Newest version this build understands.
        supported: u32,
    },
    /// The directory holds something that is not an earshot store.
    #[error("{0} holds data that is not an earshot mention store\n  help: point store.path at an empty or earshot directory")]
    Foreign(PathBuf),
    /// A stored value could not be decoded.
    #[error("corrupt record in the mention store (key {key}): {reason}")]
    Corrupt {
        /// Hex of the key.
        key: String,
        /// Decoder message.
        reason: String,
    },
    /// The disk under the store is full (or the user's quota is used up):
    /// nothing more can be written until space is freed.
    #[error("the disk under the mention store at {path} is full: {reason}\n  help: free space on that filesystem (or move store.path to a larger one); `earshot run` resumes by itself once writes work again")]
    DiskFull {
        /// The store.
        path: PathBuf,
        /// What the OS said.
        reason: String,
    },
    /// The store has a format version no migration step leads from.
    #[error("the mention store at {path} has format version {found}, which no earshot release wrote; this earshot reads format {supported} and migrates formats {oldest} to {newest_old} on open\n  help: restore a backup of the store, or move it aside and crawl again into a new one")]
    UnknownVersion {
        /// The store.
        path: PathBuf,
        /// Version found on disk.
        found: u32,
        /// The format this build writes.
        supported: u32,
        /// The oldest format migrated.
        oldest: u32,
        /// The newest format older than `supported`.
        newest_old: u32,
    },
    /// Any other engine error.
    #[error("mention store error at {path}: {reason}")]
    Engine {
        /// The store.
        path: PathBuf,
        /// Engine message.
        reason: String,
    },
}

/// What a long-running process does about a store error
/// ([`StoreError::class`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// Worth trying again after a while (reopening the store first).
    Transient,
    /// The disk is full: wait for space, reopen, go on.
    DiskFull,
    /// Trying again cannot help (corrupt records, a store of another
    /// format or no store at all): stop.
    Fatal,
}

impl StoreError {
    /// Whether trying again can help, and how.
    pub fn class(&self) -> ErrorClass {
        match self {
            StoreError::DiskFull { .. } => ErrorClass::DiskFull,
            StoreError::Corrupt { .. }
            | StoreError::Missing(_)
            | StoreError::NewerVersion { .. }
            | StoreError::UnknownVersion { .. }
            | StoreError::Foreign(_) => ErrorClass::Fatal,
            StoreError::Locked(_) | StoreError::NotWritable { .. } | StoreError::Engine { .. } => {
                ErrorClass::Transient
            }
        }
    }
}

pub(super) fn map_io(path: &Path, e: std::io::Error) -> StoreError {
    // sled hands on an error of its flusher thread as a copy with the
    // same kind, and the OS error in its text.
    let full = matches!(
        e.kind(),
        std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded
    ) || e.raw_os_error() == Some(28)
        || e.to_string().contains("No space left on device");
    if full {
        return StoreError::DiskFull {
            path: path.to_path_buf(),
            reason: e.to_string(),
        };
    }
    match e.kind() {
        std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem => {
            StoreError::NotWritable {
                path: path.to_path_buf(),
                reason: e.to_string(),
            }
        }
        _ => StoreError::Engine {
            path: path.to_path_buf(),
            reason: e.to_string(),
        },
    }
}

pub(super) fn map_sled(path: &Path, e: sled::Error) -> StoreError {
    match e {
        sled::Error::Io(io) if io.to_string().contains("could not acquire lock") => {
            StoreError::Locked(path.to_path_buf())
        }
        sled::Error::Io(io) => map_io(path, io),
        e @ (sled::Error::Corruption { .. } | sled::Error::ReportableBug(_)) => {
            StoreError::Corrupt {
                key: "(the engine's log)".into(),
                reason: e.to_string(),
            }
        }
        other => StoreError::Engine {
            path: path.to_path_buf(),
            reason: other.to_string(),
        },
    }
}
