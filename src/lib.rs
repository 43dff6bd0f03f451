//! earshot: a social-listening and reputation-monitoring crawler.
//!
//! The modules mirror the pipeline a page travels through:
//!
//! * [`fetch`]: polite HTTP fetching and charset decoding,
//! * [`extract`]: site profiles turning pages into posts,
//! * [`watch`]: watchlists and mention matching,
//! * [`sentiment`]: the local sentiment model (libtorch via rust-bert),
//! * [`store`]: the sled-backed mention timeline (the only module that
//!   touches sled),
//! * [`pipeline`]: wiring the stages together with bounded channels,
//! * [`report`]: CSV, XLSX, HTML and JSON mention reports,
//! * [`serve`]: the dashboard and JSON API behind `earshot serve`,
//! * [`demo`]: the bundled demo site behind `earshot demo`.
//!
//! [`config`] holds the user's configuration; [`cli`] the command line.

pub mod alert;
pub mod cli;
pub mod cluster;
pub mod config;
pub mod demo;
pub mod extract;
pub mod fetch;
pub mod pipeline;
pub mod report;
pub mod schedule;
pub mod sentiment;
pub mod serve;
pub mod store;
pub mod watch;
