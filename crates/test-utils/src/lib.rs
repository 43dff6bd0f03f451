//! Helpers shared by earshot's integration tests and benches, never linked
//! into the `earshot` binary:
//!
//! * [`server`]: a test HTTP server on 127.0.0.1 that records when each
//!   request arrives and answers as the test says,
//! * [`synthetic_mention`]: deterministic mentions for stores of any size,
//! * [`fixtures`]: the fixture store the dashboard, report and CLI tests share,
//! * [`model_copy_with`]: a copy of a sentiment model with its config edited.

pub mod fixtures;
pub mod server;

/// A copy of the sentiment model in `model` (its weights and vocabulary) in
/// a temporary directory, its config.json edited by `edit`.
pub fn model_copy_with(
    model: &std::path::Path,
    edit: impl FnOnce(&mut serde_json::Map<String, serde_json::Value>),
) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for f in ["model.safetensors", "spiece.model"] {
        std::fs::copy(model.join(f), dir.path().join(f)).expect("copy the model");
    }
    let mut config: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(model.join("config.json")).expect("the model's config.json"),
    )
    .expect("json");
    edit(config.as_object_mut().expect("a JSON object"));
    std::fs::write(dir.path().join("config.json"), config.to_string()).expect("write");
    dir
}

pub use earshot::store::synthetic_mention;
