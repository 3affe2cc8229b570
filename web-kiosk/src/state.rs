//! The kiosk's state and how actions change it. Pure: no browser calls, so
//! every rule here is tested natively with `cargo test`.

use std::rc::Rc;

use hiroba_engine::calendar::{ChildAge, Timestamp};
use hiroba_engine::ids::RoomId;
use yew::Reducible;

use crate::services::api::{ApiError, Config};
use crate::verifier::Verifier;

pub use hiroba_engine::lang::Lang;

/// The room a kiosk serves, from its URL: `?room=R03`, `R01` when absent.
pub fn room_from_query(search: &str) -> Result<RoomId, String> {
    let value = search
        .trim_start_matches('?')
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == "room")
        .map(|(_, v)| v);
    match value {
        None | Some("") => Ok(RoomId(1)),
        Some(v) => v.to_ascii_uppercase().parse().map_err(|_| v.to_owned()),
    }
}

/// The longest pause between two keystrokes of one keyboard-wedge scan.
/// Scanners type a character every few milliseconds; people need 100+ ms.
pub const WEDGE_MAX_GAP_MS: f64 = 50.0;
/// Shorter bursts ending in Enter are stray key presses, not codes.
pub const WEDGE_MIN_LEN: usize = 8;

/// Gathers a keyboard-wedge scanner's keystrokes typed anywhere on the page.
///
/// A scanner "types" the code as a fast burst of keys ending in Enter. Keys
/// arriving slower than [`WEDGE_MAX_GAP_MS`] start a new burst, so a person
/// pressing keys on the page never produces a scan.
#[derive(Debug, Default)]
pub struct WedgeBuffer {
    buffer: String,
    last_ms: Option<f64>,
}

impl WedgeBuffer {
    /// Feeds one `keydown` (its `key` value, its time in ms). Returns the
    /// scanned text when this key completes a burst.
    pub fn key(&mut self, key: &str, at_ms: f64) -> Option<String> {
        let is_char = key.chars().count() == 1;
        if !is_char && key != "Enter" {
            // Shift, CapsLock, Alt… come between a scanner's characters too.
            return None;
        }
        let in_burst = self.last_ms.is_some_and(|t| at_ms - t <= WEDGE_MAX_GAP_MS);
        self.last_ms = Some(at_ms);
        if !in_burst {
            self.buffer.clear();
        }
        if is_char {
            self.buffer.push_str(key);
            return None;
        }
        let scanned = std::mem::take(&mut self.buffer);
        (scanned.chars().count() >= WEDGE_MIN_LEN).then_some(scanned)
    }
}

/// What the last scan showed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanOutcome {
    /// A valid pass for this room: who came, without names.
    Accepted {
        children: Vec<ChildAge>,
        guardians: u32,
    },
    /// Not accepted, with the engine's words for why.
    Rejected {
        code: String,
        message_ja: String,
        message_en: String,
    },
}

impl ScanOutcome {
    pub fn status(&self) -> &'static str {
        match self {
            ScanOutcome::Accepted { .. } => "accepted",
            ScanOutcome::Rejected { .. } => "rejected",
        }
    }
}

/// Why the kiosk cannot check passes yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadError {
    /// The relay could not be asked.
    Api(ApiError),
    /// The trust documents arrived but could not be read.
    Trust(String),
    /// The URL names a room the city does not have.
    UnknownRoom(String),
}

impl LoadError {
    pub fn message_ja(&self) -> String {
        match self {
            LoadError::Api(e) => e.message_ja(),
            LoadError::Trust(_) => "パスの確認に必要な鍵リストを読み込めませんでした。".to_owned(),
            LoadError::UnknownRoom(r) => {
                format!("URLの部屋番号「{r}」はこの市のこどもルームにありません。")
            }
        }
    }

    pub fn message_en(&self) -> String {
        match self {
            LoadError::Api(e) => e.message_en(),
            LoadError::Trust(detail) => {
                format!("Could not read the list of pass-signing keys ({detail}).")
            }
            LoadError::UnknownRoom(r) => {
                format!("The room \"{r}\" in the address is not one of this city's rooms.")
            }
        }
    }
}

/// Loading the city's configuration and trust documents.
#[derive(Debug, Clone)]
pub enum Load {
    Loading,
    Ready {
        config: Rc<Config>,
        verifier: Rc<Verifier>,
    },
    Failed {
        message_ja: String,
        message_en: String,
    },
}

/// The whole kiosk screen.
#[derive(Debug, Clone)]
pub struct KioskState {
    pub lang: Lang,
    pub room: Result<RoomId, String>,
    pub load: Load,
    pub last_scan: Option<ScanOutcome>,
    /// Counts scans, so tests and timers can tell one result from the next.
    pub scan_seq: u64,
}

impl Load {
    fn failed(err: &LoadError) -> Load {
        Load::Failed {
            message_ja: err.message_ja(),
            message_en: err.message_en(),
        }
    }
}

impl KioskState {
    pub fn new(room: Result<RoomId, String>) -> KioskState {
        let load = match &room {
            Ok(_) => Load::Loading,
            Err(bad) => Load::failed(&LoadError::UnknownRoom(bad.clone())),
        };
        KioskState {
            lang: Lang::Ja,
            room,
            load,
            last_scan: None,
            scan_seq: 0,
        }
    }

    /// The room's display name in the current language, falling back to `R03`.
    pub fn room_name(&self) -> String {
        let Ok(room) = self.room else {
            return String::new();
        };
        let id = room.to_string();
        if let Load::Ready { config, .. } = &self.load {
            if let Some(info) = config.rooms.iter().find(|r| r.id == id) {
                return self.lang.pick(&info.name_ja, &info.name_en).to_owned();
            }
        }
        id
    }

    pub fn load_state(&self) -> &'static str {
        match self.load {
            Load::Loading => "loading",
            Load::Ready { .. } => "ready",
            Load::Failed { .. } => "error",
        }
    }
}

/// Everything that changes the kiosk screen.
#[derive(Debug)]
pub enum Action {
    ToggleLang,
    Loaded {
        config: Rc<Config>,
        verifier: Rc<Verifier>,
    },
    LoadFailed(LoadError),
    /// A code was scanned or typed at `now`.
    Scan {
        raw: String,
        now: Timestamp,
    },
    /// Back to the idle screen, unless a newer scan is showing.
    ClearScan {
        seq: u64,
    },
}

impl Reducible for KioskState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            Action::ToggleLang => next.lang = next.lang.toggled(),
            Action::Loaded { config, verifier } => next.load = Load::Ready { config, verifier },
            Action::LoadFailed(err) => next.load = Load::failed(&err),
            Action::Scan { raw, now } => {
                let Load::Ready { verifier, .. } = &self.load else {
                    return self;
                };
                next.last_scan = Some(verifier.outcome(&raw, now));
                next.scan_seq += 1;
            }
            Action::ClearScan { seq } => {
                if seq == next.scan_seq {
                    next.last_scan = None;
                }
            }
        }
        Rc::new(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn room_comes_from_the_query() {
        assert_eq!(room_from_query(""), Ok(RoomId(1)));
        assert_eq!(room_from_query("?room=R03"), Ok(RoomId(3)));
        assert_eq!(room_from_query("?lang=en&room=r11"), Ok(RoomId(11)));
        assert_eq!(room_from_query("?room="), Ok(RoomId(1)));
        assert_eq!(room_from_query("?room=kitchen"), Err("kitchen".to_owned()));
    }

    fn feed(buffer: &mut WedgeBuffer, keys: &[(&str, f64)]) -> Vec<String> {
        keys.iter().filter_map(|(k, t)| buffer.key(k, *t)).collect()
    }

    fn burst(text: &str, start: f64, gap: f64) -> Vec<(String, f64)> {
        let mut keys: Vec<(String, f64)> = text
            .chars()
            .enumerate()
            .map(|(i, c)| (c.to_string(), start + gap * i as f64))
            .collect();
        keys.push(("Enter".to_owned(), start + gap * text.len() as f64));
        keys
    }

    fn feed_owned(buffer: &mut WedgeBuffer, keys: &[(String, f64)]) -> Vec<String> {
        keys.iter().filter_map(|(k, t)| buffer.key(k, *t)).collect()
    }

    #[test]
    fn a_fast_burst_ending_in_enter_is_a_scan() {
        let mut b = WedgeBuffer::default();
        assert_eq!(
            feed_owned(&mut b, &burst("HB1ABCDEF", 1000.0, 5.0)),
            ["HB1ABCDEF"]
        );
        // The next scan starts clean.
        assert_eq!(
            feed_owned(&mut b, &burst("HB1XYZXYZ", 5000.0, 5.0)),
            ["HB1XYZXYZ"]
        );
    }

    #[test]
    fn slow_typing_is_not_a_scan() {
        let mut b = WedgeBuffer::default();
        assert!(feed_owned(&mut b, &burst("HB1ABCDEF", 0.0, 150.0)).is_empty());
    }

    #[test]
    fn a_pause_starts_a_new_burst() {
        let mut b = WedgeBuffer::default();
        let mut keys = vec![("X".to_owned(), 0.0), ("Y".to_owned(), 10.0)];
        keys.extend(burst("HB1ABCDEF", 500.0, 5.0));
        assert_eq!(feed_owned(&mut b, &keys), ["HB1ABCDEF"]);
    }

    #[test]
    fn modifier_keys_inside_a_burst_are_ignored() {
        let mut b = WedgeBuffer::default();
        let keys = [
            ("Shift", 0.0),
            ("H", 1.0),
            ("Shift", 2.0),
            ("B", 3.0),
            ("1", 4.0),
            ("A", 5.0),
            ("B", 6.0),
            ("C", 7.0),
            ("D", 8.0),
            ("E", 9.0),
            ("Enter", 10.0),
        ];
        assert_eq!(feed(&mut b, &keys), ["HB1ABCDE"]);
    }

    #[test]
    fn a_lone_enter_or_a_short_burst_is_not_a_scan() {
        let mut b = WedgeBuffer::default();
        assert!(feed(&mut b, &[("Enter", 0.0)]).is_empty());
        assert!(feed(&mut b, &[("a", 100.0), ("b", 101.0), ("Enter", 102.0)]).is_empty());
    }

    #[test]
    fn clearing_an_old_scan_keeps_a_newer_one() {
        let mut s = KioskState::new(Ok(RoomId(1)));
        s.last_scan = Some(ScanOutcome::Accepted {
            children: vec![],
            guardians: 1,
        });
        s.scan_seq = 2;
        let s = Rc::new(s).reduce(Action::ClearScan { seq: 1 });
        assert!(s.last_scan.is_some());
        let s = s.reduce(Action::ClearScan { seq: 2 });
        assert!(s.last_scan.is_none());
    }

    #[test]
    fn a_scan_before_loading_does_nothing() {
        let s = Rc::new(KioskState::new(Ok(RoomId(1))));
        let s = s.reduce(Action::Scan {
            raw: "HB1".to_owned(),
            now: Timestamp(0),
        });
        assert!(s.last_scan.is_none());
        assert_eq!(s.scan_seq, 0);
    }
}

#[cfg(test)]
mod load_tests {
    use super::*;

    #[test]
    fn a_bad_room_in_the_url_is_explained() {
        let s = KioskState::new(room_from_query("?room=kitchen"));
        assert_eq!(s.load_state(), "error");
        let Load::Failed { message_ja, .. } = &s.load else {
            unreachable!()
        };
        assert!(message_ja.contains("kitchen"));
    }
}
