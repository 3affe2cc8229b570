//! Short tones for scan results, so staff hear the answer without looking:
//! a rising two-note chime when accepted, a low double buzz when not.
//!
//! Web Audio needs a user gesture before it plays; a scanner's keystrokes
//! count as one. When audio is unavailable the kiosk simply stays silent.

use std::cell::RefCell;

use web_sys::{AudioContext, OscillatorType};

thread_local! {
    static CONTEXT: RefCell<Option<AudioContext>> = const { RefCell::new(None) };
}

/// Plays the tone for an accepted (`true`) or rejected (`false`) scan.
pub fn result_tone(accepted: bool) {
    let notes: &[(f32, f64, f64)] = if accepted {
        // (frequency Hz, start s, length s)
        &[(880.0, 0.0, 0.12), (1318.5, 0.12, 0.18)]
    } else {
        &[(220.0, 0.0, 0.16), (220.0, 0.22, 0.22)]
    };
    let kind = if accepted {
        OscillatorType::Sine
    } else {
        OscillatorType::Square
    };
    CONTEXT.with(|cell| {
        let mut cell = cell.borrow_mut();
        if cell.is_none() {
            *cell = AudioContext::new().ok();
        }
        if let Some(ctx) = cell.as_ref() {
            let _ = ctx.resume();
            for &(freq, start, length) in notes {
                let _ = play(ctx, kind, freq, ctx.current_time() + start, length);
            }
        }
    });
}

fn play(
    ctx: &AudioContext,
    kind: OscillatorType,
    freq: f32,
    at: f64,
    length: f64,
) -> Result<(), wasm_bindgen::JsValue> {
    let osc = ctx.create_oscillator()?;
    let gain = ctx.create_gain()?;
    osc.set_type(kind);
    osc.frequency().set_value_at_time(freq, at)?;
    // A soft attack and decay: no clicks, not startling in a quiet room.
    gain.gain().set_value_at_time(0.0001, at)?;
    gain.gain()
        .exponential_ramp_to_value_at_time(0.2, at + 0.02)?;
    gain.gain()
        .exponential_ramp_to_value_at_time(0.0001, at + length)?;
    osc.connect_with_audio_node(&gain)?;
    gain.connect_with_audio_node(&ctx.destination())?;
    osc.start_with_when(at)?;
    osc.stop_with_when(at + length + 0.02)?;
    Ok(())
}
