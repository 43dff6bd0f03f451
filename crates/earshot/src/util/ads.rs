//! Promotional lines: a line reads as an ad when several weak cues of
//! different kinds add up (promised returns, crypto, contact hooks, short
//! links, recruiting and marketing phrases, hype). No single word makes an
//! ad: "收益" or "比特币" or "福利" or a percentage each occur in ordinary
//! news and discussion; "比特币疯涨，每月高达30%收益，让你躺着赚大钱！！"
//! has four kinds at once. Both the extractor (cutting ad lines out of
//! posts) and the watch's spam flags use it.
//!
//! Measured on the extraction development set's reference texts (real
//! articles and posts, no ads): see README's extraction section and
//! `crates/earshot/examples/ad_lines.rs`.

use std::sync::OnceLock;

use regex::Regex;

/// One kind of cue: what it looks for, the score of a first match, and the
/// most the kind may add however many of its cues a line has.
struct Kind {
    name: &'static str,
    re: Regex,
    first: f32,
    cap: f32,
}

/// A line scoring this much is an ad.
const THRESHOLD: f32 = 2.0;

fn kinds() -> &'static [Kind] {
    static K: OnceLock<Vec<Kind>> = OnceLock::new();
    K.get_or_init(|| {
        let k = |name, re: &str, first, cap| Kind {
            name,
            re: Regex::new(re).expect("static regex"),
            first,
            cap,
        };
        vec![
            // A return promised per period: "每月高达30%", "日收益 3%",
            // "月入过万", "earn $500 a day". A yearly or past return is news.
            k(
                "promised return",
                r"(?i)(日|周|月)(收益|回报|利率|分红|入|赚)\s*(高达|稳定|超过|达|过|上)?\s*[\d一二三五十百千万]|每(天|日|周|月)[^，。,.!！]{0,4}(收益|赚|回报|返|分红|利息|高达|稳定)[^，。,.!！]{0,4}\d+(\.\d+)?\s*[%％元万块]|(earn|make)\s+(up\s+to\s+)?\$\s?\d[\d,]*\+?\s*(a|per|every|/)\s*(day|week|month|hour)|\$\d[\d,]*\s*(a|per)\s*day|\d+\s*%\s*(daily|weekly|monthly)\s*(returns?|profits?|roi)",
                1.5,
                1.5,
            ),
            // Returns promised in words.
            k(
                "promise",
                r"(?i)躺赚|躺着(就能)?赚|稳赚|保本|零风险|无风险|赚大钱|日赚|财务自由|被动收入|passive income|guaranteed\s+(profits?|returns?|income)|daily\s+returns?|double your (money|investment)|risk[- ]free (profit|returns?|investment)|get rich|make money (fast|online|from home)",
                1.0,
                1.5,
            ),
            // Words about returns that news uses as much as ads.
            k("returns", r"收益|回报|翻倍|暴涨|疯涨", 0.5, 0.5),
            // Crypto and "projects".
            k(
                "crypto",
                r"(?i)比特币|以太坊|狗狗币|币圈|虚拟币|数字货币|区块链项目|链项目|挖矿|矿机|合约交易|空投|(?-u:\b)(usdt|defi|bitcoin|btc|ethereum|crypto(currency)?|airdrop|forex|nft drop)(?-u:\b)",
                1.0,
                1.0,
            ),
            // Contact hooks with an id or number: the strong form.
            k(
                "contact id",
                r"(?i)(微信|薇信|威信|v信|企鹅|(?-u:\b)(vx|wx|qq|q|wechat|whatsapp|telegram|tg)(?-u:\b))\s*(号|群)?\s*[:：]?\s*[@+]?[a-z0-9_-]{5,20}|(?-u:\b)1[3-9]\d{9}(?-u:\b)",
                1.5,
                1.5,
            ),
            // Contact hooks in words.
            k(
                "contact",
                r"(?i)加(我)?\s*(微信|薇信|威信|v信|vx|v|薇|qq|q群|qq群)|微信号|薇信|威信|qq群|扫码|扫一扫|私信我|私聊|联系客服|咨询热线|(?-u:\b)dm\s+(me|us|for)(?-u:\b)|(?-u:\b)(whatsapp|telegram)(?-u:\b)|contact me (on|at|via)|inbox me",
                1.0,
                1.0,
            ),
            // Links: short-link services weigh more than ordinary ones.
            k(
                "short link",
                r"(?i)(?-u:\b)(t\.cn|bit\.ly|dwz\.cn|url\.cn|suo\.im|tinyurl\.com|goo\.gl|is\.gd|ow\.ly|t\.co|rb\.gy|cutt\.ly)/\S+",
                1.0,
                1.0,
            ),
            k("link", r"(?i)https?://\S+|www\.\S+", 0.5, 0.5),
            // Recruiting, selling and marketing phrases.
            k(
                "pitch",
                r"(?i)兼职|刷单|日结|代理加盟|招商加盟|招代理|诚招|返利|返现|优惠码|扫码领|免费领|点击链接|福利|带你赚|带单|seo services|backlinks?|click here|buy now|discount code|promo code|coupon code|work from home|casino|betting|博彩|娱乐城|网赌|无抵押|秒到账|cheap\s+\w+\s+here|limited (time )?offer",
                1.0,
                1.5,
            ),
            // Hype: repeated exclamation, urgency.
            k(
                "hype",
                r"(?i)[!！]{2,}|赶紧|速来|名额有限|限时|先到先得|错过(就|再)?(没|等)|仅剩|act now|don't miss|hurry",
                0.5,
                0.5,
            ),
        ]
    })
}

/// All kinds' patterns in one set: a line that matches fewer than two
/// kinds is no ad, and most lines are told so in one pass instead of one
/// search per kind.
fn any_kinds() -> &'static regex::RegexSet {
    static S: OnceLock<regex::RegexSet> = OnceLock::new();
    S.get_or_init(|| {
        regex::RegexSet::new(kinds().iter().map(|k| k.re.as_str())).expect("static regex set")
    })
}

/// Why a line reads as an ad, if it does: the kinds of cue found, each
/// with its first match, and the score (an ad scores at least 2, from at
/// least two kinds).
pub fn ad_line(line: &str) -> Option<String> {
    // Long paragraphs are discussion, not an injected line; ads are short.
    if line.chars().count() > 400 {
        return None;
    }
    // Two kinds at least (below): fewer matched, no need to score.
    any_kinds().matches(line).iter().nth(1)?;
    let mut score = 0.0f32;
    let mut found: Vec<String> = Vec::new();
    let mut kinds_hit = 0;
    // Text already counted by a stronger kind ("日收益 3" is not also the
    // word "收益"; a contact id is not also a contact word).
    let mut taken: Vec<(usize, usize)> = Vec::new();
    for k in kinds() {
        let mut distinct: Vec<String> = Vec::new();
        let mut spans = Vec::new();
        for m in k.re.find_iter(line) {
            if taken.iter().any(|&(s, e)| m.start() < e && s < m.end()) {
                continue;
            }
            spans.push((m.start(), m.end()));
            let s = m.as_str().to_lowercase();
            if !distinct.contains(&s) {
                distinct.push(s);
            }
        }
        if distinct.is_empty() {
            continue;
        }
        taken.extend(spans);
        kinds_hit += 1;
        let add = (k.first + 0.5 * (distinct.len() - 1) as f32).min(k.cap);
        score += add;
        let cue: String = distinct[0].chars().take(24).collect();
        found.push(format!("{} `{}`", k.name, cue.trim()));
    }
    if score < THRESHOLD || kinds_hit < 2 {
        return None;
    }
    Some(format!(
        "ad line ({}; score {score:.1}): {}",
        found.join(", "),
        line.trim().chars().take(60).collect::<String>()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pitches_of_every_shape_are_ads() {
        for a in [
            "…项目怎么样？比特币疯涨，每月高达30%收益，让你躺着赚大钱！！",
            "【福利】加入金元链 DeFi 项目，日收益 3%，稳赚不赔，加微信 coin8888 了解",
            "兼职刷单，日结，加QQ群 12345678",
            "宝妈在家也能月入过万，加威信 ab12345 带你赚",
            "跟着老师带单，稳赚不赔，扫码进群 t.cn/A6x9Kp2",
            "Earn $500 a day from home with crypto, DM for details!!",
            "Best SEO services! Click here: http://rank-boost-seo.example/",
            "Very informative article about Lumio desk lamps!! We provide top quality SEO services and high DA backlinks to rank your website on first page of Google in 7 days guaranteed. Visit cheap backlinks here for special discount!!!",
            "每天轻松赚 500 元，名额有限，私信我",
            "Guaranteed returns of 2% daily returns on our bitcoin fund, WhatsApp +4470000000",
        ] {
            assert!(ad_line(a).is_some(), "{a}");
        }
    }

    #[test]
    fn ordinary_lines_with_one_cue_stay() {
        for o in [
            "云雀 X5 充电发烫，售后说是人为损坏，我不认。",
            "The Lumio Aura costs $129 and the app is fine.",
            "电池容量 4500mAh，快充 67W，续航比上代好 10%。",
            "I got a discount at the store, nice.",
            "比特币价格本周上涨 12%，分析师认为与美联储降息预期有关。",
            "公司今年第三季度收益同比增长30%，回报股东的分红方案下月公布。",
            "Bitcoin rose 8% on Tuesday as investors weighed the Fed's decision.",
            "员工福利包括五险一金和带薪年假。",
            "Follow us on Telegram for release notes.",
            "太气人了！！售后说要寄回去检测，一等就是两周。",
            "See https://example.org/docs for the full changelog.",
            "Teams outgrow spreadsheets fast!! Then they buy tools.",
            "参加群众活动的有五千人，活动收益全部捐出。",
            "比特币去年带来120%的收益，远超黄金和美股。",
            "该基金年化收益 4.2%，比特币 ETF 上市后资金流入翻倍。",
            "每月话费 50 元，比上个月贵了不少！！",
        ] {
            assert!(ad_line(o).is_none(), "{o}: {:?}", ad_line(o));
        }
    }

    #[test]
    fn the_reason_names_the_cues_and_the_score() {
        let r = ad_line("比特币疯涨，每月高达30%收益，让你躺着赚大钱！！").unwrap();
        assert!(
            r.starts_with("ad line (promised return `每月高达30%`"),
            "{r}"
        );
        assert!(r.contains("crypto `比特币`") && r.contains("score "), "{r}");
    }
}
