//! What the dashboard's filters keep: the same mentions for its cards, its
//! chart, its list, `/api/report` and the exports.

use serde::Serialize;

use crate::store::{Label, Mention};

/// A sentiment a filter keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SentimentFilter {
    /// Scored with this label.
    Label(Label),
    /// Not scored yet.
    Unscored,
}

impl std::str::FromStr for SentimentFilter {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim() {
            "unscored" => Ok(SentimentFilter::Unscored),
            other => other
                .parse::<Label>()
                .map(SentimentFilter::Label)
                .map_err(|_| {
                    format!("sentiment `{other}`: use negative, neutral, positive or unscored")
                }),
        }
    }
}

/// Mention filters beyond watch and period. Empty keeps everything.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Filter {
    /// Only mentions with this sentiment.
    pub sentiment: Option<SentimentFilter>,
    /// Only mentions from this site (exact name).
    pub site: Option<String>,
    /// Only mentions whose text, title or author contains this (any case).
    pub text: Option<String>,
}

impl Filter {
    /// Whether the filter keeps every mention.
    pub fn is_empty(&self) -> bool {
        self.sentiment.is_none() && self.site.is_none() && self.text.is_none()
    }

    /// Whether `m` passes the filter.
    pub fn keeps(&self, m: &Mention) -> bool {
        let label = m.sentiment.as_ref().map(|s| s.label);
        let sentiment_ok = match self.sentiment {
            None => true,
            Some(SentimentFilter::Unscored) => label.is_none(),
            Some(SentimentFilter::Label(l)) => label == Some(l),
        };
        let contains = |hay: &str, t: &str| hay.to_lowercase().contains(&t.to_lowercase());
        sentiment_ok
            && self.site.as_deref().is_none_or(|s| m.site == s)
            && self.text.as_deref().is_none_or(|t| {
                contains(&m.text, t)
                    || m.title.as_deref().is_some_and(|x| contains(x, t))
                    || m.author.as_deref().is_some_and(|x| contains(x, t))
            })
    }

    /// The filter in words for a report's header: `sentiment negative,
    /// text "battery"`, or `None` when empty.
    pub fn describe(&self) -> Option<String> {
        let mut parts = Vec::new();
        match self.sentiment {
            Some(SentimentFilter::Label(l)) => parts.push(format!("sentiment {l}")),
            Some(SentimentFilter::Unscored) => parts.push("unscored".to_string()),
            None => {}
        }
        if let Some(s) = &self.site {
            parts.push(format!("site \"{s}\""));
        }
        if let Some(t) = &self.text {
            parts.push(format!("text \"{t}\""));
        }
        (!parts.is_empty()).then(|| parts.join(", "))
    }
}
