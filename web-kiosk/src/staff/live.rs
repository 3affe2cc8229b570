//! Documents the staff console keeps live with the relay over its own
//! WebSocket, with the staff member's token: a room's day and its slip
//! contacts. Changes are sent at once; the page shows "not yet sent" until
//! the relay confirms them (it confirms only what it has stored).
//!
//! Unlike the kiosk, the console keeps nothing on the device: a staff PC is
//! shared, and contacts written on paper slips must not stay in a browser.
//! What is not yet acknowledged lives only in this tab's memory, so the
//! [`LiveHub`], owned by the app shell, keeps every room-day's documents
//! for the page's lifetime (not a tab's or the console screen's): leaving
//! the Today tab or the console keeps sending, and the console warns
//! before the browser tab closes while anything is unsent.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use automerge::{ActorId, AutoCommit};
use hiroba_engine::calendar::Date;
use hiroba_engine::ids::{DocId, RoomId};
use hiroba_engine::sync::{ClientSession, DocSet};
use yew::Callback;
use yew::platform::spawn_local;

use crate::services::api::ApiError;
use crate::services::device::random;
use crate::services::link::{self, Replica, Socket};
use crate::staff::session::StaffSession;

/// The console's view of its link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LinkState {
    pub online: bool,
    pub unsent: usize,
    /// The relay no longer accepts the staff session: log in again.
    pub session_ended: bool,
    /// Bumped on every change of the documents, to re-render.
    pub version: u64,
}

/// Live documents; see the module docs.
pub struct LiveDocs {
    token: RefCell<String>,
    docs: RefCell<DocSet>,
    session: RefCell<ClientSession>,
    socket: Socket,
    /// The page showing these documents now, if any, with its listener id.
    listener: RefCell<Option<(u64, Callback<LinkState>)>>,
    /// The last listener id given out.
    listeners: Cell<u64>,
    /// The hub, told of every change (the console's unsent count).
    on_any: Callback<()>,
    state: RefCell<LinkState>,
    stopped: RefCell<bool>,
    /// Whether the link task is running (it ends when the session ends).
    running: Cell<bool>,
}

impl std::fmt::Debug for LiveDocs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveDocs").finish_non_exhaustive()
    }
}

impl LiveDocs {
    /// Starts syncing `ids` with the staff `token`; `on_any` hears of every
    /// change (pages [`listen`](LiveDocs::listen) for their own).
    pub fn start(
        token: &str,
        ids: &[DocId],
        on_any: Callback<()>,
    ) -> Result<Rc<LiveDocs>, ApiError> {
        let actor = ActorId::from(&random::<16>()?[..]);
        let tag = random::<4>()?;
        let peer = format!(
            "staff-{}",
            tag.iter().map(|b| format!("{b:02x}")).collect::<String>()
        );
        let mut docs = DocSet::new(actor);
        let mut session = ClientSession::new(peer);
        session.open(&mut docs, ids);
        let live = Rc::new(LiveDocs {
            token: RefCell::new(token.to_owned()),
            docs: RefCell::new(docs),
            session: RefCell::new(session),
            socket: Socket::default(),
            listener: RefCell::new(None),
            listeners: Cell::new(0),
            on_any,
            state: RefCell::new(LinkState::default()),
            stopped: RefCell::new(false),
            running: Cell::new(false),
        });
        live.run();
        Ok(live)
    }

    fn run(self: &Rc<Self>) {
        if self.running.replace(true) {
            return;
        }
        let running = self.clone();
        spawn_local(async move {
            link::run(&*running, &running.socket).await;
            running.running.set(false);
        });
    }

    /// Stops syncing for good (logging out): whatever is unsent is lost.
    pub fn stop(&self) {
        *self.stopped.borrow_mut() = true;
        self.socket.close();
    }

    /// Syncs with a new token of the same person (after logging in again),
    /// so changes made before the old session ended still reach the relay.
    pub fn renew(self: &Rc<Self>, token: &str) {
        if *self.stopped.borrow() {
            return;
        }
        let changed = *self.token.borrow() != token;
        if changed {
            *self.token.borrow_mut() = token.to_owned();
            self.state.borrow_mut().session_ended = false;
            // A link still open with the old token reconnects with the new.
            self.socket.close();
        }
        self.run();
        if changed {
            self.emit();
        }
    }

    /// The link as it is now.
    pub fn link_state(&self) -> LinkState {
        *self.state.borrow()
    }

    /// Lets a page hear of every change until [`unlisten`](LiveDocs::unlisten)
    /// with the returned id; a later page replaces an earlier one.
    pub fn listen(&self, notify: Callback<LinkState>) -> u64 {
        let id = self.listeners.get().wrapping_add(1);
        self.listeners.set(id);
        *self.listener.borrow_mut() = Some((id, notify));
        id
    }

    /// The page `id` no longer shows these documents (they keep syncing).
    pub fn unlisten(&self, id: u64) {
        let mut listener = self.listener.borrow_mut();
        if listener.as_ref().is_some_and(|(i, _)| *i == id) {
            *listener = None;
        }
    }

    /// Reads a document (an empty one until it arrives).
    pub fn read<T>(&self, id: &DocId, f: impl FnOnce(&AutoCommit) -> T) -> T {
        let docs = self.docs.borrow();
        match docs.doc(id) {
            Some(doc) => f(doc),
            None => f(&AutoCommit::new()),
        }
    }

    /// Changes documents and sends the changes; `f` gets each document in
    /// `ids` order. Returns what `f` returned.
    pub fn change<T>(&self, ids: &[DocId], f: impl FnOnce(&mut [&mut AutoCommit]) -> T) -> T {
        let out = {
            let mut docs = self.docs.borrow_mut();
            let out = f(&mut docs.docs_mut(ids));
            // Nothing is stored on a staff device (see the module docs).
            let _ = docs.take_pending_saves();
            out
        };
        for id in ids {
            let frames = self
                .session
                .borrow_mut()
                .changed_locally(&mut self.docs.borrow_mut(), id);
            self.socket.send(frames);
        }
        self.changed();
        out
    }

    fn emit(&self) {
        let state = *self.state.borrow();
        let listener = self.listener.borrow().clone();
        if let Some((_, notify)) = listener {
            notify.emit(state);
        }
        self.on_any.emit(());
    }
}

impl Replica for LiveDocs {
    async fn token(&self, _renew: bool) -> Result<Option<String>, ApiError> {
        if *self.stopped.borrow() || self.state.borrow().session_ended {
            return Ok(None);
        }
        Ok(Some(self.token.borrow().clone()))
    }

    fn join_frame(&self) -> Vec<u8> {
        self.session.borrow().join_frame()
    }

    fn receive(&self, frame: &[u8]) -> Result<Vec<Vec<u8>>, String> {
        let step = self
            .session
            .borrow_mut()
            .receive(&mut self.docs.borrow_mut(), frame)
            .map_err(|e| e.to_string())?;
        if !step.unavailable.is_empty() && step.unavailable.contains(&DocId::trust_list()) {
            self.state.borrow_mut().session_ended = true;
        }
        if !step.changed.is_empty() {
            self.state.borrow_mut().version += 1;
        }
        let _ = self.docs.borrow_mut().take_pending_saves();
        Ok(step.frames)
    }

    async fn persist(&self) {}

    fn connected(&self) -> bool {
        self.session.borrow().is_connected()
    }

    fn refused(&self) -> bool {
        // A staff token cannot be renewed by the page: the person logs in.
        *self.stopped.borrow()
    }

    fn disconnected(&self) {
        self.session
            .borrow_mut()
            .disconnected(&mut self.docs.borrow_mut());
    }

    fn changed(&self) {
        {
            let unsent = self
                .session
                .borrow()
                .unacknowledged(&mut self.docs.borrow_mut());
            let online = self.session.borrow().is_connected();
            let mut state = self.state.borrow_mut();
            state.unsent = unsent;
            state.online = online;
            state.version += 1;
        }
        self.emit();
    }

    fn gave_up(&self, _error: &ApiError) {
        self.state.borrow_mut().session_ended = true;
        self.emit();
    }
}

/// Which documents of a room's day the console keeps live.
pub fn day_docs(room: RoomId, day: Date) -> Vec<DocId> {
    vec![
        DocId::trust_list(),
        DocId::attendance(room, day),
        hiroba_engine::attendance::slip_contacts_doc_id(room, day),
    ]
}

/// Every room-day the console has opened, live until logging out (or
/// leaving the console of a counter kiosk with nothing unsent); see the
/// module docs. Cheap to clone (one shared inner list).
#[derive(Clone, Default)]
pub struct LiveHub {
    inner: Rc<RefCell<HubInner>>,
}

#[derive(Default)]
struct HubInner {
    /// Whose documents these are: another person's login starts afresh.
    login_id: Option<String>,
    days: Vec<((RoomId, Date), Rc<LiveDocs>)>,
    /// The console, told of every change (its unsent count).
    on_change: Option<Callback<usize>>,
}

impl PartialEq for LiveHub {
    fn eq(&self, other: &LiveHub) -> bool {
        Rc::ptr_eq(&self.inner, &other.inner)
    }
}

impl std::fmt::Debug for LiveHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveHub").finish_non_exhaustive()
    }
}

impl LiveHub {
    /// The console hears the total unsent count through `on_change`.
    pub fn new(on_change: Callback<usize>) -> LiveHub {
        let hub = LiveHub::default();
        hub.inner.borrow_mut().on_change = Some(on_change);
        hub
    }

    /// The live documents of `room`'s `day`, started on first use.
    pub fn open(
        &self,
        session: &StaffSession,
        room: RoomId,
        day: Date,
    ) -> Result<Rc<LiveDocs>, ApiError> {
        self.session_started(session);
        let found = self
            .inner
            .borrow()
            .days
            .iter()
            .find(|(key, _)| *key == (room, day))
            .map(|(_, docs)| docs.clone());
        if let Some(docs) = found {
            docs.renew(&session.token);
            return Ok(docs);
        }
        let hub = self.clone();
        let docs = LiveDocs::start(
            &session.token,
            &day_docs(room, day),
            Callback::from(move |()| hub.changed()),
        )?;
        self.inner
            .borrow_mut()
            .days
            .push(((room, day), docs.clone()));
        Ok(docs)
    }

    /// A person logged in: the same person's open documents sync on with
    /// the new token; anyone else's are dropped unsent (they are not this
    /// person's to send, and must not linger in the tab).
    pub fn session_started(&self, session: &StaffSession) {
        let (same, days) = {
            let inner = self.inner.borrow();
            (
                inner.login_id.as_deref() == Some(session.login_id.as_str()),
                inner
                    .days
                    .iter()
                    .map(|(_, d)| d.clone())
                    .collect::<Vec<_>>(),
            )
        };
        if same {
            for docs in days {
                docs.renew(&session.token);
            }
        } else {
            self.stop_all();
            self.inner.borrow_mut().login_id = Some(session.login_id.clone());
        }
    }

    /// Logging out: every document stops and is forgotten.
    pub fn stop_all(&self) {
        let days = std::mem::take(&mut self.inner.borrow_mut().days);
        for (_, docs) in days {
            docs.stop();
        }
        self.inner.borrow_mut().login_id = None;
        self.changed();
    }

    /// Changes made in this tab that the relay has not acknowledged yet.
    pub fn unsent(&self) -> usize {
        self.inner
            .borrow()
            .days
            .iter()
            .map(|(_, d)| d.link_state().unsent)
            .sum()
    }

    fn changed(&self) {
        let on_change = self.inner.borrow().on_change.clone();
        if let Some(on_change) = on_change {
            on_change.emit(self.unsent());
        }
    }
}
