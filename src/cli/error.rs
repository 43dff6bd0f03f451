//! Exit codes and the one mapping from an error to its code.
//!
//! A command fails by returning an error: a [`UsageError`] when the command
//! line cannot work as given, or whatever the library returned. `run` prints
//! it once (`error: ...`) and exits with [`exit_code`].

use crate::config::ConfigError;
use earshot::crawl::PipelineError;
use earshot::report::ReportError;
use earshot::store::StoreError;

/// Exit codes, documented in README.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Exit {
    /// Everything worked.
    Ok = 0,
    /// A runtime failure.
    Failure = 1,
    /// Bad usage or an invalid config.
    Usage = 2,
    /// The store could not be opened or written.
    Store = 3,
    /// The crawl finished, but some pages failed.
    Partial = 4,
}

/// A command line that cannot work as given (exit 2): flags missing or
/// contradicting each other, a name the config does not have. Printed as
/// `error: MESSAGE`, then `  help: HELP` when there is one.
#[derive(Debug, thiserror::Error)]
#[error("{message}{}", help_line(.help))]
pub struct UsageError {
    message: String,
    help: Option<String>,
}

fn help_line(help: &Option<String>) -> String {
    help.as_deref()
        .map(|h| format!("\n  help: {h}"))
        .unwrap_or_default()
}

impl UsageError {
    /// A usage error without a hint.
    pub fn new(message: impl Into<String>) -> UsageError {
        UsageError {
            message: message.into(),
            help: None,
        }
    }

    /// Adds the `help:` line.
    pub fn help(mut self, help: impl Into<String>) -> UsageError {
        self.help = Some(help.into());
        self
    }
}

/// The exit code of a failed command: the first error in the chain that
/// says what kind of failure it is decides; anything else is a runtime
/// failure (1).
pub fn exit_code(e: &anyhow::Error) -> Exit {
    for cause in e.chain() {
        if cause.is::<UsageError>() || cause.is::<ConfigError>() {
            return Exit::Usage;
        }
        if cause.is::<earshot::alert::silence::SilenceError>() {
            return Exit::Usage;
        }
        if cause.is::<StoreError>() {
            return Exit::Store;
        }
        if let Some(b) = cause.downcast_ref::<earshot::store::backup::BackupError>() {
            return match b {
                earshot::store::backup::BackupError::Store(_) => Exit::Store,
                earshot::store::backup::BackupError::Target { .. } => Exit::Usage,
            };
        }
        if let Some(r) = cause.downcast_ref::<ReportError>() {
            return match r {
                ReportError::Store(_) => Exit::Store,
                ReportError::EmptyPeriod { .. }
                | ReportError::PeriodTooLong { .. }
                | ReportError::NoWatch => Exit::Usage,
                _ => Exit::Failure,
            };
        }
        if let Some(f) = cause.downcast_ref::<earshot::fleet::FleetError>() {
            use earshot::fleet::FleetError as F;
            return match f {
                // Credentials, seeds and settings are the config's.
                F::Auth { .. } | F::Tls { .. } | F::Config(_) => Exit::Usage,
                F::Pipeline(PipelineError::Store(_)) => Exit::Store,
                _ => Exit::Failure,
            };
        }
        if let Some(p) = cause.downcast_ref::<PipelineError>() {
            return match p {
                PipelineError::Store(_) => Exit::Store,
                PipelineError::NoSuchSource(..)
                | PipelineError::Watch(..)
                | PipelineError::Url(..) => Exit::Usage,
                // A panic in the store writer is a bug, not bad usage.
                PipelineError::Writer(_) => Exit::Failure,
                _ => Exit::Failure,
            };
        }
    }
    Exit::Failure
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;

    #[test]
    fn a_panic_in_the_store_writer_is_a_runtime_failure() {
        // What the pipeline turns the writer task's JoinError into.
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let join = rt
            .block_on(async {
                tokio::task::spawn_blocking(|| panic!("store writer bug (expected by this test)"))
                    .await
            })
            .unwrap_err();
        assert!(join.is_panic());
        let e = anyhow::Error::from(PipelineError::Writer(join.to_string()));
        assert_eq!(exit_code(&e), Exit::Failure);
        assert_eq!(exit_code(&e.context("crawling")), Exit::Failure);
    }

    #[test]
    fn a_refused_nats_login_is_a_config_problem_and_an_unreachable_server_a_failure() {
        use earshot::fleet::FleetError;
        let auth = FleetError::Auth {
            url: "nats://x:4222".into(),
            user: "as nkey user UA".into(),
            message: "authorization violation".into(),
        };
        assert_eq!(exit_code(&anyhow::Error::from(auth)), Exit::Usage);
        let seed = FleetError::Config("nkey is not an nkey seed".into());
        assert_eq!(exit_code(&anyhow::Error::from(seed)), Exit::Usage);
        let untrusted = FleetError::Tls {
            url: "nats://x:4222".into(),
            message: "invalid peer certificate: UnknownIssuer".into(),
        };
        assert_eq!(exit_code(&anyhow::Error::from(untrusted)), Exit::Usage);
        let down = FleetError::Connect {
            url: "nats://x:4222".into(),
            message: "connection refused".into(),
        };
        assert_eq!(exit_code(&anyhow::Error::from(down)), Exit::Failure);
    }

    #[test]
    fn usage_store_and_library_errors_keep_their_codes() {
        let usage = anyhow::Error::from(UsageError::new("give --watch").help("earshot x"));
        assert_eq!(usage.to_string(), "give --watch\n  help: earshot x");
        assert_eq!(exit_code(&usage), Exit::Usage);
        let wrapped: anyhow::Result<()> = Err(UsageError::new("bad")).context("--from");
        assert_eq!(exit_code(&wrapped.unwrap_err()), Exit::Usage);
        let missing = StoreError::Missing("/x".into());
        assert_eq!(exit_code(&anyhow::Error::from(missing)), Exit::Store);
        let p = PipelineError::Store(StoreError::Locked("/x".into()));
        assert_eq!(exit_code(&anyhow::Error::from(p)), Exit::Store);
        let p = PipelineError::NoSuchSource("bbs".into(), String::new());
        assert_eq!(exit_code(&anyhow::Error::from(p)), Exit::Usage);
        assert_eq!(
            exit_code(&anyhow::Error::from(ReportError::NoWatch)),
            Exit::Usage
        );
        assert_eq!(exit_code(&anyhow::anyhow!("network down")), Exit::Failure);
    }
}
