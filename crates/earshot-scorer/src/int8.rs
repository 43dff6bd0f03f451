//! The int8 path: the same BERT encoder as rust-bert's
//! `BertForSequenceClassification`, built from the weights rust-bert loaded,
//! with the encoder's large matrix products run by libtorch's fbgemm int8
//! kernels (weights quantised once per tensor, activations quantised on the
//! fly per call: "dynamic quantisation").
//!
//! The feed-forward output projection (1536 → 384) has a GELU output as its
//! input, with outlier channels that one per-tensor int8 scale cannot hold:
//! quantised as it is, it cost 2–15 points of accuracy on the test splits
//! (an earlier 6-layer model). It is built fp32 and stays fp32 by default;
//! with `EARSHOT_INT8_FFN_OUTPUT` set, [`Int8Bert::smooth`] calibrates it
//! and quantises it, with its outlier channels in fp32 beside it and/or
//! SmoothQuant on the rest (`smooth.rs`; see
//! `models/sentiment/MODEL_CARD.md`).
//! Embeddings, layer norms, attention scores, the pooler and the head stay
//! fp32.

use std::collections::HashMap;

use rust_bert::bert::BertConfig;
use tch::{nn, Kind, Tensor};

use crate::smooth;

/// A linear layer with an int8 weight packed for fbgemm.
struct QLinear {
    weight: Tensor,
    packed: Tensor,
    col_offsets: Tensor,
    scale: f64,
    zero_point: i64,
    bias: Tensor,
}

/// fbgemm's `ChooseQuantizationParams` for a signed 8-bit weight (what
/// `torch.fbgemm_linear_quantize_weight` does): the range always holds 0,
/// and the zero point is the end that loses less.
fn choose_params(min: f64, max: f64) -> (f64, i64) {
    let (qmin, qmax) = (-128f64, 127f64);
    let (min, max) = (min.min(0.0), max.max(0.0));
    let mut scale = (max - min) / (qmax - qmin);
    if scale as f32 == 0.0 || (1.0 / scale as f32).is_infinite() {
        scale = 0.1;
    }
    let from_min = qmin - min / scale;
    let from_max = qmax - max / scale;
    let err_min = qmin.abs() + (min / scale).abs();
    let err_max = qmax.abs() + (max / scale).abs();
    let zp = if err_min < err_max {
        from_min
    } else {
        from_max
    };
    (scale, zp.round_ties_even().clamp(qmin, qmax) as i64)
}

impl QLinear {
    fn new(weight: &Tensor, bias: &Tensor) -> Result<QLinear, tch::TchError> {
        let w = weight.f_to_kind(Kind::Float)?.f_contiguous()?;
        let min = w.f_min()?.f_double_value(&[])?;
        let max = w.f_max()?.f_double_value(&[])?;
        let (scale, zero_point) = choose_params(min, max);
        let q = w
            .f_quantize_per_tensor(scale, zero_point, Kind::QInt8)?
            .f_int_repr()?
            .f_contiguous()?;
        let k = w.size()[1];
        // fbgemm's column offsets: per output row, sum(q) - zero_point * K
        let col_offsets = (q
            .f_to_kind(Kind::Int)?
            .f_sum_dim_intlist(1, false, Kind::Int)?
            - zero_point * k)
            .f_to_kind(Kind::Int)?
            .f_contiguous()?;
        let packed = q.f_fbgemm_pack_quantized_matrix()?;
        Ok(QLinear {
            weight: q,
            packed,
            col_offsets,
            scale,
            zero_point,
            bias: bias.f_to_kind(Kind::Float)?.f_contiguous()?,
        })
    }

    fn forward(&self, x: &Tensor) -> Result<Tensor, tch::TchError> {
        x.f_fbgemm_linear_int8_weight_fp32_activation(
            &self.weight,
            &self.packed,
            &self.col_offsets,
            // ATen checks the kinds: a float scale, an integral zero point
            tch::Scalar::float(self.scale),
            tch::Scalar::int(self.zero_point),
            &self.bias,
        )
    }
}

fn linear(x: &Tensor, l: &nn::Linear) -> Result<Tensor, tch::TchError> {
    x.f_linear(&l.ws, l.bs.as_ref())
}

struct LayerNorm {
    weight: Tensor,
    bias: Tensor,
}

/// GELU channels far above the rest (see `smooth.rs`), computed in fp32
/// beside the int8 projections, whose weights are 0 for them.
struct Outliers {
    /// their intermediate projection rows, transposed (`[hidden, k]`)
    w_in: Tensor,
    /// their intermediate biases (`[k]`)
    b_in: Tensor,
    /// their output projection columns, transposed (`[k, hidden]`)
    w_out: Tensor,
}

/// The feed-forward output projection: fp32, or int8 (smoothed, and with
/// its outlier channels apart).
enum Output {
    Fp32(nn::Linear),
    Int8 {
        /// `1/s` per input channel, multiplied into the GELU output
        /// (SmoothQuant); `None`: no smoothing
        inv_scale: Option<Tensor>,
        linear: QLinear,
        outliers: Option<Outliers>,
    },
}

impl Output {
    /// The projection of the GELU output `inter` of the attention block's
    /// output `a`.
    fn forward(&self, inter: &Tensor, a: &Tensor) -> Result<Tensor, tch::TchError> {
        match self {
            Output::Fp32(l) => linear(inter, l),
            Output::Int8 {
                inv_scale,
                linear,
                outliers,
            } => {
                let y = match inv_scale {
                    Some(inv) => linear.forward(&inter.f_mul(inv)?)?,
                    None => linear.forward(inter)?,
                };
                match outliers {
                    Some(o) => {
                        let g = a.f_matmul(&o.w_in)?.f_add(&o.b_in)?.f_gelu("none")?;
                        y.f_add(&g.f_matmul(&o.w_out)?)
                    }
                    None => Ok(y),
                }
            }
        }
    }
}

struct Layer {
    query: QLinear,
    key: QLinear,
    value: QLinear,
    attn_out: QLinear,
    attn_norm: LayerNorm,
    intermediate: QLinear,
    /// the intermediate projection in fp32 until [`Int8Bert::smooth`]
    intermediate_fp32: Option<nn::Linear>,
    output: Output,
    out_norm: LayerNorm,
}

/// What [`Int8Bert::smooth`] found: per layer, the largest GELU output
/// maximum over channels and the median one, and the range of the scales.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SmoothStats {
    pub alpha: Option<f64>,
    /// per layer: (largest channel maximum, median channel maximum)
    pub act_max: Vec<(f64, f64)>,
    /// smallest and largest scale over all layers
    pub scale_range: (f64, f64),
    /// per layer, the channels run in fp32 beside the int8 projections
    pub split: Vec<i64>,
}

/// The encoder with int8 linear layers; CPU only (fbgemm).
pub(super) struct Int8Bert {
    word: Tensor,
    position: Tensor,
    token_type: Tensor,
    emb_norm: LayerNorm,
    layers: Vec<Layer>,
    pooler: nn::Linear,
    classifier: nn::Linear,
    heads: i64,
    eps: f64,
}

impl Int8Bert {
    /// Builds the int8 encoder from the variables of a loaded rust-bert
    /// `BertForSequenceClassification` (names as in the safetensors file).
    pub(super) fn from_vars(
        vars: &HashMap<String, Tensor>,
        config: &BertConfig,
    ) -> Result<Int8Bert, String> {
        let get = |name: &str| -> Result<Tensor, String> {
            vars.get(name)
                .map(|t| t.to_kind(Kind::Float).contiguous())
                .ok_or_else(|| format!("weight `{name}` missing"))
        };
        let fp32 = |p: &str| -> Result<nn::Linear, String> {
            Ok(nn::Linear {
                ws: get(&format!("{p}.weight"))?,
                bs: Some(get(&format!("{p}.bias"))?),
            })
        };
        let qlinear = |p: &str| -> Result<QLinear, String> {
            QLinear::new(&get(&format!("{p}.weight"))?, &get(&format!("{p}.bias"))?)
                .map_err(|e| format!("cannot quantise `{p}`: {e}"))
        };
        let norm = |p: &str| -> Result<LayerNorm, String> {
            Ok(LayerNorm {
                weight: get(&format!("{p}.weight"))?,
                bias: get(&format!("{p}.bias"))?,
            })
        };
        let mut layers = Vec::new();
        for i in 0..config.num_hidden_layers {
            let p = format!("bert.encoder.layer.{i}");
            layers.push(Layer {
                query: qlinear(&format!("{p}.attention.self.query"))?,
                key: qlinear(&format!("{p}.attention.self.key"))?,
                value: qlinear(&format!("{p}.attention.self.value"))?,
                attn_out: qlinear(&format!("{p}.attention.output.dense"))?,
                attn_norm: norm(&format!("{p}.attention.output.LayerNorm"))?,
                intermediate: qlinear(&format!("{p}.intermediate.dense"))?,
                intermediate_fp32: Some(fp32(&format!("{p}.intermediate.dense"))?),
                output: Output::Fp32(fp32(&format!("{p}.output.dense"))?),
                out_norm: norm(&format!("{p}.output.LayerNorm"))?,
            });
        }
        Ok(Int8Bert {
            word: get("bert.embeddings.word_embeddings.weight")?,
            position: get("bert.embeddings.position_embeddings.weight")?,
            token_type: get("bert.embeddings.token_type_embeddings.weight")?,
            emb_norm: norm("bert.embeddings.LayerNorm")?,
            layers,
            pooler: fp32("bert.pooler.dense")?,
            classifier: fp32("classifier")?,
            heads: config.num_attention_heads,
            // rust-bert's BERT layer norms use 1e-12
            eps: 1e-12,
        })
    }

    fn norm(&self, x: &Tensor, n: &LayerNorm) -> Result<Tensor, tch::TchError> {
        let hidden = x.size()[2];
        x.f_layer_norm([hidden], Some(&n.weight), Some(&n.bias), self.eps, false)
    }

    /// The embeddings' output and the additive attention mask of a batch.
    fn embed(&self, ids: &Tensor, mask: &Tensor) -> Result<(Tensor, Tensor), tch::TchError> {
        let (b, l) = ids.size2()?;
        let positions = Tensor::f_arange(l, (Kind::Int64, ids.device()))?;
        let x = Tensor::f_embedding(&self.word, ids, 1, false, false)?
            + Tensor::f_embedding(&self.position, &positions, -1, false, false)?
            + self.token_type.f_get(0)?;
        // rust-bert's additive mask: 0 where attended, -10000 on padding
        let bias = ((mask.f_to_kind(Kind::Float)? - 1.0) * 10000.0).f_view([b, 1, 1, l])?;
        Ok((self.norm(&x, &self.emb_norm)?, bias))
    }

    /// One layer up to its GELU: (attention block output, GELU output).
    fn attend(
        &self,
        layer: &Layer,
        h: &Tensor,
        bias: &Tensor,
    ) -> Result<(Tensor, Tensor), tch::TchError> {
        let (b, l, hidden) = h.size3()?;
        let dh = hidden / self.heads;
        let split = |t: Tensor| -> Result<Tensor, tch::TchError> {
            t.f_view([b, l, self.heads, dh])?.f_transpose(1, 2)
        };
        let q = split(layer.query.forward(h)?)? / (dh as f64).sqrt();
        let k = split(layer.key.forward(h)?)?;
        let v = split(layer.value.forward(h)?)?;
        let scores = q.f_matmul(&k.f_transpose(-1, -2)?)? + bias;
        let probs = scores.f_softmax(-1, Kind::Float)?;
        let ctx = probs
            .f_matmul(&v)?
            .f_transpose(1, 2)?
            .f_contiguous()?
            .f_view([b, l, hidden])?;
        let a = self.norm(&(layer.attn_out.forward(&ctx)? + h), &layer.attn_norm)?;
        let inter = layer.intermediate.forward(&a)?.f_gelu("none")?;
        Ok((a, inter))
    }

    /// The layer's output from [`Int8Bert::attend`]'s.
    fn finish(&self, layer: &Layer, a: &Tensor, inter: &Tensor) -> Result<Tensor, tch::TchError> {
        self.norm(&(layer.output.forward(inter, a)? + a), &layer.out_norm)
    }

    /// Logits `[batch, 3]` for `ids` and `mask` (`[batch, len]`, int64).
    pub(super) fn forward(&self, ids: &Tensor, mask: &Tensor) -> Result<Tensor, tch::TchError> {
        let (mut h, bias) = self.embed(ids, mask)?;
        for layer in &self.layers {
            let (a, inter) = self.attend(layer, &h, &bias)?;
            h = self.finish(layer, &a, &inter)?;
        }
        let first = h.f_select(1, 0)?;
        let pooled = linear(&first, &self.pooler)?.f_tanh()?;
        linear(&pooled, &self.classifier)
    }

    /// Quantises every fp32 feed-forward output projection (`smooth.rs`):
    /// with its outlier channels apart in fp32 when `split`, smoothed with
    /// SmoothQuant's α when `alpha` is given; the activation maxima are
    /// taken over the real tokens of `batches` (`(ids, mask)` pairs, as
    /// [`Int8Bert::forward`] takes them). Layer by layer: a layer's
    /// statistics come from the layers below as they will run.
    pub(super) fn smooth(
        &mut self,
        batches: &[(Tensor, Tensor)],
        alpha: Option<f64>,
        split: bool,
    ) -> Result<SmoothStats, tch::TchError> {
        // a layer left out below would leave the next ones stale states
        if self
            .layers
            .iter()
            .any(|l| !matches!(l.output, Output::Fp32(_)))
        {
            return Err(tch::TchError::Kind(
                "the feed-forward output projections are quantised already".into(),
            ));
        }
        let mut states = Vec::with_capacity(batches.len());
        for (ids, mask) in batches {
            let (h, bias) = self.embed(ids, mask)?;
            let real = mask.f_to_kind(Kind::Float)?.f_unsqueeze(-1)?;
            states.push((h, bias, real));
        }
        let mut stats = SmoothStats {
            alpha,
            act_max: Vec::new(),
            scale_range: (f64::INFINITY, 0.0),
            split: Vec::new(),
        };
        for i in 0..self.layers.len() {
            let layer = &self.layers[i];
            let mut act_max: Option<Tensor> = None;
            let mut mids = Vec::with_capacity(states.len());
            for (h, bias, real) in &states {
                let (a, inter) = self.attend(layer, h, bias)?;
                let m = inter
                    .f_abs()?
                    .f_mul(real)?
                    .f_amax([0, 1].as_slice(), false)?;
                act_max = Some(match act_max {
                    Some(acc) => acc.f_maximum(&m)?,
                    None => m,
                });
                mids.push((a, inter));
            }
            let (Some(act_max), Output::Fp32(fp)) = (act_max, &layer.output) else {
                // no batches: nothing to calibrate on
                continue;
            };
            let s = match alpha {
                Some(alpha) => smooth::scales(&act_max, &fp.ws, alpha)?,
                None => act_max.f_ones_like()?,
            };
            let sorted = act_max.f_sort(0, false)?.0;
            let n = sorted.size()[0];
            stats.act_max.push((
                sorted.f_double_value(&[n - 1])?,
                sorted.f_double_value(&[n / 2])?,
            ));
            let (lo, hi) = (
                s.f_min()?.f_double_value(&[])?,
                s.f_max()?.f_double_value(&[])?,
            );
            stats.scale_range = (stats.scale_range.0.min(lo), stats.scale_range.1.max(hi));
            let bias =
                fp.bs.as_ref().map(Tensor::shallow_clone).ok_or_else(|| {
                    tch::TchError::Kind("the output projection has no bias".into())
                })?;
            // channels far above the rest run in fp32, out of the int8 ranges
            let cut =
                sorted.f_double_value(&[(n - smooth::SPLIT_REF).max(0)])? * smooth::SPLIT_RATIO;
            let k = act_max
                .f_gt(cut)?
                .f_sum(Kind::Int64)?
                .f_int64_value(&[])?
                .min(smooth::SPLIT_MAX);
            let k = if split { k } else { 0 };
            stats.split.push(k);
            let mut keep = act_max.f_ones_like()?;
            let mut outliers = None;
            if let (true, Some(inter_fp)) = (k > 0, &layer.intermediate_fp32) {
                let idx = act_max.f_topk(k, 0, true, true)?.1;
                keep = keep.f_index_fill(0, &idx, 0.0)?;
                let b_in = inter_fp.bs.as_ref().ok_or_else(|| {
                    tch::TchError::Kind("the intermediate projection has no bias".into())
                })?;
                outliers = Some(Outliers {
                    w_in: inter_fp
                        .ws
                        .f_index_select(0, &idx)?
                        .f_tr()?
                        .f_contiguous()?,
                    b_in: b_in.f_index_select(0, &idx)?,
                    w_out: fp.ws.f_index_select(1, &idx)?.f_tr()?.f_contiguous()?,
                });
                // the int8 intermediate gives them 0 (GELU(0) = 0)
                let rows = keep.f_unsqueeze(1)?;
                let intermediate = QLinear::new(&inter_fp.ws.f_mul(&rows)?, &b_in.f_mul(&keep)?)?;
                self.layers[i].intermediate = intermediate;
            }
            let layer = &self.layers[i];
            let Output::Fp32(fp) = &layer.output else {
                continue;
            };
            let weight = fp.ws.f_mul(&s.f_mul(&keep)?.f_unsqueeze(0)?)?;
            let smoothed = Output::Int8 {
                inv_scale: match alpha {
                    Some(_) => Some(s.f_reciprocal()?),
                    None => None,
                },
                linear: QLinear::new(&weight, &bias)?,
                outliers,
            };
            self.layers[i].output = smoothed;
            self.layers[i].intermediate_fp32 = None;
            let layer = &self.layers[i];
            for ((h, _, _), (a, inter)) in states.iter_mut().zip(mids) {
                // the GELU output as the int8 intermediate now gives it
                let inter = match &layer.output {
                    Output::Int8 {
                        outliers: Some(_), ..
                    } => layer.intermediate.forward(&a)?.f_gelu("none")?,
                    _ => inter,
                };
                *h = self.finish(layer, &a, &inter)?;
            }
        }
        Ok(stats)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantisation_params_match_fbgemm() {
        // what torch.fbgemm_linear_quantize_weight chose for a weight in [-4.4, 4.93]
        let (scale, zp) = choose_params(-4.4, 4.93);
        assert!((scale - 9.33 / 255.0).abs() < 1e-9);
        assert_eq!(zp, -8);
        // all-positive, all-negative and all-zero ranges still hold 0 and
        // stay finite (figures from torch 2.4)
        assert_eq!(choose_params(0.5, 1.99).1, -128);
        assert_eq!(choose_params(-0.99, -0.01).1, 127);
        assert_eq!(choose_params(0.0, 0.0), (0.1, 127));
    }
}
