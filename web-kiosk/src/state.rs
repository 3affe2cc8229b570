//! The kiosk's screen state and how actions change it. Pure: no browser
//! calls, so every rule here is tested natively with `cargo test`.

use std::rc::Rc;

use hiroba_engine::attendance::ScanDecision;
use hiroba_engine::calendar::{ChildAge, Date, Timestamp, YearMonth};
use hiroba_engine::pass::PassClaims;
use yew::Reducible;

use crate::runtime::Snapshot;
use crate::station::Decision;

pub use hiroba_engine::lang::Lang;

/// The longest pause between two keystrokes of one keyboard-wedge scan.
/// Scanners type a character every few milliseconds; people need 100 ms
/// or more. The margin is for a busy tablet, where the browser itself
/// spaces a scanner's keys out (seen at over 50 ms under load); a person
/// who does type a whole valid pass and Enter that fast is let in anyway.
pub const WEDGE_MAX_GAP_MS: f64 = 100.0;
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

/// What a verification alone says about scanned text (the JS export
/// `verify_code` and the browser benchmark use it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanOutcome {
    /// A valid pass for this room: who may come, without names.
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

/// Where the app is in its life.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    /// Opening storage and documents.
    Booting,
    /// Not enrolled: the pairing-code form.
    Enrol {
        busy: bool,
        error: Option<(String, String)>,
    },
    /// Checking families in and out.
    Running { room_ja: String, room_en: String },
    /// This device is a staff PC: the staff console.
    StaffDevice,
    /// Cannot start, with words for why.
    Failed {
        message_ja: String,
        message_en: String,
    },
}

/// One child on the confirmation panel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildChoice {
    pub birth: YearMonth,
    pub age: ChildAge,
    pub selected: bool,
}

/// The big panel under the header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Panel {
    /// Waiting for a scan.
    Idle,
    /// A family not in the room: choose who came, then confirm.
    CheckIn {
        claims: Box<PassClaims>,
        children: Vec<ChildChoice>,
        guardians: u8,
        busy: bool,
    },
    /// A family in the room: confirm they are leaving.
    CheckOut {
        claims: Box<PassClaims>,
        arrived: Timestamp,
        busy: bool,
    },
    /// Stored on this device: 「受付しました」 or 「退室しました」.
    Done { check_in: bool, people: u32 },
    /// The same pass a moment ago: nothing to do.
    Duplicate,
    /// Refused, with the engine's words.
    Rejected {
        code: String,
        message_ja: String,
        message_en: String,
    },
    /// The visit did not end in 「受付しました」.
    Failed { failure: RecordFailure },
}

/// Why a confirmed visit did not end in 「受付しました」.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordFailure {
    /// Nothing was recorded: scanning again is safe.
    NotRecorded(String),
    /// Recorded in the kiosk's memory (and sent when online), but the
    /// device's storage refused it; the write is retried with the next one,
    /// so scanning again would offer check-out.
    NotStored(String),
}

impl Panel {
    /// `#scan-result[data-status]`.
    pub fn status(&self) -> &'static str {
        match self {
            Panel::Idle => "idle",
            Panel::CheckIn { .. } => "check-in",
            Panel::CheckOut { .. } => "check-out",
            Panel::Done { .. } => "done",
            Panel::Duplicate => "duplicate",
            Panel::Rejected { .. } => "rejected",
            Panel::Failed { .. } => "error",
        }
    }

    /// How long the panel stays before the kiosk returns to idle.
    pub fn seconds_shown(&self) -> Option<u64> {
        match self {
            Panel::Idle => None,
            Panel::CheckIn { .. } | Panel::CheckOut { .. } => Some(60),
            Panel::Done { .. } => Some(4),
            Panel::Duplicate | Panel::Rejected { .. } | Panel::Failed { .. } => Some(8),
        }
    }
}

/// The whole kiosk screen.
#[derive(Debug, Clone, PartialEq)]
pub struct KioskState {
    pub phase: Phase,
    pub health: Snapshot,
    pub panel: Panel,
    /// Counts panels, so timers and tests tell one from the next.
    pub seq: u64,
}

impl Default for KioskState {
    fn default() -> KioskState {
        KioskState {
            phase: Phase::Booting,
            health: Snapshot::default(),
            panel: Panel::Idle,
            seq: 0,
        }
    }
}

impl KioskState {
    /// `#kiosk[data-state]`.
    pub fn phase_name(&self) -> &'static str {
        match self.phase {
            Phase::Booting => "loading",
            Phase::Enrol { .. } => "enrol",
            Phase::Running { .. } if self.health.ready => "ready",
            Phase::Running { .. } => "syncing",
            Phase::StaffDevice => "staff",
            Phase::Failed { .. } => "error",
        }
    }

    fn show(&mut self, panel: Panel) {
        self.panel = panel;
        self.seq += 1;
    }
}

/// Everything that changes the kiosk screen.
#[derive(Debug)]
pub enum Action {
    Phase(Phase),
    Health(Snapshot),
    /// What a scan at `now` means (from the station).
    Decided {
        decision: Decision,
        now: Timestamp,
    },
    ToggleChild(usize),
    SetGuardians(u8),
    /// The confirm button: recording has started.
    Confirming,
    /// Stored on this device.
    Recorded {
        check_in: bool,
        people: u32,
    },
    RecordFailed(RecordFailure),
    /// Back to idle, unless a newer panel is showing.
    Clear {
        seq: u64,
    },
}

/// The children and guardians to record for the panel's family.
pub fn selection(panel: &Panel) -> Option<(Vec<YearMonth>, u8)> {
    match panel {
        Panel::CheckIn {
            children,
            guardians,
            ..
        } => Some((
            children
                .iter()
                .filter(|c| c.selected)
                .map(|c| c.birth)
                .collect(),
            *guardians,
        )),
        _ => None,
    }
}

/// The check-in panel for a family, with the engine's preselection.
fn check_in_panel(
    claims: PassClaims,
    preselect: &[YearMonth],
    guardians: u8,
    today: Date,
) -> Panel {
    let mut wanted = preselect.to_vec();
    let children = claims
        .children
        .iter()
        .map(|&birth| {
            // Twins share a birth month: select as many as were preselected.
            let selected = match wanted.iter().position(|&w| w == birth) {
                Some(i) => {
                    wanted.swap_remove(i);
                    true
                }
                None => false,
            };
            ChildChoice {
                birth,
                age: ChildAge::of(birth, today),
                selected,
            }
        })
        .collect();
    Panel::CheckIn {
        claims: Box::new(claims),
        children,
        guardians,
        busy: false,
    }
}

impl Reducible for KioskState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            Action::Phase(phase) => next.phase = phase,
            Action::Health(h) => next.health = h,
            Action::Decided { decision, now } => {
                // A scan while a visit is being stored waits its turn.
                if matches!(
                    next.panel,
                    Panel::CheckIn { busy: true, .. } | Panel::CheckOut { busy: true, .. }
                ) {
                    return self;
                }
                let panel = match decision {
                    Decision::Refused {
                        code,
                        message_ja,
                        message_en,
                    } => Panel::Rejected {
                        code,
                        message_ja,
                        message_en,
                    },
                    Decision::Valid { claims, decision } => match decision {
                        ScanDecision::Duplicate => Panel::Duplicate,
                        ScanDecision::CheckIn {
                            preselect_children,
                            preselect_guardians,
                        } => check_in_panel(
                            claims,
                            &preselect_children,
                            preselect_guardians,
                            now.jst_date(),
                        ),
                        ScanDecision::CheckOut { arrived, .. } => Panel::CheckOut {
                            claims: Box::new(claims),
                            arrived,
                            busy: false,
                        },
                    },
                };
                next.show(panel);
            }
            Action::ToggleChild(i) => {
                if let Panel::CheckIn {
                    children,
                    busy: false,
                    ..
                } = &mut next.panel
                {
                    if let Some(c) = children.get_mut(i) {
                        c.selected = !c.selected;
                    }
                }
            }
            Action::SetGuardians(n) => {
                if let Panel::CheckIn {
                    claims,
                    guardians,
                    busy: false,
                    ..
                } = &mut next.panel
                {
                    // A pass counts its guardians; more may not be claimed.
                    *guardians = n.min(claims.guardians.max(1));
                }
            }
            Action::Confirming => match &mut next.panel {
                Panel::CheckIn { busy, .. } | Panel::CheckOut { busy, .. } => *busy = true,
                _ => return self,
            },
            Action::Recorded { check_in, people } => next.show(Panel::Done { check_in, people }),
            Action::RecordFailed(failure) => next.show(Panel::Failed { failure }),
            Action::Clear { seq } => {
                let busy = matches!(
                    next.panel,
                    Panel::CheckIn { busy: true, .. } | Panel::CheckOut { busy: true, .. }
                );
                if seq != next.seq || busy {
                    return self;
                }
                next.panel = Panel::Idle;
            }
        }
        Rc::new(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}

#[cfg(test)]
mod panel_tests {
    use hiroba_engine::ids::{CityCode, KeyId, PassId, RoomId};
    use hiroba_engine::pass::PassKind;

    use super::*;

    fn ym(y: i32, m: u32) -> YearMonth {
        YearMonth::new(y, m).expect("valid year-month")
    }

    fn now() -> Timestamp {
        Timestamp::from_jst(Date::new(2026, 11, 24).expect("date"), 10, 0)
    }

    fn claims() -> PassClaims {
        PassClaims {
            city: CityCode(121_002),
            pass_id: PassId([1; 8]),
            serial: 1,
            key_id: KeyId(1),
            kind: PassKind::AppPass,
            rooms: vec![RoomId(1)],
            guardians: 2,
            children: vec![ym(2024, 8), ym(2024, 8), ym(2018, 2)],
            valid_from: Timestamp(0),
            valid_until: Timestamp(i64::from(i32::MAX)),
        }
    }

    fn decided(state: Rc<KioskState>, decision: ScanDecision) -> Rc<KioskState> {
        state.reduce(Action::Decided {
            decision: Decision::Valid {
                claims: claims(),
                decision,
            },
            now: now(),
        })
    }

    #[test]
    fn the_check_in_panel_preselects_the_last_choice_and_can_be_changed() {
        let s = Rc::new(KioskState::default());
        // Last time: one of the twins and one guardian.
        let s = decided(
            s,
            ScanDecision::CheckIn {
                preselect_children: vec![ym(2024, 8)],
                preselect_guardians: 1,
            },
        );
        assert_eq!(s.panel.status(), "check-in");
        let Panel::CheckIn { children, .. } = &s.panel else {
            unreachable!("checked above")
        };
        let labels: Vec<(String, bool)> = children
            .iter()
            .map(|c| (c.age.label_ja(), c.selected))
            .collect();
        assert_eq!(
            labels,
            [
                ("2歳3ヶ月".to_owned(), true),
                ("2歳3ヶ月".to_owned(), false),
                ("小3".to_owned(), false)
            ]
        );
        let s = s
            .reduce(Action::ToggleChild(2))
            .reduce(Action::SetGuardians(9));
        assert_eq!(
            selection(&s.panel),
            Some((vec![ym(2024, 8), ym(2018, 2)], 2))
        );
    }

    #[test]
    fn confirming_locks_the_panel_until_it_is_stored() {
        let s = decided(
            Rc::new(KioskState::default()),
            ScanDecision::CheckIn {
                preselect_children: vec![],
                preselect_guardians: 1,
            },
        );
        let seq = s.seq;
        let s = s.reduce(Action::Confirming);
        // Neither a toggle, a timer nor another scan disturbs a visit being stored.
        let s = s
            .reduce(Action::ToggleChild(0))
            .reduce(Action::Clear { seq });
        let s = decided(s, ScanDecision::Duplicate);
        assert!(matches!(s.panel, Panel::CheckIn { busy: true, .. }));
        assert_eq!(selection(&s.panel).map(|(c, _)| c.len()), Some(0));
        let s = s.reduce(Action::Recorded {
            check_in: true,
            people: 2,
        });
        assert_eq!(s.panel.status(), "done");
        let done_seq = s.seq;
        let s = s
            .reduce(Action::Clear { seq })
            .reduce(Action::Clear { seq: done_seq });
        assert_eq!(s.panel, Panel::Idle);
    }

    #[test]
    fn refusals_and_double_reads_have_their_own_panels() {
        let s = Rc::new(KioskState::default()).reduce(Action::Decided {
            decision: Decision::Refused {
                code: "wrong_room".into(),
                message_ja: "この部屋では".into(),
                message_en: "Not this room".into(),
            },
            now: now(),
        });
        assert_eq!(s.panel.status(), "rejected");
        let s = decided(s, ScanDecision::Duplicate);
        assert_eq!(s.panel.status(), "duplicate");
    }
}
