//! The coordinator's side of a page result in parts. A page whose result
//! is over [`super::PAGE_PART_BYTES`] of JSON comes in self-contained
//! parts (`RemotePage::split`): each is a message of its own, scored on
//! its own by whichever score-only worker takes it, and published under
//! its own message id. [`PageParts`] keeps the parts of each page until
//! it has them all, then gives the whole page, joined, with every message
//! that carried a part: stored in one batch and acknowledged after the
//! flush, as a page in one message is.

use std::collections::HashMap;

use super::ResultMessage;
use crate::crawl::remote::{PageOutcome, RemotePage};

/// What became of a result handed to [`PageParts::take`].
pub enum Gathered<M> {
    /// A whole result: a page in one message, not a page's part (a
    /// sitemap's parts are read one by one), or the last part of a page,
    /// joined with the others and with every part's messages.
    Whole(Box<ResultMessage>, Vec<M>),
    /// A part kept until the page's other parts come.
    Kept,
    /// A part already kept (delivered again): its messages, to
    /// acknowledge.
    Again(Vec<M>),
}

/// A page's parts received so far, and their messages.
struct Open<M> {
    first: Option<ResultMessage>,
    got: Vec<Option<RemotePage>>,
    msgs: Vec<M>,
}

/// The parts of pages not yet whole, by job id, count and body hash (a
/// job redone on a changed page is another set).
pub struct PageParts<M> {
    open: HashMap<(String, u32, String), Open<M>>,
}

impl<M> Default for PageParts<M> {
    fn default() -> Self {
        PageParts {
            open: HashMap::new(),
        }
    }
}

impl<M> PageParts<M> {
    /// Takes a result and the messages it came in.
    pub fn take(&mut self, mut res: ResultMessage, msgs: Vec<M>) -> Gathered<M> {
        let Some((i, n)) = res.part else {
            return Gathered::Whole(Box::new(res), msgs);
        };
        let PageOutcome::Page(page) = &mut res.outcome else {
            return Gathered::Whole(Box::new(res), msgs);
        };
        if i >= n {
            return Gathered::Again(msgs);
        }
        let key = (res.id.clone(), n, page.content_hash.clone());
        let open = self.open.entry(key.clone()).or_insert_with(|| Open {
            first: None,
            got: (0..n).map(|_| None).collect(),
            msgs: Vec::new(),
        });
        let slot = &mut open.got[i as usize];
        if slot.is_some() {
            return Gathered::Again(msgs);
        }
        open.msgs.extend(msgs);
        // The part's posts, mentions and links; its own fields stay in
        // `res` (the first part's are the page's).
        let (posts, mentions, links) = (
            std::mem::take(&mut page.posts),
            std::mem::take(&mut page.mentions),
            std::mem::take(&mut page.links),
        );
        *slot = Some(RemotePage {
            posts,
            mentions,
            links,
            ..(**page).clone()
        });
        if i == 0 || open.first.is_none() {
            open.first = Some(res);
        }
        if open.got.iter().any(Option::is_none) {
            return Gathered::Kept;
        }
        let Some(open) = self.open.remove(&key) else {
            return Gathered::Kept;
        };
        let (Some(mut res), Some(page)) = (
            open.first,
            RemotePage::join(open.got.into_iter().flatten().collect()),
        ) else {
            return Gathered::Again(open.msgs);
        };
        res.outcome = PageOutcome::Page(Box::new(page));
        res.part = None;
        Gathered::Whole(Box::new(res), open.msgs)
    }

    /// Forgets every set of parts of job `id` (answered by another set)
    /// and returns their messages, to acknowledge.
    pub fn forget(&mut self, id: &str) -> Vec<M> {
        let keys: Vec<_> = self.open.keys().filter(|k| k.0 == id).cloned().collect();
        keys.into_iter()
            .filter_map(|k| self.open.remove(&k))
            .flat_map(|o| o.msgs)
            .collect()
    }

    /// Every message kept (at the end of a pass: to acknowledge).
    pub fn drain(&mut self) -> Vec<M> {
        self.open.drain().flat_map(|(_, o)| o.msgs).collect()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use chrono::Utc;

    use super::*;
    use crate::crawl::remote::PageJob;
    use crate::store::{Mention, Post};

    fn part(i: u32, n: u32, hash: &str) -> ResultMessage {
        ResultMessage {
            protocol: super::super::PROTOCOL,
            model: "none".into(),
            id: "job1".into(),
            pass: "p1".into(),
            worker: "w".into(),
            delivered: 1,
            job: PageJob::sitemap("s", "http://a/", Default::default()),
            outcome: PageOutcome::Page(Box::new(RemotePage {
                url: "http://a/t".into(),
                status: 200,
                etag: None,
                last_modified: None,
                charset: "utf-8".into(),
                fetched_at: chrono::Utc::now(),
                content_hash: hash.into(),
                read: true,
                profile: "phpbb".into(),
                posts: Vec::new(),
                mentions: Vec::new(),
                links: vec![format!("http://a/{hash}/{i}")],
            })),
            scored_by: Some(format!("scorer{}", i % 2)),
            part: Some((i, n)),
        }
    }

    fn links(g: Gathered<u32>) -> (Vec<String>, Vec<u32>) {
        match g {
            Gathered::Whole(res, msgs) => match res.outcome {
                PageOutcome::Page(p) if res.part.is_none() => (p.links, msgs),
                o => panic!("{o:?}"),
            },
            _ => panic!("not whole"),
        }
    }

    fn page(posts: u64, links: usize) -> RemotePage {
        let at = Utc::now();
        let post = |i: u64| Post {
            id: 1000 + i,
            url: "http://a/t".into(),
            canonical_url: "http://a/t".into(),
            source: "forum".into(),
            site: "a".into(),
            author: Some(format!("user{i}")),
            published_at: None,
            fetched_at: at,
            title: Some("Lumio Aura owners".into()),
            has_title: i == 0,
            text: format!(
                "Reply {i}: my Lumio Aura and the Northwind desk. {}",
                "云雀 ".repeat(200)
            ),
            lang: Some("en".into()),
            flags: Vec::new(),
            floor: Some(i as u32),
            rating: None,
        };
        let posts: Vec<Post> = (0..posts).map(post).collect();
        // Two watches on the even posts, one on the odd.
        let mentions = posts
            .iter()
            .flat_map(|p| {
                let watches: &[&str] = if p.id % 2 == 0 {
                    &["Lumio", "Northwind"]
                } else {
                    &["Lumio"]
                };
                watches.iter().map(move |w| Mention {
                    id: Mention::watch_id(p.id, w),
                    url: p.url.clone(),
                    canonical_url: p.canonical_url.clone(),
                    source: p.source.clone(),
                    site: p.site.clone(),
                    author: p.author.clone(),
                    published_at: None,
                    fetched_at: at,
                    title: p.title.clone(),
                    text: p.text.clone(),
                    context: p.text[..40].to_string(),
                    lang: p.lang.clone(),
                    watches: vec![w.to_string()],
                    sentiment: None,
                    cluster_id: None,
                    spam: None,
                    flags: Vec::new(),
                    content_hash: "h".into(),
                    floor: p.floor,
                    post_id: p.id,
                    rating: None,
                })
            })
            .collect();
        RemotePage {
            url: "http://a/t".into(),
            status: 200,
            etag: Some("\"e1\"".into()),
            last_modified: None,
            charset: "utf-8".into(),
            fetched_at: at,
            content_hash: "c1".into(),
            read: true,
            profile: "phpbb".into(),
            posts,
            mentions,
            links: (0..links)
                .map(|i| format!("http://a/t/{i}/notes-on-the-lamp"))
                .collect(),
        }
    }

    #[test]
    fn a_large_page_splits_into_parts_each_scorable_alone_and_joins_back() {
        let whole = page(300, 3000);
        let size = serde_json::to_vec(&whole).unwrap().len();
        let parts = whole.clone().split(64 * 1024);
        assert!(
            parts.len() > size / (64 * 1024),
            "{} parts for {size} bytes",
            parts.len()
        );
        for p in &parts {
            // Under the limit with a score on every mention.
            let mut scored = p.clone();
            for m in &mut scored.mentions {
                m.sentiment = Some(crate::store::Sentiment {
                    label: crate::store::Label::Negative,
                    score: -0.123_456_79,
                    probs: [0.612_345_7, 0.276_543_2, 0.111_111_11],
                    model: "lumio-sentiment-2026-11-30-int8".into(),
                });
            }
            let n = serde_json::to_vec(&scored).unwrap().len();
            assert!(n <= 64 * 1024, "a part of {n} bytes");
            // Self-contained: the page's own fields, and every mention's
            // post in the same part.
            assert_eq!(
                (p.url.as_str(), p.content_hash.as_str(), p.read),
                ("http://a/t", "c1", true)
            );
            assert_eq!(p.etag, whole.etag);
            let ids: HashSet<u64> = p.posts.iter().map(|p| p.id).collect();
            assert!(p.mentions.iter().all(|m| ids.contains(&m.post_id)));
        }
        assert!(parts.iter().filter(|p| !p.mentions.is_empty()).count() > 1);
        assert_eq!(
            RemotePage::join(parts),
            Some(whole.clone()),
            "every post, mention and link once, in order"
        );

        // A small page is one part; a post larger than the limit is a part
        // of its own.
        let small = page(2, 3);
        assert_eq!(small.clone().split(64 * 1024), vec![small]);
        let big = page(3, 0).split(1024);
        assert_eq!(big.len(), 3);
        assert!(big.iter().all(|p| p.posts.len() == 1));
        assert_eq!(RemotePage::join(Vec::new()), None);
    }

    #[test]
    fn a_pages_parts_come_back_whole_once_in_order_whoever_scored_them() {
        let mut parts = PageParts::default();
        assert!(matches!(
            parts.take(part(2, 3, "h1"), vec![0]),
            Gathered::Kept
        ));
        assert!(matches!(
            parts.take(part(0, 3, "h1"), vec![1]),
            Gathered::Kept
        ));
        // Delivered again: acked, not kept twice.
        assert!(matches!(parts.take(part(0, 3, "h1"), vec![2]), Gathered::Again(m) if m == [2]));
        // A part of the page fetched again after it changed: another set.
        assert!(matches!(
            parts.take(part(1, 2, "h2"), vec![3]),
            Gathered::Kept
        ));
        let (l, msgs) = links(parts.take(part(1, 3, "h1"), vec![4]));
        assert_eq!(l, ["http://a/h1/0", "http://a/h1/1", "http://a/h1/2"]);
        assert_eq!(msgs, [0, 1, 4]);
        // The job is answered: the other set's parts are acked.
        assert_eq!(parts.forget("job1"), [3]);
        assert!(parts.drain().is_empty());

        // A result not in parts, or a sitemap's part, passes through.
        let mut whole = part(0, 1, "h");
        whole.part = None;
        assert!(matches!(parts.take(whole, vec![5]), Gathered::Whole(_, m) if m == [5]));
        let mut map = part(0, 2, "h");
        map.outcome = PageOutcome::Sitemap(Box::default());
        assert!(
            matches!(parts.take(map, vec![6]), Gathered::Whole(r, _) if r.part == Some((0, 2)))
        );
        // A part out of its count is dropped; what a pass left is drained.
        assert!(matches!(
            parts.take(part(3, 3, "h"), vec![7]),
            Gathered::Again(_)
        ));
        assert!(matches!(
            parts.take(part(0, 2, "h"), vec![8]),
            Gathered::Kept
        ));
        assert_eq!(parts.drain(), [8]);
        // The message ids of a page's parts name the count and the body.
        assert_eq!(
            part(1, 3, "abcdef0123456789").message_id(),
            "job1.p1-3.abcdef012345"
        );
        assert_eq!(part(0, 3, "h1").message_id(), "job1.p0-3.h1");
    }
}
