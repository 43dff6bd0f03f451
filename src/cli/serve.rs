//! `earshot serve`: the dashboard and JSON API until Ctrl-C.

use std::sync::Arc;

use anyhow::{Context, Result};
use clap::Args;
use tokio_util::sync::CancellationToken;

use super::{load_config, runtime, signal, store_path, Cli, Exit};
use earshot::store::Store;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on, overriding serve.bind in the config
    #[arg(long)]
    pub bind: Option<String>,
    /// Print the one-time sign-in link as JSON on the first line (tests, scripts)
    #[arg(long)]
    pub json: bool,
    /// Print a one-time admin sign-in link (valid 10 minutes) even when
    /// stdout is not a terminal or tokens are configured
    #[arg(long)]
    pub login_link: bool,
}

/// The one-time admin link goes to a person at a terminal of a server
/// with no tokens configured, or to whoever asks for it: not into a
/// journal at every start.
pub(super) fn show_login_link(config: &crate::config::Config, asked: bool) -> bool {
    use std::io::IsTerminal;
    asked || (config.serve.tokens.is_empty() && std::io::stdout().is_terminal())
}

/// The dashboard lines `serve` and `run --serve` print.
pub(super) fn print_dashboard(server: &crate::serve::Server, show_link: bool, prefix: &str) {
    println!("{prefix}dashboard at {}/", server.base_url());
    if show_link {
        println!(
            "  sign in once with this link (valid 10 minutes): {}",
            server.login_link(crate::config::Role::Admin)
        );
        if let Some(t) = server.generated_token() {
            println!("  no [[serve.tokens]] configured: this run's admin token is {t}");
        }
    } else if server.generated_token().is_some() {
        println!("  no [[serve.tokens]] configured: add one (`earshot token new --role admin`), or start with --login-link for a one-time sign-in link");
    } else {
        println!("  sign in with your dashboard token (--login-link prints a one-time link)");
    }
}

pub(super) fn run(cli: &Cli, args: &ServeArgs, shutdown: &CancellationToken) -> Result<Exit> {
    let mut config = load_config(cli)?;
    if let Some(b) = &args.bind {
        config.serve.bind = b.clone();
    }
    let addr: std::net::SocketAddr = config.serve.bind.parse().with_context(|| {
        format!(
            "`{}` is not an address with a port (e.g. 127.0.0.1:8640)",
            config.serve.bind
        )
    })?;
    if !addr.ip().is_loopback() && config.serve.tokens.is_empty() {
        anyhow::bail!("refusing to serve on {addr} without [[serve.tokens]]: anyone on the network could read the dashboard\n  help: add a token (`earshot token new --role admin`) or bind to 127.0.0.1");
    }
    let show_link = show_login_link(&config, args.login_link);
    let store = Arc::new(Store::open_existing_with_cache(
        &store_path(cli, &config),
        config.store.cache_mb,
    )?);
    let rt = runtime()?;
    rt.block_on(async {
        let _signals = signal::cancel_on_signal(shutdown, None);
        let server = crate::serve::start(config, store.clone(), addr, shutdown).await?;
        if args.json {
            let link = server.login_link(crate::config::Role::Admin);
            println!("{}", serde_json::json!({"url": server.base_url(), "login": link, "token": server.generated_token()}));
        } else {
            print_dashboard(&server, show_link, "earshot serve: ");
            println!("  Ctrl-C to stop");
        }
        use std::io::Write;
        let _ = std::io::stdout().flush();
        shutdown.cancelled().await;
        server.stop().await;
        store.flush()?;
        Ok(Exit::Ok)
    })
}
