//! Failed authentications per client: past [`FAILURES_BURST`] invalid keys (then one more
//! per [`FAILURE_REFILL`]), a client's requests presenting a key get a 429 with `Retry-After`
//! before the key is checked, so that guessing keys costs the guesser time and the database
//! nothing.
//!
//! A client is its peer address (an IPv6 address by its /64 network, what one host is usually
//! given), or, for a peer in `ZINC_TRUSTED_PROXIES`, the address its `X-Forwarded-For` names
//! (see [`super::sites::client_address`]); from any other peer `X-Forwarded-For` is not read. At most [`MAX_CLIENTS`] clients are
//! remembered (the least active evicted); one idle long enough to have its whole allowance
//! back is forgotten.

use std::net::{IpAddr, Ipv6Addr};
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use moka::sync::Cache;

/// How many failed authentications a client may make in a row.
pub const FAILURES_BURST: u32 = 20;
/// How often a client gets one more failed authentication back.
pub const FAILURE_REFILL: Duration = Duration::from_secs(3);
/// The most clients remembered.
pub const MAX_CLIENTS: u64 = 65_536;

/// Counts failed authentications per client; cheap to clone (clones share the counts).
#[derive(Clone)]
pub struct AuthFailures {
    clients: Cache<IpAddr, Arc<Client>>,
    quota: Quota,
}

struct Client {
    failures: DefaultDirectRateLimiter,
    refused_until: Mutex<Option<Instant>>,
}

impl Default for AuthFailures {
    fn default() -> Self {
        AuthFailures::new(FAILURES_BURST, FAILURE_REFILL, MAX_CLIENTS)
    }
}

impl AuthFailures {
    /// `burst` failures in a row, one more back per `refill`, at most `max_clients` remembered.
    pub fn new(burst: u32, refill: Duration, max_clients: u64) -> Self {
        let burst = NonZeroU32::new(burst.max(1)).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::with_period(refill.max(Duration::from_millis(1)))
            .expect("a period above zero")
            .allow_burst(burst);
        AuthFailures {
            clients: Cache::builder()
                .max_capacity(max_clients)
                // Idle this long, a client has its whole allowance back: forgetting it is the same.
                .time_to_idle(refill * burst.get())
                .build(),
            quota,
        }
    }

    /// How long `peer` must wait before presenting a key again; `None` when it may now.
    pub fn refused(&self, peer: IpAddr) -> Option<Duration> {
        let client = self.clients.get(&client_of(peer))?;
        let until = (*lock(&client.refused_until))?;
        until
            .checked_duration_since(Instant::now())
            .filter(|wait| !wait.is_zero())
    }

    /// Records that `peer` presented an invalid key; `Some(wait)` when that was one too many.
    pub fn failed(&self, peer: IpAddr) -> Option<Duration> {
        let quota = self.quota;
        let client = self.clients.get_with(client_of(peer), || {
            Arc::new(Client {
                failures: RateLimiter::direct(quota),
                refused_until: Mutex::new(None),
            })
        });
        let not_until = client.failures.check().err()?;
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        *lock(&client.refused_until) = Some(Instant::now() + wait);
        Some(wait)
    }

    /// How many clients are remembered now (for tests and diagnostics).
    pub fn clients(&self) -> u64 {
        self.clients.run_pending_tasks();
        self.clients.entry_count()
    }
}

/// The client an address stands for: an IPv6 address by its /64 network.
fn client_of(peer: IpAddr) -> IpAddr {
    match peer {
        IpAddr::V4(_) => peer,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(Ipv6Addr::from_bits(v6.to_bits() & !((1u128 << 64) - 1))),
        },
    }
}

fn lock(until: &Mutex<Option<Instant>>) -> std::sync::MutexGuard<'_, Option<Instant>> {
    until
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn a_client_has_its_burst_of_failures_then_must_wait() {
        let failures = AuthFailures::new(3, Duration::from_secs(60), 100);
        let peer = address("192.0.2.7");
        for _ in 0..3 {
            assert_eq!(failures.failed(peer), None);
            assert_eq!(failures.refused(peer), None);
        }
        let wait = failures.failed(peer).expect("one failure too many");
        assert!(
            wait > Duration::from_secs(50) && wait <= Duration::from_secs(60),
            "{wait:?}"
        );
        let refused = failures.refused(peer).expect("refused while waiting");
        assert!(refused <= wait, "{refused:?}");
        assert_eq!(
            failures.refused(address("192.0.2.8")),
            None,
            "others are not"
        );
    }

    #[test]
    fn at_most_max_clients_are_remembered() {
        let failures = AuthFailures::new(1, Duration::from_secs(60), 100);
        for n in 0..1000u32 {
            failures.failed(IpAddr::V4(n.into()));
        }
        assert!(
            failures.clients() <= 100,
            "{} remembered",
            failures.clients()
        );
    }

    #[test]
    fn an_ipv6_host_is_counted_by_its_64_network() {
        let failures = AuthFailures::new(1, Duration::from_secs(60), 100);
        assert_eq!(failures.failed(address("2001:db8:1:2::1")), None);
        assert!(failures.failed(address("2001:db8:1:2:ffff::9")).is_some());
        assert_eq!(
            failures.failed(address("2001:db8:1:3::1")),
            None,
            "another network"
        );
        assert_eq!(failures.refused(address("::ffff:192.0.2.7")), None);
    }
}
