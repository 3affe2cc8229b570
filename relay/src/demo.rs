//! The demo city: what `relay --demo` seeds so the whole product can be
//! tried at once (rooms, the first signing key, a few families with passes).

use hiroba_engine::calendar::{Timestamp, YearMonth};
use hiroba_engine::ids::RoomId;
use hiroba_engine::pass::PassKind;
use serde::{Deserialize, Serialize};

use crate::issuer::{IssueError, Issuer, PassRequest};
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
