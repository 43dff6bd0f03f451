//! Language tags for pages and posts, from the characters a text is
//! written in.

use crate::util::is_cjk;

/// Characters of a text that whatlang reads at most.
const GUESS_CHARS: usize = 2_000;

/// The language of `text` as a BCP 47 tag, by the characters it is written
/// in (never by the page's charset): `zh-Hans` or `zh-Hant` for Chinese
/// (by the share of traditional characters), `ja` where kana appear, `ko`
/// for Hangul, and otherwise whatlang's trigram guess (`en`, `fr`, `de`, …;
/// Latin text too short to tell is `en`). `None` when there are no letters.
pub fn detect_lang(text: &str) -> Option<String> {
    let (mut cjk, mut kana, mut hangul, mut letters) = (0usize, 0usize, 0usize, 0usize);
    for c in text.chars() {
        if is_cjk(c) {
            cjk += 1;
        } else if matches!(c, '\u{3040}'..='\u{30ff}' | '\u{31f0}'..='\u{31ff}') {
            kana += 1;
        } else if matches!(c, '\u{ac00}'..='\u{d7af}' | '\u{1100}'..='\u{11ff}') {
            hangul += 1;
        } else if !c.is_alphabetic() {
            continue;
        }
        letters += 1;
    }
    if letters == 0 {
        return None;
    }
    if kana > 0 && (kana + cjk) * 5 >= letters && kana * 20 >= kana + cjk {
        return Some("ja".into());
    }
    if hangul * 5 >= letters {
        return Some("ko".into());
    }
    if (cjk + kana) * 5 >= letters {
        return Some(chinese_script(text).into());
    }
    let latin_default = || Some("en".to_string());
    // whatlang's guess settles within a page's opening paragraphs; the
    // rest of a long text only costs time.
    let end = text
        .char_indices()
        .nth(GUESS_CHARS)
        .map_or(text.len(), |(i, _)| i);
    match whatlang::detect(&text[..end]) {
        Some(info) if info.is_reliable() => Some(iso639_1(info.lang().code()).to_string()),
        Some(info) if info.script() != whatlang::Script::Latin => {
            Some(iso639_1(info.lang().code()).to_string())
        }
        _ => latin_default(),
    }
}

/// `zh-Hant` when traditional characters are a noticeable share of the
/// Chinese characters (those OpenCC's tables turn into others), else
/// `zh-Hans`.
fn chinese_script(text: &str) -> &'static str {
    let simplified = fast2s::convert(text);
    let (mut han, mut traditional) = (0usize, 0usize);
    for (a, b) in text.chars().zip(simplified.chars()) {
        if is_cjk(a) {
            han += 1;
            traditional += usize::from(a != b);
        }
    }
    if traditional >= 2 && traditional * 20 >= han {
        "zh-Hant"
    } else {
        "zh-Hans"
    }
}

/// A language tag from whatlang's ISO 639-3 code: the two-letter code where
/// one exists (BCP 47 prefers it), else the three-letter one.
fn iso639_1(code: &str) -> &str {
    const TWO: &[(&str, &str)] = &[
        ("eng", "en"),
        ("fra", "fr"),
        ("deu", "de"),
        ("spa", "es"),
        ("por", "pt"),
        ("ita", "it"),
        ("nld", "nl"),
        ("rus", "ru"),
        ("ukr", "uk"),
        ("pol", "pl"),
        ("ces", "cs"),
        ("slk", "sk"),
        ("slv", "sl"),
        ("hrv", "hr"),
        ("srp", "sr"),
        ("bul", "bg"),
        ("mkd", "mk"),
        ("bel", "be"),
        ("ron", "ro"),
        ("hun", "hu"),
        ("fin", "fi"),
        ("est", "et"),
        ("lav", "lv"),
        ("lit", "lt"),
        ("swe", "sv"),
        ("dan", "da"),
        ("nob", "nb"),
        ("ell", "el"),
        ("tur", "tr"),
        ("aze", "az"),
        ("uzb", "uz"),
        ("tuk", "tk"),
        ("ara", "ar"),
        ("heb", "he"),
        ("yid", "yi"),
        ("pes", "fa"),
        ("urd", "ur"),
        ("hin", "hi"),
        ("ben", "bn"),
        ("mar", "mr"),
        ("guj", "gu"),
        ("pan", "pa"),
        ("ori", "or"),
        ("tam", "ta"),
        ("tel", "te"),
        ("kan", "kn"),
        ("mal", "ml"),
        ("sin", "si"),
        ("nep", "ne"),
        ("tha", "th"),
        ("khm", "km"),
        ("mya", "my"),
        ("vie", "vi"),
        ("ind", "id"),
        ("jav", "jv"),
        ("tgl", "tl"),
        ("kat", "ka"),
        ("hye", "hy"),
        ("amh", "am"),
        ("zul", "zu"),
        ("sna", "sn"),
        ("aka", "ak"),
        ("afr", "af"),
        ("lat", "la"),
        ("cat", "ca"),
        ("epo", "eo"),
        ("cmn", "zh"),
        ("jpn", "ja"),
        ("kor", "ko"),
    ];
    TWO.iter()
        .find(|(three, _)| *three == code)
        .map_or(code, |(_, two)| two)
}

/// A language tag a page or feed declares (`zh-CN`, `zh_TW`, `en-US`),
/// in the form [`detect_lang`] gives: `zh-Hans`/`zh-Hant` for Chinese by
/// region or script, otherwise the primary subtag, lower-cased.
pub fn normalize_lang_tag(tag: &str) -> Option<String> {
    let mut parts = tag.trim().split(['-', '_']);
    let primary = parts.next()?.to_ascii_lowercase();
    if primary.is_empty() {
        return None;
    }
    if primary == "zh" {
        let rest: Vec<String> = parts.map(str::to_ascii_lowercase).collect();
        let hant = rest
            .iter()
            .any(|p| matches!(p.as_str(), "hant" | "tw" | "hk" | "mo"));
        return Some(if hant { "zh-Hant" } else { "zh-Hans" }.into());
    }
    Some(primary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_are_tagged_by_script_and_trigrams() {
        let tag = |t: &str| detect_lang(t);
        assert_eq!(
            tag("云雀手机的电池发热很严重，售后还不给保修。").as_deref(),
            Some("zh-Hans")
        );
        assert_eq!(
            tag("雲雀手機的電池發熱很嚴重，售後還不給保修。").as_deref(),
            Some("zh-Hant")
        );
        // A page in Big5 or GBK says nothing: the characters do.
        assert_eq!(
            tag("這款手機續航如何？大家覺得值得買嗎").as_deref(),
            Some("zh-Hant")
        );
        assert_eq!(
            tag("このスマホの電池はすぐに熱くなります。").as_deref(),
            Some("ja")
        );
        assert_eq!(
            tag("배터리가 너무 빨리 닳아요. 정말 실망했습니다.").as_deref(),
            Some("ko")
        );
        assert_eq!(
            tag("The battery gets hot while charging and support refused a repair.").as_deref(),
            Some("en")
        );
        assert_eq!(
            tag("La batterie chauffe beaucoup pendant la charge et le service client a refusé la réparation.").as_deref(),
            Some("fr")
        );
        assert_eq!(
            tag("Der Akku wird beim Laden sehr heiß und der Kundendienst hat die Reparatur abgelehnt.").as_deref(),
            Some("de")
        );
        // Too short to tell: Latin text stays English, as before.
        assert_eq!(tag("+1 same here").as_deref(), Some("en"));
        assert_eq!(tag("12345 !!!"), None);
        // Mostly Chinese with a brand name in Latin letters.
        assert_eq!(tag("Lumio 台灯的 App 很难用").as_deref(), Some("zh-Hans"));
    }

    #[test]
    fn declared_language_tags_are_normalised() {
        assert_eq!(normalize_lang_tag("zh-CN").as_deref(), Some("zh-Hans"));
        assert_eq!(normalize_lang_tag("zh_TW").as_deref(), Some("zh-Hant"));
        assert_eq!(normalize_lang_tag("zh-Hant-HK").as_deref(), Some("zh-Hant"));
        assert_eq!(normalize_lang_tag("en-US").as_deref(), Some("en"));
        assert_eq!(normalize_lang_tag(""), None);
    }
}
