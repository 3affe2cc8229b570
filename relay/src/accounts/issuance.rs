//! Per-room registration (本登録) and the family's passes: the app pass,
//! its reissue, printed cards (a family card, a card per child) and
//! outright revocation. The guardian's routes live here; the staff
//! console's (`staff_families`) call the same functions.
//!
//! Every pass change happens under the issuer's write lock, so two
//! requests for one family never sign the same serial, and the revocations
//! document is read-modified-written by one request at a time. Reissuing
//! signs serial + 1 of the same pass id and revokes everything below it
//! *before* the family record points at the new pass: a crash in between
//! leaves a lost card revoked, never silently valid, and retrying the
//! reissue signs the same serial again.

use hiroba_engine::calendar::Timestamp;
use hiroba_engine::ids::{DocId, KeyId, PassId, RoomId};
use hiroba_engine::pass::{PassKind, SignedPass, short_code};
use serde::{Deserialize, Serialize};
use serde_json::json;
use warp::http::StatusCode;
use warp::reply::Response;

use super::error::{AccountError, FieldErrors, Message, conflicts};
use super::family::{self, Family};
use super::{Ctx, json, parse, records};
use crate::RelayState;
use crate::issuer::{IssueError, PassRequest, load_doc, relay_actor};
use crate::projection::pass_key;
use crate::store::Store;

/// A pass the relay signed for a family, as stored in the family record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedPass {
    /// The pseudonymous pass id (kept across reissues).
    pub pass_id: PassId,
    /// The reissue serial; lower serials are revoked.
    pub serial: u32,
    /// App pass, family card or child card.
    pub kind: PassKind,
    /// For a child card, the child's index in the family.
    pub child: Option<usize>,
    /// The key that signed it.
    pub key_id: KeyId,
    /// The rooms it is valid for.
    pub rooms: Vec<RoomId>,
    /// The pass text, as its QR code holds it.
    pub text: String,
    /// When it was signed.
    pub issued_at: Timestamp,
    /// When it stops being valid.
    pub valid_until: Timestamp,
}

/// The JSON of a pass for the apps: its text, QR code (SVG) and short code.
pub fn pass_view(pass: &IssuedPass) -> serde_json::Value {
    let qr_svg = SignedPass::from_text(&pass.text)
        .map(|p| p.qr_svg())
        .unwrap_or_default();
    json!({
        "pass_id": pass.pass_id,
        "serial": pass.serial,
        "kind": pass.kind,
        "child": pass.child,
        "key_id": pass.key_id,
        "rooms": pass.rooms,
        "text": pass.text,
        "short_code": short_code(pass.pass_id, pass.serial),
        "issued_at": pass.issued_at,
        "valid_until": pass.valid_until,
        "qr_svg": qr_svg,
    })
}

/// Revokes every serial of `pass` below `lowest_valid` in the revocations
/// document. The change is appended as an incremental chunk (never a
/// snapshot), so a change the sync hub stored meanwhile is never replaced,
/// and the hub is told at once so connected kiosks get it.
pub fn revoke_below(
    state: &RelayState,
    pass: PassId,
    lowest_valid: u32,
) -> Result<(), AccountError> {
    let store: &Store = &state.store;
    let id = DocId::revocations();
    let mut doc = load_doc(store, &id, relay_actor(store)?)?;
    let before = doc.get_heads();
    hiroba_engine::trust::revoke_below(&mut doc, pass, lowest_valid).map_err(|e| {
        IssueError::Damaged {
            what: "revocations",
            reason: e.to_string(),
        }
    })?;
    let change = doc.save_after(&before);
    if !change.is_empty() {
        store.append_chunk(&id, &change)?;
        state.sync.doc_written(&id)?;
    }
    Ok(())
}

/// The revocations as kiosks will see them after their next sync.
pub(super) fn current_revocations(
    state: &RelayState,
) -> Result<hiroba_engine::trust::Revocations, AccountError> {
    let store: &Store = &state.store;
    let doc = load_doc(store, &DocId::revocations(), relay_actor(store)?)?;
    hiroba_engine::trust::Revocations::load(&doc).map_err(|e| {
        AccountError::Issue(IssueError::Damaged {
            what: "revocations",
            reason: e.to_string(),
        })
    })
}

/// The pass request for `family` of `kind` (and `child` for a child card).
fn request_for(family: &Family, kind: PassKind, child: Option<usize>) -> PassRequest {
    let births = |children: &mut dyn Iterator<Item = &super::application::Child>| {
        children.map(|c| c.birth_date.year_month()).collect()
    };
    match (kind, child) {
        (PassKind::ChildCard, Some(i)) => PassRequest {
            kind,
            rooms: family.rooms.clone(),
            guardians: 0,
            children: births(&mut family.children.iter().skip(i).take(1)),
        },
        _ => PassRequest {
            kind,
            rooms: family.rooms.clone(),
            guardians: family.guardians,
            children: births(&mut family.children.iter()),
        },
    }
}

/// Which of a family's passes an operation changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Target {
    /// The pass shown in the parent app.
    App,
    /// A printed card: the family card, or a child's card with its index.
    Card(PassKind, Option<usize>),
}

fn current(family: &Family, target: Target) -> Option<&IssuedPass> {
    match target {
        Target::App => family.app_pass.as_ref(),
        Target::Card(kind, child) => family
            .cards
            .iter()
            .find(|c| c.kind == kind && c.child == child),
    }
}

/// Signs the target pass anew (first issue, or serial + 1 revoking the
/// old serials) with `rooms` as the family's rooms, and stores it.
/// Shared by the guardian's own routes and the staff console's.
pub(super) fn sign_and_store(
    state: &RelayState,
    family_id: &hiroba_engine::ids::FamilyId,
    rooms: Option<Vec<RoomId>>,
    target: Target,
    now: Timestamp,
) -> Result<IssuedPass, AccountError> {
    let issuer = state
        .issuer
        .write()
        .map_err(|_| AccountError::Internal("issuer lock poisoned".to_owned()))?;
    let tree = &state.accounts.tree;
    let mut family = family::load(tree, family_id)?;
    if let Some(rooms) = rooms {
        for room in &rooms {
            family.registered.entry(*room).or_insert(now);
        }
        family.rooms = rooms;
    }
    if family.rooms.is_empty() {
        return Err(AccountError::Conflict {
            code: "no_rooms",
            message: &conflicts::NO_ROOMS,
        });
    }
    let (kind, child) = match target {
        Target::App => (PassKind::AppPass, None),
        Target::Card(kind, child) => (kind, child),
    };
    let request = request_for(&family, kind, child);
    let signed = match current(&family, target) {
        Some(previous) => {
            let serial = previous
                .serial
                .checked_add(1)
                .ok_or_else(|| AccountError::Internal("serial overflow".to_owned()))?;
            let signed = issuer.sign(previous.pass_id, serial, &request, now)?;
            revoke_below(state, previous.pass_id, serial)?;
            signed
        }
        None => issuer.issue(&request, now)?,
    };
    let issued = IssuedPass {
        pass_id: signed.claims.pass_id,
        serial: signed.claims.serial,
        kind,
        child,
        key_id: signed.claims.key_id,
        rooms: family.rooms.clone(),
        text: signed.to_text(),
        issued_at: now,
        valid_until: signed.claims.valid_until,
    };
    let record_key = family::key(family_id);
    let rooms = family.rooms.clone();
    let registered = family.registered.clone();
    records::transact(tree, |tx| {
        let Some(mut family) = records::tx_get::<Family>(tx, &record_key)? else {
            return records::abort(AccountError::NotFound { code: "no_family" });
        };
        family.rooms = rooms.clone();
        family.registered = registered.clone();
        match target {
            Target::App => family.app_pass = Some(issued.clone()),
            Target::Card(..) => {
                family
                    .cards
                    .retain(|c| !(c.kind == issued.kind && c.child == issued.child));
                family.cards.push(issued.clone());
            }
        }
        records::tx_put(tx, &pass_key(&issued.pass_id), &family.id)?;
        records::tx_put(tx, &record_key, &family)
    })?;
    drop(issuer);
    tracing::info!(family = %family_id, kind = ?kind, serial = issued.serial, "pass signed");
    Ok(issued)
}

#[derive(Deserialize)]
struct RoomsForm {
    rooms: Vec<String>,
}

/// Checks the chosen rooms against the city: at least one, each known,
/// duplicates dropped, in the order given.
pub fn validate_rooms(
    typed: &[String],
    city: &crate::city::City,
) -> Result<Vec<RoomId>, FieldErrors> {
    let mut rooms = Vec::new();
    let mut errors = FieldErrors::new();
    if typed.is_empty() {
        errors.insert(
            "rooms".to_owned(),
            Message::new(
                "利用するルームを1つ以上選んでください。",
                "Choose at least one room.",
            ),
        );
    }
    for (i, t) in typed.iter().enumerate() {
        match t.parse::<RoomId>().ok().filter(|r| city.room(*r).is_some()) {
            Some(room) if !rooms.contains(&room) => rooms.push(room),
            Some(_) => {}
            None => {
                errors.insert(
                    format!("rooms[{i}]"),
                    Message::new("このルームはありません。", "There is no such room."),
                );
            }
        }
    }
    if errors.is_empty() {
        Ok(rooms)
    } else {
        Err(errors)
    }
}

/// `PUT /api/family/rooms`: registers the family for these rooms (本登録)
/// and signs the app pass for them; a pass that already exists is reissued
/// (serial + 1) so a pass for the old rooms stops working.
pub async fn register_rooms(ctx: Ctx, body: Vec<u8>) -> Result<Response, AccountError> {
    let family_id = ctx.guardian()?;
    let form: RoomsForm = parse(&body)?;
    let rooms = validate_rooms(&form.rooms, &ctx.state.city).map_err(AccountError::Invalid)?;
    let pass = sign_and_store(&ctx.state, &family_id, Some(rooms), Target::App, ctx.now)?;
    ctx.state.store.flush().await?;
    Ok(json(StatusCode::OK, &pass_view(&pass)))
}

/// `GET /api/family/pass`: the family's current app pass.
pub async fn current_pass(ctx: Ctx) -> Result<Response, AccountError> {
    let family = family::load(&ctx.accounts().tree, &ctx.guardian()?)?;
    let pass = family
        .app_pass
        .ok_or(AccountError::NotFound { code: "no_pass" })?;
    Ok(json(StatusCode::OK, &pass_view(&pass)))
}

/// `POST /api/family/pass/reissue`: serial + 1, the old pass revoked.
pub async fn reissue(ctx: Ctx) -> Result<Response, AccountError> {
    let family_id = ctx.guardian()?;
    let family = family::load(&ctx.accounts().tree, &family_id)?;
    if family.app_pass.is_none() {
        return Err(AccountError::NotFound { code: "no_pass" });
    }
    let pass = sign_and_store(&ctx.state, &family_id, None, Target::App, ctx.now)?;
    ctx.state.store.flush().await?;
    Ok(json(StatusCode::OK, &pass_view(&pass)))
}

/// `GET /api/family/cards`: the family's printed cards.
pub async fn cards(ctx: Ctx) -> Result<Response, AccountError> {
    let family = family::load(&ctx.accounts().tree, &ctx.guardian()?)?;
    let cards: Vec<_> = family.cards.iter().map(pass_view).collect();
    Ok(json(StatusCode::OK, &json!({ "cards": cards })))
}

#[derive(Deserialize)]
struct CardForm {
    kind: String,
    #[serde(default)]
    child: Option<usize>,
}

/// `POST /api/family/cards`: issues the family card or a child's card;
/// issuing one that exists reissues it (the old card is revoked).
pub async fn issue_card(ctx: Ctx, body: Vec<u8>) -> Result<Response, AccountError> {
    let family_id = ctx.guardian()?;
    issue_card_for(&ctx, &family_id, &body).await
}

/// Issues (or reissues) the card the JSON `body` asks for to `family_id`
/// and answers it; the caller has checked who may do so.
pub(super) async fn issue_card_for(
    ctx: &Ctx,
    family_id: &hiroba_engine::ids::FamilyId,
    body: &[u8],
) -> Result<Response, AccountError> {
    let form: CardForm = parse(body)?;
    let family = family::load(&ctx.accounts().tree, family_id)?;
    let target = card_target(&form, &family)?;
    let card = sign_and_store(&ctx.state, family_id, None, target, ctx.now)?;
    ctx.state.store.flush().await?;
    Ok(json(StatusCode::CREATED, &pass_view(&card)))
}

/// Which card a card form asks for, checked against the family's children.
fn card_target(form: &CardForm, family: &Family) -> Result<Target, AccountError> {
    Ok(match (form.kind.as_str(), form.child) {
        ("family", _) => Target::Card(PassKind::FamilyCard, None),
        ("child", Some(i)) if i < family.children.len() => {
            Target::Card(PassKind::ChildCard, Some(i))
        }
        ("child", _) => {
            return Err(AccountError::Invalid(FieldErrors::from([(
                "child".to_owned(),
                Message::new("お子さんを選んでください。", "Choose one of the children."),
            )])));
        }
        _ => {
            return Err(AccountError::Invalid(FieldErrors::from([(
                "kind".to_owned(),
                Message::new(
                    "カードの種類は family か child です。",
                    "The card kind is family or child.",
                ),
            )])));
        }
    })
}

/// Revokes one of a family's passes outright: every serial up to and
/// including the current one goes into the revocations document, then the
/// pass leaves the family record, so a later issue of that kind starts a
/// fresh pass id. Runs under the issuer's write lock like every pass
/// change; a crash between the two steps leaves the family pointing at a
/// pass kiosks already refuse, and retrying finishes the job.
pub(super) fn revoke_pass(
    state: &RelayState,
    family_id: &hiroba_engine::ids::FamilyId,
    pass_id: PassId,
) -> Result<IssuedPass, AccountError> {
    let issuer = state
        .issuer
        .write()
        .map_err(|_| AccountError::Internal("issuer lock poisoned".to_owned()))?;
    let tree = &state.accounts.tree;
    let family = family::load(tree, family_id)?;
    let pass = family
        .app_pass
        .iter()
        .chain(family.cards.iter())
        .find(|p| p.pass_id == pass_id)
        .cloned()
        .ok_or(AccountError::NotFound { code: "no_pass" })?;
    let lowest_valid = pass
        .serial
        .checked_add(1)
        .ok_or_else(|| AccountError::Internal("serial overflow".to_owned()))?;
    revoke_below(state, pass_id, lowest_valid)?;
    let record_key = family::key(family_id);
    records::transact(tree, |tx| {
        let Some(mut family) = records::tx_get::<Family>(tx, &record_key)? else {
            return records::abort(AccountError::NotFound { code: "no_family" });
        };
        if family
            .app_pass
            .as_ref()
            .is_some_and(|p| p.pass_id == pass_id)
        {
            family.app_pass = None;
        }
        family.cards.retain(|c| c.pass_id != pass_id);
        records::tx_put(tx, &record_key, &family)
    })?;
    drop(issuer);
    tracing::info!(family = %family_id, kind = ?pass.kind, serial = pass.serial, "pass revoked");
    Ok(pass)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rooms_are_checked_against_the_city() {
        let city = crate::city::City::demo();
        let rooms = |t: &[&str]| {
            validate_rooms(
                &t.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>(),
                &city,
            )
        };
        assert_eq!(
            rooms(&["R01", "R03", "R01"]),
            Ok(vec![RoomId(1), RoomId(3)])
        );
        let errors = rooms(&["R01", "R12", "x"]).expect_err("unknown rooms");
        assert_eq!(
            errors.keys().cloned().collect::<Vec<_>>(),
            ["rooms[1]", "rooms[2]"]
        );
        assert!(rooms(&[]).expect_err("none").contains_key("rooms"));
    }
}
