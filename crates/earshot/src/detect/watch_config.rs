//! A watch's own detector settings: `alert = { ... }` in a `[[watch]]`.

use serde::{Deserialize, Serialize};

use super::{Detector, DetectorConfig};

/// `alert = { ... }` in a `[[watch]]`: overrides of `[alert.detect]`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WatchAlertConfig {
    /// Detectors for this watch.
    pub detectors: Option<Vec<Detector>>,
    /// Cold-start threshold for this watch.
    pub threshold: Option<u64>,
    /// Least negative mentions in a window for this watch.
    pub min_count: Option<u64>,
    /// Significance level for this watch.
    pub alpha: Option<f64>,
}

impl WatchAlertConfig {
    /// The detector settings for a watch.
    pub fn apply(&self, base: &DetectorConfig) -> DetectorConfig {
        let mut c = base.clone();
        if let Some(d) = &self.detectors {
            c.detectors = d.clone();
        }
        if let Some(t) = self.threshold {
            c.threshold = t;
        }
        if let Some(m) = self.min_count {
            c.min_count = m;
        }
        if let Some(a) = self.alpha {
            c.alpha = a;
        }
        c
    }
}
