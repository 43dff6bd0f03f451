//! `earshot token new` and `earshot token hash`.

use anyhow::{Context, Result};
use clap::Subcommand;

use super::Exit;

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
    /// Print the SHA-256 hash of a token read from stdin
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
            println!(
                "{}",
                crate::serve::hash_token(s.trim_end_matches(['\r', '\n']))
            );
        }
    }
    Ok(Exit::Ok)
}
