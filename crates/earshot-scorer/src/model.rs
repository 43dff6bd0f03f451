//! The model on libtorch: loading, batching by length, windowing.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use rust_bert::bert::{BertConfig, BertForSequenceClassification};
use rust_tokenizers::tokenizer::{Tokenizer, XLMRobertaTokenizer};
use tch::{nn, Device, Kind, Tensor};

use crate::int8::Int8Bert;
use earshot::sentiment::{from_probs, windows, Precision, SentimentConfig, SentimentError};
use earshot::store::Sentiment;

const BOS: i64 = 0;
const PAD: i64 = 1;
const EOS: i64 = 2;

/// A loaded sentiment model. Not `Sync`: use it from one thread (the
/// `earshot-score` process does).
pub struct Scorer {
    model: BertForSequenceClassification,
    // The int8 encoder built from the same weights (CPU, `precision = "int8"`).
    int8: Option<Int8Bert>,
    precision: Precision,
    tokenizer: XLMRobertaTokenizer,
    // Keeps the weights alive.
    _vs: nn::VarStore,
    device: Device,
    max_tokens: usize,
    batch_size: usize,
    version: String,
    /// convert traditional Chinese to simplified before tokenising
    simplify_chinese: bool,
    dir: PathBuf,
}

impl std::fmt::Debug for Scorer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scorer")
            .field("dir", &self.dir)
            .field("version", &self.version)
            .field("device", &self.device)
            .field("precision", &self.precision)
            .finish()
    }
}

fn file_err(path: &Path, message: impl std::fmt::Display) -> SentimentError {
    SentimentError::File {
        path: path.to_path_buf(),
        message: message.to_string(),
    }
}

impl Scorer {
    /// Loads the model named by `cfg` (see [`SentimentConfig::resolve_model_dir`]).
    pub fn load(cfg: &SentimentConfig) -> Result<Scorer, SentimentError> {
        let dir = cfg.resolve_model_dir()?;
        Scorer::load_dir(&dir, cfg)
    }

    /// Loads the model in `dir`.
    pub fn load_dir(dir: &Path, cfg: &SentimentConfig) -> Result<Scorer, SentimentError> {
        tch::set_num_threads(cfg.threads.clamp(1, 256) as i32);
        let device = match cfg.device.as_str() {
            "cuda" if tch::Cuda::is_available() => Device::Cuda(0),
            "cuda" => return Err(SentimentError::NoCuda),
            "auto" => Device::cuda_if_available(),
            _ => Device::Cpu,
        };
        let config_path = dir.join("config.json");
        let text = std::fs::read_to_string(&config_path).map_err(|e| file_err(&config_path, e))?;
        let config: BertConfig =
            serde_json::from_str(&text).map_err(|e| file_err(&config_path, e))?;
        if config.id2label.as_ref().map(|m| m.len()) != Some(3) {
            return Err(file_err(
                &config_path,
                "id2label must name three classes (negative, neutral, positive)",
            ));
        }
        let meta: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| file_err(&config_path, e))?;
        let version = meta
            .get("earshot_model_version")
            .and_then(|v| v.as_str())
            .unwrap_or("unversioned")
            .to_string();
        // how the model wants its text prepared; models that say nothing read
        // text as written
        let flag = |key: &str| meta.get(key).and_then(|v| v.as_bool()).unwrap_or(false);
        // lower-cased by the tokenizer (rust_tokenizers' lower_case)
        let lower_case = flag("earshot_lower_case");
        // traditional Chinese converted to simplified first (see `prepare`)
        let simplify_chinese = flag("earshot_simplify_chinese");
        let spm = dir.join("spiece.model");
        let tokenizer = XLMRobertaTokenizer::from_file(&spm, lower_case)
            .map_err(|e| file_err(&spm, format!("{e:?}")))?;
        let weights = dir.join("model.safetensors");
        if !weights.is_file() {
            return Err(file_err(&weights, "missing"));
        }
        // libtorch's warnings (the int8 path's fbgemm deprecations) go to
        // the log, not stderr.
        crate::c10::route_warnings();
        let mut vs = nn::VarStore::new(device);
        let model = BertForSequenceClassification::new(vs.root(), &config)
            .map_err(|e| file_err(&config_path, e))?;
        vs.load(&weights).map_err(|e| file_err(&weights, e))?;
        // fbgemm's int8 kernels are CPU-only, and bf16 on a GPU is untested
        // here: a GPU runs fp32
        let mut precision = if device == Device::Cpu {
            cfg.effective_precision().on_cpu()
        } else {
            Precision::Fp32
        };
        // the file holds fp16; rust-bert runs in fp32 (or bf16 when asked)
        vs.set_kind(if precision == Precision::Bf16 {
            Kind::BFloat16
        } else {
            Kind::Float
        });
        // int8 chosen by `auto` falls back to fp32 where this libtorch has no
        // fbgemm; asked for by name, its failure is the error
        let mut int8 = None;
        if precision == Precision::Int8 {
            match Int8Bert::from_vars(&vs.variables(), &config) {
                Ok(m) => int8 = Some(m),
                Err(e) if cfg.effective_precision() == Precision::Auto => {
                    tracing::warn!(error = %e, "int8 kernels unavailable; the sentiment model runs in fp32");
                    precision = Precision::Fp32;
                }
                Err(e) => return Err(file_err(&weights, e)),
            }
        }
        tracing::info!(
            model = %version,
            lower_case,
            simplify_chinese,
            precision = precision.name(),
            asked = cfg.effective_precision().name(),
            native_bf16 = earshot::sentiment::native_bf16(),
            threads = cfg.threads,
            "sentiment model loaded"
        );
        let max_tokens = cfg
            .max_tokens
            .min(config.max_position_embeddings as usize)
            .max(8);
        Ok(Scorer {
            model,
            int8,
            precision,
            tokenizer,
            _vs: vs,
            device,
            max_tokens,
            batch_size: cfg.batch_size.max(1),
            version,
            simplify_chinese,
            dir: dir.to_path_buf(),
        })
    }

    /// The model version stored with every score.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The precision the model runs in (int8 falls back to fp32 on a GPU).
    pub fn precision(&self) -> Precision {
        self.precision
    }

    /// `cpu` or `cuda`, where the model runs.
    pub fn device(&self) -> &'static str {
        if self.device == Device::Cpu {
            "cpu"
        } else {
            "cuda"
        }
    }

    /// The model directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The text the tokenizer gets: traditional Chinese converted to
    /// simplified when the model asks for it (`earshot_simplify_chinese`).
    pub fn prepare<'a>(&self, text: &'a str) -> Cow<'a, str> {
        earshot::sentiment::prepare(text, self.simplify_chinese)
    }

    /// Token ids of `text` without `<s>`/`</s>`, as the model's own tokenizer
    /// gives them (what the training framework saw; no [`Scorer::prepare`]).
    pub fn token_ids(&self, text: &str) -> Vec<i64> {
        let tokens = self.tokenizer.tokenize(text);
        self.tokenizer.convert_tokens_to_ids(&tokens)
    }

    /// Raw logits for one already-tokenised sequence (`<s>`, `</s>` included).
    pub fn logits_for_ids(&self, ids: &[i64]) -> Result<Vec<f32>, SentimentError> {
        let out = self.forward(&[ids.to_vec()])?;
        Ok(out.into_iter().next().unwrap_or_default())
    }

    /// Scores texts; the result is in input order. An empty text scores as
    /// the model sees `<s></s>` (usually neutral).
    pub fn score(&self, texts: &[&str]) -> Result<Vec<Sentiment>, SentimentError> {
        let probs = self.probabilities(texts)?;
        Ok(probs
            .into_iter()
            .map(|p| from_probs(p, &self.version))
            .collect())
    }

    /// Class probabilities (negative, neutral, positive) per text; long texts
    /// are windowed and the windows' probabilities averaged by length.
    pub fn probabilities(&self, texts: &[&str]) -> Result<Vec<[f32; 3]>, SentimentError> {
        let width = self.max_tokens - 2;
        // (text index, weight, ids with specials)
        let mut pieces: Vec<(usize, f32, Vec<i64>)> = Vec::new();
        for (i, text) in texts.iter().enumerate() {
            let ids = self.token_ids(&self.prepare(text));
            for (a, b) in windows(ids.len(), width) {
                let mut seq = Vec::with_capacity(b - a + 2);
                seq.push(BOS);
                seq.extend_from_slice(&ids[a..b]);
                seq.push(EOS);
                pieces.push((i, (b - a).max(1) as f32, seq));
            }
        }
        // batch by length: sort, run in chunks, scatter back
        let mut order: Vec<usize> = (0..pieces.len()).collect();
        order.sort_by_key(|&k| pieces[k].2.len());
        let mut acc = vec![[0f32; 3]; texts.len()];
        let mut weight = vec![0f32; texts.len()];
        for chunk in order.chunks(self.batch_size) {
            let seqs: Vec<Vec<i64>> = chunk.iter().map(|&k| pieces[k].2.clone()).collect();
            let logits = self.forward(&seqs)?;
            for (&k, l) in chunk.iter().zip(logits) {
                let p = softmax3(&l);
                let (i, w, _) = &pieces[k];
                for c in 0..3 {
                    acc[*i][c] += p[c] * w;
                }
                weight[*i] += w;
            }
        }
        Ok(acc
            .into_iter()
            .zip(weight)
            .map(|(a, w)| {
                if w > 0.0 {
                    [a[0] / w, a[1] / w, a[2] / w]
                } else {
                    [0.0, 1.0, 0.0]
                }
            })
            .collect())
    }

    fn forward(&self, seqs: &[Vec<i64>]) -> Result<Vec<Vec<f32>>, SentimentError> {
        let len = seqs.iter().map(Vec::len).max().unwrap_or(2);
        let mut ids = Vec::with_capacity(seqs.len() * len);
        let mut mask = Vec::with_capacity(seqs.len() * len);
        for s in seqs {
            ids.extend_from_slice(s);
            ids.extend(std::iter::repeat_n(PAD, len - s.len()));
            mask.extend(std::iter::repeat_n(1i64, s.len()));
            mask.extend(std::iter::repeat_n(0i64, len - s.len()));
        }
        let shape = [seqs.len() as i64, len as i64];
        // Scoring runs on whichever thread asks: route this one's warnings.
        crate::c10::route_warnings();
        let result = tch::no_grad(|| -> Result<Vec<Vec<f32>>, tch::TchError> {
            let ids = Tensor::from_slice(&ids).view(shape).to(self.device);
            let mask = Tensor::from_slice(&mask).view(shape).to(self.device);
            let logits = match &self.int8 {
                Some(q) => q.forward(&ids, &mask)?,
                None => {
                    self.model
                        .forward_t(Some(&ids), Some(&mask), None, None, None, false)
                        .logits
                }
            };
            let logits = logits.to_kind(Kind::Float).to(Device::Cpu);
            let flat: Vec<f32> = Vec::<f32>::try_from(logits.f_flatten(0, -1)?)?;
            Ok(flat.chunks(3).map(<[f32]>::to_vec).collect())
        });
        result.map_err(|e| SentimentError::Inference(e.to_string()))
    }
}

fn softmax3(l: &[f32]) -> [f32; 3] {
    let m = l.iter().cloned().fold(f32::NEG_INFINITY, f32::max);
    let e: Vec<f32> = l.iter().map(|x| (x - m).exp()).collect();
    let s: f32 = e.iter().sum();
    [e[0] / s, e[1] / s, e[2] / s]
}
