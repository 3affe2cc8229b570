//! The public application (事前登録, SPEC §3.1): the form, its validation,
//! and the stored application that staff approve or reject.
//!
//! Validation is a plain function of the form and today's date, so every
//! rule is unit-tested without a server. The relay keeps the application
//! (personal data) only in its sled tree; nothing of it is ever logged.

use hiroba_engine::calendar::{Date, Timestamp};
use hiroba_engine::ids::FamilyId;
use serde::{Deserialize, Serialize};

use super::credentials::half_width;
use super::error::{FieldErrors, Message};

/// At most this many guardians on one application.
pub const MAX_GUARDIANS: usize = 4;
/// At most this many children on one application.
pub const MAX_CHILDREN: usize = 10;
/// At most this many other adults allowed to bring the children.
pub const MAX_OTHER_ADULTS: usize = 6;
/// Children are served up to the end of junior high school: anyone born
/// more than this many years ago is not a child for this service.
const MAX_CHILD_AGE_YEARS: i32 = 16;

/// The form as the public page sends it. Every field has a default so a
/// missing one becomes a per-field message instead of a parse error.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ApplicationForm {
    /// The client's idempotency key: a retried submit with the same key
    /// returns the first receipt instead of making a second application.
    pub submission_id: String,
    /// The guardians (at least one).
    pub guardians: Vec<PersonForm>,
    /// Home address.
    pub address: String,
    /// Phone number.
    pub phone: String,
    /// E-mail address, optional.
    pub email: Option<String>,
    /// The children (at least one).
    pub children: Vec<ChildForm>,
    /// Other adults allowed to bring the children (grandparents …).
    pub other_adults: Vec<OtherAdultForm>,
    /// Consent to the privacy notice; must be `true`.
    pub consent: bool,
}

/// A guardian on the form.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PersonForm {
    /// Full name.
    pub name: String,
    /// Reading in kana.
    pub kana: String,
}

/// A child on the form.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ChildForm {
    /// Full name.
    pub name: String,
    /// Reading in kana.
    pub kana: String,
    /// `YYYY-MM-DD`.
    pub birth_date: String,
}

/// Another adult allowed to bring the children.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct OtherAdultForm {
    /// Full name.
    pub name: String,
    /// Relationship to the children, e.g. 祖母.
    pub relationship: String,
}

/// A guardian, validated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    /// Full name.
    pub name: String,
    /// Reading in kana.
    pub kana: String,
}

/// A child, validated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Child {
    /// Full name.
    pub name: String,
    /// Reading in kana.
    pub kana: String,
    /// Date of birth.
    pub birth_date: Date,
}

/// Another adult, validated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OtherAdult {
    /// Full name.
    pub name: String,
    /// Relationship to the children.
    pub relationship: String,
}

/// What a valid form says, normalized (trimmed, half-width digits).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicationDetails {
    /// The guardians.
    pub guardians: Vec<Person>,
    /// Home address.
    pub address: String,
    /// Phone number, digits and hyphens.
    pub phone: String,
    /// E-mail address.
    pub email: Option<String>,
    /// The children.
    pub children: Vec<Child>,
    /// Other adults allowed to bring the children.
    pub other_adults: Vec<OtherAdult>,
}

/// Where an application stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Decision {
    /// Waiting for staff.
    Pending,
    /// Approved: the family account exists.
    Approved {
        /// The family account made.
        family_id: FamilyId,
        /// When.
        decided_at: Timestamp,
        /// The staff account that approved.
        decided_by: String,
    },
    /// Rejected, with the reason told to the applicant.
    Rejected {
        /// Why.
        reason: String,
        /// When.
        decided_at: Timestamp,
        /// The staff account that rejected.
        decided_by: String,
    },
}

/// A stored application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Application {
    /// The receipt number given to the applicant, `AP-XXXX-XXXX`.
    pub receipt: String,
    /// The client's idempotency key.
    pub submission_id: String,
    /// When it arrived.
    pub submitted_at: Timestamp,
    /// What it says.
    #[serde(flatten)]
    pub details: ApplicationDetails,
    /// Pending, approved or rejected.
    #[serde(flatten)]
    pub decision: Decision,
}

/// The record key of an application.
pub fn key(receipt: &str) -> String {
    format!("app/{receipt}")
}

/// The record key mapping an idempotency key to its receipt.
pub fn submission_key(submission_id: &str) -> String {
    format!("sub/{submission_id}")
}

/// Checks a form against every rule at once and returns either the
/// normalized application or a message for each invalid field.
pub fn validate(form: &ApplicationForm, today: Date) -> Result<ApplicationDetails, FieldErrors> {
    let mut errors = FieldErrors::new();
    let mut err = |field: String, ja: &str, en: &str| {
        errors.entry(field).or_insert_with(|| Message::new(ja, en));
    };

    let sid = form.submission_id.trim();
    if !(8..=64).contains(&sid.len())
        || !sid
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        err(
            "submission_id".into(),
            "送信IDが不正です。ページを再読み込みしてください。",
            "submission_id must be 8–64 letters, digits, '-' or '_'.",
        );
    }

    if form.guardians.is_empty() {
        err(
            "guardians".into(),
            "保護者を1人以上入力してください。",
            "Enter at least one guardian.",
        );
    } else if form.guardians.len() > MAX_GUARDIANS {
        err(
            "guardians".into(),
            "保護者は4人までです。",
            "At most 4 guardians.",
        );
    }
    let mut guardians = Vec::new();
    for (i, g) in form.guardians.iter().enumerate().take(MAX_GUARDIANS) {
        if let Some((ja, en)) = name_problem(&g.name) {
            err(format!("guardians[{i}].name"), ja, en);
        }
        if let Some((ja, en)) = kana_problem(&g.kana) {
            err(format!("guardians[{i}].kana"), ja, en);
        }
        guardians.push(Person {
            name: g.name.trim().to_owned(),
            kana: g.kana.trim().to_owned(),
        });
    }

    let address = form.address.trim();
    if address.is_empty() {
        err(
            "address".into(),
            "住所を入力してください。",
            "Enter your address.",
        );
    } else if address.chars().count() > 200 {
        err(
            "address".into(),
            "住所は200文字以内で入力してください。",
            "The address must be at most 200 characters.",
        );
    }

    let phone = normalize_phone(&form.phone);
    if phone.is_none() {
        err(
            "phone".into(),
            "電話番号を0から始まる10〜11桁の数字で入力してください（例: 090-1234-5678）。",
            "Enter a phone number of 10–11 digits starting with 0 (e.g. 090-1234-5678).",
        );
    }

    let email = form
        .email
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(str::to_owned);
    if email.as_deref().is_some_and(|e| !is_plausible_email(e)) {
        err(
            "email".into(),
            "メールアドレスの形式が正しくありません。",
            "This does not look like an e-mail address.",
        );
    }

    if form.children.is_empty() {
        err(
            "children".into(),
            "お子さんを1人以上入力してください。",
            "Enter at least one child.",
        );
    } else if form.children.len() > MAX_CHILDREN {
        err(
            "children".into(),
            "お子さんは10人までです。",
            "At most 10 children.",
        );
    }
    let mut children = Vec::new();
    for (i, c) in form.children.iter().enumerate().take(MAX_CHILDREN) {
        let child = check_child(c, today, |field, ja, en| {
            err(format!("children[{i}].{field}"), ja, en);
        });
        children.extend(child);
    }

    if form.other_adults.len() > MAX_OTHER_ADULTS {
        err(
            "other_adults".into(),
            "送迎できる方は6人までです。",
            "At most 6 other adults.",
        );
    }
    let mut other_adults = Vec::new();
    for (i, a) in form.other_adults.iter().enumerate().take(MAX_OTHER_ADULTS) {
        if let Some((ja, en)) = name_problem(&a.name) {
            err(format!("other_adults[{i}].name"), ja, en);
        }
        let relationship = a.relationship.trim();
        if relationship.is_empty() || relationship.chars().count() > 20 {
            err(
                format!("other_adults[{i}].relationship"),
                "続柄を20文字以内で入力してください（例: 祖母）。",
                "Enter the relationship in at most 20 characters (e.g. grandmother).",
            );
        }
        other_adults.push(OtherAdult {
            name: a.name.trim().to_owned(),
            relationship: relationship.to_owned(),
        });
    }

    if !form.consent {
        err(
            "consent".into(),
            "個人情報の取り扱いへの同意が必要です。",
            "Please agree to the privacy notice.",
        );
    }

    match (errors.is_empty(), phone) {
        (true, Some(phone)) => Ok(ApplicationDetails {
            guardians,
            address: address.to_owned(),
            phone,
            email,
            children,
            other_adults,
        }),
        _ => Err(errors),
    }
}

type Problem = (&'static str, &'static str);

/// Checks one child (name, reading, birth date), telling `problem` of each
/// invalid field (`name`, `kana`, `birth_date`); the child if all are valid.
/// Shared by the application and a guardian's request to add a child.
pub fn check_child(
    form: &ChildForm,
    today: Date,
    mut problem: impl FnMut(&'static str, &'static str, &'static str),
) -> Option<Child> {
    let mut valid = true;
    if let Some((ja, en)) = name_problem(&form.name) {
        problem("name", ja, en);
        valid = false;
    }
    if let Some((ja, en)) = kana_problem(&form.kana) {
        problem("kana", ja, en);
        valid = false;
    }
    match birth_date(&form.birth_date, today) {
        Ok(birth_date) if valid => Some(Child {
            name: form.name.trim().to_owned(),
            kana: form.kana.trim().to_owned(),
            birth_date,
        }),
        Ok(_) => None,
        Err((ja, en)) => {
            problem("birth_date", ja, en);
            None
        }
    }
}

fn name_problem(name: &str) -> Option<Problem> {
    let name = name.trim();
    if name.is_empty() {
        Some(("氏名を入力してください。", "Enter the name."))
    } else if name.chars().count() > 50 {
        Some((
            "氏名は50文字以内で入力してください。",
            "The name must be at most 50 characters.",
        ))
    } else if name.chars().any(char::is_control) {
        Some((
            "氏名に使えない文字が含まれています。",
            "The name contains characters that cannot be used.",
        ))
    } else {
        None
    }
}

/// Kana readings: hiragana or katakana, the long-vowel mark and spaces.
fn kana_problem(kana: &str) -> Option<Problem> {
    let kana = kana.trim();
    let is_kana = |c: char| matches!(c, '\u{3041}'..='\u{3096}' | '\u{30A1}'..='\u{30FA}' | 'ー' | '・' | ' ' | '\u{3000}');
    if kana.is_empty() {
        Some(("ふりがなを入力してください。", "Enter the reading in kana."))
    } else if kana.chars().count() > 50 {
        Some((
            "ふりがなは50文字以内で入力してください。",
            "The reading must be at most 50 characters.",
        ))
    } else if !kana.chars().all(is_kana) {
        Some((
            "ふりがなはひらがな・カタカナで入力してください。",
            "Write the reading in hiragana or katakana.",
        ))
    } else {
        None
    }
}

/// A phone number as digits and hyphens, if it has 10–11 digits and
/// starts with 0 (Japanese numbers). Full-width digits are accepted.
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
    (digits.starts_with('0') && (10..=11).contains(&digits.len()))
        .then(|| trimmed.replace(' ', "-"))
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

fn birth_date(typed: &str, today: Date) -> Result<Date, Problem> {
    let date: Date = half_width(typed).trim().parse().map_err(|_| {
        (
            "生年月日を YYYY-MM-DD の形で入力してください（例: 2023-04-01）。",
            "Enter the birth date as YYYY-MM-DD (e.g. 2023-04-01).",
        )
    })?;
    if date > today {
        return Err((
            "生年月日が未来の日付になっています。",
            "The birth date is in the future.",
        ));
    }
    if date.year() < today.year() - MAX_CHILD_AGE_YEARS {
        return Err((
            "中学生までのお子さんが対象です。",
            "The service is for children up to junior high school.",
        ));
    }
    Ok(date)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> Date {
        Date::new(2026, 11, 24).expect("date")
    }

    fn good() -> ApplicationForm {
        ApplicationForm {
            submission_id: "web-0123456789".into(),
            guardians: vec![PersonForm {
                name: "広場 花子".into(),
                kana: "ひろば はなこ".into(),
            }],
            address: "ひろば市中央1-2-3".into(),
            phone: "０９０−１２３４−５６７８".into(),
            email: Some(" hanako@example.jp ".into()),
            children: vec![ChildForm {
                name: "広場 太郎".into(),
                kana: "ヒロバ タロウ".into(),
                birth_date: "2024-08-15".into(),
            }],
            other_adults: vec![OtherAdultForm {
                name: "広場 和子".into(),
                relationship: "祖母".into(),
            }],
            consent: true,
        }
    }

    /// Applies `edit` to a good form and returns the invalid fields.
    fn check(edit: impl FnOnce(&mut ApplicationForm)) -> Vec<String> {
        let mut form = good();
        edit(&mut form);
        match validate(&form, today()) {
            Ok(_) => Vec::new(),
            Err(errors) => errors.into_keys().collect(),
        }
    }

    #[test]
    fn a_good_form_is_normalized() {
        let app = validate(&good(), today()).expect("valid");
        assert_eq!(app.phone, "090-1234-5678");
        assert_eq!(app.email.as_deref(), Some("hanako@example.jp"));
        assert_eq!(app.children[0].birth_date.to_string(), "2024-08-15");
    }

    #[test]
    fn each_rule_names_its_field() {
        type Edit = Box<dyn FnOnce(&mut ApplicationForm)>;
        let cases: Vec<(&str, Edit, &[&str])> = vec![
            (
                "no id",
                Box::new(|f| f.submission_id.clear()),
                &["submission_id"],
            ),
            (
                "no guardian",
                Box::new(|f| f.guardians.clear()),
                &["guardians"],
            ),
            (
                "blank name",
                Box::new(|f| f.guardians[0].name = " ".into()),
                &["guardians[0].name"],
            ),
            (
                "kanji kana",
                Box::new(|f| f.guardians[0].kana = "広場".into()),
                &["guardians[0].kana"],
            ),
            ("no address", Box::new(|f| f.address.clear()), &["address"]),
            (
                "short phone",
                Box::new(|f| f.phone = "1234".into()),
                &["phone"],
            ),
            (
                "letters in phone",
                Box::new(|f| f.phone = "090-abcd-5678".into()),
                &["phone"],
            ),
            (
                "bad email",
                Box::new(|f| f.email = Some("hanako@".into())),
                &["email"],
            ),
            (
                "empty email is fine",
                Box::new(|f| f.email = Some(" ".into())),
                &[],
            ),
            ("no child", Box::new(|f| f.children.clear()), &["children"]),
            (
                "bad date",
                Box::new(|f| f.children[0].birth_date = "2024-02-30".into()),
                &["children[0].birth_date"],
            ),
            (
                "future",
                Box::new(|f| f.children[0].birth_date = "2027-01-01".into()),
                &["children[0].birth_date"],
            ),
            (
                "too old",
                Box::new(|f| f.children[0].birth_date = "2001-01-01".into()),
                &["children[0].birth_date"],
            ),
            (
                "relationship",
                Box::new(|f| f.other_adults[0].relationship.clear()),
                &["other_adults[0].relationship"],
            ),
            ("no consent", Box::new(|f| f.consent = false), &["consent"]),
            (
                "several at once",
                Box::new(|f| {
                    f.phone.clear();
                    f.consent = false;
                    f.children[0].kana.clear();
                }),
                &["children[0].kana", "consent", "phone"],
            ),
        ];
        for (name, edit, want) in cases {
            assert_eq!(check(edit), want, "{name}");
        }
    }

    #[test]
    fn limits_are_enforced() {
        let fields = check(|f| f.children = vec![ChildForm::default(); 11]);
        assert!(fields.contains(&"children".to_owned()));
        assert!(!fields.iter().any(|f| f.starts_with("children[10]")));
    }
}
