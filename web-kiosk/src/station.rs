//! The kiosk's documents and what it does with them, without any browser
//! call: verify a scan, decide check-in or check-out, record the fact, and
//! say what to store and what to send. The browser side
//! ([`crate::runtime`]) moves the bytes; everything here is tested natively.
//!
//! Order of effects for a check-in: the fact is recorded in the day's
//! automerge document → [`Station::take_writes`] gives the IndexedDB writes,
//! which the runtime awaits → only then the screen says 「受付しました」 →
//! [`Station::frames_for`] gives the frames that carry it to the relay.

use std::collections::BTreeMap;

use automerge::ActorId;
use hiroba_engine::attendance::{
    CheckIn, DayView, EventId, Occupancy, ScanDecision, Source, VisitId, preselect,
    record_check_in, record_check_out,
};
use hiroba_engine::calendar::{Date, Timestamp, YearMonth};
use hiroba_engine::ids::{CityCode, DocId, PassId, RoomId};
use hiroba_engine::pass::{PassClaims, PassKind};
use hiroba_engine::sync::{ClientSession, DocSet, SessionError, StorageOp};

use crate::services::idb::Write;
use crate::verifier::Verifier;

/// The same pass read again within this many seconds is one scan.
pub const DUPLICATE_WINDOW_SECONDS: i64 = 10;

/// The settings key prefix of each pass's last choice of who came.
const LAST_CHOICE: &str = "last/";

/// The settings key a document's relay sync state is kept under.
fn peer_key(doc: &DocId) -> String {
    format!("peer/{doc}")
}

/// A scan's answer, before the person at the counter confirms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// A valid pass: check-in, check-out or a double read.
    Valid {
        claims: PassClaims,
        decision: ScanDecision,
    },
    /// Refused, with the engine's reason.
    Refused {
        code: String,
        message_ja: String,
        message_en: String,
    },
}

/// Why a fact could not be recorded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the visit could not be recorded: {0}")]
pub struct RecordError(pub String);

/// One kiosk's documents, for its room.
#[derive(Debug)]
pub struct Station {
    city: CityCode,
    room: RoomId,
    docs: DocSet,
    session: ClientSession,
    /// The next chunk number per document in IndexedDB.
    next_seq: BTreeMap<DocId, u32>,
    /// The verifier built from the trust documents, rebuilt when they change.
    verifier: Option<std::rc::Rc<Verifier>>,
    /// Why the trust documents could not be read, if they could not.
    trust_problem: Option<String>,
    /// The day view, cached until the day's document changes.
    view: Option<(DocId, DayView)>,
    /// The relay did not accept this connection's session.
    refused: bool,
    /// Each pass's choice at its last check-in on this kiosk, any day, so
    /// the next visit preselects it (today's document knows only today).
    last_choice: BTreeMap<PassId, (Vec<YearMonth>, u8)>,
    /// Passes whose last choice changed since the last write.
    pending_choices: Vec<PassId>,
}

impl Station {
    /// A station writing as `actor` (the device's lifelong actor id), whose
    /// connections use peer ids starting with `peer_id`.
    pub fn new(city: CityCode, room: RoomId, actor: ActorId, peer_id: &str) -> Station {
        Station {
            city,
            room,
            docs: DocSet::new(actor),
            session: ClientSession::new(peer_id),
            next_seq: BTreeMap::new(),
            verifier: None,
            trust_problem: None,
            view: None,
            refused: false,
            last_choice: BTreeMap::new(),
            pending_choices: Vec::new(),
        }
    }

    pub fn room(&self) -> RoomId {
        self.room
    }

    /// The documents a kiosk keeps in sync on `date`.
    pub fn docs_for(&self, date: Date) -> Vec<DocId> {
        vec![
            DocId::trust_list(),
            DocId::revocations(),
            DocId::notices(),
            DocId::attendance(self.room, date),
        ]
    }

    /// Where this room's attendance documents start in storage: the kiosk
    /// looks there at start for earlier days it still holds.
    pub fn attendance_prefix(&self) -> String {
        format!("attendance/{}/", self.room)
    }

    /// Sorts the loaded attendance documents of days before `today`.
    ///
    /// A day with changes the relay has not confirmed (a kiosk switched off
    /// overnight while offline) stays loaded and is kept in sync from now
    /// on, so its visits are sent and counted as 未送信 until the relay has
    /// them; these days are returned. A day the relay has confirmed is
    /// unloaded, and the writes returned with them drop it from the device:
    /// the relay holds it, and the kiosk shows only today.
    pub fn settle_earlier_days(&mut self, today: Date) -> (Vec<DocId>, Vec<Write>) {
        let earlier: Vec<DocId> = self
            .docs
            .ids()
            .filter(|id| {
                id.as_attendance()
                    .is_some_and(|(room, date)| room == self.room && date < today)
            })
            .cloned()
            .collect();
        let (mut unsent, mut writes) = (Vec::new(), Vec::new());
        for id in earlier {
            if self.docs.unacknowledged(&ClientSession::relay_peer(), &id) > 0 {
                unsent.push(id);
            } else {
                self.docs.unload(&id);
                self.next_seq.remove(&id);
                writes.push(Write::DropDoc {
                    doc: id.to_string(),
                });
                writes.push(Write::Delete { key: peer_key(&id) });
            }
        }
        // At start the session is not connected yet, so opening sends
        // nothing: the first connection syncs these days with today's.
        let _ = self.session.open(&mut self.docs, &unsent);
        (unsent, writes)
    }

    /// Loads a document's stored chunks (numbered) and its persisted relay
    /// sync state. A document that cannot be read is reported and left
    /// out; the kiosk then fetches it again from the relay.
    pub fn load(
        &mut self,
        id: &DocId,
        chunks: Vec<(u32, Vec<u8>)>,
        peer_state: Option<&[u8]>,
    ) -> Result<(), String> {
        let next = chunks.iter().map(|(seq, _)| seq + 1).max().unwrap_or(0);
        self.next_seq.insert(id.clone(), next);
        if chunks.is_empty() {
            // Nothing stored yet: the document comes from the relay.
            return Ok(());
        }
        self.docs
            .load(id, chunks.into_iter().map(|(_, bytes)| bytes))
            .map_err(|e| e.to_string())?;
        if let Some(state) = peer_state {
            // A bad state only costs a full exchange.
            let _ = self
                .docs
                .restore_peer_state(&ClientSession::relay_peer(), id, state);
        }
        self.refresh(id);
        Ok(())
    }

    /// The settings key prefix of the remembered choices.
    pub fn last_choice_prefix() -> &'static str {
        LAST_CHOICE
    }

    /// Restores a remembered choice (`key`, `value` as written by
    /// [`Station::take_writes`]); unreadable ones are forgotten.
    pub fn restore_choice(&mut self, key: &str, value: &[u8]) {
        let pass = key
            .strip_prefix(LAST_CHOICE)
            .and_then(|p| p.parse::<PassId>().ok());
        if let (Some(pass), Ok(choice)) = (pass, serde_json::from_slice(value)) {
            self.last_choice.insert(pass, choice);
        }
    }

    /// The verifier, once the trust list has arrived.
    pub fn verifier(&self) -> Option<std::rc::Rc<Verifier>> {
        self.verifier.clone()
    }

    /// Why passes cannot be checked, if the trust list is unreadable.
    pub fn trust_problem(&self) -> Option<&str> {
        self.trust_problem.as_deref()
    }

    /// The view of the room's day `date`.
    pub fn day(&mut self, date: Date) -> &DayView {
        let id = DocId::attendance(self.room, date);
        if self.view.as_ref().is_some_and(|(cached, _)| *cached != id) {
            self.view = None;
        }
        let docs = &self.docs;
        &self
            .view
            .get_or_insert_with(|| {
                let view = match docs.doc(&id) {
                    Some(doc) => DayView::load(doc),
                    None => DayView::load(&automerge::AutoCommit::new()),
                };
                (id.clone(), view)
            })
            .1
    }

    /// The emergency notice to show as a banner at `now`, if any.
    pub fn emergency(&self, now: Timestamp) -> Option<hiroba_engine::notice::Notice> {
        let doc = self.docs.doc(&DocId::notices())?;
        hiroba_engine::notice::active_emergency(doc, self.room, now)
    }

    /// Who is in the room at `now`.
    pub fn occupancy(&mut self, now: Timestamp) -> Occupancy {
        self.day(now.jst_date()).occupancy(now)
    }

    /// What a scan of `raw` at `now` means.
    pub fn decide(&mut self, raw: &str, now: Timestamp) -> Option<Decision> {
        let verifier = self.verifier.clone()?;
        Some(match verifier.verify(raw, now) {
            Ok(claims) => {
                let day = self.day(now.jst_date());
                let today = day.last_selection(claims.pass_id);
                let mut decision = day.decide_scan(
                    claims.pass_id,
                    &claims.children,
                    claims.guardians,
                    now,
                    DUPLICATE_WINDOW_SECONDS,
                );
                // Not seen today: preselect what the family chose last time.
                if let (ScanDecision::CheckIn { .. }, None) = (&decision, today) {
                    if let Some(last) = self.last_choice.get(&claims.pass_id) {
                        let (children, guardians) =
                            preselect(Some(last.clone()), &claims.children, claims.guardians);
                        decision = ScanDecision::CheckIn {
                            preselect_children: children,
                            preselect_guardians: guardians,
                        };
                    }
                }
                Decision::Valid { claims, decision }
            }
            Err(rejection) => Decision::Refused {
                code: rejection.code().to_string(),
                message_ja: rejection.message_ja().to_string(),
                message_en: rejection.message_en().to_string(),
            },
        })
    }

    /// Records a check-in; `random` makes the visit's id.
    pub fn check_in(
        &mut self,
        claims: &PassClaims,
        children: Vec<YearMonth>,
        guardians: u8,
        at: Timestamp,
        random: &[u8; 16],
    ) -> Result<DocId, RecordError> {
        let id = DocId::attendance(self.room, at.jst_date());
        let source = match claims.kind {
            PassKind::AppPass => Source::AppPass,
            _ => Source::PrintedCard,
        };
        let fact = CheckIn {
            pass: claims.pass_id,
            source,
            children,
            guardians,
            at,
        };
        record_check_in(self.docs.doc_mut(&id), &VisitId::from_random(random), &fact)
            .map_err(|e| RecordError(e.to_string()))?;
        self.last_choice
            .insert(fact.pass, (fact.children.clone(), fact.guardians));
        self.pending_choices.push(fact.pass);
        self.refresh(&id);
        Ok(id)
    }

    /// Records a check-out of `pass`.
    pub fn check_out(
        &mut self,
        pass: PassId,
        at: Timestamp,
        random: &[u8; 16],
    ) -> Result<DocId, RecordError> {
        let id = DocId::attendance(self.room, at.jst_date());
        record_check_out(
            self.docs.doc_mut(&id),
            &EventId::from_random(random),
            pass,
            at,
        )
        .map_err(|e| RecordError(e.to_string()))?;
        self.refresh(&id);
        Ok(id)
    }

    /// The writes that store every change since the last call (document
    /// chunks, then the relay sync states worth keeping).
    pub fn take_writes(&mut self) -> Vec<Write> {
        let mut writes = Vec::new();
        for op in self.docs.take_pending_saves() {
            let doc = op.id().clone();
            let seq = self.next_seq.entry(doc.clone()).or_insert(0);
            let this = *seq;
            *seq += 1;
            let compact = matches!(op, StorageOp::Compact { .. });
            writes.push(Write::PutChunk {
                doc: doc.to_string(),
                seq: this,
                bytes: op.bytes().to_vec(),
            });
            if compact {
                writes.push(Write::DropChunksBelow {
                    doc: doc.to_string(),
                    below: this,
                });
            }
        }
        for pass in std::mem::take(&mut self.pending_choices) {
            if let Some(choice) = self.last_choice.get(&pass) {
                if let Ok(json) = serde_json::to_vec(choice) {
                    writes.push(Write::PutBytes {
                        key: format!("{LAST_CHOICE}{pass}"),
                        value: json,
                    });
                }
            }
        }
        let open: Vec<DocId> = self.session.open_docs().cloned().collect();
        for id in open {
            if let Some(state) = self
                .docs
                .encode_peer_state(&ClientSession::relay_peer(), &id)
            {
                writes.push(Write::PutBytes {
                    key: peer_key(&id),
                    value: state,
                });
            }
        }
        writes
    }

    /// Starts keeping the documents for `date` in sync; frames to send now.
    pub fn open_day(&mut self, date: Date) -> Vec<Vec<u8>> {
        let ids = self.docs_for(date);
        self.session.open(&mut self.docs, &ids)
    }

    /// The first frame of a new connection.
    pub fn join_frame(&self) -> Vec<u8> {
        self.session.join_frame()
    }

    /// The frames carrying a local change of `id` (none while offline).
    pub fn frames_for(&mut self, id: &DocId) -> Vec<Vec<u8>> {
        self.session.changed_locally(&mut self.docs, id)
    }

    /// A frame from the relay: the frames to answer with.
    ///
    /// `Err(Refused)`-like case: when the relay says the trust list is
    /// unavailable, it did not accept this device's session (every enrolled
    /// kiosk may read it), so [`Station::refused`] turns true.
    pub fn receive(&mut self, frame: &[u8]) -> Result<Vec<Vec<u8>>, SessionError> {
        let step = self.session.receive(&mut self.docs, frame)?;
        for id in &step.changed {
            self.refresh(id);
        }
        if step.unavailable.contains(&DocId::trust_list()) {
            self.refused = true;
        }
        Ok(step.frames)
    }

    /// Whether the relay treated this connection as anonymous (an expired
    /// or unknown session): reconnect with a renewed one.
    pub fn refused(&self) -> bool {
        self.refused
    }

    /// The connection dropped.
    pub fn disconnected(&mut self) {
        self.refused = false;
        self.session.disconnected(&mut self.docs);
    }

    /// Whether the relay has answered this connection's `join`.
    pub fn is_connected(&self) -> bool {
        self.session.is_connected()
    }

    /// Changes not yet confirmed by the relay (the "not sent" count).
    pub fn unsent(&mut self) -> usize {
        // Only this room's facts count: the trust documents come *from* the relay.
        let ids: Vec<DocId> = self
            .session
            .open_docs()
            .filter(|id| id.as_attendance().is_some())
            .cloned()
            .collect();
        ids.iter()
            .map(|id| self.docs.unacknowledged(&ClientSession::relay_peer(), id))
            .sum()
    }

    /// The settings key prefix of persisted sync states.
    pub fn peer_key_prefix() -> &'static str {
        "peer/"
    }

    /// The document name a persisted sync state key belongs to.
    pub fn doc_of_peer_key(key: &str) -> Option<DocId> {
        DocId::parse(key.strip_prefix("peer/")?).ok()
    }

    fn refresh(&mut self, id: &DocId) {
        if *id == DocId::trust_list() || *id == DocId::revocations() {
            self.rebuild_verifier();
        }
        if self.view.as_ref().is_some_and(|(cached, _)| cached == id) {
            self.view = None;
        }
    }

    fn rebuild_verifier(&mut self) {
        let Some(trust) = self.docs.doc(&DocId::trust_list()) else {
            return;
        };
        // An empty list (opened, not yet synced) cannot verify anything:
        // the kiosk is not ready until the city's keys are here.
        if automerge::ReadDoc::keys(trust, automerge::ROOT)
            .next()
            .is_none()
        {
            return;
        }
        match Verifier::from_loaded(
            self.city,
            self.room,
            trust,
            self.docs.doc(&DocId::revocations()),
        ) {
            Ok(v) => {
                let v = std::rc::Rc::new(v);
                crate::verifier::install(v.clone());
                self.verifier = Some(v);
                self.trust_problem = None;
            }
            Err(e) => self.trust_problem = Some(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use ed25519_dalek::SigningKey;
    use hiroba_engine::ids::KeyId;
    use hiroba_engine::sync::{DocMessage, PeerId, RepoMessage};
    use hiroba_engine::trust::{TrustedKey, add_trusted_key};

    use super::*;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    const CITY: CityCode = CityCode(121_002);

    fn at(hour: u32, minute: u32) -> Result<Timestamp, Box<dyn std::error::Error>> {
        Ok(Timestamp::from_jst(Date::new(2026, 11, 24)?, hour, minute))
    }

    fn key() -> SigningKey {
        SigningKey::from_bytes(&[7; 32])
    }

    fn claims() -> Result<PassClaims, Box<dyn std::error::Error>> {
        Ok(PassClaims {
            city: CITY,
            pass_id: PassId([1, 2, 3, 4, 5, 6, 7, 8]),
            serial: 1,
            key_id: KeyId(1),
            kind: PassKind::AppPass,
            rooms: vec![RoomId(3)],
            guardians: 2,
            children: vec![YearMonth::new(2024, 8)?, YearMonth::new(2018, 2)?],
            valid_from: at(0, 0)?.plus_seconds(-86_400 * 30),
            valid_until: at(0, 0)?.plus_seconds(86_400 * 300),
        })
    }

    /// A relay's copy of the trust list, as a DocSet the test syncs with.
    fn relay() -> Result<DocSet, Box<dyn std::error::Error>> {
        let mut relay = DocSet::new(ActorId::from(&[9u8; 16][..]));
        let k1 = TrustedKey::for_signing_key(
            &key(),
            KeyId(1),
            at(0, 0)?.plus_seconds(-86_400 * 365),
            at(0, 0)?.plus_seconds(86_400 * 365),
        );
        add_trusted_key(relay.doc_mut(&DocId::trust_list()), &k1)?;
        Ok(relay)
    }

    /// Plays the relay's side of the protocol until the kiosk is quiet.
    fn sync(station: &mut Station, relay: &mut DocSet, mut out: Vec<Vec<u8>>) -> TestResult {
        let peer = PeerId::new("kiosk");
        let mut rounds = 0;
        while let Some(frame) = out.pop() {
            rounds += 1;
            assert!(rounds < 100, "sync does not settle");
            let answer = match RepoMessage::decode(&frame)? {
                RepoMessage::Join { .. } => Some(
                    RepoMessage::Peer {
                        sender_id: "relay".into(),
                        target_id: "kiosk".into(),
                        selected_protocol_version: "1".into(),
                        peer_metadata: None,
                    }
                    .encode(),
                ),
                RepoMessage::Request(m) | RepoMessage::Sync(m) => {
                    let id = m.verified_name().ok_or("unnamed")?;
                    relay.receive_sync_message(&peer, &id, &m.data)?;
                    relay.generate_sync_message(&peer, &id).map(|data| {
                        RepoMessage::Sync(DocMessage::for_doc("relay", "kiosk", &id, data)).encode()
                    })
                }
                _ => None,
            };
            if let Some(answer) = answer {
                out.extend(station.receive(&answer)?);
            }
        }
        Ok(())
    }

    #[test]
    fn a_new_kiosk_gets_the_trust_list_then_checks_families_in_and_out() -> TestResult {
        let mut relay = relay()?;
        let mut station = Station::new(CITY, RoomId(3), ActorId::from(&[1u8; 16][..]), "kiosk");
        let text = claims()?.sign(&key()).to_text();
        assert_eq!(station.decide(&text, at(10, 0)?), None, "no trust list yet");
        // Nothing stored on a first run, and an opened empty list is not a list.
        station.load(&DocId::trust_list(), Vec::new(), None)?;
        station.open_day(at(10, 0)?.jst_date());
        let _ = station.receive(
            &RepoMessage::Peer {
                sender_id: "relay".into(),
                target_id: "kiosk".into(),
                selected_protocol_version: "1".into(),
                peer_metadata: None,
            }
            .encode(),
        )?;
        assert_eq!(
            station.decide(&text, at(10, 0)?),
            None,
            "an empty trust list is not ready"
        );
        station.disconnected();

        let mut first = vec![station.join_frame()];
        first.extend(station.open_day(at(10, 0)?.jst_date()));
        sync(&mut station, &mut relay, first)?;
        assert!(station.is_connected());

        let Some(Decision::Valid { claims, decision }) = station.decide(&text, at(10, 0)?) else {
            return Err("expected a valid pass".into());
        };
        let ScanDecision::CheckIn {
            preselect_children,
            preselect_guardians,
        } = decision
        else {
            return Err(format!("expected check-in, got {decision:?}").into());
        };
        assert_eq!((preselect_children.len(), preselect_guardians), (2, 2));

        // One child and one guardian came today.
        let id = station.check_in(
            &claims,
            preselect_children[..1].to_vec(),
            1,
            at(10, 0)?,
            &[5; 16],
        )?;
        let writes = station.take_writes();
        assert!(
            writes
                .iter()
                .any(|w| matches!(w, Write::PutChunk { doc, .. } if *doc == id.to_string())),
            "the visit is written to storage: {writes:?}"
        );
        assert_eq!(station.occupancy(at(10, 1)?).people(), 2);
        assert_eq!(station.unsent(), 1);

        // Sent: the relay has it and the count drops.
        let frames = station.frames_for(&id);
        sync(&mut station, &mut relay, frames)?;
        assert_eq!(station.unsent(), 0);
        let on_relay = DayView::load(relay.doc(&id).ok_or("relay has the day")?);
        assert_eq!(on_relay.occupancy(at(10, 1)?).people(), 2);

        // Read twice in a moment: one scan. Later: check-out.
        assert!(matches!(
            station.decide(&text, at(10, 0)?.plus_seconds(3)),
            Some(Decision::Valid {
                decision: ScanDecision::Duplicate,
                ..
            })
        ));
        let later = at(11, 30)?;
        let Some(Decision::Valid {
            decision: ScanDecision::CheckOut { .. },
            ..
        }) = station.decide(&text, later)
        else {
            return Err("expected check-out".into());
        };
        station.check_out(claims.pass_id, later, &[6; 16])?;
        assert_eq!(station.occupancy(later.plus_seconds(60)).people(), 0);
        Ok(())
    }

    #[test]
    fn offline_changes_wait_and_a_reloaded_kiosk_keeps_them() -> TestResult {
        let mut relay = relay()?;
        let mut station = Station::new(CITY, RoomId(3), ActorId::from(&[1u8; 16][..]), "kiosk");
        let mut first = vec![station.join_frame()];
        first.extend(station.open_day(at(9, 0)?.jst_date()));
        sync(&mut station, &mut relay, first)?;
        let mut stored: Vec<Write> = station.take_writes();

        station.disconnected();
        let claims = claims()?;
        let id = station.check_in(
            &claims,
            claims.children[..1].to_vec(),
            2,
            at(10, 0)?,
            &[5; 16],
        )?;
        assert!(
            station.frames_for(&id).is_empty(),
            "nothing is sent while offline"
        );
        stored.extend(station.take_writes());
        assert_eq!(station.unsent(), 1);

        // The page reloads: a new station from what was stored.
        let mut store = Stored::default();
        store.apply(stored);
        let mut reloaded = Station::new(CITY, RoomId(3), ActorId::from(&[1u8; 16][..]), "kiosk-2");
        store.load_into(&mut reloaded, |_| true)?;
        let choices = store.choices.clone();
        assert!(
            reloaded.verifier().is_some(),
            "passes verify offline after a reload"
        );
        assert_eq!(reloaded.occupancy(at(10, 5)?).people(), 3);
        for (key, value) in &choices {
            reloaded.restore_choice(key, value);
        }
        // The next day the family is preselected as it came this time: the
        // younger child only and two guardians.
        let text = claims.sign(&key()).to_text();
        let tomorrow = at(10, 0)?.plus_seconds(86_400);
        let Some(Decision::Valid {
            decision:
                ScanDecision::CheckIn {
                    preselect_children,
                    preselect_guardians,
                },
            ..
        }) = reloaded.decide(&text, tomorrow)
        else {
            return Err("expected check-in tomorrow".into());
        };
        assert_eq!(preselect_children, claims.children[..1]);
        assert_eq!(preselect_guardians, 2);
        let mut again = vec![reloaded.join_frame()];
        again.extend(reloaded.open_day(at(10, 5)?.jst_date()));
        assert_eq!(reloaded.unsent(), 1);
        sync(&mut reloaded, &mut relay, again)?;
        assert_eq!(reloaded.unsent(), 0);
        assert_eq!(
            DayView::load(relay.doc(&id).ok_or("on the relay")?)
                .stays()
                .len(),
            1
        );
        Ok(())
    }

    /// A kiosk's IndexedDB, replayed from the writes a station asked for.
    #[derive(Default)]
    struct Stored {
        chunks: BTreeMap<String, Vec<(u32, Vec<u8>)>>,
        states: BTreeMap<String, Vec<u8>>,
        choices: Vec<(String, Vec<u8>)>,
    }

    impl Stored {
        fn apply(&mut self, writes: Vec<Write>) {
            for w in writes {
                match w {
                    Write::PutChunk { doc, seq, bytes } => {
                        self.chunks.entry(doc).or_default().push((seq, bytes))
                    }
                    Write::DropChunksBelow { doc, below } => {
                        self.chunks
                            .entry(doc)
                            .or_default()
                            .retain(|(s, _)| *s >= below);
                    }
                    Write::DropDoc { doc } => {
                        self.chunks.remove(&doc);
                    }
                    Write::PutBytes { key, value } => {
                        if key.starts_with(Station::last_choice_prefix()) {
                            self.choices.push((key, value));
                        } else {
                            self.states.insert(key, value);
                        }
                    }
                    Write::Delete { key } => {
                        self.states.remove(&key);
                    }
                    Write::PutText { .. } => {}
                }
            }
        }

        /// Loads the stored documents `wanted` picks, as the runtime's boot does.
        fn load_into(&self, station: &mut Station, wanted: impl Fn(&DocId) -> bool) -> TestResult {
            for (doc, chunks) in &self.chunks {
                let id = DocId::parse(doc)?;
                if wanted(&id) {
                    let state = self.states.get(&peer_key(&id)).map(Vec::as_slice);
                    station.load(&id, chunks.clone(), state)?;
                }
            }
            Ok(())
        }
    }

    #[test]
    fn visits_stored_offline_on_an_earlier_day_are_sent_after_a_restart() -> TestResult {
        let mut relay = relay()?;
        let actor = ActorId::from(&[1u8; 16][..]);
        let mut station = Station::new(CITY, RoomId(3), actor.clone(), "kiosk");
        let monday = at(9, 0)?.jst_date();
        let mut first = vec![station.join_frame()];
        first.extend(station.open_day(monday));
        sync(&mut station, &mut relay, first)?;
        let mut store = Stored::default();
        store.apply(station.take_writes());

        // Monday afternoon the network is gone; the tablet is switched off
        // for the night with the visit only on the device.
        station.disconnected();
        let claims = claims()?;
        let monday_doc =
            station.check_in(&claims, claims.children.clone(), 1, at(15, 0)?, &[5; 16])?;
        store.apply(station.take_writes());
        drop(station);

        // Tuesday it starts online, as the runtime boots: today's documents
        // and every earlier day of the room that is stored.
        let tuesday = at(9, 0)?.plus_seconds(86_400);
        let mut tue = Station::new(CITY, RoomId(3), actor.clone(), "kiosk-tue");
        let prefix = tue.attendance_prefix();
        let today_docs = tue.docs_for(tuesday.jst_date());
        store.load_into(&mut tue, |id| {
            today_docs.contains(id) || id.as_str().starts_with(&prefix)
        })?;
        let (unsent, writes) = tue.settle_earlier_days(tuesday.jst_date());
        assert_eq!(unsent, vec![monday_doc.clone()]);
        assert!(writes.is_empty(), "nothing is dropped: {writes:?}");
        assert_eq!(tue.unsent(), 1, "Monday's visit counts as not sent");
        let mut again = vec![tue.join_frame()];
        again.extend(tue.open_day(tuesday.jst_date()));
        sync(&mut tue, &mut relay, again)?;
        assert_eq!(tue.unsent(), 0);
        let on_relay = DayView::load(relay.doc(&monday_doc).ok_or("Monday on the relay")?);
        assert_eq!(
            on_relay.stays().len(),
            1,
            "Monday's visit reached the relay"
        );
        store.apply(tue.take_writes());

        // Wednesday: Monday is confirmed, so it is dropped from the device.
        let wednesday = tuesday.plus_seconds(86_400).jst_date();
        let mut wed = Station::new(CITY, RoomId(3), actor, "kiosk-wed");
        store.load_into(&mut wed, |id| id.as_str().starts_with(&prefix))?;
        let (unsent, writes) = wed.settle_earlier_days(wednesday);
        assert!(unsent.is_empty());
        assert!(writes.contains(&Write::DropDoc {
            doc: monday_doc.to_string()
        }));
        store.apply(writes);
        assert!(!store.chunks.contains_key(monday_doc.as_str()));
        assert!(!store.states.contains_key(&peer_key(&monday_doc)));
        assert_eq!(wed.unsent(), 0);
        Ok(())
    }
}
