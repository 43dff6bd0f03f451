//! `[serve]`: the dashboard and JSON API, and who may sign in.

use std::fmt;
use std::time::Duration;

use earshot::report::Language;
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
    /// The dashboard's language: `auto` (the browser's Accept-Language),
    /// `en` or `zh-CN`. A viewer's switch (EN / 中文) wins over both.
    pub language: String,
    /// The IANA timezone dashboard dates are shown in (e.g. `Asia/Shanghai`).
    pub timezone: String,
}

impl Default for ServeConfig {
    fn default() -> Self {
        ServeConfig {
            bind: "127.0.0.1:8640".into(),
            tokens: Vec::new(),
            session_ttl: Duration::from_secs(12 * 3600),
            secure_cookie: false,
            language: "auto".into(),
            timezone: "UTC".into(),
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
                    "store the hash, never the token: `earshot token new` prints both, or `earshot token hash` reads a token you made (e.g. `openssl rand -hex 32`)",
                ));
            }
            if let Some(weak) = known_weak_token(&t.sha256) {
                out.push(Problem::new(
                    format!("serve.tokens[{i}].sha256"),
                    format!("is the hash of the well-known token `{weak}`: anyone can guess it"),
                    NEW_TOKEN_HELP,
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
        if self.language != "auto" && self.language.parse::<Language>().is_err() {
            out.push(Problem::new(
                "serve.language",
                format!("`{}` is not a dashboard language", self.language),
                "use language = \"auto\" (follow the browser), \"en\" or \"zh-CN\"",
            ));
        }
        if self.timezone.parse::<chrono_tz::Tz>().is_err() {
            out.push(Problem::new(
                "serve.timezone",
                format!("`{}` is not an IANA timezone name", self.timezone),
                "e.g. timezone = \"Asia/Shanghai\" or \"UTC\" (names as in tzdata)",
            ));
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

    /// The configured language: `None` for `auto` (follow the browser).
    pub fn fixed_language(&self) -> Option<Language> {
        self.language.parse().ok()
    }

    /// The configured timezone (UTC when it does not parse; `problems`
    /// refuses that before serving).
    pub fn tz(&self) -> chrono_tz::Tz {
        self.timezone.parse().unwrap_or(chrono_tz::Tz::UTC)
    }

    /// What is allowed but unsafe: a bind reachable from other machines
    /// without `secure_cookie` (cookies and tokens in clear text unless a
    /// TLS proxy fronts earshot). `config check` prints these; `serve`
    /// and `run --serve` log them at start.
    pub fn warnings(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        if let Ok(a) = self.bind.parse::<std::net::SocketAddr>() {
            if !a.ip().is_loopback() && !self.secure_cookie {
                out.push(Problem::new(
                    "serve.secure_cookie",
                    format!(
                        "serve.bind `{}` is reachable from other machines, but secure_cookie is false: tokens and session cookies cross the network in clear text unless an HTTPS proxy fronts earshot",
                        self.bind
                    ),
                    "put earshot behind an HTTPS reverse proxy and set secure_cookie = true, or bind to 127.0.0.1",
                ));
            }
        }
        out
    }
}

/// How to make a token that earshot accepts.
pub const NEW_TOKEN_HELP: &str = "make a new one with `earshot token new --name NAME --role ROLE` (or `openssl rand -hex 32`, hashed with `earshot token hash`) and put its sha256 in [[serve.tokens]]";

/// The least a token must hold, in bits.
pub const TOKEN_MIN_BITS: f64 = 128.0;

/// Why `token` is too weak to sign in with, or `None` when it holds at
/// least [`TOKEN_MIN_BITS`]. The estimate is the length times the bits of
/// the alphabet its characters come from (hex: 4, base64: 6, any other
/// printable: 6.6), so 32 hex or 22 base64 characters are the least; and a token made mostly of
/// runs (`aaaa`, `0123`, `9876`), repeating a shorter block, or using few
/// different characters is refused whatever its length.
pub fn token_weakness(token: &str) -> Option<String> {
    let chars: Vec<char> = token.chars().collect();
    let n = chars.len();
    let hex = n > 0 && chars.iter().all(|c| c.is_ascii_hexdigit());
    let base64 = chars
        .iter()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '-' | '_' | '='));
    let alphabet: f64 = if hex {
        16.0
    } else if base64 {
        64.0
    } else {
        95.0
    };
    let bits = if n == 0 {
        0.0
    } else {
        n as f64 * f64::log2(alphabet)
    };
    if bits < TOKEN_MIN_BITS {
        return Some(format!(
            "holds about {bits:.0} bits ({n} characters); a token needs {TOKEN_MIN_BITS:.0}: 32 hex or 22 base64 characters at least"
        ));
    }
    let distinct = chars
        .iter()
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    if distinct < 8 {
        return Some(format!("uses only {distinct} different characters"));
    }
    if let Some(p) = (1..=n / 2).find(|&p| (p..n).all(|i| chars[i] == chars[i - p])) {
        return Some(format!("repeats a block of {p} characters"));
    }
    // Characters in runs of 4 or more with a step of -1, 0 or +1
    // (`aaaa`, `0123`, `9876`): a third of the token is too much (a random
    // 32-hex token gets there about once in a million).
    let step = |i: usize| chars[i] as i64 - chars[i - 1] as i64;
    let mut in_runs = vec![false; n];
    for i in 3..n {
        if step(i).abs() <= 1 && step(i) == step(i - 1) && step(i) == step(i - 2) {
            in_runs[i - 3..=i].iter_mut().for_each(|x| *x = true);
        }
    }
    let run = in_runs.iter().filter(|x| **x).count();
    if run * 3 >= n {
        return Some(format!(
            "is mostly runs of repeated or consecutive characters ({run} of {n})"
        ));
    }
    None
}

/// Tokens anyone would try first (and ones earlier versions of earshot's
/// docs and tests used): a hash of one of them is a config problem.
const WELL_KNOWN: [&str; 22] = [
    "",
    "admin",
    "administrator",
    "password",
    "passw0rd",
    "secret",
    "token",
    "changeme",
    "test",
    "viewer",
    "earshot",
    "123456",
    "12345678",
    "letmein",
    "qwerty",
    "admin-token",
    "viewer-token",
    "api-token",
    "bench-token",
    "plaintext-token",
    "viewer-token-0123456789",
    "admin-token-9876543210",
];

/// The well-known token whose SHA-256 `sha256` is, if any.
fn known_weak_token(sha256: &str) -> Option<&'static str> {
    use sha2::Digest;
    let sha256 = sha256.to_ascii_lowercase();
    WELL_KNOWN.into_iter().find(|t| {
        let h = sha2::Sha256::digest(t.as_bytes());
        h.iter().map(|b| format!("{b:02x}")).collect::<String>() == sha256
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 22 random characters of the URL-safe base64 alphabet (132 bits).
    fn base64_22() -> String {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        (0..22)
            .map(|_| A[rand::random::<usize>() % 64] as char)
            .collect()
    }

    #[test]
    fn weak_tokens_are_named_and_random_ones_pass() {
        for weak in [
            "",
            "secret",
            "nope",
            "8f3a9c1e7b2d4f6a0c5e9b1d3f7a2c4", // 31 hex: 124 bits
            "q7Rr2xJc9WvK0pLm3TgYb",           // 21 base64: 126 bits
            "viewer-token-0123456789",         // mostly a run
            "admin-token-9876543210",
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "k8F-q2Zk8F-q2Zk8F-q2Zk8F-q2Zk8F-q2Z", // a repeated block
            "hunter2-hunter2-hunter2",
            "abababababababababababababababab",
            "aaaa1bbbb2cccc3dddd4eeee5ffff6gggg",
        ] {
            assert!(token_weakness(weak).is_some(), "{weak:?} passed");
        }
        for _ in 0..200 {
            let hex16: String = rand::random::<[u8; 16]>()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            assert_eq!(token_weakness(&hex16), None, "{hex16}");
            let b64 = base64_22();
            assert_eq!(token_weakness(&b64), None, "{b64}");
        }
        assert_eq!(token_weakness("q7Rr2xJc9WvK0pLm3TgYb1"), None, "22 base64");
    }

    #[test]
    fn a_hash_of_a_well_known_token_is_a_problem_and_a_public_bind_warns() {
        let mut s = ServeConfig {
            bind: "0.0.0.0:8640".into(),
            ..ServeConfig::default()
        };
        s.tokens.push(TokenConfig {
            name: "a".into(),
            sha256: {
                use sha2::Digest;
                let h = sha2::Sha256::digest(b"admin");
                h.iter().map(|b| format!("{b:02x}")).collect()
            },
            role: Role::Admin,
        });
        let p = s.problems();
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(p[0].message.contains("well-known token `admin`"), "{p:?}");
        assert!(p[0]
            .hint
            .as_deref()
            .unwrap()
            .contains("openssl rand -hex 32"));
        assert_eq!(s.warnings().len(), 1);
        assert_eq!(s.warnings()[0].key, "serve.secure_cookie");
        s.secure_cookie = true;
        assert!(s.warnings().is_empty());
        s.secure_cookie = false;
        s.bind = "127.0.0.1:8640".into();
        assert!(s.warnings().is_empty());
    }
}
