//! The kiosk's engine room in the browser: the [`Station`] with its
//! documents, IndexedDB under it and the relay's WebSocket beside it.
//!
//! * **Boot** ([`boot`]): open IndexedDB; a device that never enrolled asks
//!   for a pairing code; otherwise the room's documents load from IndexedDB
//!   (so passes verify and the day is counted with no network at all) and
//!   the link to the relay starts.
//! * **Recording** ([`Runtime::check_in`]): the fact goes into the day's
//!   document, its chunk is written to IndexedDB and the write awaited; only
//!   then does the call return `Ok`, and the screen say 「受付しました」.
//!   Then the change is sent, if the link is up.
//! * **Link** ([`Runtime::run_link`]): connect, `join`, sync the open
//!   documents, apply what arrives (stored before it is answered); on a
//!   drop, retry with backoff (1 s doubling to 30 s), renewing the device
//!   session with its key when the relay refused the old one.

use std::cell::RefCell;
use std::rc::Rc;

use hiroba_engine::attendance::Occupancy;
use hiroba_engine::calendar::{Date, Timestamp, YearMonth};
use hiroba_engine::device::load_or_create;
use hiroba_engine::ids::{CityCode, DocId, PassId, RoomId};
use hiroba_engine::pass::PassClaims;
use yew::Callback;
use yew::platform::spawn_local;

use crate::services::api::{self, ApiError, Config};
use crate::services::browser::now;
use crate::services::device::{self, Enrolment};
use crate::services::idb::{Idb, StorageError, Write};
use crate::services::link::{self, Replica, Socket};
use crate::state::RecordFailure;
use crate::station::{Decision, Station};

const DB_NAME: &str = "hiroba-kiosk";
const KEY_DEVICE: &str = "device";
const KEY_ACTOR: &str = "actor";
const KEY_CONFIG: &str = "config";
const KEY_TOKEN: &str = "token";

/// What the screen shows about the kiosk's health, refreshed on every change.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Snapshot {
    /// Passes can be verified (the trust list is here).
    pub ready: bool,
    /// The relay answered this connection.
    pub online: bool,
    /// Facts the relay has not confirmed yet.
    pub unsent: usize,
    /// Who is in the room now.
    pub occupancy: Occupancy,
    /// The enrolment was revoked: the kiosk stops syncing and says so.
    pub revoked: bool,
    /// The last storage problem, if writing failed.
    pub storage_problem: Option<String>,
    /// Why the trust documents could not be read, if they could not.
    pub trust_problem: Option<String>,
    /// An active emergency notice for this room: (Japanese, English).
    pub emergency: Option<(String, String)>,
}

/// Why the kiosk could not start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BootError {
    Storage(StorageError),
    Api(ApiError),
    /// The stored enrolment names a room or city that cannot be read.
    Enrolment(String),
}

impl BootError {
    pub fn message_ja(&self) -> String {
        match self {
            BootError::Storage(e) => format!("この端末の保存領域を使えません（{}）。", e.0),
            BootError::Api(e) => e.message_ja(),
            BootError::Enrolment(_) => {
                "この端末の登録情報を読めません。管理者に再登録を依頼してください。".to_owned()
            }
        }
    }

    pub fn message_en(&self) -> String {
        match self {
            BootError::Storage(e) => format!("This device's storage cannot be used ({}).", e.0),
            BootError::Api(e) => e.message_en(),
            BootError::Enrolment(d) => format!(
                "This device's enrolment cannot be read ({d}). Ask an administrator to enrol it again."
            ),
        }
    }
}

impl From<StorageError> for BootError {
    fn from(e: StorageError) -> BootError {
        BootError::Storage(e)
    }
}

/// How the app starts.
#[derive(Debug)]
pub enum Boot {
    /// Not enrolled yet: ask for a pairing code.
    NeedsEnrolment(Idb),
    /// A kiosk of a room, running.
    Kiosk(Rc<Runtime>),
    /// A staff device: the staff console.
    StaffDevice,
}

/// The running kiosk; see the module docs.
pub struct Runtime {
    station: RefCell<Station>,
    idb: Idb,
    device: Enrolment,
    config: Config,
    socket: Socket,
    /// Writes that failed, retried before the next ones.
    retry: RefCell<Vec<Write>>,
    notify: RefCell<Callback<Snapshot>>,
    day: RefCell<Date>,
    revoked: RefCell<bool>,
    storage_problem: RefCell<Option<String>>,
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field("device", &self.device.device_id)
            .finish_non_exhaustive()
    }
}

impl PartialEq for Runtime {
    fn eq(&self, other: &Runtime) -> bool {
        std::ptr::eq(self, other)
    }
}

/// Opens storage and, if this device is enrolled, its kiosk.
pub async fn boot(notify: Callback<Snapshot>) -> Result<Boot, BootError> {
    let idb = Idb::open(DB_NAME).await?;
    let Some(stored) = idb.text(KEY_DEVICE).await? else {
        return Ok(Boot::NeedsEnrolment(idb));
    };
    let device: Enrolment =
        serde_json::from_str(&stored).map_err(|e| BootError::Enrolment(e.to_string()))?;
    start(idb, device, notify).await
}

/// Spends a pairing code and starts the enrolled device.
pub async fn enrol(
    idb: Idb,
    code: &str,
    name: &str,
    notify: Callback<Snapshot>,
) -> Result<Boot, BootError> {
    let device = device::redeem(code, name).await.map_err(BootError::Api)?;
    let json = serde_json::to_string(&device).map_err(|e| BootError::Enrolment(e.to_string()))?;
    idb.write(&[Write::PutText {
        key: KEY_DEVICE.to_owned(),
        value: json,
    }])
    .await?;
    start(idb, device, notify).await
}

async fn start(idb: Idb, device: Enrolment, notify: Callback<Snapshot>) -> Result<Boot, BootError> {
    if device.role != "kiosk" {
        return Ok(Boot::StaffDevice);
    }
    let room: RoomId = device
        .room
        .parse()
        .map_err(|_| BootError::Enrolment(format!("room {}", device.room)))?;
    let config = load_config(&idb).await?;
    let stored_actor = idb.text(KEY_ACTOR).await?;
    let fresh = device::random::<16>().map_err(BootError::Api)?;
    let (identity, created) = load_or_create(stored_actor.as_deref(), fresh);
    if created {
        idb.write(&[Write::PutText {
            key: KEY_ACTOR.to_owned(),
            value: identity.to_stored(),
        }])
        .await?;
    }
    let tag = device::random::<4>().map_err(BootError::Api)?;
    let peer_id = format!(
        "kiosk-{}-{}",
        device.device_id,
        tag.iter().map(|b| format!("{b:02x}")).collect::<String>()
    );
    let mut station = Station::new(CityCode(config.city), room, identity.into_actor(), &peer_id);
    let today = now().jst_date();
    let states = idb.bytes_with_prefix(Station::peer_key_prefix()).await?;
    // Today's documents, and earlier days still on the device: those the
    // relay has not confirmed are sent now (a tablet switched off offline
    // last night), the others are dropped below (the relay holds them).
    let mut ids = station.docs_for(today);
    for name in idb.stored_docs(&station.attendance_prefix()).await? {
        if let Ok(id) = DocId::parse(&name) {
            if id.as_attendance().is_some_and(|(_, date)| date < today) {
                ids.push(id);
            }
        }
    }
    for id in ids {
        let chunks = idb.chunks(id.as_str()).await?;
        let state = states
            .iter()
            .find(|(k, _)| Station::doc_of_peer_key(k).as_ref() == Some(&id))
            .map(|(_, v)| v.as_slice());
        if let Err(problem) = station.load(&id, chunks, state) {
            // Unreadable storage: the relay has a copy of today's and sends
            // it again; an unreadable earlier day is left as it is, as
            // nothing stored is dropped unless the relay confirmed it.
            web_sys::console::warn_1(&format!("{id}: {problem}").into());
        }
    }
    let (_unsent, drops) = station.settle_earlier_days(today);
    if let Err(problem) = idb.write(&drops).await {
        // Only space is lost: the next start tries again.
        web_sys::console::warn_1(&problem.0.into());
    }
    for (key, value) in idb.bytes_with_prefix(Station::last_choice_prefix()).await? {
        station.restore_choice(&key, &value);
    }
    station.open_day(today);
    let runtime = Rc::new(Runtime {
        station: RefCell::new(station),
        idb,
        device,
        config,
        socket: Socket::default(),
        retry: RefCell::new(Vec::new()),
        notify: RefCell::new(notify),
        day: RefCell::new(today),
        revoked: RefCell::new(false),
        storage_problem: RefCell::new(None),
    });
    {
        let runtime = runtime.clone();
        spawn_local(async move { link::run(&*runtime, &runtime.socket).await });
    }
    Ok(Boot::Kiosk(runtime))
}

/// The city's configuration: the kept copy when there is one, so a kiosk
/// on a network that swallows requests still starts at once (a fresh copy
/// is fetched meanwhile and used from the next start); fetched and kept
/// otherwise (the first start, just after enrolment).
async fn load_config(idb: &Idb) -> Result<Config, BootError> {
    let kept: Option<Config> = idb
        .text(KEY_CONFIG)
        .await?
        .and_then(|json| serde_json::from_str(&json).ok());
    if let Some(config) = kept {
        let idb = idb.clone();
        spawn_local(async move {
            if let Ok(fresh) = api::config().await {
                let _ = keep_config(&idb, &fresh).await;
            }
        });
        return Ok(config);
    }
    let config = api::config().await.map_err(BootError::Api)?;
    keep_config(idb, &config).await?;
    Ok(config)
}

async fn keep_config(idb: &Idb, config: &Config) -> Result<(), BootError> {
    if let Ok(json) = serde_json::to_string(config) {
        idb.write(&[Write::PutText {
            key: KEY_CONFIG.to_owned(),
            value: json,
        }])
        .await?;
    }
    Ok(())
}

impl Runtime {
    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn room(&self) -> RoomId {
        self.station.borrow().room()
    }

    pub fn device_name(&self) -> &str {
        &self.device.name
    }

    /// Replaces where change notices go (the app re-renders with it).
    pub fn set_notify(&self, notify: Callback<Snapshot>) {
        *self.notify.borrow_mut() = notify;
    }

    /// The screen's health numbers at `at`.
    pub fn snapshot(&self, at: Timestamp) -> Snapshot {
        let mut station = self.station.borrow_mut();
        Snapshot {
            ready: station.verifier().is_some(),
            online: station.is_connected(),
            unsent: station.unsent(),
            occupancy: station.occupancy(at),
            revoked: *self.revoked.borrow(),
            storage_problem: self.storage_problem.borrow().clone(),
            trust_problem: station.trust_problem().map(str::to_owned),
            emergency: station.emergency(at).map(|n| (n.title_ja, n.title_en)),
        }
    }

    /// What a scan means now.
    pub fn decide(&self, raw: &str, at: Timestamp) -> Option<Decision> {
        self.follow_day(at);
        self.station.borrow_mut().decide(raw, at)
    }

    /// Records a check-in and returns once it is stored on this device.
    pub async fn check_in(
        &self,
        claims: &PassClaims,
        children: Vec<YearMonth>,
        guardians: u8,
        at: Timestamp,
    ) -> Result<(), RecordFailure> {
        let random =
            device::random::<16>().map_err(|e| RecordFailure::NotRecorded(e.message_en()))?;
        let id = self
            .station
            .borrow_mut()
            .check_in(claims, children, guardians, at, &random)
            .map_err(|e| RecordFailure::NotRecorded(e.to_string()))?;
        self.store_and_send(&id).await
    }

    /// Records a check-out and returns once it is stored on this device.
    pub async fn check_out(&self, pass: PassId, at: Timestamp) -> Result<(), RecordFailure> {
        let random =
            device::random::<16>().map_err(|e| RecordFailure::NotRecorded(e.message_en()))?;
        let id = self
            .station
            .borrow_mut()
            .check_out(pass, at, &random)
            .map_err(|e| RecordFailure::NotRecorded(e.to_string()))?;
        self.store_and_send(&id).await
    }

    /// Stores the recorded fact and sends it. The fact is in the day's
    /// document either way; when storage refuses it, sending it still
    /// gets it to the relay, and the write is retried with the next one.
    async fn store_and_send(&self, id: &DocId) -> Result<(), RecordFailure> {
        let stored = self.persist_writes().await;
        let frames = self.station.borrow_mut().frames_for(id);
        self.send(frames);
        self.changed();
        stored.map_err(RecordFailure::NotStored)
    }

    /// Writes everything not yet stored; failed writes are kept for retry.
    async fn persist_writes(&self) -> Result<(), String> {
        let mut writes = std::mem::take(&mut *self.retry.borrow_mut());
        writes.extend(self.station.borrow_mut().take_writes());
        match self.idb.write(&writes).await {
            Ok(()) => {
                *self.storage_problem.borrow_mut() = None;
                Ok(())
            }
            Err(e) => {
                *self.retry.borrow_mut() = writes;
                *self.storage_problem.borrow_mut() = Some(e.0.clone());
                Err(e.0)
            }
        }
    }

    fn send(&self, frames: Vec<Vec<u8>>) {
        self.socket.send(frames);
    }

    /// A kiosk left running over midnight starts the new day's document.
    fn follow_day(&self, at: Timestamp) {
        let today = at.jst_date();
        if *self.day.borrow() == today {
            return;
        }
        *self.day.borrow_mut() = today;
        let frames = self.station.borrow_mut().open_day(today);
        self.send(frames);
    }
}

impl Replica for Runtime {
    async fn token(&self, renew: bool) -> Result<Option<String>, ApiError> {
        if !renew {
            if let Ok(Some(token)) = self.idb.text(KEY_TOKEN).await {
                return Ok(Some(token));
            }
        }
        let token = device::new_session(&self.device).await?;
        if let Some(t) = &token {
            let _ = self
                .idb
                .write(&[Write::PutText {
                    key: KEY_TOKEN.to_owned(),
                    value: t.clone(),
                }])
                .await;
        }
        Ok(token)
    }

    fn join_frame(&self) -> Vec<u8> {
        self.station.borrow().join_frame()
    }

    fn receive(&self, frame: &[u8]) -> Result<Vec<Vec<u8>>, String> {
        self.station
            .borrow_mut()
            .receive(frame)
            .map_err(|e| e.to_string())
    }

    async fn persist(&self) {
        let _ = self.persist_writes().await;
    }

    fn connected(&self) -> bool {
        self.station.borrow().is_connected()
    }

    fn refused(&self) -> bool {
        self.station.borrow().refused()
    }

    fn disconnected(&self) {
        self.station.borrow_mut().disconnected();
    }

    fn changed(&self) {
        let snapshot = self.snapshot(now());
        let notify = self.notify.borrow().clone();
        notify.emit(snapshot);
    }

    fn gave_up(&self, _error: &ApiError) {
        *self.revoked.borrow_mut() = true;
        self.changed();
    }
}
