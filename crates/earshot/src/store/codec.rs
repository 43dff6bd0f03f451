//! How mention and post records are encoded (format 6): their postcard
//! bytes behind one tag byte, compressed with zstd when that is smaller.
//!
//! | tag | then |
//! |---|---|
//! | `0` | the postcard bytes |
//! | `1` | the postcard length (u32 BE), then one zstd frame of them |
//!
//! A record is compressed whole (text, context, URLs and title together,
//! so the context, a window of the text, costs next to nothing), at
//! [`LEVEL`], with one compressor and one decompressor per thread reused
//! across records. Everything else (counters, crawl state, alerts) stays
//! plain postcard: those values are small.

use std::cell::RefCell;

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::{keys, StoreError};

const PLAIN: u8 = 0;
const ZSTD: u8 = 1;

/// zstd's level for records: on a 600-character mention (1,363 postcard
/// bytes) level 1 gives 392 bytes, 3 gives 340 and 6 gives 326 at half
/// the speed again.
pub(super) const LEVEL: i32 = 3;

/// Under this many postcard bytes a record is stored plain (a frame's
/// header and the length cost more than compression saves).
const MIN_COMPRESSED: usize = 96;

/// The largest record a stored length may announce (a corrupt length must
/// not allocate gigabytes).
const MAX_RECORD: usize = 64 << 20;

thread_local! {
    static COMPRESSOR: RefCell<Option<zstd::bulk::Compressor<'static>>> = const { RefCell::new(None) };
    static DECOMPRESSOR: RefCell<Option<zstd::bulk::Decompressor<'static>>> = const { RefCell::new(None) };
    /// [`pack`]'s working buffers, reused across records: the postcard
    /// bytes and the zstd frame (a record costs one allocation, its
    /// result, instead of a dozen as its buffers grow).
    static SCRATCH: RefCell<(Vec<u8>, Vec<u8>)> = const { RefCell::new((Vec::new(), Vec::new())) };
}

/// A record's stored bytes.
pub(super) fn pack<T: Serialize>(value: &T) -> Vec<u8> {
    SCRATCH.with(|scratch| {
        // `pack` never runs inside itself, so the borrow is free; should it
        // not be, fresh buffers do the same work.
        let mut fresh = (Vec::new(), Vec::new());
        let mut held = scratch.try_borrow_mut();
        let (raw, frame) = match held.as_mut() {
            Ok(b) => &mut **b,
            Err(_) => &mut fresh,
        };
        raw.clear();
        // Serialising our own plain structs cannot fail.
        *raw = postcard::to_extend(value, std::mem::take(raw)).unwrap_or_default();
        if raw.len() >= MIN_COMPRESSED {
            if let Some(z) = compress(raw, frame) {
                if z.len() + 5 < raw.len() + 1 {
                    let mut out = Vec::with_capacity(5 + z.len());
                    out.push(ZSTD);
                    out.extend_from_slice(&(raw.len() as u32).to_be_bytes());
                    out.extend_from_slice(z);
                    return out;
                }
            }
        }
        let mut out = Vec::with_capacity(1 + raw.len());
        out.push(PLAIN);
        out.extend_from_slice(raw);
        out
    })
}

/// Reads [`pack`]; a tag, length or frame that does not read is
/// [`StoreError::Corrupt`], naming `key`.
pub(super) fn unpack<T: DeserializeOwned>(key: &[u8], bytes: &[u8]) -> Result<T, StoreError> {
    let corrupt = |reason: String| StoreError::Corrupt {
        key: keys::hex(key),
        reason,
    };
    match bytes.split_first() {
        Some((&PLAIN, raw)) => super::decode(key, raw),
        Some((&ZSTD, rest)) => {
            let (len, frame) = rest
                .split_first_chunk::<4>()
                .ok_or_else(|| corrupt("compressed record without its length".into()))?;
            let len = u32::from_be_bytes(*len) as usize;
            if len > MAX_RECORD {
                return Err(corrupt(format!("compressed record of {len} bytes")));
            }
            let raw = decompress(frame, len).map_err(|e| corrupt(format!("zstd: {e}")))?;
            if raw.len() != len {
                return Err(corrupt(format!(
                    "record decompressed to {} bytes, its length says {len}",
                    raw.len()
                )));
            }
            super::decode(key, &raw)
        }
        Some((tag, _)) => Err(corrupt(format!("unknown record encoding {tag}"))),
        None => Err(corrupt("empty record".into())),
    }
}

/// One zstd frame of `raw`, written into `frame` (grown to zstd's bound).
fn compress<'f>(raw: &[u8], frame: &'f mut Vec<u8>) -> Option<&'f [u8]> {
    COMPRESSOR.with(|c| {
        let mut c = c.borrow_mut();
        if c.is_none() {
            *c = zstd::bulk::Compressor::new(LEVEL).ok();
        }
        let bound = zstd::zstd_safe::compress_bound(raw.len());
        if frame.len() < bound {
            frame.resize(bound, 0);
        }
        let n = c.as_mut()?.compress_to_buffer(raw, &mut frame[..]).ok()?;
        frame.get(..n)
    })
}

fn decompress(frame: &[u8], len: usize) -> std::io::Result<Vec<u8>> {
    DECOMPRESSOR.with(|d| {
        let mut d = d.borrow_mut();
        if d.is_none() {
            *d = Some(zstd::bulk::Decompressor::new()?);
        }
        match d.as_mut() {
            Some(d) => d.decompress(frame, len),
            None => Err(std::io::Error::other("no zstd decompressor")),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_read_back_plain_or_compressed() {
        let short = "短".to_string();
        let long = "续航 battery 屏幕 ".repeat(40);
        for text in [short, long] {
            let packed = pack(&text);
            let back: String = unpack(b"m", &packed).unwrap();
            assert_eq!(back, text);
        }
        let long = "续航 battery 屏幕 ".repeat(40);
        let packed = pack(&long);
        assert_eq!(packed[0], ZSTD);
        assert!(packed.len() * 4 < long.len(), "{}", packed.len());
        assert_eq!(pack(&"short".to_string())[0], PLAIN);
    }

    /// The reference encoding: a fresh buffer for each step, as format 6
    /// was first written. [`pack`] with its reused buffers must give the
    /// same bytes (no format change).
    fn pack_reference<T: Serialize>(value: &T) -> Vec<u8> {
        let raw = postcard::to_allocvec(value).unwrap();
        if raw.len() >= MIN_COMPRESSED {
            let z = zstd::bulk::compress(&raw, LEVEL).unwrap();
            if z.len() + 5 < raw.len() + 1 {
                let mut out = vec![ZSTD];
                out.extend_from_slice(&(raw.len() as u32).to_be_bytes());
                out.extend_from_slice(&z);
                return out;
            }
        }
        let mut out = vec![PLAIN];
        out.extend_from_slice(&raw);
        out
    }

    #[test]
    fn reused_buffers_write_the_same_bytes() {
        // Long, short, long again: a buffer grown by one record and then
        // reused for a shorter one must not leak its tail.
        let start = chrono::Utc::now();
        let mut texts = vec![
            "续航 battery 屏幕 ".repeat(80),
            "短".to_string(),
            "x".repeat(95),
            "signal 发热 good ".repeat(20),
            String::new(),
            "价格 售后 really ".repeat(200),
        ];
        texts.extend((0..50).map(|i| "快充 camera ".repeat(i * 7)));
        for (i, text) in texts.iter().enumerate() {
            let mut m = crate::store::synthetic_mention(i as u64, &["云雀"], start);
            m.text = text.clone();
            let packed = pack(&m);
            assert_eq!(packed, pack_reference(&m), "record {i}");
            let back: crate::store::Mention = unpack(b"m", &packed).unwrap();
            assert_eq!(back, m);
            assert_eq!(pack(text), pack_reference(text), "text {i}");
        }
    }

    #[test]
    fn damaged_records_are_corrupt_not_a_panic() {
        let packed = pack(&"续航 battery 屏幕 ".repeat(40));
        let mut wrong_len = packed.clone();
        wrong_len[4] ^= 1;
        for bad in [
            vec![],
            vec![7, 1, 2],
            vec![ZSTD, 0, 0],
            vec![ZSTD, 0xFF, 0xFF, 0xFF, 0xFF, 1],
            packed[..packed.len() - 3].to_vec(),
            wrong_len,
        ] {
            let r: Result<String, _> = unpack(b"m", &bad);
            assert!(
                matches!(r, Err(StoreError::Corrupt { .. })),
                "{bad:?}: {r:?}"
            );
        }
    }
}
