//! Promotional lines: the cues (WeChat/QQ hooks, promised returns, crypto
//! pitches, "buy now") and contacts that make a line read as an ad. Both the
//! extractor (cutting ad lines out of posts) and the watch's spam flags use
//! them.

use std::sync::OnceLock;

use regex::Regex;

fn cues() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| {
        Regex::new(
            r"(?i)(加微信|加\s*v|薇信|微信号|vx[:：]|qq群|日收益|月入|稳赚|躺赚|返利|兼职|刷单|代理加盟|点击链接|优惠码|扫码领|defi|币圈|空投|usdt|链项目|区块链项目|招商加盟|福利|seo services|backlinks?|click here|buy now|discount code|promo code|work from home|airdrop|whatsapp|telegram|guaranteed (profit|returns)|daily returns?|casino|betting)",
        )
        .expect("static regex")
    })
}

fn contact() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| {
        Regex::new(r"(?i)(https?://\S+|www\.\S+|(?-u:\b)1[3-9]\d{9}(?-u:\b)|(?-u:\b)\d{7,}(?-u:\b)|(微信|vx|v信|wechat|qq)[:：\s]*[a-z0-9_-]{5,20}|\d+(\.\d+)?\s*%)")
            .expect("static regex")
    })
}

/// Why a line reads as an ad, if it does: two promotional cues, or one
/// cue with a contact (link, phone, WeChat/QQ id, a return in percent).
pub fn ad_line(line: &str) -> Option<String> {
    let cues: std::collections::BTreeSet<String> = cues()
        .find_iter(line)
        .map(|m| m.as_str().to_lowercase())
        .collect();
    if cues.is_empty() {
        return None;
    }
    let has_contact = contact().is_match(line);
    if cues.len() >= 2 || (!cues.is_empty() && has_contact) {
        let list: Vec<&str> = cues.iter().map(String::as_str).collect();
        return Some(format!(
            "ad line ({}): {}",
            list.join(", "),
            line.chars().take(60).collect::<String>()
        ));
    }
    None
}
