//! The paper-slip form, as plain data: what staff typed → a [`Slip`] or the
//! fields to fix, in words. Built for keyboard-only entry in under ten
//! seconds: times as `1030` or `10:30`, empty counts are zero.

use hiroba_engine::attendance::{Slip, SlipContact};
use hiroba_engine::calendar::{AgeBracket, Date, Timestamp};

/// The form's fields as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SlipForm {
    pub arrived: String,
    pub left: String,
    pub guardians: String,
    /// Per [`AgeBracket::ALL`] index.
    pub children: [String; 7],
    pub name: String,
    pub phone: String,
}

/// A field to fix and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The input's id.
    pub field: &'static str,
    pub ja: String,
    pub en: String,
}

/// The ids of the bracket inputs, in [`AgeBracket::ALL`] order.
pub const CHILD_FIELDS: [&str; 7] = [
    "slip-age0",
    "slip-age1",
    "slip-age2",
    "slip-age3",
    "slip-age4plus",
    "slip-elementary",
    "slip-junior-high",
];

/// `1030`, `10:30`, `10３０`, `10` → (10, 30); `None` for anything else.
pub fn parse_time(text: &str) -> Option<(u32, u32)> {
    let digits: String = text
        .chars()
        .filter_map(|c| match c {
            '0'..='9' => Some(c),
            '０'..='９' => char::from_digit(c as u32 - '０' as u32, 10),
            ':' | '：' | ' ' => None,
            _ => Some('x'),
        })
        .collect();
    if digits.contains('x') {
        return None;
    }
    let (h, m) = match digits.len() {
        1 | 2 => (digits.parse().ok()?, 0),
        3 => (digits[..1].parse().ok()?, digits[1..].parse().ok()?),
        4 => (digits[..2].parse().ok()?, digits[2..].parse().ok()?),
        _ => return None,
    };
    (h < 24 && m < 60).then_some((h, m))
}

fn count(text: &str) -> Option<u16> {
    let t = text.trim();
    if t.is_empty() {
        return Some(0);
    }
    let ascii: String = t
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_digit(c as u32 - '０' as u32, 10).unwrap_or(c),
            _ => c,
        })
        .collect();
    ascii.parse::<u16>().ok().filter(|n| *n <= 20)
}

impl SlipForm {
    /// The slip for `day`, or every field that needs fixing.
    pub fn to_slip(&self, day: Date) -> Result<Slip, Vec<FieldError>> {
        let mut errors = Vec::new();
        let time_error = |field: &'static str| FieldError {
            field,
            ja: "時刻は 1030 や 10:30 のように入力してください。".to_owned(),
            en: "Enter a time like 1030 or 10:30.".to_owned(),
        };
        let at = match parse_time(&self.arrived) {
            Some((h, m)) => Some(Timestamp::from_jst(day, h, m)),
            None => {
                errors.push(time_error("slip-arrived"));
                None
            }
        };
        let left = if self.left.trim().is_empty() {
            None
        } else {
            match parse_time(&self.left) {
                Some((h, m)) => {
                    let left = Timestamp::from_jst(day, h, m);
                    if at.is_some_and(|at| left < at) {
                        errors.push(FieldError {
                            field: "slip-left",
                            ja: "退館時刻が来館時刻より前です。".to_owned(),
                            en: "The leaving time is before the arrival time.".to_owned(),
                        });
                    }
                    Some(left)
                }
                None => {
                    errors.push(time_error("slip-left"));
                    None
                }
            }
        };
        let count_error = |field: &'static str| FieldError {
            field,
            ja: "0〜20の数を入力してください。".to_owned(),
            en: "Enter a number from 0 to 20.".to_owned(),
        };
        let guardians = count(&self.guardians).unwrap_or_else(|| {
            errors.push(count_error("slip-guardians"));
            0
        });
        let mut children = [0u16; 7];
        for (i, text) in self.children.iter().enumerate() {
            match count(text) {
                Some(n) => children[i] = n,
                None => errors.push(count_error(CHILD_FIELDS[i])),
            }
        }
        if errors.is_empty() && guardians == 0 && children.iter().all(|&n| n == 0) {
            errors.push(FieldError {
                field: "slip-guardians",
                ja: "人数が入力されていません。".to_owned(),
                en: "Nobody is counted on this slip.".to_owned(),
            });
        }
        let contact =
            (!self.name.trim().is_empty() || !self.phone.trim().is_empty()).then(|| SlipContact {
                name: self.name.trim().to_owned(),
                phone: self.phone.trim().to_owned(),
            });
        match (at, errors.is_empty()) {
            (Some(at), true) => Ok(Slip {
                at,
                left_at: left,
                guardians: u8::try_from(guardians).unwrap_or(u8::MAX),
                children,
                contact,
            }),
            _ => Err(errors),
        }
    }
}

/// The label of each bracket input.
pub fn bracket_label(i: usize, ja: bool) -> &'static str {
    match AgeBracket::ALL.get(i) {
        Some(b) if ja => b.label_ja(),
        Some(b) => b.label_en(),
        None => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day() -> Date {
        Date::new(2026, 11, 24).expect("date")
    }

    #[test]
    fn times_are_typed_the_quick_way() {
        assert_eq!(parse_time("1030"), Some((10, 30)));
        assert_eq!(parse_time("10:30"), Some((10, 30)));
        assert_eq!(parse_time("９３０"), Some((9, 30)));
        assert_eq!(parse_time("13"), Some((13, 0)));
        assert_eq!(parse_time("2460"), None);
        assert_eq!(parse_time("ten"), None);
        assert_eq!(parse_time(""), None);
    }

    #[test]
    fn a_slip_counts_people_by_bracket_and_keeps_the_contact_apart() {
        let mut form = SlipForm {
            arrived: "1000".into(),
            left: "1130".into(),
            guardians: "1".into(),
            name: "山田".into(),
            ..SlipForm::default()
        };
        form.children[1] = "2".into();
        let slip = form.to_slip(day()).expect("valid");
        assert_eq!(slip.children, [0, 2, 0, 0, 0, 0, 0]);
        assert_eq!(slip.guardians, 1);
        assert_eq!(slip.left_at, Some(Timestamp::from_jst(day(), 11, 30)));
        assert_eq!(slip.contact.map(|c| c.name), Some("山田".to_owned()));
    }

    #[test]
    fn every_wrong_field_is_named() {
        let mut form = SlipForm {
            arrived: "99".into(),
            left: "abc".into(),
            guardians: "-1".into(),
            ..SlipForm::default()
        };
        form.children[5] = "x".into();
        let errors = form.to_slip(day()).expect_err("invalid");
        let fields: Vec<&str> = errors.iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            [
                "slip-arrived",
                "slip-left",
                "slip-guardians",
                "slip-elementary"
            ]
        );
        let empty = SlipForm {
            arrived: "1000".into(),
            ..SlipForm::default()
        };
        assert_eq!(
            empty.to_slip(day()).expect_err("nobody")[0].field,
            "slip-guardians"
        );
        let backwards = SlipForm {
            arrived: "1100".into(),
            left: "1000".into(),
            guardians: "1".into(),
            ..SlipForm::default()
        };
        assert_eq!(
            backwards.to_slip(day()).expect_err("order")[0].field,
            "slip-left"
        );
    }
}
