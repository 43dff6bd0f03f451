//! earshot's library: everything a crawl, a score, an alert and a report
//! need, with no command line, no web server and no configuration file
//! (the `earshot` binary, in the repository's `src/`, adds those).
//!
//! The modules are layered; a module uses only modules of its own layer or
//! below (checked by `scripts/check-layers.sh` in `make test`, and drawn in
//! ARCHITECTURE.md):
//!
//! 1. [`util`]: text utilities (CJK classes, ad cues, schedules, the
//!    problem type of configuration checks),
//! 2. [`store`]: the sled-backed mention timeline (the only module that
//!    touches sled),
//! 3. components: [`fetch`] (polite HTTP and charsets), [`extract`] (site
//!    profiles turning pages into posts), [`watch`] (watchlists and mention
//!    matching), [`cluster`] (syndicated copies), [`sentiment`] (the local
//!    model on libtorch), [`detect`] (spike detectors, pure functions),
//! 4. [`crawl`] (fetch → extract → match → score → store, with bounded
//!    channels), [`alert`] (evaluation, outbox, channels) and [`report`]
//!    (CSV, XLSX, HTML and JSON reports).
//!
//! Each component owns its configuration section (a serde struct with its
//! defaults and `problems()`, the checks of that section).

pub mod util;

pub mod store;

pub mod cluster;
pub mod detect;
pub mod extract;
pub mod fetch;
pub mod sentiment;
pub mod watch;

pub mod alert;
pub mod crawl;
pub mod report;

pub mod fleet;
