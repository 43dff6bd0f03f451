//! Tokens, sessions and the sign-in page.
//!
//! Browser sessions live in the store (only the SHA-256 of a session id is
//! kept), so a restart does not sign anyone out; a session whose token is
//! no longer configured (or has another role now) is not honoured.
//!
//! * Failed sign-ins (form, one-time link, bearer token) are counted per
//!   client address ([`super::throttle`]) and logged with it; past the
//!   limit every sign-in attempt from there is a 429 with `Retry-After`.
//! * A configured token weaker than 128 bits is refused when it is used.
//! * `POST /login` from another site (login CSRF) and cookie requests that
//!   change something without this site's `Origin`/`Referer` are refused.
//! * Sessions per token and outstanding one-time links are capped, the
//!   oldest going first.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Extension, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, Request, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use maud::html;

use crate::config::Role;
use earshot::report::Language;

use super::{hash_token, hex, lang, Shared};

/// The session cookie's name.
pub const COOKIE: &str = "earshot_session";
/// How long a one-time sign-in link is valid.
const ONCE_TTL: Duration = Duration::from_secs(600);
/// One-time links outstanding at most; making one more drops the oldest.
const ONCE_MAX: usize = 100;
/// Browser sessions kept per token (and for one-time links); a new
/// sign-in past this ends the token's oldest session.
const SESSIONS_PER_TOKEN: usize = 100;

/// The client's address: the peer's, or where the peer is this machine
/// (a reverse proxy here) the last `X-Forwarded-For` entry it added.
#[derive(Debug, Clone, Copy)]
pub(super) struct ClientAddr(pub IpAddr);

/// Works out [`ClientAddr`] for `req`.
pub(super) fn client_addr(req: &Request<Body>) -> ClientAddr {
    let peer = req
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
    if !peer.is_loopback() {
        return ClientAddr(peer);
    }
    let forwarded = req
        .headers()
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse::<IpAddr>().ok())
        .next_back();
    ClientAddr(forwarded.unwrap_or(peer))
}

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

/// Why a token was not accepted.
pub(super) enum Refused {
    /// No configured token has this hash.
    Unknown,
    /// A configured token, too weak to be honoured (see
    /// [`crate::config::token_weakness`]).
    Weak,
}

impl Refused {
    /// What the person signing in is told, in their language.
    pub(super) fn message(&self, lang: Language) -> &'static str {
        match self {
            Refused::Unknown => lang.dash().token_invalid,
            Refused::Weak => lang.dash().token_weak,
        }
    }
}

/// The configured token this is. A weak one (under 128 bits: the config
/// keeps only hashes, so this is where earshot first sees the token
/// itself) is refused, and the log says which entry to replace.
pub(super) fn check_token(state: &Shared, token: &str) -> Result<(String, Role), Refused> {
    let token = token.trim();
    let h = hash_token(token);
    let mut found = None;
    for (hash, name, role) in &state.tokens {
        if same(hash.as_bytes(), h.as_bytes()) {
            found = Some((name.clone(), *role));
        }
    }
    let found = found.ok_or(Refused::Unknown)?;
    if let Some(why) = crate::config::token_weakness(token) {
        tracing::error!(
            user = %found.0,
            "refused the [[serve.tokens]] entry named `{}`: the token {why}\n  help: {}",
            found.0,
            crate::config::NEW_TOKEN_HELP
        );
        return Err(Refused::Weak);
    }
    Ok(found)
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
        let (name, role) = check_token(state, token).ok()?;
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

/// Whether the request comes from one of this server's own pages: its
/// `Origin` (or, without one, its `Referer`) names the host the request
/// went to (`Host`, or `X-Forwarded-Host` from a reverse proxy; a browser
/// cannot set that header cross-site). `Origin: null` (sandboxed frames,
/// some redirects) is not. `None` when the request has neither header.
fn same_origin(h: &HeaderMap) -> Option<bool> {
    let hosts: Vec<String> = [header::HOST.as_str(), "x-forwarded-host"]
        .iter()
        .flat_map(|n| h.get_all(*n).iter())
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|v| v.trim().to_ascii_lowercase())
        .filter(|v| !v.is_empty())
        .collect();
    let ours = |origin: &str| {
        let origin = origin.trim().to_ascii_lowercase();
        hosts
            .iter()
            .any(|host| origin == format!("http://{host}") || origin == format!("https://{host}"))
    };
    if let Some(o) = h.get(header::ORIGIN) {
        let o = o.to_str().unwrap_or("null");
        return Some(o.trim() != "null" && ours(o));
    }
    let referer = h.get(header::REFERER)?;
    Some(
        referer
            .to_str()
            .ok()
            .and_then(|r| url::Url::parse(r).ok())
            .is_some_and(|u| ours(&u.origin().ascii_serialization())),
    )
}

fn cross_site() -> Response {
    super::error(
        StatusCode::FORBIDDEN,
        "cross-site request refused: a browser request that changes something must come from this server's own pages (Origin or Referer naming this host)",
    )
}

/// Browser requests that change something must come from our own pages:
/// the cookie is SameSite=Strict, and a cookie-authenticated request other
/// than GET/HEAD must also say where it comes from (`Origin`, else
/// `Referer`) and name this server; without either it is refused too.
/// Bearer-token requests (scripts) are not browser requests: no check.
pub(super) fn check_origin(req: &Request<Body>, id: &Identity) -> Result<(), Response> {
    if !id.by_cookie || matches!(*req.method(), Method::GET | Method::HEAD) {
        return Ok(());
    }
    match same_origin(req.headers()) {
        Some(true) => Ok(()),
        _ => Err(cross_site()),
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
    match state
        .store
        .put_session(&session_hash(&sid), &stored, SESSIONS_PER_TOKEN)
    {
        Ok(ended) => {
            if ended > 0 {
                tracing::info!(user = %stored.name, ended, "a new sign-in ended the oldest session (at most {SESSIONS_PER_TOKEN} per token)");
            }
            Some(sid)
        }
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
        while once.len() >= ONCE_MAX {
            // All live: the one made first (expiring first) goes.
            let Some(oldest) = once
                .iter()
                .min_by_key(|(_, s)| s.expires)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            once.remove(&oldest);
        }
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

fn login_page(status: StatusCode, error: Option<&str>, lang: Language) -> Response {
    let t = lang.dash();
    let body = html! {
        (maud::DOCTYPE)
        html lang=(lang.tag()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (t.sign_in_title) }
                link rel="stylesheet" href="/static/app.css";
            }
            body.login {
                main {
                    section {
                        h1 { "earshot" }
                        p.muted { (t.sign_in_hint) }
                        (lang::switch(lang, ""))
                        @if let Some(e) = error { p.error role="alert" { (e) } }
                        form method="post" action="/login" {
                            label for="token" { (t.token) }
                            input #token type="password" name="token" autocomplete="current-password" required autofocus;
                            button type="submit" { (t.sign_in) }
                        }
                    }
                }
            }
        }
    };
    (status, super::html_response(body.into_string())).into_response()
}

pub(super) async fn login_form(
    State(state): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<lang::LangQuery>,
) -> Response {
    let (l, cookie) = lang::pick(&state, &headers, &q);
    let mut r = login_page(StatusCode::OK, None, l);
    if let Some(c) = cookie {
        r.headers_mut().append(header::SET_COOKIE, c);
    }
    r
}

/// 429 for a client past [`super::throttle::LIMIT`] failed sign-ins: the
/// sign-in page or, for the API, JSON; `Retry-After` in seconds either way.
pub(super) fn too_many(wait: Duration, html: bool, lang: Language) -> Response {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let msg = lang.too_many_sign_ins(secs.div_ceil(60));
    let mut r = if html {
        login_page(StatusCode::TOO_MANY_REQUESTS, Some(&msg), lang)
    } else {
        super::error(StatusCode::TOO_MANY_REQUESTS, &msg)
    };
    r.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(secs.max(1)));
    r
}

/// Counts and logs a failed sign-in from `client`.
pub(super) fn failed(state: &Shared, client: ClientAddr, how: &str) {
    let n = state.throttle.failed(client.0, Instant::now());
    tracing::warn!(client = %client.0, failures = n, "failed sign-in from {}: {how}", client.0);
}

#[derive(serde::Deserialize)]
pub(super) struct LoginForm {
    token: String,
}

/// POST /login. A browser posting here from another site is refused
/// (login CSRF: signing the victim in as the attacker); a request with no
/// `Origin` and no `Referer` is not a browser's and goes on.
pub(super) async fn login(
    State(state): State<Shared>,
    Extension(client): Extension<ClientAddr>,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    if same_origin(&headers) == Some(false) {
        tracing::warn!(client = %client.0, "sign-in form posted from another site, refused");
        return cross_site();
    }
    match check_token(&state, &f.token) {
        Ok((name, role)) => {
            state.throttle.succeeded(client.0);
            tracing::info!(user = %name, client = %client.0, "signed in");
            signed_in(&state, name, role)
        }
        Err(why) => {
            failed(&state, client, "a token that is not accepted");
            let l = lang::from_headers(&state, &headers);
            login_page(StatusCode::UNAUTHORIZED, Some(why.message(l)), l)
        }
    }
}

pub(super) async fn login_once(
    State(state): State<Shared>,
    Extension(client): Extension<ClientAddr>,
    Path(nonce): Path<String>,
    headers: HeaderMap,
) -> Response {
    let found = state.once.lock().ok().and_then(|mut o| o.remove(&nonce));
    match found.filter(|s| s.expires > Instant::now()) {
        Some(s) => signed_in(&state, s.name, s.role),
        None => {
            failed(&state, client, "a used, expired or unknown one-time link");
            let l = lang::from_headers(&state, &headers);
            login_page(StatusCode::UNAUTHORIZED, Some(l.dash().link_expired), l)
        }
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
