//! `[store]`: where the mention timeline lives.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::util::Problem;

/// `[store]`
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct StoreConfig {
    /// Directory of the sled store, relative to the working directory.
    pub path: PathBuf,
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            path: PathBuf::from("data/earshot.db"),
        }
    }
}

impl StoreConfig {
    /// What is wrong with this section.
    pub fn problems(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        if self.path.as_os_str().is_empty() {
            out.push(Problem::new(
                "store.path",
                "is empty",
                "write a directory for the store, e.g. path = \"data/earshot.db\"",
            ));
        }
        out
    }
}
