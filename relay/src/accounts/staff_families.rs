//! The staff console's families: search, the family view, and the pass
//! and card actions staff take at the counter (reissue, print a card,
//! revoke).
//!
//! Search is a scan over the family records and their applications: a
//! city has tens of thousands of families at most, each a few hundred
//! bytes, so a scan answers in milliseconds and needs no index to keep
//! consistent. Matching is a plain function ([`Needle::matches`]) of the
//! typed query and the family's words, folded so that width (全角/半角),
//! katakana/hiragana, case, spaces and hyphens do not matter.
//!
//! The pass actions reuse [`super::issuance`]: every signature and
//! revocation happens there, under the issuer's write lock.

use hiroba_engine::ids::{FamilyId, PassId};
use hiroba_engine::pass::short_code;
use hiroba_engine::trust::Revocations;
use serde::Deserialize;
use serde_json::{Value, json};
use warp::http::StatusCode;
use warp::reply::Response;

use super::application::{self, Application};
use super::credentials::half_width;
use super::error::AccountError;
use super::family::{self, Family};
use super::issuance::{
    IssuedPass, Target, current_revocations, issue_card_for, pass_view, revoke_pass, sign_and_store,
};
use super::{Ctx, json, parse, records};

/// At most this many families in one answer.
pub const MAX_RESULTS: usize = 50;
/// A digits-only query shorter than this is not taken as a phone number
/// (it would match nearly every family).
const MIN_PHONE_DIGITS: usize = 3;

/// The family search. It comes in a POST body, never in the URL: names
/// and phone numbers must not reach an address that proxies and browser
/// histories keep.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SearchQuery {
    /// What staff typed; empty lists the newest families.
    pub q: Option<String>,
}

/// Folds text for matching: full-width ASCII to half-width, half-width
/// katakana to full-width, katakana to hiragana, lower case, and without
/// spaces, hyphens, long-vowel marks or middle dots (people type names
/// with or without the space between family and given name).
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in half_width(text).chars() {
        match c {
            c if c.is_whitespace() => {}
            '-' | '・' | '･' | 'ー' | 'ｰ' => {}
            'ﾞ' | '゛' => voice(&mut out, 1, "かきくけこさしすせそたちつてとはひふへほ"),
            'ﾟ' | '゜' => voice(&mut out, 2, "はひふへほ"),
            c => out.extend(hiragana(c).to_lowercase()),
        }
    }
    out
}

/// Katakana (full- or half-width) as hiragana; anything else unchanged.
fn hiragana(c: char) -> char {
    const HALF: &str = "ｦｧｨｩｪｫｬｭｮｯｱｲｳｴｵｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾅﾆﾇﾈﾉﾊﾋﾌﾍﾎﾏﾐﾑﾒﾓﾔﾕﾖﾗﾘﾙﾚﾛﾜﾝ";
    const FULL: &str = "ヲァィゥェォャュョッアイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワン";
    let c = HALF
        .chars()
        .position(|h| h == c)
        .and_then(|i| FULL.chars().nth(i))
        .unwrap_or(c);
    match c {
        'ァ'..='ヶ' => char::from_u32(c as u32 - 0x60).unwrap_or(c),
        _ => c,
    }
}

/// Applies a separate (half-width) voicing mark to the kana before it.
fn voice(out: &mut String, step: u32, voiceable: &str) {
    if let Some(last) = out.pop() {
        let voiced = if voiceable.contains(last) {
            char::from_u32(last as u32 + step).unwrap_or(last)
        } else {
            last
        };
        out.push(voiced);
    }
}

/// A typed query, folded once for every family it is matched against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Needle {
    folded: String,
    /// The digits, when the query looks like (part of) a phone number.
    phone_digits: Option<String>,
}

impl Needle {
    /// The needle of a typed query; `None` if nothing searchable was typed.
    pub fn new(typed: &str) -> Option<Needle> {
        let folded = fold(typed);
        if folded.is_empty() {
            return None;
        }
        let half = half_width(typed);
        let digits: String = half.chars().filter(char::is_ascii_digit).collect();
        let phone_like = half
            .chars()
            .all(|c| c.is_ascii_digit() || c == '-' || c.is_whitespace() || c == '(' || c == ')');
        let phone_digits = (phone_like && digits.len() >= MIN_PHONE_DIGITS).then_some(digits);
        Some(Needle {
            folded,
            phone_digits,
        })
    }

    /// Whether any of the family's words contains the query.
    pub fn matches(&self, words: &FamilyWords<'_>) -> bool {
        if let (Some(digits), Some(phone)) = (&self.phone_digits, words.phone) {
            let phone: String = phone.chars().filter(char::is_ascii_digit).collect();
            if phone.contains(digits.as_str()) {
                return true;
            }
        }
        words
            .texts
            .iter()
            .any(|text| fold(text).contains(&self.folded))
    }
}

/// What a family can be found by.
#[derive(Debug, Clone, Default)]
pub struct FamilyWords<'a> {
    /// Login id, family id, names and readings, short codes of its passes.
    pub texts: Vec<&'a str>,
    /// The phone number on the application.
    pub phone: Option<&'a str>,
}

fn words<'a>(
    family: &'a Family,
    app: Option<&'a Application>,
    codes: &'a [String],
) -> FamilyWords<'a> {
    let mut texts = vec![family.login_id.as_str(), family.id.as_str()];
    for child in &family.children {
        texts.push(&child.name);
        texts.push(&child.kana);
    }
    if let Some(app) = app {
        for g in &app.details.guardians {
            texts.push(&g.name);
            texts.push(&g.kana);
        }
    }
    texts.extend(codes.iter().map(String::as_str));
    FamilyWords {
        texts,
        phone: app.map(|a| a.details.phone.as_str()),
    }
}

/// Where a pass stands for the kiosks.
fn pass_status(pass: Option<&IssuedPass>, revocations: &Revocations) -> &'static str {
    match pass {
        None => "none",
        Some(p) if revocations.is_revoked(p.pass_id, p.serial) => "revoked",
        Some(_) => "active",
    }
}

/// A pass as the apps see it, plus whether kiosks refuse it.
fn staff_pass_view(pass: &IssuedPass, revocations: &Revocations) -> Value {
    let mut view = pass_view(pass);
    if let Value::Object(map) = &mut view {
        map.insert(
            "revoked".to_owned(),
            Value::Bool(revocations.is_revoked(pass.pass_id, pass.serial)),
        );
    }
    view
}

fn application_of(tree: &sled::Tree, family: &Family) -> Result<Option<Application>, AccountError> {
    records::get(tree, &application::key(&family.receipt))
}

fn family_id(typed: &str) -> Result<FamilyId, AccountError> {
    typed
        .parse()
        .map_err(|_| AccountError::NotFound { code: "no_family" })
}

/// `POST /api/staff/families/search` with `{"q": …}`: families whose login
/// id, names, readings, phone digits or pass short codes contain the query;
/// newest first, at most [`MAX_RESULTS`]. An empty query lists the newest
/// families.
pub async fn search(ctx: Ctx, body: Vec<u8>) -> Result<Response, AccountError> {
    ctx.staff()?;
    let query: SearchQuery = if body.is_empty() {
        SearchQuery::default()
    } else {
        parse(&body)?
    };
    let needle = query.q.as_deref().and_then(Needle::new);
    let tree = &ctx.accounts().tree;
    let revocations = current_revocations(&ctx.state)?;
    let mut found = Vec::new();
    for (_, family) in records::scan::<Family>(tree, "fam/")? {
        let app = application_of(tree, &family)?;
        let codes: Vec<String> = family
            .app_pass
            .iter()
            .chain(family.cards.iter())
            .map(|p| short_code(p.pass_id, p.serial))
            .collect();
        if needle
            .as_ref()
            .is_none_or(|n| n.matches(&words(&family, app.as_ref(), &codes)))
        {
            found.push((family, app));
        }
    }
    found.sort_by(|(a, _), (b, _)| {
        b.created_at
            .cmp(&a.created_at)
            .then(a.login_id.cmp(&b.login_id))
    });
    let total = found.len();
    let families: Vec<Value> = found
        .iter()
        .take(MAX_RESULTS)
        .map(|(family, app)| {
            let guardian = app.as_ref().and_then(|a| a.details.guardians.first());
            json!({
                "family_id": family.id,
                "login_id": family.login_id,
                "guardian": guardian.map(|g| g.name.as_str()),
                "guardian_kana": guardian.map(|g| g.kana.as_str()),
                "children": family.children.len(),
                "rooms": family.rooms,
                "pass": pass_status(family.app_pass.as_ref(), &revocations),
                "cards": family.cards.len(),
            })
        })
        .collect();
    Ok(json(
        StatusCode::OK,
        &json!({ "families": families, "total": total, "truncated": total > MAX_RESULTS }),
    ))
}

/// The family view: who they are, their rooms, passes and cards.
fn family_view(ctx: &Ctx, family_id: &FamilyId) -> Result<Value, AccountError> {
    let tree = &ctx.accounts().tree;
    let family = family::load(tree, family_id)?;
    let app = application_of(tree, &family)?;
    let revocations = current_revocations(&ctx.state)?;
    let children: Vec<Value> = family
        .children
        .iter()
        .enumerate()
        .map(|(index, c)| {
            json!({ "index": index, "name": c.name, "kana": c.kana, "birth_date": c.birth_date })
        })
        .collect();
    let details = app.as_ref().map(|a| &a.details);
    Ok(json!({
        "family_id": family.id,
        "login_id": family.login_id,
        "receipt": family.receipt,
        "created_at": family.created_at,
        "must_change_password": family.must_change_password,
        "guardians": details.map(|d| d.guardians.clone()).unwrap_or_default(),
        "guardian_count": family.guardians,
        "phone": details.map(|d| d.phone.as_str()),
        "other_adults": details.map(|d| d.other_adults.clone()).unwrap_or_default(),
        "children": children,
        "rooms": family.rooms,
        "pass": family.app_pass.as_ref().map(|p| staff_pass_view(p, &revocations)),
        "cards": family.cards.iter().map(|p| staff_pass_view(p, &revocations)).collect::<Vec<_>>(),
    }))
}

/// `GET /api/staff/families/{family_id}`.
pub async fn show(ctx: Ctx, family_id: String) -> Result<Response, AccountError> {
    ctx.staff()?;
    let id = self::family_id(&family_id)?;
    Ok(json(StatusCode::OK, &family_view(&ctx, &id)?))
}

/// `POST /api/staff/families/{family_id}/pass/reissue`: serial + 1 with the
/// old serials revoked, or a fresh pass if the last one was revoked
/// outright (the family must have rooms).
pub async fn reissue_pass(ctx: Ctx, family_id: String) -> Result<Response, AccountError> {
    ctx.staff()?;
    let id = self::family_id(&family_id)?;
    let pass = sign_and_store(&ctx.state, &id, None, Target::App, ctx.now)?;
    ctx.state.store.flush().await?;
    Ok(json(StatusCode::OK, &pass_view(&pass)))
}

/// `POST /api/staff/families/{family_id}/cards` `{"kind": "family"|"child", "child": 0}`.
pub async fn issue_card(
    ctx: Ctx,
    family_id: String,
    body: Vec<u8>,
) -> Result<Response, AccountError> {
    ctx.staff()?;
    let id = self::family_id(&family_id)?;
    issue_card_for(&ctx, &id, &body).await
}

/// `POST /api/staff/families/{family_id}/passes/{pass_id}/revoke`
/// (administrators): revokes a pass or card outright.
pub async fn revoke(ctx: Ctx, ids: (String, String)) -> Result<Response, AccountError> {
    ctx.admin()?;
    let (family_id, pass_id) = ids;
    let id = self::family_id(&family_id)?;
    let pass_id: PassId = pass_id
        .parse()
        .map_err(|_| AccountError::NotFound { code: "no_pass" })?;
    let revoked = revoke_pass(&ctx.state, &id, pass_id)?;
    ctx.state.store.flush().await?;
    Ok(json(
        StatusCode::OK,
        &json!({ "revoked": pass_view(&revoked), "family": family_view(&ctx, &id)? }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finds(query: &str, texts: &[&str], phone: Option<&str>) -> bool {
        let needle = Needle::new(query).expect("a query");
        needle.matches(&FamilyWords {
            texts: texts.to_vec(),
            phone,
        })
    }

    #[test]
    fn folding_ignores_width_kana_case_and_spacing() {
        assert_eq!(fold("ヒロバ　ハナコ"), "ひろばはなこ");
        assert_eq!(fold("ﾋﾛﾊﾞ ﾊﾅｺ"), "ひろばはなこ");
        assert_eq!(fold("ﾎﾟﾝ"), "ぽん");
        assert_eq!(fold("ＨＢ－４ＨＫＸ"), "hb4hkx");
        assert_eq!(fold("HB-4HKX-9TQZ"), "hb4hkx9tqz");
        assert_eq!(fold("広場 花子"), "広場花子");
    }

    #[test]
    fn a_family_is_found_by_name_reading_login_id_and_phone() {
        let texts = [
            "HB-4HKX-9TQZ",
            "広場 花子",
            "ひろば はなこ",
            "広場 太郎",
            "ひろば たろう",
        ];
        let phone = Some("090-1234-5678");
        assert!(finds("花子", &texts, phone));
        assert!(finds("広場花子", &texts, phone));
        assert!(finds("ヒロバ", &texts, phone));
        assert!(finds("ﾀﾛｳ", &texts, phone));
        assert!(finds("hb4hkx", &texts, phone));
        assert!(finds("9tqz", &texts, phone));
        assert!(finds("1234-5678", &texts, phone));
        assert!(finds("０９０１２３４", &texts, phone));
        assert!(!finds("さくら", &texts, phone));
        assert!(!finds("555", &texts, phone));
    }

    #[test]
    fn short_digit_runs_are_not_phone_searches() {
        let needle = Needle::new("09").expect("a query");
        assert_eq!(needle.phone_digits, None);
        assert!(!needle.matches(&FamilyWords {
            texts: vec!["広場"],
            phone: Some("090-1234-5678"),
        }));
        assert_eq!(Needle::new(" 　- "), None);
    }
}
