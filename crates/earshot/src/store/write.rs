//! Writing mentions: stored, replaced and removed with their index entries,
//! counters, posts and crawl state in one atomic batch.

use super::*;

/// Batches of at least this many mentions are prepared (the stored records
/// looked up, the new ones packed) on [`PREPARE_THREADS`] threads; smaller
/// ones, such as a crawled page's, on the caller's thread alone, where a
/// thread's start would cost more than it saves.
pub(super) const PARALLEL_MIN: usize = 256;

/// How many threads prepare a large batch (the caller's and one more; the
/// target machine has two cores).
pub(super) const PREPARE_THREADS: usize = 2;

/// What one mention of a batch needs from the store before the batch is
/// built: the record stored under its id when the write began, and its
/// packed bytes unless that record equals it (then nothing is written,
/// unless an earlier copy in the same batch changed it).
#[derive(Debug, PartialEq)]
pub(super) struct Prepared {
    pub(super) stored: Option<Mention>,
    pub(super) packed: Option<Vec<u8>>,
}

impl Store {
    /// Stores mentions (and optionally one page's crawl state) atomically:
    /// after a crash either all of them, their index entries and counter
    /// changes are on disk, or none. Re-storing a mention with the same id
    /// replaces it and moves counters by the difference, so retries are
    /// idempotent. Durable once [`Store::flush`] returns.
    pub fn put_mentions(
        &self,
        mentions: &[Mention],
        crawl_state: Option<(&str, &CrawlState)>,
    ) -> Result<IngestReport, StoreError> {
        self.write(mentions, &[], &[], &[], crawl_state)
    }

    /// Stores one page: its posts (every one extracted, matched or not),
    /// the mentions found in them and the page's crawl state, atomically.
    pub fn put_page(
        &self,
        mentions: &[Mention],
        posts: &[Post],
        crawl_state: Option<(&str, &CrawlState)>,
    ) -> Result<IngestReport, StoreError> {
        self.write(mentions, &[], posts, &[], crawl_state)
    }

    /// Stores `put` and removes the mentions with ids in `remove` (absent
    /// ones are skipped), with their index entries and counters, atomically.
    pub fn replace_mentions(
        &self,
        put: &[Mention],
        remove: &[u64],
    ) -> Result<IngestReport, StoreError> {
        self.write(put, remove, &[], &[], None)
    }

    /// Removes the mentions with ids in `remove` (as
    /// [`Store::replace_mentions`]) and the stored posts with ids in
    /// `posts`, atomically (retention).
    pub(super) fn write_removing_posts(
        &self,
        put: &[Mention],
        remove: &[u64],
        posts: &[u64],
    ) -> Result<IngestReport, StoreError> {
        self.write(put, remove, &[], posts, None)
    }

    fn prepare_one(&self, m: &Mention) -> Result<Prepared, StoreError> {
        let stored = self.get_mention(m.id)?;
        let packed = (stored.as_ref() != Some(m)).then(|| pack(m));
        Ok(Prepared { stored, packed })
    }

    /// [`Store::prepare_one`] for each mention, in order, on up to
    /// `threads` threads (one when the batch is under [`PARALLEL_MIN`]).
    /// The same result as on one thread: lookups only read, and [`pack`]'s
    /// bytes depend on the record alone. The first error in batch order
    /// is returned.
    pub(super) fn prepare(
        &self,
        mentions: &[Mention],
        threads: usize,
    ) -> Result<Vec<Prepared>, StoreError> {
        let run = |part: &[Mention]| -> Result<Vec<Prepared>, StoreError> {
            part.iter().map(|m| self.prepare_one(m)).collect()
        };
        if threads <= 1 || mentions.len() < PARALLEL_MIN {
            return run(mentions);
        }
        let size = mentions.len().div_ceil(threads);
        let parts = std::thread::scope(|s| {
            let mut chunks = mentions.chunks(size);
            let first = chunks.next().unwrap_or(&[]);
            // A thread that cannot start leaves its part to this one.
            let others: Vec<_> = chunks
                .map(|part| {
                    std::thread::Builder::new()
                        .name("earshot-pack".into())
                        .spawn_scoped(s, move || run(part))
                        .map_err(|_| part)
                })
                .collect();
            let mut parts = vec![run(first)];
            for other in others {
                parts.push(match other {
                    Ok(handle) => handle
                        .join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                    Err(part) => run(part),
                });
            }
            parts
        });
        let mut out = Vec::with_capacity(mentions.len());
        for part in parts {
            out.extend(part?);
        }
        Ok(out)
    }

    fn write(
        &self,
        mentions: &[Mention],
        remove: &[u64],
        posts: &[Post],
        remove_posts: &[u64],
        crawl_state: Option<(&str, &CrawlState)>,
    ) -> Result<IngestReport, StoreError> {
        let _guard = self.write_lock.lock().unwrap_or_else(|p| p.into_inner());
        self.injected_failure()?;
        let mut batch = sled::Batch::default();
        let mut deltas: HashMap<Vec<u8>, CountsDelta> = HashMap::new();
        let mut report = IngestReport::default();
        // What the batch has written so far, by id (`None`: removed).
        let mut pending: HashMap<u64, Option<&Mention>> = HashMap::new();

        let unindex =
            |old: &Mention, batch: &mut sled::Batch, deltas: &mut HashMap<Vec<u8>, CountsDelta>| {
                let t = old.bucket_time();
                let home = keys::home_watch(&old.watches);
                batch.remove(keys::mention(home, t, old.id));
                batch.remove(keys::hash_index(&old.content_hash, old.id));
                if let Some(c) = old.cluster_id {
                    batch.remove(&keys::cluster_member(c, old.id)[..]);
                }
                for w in &old.watches {
                    if w != home {
                        batch.remove(keys::mention(w, t, old.id));
                    }
                    for g in Granularity::STORED {
                        deltas
                            .entry(keys::counter(*g, w, g.bucket_start(t)))
                            .or_default()
                            .sub(old);
                    }
                }
            };

        let prepared = self.prepare(mentions, PREPARE_THREADS)?;
        for (m, prep) in mentions.iter().zip(prepared) {
            let t = m.bucket_time();
            let home = keys::home_watch(&m.watches);
            // An earlier copy in this batch wins over what was stored.
            let old: Option<Mention> = match pending.get(&m.id) {
                Some(prev) => prev.cloned(),
                None => prep.stored,
            };
            if let Some(old) = &old {
                if old == m {
                    report.unchanged += 1;
                    continue;
                }
                unindex(old, &mut batch, &mut deltas);
                report.updated += 1;
            } else {
                report.inserted += 1;
                for w in &m.watches {
                    *report.new_per_watch.entry(w.clone()).or_default() += 1;
                }
            }
            for w in &m.watches {
                if w != home {
                    // A pointer: the record is under the home watch.
                    batch.insert(keys::mention(w, t, m.id), &[][..]);
                }
                for g in Granularity::STORED {
                    deltas
                        .entry(keys::counter(*g, w, g.bucket_start(t)))
                        .or_default()
                        .add(m);
                }
            }
            batch.insert(keys::hash_index(&m.content_hash, m.id), &[][..]);
            if let Some(c) = m.cluster_id {
                batch.insert(
                    &keys::cluster_member(c, m.id)[..],
                    keys::member_value(m.post_id, &m.site),
                );
            }
            // Not packed ahead when the stored record equalled it but an
            // earlier copy in this batch changed it.
            let packed = prep.packed.unwrap_or_else(|| pack(m));
            batch.insert(keys::mention(home, t, m.id), packed);
            batch.insert(&keys::id_index(m.id)[..], keys::id_value(home, t));
            pending.insert(m.id, Some(m));
        }

        for &id in remove {
            let old: Option<Mention> = match pending.get(&id) {
                Some(prev) => prev.cloned(),
                None => self.get_mention(id)?,
            };
            let Some(old) = old else { continue };
            unindex(&old, &mut batch, &mut deltas);
            batch.remove(&keys::id_index(id)[..]);
            report.removed += 1;
            for w in &old.watches {
                *report.removed_per_watch.entry(w.clone()).or_default() += 1;
            }
            pending.insert(id, None);
        }

        for (key, delta) in deltas {
            if delta.is_zero() {
                continue;
            }
            let mut counts: Counts = match self.tree()?.get(&key).map_err(|e| self.engine(e))? {
                Some(bytes) => decode(&key, &bytes)?,
                None => Counts::default(),
            };
            delta.apply(&mut counts);
            if counts == Counts::default() {
                batch.remove(key);
            } else {
                batch.insert(key, encode(&counts));
            }
        }
        if report.inserted != report.removed {
            let total = (self.mention_count()? + report.inserted as u64)
                .saturating_sub(report.removed as u64);
            batch.insert(keys::meta("mention_count"), &total.to_be_bytes());
        }
        for p in posts {
            batch.insert(&keys::post(p.id)[..], pack(p));
        }
        for &p in remove_posts {
            batch.remove(&keys::post(p)[..]);
        }
        if let Some((url, state)) = crawl_state {
            batch.insert(keys::crawl(url), encode(state));
        }
        self.tree()?
            .apply_batch(batch)
            .map_err(|e| self.engine(e))?;
        Ok(report)
    }
}
