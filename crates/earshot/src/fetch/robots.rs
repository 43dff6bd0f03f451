//! robots.txt per RFC 9309, parsed with texting_robots and cached per
//! origin: a 2xx is obeyed, a 4xx allows everything, a 5xx or an
//! unreachable server disallows everything for `crawl.robots_error_wait`.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use texting_robots::Robot;
use url::Url;

enum Rules {
    AllowAll,
    DisallowAll(String),
    /// robots.txt could not be fetched at all (connection refused, DNS,
    /// timeout): the host is left alone, and that is no robots refusal.
    Unreachable(String),
    Parsed(Box<Robot>),
}

struct Entry {
    rules: Rules,
    expires: Instant,
}

/// What robots.txt says about one URL.
#[derive(Debug, Clone, Default)]
pub struct Verdict {
    /// Why the URL may not be fetched, if it may not.
    pub refusal: Option<String>,
    /// The site's `Crawl-delay`.
    pub crawl_delay: Option<Duration>,
    /// Set instead of `refusal` when the host could not be reached for its
    /// robots.txt: why, and that it is left alone for a while.
    pub unreachable: Option<String>,
    /// The `Sitemap:` lines of robots.txt, as written.
    pub sitemaps: Vec<String>,
}

/// Cached robots.txt rules per origin.
pub struct RobotsCache {
    agent: String,
    ttl: Duration,
    error_wait: Duration,
    entries: Mutex<HashMap<String, Arc<tokio::sync::Mutex<Option<Entry>>>>>,
}

/// The product token robots.txt groups are matched against: the
/// User-Agent up to the first `/` or space (`earshot`).
pub fn product_token(user_agent: &str) -> String {
    user_agent
        .split(['/', ' '])
        .next()
        .unwrap_or("earshot")
        .to_string()
}

impl RobotsCache {
    /// A cache for `user_agent`, keeping rules for `ttl`.
    pub fn new(user_agent: &str, ttl: Duration, error_wait: Duration) -> RobotsCache {
        RobotsCache {
            agent: product_token(user_agent),
            ttl,
            error_wait,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// Checks `url`, fetching the origin's robots.txt with `fetch` when the
    /// cache has no fresh copy. `fetch` returns the status and body, or an
    /// error message when the server could not be reached.
    pub async fn check<F, Fut>(&self, url: &Url, fetch: F) -> Verdict
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<(u16, Vec<u8>), String>>,
    {
        let origin = url.origin().ascii_serialization();
        let slot = self
            .entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(origin.clone())
            .or_default()
            .clone();
        // One fetch per origin at a time; the others wait for its result.
        let mut entry = slot.lock().await;
        if entry.as_ref().is_none_or(|e| e.expires <= Instant::now()) {
            let (rules, keep) = match fetch().await {
                Ok((status, body)) if (200..300).contains(&status) => match Robot::new(&self.agent, &body) {
                    Ok(r) => (Rules::Parsed(Box::new(r)), self.ttl),
                    // Unparseable rules are no rules.
                    Err(_) => (Rules::AllowAll, self.ttl),
                },
                Ok((status, _)) if (400..500).contains(&status) => (Rules::AllowAll, self.ttl),
                Ok((status, _)) => (
                    Rules::DisallowAll(format!("{origin}/robots.txt answered HTTP {status}; the site is treated as disallowed for {:?}", self.error_wait)),
                    self.error_wait,
                ),
                Err(e) => (
                    Rules::Unreachable(format!(
                        "{origin} cannot be reached ({e}); its pages are skipped for {} (crawl.robots_error_wait)",
                        humantime::format_duration(self.error_wait)
                    )),
                    self.error_wait,
                ),
            };
            *entry = Some(Entry {
                rules,
                expires: Instant::now() + keep,
            });
        }
        match entry.as_ref().map(|e| &e.rules) {
            Some(Rules::Parsed(r)) => Verdict {
                refusal: (!r.allowed(url.as_str()))
                    .then(|| format!("disallowed by {origin}/robots.txt")),
                crawl_delay: r
                    .delay
                    .filter(|d| d.is_finite() && *d > 0.0)
                    .map(|d| Duration::from_secs_f32(d.min(3600.0))),
                unreachable: None,
                sitemaps: r.sitemaps.clone(),
            },
            Some(Rules::DisallowAll(reason)) => Verdict {
                refusal: Some(reason.clone()),
                ..Verdict::default()
            },
            Some(Rules::Unreachable(reason)) => Verdict {
                unreachable: Some(reason.clone()),
                ..Verdict::default()
            },
            Some(Rules::AllowAll) | None => Verdict::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn rules_statuses_and_cache() {
        let cache = RobotsCache::new(
            "earshot/0.1 (+https://x)",
            Duration::from_secs(60),
            Duration::from_secs(60),
        );
        let u = |p: &str| Url::parse(&format!("http://a.test{p}")).unwrap();
        let body = b"User-agent: *\nDisallow: /private\nCrawl-delay: 2\n\nUser-agent: earshot\nDisallow: /bbs/home.php\nCrawl-delay: 1.5\n\nSitemap: http://a.test/sitemap.xml\n".to_vec();
        let v = cache
            .check(&u("/bbs/home.php?x"), || async { Ok((200, body.clone())) })
            .await;
        assert!(v.refusal.is_some());
        assert_eq!(v.crawl_delay, Some(Duration::from_millis(1500)));
        assert_eq!(v.sitemaps, ["http://a.test/sitemap.xml"]);
        // Cached: a second fetch is not made.
        let v = cache
            .check(&u("/private"), || async { panic!("fetched twice") })
            .await;
        assert!(v.refusal.is_none(), "our group allows /private");

        let v = cache
            .check(&Url::parse("http://b.test/x").unwrap(), || async {
                Ok((404, vec![]))
            })
            .await;
        assert!(v.refusal.is_none());
        let v = cache
            .check(&Url::parse("http://c.test/x").unwrap(), || async {
                Ok((500, vec![]))
            })
            .await;
        assert!(v.refusal.unwrap().contains("HTTP 500"));
        let v = cache
            .check(&Url::parse("http://d.test/x").unwrap(), || async {
                Err("connection refused".to_string())
            })
            .await;
        // Unreachable is no robots refusal: the host is left alone.
        assert!(v.refusal.is_none());
        assert!(v
            .unreachable
            .unwrap()
            .contains("cannot be reached (connection refused)"));
        assert_eq!(product_token("earshot/0.1 (+https://x)"), "earshot");
    }
}
