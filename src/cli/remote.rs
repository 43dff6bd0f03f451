//! The store, or the running earshot that holds it.
//!
//! `earshot run` and `earshot serve` hold the store (sled locks it) and
//! write an endpoint file into it (`serve::endpoint`). A read command
//! opens the store itself when it can; while such a process runs, it asks
//! that process over its local API instead (`/api/cli/`), with the local
//! admin token of the endpoint file, and prints the same answer.

use std::path::Path;

use anyhow::{Context, Result};
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::UsageError;
use crate::serve::endpoint::Endpoint;
use earshot::store::{Store, StoreError};

/// A request without query parameters.
pub(super) const NO_QUERY: &[(&str, &str); 0] = &[];

/// A running earshot process that holds a store.
pub(super) struct Daemon {
    ep: Endpoint,
    http: reqwest::Client,
    rt: tokio::runtime::Runtime,
}

/// Where a command reads from.
pub(super) enum Access {
    /// The store itself.
    Local(Store),
    /// The process that holds it.
    Daemon(Daemon),
}

impl Daemon {
    /// The process id of the process that holds the store.
    pub(super) fn pid(&self) -> u32 {
        self.ep.pid
    }

    /// The live process whose endpoint file is in `store`, when it answers.
    pub(super) fn find(store: &Path) -> Option<Daemon> {
        let ep = Endpoint::read(store)?;
        if !ep.alive() {
            tracing::info!(
                pid = ep.pid,
                "stale endpoint file in the store: that process is gone"
            );
            return None;
        }
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .ok()?;
        // No idle connections: they would outlive the runtime they belong to.
        let http = reqwest::Client::builder()
            .no_proxy()
            .pool_max_idle_per_host(0)
            .build()
            .ok()?;
        let d = Daemon { ep, http, rt };
        // A process that ended without removing the file (kill -9) may
        // have left its pid to another one: the daemon answers, or it is
        // not there.
        let health = d.rt.block_on(async {
            d.http
                .get(format!("{}/health", d.ep.url))
                .timeout(std::time::Duration::from_secs(5))
                .send()
                .await
        });
        match health {
            Ok(r) if r.status().is_success() => {
                tracing::info!(
                    "the store is held by earshot (pid {}); asking it at {}",
                    d.ep.pid,
                    d.ep.url
                );
                Some(d)
            }
            _ => {
                tracing::info!(pid = d.ep.pid, url = %d.ep.url, "the endpoint file's process does not answer");
                None
            }
        }
    }

    fn describe(&self) -> String {
        format!("earshot (pid {}) at {}", self.ep.pid, self.ep.url)
    }

    async fn answer(&self, req: reqwest::RequestBuilder) -> Result<reqwest::Response> {
        let resp = req
            .bearer_auth(&self.ep.token)
            .send()
            .await
            .with_context(|| format!("{} holds the store but did not answer", self.describe()))?;
        let status = resp.status();
        if status.is_success() {
            return Ok(resp);
        }
        let body = resp.text().await.unwrap_or_default();
        let message = serde_json::from_str::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v["error"].as_str().map(str::to_string))
            .unwrap_or(body);
        if status == reqwest::StatusCode::BAD_REQUEST {
            return Err(UsageError::new(message).into());
        }
        anyhow::bail!("{} answered {status}: {message}", self.describe())
    }

    async fn json<T: DeserializeOwned>(&self, req: reqwest::RequestBuilder) -> Result<T> {
        let resp = self.answer(req).await?;
        let bytes = resp.bytes().await.context("reading the daemon's answer")?;
        serde_json::from_slice(&bytes).with_context(|| {
            format!(
                "{} sent an answer this earshot cannot read (versions {} and {}?)",
                self.describe(),
                self.ep.version,
                env!("CARGO_PKG_VERSION")
            )
        })
    }

    /// `GET path?query` as JSON.
    pub(super) fn get<T: DeserializeOwned>(&self, path: &str, query: &impl Serialize) -> Result<T> {
        let req = self.http.get(format!("{}{path}", self.ep.url)).query(query);
        self.rt.block_on(self.json(req))
    }

    /// `GET path?query`: the body and the headers.
    pub(super) fn get_bytes(
        &self,
        path: &str,
        query: &impl Serialize,
    ) -> Result<(Vec<u8>, reqwest::header::HeaderMap)> {
        let req = self.http.get(format!("{}{path}", self.ep.url)).query(query);
        self.rt.block_on(async {
            let resp = self.answer(req).await?;
            let headers = resp.headers().clone();
            let body = resp.bytes().await.context("reading the daemon's answer")?;
            Ok((body.to_vec(), headers))
        })
    }

    /// `POST path` with a JSON body.
    pub(super) fn post<T: DeserializeOwned>(&self, path: &str, body: &impl Serialize) -> Result<T> {
        let body = serde_json::to_vec(body)?;
        let req = self
            .http
            .post(format!("{}{path}", self.ep.url))
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body);
        self.rt.block_on(self.json(req))
    }

    /// `DELETE path`.
    pub(super) fn delete<T: DeserializeOwned>(&self, path: &str) -> Result<T> {
        let req = self.http.delete(format!("{}{path}", self.ep.url));
        self.rt.block_on(self.json(req))
    }
}

/// The store at `path` (which must exist), or the running earshot that
/// holds it. `create`: open it even when missing (commands that write).
pub(super) fn open(path: &Path, create: bool) -> Result<Access> {
    if let Some(d) = Daemon::find(path) {
        return Ok(Access::Daemon(d));
    }
    let opened = if create {
        Store::open(path)
    } else {
        Store::open_existing(path)
    };
    match opened {
        Ok(s) => Ok(Access::Local(s)),
        // A daemon that started while we waited for the lock.
        Err(StoreError::Locked(p)) => match Daemon::find(path) {
            Some(d) => Ok(Access::Daemon(d)),
            None => Err(StoreError::Locked(p).into()),
        },
        Err(e) => Err(e.into()),
    }
}

impl Access {
    /// Watches the store holds counts for (`check_watch`).
    pub(super) fn stored_watches(&self) -> Result<Vec<String>> {
        match self {
            Access::Local(s) => {
                let mut names: Vec<String> = s.counters()?.into_keys().map(|(_, w, _)| w).collect();
                names.sort();
                names.dedup();
                Ok(names)
            }
            Access::Daemon(d) => d.get("/api/cli/watches", NO_QUERY),
        }
    }
}
