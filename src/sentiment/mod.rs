//! Sentiment scoring with rust-bert on libtorch.
//!
//! The model itself arrives with the sentiment issue; this module already
//! links libtorch through tch and rust-bert, so the install path (the PyPI
//! torch wheel, a RUNPATH baked in by build.rs) is proven by every build
//! and by `earshot doctor`.

/// What libtorch reports about itself.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TorchInfo {
    /// CUDA devices usable.
    pub cuda_devices: i64,
    /// Intra-op threads.
    pub threads: i32,
    /// Result of a small computation (must be 14).
    pub check: f64,
}

/// Runs a tiny tensor computation to prove libtorch loads and works.
#[cfg(feature = "sentiment")]
pub fn probe() -> TorchInfo {
    let t = tch::Tensor::from_slice(&[1.0f32, 2.0, 3.0]);
    let check = t.dot(&t).double_value(&[]);
    TorchInfo {
        cuda_devices: tch::Cuda::device_count(),
        threads: tch::get_num_threads(),
        check,
    }
}

/// Without the `sentiment` feature there is no libtorch.
#[cfg(not(feature = "sentiment"))]
pub fn probe() -> TorchInfo {
    TorchInfo {
        cuda_devices: 0,
        threads: 0,
        check: 0.0,
    }
}

/// Reads a BERT model configuration (`config.json`) as rust-bert does.
#[cfg(feature = "sentiment")]
pub fn read_model_config(path: &std::path::Path) -> Result<rust_bert::bert::BertConfig, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(all(test, feature = "sentiment"))]
mod tests {
    #[test]
    fn libtorch_computes() {
        let info = super::probe();
        assert_eq!(info.check, 14.0);
        assert!(info.threads >= 1);
    }
}
