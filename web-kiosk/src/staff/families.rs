//! Families at the counter (SPEC §3.4, §3.12): search by name, reading,
//! phone or login id, the family's view, and the pass actions — reissue
//! the app pass, issue or reissue a printed card, revoke (administrators),
//! print a card on A4 or card paper, and a new login letter.
//!
//! `#/staff/families` is the search, `#/staff/families/<family id>` one
//! family, so the back button returns to the results (kept in this page's
//! state while the tab stays open).

use std::rc::Rc;

use hiroba_engine::lang::Lang;
use serde::Deserialize;
use serde_json::json;
use yew::platform::spawn_local;
use yew::prelude::*;

use super::applications::{OtherAdult, Person};
use super::browser;
use super::card::{CardFacts, CardPaper, card_html, kind_label};
use super::common::{ErrorNote, api_error, input_value, jst, room_name};
use super::letter::{Letter, LetterView};
use super::route::href;
use super::session::PageProps;
use crate::services::api::{self, ApiError, Config, Method};

/// A family in the search results.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct FamilySummary {
    pub family_id: String,
    pub login_id: String,
    #[serde(default)]
    pub guardian: Option<String>,
    #[serde(default)]
    pub guardian_kana: Option<String>,
    pub children: usize,
    pub rooms: Vec<String>,
    /// `active`, `revoked` or `none`.
    pub pass: String,
    pub cards: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
struct SearchAnswer {
    families: Vec<FamilySummary>,
    total: usize,
    truncated: bool,
}

/// A pass or card as the relay shows it to staff.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PassView {
    pub pass_id: String,
    pub serial: u32,
    pub kind: String,
    #[serde(default)]
    pub child: Option<usize>,
    pub rooms: Vec<String>,
    pub short_code: String,
    pub issued_at: i64,
    pub valid_until: i64,
    pub qr_svg: String,
    #[serde(default)]
    pub revoked: bool,
}

/// A child in the family view.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ChildView {
    pub index: usize,
    pub name: String,
    pub kana: String,
    pub birth_date: String,
}

/// `GET /api/staff/families/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct FamilyDetail {
    pub family_id: String,
    pub login_id: String,
    pub receipt: String,
    pub created_at: i64,
    pub must_change_password: bool,
    pub guardians: Vec<Person>,
    #[serde(default)]
    pub phone: Option<String>,
    /// Others allowed to bring the children (e.g. grandparents).
    #[serde(default)]
    pub other_adults: Vec<OtherAdult>,
    pub children: Vec<ChildView>,
    pub rooms: Vec<String>,
    #[serde(default)]
    pub pass: Option<PassView>,
    #[serde(default)]
    pub cards: Vec<PassView>,
}

/// The words of a pass status from the search.
pub fn pass_status_label(status: &str, lang: Lang) -> &'static str {
    match status {
        "active" => lang.pick("有効", "Active"),
        "revoked" => lang.pick("無効（取り消し済み）", "Revoked"),
        _ => lang.pick("未発行", "None"),
    }
}

/// What staff may do with a pass or card as the relay shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PassActions {
    /// Print it (A4 or card size).
    pub print: bool,
    /// Reissue it: serial + 1, the shown one stops working.
    pub reissue: bool,
    /// Issue a new serial in place of a revoked one (the same relay call
    /// as a reissue, which signs serial + 1 and leaves the revoked serials
    /// refused); worded as a new issue, since nothing working is replaced.
    pub issue_new: bool,
    /// Revoke it outright (administrators).
    pub revoke: bool,
}

/// A revoked pass is never printed (kiosks refuse it) nor revoked again;
/// staff may issue a new serial instead.
pub fn pass_actions(pass: &PassView, is_admin: bool) -> PassActions {
    if pass.revoked {
        PassActions {
            print: false,
            reissue: false,
            issue_new: true,
            revoke: false,
        }
    } else {
        PassActions {
            print: true,
            reissue: true,
            issue_new: false,
            revoke: is_admin,
        }
    }
}

/// The question before issuing a new serial in place of a revoked pass.
const ISSUE_NEW_ASK: &str = "取り消されたものの代わりに、新しい通番で発行します。取り消したものは使えないままです。よろしいですか？\nIssue a new serial in place of the revoked one? The revoked one stays refused.";

/// Where the family search goes; the query travels in the POST body, never
/// the URL (names and phone numbers stay out of logged addresses).
pub const SEARCH_PATH: &str = "/api/staff/families/search";

/// The search's body.
pub fn search_body(query: &str) -> serde_json::Value {
    serde_json::json!({ "q": query.trim() })
}

#[derive(Debug, Clone, PartialEq)]
enum Results {
    Idle,
    Loading,
    Loaded(Rc<SearchAnswer>),
    Failed(ApiError),
}

#[function_component(Families)]
pub fn families(props: &PageProps) -> Html {
    let lang = props.lang;
    let token = props.session.token.clone();
    let query = use_state(String::new);
    let results = use_state(|| Results::Idle);
    let config = use_state(|| None::<Rc<Config>>);

    {
        let config = config.clone();
        use_effect_with((), move |_| {
            spawn_local(async move {
                // Without the config the pages show room ids instead of names.
                if let Ok(c) = api::config().await {
                    config.set(Some(Rc::new(c)));
                }
            });
        });
    }

    let run_search = {
        let (results, token) = (results.clone(), token.clone());
        Callback::from(move |q: String| {
            results.set(Results::Loading);
            let (results, token) = (results.clone(), token.clone());
            spawn_local(async move {
                let answer: Result<SearchAnswer, ApiError> = api::request_json(
                    Method::Post,
                    SEARCH_PATH,
                    Some(&token),
                    Some(&search_body(&q)),
                )
                .await;
                results.set(match answer {
                    Ok(a) => Results::Loaded(Rc::new(a)),
                    Err(e) => Results::Failed(e),
                });
            });
        })
    };
    // The newest families show before anything is typed.
    {
        let run_search = run_search.clone();
        use_effect_with((), move |_| run_search.emit(String::new()));
    }

    if !props.rest.is_empty() {
        return html! {
            <section class="staff-page">
                <p><a class="staff-link" href={href("families", "")}>{ lang.pick("← 検索に戻る", "← Back to search") }</a></p>
                <FamilyPage {lang} session={props.session.clone()} family_id={props.rest.clone()}
                    config={(*config).clone()} />
            </section>
        };
    }

    let onsubmit = {
        let (query, run_search) = (query.clone(), run_search.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            run_search.emit((*query).clone());
        })
    };

    let body = match &*results {
        Results::Idle => Html::default(),
        Results::Loading => {
            html! { <p class="staff-muted" role="status">{ lang.pick("検索中…", "Searching…") }</p> }
        }
        Results::Failed(e) => api_error(lang, e),
        Results::Loaded(a) if a.families.is_empty() => html! {
            <p class="staff-muted" role="status">{ lang.pick("該当する家族はありません。", "No family matches.") }</p>
        },
        Results::Loaded(a) => {
            let rows = a.families.iter().map(|f| {
                let rooms: Vec<String> = f
                    .rooms
                    .iter()
                    .map(|r| room_name(config.as_deref(), r, lang))
                    .collect();
                html! {
                    <tr>
                        <td><a class="staff-link code" href={href("families", &f.family_id)}>{ f.login_id.clone() }</a></td>
                        <td>
                            { f.guardian.clone().unwrap_or_default() }
                            <span class="staff-muted small">{ format!(" {}", f.guardian_kana.clone().unwrap_or_default()) }</span>
                        </td>
                        <td class="num">{ f.children }</td>
                        <td>{ rooms.join("、") }</td>
                        <td>{ pass_status_label(&f.pass, lang) }</td>
                        <td class="num">{ f.cards }</td>
                    </tr>
                }
            });
            html! {
                <>
                    <p class="staff-muted" role="status">
                        { if a.truncated {
                            format!("{} {}", lang.pick("一致が多いため先頭50件を表示しています。全件数:", "Showing the first 50 matches of"), a.total)
                        } else {
                            format!("{}: {}", lang.pick("件数", "Matches"), a.total)
                        } }
                    </p>
                    <table class="staff-table">
                        <thead><tr>
                            <th scope="col">{ lang.pick("ログインID", "Login ID") }</th>
                            <th scope="col">{ lang.pick("保護者", "Guardian") }</th>
                            <th scope="col">{ lang.pick("子ども", "Children") }</th>
                            <th scope="col">{ lang.pick("ルーム", "Rooms") }</th>
                            <th scope="col">{ lang.pick("パス", "Pass") }</th>
                            <th scope="col">{ lang.pick("カード", "Cards") }</th>
                        </tr></thead>
                        <tbody>{ for rows }</tbody>
                    </table>
                </>
            }
        }
    };

    html! {
        <section class="staff-page" aria-labelledby="families-title">
            <h2 id="families-title">{ lang.pick("家族の検索", "Find a family") }</h2>
            <form class="staff-search" role="search" {onsubmit}>
                <label for="family-query">
                    { lang.pick("名前・ふりがな・電話番号・ログインID・カード番号", "Name, reading, phone, login ID or card code") }
                </label>
                <div class="staff-search-row">
                    <input id="family-query" type="search" value={(*query).clone()}
                        oninput={let q = query.clone(); Callback::from(move |e: InputEvent| q.set(input_value(&e)))} />
                    <button type="submit" class="staff-button primary">{ lang.pick("検索", "Search") }</button>
                </div>
            </form>
            { body }
        </section>
    }
}

#[derive(Properties, PartialEq, Debug)]
struct FamilyPageProps {
    lang: Lang,
    session: Rc<super::StaffSession>,
    family_id: AttrValue,
    config: Option<Rc<Config>>,
}

#[derive(Debug, Clone, PartialEq)]
enum Detail {
    Loading,
    Loaded(Rc<FamilyDetail>),
    Failed(ApiError),
}

/// What a card print preview shows.
#[derive(Debug, Clone, PartialEq)]
struct Printing {
    pass: PassView,
    paper: CardPaper,
}

#[function_component(FamilyPage)]
fn family_page(props: &FamilyPageProps) -> Html {
    let lang = props.lang;
    let token = props.session.token.clone();
    let is_admin = props.session.is_admin();
    let detail = use_state(|| Detail::Loading);
    let reload = use_state(|| 0u32);
    let busy = use_state(|| false);
    let error = use_state(|| None::<ApiError>);
    let done = use_state(|| None::<(&'static str, &'static str)>);
    let printing = use_state(|| None::<Printing>);
    let letter = use_state(|| None::<Letter>);

    {
        let (detail, token) = (detail.clone(), token.clone());
        use_effect_with((props.family_id.clone(), *reload), move |(id, _)| {
            let path = format!("/api/staff/families/{id}");
            spawn_local(async move {
                let answer: Result<FamilyDetail, ApiError> =
                    api::request_json(Method::Get, &path, Some(&token), None::<&()>).await;
                detail.set(match answer {
                    Ok(d) => Detail::Loaded(Rc::new(d)),
                    Err(e) => Detail::Failed(e),
                });
            });
        });
    }

    let family = match &*detail {
        Detail::Loading => {
            return html! { <p class="staff-muted" role="status">{ lang.pick("読み込み中…", "Loading…") }</p> };
        }
        Detail::Failed(e) => return api_error(lang, e),
        Detail::Loaded(f) => f.clone(),
    };
    let family_id = family.family_id.clone();

    // One action at a time: POST, then reload the family and say what happened.
    let act = {
        let (busy, error, done, reload, token) = (
            busy.clone(),
            error.clone(),
            done.clone(),
            reload.clone(),
            token.clone(),
        );
        Rc::new(
            move |path: String,
                  body: Option<serde_json::Value>,
                  words: (&'static str, &'static str)| {
                if *busy {
                    return;
                }
                busy.set(true);
                done.set(None);
                let (busy, error, done, reload, token) = (
                    busy.clone(),
                    error.clone(),
                    done.clone(),
                    reload.clone(),
                    token.clone(),
                );
                spawn_local(async move {
                    let answer: Result<serde_json::Value, ApiError> =
                        api::request_json(Method::Post, &path, Some(&token), body.as_ref()).await;
                    busy.set(false);
                    match answer {
                        Ok(_) => {
                            error.set(None);
                            done.set(Some(words));
                            reload.set(*reload + 1);
                        }
                        Err(e) => error.set(Some(e)),
                    }
                });
            },
        )
    };

    let on_reissue = {
        let act = act.clone();
        let path = format!("/api/staff/families/{family_id}/pass/reissue");
        let had_pass = family.pass.is_some();
        let revoked = family.pass.as_ref().is_some_and(|p| p.revoked);
        Callback::from(move |_: MouseEvent| {
            let ask = if revoked {
                ISSUE_NEW_ASK
            } else if had_pass {
                "パスを再発行します。今のQRコードは次回の同期のあと受付で使えなくなります。よろしいですか？\nReissue the pass? The current QR code stops working after the kiosks' next sync."
            } else {
                "新しいパスを発行します。よろしいですか？\nIssue a new pass?"
            };
            if browser::confirm(ask) {
                act(
                    path.clone(),
                    None,
                    ("パスを発行しました。", "The pass was issued."),
                );
            }
        })
    };
    let issue_card = {
        let act = act.clone();
        let path = format!("/api/staff/families/{family_id}/cards");
        // `ask` first, if anything (a reissue or a new serial for a revoked card).
        move |body: serde_json::Value, ask: Option<&'static str>| {
            let act = act.clone();
            let path = path.clone();
            Callback::from(move |_: MouseEvent| {
                if ask.is_some_and(|ask| !browser::confirm(ask)) {
                    return;
                }
                act(
                    path.clone(),
                    Some(body.clone()),
                    (
                        "カードを発行しました。印刷してお渡しください。",
                        "The card was issued. Print it and hand it over.",
                    ),
                );
            })
        }
    };
    let revoke = {
        let act = act.clone();
        let family_id = family_id.clone();
        move |pass: &PassView| {
            let act = act.clone();
            let path = format!(
                "/api/staff/families/{family_id}/passes/{}/revoke",
                pass.pass_id
            );
            let (kind_ja, kind_en) = kind_label(&pass.kind);
            let ask = format!(
                "{kind_ja}（{code}）を取り消します。受付端末では次回の同期のあと使えなくなります。元に戻せません。よろしいですか？\nRevoke this {kind_en} ({code})? Kiosks refuse it after their next sync. This cannot be undone.",
                code = pass.short_code
            );
            Callback::from(move |_: MouseEvent| {
                if browser::confirm(&ask) {
                    act(path.clone(), None, ("取り消しました。", "Revoked."));
                }
            })
        }
    };
    let print = {
        let printing = printing.clone();
        move |pass: &PassView, paper: CardPaper| {
            let printing = printing.clone();
            let pass = pass.clone();
            Callback::from(move |_: MouseEvent| {
                printing.set(Some(Printing {
                    pass: pass.clone(),
                    paper,
                }))
            })
        }
    };
    let on_new_letter = {
        let (busy, error, letter, token) =
            (busy.clone(), error.clone(), letter.clone(), token.clone());
        let path = format!("/api/staff/families/{family_id}/letter");
        Callback::from(move |_: MouseEvent| {
            if *busy
                || !browser::confirm(
                    "新しい初期パスワードで登録案内状を再発行します。今のパスワードは使えなくなります。よろしいですか？\nIssue a new letter? The current password will stop working.",
                )
            {
                return;
            }
            busy.set(true);
            let (busy, error, letter, token, path) = (
                busy.clone(),
                error.clone(),
                letter.clone(),
                token.clone(),
                path.clone(),
            );
            spawn_local(async move {
                let answer: Result<Letter, ApiError> =
                    api::request_json(Method::Post, &path, Some(&token), None::<&()>).await;
                busy.set(false);
                match answer {
                    Ok(l) => {
                        error.set(None);
                        letter.set(Some(l));
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };

    let config = props.config.as_deref();
    let rooms_of = |rooms: &[String]| -> String {
        rooms
            .iter()
            .map(|r| room_name(config, r, lang))
            .collect::<Vec<_>>()
            .join("、")
    };
    let pass_block = |pass: &PassView, title: String, reissue: Callback<MouseEvent>| {
        let actions = pass_actions(pass, is_admin);
        // The caller's callback asks its own question (ISSUE_NEW_ASK for a
        // revoked pass).
        let issue_new = reissue.clone();
        html! {
            <article class={classes!("staff-pass", pass.revoked.then_some("revoked"))}>
                <div class="staff-pass-qr" aria-hidden="true">{ Html::from_html_unchecked(AttrValue::from(pass.qr_svg.clone())) }</div>
                <div class="staff-pass-text">
                    <h4>{ title }</h4>
                    <p class="code big">{ pass.short_code.clone() }</p>
                    <p>{ format!("{} {} / {} {}", lang.pick("通番", "Serial"), pass.serial, lang.pick("発行", "Issued"), jst(pass.issued_at)) }</p>
                    <p>{ format!("{}: {}", lang.pick("ルーム", "Rooms"), rooms_of(&pass.rooms)) }</p>
                    <p>{ format!("{}: {}", lang.pick("有効期限", "Valid until"), jst(pass.valid_until)) }</p>
                    if pass.revoked {
                        <p class="staff-warning">
                            { lang.pick(
                                "このパスは取り消されています。受付では使えないため、印刷や再発行はできません。必要なら「新しく発行」で新しい通番のものを作れます（取り消したものは使えないままです）。",
                                "This pass is revoked. Kiosks refuse it, so it cannot be printed or reissued. If needed, \"Issue a new one\" makes a new serial (the revoked one stays refused).",
                            ) }
                        </p>
                    }
                    <div class="staff-actions">
                        if actions.reissue {
                            <button type="button" class="staff-button reissue" disabled={*busy} onclick={reissue}>
                                { lang.pick("再発行", "Reissue") }
                            </button>
                        }
                        if actions.issue_new {
                            <button type="button" class="staff-button issue-new" disabled={*busy} onclick={issue_new}>
                                { lang.pick("新しく発行", "Issue a new one") }
                            </button>
                        }
                        if actions.print {
                            <button type="button" class="staff-button print-a4" onclick={print(pass, CardPaper::A4)}>
                                { lang.pick("印刷（A4）", "Print (A4)") }
                            </button>
                            <button type="button" class="staff-button print-card" onclick={print(pass, CardPaper::Card)}>
                                { lang.pick("印刷（カードサイズ）", "Print (card size)") }
                            </button>
                        }
                        if actions.revoke {
                            <button type="button" class="staff-button danger" disabled={*busy} onclick={revoke(pass)}>
                                { lang.pick("取り消し", "Revoke") }
                            </button>
                        }
                    </div>
                </div>
            </article>
        }
    };

    let child_name = |index: Option<usize>| {
        index
            .and_then(|i| family.children.iter().find(|c| c.index == i))
            .map(|c| c.name.clone())
            .unwrap_or_default()
    };
    let app_pass = family.pass.as_ref().map(|p| {
        pass_block(
            p,
            lang.pick("アプリのパス", "App pass").to_owned(),
            on_reissue.clone(),
        )
    });
    let cards = family.cards.iter().map(|c| {
        let (ja, en) = kind_label(&c.kind);
        let title = match c.child {
            Some(_) => format!("{} — {}", lang.pick(ja, en), child_name(c.child)),
            None => lang.pick(ja, en).to_owned(),
        };
        let body = match c.child {
            Some(i) => json!({ "kind": "child", "child": i }),
            None => json!({ "kind": "family" }),
        };
        let ask = if c.revoked {
            ISSUE_NEW_ASK
        } else {
            "カードを再発行します。今のカードは次回の同期のあと使えなくなります。よろしいですか？\nReissue the card? The current card stops working after the kiosks' next sync."
        };
        pass_block(c, title, issue_card(body, Some(ask)))
    });
    let has_family_card = family.cards.iter().any(|c| c.kind == "FamilyCard");
    let guardians = family
        .guardians
        .iter()
        .map(|g| html! { <li>{ format!("{}（{}）", g.name, g.kana) }</li> });
    let others = family
        .other_adults
        .iter()
        .map(|o| html! { <li>{ format!("{}（{}）", o.name, o.relationship) }</li> });
    let children = family.children.iter().map(|c| {
        let has_card = family
            .cards
            .iter()
            .any(|k| k.kind == "ChildCard" && k.child == Some(c.index));
        html! {
            <li>
                { format!("{}（{}） {}", c.name, c.kana, c.birth_date) }
                if !has_card {
                    <button type="button" class="staff-button small" disabled={*busy}
                        onclick={issue_card(json!({ "kind": "child", "child": c.index }), None)}>
                        { lang.pick("こどもカードを発行", "Issue a child card") }
                    </button>
                }
            </li>
        }
    });
    let print_preview = printing.as_ref().map(|p| {
        let facts = CardFacts {
            kind: &p.pass.kind,
            qr_svg: &p.pass.qr_svg,
            short_code: &p.pass.short_code,
            rooms: p
                .pass
                .rooms
                .iter()
                .map(|r| room_name(config, r, Lang::Ja))
                .collect(),
            city: config.map_or("", |c| c.city_name_ja.as_str()),
            valid_until: p.pass.valid_until,
        };
        let on_close = {
            let printing = printing.clone();
            Callback::from(move |()| printing.set(None))
        };
        html! {
            <CardPrint {lang} html={card_html(&facts, p.paper)} paper={p.paper} {on_close} />
        }
    });

    html! {
        <div class="staff-family" aria-labelledby="family-title">
            <h2 id="family-title">
                { lang.pick("家族", "Family") }{ " " }<span class="code">{ family.login_id.clone() }</span>
            </h2>
            if let Some(l) = &*letter {
                <LetterView {lang} letter={l.clone()} on_close={let letter = letter.clone(); Callback::from(move |()| letter.set(None))} />
            }
            if let Some(e) = &*error { { api_error(lang, e) } }
            if let Some((ja, en)) = *done {
                <p class="staff-done" role="status">{ lang.pick(ja, en) }</p>
            }
            { print_preview.unwrap_or_default() }
            <dl class="staff-facts">
                <dt>{ lang.pick("保護者", "Guardians") }</dt><dd><ul>{ for guardians }</ul></dd>
                <dt>{ lang.pick("子ども", "Children") }</dt><dd><ul>{ for children }</ul></dd>
                if !family.other_adults.is_empty() {
                    <dt>{ lang.pick("送迎できる方", "Others who may bring the children") }</dt><dd><ul>{ for others }</ul></dd>
                }
                <dt>{ lang.pick("電話番号", "Phone") }</dt><dd>{ family.phone.clone().unwrap_or_else(|| "—".to_owned()) }</dd>
                <dt>{ lang.pick("登録ルーム", "Rooms") }</dt>
                <dd>{ if family.rooms.is_empty() { lang.pick("未登録（本登録の前）", "None yet").to_owned() } else { rooms_of(&family.rooms) } }</dd>
                <dt>{ lang.pick("受付番号", "Receipt") }</dt><dd class="code">{ family.receipt.clone() }</dd>
                <dt>{ lang.pick("登録日", "Registered") }</dt><dd>{ jst(family.created_at) }</dd>
                if family.must_change_password {
                    <dt>{ lang.pick("ログイン", "Login") }</dt>
                    <dd>{ lang.pick("初期パスワードのまま（まだ変更されていません）", "Still the initial password") }</dd>
                }
            </dl>
            <div class="staff-actions">
                if family.pass.is_none() {
                    <button type="button" class="staff-button primary" disabled={*busy || family.rooms.is_empty()} onclick={on_reissue.clone()}>
                        { lang.pick("パスを発行", "Issue a pass") }
                    </button>
                }
                if !has_family_card {
                    <button type="button" class="staff-button" disabled={*busy || family.rooms.is_empty()}
                        onclick={issue_card(json!({ "kind": "family" }), None)}>
                        { lang.pick("家族カードを発行", "Issue a family card") }
                    </button>
                }
                <button type="button" class="staff-button" disabled={*busy} onclick={on_new_letter}>
                    { lang.pick("登録案内状を再発行", "Issue a new login letter") }
                </button>
            </div>
            if family.rooms.is_empty() {
                <ErrorNote {lang}
                    ja="この家族はまだルームを登録していないため、パスやカードを発行できません。"
                    en="This family has not registered for a room yet, so no pass or card can be issued." />
            }
            <h3>{ lang.pick("パスとカード", "Pass and cards") }</h3>
            { app_pass.unwrap_or_default() }
            { for cards }
        </div>
    }
}

#[derive(Properties, PartialEq, Debug)]
struct CardPrintProps {
    lang: Lang,
    html: String,
    paper: CardPaper,
    on_close: Callback<()>,
}

/// A card's print preview with a visible 印刷 button.
#[function_component(CardPrint)]
fn card_print(props: &CardPrintProps) -> Html {
    let lang = props.lang;
    let frame = use_node_ref();
    let failed = use_state(|| false);
    let on_print = {
        let (frame, failed) = (frame.clone(), failed.clone());
        Callback::from(move |_: MouseEvent| failed.set(!browser::print_frame(&frame)))
    };
    let (paper_class, paper_words) = match props.paper {
        CardPaper::A4 => ("a4", lang.pick("A4用紙", "A4 paper")),
        CardPaper::Card => (
            "card",
            lang.pick("カードサイズ用紙（85.6×54mm）", "Card paper (85.6 × 54 mm)"),
        ),
    };
    html! {
        <section class="staff-panel" aria-labelledby="card-print-title">
            <h3 id="card-print-title">{ format!("{} — {}", lang.pick("カードの印刷", "Print a card"), paper_words) }</h3>
            <div class="staff-actions">
                <button id="card-print" type="button" class="staff-button primary" onclick={on_print}>
                    { lang.pick("印刷", "Print") }
                </button>
                <button type="button" class="staff-button" onclick={props.on_close.reform(|_: MouseEvent| ())}>
                    { lang.pick("閉じる", "Close") }
                </button>
            </div>
            if *failed {
                <ErrorNote {lang}
                    ja="印刷を始められませんでした。もう一度押してください。"
                    en="Printing could not start. Please press Print again." />
            }
            <iframe ref={frame} class={classes!("print-preview", paper_class)}
                title={lang.pick("カードの印刷プレビュー", "Print preview of the card")}
                srcdoc={props.html.clone()} />
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_queries_travel_trimmed_in_the_body() {
        assert_eq!(
            search_body(" HB-4HKX "),
            serde_json::json!({ "q": "HB-4HKX" })
        );
        assert_eq!(search_body("森 "), serde_json::json!({ "q": "森" }));
    }

    fn pass(revoked: bool) -> PassView {
        PassView {
            pass_id: "p".to_owned(),
            serial: 1,
            kind: "FamilyCard".to_owned(),
            child: None,
            rooms: vec!["R01".to_owned()],
            short_code: "ABCD".to_owned(),
            issued_at: 0,
            valid_until: 0,
            qr_svg: String::new(),
            revoked,
        }
    }

    #[test]
    fn revoked_passes_are_not_printed_or_reissued_but_may_be_issued_anew() {
        let revoked = pass_actions(&pass(true), true);
        assert!(!revoked.print && !revoked.reissue && !revoked.revoke);
        assert!(revoked.issue_new);
        let active = pass_actions(&pass(false), false);
        assert!(active.print && active.reissue && !active.issue_new);
        assert!(!active.revoke, "only administrators revoke");
        assert!(pass_actions(&pass(false), true).revoke);
    }

    #[test]
    fn pass_statuses_have_words() {
        assert_eq!(pass_status_label("active", Lang::Ja), "有効");
        assert_eq!(pass_status_label("revoked", Lang::En), "Revoked");
        assert_eq!(pass_status_label("none", Lang::Ja), "未発行");
    }
}
