//! Helpers shared by earshot's integration tests and benches, never linked
//! into the `earshot` binary:
//!
//! * [`server`]: a test HTTP server on 127.0.0.1 that records when each
//!   request arrives and answers as the test says,
//! * [`synthetic_mention`]: deterministic mentions for stores of any size,
//! * [`fixtures`]: the fixture store the dashboard, report and CLI tests share.

pub mod fixtures;
pub mod server;

pub use earshot::store::synthetic_mention;
