//! The send rate of every request of a run, shared by all clients and every root session.
//!
//! Two limits apply, whichever is lower:
//!
//! - the user's cap (`--max-rps`), when set;
//! - an adaptive rate, once AWS has returned a throttling error. Every request of a run draws
//!   on the organization's API quotas, and the SDK's per-request backoff alone lets dozens of
//!   accounts keep probing a saturated quota until their retries run out. So a throttling
//!   error starts pacing all requests at 90 % of the rate at which AWS accepted them in the
//!   last second, and the rate then grows by 2 % every 100 ms until AWS throttles again. The
//!   pace settles just under the quota, with few throttling errors.
//!
//! When a drop does not make throttling errors clearly rarer, the drops since the rate last
//! grew are undone and further drops wait 10 s. Throttling that does not ease at a lower pace
//! is not caused by the pace (errors injected at random, for example), so pacing would only
//! slow the run.
//!
//! Pacing is a token bucket in its virtual-scheduling form (GCRA): each attempt, retries
//! included, reserves the next free send time, and at most a twentieth of a second's worth of
//! attempts go at once. The HTTP client wrapper waits for the send time, and an interceptor on
//! every client reports which responses were throttling errors.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::interceptors::context::FinalizerInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

use crate::aws_error::THROTTLING_CODES;

/// How many seconds' worth of requests may go at once.
const BURST_SECONDS: f64 = 0.05;

/// The share of the recently accepted rate that pacing starts from after throttling.
const BACKOFF_FACTOR: f64 = 0.9;

/// How long after lowering the rate further throttling errors count as the same episode,
/// because requests sent before the change still come back throttled for about one round trip.
const HOLD: Duration = Duration::from_millis(200);

/// How often the rate grows while AWS accepts everything, and by how much.
const GROWTH_STEP: Duration = Duration::from_millis(100);
const GROWTH_FACTOR: f64 = 1.02;

/// After this long without throttling, pacing stops until AWS throttles again.
const QUIET_RESET: Duration = Duration::from_secs(60);

/// The share of throttling errors after a drop, relative to before it, below which the drop
/// counts as having helped.
const HELPED: f64 = 0.7;

/// The responses after a drop needed to judge it.
const JUDGE_RESPONSES: u32 = 40;

/// How long drops wait after one that did not help.
const SUSPEND: Duration = Duration::from_secs(10);

/// The responses in the last second needed before a drop, because fewer tell too little about
/// what AWS accepts.
const MIN_RESPONSES: u32 = 20;

/// The lowest adaptive rate, in requests per second.
const MIN_RATE: f64 = 1.0;

/// The span over which accepted and sent requests are counted, in buckets of 100 ms.
const WINDOW_BUCKETS: usize = 10;
const BUCKET: Duration = Duration::from_millis(100);

/// The send rate controller, shared by the HTTP client wrapper and the throttling observer.
#[derive(Debug, Clone)]
pub(crate) struct RateControl {
    state: Arc<Mutex<State>>,
}

#[derive(Debug)]
struct State {
    /// The user's cap, in requests per second.
    ceiling: Option<f64>,
    /// The rate learned from throttling; `None` while AWS has not throttled recently.
    adaptive: Option<f64>,
    /// The next send time when no request goes early (GCRA's "theoretical arrival time").
    next: Instant,
    /// No lower rate before this time (see [`HOLD`]).
    hold_until: Instant,
    /// When the adaptive rate last grew, or when it may start growing.
    grown_at: Instant,
    last_throttle: Option<Instant>,
    /// The adaptive rate before the first drop since the rate last grew, restored when a drop
    /// does not help. The outer `None` means no drop is pending, the inner one no pacing.
    rate_before_drops: Option<Option<f64>>,
    /// The share of throttling errors in the second before the last drop.
    share_before_drop: f64,
    /// Responses since the last drop's hold ended: (accepted, throttled).
    since_drop: (u32, u32),
    /// Whether the last drop was judged (see [`State::judge_last_drop`]); true before any.
    judged: bool,
    /// No drop before this time, after a drop that did not help.
    drops_suspended_until: Instant,
    /// The number of drops so far; send times reserved before the last drop are void.
    drops: u64,
    window: Window,
}

impl RateControl {
    /// Creates the controller, with the user's cap in requests per second (at least 1) if any.
    pub(crate) fn new(max_rps: Option<u32>) -> Self {
        let now = Instant::now();
        Self {
            state: Arc::new(Mutex::new(State {
                ceiling: max_rps.map(|rate| f64::from(rate.max(1))),
                adaptive: None,
                next: now,
                hold_until: now,
                grown_at: now,
                last_throttle: None,
                rate_before_drops: None,
                share_before_drop: 0.0,
                since_drop: (0, 0),
                judged: true,
                drops_suspended_until: now,
                drops: 0,
                window: Window::new(now),
            })),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Reserves the first send time at or after `now`. Returns it with the number of drops
    /// so far: a send time reserved before a drop is void, and the request reserves again.
    fn reserve(&self, now: Instant) -> (Instant, u64) {
        let mut state = self.lock();
        let drops = state.drops;
        let Some(rate) = state.rate() else {
            state.window.count_sent(now);
            return (now, drops);
        };
        let interval = Duration::from_secs_f64(1.0 / rate);
        let tolerance = interval.mul_f64((rate * BURST_SECONDS).floor().max(1.0) - 1.0);
        let allowed = state.next.checked_sub(tolerance).unwrap_or(now);
        let slot = now.max(allowed);
        state.next = state.next.max(slot) + interval;
        if slot <= now {
            state.window.count_sent(now);
        }
        (slot, drops)
    }

    /// Confirms a reserved send time once it has come. Returns `None` to send now, or a new
    /// reservation when the pace dropped since the first one.
    fn confirm(&self, now: Instant, drops: u64) -> Option<(Instant, u64)> {
        {
            let mut state = self.lock();
            if state.drops == drops {
                state.window.count_sent(now);
                return None;
            }
        }
        Some(self.reserve(now))
    }

    /// Records a response: a throttling error or any other.
    fn observe(&self, now: Instant, throttled: bool) {
        let mut state = self.lock();
        if throttled {
            state.throttled(now);
        } else {
            state.accepted(now);
        }
    }

    /// Returns the current rate limit in requests per second; `None` when nothing limits it.
    #[cfg(test)]
    fn current_rate(&self) -> Option<f64> {
        self.lock().rate()
    }

    /// Wraps `inner` so that every request it sends waits for its send time.
    pub(crate) fn wrap(&self, inner: SharedHttpClient) -> SharedHttpClient {
        SharedHttpClient::new(PacedClient {
            inner,
            control: self.clone(),
        })
    }

    /// Creates the interceptor that reports throttling errors to this controller.
    pub(crate) fn observer(&self) -> ThrottleObserver {
        ThrottleObserver {
            control: self.clone(),
        }
    }
}

impl State {
    fn rate(&self) -> Option<f64> {
        match (self.ceiling, self.adaptive) {
            (Some(ceiling), Some(adaptive)) => Some(ceiling.min(adaptive)),
            (ceiling, adaptive) => ceiling.or(adaptive),
        }
    }

    fn throttled(&mut self, now: Instant) {
        self.window.count_throttled(now);
        self.last_throttle = Some(now);
        if now < self.hold_until {
            return;
        }
        self.since_drop.1 += 1;
        self.judge_last_drop(now);
        let may_drop = self.judged
            && now >= self.drops_suspended_until
            && self.window.responses(now) >= MIN_RESPONSES;
        if !may_drop {
            return;
        }

        let accepted = self.window.accepted_rate(now);
        let current = self.adaptive.unwrap_or(f64::INFINITY);
        let lowered = (current.min(accepted) * BACKOFF_FACTOR).max(MIN_RATE);
        tracing::debug!(
            requests_per_second = lowered,
            "AWS is throttling; pacing every request"
        );
        if self.rate_before_drops.is_none() {
            self.rate_before_drops = Some(self.adaptive);
        }
        self.share_before_drop = self.window.throttled_share(now);
        self.adaptive = Some(lowered);
        // Requests waiting for send times of the faster pace reserve again, behind a fresh
        // schedule.
        self.drops += 1;
        self.next = now;
        self.hold_until = now + HOLD;
        self.grown_at = now + HOLD;
        self.since_drop = (0, 0);
        self.judged = false;
    }

    /// Judges the last drop once enough responses came after it, and undoes it unless the share
    /// of throttling errors fell clearly, because throttling that does not ease at a lower pace
    /// is not caused by the pace. Drops then wait, so that such throttling does not trigger
    /// them again and again.
    fn judge_last_drop(&mut self, now: Instant) {
        let (accepted, throttled) = self.since_drop;
        let responses = accepted + throttled;
        if self.judged || responses < JUDGE_RESPONSES {
            return;
        }
        self.judged = true;
        let share = f64::from(throttled) / f64::from(responses);
        // A couple of stragglers prove nothing, but sustained throttling at the lower pace does.
        if throttled > 2 && share >= self.share_before_drop * HELPED {
            tracing::debug!(
                share_before = self.share_before_drop,
                share_after = share,
                "throttling did not ease at a lower pace; the pace goes back up"
            );
            if let Some(rate) = self.rate_before_drops.take() {
                self.adaptive = rate;
            }
            self.drops_suspended_until = now + SUSPEND;
        }
    }

    fn accepted(&mut self, now: Instant) {
        self.window.count_accepted(now);
        if now >= self.hold_until {
            self.since_drop.0 += 1;
            self.judge_last_drop(now);
        }
        let Some(rate) = self.adaptive else {
            return;
        };
        let since_throttle = self
            .last_throttle
            .map_or(Duration::MAX, |last| now.saturating_duration_since(last));
        if since_throttle >= QUIET_RESET {
            tracing::debug!("AWS has not throttled for a minute; pacing stops");
            self.adaptive = None;
            return;
        }
        if since_throttle < GROWTH_STEP || now < self.grown_at + GROWTH_STEP {
            return;
        }
        // Grow towards the quota, but never far above what is actually sent, because with little
        // demand an unchecked rate would grow without bound.
        let steps = ((now - self.grown_at).as_secs_f64() / GROWTH_STEP.as_secs_f64()).floor();
        // At least one request per second more per step, so that a very low rate recovers.
        let grown = (rate * GROWTH_FACTOR.powf(steps)).max(rate + steps);
        let demand = (2.0 * self.window.sent_rate(now)).max(MIN_RATE);
        self.adaptive = Some(grown.min(demand.max(rate)));
        self.grown_at = now;
        self.rate_before_drops = None;
    }
}

/// Counts of requests per 100 ms bucket over the last second.
#[derive(Debug)]
struct Window {
    start: Instant,
    buckets: [Bucket; WINDOW_BUCKETS],
}

#[derive(Debug, Clone, Copy, Default)]
struct Bucket {
    index: u64,
    sent: u32,
    accepted: u32,
    throttled: u32,
}

impl Window {
    fn new(start: Instant) -> Self {
        Self {
            start,
            buckets: [Bucket::default(); WINDOW_BUCKETS],
        }
    }

    fn index(&self, now: Instant) -> u64 {
        let elapsed = now.saturating_duration_since(self.start);
        u64::try_from(elapsed.as_millis() / BUCKET.as_millis()).unwrap_or(u64::MAX)
    }

    fn bucket(&mut self, now: Instant) -> &mut Bucket {
        let index = self.index(now);
        // The remainder is below WINDOW_BUCKETS, which fits in usize.
        let bucket = &mut self.buckets[(index % WINDOW_BUCKETS as u64) as usize];
        if bucket.index != index {
            *bucket = Bucket {
                index,
                ..Bucket::default()
            };
        }
        bucket
    }

    fn count_sent(&mut self, now: Instant) {
        self.bucket(now).sent += 1;
    }

    fn count_accepted(&mut self, now: Instant) {
        self.bucket(now).accepted += 1;
    }

    fn count_throttled(&mut self, now: Instant) {
        self.bucket(now).throttled += 1;
    }

    /// Sums one count over the buckets of the last second.
    fn total(&self, now: Instant, count: impl Fn(&Bucket) -> u32) -> u32 {
        let current = self.index(now);
        let oldest = current.saturating_sub(WINDOW_BUCKETS as u64 - 1);
        self.buckets
            .iter()
            .filter(|bucket| bucket.index >= oldest && bucket.index <= current)
            .map(count)
            .sum()
    }

    /// Returns the time the counted buckets cover up to now, in seconds: up to a second, less
    /// right after the start, and at least 10 ms.
    fn span(&self, now: Instant) -> f64 {
        let oldest = self.index(now).saturating_sub(WINDOW_BUCKETS as u64 - 1);
        let elapsed = now.saturating_duration_since(self.start).as_secs_f64();
        let covered = elapsed - oldest as f64 * BUCKET.as_secs_f64();
        covered.max(0.01)
    }

    /// Counts the responses of the last second, accepted or throttled.
    fn responses(&self, now: Instant) -> u32 {
        self.total(now, |bucket| bucket.accepted + bucket.throttled)
    }

    fn accepted(&self, now: Instant) -> u32 {
        self.total(now, |bucket| bucket.accepted)
    }

    /// Returns the share of throttling errors among the responses of the last second.
    fn throttled_share(&self, now: Instant) -> f64 {
        let throttled = self.total(now, |bucket| bucket.throttled);
        let responses = throttled + self.accepted(now);
        if responses == 0 {
            0.0
        } else {
            f64::from(throttled) / f64::from(responses)
        }
    }

    fn accepted_rate(&self, now: Instant) -> f64 {
        f64::from(self.accepted(now)) / self.span(now)
    }

    fn sent_rate(&self, now: Instant) -> f64 {
        f64::from(self.total(now, |bucket| bucket.sent)) / self.span(now)
    }
}

#[derive(Debug)]
struct PacedClient {
    inner: SharedHttpClient,
    control: RateControl,
}

impl HttpClient for PacedClient {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(PacedConnector {
            inner: self.inner.http_connector(settings, components),
            control: self.control.clone(),
        })
    }
}

/// Sends each request no earlier than the send time it reserves.
///
/// NOTE: a request dropped while it waits (a cancelled account) leaves its send time unused.
/// Cancellations therefore lower the throughput a little, but never raise it above the limit.
#[derive(Debug)]
struct PacedConnector {
    inner: SharedHttpConnector,
    control: RateControl,
}

impl HttpConnector for PacedConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let now = Instant::now();
        let (slot, drops) = self.control.reserve(now);
        if slot <= now {
            return self.inner.call(request);
        }
        let inner = self.inner.clone();
        let control = self.control.clone();
        HttpConnectorFuture::new(async move {
            let mut reservation = (slot, drops);
            loop {
                tokio::time::sleep_until(reservation.0.into()).await;
                match control.confirm(Instant::now(), reservation.1) {
                    None => break,
                    Some((slot, _)) if slot <= Instant::now() => break,
                    Some(next) => reservation = next,
                }
            }
            inner.call(request).await
        })
    }
}

/// Reports every response to the [`RateControl`]: a throttling error or not.
#[derive(Debug)]
pub(crate) struct ThrottleObserver {
    control: RateControl,
}

impl Intercept for ThrottleObserver {
    fn name(&self) -> &'static str {
        "RootwardThrottleObserver"
    }

    fn read_after_attempt(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        // A transport failure has no response and tells nothing about the quota.
        if let Some(response) = context.response() {
            let status = response.status().as_u16();
            let error_type = response.headers().get("x-amzn-errortype");
            let body = response.body().bytes().unwrap_or_default();
            let throttled = is_throttling_response(status, error_type, body);
            self.control.observe(Instant::now(), throttled);
        }
        Ok(())
    }
}

/// Reports whether a response carries one of AWS's throttling error codes, in the XML of the
/// Query and REST-XML protocols, the JSON `__type` member or the `x-amzn-errortype` header.
fn is_throttling_response(status: u16, error_type: Option<&str>, body: &[u8]) -> bool {
    if status < 400 {
        return false;
    }
    if let Some(error_type) = error_type {
        let code = error_type.split(':').next().unwrap_or_default();
        if THROTTLING_CODES.contains(&code) {
            return true;
        }
    }
    let body = String::from_utf8_lossy(body);
    THROTTLING_CODES.iter().any(|code| {
        body.contains(&format!("<Code>{code}</Code>"))
            || body.contains(&format!("\"{code}\""))
            || body.contains(&format!("#{code}\""))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ceiling_spaces_sends_after_burst() {
        let control = RateControl::new(Some(200));
        let start = Instant::now();
        let slots: Vec<Instant> = (0..30).map(|_| control.reserve(start).0).collect();

        // A burst of a twentieth of a second's worth (10 requests) goes at once.
        for slot in &slots[..10] {
            assert_eq!(*slot, start);
        }
        // Then one request every 5 ms.
        for pair in slots[10..].windows(2) {
            assert_eq!(pair[1] - pair[0], Duration::from_millis(5));
        }
    }

    #[test]
    fn no_limit_until_throttled() {
        let control = RateControl::new(None);
        let start = Instant::now();
        for _ in 0..1000 {
            assert_eq!(control.reserve(start).0, start);
        }
        assert_eq!(control.current_rate(), None);
    }

    #[test]
    fn throttling_paces_below_accepted_rate() {
        let control = RateControl::new(None);
        let start = Instant::now();
        // AWS accepts 100 requests a second for two seconds, then throttles one.
        for millisecond in 0..2000 {
            let now = start + Duration::from_millis(millisecond);
            control.reserve(now);
            if millisecond % 10 == 0 {
                control.observe(now, false);
            }
        }
        let now = start + Duration::from_millis(2000);
        control.observe(now, true);
        let rate = control.current_rate().unwrap();
        assert!((85.0..=95.0).contains(&rate), "{rate}");

        // Throttling errors of the same episode do not lower it again.
        control.observe(now + Duration::from_millis(50), true);
        assert_eq!(control.current_rate(), Some(rate));
    }

    #[test]
    fn rate_grows_while_accepted() {
        let control = RateControl::new(None);
        let start = Instant::now();
        for millisecond in 0..1000 {
            let now = start + Duration::from_millis(millisecond);
            control.reserve(now);
            control.observe(now, false);
        }
        control.observe(start + Duration::from_millis(1000), true);
        let lowered = control.current_rate().unwrap();

        for millisecond in 1001..=1600 {
            let now = start + Duration::from_millis(millisecond);
            control.reserve(now);
            control.observe(now, false);
        }
        let grown = control.current_rate().unwrap();
        assert!(grown > lowered, "{lowered} then {grown}");
    }

    #[test]
    fn steady_throttling_stops_lowering() {
        let control = RateControl::new(None);
        let start = Instant::now();
        // AWS throttles every third request whatever the pace, as when the quota's other users
        // take a share of it.
        let mut lowest = f64::INFINITY;
        for millisecond in 0..5000u64 {
            let now = start + Duration::from_millis(millisecond);
            control.reserve(now);
            control.observe(now, millisecond % 3 == 0);
            if let Some(rate) = control.current_rate() {
                lowest = lowest.min(rate);
            }
        }
        // One drop (to 0.9 of the accepted ~667 a second), no slide towards the minimum, and
        // the drop is undone because throttling stayed as frequent.
        assert!(lowest > 500.0, "{lowest}");
        assert_eq!(control.current_rate(), None);
    }

    #[test]
    fn ceiling_bounds_adaptive_rate() {
        let control = RateControl::new(Some(5));
        let start = Instant::now();
        for millisecond in 0..1000 {
            let now = start + Duration::from_millis(millisecond);
            control.observe(now, false);
        }
        control.observe(start + Duration::from_millis(1000), true);
        assert_eq!(control.current_rate(), Some(5.0));
    }

    #[test]
    fn throttling_errors_recognised() {
        let query = b"<ErrorResponse><Error><Code>Throttling</Code></Error></ErrorResponse>";
        assert!(is_throttling_response(400, None, query));
        let json = br#"{"__type":"TooManyRequestsException","Message":"slow down"}"#;
        assert!(is_throttling_response(400, None, json));
        let namespaced = br#"{"__type":"com.amazonaws.sqs#RequestThrottled"}"#;
        assert!(is_throttling_response(400, None, namespaced));
        assert!(is_throttling_response(
            400,
            Some("ThrottlingException:http://internal.amazon.com/"),
            b""
        ));

        let missing = b"<ErrorResponse><Error><Code>NoSuchEntity</Code></Error></ErrorResponse>";
        assert!(!is_throttling_response(404, None, missing));
        assert!(!is_throttling_response(200, None, query));
    }
}
