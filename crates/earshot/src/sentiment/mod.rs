//! Sentiment scoring with rust-bert on libtorch.
//!
//! The model is earshot's own (see `models/sentiment/MODEL_CARD.md` and the
//! recipe in `scripts/sentiment/`): a BERT-layout encoder with a 3-class head
//! (negative, neutral, positive) and the XLM-R SentencePiece tokenizer. It is
//! read from files on disk: `config.json`, `model.safetensors` and
//! `spiece.model`; nothing is downloaded.
//!
//! The model runs in its own process, `earshot-score` (crate
//! `earshot-scorer`, which links libtorch): this library never links
//! libtorch, so commands that do not score start fast. Here are what both
//! sides share (the config, precisions, labels, windows, text
//! preparation), the [`protocol`] they speak, and the [`ScorerClient`]
//! that starts the scorer on the first batch.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::store::{Label, Sentiment};

mod client;
pub mod protocol;
pub use client::{find_scorer, ScorerClient, ScorerInfo, SCORER_BIN, SCORER_ENV};

/// Where the shipped model lives in a checkout.
pub const DEFAULT_MODEL_DIR: &str = "models/sentiment";

/// `[sentiment]`: the model and how it runs.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct SentimentConfig {
    /// Score mentions while crawling. With `false`, mentions are stored
    /// unscored and `earshot rescore` can score them later.
    pub enabled: bool,
    /// Model directory (config.json, model.safetensors, spiece.model).
    /// Relative paths are tried against the working directory, then the
    /// directory of the earshot executable and its parents.
    pub model: PathBuf,
    /// Longest token sequence fed to the model, `<s>` and `</s>` included.
    /// Longer texts are cut into overlapping windows whose probabilities are
    /// averaged (weighted by length), never silently truncated.
    pub max_tokens: usize,
    /// Texts per forward pass (texts are sorted by length first).
    pub batch_size: usize,
    /// libtorch intra-op threads.
    pub threads: usize,
    /// `cpu`, `cuda` (fails when no GPU is present) or `auto`.
    pub device: String,
    /// Arithmetic: `auto` (default: the faster of bf16 and int8 on this
    /// CPU, measured: where the CPU has both paths, native bfloat16
    /// (AVX512-BF16 or AMX) and fbgemm's int8 (x86-64 with AVX2 and FMA),
    /// the scorer times one calibration batch in each when it starts and
    /// keeps the faster, remembering the choice per CPU model, thread
    /// count, libtorch and model version in
    /// `$XDG_CACHE_HOME/earshot/precision.json` (`EARSHOT_PRECISION_CACHE`
    /// names another file, empty for none); with one of the two it runs
    /// that one, with neither fp32), `fp32` (rust-bert's forward pass, the
    /// reference), `bf16` (slow on CPUs without native bfloat16, and
    /// slower than int8 on some with it), or `int8` (the encoder's matrix
    /// products in int8 through fbgemm: 1.5-2.3x fp32 on x86, within half
    /// a point of fp32 accuracy; see the model card). A GPU runs fp32.
    pub precision: Precision,
    /// Older spelling: `bf16 = true` is `precision = "bf16"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bf16: Option<bool>,
    /// The `earshot-score` binary (the process that runs the model).
    /// Default: `EARSHOT_SCORER`, else `earshot-score` beside `earshot`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scorer: Option<PathBuf>,
}

/// How the model computes (see [`SentimentConfig::precision`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// The faster of bf16 (where the CPU computes it natively) and int8
    /// (where fbgemm runs: x86-64 with AVX2 and FMA), measured by the
    /// scorer when it starts; fp32 where neither runs.
    Auto,
    /// Dynamic int8 quantisation of the encoder's linear layers (CPU).
    Int8,
    /// Full precision through rust-bert.
    Fp32,
    /// bfloat16 weights and activations.
    Bf16,
}

impl SentimentConfig {
    /// The precision asked for (`bf16 = true` wins, for old configs).
    pub fn effective_precision(&self) -> Precision {
        if self.bf16 == Some(true) {
            Precision::Bf16
        } else {
            self.precision
        }
    }
}

impl Precision {
    /// What `self` means on a CPU, judged by the CPU's features alone: the
    /// prior `auto` falls back on when it cannot measure, and the choice
    /// it keeps when a measurement shows no clear winner. bf16 where the
    /// CPU has AMX (its bf16 matrix units beat int8 there), else int8 where
    /// fbgemm runs (AVX512-BF16 without AMX can be 2.5x slower than int8:
    /// see the model card), else bf16 where native, else fp32.
    pub fn on_cpu(self) -> Precision {
        match self {
            Precision::Auto if amx_bf16() && native_bf16() => Precision::Bf16,
            Precision::Auto if fbgemm_cpu() => Precision::Int8,
            Precision::Auto if native_bf16() => Precision::Bf16,
            Precision::Auto => Precision::Fp32,
            p => p,
        }
    }

    /// The precisions `auto` chooses between on this CPU, by measurement
    /// when there are two: bf16 where native, int8 where fbgemm runs; fp32
    /// alone where neither.
    pub fn auto_candidates() -> Vec<Precision> {
        let mut out = Vec::new();
        if native_bf16() {
            out.push(Precision::Bf16);
        }
        if fbgemm_cpu() {
            out.push(Precision::Int8);
        }
        if out.is_empty() {
            out.push(Precision::Fp32);
        }
        out
    }

    /// Every precision, in the order the docs list them.
    pub const ALL: [Precision; 4] = [
        Precision::Auto,
        Precision::Fp32,
        Precision::Bf16,
        Precision::Int8,
    ];

    /// The config spelling.
    pub fn name(self) -> &'static str {
        match self {
            Precision::Auto => "auto",
            Precision::Int8 => "int8",
            Precision::Fp32 => "fp32",
            Precision::Bf16 => "bf16",
        }
    }
}

impl std::str::FromStr for Precision {
    type Err = String;

    /// The config spelling (`earshot score --precision int8`).
    fn from_str(s: &str) -> Result<Precision, String> {
        Precision::ALL
            .into_iter()
            .find(|p| p.name() == s)
            .ok_or_else(|| format!("`{s}` is not a precision: use auto, fp32, bf16 or int8"))
    }
}

/// Whether this CPU has bfloat16 dot products (AVX512-BF16; AMX CPUs have
/// it too), so that oneDNN runs bf16 faster than fp32 instead of emulating it.
pub fn native_bf16() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx512bf16")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Whether this CPU has AMX with bfloat16 tiles (Intel Sapphire Rapids and
/// later), where oneDNN's bf16 matrix products run on the AMX units
/// (cpuid leaf 7: AMX-BF16 and AMX-TILE).
pub fn amx_bf16() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        // SAFETY: cpuid exists on every x86-64 CPU (an unsafe fn before
        // Rust 1.87, a safe one since).
        #[allow(unused_unsafe)]
        let leaf7 = unsafe { std::arch::x86_64::__cpuid_count(7, 0) };
        let bf16 = leaf7.edx & (1 << 22) != 0;
        let tile = leaf7.edx & (1 << 24) != 0;
        bf16 && tile
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Whether libtorch's fbgemm runs its int8 products with VNNI here
/// (AVX512-VNNI's `vpdpbusd`, which accumulates u8 × i8 products in int32).
/// Without VNNI fbgemm's kernels sum each pair of products in a saturating
/// int16 (`vpmaddubsw`), so an activation quantised over a wide range loses
/// the products that overflow. fbgemm's own override,
/// `FBGEMM_ENABLE_INSTRUCTIONS`, is read as fbgemm reads it: `AVX2`,
/// `AVX512` and `AVX512_256` hold it to kernels without VNNI.
pub fn fbgemm_vnni() -> bool {
    let forced = std::env::var("FBGEMM_ENABLE_INSTRUCTIONS").ok();
    vnni_kernels(cpu_vnni(), forced.as_deref())
}

/// [`fbgemm_vnni`] for a CPU with or without AVX512-VNNI and fbgemm's
/// override, if any.
fn vnni_kernels(cpu: bool, forced: Option<&str>) -> bool {
    match forced.map(str::to_ascii_uppercase).as_deref() {
        Some("AVX2" | "AVX512" | "AVX512_256") => false,
        _ => cpu,
    }
}

/// AVX512-VNNI (cpuid leaf 7: ECX bit 11), with AVX512F (EBX bit 16).
fn cpu_vnni() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        // SAFETY: as in `amx_bf16`.
        #[allow(unused_unsafe)]
        let leaf7 = unsafe { std::arch::x86_64::__cpuid_count(7, 0) };
        leaf7.ebx & (1 << 16) != 0 && leaf7.ecx & (1 << 11) != 0
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Whether libtorch's fbgemm int8 kernels have their fast path on this CPU
/// (x86-64 with AVX2 and FMA; elsewhere `auto` runs fp32).
pub fn fbgemm_cpu() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

impl Default for SentimentConfig {
    fn default() -> Self {
        SentimentConfig {
            enabled: true,
            model: PathBuf::from(DEFAULT_MODEL_DIR),
            max_tokens: 128,
            batch_size: 16,
            threads: 2,
            device: "cpu".into(),
            precision: Precision::Auto,
            bf16: None,
            scorer: None,
        }
    }
}

impl SentimentConfig {
    /// What is wrong with this section.
    pub fn problems(&self) -> Vec<crate::util::Problem> {
        let mut out = Vec::new();
        if !(8..=512).contains(&self.max_tokens) {
            out.push(crate::util::Problem::new(
                "sentiment.max_tokens",
                format!("must be between 8 and 512, got {}", self.max_tokens),
                "e.g. max_tokens = 128 (mention context windows are short)",
            ));
        }
        if self.batch_size == 0 || self.batch_size > 1024 {
            out.push(crate::util::Problem::new(
                "sentiment.batch_size",
                format!("must be between 1 and 1024, got {}", self.batch_size),
                "e.g. batch_size = 32",
            ));
        }
        if self.threads == 0 || self.threads > 256 {
            out.push(crate::util::Problem::new(
                "sentiment.threads",
                format!("must be between 1 and 256, got {}", self.threads),
                "e.g. threads = 2 (one per core)",
            ));
        }
        if !matches!(self.device.as_str(), "cpu" | "cuda" | "auto") {
            out.push(crate::util::Problem::new(
                "sentiment.device",
                format!("`{}` is not a device", self.device),
                "use \"cpu\", \"cuda\" or \"auto\"",
            ));
        }
        out
    }

    /// Finds the model directory (see [`SentimentConfig::model`]).
    pub fn resolve_model_dir(&self) -> Result<PathBuf, SentimentError> {
        let mut tried = Vec::new();
        let mut candidates = vec![self.model.clone()];
        if self.model.is_relative() {
            if let Ok(exe) = std::env::current_exe() {
                let mut dir = exe.parent().map(Path::to_path_buf);
                while let Some(d) = dir {
                    candidates.push(d.join(&self.model));
                    dir = d.parent().map(Path::to_path_buf);
                }
            }
        }
        for c in candidates {
            if c.join("config.json").is_file() {
                return Ok(c);
            }
            tried.push(c.display().to_string());
        }
        Err(SentimentError::ModelMissing {
            dir: self.model.clone(),
            tried,
        })
    }
}

/// What can go wrong loading or running the model.
#[derive(Debug, thiserror::Error)]
pub enum SentimentError {
    /// No model directory found.
    #[error(
        "sentiment model not found: no config.json in {} (looked in {})\n  help: set [sentiment] model = \"/path/to/models/sentiment\" in the config, or run from an earshot checkout; [sentiment] enabled = false stores mentions unscored",
        dir.display(),
        tried.join(", ")
    )]
    ModelMissing {
        /// The configured directory.
        dir: PathBuf,
        /// Every place looked at.
        tried: Vec<String>,
    },
    /// A model file is missing or unreadable.
    #[error("sentiment model file {}: {message}\n  help: the model directory needs config.json, model.safetensors and spiece.model (see models/sentiment/MODEL_CARD.md)", path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// CUDA asked for but absent.
    #[error("sentiment.device = \"cuda\" but libtorch sees no CUDA device\n  help: use device = \"auto\" or \"cpu\"")]
    NoCuda,
    /// libtorch failed during inference.
    #[error("sentiment inference failed: {0}")]
    Inference(String),
    /// The scoring worker has stopped.
    #[error("the sentiment worker has stopped")]
    WorkerGone,
    /// No `earshot-score` binary.
    #[error(
        "the sentiment scorer `earshot-score` was not found (looked at {})\n  help: build it (`make build`, or `cargo build -p earshot-scorer`), install it beside earshot (`make install`), or name it with EARSHOT_SCORER=/path/to/earshot-score or [sentiment] scorer; [sentiment] enabled = false stores mentions unscored",
        tried.join(", ")
    )]
    ScorerMissing {
        /// Every place looked at.
        tried: Vec<String>,
    },
    /// The scorer process died or could not start.
    #[error("the sentiment scorer process: {0}")]
    ScorerDied(String),
    /// The scorer said something this earshot does not understand.
    #[error("the sentiment scorer protocol: {0}")]
    Protocol(String),
}

/// The model version in `dir`'s config.json (`earshot_model_version`;
/// "unversioned" when it has none).
pub fn model_version(dir: &Path) -> Result<String, SentimentError> {
    let path = dir.join("config.json");
    let err = |message: String| SentimentError::File {
        path: path.clone(),
        message,
    };
    let text = std::fs::read_to_string(&path).map_err(|e| err(e.to_string()))?;
    let meta: serde_json::Value = serde_json::from_str(&text).map_err(|e| err(e.to_string()))?;
    Ok(meta
        .get("earshot_model_version")
        .and_then(|v| v.as_str())
        .unwrap_or("unversioned")
        .to_string())
}

/// The text the tokenizer gets: traditional Chinese converted to
/// simplified when the model asks for it (`earshot_simplify_chinese`).
pub fn prepare(text: &str, simplify_chinese: bool) -> Cow<'_, str> {
    if simplify_chinese && !text.is_ascii() {
        Cow::Owned(fast2s::convert(text))
    } else {
        Cow::Borrowed(text)
    }
}

type ScoreClosure = dyn Fn(Vec<String>) -> Result<Vec<Sentiment>, SentimentError> + Send + Sync;

/// Scores texts (in order) with one loaded model; what the pipeline and
/// `earshot rescore` call. Cheap to clone.
#[derive(Clone)]
pub struct ScoreFn {
    version: std::sync::Arc<str>,
    score: std::sync::Arc<ScoreClosure>,
}

impl ScoreFn {
    /// Wraps a scoring function and the model version it stores.
    pub fn new(
        version: &str,
        score: impl Fn(Vec<String>) -> Result<Vec<Sentiment>, SentimentError> + Send + Sync + 'static,
    ) -> ScoreFn {
        ScoreFn {
            version: version.into(),
            score: std::sync::Arc::new(score),
        }
    }

    /// The model version every score carries.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// Scores `texts`, one result per text, in order.
    pub fn score(&self, texts: Vec<String>) -> Result<Vec<Sentiment>, SentimentError> {
        (self.score)(texts)
    }
}

impl std::fmt::Debug for ScoreFn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScoreFn")
            .field("version", &self.version)
            .finish()
    }
}

/// The process-wide scorer for `cfg`: one `earshot-score` process, started
/// on the first batch and shared by every crawl pass of `earshot run`.
/// `Ok(None)` when scoring is disabled in the config. Fails now when the
/// model directory or the scorer binary is missing.
pub fn shared_scorer(cfg: &SentimentConfig) -> Result<Option<ScoreFn>, SentimentError> {
    if !cfg.enabled {
        return Ok(None);
    }
    let client = shared_client(cfg)?;
    let version = client.version().to_string();
    Ok(Some(ScoreFn::new(&version, move |texts| {
        client.score(texts)
    })))
}

type Clients = std::sync::Mutex<std::collections::HashMap<String, std::sync::Arc<ScorerClient>>>;

/// The shared clients, one per configuration.
fn clients() -> &'static Clients {
    static CLIENTS: std::sync::OnceLock<Clients> = std::sync::OnceLock::new();
    CLIENTS.get_or_init(Default::default)
}

/// Stops every shared scorer process (closes its input and waits for it
/// to exit); what the `earshot` binary does before it exits. A later batch
/// would start a new one.
pub fn stop_shared_scorers() {
    let all: Vec<_> = clients()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .drain()
        .map(|(_, c)| c)
        .collect();
    for c in all {
        c.stop();
    }
}

/// The process-wide [`ScorerClient`] for `cfg` (see [`shared_scorer`]).
pub fn shared_client(
    cfg: &SentimentConfig,
) -> Result<std::sync::Arc<ScorerClient>, SentimentError> {
    use std::sync::Arc;
    let key = serde_json::to_string(cfg).unwrap_or_default();
    let mut map = clients().lock().unwrap_or_else(|p| p.into_inner());
    if let Some(c) = map.get(&key) {
        return Ok(c.clone());
    }
    let c = Arc::new(ScorerClient::new(cfg)?);
    map.insert(key, c.clone());
    Ok(c)
}

/// Turns the three probabilities (negative, neutral, positive) into a stored
/// [`Sentiment`]: label = argmax, score = p(positive) − p(negative).
pub fn from_probs(probs: [f32; 3], model: &str) -> Sentiment {
    let mut best = 0;
    for i in 1..3 {
        if probs[i] > probs[best] {
            best = i;
        }
    }
    let label = [Label::Negative, Label::Neutral, Label::Positive][best];
    Sentiment {
        label,
        score: (probs[2] - probs[0]).clamp(-1.0, 1.0),
        probs,
        model: model.to_string(),
    }
}

/// Splits `len` content tokens into windows of at most `width` tokens that
/// overlap by a quarter, covering every token. Returns (start, end) pairs.
pub fn windows(len: usize, width: usize) -> Vec<(usize, usize)> {
    let width = width.max(1);
    if len <= width {
        return vec![(0, len)];
    }
    let stride = (width - width / 4).max(1);
    let mut out = Vec::new();
    let mut start = 0;
    loop {
        let end = (start + width).min(len);
        out.push((start, end));
        if end == len {
            break;
        }
        start += stride;
    }
    out
}

/// What libtorch reports about itself (the scorer sends it).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TorchInfo {
    /// CUDA devices usable.
    pub cuda_devices: i64,
    /// Intra-op threads.
    pub threads: i32,
    /// Result of a small computation (must be 14).
    pub check: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vnni_kernels_follow_the_cpu_unless_fbgemm_is_held_below_them() {
        assert!(vnni_kernels(true, None));
        assert!(!vnni_kernels(false, None));
        for held in ["AVX2", "avx2", "AVX512", "AVX512_256"] {
            assert!(!vnni_kernels(true, Some(held)), "{held}");
        }
        // fbgemm cannot add VNNI to a CPU without it; unknown values are
        // ignored by fbgemm, so the CPU decides
        assert!(vnni_kernels(true, Some("AVX512_E1")));
        assert!(!vnni_kernels(false, Some("AVX512_E1_256")));
        assert!(vnni_kernels(true, Some("nonsense")));
    }

    #[test]
    fn windows_cover_every_token_with_overlap() {
        assert_eq!(windows(10, 126), vec![(0, 10)]);
        assert_eq!(windows(0, 126), vec![(0, 0)]);
        let w = windows(1000, 100);
        assert_eq!(w.first(), Some(&(0, 100)));
        assert_eq!(w.last().map(|x| x.1), Some(1000));
        for pair in w.windows(2) {
            assert!(pair[1].0 < pair[0].1, "windows overlap: {pair:?}");
            assert!(pair[1].1 - pair[1].0 <= 100);
        }
    }

    #[test]
    fn probs_to_label_and_score() {
        let s = from_probs([0.7, 0.2, 0.1], "m1");
        assert_eq!(s.label, Label::Negative);
        assert!((s.score + 0.6).abs() < 1e-6);
        assert_eq!(from_probs([0.1, 0.2, 0.7], "m1").label, Label::Positive);
        assert_eq!(from_probs([0.2, 0.6, 0.2], "m1").label, Label::Neutral);
    }

    #[test]
    fn config_problems() {
        let c = SentimentConfig {
            max_tokens: 2,
            device: "tpu".into(),
            ..Default::default()
        };
        let keys: Vec<String> = c.problems().into_iter().map(|p| p.key).collect();
        assert_eq!(keys, ["sentiment.max_tokens", "sentiment.device"]);
    }

    #[test]
    fn precision_from_config() {
        let parse = |t: &str| toml::from_str::<SentimentConfig>(t).map(|c| c.effective_precision());
        assert_eq!(parse("").ok(), Some(Precision::Auto));
        assert_eq!(parse("precision = \"int8\"").ok(), Some(Precision::Int8));
        // the older spelling still works
        assert_eq!(parse("bf16 = true").ok(), Some(Precision::Bf16));
        assert_eq!(parse("bf16 = false").ok(), Some(Precision::Auto));
        let err = parse("precision = \"fp8\"")
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert!(err.contains("auto") && err.contains("int8"), "{err}");
        // auto's prior: bf16 on AMX, else int8 where fbgemm runs, else bf16
        // where native, else fp32; its candidates are bf16 and int8 where
        // each runs
        let want = if amx_bf16() && native_bf16() {
            Precision::Bf16
        } else if fbgemm_cpu() {
            Precision::Int8
        } else if native_bf16() {
            Precision::Bf16
        } else {
            Precision::Fp32
        };
        assert_eq!(Precision::Auto.on_cpu(), want);
        let candidates = Precision::auto_candidates();
        assert!(candidates.contains(&want), "{candidates:?}");
        assert_eq!(candidates.contains(&Precision::Bf16), native_bf16());
        assert_eq!(candidates.contains(&Precision::Int8), fbgemm_cpu());
        assert_eq!(Precision::Int8.on_cpu(), Precision::Int8);
        for p in Precision::ALL {
            assert_eq!(p.name().parse::<Precision>(), Ok(p));
        }
        assert!("fp8".parse::<Precision>().is_err());
    }
}
