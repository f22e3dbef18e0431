//! What the service does, for Prometheus: requests by route and status with their latency,
//! tasks handed out and reviews stored, how long reviewer copies take to build, and — read at
//! each scrape — the job queue and the database pool. One registry per process (every server
//! process behind a load balancer is scraped on its own); `GET /metrics` renders it in the
//! Prometheus text format ([`render`]) behind the token of `CALLQA_METRICS_TOKEN`.
//!
//! Labels never carry a path, an id or a code: only the route pattern (`/api/v1/recordings/{id}`),
//! the method and the status, so nothing personal reaches the monitoring system and the number
//! of series stays bounded by the routes.

use std::sync::OnceLock;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Registry, Unit};

/// Latency buckets of requests, in seconds: 2.5 ms to 10 s.
const REQUEST_BUCKETS: [f64; 12] = [
    0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
/// Build-time buckets of reviewer copies, in seconds: 50 ms to 5 minutes.
const BUILD_BUCKETS: [f64; 10] = [0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 15.0, 60.0, 300.0];

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

/// What a reviewer's "next call" ended in.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
pub enum Draw {
    /// A call from the pool (or the one they already hold).
    Call,
    /// A gold (control) call.
    Gold,
    /// A disputed call to review again.
    Dispute,
    /// Nothing for them right now.
    Nothing,
    /// They are paused.
    Paused,
}

impl Draw {
    fn as_str(self) -> &'static str {
        match self {
            Draw::Call => "call",
            Draw::Gold => "gold",
            Draw::Dispute => "dispute",
            Draw::Nothing => "none",
            Draw::Paused => "paused",
        }
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DrawLabels {
    result: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct JobLabels {
    kind: String,
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabels {
    kind: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PoolLabels {
    state: &'static str,
}

type HistogramFamily<L> = Family<L, Histogram, fn() -> Histogram>;

struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: HistogramFamily<RouteLabels>,
    draws: Family<DrawLabels, Counter>,
    reviews: Counter,
    builds: Histogram,
    jobs: Family<JobLabels, Gauge>,
    oldest_queued: Family<KindLabels, Gauge>,
    pool: Family<PoolLabels, Gauge>,
}

fn request_histogram() -> Histogram {
    Histogram::new(REQUEST_BUCKETS)
}

impl Metrics {
    fn new() -> Self {
        let mut registry = Registry::with_prefix("callqa");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by method, route pattern and status",
            requests.clone(),
        );
        let latency: HistogramFamily<RouteLabels> =
            Family::new_with_constructor(request_histogram as fn() -> Histogram);
        registry.register_with_unit(
            "http_request_duration",
            "Time from a request's arrival to its answer, by method and route pattern",
            Unit::Seconds,
            latency.clone(),
        );
        let draws = Family::<DrawLabels, Counter>::default();
        registry.register(
            "draws",
            "Reviewers' requests for their next call, by what they got",
            draws.clone(),
        );
        let reviews = Counter::default();
        registry.register("reviews", "Reviews stored", reviews.clone());
        let builds = Histogram::new(BUILD_BUCKETS);
        registry.register_with_unit(
            "copy_build_duration",
            "Time to build a reviewer copy (decode, redact, disguise, encode)",
            Unit::Seconds,
            builds.clone(),
        );
        let jobs = Family::<JobLabels, Gauge>::default();
        registry.register(
            "jobs",
            "Jobs in the queue now, by kind and status (all processes on the database)",
            jobs.clone(),
        );
        let oldest_queued = Family::<KindLabels, Gauge>::default();
        registry.register_with_unit(
            "job_oldest_queued_age",
            "How long the oldest job that is due has waited, by kind",
            Unit::Seconds,
            oldest_queued.clone(),
        );
        let pool = Family::<PoolLabels, Gauge>::default();
        registry.register(
            "db_pool_connections",
            "This process's database connections: open, idle, in use and the most it may open",
            pool.clone(),
        );
        Metrics {
            registry,
            requests,
            latency,
            draws,
            reviews,
            builds,
            jobs,
            oldest_queued,
            pool,
        }
    }
}

fn metrics() -> &'static Metrics {
    static METRICS: OnceLock<Metrics> = OnceLock::new();
    METRICS.get_or_init(Metrics::new)
}

/// A request answered: `route` is the matched pattern (what the request log names it when no
/// route matched).
pub fn request(method: &str, route: &str, status: u16, took: Duration) {
    let m = metrics();
    m.requests
        .get_or_create(&RequestLabels {
            method: method.to_owned(),
            route: route.to_owned(),
            status,
        })
        .inc();
    m.latency
        .get_or_create(&RouteLabels {
            method: method.to_owned(),
            route: route.to_owned(),
        })
        .observe(took.as_secs_f64());
}

/// A reviewer asked for their next call and got `result`.
pub fn draw(result: Draw) {
    metrics()
        .draws
        .get_or_create(&DrawLabels {
            result: result.as_str(),
        })
        .inc();
}

/// A review was stored.
pub fn review() {
    metrics().reviews.inc();
}

/// A reviewer copy was built in `took`.
pub fn copy_built(took: Duration) {
    metrics().builds.observe(took.as_secs_f64());
}

/// The queue as counted at a scrape: jobs of a kind in a status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueCount {
    pub kind: String,
    pub status: String,
    pub jobs: i64,
}

/// The job queue at a scrape: the jobs per kind and status, and per kind how long the
/// oldest due queued job has waited, in seconds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Queue {
    pub counts: Vec<QueueCount>,
    pub oldest_due: Vec<(String, i64)>,
}

/// The database pool of this process at a scrape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolUse {
    pub open: u32,
    pub idle: u32,
    pub max: u32,
}

/// The whole registry in the Prometheus text format (version 0.0.4), with the queue, the
/// oldest due job's wait per kind (seconds) and the pool as read just now.
pub fn render(queue: &Queue, pool: PoolUse) -> String {
    let m = metrics();
    // Gauges that are read at the scrape start from nothing, so a kind that left the queue
    // does not linger with its last value.
    m.jobs.clear();
    for line in &queue.counts {
        m.jobs
            .get_or_create(&JobLabels {
                kind: line.kind.clone(),
                status: line.status.clone(),
            })
            .set(line.jobs);
    }
    m.oldest_queued.clear();
    for (kind, seconds) in &queue.oldest_due {
        m.oldest_queued
            .get_or_create(&KindLabels { kind: kind.clone() })
            .set(*seconds);
    }
    for (state, value) in [
        ("open", pool.open),
        ("idle", pool.idle),
        ("in_use", pool.open.saturating_sub(pool.idle)),
        ("max", pool.max),
    ] {
        m.pool
            .get_or_create(&PoolLabels { state })
            .set(i64::from(value));
    }
    let mut text = String::new();
    // Writing into a String cannot fail.
    let _ = prometheus_client::encoding::prometheus_text::encode(&mut text, &m.registry);
    text
}

/// The content type of [`render`]'s text.
pub const CONTENT_TYPE: &str = prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

/// Whether `presented` is the configured token, compared in time independent of where they
/// differ (both are hashed first, so their lengths do not show either).
pub fn token_matches(configured: &str, presented: &str) -> bool {
    use sha2::{Digest, Sha256};
    let (a, b) = (
        Sha256::digest(configured.as_bytes()),
        Sha256::digest(presented.as_bytes()),
    );
    a.iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_has_every_family_with_the_values_read_at_the_scrape() {
        request(
            "GET",
            "/api/v1/recordings/{id}",
            200,
            Duration::from_millis(3),
        );
        draw(Draw::Gold);
        review();
        copy_built(Duration::from_millis(120));
        let queue = Queue {
            counts: vec![QueueCount {
                kind: "process_recording".into(),
                status: "queued".into(),
                jobs: 3,
            }],
            oldest_due: vec![("process_recording".into(), 42)],
        };
        let text = render(
            &queue,
            PoolUse {
                open: 4,
                idle: 1,
                max: 8,
            },
        );
        for line in [
            "# TYPE callqa_http_requests_total counter",
            r#"callqa_http_requests_total{method="GET",route="/api/v1/recordings/{id}",status="200"}"#,
            r#"callqa_http_request_duration_seconds_bucket{method="GET",route="/api/v1/recordings/{id}",le="0.005"} 1"#,
            r#"callqa_draws_total{result="gold"}"#,
            "callqa_reviews_total",
            "callqa_copy_build_duration_seconds_count",
            r#"callqa_jobs{kind="process_recording",status="queued"} 3"#,
            r#"callqa_job_oldest_queued_age_seconds{kind="process_recording"} 42"#,
            r#"callqa_db_pool_connections{state="in_use"} 3"#,
            r#"callqa_db_pool_connections{state="max"} 8"#,
        ] {
            assert!(text.contains(line), "{line} in\n{text}");
        }
        // A kind gone from the queue is gone from the text.
        let text = render(
            &Queue::default(),
            PoolUse {
                open: 0,
                idle: 0,
                max: 8,
            },
        );
        assert!(!text.contains("callqa_jobs{"), "{text}");
    }

    #[test]
    fn only_the_configured_token_matches() {
        assert!(token_matches("s3cret-token", "s3cret-token"));
        assert!(!token_matches("s3cret-token", "s3cret-tokem"));
        assert!(!token_matches("s3cret-token", ""));
    }
}
