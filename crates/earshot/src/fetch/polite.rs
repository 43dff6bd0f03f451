//! Per-host politeness: one governor limiter, a concurrency semaphore and
//! a backoff deadline per host, under a global concurrency limit.
//!
//! The limiter's interval is the stricter of the configured rate and the
//! site's robots.txt `Crawl-delay`; `Retry-After` and error backoff push a
//! host's next allowed request later. Every request to a host, robots.txt
//! and retries included, passes through its limiter, so what the server
//! sees never exceeds the configured rate.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Longest interval a `Crawl-delay` may impose (longer ones are capped,
/// with a warning): a site asking for more is effectively not crawlable.
pub const MAX_CRAWL_DELAY: Duration = Duration::from_secs(120);

/// A lowercased host name (with port when not the default).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HostKey(pub String);

impl HostKey {
    /// The key of a URL's host.
    pub fn of(url: &url::Url) -> HostKey {
        let host = url.host_str().unwrap_or("").to_ascii_lowercase();
        HostKey(match url.port() {
            Some(p) => format!("{host}:{p}"),
            None => host,
        })
    }
}

impl std::fmt::Display for HostKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

struct Limiter {
    interval: Duration,
    burst: u32,
    limiter: Arc<DefaultDirectRateLimiter>,
}

fn limiter(interval: Duration, burst: u32) -> Limiter {
    let quota = Quota::with_period(interval.max(Duration::from_nanos(1)))
        .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
        .allow_burst(NonZeroU32::new(burst.max(1)).unwrap_or(NonZeroU32::MIN));
    Limiter {
        interval,
        burst,
        limiter: Arc::new(RateLimiter::direct(quota)),
    }
}

/// One host's state.
pub struct Host {
    limiter: Mutex<Limiter>,
    permits: Arc<Semaphore>,
    not_before: Mutex<Option<Instant>>,
}

/// A slot to send one request to a host.
pub struct Slot {
    _host: OwnedSemaphorePermit,
    _global: OwnedSemaphorePermit,
}

impl Host {
    /// Makes the interval at least `interval` (never looser).
    pub fn tighten(&self, interval: Duration, burst: u32) {
        let mut l = self.limiter.lock().unwrap_or_else(|p| p.into_inner());
        if interval > l.interval || burst < l.burst {
            let interval = interval.max(l.interval);
            let burst = burst.min(l.burst);
            *l = limiter(interval, burst);
        }
    }

    /// Current minimum interval between requests.
    pub fn interval(&self) -> Duration {
        self.limiter
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .interval
    }

    /// The hold of the last Retry-After or backoff, if any.
    pub fn not_before(&self) -> Option<Instant> {
        *self.not_before.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// No request before `until` (Retry-After, backoff); only ever later.
    pub fn defer_until(&self, until: Instant) {
        let mut nb = self.not_before.lock().unwrap_or_else(|p| p.into_inner());
        if nb.is_none_or(|t| until > t) {
            *nb = Some(until);
        }
    }

    /// Waits for a concurrency permit, any backoff, and the rate limiter.
    pub async fn acquire(&self, global: &Arc<Semaphore>) -> Slot {
        let host = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .expect("host semaphore is never closed");
        let global = global
            .clone()
            .acquire_owned()
            .await
            .expect("global semaphore is never closed");
        loop {
            let wait = self
                .not_before
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .and_then(|t| t.checked_duration_since(Instant::now()));
            match wait {
                Some(d) if !d.is_zero() => tokio::time::sleep(d).await,
                _ => break,
            }
        }
        let l = self
            .limiter
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .limiter
            .clone();
        l.until_ready().await;
        Slot {
            _host: host,
            _global: global,
        }
    }
}

/// All hosts seen, created on first use.
pub struct HostPool {
    hosts: Mutex<HashMap<HostKey, Arc<Host>>>,
    global: Arc<Semaphore>,
    per_host: usize,
    burst: u32,
}

impl HostPool {
    /// A pool with `global` requests in flight overall and `per_host` per host.
    pub fn new(global: usize, per_host: usize, burst: u32) -> HostPool {
        HostPool {
            hosts: Mutex::new(HashMap::new()),
            global: Arc::new(Semaphore::new(global.max(1))),
            per_host: per_host.max(1),
            burst: burst.max(1),
        }
    }

    /// The host for `key`, with at most `rate` requests per second.
    pub fn host(&self, key: &HostKey, rate: f64) -> Arc<Host> {
        let interval = Duration::from_secs_f64(1.0 / rate.max(1e-6));
        let host = {
            let mut hosts = self.hosts.lock().unwrap_or_else(|p| p.into_inner());
            hosts
                .entry(key.clone())
                .or_insert_with(|| {
                    Arc::new(Host {
                        limiter: Mutex::new(limiter(interval, self.burst)),
                        permits: Arc::new(Semaphore::new(self.per_host)),
                        not_before: Mutex::new(None),
                    })
                })
                .clone()
        };
        // Two sources on one host: the stricter rate holds.
        host.tighten(interval, self.burst);
        host
    }

    /// The global concurrency limit.
    pub fn global(&self) -> &Arc<Semaphore> {
        &self.global
    }
}

/// The per-host state a fleet shares between machines (`crate::fleet`).
impl super::Fetcher {
    /// When the next request to `req`'s host may go, by this fetcher's
    /// state after its last request there: now plus the host's interval
    /// (the rate, tightened by Crawl-delay), or a later Retry-After or
    /// backoff hold. The fleet keeps it where every machine reads it.
    pub fn next_allowed(&self, req: &super::Request) -> SystemTime {
        let host = self.pool.host(&HostKey::of(&req.url), req.rate);
        let now = Instant::now();
        let until = host
            .not_before()
            .map_or(now, |t| t.max(now))
            .max(now + host.interval());
        SystemTime::now() + (until - now)
    }

    /// No request to `req`'s host before `until` (another machine's last
    /// request there and its interval); only ever later.
    pub fn hold_until(&self, req: &super::Request, until: SystemTime) {
        if let Ok(wait) = until.duration_since(SystemTime::now()) {
            let host = self.pool.host(&HostKey::of(&req.url), req.rate);
            host.defer_until(Instant::now() + wait);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn requests_to_a_host_are_spaced() {
        let pool = HostPool::new(8, 1, 1);
        let key = HostKey("example.test".into());
        let host = pool.host(&key, 20.0);
        let start = Instant::now();
        for _ in 0..5 {
            let _slot = host.acquire(pool.global()).await;
        }
        // 5 requests at 20/s: the last at >= 200 ms.
        assert!(
            start.elapsed() >= Duration::from_millis(195),
            "{:?}",
            start.elapsed()
        );
        // A looser rate never loosens a host.
        pool.host(&key, 1000.0);
        assert_eq!(host.interval(), Duration::from_millis(50));
        host.tighten(Duration::from_secs(1), 1);
        assert_eq!(host.interval(), Duration::from_secs(1));
    }
}
