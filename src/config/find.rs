//! Which configuration file a command uses: `--config`, else
//! `EARSHOT_CONFIG`, else `./config/earshot.toml`, else the user's config
//! directory (`$XDG_CONFIG_HOME/earshot/earshot.toml`, or
//! `~/.config/earshot/earshot.toml`). The first that is given (or exists)
//! wins; with none, commands run on the defaults (no sources, no watches)
//! and say where they looked. The copy compiled into the binary is only
//! for `earshot demo`.

use std::fmt;
use std::path::{Path, PathBuf};

use super::{Config, ConfigError};

/// Where the configuration came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigSource {
    /// A file: how it was chosen (`--config`, `EARSHOT_CONFIG`,
    /// `./config/earshot.toml`, the user's config directory) and its path.
    File {
        /// `--config`, `EARSHOT_CONFIG`, `working directory`, `user config directory`.
        how: &'static str,
        /// The file.
        path: PathBuf,
    },
    /// No file was found: the built-in defaults (no sources, no watches).
    Defaults {
        /// The files looked for, in order.
        looked: Vec<PathBuf>,
    },
    /// The example compiled into the binary (`earshot demo` only).
    BuiltIn,
}

impl ConfigSource {
    /// The file, when one is used.
    pub fn path(&self) -> Option<&Path> {
        match self {
            ConfigSource::File { path, .. } => Some(path),
            _ => None,
        }
    }

    /// Reads and validates the configuration this names.
    pub fn load(&self) -> Result<Config, ConfigError> {
        match self {
            ConfigSource::File { path, .. } => Config::load(path),
            ConfigSource::Defaults { .. } => Config::parse("", "(defaults)"),
            ConfigSource::BuiltIn => Config::builtin(),
        }
    }
}

impl fmt::Display for ConfigSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigSource::File { how, path } => write!(f, "{} (from {how})", path.display()),
            ConfigSource::Defaults { looked } => {
                let looked: Vec<String> = looked.iter().map(|p| p.display().to_string()).collect();
                write!(
                    f,
                    "no configuration file found (looked for --config, EARSHOT_CONFIG, {}): using the defaults, with no sources and no watches",
                    looked.join(", ")
                )
            }
            ConfigSource::BuiltIn => write!(f, "{}", super::DEFAULT_CONFIG_NAME),
        }
    }
}

/// The user's config directory file: `$XDG_CONFIG_HOME/earshot/earshot.toml`
/// (an absolute `XDG_CONFIG_HOME` only, as the XDG spec says), else
/// `$HOME/.config/earshot/earshot.toml`.
fn user_file(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    let base = env("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| {
            env("HOME")
                .filter(|h| !h.is_empty())
                .map(|h| PathBuf::from(h).join(".config"))
        })?;
    Some(base.join("earshot").join("earshot.toml"))
}

/// Finds the configuration: `flag` is `--config`; `env` reads environment
/// variables; relative paths are against `cwd`.
pub fn find_with(
    flag: Option<&Path>,
    env: &dyn Fn(&str) -> Option<String>,
    cwd: &Path,
) -> ConfigSource {
    if let Some(p) = flag {
        return ConfigSource::File {
            how: "--config",
            path: p.to_path_buf(),
        };
    }
    if let Some(p) = env("EARSHOT_CONFIG").filter(|p| !p.is_empty()) {
        return ConfigSource::File {
            how: "EARSHOT_CONFIG",
            path: PathBuf::from(p),
        };
    }
    let mut looked = Vec::new();
    let local = PathBuf::from("config").join("earshot.toml");
    if cwd.join(&local).is_file() {
        return ConfigSource::File {
            how: "./config/earshot.toml",
            path: local,
        };
    }
    looked.push(PathBuf::from(".").join(&local));
    if let Some(user) = user_file(env) {
        if user.is_file() {
            return ConfigSource::File {
                how: "the user config directory",
                path: user,
            };
        }
        looked.push(user);
    }
    ConfigSource::Defaults { looked }
}

/// [`find_with`] over this process's environment and working directory.
pub fn find(flag: Option<&Path>) -> ConfigSource {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    find_with(flag, &|k| std::env::var(k).ok(), &cwd)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn lookup_order() {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("home");
        let work = dir.path().join("work");
        std::fs::create_dir_all(work.join("config")).unwrap();
        std::fs::create_dir_all(home.join(".config/earshot")).unwrap();
        let h = home.to_str().unwrap();
        // Nothing: the defaults, naming where it looked.
        let s = find_with(None, &env(&[("HOME", h)]), &work);
        assert_eq!(
            s,
            ConfigSource::Defaults {
                looked: vec![
                    PathBuf::from("./config/earshot.toml"),
                    home.join(".config/earshot/earshot.toml")
                ]
            }
        );
        assert!(s.to_string().contains("no configuration file found"));
        // The user's config directory.
        std::fs::write(home.join(".config/earshot/earshot.toml"), "").unwrap();
        let s = find_with(None, &env(&[("HOME", h)]), &work);
        assert_eq!(
            s.path(),
            Some(home.join(".config/earshot/earshot.toml").as_path())
        );
        // XDG_CONFIG_HOME replaces ~/.config (a relative one is ignored).
        let xdg = dir.path().join("xdg");
        std::fs::create_dir_all(xdg.join("earshot")).unwrap();
        std::fs::write(xdg.join("earshot/earshot.toml"), "").unwrap();
        let s = find_with(
            None,
            &env(&[("HOME", h), ("XDG_CONFIG_HOME", xdg.to_str().unwrap())]),
            &work,
        );
        assert_eq!(s.path(), Some(xdg.join("earshot/earshot.toml").as_path()));
        let s = find_with(
            None,
            &env(&[("HOME", h), ("XDG_CONFIG_HOME", "rel")]),
            &work,
        );
        assert_eq!(
            s.path(),
            Some(home.join(".config/earshot/earshot.toml").as_path())
        );
        // ./config/earshot.toml before the user's.
        std::fs::write(work.join("config/earshot.toml"), "").unwrap();
        let s = find_with(None, &env(&[("HOME", h)]), &work);
        assert_eq!(s.path(), Some(Path::new("config/earshot.toml")));
        // EARSHOT_CONFIG before that, --config before everything.
        let e = [("HOME", h), ("EARSHOT_CONFIG", "/etc/e.toml")];
        let s = find_with(None, &env(&e), &work);
        assert_eq!(
            s,
            ConfigSource::File {
                how: "EARSHOT_CONFIG",
                path: "/etc/e.toml".into()
            }
        );
        let s = find_with(Some(Path::new("c.toml")), &env(&e), &work);
        assert_eq!(s.to_string(), "c.toml (from --config)");
    }
}
