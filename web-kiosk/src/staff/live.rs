//! Documents the staff console keeps live with the relay over its own
//! WebSocket, with the staff member's token: a room's day and its slip
//! contacts. Changes are sent at once; the page shows "not yet sent" until
//! the relay confirms them (it confirms only what it has stored).
//!
//! Unlike the kiosk, the console keeps nothing on the device: a staff PC is
//! shared, and contacts written on paper slips must not stay in a browser.

use std::cell::RefCell;
use std::rc::Rc;

use automerge::{ActorId, AutoCommit};
use hiroba_engine::ids::DocId;
use hiroba_engine::sync::{ClientSession, DocSet};
use yew::Callback;
use yew::platform::spawn_local;

use crate::services::api::ApiError;
use crate::services::device::random;
use crate::services::link::{self, Replica, Socket};

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
    token: String,
    docs: RefCell<DocSet>,
    session: RefCell<ClientSession>,
    socket: Socket,
    notify: RefCell<Callback<LinkState>>,
    state: RefCell<LinkState>,
    stopped: RefCell<bool>,
}

impl std::fmt::Debug for LiveDocs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveDocs").finish_non_exhaustive()
    }
}

impl LiveDocs {
    /// Starts syncing `ids` with the staff `token`; `notify` hears of every
    /// change.
    pub fn start(
        token: &str,
        ids: &[DocId],
        notify: Callback<LinkState>,
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
            token: token.to_owned(),
            docs: RefCell::new(docs),
            session: RefCell::new(session),
            socket: Socket::default(),
            notify: RefCell::new(notify),
            state: RefCell::new(LinkState::default()),
            stopped: RefCell::new(false),
        });
        let running = live.clone();
        spawn_local(async move { link::run(&*running, &running.socket).await });
        Ok(live)
    }

    /// Stops syncing (the page closed).
    pub fn stop(&self) {
        *self.stopped.borrow_mut() = true;
        self.socket.close();
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
        let notify = self.notify.borrow().clone();
        notify.emit(state);
    }
}

impl Replica for LiveDocs {
    async fn token(&self, _renew: bool) -> Result<Option<String>, ApiError> {
        if *self.stopped.borrow() || self.state.borrow().session_ended {
            return Ok(None);
        }
        Ok(Some(self.token.clone()))
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
