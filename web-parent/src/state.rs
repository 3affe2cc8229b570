//! The parent app's state and how actions change it. Pure: no browser calls,
//! so every rule here (which screen shows, what a revoked pass does, what
//! logging out forgets) is tested natively with `cargo test`.

use std::collections::BTreeSet;
use std::rc::Rc;

use hiroba_engine::family::FamilyVisit;
use hiroba_engine::notice::Notice;
use serde::{Deserialize, Serialize};
use yew::Reducible;

use crate::services::api::{Config, Family, Pass};

pub use hiroba_engine::lang::Lang;

/// Where the person asked to be: the hash route (`#/pass`). Routes carry no
/// names or ids, so nothing personal ends up in the browser's history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    Apply,
    Login,
    Rooms,
    Pass,
    History,
    Notices,
    Children,
    Cards,
    Settings,
}

impl Route {
    pub const ALL: [Route; 9] = [
        Route::Apply,
        Route::Login,
        Route::Rooms,
        Route::Pass,
        Route::History,
        Route::Notices,
        Route::Children,
        Route::Cards,
        Route::Settings,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Route::Apply => "apply",
            Route::Login => "login",
            Route::Rooms => "rooms",
            Route::Pass => "pass",
            Route::History => "history",
            Route::Notices => "notices",
            Route::Children => "children",
            Route::Cards => "cards",
            Route::Settings => "settings",
        }
    }

    /// `#/pass` → `Some(Pass)`; an unknown route (or no hash at all) is the
    /// pass, which sends a person with no session to the login. A hash that
    /// is not a route — `#main`, the skip link's target — is `None`: it
    /// names a place on the page, not a screen, so the screen stays (a
    /// half-typed application must not turn into the login).
    pub fn parse(hash: &str) -> Option<Route> {
        let name = match hash {
            "" | "#" | "#/" => "",
            _ => hash.strip_prefix("#/")?,
        };
        let name = name.split(['/', '?']).next().unwrap_or_default();
        Some(
            Route::ALL
                .into_iter()
                .find(|r| r.name() == name)
                .unwrap_or(Route::Pass),
        )
    }

    pub fn hash(self) -> String {
        format!("#/{}", self.name())
    }
}

/// What is on screen, worked out from the route and the session
/// (`#parent[data-screen]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Apply,
    Login,
    /// The forced change of the initial password.
    Password,
    Rooms,
    Pass,
    History,
    Notices,
    Children,
    Cards,
    Settings,
    /// Logged in, nothing on the phone yet, the first answer on its way.
    Loading,
    /// Logged in, nothing on the phone yet, and the last refresh ended
    /// without an answer from the relay: said in words, with a retry.
    LoadFailed,
}

impl Screen {
    pub fn name(self) -> &'static str {
        match self {
            Screen::Apply => "apply",
            Screen::Login => "login",
            Screen::Password => "password",
            Screen::Rooms => "rooms",
            Screen::Pass => "pass",
            Screen::History => "history",
            Screen::Notices => "notices",
            Screen::Children => "children",
            Screen::Cards => "cards",
            Screen::Settings => "settings",
            Screen::Loading => "loading",
            Screen::LoadFailed => "load-failed",
        }
    }
}

/// The guardian's session, kept on the phone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub token: String,
    /// A first-login session: only the password change is allowed.
    pub must_change: bool,
    /// As typed at login (for the "not your login id" rule); not personal.
    #[serde(default)]
    pub login_id: String,
    /// The family the session belongs to (pseudonymous), as the relay said
    /// at login; what the documents kept on the phone are tied to.
    #[serde(default)]
    pub family_id: Option<String>,
}

impl Session {
    /// Whether what a refresh begun under this session fetched may still
    /// be kept and shown, given the phone's session `now`. A refresh waits
    /// on the network; if the guardian logged out meanwhile (or the relay
    /// ended the session, or someone else logged in on this phone), its
    /// answers belong to no one here any more and are dropped — written
    /// back, they would bring a logged-out family's data back onto the
    /// phone or mix it into the next family's.
    pub fn still_current(&self, now: Option<&Session>) -> bool {
        now.is_some_and(|now| {
            now.token == self.token && !now.must_change && now.family_id == self.family_id
        })
    }
}

/// Words in both languages, shown once (e.g. why the login screen is back).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flash {
    pub ja: String,
    pub en: String,
}

impl Flash {
    pub fn new(ja: &str, en: &str) -> Flash {
        Flash {
            ja: ja.to_owned(),
            en: en.to_owned(),
        }
    }
}

/// The whole app's state.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Model {
    pub lang: Lang,
    pub route: Option<Route>,
    pub session: Option<Session>,
    pub config: Option<Rc<Config>>,
    pub family: Option<Rc<Family>>,
    pub pass: Option<Rc<Pass>>,
    /// The relay said `404 no_pass` while this phone held a pass: staff
    /// revoked it.
    pub pass_revoked: bool,
    /// The family's visits, newest first (from the family document).
    pub visits: Rc<Vec<FamilyVisit>>,
    /// Notices for this family, emergency first, then newest.
    pub notices: Rc<Vec<(String, Notice)>>,
    /// The ids of the notices the guardian has seen on the notices screen
    /// (kept on the phone; forgotten with the rest on log-out).
    pub seen_notices: Rc<BTreeSet<String>>,
    pub online: bool,
    /// The last refresh could not reach the relay (the relay is down, or
    /// the phone has no signal though the browser believes otherwise).
    pub unreachable: bool,
    /// A refresh from the relay is under way.
    pub syncing: bool,
    /// At least one refresh reached the relay since the app started.
    pub synced: bool,
    /// The last refresh ended without any answer from the relay (no
    /// signal, the relay down or answering only errors). Cleared by the
    /// next refresh that reaches it.
    pub refresh_failed: bool,
    pub flash: Option<Flash>,
}

impl Model {
    /// Which screen shows for the route the person asked for.
    pub fn screen(&self) -> Screen {
        let route = self.route.unwrap_or(Route::Pass);
        if route == Route::Apply {
            return Screen::Apply;
        }
        let Some(session) = &self.session else {
            return Screen::Login;
        };
        if session.must_change {
            return Screen::Password;
        }
        match route {
            Route::Apply => Screen::Apply,
            Route::Login | Route::Pass => {
                if self.pass.is_some() || self.pass_revoked {
                    Screen::Pass
                } else if self.family.as_ref().is_some_and(|f| f.rooms.is_empty()) {
                    // 本登録 first: there is no pass before a room is chosen.
                    Screen::Rooms
                } else if self.family.is_none() && !self.synced {
                    // Nothing to show yet: waiting, or — once a refresh
                    // has failed — saying so, never an endless spinner.
                    if self.refresh_failed {
                        Screen::LoadFailed
                    } else {
                        Screen::Loading
                    }
                } else {
                    Screen::Pass
                }
            }
            Route::Rooms => Screen::Rooms,
            Route::History => Screen::History,
            Route::Notices => Screen::Notices,
            Route::Children => Screen::Children,
            Route::Cards => Screen::Cards,
            Route::Settings => Screen::Settings,
        }
    }

    /// Emergency notices for this family, for the banner.
    pub fn emergencies(&self) -> impl Iterator<Item = &(String, Notice)> {
        self.notices.iter().filter(|(_, n)| n.emergency)
    }

    /// The count on the notices tab: see [`unread_notices`].
    pub fn unread_notices(&self) -> usize {
        unread_notices(&self.notices, &self.seen_notices)
    }

    /// Online as far as the person is concerned: the browser has a
    /// network and the relay answered the last refresh.
    pub fn connected(&self) -> bool {
        self.online && !self.unreachable
    }

    pub fn token(&self) -> Option<&str> {
        self.session
            .as_ref()
            .filter(|s| !s.must_change)
            .map(|s| s.token.as_str())
    }
}

/// How many of `notices` the tab counts: those not yet seen, and every
/// emergency still in force, seen or not — having read about a closure
/// must not make it disappear from the tab bar while it lasts.
pub fn unread_notices(notices: &[(String, Notice)], seen: &BTreeSet<String>) -> usize {
    notices
        .iter()
        .filter(|(id, n)| n.emergency || !seen.contains(id))
        .count()
}

/// The most ids of seen notices kept on the phone. Notices come and go
/// (each has an end), so past this only the ones still shown are kept.
pub const MAX_SEEN_NOTICES: usize = 200;

/// `seen` after the guardian was shown `shown`. Ids only: a notice's id is
/// the city's, random, and says nothing about the family.
pub fn mark_seen(seen: &BTreeSet<String>, shown: &[(String, Notice)]) -> BTreeSet<String> {
    let mut next = seen.clone();
    next.extend(shown.iter().map(|(id, _)| id.clone()));
    if next.len() > MAX_SEEN_NOTICES {
        next.retain(|id| shown.iter().any(|(s, _)| s == id));
    }
    next
}

/// Everything that changes the app.
#[derive(Debug)]
pub enum Action {
    SetLang(Lang),
    Route(Route),
    Online(bool),
    Config(Rc<Config>),
    /// Logged in (or the password was changed: a full session).
    Session(Session),
    /// Logged out, or the relay no longer knows the session: everything of
    /// the family leaves the screen (the caller clears the phone's copy).
    SessionEnded(Option<Flash>),
    Family(Rc<Family>),
    Pass(Rc<Pass>),
    /// `404 no_pass`: there is no pass (any more).
    PassGone,
    Visits(Rc<Vec<FamilyVisit>>),
    Notices(Rc<Vec<(String, Notice)>>),
    /// The notices seen so far (after the notices screen showed some).
    NoticesSeen(Rc<BTreeSet<String>>),
    Syncing(bool),
    /// A refresh reached the relay.
    Synced,
    /// A refresh could not reach the relay.
    Unreachable,
    /// A refresh ended without any answer from the relay.
    RefreshFailed,
    Flash(Option<Flash>),
}

impl Reducible for Model {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            Action::SetLang(lang) => next.lang = lang,
            Action::Route(route) => next.route = Some(route),
            Action::Online(online) => next.online = online,
            Action::Config(config) => next.config = Some(config),
            Action::Session(session) => {
                next.session = Some(session);
                next.flash = None;
            }
            Action::SessionEnded(flash) => {
                next = Model {
                    lang: next.lang,
                    route: Some(Route::Login),
                    config: next.config,
                    online: next.online,
                    flash,
                    ..Model::default()
                };
            }
            Action::Family(family) => next.family = Some(family),
            Action::Pass(pass) => {
                next.pass = Some(pass);
                next.pass_revoked = false;
            }
            Action::PassGone => {
                next.pass_revoked = next.pass.is_some() || next.pass_revoked;
                next.pass = None;
            }
            Action::Visits(visits) => next.visits = visits,
            Action::Notices(notices) => next.notices = notices,
            Action::NoticesSeen(seen) => next.seen_notices = seen,
            Action::Syncing(syncing) => next.syncing = syncing,
            Action::Synced => {
                next.synced = true;
                next.unreachable = false;
                next.refresh_failed = false;
            }
            Action::Unreachable => next.unreachable = true,
            Action::RefreshFailed => next.refresh_failed = true,
            Action::Flash(flash) => next.flash = flash,
        }
        Rc::new(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn logged_in(must_change: bool) -> Rc<Model> {
        Rc::new(Model::default()).reduce(Action::Session(session("t", "f1", must_change)))
    }

    fn session(token: &str, family: &str, must_change: bool) -> Session {
        Session {
            token: token.into(),
            must_change,
            login_id: "HB-1".into(),
            family_id: Some(family.into()),
        }
    }

    #[test]
    fn a_refresh_keeps_its_answers_only_while_its_session_lasts() {
        let started = session("t1", "f1", false);
        assert!(started.still_current(Some(&started.clone())));
        // Logged out while the refresh waited on the network.
        assert!(!started.still_current(None));
        // Logged out, then another family logged in on this phone.
        assert!(!started.still_current(Some(&session("t2", "f2", false))));
        // The same family logged in again: a new session, a new refresh.
        assert!(!started.still_current(Some(&session("t2", "f1", false))));
        // A first-login session may not see the family's data yet.
        assert!(!started.still_current(Some(&session("t1", "f1", true))));
    }

    fn pass() -> Rc<Pass> {
        Rc::new(Pass {
            pass_id: "p".into(),
            serial: 1,
            kind: "AppPass".into(),
            child: None,
            rooms: vec!["R01".into()],
            text: "HB1X".into(),
            short_code: "AAAA-BBBB".into(),
            issued_at: 0,
            valid_until: 1,
            qr_svg: "<svg/>".into(),
        })
    }

    #[test]
    fn routes_round_trip_and_unknown_is_the_pass() {
        for route in Route::ALL {
            assert_eq!(Route::parse(&route.hash()), Some(route));
        }
        assert_eq!(Route::parse(""), Some(Route::Pass));
        assert_eq!(Route::parse("#"), Some(Route::Pass));
        assert_eq!(Route::parse("#/nonsense"), Some(Route::Pass));
        assert_eq!(Route::parse("#/apply?x=1"), Some(Route::Apply));
    }

    #[test]
    fn a_hash_that_is_not_a_route_changes_no_screen() {
        // The skip link's `#main` (and any in-page anchor) is no route.
        assert_eq!(Route::parse("#main"), None);
        assert_eq!(Route::parse("#apply"), None);
        assert_eq!(Route::parse("main"), None);
        // So on the public form with no session the form stays.
        let m = Rc::new(Model::default()).reduce(Action::Route(Route::Apply));
        let m = match Route::parse("#main") {
            Some(route) => m.reduce(Action::Route(route)),
            None => m,
        };
        assert_eq!(m.screen(), Screen::Apply);
    }

    #[test]
    fn no_session_is_the_login_but_the_form_is_public() {
        let m = Rc::new(Model::default());
        assert_eq!(m.screen(), Screen::Login);
        let m = m.reduce(Action::Route(Route::Apply));
        assert_eq!(m.screen(), Screen::Apply);
    }

    #[test]
    fn a_first_login_must_change_the_password_first() {
        let m = logged_in(true).reduce(Action::Route(Route::History));
        assert_eq!(m.screen(), Screen::Password);
        assert_eq!(m.token(), None);
    }

    #[test]
    fn a_family_without_rooms_registers_first() {
        let m = logged_in(false);
        assert_eq!(m.screen(), Screen::Loading);
        let m = m.reduce(Action::Family(Rc::new(Family {
            family_id: "f".into(),
            login_id: "HB".into(),
            guardians: 1,
            children: vec![],
            rooms: vec![],
            pass: None,
            cards: vec![],
            child_requests: vec![],
        })));
        assert_eq!(m.screen(), Screen::Rooms);
        let m = m.reduce(Action::Pass(pass()));
        assert_eq!(m.screen(), Screen::Pass);
    }

    #[test]
    fn a_first_refresh_that_fails_says_so_instead_of_loading_forever() {
        let m = logged_in(false);
        assert_eq!(m.screen(), Screen::Loading);
        let m = m
            .reduce(Action::Syncing(true))
            .reduce(Action::Unreachable)
            .reduce(Action::Syncing(false))
            .reduce(Action::RefreshFailed);
        assert_eq!(m.screen(), Screen::LoadFailed);
        assert_eq!(m.screen().name(), "load-failed");
        // A retry under way keeps the message (and its button) on screen.
        let retrying = m.clone().reduce(Action::Syncing(true));
        assert_eq!(retrying.screen(), Screen::LoadFailed);
        // The next refresh that reaches the relay ends it.
        let m = retrying.reduce(Action::Synced);
        assert!(!m.refresh_failed);
        assert_ne!(m.screen(), Screen::LoadFailed);
    }

    #[test]
    fn a_saved_pass_shows_whatever_the_refresh_did() {
        let m = logged_in(false)
            .reduce(Action::Pass(pass()))
            .reduce(Action::Unreachable)
            .reduce(Action::RefreshFailed);
        assert_eq!(m.screen(), Screen::Pass);
        // Other tabs stay reachable too: only the pass route waits on data.
        let m = logged_in(false)
            .reduce(Action::RefreshFailed)
            .reduce(Action::Route(Route::Settings));
        assert_eq!(m.screen(), Screen::Settings);
    }

    #[test]
    fn a_revoked_pass_is_dropped_and_said() {
        let m = logged_in(false).reduce(Action::Pass(pass()));
        let m = m.reduce(Action::PassGone);
        assert!(m.pass.is_none());
        assert!(m.pass_revoked);
        assert_eq!(m.screen(), Screen::Pass);
        // A family that never had a pass was not revoked.
        assert!(!logged_in(false).reduce(Action::PassGone).pass_revoked);
    }

    #[test]
    fn a_relay_that_does_not_answer_is_offline_until_it_does() {
        let m = Rc::new(Model {
            online: true,
            ..Model::default()
        });
        let m = m.reduce(Action::Unreachable);
        assert!(!m.connected());
        assert!(m.reduce(Action::Synced).connected());
    }

    fn notice(emergency: bool) -> Notice {
        Notice {
            emergency,
            rooms: vec![],
            title_ja: "お知らせ".into(),
            title_en: "Notice".into(),
            body_ja: String::new(),
            body_en: String::new(),
            min_age_months: None,
            max_age_months: None,
            from: hiroba_engine::calendar::Timestamp(0),
            until: hiroba_engine::calendar::Timestamp(10),
        }
    }

    fn seen(ids: &[&str]) -> BTreeSet<String> {
        ids.iter().map(|id| (*id).to_owned()).collect()
    }

    #[test]
    fn the_tab_counts_unread_notices_and_every_emergency() {
        let notices = vec![
            ("typhoon".to_owned(), notice(true)),
            ("news-1".to_owned(), notice(false)),
            ("news-2".to_owned(), notice(false)),
        ];
        assert_eq!(unread_notices(&notices, &seen(&[])), 3);
        assert_eq!(unread_notices(&notices, &seen(&["news-1"])), 2);
        // Seen, the emergency still counts while it is in force.
        let all = mark_seen(&seen(&[]), &notices);
        assert_eq!(all, seen(&["news-1", "news-2", "typhoon"]));
        assert_eq!(unread_notices(&notices, &all), 1);
        // A new notice arriving later is unread again.
        let mut more = notices.clone();
        more.push(("news-3".to_owned(), notice(false)));
        assert_eq!(unread_notices(&more, &all), 2);
        // And without an emergency, seeing everything leaves no count.
        let calm = &notices[1..];
        assert_eq!(unread_notices(calm, &mark_seen(&seen(&[]), calm)), 0);
    }

    #[test]
    fn seen_notices_stay_bounded_and_keep_what_is_shown() {
        // An empty inbox (no family on the phone yet) forgets nothing.
        assert_eq!(mark_seen(&seen(&["a"]), &[]), seen(&["a"]));
        let old: BTreeSet<String> = (0..MAX_SEEN_NOTICES).map(|i| format!("old-{i}")).collect();
        let shown = vec![("now".to_owned(), notice(false))];
        assert_eq!(mark_seen(&old, &shown), seen(&["now"]));
    }

    #[test]
    fn reading_marks_survive_refreshes_but_not_a_log_out() {
        let m = logged_in(false)
            .reduce(Action::Notices(Rc::new(vec![(
                "n".to_owned(),
                notice(false),
            )])))
            .reduce(Action::NoticesSeen(Rc::new(seen(&["n"]))));
        assert_eq!(m.unread_notices(), 0);
        let m = m.reduce(Action::Synced);
        assert_eq!(m.unread_notices(), 0);
        let m = m.reduce(Action::SessionEnded(None));
        assert!(m.seen_notices.is_empty());
    }

    #[test]
    fn ending_the_session_forgets_the_family_but_not_the_language() {
        let m = logged_in(false)
            .reduce(Action::SetLang(Lang::En))
            .reduce(Action::Pass(pass()))
            .reduce(Action::SessionEnded(None));
        assert!(m.pass.is_none() && m.session.is_none());
        assert_eq!(m.lang, Lang::En);
        assert_eq!(m.screen(), Screen::Login);
    }
}
