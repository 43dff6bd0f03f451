//! `[alert]` and `[[channel]]`: how spikes are detected and where alerts go.

use std::collections::HashSet;
use std::time::Duration as StdDuration;

use serde::{Deserialize, Serialize};

use super::{ChannelConfig, ChannelKind, DetectorConfig};
use crate::util::{expand_env, Problem};

/// `[alert]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AlertConfig {
    /// Evaluate detectors after each pass of `earshot run`.
    pub enabled: bool,
    /// Detector settings (per-watch overrides in `[watch.alert]`).
    pub detect: DetectorConfig,
    /// Count each syndication cluster once (at its first copy).
    pub collapse_clusters: bool,
    /// Only spikes that changed less than this long ago are notified
    /// (older ones are stored as history, silently).
    #[serde(with = "humantime_serde")]
    pub max_age: StdDuration,
    /// First retry wait of a failed delivery (doubles per attempt).
    #[serde(with = "humantime_serde")]
    pub retry_base: StdDuration,
    /// Longest retry wait.
    #[serde(with = "humantime_serde")]
    pub retry_max: StdDuration,
    /// Negative mentions quoted in each alert.
    pub evidence_mentions: usize,
}

impl Default for AlertConfig {
    fn default() -> Self {
        AlertConfig {
            enabled: true,
            detect: DetectorConfig::default(),
            collapse_clusters: true,
            max_age: StdDuration::from_secs(24 * 3600),
            retry_base: StdDuration::from_secs(5),
            retry_max: StdDuration::from_secs(600),
            evidence_mentions: 5,
        }
    }
}

impl AlertConfig {
    /// What is wrong with this section.
    pub fn problems(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        let d = &self.detect;
        if !(d.alpha > 0.0 && d.alpha < 0.5) {
            out.push(Problem::new(
                "alert.detect.alpha",
                format!("must be between 0 and 0.5, got {}", d.alpha),
                "use 1e-4, the default (about one false alert per watch per 30 days)",
            ));
        }
        if d.weeks == 0 || d.weeks > 12 {
            out.push(Problem::new(
                "alert.detect.weeks",
                format!("must be 1 to 12 weeks of history, got {}", d.weeks),
                "use 4, the default",
            ));
        }
        out
    }
}

/// What is wrong with the `[[channel]]` list on its own (the watches a
/// channel names are checked by the application).
pub fn channel_problems(channels: &[ChannelConfig]) -> Vec<Problem> {
    let mut out = Vec::new();
    let mut names = HashSet::new();
    for (i, ch) in channels.iter().enumerate() {
        if ch.name.trim().is_empty() || !names.insert(ch.name.as_str()) {
            out.push(Problem::new(
                format!("channel[{i}].name"),
                format!("channel name `{}` is empty or used twice", ch.name),
                "give every [[channel]] its own name, e.g. name = \"pr-team\"",
            ));
        }
        let email = ch.kind == ChannelKind::Email;
        if email && ch.to.is_empty() {
            out.push(Problem::new(
                format!("channel[{i}].to"),
                "an email channel needs recipients",
                "add to = [\"pr-team@example.com\"]",
            ));
        }
        match expand_env(&ch.url).map(|u| url::Url::parse(&u)) {
            Ok(Ok(u)) if email && matches!(u.scheme(), "smtp" | "smtps") => {}
            Ok(_) if email => out.push(Problem::new(
                format!("channel[{i}].url"),
                format!("`{}` is not an SMTP URL", ch.url),
                "write smtps://user:password@smtp.example.com:465, or smtp://host:587?tls=required for STARTTLS",
            )),
            Ok(Ok(u)) if matches!(u.scheme(), "http" | "https") => {}
            Ok(_) => out.push(Problem::new(
                format!("channel[{i}].url"),
                format!("`{}` is not an http(s) URL", ch.url),
                "paste the robot or webhook URL the platform gave you",
            )),
            Err(e) => out.push(Problem::bare(format!("channel[{i}].url"), e)),
        }
        if let Some(z) = &ch.timezone {
            if z.parse::<chrono_tz::Tz>().is_err() {
                out.push(Problem::new(
                    format!("channel[{i}].timezone"),
                    format!("`{z}` is not an IANA time zone"),
                    "write a zone name such as \"Asia/Shanghai\", \"Europe/Berlin\" or \"UTC\"",
                ));
            }
        }
        if let Some(Err(e)) = ch.secret.as_deref().map(expand_env) {
            out.push(Problem::bare(format!("channel[{i}].secret"), e));
        }
        if ch.kind == ChannelKind::Webhook
            && ch.secret.as_deref().is_none_or(|s| s.trim().is_empty())
        {
            out.push(Problem::new(
                format!("channel[{i}].secret"),
                "a webhook channel needs a secret to sign its requests",
                "add secret = \"${EARSHOT_WEBHOOK_SECRET}\" and share it with the receiver",
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn channel(extra: &str) -> ChannelConfig {
        toml::from_str(&format!(
            "name = \"ding\"\nkind = \"dingtalk\"\nurl = \"https://oapi.dingtalk.com/robot/send?access_token=t\"\n{extra}"
        ))
        .unwrap()
    }

    #[test]
    fn a_channel_time_zone_must_be_an_iana_name() {
        assert!(channel_problems(&[channel(
            "timezone = \"Asia/Shanghai\"\nlanguage = \"zh-CN\""
        )])
        .is_empty());
        let p = channel_problems(&[channel("timezone = \"Beijing\"")]);
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].key, "channel[0].timezone");
        assert!(p[0].message.contains("`Beijing`"), "{p:?}");
        assert!(
            p[0].hint.as_deref().unwrap_or("").contains("Asia/Shanghai"),
            "{p:?}"
        );
    }
}
