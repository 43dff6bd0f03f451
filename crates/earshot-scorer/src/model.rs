//! The model on libtorch: loading, batching by length, windowing.

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::time::Instant;

use rust_bert::bert::{BertConfig, BertForSequenceClassification};
use rust_tokenizers::tokenizer::{Tokenizer, XLMRobertaTokenizer};
use tch::{nn, Device, Kind, Tensor};

use crate::calibrate;
use crate::int8::Int8Bert;
use crate::smooth;
use earshot::sentiment::protocol::{Choice, ChoiceSource};
use earshot::sentiment::{from_probs, windows, Precision, SentimentConfig, SentimentError};
use earshot::store::Sentiment;

const BOS: i64 = 0;
const PAD: i64 = 1;
const EOS: i64 = 2;

/// How the model computes: rust-bert's forward pass (fp32 or bf16
/// weights), or the int8 encoder built from the same weights.
enum Engine {
    Torch {
        model: Box<BertForSequenceClassification>,
        // Keeps the weights alive.
        _vs: nn::VarStore,
    },
    Int8(Int8Bert),
}

impl Engine {
    fn logits(&self, ids: &Tensor, mask: &Tensor) -> Result<Tensor, tch::TchError> {
        match self {
            Engine::Int8(q) => q.forward(ids, mask),
            Engine::Torch { model, .. } => Ok(model
                .forward_t(Some(ids), Some(mask), None, None, None, false)
                .logits),
        }
    }
}

/// What a model directory holds besides the weights.
struct Files {
    config: BertConfig,
    config_path: PathBuf,
    weights: PathBuf,
    /// [`smooth::TEXTS`] as the model reads them (ids with `<s>`, `</s>`):
    /// the int8 path's smoothing calibration
    smooth_ids: Vec<Vec<i64>>,
}

impl Files {
    /// The weights in `precision` (the file holds fp16; rust-bert runs fp32
    /// or bf16; int8 is built from fp32 and the fp32 copies of what it
    /// quantises are freed).
    fn engine(&self, precision: Precision, device: Device) -> Result<Engine, SentimentError> {
        let mut vs = nn::VarStore::new(device);
        let model = BertForSequenceClassification::new(vs.root(), &self.config)
            .map_err(|e| file_err(&self.config_path, e))?;
        vs.load(&self.weights)
            .map_err(|e| file_err(&self.weights, e))?;
        match precision {
            Precision::Int8 => {
                let mut q = Int8Bert::from_vars(&vs.variables(), &self.config)
                    .map_err(|e| file_err(&self.weights, e))?;
                drop(model);
                drop(vs);
                if let smooth::FfnOutput::Int8 { alpha, split } = smooth::FfnOutput::from_env() {
                    let t = Instant::now();
                    let stats = tch::no_grad(|| -> Result<_, tch::TchError> {
                        let batches = smooth_batches(&self.smooth_ids, device)?;
                        q.smooth(&batches, alpha, split)
                    })
                    .map_err(|e| file_err(&self.weights, format!("int8 calibration: {e}")))?;
                    tracing::debug!(
                        alpha = ?alpha,
                        split,
                        ms = t.elapsed().as_millis() as u64,
                        texts = self.smooth_ids.len(),
                        fp32_channels = ?stats.split,
                        top = ?stats.act_max,
                        scales = ?stats.scale_range,
                        "int8 feed-forward output projections calibrated and quantised"
                    );
                } else {
                    tracing::debug!(
                        vnni = earshot::sentiment::fbgemm_vnni(),
                        "int8 feed-forward output projections kept fp32 (no VNNI kernels here, or {} = fp32)",
                        smooth::VAR
                    );
                }
                Ok(Engine::Int8(q))
            }
            p => {
                vs.set_kind(if p == Precision::Bf16 {
                    Kind::BFloat16
                } else {
                    Kind::Float
                });
                Ok(Engine::Torch {
                    model: Box::new(model),
                    _vs: vs,
                })
            }
        }
    }
}

/// A loaded sentiment model. Not `Sync`: use it from one thread (the
/// `earshot-score` process does).
pub struct Scorer {
    engine: Engine,
    precision: Precision,
    choice: Choice,
    tokenizer: XLMRobertaTokenizer,
    device: Device,
    max_tokens: usize,
    batch_size: usize,
    version: String,
    /// convert traditional Chinese to simplified before tokenising
    simplify_chinese: bool,
    /// added to each window's logits before its softmax
    /// (`earshot_logit_bias`; none when the config has no such key)
    logit_bias: Option<[f32; 3]>,
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

    /// Loads the model in `dir`. With `precision = "auto"` on a CPU that
    /// runs both bf16 and int8, the precision comes from the precision
    /// cache or a calibration (see `calibrate.rs`; the cache file is
    /// `EARSHOT_PRECISION_CACHE`, `$XDG_CACHE_HOME/earshot/precision.json`
    /// or `~/.cache/earshot/precision.json`).
    pub fn load_dir(dir: &Path, cfg: &SentimentConfig) -> Result<Scorer, SentimentError> {
        Scorer::load_with_cache(dir, cfg, calibrate::cache_path().as_deref())
    }

    /// [`Scorer::load_dir`] with the precision cache at `cache` (`None`: no
    /// cache, `auto` measures at every load).
    pub fn load_with_cache(
        dir: &Path,
        cfg: &SentimentConfig,
        cache: Option<&Path>,
    ) -> Result<Scorer, SentimentError> {
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
        let logit_bias = logit_bias(&meta).map_err(|e| file_err(&config_path, e))?;
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
        let max_tokens = cfg
            .max_tokens
            .min(config.max_position_embeddings as usize)
            .max(8);
        let smooth_ids = smooth_ids(&tokenizer, simplify_chinese, max_tokens);
        let files = Files {
            config,
            config_path,
            weights,
            smooth_ids,
        };
        let asked = cfg.effective_precision();
        // fbgemm's int8 kernels are CPU-only, and bf16 on a GPU is untested
        // here: a GPU runs fp32
        let (precision, engine, choice, calibrate_for) = if device != Device::Cpu {
            let choice = Choice::without_timings(ChoiceSource::Asked, "a GPU runs fp32");
            let engine = files.engine(Precision::Fp32, device)?;
            (Precision::Fp32, engine, choice, None)
        } else if asked != Precision::Auto {
            let choice = Choice::without_timings(ChoiceSource::Asked, "named in the config");
            (asked, files.engine(asked, device)?, choice, None)
        } else {
            plan_auto(&files, device, cfg.threads, &version, cache)?
        };
        let mut scorer = Scorer {
            engine,
            precision,
            choice,
            tokenizer,
            device,
            max_tokens,
            batch_size: cfg.batch_size.max(1),
            version,
            simplify_chinese,
            logit_bias,
            dir: dir.to_path_buf(),
        };
        if let Some(key) = calibrate_for {
            scorer.choose_by_calibration(&files, key, cache)?;
        }
        let ms = |p: Precision| {
            scorer
                .choice
                .ms(p)
                .map(|t| format!("{t:.1}"))
                .unwrap_or_else(|| "-".into())
        };
        tracing::info!(
            model = %scorer.version,
            lower_case,
            simplify_chinese,
            logit_bias = ?scorer.logit_bias,
            precision = scorer.precision.name(),
            asked = asked.name(),
            from = scorer.choice.from.name(),
            bf16_ms = %ms(Precision::Bf16),
            int8_ms = %ms(Precision::Int8),
            why = %scorer.choice.note,
            native_bf16 = earshot::sentiment::native_bf16(),
            amx = earshot::sentiment::amx_bf16(),
            threads = cfg.threads,
            "sentiment model loaded"
        );
        Ok(scorer)
    }

    /// `auto` where both candidates run and nothing was cached: times
    /// bf16 against the int8 engine this scorer holds, keeps the faster
    /// and caches the choice; the CPU's prior when the timing fails.
    fn choose_by_calibration(
        &mut self,
        files: &Files,
        key: calibrate::Key,
        cache: Option<&Path>,
    ) -> Result<(), SentimentError> {
        let prior = Precision::Auto.on_cpu();
        let timed = files
            .engine(Precision::Bf16, self.device)
            .and_then(|bf16| self.calibrate(bf16, Precision::Bf16, prior));
        let verdict = match timed {
            Ok(v) => v,
            Err(e) => {
                tracing::warn!(error = %e, "the precision calibration failed; {} (the CPU's prior)", prior.name());
                if self.precision != prior {
                    let engine = files.engine(prior, self.device)?;
                    self.set(prior, engine);
                }
                self.choice = Choice::without_timings(
                    ChoiceSource::Prior,
                    format!("calibration failed: {e}"),
                );
                return Ok(());
            }
        };
        if let Some(path) = cache {
            calibrate::store(path, calibrate::Entry::new(key, &verdict));
        }
        self.choice = Choice {
            from: ChoiceSource::Calibration,
            timings_ms: verdict.timings(),
            note: verdict.note(),
        };
        Ok(())
    }

    fn set(&mut self, precision: Precision, engine: Engine) {
        self.precision = precision;
        self.engine = engine;
    }

    /// Times the calibration batch ([`calibrate::TEXTS`]) in this engine
    /// and in `other`, alternating, after one warm-up batch each; keeps
    /// the one [`calibrate::decide`] chooses against `prior` and frees the
    /// other's weights.
    fn calibrate(
        &mut self,
        mut other: Engine,
        mut other_precision: Precision,
        prior: Precision,
    ) -> Result<calibrate::Verdict, SentimentError> {
        let mut samples = vec![(self.precision, Vec::new()), (other_precision, Vec::new())];
        let mut swap = |s: &mut Scorer| {
            std::mem::swap(&mut s.engine, &mut other);
            std::mem::swap(&mut s.precision, &mut other_precision);
        };
        let time = |s: &Scorer| -> Result<f64, SentimentError> {
            let t = Instant::now();
            s.probabilities(&calibrate::TEXTS)?;
            Ok(t.elapsed().as_secs_f64() * 1000.0)
        };
        // warm-up: the first batch packs weights and picks kernels
        time(self)?;
        swap(self);
        time(self)?;
        // now on the second; A B, B A, A B ...
        let mut on = 1;
        for round in 0..calibrate::ROUNDS {
            let order = if round % 2 == 0 { [0, 1] } else { [1, 0] };
            for want in order {
                if on != want {
                    swap(self);
                    on = want;
                }
                let ms = time(self)?;
                samples[want].1.push(ms);
            }
        }
        let verdict = calibrate::decide(prior, &samples);
        if self.precision != verdict.precision {
            swap(self);
        }
        // `other` (the loser) is dropped here, and its weights with it
        Ok(verdict)
    }

    /// The model version stored with every score.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The precision the model runs in (int8 falls back to fp32 on a GPU).
    pub fn precision(&self) -> Precision {
        self.precision
    }

    /// How the precision was chosen (asked, calibrated, cached).
    pub fn choice(&self) -> &Choice {
        &self.choice
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

    /// The per-class bias added to the logits before the softmax
    /// (`earshot_logit_bias` in config.json), if the model has one.
    pub fn logit_bias(&self) -> Option<[f32; 3]> {
        self.logit_bias
    }

    /// Raw logits for one already-tokenised sequence (`<s>`, `</s>` included),
    /// before any `earshot_logit_bias`.
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
    /// are windowed and the windows' probabilities averaged by length. Each
    /// window's logits get the model's `earshot_logit_bias` before its softmax.
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
            for (&k, mut l) in chunk.iter().zip(logits) {
                if let Some(b) = self.logit_bias {
                    for (x, b) in l.iter_mut().zip(b) {
                        *x += b;
                    }
                }
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
        // Scoring runs on whichever thread asks: route this one's warnings.
        crate::c10::route_warnings();
        let result = tch::no_grad(|| -> Result<Vec<Vec<f32>>, tch::TchError> {
            let (ids, mask) = padded(seqs, self.device)?;
            let logits = self.engine.logits(&ids, &mask)?;
            let logits = logits.to_kind(Kind::Float).to(Device::Cpu);
            let flat: Vec<f32> = Vec::<f32>::try_from(logits.f_flatten(0, -1)?)?;
            Ok(flat.chunks(3).map(<[f32]>::to_vec).collect())
        });
        result.map_err(|e| SentimentError::Inference(e.to_string()))
    }
}

/// What `auto` runs on a CPU before any timing: the only candidate, the
/// cached choice, or (with the cache key) int8 to be timed against bf16.
fn plan_auto(
    files: &Files,
    device: Device,
    threads: usize,
    version: &str,
    cache: Option<&Path>,
) -> Result<(Precision, Engine, Choice, Option<calibrate::Key>), SentimentError> {
    let candidates = Precision::auto_candidates();
    // where int8 is a candidate but this libtorch has no fbgemm, `fallback`
    // runs instead
    let int8_or = |fallback: Precision| -> Result<(Precision, Engine), SentimentError> {
        match files.engine(Precision::Int8, device) {
            Ok(e) => Ok((Precision::Int8, e)),
            Err(e) => {
                tracing::warn!(error = %e, "int8 kernels unavailable; the sentiment model runs in {}", fallback.name());
                Ok((fallback, files.engine(fallback, device)?))
            }
        }
    };
    if candidates.len() < 2 {
        let only = candidates.first().copied().unwrap_or(Precision::Fp32);
        let (p, engine) = if only == Precision::Int8 {
            int8_or(Precision::Fp32)?
        } else {
            (only, files.engine(only, device)?)
        };
        let choice = Choice::without_timings(
            ChoiceSource::Only,
            format!("the only candidate on this CPU: {}", p.name()),
        );
        return Ok((p, engine, choice, None));
    }
    let key = calibrate::Key::here(threads, version);
    if let Some(path) = cache {
        if let Some(hit) = calibrate::lookup(path, &key) {
            let (p, engine) = if hit.precision == Precision::Int8 {
                int8_or(Precision::Bf16)?
            } else {
                (hit.precision, files.engine(hit.precision, device)?)
            };
            let choice = Choice {
                from: ChoiceSource::Cache,
                timings_ms: hit.timings(),
                note: format!(
                    "{} ({} at calibration), cached in {}",
                    hit.precision.name(),
                    hit.basis.name(),
                    path.display()
                ),
            };
            return Ok((p, engine, choice, None));
        }
    }
    let (p, engine) = int8_or(Precision::Bf16)?;
    if p != Precision::Int8 {
        let choice = Choice::without_timings(
            ChoiceSource::Only,
            "int8 kernels unavailable in this libtorch: bf16",
        );
        return Ok((p, engine, choice, None));
    }
    // timed against bf16 once the scorer is built
    let choice = Choice::without_timings(ChoiceSource::Calibration, "");
    Ok((p, engine, choice, Some(key)))
}

/// `earshot_logit_bias` of a model's config.json: three finite numbers
/// (negative, neutral, positive) added to the logits, chosen on held-out
/// corpora (`scripts/sentiment/calibrate.py`). `None` when the key is
/// absent or null, so models without it score as before.
fn logit_bias(meta: &serde_json::Value) -> Result<Option<[f32; 3]>, String> {
    let bad = || "earshot_logit_bias must be three finite numbers [negative, neutral, positive]";
    let Some(v) = meta.get("earshot_logit_bias").filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    let a = v.as_array().filter(|a| a.len() == 3).ok_or_else(bad)?;
    let mut b = [0f32; 3];
    for (x, y) in b.iter_mut().zip(a) {
        *x = y
            .as_f64()
            .map(|f| f as f32)
            .filter(|f| f.is_finite())
            .ok_or_else(bad)?;
    }
    Ok(Some(b))
}

/// `seqs` padded to the longest: `(ids, mask)`, `[batch, len]` int64.
pub(crate) fn padded(seqs: &[Vec<i64>], device: Device) -> Result<(Tensor, Tensor), tch::TchError> {
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
    Ok((
        Tensor::from_slice(&ids).f_view(shape)?.f_to(device)?,
        Tensor::from_slice(&mask).f_view(shape)?.f_to(device)?,
    ))
}

/// [`smooth::TEXTS`] as the model reads them: prepared, tokenised, cut to
/// `max_tokens`, with `<s>` and `</s>`.
pub(crate) fn smooth_ids(
    tokenizer: &XLMRobertaTokenizer,
    simplify_chinese: bool,
    max_tokens: usize,
) -> Vec<Vec<i64>> {
    smooth::TEXTS
        .iter()
        .map(|t| {
            let tokens = tokenizer.tokenize(&earshot::sentiment::prepare(t, simplify_chinese));
            let mut ids = tokenizer.convert_tokens_to_ids(&tokens);
            ids.truncate(max_tokens.saturating_sub(2));
            ids.insert(0, BOS);
            ids.push(EOS);
            ids
        })
        .collect()
}

/// The smoothing calibration's batches: sorted by length (little padding),
/// [`smooth::BATCH`] sequences each.
pub(crate) fn smooth_batches(
    ids: &[Vec<i64>],
    device: Device,
) -> Result<Vec<(Tensor, Tensor)>, tch::TchError> {
    let mut sorted: Vec<Vec<i64>> = ids.to_vec();
    sorted.sort_by_key(Vec::len);
    sorted
        .chunks(smooth::BATCH)
        .map(|c| padded(c, device))
        .collect()
}

fn softmax3(l: &[f32]) -> [f32; 3] {
    let m = l.iter().cloned().fold(f32::NEG_INFINITY, f32::max);
    let e: Vec<f32> = l.iter().map(|x| (x - m).exp()).collect();
    let s: f32 = e.iter().sum();
    [e[0] / s, e[1] / s, e[2] / s]
}
