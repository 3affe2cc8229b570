//! Who is logged in to the staff console.

use std::rc::Rc;

use hiroba_engine::ids::RoomId;
use hiroba_engine::lang::Lang;
use serde::{Deserialize, Serialize};
use yew::{AttrValue, Properties};

/// A staff member's role (docs/API.md, `POST /api/staff/login`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StaffRole {
    /// City administrator: every room, applications, devices, city reports.
    Administrator,
    /// Staff of one room.
    RoomStaff,
}

/// A staff session, as `POST /api/staff/login` answers it (and as the
/// console keeps it in the tab's `sessionStorage`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffSession {
    /// The bearer token for every staff API call and the sync endpoint.
    pub token: String,
    pub login_id: String,
    pub display_name: String,
    pub role: StaffRole,
    /// The staff member's room; `None` for administrators.
    pub room: Option<RoomId>,
}

impl StaffSession {
    pub fn is_admin(&self) -> bool {
        self.role == StaffRole::Administrator
    }

    /// Whether this person may see and change `room`'s day.
    pub fn may_manage(&self, room: RoomId) -> bool {
        self.is_admin() || self.room == Some(room)
    }
}

/// What every staff page gets.
#[derive(Debug, Clone, PartialEq, Properties)]
pub struct PageProps {
    pub session: Rc<StaffSession>,
    pub lang: Lang,
    /// What follows the tab in the URL hash (`#/staff/families/<rest>`),
    /// e.g. the family a page should open; empty when nothing does.
    #[prop_or_default]
    pub rest: AttrValue,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_login_answer_is_a_session() {
        let s: StaffSession = serde_json::from_str(
            r#"{"token":"ab","login_id":"r01-staff","display_name":"田中","role":"room_staff","room":"R01"}"#,
        )
        .expect("parses");
        assert_eq!(s.room, Some(RoomId(1)));
        assert!(s.may_manage(RoomId(1)));
        assert!(!s.may_manage(RoomId(2)));
        let admin: StaffSession = serde_json::from_str(
            r#"{"token":"ab","login_id":"admin","display_name":"管理者","role":"administrator","room":null}"#,
        )
        .expect("parses");
        assert!(admin.may_manage(RoomId(7)));
        let stored = serde_json::to_string(&admin).expect("serializes");
        assert_eq!(
            serde_json::from_str::<StaffSession>(&stored).ok(),
            Some(admin)
        );
    }
}
