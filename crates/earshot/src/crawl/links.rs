//! Which links of a read page a pass follows: the same rule on one machine
//! (`mod.rs`) and in the fleet. A source's links may lead to the hosts of
//! its start pages; a sitemap source's start pages are the pages its
//! sitemaps list that are due this pass, so its links may lead to any host
//! those pages are on. On one machine every sitemap is read before the
//! first page; in the fleet only the coordinator sees every sitemap, so a
//! worker picks a sitemap source's links on any host ([`Hosts::Any`]) and
//! the coordinator keeps those on the listed hosts ([`keep_on_hosts`]),
//! once the source's sitemaps are all read (`fleet/pass.rs`).

use std::collections::HashSet;

use url::Url;

use super::{canonicalize, url_hash, NEXT_PAGE};
use crate::extract::{self, Extracted};

/// The hosts a page's links may lead to.
#[derive(Debug, Clone, Copy)]
pub enum Hosts<'a> {
    /// Only these (by `Url::host_str`).
    Only(&'a HashSet<String>),
    /// Any host: the caller keeps those on the right hosts afterwards.
    Any,
}

impl Hosts<'_> {
    fn allow(self, u: &Url) -> bool {
        match self {
            Hosts::Only(hosts) => u.host_str().is_some_and(|h| hosts.contains(h)),
            Hosts::Any => u.host_str().is_some(),
        }
    }
}

/// The hosts of a source's start pages: where its links may lead.
pub fn hosts_of<'a>(starts: impl IntoIterator<Item = &'a Url>) -> HashSet<String> {
    starts
        .into_iter()
        .filter_map(|u| u.host_str().map(str::to_string))
        .collect()
}

/// How a source picks the links of one page.
#[derive(Debug, Clone, Copy)]
pub struct Choice<'a> {
    pub hosts: Hosts<'a>,
    /// The source's `follow` rules (on path and query).
    pub follow: &'a [regex::Regex],
    /// A search's results page without `follow` rules: every link on its
    /// hosts but the results pages themselves (their canonical URL hashes,
    /// and the parameters canonical URLs drop).
    pub every_link: Option<(&'a HashSet<u64>, &'a [String])>,
    /// The page is above the source's `max_depth`: its links lead one hop
    /// further. A thread's next pages are followed either way.
    pub deeper: bool,
}

/// The links of `e` to follow, a thread's next pages prefixed
/// [`NEXT_PAGE`] (they keep the page's depth).
pub fn choose(e: &Extracted, c: Choice<'_>) -> Vec<String> {
    let mut chosen = Vec::new();
    if c.deeper {
        chosen = follow_links(e, c.hosts, c.follow);
        if let Some((starts, strip)) = c.every_link {
            chosen.extend(
                e.anchors
                    .iter()
                    .filter(|l| {
                        Url::parse(l).is_ok_and(|u| {
                            c.hosts.allow(&u)
                                && !starts.contains(&url_hash(&canonicalize(&u, strip)))
                        })
                    })
                    .cloned(),
            );
            let mut once = HashSet::new();
            chosen.retain(|l| once.insert(l.clone()));
        }
    }
    // A thread's next pages, even at the last hop: the new last page of an
    // active thread is found.
    if e.kind == extract::PageKind::Thread {
        for next in &e.next_pages {
            chosen.retain(|l| l != next);
            if Url::parse(next).is_ok_and(|u| c.hosts.allow(&u)) {
                chosen.push(format!("{NEXT_PAGE}{next}"));
            }
        }
    }
    chosen
}

/// Keeps the links (chosen with [`Hosts::Any`]) that lead to `hosts`.
pub fn keep_on_hosts(links: &mut Vec<String>, hosts: &HashSet<String>) {
    let only = Hosts::Only(hosts);
    links.retain(|l| {
        let l = l.strip_prefix(NEXT_PAGE).unwrap_or(l);
        Url::parse(l).is_ok_and(|u| only.allow(&u))
    });
}

/// Links of an extracted page on `hosts`, picked by the profile or
/// matching the source's `follow` rules.
fn follow_links(e: &Extracted, hosts: Hosts<'_>, follow: &[regex::Regex]) -> Vec<String> {
    let by_profile = e.links.iter().map(|l| (l, true));
    let by_rule = e.anchors.iter().map(|l| (l, false));
    let mut out = Vec::new();
    for (link, chosen_by_profile) in by_profile.chain(by_rule) {
        let Ok(u) = Url::parse(link) else { continue };
        if !hosts.allow(&u) {
            continue;
        }
        let path_q = match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_string(),
        };
        if chosen_by_profile || follow.iter().any(|r| r.is_match(&path_q)) {
            out.push(link.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(anchors: &[&str], next: &[&str]) -> Extracted {
        Extracted {
            anchors: anchors.iter().map(|s| s.to_string()).collect(),
            next_pages: next.iter().map(|s| s.to_string()).collect(),
            kind: extract::PageKind::Thread,
            ..Default::default()
        }
    }

    #[test]
    fn any_host_then_kept_on_hosts_is_what_those_hosts_choose() {
        let e = page(
            &[
                "http://a.test/t/1",
                "http://b.test/t/2",
                "http://c.test/t/3",
                "http://b.test/t/1?page=2",
            ],
            &["http://b.test/t/1?page=2", "http://c.test/t/1?page=2"],
        );
        let follow = [regex::Regex::new("^/t/").unwrap()];
        let hosts: HashSet<String> = ["a.test", "b.test"].map(String::from).into();
        let choice = |hosts| Choice {
            hosts,
            follow: &follow,
            every_link: None,
            deeper: true,
        };
        let only = choose(&e, choice(Hosts::Only(&hosts)));
        assert_eq!(
            only,
            vec![
                "http://a.test/t/1".to_string(),
                "http://b.test/t/2".into(),
                "next http://b.test/t/1?page=2".into(),
            ]
        );
        let mut any = choose(&e, choice(Hosts::Any));
        assert_eq!(any.len(), 5, "{any:?}");
        keep_on_hosts(&mut any, &hosts);
        assert_eq!(any, only);
        // At the last hop, only the next pages.
        let last = choose(
            &e,
            Choice {
                deeper: false,
                ..choice(Hosts::Only(&hosts))
            },
        );
        assert_eq!(last, vec!["next http://b.test/t/1?page=2".to_string()]);
        let starts = [Url::parse("http://a.test/x").unwrap()];
        assert_eq!(hosts_of(&starts), ["a.test".to_string()].into());
    }
}
