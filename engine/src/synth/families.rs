//! The registered families of one room: stable pass ids, children who grow
//! older through the year, and how often each family comes.

use super::rng::Rng;
use crate::calendar::{Date, YearMonth};
use crate::ids::{PassId, RoomId};

/// Registered families per unit of room weight.
const FAMILIES_PER_WEIGHT: f64 = 650.0;

/// Who a registered pass belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Guardians with their (mostly young) children.
    Family,
    /// Elementary children with a printed card who come alone after school.
    ChildAlone,
}

/// One registered family of a room.
#[derive(Debug, Clone)]
pub(crate) struct Family {
    pub(crate) pass: PassId,
    pub(crate) kind: Kind,
    /// Guardians who usually come (0 for a child alone).
    pub(crate) guardians: u8,
    /// Birth year-months, youngest first.
    pub(crate) children: Vec<YearMonth>,
    /// How often the family comes, relative to others.
    pub(crate) weight: f64,
    /// The first day the family comes (a baby born during the year starts
    /// coming at about two months).
    pub(crate) active_from: Date,
}

/// The first month of the fiscal year, from which ages are drawn.
fn fy_start() -> YearMonth {
    YearMonth::from_ordinal(2024 * 12 + 3)
}

/// The registered families of `room`, the same for the same seed.
pub(crate) fn population(seed: u64, room: RoomId, room_weight: f64) -> Vec<Family> {
    let count = (FAMILIES_PER_WEIGHT * room_weight).round() as u64;
    (0..count)
        .map(|i| family(&mut Rng::derive(seed, &[1, u64::from(room.0), i])))
        .collect()
}

fn family(rng: &mut Rng) -> Family {
    let mut pass = [0u8; 8];
    pass.copy_from_slice(&rng.bytes16()[..8]);
    let pass = PassId(pass);
    // Heavy-tailed visit frequency: a few regulars come several times a
    // week, most families a couple of times a month or less.
    let weight = [6.0, 2.5, 0.6][rng.pick(&[0.15, 0.25, 0.60])];
    let start = fy_start().ordinal();
    let from = fy_start().first_day();

    if rng.chance(0.07) {
        // Grade 1–6 on 1 April 2024: 6 to 11 years old, born before April.
        let age_months = i64::from(rng.between(6 * 12 + 1, 11 * 12 + 11));
        let mut children = vec![YearMonth::from_ordinal(start - age_months)];
        if rng.chance(0.2) {
            let older = age_months + i64::from(rng.between(14, 30));
            if older <= 11 * 12 + 11 {
                children.push(YearMonth::from_ordinal(start - older));
            }
        }
        return Family {
            pass,
            kind: Kind::ChildAlone,
            guardians: 0,
            children,
            weight: weight * 0.8,
            active_from: from,
        };
    }

    let guardians = if rng.chance(0.2) { 2 } else { 1 };
    let count = 1 + rng.pick(&[62.0, 28.0, 7.5, 1.5, 0.6, 0.4]);
    let mut active_from = from;
    // Age of the youngest child in months on 1 April 2024; negative means
    // born during the year.
    let youngest: i64 = if rng.chance(0.2) {
        let born = YearMonth::from_ordinal(start + i64::from(rng.below(10)));
        active_from = born.assumed_birth_date().add_days(60);
        start - born.ordinal()
    } else {
        let years = rng.pick(&[0.46, 0.27, 0.13, 0.07, 0.04, 0.03]) as i64;
        1 + years * 12 + i64::from(rng.below(12))
    };
    let mut children = vec![YearMonth::from_ordinal(start - youngest)];
    let mut age = youngest;
    for _ in 1..count {
        age += i64::from(rng.between(14, 40));
        // Older siblings past junior high school no longer come.
        if age > 13 * 12 {
            break;
        }
        children.push(YearMonth::from_ordinal(start - age));
    }
    Family {
        pass,
        kind: Kind::Family,
        guardians,
        children,
        weight,
        active_from,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn populations_are_stable_and_plausible() {
        let a = population(7, RoomId(3), 1.0);
        let b = population(7, RoomId(3), 1.0);
        assert_eq!(a.len(), 650);
        assert!(a.iter().zip(&b).all(|(x, y)| x.pass == y.pass));
        let alone = a.iter().filter(|f| f.kind == Kind::ChildAlone).count();
        assert!((20..80).contains(&alone), "{alone} children alone");
        for f in &a {
            assert!(!f.children.is_empty());
            assert!(f.children.len() <= 6);
            // Nobody comes before being born.
            let youngest = f.children[0].assumed_birth_date();
            assert!(f.active_from >= youngest);
        }
        let other = population(7, RoomId(4), 1.0);
        assert_ne!(a[0].pass, other[0].pass);
    }
}
