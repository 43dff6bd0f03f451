//! Writing mentions: stored, replaced and removed with their index entries,
//! counters, posts and crawl state in one atomic batch.

use super::*;

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

        for m in mentions {
            let t = m.bucket_time();
            let home = keys::home_watch(&m.watches);
            let old: Option<Mention> = match pending.get(&m.id) {
                Some(prev) => prev.cloned(),
                None => self.get_mention(m.id)?,
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
            batch.insert(keys::mention(home, t, m.id), pack(m));
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
