//! Alerting (issue #7): negative word-of-mouth spikes on a watch's
//! timeline, detected, stored with their evidence and delivered through an
//! outbox to webhooks, Slack, DingTalk, Feishu/Lark and WeCom.

pub mod detect;
pub mod stats;

pub use detect::{Decision, Detector, DetectorConfig, Episode, Point, Severity};
