//! `earshot token new` and `earshot token hash`.

use anyhow::{Context, Result};
use clap::Subcommand;

use super::{Exit, UsageError};

#[derive(Debug, Subcommand)]
pub enum TokenCmd {
    /// Make a new random token and print it with the config entry holding its hash
    New {
        /// Who holds it
        #[arg(long, default_value = "analyst")]
        name: String,
        /// viewer or admin
        #[arg(long, default_value = "viewer")]
        role: String,
    },
    /// Print the SHA-256 hash of a token read from stdin (refused when it
    /// holds under 128 bits: 32 hex or 22 base64 characters at least)
    Hash,
}

pub(super) fn run(t: &TokenCmd) -> Result<Exit> {
    match t {
        TokenCmd::New { name, role } => {
            let role: crate::config::Role = match role.as_str() {
                "viewer" => crate::config::Role::Viewer,
                "admin" => crate::config::Role::Admin,
                other => anyhow::bail!("`{other}` is not a role; use viewer or admin"),
            };
            let token = crate::serve::new_token();
            println!("token (give it to {name}; it is not stored anywhere): {token}");
            println!("\nadd to the config:\n[[serve.tokens]]\nname = {name:?}\nrole = \"{role}\"\nsha256 = \"{}\"", crate::serve::hash_token(&token));
        }
        TokenCmd::Hash => {
            let mut s = String::new();
            std::io::stdin()
                .read_line(&mut s)
                .context("cannot read the token from stdin")?;
            let token = s.trim_end_matches(['\r', '\n']);
            if let Some(why) = crate::config::token_weakness(token.trim()) {
                return Err(UsageError::new(format!(
                    "this token {why}: earshot refuses it at sign-in"
                ))
                .help(crate::config::NEW_TOKEN_HELP)
                .into());
            }
            println!("{}", crate::serve::hash_token(token));
        }
    }
    Ok(Exit::Ok)
}
