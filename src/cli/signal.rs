//! Ctrl-C (SIGINT) and SIGTERM cancel the process's one shutdown token
//! (made in `run`), while a command listens for them. SIGHUP asks
//! `earshot run` to reload its config ([`on_hangup`]).

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// What crawling commands print at the first Ctrl-C.
pub const STOPPING: &str =
    "\nstopping: finishing in-flight pages and flushing the store (Ctrl-C again to abort)";

/// Listens while it lives; dropping it stops listening.
pub struct Listening(JoinHandle<()>);

impl Drop for Listening {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Cancels `token` at the first Ctrl-C or SIGTERM. With a `note`, prints it
/// then, and a second signal exits at once (130). Call inside the runtime.
pub fn cancel_on_signal(token: &CancellationToken, note: Option<&'static str>) -> Listening {
    let token = token.clone();
    Listening(tokio::spawn(async move {
        if !signalled().await {
            return;
        }
        if let Some(note) = note {
            eprintln!("{note}");
        }
        token.cancel();
        if note.is_some() && signalled().await {
            std::process::exit(130);
        }
    }))
}

/// Waits for Ctrl-C or SIGTERM; false when signals cannot be listened to.
async fn signalled() -> bool {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let term = async {
            match signal(SignalKind::terminate()) {
                Ok(mut s) => {
                    s.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            r = tokio::signal::ctrl_c() => r.is_ok(),
            () = term => true,
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await.is_ok()
    }
}

/// Calls `reload` at each SIGHUP while the returned listener lives (unix;
/// elsewhere it never fires). Without it a SIGHUP ends the process.
pub fn on_hangup(reload: impl Fn() + Send + 'static) -> Listening {
    Listening(tokio::spawn(async move {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let Ok(mut hup) = signal(SignalKind::hangup()) else {
                tracing::warn!("cannot listen for SIGHUP: config reload is off");
                return;
            };
            while hup.recv().await.is_some() {
                reload();
            }
        }
        #[cfg(not(unix))]
        {
            let _ = reload;
        }
    }))
}
