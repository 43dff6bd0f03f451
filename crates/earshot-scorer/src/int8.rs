//! The int8 path: the same BERT encoder as rust-bert's
//! `BertForSequenceClassification`, built from the weights rust-bert loaded,
//! with the encoder's large matrix products run by libtorch's fbgemm int8
//! kernels (weights quantised once per tensor, activations quantised on the
//! fly per call: "dynamic quantisation").
//!
//! The feed-forward output projection (1536 → 384) stays fp32: its input
//! (GELU output) has outliers that one per-tensor int8 scale cannot hold, and
//! quantising it cost 2–15 points of held-out accuracy (10–15 on the English
//! sets), while everything else quantised costs about 1 point on tweets and
//! under 0.3 elsewhere (see `models/sentiment/MODEL_CARD.md`). Embeddings,
//! layer norms, attention scores, the pooler and the head stay fp32 too.

use std::collections::HashMap;

use rust_bert::bert::BertConfig;
use tch::{nn, Kind, Tensor};

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

struct Layer {
    query: QLinear,
    key: QLinear,
    value: QLinear,
    attn_out: QLinear,
    attn_norm: LayerNorm,
    intermediate: QLinear,
    output: nn::Linear,
    out_norm: LayerNorm,
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
                output: fp32(&format!("{p}.output.dense"))?,
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

    /// Logits `[batch, 3]` for `ids` and `mask` (`[batch, len]`, int64).
    pub(super) fn forward(&self, ids: &Tensor, mask: &Tensor) -> Result<Tensor, tch::TchError> {
        let (b, l) = ids.size2()?;
        let positions = Tensor::f_arange(l, (Kind::Int64, ids.device()))?;
        let x = Tensor::f_embedding(&self.word, ids, 1, false, false)?
            + Tensor::f_embedding(&self.position, &positions, -1, false, false)?
            + self.token_type.f_get(0)?;
        let mut h = self.norm(&x, &self.emb_norm)?;
        // rust-bert's additive mask: 0 where attended, -10000 on padding
        let bias = ((mask.f_to_kind(Kind::Float)? - 1.0) * 10000.0).f_view([b, 1, 1, l])?;
        let hidden = h.size()[2];
        let dh = hidden / self.heads;
        let split = |t: Tensor| -> Result<Tensor, tch::TchError> {
            t.f_view([b, l, self.heads, dh])?.f_transpose(1, 2)
        };
        for layer in &self.layers {
            let q = split(layer.query.forward(&h)?)? / (dh as f64).sqrt();
            let k = split(layer.key.forward(&h)?)?;
            let v = split(layer.value.forward(&h)?)?;
            let scores = q.f_matmul(&k.f_transpose(-1, -2)?)? + &bias;
            let probs = scores.f_softmax(-1, Kind::Float)?;
            let ctx = probs
                .f_matmul(&v)?
                .f_transpose(1, 2)?
                .f_contiguous()?
                .f_view([b, l, hidden])?;
            let a = self.norm(&(layer.attn_out.forward(&ctx)? + &h), &layer.attn_norm)?;
            let inter = layer.intermediate.forward(&a)?.f_gelu("none")?;
            h = self.norm(&(linear(&inter, &layer.output)? + &a), &layer.out_norm)?;
        }
        let first = h.f_select(1, 0)?;
        let pooled = linear(&first, &self.pooler)?.f_tanh()?;
        linear(&pooled, &self.classifier)
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
