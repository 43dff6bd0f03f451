//! Dashboard sign-in sessions, so a browser stays signed in across a
//! restart. Only the SHA-256 of a session id is stored (key `S` + the
//! hash): someone who reads the store cannot sign in with what they find.
//! A session past its expiry is gone: [`Store::session`] ignores it and
//! [`Store::prune_sessions`] removes it.

use super::*;

/// A signed-in browser: who, with which role, until when.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StoredSession {
    /// The token's name (or "console" for a one-time link).
    pub name: String,
    /// The role, as the application names it (`viewer`, `admin`).
    pub role: String,
    /// When it ends.
    pub expires_at: DateTime<Utc>,
}

fn session_key(hash: &[u8; 32]) -> [u8; 33] {
    let mut k = [0u8; 33];
    k[0] = keys::SESSION;
    k[1..].copy_from_slice(hash);
    k
}

impl Store {
    /// Stores a session under the hash of its id, keeping at most `keep`
    /// sessions of its name: the ones that end first go to make room.
    /// Returns how many went. Durable at once: a sign-in is rare and must
    /// survive a restart that follows it.
    pub fn put_session(
        &self,
        hash: &[u8; 32],
        s: &StoredSession,
        keep: usize,
    ) -> Result<usize, StoreError> {
        let mut same_name = Vec::new();
        for item in self.tree()?.scan_prefix([keys::SESSION]) {
            let (k, v) = item.map_err(|e| self.engine(e))?;
            match decode::<StoredSession>(&k, &v) {
                Ok(other) if other.name == s.name => same_name.push((other.expires_at, k)),
                Ok(_) => {}
                // Unreadable: nobody can sign in with it.
                Err(_) => {
                    self.tree()?.remove(k).map_err(|e| self.engine(e))?;
                }
            }
        }
        same_name.sort();
        let excess = (same_name.len() + 1).saturating_sub(keep.max(1));
        for (_, k) in same_name.iter().take(excess) {
            self.tree()?.remove(k).map_err(|e| self.engine(e))?;
        }
        self.tree()?
            .insert(session_key(hash), encode(s))
            .map_err(|e| self.engine(e))?;
        self.flush()?;
        Ok(excess)
    }

    /// The live session with this id hash, if any.
    pub fn session(
        &self,
        hash: &[u8; 32],
        now: DateTime<Utc>,
    ) -> Result<Option<StoredSession>, StoreError> {
        let key = session_key(hash);
        match self.tree()?.get(key).map_err(|e| self.engine(e))? {
            Some(b) => {
                let s: StoredSession = decode(&key, &b)?;
                Ok((s.expires_at > now).then_some(s))
            }
            None => Ok(None),
        }
    }

    /// Ends a session (sign-out).
    pub fn remove_session(&self, hash: &[u8; 32]) -> Result<(), StoreError> {
        self.tree()?
            .remove(session_key(hash))
            .map_err(|e| self.engine(e))?;
        Ok(())
    }

    /// Removes the sessions that expired before `now`; returns how many.
    pub fn prune_sessions(&self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        let mut gone = 0;
        for item in self.tree()?.scan_prefix([keys::SESSION]) {
            let (k, v) = item.map_err(|e| self.engine(e))?;
            let expired = decode::<StoredSession>(&k, &v)
                .map(|s| s.expires_at <= now)
                .unwrap_or(true);
            if expired {
                self.tree()?.remove(k).map_err(|e| self.engine(e))?;
                gone += 1;
            }
        }
        Ok(gone)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_survive_a_reopen_and_end_at_expiry() {
        let dir = tempfile::tempdir().unwrap();
        let now: DateTime<Utc> = "2026-12-01T10:00:00Z".parse().unwrap();
        let live = StoredSession {
            name: "analyst".into(),
            role: "viewer".into(),
            expires_at: now + chrono::Duration::hours(12),
        };
        let old = StoredSession {
            expires_at: now - chrono::Duration::seconds(1),
            ..live.clone()
        };
        {
            let store = Store::open(dir.path()).unwrap();
            store.put_session(&[1; 32], &live, 10).unwrap();
            store.put_session(&[2; 32], &old, 10).unwrap();
        }
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.session(&[1; 32], now).unwrap(), Some(live.clone()));
        assert_eq!(store.session(&[2; 32], now).unwrap(), None, "expired");
        assert_eq!(store.session(&[3; 32], now).unwrap(), None, "unknown");
        assert_eq!(store.prune_sessions(now).unwrap(), 1);
        store.remove_session(&[1; 32]).unwrap();
        assert_eq!(store.session(&[1; 32], now).unwrap(), None, "signed out");
    }

    #[test]
    fn a_name_keeps_at_most_its_newest_sessions() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let now: DateTime<Utc> = "2026-12-01T10:00:00Z".parse().unwrap();
        let session = |name: &str, minutes: i64| StoredSession {
            name: name.into(),
            role: "viewer".into(),
            expires_at: now + chrono::Duration::minutes(minutes),
        };
        store
            .put_session(&[100; 32], &session("other", 1), 3)
            .unwrap();
        for i in 0..5u8 {
            let ended = store
                .put_session(&[i; 32], &session("analyst", 10 + i as i64), 3)
                .unwrap();
            assert_eq!(ended, usize::from(i >= 3), "sign-in {i}");
        }
        let live: Vec<u8> = (0..5u8)
            .filter(|i| store.session(&[*i; 32], now).unwrap().is_some())
            .collect();
        assert_eq!(live, vec![2, 3, 4], "the oldest two ended");
        assert!(
            store.session(&[100; 32], now).unwrap().is_some(),
            "other names untouched"
        );
    }
}
