//! Integration tests: one binary, a module per area (as ripgrep does). None
//! links libtorch: the commands that score start `earshot-score` (built by
//! `cargo build`/`cargo test --workspace` beside `earshot`).

#[path = "it/alert.rs"]
mod alert;
#[path = "it/alert_cli.rs"]
mod alert_cli;
#[path = "it/alert_crash.rs"]
mod alert_crash;
#[path = "it/alert_security.rs"]
mod alert_security;
#[path = "it/alert_silence.rs"]
mod alert_silence;
#[path = "it/cli.rs"]
mod cli;
#[path = "it/cluster.rs"]
mod cluster;
#[path = "it/crash.rs"]
mod crash;
#[path = "it/daemon_cli.rs"]
mod daemon_cli;
#[path = "it/dashboard.rs"]
mod dashboard;
#[path = "it/dashboard_filters.rs"]
mod dashboard_filters;
#[path = "it/dashboard_lang.rs"]
mod dashboard_lang;
#[path = "it/demo.rs"]
mod demo;
#[path = "it/discovery.rs"]
mod discovery;
#[path = "it/extract.rs"]
mod extract;
#[path = "it/extract_crawl.rs"]
mod extract_crawl;
#[path = "it/extract_zh.rs"]
mod extract_zh;
#[path = "it/fetch.rs"]
mod fetch;
#[path = "it/fleet.rs"]
mod fleet;
#[path = "it/fleet_auth.rs"]
mod fleet_auth;
#[path = "it/fleet_gaps.rs"]
mod fleet_gaps;
#[path = "it/fleet_parts.rs"]
mod fleet_parts;
#[path = "it/fleet_score.rs"]
mod fleet_score;
#[path = "it/fleet_sources.rs"]
mod fleet_sources;
#[path = "it/fleet_tls.rs"]
mod fleet_tls;
#[path = "it/install.rs"]
mod install;
#[path = "it/noise.rs"]
mod noise;
#[path = "it/one_timeline.rs"]
mod one_timeline;
#[path = "it/ops.rs"]
mod ops;
#[path = "it/ratings.rs"]
mod ratings;
#[path = "it/rematch.rs"]
mod rematch;
#[path = "it/report.rs"]
mod report;
#[path = "it/report_channels.rs"]
mod report_channels;
#[path = "it/report_pdf.rs"]
mod report_pdf;
#[path = "it/restart.rs"]
mod restart;
#[path = "it/revisit.rs"]
mod revisit;
#[path = "it/run.rs"]
mod run;
#[path = "it/scorer_process.rs"]
mod scorer_process;
#[path = "it/sentiment.rs"]
mod sentiment;
#[path = "it/shell.rs"]
mod shell;
#[path = "it/signin.rs"]
mod signin;
#[path = "it/source_add.rs"]
mod source_add;
#[path = "it/store_fault.rs"]
mod store_fault;
#[path = "it/store_format.rs"]
mod store_format;
#[path = "it/store_maint.rs"]
mod store_maint;
#[path = "it/url_trap.rs"]
mod url_trap;
#[path = "it/util.rs"]
mod util;
