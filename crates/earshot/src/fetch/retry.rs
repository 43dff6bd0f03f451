//! What is retried, and when: `Retry-After` (seconds or HTTP-date) on 429
//! and 503, exponential backoff with full jitter on other 5xx, timeouts
//! and connection errors.

use std::time::{Duration, SystemTime};

use rand::Rng;

/// Reads a `Retry-After` value: delta-seconds or an HTTP-date.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(v).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

/// Exponential backoff with full jitter: a random wait in
/// `[0, min(max, base * 2^attempt)]`, at least `base / 2`.
pub fn backoff(attempt: u32, base: Duration, max: Duration) -> Duration {
    let cap = base
        .saturating_mul(1u32.checked_shl(attempt.min(16)).unwrap_or(u32::MAX))
        .min(max);
    let lo = (base / 2).min(cap);
    let secs =
        rand::thread_rng().gen_range(lo.as_secs_f64()..=cap.as_secs_f64().max(lo.as_secs_f64()));
    Duration::from_secs_f64(secs)
}

/// Whether a status is worth retrying.
pub fn retryable_status(status: u16) -> bool {
    status == 429 || status == 408 || (500..600).contains(&status) && status != 501
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_both_forms() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_480); // Wed, 21 Oct 2015 07:28:00 GMT
        assert_eq!(
            parse_retry_after("120", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let base = Duration::from_millis(100);
        let max = Duration::from_secs(2);
        for attempt in 0..20 {
            let b = backoff(attempt, base, max);
            assert!(
                b >= Duration::from_millis(50) && b <= max,
                "{attempt}: {b:?}"
            );
            assert!(b <= base * 2u32.pow(attempt.min(5)), "{attempt}: {b:?}");
        }
        assert!(
            retryable_status(503)
                && retryable_status(429)
                && !retryable_status(404)
                && !retryable_status(501)
        );
    }
}
