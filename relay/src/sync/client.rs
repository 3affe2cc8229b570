//! A small Rust client of the sync endpoint, for tests and the load
//! generator: what a kiosk does, minus the browser.
//!
//! It holds an engine [`DocSet`] and moves its sync messages over a
//! WebSocket in automerge-repo's framing. [`SyncClient::sync_doc`] returns
//! once the relay has answered the last message with nothing more to send:
//! the relay answers a change only after flushing it, so a returned
//! `sync_doc` means the relay has the change on disk.

use std::net::SocketAddr;
use std::time::Duration;

use automerge::{ActorId, sync};
use futures_util::{SinkExt, StreamExt};
use hiroba_engine::ids::DocId;
use hiroba_engine::sync::{DocMessage, DocSet, PeerId, RepoMessage, SyncError};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// Why a client operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The WebSocket failed or closed.
    #[error("websocket: {0}")]
    Socket(#[from] tokio_tungstenite::tungstenite::Error),
    /// The relay closed the connection.
    #[error("the relay closed the connection")]
    Closed,
    /// Nothing arrived in time.
    #[error("timed out waiting for the relay")]
    Timeout,
    /// The relay sent something that is not a protocol message.
    #[error("bad frame from the relay: {0}")]
    Decode(#[from] hiroba_engine::sync::repo_protocol::DecodeError),
    /// The relay sent an `error` message.
    #[error("the relay reported an error: {0}")]
    Relay(String),
    /// The relay's sync message did not apply.
    #[error(transparent)]
    Sync(#[from] SyncError),
    /// The relay did not answer `join` with `peer`.
    #[error("the relay did not complete the handshake")]
    Handshake,
}

/// Whether the relay shares a document with this client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Availability {
    /// Synced.
    Synced,
    /// `doc-unavailable`: missing, or not for this identity.
    Unavailable,
}

/// A connected client; see the module docs.
#[derive(Debug)]
pub struct SyncClient {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    peer_id: String,
    relay: PeerId,
    relay_id: String,
    /// Frame bytes sent and received on this connection, to measure sync cost.
    sent_bytes: u64,
    received_bytes: u64,
    /// The client's documents.
    pub docs: DocSet,
}

impl SyncClient {
    /// Connects to `ws://addr/sync?token=…`, joins and waits for `peer`.
    pub async fn connect(
        addr: SocketAddr,
        token: Option<&str>,
        actor: ActorId,
        peer_id: &str,
    ) -> Result<SyncClient, ClientError> {
        SyncClient::connect_with(addr, token, DocSet::new(actor), peer_id).await
    }

    /// Like [`SyncClient::connect`], but with documents and sync states kept
    /// from an earlier connection ([`SyncClient::disconnect`]), as a kiosk
    /// keeps them across reconnects, so only what is new is exchanged.
    pub async fn connect_with(
        addr: SocketAddr,
        token: Option<&str>,
        docs: DocSet,
        peer_id: &str,
    ) -> Result<SyncClient, ClientError> {
        let url = match token {
            Some(t) => format!("ws://{addr}/sync?token={t}"),
            None => format!("ws://{addr}/sync"),
        };
        let (ws, _) = tokio_tungstenite::connect_async(url).await?;
        let mut client = SyncClient {
            ws,
            peer_id: peer_id.to_owned(),
            relay: SyncClient::relay_peer(),
            relay_id: String::new(),
            sent_bytes: 0,
            received_bytes: 0,
            docs,
        };
        let join = RepoMessage::Join {
            sender_id: peer_id.to_owned(),
            supported_protocol_versions: vec!["1".to_owned()],
            peer_metadata: None,
        };
        client.send_raw(join.encode()).await?;
        match client.recv(Duration::from_secs(10)).await? {
            RepoMessage::Peer { sender_id, .. } => client.relay_id = sender_id,
            _ => return Err(ClientError::Handshake),
        }
        Ok(client)
    }

    /// Sends raw bytes as one binary frame (tests send garbage with it).
    pub async fn send_raw(&mut self, frame: Vec<u8>) -> Result<(), ClientError> {
        self.sent_bytes += frame.len() as u64;
        self.ws.send(Message::binary(frame)).await?;
        Ok(())
    }

    /// The next protocol message, waiting at most `timeout`.
    pub async fn recv(&mut self, timeout: Duration) -> Result<RepoMessage, ClientError> {
        loop {
            let next = tokio::time::timeout(timeout, self.ws.next())
                .await
                .map_err(|_| ClientError::Timeout)?;
            match next {
                None => return Err(ClientError::Closed),
                Some(Err(e)) => return Err(e.into()),
                Some(Ok(Message::Binary(bytes))) => {
                    self.received_bytes += bytes.len() as u64;
                    return Ok(RepoMessage::decode(&bytes)?);
                }
                Some(Ok(Message::Close(_))) => return Err(ClientError::Closed),
                Some(Ok(_)) => continue,
            }
        }
    }

    /// Syncs one document with the relay until neither side has more to
    /// say. Messages about other documents that arrive meanwhile (pushes)
    /// are applied and answered too.
    pub async fn sync_doc(
        &mut self,
        doc: &DocId,
        timeout: Duration,
    ) -> Result<Availability, ClientError> {
        // Opening a document empty is how automerge asks a peer for it.
        // Opening it marks it for saving, which writes nothing unless it changed.
        let is_request = self.docs.doc_mut(doc).get_heads().is_empty();
        let Some(first) = self.docs.generate_sync_message(&self.relay, doc) else {
            return Ok(Availability::Synced);
        };
        let msg = DocMessage::for_doc(&self.peer_id, &self.relay_id, doc, first);
        let msg = if is_request {
            RepoMessage::Request(msg)
        } else {
            RepoMessage::Sync(msg)
        };
        self.send_raw(msg.encode()).await?;
        loop {
            match self.recv(timeout).await? {
                RepoMessage::Sync(m) => {
                    let relay_heads = sync::Message::decode(&m.data).map(|r| r.heads).ok();
                    match self.apply(m).await? {
                        Some(about) if about == *doc => {
                            let Some(data) = self.docs.generate_sync_message(&self.relay, doc)
                            else {
                                return Ok(Availability::Synced);
                            };
                            // A message that brings nothing the relay lacks and
                            // asks for nothing gets no answer: automerge only
                            // speaks when it has something to say.
                            let quiet = sync::Message::decode(&data).is_ok_and(|out| {
                                out.changes.is_empty()
                                    && out.need.is_empty()
                                    && Some(&out.heads) == relay_heads.as_ref()
                            });
                            self.send_data(doc, data).await?;
                            if quiet {
                                return Ok(Availability::Synced);
                            }
                        }
                        Some(other) => {
                            self.send_pending(&other).await?;
                        }
                        None => {}
                    }
                }
                RepoMessage::DocUnavailable { document_id, .. } if document_id == doc.repo_id() => {
                    self.docs.unload(doc);
                    let _ = self.docs.take_pending_saves();
                    return Ok(Availability::Unavailable);
                }
                RepoMessage::Error { message, .. } => return Err(ClientError::Relay(message)),
                _ => {}
            }
        }
    }

    /// Applies pushes from the relay until `done(&docs)` holds or `timeout`
    /// passes without it.
    pub async fn wait_until(
        &mut self,
        timeout: Duration,
        done: impl Fn(&DocSet) -> bool,
    ) -> Result<(), ClientError> {
        let deadline = tokio::time::Instant::now() + timeout;
        while !done(&self.docs) {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            if left.is_zero() {
                return Err(ClientError::Timeout);
            }
            match self.recv(left).await? {
                RepoMessage::Sync(m) => {
                    if let Some(doc) = self.apply(m).await? {
                        self.send_pending(&doc).await?;
                    }
                }
                RepoMessage::Error { message, .. } => return Err(ClientError::Relay(message)),
                _ => {}
            }
        }
        Ok(())
    }

    /// Applies a relay sync message; the document it was about, if known.
    async fn apply(&mut self, m: DocMessage) -> Result<Option<DocId>, ClientError> {
        let Some(doc) = m.verified_name() else {
            return Ok(None);
        };
        self.docs.receive_sync_message(&self.relay, &doc, &m.data)?;
        Ok(Some(doc))
    }

    /// Sends the next sync message about `doc`, if there is one; whether
    /// there was.
    async fn send_pending(&mut self, doc: &DocId) -> Result<bool, ClientError> {
        let Some(data) = self.docs.generate_sync_message(&self.relay, doc) else {
            return Ok(false);
        };
        self.send_data(doc, data).await?;
        Ok(true)
    }

    async fn send_data(&mut self, doc: &DocId, data: Vec<u8>) -> Result<(), ClientError> {
        let msg = DocMessage::for_doc(&self.peer_id, &self.relay_id, doc, data);
        self.send_raw(RepoMessage::Sync(msg).encode()).await
    }

    /// Frame bytes (sent, received) on this connection so far, handshake
    /// included.
    pub fn traffic(&self) -> (u64, u64) {
        (self.sent_bytes, self.received_bytes)
    }

    /// The name the client keeps the relay's sync states under, for
    /// persisting them ([`DocSet::encode_peer_state`]).
    pub fn relay_peer() -> PeerId {
        PeerId::new("relay")
    }

    /// Closes the connection and hands back the documents with the sync
    /// states reduced to what survives a drop (the shared heads), ready for
    /// [`SyncClient::connect_with`].
    pub async fn disconnect(mut self) -> DocSet {
        let _ = self.ws.close(None).await;
        self.docs.peer_disconnected(&self.relay);
        self.docs
    }

    /// Closes the connection politely.
    pub async fn close(mut self) {
        let _ = self.ws.close(None).await;
    }
}
