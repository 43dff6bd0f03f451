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
    let store = Arc::new(Store::open_existing(&store_path(cli, &config))?);
    let rt = runtime()?;
    rt.block_on(async {
        let _signals = signal::cancel_on_signal(shutdown, None);
        let server = crate::serve::start(config, store.clone(), addr, shutdown).await?;
        let link = server.login_link(crate::config::Role::Admin);
        if args.json {
            println!("{}", serde_json::json!({"url": server.base_url(), "login": link, "token": server.generated_token()}));
        } else {
            println!("earshot serve: dashboard at {}/", server.base_url());
            println!("  sign in once with this link (valid 10 minutes): {link}");
            if let Some(t) = server.generated_token() {
                println!("  no [[serve.tokens]] configured: this run's admin token is {t}");
            }
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
