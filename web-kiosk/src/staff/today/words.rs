//! What went wrong on the Today page, in words for staff: which action
//! failed and why, from the engine's [`AttendanceError`], never a bare
//! "error" and never blamed on the wrong field.

use hiroba_engine::attendance::{AttendanceError, MAX_CHILDREN_PER_GROUP, MAX_GUARDIANS_PER_GROUP};

/// A message in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Words {
    pub ja: String,
    pub en: String,
}

impl Words {
    pub fn new(ja: impl Into<String>, en: impl Into<String>) -> Words {
        Words {
            ja: ja.into(),
            en: en.into(),
        }
    }
}

/// What staff were doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Undo,
    CheckOut,
    Fix,
    CloseDay,
    Slip,
}

impl Action {
    fn words(self) -> (&'static str, &'static str) {
        match self {
            Action::Undo => ("取り消し", "undo the visit"),
            Action::CheckOut => ("退室の記録", "record the check-out"),
            Action::Fix => ("人数の修正", "save the correction"),
            Action::CloseDay => ("本日の締め", "close the day"),
            Action::Slip => ("受付票の記録", "record the slip"),
        }
    }
}

/// Why the engine refused, without the action.
pub fn reason(error: &AttendanceError) -> Words {
    match error {
        AttendanceError::NobodyCame => Words::new(
            "子どもか保護者が1人以上必要です。",
            "at least one child or guardian is needed.",
        ),
        AttendanceError::TooManyPeople { .. } => Words::new(
            format!(
                "1組は子ども{MAX_CHILDREN_PER_GROUP}人・保護者{MAX_GUARDIANS_PER_GROUP}人までです。"
            ),
            format!(
                "one group counts at most {MAX_CHILDREN_PER_GROUP} children and {MAX_GUARDIANS_PER_GROUP} guardians."
            ),
        ),
        AttendanceError::LeftBeforeArrival { .. } => Words::new(
            "退館時刻が来館時刻より前です。",
            "the leaving time is before the arrival time.",
        ),
        AttendanceError::ImplausibleTime(_) => Words::new(
            "このパソコンの時計が正しくありません。時計を合わせてから、もう一度お試しください。",
            "this computer's clock is wrong; set it and try again.",
        ),
        AttendanceError::InvalidId(_) | AttendanceError::DuplicateId(_) => Words::new(
            "記録の番号を作れませんでした。もう一度お試しください。",
            "the record could not be given an id; please try again.",
        ),
        AttendanceError::EmptyContact => Words::new(
            "氏名か電話番号を入力してください。",
            "enter a name or a phone number.",
        ),
        AttendanceError::ContactTooLong { field, max } if *field == "phone" => Words::new(
            format!("電話番号は{max}文字までです。"),
            format!("the phone number may be at most {max} characters."),
        ),
        AttendanceError::ContactTooLong { max, .. } => Words::new(
            format!("氏名は{max}文字までです。"),
            format!("the name may be at most {max} characters."),
        ),
        AttendanceError::Document(e) => Words::new(
            format!("記録の文書が変更を受け付けませんでした（{e}）。もう一度お試しください。"),
            format!("the day's document refused the change ({e}); please try again."),
        ),
        other => Words::new(
            format!("記録できませんでした（{other}）。"),
            format!("it could not be recorded ({other})."),
        ),
    }
}

/// `action` failed: the engine refused (`Some`), or the browser gave no
/// random bytes for the record's id (`None`).
pub fn failure(action: Action, error: Option<&AttendanceError>) -> Words {
    let why = error.map(reason).unwrap_or_else(|| {
        Words::new(
            "この画面で記録を始められませんでした。もう一度お試しください。続く場合は、未送信が0件になってからページを開き直してください。",
            "the page could not start the record; please try again, and if it keeps failing, reopen the page once nothing is unsent.",
        )
    });
    failed_because(action, why)
}

/// `action` failed for the reason `why` (a sentence to follow a colon).
pub fn failed_because(action: Action, why: Words) -> Words {
    let (ja, en) = action.words();
    Words::new(
        format!("{ja}ができませんでした：{}", why.ja),
        format!("Could not {en}: {}", why.en),
    )
}

/// The slip form's field an engine refusal is about (`slip-form` for the
/// form as a whole), so the message lands where staff can fix it.
pub fn slip_field(error: &AttendanceError) -> &'static str {
    match error {
        AttendanceError::ContactTooLong { field, .. } if *field == "phone" => "slip-phone",
        AttendanceError::ContactTooLong { .. } | AttendanceError::EmptyContact => "slip-name",
        AttendanceError::NobodyCame | AttendanceError::TooManyPeople { .. } => "slip-guardians",
        AttendanceError::LeftBeforeArrival { .. } => "slip-left",
        _ => "slip-form",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_action_says_what_failed_and_why() {
        let undo = failure(Action::Undo, Some(&AttendanceError::ImplausibleTime(0)));
        assert!(
            undo.ja.starts_with("取り消しができませんでした"),
            "{undo:?}"
        );
        assert!(undo.ja.contains("時計"), "{undo:?}");
        assert!(undo.en.starts_with("Could not undo the visit"), "{undo:?}");
        let close = failure(Action::CloseDay, None);
        assert!(close.ja.contains("本日の締め") && close.en.contains("close the day"));
        let fix = failure(Action::Fix, Some(&AttendanceError::NobodyCame));
        assert!(fix.en.contains("at least one child or guardian"), "{fix:?}");
        let out = failure(
            Action::CheckOut,
            Some(&AttendanceError::DuplicateId("x".to_owned())),
        );
        assert!(out.en.contains("check-out") && out.en.contains("try again"));
    }

    #[test]
    fn slip_errors_name_the_field_that_failed() {
        let name = AttendanceError::ContactTooLong {
            field: "name",
            max: 100,
        };
        let phone = AttendanceError::ContactTooLong {
            field: "phone",
            max: 40,
        };
        assert_eq!(slip_field(&name), "slip-name");
        assert_eq!(slip_field(&phone), "slip-phone");
        assert_eq!(reason(&phone).ja, "電話番号は40文字までです。");
        assert_eq!(reason(&name).en, "the name may be at most 100 characters.");
        assert_eq!(
            slip_field(&AttendanceError::ImplausibleTime(1)),
            "slip-form",
            "a clock problem is nobody's name or phone"
        );
        assert!(
            !reason(&AttendanceError::ImplausibleTime(1))
                .ja
                .contains("氏名")
        );
    }
}
