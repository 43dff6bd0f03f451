//! The earshot application: the configuration file, the command line (one
//! file per command under [`cli`]), the daemon ([`daemon`]), the dashboard
//! and JSON API ([`serve`]) and the bundled demo site ([`demo`]), on top of
//! the `earshot` library crate (crates/earshot), which does the work.
//! ARCHITECTURE.md draws the layers.

pub mod cli;
pub mod config;
pub mod daemon;
pub mod demo;
pub mod serve;
