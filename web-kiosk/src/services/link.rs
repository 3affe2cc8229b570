//! The WebSocket to the relay's `/sync`, kept up for as long as the page
//! lives: connect, `join`, hand every frame to the replica and send its
//! answers; on a drop, retry with backoff (1 s doubling to 30 s, each wait
//! drawn between half and all of it, so the city's kiosks do not all come
//! back in the same instant after a relay restart), asking the replica for
//! a renewed session when the relay did not accept the last.
//!
//! The replica (the kiosk's [`crate::runtime::Runtime`], the staff
//! console's live day) owns the documents and the protocol state; this
//! module only moves bytes.

use std::cell::RefCell;
use std::time::Duration;

use futures_channel::mpsc;
use futures_util::StreamExt;
use js_sys::{ArrayBuffer, Uint8Array};
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{BinaryType, MessageEvent, WebSocket};
use yew::platform::time::sleep;

use crate::services::api::ApiError;

const FIRST_RETRY: Duration = Duration::from_secs(1);
const LAST_RETRY: Duration = Duration::from_secs(30);

/// What the link needs from the documents it syncs.
// The app is single-threaded wasm: these futures are never sent anywhere.
#[allow(async_fn_in_trait)]
pub trait Replica {
    /// A session token; `renew` after the relay refused the last one.
    /// `Ok(None)`: this replica does not sync (stop the link).
    async fn token(&self, renew: bool) -> Result<Option<String>, ApiError>;
    /// The first frame of a connection.
    fn join_frame(&self) -> Vec<u8>;
    /// A frame from the relay → the frames to answer with.
    fn receive(&self, frame: &[u8]) -> Result<Vec<Vec<u8>>, String>;
    /// Stores what arrived (before it is answered).
    async fn persist(&self);
    /// Whether the relay answered `join`.
    fn connected(&self) -> bool;
    /// Whether the relay treated the connection as anonymous.
    fn refused(&self) -> bool;
    /// The connection closed.
    fn disconnected(&self);
    /// Something changed that the screen shows.
    fn changed(&self);
    /// The relay will never accept this device again (revoked enrolment).
    fn gave_up(&self, error: &ApiError);
}

/// The current socket, for sending local changes between frames.
#[derive(Debug, Default)]
pub struct Socket(RefCell<Option<WebSocket>>);

impl Socket {
    /// Sends frames if connected; a failed send is followed by the close
    /// event, and the next connection resends what the relay lacks.
    pub fn send(&self, frames: Vec<Vec<u8>>) {
        if let Some(ws) = self.0.borrow().as_ref() {
            for frame in frames {
                if ws.send_with_u8_array(&frame).is_err() {
                    break;
                }
            }
        }
    }

    /// Closes the current connection (the link reconnects).
    pub fn close(&self) {
        if let Some(ws) = self.0.borrow().as_ref() {
            let _ = ws.close();
        }
    }
}

/// A wait between half and all of `wait`, by `unit` in `[0, 1)`.
fn jittered(wait: Duration, unit: f64) -> Duration {
    wait.mul_f64(0.5 + 0.5 * unit.clamp(0.0, 1.0))
}

/// Keeps the link up until the replica says to stop.
pub async fn run(replica: &impl Replica, socket: &Socket) {
    let mut wait = FIRST_RETRY;
    let mut renew = false;
    loop {
        match replica.token(renew).await {
            Ok(Some(token)) => {
                let reached = connect_once(replica, socket, &token).await;
                replica.disconnected();
                replica.changed();
                if reached {
                    wait = FIRST_RETRY;
                    renew = false;
                } else {
                    // Refused before `peer` or treated as anonymous: maybe
                    // an expired session.
                    renew = true;
                }
            }
            Ok(None) => return,
            Err(e) if matches!(e.code(), Some("device_revoked" | "no_device")) => {
                replica.gave_up(&e);
                return;
            }
            Err(_) => {}
        }
        sleep(jittered(wait, js_sys::Math::random())).await;
        wait = (wait * 2).min(LAST_RETRY);
    }
}

enum Event {
    Open,
    Frame(Vec<u8>),
    Closed,
}

/// One connection, until it closes; whether the relay accepted it.
async fn connect_once(replica: &impl Replica, socket: &Socket, token: &str) -> bool {
    let Some(url) = sync_url(token) else {
        return false;
    };
    let Ok(ws) = WebSocket::new(&url) else {
        return false;
    };
    ws.set_binary_type(BinaryType::Arraybuffer);
    let (tx, mut rx) = mpsc::unbounded::<Event>();
    let on_open = {
        let tx = tx.clone();
        Closure::<dyn FnMut()>::new(move || {
            let _ = tx.unbounded_send(Event::Open);
        })
    };
    let on_message = {
        let tx = tx.clone();
        Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            if let Ok(buffer) = e.data().dyn_into::<ArrayBuffer>() {
                let _ = tx.unbounded_send(Event::Frame(Uint8Array::new(&buffer).to_vec()));
            }
        })
    };
    let on_close = Closure::<dyn FnMut()>::new(move || {
        let _ = tx.unbounded_send(Event::Closed);
    });
    ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
    ws.set_onerror(Some(on_close.as_ref().unchecked_ref()));
    *socket.0.borrow_mut() = Some(ws.clone());
    let mut reached = false;
    while let Some(event) = rx.next().await {
        match event {
            Event::Open => socket.send(vec![replica.join_frame()]),
            Event::Frame(frame) => match replica.receive(&frame) {
                Ok(_) if replica.refused() => {
                    reached = false;
                    break;
                }
                Ok(frames) => {
                    reached |= replica.connected();
                    replica.persist().await;
                    socket.send(frames);
                    replica.changed();
                }
                Err(e) => {
                    web_sys::console::warn_1(&format!("sync: {e}").into());
                    break;
                }
            },
            Event::Closed => break,
        }
    }
    ws.set_onopen(None);
    ws.set_onmessage(None);
    ws.set_onclose(None);
    ws.set_onerror(None);
    let _ = ws.close();
    *socket.0.borrow_mut() = None;
    reached
}

/// `ws://host/sync?token=…` for the page's own origin.
fn sync_url(token: &str) -> Option<String> {
    let location = web_sys::window()?.location();
    let scheme = if location.protocol().ok()? == "https:" {
        "wss"
    } else {
        "ws"
    };
    Some(format!(
        "{scheme}://{}/sync?token={token}",
        location.host().ok()?
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_spread_between_half_and_all_of_the_backoff() {
        let wait = Duration::from_secs(8);
        assert_eq!(jittered(wait, 0.0), Duration::from_secs(4));
        assert_eq!(jittered(wait, 0.5), Duration::from_secs(6));
        assert!(jittered(wait, 0.999) <= wait);
        assert_eq!(
            jittered(wait, 7.0),
            wait,
            "out-of-range randomness is clamped"
        );
    }
}
