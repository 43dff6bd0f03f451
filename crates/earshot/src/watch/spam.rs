//! Spam and noise: lines injected as ads, posts that are ads or link
//! farms, brands mentioned only in navigation, tags or titles. Nothing is
//! dropped silently: ad lines are cut from the text with the reason kept,
//! and noisy mentions are stored flagged (and left out of alert counts).

use std::sync::OnceLock;

use regex::Regex;

pub use crate::util::ads::ad_line;

fn url() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| Regex::new(r"https?://\S+|www\.\S+").expect("static regex"))
}

/// A post's text with ad lines taken out, and what was taken out.
pub struct Cleaned {
    /// The text without ad lines.
    pub text: String,
    /// One reason per removed line.
    pub removed: Vec<String>,
    /// Share of the text's characters that were ads.
    pub ad_share: f64,
}

impl Cleaned {
    /// The post is mostly ads: it is kept whole and flagged, not cut.
    pub fn is_ad(&self) -> bool {
        self.ad_share > 0.7 || (!self.removed.is_empty() && self.text.chars().count() < 20)
    }
}

/// Removes ad lines from `text`.
pub fn strip_ad_lines(text: &str) -> Cleaned {
    let mut kept = Vec::new();
    let mut removed = Vec::new();
    let (mut ad_chars, mut all_chars) = (0usize, 0usize);
    for line in text.split('\n') {
        let n = line.trim().chars().count();
        all_chars += n;
        match ad_line(line) {
            Some(reason) => {
                ad_chars += n;
                removed.push(reason);
            }
            None => kept.push(line),
        }
    }
    let mut t = kept.join("\n");
    while t.contains("\n\n\n") {
        t = t.replace("\n\n\n", "\n\n");
    }
    Cleaned {
        text: t.trim().to_string(),
        removed,
        ad_share: if all_chars == 0 {
            0.0
        } else {
            ad_chars as f64 / all_chars as f64
        },
    }
}

/// A line of tags, keywords, categories or navigation links.
pub fn tag_or_nav_line(line: &str) -> bool {
    static R: OnceLock<Regex> = OnceLock::new();
    let r = R.get_or_init(|| {
        Regex::new(r"(?i)^\s*(tags?|标签|標籤|关键词|關鍵詞|关键字|keywords?|分类|分類|categor(y|ies)|相关(阅读|文章|新闻)|相關(閱讀|文章|新聞)|related( posts| articles)?|filed under|posted in)\s*[:：]")
            .expect("static regex")
    });
    if r.is_match(line) {
        return true;
    }
    // Short segments between separators: a menu or breadcrumb.
    let segments: Vec<&str> = line
        .split(['|', '›', '»', '>', '/', '·', '｜'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    segments.len() >= 4 && segments.iter().all(|s| s.chars().count() <= 12)
}

/// Why a mention should be flagged as spam or noise, if it should.
pub fn flag(cleaned: &Cleaned, original: &str, substantive: bool) -> Option<String> {
    if cleaned.ad_share > 0.7 || (!cleaned.removed.is_empty() && cleaned.text.chars().count() < 20)
    {
        return Some(format!(
            "advertisement: {}",
            cleaned.removed.first().map(String::as_str).unwrap_or("")
        ));
    }
    let urls: Vec<&str> = url().find_iter(original).map(|m| m.as_str()).collect();
    let url_chars: usize = urls.iter().map(|u| u.chars().count()).sum();
    let total = original.chars().count().max(1);
    if urls.len() >= 3 && url_chars * 10 >= total * 3 {
        return Some(format!(
            "link farm: {} links make up {}% of the text",
            urls.len(),
            url_chars * 100 / total
        ));
    }
    if !substantive {
        return Some("mentions the brand only in tags or navigation, not in the post".into());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ad_lines_are_found_and_ordinary_lines_kept() {
        let ads = [
            "【福利】加入XX链 DeFi 项目，日收益 3%，加微信 coin8888 了解",
            "Best SEO services! Click here: http://rank-boost-seo.example/",
            "兼职刷单，日结，加QQ群 12345678",
        ];
        for a in ads {
            assert!(ad_line(a).is_some(), "{a}");
        }
        let ok = [
            "云雀 X5 充电发烫，售后说是人为损坏，我不认。",
            "The Lumio Aura costs $129 and the app is fine.",
            "电池容量 4500mAh，快充 67W，续航比上代好 10%。",
            "I got a discount at the store, nice.",
        ];
        for o in ok {
            assert!(ad_line(o).is_none(), "{o}");
        }
    }

    #[test]
    fn posts_are_flagged_for_the_right_reasons() {
        let post = "我的云雀 X5 也鼓包了，售后不给保修。\n【福利】加入XX链 DeFi 项目，日收益 3%，加微信 coin8888 了解\n大家注意。";
        let c = strip_ad_lines(post);
        assert_eq!(c.removed.len(), 1);
        assert!(!c.text.contains("DeFi"));
        assert!(c.text.contains("售后不给保修"));
        assert_eq!(
            flag(&c, post, true),
            None,
            "one ad line in a real post: cut, not flagged"
        );

        let ad = "Very informative article about Lumio! We provide SEO services, click here http://a.example http://b.example";
        let c = strip_ad_lines(ad);
        assert!(flag(&c, ad, true).unwrap().starts_with("advertisement"));

        let farm =
            "Lumio http://a.example/x http://b.example/y http://c.example/z http://d.example/w";
        assert!(flag(&strip_ad_lines(farm), farm, true)
            .unwrap()
            .starts_with("link farm"));

        let plain = "A fine lamp review.";
        assert!(flag(&strip_ad_lines(plain), plain, false)
            .unwrap()
            .contains("only in tags"));
    }
}
