//! The automerge-repo sync protocol, version 1, as bytes on the wire.
//!
//! automerge-repo (the JavaScript library) and its WebSocket adapter send one
//! CBOR map per binary frame. A client opens with `join`, the server answers
//! `peer`, and then either side sends `request` / `sync` (an automerge sync
//! message about one document), `doc-unavailable`, or `error`. Hiroba speaks
//! exactly this protocol so an unmodified npm client can sync with the relay,
//! and the kiosk and parent apps use the same functions through the engine.
//!
//! This module only turns messages into bytes and back; it is sans-IO like the
//! rest of [`crate::sync`]. Decoding never panics: anything that is not a
//! well-formed message is a [`DecodeError`].
//!
//! ## Document ids
//!
//! automerge-repo names documents by 16 random bytes in bs58check. Hiroba's
//! names are deterministic (`attendance/R03/2026-11-24`), so two devices that
//! never met must agree on the repo id too: [`RepoDocId::for_name`] takes the
//! first 16 bytes of SHA-256 of the name. The hash cannot be reversed, so a
//! peer that only knows a repo id must learn the name elsewhere; Hiroba's own
//! clients add it to `sync` and `request` messages as the extra field
//! `hirobaName`, which automerge-repo ignores and the receiver verifies
//! against the id ([`DocMessage::verified_name`]).

use std::fmt;
use std::str::FromStr;

use ciborium::Value;
use sha2::{Digest, Sha256};

use crate::ids::DocId;

/// The only protocol version there is, as the string automerge-repo sends.
pub const PROTOCOL_VERSION: &str = "1";

/// The extra map key with which Hiroba's clients name a document.
const NAME_FIELD: &str = "hirobaName";

/// An automerge-repo document id: 16 bytes, shown in bs58check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RepoDocId(pub [u8; 16]);

impl RepoDocId {
    /// The repo id of a Hiroba document: the first 16 bytes of SHA-256 of
    /// its name, so every device derives the same id from the same name.
    pub fn for_name(id: &DocId) -> RepoDocId {
        let digest = Sha256::digest(id.as_str().as_bytes());
        let mut out = [0u8; 16];
        out.copy_from_slice(&digest[..16]);
        RepoDocId(out)
    }

    /// The `automerge:…` URL that `repo.find()` accepts.
    pub fn url(&self) -> String {
        format!("automerge:{self}")
    }
}

impl DocId {
    /// This document's automerge-repo id (see [`RepoDocId::for_name`]).
    pub fn repo_id(&self) -> RepoDocId {
        RepoDocId::for_name(self)
    }
}

/// bs58check: base58 of the bytes followed by the first four bytes of
/// SHA-256(SHA-256(bytes)), as automerge-repo's `bs58check` package does.
fn checksum(bytes: &[u8]) -> [u8; 4] {
    let twice = Sha256::digest(Sha256::digest(bytes));
    [twice[0], twice[1], twice[2], twice[3]]
}

impl fmt::Display for RepoDocId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut raw = self.0.to_vec();
        raw.extend_from_slice(&checksum(&self.0));
        f.write_str(&bs58::encode(raw).into_string())
    }
}

/// Why a text is not an automerge-repo document id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RepoIdError {
    /// Not base58 text.
    #[error("document id is not base58")]
    NotBase58,
    /// The last four bytes do not match the checksum (a typo or a cut).
    #[error("document id checksum does not match")]
    BadChecksum,
    /// Not 16 bytes once decoded.
    #[error("document id has {0} bytes, not 16")]
    WrongLength(usize),
}

impl FromStr for RepoDocId {
    type Err = RepoIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.strip_prefix("automerge:").unwrap_or(s);
        // 16 bytes + checksum are at most 28 base58 digits; refuse long input
        // before decoding so a hostile frame cannot make us do big-number work.
        if s.len() > 40 {
            return Err(RepoIdError::NotBase58);
        }
        let raw = bs58::decode(s)
            .into_vec()
            .map_err(|_| RepoIdError::NotBase58)?;
        let split = raw.len().checked_sub(4).ok_or(RepoIdError::BadChecksum)?;
        let (bytes, check) = raw.split_at(split);
        if checksum(bytes) != check {
            return Err(RepoIdError::BadChecksum);
        }
        let bytes: [u8; 16] = bytes
            .try_into()
            .map_err(|_| RepoIdError::WrongLength(bytes.len()))?;
        Ok(RepoDocId(bytes))
    }
}

/// What a peer says about itself in `join` and `peer`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PeerMetadata {
    /// The id of the peer's persistent storage, if it has one.
    pub storage_id: Option<String>,
    /// Whether the peer will not come back with the same storage.
    pub is_ephemeral: Option<bool>,
}

/// A `request` or `sync` message: one automerge sync message about one
/// document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocMessage {
    /// The sending peer.
    pub sender_id: String,
    /// The receiving peer.
    pub target_id: String,
    /// The document.
    pub document_id: RepoDocId,
    /// The automerge sync message (`automerge::sync::Message` encoded).
    pub data: Vec<u8>,
    /// The document's Hiroba name, if the sender told it (Hiroba's clients
    /// do; automerge-repo does not).
    pub name: Option<String>,
}

impl DocMessage {
    /// A message about the Hiroba document `doc`, naming it so the receiver
    /// can map the repo id back to the name.
    pub fn for_doc(sender_id: &str, target_id: &str, doc: &DocId, data: Vec<u8>) -> DocMessage {
        DocMessage {
            sender_id: sender_id.to_owned(),
            target_id: target_id.to_owned(),
            document_id: doc.repo_id(),
            data,
            name: Some(doc.as_str().to_owned()),
        }
    }

    /// The name the sender gave, if it is a valid Hiroba name whose repo id
    /// is this message's: a name that does not hash to the id is ignored, so
    /// no peer can bind an id to another document.
    pub fn verified_name(&self) -> Option<DocId> {
        let id = DocId::parse(self.name.as_deref()?).ok()?;
        (id.repo_id() == self.document_id).then_some(id)
    }
}

/// One message of the protocol.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RepoMessage {
    /// Client → server, first: who the client is and what it speaks.
    Join {
        /// The client's peer id.
        sender_id: String,
        /// Protocol versions the client supports (`"1"`).
        supported_protocol_versions: Vec<String>,
        /// What the client says about itself.
        peer_metadata: Option<PeerMetadata>,
    },
    /// Server → client, in answer to `join`.
    Peer {
        /// The server's peer id.
        sender_id: String,
        /// The client's peer id.
        target_id: String,
        /// The version chosen (`"1"`).
        selected_protocol_version: String,
        /// What the server says about itself.
        peer_metadata: Option<PeerMetadata>,
    },
    /// The sender is about to disconnect.
    Leave {
        /// The departing peer.
        sender_id: String,
    },
    /// The sender does not have the document and asks for it; answered with
    /// `sync` or `doc-unavailable`.
    Request(DocMessage),
    /// A sync message about a document.
    Sync(DocMessage),
    /// The sender does not have the document (or will not share it).
    DocUnavailable {
        /// The answering peer.
        sender_id: String,
        /// The peer that asked.
        target_id: String,
        /// The document.
        document_id: RepoDocId,
    },
    /// A protocol error; the sender closes the connection after it.
    Error {
        /// The sending peer, if known.
        sender_id: Option<String>,
        /// The receiving peer, if known.
        target_id: Option<String>,
        /// What went wrong, for logs (never personal data).
        message: String,
    },
    /// A well-formed message of a kind Hiroba does not act on (`ephemeral`,
    /// `remote-heads-changed`, `remote-subscription-change`, …).
    Other {
        /// Its `type`.
        kind: String,
    },
}

/// Why bytes are not a protocol message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// Not CBOR at all (or truncated).
    #[error("frame is not cbor")]
    NotCbor,
    /// CBOR, but not a map.
    #[error("frame is not a cbor map")]
    NotAMap,
    /// A field the message type needs is absent.
    #[error("message lacks field {0}")]
    MissingField(&'static str),
    /// A field has the wrong CBOR type.
    #[error("message field {0} has the wrong type")]
    WrongType(&'static str),
    /// The document id is not a bs58check id.
    #[error(transparent)]
    DocumentId(#[from] RepoIdError),
}

/// The fields of a decoded map, looked up by name.
struct Fields(Vec<(Value, Value)>);

impl Fields {
    fn get(&self, key: &str) -> Option<&Value> {
        self.0
            .iter()
            .find(|(k, _)| k.as_text() == Some(key))
            .map(|(_, v)| v)
    }

    fn text(&self, key: &'static str) -> Result<String, DecodeError> {
        self.opt_text(key)?.ok_or(DecodeError::MissingField(key))
    }

    fn opt_text(&self, key: &'static str) -> Result<Option<String>, DecodeError> {
        match self.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Text(t)) => Ok(Some(t.clone())),
            Some(_) => Err(DecodeError::WrongType(key)),
        }
    }

    fn bytes(&self, key: &'static str) -> Result<Vec<u8>, DecodeError> {
        match self.get(key) {
            None => Err(DecodeError::MissingField(key)),
            Some(Value::Bytes(b)) => Ok(b.clone()),
            // cbor-x tags typed arrays unless told not to; accept both.
            Some(Value::Tag(64, inner)) => match inner.as_ref() {
                Value::Bytes(b) => Ok(b.clone()),
                _ => Err(DecodeError::WrongType(key)),
            },
            Some(_) => Err(DecodeError::WrongType(key)),
        }
    }

    fn document_id(&self) -> Result<RepoDocId, DecodeError> {
        Ok(self.text("documentId")?.parse()?)
    }

    fn metadata(&self, key: &'static str) -> Result<Option<PeerMetadata>, DecodeError> {
        let map = match self.get(key) {
            None | Some(Value::Null) => return Ok(None),
            Some(Value::Map(m)) => Fields(m.clone()),
            Some(_) => return Err(DecodeError::WrongType(key)),
        };
        let is_ephemeral = match map.get("isEphemeral") {
            None | Some(Value::Null) => None,
            Some(Value::Bool(b)) => Some(*b),
            Some(_) => return Err(DecodeError::WrongType("isEphemeral")),
        };
        Ok(Some(PeerMetadata {
            storage_id: map.opt_text("storageId")?,
            is_ephemeral,
        }))
    }

    fn doc_message(&self) -> Result<DocMessage, DecodeError> {
        Ok(DocMessage {
            sender_id: self.text("senderId")?,
            target_id: self.text("targetId")?,
            document_id: self.document_id()?,
            data: self.bytes("data")?,
            name: self.opt_text(NAME_FIELD).ok().flatten(),
        })
    }
}

impl RepoMessage {
    /// Reads one frame. Never panics, whatever the bytes.
    pub fn decode(frame: &[u8]) -> Result<RepoMessage, DecodeError> {
        let value: Value = ciborium::from_reader(frame).map_err(|_| DecodeError::NotCbor)?;
        let Value::Map(map) = value else {
            return Err(DecodeError::NotAMap);
        };
        let f = Fields(map);
        let kind = f.text("type")?;
        Ok(match kind.as_str() {
            "join" => RepoMessage::Join {
                sender_id: f.text("senderId")?,
                supported_protocol_versions: match f.get("supportedProtocolVersions") {
                    Some(Value::Array(items)) => items
                        .iter()
                        .filter_map(|v| v.as_text().map(str::to_owned))
                        .collect(),
                    // The wire spec once allowed a single version string.
                    Some(Value::Text(t)) => vec![t.clone()],
                    None => return Err(DecodeError::MissingField("supportedProtocolVersions")),
                    Some(_) => return Err(DecodeError::WrongType("supportedProtocolVersions")),
                },
                peer_metadata: f.metadata("peerMetadata")?,
            },
            "peer" => RepoMessage::Peer {
                sender_id: f.text("senderId")?,
                target_id: f.text("targetId")?,
                selected_protocol_version: f.text("selectedProtocolVersion")?,
                peer_metadata: f.metadata("peerMetadata")?,
            },
            "leave" => RepoMessage::Leave {
                sender_id: f.text("senderId")?,
            },
            "request" => RepoMessage::Request(f.doc_message()?),
            "sync" => RepoMessage::Sync(f.doc_message()?),
            "doc-unavailable" => RepoMessage::DocUnavailable {
                sender_id: f.text("senderId")?,
                target_id: f.text("targetId")?,
                document_id: f.document_id()?,
            },
            "error" => RepoMessage::Error {
                sender_id: f.opt_text("senderId")?,
                target_id: f.opt_text("targetId")?,
                message: f.opt_text("message")?.unwrap_or_default(),
            },
            _ => RepoMessage::Other { kind },
        })
    }

    /// The frame to send: a CBOR map with automerge-repo's field names.
    pub fn encode(&self) -> Vec<u8> {
        let text = |s: &str| Value::Text(s.to_owned());
        let mut map: Vec<(Value, Value)> = Vec::new();
        let mut put = |k: &str, v: Value| map.push((text(k), v));
        match self {
            RepoMessage::Join {
                sender_id,
                supported_protocol_versions,
                peer_metadata,
            } => {
                put("type", text("join"));
                put("senderId", text(sender_id));
                put(
                    "supportedProtocolVersions",
                    Value::Array(
                        supported_protocol_versions
                            .iter()
                            .map(|v| text(v))
                            .collect(),
                    ),
                );
                if let Some(m) = peer_metadata {
                    put("peerMetadata", metadata_value(m));
                }
            }
            RepoMessage::Peer {
                sender_id,
                target_id,
                selected_protocol_version,
                peer_metadata,
            } => {
                put("type", text("peer"));
                put("senderId", text(sender_id));
                put("targetId", text(target_id));
                put("selectedProtocolVersion", text(selected_protocol_version));
                if let Some(m) = peer_metadata {
                    put("peerMetadata", metadata_value(m));
                }
            }
            RepoMessage::Leave { sender_id } => {
                put("type", text("leave"));
                put("senderId", text(sender_id));
            }
            RepoMessage::Request(m) | RepoMessage::Sync(m) => {
                let kind = if matches!(self, RepoMessage::Request(_)) {
                    "request"
                } else {
                    "sync"
                };
                put("type", text(kind));
                put("senderId", text(&m.sender_id));
                put("targetId", text(&m.target_id));
                put("documentId", text(&m.document_id.to_string()));
                put("data", Value::Bytes(m.data.clone()));
                if let Some(name) = &m.name {
                    put(NAME_FIELD, text(name));
                }
            }
            RepoMessage::DocUnavailable {
                sender_id,
                target_id,
                document_id,
            } => {
                put("type", text("doc-unavailable"));
                put("senderId", text(sender_id));
                put("targetId", text(target_id));
                put("documentId", text(&document_id.to_string()));
            }
            RepoMessage::Error {
                sender_id,
                target_id,
                message,
            } => {
                put("type", text("error"));
                if let Some(s) = sender_id {
                    put("senderId", text(s));
                }
                if let Some(t) = target_id {
                    put("targetId", text(t));
                }
                put("message", text(message));
            }
            RepoMessage::Other { kind } => put("type", text(kind)),
        }
        let mut out = Vec::new();
        // Writing a `Value` into a `Vec` cannot fail: the only errors ciborium
        // reports come from the writer, and a `Vec` always accepts bytes.
        let _ = ciborium::into_writer(&Value::Map(map), &mut out);
        out
    }
}

fn metadata_value(m: &PeerMetadata) -> Value {
    let mut map = Vec::new();
    if let Some(s) = &m.storage_id {
        map.push((Value::Text("storageId".into()), Value::Text(s.clone())));
    }
    if let Some(b) = m.is_ephemeral {
        map.push((Value::Text("isEphemeral".into()), Value::Bool(b)));
    }
    Value::Map(map)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn doc_message(name: Option<&str>) -> DocMessage {
        DocMessage {
            sender_id: "kiosk-1".into(),
            target_id: "relay".into(),
            document_id: DocId::trust_list().repo_id(),
            data: vec![0x42, 1, 2, 3],
            name: name.map(str::to_owned),
        }
    }

    fn check_round_trip(msg: RepoMessage) {
        let bytes = msg.encode();
        assert_eq!(RepoMessage::decode(&bytes), Ok(msg));
    }

    #[test]
    fn every_message_round_trips() {
        let meta = Some(PeerMetadata {
            storage_id: Some("s1".into()),
            is_ephemeral: Some(false),
        });
        check_round_trip(RepoMessage::Join {
            sender_id: "c".into(),
            supported_protocol_versions: vec!["1".into()],
            peer_metadata: meta.clone(),
        });
        check_round_trip(RepoMessage::Peer {
            sender_id: "relay".into(),
            target_id: "c".into(),
            selected_protocol_version: "1".into(),
            peer_metadata: meta,
        });
        check_round_trip(RepoMessage::Leave {
            sender_id: "c".into(),
        });
        check_round_trip(RepoMessage::Request(doc_message(None)));
        check_round_trip(RepoMessage::Sync(doc_message(Some("trust-list"))));
        check_round_trip(RepoMessage::DocUnavailable {
            sender_id: "relay".into(),
            target_id: "c".into(),
            document_id: DocId::notices().repo_id(),
        });
        check_round_trip(RepoMessage::Error {
            sender_id: Some("relay".into()),
            target_id: None,
            message: "bad frame".into(),
        });
        check_round_trip(RepoMessage::Other {
            kind: "ephemeral".into(),
        });
    }

    #[test]
    fn repo_ids_are_bs58check_and_deterministic() {
        let id = DocId::parse("attendance/R03/2026-11-24").expect("name");
        let repo = id.repo_id();
        assert_eq!(repo, RepoDocId::for_name(&id));
        assert_ne!(repo, DocId::trust_list().repo_id());
        let text = repo.to_string();
        assert_eq!(text.parse::<RepoDocId>(), Ok(repo));
        assert_eq!(repo.url().parse::<RepoDocId>(), Ok(repo));
        // A typo breaks the checksum rather than naming another document.
        let mut typo = text.clone().into_bytes();
        typo[3] = if typo[3] == b'2' { b'3' } else { b'2' };
        let typo = String::from_utf8(typo).expect("ascii");
        assert_eq!(typo.parse::<RepoDocId>(), Err(RepoIdError::BadChecksum));
        assert_eq!("0OIl".parse::<RepoDocId>(), Err(RepoIdError::NotBase58));
    }

    #[test]
    fn a_known_automerge_repo_id_decodes() {
        // An id as automerge-repo 2.x prints it (`automerge:` + bs58check).
        let id: RepoDocId = "automerge:3WvUytoauQjYVh1cSH1YRPzMnhbF"
            .parse()
            .expect("bs58check id from automerge-repo");
        let hex: String = id.0.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, "b4969a6e240e42e1a7f3d8122ff26436");
        assert_eq!(id.url(), "automerge:3WvUytoauQjYVh1cSH1YRPzMnhbF");
    }

    #[test]
    fn names_are_verified_against_the_id() {
        assert_eq!(
            doc_message(Some("trust-list")).verified_name(),
            Some(DocId::trust_list())
        );
        assert_eq!(doc_message(Some("revocations")).verified_name(), None);
        assert_eq!(doc_message(Some("../x")).verified_name(), None);
        assert_eq!(doc_message(None).verified_name(), None);
        let m = DocMessage::for_doc("a", "b", &DocId::notices(), vec![1]);
        assert_eq!(m.verified_name(), Some(DocId::notices()));
    }

    #[test]
    fn malformed_frames_are_typed_errors() {
        let check = |bytes: &[u8], want: DecodeError| {
            assert_eq!(RepoMessage::decode(bytes), Err(want), "{bytes:?}");
        };
        check(b"", DecodeError::NotCbor);
        check(&[0xff, 0x00], DecodeError::NotCbor);
        let encode = |v: Value| {
            let mut out = Vec::new();
            ciborium::into_writer(&v, &mut out).expect("vec");
            out
        };
        check(&encode(Value::Integer(3.into())), DecodeError::NotAMap);
        check(
            &encode(Value::Map(vec![])),
            DecodeError::MissingField("type"),
        );
        let sync_without_data = Value::Map(vec![
            (Value::Text("type".into()), Value::Text("sync".into())),
            (Value::Text("senderId".into()), Value::Text("a".into())),
            (Value::Text("targetId".into()), Value::Text("b".into())),
            (
                Value::Text("documentId".into()),
                Value::Text(DocId::notices().repo_id().to_string()),
            ),
        ]);
        check(
            &encode(sync_without_data),
            DecodeError::MissingField("data"),
        );
        let bad_id = Value::Map(vec![
            (
                Value::Text("type".into()),
                Value::Text("doc-unavailable".into()),
            ),
            (Value::Text("senderId".into()), Value::Text("a".into())),
            (Value::Text("targetId".into()), Value::Text("b".into())),
            (Value::Text("documentId".into()), Value::Text("nope".into())),
        ]);
        check(
            &encode(bad_id),
            DecodeError::DocumentId(RepoIdError::BadChecksum),
        );
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = RepoMessage::decode(&bytes);
        }

        #[test]
        fn arbitrary_ids_never_panic(text in "\\PC{0,60}") {
            let _ = text.parse::<RepoDocId>();
        }

        #[test]
        fn truncated_frames_never_panic(cut in 0usize..200) {
            let bytes = RepoMessage::Sync(doc_message(Some("trust-list"))).encode();
            let _ = RepoMessage::decode(&bytes[..cut.min(bytes.len())]);
        }
    }
}
