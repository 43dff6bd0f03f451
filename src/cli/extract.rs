//! `earshot extract`: posts of pages (files or URLs) as the crawler sees
//! them. Each input that fails is reported on its own line and the others
//! go on; the exit code is then 1.

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use clap::Args;

use super::{load_config, output, runtime, Cli, Exit};

#[derive(Debug, Args)]
pub struct ExtractArgs {
    /// Files or http(s) URLs
    #[arg(required = true)]
    pub inputs: Vec<String>,
    /// Use this site profile instead of choosing one
    #[arg(long)]
    pub profile: Option<String>,
    /// The page's address, for choosing a profile and resolving links (files)
    #[arg(long)]
    pub url: Option<String>,
    /// Timezone for dates written without one [default: crawl.timezone]
    #[arg(long)]
    pub timezone: Option<String>,
    /// One JSON object per input
    #[arg(long)]
    pub json: bool,
    /// Fetch time that relative dates ("3小时前") count back from, for a
    /// file: RFC 3339 [default: the file's modification time]
    #[arg(long)]
    pub fetched_at: Option<String>,
}

pub(super) fn run(cli: &Cli, args: &ExtractArgs) -> Result<Exit> {
    let config = load_config(cli)?;
    let tz_name = args
        .timezone
        .clone()
        .unwrap_or_else(|| config.crawl.timezone.clone());
    let tz: chrono_tz::Tz = tz_name.parse().map_err(|_| {
        anyhow::anyhow!("`{tz_name}` is not an IANA timezone (e.g. Asia/Shanghai, UTC)")
    })?;
    let rt = runtime()?;
    let fetcher = earshot::fetch::Fetcher::new(&config.crawl)?;
    let drop_lines = config.extract.patterns();
    let mut code = Exit::Ok;
    for input in &args.inputs {
        let result: Result<earshot::extract::Extracted> = rt.block_on(async {
            let (url, text, charset, fetched_at) =
                if input.starts_with("http://") || input.starts_with("https://") {
                    let url = url::Url::parse(input)
                        .with_context(|| format!("`{input}` is not a URL"))?;
                    let req = earshot::fetch::Request {
                        url,
                        rate: config.crawl.rate_per_host,
                        allow_private: config.crawl.allow_private,
                        validators: Default::default(),
                    };
                    match fetcher.fetch(&req).await? {
                        earshot::fetch::Fetched::Page(p) => (
                            p.url.clone(),
                            p.text.clone(),
                            p.charset.to_string(),
                            p.fetched_at,
                        ),
                        earshot::fetch::Fetched::NotModified => {
                            anyhow::bail!("{input}: 304 without a conditional request")
                        }
                    }
                } else {
                    let bytes =
                        std::fs::read(input).with_context(|| format!("cannot read {input}"))?;
                    let url = match &args.url {
                        Some(u) => url::Url::parse(u)
                            .with_context(|| format!("--url `{u}` is not a URL"))?,
                        None => url::Url::from_file_path(std::fs::canonicalize(input)?)
                            .map_err(|_| anyhow::anyhow!("cannot make a file URL for {input}"))?,
                    };
                    let (text, enc) = earshot::fetch::decode(&bytes, None);
                    let modified = match &args.fetched_at {
                        Some(t) => DateTime::parse_from_rfc3339(t)
                            .with_context(|| format!("--fetched-at `{t}` is not an RFC 3339 time"))?
                            .with_timezone(&Utc),
                        None => std::fs::metadata(input)
                            .and_then(|m| m.modified())
                            .map(DateTime::<Utc>::from)
                            .unwrap_or_else(|_| Utc::now()),
                    };
                    (url, text, enc.name().to_string(), modified)
                };
            let mut e = earshot::extract::extract_with(
                &url,
                &text,
                &earshot::extract::Options {
                    profile: args.profile.as_deref(),
                    tz,
                    fetched_at,
                    drop_lines: &drop_lines,
                },
            )?;
            e.charset = Some(charset);
            Ok(e)
        });
        match result {
            Ok(e) if args.json => println!("{}", serde_json::to_string(&e)?),
            Ok(e) => output::print_extracted(&e),
            Err(err) => {
                eprintln!("error: {input}: {err:#}");
                code = Exit::Failure;
            }
        }
    }
    Ok(code)
}
