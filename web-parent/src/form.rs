//! The forms' rules, checked on the phone before anything is sent: the
//! application (事前登録), the password change and the add-a-child request.
//!
//! They mirror the relay's rules (relay/src/accounts/application.rs) so a
//! person sees the same words before and after sending; the relay stays the
//! authority and its `422 invalid_input` messages land on the same field
//! keys (`children[0].birth_date`, …). Pure: tested natively.

use std::collections::BTreeMap;

use hiroba_engine::calendar::Date;
use serde_json::{Value, json};

/// A message for one field, in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub ja: String,
    pub en: String,
}

/// Field key (the relay's name) → what is wrong.
pub type Problems = BTreeMap<String, Problem>;

pub const MAX_GUARDIANS: usize = 4;
pub const MAX_CHILDREN: usize = 10;
pub const MAX_OTHER_ADULTS: usize = 6;

/// A guardian or a child's name and reading.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PersonRow {
    pub name: String,
    pub kana: String,
    /// Children only: `YYYY-MM-DD`.
    pub birth: String,
}

/// Someone else who may bring the children (a grandparent, …).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OtherRow {
    pub name: String,
    pub relationship: String,
}

/// The application form as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplyForm {
    pub guardians: Vec<PersonRow>,
    pub address: String,
    pub phone: String,
    pub email: String,
    pub children: Vec<PersonRow>,
    pub others: Vec<OtherRow>,
    pub consent: bool,
}

impl Default for ApplyForm {
    fn default() -> Self {
        ApplyForm {
            guardians: vec![PersonRow::default()],
            address: String::new(),
            phone: String::new(),
            email: String::new(),
            children: vec![PersonRow::default()],
            others: Vec::new(),
            consent: false,
        }
    }
}

fn add(problems: &mut Problems, key: impl Into<String>, ja: &str, en: &str) {
    problems.insert(
        key.into(),
        Problem {
            ja: ja.to_owned(),
            en: en.to_owned(),
        },
    );
}

impl ApplyForm {
    /// What is wrong with the form, per field; empty when it may be sent.
    pub fn problems(&self, today: Date) -> Problems {
        let mut p = Problems::new();
        for (i, g) in self.guardians.iter().enumerate() {
            name_problem(&mut p, format!("guardians[{i}].name"), &g.name);
            kana_problem(&mut p, format!("guardians[{i}].kana"), &g.kana);
        }
        let address = self.address.trim();
        if address.is_empty() {
            add(
                &mut p,
                "address",
                "住所を入力してください。",
                "Enter your address.",
            );
        } else if address.chars().count() > 200 {
            add(
                &mut p,
                "address",
                "住所は200文字以内で入力してください。",
                "The address must be at most 200 characters.",
            );
        }
        if normalize_phone(&self.phone).is_none() {
            add(
                &mut p,
                "phone",
                "電話番号を0から始まる10〜11桁の数字で入力してください（例: 090-1234-5678）。",
                "Enter a phone number of 10–11 digits starting with 0 (e.g. 090-1234-5678).",
            );
        }
        let email = self.email.trim();
        if !email.is_empty() && !is_plausible_email(email) {
            add(
                &mut p,
                "email",
                "メールアドレスの形式が正しくありません。",
                "This does not look like an e-mail address.",
            );
        }
        for (i, c) in self.children.iter().enumerate() {
            name_problem(&mut p, format!("children[{i}].name"), &c.name);
            kana_problem(&mut p, format!("children[{i}].kana"), &c.kana);
            if let Err(problem) = birth_date(&c.birth, today) {
                p.insert(format!("children[{i}].birth_date"), problem);
            }
        }
        for (i, o) in self.others.iter().enumerate() {
            name_problem(&mut p, format!("other_adults[{i}].name"), &o.name);
            let rel = o.relationship.trim();
            if rel.is_empty() || rel.chars().count() > 20 {
                add(
                    &mut p,
                    format!("other_adults[{i}].relationship"),
                    "続柄を20文字以内で入力してください（例: 祖母）。",
                    "Enter the relationship in at most 20 characters (e.g. grandmother).",
                );
            }
        }
        if !self.consent {
            add(
                &mut p,
                "consent",
                "個人情報の取り扱いへの同意が必要です。",
                "Please agree to the privacy notice.",
            );
        }
        p
    }

    /// The JSON body of `POST /api/applications`.
    pub fn to_json(&self, submission_id: &str) -> Value {
        let email = self.email.trim();
        json!({
            "submission_id": submission_id,
            "guardians": self.guardians.iter()
                .map(|g| json!({ "name": g.name.trim(), "kana": g.kana.trim() }))
                .collect::<Vec<_>>(),
            "address": self.address.trim(),
            "phone": self.phone.trim(),
            "email": if email.is_empty() { Value::Null } else { json!(email) },
            "children": self.children.iter()
                .map(|c| json!({ "name": c.name.trim(), "kana": c.kana.trim(), "birth_date": half_width(c.birth.trim()) }))
                .collect::<Vec<_>>(),
            "other_adults": self.others.iter()
                .map(|o| json!({ "name": o.name.trim(), "relationship": o.relationship.trim() }))
                .collect::<Vec<_>>(),
            "consent": self.consent,
        })
    }
}

/// The add-a-child request (`POST /api/family/children`): what is wrong.
pub fn child_problems(child: &PersonRow, today: Date) -> Problems {
    let mut p = Problems::new();
    name_problem(&mut p, "name".to_owned(), &child.name);
    kana_problem(&mut p, "kana".to_owned(), &child.kana);
    if let Err(problem) = birth_date(&child.birth, today) {
        p.insert("birth_date".to_owned(), problem);
    }
    p
}

/// The new password's rules (docs/API.md): 8–128 characters, not the
/// current one, not the login id, not one character repeated, typed twice.
pub fn password_problems(current: &str, new: &str, again: &str, login_id: &str) -> Problems {
    let mut p = Problems::new();
    let len = new.chars().count();
    let mut chars = new.chars();
    let first = chars.next();
    if !(8..=128).contains(&len) {
        add(
            &mut p,
            "new_password",
            "新しいパスワードは8〜128文字で入力してください。",
            "The new password must be 8–128 characters.",
        );
    } else if new == current {
        add(
            &mut p,
            "new_password",
            "今のパスワードとは別のものにしてください。",
            "Choose a password different from the current one.",
        );
    } else if !login_id.is_empty() && new.eq_ignore_ascii_case(login_id) {
        add(
            &mut p,
            "new_password",
            "ログインIDと同じパスワードは使えません。",
            "The password cannot be your login ID.",
        );
    } else if chars.all(|c| Some(c) == first) {
        add(
            &mut p,
            "new_password",
            "同じ文字の繰り返しは使えません。",
            "The password cannot be one character repeated.",
        );
    }
    if new != again {
        add(
            &mut p,
            "new_password_again",
            "確認用のパスワードが一致しません。",
            "The two passwords do not match.",
        );
    }
    if current.is_empty() {
        add(
            &mut p,
            "current_password",
            "今のパスワード（案内状の初期パスワード）を入力してください。",
            "Enter your current password (the initial one on the letter).",
        );
    }
    p
}

fn name_problem(p: &mut Problems, key: String, name: &str) {
    let name = name.trim();
    if name.is_empty() {
        add(p, key, "氏名を入力してください。", "Enter the name.");
    } else if name.chars().count() > 50 {
        add(
            p,
            key,
            "氏名は50文字以内で入力してください。",
            "The name must be at most 50 characters.",
        );
    }
}

fn kana_problem(p: &mut Problems, key: String, kana: &str) {
    let kana = kana.trim();
    let is_kana = |c: char| matches!(c, '\u{3041}'..='\u{3096}' | '\u{30A1}'..='\u{30FA}' | 'ー' | '・' | ' ' | '\u{3000}');
    if kana.is_empty() {
        add(
            p,
            key,
            "ふりがなを入力してください。",
            "Enter the reading in kana.",
        );
    } else if kana.chars().count() > 50 {
        add(
            p,
            key,
            "ふりがなは50文字以内で入力してください。",
            "The reading must be at most 50 characters.",
        );
    } else if !kana.chars().all(is_kana) {
        add(
            p,
            key,
            "ふりがなはひらがな・カタカナで入力してください。",
            "Write the reading in hiragana or katakana.",
        );
    }
}

/// One line of a form's error summary: which field, what it is called,
/// what is wrong, and the id of its input (where the line's link goes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryLine {
    /// The relay's field key (`children[0].birth_date`).
    pub key: String,
    /// The input's id (`apply-child-0-birth`).
    pub target: String,
    /// The field's name for a person (「お子さん 1の生年月日」); empty for a
    /// key this app does not know (the line is then only the message).
    pub label: Problem,
    pub message: Problem,
}

/// The lines of the error summary for `problems`, in the order the fields
/// come on the forms (rows by number, not as text: row 10 after row 2),
/// `target` giving each key's input id. Announced once, as one alert,
/// instead of every field's message at once.
pub fn summary(problems: &Problems, target: impl Fn(&str) -> String) -> Vec<SummaryLine> {
    let mut lines: Vec<SummaryLine> = problems
        .iter()
        .map(|(key, message)| SummaryLine {
            key: key.clone(),
            target: target(key),
            label: field_label(key),
            message: message.clone(),
        })
        .collect();
    lines.sort_by_key(|line| field_order(&line.key));
    lines
}

/// Splits `children[2].kana` into `("children", Some(2), "kana")`.
fn split_key(key: &str) -> (&str, Option<usize>, &str) {
    match key.split_once('[') {
        Some((list, rest)) => {
            let (index, field) = rest.split_once(']').unwrap_or((rest, ""));
            (
                list,
                index.parse().ok(),
                field.strip_prefix('.').unwrap_or(field),
            )
        }
        None => (key, None, ""),
    }
}

/// Where a field comes on its form: the section, the row, the place in
/// the row. The keys of all the app's forms, which never share a key.
pub fn field_order(key: &str) -> (u8, usize, u8) {
    const ORDER: [&str; 14] = [
        "login_id",
        "password",
        "current_password",
        "new_password",
        "new_password_again",
        "guardians",
        "address",
        "phone",
        "email",
        "children",
        "other_adults",
        "consent",
        "rooms",
        "",
    ];
    const IN_ROW: [&str; 5] = ["name", "kana", "birth_date", "relationship", ""];
    let (list, index, field) = split_key(key);
    // The add-a-child form's keys are a child row's fields.
    let (list, field) = match list {
        "name" | "kana" | "birth_date" => ("children", list),
        _ => (list, field),
    };
    let place = |names: &[&str], name: &str| {
        names
            .iter()
            .position(|n| *n == name)
            .and_then(|p| u8::try_from(p).ok())
            .unwrap_or(u8::MAX)
    };
    (
        place(&ORDER, list),
        index.unwrap_or(0),
        place(&IN_ROW, field),
    )
}

/// A field's name for a person, from the relay's key.
pub fn field_label(key: &str) -> Problem {
    let label = |ja: &str, en: &str| Problem {
        ja: ja.to_owned(),
        en: en.to_owned(),
    };
    let (list, index, field) = split_key(key);
    let (row_ja, row_en) = match list {
        "guardians" => ("保護者", "Guardian"),
        "children" => ("お子さん", "Child"),
        "other_adults" => ("送迎できる方", "Other adult"),
        "login_id" => return label("ログインID", "Login ID"),
        "password" => return label("パスワード", "Password"),
        "current_password" => return label("今のパスワード", "Current password"),
        "new_password" => return label("新しいパスワード", "New password"),
        "new_password_again" => {
            return label("新しいパスワード（確認）", "New password (again)");
        }
        "address" => return label("住所", "Address"),
        "phone" => return label("電話番号", "Phone"),
        "email" => return label("メールアドレス", "E-mail"),
        "consent" => {
            return label(
                "個人情報の取り扱いへの同意",
                "Consent to the privacy notice",
            );
        }
        "rooms" => return label("こどもルーム", "Children's rooms"),
        "name" => return label("氏名", "Name"),
        "kana" => return label("ふりがな", "Reading (kana)"),
        "birth_date" => return label("生年月日", "Birth date"),
        _ => return label("", ""),
    };
    let (field_ja, field_en) = match field {
        "name" => ("氏名", "name"),
        "kana" => ("ふりがな", "reading (kana)"),
        "birth_date" => ("生年月日", "birth date"),
        "relationship" => ("続柄", "relationship"),
        _ => ("", ""),
    };
    match (index, field_ja.is_empty()) {
        (Some(i), false) => Problem {
            ja: format!("{row_ja} {}の{field_ja}", i + 1),
            en: format!("{row_en} {}: {field_en}", i + 1),
        },
        (Some(i), true) => Problem {
            ja: format!("{row_ja} {}", i + 1),
            en: format!("{row_en} {}", i + 1),
        },
        // The list as a whole (`children`: too many, none).
        (None, _) => label(row_ja, &format!("{row_en}s")),
    }
}

/// Full-width digits and hyphens as ASCII (phones type either).
pub fn half_width(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            '－' | '−' | '‐' | 'ー' | '―' => '-',
            '／' => '/',
            '　' => ' ',
            _ => c,
        })
        .collect()
}

/// The phone number if it has 10–11 digits starting with 0.
pub fn normalize_phone(typed: &str) -> Option<String> {
    let half = half_width(typed);
    let trimmed = half.trim();
    if trimmed.is_empty()
        || !trimmed
            .chars()
            .all(|c| c.is_ascii_digit() || c == '-' || c == ' ')
    {
        return None;
    }
    let digits: String = trimmed.chars().filter(char::is_ascii_digit).collect();
    (digits.starts_with('0') && (10..=11).contains(&digits.len())).then_some(digits)
}

fn is_plausible_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    email.len() <= 254
        && !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// A birth date typed as `YYYY-MM-DD` (or with `/`), real, not in the
/// future, at most 16 years back.
pub fn birth_date(typed: &str, today: Date) -> Result<Date, Problem> {
    let typed = half_width(typed).trim().replace('/', "-");
    let date: Date = typed.parse().map_err(|_| Problem {
        ja: "生年月日を YYYY-MM-DD の形で入力してください（例: 2023-04-01）。".to_owned(),
        en: "Enter the birth date as YYYY-MM-DD (e.g. 2023-04-01).".to_owned(),
    })?;
    if date > today {
        return Err(Problem {
            ja: "生年月日が未来の日付になっています。".to_owned(),
            en: "The birth date is in the future.".to_owned(),
        });
    }
    if date.year() < today.year() - 16 {
        return Err(Problem {
            ja: "中学生までのお子さんが対象です。".to_owned(),
            en: "The service is for children up to junior high school.".to_owned(),
        });
    }
    Ok(date)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> Date {
        Date::new(2026, 11, 24).unwrap_or_else(|_| unreachable!())
    }

    fn good() -> ApplyForm {
        ApplyForm {
            guardians: vec![PersonRow {
                name: "広場 花子".into(),
                kana: "ひろば はなこ".into(),
                birth: String::new(),
            }],
            address: "ひろば市中央1-2-3".into(),
            phone: "０９０−１２３４−５６７８".into(),
            email: String::new(),
            children: vec![PersonRow {
                name: "広場 太郎".into(),
                kana: "ヒロバ タロウ".into(),
                birth: "2024-08-15".into(),
            }],
            others: vec![],
            consent: true,
        }
    }

    fn keys(form: &ApplyForm) -> Vec<String> {
        form.problems(today()).into_keys().collect()
    }

    #[test]
    fn a_good_form_has_no_problems() {
        assert!(keys(&good()).is_empty());
    }

    #[test]
    fn each_field_is_named_as_the_relay_names_it() {
        let mut f = good();
        f.phone = "12345".into();
        f.children[0].birth = "2030-01-01".into();
        f.guardians[0].kana = "hiroba".into();
        f.others.push(OtherRow::default());
        f.consent = false;
        assert_eq!(
            keys(&f),
            [
                "children[0].birth_date",
                "consent",
                "guardians[0].kana",
                "other_adults[0].name",
                "other_adults[0].relationship",
                "phone"
            ]
        );
        assert!(f.problems(today())["phone"].ja.contains("電話番号"));
    }

    #[test]
    fn the_summary_follows_the_form_and_names_each_field() {
        let mut f = good();
        f.children.extend((0..10).map(|_| PersonRow::default()));
        f.phone = "12345".into();
        f.consent = false;
        let lines = summary(&f.problems(today()), |key| format!("#{key}"));
        let keys: Vec<&str> = lines.iter().map(|l| l.key.as_str()).collect();
        assert_eq!(keys[0], "phone");
        // Rows by number: row 10 (the eleventh child) after row 2.
        assert_eq!(
            keys[1..4],
            [
                "children[1].name",
                "children[1].kana",
                "children[1].birth_date"
            ]
        );
        assert_eq!(
            keys[keys.len() - 4..],
            [
                "children[10].name",
                "children[10].kana",
                "children[10].birth_date",
                "consent"
            ]
        );
        assert_eq!(lines[1].target, "#children[1].name");
        assert_eq!(lines[1].label.ja, "お子さん 2の氏名");
        assert_eq!(lines[1].label.en, "Child 2: name");
        assert_eq!(lines[0].label.ja, "電話番号");
        assert!(lines[0].message.ja.contains("電話番号"));
    }

    #[test]
    fn every_form_key_has_a_name_and_an_unknown_one_is_not_a_panic() {
        for key in [
            "login_id",
            "password",
            "current_password",
            "new_password",
            "new_password_again",
            "guardians[0].name",
            "guardians[3].kana",
            "address",
            "phone",
            "email",
            "children[0].birth_date",
            "other_adults[1].relationship",
            "consent",
            "rooms",
            "name",
            "kana",
            "birth_date",
            "children",
        ] {
            let label = field_label(key);
            assert!(!label.ja.is_empty() && !label.en.is_empty(), "{key}");
        }
        for odd in [
            "",
            "x[",
            "children[",
            "children[zz].name",
            "children[0]",
            "what",
        ] {
            let _ = field_label(odd);
            let _ = field_order(odd);
        }
        assert_eq!(field_label("what").ja, "");
        // The add-a-child form in the order it shows.
        let mut keys = ["birth_date", "kana", "name"];
        keys.sort_by_key(|k| field_order(k));
        assert_eq!(keys, ["name", "kana", "birth_date"]);
        let mut keys = ["new_password_again", "current_password", "new_password"];
        keys.sort_by_key(|k| field_order(k));
        assert_eq!(
            keys,
            ["current_password", "new_password", "new_password_again"]
        );
    }

    #[test]
    fn birth_dates_must_be_real() {
        assert!(birth_date("2024-02-30", today()).is_err());
        assert!(birth_date("２０２４/０２/２９", today()).is_ok());
        assert!(birth_date("2000-01-01", today()).is_err());
    }

    #[test]
    fn passwords_follow_the_relays_rules() {
        assert!(password_problems("old-pass", "sakura-2026!", "sakura-2026!", "HB-1").is_empty());
        assert!(password_problems("old", "short", "short", "HB").contains_key("new_password"));
        assert!(
            password_problems("old", "aaaaaaaa", "aaaaaaaa", "HB").contains_key("new_password")
        );
        assert!(
            password_problems("old", "sakura-2026!", "sakura-2026?", "HB")
                .contains_key("new_password_again")
        );
    }
}
