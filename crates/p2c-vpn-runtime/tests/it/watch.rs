//! The watch: gateways polled independently, each on its own deadline. The scheduling
//! tests run on Tokio's paused clock with an in-process poller (hung, slow, failing
//! gateways); the ones that need real errors run against the mock.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures::FutureExt as _;
use futures::StreamExt as _;
use p2c_vpn::Connection;
use p2c_vpn_mock::{Fault, StatusCode};
use p2c_vpn_runtime::sample::EventKind;
use p2c_vpn_runtime::watch::{Outcome, Tick, Watch, is_persistent};

use crate::{client, mock};

const SECOND: Duration = Duration::from_secs(1);

fn conn(id: u128, inbound: i64) -> Connection {
    let mut c = p2c_vpn::api::Connection::default();
    c.connection_id = Some(uuid::Uuid::from_u128(id));
    c.inbound_bytes = Some(inbound);
    c.outbound_bytes = Some(0);
    c.into()
}

/// Counts the polls of one gateway in flight, and the most ever at once.
#[derive(Default)]
struct InFlight {
    now: AtomicUsize,
    most: AtomicUsize,
    started: AtomicUsize,
}

struct Guard(Arc<InFlight>);

impl InFlight {
    fn enter(self: &Arc<Self>) -> Guard {
        let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.most.fetch_max(now, Ordering::SeqCst);
        self.started.fetch_add(1, Ordering::SeqCst);
        Guard(self.clone())
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        self.0.now.fetch_sub(1, Ordering::SeqCst);
    }
}

fn outcomes(tick: &Tick) -> Vec<String> {
    tick.gateways
        .iter()
        .map(|g| match &g.outcome {
            Outcome::Polled { connections, .. } => format!("{}: {connections}", g.gateway),
            Outcome::Late { after } => format!("{}: late after {after:?}", g.gateway),
            other => format!("{}: {other}", g.gateway),
        })
        .collect()
}

#[tokio::test(start_paused = true)]
async fn a_hung_gateway_does_not_hold_the_others_back() {
    let hung = Arc::new(InFlight::default());
    let tracked = hung.clone();
    let polls = Arc::new(AtomicUsize::new(0));
    let counted = polls.clone();
    let watch = Watch::with_poller(["ok", "hung"], SECOND, move |gateway| {
        if gateway == "hung" {
            let guard = tracked.enter();
            return async move {
                let _guard = guard;
                futures::future::pending().await
            }
            .boxed();
        }
        let n = counted.fetch_add(1, Ordering::SeqCst) as i64;
        async move {
            tokio::time::sleep(Duration::from_millis(100)).await;
            Ok(vec![conn(1, 1000 * n), conn(2, 0)])
        }
        .boxed()
    });
    let ticks: Vec<Tick> = watch.ticks().take(3).collect().await;
    assert_eq!(ticks.len(), 3);
    for (i, tick) in ticks.iter().enumerate() {
        assert_eq!(tick.number, i as u64 + 1);
        assert_eq!(outcomes(tick), ["ok: 2", "hung: late after 1s"]);
        assert_eq!(tick.failed(), 1);
        assert!(!tick.is_final(), "a late poll is transient");
        // The healthy gateway's data is there at every tick: a baseline, then updates.
        let kinds: Vec<EventKind> = tick.events.iter().map(|e| e.kind).collect();
        let expected = if i == 0 {
            EventKind::Baseline
        } else {
            EventKind::Update
        };
        assert_eq!(kinds, [expected, expected]);
        assert!(tick.events.iter().all(|e| e.gateway == "ok"));
        // The hung gateway: unknown, never zero.
        let status = &tick.gateways[1].status;
        assert_eq!((status.connections, status.last_good), (None, None));
        assert!(status.failure.as_deref().unwrap().contains("late"));
    }
    // The cadence (on the paused clock): one tick per interval, whatever the hung gateway.
    assert_eq!(ticks[1].at - ticks[0].at, SECOND);
    assert_eq!(ticks[2].at - ticks[1].at, SECOND);
    if let Outcome::Polled { took, .. } = ticks[2].gateways[0].outcome {
        assert_eq!(took, Duration::from_millis(100));
    }
    // Rates of the healthy gateway: 1000 bytes over the second between its polls.
    assert_eq!(ticks[1].events[0].in_bps, Some(1000.0));
    // The hung gateway was polled once per tick, never twice at once, and each poll was
    // dropped by its deadline.
    assert_eq!(hung.started.load(Ordering::SeqCst), 3);
    assert_eq!(hung.most.load(Ordering::SeqCst), 1);
    assert_eq!(hung.now.load(Ordering::SeqCst), 0);
    assert_eq!(polls.load(Ordering::SeqCst), 3);
}

#[tokio::test(start_paused = true)]
async fn a_slow_poll_is_late_then_compared_with_the_last_good_one() {
    let calls = Arc::new(AtomicUsize::new(0));
    let flight = Arc::new(InFlight::default());
    let watch = Watch::with_poller(["slow"], SECOND, move |_| {
        let n = calls.fetch_add(1, Ordering::SeqCst);
        let guard = flight.enter();
        assert_eq!(flight.most.load(Ordering::SeqCst), 1, "polls never overlap");
        async move {
            let _guard = guard;
            // The second poll takes longer than the interval.
            let wait = if n == 1 { 1500 } else { 10 };
            tokio::time::sleep(Duration::from_millis(wait)).await;
            Ok(vec![conn(7, 0)])
        }
        .boxed()
    });
    let ticks: Vec<Tick> = watch.ticks().take(3).collect().await;
    assert_eq!(outcomes(&ticks[0]), ["slow: 1"]);
    assert_eq!(outcomes(&ticks[1]), ["slow: late after 1s"]);
    assert!(ticks[1].events.is_empty(), "nothing dropped while late");
    let status = &ticks[1].gateways[0].status;
    assert_eq!(status.connections, None);
    assert_eq!(status.last_good.map(|(n, _)| n), Some(1));
    assert_eq!(outcomes(&ticks[2]), ["slow: 1"]);
    assert_eq!(ticks[2].events[0].kind, EventKind::Update);
    assert_eq!(ticks[2].at - ticks[1].at, SECOND);
}

#[tokio::test(start_paused = true)]
async fn the_deadline_is_at_most_the_interval() {
    let hang = |_| futures::future::pending().boxed();
    let short = Watch::with_poller(["a"], SECOND, hang).poll_timeout(Duration::from_millis(200));
    let tick = short.ticks().next().await.unwrap();
    assert_eq!(outcomes(&tick), ["a: late after 200ms"]);
    let long = Watch::with_poller(["a"], SECOND, hang).poll_timeout(Duration::from_secs(30));
    let tick = long.ticks().next().await.unwrap();
    assert_eq!(outcomes(&tick), ["a: late after 1s"]);
    // More gateways than may be polled at once: the ones that could not start in time are
    // late too, and the tick still ends by its deadline.
    let queued = Watch::with_poller(["a", "b"], SECOND, hang).concurrency(1);
    let mut ticks = queued.ticks();
    let first = ticks.next().await.unwrap();
    assert_eq!(outcomes(&first), ["a: late after 1s", "b: late after 1s"]);
    let second = ticks.next().await.unwrap();
    assert_eq!(second.at - first.at, SECOND);
    // A hung gateway that held the only slot starts last at the next tick: the other is
    // polled first.
    let one_slot = Watch::with_poller(["hung", "ok"], SECOND, |gateway| {
        if gateway == "hung" {
            futures::future::pending().boxed()
        } else {
            async { Ok(vec![conn(1, 0)]) }.boxed()
        }
    })
    .concurrency(1);
    let ticks: Vec<Tick> = one_slot.ticks().take(3).collect().await;
    assert_eq!(
        outcomes(&ticks[0]),
        ["hung: late after 1s", "ok: late after 1s"]
    );
    for tick in &ticks[1..] {
        assert_eq!(outcomes(tick), ["hung: late after 1s", "ok: 1"]);
    }
    // No gateways: nothing to watch.
    assert!(
        Watch::with_poller(Vec::<String>::new(), SECOND, hang)
            .ticks()
            .next()
            .await
            .is_none()
    );
}

#[tokio::test]
async fn every_gateway_unauthorized_ends_the_watch() {
    let server = mock().await;
    server
        .faults()
        .always(Fault::Status(StatusCode::UNAUTHORIZED));
    let client = client(&server, 1, Duration::from_secs(10));
    let mut ticks = Watch::new(client, ["office", "lab"], Duration::from_millis(100)).ticks();
    let tick = ticks.next().await.unwrap();
    assert!(tick.is_final(), "{:?}", outcomes(&tick));
    for g in &tick.gateways {
        let e = g.outcome.error().unwrap();
        assert_eq!(e.kind(), p2c_vpn::ErrorKind::Unauthorized);
        assert!(is_persistent(e));
    }
    assert!(ticks.next().await.is_none(), "the stream ends after it");
}

#[tokio::test]
async fn one_unknown_gateway_does_not_end_the_watch() {
    let server = mock().await;
    let client = client(&server, 1, Duration::from_secs(10));
    let unknown = "00000000-0000-4000-8000-000000000404";
    let watch = Watch::new(client, ["office", unknown], Duration::from_millis(100)).page_size(5);
    let ticks: Vec<Tick> = watch.ticks().take(2).collect().await;
    assert_eq!(ticks.len(), 2);
    for tick in &ticks {
        assert!(!tick.is_final());
        assert!(matches!(
            tick.gateways[0].outcome,
            Outcome::Polled {
                connections: 12,
                ..
            }
        ));
        let e = tick.gateways[1].outcome.error().unwrap();
        assert_eq!(e.status(), Some(StatusCode::NOT_FOUND));
        assert!(is_persistent(e), "a 404 is persistent");
    }
    assert_eq!(ticks[1].events.len(), 12);
}

#[tokio::test]
async fn transient_and_persistent_errors() {
    let server = mock().await;
    let client = client(&server, 1, Duration::from_secs(10));
    let error = |fault: Fault| {
        server.faults().push(fault);
        let client = client.clone();
        async move {
            client
                .connections("gw-lab")
                .collect_all()
                .await
                .unwrap_err()
        }
    };
    for (fault, persistent) in [
        (Fault::Status(StatusCode::UNAUTHORIZED), true),
        (Fault::Status(StatusCode::FORBIDDEN), true),
        (Fault::Status(StatusCode::BAD_REQUEST), true),
        (Fault::Status(StatusCode::SERVICE_UNAVAILABLE), false),
        (
            Fault::TooManyRequests {
                retry_after_secs: 0,
            },
            false,
        ),
        (Fault::TruncatedJson, false),
        (Fault::ResetMidBody, false),
    ] {
        let e = error(fault.clone()).await;
        assert_eq!(is_persistent(&e), persistent, "{fault:?}: {e}");
    }
}
