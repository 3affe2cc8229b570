//! The language a screen speaks: Japanese first, English on request.
//!
//! Shared by both apps so that every label, every rejection message and the
//! `<html lang>` attribute follow one switch.

/// A screen language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    /// 日本語, the default everywhere.
    #[default]
    Ja,
    /// English.
    En,
}

impl Lang {
    /// The other language, for a one-button switch.
    pub fn toggled(self) -> Lang {
        match self {
            Lang::Ja => Lang::En,
            Lang::En => Lang::Ja,
        }
    }

    /// The BCP 47 code for `<html lang>`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ja => "ja",
            Lang::En => "en",
        }
    }

    /// Picks the text for this language.
    ///
    /// ```
    /// use hiroba_engine::lang::Lang;
    /// assert_eq!(Lang::En.pick("受付しました", "Checked in"), "Checked in");
    /// assert_eq!(Lang::default().pick("受付しました", "Checked in"), "受付しました");
    /// ```
    pub fn pick<'a>(self, ja: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Ja => ja,
            Lang::En => en,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn japanese_first_and_the_switch_goes_both_ways() {
        assert_eq!(Lang::default(), Lang::Ja);
        assert_eq!(Lang::Ja.toggled(), Lang::En);
        assert_eq!(Lang::En.toggled(), Lang::Ja);
        assert_eq!((Lang::Ja.code(), Lang::En.code()), ("ja", "en"));
    }
}
