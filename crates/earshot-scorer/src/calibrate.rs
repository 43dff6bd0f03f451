//! `precision = "auto"` by measurement: which of bf16 and int8 is faster
//! on the CPU the scorer runs on, and the file that remembers it.
//!
//! CPU flags do not tell: on an Intel Xeon VM with AVX512-BF16 and no AMX,
//! bf16 ran 59-67 mentions/s and int8 150-165, while on an AMD EPYC VM with
//! AVX512-BF16 bf16 ran 258 (see the model card). So where both paths run,
//! the scorer times a calibration batch ([`TEXTS`]) in each when it starts
//! and keeps the faster one ([`decide`]), and remembers the choice in a
//! small JSON file ([`cache_path`]) keyed by CPU model, CPU features,
//! thread count, libtorch version and model version ([`Key`]), so later
//! starts skip the measurement.
//!
//! Noise. A calibration on a busy machine can mislead: a compiler or a
//! crawl on the same cores slows whichever candidate it happens to overlap.
//! So the two alternate (A B, B A, A B after one warm-up batch each), each
//! candidate's time is the median of its [`ROUNDS`] batches, a candidate
//! whose batches differ by more than [`NOISE`] makes the measurement
//! "noisy", and the prior ([`Precision::on_cpu`]: bf16 on AMX, else int8)
//! is left only for a candidate faster by at least [`MARGIN`]. A noisy or
//! close measurement keeps the prior, which is the safe side (int8 is never
//! far from the best on x86 without AMX); the cost is that a CPU where bf16
//! is only slightly faster keeps int8. A noisy result is cached too (so a
//! start on a loaded machine does not measure again and again), but it is
//! measured again at the first start a day later. Deleting the file
//! measures again.
//!
//! The cache is a per-user file, not one in the model directory: the model
//! directory may be read-only (a package, a container image, a shared
//! mount) and is often a git checkout, and one model directory can be read
//! by machines with different CPUs. A corrupt or unwritable file is a
//! warning, never a failure: the scorer then measures at every start.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use earshot::sentiment::Precision;
use serde::{Deserialize, Serialize};

/// The calibration batch: mention-sized texts (context windows of at most
/// 240 characters, as the matcher cuts them), Chinese and English.
pub(crate) const TEXTS: [&str; 16] = [
    "Lumio Home announced a voluntary recall on Tuesday of about 48,000 Arc desk lamps after receiving reports that the lamp's charging base can overheat.",
    "The Arc, which sells for $129, was one of Lumio's best-selling products last year and appeared in several holiday gift guides.",
    "I have had the X5 for three weeks now. The screen is gorgeous and the camera is fast, but the battery barely lasts until dinner.",
    "Support never answered my emails, and the replacement part arrived broken. Two months later I am still waiting for a refund.",
    "Honestly one of the better budget headphones I've owned: comfortable, decent bass, and the case is small enough for a jacket pocket.",
    "The company said it had received 31 reports of overheating, including four reports of minor burns, and that no fires have been reported.",
    "Delivery was quick and the packaging was fine. Setup took ten minutes. Nothing special, it does what the description says.",
    "Overall I'm happy with it, although the app crashes now and then and the manual is useless. For the price it's a solid choice.",
    "云雀X5的电池问题终于有了官方回应，厂商表示将为受影响的用户免费更换电池，并延长保修期一年。",
    "用了一个月，屏幕显示效果很好，拍照也清楚，就是发热有点严重，玩游戏半小时机身就烫手了。",
    "客服态度非常差，问了三次都没人回复，退货流程也很麻烦，再也不会在这家店买东西了。",
    "环境还好，早餐种类比较多，服务员也很热情。有一点不好的是窗帘遮光效果一般，早上很早就被晒醒了。",
    "这款耳机音质不错，低音很足，佩戴也舒服，续航大概七八个小时，这个价位来说性价比很高，推荐购买。",
    "据报道，该公司已收到数十起关于充电底座过热的投诉，目前正在配合监管部门调查，尚未公布召回的具体范围。",
    "物流很快，包装完好，东西和描述的一样，暂时没发现什么问题，用一段时间再来追评。",
    "总体来说不错了，性价比可以，就是房间隔音差，晚上能听到走廊里的说话声，房价也偏贵了一点。",
];

/// Timed batches per candidate after the warm-up; each candidate's time is
/// their median.
pub(crate) const ROUNDS: usize = 3;

/// A candidate replaces the prior only when its median is at least this
/// much faster (15 %).
pub(crate) const MARGIN: f64 = 1.15;

/// A candidate whose slowest timed batch took more than this times its
/// fastest makes the measurement noisy (the machine is busy): the prior
/// is kept.
pub(crate) const NOISE: f64 = 1.3;

/// A noisy result is measured again at the first start this long after it.
const RETRY_NOISY_SECS: u64 = 24 * 3600;

/// Bumped when the calibration or the rule changes: old entries then miss.
// 2: int8 runs its feed-forward output projection in int8 (smooth.rs).
const RULE: u32 = 2;

/// The file format.
const FORMAT: u32 = 1;

/// At most this many entries are kept (the newest).
const MAX_ENTRIES: usize = 32;

/// How a calibration decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Basis {
    /// The faster candidate, by at least [`MARGIN`] (or the prior, fastest).
    Measured,
    /// Within [`MARGIN`] of each other: the prior.
    Close,
    /// The batches of a candidate differed by more than [`NOISE`]: the prior.
    Noisy,
}

/// What a calibration chose, and from what.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Verdict {
    pub precision: Precision,
    pub basis: Basis,
    /// The median milliseconds per candidate.
    pub medians: Vec<(Precision, f64)>,
}

impl Basis {
    /// Its name in the cache file and the log.
    pub fn name(self) -> &'static str {
        match self {
            Basis::Measured => "measured",
            Basis::Close => "close",
            Basis::Noisy => "noisy",
        }
    }
}

/// Milliseconds as the cache and the protocol keep them (0.01 ms).
pub(crate) fn round_ms(ms: f64) -> f64 {
    (ms * 100.0).round() / 100.0
}

impl Verdict {
    /// The median milliseconds per candidate as the protocol carries them.
    pub fn timings(&self) -> Vec<(Precision, f32)> {
        self.medians
            .iter()
            .map(|(p, t)| (*p, round_ms(*t) as f32))
            .collect()
    }

    /// The log's and `earshot doctor`'s words for it.
    pub fn note(&self) -> String {
        let ms = |p: Precision| self.medians.iter().find(|m| m.0 == p).map(|m| m.1);
        let slowest = self
            .medians
            .iter()
            .copied()
            .max_by(|a, b| a.1.total_cmp(&b.1));
        match self.basis {
            Basis::Measured => match (ms(self.precision), slowest) {
                (Some(t), Some((other, s))) if t > 0.0 && other != self.precision => format!(
                    "{} {:.2}x as fast as {}",
                    self.precision.name(),
                    s / t,
                    other.name()
                ),
                _ => format!("{} the fastest", self.precision.name()),
            },
            Basis::Close => format!(
                "within {:.0} % of each other: kept the prior, {}",
                (MARGIN - 1.0) * 100.0,
                self.precision.name()
            ),
            Basis::Noisy => format!(
                "noisy (a candidate's batches differed by more than {NOISE}x; the machine is busy): kept the prior, {}; measured again after a day",
                self.precision.name()
            ),
        }
    }
}

fn median(xs: &[f64]) -> f64 {
    let mut v: Vec<f64> = xs.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return f64::INFINITY;
    }
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Chooses from timed batches (milliseconds per candidate): the prior
/// unless another candidate's median is at least [`MARGIN`] faster and no
/// candidate's batches differ by more than [`NOISE`].
pub(crate) fn decide(prior: Precision, samples: &[(Precision, Vec<f64>)]) -> Verdict {
    let medians: Vec<(Precision, f64)> = samples.iter().map(|(p, s)| (*p, median(s))).collect();
    let noisy = samples.iter().any(|(_, s)| {
        let lo = s.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = s.iter().copied().fold(0.0, f64::max);
        s.is_empty() || lo <= 0.0 || hi > lo * NOISE
    });
    let fastest = medians
        .iter()
        .copied()
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|m| m.0)
        .unwrap_or(prior);
    let prior_ms = medians.iter().find(|m| m.0 == prior).map(|m| m.1);
    let fastest_ms = medians
        .iter()
        .find(|m| m.0 == fastest)
        .map_or(f64::INFINITY, |m| m.1);
    let (precision, basis) = match prior_ms {
        // the prior is not a candidate: the fastest
        None => (fastest, Basis::Measured),
        Some(_) if noisy => (prior, Basis::Noisy),
        Some(_) if fastest == prior => (prior, Basis::Measured),
        Some(p) if fastest_ms * MARGIN <= p => (fastest, Basis::Measured),
        Some(_) => (prior, Basis::Close),
    };
    Verdict {
        precision,
        basis,
        medians,
    }
}

/// What a cached choice holds for: a choice measured on another CPU, thread
/// count, libtorch or model does not apply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Key {
    /// `model name` of /proc/cpuinfo (or what the CPU calls itself).
    pub cpu: String,
    /// The features the choice hangs on (a hypervisor can hide some).
    pub features: String,
    pub threads: usize,
    pub libtorch: String,
    pub model: String,
    pub rule: u32,
}

impl Key {
    /// The key for this CPU, `threads` libtorch threads and `model`.
    pub fn here(threads: usize, model: &str) -> Key {
        let yes = |b: bool| if b { "yes" } else { "no" };
        Key {
            cpu: cpu_model(),
            features: format!(
                "avx512bf16={} amx={} avx2+fma={} vnni={}",
                yes(earshot::sentiment::native_bf16()),
                yes(earshot::sentiment::amx_bf16()),
                yes(earshot::sentiment::fbgemm_cpu()),
                yes(earshot::sentiment::fbgemm_vnni())
            ),
            threads,
            libtorch: option_env!("EARSHOT_LIBTORCH_VERSION")
                .unwrap_or("unknown")
                .to_string(),
            model: model.to_string(),
            rule: RULE,
        }
    }
}

/// The CPU's name: `model name` in /proc/cpuinfo (x86), else `Hardware`
/// or `CPU part` (Arm), else "unknown".
fn cpu_model() -> String {
    let text = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    for field in ["model name", "Hardware", "CPU part"] {
        let found = text.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            (k.trim() == field && !v.trim().is_empty()).then(|| v.trim().to_string())
        });
        if let Some(v) = found {
            return v;
        }
    }
    "unknown".into()
}

/// One remembered choice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Entry {
    pub key: Key,
    pub precision: Precision,
    pub basis: Basis,
    /// Median milliseconds of the calibration batch, by precision name.
    pub ms: BTreeMap<String, f64>,
    /// When it was measured (seconds since 1970).
    pub at: u64,
}

impl Entry {
    pub fn new(key: Key, v: &Verdict) -> Entry {
        Entry {
            key,
            precision: v.precision,
            basis: v.basis,
            ms: v
                .medians
                .iter()
                .map(|(p, t)| (p.name().to_string(), round_ms(*t)))
                .collect(),
            at: now(),
        }
    }

    /// Whether it still stands at `now` (a noisy one for a day).
    fn current(&self, now: u64) -> bool {
        self.basis != Basis::Noisy || now.saturating_sub(self.at) < RETRY_NOISY_SECS
    }

    /// The timings as the protocol carries them.
    pub fn timings(&self) -> Vec<(Precision, f32)> {
        self.ms
            .iter()
            .filter_map(|(p, t)| Some((p.parse::<Precision>().ok()?, *t as f32)))
            .collect()
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct File {
    format: u32,
    entries: Vec<Entry>,
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The cache file: `EARSHOT_PRECISION_CACHE` (empty: none), else
/// `$XDG_CACHE_HOME/earshot/precision.json`, else
/// `$HOME/.cache/earshot/precision.json`; `None` without any of them.
pub(crate) fn cache_path() -> Option<PathBuf> {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    if let Some(v) = std::env::var_os("EARSHOT_PRECISION_CACHE") {
        return (!v.is_empty()).then(|| PathBuf::from(v));
    }
    let base = var("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| var("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    Some(base.join("earshot").join("precision.json"))
}

/// Reads the entries; a missing file has none.
fn read(path: &Path) -> Result<Vec<Entry>, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e.to_string()),
    };
    let file: File = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    if file.format != FORMAT {
        return Err(format!(
            "format {} (this earshot-score reads {FORMAT})",
            file.format
        ));
    }
    Ok(file.entries)
}

/// The cached choice for `key` in `path`, if there is one that still
/// stands. An unreadable file is a warning (and then rewritten).
pub(crate) fn lookup(path: &Path, key: &Key) -> Option<Entry> {
    match read(path) {
        Ok(entries) => entries
            .into_iter()
            .find(|e| &e.key == key && e.current(now())),
        Err(why) => {
            tracing::warn!(
                cache = %path.display(),
                "the precision cache is unreadable ({why}); ignoring it and timing bf16 and int8 again"
            );
            None
        }
    }
}

/// Remembers `entry` in `path` (replacing the entry of its key; written
/// to a temporary file, then renamed). A failure is a warning.
pub(crate) fn store(path: &Path, entry: Entry) {
    if let Err(why) = write(path, entry) {
        tracing::warn!(
            cache = %path.display(),
            "cannot write the precision cache ({why}); the next start times bf16 and int8 again (EARSHOT_PRECISION_CACHE names another file)"
        );
    }
}

fn write(path: &Path, entry: Entry) -> Result<(), String> {
    // an unreadable file was warned about on lookup: start afresh
    let mut entries: Vec<Entry> = read(path)
        .unwrap_or_default()
        .into_iter()
        .filter(|e| e.key != entry.key)
        .collect();
    entries.push(entry);
    entries.sort_by_key(|e| std::cmp::Reverse(e.at));
    entries.truncate(MAX_ENTRIES);
    let body = serde_json::to_string_pretty(&File {
        format: FORMAT,
        entries,
    })
    .map_err(|e| e.to_string())?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let tmp = path.with_extension(format!("json.{}.tmp", std::process::id()));
    std::fs::write(&tmp, body + "\n").map_err(|e| format!("{}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        e.to_string()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use Precision::{Bf16, Int8};

    #[test]
    fn a_clear_winner_replaces_the_prior() {
        // this Intel VM's shape: int8 much faster; prior int8
        let v = decide(
            Int8,
            &[
                (Int8, vec![100.0, 104.0, 99.0]),
                (Bf16, vec![260.0, 255.0, 270.0]),
            ],
        );
        assert_eq!((v.precision, v.basis), (Int8, Basis::Measured));
        assert_eq!(v.note(), "int8 2.60x as fast as bf16");
        // the AMD shape: bf16 1.24x faster than int8, prior int8
        let v = decide(
            Int8,
            &[
                (Int8, vec![124.0, 120.0, 126.0]),
                (Bf16, vec![100.0, 97.0, 101.0]),
            ],
        );
        assert_eq!((v.precision, v.basis), (Bf16, Basis::Measured));
        assert_eq!(v.medians, vec![(Int8, 124.0), (Bf16, 100.0)]);
    }

    #[test]
    fn close_or_noisy_measurements_keep_the_prior() {
        // bf16 10 % faster: within the margin
        let v = decide(
            Int8,
            &[
                (Int8, vec![110.0, 111.0, 109.0]),
                (Bf16, vec![100.0, 101.0, 99.0]),
            ],
        );
        assert_eq!((v.precision, v.basis), (Int8, Basis::Close));
        // on an AMX CPU the prior is bf16
        let v = decide(
            Bf16,
            &[
                (Int8, vec![95.0, 96.0, 94.0]),
                (Bf16, vec![100.0, 100.0, 101.0]),
            ],
        );
        assert_eq!((v.precision, v.basis), (Bf16, Basis::Close));
        // a batch slowed by a compiler: bf16's median looks 2x faster, but
        // int8's batches differ 3x
        let v = decide(
            Int8,
            &[
                (Int8, vec![300.0, 100.0, 290.0]),
                (Bf16, vec![140.0, 150.0, 145.0]),
            ],
        );
        assert_eq!((v.precision, v.basis), (Int8, Basis::Noisy));
        assert!(v.note().contains("noisy"), "{}", v.note());
        // nothing timed (an error): noisy, the prior
        assert_eq!(
            decide(Int8, &[(Int8, vec![]), (Bf16, vec![1.0])]).precision,
            Int8
        );
    }

    fn key(model: &str) -> Key {
        Key::here(2, model)
    }

    #[test]
    fn the_cache_keeps_one_entry_per_key_and_reads_it_back() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("sub").join("precision.json");
        assert_eq!(lookup(&path, &key("m1")), None);
        let v = decide(Int8, &[(Int8, vec![100.0; 3]), (Bf16, vec![250.0; 3])]);
        store(&path, Entry::new(key("m1"), &v));
        store(&path, Entry::new(key("m2"), &v));
        let hit = lookup(&path, &key("m1")).expect("cached");
        assert_eq!(hit.precision, Int8);
        assert_eq!(hit.timings(), vec![(Bf16, 250.0), (Int8, 100.0)]);
        // another thread count, CPU or model misses
        assert_eq!(lookup(&path, &Key::here(4, "m1")), None);
        let mut other = key("m1");
        other.cpu = "another CPU".into();
        assert_eq!(lookup(&path, &other), None);
        // the same key again replaces its entry
        let w = decide(Int8, &[(Int8, vec![300.0; 3]), (Bf16, vec![100.0; 3])]);
        store(&path, Entry::new(key("m1"), &w));
        assert_eq!(lookup(&path, &key("m1")).map(|e| e.precision), Some(Bf16));
        assert_eq!(read(&path).map(|e| e.len()), Ok(2));
        // a noisy entry stands for a day
        let mut noisy = Entry::new(key("m3"), &w);
        noisy.basis = Basis::Noisy;
        assert!(noisy.current(noisy.at + 3600));
        assert!(!noisy.current(noisy.at + RETRY_NOISY_SECS));
    }

    #[test]
    fn a_corrupt_or_unwritable_cache_is_no_failure() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("precision.json");
        std::fs::write(&path, "{\"format\": 1, \"entries\": [tru").expect("write");
        assert_eq!(lookup(&path, &key("m1")), None);
        assert!(read(&path).is_err());
        let v = decide(Int8, &[(Int8, vec![100.0; 3]), (Bf16, vec![250.0; 3])]);
        // rewritten whole
        store(&path, Entry::new(key("m1"), &v));
        assert!(lookup(&path, &key("m1")).is_some());
        // a file of another format is ignored too
        std::fs::write(&path, "{\"format\": 9, \"entries\": []}").expect("write");
        assert_eq!(lookup(&path, &key("m1")), None);
        // a path under a regular file cannot be written: a warning only
        let blocked = path.join("precision.json");
        store(&blocked, Entry::new(key("m1"), &v));
        assert!(!blocked.exists());
    }

    #[test]
    fn the_key_names_this_cpu() {
        let k = key("m1");
        assert!(!k.cpu.is_empty());
        assert!(k.features.contains("avx512bf16="), "{}", k.features);
        assert_ne!(k.libtorch, "", "{k:?}");
    }
}
