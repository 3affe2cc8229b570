//! The fix-members editor as plain data: which of the recorded children
//! came, children staff add because the family forgot to choose them at
//! the kiosk (known by birth month, as the pass knows them), and the
//! guardian count. The engine's `fix_members` then records exactly these,
//! so reports count the fixed visit like any other.

use hiroba_engine::attendance::{MAX_CHILDREN_PER_GROUP, MAX_GUARDIANS_PER_GROUP, VisitId};
use hiroba_engine::calendar::{Date, YearMonth, bracket_of_year_month};

use super::words::Words;

/// A correction being edited.
#[derive(Debug, Clone, PartialEq)]
pub struct Editing {
    pub visit: VisitId,
    /// The recorded children, then the added ones, each kept or not.
    pub children: Vec<(YearMonth, bool)>,
    pub guardians: u8,
    /// The guardian field as typed, checked on saving (so a half-typed
    /// count is neither refused nor reset while staff type).
    pub guardians_typed: String,
}

/// `2024-08`, `2024/8`, `2024年8月`, `202408`, full-width digits too →
/// the year-month; `None` for anything else.
pub fn parse_birth_month(text: &str) -> Option<YearMonth> {
    let ascii: String = text
        .trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_digit(c as u32 - '０' as u32, 10).unwrap_or(c),
            '－' | '／' | '．' => '-',
            _ => c,
        })
        .collect();
    let groups: Vec<&str> = ascii
        .split(|c: char| !c.is_ascii_digit())
        .filter(|g| !g.is_empty())
        .collect();
    // Anything but digits and the usual separators is not a month.
    if ascii
        .chars()
        .any(|c| !(c.is_ascii_digit() || matches!(c, '-' | '/' | '.' | ' ' | '年' | '月')))
    {
        return None;
    }
    let (year, month) = match groups.as_slice() {
        [both] if both.len() == 6 => (both[..4].parse().ok()?, both[4..].parse().ok()?),
        [year, month] if year.len() == 4 && (1..=2).contains(&month.len()) => {
            (year.parse().ok()?, month.parse().ok()?)
        }
        _ => return None,
    };
    YearMonth::new(year, month).ok()
}

impl Editing {
    /// The editor for a visit as recorded.
    pub fn new(visit: VisitId, recorded: &[YearMonth], guardians: u8) -> Editing {
        Editing {
            visit,
            children: recorded.iter().map(|m| (*m, true)).collect(),
            guardians,
            guardians_typed: guardians.to_string(),
        }
    }

    /// Keeps or drops the `i`-th child.
    pub fn toggle(&mut self, i: usize) {
        if let Some(c) = self.children.get_mut(i) {
            c.1 = !c.1;
        }
    }

    /// Adds a child born in the month staff typed, as of `day`.
    pub fn add_child(&mut self, typed: &str, day: Date) -> Result<(), Words> {
        let Some(month) = parse_birth_month(typed) else {
            return Err(Words::new(
                "生まれた年月を 2024-08 のように入力してください。",
                "Enter the birth month like 2024-08.",
            ));
        };
        if month > day.year_month() {
            return Err(Words::new(
                "生まれた年月が今日より後です。",
                "That birth month is after today.",
            ));
        }
        if bracket_of_year_month(month, day).is_none() {
            return Err(Words::new(
                "中学校を卒業した年齢の子は数えません。",
                "Children past junior high school are not counted.",
            ));
        }
        if self.kept().len() >= MAX_CHILDREN_PER_GROUP {
            return Err(Words::new(
                format!("1組の子どもは{MAX_CHILDREN_PER_GROUP}人までです。"),
                format!("A group counts at most {MAX_CHILDREN_PER_GROUP} children."),
            ));
        }
        self.children.push((month, true));
        Ok(())
    }

    /// Sets the guardian count from what staff typed.
    pub fn set_guardians(&mut self, typed: &str) -> Result<(), Words> {
        let ascii: String = typed
            .trim()
            .chars()
            .map(|c| match c {
                '０'..='９' => char::from_digit(c as u32 - '０' as u32, 10).unwrap_or(c),
                _ => c,
            })
            .collect();
        match ascii.parse::<u8>() {
            Ok(n) if n <= MAX_GUARDIANS_PER_GROUP => {
                self.guardians = n;
                Ok(())
            }
            _ => Err(Words::new(
                format!("保護者の人数は0〜{MAX_GUARDIANS_PER_GROUP}で入力してください。"),
                format!("Enter from 0 to {MAX_GUARDIANS_PER_GROUP} guardians."),
            )),
        }
    }

    /// The children to record.
    pub fn kept(&self) -> Vec<YearMonth> {
        self.children
            .iter()
            .filter(|(_, kept)| *kept)
            .map(|(m, _)| *m)
            .collect()
    }

    /// What to record (with the guardian count as typed), or why it
    /// cannot be.
    pub fn to_record(&mut self) -> Result<(Vec<YearMonth>, u8), Words> {
        let typed = self.guardians_typed.clone();
        self.set_guardians(&typed)?;
        let kids = self.kept();
        if kids.is_empty() && self.guardians == 0 {
            return Err(Words::new(
                "子どもか保護者を1人以上にしてください。取り消す場合は「取消」を押してください。",
                "Keep at least one child or guardian. To remove the visit, press Undo.",
            ));
        }
        Ok((kids, self.guardians))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day() -> Date {
        Date::new(2026, 11, 24).expect("date")
    }

    fn ym(y: i32, m: u32) -> YearMonth {
        YearMonth::new(y, m).expect("month")
    }

    fn visit() -> VisitId {
        VisitId::from_random(&[7; 16])
    }

    #[test]
    fn birth_months_are_typed_the_usual_ways() {
        for text in [
            "2024-08",
            "2024/8",
            "2024年8月",
            "202408",
            "２０２４－０８",
            " 2024.08 ",
        ] {
            assert_eq!(parse_birth_month(text), Some(ym(2024, 8)), "{text}");
        }
        for text in ["", "2024", "24-08", "2024-13", "2024-8-1", "abc", "R6-08"] {
            assert_eq!(parse_birth_month(text), None, "{text}");
        }
    }

    #[test]
    fn a_forgotten_child_is_added_and_recorded_with_the_others() {
        let mut edit = Editing::new(visit(), &[ym(2024, 8)], 1);
        edit.add_child("2025-10", day()).expect("a baby");
        edit.guardians_typed = "2".to_owned();
        assert_eq!(
            edit.to_record().expect("valid"),
            (vec![ym(2024, 8), ym(2025, 10)], 2)
        );
        // An added child can be dropped again like a recorded one.
        edit.toggle(1);
        assert_eq!(edit.kept(), [ym(2024, 8)]);
    }

    #[test]
    fn impossible_children_and_counts_are_refused_in_words() {
        let mut edit = Editing::new(visit(), &[], 1);
        let future = edit.add_child("2027-01", day()).expect_err("future");
        assert!(future.ja.contains("今日より後"), "{future:?}");
        let old = edit.add_child("2005-04", day()).expect_err("too old");
        assert!(old.en.contains("junior high"), "{old:?}");
        assert!(edit.add_child("soon", day()).is_err());
        assert!(edit.set_guardians("21").is_err());
        assert!(edit.set_guardians("-1").is_err());
        edit.guardians_typed = "x".to_owned();
        assert!(edit.to_record().is_err(), "not a count");
        edit.guardians_typed = "０".to_owned();
        let nobody = edit.to_record().expect_err("nobody left");
        assert!(nobody.ja.contains("取消"), "{nobody:?}");
        assert!(
            edit.children.is_empty(),
            "refusals leave the edit as it was"
        );
    }

    #[test]
    fn a_group_holds_at_most_the_engines_number_of_children() {
        let months = vec![ym(2020, 1); MAX_CHILDREN_PER_GROUP];
        let mut edit = Editing::new(visit(), &months, 1);
        assert!(edit.add_child("2024-08", day()).is_err());
        edit.toggle(0);
        edit.add_child("2024-08", day()).expect("room for one");
    }
}
