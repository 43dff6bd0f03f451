//! Decoding bytes to text as browsers do: BOM, then the HTTP `charset`,
//! then `<meta charset>` / `http-equiv` in the first bytes, then chardetng.
//! One departure: a page declared in a legacy encoding whose bytes are
//! valid UTF-8 with multi-byte sequences is read as UTF-8 (a stale
//! `charset=gb2312` or `iso-8859-1` left in a template after the site moved
//! to UTF-8; real GBK or Latin-1 text is almost never valid UTF-8). And
//! one fallback: unlabelled bytes the detector calls Windows-1252 that read
//! as Chinese GBK with one or two broken characters are read as GBK.

use encoding_rs::Encoding;

/// How far into a page `<meta charset>` is looked for (browsers use 1024;
/// forums often put long scripts first, so a little more).
const PRESCAN: usize = 4096;

/// Decodes `bytes`; returns the text and the encoding used.
pub fn decode(bytes: &[u8], content_type: Option<&str>) -> (String, &'static Encoding) {
    let encoding = sniff(bytes, content_type);
    let (text, used, _had_errors) = encoding.decode(bytes);
    (text.into_owned(), used)
}

/// Picks the encoding without decoding.
pub fn sniff(bytes: &[u8], content_type: Option<&str>) -> &'static Encoding {
    if let Some((enc, _)) = Encoding::for_bom(bytes) {
        return enc;
    }
    let declared = content_type
        .and_then(charset_param)
        .and_then(label)
        .or_else(|| meta_charset(&bytes[..bytes.len().min(PRESCAN)]))
        .or_else(|| xml_declaration(bytes));
    if let Some(enc) = declared {
        if enc != encoding_rs::UTF_8 && enc.is_ascii_compatible() && utf8_not_ascii(bytes) {
            return encoding_rs::UTF_8;
        }
        return enc;
    }
    // Valid UTF-8 (pure ASCII included) is what the detector answers anyway
    // when it may guess UTF-8, unless ESC sequences make it ISO-2022-JP;
    // checking is much cheaper than detecting.
    if !bytes.contains(&0x1b) && std::str::from_utf8(bytes).is_ok() {
        return encoding_rs::UTF_8;
    }
    let mut det = chardetng::EncodingDetector::new();
    det.feed(bytes, true);
    let guess = det.guess(None, true);
    // Only against Windows-1252, the mojibake seen: other single-byte
    // answers (Cyrillic, Greek: text of high bytes only) stay the
    // detector's.
    if guess == encoding_rs::WINDOWS_1252 && gbk_with_few_errors(bytes) {
        return encoding_rs::GBK;
    }
    guess
}

/// GB2312 characters (both bytes in `0xA1..=0xFE`, a hanzi or CJK
/// punctuation) at least this many for a page to be read as GBK against
/// the detector.
const GBK_MIN_PAIRS: usize = 20;

/// Bytes that read as Chinese GBK with one or two broken characters: the
/// detector drops GBK at the first invalid sequence (a character cut in
/// half before `</p>`) and answers Windows-1252, which turns the whole page
/// into mojibake. Read as GBK when at least nine in ten of the non-ASCII
/// bytes pair up as GB2312 characters (Latin-1 text has its accented
/// letters between ASCII ones, and they rarely pair), there are at least
/// [`GBK_MIN_PAIRS`] of them, and at most one character in a hundred fails
/// to decode.
fn gbk_with_few_errors(bytes: &[u8]) -> bool {
    let (mut high, mut pairs, mut i) = (0usize, 0usize, 0usize);
    while i < bytes.len() {
        let b = bytes[i];
        if b < 0x80 {
            i += 1;
            continue;
        }
        match bytes.get(i + 1) {
            Some(&t) if (0xA1..=0xF7).contains(&b) && (0xA1..=0xFE).contains(&t) => {
                high += 2;
                pairs += 1;
                i += 2;
            }
            _ => {
                high += 1;
                i += 1;
            }
        }
    }
    if pairs < GBK_MIN_PAIRS || pairs * 2 * 10 < high * 9 {
        return false;
    }
    let (text, _) = encoding_rs::GBK.decode_without_bom_handling(bytes);
    let errors = text.matches('\u{fffd}').count();
    let cjk = text.chars().filter(|c| crate::util::is_cjk(*c)).count();
    cjk >= GBK_MIN_PAIRS && errors * 100 <= cjk
}

/// Valid UTF-8 with at least one multi-byte sequence.
fn utf8_not_ascii(bytes: &[u8]) -> bool {
    !bytes.is_ascii() && std::str::from_utf8(bytes).is_ok()
}

fn label(name: &str) -> Option<&'static Encoding> {
    let enc = Encoding::for_label(
        name.trim()
            .trim_matches(|c| c == '"' || c == '\'')
            .as_bytes(),
    )?;
    // Browsers treat a declared UTF-16 in a meta tag as UTF-8, and the
    // replacement encoding is never useful for reading.
    if enc == encoding_rs::REPLACEMENT {
        return None;
    }
    Some(enc)
}

fn charset_param(ct: &str) -> Option<&str> {
    ct.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim().eq_ignore_ascii_case("charset").then_some(v.trim())
    })
}

/// Finds `<meta charset=...>` or `<meta http-equiv=Content-Type content="...; charset=...">`.
fn meta_charset(head: &[u8]) -> Option<&'static Encoding> {
    // ASCII-compatible prescan: lowercase a copy and search for the attributes.
    let lower: Vec<u8> = head.iter().map(|b| b.to_ascii_lowercase()).collect();
    let mut from = 0;
    while let Some(pos) = find(&lower[from..], b"<meta") {
        let start = from + pos;
        let end = lower[start..]
            .iter()
            .position(|&b| b == b'>')
            .map(|e| start + e)
            .unwrap_or(lower.len());
        let tag = &lower[start..end];
        if let Some(cs) = find(tag, b"charset") {
            let rest = &tag[cs + 7..];
            let rest = skip_ws(rest);
            if let Some(rest) = rest.strip_prefix(b"=") {
                let rest = skip_ws(rest);
                let rest = rest
                    .strip_prefix(b"\"")
                    .or_else(|| rest.strip_prefix(b"'"))
                    .unwrap_or(rest);
                let len = rest
                    .iter()
                    .position(|&b| {
                        b == b'"' || b == b'\'' || b == b';' || b == b' ' || b == b'/' || b == b'>'
                    })
                    .unwrap_or(rest.len());
                if let Some(enc) = std::str::from_utf8(&rest[..len]).ok().and_then(label) {
                    // A page that declares UTF-16 in a meta tag is read as UTF-8.
                    if enc == encoding_rs::UTF_16LE || enc == encoding_rs::UTF_16BE {
                        return Some(encoding_rs::UTF_8);
                    }
                    return Some(enc);
                }
            }
        }
        from = end.max(start + 1);
        if from >= lower.len() {
            break;
        }
    }
    None
}

fn xml_declaration(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(200)];
    if !head.starts_with(b"<?xml") {
        return None;
    }
    let end = find(head, b"?>")?;
    let decl = &head[..end];
    let pos = find(decl, b"encoding")?;
    let rest = skip_ws(&decl[pos + 8..]).strip_prefix(b"=")?;
    let rest = skip_ws(rest);
    let q = *rest.first()?;
    let rest = &rest[1..];
    let len = rest.iter().position(|&b| b == q)?;
    std::str::from_utf8(&rest[..len]).ok().and_then(label)
}

fn skip_ws(b: &[u8]) -> &[u8] {
    let n = b.iter().take_while(|c| c.is_ascii_whitespace()).count();
    &b[n..]
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gbk(s: &str) -> Vec<u8> {
        encoding_rs::GBK.encode(s).0.into_owned()
    }

    #[test]
    fn order_of_evidence() {
        let page = |meta: &str, body: &str| {
            let mut b = format!("<html><head>{meta}</head><body>").into_bytes();
            b.extend(gbk(body));
            b
        };
        let text = "云雀手机发表于 2026-11-20，电池鼓包怎么办？";
        // meta http-equiv
        let b = page(
            r#"<meta http-equiv="Content-Type" content="text/html; charset=gbk" />"#,
            text,
        );
        let (t, e) = decode(&b, Some("text/html"));
        assert_eq!(e, encoding_rs::GBK);
        assert!(t.contains(text));
        // HTTP header beats meta
        let b = page(r#"<meta charset="big5">"#, text);
        assert_eq!(
            decode(&b, Some("text/html; charset=GBK")).1,
            encoding_rs::GBK
        );
        // BOM beats everything
        let mut b = vec![0xEF, 0xBB, 0xBF];
        b.extend_from_slice("<meta charset=gbk>中文".as_bytes());
        let (t, e) = decode(&b, Some("text/html; charset=big5"));
        assert_eq!(e, encoding_rs::UTF_8);
        assert!(t.ends_with("中文"));
        // Nothing declared: the detector finds GBK.
        let long = text.repeat(5);
        let (t, e) = decode(&page("", &long), None);
        assert_eq!(e, encoding_rs::GBK, "{t}");
        // Mislabelled as UTF-8 by nobody but unlabelled Big5.
        let big5 = encoding_rs::BIG5
            .encode("雲雀手機的電池問題嚴重嗎？我買了一台，充電時發熱。")
            .0
            .into_owned();
        assert_eq!(decode(&big5, None).1, encoding_rs::BIG5);
        // XML declaration
        let x = b"<?xml version=\"1.0\" encoding=\"gb2312\"?><rss></rss>";
        assert_eq!(decode(x, Some("application/rss+xml")).1, encoding_rs::GBK);
    }

    #[test]
    fn utf8_bytes_under_a_stale_legacy_label_are_read_as_utf8() {
        let text = "云雀手机发表于 2026-11-20，电池鼓包怎么办？";
        let b = format!(
            r#"<meta http-equiv="Content-Type" content="text/html; charset=gb2312"><p>{text}</p>"#
        );
        let (t, e) = decode(b.as_bytes(), None);
        assert_eq!(e, encoding_rs::UTF_8);
        assert!(t.contains(text), "{t}");
        // The same from the HTTP header, and for Latin-1.
        assert_eq!(
            decode(b.as_bytes(), Some("text/html; charset=GBK")).1,
            encoding_rs::UTF_8
        );
        let b = "<meta charset=iso-8859-1><p>Caf\u{e9} cr\u{e8}me, \u{201c}quoted\u{201d}</p>";
        let (t, e) = decode(b.as_bytes(), None);
        assert_eq!(e, encoding_rs::UTF_8);
        assert!(t.contains("Caf\u{e9} cr\u{e8}me"), "{t}");
        // Real Latin-1 bytes (invalid UTF-8) keep their label; pure ASCII
        // keeps it too (the label changes nothing there).
        let mut l1 = b"<meta charset=iso-8859-1><p>Caf".to_vec();
        l1.extend([0xe9, b' ', b'c', b'r', 0xe8, b'm', b'e']);
        let (t, e) = decode(&l1, None);
        assert_eq!(e, encoding_rs::WINDOWS_1252);
        assert!(t.contains("Caf\u{e9} cr\u{e8}me"), "{t}");
        assert_eq!(
            decode(b"<meta charset=gbk><p>ascii</p>", None).1,
            encoding_rs::GBK
        );
    }

    /// Pages written for earshot with no declared charset: a GBK article
    /// that lost one byte (the second half of a `。` before `</p>`, as a
    /// cut at a byte count leaves it), which the detector alone reads as
    /// Windows-1252 mojibake, is read as GBK with one replacement
    /// character; a French and German page in
    /// Windows-1252, whose accented letters also pair up as GBK bytes here
    /// and there, stays Windows-1252.
    #[test]
    fn unlabelled_gbk_with_one_bad_byte_is_gbk_and_latin1_stays_latin1() {
        let page = include_bytes!("../../../../tests/fixtures/extract/news-gbk-one-bad-byte.html");
        assert!(encoding_rs::GBK.decode_without_bom_handling(page).1);
        let (t, e) = decode(page, None);
        assert_eq!(e, encoding_rs::GBK, "{t}");
        assert!(t.contains("星舟S3无线耳机在地铁换乘站内"), "{t}");
        assert!(t.contains("在车厢内则较少出现\u{fffd}</p>"), "{t}");
        assert_eq!(t.matches('\u{fffd}').count(), 1);

        let page = include_bytes!("../../../../tests/fixtures/extract/blog-latin1-accents.html");
        let (t, e) = decode(page, None);
        assert_eq!(e, encoding_rs::WINDOWS_1252, "{t}");
        assert!(t.contains("Déjà signalé au fabricant"), "{t}");
        assert!(t.contains("Für Pendler in Zürich"), "{t}");
        // Unlabelled Russian in Windows-1251, whose letters are all high
        // bytes, stays what the detector says.
        let ru = "<html><body><p>Наушники Синчжоу S3 хорошо глушат шум в метро, но левый наушник иногда теряет связь на пересадках. Производитель обещает исправить это в следующей прошивке.</p></body></html>";
        let b = encoding_rs::WINDOWS_1251.encode(ru).0.into_owned();
        let (t, e) = decode(&b, None);
        assert_eq!(e, encoding_rs::WINDOWS_1251, "{t}");
        assert_eq!(t, ru);
    }

    #[test]
    fn unlabelled_utf8_skips_the_detector_but_iso_2022_jp_does_not() {
        // Valid UTF-8: the answer the detector would give.
        let b = "<html><body><p>云雀手机的电池问题</p></body></html>".as_bytes();
        assert_eq!(decode(b, None).1, encoding_rs::UTF_8);
        // ISO-2022-JP is 7-bit (so also valid UTF-8) with ESC sequences:
        // the detector still gets it.
        let jp = encoding_rs::ISO_2022_JP
            .encode("電池の問題について、サポートに問い合わせました。")
            .0
            .into_owned();
        assert!(std::str::from_utf8(&jp).is_ok());
        let (t, e) = decode(&jp, None);
        assert_eq!(e, encoding_rs::ISO_2022_JP);
        assert!(t.contains("電池"), "{t}");
    }
}
