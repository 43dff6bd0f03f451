//! Failed sign-ins per client address: after [`LIMIT`] failures within
//! [`WINDOW`] of the first, that address gets 429 (with `Retry-After`) for
//! every sign-in attempt until the window ends, a right token included.
//! IPv6 clients count per /64 (one host usually holds the whole /64). The
//! table is bounded: at [`MAX_CLIENTS`] addresses, expired windows go
//! first, then the oldest.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failed sign-ins allowed per address and window.
pub const LIMIT: u32 = 10;
/// The window, from an address's first failure.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
/// Addresses kept at most.
const MAX_CLIENTS: usize = 10_000;

struct Entry {
    failures: u32,
    since: Instant,
}

/// Counts failures per client address.
#[derive(Default)]
pub(super) struct Throttle {
    clients: Mutex<HashMap<IpAddr, Entry>>,
}

/// The address failures are counted under: IPv4 as is, IPv6 by /64.
fn key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

impl Throttle {
    /// How long `ip` must wait before it may try again, if it must.
    pub(super) fn blocked(&self, ip: IpAddr, now: Instant) -> Option<Duration> {
        let clients = self.clients.lock().unwrap_or_else(|p| p.into_inner());
        let e = clients.get(&key(ip))?;
        let ends = e.since + WINDOW;
        (e.failures >= LIMIT && ends > now).then(|| ends - now)
    }

    /// Counts a failure of `ip`; returns its failures in this window.
    pub(super) fn failed(&self, ip: IpAddr, now: Instant) -> u32 {
        let mut clients = self.clients.lock().unwrap_or_else(|p| p.into_inner());
        let k = key(ip);
        if !clients.contains_key(&k) && clients.len() >= MAX_CLIENTS {
            clients.retain(|_, e| e.since + WINDOW > now);
            if clients.len() >= MAX_CLIENTS {
                if let Some(oldest) = clients.iter().min_by_key(|(_, e)| e.since).map(|(k, _)| *k) {
                    clients.remove(&oldest);
                }
            }
        }
        let e = clients.entry(k).or_insert(Entry {
            failures: 0,
            since: now,
        });
        if e.since + WINDOW <= now {
            *e = Entry {
                failures: 0,
                since: now,
            };
        }
        e.failures += 1;
        e.failures
    }

    /// A right token from `ip`: its count starts again.
    pub(super) fn succeeded(&self, ip: IpAddr) {
        let mut clients = self.clients.lock().unwrap_or_else(|p| p.into_inner());
        clients.remove(&key(ip));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_the_limit_until_the_window_ends_and_stays_bounded() {
        let t = Throttle::default();
        let a: IpAddr = "192.0.2.7".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b2: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        let now = Instant::now();
        for i in 1..=LIMIT {
            assert_eq!(t.blocked(a, now), None);
            assert_eq!(t.failed(a, now), i);
        }
        assert_eq!(t.blocked(a, now), Some(WINDOW));
        assert_eq!(t.blocked(a, now + WINDOW), None, "the window ended");
        assert_eq!(t.failed(a, now + WINDOW), 1, "a new window");
        for _ in 0..LIMIT {
            t.failed(b, now);
        }
        assert!(t.blocked(b2, now).is_some(), "the same /64");
        t.succeeded(b2);
        assert_eq!(t.blocked(b, now), None);
        for i in 0..(MAX_CLIENTS as u32 + 10) {
            t.failed(IpAddr::V4(std::net::Ipv4Addr::from(i)), now);
        }
        assert!(t.clients.lock().unwrap().len() <= MAX_CLIENTS);
    }
}
