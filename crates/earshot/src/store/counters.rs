//! Hourly and daily counters per watch: read, recounted from the mentions,
//! rebuilt, and the store's own consistency check.

use super::*;

impl Store {
    /// Every stored counter, keyed by (granularity, watch, bucket start).
    pub fn counters(&self) -> Result<CounterMap, StoreError> {
        let mut out = BTreeMap::new();
        for item in self.tree()?.scan_prefix([keys::COUNTER]) {
            let (k, v) = item.map_err(|e| self.engine(e))?;
            let id = keys::parse_counter(&k).ok_or_else(|| StoreError::Corrupt {
                key: keys::hex(&k),
                reason: "bad counter key".into(),
            })?;
            out.insert(id, decode(&k, &v)?);
        }
        Ok(out)
    }

    /// Counters recomputed from the stored mentions; equal to
    /// [`Store::counters`] in a healthy store.
    pub fn recount(&self) -> Result<CounterMap, StoreError> {
        let mut out: BTreeMap<_, CountsDelta> = BTreeMap::new();
        for item in self.tree()?.scan_prefix([keys::MENTION]) {
            let (k, v) = item.map_err(|e| self.engine(e))?;
            if v.is_empty() {
                // A pointer: the mention is counted from its record.
                continue;
            }
            let m: Mention = unpack(&k, &v)?;
            for w in &m.watches {
                for g in Granularity::STORED {
                    out.entry((*g, w.clone(), g.bucket_start(m.bucket_time())))
                        .or_default()
                        .add(&m);
                }
            }
        }
        Ok(out
            .into_iter()
            .map(|(k, d)| {
                let mut c = Counts::default();
                d.apply(&mut c);
                (k, c)
            })
            .collect())
    }

    /// Rebuilds every hourly and daily counter from the stored mentions, in
    /// one atomic batch (`earshot timeline rebuild`). Returns how many
    /// buckets were written and how many differed from what was stored.
    pub fn rebuild_counters(&self) -> Result<(usize, usize), StoreError> {
        let _guard = self.write_lock.lock().unwrap_or_else(|p| p.into_inner());
        let fresh = self.recount()?;
        let stored = self.counters()?;
        let mut batch = sled::Batch::default();
        let mut differed = 0;
        for (k, old) in &stored {
            match fresh.get(k) {
                Some(new) if new == old => {}
                _ => differed += 1,
            }
            if !fresh.contains_key(k) {
                batch.remove(keys::counter(k.0, &k.1, k.2));
            }
        }
        for (k, c) in &fresh {
            if !stored.contains_key(k) {
                differed += 1;
            }
            batch.insert(keys::counter(k.0, &k.1, k.2), encode(c));
        }
        self.tree()?
            .apply_batch(batch)
            .map_err(|e| self.engine(e))?;
        self.flush()?;
        Ok((fresh.len(), differed))
    }

    /// Checks the store's invariants: the mention count, one id-index
    /// and one content-hash entry per mention and one cluster member per
    /// mention in a cluster (counted), each record filed under its first
    /// watch at its bucket time with a pointer under each other watch and
    /// no other entry, counters equal to a recount. Returns the problems
    /// found.
    pub fn verify(&self) -> Result<Vec<String>, StoreError> {
        let mut problems = Vec::new();
        let mut expected_pointers = std::collections::BTreeSet::new();
        let mut pointers = std::collections::BTreeSet::new();
        let mut misfiled = 0u64;
        let mut n = 0u64;
        let mut clustered = 0u64;
        for item in self.tree()?.scan_prefix([keys::MENTION]) {
            let (k, v) = item.map_err(|e| self.engine(e))?;
            if v.is_empty() {
                pointers.insert(k.to_vec());
                continue;
            }
            let m: Mention = unpack(&k, &v)?;
            n += 1;
            clustered += m.cluster_id.is_some() as u64;
            let t = m.bucket_time();
            let home = keys::home_watch(&m.watches);
            if k.as_ref() != keys::mention(home, t, m.id).as_slice() {
                misfiled += 1;
            }
            for w in m.watches.iter().filter(|w| w.as_str() != home) {
                expected_pointers.insert(keys::mention(w, t, m.id));
            }
        }
        if misfiled > 0 {
            problems.push(format!(
                "{misfiled} mention records are not under their first watch and bucket time"
            ));
        }
        let ids = self.tree()?.scan_prefix([keys::ID]).count() as u64;
        if ids != n {
            problems.push(format!("id index has {ids} entries for {n} mentions"));
        }
        // One content-hash entry per record, one cluster member per record
        // in a cluster (counted, as the id index: a scan of each prefix).
        let hashes = self.tree()?.scan_prefix([keys::HASH]).count() as u64;
        if hashes != n {
            problems.push(format!(
                "content-hash index has {hashes} entries for {n} mentions"
            ));
        }
        let members = self.tree()?.scan_prefix([keys::CLUSTER]).count() as u64;
        if members != clustered {
            problems.push(format!(
                "clusters have {members} members for {clustered} mentions in a cluster"
            ));
        }
        if n != self.mention_count()? {
            problems.push(format!(
                "mention count says {}, {} stored",
                self.mention_count()?,
                n
            ));
        }
        if pointers != expected_pointers {
            problems.push(format!(
                "{} entries under a mention's other watches, its records need {} ({} missing, {} extra)",
                pointers.len(),
                expected_pointers.len(),
                expected_pointers.difference(&pointers).count(),
                pointers.difference(&expected_pointers).count()
            ));
        }
        if self.counters()? != self.recount()? {
            problems.push("counters differ from a recount of the stored mentions".into());
        }
        Ok(problems)
    }
}
