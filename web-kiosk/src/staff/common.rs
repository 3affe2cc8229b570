//! Pieces every staff page uses: an error worded in both languages, dates
//! and times in Japan time, and reading a form field.

use hiroba_engine::calendar::Timestamp;
use hiroba_engine::lang::Lang;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::services::api::ApiError;

/// An error for a person: the chosen language first, and under Japanese
/// the English too (staff PCs are shared with colleagues who read it).
#[derive(Properties, PartialEq, Debug)]
pub struct ErrorNoteProps {
    pub lang: Lang,
    pub ja: AttrValue,
    pub en: AttrValue,
}

#[function_component(ErrorNote)]
pub fn error_note(props: &ErrorNoteProps) -> Html {
    html! {
        <div class="staff-error" role="alert">
            <p>{ props.lang.pick(&props.ja, &props.en).to_owned() }</p>
            if props.lang == Lang::Ja {
                <p class="staff-error-en" lang="en">{ props.en.clone() }</p>
            }
        </div>
    }
}

/// An [`ApiError`] as an [`ErrorNote`].
pub fn api_error(lang: Lang, error: &ApiError) -> Html {
    let (ja, en) = error_words(error);
    html! { <ErrorNote {lang} {ja} {en} /> }
}

/// The words of an error on a staff page. A session that ended while the
/// page was open (12 hours, or a log-out elsewhere) says what to do, since
/// the relay's "please log in" alone leaves staff looking for a login form.
pub fn error_words(error: &ApiError) -> (String, String) {
    match error {
        ApiError::Relay(e) if e.status == 401 => (
            "ログインの有効期限が切れました。「ログアウト」を押して、もう一度ログインしてください。"
                .to_owned(),
            "Your login has expired. Press \"Log out\" and log in again.".to_owned(),
        ),
        other => (other.message_ja(), other.message_en()),
    }
}

/// Unix seconds as Japan time, `2026-11-25 10:32`.
pub fn jst(seconds: i64) -> String {
    let t = Timestamp(seconds);
    format!("{} {}", t.jst_date(), t.jst_hhmm())
}

/// The value of the input a form event came from.
pub fn input_value(e: &InputEvent) -> String {
    e.target_unchecked_into::<HtmlInputElement>().value()
}

/// A room's name in the chosen language, from the relay's config, or its id.
pub fn room_name(config: Option<&crate::services::api::Config>, id: &str, lang: Lang) -> String {
    config
        .and_then(|c| c.rooms.iter().find(|r| r.id == id))
        .map(|r| lang.pick(&r.name_ja, &r.name_en).to_owned())
        .unwrap_or_else(|| id.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ended_session_says_to_log_in_again() {
        use crate::services::api::RelayError;
        let error = |status| {
            ApiError::Relay(RelayError {
                status,
                code: "x".to_owned(),
                message: "relay words".to_owned(),
                message_ja: Some("中継の言葉".to_owned()),
                fields: Default::default(),
                retry_after_seconds: None,
            })
        };
        assert!(error_words(&error(401)).0.contains("もう一度ログイン"));
        assert_eq!(error_words(&error(404)).1, "relay words");
        assert_eq!(
            error_words(&ApiError::Network),
            (
                ApiError::Network.message_ja(),
                ApiError::Network.message_en()
            )
        );
    }

    #[test]
    fn times_are_japan_time() {
        // 2026-11-24 15:00 UTC is 2026-11-25 00:00 in Japan.
        assert_eq!(jst(1_795_532_400), "2026-11-25 00:00");
    }
}
