//! The endpoint file: how a command finds the process that holds the
//! store. A running server (`earshot serve`, `earshot run`) writes
//! `<store>/daemon.json` with its process id, its local address and a
//! local admin token made for this run, readable by the user only (0600),
//! and removes it when it stops. `earshot mentions`, `stats`, `report`,
//! `alerts` and `timeline` read it when the store is in use and ask that
//! process over its API instead of opening the store.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The file's name inside the store directory.
pub const FILE_NAME: &str = "daemon.json";

/// What the endpoint file holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Endpoint {
    /// Process id of the server.
    pub pid: u32,
    /// Base URL, `http://127.0.0.1:PORT`.
    pub url: String,
    /// A bearer token with the admin role, valid while that process runs.
    pub token: String,
    /// The store it holds.
    pub store: PathBuf,
    /// earshot version of the server.
    pub version: String,
}

impl Endpoint {
    /// The endpoint file of the store at `store`, if one is there and
    /// readable.
    pub fn read(store: &Path) -> Option<Endpoint> {
        let text = std::fs::read_to_string(store.join(FILE_NAME)).ok()?;
        serde_json::from_str(&text).ok()
    }

    /// Whether the process that wrote it still runs (on Linux, by its
    /// `/proc` entry; elsewhere assumed, and the request tells).
    pub fn alive(&self) -> bool {
        if cfg!(target_os = "linux") {
            Path::new(&format!("/proc/{}", self.pid)).exists()
        } else {
            true
        }
    }
}

/// The address a local client dials: a wildcard bind is reached on
/// loopback.
fn dial(addr: SocketAddr) -> SocketAddr {
    match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => {
            SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), addr.port())
        }
        IpAddr::V6(ip) if ip.is_unspecified() => {
            SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), addr.port())
        }
        _ => addr,
    }
}

/// The written file; removed on drop when it still holds this run's
/// token (a later server on the same store may have replaced it).
#[derive(Debug)]
pub struct EndpointFile {
    path: PathBuf,
    token: String,
}

impl Drop for EndpointFile {
    fn drop(&mut self) {
        let ours = std::fs::read_to_string(&self.path)
            .ok()
            .and_then(|t| serde_json::from_str::<Endpoint>(&t).ok())
            .is_some_and(|e| e.token == self.token);
        if ours {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Writes the endpoint file of a server on `addr` into `store` (mode 0600,
/// through a temporary file and a rename).
pub fn write(store: &Path, addr: SocketAddr, token: &str) -> std::io::Result<EndpointFile> {
    let e = Endpoint {
        pid: std::process::id(),
        url: format!("http://{}", dial(addr)),
        token: token.to_string(),
        store: store.to_path_buf(),
        version: env!("CARGO_PKG_VERSION").to_string(),
    };
    let path = store.join(FILE_NAME);
    let tmp = store.join(format!(".{FILE_NAME}.{}", std::process::id()));
    {
        use std::io::Write;
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(&tmp)?;
        f.write_all(serde_json::to_string_pretty(&e)?.as_bytes())?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, &path)?;
    Ok(EndpointFile {
        path,
        token: token.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_for_the_user_only_read_back_and_removed_on_drop() {
        let dir = tempfile::tempdir().unwrap();
        let f = write(dir.path(), "0.0.0.0:8640".parse().unwrap(), "es_x").unwrap();
        let e = Endpoint::read(dir.path()).unwrap();
        assert_eq!(e.url, "http://127.0.0.1:8640");
        assert_eq!(e.token, "es_x");
        assert_eq!(e.pid, std::process::id());
        assert!(e.alive());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(FILE_NAME))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        drop(f);
        assert!(Endpoint::read(dir.path()).is_none());
    }

    #[test]
    fn a_file_another_server_replaced_is_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let first = write(dir.path(), "127.0.0.1:1".parse().unwrap(), "es_a").unwrap();
        let _second = write(dir.path(), "127.0.0.1:2".parse().unwrap(), "es_b").unwrap();
        drop(first);
        assert_eq!(Endpoint::read(dir.path()).unwrap().token, "es_b");
    }
}
