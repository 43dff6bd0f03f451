//! The int8 path's feed-forward output projection (1536 → 384): its
//! outlier channels, and SmoothQuant (Xiao et al. 2022).
//!
//! That projection's input is a GELU output in which, in most layers of the
//! shipped model, one channel reaches 14–55 where the next largest reach
//! about 5 (the median channel about 1). One per-tensor int8 activation
//! scale then leaves the other channels a handful of levels, so the path
//! kept this projection fp32, a third of the encoder's linear work.
//!
//! Two remedies, both computed from a calibration pass when the int8 encoder
//! is built; [`CANDIDATE`] combines them and is the default where fbgemm
//! has VNNI kernels ([`default_here`]): there it holds held-out accuracy
//! (within 0.27 points of the fp32 projection) and, on a quiet 2-core VM,
//! scores 21–24 % more mentions a second (model card, int8 section).
//! Without VNNI (a CPU with AVX2 but no AVX512-VNNI) fbgemm sums each pair
//! of u8 × i8 products in a saturating int16, and the smoothed activations
//! overflow it: on the sentiment bench's texts, with fbgemm held to AVX2 on
//! the same VM, 18 of 200 labels differed from fp32 (largest probability
//! difference 0.59) against 4 (0.10) with the projection in fp32. The int8
//! projection was faster there (116 against 101 mentions/s at batch 16,
//! alternating passes), but wrong, so there the projection stays fp32.
//! [`VAR`] chooses another way (`fp32`: the projection as before).
//!
//! * **Outlier channels apart**: a channel whose calibration maximum is over
//!   [`SPLIT_RATIO`] times the layer's [`SPLIT_REF`]-th largest (at most
//!   [`SPLIT_MAX`] a layer) is computed in fp32 beside the int8 projections:
//!   its intermediate row and bias and its output column are 0 in the int8
//!   weights (GELU(0) = 0, so it leaves the activation range), and
//!   `gelu(a · w_in + b) · w_out` adds it back, a `[tokens, k]` product with
//!   k of 1 in most layers.
//! * **SmoothQuant** on the other channels: per input channel `j`,
//!   `s_j = max|X_j|^α / max|W_:,j|^(1−α)`; the layer runs
//!   `(X · diag(1/s)) · (W · diag(s))ᵀ`, the same product, with the weight
//!   quantised per tensor as the other layers are and the scaled activation
//!   per batch. GELU sits between the intermediate projection and this one,
//!   so `1/s` cannot be folded into a weight: one elementwise multiply of the
//!   GELU output per layer.
//!
//! On the corpus-held-out sets (model card, int8 section) SmoothQuant alone
//! lost up to a point (α 0.5) or four (α 0.6) against the fp32 projection,
//! the split alone up to 0.44, both together at most 0.27.
//!
//! The calibration: the built-in texts below ([`TEXTS`], mention-sized,
//! simplified and traditional Chinese and English, written for earshot;
//! never rows of the training or evaluation data) run through the encoder
//! layer by layer, each layer's GELU output maxima taken over real tokens
//! (padding left out), that layer's projection quantised, and its output fed
//! on to the next layer, so each layer's statistics are those of the encoder
//! that will run. The same texts and weights give the same result at every
//! load. It costs about as much as scoring the 80 texts.
//!
//! [`VAR`] chooses another method for comparisons: `fp32` (the projection
//! fp32, as before 2026-12-07), `plain` (quantised as it is), `split`, `smooth=α`,
//! `split+smooth=α` ([`CANDIDATE`] is `split+smooth=0.5`).

use tch::{Kind, Tensor};

/// How the int8 path runs the feed-forward output projection.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum FfnOutput {
    /// fp32 (rust-bert's weights)
    Fp32,
    /// int8, with SmoothQuant's α (`None`: no smoothing) and the outlier
    /// channels apart or not
    Int8 { alpha: Option<f64>, split: bool },
}

/// What runs unless [`VAR`] says otherwise: [`CANDIDATE`] where fbgemm's
/// int8 products use VNNI, the projection in fp32 elsewhere (see the module
/// doc).
pub(crate) fn default_for(vnni: bool) -> FfnOutput {
    if vnni {
        CANDIDATE
    } else {
        FfnOutput::Fp32
    }
}

/// [`default_for`] this CPU and fbgemm's `FBGEMM_ENABLE_INSTRUCTIONS`.
pub(crate) fn default_here() -> FfnOutput {
    default_for(earshot::sentiment::fbgemm_vnni())
}

/// The method chosen on the corpus-held-out sets (see
/// `models/sentiment/MODEL_CARD.md`): outlier channels apart and SmoothQuant
/// with α 0.5, `split+smooth=0.5`. The tests hold it to its figures.
pub(crate) const CANDIDATE: FfnOutput = FfnOutput::Int8 {
    alpha: Some(0.5),
    split: true,
};

/// The environment variable that chooses another [`FfnOutput`].
pub(crate) const VAR: &str = "EARSHOT_INT8_FFN_OUTPUT";

/// A channel whose calibration maximum is over this many times the
/// layer's [`SPLIT_REF`]-th largest runs in fp32.
pub(crate) const SPLIT_RATIO: f64 = 2.0;

/// See [`SPLIT_RATIO`].
pub(crate) const SPLIT_REF: i64 = 16;

/// At most this many channels a layer run in fp32.
pub(crate) const SPLIT_MAX: i64 = 4;

/// Sequences per calibration batch.
pub(crate) const BATCH: usize = 32;

/// Floor of a channel's activation or weight maximum: a channel that is
/// always zero gets a finite scale.
const FLOOR: f64 = 1e-5;

impl FfnOutput {
    /// `fp32`, `plain`, `split`, `smooth=α` or `split+smooth=α` (α in (0, 1]).
    pub(crate) fn parse(s: &str) -> Option<FfnOutput> {
        let s = s.trim();
        let (split, rest) = match s.strip_prefix("split") {
            Some("") => {
                return Some(FfnOutput::Int8 {
                    alpha: None,
                    split: true,
                })
            }
            Some(r) => (true, r.strip_prefix('+')?),
            None => (false, s),
        };
        match rest {
            "fp32" if !split => Some(FfnOutput::Fp32),
            "plain" if !split => Some(FfnOutput::Int8 { alpha: None, split }),
            _ => {
                let a: f64 = rest.strip_prefix("smooth=")?.parse().ok()?;
                (a > 0.0 && a <= 1.0).then_some(FfnOutput::Int8 {
                    alpha: Some(a),
                    split,
                })
            }
        }
    }

    /// [`default_here`], or what [`VAR`] names (a warning and the default
    /// when it names nothing known).
    pub(crate) fn from_env() -> FfnOutput {
        match std::env::var(VAR) {
            Ok(v) => FfnOutput::parse(&v).unwrap_or_else(|| {
                tracing::warn!(
                    value = %v,
                    "{VAR} must be fp32, plain, split, smooth=α or split+smooth=α (α from 0 to 1); using the default"
                );
                default_here()
            }),
            Err(_) => default_here(),
        }
    }
}

/// Smoothing scales `s` (`[in]`) for activation maxima `act_max` (`[in]`)
/// and a weight `[out, in]`: `max|X_j|^α / max|W_:,j|^(1−α)`, both maxima
/// floored at 1e-5.
pub(crate) fn scales(
    act_max: &Tensor,
    weight: &Tensor,
    alpha: f64,
) -> Result<Tensor, tch::TchError> {
    let w_max = weight
        .f_abs()?
        .f_amax([0].as_slice(), false)?
        .f_clamp_min(FLOOR)?;
    let a_max = act_max.f_to_kind(Kind::Float)?.f_clamp_min(FLOOR)?;
    a_max
        .f_pow_tensor_scalar(alpha)?
        .f_div(&w_max.f_pow_tensor_scalar(1.0 - alpha)?)
}

/// The calibration texts: mention-sized (a sentence to a short paragraph, as
/// the matcher cuts them), in the styles earshot reads (product and service
/// reviews, forum posts, short social posts, news), simplified and
/// traditional Chinese and English. Written for earshot.
pub(crate) const TEXTS: [&str; 80] = [
    // simplified Chinese: reviews, forum posts, social posts, news
    "手机收到了，外观很漂亮，系统也很流畅，就是充电器发热比较严重。",
    "第二次买了，质量一如既往的好，快递小哥态度也不错。",
    "屏幕有坏点，联系客服说要寄回检测，来回折腾了半个月还没解决。",
    "这车开了两万公里，油耗百公里七个左右，底盘有点硬，过减速带很颠。",
    "4S店保养一次八百多，感觉有点坑，机油还是自己带的。",
    "变速箱顿挫的问题到现在也没彻底解决，厂家只说是正常现象。",
    "酒店位置很好，离地铁站步行五分钟，房间干净，就是早餐一般。",
    "前台办理入住等了四十分钟，空调还坏了，换了两次房间，体验极差。",
    "外卖送到的时候汤都洒了，商家还不承认，差评。",
    "味道正宗，分量也足，米饭给得有点少，下次会再点。",
    "这家银行的手机APP又升级了，转账页面改得乱七八糟，找了半天找不到入口。",
    "今天去营业厅办业务，工作人员很耐心，十分钟就办好了，点个赞！",
    "公司今日发布公告称，第三季度营业收入同比增长12.3%，净利润为4.5亿元。",
    "据悉，该品牌将于下月在北京举行新品发布会，届时将公布新款车型的价格。",
    "市场监管总局通报，部分批次儿童玩具存在小零件脱落风险，已责令企业召回。",
    "消费者投诉称，该平台在未告知的情况下自动续费会员，退款申请被多次驳回。",
    "游戏更新之后卡顿得厉害，掉帧严重，官方什么时候修复啊？",
    "新版本的界面好看多了，加载速度也快了，终于不用等半天了。",
    "口红颜色很正，不拔干，但是持久度一般，吃个饭就掉没了。",
    "面膜用了一周，皮肤没什么变化，也没有过敏，中规中矩吧。",
    "航班延误五个小时，没有任何解释，也没有安排餐食，再也不坐这家航空公司了。",
    "空姐服务很周到，座椅宽敞，准点起飞还提前到达，好评。",
    "物业费又涨了，小区的绿化和安保却越来越差，业主群里都在吐槽。",
    "课程内容很实用，老师讲得清楚，就是作业有点多。",
    "#云雀X5# 续航真的拉胯，早上满电出门，下午三点就剩百分之十了😓",
    "刚入手的扫地机器人，自动回充很准，噪音也不大，懒人福音哈哈",
    "哈哈哈笑死我了，这个广告也太土了吧",
    "转发微博：今天天气不错，出去走走。",
    "虽然价格贵了点，但是做工和材质确实对得起这个价，总的来说还是满意的。",
    "一开始觉得挺好，用了三个月电池就鼓包了，售后说不在保修范围内，无语。",
    "该型号笔记本采用十四英寸屏幕，搭载新一代处理器，重量约一点三公斤，起售价五千九百九十九元。",
    "不推荐，真的不推荐，包装破损，配件少了一个，客服还一直踢皮球。",
    "总体还行吧，没有想象中那么好，也没有网上说得那么差。",
    "专家表示，新能源汽车的电池安全标准仍需进一步完善，企业应加强质量管控。",
    "电话打了十几次才打通，问题还是没解决，这服务水平真让人失望。",
    "这是我今年买过最值的东西，强烈推荐给大家！！！",
    // traditional Chinese
    "這支手機的相機真的很強，夜拍也很清楚，但是電池續航普通。",
    "客服回覆很慢，等了一個禮拜才收到退款，下次不會再買了。",
    "餐廳環境很舒服，服務生也很親切，甜點特別好吃，推薦給大家。",
    "新版App一直閃退，重裝了好幾次都一樣，到底有沒有在測試啊？",
    "據報導，該公司將召回約三萬台電暖器，原因是電源線可能過熱。",
    "房間比照片小很多，隔音也很差，不過地點方便，價格還算合理。",
    "物流超快，隔天就到了，包裝也很用心，賣家很推。",
    "這次的韌體更新修好了藍牙斷線的問題，終於可以安心用了。",
    "機油漏了兩次，原廠說是正常滲油，真的很扯。",
    "整體來說CP值很高，小缺點可以接受。",
    "股價今日下跌百分之三，市場擔心第四季出貨量不如預期。",
    "排隊排了一個小時，結果東西賣完了，白跑一趟。",
    // English
    "Battery life is great, easily two days, but the fingerprint sensor fails half the time.",
    "Ordered on Monday, arrived Thursday, works as described. Nothing more to say.",
    "Worst customer service I have ever dealt with. Three calls, three different answers, zero help.",
    "The new update finally fixed the sync bug. App feels snappier too. Nice work!",
    "The hotel was clean and the staff friendly, though the walls were thin and the breakfast was overpriced.",
    "Our flight was cancelled with two hours' notice and the airline refused to rebook us until the next day.",
    "The company reported quarterly revenue of $2.1 billion, up 8% from a year earlier, slightly above analysts' estimates.",
    "Regulators opened an investigation into the carmaker after more than 200 complaints of sudden brake failure.",
    "Shares fell 4% in early trading after the retailer cut its full-year forecast.",
    "The firm said it will open a new distribution center in Ohio next spring, creating about 300 jobs.",
    "lol this phone is a joke, froze twice during a call today",
    "just got my new headphones and wow, the noise cancelling is unreal 🎧",
    "Does anyone know if the X5 case fits the X5 Pro? Thinking of ordering one.",
    "Meh. It's fine. Does the job, nothing special.",
    "Absolutely love this blender!!! Smoothies every morning now, so easy to clean.",
    "Don't waste your money. Broke after a week and the seller won't respond.",
    "The food was amazing but we waited 45 minutes for a table even with a reservation.",
    "Customer support walked me through the reset step by step, very patient and knowledgeable.",
    "Charging base gets hot enough to hurt after twenty minutes. Returned it.",
    "I expected more for the price. The build quality is okay but the software is clunky.",
    "Great value for money. Not the fastest laptop, but perfect for school and streaming.",
    "The recall covers about 48,000 units sold between March and October, the agency said in a statement.",
    "A class-action lawsuit filed on Friday alleges the company misled customers about the product's waterproof rating.",
    "Kinda disappointed with the season finale tbh, felt rushed",
    "Can't believe how fast delivery was, ordered last night and it's already here!",
    "The bank's app has been down since this morning and nobody is answering the phone. Unacceptable.",
    "Pretty good overall: the screen is sharp and bright, the speakers are weak, and the battery is average.",
    "Update: after the replacement the problem came back within days. Still waiting for a proper fix.",
    "Stock is up 15% since the launch event and analysts expect strong holiday sales.",
    "Thanks @support for sorting this out so quickly, really appreciate it!",
    "Not bad for a first version, but it needs a lot of polish before I'd recommend it.",
    "The museum reopens on Saturday after a two-year renovation, with free entry for the first weekend.",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_parse() {
        assert_eq!(FfnOutput::parse("fp32"), Some(FfnOutput::Fp32));
        assert_eq!(
            FfnOutput::parse(" split "),
            Some(FfnOutput::Int8 {
                alpha: None,
                split: true
            })
        );
        assert_eq!(
            FfnOutput::parse("plain"),
            Some(FfnOutput::Int8 {
                alpha: None,
                split: false
            })
        );
        assert_eq!(
            FfnOutput::parse("split+smooth=0.5"),
            Some(FfnOutput::Int8 {
                alpha: Some(0.5),
                split: true
            })
        );
        assert_eq!(FfnOutput::parse("split+smooth=0.5"), Some(CANDIDATE));
        assert_eq!(default_for(true), CANDIDATE);
        assert_eq!(default_for(false), FfnOutput::Fp32);
        assert_eq!(FfnOutput::parse("fp32"), Some(FfnOutput::Fp32));
        assert_eq!(
            FfnOutput::parse("smooth=0.8"),
            Some(FfnOutput::Int8 {
                alpha: Some(0.8),
                split: false
            })
        );
        for bad in [
            "",
            "smooth=0",
            "smooth=1.5",
            "smooth=x",
            "split+fp32",
            "splitx",
            "int8",
        ] {
            assert_eq!(FfnOutput::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn scales_balance_activation_and_weight_ranges() {
        // two channels: an outlier (activation max 40) and a quiet one (0.5),
        // weights of max 0.1 and 0.4; an all-zero third channel
        let act = Tensor::from_slice(&[40f32, 0.5, 0.0]);
        let w = Tensor::from_slice(&[0.1f32, -0.4, 0.0, -0.05, 0.2, 0.0]).view([2, 3]);
        let s = scales(&act, &w, 0.5).unwrap();
        let s: Vec<f32> = Vec::<f32>::try_from(s).unwrap();
        assert!((s[0] - (40f32 / 0.1).sqrt()).abs() < 1e-3, "{s:?}");
        assert!((s[1] - (0.5f32 / 0.4).sqrt()).abs() < 1e-5, "{s:?}");
        assert!(s.iter().all(|x| x.is_finite() && *x > 0.0), "{s:?}");
        // with α = 0.5 each channel's activation and weight maxima end equal
        for (j, (a, wm)) in [(40f32, 0.1f32), (0.5, 0.4)].into_iter().enumerate() {
            assert!((a / s[j] - wm * s[j]).abs() < 1e-4);
        }
    }

    #[test]
    fn calibration_texts_are_distinct_and_mention_sized() {
        let mut seen = std::collections::HashSet::new();
        for t in TEXTS {
            assert!(seen.insert(t), "repeated: {t}");
            assert!((10..=240).contains(&t.chars().count()), "{t}");
        }
    }
}
