//! Key layout of the single sled tree (see the module docs).

use chrono::{DateTime, TimeZone, Utc};

use super::Granularity;

pub const META: u8 = b'M';
pub const MENTION: u8 = b'm';
pub const ID: u8 = b'i';
pub const TIME: u8 = b't';
pub const COUNTER: u8 = b'c';
pub const CRAWL: u8 = b'u';
pub const ALERT: u8 = b'a';
pub const OUTBOX: u8 = b'o';
pub const HASH: u8 = b'h';
pub const CLUSTER: u8 = b'k';
pub const SIGNATURE: u8 = b'g';
pub const SILENCE: u8 = b's';
pub const POST: u8 = b'p';
pub const SESSION: u8 = b'S';
pub const REACHED: u8 = b'v';

/// Cluster membership: cluster id, then mention id.
pub fn cluster_member(cluster: u64, id: u64) -> [u8; 17] {
    let mut k = [0u8; 17];
    k[0] = CLUSTER;
    k[1..9].copy_from_slice(&cluster.to_be_bytes());
    k[9..].copy_from_slice(&id.to_be_bytes());
    k
}

/// A stored post, by post id.
pub fn post(id: u64) -> [u8; 9] {
    let mut k = [0u8; 9];
    k[0] = POST;
    k[1..].copy_from_slice(&id.to_be_bytes());
    k
}

/// A cluster member's value: its post id, then its site (UTF-8).
pub fn member_value(post_id: u64, site: &str) -> Vec<u8> {
    let mut v = Vec::with_capacity(8 + site.len());
    v.extend_from_slice(&post_id.to_be_bytes());
    v.extend_from_slice(site.as_bytes());
    v
}

/// Reads [`member_value`]: (post id, site).
pub fn parse_member_value(v: &[u8]) -> (u64, String) {
    let post = v
        .get(..8)
        .and_then(|b| b.try_into().ok())
        .map(u64::from_be_bytes)
        .unwrap_or(0);
    (
        post,
        String::from_utf8_lossy(v.get(8..).unwrap_or(&[])).into_owned(),
    )
}

/// MinHash signature of a cluster's canonical member.
pub fn signature(cluster: u64) -> [u8; 9] {
    let mut k = [0u8; 9];
    k[0] = SIGNATURE;
    k[1..].copy_from_slice(&cluster.to_be_bytes());
    k
}

/// Content-hash index: the first 8 bytes of the hash, then mention id.
pub fn hash_index(hash: &str, id: u64) -> Vec<u8> {
    let mut k = hash_prefix(hash);
    k.extend_from_slice(&id.to_be_bytes());
    k
}

pub fn hash_prefix(hash: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(17);
    k.push(HASH);
    k.extend((0..8).map(|i| {
        hash.get(2 * i..2 * i + 2)
            .and_then(|h| u8::from_str_radix(h, 16).ok())
            .unwrap_or(0)
    }));
    k
}

pub fn meta(name: &str) -> Vec<u8> {
    let mut k = vec![META];
    k.extend_from_slice(name.as_bytes());
    k
}

/// A mention record (format 7): keyed by its first watch, its bucket
/// time, then its id, so a crawl's new mentions land together at the end of
/// their watch's range and a watch's timeline is one range of records (the
/// key is the time index). A mention of no watch files under the empty
/// name; one of several watches is stored under the first, with an empty
/// value (a pointer) under each other.
pub fn mention(watch: &str, t: DateTime<Utc>, id: u64) -> Vec<u8> {
    let mut k = mention_prefix(watch);
    k.extend_from_slice(&ts(t));
    k.extend_from_slice(&id.to_be_bytes());
    k
}

/// The watch a mention is filed under: its first.
pub fn home_watch(watches: &[String]) -> &str {
    watches.first().map(String::as_str).unwrap_or("")
}

/// The key prefix of one watch's mention records.
pub fn mention_prefix(watch: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(3 + watch.len() + 16);
    k.push(MENTION);
    push_name(&mut k, watch);
    k
}

/// The prefix of a mention record key (`m`, the watch), or `None` when
/// the key is not one.
pub fn mention_prefix_of(k: &[u8]) -> Option<&[u8]> {
    if k.first() != Some(&MENTION) || k.len() < 3 {
        return None;
    }
    let len = u16::from_be_bytes([k[1], k[2]]) as usize;
    let p = k.get(..3 + len)?;
    (k.len() == p.len() + 16).then_some(p)
}

/// Key range of a watch's mention records within `[since, until)`.
pub fn mention_range(
    watch: &str,
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
) -> (Vec<u8>, Vec<u8>) {
    range_after(mention_prefix(watch), since, until)
}

/// The id index's value: where the record is (its home watch's name after
/// the bucket time).
pub fn id_value(watch: &str, t: DateTime<Utc>) -> Vec<u8> {
    let mut v = Vec::with_capacity(8 + watch.len());
    v.extend_from_slice(&ts(t));
    v.extend_from_slice(watch.as_bytes());
    v
}

/// The record key an id index value points to.
pub fn mention_from_id_value(v: &[u8], id: u64) -> Option<Vec<u8>> {
    let t = ts_back(v.get(..8)?)?;
    let watch = std::str::from_utf8(v.get(8..)?).ok()?;
    Some(mention(watch, t, id))
}

/// Format 6's record key (bucket time, then id), for migrations.
pub fn mention_v6(t: DateTime<Utc>, id: u64) -> [u8; 17] {
    let mut k = [0u8; 17];
    k[0] = MENTION;
    k[1..9].copy_from_slice(&ts(t));
    k[9..].copy_from_slice(&id.to_be_bytes());
    k
}

/// Id index: mention id to where its record is ([`id_value`]; formats 3
/// to 6: the bucket time alone).
pub fn id_index(id: u64) -> [u8; 9] {
    let mut k = [0u8; 9];
    k[0] = ID;
    k[1..].copy_from_slice(&id.to_be_bytes());
    k
}

/// The time stored in format 6's id index (migrations).
pub fn ts_value(t: DateTime<Utc>) -> [u8; 8] {
    ts(t)
}

/// Order-preserving encoding of a signed timestamp.
fn ts(t: DateTime<Utc>) -> [u8; 8] {
    ((t.timestamp() as u64) ^ (1 << 63)).to_be_bytes()
}

fn ts_back(b: &[u8]) -> Option<DateTime<Utc>> {
    let raw = u64::from_be_bytes(b.try_into().ok()?) ^ (1 << 63);
    Utc.timestamp_opt(raw as i64, 0).single()
}

fn push_name(k: &mut Vec<u8>, name: &str) {
    let len = name.len().min(u16::MAX as usize);
    k.extend_from_slice(&(len as u16).to_be_bytes());
    k.extend_from_slice(&name.as_bytes()[..len]);
}

fn time_prefix(watch: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(3 + watch.len() + 16);
    k.push(TIME);
    push_name(&mut k, watch);
    k
}

/// Format 6's per-watch time index entry (format 7 has none: the record
/// key is the index), for migrations.
pub fn time_index(watch: &str, t: DateTime<Utc>, id: u64) -> Vec<u8> {
    let mut k = time_prefix(watch);
    k.extend_from_slice(&ts(t));
    k.extend_from_slice(&id.to_be_bytes());
    k
}

fn range_after(
    prefix: Vec<u8>,
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
) -> (Vec<u8>, Vec<u8>) {
    let mut lo = prefix;
    let mut hi = lo.clone();
    match since {
        Some(t) => lo.extend_from_slice(&ts(t)),
        None => lo.extend_from_slice(&[0u8; 8]),
    }
    match until {
        Some(t) => hi.extend_from_slice(&ts(t)),
        None => hi.extend_from_slice(&[0xFFu8; 17]),
    }
    (lo, hi)
}

/// (time, id) of a mention-record key (or format 6's time-index key):
/// they end in the encoded time and the id.
pub fn position(k: &[u8]) -> Option<(DateTime<Utc>, u64)> {
    let n = k.len();
    if n < 17 {
        return None;
    }
    let id = u64::from_be_bytes(k[n - 8..].try_into().ok()?);
    Some((ts_back(&k[n - 16..n - 8])?, id))
}

pub fn id_from_time_index(k: &[u8]) -> Option<u64> {
    let n = k.len();
    (n >= 17).then(|| u64::from_be_bytes(k[n - 8..].try_into().unwrap_or([0; 8])))
}

pub fn counter(g: Granularity, watch: &str, bucket: DateTime<Utc>) -> Vec<u8> {
    let mut k = Vec::with_capacity(4 + watch.len() + 8);
    k.push(COUNTER);
    k.push(g.tag());
    push_name(&mut k, watch);
    k.extend_from_slice(&ts(bucket));
    k
}

pub fn time_from_counter(k: &[u8]) -> Option<DateTime<Utc>> {
    let n = k.len();
    if n < 12 {
        return None;
    }
    ts_back(&k[n - 8..])
}

pub fn parse_counter(k: &[u8]) -> Option<(Granularity, String, DateTime<Utc>)> {
    if k.len() < 12 || k[0] != COUNTER {
        return None;
    }
    let g = Granularity::from_tag(k[1])?;
    let len = u16::from_be_bytes([k[2], k[3]]) as usize;
    let name = std::str::from_utf8(k.get(4..4 + len)?).ok()?.to_string();
    let t = ts_back(k.get(4 + len..4 + len + 8)?)?;
    Some((g, name, t))
}

pub fn crawl(url: &str) -> Vec<u8> {
    let mut k = vec![CRAWL];
    k.extend_from_slice(url.as_bytes());
    k
}

pub fn alert(id: u64) -> [u8; 9] {
    let mut k = [0u8; 9];
    k[0] = ALERT;
    k[1..].copy_from_slice(&id.to_be_bytes());
    k
}

pub fn outbox(key: &str) -> Vec<u8> {
    let mut k = vec![OUTBOX];
    k.extend_from_slice(key.as_bytes());
    k
}

pub fn silence(id: u64) -> [u8; 9] {
    let mut k = [0u8; 9];
    k[0] = SILENCE;
    k[1..].copy_from_slice(&id.to_be_bytes());
    k
}

pub fn hex(k: &[u8]) -> String {
    k.iter().map(|b| format!("{b:02x}")).collect()
}

/// The URLs one source's crawl reached: `v`, the source, then the URL.
pub fn reached_prefix(source: &str) -> Vec<u8> {
    let mut k = vec![REACHED];
    push_name(&mut k, source);
    k
}

/// One URL a source's crawl reached (value: the pass, u64 BE).
pub fn reached(source: &str, url: &str) -> Vec<u8> {
    let mut k = reached_prefix(source);
    k.extend_from_slice(url.as_bytes());
    k
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_sort_in_time_order() {
        let a = Utc.timestamp_opt(-5, 0).unwrap();
        let b = Utc.timestamp_opt(3, 0).unwrap();
        let c = Utc.timestamp_opt(1_700_000_000, 0).unwrap();
        assert!(mention("w", a, 9) < mention("w", b, 0));
        assert!(mention("w", b, 9) < mention("w", c, 0));
        // One watch's records never interleave with another's.
        assert!(mention("w", c, u64::MAX) < mention("ww", a, 0));
        assert!(mention("w", c, u64::MAX) < mention("x", a, 0));
        assert!(mention("w", c, 1) < mention_range("w", None, None).1);
        let k = mention("云雀", c, 77);
        assert_eq!(mention_prefix_of(&k), Some(&mention_prefix("云雀")[..]));
        assert_eq!(position(&k), Some((c, 77)));
        assert_eq!(
            mention_from_id_value(&id_value("云雀", c), 77),
            Some(k.clone())
        );
        assert_eq!(mention_prefix_of(&k[..k.len() - 1]), None);
        assert_eq!(ts_back(&ts(a)), Some(a));
        let k = counter(Granularity::Hour, "华为", c);
        assert_eq!(
            parse_counter(&k),
            Some((Granularity::Hour, "华为".to_string(), c))
        );
        assert_eq!(id_from_time_index(&time_index("w", c, 77)), Some(77));
    }
}
