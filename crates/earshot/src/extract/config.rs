//! `[extract]`: cleaning applied to every page.

use serde::{Deserialize, Serialize};

use crate::util::Problem;

/// `[extract]`: cleaning applied to every page, on top of the site
/// profiles' own rules.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ExtractConfig {
    /// Regular expressions: post lines matching one are cut, and the cut
    /// recorded with the pattern (ads a site injects, boilerplate lines).
    pub drop_lines: Vec<String>,
}

impl ExtractConfig {
    /// What is wrong with this section.
    pub fn problems(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        for (i, p) in self.drop_lines.iter().enumerate() {
            if let Err(e) = regex::Regex::new(p) {
                out.push(Problem::new(
                    format!("extract.drop_lines[{i}]"),
                    format!("`{p}` is not a regular expression: {e}"),
                    "e.g. drop_lines = ['^本站广告', '(?i)^sponsored:']",
                ));
            }
        }
        out
    }

    /// `drop_lines`, compiled (patterns that do not compile are reported by
    /// `config check` and left out here).
    pub fn patterns(&self) -> Vec<(String, regex::Regex)> {
        self.drop_lines
            .iter()
            .filter_map(|p| regex::Regex::new(p).ok().map(|r| (p.clone(), r)))
            .collect()
    }
}
