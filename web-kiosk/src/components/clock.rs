//! Today's date and the time in Japan, updated every second.

use hiroba_engine::calendar::Timestamp;
use yew::prelude::*;

use crate::services::browser::{Interval, now};
use crate::state::Lang;

const WEEKDAYS_JA: [&str; 7] = ["月", "火", "水", "木", "金", "土", "日"];
const WEEKDAYS_EN: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

#[derive(Properties, PartialEq, Debug)]
pub struct ClockProps {
    pub lang: Lang,
}

#[function_component(Clock)]
pub fn clock(props: &ClockProps) -> Html {
    let time = use_state(now);
    {
        let time = time.clone();
        use_effect_with((), move |_| {
            let interval = Interval::new(1000, move || time.set(now()));
            move || drop(interval)
        });
    }
    let (date, hhmm) = format(*time, props.lang);
    html! {
        <div class="clock" aria-live="off">
            <span class="clock-date">{ date }</span>
            <time class="clock-time">{ hhmm }</time>
        </div>
    }
}

/// `2026年11月24日（火）` / `Tue 24 Nov 2026`, and `HH:MM` (Japan time).
fn format(t: Timestamp, lang: Lang) -> (String, String) {
    let d = t.jst_date();
    let wd = d.weekday() as usize % 7;
    let date = match lang {
        Lang::Ja => format!(
            "{}年{}月{}日（{}）",
            d.year(),
            d.month(),
            d.day(),
            WEEKDAYS_JA[wd]
        ),
        Lang::En => format!("{} {}/{}/{}", WEEKDAYS_EN[wd], d.year(), d.month(), d.day()),
    };
    (date, t.jst_hhmm())
}

#[cfg(test)]
mod tests {
    use super::*;
    use hiroba_engine::calendar::Date;

    #[test]
    fn formats_in_japan_time() -> Result<(), Box<dyn std::error::Error>> {
        let t = Timestamp::from_jst(Date::new(2026, 11, 24)?, 10, 5);
        assert_eq!(
            format(t, Lang::Ja),
            ("2026年11月24日（火）".to_owned(), "10:05".to_owned())
        );
        assert_eq!(format(t, Lang::En).0, "Tue 2026/11/24");
        Ok(())
    }
}
