//! The demo city: what `relay --demo` seeds so the whole product can be
//! tried at once (rooms, the first signing key, a few families with passes,
//! a few notices).

use hiroba_engine::calendar::{Timestamp, YearMonth};
use hiroba_engine::ids::{DocId, RoomId};
use hiroba_engine::notice::{Notice, publish};
use hiroba_engine::pass::PassKind;
use serde::{Deserialize, Serialize};

use crate::issuer::{IssueError, Issuer, PassRequest, load_doc, relay_actor};
use crate::store::Store;

/// A demo family's pass, printed at start-up so people can try a kiosk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoPass {
    /// Who this pass stands for, in words (no real person).
    pub label: String,
    /// The pass text, exactly as its QR code holds it.
    pub text: String,
    /// A room the pass is valid for.
    pub room: RoomId,
}

/// Seeds the demo families once; later starts reuse the stored passes.
pub fn seed(store: &Store, issuer: &Issuer, now: Timestamp) -> Result<Vec<DemoPass>, IssueError> {
    seed_notices(store, now)?;
    if let Some(passes) = store.meta::<Vec<DemoPass>>("demo-passes")? {
        return Ok(passes);
    }
    let ym = |y: i32, m: u32| {
        YearMonth::new(y, m).map_err(|e| IssueError::Damaged {
            what: "demo data",
            reason: e.to_string(),
        })
    };
    let families = [
        (
            "家族A（保護者1人・2歳と4歳）/ family A",
            PassKind::AppPass,
            vec![RoomId(1), RoomId(2)],
            1,
            vec![ym(2024, 8)?, ym(2022, 5)?],
        ),
        (
            "家族B（保護者2人・0歳）/ family B",
            PassKind::AppPass,
            vec![RoomId(1)],
            2,
            vec![ym(2026, 3)?],
        ),
        (
            "子どもカード（小3・ひとりで来館）/ child card",
            PassKind::ChildCard,
            vec![RoomId(1), RoomId(3)],
            0,
            vec![ym(2017, 9)?],
        ),
    ];
    let mut passes = Vec::new();
    for (label, kind, rooms, guardians, children) in families {
        let room = rooms[0];
        let request = PassRequest {
            kind,
            rooms,
            guardians,
            children,
        };
        let pass = issuer.issue(&request, now)?;
        passes.push(DemoPass {
            label: label.to_owned(),
            text: pass.to_text(),
            room,
        });
    }
    store.put_meta("demo-passes", &passes)?;
    Ok(passes)
}

/// Seeds three notices once (a room newsletter and two courses for age
/// groups), so the parent app's inbox has something to show. No emergency:
/// it would put a closure banner on every demo kiosk.
fn seed_notices(store: &Store, now: Timestamp) -> Result<(), IssueError> {
    if store.meta::<bool>("demo-notices")?.is_some() {
        return Ok(());
    }
    let id = DocId::notices();
    let mut doc = load_doc(store, &id, relay_actor(store)?)?;
    let before = doc.get_heads();
    let month = 30 * 86_400;
    let notices = [
        (
            "demo-letter",
            vec![RoomId(1)],
            None,
            "中央こどもルーム だより 12月号",
            "Chuo room newsletter, December",
            "12月の行事: 10日 クリスマス会、毎週水曜 絵本の読み聞かせ。年末年始（12/29〜1/3）はお休みです。",
            "Events in December: Christmas party on the 10th, picture-book reading every Wednesday. Closed 29 Dec – 3 Jan.",
        ),
        (
            "demo-baby-course",
            vec![],
            Some((0, 11)),
            "はじめての離乳食講座（0歳のお子さんの保護者向け）",
            "First solid foods: a course for parents of babies under 1",
            "管理栄養士が離乳食の進め方をお話しします。定員12組。お申し込みはアプリの講座から（受付開始は後日お知らせします）。",
            "A dietitian explains how to start solid foods. 12 families. Sign-up opens in the app soon.",
        ),
        (
            "demo-toddler-play",
            vec![],
            Some((12, 47)),
            "親子リトミック（1〜3歳）",
            "Rhythm play for ages 1–3",
            "音楽に合わせて体を動かします。動きやすい服装でお越しください。",
            "Move to music together. Please wear clothes you can move in.",
        ),
    ];
    for (notice_id, rooms, ages, title_ja, title_en, body_ja, body_en) in notices {
        let notice = Notice {
            emergency: false,
            rooms,
            title_ja: title_ja.to_owned(),
            title_en: title_en.to_owned(),
            body_ja: body_ja.to_owned(),
            body_en: body_en.to_owned(),
            min_age_months: ages.map(|(min, _)| min),
            max_age_months: ages.map(|(_, max)| max),
            from: now.plus_seconds(-86_400),
            until: now.plus_seconds(month),
        };
        publish(&mut doc, notice_id, &notice).map_err(|e| IssueError::Damaged {
            what: "demo notices",
            reason: e.to_string(),
        })?;
    }
    store.append_chunk(&id, &doc.save_after(&before))?;
    store.put_meta("demo-notices", &true)?;
    Ok(())
}

/// A demo login, printed at start-up (fixed demo passwords: fine for a
/// demo on loopback, never for a real city).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoLogin {
    /// Who logs in with it, in words.
    pub label: String,
    /// The login id (or the pairing code, for the kiosk).
    pub login_id: String,
    /// The password (empty for the pairing code).
    pub password: String,
}

/// The fictional families behind the demo passes: (label, login id,
/// password, guardian names, children (name, kana, birth date), index of
/// the demo pass that is the family's app pass, index of a child card).
type DemoFamily = (
    &'static str,
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
    &'static [(&'static str, &'static str, &'static str)],
    Option<usize>,
    Option<usize>,
);

const DEMO_FAMILIES: [DemoFamily; 3] = [
    (
        "保護者（家族A）/ guardian, family A",
        "HB-DEMA-2222",
        "demo-family-a",
        &[("見本 花子", "みほん はなこ")],
        &[
            ("見本 ゆい", "みほん ゆい", "2024-08-10"),
            ("見本 そう", "みほん そう", "2022-05-20"),
        ],
        Some(0),
        None,
    ),
    (
        "保護者（家族B）/ guardian, family B",
        "HB-DEMB-2222",
        "demo-family-b",
        &[
            ("試験 一郎", "しけん いちろう"),
            ("試験 二葉", "しけん ふたば"),
        ],
        &[("試験 はる", "しけん はる", "2026-03-03")],
        Some(1),
        None,
    ),
    (
        "保護者（家族C・こどもカード）/ guardian, family C",
        "HB-DEMC-2222",
        "demo-family-c",
        &[("例示 三郎", "れいじ さぶろう")],
        &[("例示 みく", "れいじ みく", "2017-09-09")],
        None,
        Some(2),
    ),
];

/// Seeds the demo accounts once: an administrator, room staff for R01, the
/// demo families as real family accounts holding the demo passes, and an
/// unredeemed kiosk pairing code for R01 (a new one on each start if the
/// last one was used).
pub fn seed_accounts(
    store: &Store,
    accounts: &crate::accounts::Accounts,
    passes: &[DemoPass],
    now: Timestamp,
) -> Result<Vec<DemoLogin>, crate::accounts::AccountError> {
    use crate::accounts::device::{DeviceRole, make_code};
    let mut logins = match store.meta::<Vec<DemoLogin>>("demo-logins")? {
        Some(logins) => logins,
        None => {
            let logins = seed_logins(accounts, passes, now)?;
            store.put_meta("demo-logins", &logins)?;
            logins
        }
    };
    let code_alive = store
        .meta::<String>("demo-pairing-code")?
        .map(|code| accounts.tree.contains_key(format!("pair/{code}")))
        .transpose()?
        .unwrap_or(false);
    if !code_alive {
        let (code, _) = make_code(&accounts.tree, RoomId(1), DeviceRole::Kiosk, "demo", now)?;
        store.put_meta("demo-pairing-code", &code)?;
    }
    if let Some(code) = store.meta::<String>("demo-pairing-code")? {
        logins.push(DemoLogin {
            label: "受付端末ペアリングコード R01 / kiosk pairing code".to_owned(),
            login_id: code,
            password: String::new(),
        });
    }
    Ok(logins)
}

fn seed_logins(
    accounts: &crate::accounts::Accounts,
    passes: &[DemoPass],
    now: Timestamp,
) -> Result<Vec<DemoLogin>, crate::accounts::AccountError> {
    use crate::accounts::application::{Application, ApplicationDetails, Child, Decision, Person};
    use crate::accounts::credentials::hash_password_now;
    use crate::accounts::family::{self, Family};
    use crate::accounts::issuance::IssuedPass;
    use crate::accounts::staff::{self, StaffAccount};
    use crate::accounts::{AccountError, application, records};
    use crate::auth::StaffRole;
    use hiroba_engine::ids::FamilyId;
    use hiroba_engine::pass::SignedPass;

    let mut logins = Vec::new();
    for (label, login_id, password, role, room) in [
        (
            "管理者 / administrator",
            "admin",
            "demo-admin-2026",
            StaffRole::Administrator,
            None,
        ),
        (
            "R01 職員 / room staff R01",
            "r01-staff",
            "demo-staff-2026",
            StaffRole::RoomStaff,
            Some(RoomId(1)),
        ),
    ] {
        let account = StaffAccount {
            login_id: login_id.to_owned(),
            display_name: label.to_owned(),
            role,
            room,
            password_hash: hash_password_now(password)?,
            created_at: now,
        };
        records::put(&accounts.tree, &staff::key(login_id), &account)?;
        logins.push(DemoLogin {
            label: label.to_owned(),
            login_id: login_id.to_owned(),
            password: password.to_owned(),
        });
    }
    let issued =
        |index: Option<usize>, child: Option<usize>| -> Result<Option<IssuedPass>, AccountError> {
            let Some(demo) = index.and_then(|i| passes.get(i)) else {
                return Ok(None);
            };
            let pass = SignedPass::from_text(&demo.text)
                .map_err(|e| AccountError::Internal(format!("demo pass: {e}")))?;
            Ok(Some(IssuedPass {
                pass_id: pass.claims.pass_id,
                serial: pass.claims.serial,
                kind: pass.claims.kind,
                child,
                key_id: pass.claims.key_id,
                rooms: pass.claims.rooms.clone(),
                text: demo.text.clone(),
                issued_at: now,
                valid_until: pass.claims.valid_until,
            }))
        };
    for (n, (label, login_id, password, guardians, children, app_pass, card)) in
        DEMO_FAMILIES.iter().enumerate()
    {
        let family_id = FamilyId::from_random([0xde, 0x40, 0, 0, 0, 0, 0, n as u8 + 1]);
        let receipt = format!("AP-DEMO-222{}", n + 2);
        let children = children
            .iter()
            .map(|(name, kana, born)| {
                Ok(Child {
                    name: (*name).to_owned(),
                    kana: (*kana).to_owned(),
                    birth_date: born
                        .parse()
                        .map_err(|_| AccountError::Internal("demo birth date".to_owned()))?,
                })
            })
            .collect::<Result<Vec<_>, AccountError>>()?;
        let app_pass = issued(*app_pass, None)?;
        let cards: Vec<IssuedPass> = issued(*card, Some(0))?.into_iter().collect();
        let rooms = app_pass
            .as_ref()
            .or(cards.first())
            .map(|p| p.rooms.clone())
            .unwrap_or_default();
        let application = Application {
            receipt: receipt.clone(),
            submission_id: format!("demo-submission-{n}"),
            submitted_at: now,
            details: ApplicationDetails {
                guardians: guardians
                    .iter()
                    .map(|(name, kana)| Person {
                        name: (*name).to_owned(),
                        kana: (*kana).to_owned(),
                    })
                    .collect(),
                address: "ひろば市中央1-1-1（見本）".to_owned(),
                phone: "000-0000-0000".to_owned(),
                email: None,
                children: children.clone(),
                other_adults: Vec::new(),
            },
            decision: Decision::Approved {
                family_id: family_id.clone(),
                decided_at: now,
                decided_by: "demo".to_owned(),
            },
        };
        let family = Family {
            id: family_id.clone(),
            login_id: (*login_id).to_owned(),
            password_hash: hash_password_now(password)?,
            must_change_password: false,
            receipt: receipt.clone(),
            guardians: u8::try_from(guardians.len()).unwrap_or(1),
            children,
            registered: rooms.iter().map(|room| (*room, now)).collect(),
            rooms,
            app_pass,
            cards,
            created_at: now,
        };
        records::transact(&accounts.tree, |tx| {
            records::tx_put(tx, &application::key(&receipt), &application)?;
            records::tx_put(tx, &family::key(&family_id), &family)?;
            records::tx_put(tx, &family::login_key(login_id), &family_id)
        })?;
        logins.push(DemoLogin {
            label: (*label).to_owned(),
            login_id: (*login_id).to_owned(),
            password: (*password).to_owned(),
        });
    }
    Ok(logins)
}
