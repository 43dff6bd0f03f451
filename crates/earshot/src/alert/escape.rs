//! Crawled text (titles, sites, authors, excerpts, phrases) is untrusted:
//! before it goes into a chat message it is escaped so it cannot mention
//! everyone, add links or tags, or break the message's layout.
//!
//! * Slack mrkdwn: `&`, `<`, `>` as `&amp;`, `&lt;`, `&gt;` (Slack's own
//!   rule), so `<!channel>`, `<@U123>` and `<https://evil|x>` stay text;
//!   links are written `<url|text>` with the URL escaped the same way and
//!   `|` percent-encoded.
//! * Markdown (DingTalk, WeCom, Feishu, the generic webhook's `text`,
//!   email): the platforms differ in what backslash escapes they honour, so
//!   the characters that make links, tags and mentions — `[ ] ( ) < > @` —
//!   become their full-width forms (`［ ］ （ ） ＜ ＞ ＠`), which read
//!   naturally in Chinese and English text and which no platform parses:
//!   `[x](https://evil)`, `<at id=all></at>`, `<font>`, `<@userid>` and
//!   `@all` stay text. Backticks and `*`, `_`, `~`, `#` become full-width
//!   too, so crawled text cannot open code spans or restyle the message.
//!   Link URLs are percent-encoded where a character would end the link.
//! * Every kind: line breaks in crawled text become spaces, so a title
//!   cannot start a heading or a list item of its own.

/// Which markup a channel's message is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Markup {
    /// Slack mrkdwn.
    Slack,
    /// Markdown (DingTalk, WeCom, Feishu, webhook text, email).
    Markdown,
}

fn one_line(s: &str) -> impl Iterator<Item = char> + '_ {
    s.chars()
        .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
}

/// `s` as text in `markup`.
pub fn text(s: &str, markup: Markup) -> String {
    let mut out = String::with_capacity(s.len());
    for c in one_line(s) {
        match markup {
            Markup::Slack => match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                c => out.push(c),
            },
            Markup::Markdown => out.push(match c {
                '[' => '［',
                ']' => '］',
                '(' => '（',
                ')' => '）',
                '<' => '＜',
                '>' => '＞',
                '@' => '＠',
                '`' => '｀',
                '*' => '＊',
                '_' => '＿',
                '~' => '～',
                '#' => '＃',
                '|' => '｜',
                '\\' => '＼',
                c => c,
            }),
        }
    }
    out
}

/// A link to `url` reading `label` (already escaped with [`text`]); plain
/// text when the URL is not http(s).
pub fn link(label: &str, url: &str, markup: Markup) -> String {
    let lower = url.to_ascii_lowercase();
    if !(lower.starts_with("http://") || lower.starts_with("https://")) {
        return format!("{label} ({})", text(url, markup));
    }
    let mut u = String::with_capacity(url.len());
    for c in url.chars() {
        match c {
            '(' => u.push_str("%28"),
            ')' => u.push_str("%29"),
            '[' => u.push_str("%5B"),
            ']' => u.push_str("%5D"),
            '<' => u.push_str("%3C"),
            '>' => u.push_str("%3E"),
            '|' => u.push_str("%7C"),
            ' ' => u.push_str("%20"),
            '"' => u.push_str("%22"),
            '`' => u.push_str("%60"),
            '&' if markup == Markup::Slack => u.push_str("&amp;"),
            c if c.is_control() => {}
            c => u.push(c),
        }
    }
    match markup {
        Markup::Slack => format!("<{u}|{label}>"),
        Markup::Markdown => format!("[{label}]({u})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slack_mentions_and_links_stay_text() {
        assert_eq!(
            text("<!channel> & <https://evil|x>", Markup::Slack),
            "&lt;!channel&gt; &amp; &lt;https://evil|x&gt;"
        );
        assert_eq!(
            link("t", "https://a.example/?a=1&b=<2>|3", Markup::Slack),
            "<https://a.example/?a=1&amp;b=%3C2%3E%7C3|t>"
        );
    }

    #[test]
    fn markdown_links_tags_and_mentions_stay_text() {
        let t = text(
            "[x](https://evil) <at id=all></at> @all `c` *b*\n### h",
            Markup::Markdown,
        );
        for bad in ["[", "]", "(", ")", "<", ">", "@", "`", "*", "\n", "#"] {
            assert!(!t.contains(bad), "{bad} in {t}");
        }
        assert!(t.contains("＜at id=all＞"), "{t}");
        assert_eq!(
            link(
                "t",
                "https://a.example/x)[evil](https://evil",
                Markup::Markdown
            ),
            "[t](https://a.example/x%29%5Bevil%5D%28https://evil)"
        );
        assert_eq!(
            link("t", "javascript:alert(1)", Markup::Markdown),
            "t (javascript:alert（1）)"
        );
    }
}
