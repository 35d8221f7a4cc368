//! A cap on requests per second, shared by every client of a run and every root session.
//!
//! The cap is a token bucket in its virtual-scheduling form (GCRA): each attempt reserves the
//! next free send time, at most `burst` attempts may go at once, and after that one attempt goes
//! every `1 / rate` seconds. It wraps the HTTP client, which every SDK client and every root
//! session's clients share, so each attempt waits for its send time, retries included.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;

/// The share of a second's requests that may go at once, after an idle spell.
const BURST_SECONDS: f64 = 0.1;

/// Send times shared by every HTTP client that carries the same [`RateLimit`].
#[derive(Debug, Clone)]
pub(crate) struct RateLimit {
    schedule: Arc<Mutex<Schedule>>,
}

#[derive(Debug)]
struct Schedule {
    /// The time between two sends at the full rate.
    interval: Duration,
    /// How far ahead of the schedule a send may go: `burst - 1` intervals.
    tolerance: Duration,
    /// The send time the next request gets when none went early (GCRA's "theoretical arrival
    /// time").
    next: Instant,
}

impl RateLimit {
    /// Creates a cap of `requests_per_second` (at least 1), with bursts of a tenth of a second's
    /// worth of requests (at least 1).
    pub(crate) fn new(requests_per_second: u32) -> Self {
        let rate = f64::from(requests_per_second.max(1));
        let interval = Duration::from_secs_f64(1.0 / rate);
        let burst = (rate * BURST_SECONDS).floor().max(1.0);
        Self {
            schedule: Arc::new(Mutex::new(Schedule {
                interval,
                tolerance: interval.mul_f64(burst - 1.0),
                next: Instant::now(),
            })),
        }
    }

    /// Reserves the first send time at or after `earliest` and returns it.
    fn reserve(&self, earliest: Instant) -> Instant {
        let mut schedule = self.schedule.lock().unwrap_or_else(PoisonError::into_inner);
        let allowed = schedule
            .next
            .checked_sub(schedule.tolerance)
            .unwrap_or(earliest);
        let slot = earliest.max(allowed);
        schedule.next = schedule.next.max(slot) + schedule.interval;
        slot
    }

    /// Wraps `inner` so that every request it sends waits for a send time under this cap.
    pub(crate) fn wrap(&self, inner: SharedHttpClient) -> SharedHttpClient {
        SharedHttpClient::new(RateLimitedClient {
            inner,
            limit: self.clone(),
        })
    }
}

#[derive(Debug)]
struct RateLimitedClient {
    inner: SharedHttpClient,
    limit: RateLimit,
}

impl HttpClient for RateLimitedClient {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(RateLimitedConnector {
            inner: self.inner.http_connector(settings, components),
            limit: self.limit.clone(),
        })
    }
}

/// Sends each request no earlier than the send time it reserves.
///
/// NOTE: a request dropped while it waits (a cancelled account) leaves its send time unused,
/// so cancellations lower the throughput a little; they never raise it above the cap.
#[derive(Debug)]
struct RateLimitedConnector {
    inner: SharedHttpConnector,
    limit: RateLimit,
}

impl HttpConnector for RateLimitedConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let slot = self.limit.reserve(Instant::now());
        let inner = self.inner.clone();
        HttpConnectorFuture::new(async move {
            if slot > Instant::now() {
                tokio::time::sleep_until(slot.into()).await;
            }
            inner.call(request).await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserve_spaces_slots_after_burst() {
        let limit = RateLimit::new(100);
        let start = Instant::now();
        let slots: Vec<Instant> = (0..30).map(|_| limit.reserve(start)).collect();

        // A burst of a tenth of a second's worth (10 requests) goes at once.
        for slot in &slots[..10] {
            assert_eq!(*slot, start);
        }
        // Then one request every 10 ms.
        for pair in slots[10..].windows(2) {
            assert_eq!(pair[1] - pair[0], Duration::from_millis(10));
        }
        assert_eq!(slots[29] - start, Duration::from_millis(200));
    }

    #[test]
    fn reserve_respects_earliest() {
        let limit = RateLimit::new(1);
        let start = Instant::now();
        assert_eq!(limit.reserve(start), start);
        let later = start + Duration::from_secs(5);
        assert_eq!(limit.reserve(later), later);
        assert_eq!(limit.reserve(start), later + Duration::from_secs(1));
    }

    #[test]
    fn idle_time_refills_only_the_burst() {
        let limit = RateLimit::new(20);
        let start = Instant::now();
        for _ in 0..5 {
            limit.reserve(start);
        }
        let later = start + Duration::from_secs(10);
        let slots: Vec<Instant> = (0..4).map(|_| limit.reserve(later)).collect();
        // After an idle spell, a burst of two requests (a tenth of a second's worth) goes at once.
        assert_eq!(slots[0], later);
        assert_eq!(slots[1], later);
        assert_eq!(slots[2], later + Duration::from_millis(50));
        assert_eq!(slots[3], later + Duration::from_millis(100));
    }
}
