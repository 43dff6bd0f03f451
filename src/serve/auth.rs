//! Tokens, sessions and the sign-in page.
//!
//! Browser sessions live in the store (only the SHA-256 of a session id is
//! kept), so a restart does not sign anyone out; a session whose token is
//! no longer configured (or has another role now) is not honoured.

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, Request, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use maud::html;

use crate::config::Role;

use super::{hash_token, hex, Shared};

/// The session cookie's name.
pub const COOKIE: &str = "earshot_session";
/// How long a one-time sign-in link is valid.
const ONCE_TTL: Duration = Duration::from_secs(600);

/// Who is asking, and how they proved it.
#[derive(Debug, Clone)]
pub struct Identity {
    /// Token name from the config.
    pub name: String,
    /// What they may do.
    pub role: Role,
    /// True when the request came with the session cookie (browser).
    pub by_cookie: bool,
}

#[derive(Debug, Clone)]
pub(super) struct Session {
    name: String,
    role: Role,
    expires: Instant,
}

/// Equal-time comparison, so a wrong hash does not leak how close it was.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The configured token this is, if any.
pub(super) fn check_token(state: &Shared, token: &str) -> Option<(String, Role)> {
    let h = hash_token(token.trim());
    let mut found = None;
    for (hash, name, role) in &state.tokens {
        if same(hash.as_bytes(), h.as_bytes()) {
            found = Some((name.clone(), *role));
        }
    }
    found
}

fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The identity behind a request: a bearer token, else a live session.
pub(super) fn identify(state: &Shared, req: &Request<Body>) -> Option<Identity> {
    if let Some(auth) = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        let token = auth.strip_prefix("Bearer ")?;
        let (name, role) = check_token(state, token)?;
        return Some(Identity {
            name,
            role,
            by_cookie: false,
        });
    }
    let sid = cookie_value(req.headers(), COOKIE)?;
    let stored = match state.store.session(&session_hash(sid), chrono::Utc::now()) {
        Ok(s) => s?,
        Err(e) => {
            tracing::error!("reading a dashboard session from the store failed: {e}");
            return None;
        }
    };
    let role = match stored.role.as_str() {
        "admin" => Role::Admin,
        "viewer" => Role::Viewer,
        _ => return None,
    };
    // A one-time link's session ("console"), or a token still configured
    // with that role.
    let still_valid = stored.name == CONSOLE
        || state
            .tokens
            .iter()
            .any(|(_, name, r)| *name == stored.name && *r == role);
    still_valid.then_some(Identity {
        name: stored.name,
        role,
        by_cookie: true,
    })
}

/// Who a one-time sign-in link signs in as.
pub(super) const CONSOLE: &str = "console";

/// What the store keeps of a session id.
fn session_hash(sid: &str) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(sid.as_bytes()).into()
}

/// Browser requests that change something must come from our own pages:
/// the cookie is SameSite=Strict, and an `Origin` naming another site is
/// refused as well.
pub(super) fn check_origin(req: &Request<Body>, id: &Identity) -> Result<(), Response> {
    if !id.by_cookie || matches!(*req.method(), Method::GET | Method::HEAD) {
        return Ok(());
    }
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    match req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
    {
        None => Ok(()),
        Some(o) if o == format!("http://{host}") || o == format!("https://{host}") => Ok(()),
        Some(_) => Err(super::error(
            StatusCode::FORBIDDEN,
            "cross-site request refused",
        )),
    }
}

fn new_session(state: &Shared, name: String, role: Role) -> Option<String> {
    let sid = hex(&rand::random::<[u8; 32]>());
    let ttl = chrono::Duration::from_std(state.config.serve.session_ttl)
        .unwrap_or_else(|_| chrono::Duration::hours(12));
    let stored = earshot::store::StoredSession {
        name,
        role: role.to_string(),
        expires_at: chrono::Utc::now() + ttl,
    };
    match state.store.put_session(&session_hash(&sid), &stored) {
        Ok(()) => Some(sid),
        Err(e) => {
            tracing::error!("storing a dashboard session failed: {e}");
            None
        }
    }
}

fn set_cookie(state: &Shared, sid: &str) -> HeaderValue {
    let secure = if state.config.serve.secure_cookie {
        "; Secure"
    } else {
        ""
    };
    let v = format!(
        "{COOKIE}={sid}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}{secure}",
        state.config.serve.session_ttl.as_secs()
    );
    HeaderValue::from_str(&v).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// Makes a one-time sign-in nonce for `role`.
pub(super) fn one_time_link(state: &Shared, name: &str, role: Role) -> String {
    let nonce = hex(&rand::random::<[u8; 24]>());
    if let Ok(mut once) = state.once.lock() {
        let now = Instant::now();
        once.retain(|_, s| s.expires > now);
        once.insert(
            nonce.clone(),
            Session {
                name: name.to_string(),
                role,
                expires: now + ONCE_TTL,
            },
        );
    }
    nonce
}

fn signed_in(state: &Shared, name: String, role: Role) -> Response {
    let Some(sid) = new_session(state, name, role) else {
        return super::error(
            StatusCode::SERVICE_UNAVAILABLE,
            "cannot store the session: the store is not writable (see the server's log)",
        );
    };
    let mut r = Redirect::to("/").into_response();
    r.headers_mut()
        .insert(header::SET_COOKIE, set_cookie(state, &sid));
    r
}

fn login_page(error: Option<&str>) -> Response {
    let body = html! {
        (maud::DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "Sign in · earshot" }
                link rel="stylesheet" href="/static/app.css";
            }
            body.login {
                main {
                    section {
                        h1 { "earshot" }
                        p.muted { "Sign in with your dashboard token." }
                        @if let Some(e) = error { p.error role="alert" { (e) } }
                        form method="post" action="/login" {
                            label for="token" { "Token" }
                            input #token type="password" name="token" autocomplete="current-password" required autofocus;
                            button type="submit" { "Sign in" }
                        }
                    }
                }
            }
        }
    };
    let status = if error.is_some() {
        StatusCode::UNAUTHORIZED
    } else {
        StatusCode::OK
    };
    (status, super::html_response(body.into_string())).into_response()
}

pub(super) async fn login_form() -> Response {
    login_page(None)
}

#[derive(serde::Deserialize)]
pub(super) struct LoginForm {
    token: String,
}

pub(super) async fn login(State(state): State<Shared>, Form(f): Form<LoginForm>) -> Response {
    match check_token(&state, &f.token) {
        Some((name, role)) => {
            tracing::info!(user = %name, "signed in");
            signed_in(&state, name, role)
        }
        None => {
            tracing::warn!("sign-in with an unknown token");
            login_page(Some("That token is not valid."))
        }
    }
}

pub(super) async fn login_once(State(state): State<Shared>, Path(nonce): Path<String>) -> Response {
    let found = state.once.lock().ok().and_then(|mut o| o.remove(&nonce));
    match found.filter(|s| s.expires > Instant::now()) {
        Some(s) => signed_in(&state, s.name, s.role),
        None => login_page(Some(
            "That sign-in link was used already or has expired. Sign in with your token.",
        )),
    }
}

pub(super) async fn logout(State(state): State<Shared>, headers: HeaderMap) -> Response {
    if let Some(sid) = cookie_value(&headers, COOKIE) {
        if let Err(e) = state.store.remove_session(&session_hash(sid)) {
            tracing::error!("removing a dashboard session failed: {e}");
        }
    }
    let mut r = Redirect::to("/login").into_response();
    r.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("earshot_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"),
    );
    r
}
