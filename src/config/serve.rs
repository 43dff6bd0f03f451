//! `[serve]`: the dashboard and JSON API, and who may sign in.

use std::fmt;
use std::time::Duration;

use earshot::util::Problem;
use serde::{Deserialize, Serialize};

/// What a dashboard token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Read everything, change nothing.
    Viewer,
    /// Also silence alerts and trigger crawls.
    Admin,
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Role::Viewer => "viewer",
            Role::Admin => "admin",
        })
    }
}

/// `[serve]`: the dashboard and JSON API.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServeConfig {
    /// Address and port to listen on. Loopback unless you mean otherwise.
    pub bind: String,
    /// Who may sign in; tokens are kept as SHA-256 hashes.
    pub tokens: Vec<TokenConfig>,
    /// How long a browser sign-in lasts.
    #[serde(with = "humantime_serde")]
    pub session_ttl: Duration,
    /// Mark the session cookie `Secure` (set when a TLS proxy fronts earshot).
    pub secure_cookie: bool,
}

impl Default for ServeConfig {
    fn default() -> Self {
        ServeConfig {
            bind: "127.0.0.1:8640".into(),
            tokens: Vec::new(),
            session_ttl: Duration::from_secs(12 * 3600),
            secure_cookie: false,
        }
    }
}

/// `[[serve.tokens]]`: one API / dashboard token.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TokenConfig {
    /// Who holds it (shown in logs and on the page).
    pub name: String,
    /// Lower-case hex SHA-256 of the token (`earshot token new` prints it).
    pub sha256: String,
    /// `viewer` or `admin`.
    #[serde(default = "default_role")]
    pub role: Role,
}

fn default_role() -> Role {
    Role::Viewer
}

impl ServeConfig {
    /// What is wrong with this section.
    pub fn problems(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        match self.bind.parse::<std::net::SocketAddr>() {
            Err(_) => out.push(Problem::new(
                "serve.bind",
                format!("`{}` is not an IP address with a port", self.bind),
                "e.g. bind = \"127.0.0.1:8640\"",
            )),
            Ok(a) if !a.ip().is_loopback() && self.tokens.is_empty() => out.push(Problem::new(
                "serve.bind",
                format!("`{}` is reachable from other machines but no [[serve.tokens]] are configured", self.bind),
                "add a token (`earshot token new --name you --role admin` prints one), or bind to 127.0.0.1",
            )),
            Ok(_) => {}
        }
        for (i, t) in self.tokens.iter().enumerate() {
            if t.sha256.len() != 64 || !t.sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
                out.push(Problem::new(
                    format!("serve.tokens[{i}].sha256"),
                    "is not a SHA-256 hash (64 hex digits)",
                    "store the hash, never the token: `earshot token new` prints both, or `printf %s TOKEN | sha256sum`",
                ));
            }
            if t.name.trim().is_empty() {
                out.push(Problem::new(
                    format!("serve.tokens[{i}]"),
                    "has no name",
                    "add name = \"analyst\"",
                ));
            }
        }
        if self.session_ttl.is_zero() {
            out.push(Problem::new(
                "serve.session_ttl",
                "must be longer than zero",
                "e.g. session_ttl = \"12h\"",
            ));
        }
        out
    }
}
