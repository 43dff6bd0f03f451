//! earshot's sentiment model on libtorch (rust-bert, tch), and
//! `earshot-score`, the process that runs it for earshot.
//!
//! This is the only crate in the workspace that links libtorch. The
//! `earshot` library and binary never depend on it: they start
//! `earshot-score` when they first score and speak
//! [`earshot::sentiment::protocol`] with it over its stdin and stdout
//! ([`serve`] is the scorer's side). Commands that do not score never load
//! libtorch.
//!
//! The model is earshot's own (see `models/sentiment/MODEL_CARD.md`): a
//! BERT-layout encoder with a 3-class head (negative, neutral, positive) and
//! the XLM-R SentencePiece tokenizer, read from `config.json`,
//! `model.safetensors` and `spiece.model`; nothing is downloaded.

mod c10;
mod calibrate;
mod int8;
mod model;
mod serve;
mod smooth;
#[cfg(test)]
mod smooth_check;

pub use model::Scorer;
pub use serve::{serve, ServeError};

use earshot::sentiment::TorchInfo;

/// Runs a tiny tensor computation to prove libtorch loads and works.
pub fn probe() -> TorchInfo {
    let t = tch::Tensor::from_slice(&[1.0f32, 2.0, 3.0]);
    let check = t.dot(&t).double_value(&[]);
    TorchInfo {
        cuda_devices: tch::Cuda::device_count(),
        threads: tch::get_num_threads(),
        check,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn libtorch_computes() {
        let info = super::probe();
        assert_eq!(info.check, 14.0);
        assert!(info.threads >= 1);
    }
}
