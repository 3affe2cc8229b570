//! Which readers the kiosk listens to: the keyboard-wedge scanner, the
//! tablet's camera, or both. Staff choose; the choice is kept per device in
//! `localStorage` under [`STORAGE_KEY`]. Pure: reading and writing the
//! stored text is here, the storage call itself in `services::storage`.

use serde::{Deserialize, Serialize};

/// The `localStorage` key of the staff's choice.
pub const STORAGE_KEY: &str = "hiroba.scanModes";

/// The readers that are on. Both may be on at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ScanModes {
    /// A USB/Bluetooth scanner typing the code as keystrokes.
    pub wedge: bool,
    /// The tablet's camera, decoding QR codes in a worker.
    pub camera: bool,
}

impl Default for ScanModes {
    /// The common counter device is a wedge scanner, and a camera asks for
    /// permission, so the camera waits until staff turn it on.
    fn default() -> ScanModes {
        ScanModes {
            wedge: true,
            camera: false,
        }
    }
}

impl ScanModes {
    /// The stored choice; anything unreadable (or nothing) is the default.
    pub fn from_stored(stored: Option<&str>) -> ScanModes {
        stored
            .and_then(|text| serde_json::from_str(text).ok())
            .unwrap_or_default()
    }

    /// The text to store.
    pub fn to_stored(self) -> String {
        format!("{{\"wedge\":{},\"camera\":{}}}", self.wedge, self.camera)
    }

    /// These modes with the wedge scanner turned on or off.
    pub fn with_wedge(self, wedge: bool) -> ScanModes {
        ScanModes { wedge, ..self }
    }

    /// These modes with the camera turned on or off.
    pub fn with_camera(self, camera: bool) -> ScanModes {
        ScanModes { camera, ..self }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wedge_on_and_camera_off_by_default() {
        let modes = ScanModes::default();
        assert!(modes.wedge && !modes.camera);
        assert_eq!(ScanModes::from_stored(None), modes);
    }

    #[test]
    fn stored_choices_come_back() {
        let cases = [(true, false), (true, true), (false, true), (false, false)];
        for (wedge, camera) in cases {
            let modes = ScanModes { wedge, camera };
            assert_eq!(
                ScanModes::from_stored(Some(&modes.to_stored())),
                modes,
                "{modes:?}"
            );
        }
    }

    #[test]
    fn unreadable_or_partial_storage_falls_back_to_defaults() {
        let cases = [
            ("", ScanModes::default()),
            ("not json", ScanModes::default()),
            ("[true]", ScanModes::default()),
            ("{\"camera\":\"yes\"}", ScanModes::default()),
            ("{}", ScanModes::default()),
            (
                "{\"camera\":true}",
                ScanModes {
                    wedge: true,
                    camera: true,
                },
            ),
            (
                "{\"wedge\":false,\"extra\":1}",
                ScanModes {
                    wedge: false,
                    camera: false,
                },
            ),
        ];
        for (stored, expected) in cases {
            assert_eq!(ScanModes::from_stored(Some(stored)), expected, "{stored:?}");
        }
    }

    #[test]
    fn switching_one_mode_keeps_the_other() {
        let both = ScanModes::default().with_camera(true);
        assert_eq!(
            both,
            ScanModes {
                wedge: true,
                camera: true
            }
        );
        assert_eq!(
            both.with_wedge(false),
            ScanModes {
                wedge: false,
                camera: true
            }
        );
    }
}
