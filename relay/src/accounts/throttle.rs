//! Login brute-force throttling, per login id and per client address.
//!
//! A few failures are free; after that every further failure locks the key
//! for a time that doubles up to a ceiling, and the reply says exactly how
//! long to wait. Counting per login id stops guessing one account's
//! password from many addresses; counting per address stops trying many
//! accounts from one place. Kept in memory: a relay restart forgives, which
//! costs an attacker a restart they cannot cause.

use std::collections::HashMap;
use std::sync::Mutex;

use super::error::AccountError;

/// How many failures a key gets before it is locked, and for how long.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    /// Failures allowed within `window` before locking.
    pub free_failures: u32,
    /// Seconds after the first failure that failures are counted together.
    pub window: i64,
    /// The first lock's length in seconds; each further failure doubles it.
    pub first_lock: i64,
    /// The longest lock in seconds.
    pub max_lock: i64,
}

/// Per login id: five tries, then 30 s, 60 s, … up to 15 minutes.
pub const PER_LOGIN: Policy = Policy {
    free_failures: 5,
    window: 15 * 60,
    first_lock: 30,
    max_lock: 15 * 60,
};

/// Per client address: a room's shared PC may have several people logging
/// in, so more tries, then 60 s, 120 s, … up to 15 minutes.
pub const PER_ADDRESS: Policy = Policy {
    free_failures: 20,
    window: 15 * 60,
    first_lock: 60,
    max_lock: 15 * 60,
};

/// Keys kept before old, unlocked ones are forgotten (bounds memory).
const MAX_KEYS: usize = 100_000;

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    first_failure: i64,
    locked_until: i64,
}

/// Failure counts by key (`id:HB-…`, `addr:192.0.2.1`).
#[derive(Debug, Default)]
pub struct Throttle {
    entries: Mutex<HashMap<String, Entry>>,
}

impl Throttle {
    /// Refuses a password login while its login id or its client address
    /// is locked. Guardian and staff logins share this, so the two can never
    /// drift apart in how they are throttled.
    pub fn check_login(&self, id_key: &str, addr_key: &str, now: i64) -> Result<(), AccountError> {
        match self.wait(&[id_key, addr_key], now) {
            Some(retry_after_seconds) => Err(AccountError::Throttled {
                retry_after_seconds,
            }),
            None => Ok(()),
        }
    }

    /// Counts a failed password login against its login id and its address.
    pub fn login_failed(&self, id_key: &str, addr_key: &str, now: i64) {
        self.fail(id_key, PER_LOGIN, now);
        self.fail(addr_key, PER_ADDRESS, now);
    }

    /// Seconds until every key in `keys` may try again, or `None` if all may
    /// try now.
    pub fn wait(&self, keys: &[&str], now: i64) -> Option<u64> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        keys.iter()
            .filter_map(|k| entries.get(*k))
            .map(|e| e.locked_until - now)
            .filter(|left| *left > 0)
            .max()
            .and_then(|left| u64::try_from(left).ok())
    }

    /// Counts a failure of `key` under `policy`.
    pub fn fail(&self, key: &str, policy: Policy, now: i64) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= MAX_KEYS {
            entries.retain(|_, e| e.locked_until > now || now - e.first_failure < policy.window);
        }
        let entry = entries.entry(key.to_owned()).or_insert(Entry {
            failures: 0,
            first_failure: now,
            locked_until: 0,
        });
        if now - entry.first_failure >= policy.window && entry.locked_until <= now {
            *entry = Entry {
                failures: 0,
                first_failure: now,
                locked_until: 0,
            };
        }
        entry.failures = entry.failures.saturating_add(1);
        if let Some(over) = entry.failures.checked_sub(policy.free_failures) {
            if over > 0 {
                let doublings = (over - 1).min(20);
                let lock = policy
                    .first_lock
                    .saturating_mul(1 << doublings)
                    .min(policy.max_lock);
                entry.locked_until = now + lock;
            }
        }
    }

    /// Forgets `key`'s failures (after a successful login).
    pub fn succeed(&self, key: &str) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries.remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_failures_then_doubling_locks_up_to_the_ceiling() {
        let t = Throttle::default();
        let now = 1_000;
        for _ in 0..5 {
            assert_eq!(t.wait(&["id:a"], now), None);
            t.fail("id:a", PER_LOGIN, now);
        }
        assert_eq!(t.wait(&["id:a"], now), None, "five failures are free");
        t.fail("id:a", PER_LOGIN, now);
        assert_eq!(t.wait(&["id:a"], now), Some(30));
        assert_eq!(t.wait(&["id:a"], now + 10), Some(20));
        assert_eq!(t.wait(&["id:a", "addr:x"], now + 30), None);
        t.fail("id:a", PER_LOGIN, now + 30);
        assert_eq!(t.wait(&["id:a"], now + 30), Some(60));
        for _ in 0..10 {
            t.fail("id:a", PER_LOGIN, now + 100);
        }
        assert_eq!(t.wait(&["id:a"], now + 100), Some(15 * 60));
        assert_eq!(
            t.wait(&["id:b"], now + 100),
            None,
            "other ids are untouched"
        );
    }

    #[test]
    fn success_forgets_and_old_failures_expire() {
        let t = Throttle::default();
        for _ in 0..6 {
            t.fail("id:a", PER_LOGIN, 0);
        }
        assert!(t.wait(&["id:a"], 0).is_some());
        t.succeed("id:a");
        assert_eq!(t.wait(&["id:a"], 0), None);
        for _ in 0..5 {
            t.fail("id:b", PER_LOGIN, 0);
        }
        // A failure after the window starts a new count.
        t.fail("id:b", PER_LOGIN, 16 * 60);
        assert_eq!(t.wait(&["id:b"], 16 * 60), None);
    }
}
