//! In-browser benchmarks for SPEC §6: pass verification and a room-month of
//! attendance in the kiosk's wasm, in headless Chromium, plus the gzip size
//! of both bundles. Run with `cargo xtask bench` (or `cargo run --release -p
//! hiroba-tests --bin browser-bench` after `cargo xtask build`).

use std::process::{Command, Stdio};

use hiroba_engine::calendar::YearMonth;
use hiroba_engine::ids::RoomId;
use hiroba_engine::pass::PassKind;
use hiroba_relay::issuer::{Issuer, PassRequest};
use hiroba_tests::{Browser, TestRelay, dist_dir, now};
use serde_json::{Value, json};

const SEED: u64 = 7;

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs.get(xs.len() / 2).copied().unwrap_or(f64::NAN)
}

fn gzip_size(path: &std::path::Path) -> anyhow::Result<usize> {
    let out = Command::new("gzip")
        .args(["-9", "-c"])
        .arg(path)
        .stderr(Stdio::inherit())
        .output()?;
    anyhow::ensure!(out.status.success(), "gzip failed on {}", path.display());
    Ok(out.stdout.len())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dist = dist_dir()?;
    for (app, file) in [
        ("kiosk", "web_kiosk_bg.wasm"),
        ("parent", "web_parent_bg.wasm"),
    ] {
        let path = dist.join(app).join(file);
        let raw = std::fs::metadata(&path)?.len();
        let gz = gzip_size(&path)?;
        println!(
            "wasm bundle {app:<7} {:>8.0} KB raw  {:>6.0} KB gzip  target < 1,500 KB gzip",
            raw as f64 / 1000.0,
            gz as f64 / 1000.0
        );
    }

    let relay = TestRelay::start(false).await?;
    let issuer = Issuer::load_or_create(&relay.state.store, relay.state.city.city, now())?;
    let request = PassRequest {
        kind: PassKind::AppPass,
        rooms: vec![RoomId(1), RoomId(2)],
        guardians: 2,
        children: vec![
            YearMonth::new(2024, 8)?,
            YearMonth::new(2021, 4)?,
            YearMonth::new(2018, 1)?,
        ],
    };
    let text = issuer.issue(&request, now())?.to_text();

    let browser = Browser::start(&[]).await?;
    browser.client.goto(&relay.url("/kiosk/?room=R01")).await?;
    hiroba_tests::kiosk::wait_ready(&browser).await?;

    let mut verify_ms = Vec::new();
    for _ in 0..5 {
        let ms = browser
            .client
            .execute(
                "return window.hiroba.bench_verify(arguments[0], 1000);",
                vec![json!(text)],
            )
            .await?;
        verify_ms.push(ms.as_f64().unwrap_or(f64::NAN));
    }
    println!(
        "pass verify (wasm, Chromium)  mean {:.3} ms (median of 5 × 1,000)  target < 1 ms",
        median(verify_ms)
    );

    // The busiest room-month of the synthetic year (R01, March 2025).
    let mut month_ms = Vec::new();
    let mut load_ms = Vec::new();
    let mut groups = 0.0;
    for _ in 0..7 {
        let result = browser
            .client
            .execute(
                "return Array.from(window.hiroba.bench_room_month(BigInt(arguments[0]), 1, 2025, 3));",
                vec![json!(SEED)],
            )
            .await?;
        let values: Vec<f64> = result
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_f64).collect())
            .unwrap_or_default();
        anyhow::ensure!(values.len() == 3, "unexpected benchmark result {result}");
        month_ms.push(values[0]);
        groups = values[1];
        load_ms.push(values[2]);
    }
    println!(
        "room-month load + occupancy (wasm, Chromium, {groups:.0} groups)  median {:.1} ms of 7  target < 50 ms",
        median(month_ms)
    );
    println!(
        "  … of which AutoCommit::load  median {:.1} ms",
        median(load_ms)
    );
    browser.close().await?;

    camera_decode(&relay, &text).await?;
    relay.stop().await
}

/// The decoder worker's time per 640×480 camera frame: Chromium's fake
/// camera plays the pass's QR code, the kiosk decodes frame after frame and
/// shows the worker's time of the last one on `#camera[data-decode-ms]`.
async fn camera_decode(relay: &TestRelay, text: &str) -> anyhow::Result<()> {
    const SAMPLES: usize = 20;
    let footage = tempfile::tempdir()?;
    let video = hiroba_tests::y4m::write_qr_video(footage.path(), text)?;
    let browser = Browser::start(&[
        "--use-fake-ui-for-media-stream".to_owned(),
        "--use-fake-device-for-media-stream".to_owned(),
        format!("--use-file-for-fake-video-capture={}", video.display()),
    ])
    .await?;
    browser.client.goto(&relay.url("/kiosk/?room=R01")).await?;
    hiroba_tests::kiosk::wait_ready(&browser).await?;
    hiroba_tests::kiosk::turn_camera_on(&browser).await?;
    hiroba_tests::kiosk::wait_accepted(&browser).await?;
    let mut samples = Vec::new();
    let mut last_frame = None;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while samples.len() < SAMPLES && std::time::Instant::now() < deadline {
        let frame = browser.attr("#camera", "data-frames").await?;
        if frame.is_some() && frame != last_frame {
            let ms = browser.attr("#camera", "data-decode-ms").await?;
            samples.extend(ms.and_then(|m| m.parse::<f64>().ok()));
            last_frame = frame;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let count = samples.len();
    anyhow::ensure!(count > 0, "the camera decoded no frames");
    let max = samples.iter().copied().fold(0.0, f64::max);
    println!(
        "camera frame decode 640×480 (wasm worker, Chromium)  median {:.1} ms, max {max:.1} ms of {count} frames",
        median(samples)
    );
    browser.close().await
}
