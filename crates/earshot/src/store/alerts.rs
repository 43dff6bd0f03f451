//! Alerts, silences and the notification outbox.

use super::*;

impl Store {
    /// Stores or replaces an alert.
    pub fn put_alert(&self, alert: &Alert) -> Result<(), StoreError> {
        self.tree()?
            .insert(keys::alert(alert.id), encode(alert))
            .map_err(|e| self.engine(e))?;
        Ok(())
    }

    /// Changes one alert under the store's write lock (read, change, write
    /// as one step, like every other write); `None` when there is no such
    /// alert.
    pub fn update_alert(
        &self,
        id: u64,
        change: impl FnOnce(&mut Alert),
    ) -> Result<Option<Alert>, StoreError> {
        let _guard = self.write_lock.lock().unwrap_or_else(|p| p.into_inner());
        let key = keys::alert(id);
        let Some(b) = self.tree()?.get(key).map_err(|e| self.engine(e))? else {
            return Ok(None);
        };
        let mut alert: Alert = decode(&key, &b)?;
        change(&mut alert);
        self.tree()?
            .insert(key, encode(&alert))
            .map_err(|e| self.engine(e))?;
        self.flush()?;
        Ok(Some(alert))
    }

    /// One alert by id.
    pub fn get_alert(&self, id: u64) -> Result<Option<Alert>, StoreError> {
        let key = keys::alert(id);
        match self.tree()?.get(key).map_err(|e| self.engine(e))? {
            Some(b) => Ok(Some(decode(&key, &b)?)),
            None => Ok(None),
        }
    }

    /// Stores an alert and queues its notifications in one atomic batch: a
    /// crash leaves both or neither, so an alert is never stored without
    /// its deliveries. Items whose key is already queued or delivered are
    /// left alone (deduplication by key); returns how many were queued.
    pub fn put_alert_with_outbox(
        &self,
        alert: &Alert,
        items: &[OutboxItem],
    ) -> Result<usize, StoreError> {
        let _guard = self.write_lock.lock().unwrap_or_else(|p| p.into_inner());
        let mut batch = sled::Batch::default();
        batch.insert(&keys::alert(alert.id)[..], encode(alert));
        let mut queued = 0;
        for item in items {
            let key = keys::outbox(&item.key);
            if self
                .tree()?
                .get(&key)
                .map_err(|e| self.engine(e))?
                .is_none()
            {
                batch.insert(key, encode(item));
                queued += 1;
            }
        }
        self.tree()?
            .apply_batch(batch)
            .map_err(|e| self.engine(e))?;
        Ok(queued)
    }

    /// Every outbox item, delivered or not.
    pub fn outbox_all(&self) -> Result<Vec<OutboxItem>, StoreError> {
        self.scan_values(keys::OUTBOX)
    }

    /// Stores or replaces a silence.
    pub fn put_silence(&self, s: &Silence) -> Result<(), StoreError> {
        self.tree()?
            .insert(keys::silence(s.id), encode(s))
            .map_err(|e| self.engine(e))?;
        Ok(())
    }

    /// Removes a silence; whether it existed.
    pub fn remove_silence(&self, id: u64) -> Result<bool, StoreError> {
        Ok(self
            .tree()?
            .remove(keys::silence(id))
            .map_err(|e| self.engine(e))?
            .is_some())
    }

    /// All silences.
    pub fn silences(&self) -> Result<Vec<Silence>, StoreError> {
        self.scan_values(keys::SILENCE)
    }

    /// All alerts, oldest first.
    pub fn alerts(&self) -> Result<Vec<Alert>, StoreError> {
        self.scan_values(keys::ALERT)
    }

    /// Queues a notification; a no-op when the key is already queued or
    /// delivered (deduplication by key).
    pub fn enqueue(&self, item: &OutboxItem) -> Result<bool, StoreError> {
        let key = keys::outbox(&item.key);
        let res = self
            .tree()?
            .compare_and_swap(&key, None::<&[u8]>, Some(encode(item)))
            .map_err(|e| self.engine(e))?;
        Ok(res.is_ok())
    }

    /// Outbox items not yet delivered.
    pub fn outbox_pending(&self) -> Result<Vec<OutboxItem>, StoreError> {
        Ok(self
            .scan_values::<OutboxItem>(keys::OUTBOX)?
            .into_iter()
            .filter(|i| i.delivered_at.is_none())
            .collect())
    }

    /// Replaces an outbox item (after a delivery attempt).
    pub fn update_outbox(&self, item: &OutboxItem) -> Result<(), StoreError> {
        self.tree()?
            .insert(keys::outbox(&item.key), encode(item))
            .map_err(|e| self.engine(e))?;
        Ok(())
    }
}
