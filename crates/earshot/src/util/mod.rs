//! Text utilities, the lowest layer of the library: what every component
//! may use and that uses nothing of earshot's own (see ARCHITECTURE.md).
//!
//! * CJK character classes ([`is_cjk`]) and promotional-line cues ([`ads`]),
//! * configuration helpers every component's checks share: [`Problem`],
//!   [`did_you_mean`], [`expand_env`],
//! * schedules (`every 30m` or cron) and when they are next due ([`schedule`]).

pub mod ads;
pub mod schedule;

pub use schedule::{next_due, Schedule};

/// True for CJK ideographs.
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x4E00..=0x9FFF | 0x3400..=0x4DBF | 0x20000..=0x2A6DF | 0xF900..=0xFAFF)
}

/// A problem one component found in its own configuration section. The
/// application locates it in the file (line and column) from `key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Dotted key path (`crawl.rate_per_host`, `source[2].start_urls[0]`).
    pub key: String,
    /// What is wrong.
    pub message: String,
    /// What to write instead.
    pub hint: Option<String>,
}

impl Problem {
    /// A problem at `key`, with a hint.
    pub fn new(
        key: impl Into<String>,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) -> Problem {
        Problem {
            key: key.into(),
            message: message.into(),
            hint: Some(hint.into()),
        }
    }

    /// A problem at `key` with no hint.
    pub fn bare(key: impl Into<String>, message: impl Into<String>) -> Problem {
        Problem {
            key: key.into(),
            message: message.into(),
            hint: None,
        }
    }
}

/// Expands `${VAR}` and `${VAR:-default}` from the environment.
pub fn expand_env(s: &str) -> Result<String, String> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find('}')
            .ok_or_else(|| format!("`{s}`: `${{` without a closing `}}`"))?;
        let inner = &after[..end];
        let (name, default) = match inner.split_once(":-") {
            Some((n, d)) => (n, Some(d)),
            None => (inner, None),
        };
        match (std::env::var(name), default) {
            (Ok(v), _) if !v.is_empty() => out.push_str(&v),
            (_, Some(d)) => out.push_str(d),
            _ => {
                return Err(format!(
                    "environment variable {name} is not set (used in `{s}`)"
                ))
            }
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The closest candidate to `word`, if one is close enough to be a typo.
pub fn did_you_mean<'a>(word: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .map(|c| (strsim::jaro_winkler(word, c), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_expansion() {
        std::env::set_var("EARSHOT_TEST_EXPAND", "http://h:1");
        assert_eq!(
            expand_env("${EARSHOT_TEST_EXPAND}/a").unwrap(),
            "http://h:1/a"
        );
        assert_eq!(
            expand_env("${EARSHOT_TEST_UNSET_X:-http://d}/a").unwrap(),
            "http://d/a"
        );
        assert!(expand_env("${EARSHOT_TEST_UNSET_X}/a")
            .unwrap_err()
            .contains("EARSHOT_TEST_UNSET_X"));
        assert!(expand_env("${OOPS").is_err());
    }
}
