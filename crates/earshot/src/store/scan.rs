//! Reading mention records across watches (format 7): each watch's
//! records are one key range ordered by (bucket time, id), so a scan of
//! every mention in time order merges those ranges.

use super::*;

/// A sled range of records (either direction).
type Records = Box<dyn Iterator<Item = sled::Result<(sled::IVec, sled::IVec)>>>;

/// The last 16 bytes of a record key: its bucket time and id, big-endian,
/// so they compare as (time, id).
fn position_bytes(k: &[u8]) -> &[u8] {
    &k[k.len().saturating_sub(16)..]
}

/// Records of several watches merged in (time, id) order, newest or
/// oldest first; pointer entries (empty values: a mention of several
/// watches under one of its others) are skipped, so each mention comes
/// once, from its home watch.
pub(super) struct Merged {
    heads: Vec<std::iter::Peekable<Records>>,
    newest_first: bool,
}

impl Iterator for Merged {
    type Item = sled::Result<(sled::IVec, sled::IVec)>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let mut best: Option<(usize, sled::IVec)> = None;
            for i in 0..self.heads.len() {
                let k = match self.heads[i].peek() {
                    None => continue,
                    // An error comes out at once.
                    Some(Err(_)) => return self.heads[i].next(),
                    Some(Ok((k, _))) => k.clone(),
                };
                let better = match &best {
                    None => true,
                    Some((_, b)) => {
                        let (here, there) = (position_bytes(&k), position_bytes(b));
                        if self.newest_first {
                            here > there
                        } else {
                            here < there
                        }
                    }
                };
                if better {
                    best = Some((i, k));
                }
            }
            let item = self.heads[best?.0].next()?;
            if matches!(&item, Ok((_, v)) if v.is_empty()) {
                continue;
            }
            return Some(item);
        }
    }
}

impl Store {
    /// The key prefixes of the watches that have mention records, one
    /// seek per watch.
    pub(super) fn mention_prefixes(&self) -> Result<Vec<Vec<u8>>, StoreError> {
        let tree = self.tree()?;
        let mut out = Vec::new();
        let mut from = vec![keys::MENTION];
        let end = vec![keys::MENTION + 1];
        while let Some(item) = tree.range(from.clone()..end.clone()).next() {
            let (k, _) = item.map_err(|e| self.engine(e))?;
            let prefix = keys::mention_prefix_of(&k)
                .ok_or_else(|| StoreError::Corrupt {
                    key: keys::hex(&k),
                    reason: "not a mention record key".into(),
                })?
                .to_vec();
            from = prefix.clone();
            from.extend_from_slice(&[0xFF; 17]);
            out.push(prefix);
        }
        Ok(out)
    }

    /// Every mention record with a bucket time in `[since, until)`, merged
    /// across watches, newest or oldest first. With `before` (newest
    /// first only), only records older than that position.
    pub(super) fn merged_records(
        &self,
        since: Option<DateTime<Utc>>,
        until: Option<DateTime<Utc>>,
        before: Option<MentionCursor>,
        newest_first: bool,
    ) -> Result<Merged, StoreError> {
        let tree = self.tree()?;
        let mut heads = Vec::new();
        for prefix in self.mention_prefixes()? {
            let mut lo = prefix.clone();
            let mut hi = prefix.clone();
            match since {
                Some(t) => lo.extend_from_slice(&keys::ts_value(t)),
                None => lo.extend_from_slice(&[0u8; 8]),
            }
            match until {
                Some(t) => hi.extend_from_slice(&keys::ts_value(t)),
                None => hi.extend_from_slice(&[0xFFu8; 17]),
            }
            if let Some(c) = before {
                let mut at = prefix.clone();
                at.extend_from_slice(&keys::ts_value(c.time));
                at.extend_from_slice(&c.id.to_be_bytes());
                hi = hi.min(at);
            }
            if lo >= hi {
                continue;
            }
            let range = tree.range(lo..hi);
            let records: Records = if newest_first {
                Box::new(range.rev())
            } else {
                Box::new(range)
            };
            heads.push(records.peekable());
        }
        Ok(Merged {
            heads,
            newest_first,
        })
    }

    /// The mention behind a record entry: the value itself, or for a
    /// pointer entry (empty), the record under the mention's home watch.
    pub(super) fn record_at(&self, k: &[u8], v: &[u8]) -> Result<Option<Mention>, StoreError> {
        if !v.is_empty() {
            return Ok(Some(unpack(k, v)?));
        }
        match keys::position(k) {
            Some((_, id)) => self.get_mention(id),
            None => Err(StoreError::Corrupt {
                key: keys::hex(k),
                reason: "mention key too short".into(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    #[test]
    fn records_of_all_watches_come_back_in_time_order_each_once() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&dir.path().join("s")).unwrap();
        let start = Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap();
        let watches = ["华为", "Lumio", "w"];
        let mut all: Vec<Mention> = (0..300)
            .map(|i| crate::store::synthetic_mention(i, &watches, start))
            .collect();
        // One mention of two watches (as format 2 stores migrated them)
        // and one of none.
        all[9].watches.push("Lumio".into());
        all[11].watches.clear();
        s.put_mentions(&all, None).unwrap();
        let newest: Vec<u64> = s
            .merged_records(None, None, None, true)
            .unwrap()
            .map(|r| {
                let (k, _) = r.unwrap();
                keys::position(&k).unwrap().1
            })
            .collect();
        let mut want: Vec<&Mention> = all.iter().collect();
        want.sort_by_key(|m| std::cmp::Reverse((m.bucket_time(), m.id)));
        assert_eq!(newest, want.iter().map(|m| m.id).collect::<Vec<_>>());
        let since = start + Duration::seconds(7 * 100);
        let until = start + Duration::seconds(7 * 200);
        let oldest: Vec<u64> = s
            .merged_records(Some(since), Some(until), None, false)
            .unwrap()
            .map(|r| keys::position(&r.unwrap().0).unwrap().1)
            .collect();
        assert_eq!(oldest, (100..200).map(|i| all[i].id).collect::<Vec<_>>());
        assert_eq!(s.mention_prefixes().unwrap().len(), 4);
        // The two-watch mention is in both watches' lists.
        for w in ["华为", "Lumio"] {
            let ms = s
                .mentions(&MentionQuery {
                    watch: Some(w.into()),
                    ..Default::default()
                })
                .unwrap();
            assert!(ms.contains(&all[9]), "{w}");
        }
        assert!(s.verify().unwrap().is_empty(), "{:?}", s.verify().unwrap());
        s.replace_mentions(&[], &[all[9].id]).unwrap();
        assert!(s.verify().unwrap().is_empty(), "{:?}", s.verify().unwrap());
        assert_eq!(s.get_mention(all[9].id).unwrap(), None);
    }
}
