//! Watchlist and clustering benchmarks (a bench binary, not timed tests):
//!
//! * matching throughput with 1,000 watch terms over extracted text
//!   (target ≥ 50 MB/s per core),
//! * cluster index insert + lookup (target ≥ 100,000 documents/s), and
//!   MinHash signatures per second for typical mention texts,
//! * memory of the cluster index, measured for 1 M canonical signatures
//!   and extrapolated to 10 M.
//!
//! Run: `cargo bench --bench watch`.

use std::time::Instant;

use earshot::cluster::{ClusterIndex, Signature};
use earshot::watch::WatchConfig;
use earshot::watch::{Doc, Matcher};

fn rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn main() {
    // 250 watches x 4 terms: Chinese names, Latin names, aliases.
    let hanzi: Vec<char> = "云雀极光北风星河天虹华锐创新科技电器手机数码智能家居汽车银行保险航空咖啡茶饮服饰运动健康医疗教育游戏音乐影视旅游地产能源物流".chars().collect();
    let syll = [
        "lu", "mi", "o", "nor", "th", "wind", "ac", "me", "zen", "tra", "vo", "ka", "ri", "sto",
        "ne", "qua",
    ];
    let mut rng = Rng(0x5eed);
    let mut watches = Vec::new();
    for i in 0..250 {
        let zh: String = (0..3)
            .map(|_| hanzi[(rng.next() % hanzi.len() as u64) as usize])
            .collect();
        let en: String = (0..3)
            .map(|_| syll[(rng.next() % syll.len() as u64) as usize])
            .collect::<String>()
            + &i.to_string();
        let zh2: String = (0..2)
            .map(|_| hanzi[(rng.next() % hanzi.len() as u64) as usize])
            .collect::<String>()
            + "集团";
        watches.push(WatchConfig {
            name: format!("{zh}{i}"),
            aliases: vec![en.clone(), zh2, format!("{en} group")],
            ..Default::default()
        });
    }
    let matcher = Matcher::new(&watches).expect("matcher");
    println!(
        "matcher: {} watches, {} distinct patterns",
        watches.len(),
        matcher.pattern_count()
    );

    // Texts: the syndication fixtures (zh and en news and forum posts).
    let dir = std::path::Path::new("tests/fixtures/syndication/docs");
    let mut texts: Vec<String> = std::fs::read_dir(dir)
        .expect("fixtures")
        .filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok())
        .collect();
    texts.sort();
    let bytes: usize = texts.iter().map(|t| t.len()).sum();
    let rounds = (30_000_000 / bytes).max(1);
    let t0 = Instant::now();
    let mut found = 0usize;
    for _ in 0..rounds {
        for t in &texts {
            found += matcher
                .find(&Doc {
                    text: t,
                    title: "",
                    ..Default::default()
                })
                .len();
        }
    }
    let secs = t0.elapsed().as_secs_f64();
    println!(
        "matching: {:.1} MB in {:.2} s on one thread: {:.1} MB/s [target >= 50 MB/s per core] ({found} matches)",
        (bytes * rounds) as f64 / 1e6,
        secs,
        (bytes * rounds) as f64 / 1e6 / secs
    );

    // Signatures of real texts.
    let t0 = Instant::now();
    let mut n = 0;
    for _ in 0..20 {
        for t in &texts {
            if Signature::of(t).is_some() {
                n += 1;
            }
        }
    }
    let secs = t0.elapsed().as_secs_f64();
    let avg_chars = texts.iter().map(|t| t.chars().count()).sum::<usize>() / texts.len();
    println!(
        "signatures: {:.0} texts/s (mean {avg_chars} chars)",
        n as f64 / secs
    );

    // Index: 1 M documents from 250 k stories (each story about 4 copies
    // with a few shingles changed), signatures computed beforehand.
    let docs = 1_000_000usize;
    let mut sigs = Vec::with_capacity(docs);
    for d in 0..docs {
        let story = (d % 250_000) as u64;
        let mut r = Rng(story * 7919 + 1);
        let mut sh: Vec<u64> = (0..150).map(|_| r.next()).collect();
        let mut noise = Rng((d as u64 + 1) * 104_729);
        for s in sh.iter_mut().take(30) {
            if noise.next() % 2 == 0 {
                *s = noise.next();
            }
        }
        sigs.push(Signature::from_shingles(&sh));
    }
    let before = rss_kb();
    let mut index = ClusterIndex::new();
    let t0 = Instant::now();
    let mut new = 0usize;
    for (i, s) in sigs.into_iter().enumerate() {
        if index.assign(i as u64, Some(s)).new {
            new += 1;
        }
    }
    let secs = t0.elapsed().as_secs_f64();
    let after = rss_kb();
    println!(
        "cluster index: {docs} insert+lookup in {secs:.2} s: {:.0} documents/s [target >= 100000]; {new} clusters (250000 stories)",
        docs as f64 / secs
    );
    let per = (after.saturating_sub(before)) as f64 * 1024.0 / new.max(1) as f64;
    println!(
        "cluster index memory: {:.0} MB for {new} canonical signatures ({per:.0} bytes each); 10 M signatures ≈ {:.1} GB",
        (after.saturating_sub(before)) as f64 / 1024.0,
        per * 1e7 / 1e9
    );
}
