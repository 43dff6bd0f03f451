//! Page → posts → mentions: the posts an extracted page yields (stored
//! whether or not a watch matches them, so `earshot rematch` can apply new
//! watches later), and the mentions of one post, one per watch it matches,
//! each with that watch's own context window.

use crate::extract::{self, PageKind};
use crate::store::{Mention, Post, Rating, Store, StoreError};
use crate::watch::{spam, Doc, Matcher};

use super::scoring::{score_mentions, scoring_texts};
use super::Work;

/// The posts of one extracted page. A feed's items are the pages it links
/// to, which are fetched and read themselves: a feed yields none.
pub(super) fn posts_of(w: &Work) -> Vec<Post> {
    if w.extracted.kind == PageKind::Feed {
        return Vec::new();
    }
    let host = w.page.url.host_str().unwrap_or("").to_string();
    let site = w.source.site.clone().unwrap_or(host);
    w.extracted
        .posts
        .iter()
        .enumerate()
        .map(|(i, post)| {
            let cleaned = spam::strip_ad_lines(&post.text);
            let body = if cleaned.is_ad() {
                post.text.as_str()
            } else {
                cleaned.text.as_str()
            };
            let position = post.floor.unwrap_or(i as u32 + 1);
            // A listing's post (Reddit, Hacker News) has its own address:
            // stored under it, it keeps its identity while newer posts push
            // it down the listing, and a later listing page finds it again.
            let (id, url, canonical) = match &post.url {
                Some(own) => (Mention::make_id(own, 1), own.clone(), own.clone()),
                None => (
                    Mention::make_id(&w.canonical, position),
                    w.page.url.to_string(),
                    w.canonical.clone(),
                ),
            };
            let own_title = post.title.is_some() && post.url.is_some();
            Post {
                id,
                url,
                canonical_url: canonical,
                source: w.source.name.clone(),
                site: site.clone(),
                author: post.author.clone(),
                published_at: post.published_at,
                fetched_at: w.page.fetched_at,
                title: if own_title {
                    post.title.clone()
                } else {
                    w.extracted.title.clone()
                },
                // The thread title belongs to the first post only.
                has_title: own_title || i == 0,
                lang: extract::detect_lang(body).or_else(|| w.extracted.lang.clone()),
                text: post.text.clone(),
                // Ad lines the extractor already cut.
                flags: post
                    .removed
                    .iter()
                    .filter(|r| {
                        r.reason.starts_with("ad line") || r.reason.starts_with("matched pattern")
                    })
                    .map(|r| {
                        format!(
                            "{}: {}",
                            r.reason,
                            r.text.chars().take(60).collect::<String>()
                        )
                    })
                    .collect(),
                floor: post.floor,
                rating: post.rating.map(|r| Rating {
                    value: r.value,
                    best: r.best,
                }),
            }
        })
        .collect()
}

/// The mentions in one post: one per watch that matches it, each with the
/// sentences around that watch's first mention. Ad lines are cut from the
/// text first (the cut is recorded in `flags`); ads, link farms, mentions
/// outside the post's own text and the same text posted again by the same
/// author elsewhere are flagged as spam. Sentiment and cluster are left for
/// the caller.
pub fn mentions_in(
    post: &Post,
    matcher: &Matcher,
    store: &Store,
) -> Result<Vec<Mention>, StoreError> {
    let mut mentions = mentions_unchecked(post, matcher);
    flag_copies(&mut mentions, store)?;
    Ok(mentions)
}

/// [`mentions_in`] without the store: what a fleet worker, which has no
/// store, finds; the coordinator adds [`flag_copies`] before storing.
pub fn mentions_unchecked(post: &Post, matcher: &Matcher) -> Vec<Mention> {
    let cleaned = spam::strip_ad_lines(&post.text);
    // An ad post is matched and kept whole (and flagged below); a real post
    // loses its injected ad lines.
    let body = if cleaned.is_ad() {
        post.text.as_str()
    } else {
        cleaned.text.as_str()
    };
    let host = url::Url::parse(&post.url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_default();
    let site_field = format!("{} {host}", post.site);
    let title = match (&post.title, post.has_title) {
        (Some(t), true) => t.as_str(),
        _ => "",
    };
    let doc = Doc {
        title,
        text: body,
        author: post.author.as_deref().unwrap_or(""),
        site: &site_field,
        source: &post.source,
        lang: post.lang.as_deref(),
    };
    let matches = matcher.find(&doc);
    if matches.is_empty() {
        return Vec::new();
    }
    let content_hash = Mention::hash_text(body);
    let spam_reason = spam::flag(&cleaned, &post.text, matches.iter().any(|m| m.substantive));
    let flags: Vec<String> = if cleaned.is_ad() {
        Vec::new()
    } else {
        // Ad lines the extractor already cut, then any it left.
        post.flags
            .iter()
            .cloned()
            .chain(cleaned.removed.iter().cloned())
            .collect()
    };
    matches
        .into_iter()
        .map(|m| Mention {
            id: Mention::watch_id(post.id, &m.watch),
            url: post.url.clone(),
            canonical_url: post.canonical_url.clone(),
            source: post.source.clone(),
            site: post.site.clone(),
            author: post.author.clone(),
            published_at: post.published_at,
            fetched_at: post.fetched_at,
            title: post.title.clone(),
            text: body.to_string(),
            context: m.context,
            lang: post.lang.clone(),
            watches: vec![m.watch],
            sentiment: None,
            cluster_id: None,
            spam: spam_reason.clone(),
            flags: flags.clone(),
            content_hash: content_hash.clone(),
            floor: post.floor,
            post_id: post.id,
            rating: post.rating,
        })
        .collect()
}

/// Flags as spam the mentions whose text the same author already posted
/// elsewhere (copy-paste), by the stored mentions with the same hash.
pub fn flag_copies(mentions: &mut [Mention], store: &Store) -> Result<(), StoreError> {
    for m in mentions.iter_mut() {
        if m.spam.is_some() || m.text.chars().count() < 30 {
            continue;
        }
        let Some(author) = m.author.clone() else {
            continue;
        };
        for other in store.ids_with_hash(&m.content_hash)? {
            let Some(o) = store.get_mention(other)? else {
                continue;
            };
            if o.post_id != m.post_id
                && o.content_hash == m.content_hash
                && o.author.as_ref() == Some(&author)
                && o.canonical_url != m.canonical_url
            {
                m.spam = Some(format!(
                    "repeated copy-paste by {author} (also at {})",
                    o.url
                ));
                break;
            }
        }
    }
    Ok(())
}

/// Readies mentions for the store: what an earlier crawl learnt about a
/// mention is kept (when it was first seen, its cluster, and its score while
/// the text it is scored on is the same), a new one joins a syndication cluster,
/// and what has no score is scored as [`super::scoring`] says.
pub(crate) fn settle(
    mentions: &mut [Mention],
    store: &Store,
    clusters: &mut crate::cluster::ClusterIndex,
    scorer: Option<&crate::sentiment::ScoreFn>,
) -> Result<(), super::PipelineError> {
    for i in 0..mentions.len() {
        let m = &mut mentions[i];
        if let Some(old) = store.get_mention(m.id)? {
            m.fetched_at = old.fetched_at;
            if m.sentiment.is_none() && scoring_texts(&old) == scoring_texts(m) {
                m.sentiment = old.sentiment;
            }
            if m.cluster_id.is_none() {
                m.cluster_id = old.cluster_id;
            }
        }
        if mentions[i].cluster_id.is_none() {
            // Another watch's mention in the same post: the same cluster.
            let post = mentions[i].post_id;
            let sibling = mentions[..i]
                .iter()
                .find(|o| o.post_id == post)
                .and_then(|o| o.cluster_id);
            mentions[i].cluster_id = Some(match sibling {
                Some(c) => c,
                None => cluster_of(&mentions[i], store, clusters)?,
            });
        }
    }
    if let Some(score) = scorer {
        // Score what is new or changed.
        let todo: Vec<usize> = (0..mentions.len())
            .filter(|&i| mentions[i].sentiment.is_none())
            .collect();
        if !todo.is_empty() {
            let scores = score_mentions(score, todo.iter().map(|&i| &mentions[i]))?;
            for (i, s) in todo.into_iter().zip(scores) {
                mentions[i].sentiment = Some(s);
            }
        }
    }
    Ok(())
}

/// The syndication cluster of a new mention: that of an exact copy (same
/// content hash) already stored, else the MinHash index's best match, else
/// a new cluster of its own post (whose signature is kept).
fn cluster_of(
    m: &Mention,
    store: &Store,
    index: &mut crate::cluster::ClusterIndex,
) -> Result<u64, StoreError> {
    for other in store.ids_with_hash(&m.content_hash)? {
        if other != m.id {
            if let Some(o) = store.get_mention(other)? {
                if o.content_hash == m.content_hash {
                    if let Some(c) = o.cluster_id {
                        return Ok(c);
                    }
                }
            }
        }
    }
    let sig = crate::cluster::Signature::of(&m.text);
    let bytes = sig.as_ref().map(|s| s.to_bytes());
    let a = index.assign(m.post_id, sig);
    if a.new {
        if let Some(b) = bytes {
            store.put_cluster_signature(m.post_id, &b)?;
        }
    }
    Ok(a.cluster)
}

/// The signatures of the stored clusters, as the index `settle` assigns
/// new mentions with.
pub(crate) fn cluster_index(store: &Store) -> Result<crate::cluster::ClusterIndex, StoreError> {
    let mut clusters = crate::cluster::ClusterIndex::new();
    for (id, bytes) in store.cluster_signatures()? {
        if let Some(sig) = crate::cluster::Signature::from_bytes(&bytes) {
            clusters.insert(id, sig);
        }
    }
    Ok(clusters)
}
