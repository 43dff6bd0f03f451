//! Syndication clusters: one story copied (or reworded) across sites.
//!
//! Exact copies share a content hash. Near copies are found with MinHash
//! over token bigrams (a token is a Chinese character or an ASCII word,
//! after the watch normalisation, so simplified/traditional and width
//! differences vanish): 128 16-bit min-hashes per text, an LSH index of
//! bands, and a Jaccard estimate of at least [`THRESHOLD`]
//! against the cluster's canonical (first-seen) member.
//! (64 LSH bands of 2 hashes: a pair at Jaccard 0.34 becomes a candidate
//! with probability 0.9996; with 32 bands recall on the fixtures fell to
//! 0.97.) On the labelled
//! pairs in `tests/fixtures/syndication`, bigram Jaccard puts every
//! reworded ("spun") copy at 0.34 or more and every different story at
//! 0.14 or less; SimHash over the same shingles overlapped (spun copies up
//! to 23 bits apart, different stories from 20), so MinHash it is.
//!
//! The index holds canonical members only, so its size follows the number
//! of distinct stories, not of copies.

use std::collections::HashMap;

/// Min-hashes per signature.
pub const HASHES: usize = 128;
const ROWS: usize = 2;
/// LSH bands of `ROWS` min-hashes each.
const BANDS: usize = 64;
/// Estimated Jaccard similarity at or above which two texts are copies.
pub const THRESHOLD: f64 = 0.24;
/// Similarity at which a candidate is taken without looking for a better one.
const CLEAR_COPY: f64 = 0.6;
/// Texts with fewer bigrams than this are too short to call copies.
pub const MIN_SHINGLES: usize = 12;

/// A MinHash signature.
#[derive(Clone, PartialEq, Eq)]
pub struct Signature(pub [u16; HASHES]);

impl std::fmt::Debug for Signature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Signature({:04x}{:04x}…)", self.0[0], self.0[1])
    }
}

fn mix(mut x: u64) -> u64 {
    // splitmix64 finaliser
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58476d1ce4e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d049bb133111eb);
    x ^ (x >> 31)
}

fn token_hashes(text: &str) -> Vec<u64> {
    let norm = crate::watch::normalize(text);
    let mut out = Vec::new();
    let mut word = String::new();
    let flush = |w: &mut String, out: &mut Vec<u64>| {
        if !w.is_empty() {
            out.push(mix(u64::from_le_bytes(
                blake3::hash(w.as_bytes()).as_bytes()[..8]
                    .try_into()
                    .unwrap_or([0; 8]),
            )));
            w.clear();
        }
    };
    for c in norm.chars() {
        if crate::util::is_cjk(c) {
            flush(&mut word, &mut out);
            out.push(mix(c as u64 ^ 0x9e3779b97f4a7c15));
        } else if c.is_alphanumeric() {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// Bigram shingle hashes of a text.
pub fn shingles(text: &str) -> Vec<u64> {
    let t = token_hashes(text);
    let mut s: Vec<u64> = t
        .windows(2)
        .map(|w| mix(w[0].rotate_left(17) ^ w[1]))
        .collect();
    s.sort_unstable();
    s.dedup();
    s
}

impl Signature {
    /// The signature of `text`; `None` when it is too short to compare.
    pub fn of(text: &str) -> Option<Signature> {
        let sh = shingles(text);
        if sh.len() < MIN_SHINGLES {
            return None;
        }
        Some(Signature::from_shingles(&sh))
    }

    /// The signature of a set of shingle hashes.
    pub fn from_shingles(sh: &[u64]) -> Signature {
        let mut mins = [u64::MAX; HASHES];
        for &s in sh {
            for (i, m) in mins.iter_mut().enumerate() {
                let h = mix(s ^ (i as u64).wrapping_mul(0x9e3779b97f4a7c15));
                if h < *m {
                    *m = h;
                }
            }
        }
        let mut out = [0u16; HASHES];
        for (o, m) in out.iter_mut().zip(mins) {
            *o = (m >> 48) as u16;
        }
        Signature(out)
    }

    /// Estimated Jaccard similarity.
    pub fn similarity(&self, other: &Signature) -> f64 {
        self.0
            .iter()
            .zip(other.0.iter())
            .filter(|(a, b)| a == b)
            .count() as f64
            / HASHES as f64
    }

    fn bands(&self) -> impl Iterator<Item = u32> + '_ {
        self.0[..BANDS * ROWS]
            .chunks(ROWS)
            .enumerate()
            .map(|(b, rows)| {
                let mut k = mix(b as u64 + 1);
                for r in rows {
                    k = mix(k ^ *r as u64);
                }
                k as u32
            })
    }

    /// Bytes for storage.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.0.iter().flat_map(|x| x.to_le_bytes()).collect()
    }

    /// From [`Signature::to_bytes`].
    pub fn from_bytes(b: &[u8]) -> Option<Signature> {
        if b.len() != HASHES * 2 {
            return None;
        }
        let mut out = [0u16; HASHES];
        for (i, o) in out.iter_mut().enumerate() {
            *o = u16::from_le_bytes([b[2 * i], b[2 * i + 1]]);
        }
        Some(Signature(out))
    }
}

/// Where a text landed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Assignment {
    /// Cluster id: the canonical member's mention id.
    pub cluster: u64,
    /// Whether the text started a new cluster (it is the canonical member).
    pub new: bool,
    /// Estimated similarity to the canonical member (1 for itself).
    pub similarity: f64,
}

/// Keys that are already hashes need no hashing.
#[derive(Default, Clone, Copy)]
struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 << 8) | *b as u64;
        }
    }
    fn write_u32(&mut self, n: u32) {
        self.0 = mix(n as u64);
    }
}

type IdMap = HashMap<u32, u32, std::hash::BuildHasherDefault<IdHasher>>;

const END: u32 = u32::MAX;

/// The LSH index over canonical members: per band key, a chain of slots
/// in one flat array (no allocation per entry).
#[derive(Default)]
pub struct ClusterIndex {
    heads: IdMap,
    links: Vec<(u32, u32)>,
    canon: Vec<(u64, Signature)>,
}

impl ClusterIndex {
    /// An empty index.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of canonical members.
    pub fn len(&self) -> usize {
        self.canon.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.canon.is_empty()
    }

    /// Adds a canonical member (when loading from the store).
    pub fn insert(&mut self, cluster: u64, sig: Signature) {
        let slot = self.canon.len() as u32;
        for k in sig.bands() {
            let next = self.heads.get(&k).copied().unwrap_or(END);
            self.links.push((slot, next));
            self.heads.insert(k, self.links.len() as u32 - 1);
        }
        self.canon.push((cluster, sig));
    }

    /// The best matching cluster at or above [`THRESHOLD`].
    pub fn lookup(&self, sig: &Signature) -> Option<(u64, f64)> {
        let mut best: Option<(u64, f64, u32)> = None;
        let mut tried: Vec<u32> = Vec::new();
        for k in sig.bands() {
            let mut at = self.heads.get(&k).copied().unwrap_or(END);
            while at != END {
                let (slot, next) = self.links[at as usize];
                at = next;
                if tried.contains(&slot) {
                    continue;
                }
                tried.push(slot);
                let (cluster, other) = &self.canon[slot as usize];
                let s = sig.similarity(other);
                // Ties go to the earliest cluster.
                if s >= THRESHOLD
                    && best.is_none_or(|(_, bs, bslot)| s > bs || (s == bs && slot < bslot))
                {
                    best = Some((*cluster, s, slot));
                }
                // A clear copy: no need to look further.
                if s >= CLEAR_COPY {
                    return Some((*cluster, s));
                }
            }
        }
        best.map(|(c, s, _)| (c, s))
    }

    /// Puts mention `id` into a cluster: the best match, or a new one.
    /// `None` signatures (short texts) are their own cluster and not indexed.
    pub fn assign(&mut self, id: u64, sig: Option<Signature>) -> Assignment {
        let Some(sig) = sig else {
            return Assignment {
                cluster: id,
                new: true,
                similarity: 1.0,
            };
        };
        match self.lookup(&sig) {
            Some((cluster, similarity)) => Assignment {
                cluster,
                new: false,
                similarity,
            },
            None => {
                self.insert(id, sig);
                Assignment {
                    cluster: id,
                    new: true,
                    similarity: 1.0,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_and_strangers() {
        let a = "云雀科技今天宣布召回部分批次的移动电源，原因是电芯存在过热风险。用户可以在官网查询序列号，符合条件的可以免费更换新品。公司表示目前没有收到起火事故的报告。";
        let spun = "云雀科技今日宣布召回部分批次的充电宝，原因是电芯存在过热隐患。消费者可以在官网查询序列号，符合条件的可以免费更换新品。公司称目前没有收到起火事故的报告。";
        let other = "Lumio announced a new desk lamp with a brighter panel and a cheaper price, and said shipping starts next month in Europe and North America.";
        let sa = Signature::of(a).unwrap();
        assert!(sa.similarity(&Signature::of(spun).unwrap()) >= THRESHOLD);
        assert!(sa.similarity(&Signature::of(other).unwrap()) < 0.1);
        assert_eq!(Signature::from_bytes(&sa.to_bytes()), Some(sa.clone()));
        let mut idx = ClusterIndex::new();
        assert!(idx.assign(1, Some(sa)).new);
        let b = idx.assign(2, Signature::of(spun));
        assert_eq!((b.cluster, b.new), (1, false));
        assert!(idx.assign(3, Signature::of(other)).new);
        assert!(Signature::of("太短了").is_none());
    }
}
