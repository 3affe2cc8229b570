//! The city the relay serves: its code, name and children's rooms.

use hiroba_engine::ids::{CityCode, RoomId};
use serde::{Deserialize, Serialize};

/// A city and its children's rooms, as shown by both apps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct City {
    /// The local-government code that passes carry.
    pub city: CityCode,
    /// The city's name in Japanese.
    pub city_name_ja: String,
    /// The city's name in English.
    pub city_name_en: String,
    /// The rooms, in the order staff know them.
    pub rooms: Vec<Room>,
}

/// One children's room (こどもルーム).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Room {
    /// The room's number, `R01` …
    pub id: RoomId,
    /// The room's name in Japanese.
    pub name_ja: String,
    /// The room's name in English.
    pub name_en: String,
    /// Opening time, `HH:MM` Japan time.
    pub opens: String,
    /// Closing time, `HH:MM` Japan time; open visits are closed at this time.
    pub closes: String,
}

impl City {
    /// The demo city: a fictional ひろば市 with eleven rooms, like the
    /// reference deployment of SPEC §1.
    pub fn demo() -> City {
        const ROOMS: [(&str, &str); 11] = [
            ("中央こどもルーム", "Chuo"),
            ("北こどもルーム", "Kita"),
            ("南こどもルーム", "Minami"),
            ("東こどもルーム", "Higashi"),
            ("西こどもルーム", "Nishi"),
            ("緑が丘こどもルーム", "Midorigaoka"),
            ("若葉こどもルーム", "Wakaba"),
            ("花見川こどもルーム", "Hanamigawa"),
            ("稲毛こどもルーム", "Inage"),
            ("美浜こどもルーム", "Mihama"),
            ("港こどもルーム", "Minato"),
        ];
        City {
            city: CityCode(999_001),
            city_name_ja: "ひろば市".to_owned(),
            city_name_en: "Hiroba City".to_owned(),
            rooms: ROOMS
                .iter()
                .zip(1u16..)
                .map(|((ja, en), n)| Room {
                    id: RoomId(n),
                    name_ja: (*ja).to_owned(),
                    name_en: format!("{en} Children's Room"),
                    opens: if n % 3 == 0 { "09:30" } else { "10:00" }.to_owned(),
                    closes: if n % 3 == 0 { "17:00" } else { "16:00" }.to_owned(),
                })
                .collect(),
        }
    }

    /// The room with this id, if the city has it.
    pub fn room(&self, id: RoomId) -> Option<&Room> {
        self.rooms.iter().find(|r| r.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_city_has_eleven_distinct_rooms() {
        let city = City::demo();
        assert_eq!(city.rooms.len(), 11);
        assert_eq!(
            city.room(RoomId(1)).map(|r| r.name_ja.as_str()),
            Some("中央こどもルーム")
        );
        assert!(city.room(RoomId(12)).is_none());
        let json = serde_json::to_value(&city).expect("serialize");
        assert_eq!(json["rooms"][0]["id"], "R01");
        assert_eq!(json["city"], 999_001);
    }
}
