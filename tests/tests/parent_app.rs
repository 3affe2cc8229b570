//! The parent app (web-parent) in headless Chromium against a real relay:
//! apply → staff approve → log in → change the password → register a room →
//! the QR pass → a kiosk scans it → the visit shows in the history; the pass
//! offline; installability; adding a child; the form's validation and its
//! idempotent retry.

use std::time::Duration;

use fantoccini::Locator;
use fantoccini::key::Key;
use hiroba_engine::ids::RoomId;
use hiroba_tests::kiosk::{self, WAIT, step, wait_attr};
use hiroba_tests::parent::{self, Applicant, click, fetch_json, fill, go, wait_count, wait_screen};
use hiroba_tests::{Browser, TestRelay, WindowSize, poll};
use serde_json::{Value, json};

/// How long the relay may take to project a kiosk's check-in into the
/// family's document and the app to show it.
const PROJECTION: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_log_in_register_and_see_the_visit_in_the_history() -> anyhow::Result<()> {
    let relay = TestRelay::start(true).await?;
    // The app is designed for phones first: the whole loop runs at a
    // phone's width.
    let phone = Browser::start_with_size(&[], WindowSize::PHONE).await?;
    let (login_id, _, text) = parent::family_with_pass(&phone, &relay, "履歴 花子").await?;
    let rooms = phone.attr("#pass-rooms li", "data-room").await?;
    assert_eq!(rooms.as_deref(), Some("R01"));

    // Right after registering (the page scrolled to reach the button) and
    // when the guardian opens the app again at the counter.
    for when in ["after registering", "on reopening the app"] {
        if when == "on reopening the app" {
            phone.client.refresh().await?;
            wait_screen(&phone, "pass").await?;
        }
        let layout = parent::pass_layout(&phone).await?;
        step(&format!(
            "the pass on the phone's screen {when}: {layout:?}"
        ));
        assert!(
            layout.viewport
                == [
                    f64::from(WindowSize::PHONE.width),
                    f64::from(WindowSize::PHONE.height)
                ],
            "a phone's viewport: {layout:?}"
        );
        assert!(
            layout.qr_fully_visible(),
            "{when}, the whole QR code is on screen and clear of the tab bar: {layout:?}"
        );
        assert!(
            layout.scroll_width <= layout.viewport[0],
            "{when}, the page does not scroll sideways: {layout:?}"
        );
        // A shorter phone than this one would cut the QR off otherwise.
        assert_eq!(
            layout.scroll_y, 0.0,
            "{when}, the pass opens at its top: {layout:?}"
        );
    }

    step("reading the QR code the phone draws");
    let shown = parent::displayed_qr_text(&phone).await?;
    assert_eq!(shown, text, "the QR code drawn holds the pass text");

    step("the kiosk of R01 scans the phone's QR code");
    let tablet = Browser::start(&[]).await?;
    kiosk::enrol(&tablet, &relay, RoomId(1)).await?;
    kiosk::check_in(&tablet, &shown).await?;

    step("the visit appears in the parent's history");
    go(&phone, "history").await?;
    wait_screen(&phone, "history").await?;
    let today = hiroba_tests::now().jst_date().to_string();
    let row = format!(".visit[data-room=R01][data-date=\"{today}\"]");
    poll("the visit in #history", PROJECTION, || async {
        if phone.client.find(Locator::Css(&row)).await.is_ok() {
            return Ok(Some(()));
        }
        // As a person would: pull the latest with the refresh button.
        if let Ok(button) = phone.client.find(Locator::Css("#history-refresh")).await
            && button.is_enabled().await?
        {
            button.click().await?;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        Ok(None)
    })
    .await?;
    let count = phone.attr("#history", "data-count").await?;
    assert_eq!(count.as_deref(), Some("1"), "one visit, shown once");

    step("an administrator revokes the pass; the app says so and drops it");
    let staff = parent::staff_token(&phone).await?;
    let (_, found) = fetch_json(
        &phone,
        "POST",
        "/api/staff/families/search",
        Some(&staff),
        Some(json!({ "q": login_id })),
    )
    .await?;
    let family_id = found["families"][0]["family_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let (_, family) = fetch_json(
        &phone,
        "GET",
        &format!("/api/staff/families/{family_id}"),
        Some(&staff),
        None,
    )
    .await?;
    let pass_id = family["pass"]["pass_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let (status, body) = fetch_json(
        &phone,
        "POST",
        &format!("/api/staff/families/{family_id}/passes/{pass_id}/revoke"),
        Some(&staff),
        None,
    )
    .await?;
    assert_eq!(status, 200, "revoke: {body}");
    go(&phone, "pass").await?;
    phone.client.refresh().await?;
    wait_screen(&phone, "pass").await?;
    poll("the app to say the pass was revoked", WAIT, || async {
        Ok(phone.client.find(Locator::Css("#pass-revoked")).await.ok())
    })
    .await?;
    assert!(
        phone.client.find(Locator::Css("#pass-text")).await.is_err(),
        "no QR any more"
    );
    assert_eq!(
        stored(&phone, "hiroba.parent.pass").await?,
        Value::Null,
        "the cached pass is dropped"
    );

    step("logging out forgets the family on the phone");
    click(&phone, "#tab-settings").await?;
    wait_screen(&phone, "settings").await?;
    click(&phone, "#logout").await?;
    wait_screen(&phone, "login").await?;
    let keys = phone
        .client
        .execute("return Object.keys(localStorage).filter((k) => k.startsWith('hiroba.parent.')).sort();", vec![])
        .await?;
    assert_eq!(
        keys,
        json!(["hiroba.parent.config", "hiroba.parent.lang"]),
        "only the city and the language stay"
    );

    tablet.close().await?;
    phone.close().await?;
    relay.stop().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pass_history_and_notices_show_with_the_relay_down() -> anyhow::Result<()> {
    let relay = TestRelay::start(true).await?;
    let phone = Browser::start(&[]).await?;
    let (_, _, text) = parent::family_with_pass(&phone, &relay, "電波 花子").await?;
    step("an emergency closure is published for R01; the family visits once");
    parent::publish_emergency(&relay, "typhoon-closure", RoomId(1))?;
    let tablet = Browser::start(&[]).await?;
    kiosk::enrol(&tablet, &relay, RoomId(1)).await?;
    kiosk::check_in(&tablet, &text).await?;
    tablet.close().await?;
    go(&phone, "history").await?;
    wait_screen(&phone, "history").await?;
    poll("the visit in #history", PROJECTION, || async {
        if phone.attr("#history", "data-count").await?.as_deref() == Some("1") {
            return Ok(Some(()));
        }
        if let Ok(button) = phone.client.find(Locator::Css("#history-refresh")).await
            && button.is_enabled().await?
        {
            button.click().await?;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        Ok(None)
    })
    .await?;

    step("the emergency notice tops the inbox and shows as a banner");
    go(&phone, "notices").await?;
    wait_screen(&phone, "notices").await?;
    // The demo's R01 newsletter and the course for ages 1–3 apply to this
    // family (a child of about two); the course for babies does not.
    let notices = wait_count(
        &phone,
        "#notices",
        "data-count",
        "three notices",
        WAIT,
        |n| n == 3,
    )
    .await?;
    assert_eq!(
        phone.attr(".notice", "data-emergency").await?.as_deref(),
        Some("true"),
        "the emergency notice comes first"
    );
    assert!(
        phone.client.find(Locator::Css("#emergency")).await.is_ok(),
        "banner on the inbox"
    );
    go(&phone, "pass").await?;
    wait_screen(&phone, "pass").await?;
    assert!(
        phone.client.find(Locator::Css("#emergency")).await.is_ok(),
        "banner on the pass"
    );
    parent::wait_controlled(&phone).await?;

    step("the relay goes down; the guardian reopens the app");
    let stopped = relay.stop_for_outage().await?;
    phone.client.refresh().await?;
    wait_screen(&phone, "pass").await?;
    assert_eq!(
        parent::pass_text(&phone).await?,
        text,
        "the same pass, offline"
    );
    wait_attr(&phone, "#parent", "data-online", "false").await?;
    assert!(
        phone.client.find(Locator::Css("#pass-saved")).await.is_ok(),
        "says it is the saved copy"
    );
    assert!(
        phone
            .client
            .find(Locator::Css("#pass-qr svg"))
            .await
            .is_ok()
    );
    assert!(
        phone.client.find(Locator::Css("#emergency")).await.is_ok(),
        "the banner, offline"
    );

    go(&phone, "notices").await?;
    wait_screen(&phone, "notices").await?;
    assert_eq!(
        phone.attr("#notices", "data-count").await?,
        Some(notices.to_string()),
        "notices kept"
    );
    go(&phone, "history").await?;
    wait_screen(&phone, "history").await?;
    assert_eq!(
        phone.attr("#history", "data-count").await?.as_deref(),
        Some("1"),
        "history kept"
    );
    assert!(
        phone
            .client
            .find(Locator::Css(".visit[data-room=R01]"))
            .await
            .is_ok()
    );

    phone.close().await?;
    stopped.start().await?.stop().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_is_installable() -> anyhow::Result<()> {
    let relay = TestRelay::start(true).await?;
    let phone = Browser::start(&[]).await?;
    parent::open(&phone, &relay, "login").await?;
    wait_screen(&phone, "login").await?;

    step("checking the manifest and its icons");
    let (status, manifest) =
        fetch_json(&phone, "GET", "/parent/manifest.webmanifest", None, None).await?;
    assert_eq!(status, 200);
    for (field, want) in [
        ("display", "standalone"),
        ("start_url", "./"),
        ("scope", "./"),
        ("lang", "ja"),
    ] {
        assert_eq!(manifest[field], json!(want), "manifest {field}: {manifest}");
    }
    for field in ["name", "short_name", "theme_color", "background_color"] {
        assert!(
            manifest[field].as_str().is_some_and(|s| !s.is_empty()),
            "manifest {field}: {manifest}"
        );
    }
    let icons = manifest["icons"].as_array().cloned().unwrap_or_default();
    let mut sizes = Vec::new();
    for icon in &icons {
        let src = icon["src"].as_str().unwrap_or_default();
        let declared = icon["sizes"].as_str().unwrap_or_default().to_owned();
        let real = phone
            .client
            .execute_async(
                r#"const [src, done] = arguments;
                fetch(src).then(async (r) => {
                  const type = r.headers.get('content-type');
                  const bitmap = await createImageBitmap(await r.blob());
                  done({ status: r.status, type, size: bitmap.width + 'x' + bitmap.height });
                }).catch((e) => done({ status: 0, type: String(e), size: '' }));"#,
                vec![json!(format!("/parent/{src}"))],
            )
            .await?;
        assert_eq!(real["status"], json!(200), "{src}: {real}");
        assert_eq!(real["type"], json!("image/png"), "{src}: {real}");
        assert_eq!(
            real["size"],
            json!(declared),
            "{src} is the size it declares"
        );
        sizes.push((
            declared,
            icon["purpose"].as_str().unwrap_or("any").to_owned(),
        ));
    }
    for want in ["192x192", "512x512"] {
        assert!(
            sizes.iter().any(|(s, p)| s == want && p == "any"),
            "an icon {want}: {sizes:?}"
        );
        assert!(
            sizes.iter().any(|(s, p)| s == want && p == "maskable"),
            "a maskable {want}"
        );
    }

    step("the service worker controls the page, also after a reload");
    parent::wait_controlled(&phone).await?;
    phone.client.refresh().await?;
    wait_screen(&phone, "login").await?;
    parent::wait_controlled(&phone).await?;

    step("asking Chromium whether the app is installable");
    let errors = poll("Chromium's installability check", WAIT, || async {
        let errors = parent::installability_errors(&phone).await?;
        Ok(errors.is_array().then_some(errors))
    })
    .await?;
    assert_eq!(errors, json!([]), "Chromium's installability errors");

    // The same check is live: the kiosk page, which has no manifest, fails it.
    phone.client.goto(&relay.url("/kiosk/")).await?;
    let kiosk_errors = poll(
        "Chromium's check of a page without a manifest",
        WAIT,
        || async {
            let errors = parent::installability_errors(&phone).await?;
            Ok(errors.as_array().filter(|e| !e.is_empty()).cloned())
        },
    )
    .await?;
    assert!(!kiosk_errors.is_empty());

    phone.close().await?;
    relay.stop().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_newborn_is_added_after_staff_approve_and_the_pass_is_reissued() -> anyhow::Result<()> {
    let relay = TestRelay::start(true).await?;
    let phone = Browser::start(&[]).await?;
    let (_, _, old_text) = parent::family_with_pass(&phone, &relay, "追加 花子").await?;
    let old_serial: u64 = phone
        .attr("#pass-text", "data-serial")
        .await?
        .and_then(|s| s.parse().ok())
        .unwrap_or_default();

    step("requesting to add a newborn");
    go(&phone, "children").await?;
    wait_screen(&phone, "children").await?;
    wait_count(&phone, "#children", "data-count", "one child", WAIT, |n| {
        n == 1
    })
    .await?;
    let birth = hiroba_tests::now().jst_date().add_days(-20).to_string();
    fill(&phone, "#child-name", "広場 花").await?;
    fill(&phone, "#child-kana", "ひろば はな").await?;
    fill(&phone, "#child-birth", &birth).await?;
    click(&phone, "#child-submit").await?;
    wait_attr(&phone, ".child-request", "data-status", "pending").await?;

    step("staff approve the request");
    let staff = parent::staff_token(&phone).await?;
    let (status, list) = fetch_json(
        &phone,
        "GET",
        "/api/staff/child-requests?status=pending",
        Some(&staff),
        None,
    )
    .await?;
    assert_eq!(status, 200, "{list}");
    let request = find_request(&list, "広場 花")
        .ok_or_else(|| anyhow::anyhow!("the request in the staff list: {list}"))?;
    let (status, body) = fetch_json(
        &phone,
        "POST",
        &format!("/api/staff/child-requests/{request}/approve"),
        Some(&staff),
        None,
    )
    .await?;
    assert_eq!(status, 200, "approve: {body}");

    step("the app shows the child and the new pass");
    phone.client.refresh().await?;
    wait_screen(&phone, "children").await?;
    wait_count(
        &phone,
        "#children",
        "data-count",
        "two children",
        WAIT,
        |n| n == 2,
    )
    .await?;
    wait_attr(&phone, ".child-request", "data-status", "approved").await?;
    go(&phone, "pass").await?;
    wait_screen(&phone, "pass").await?;
    let serial = wait_count(
        &phone,
        "#pass-text",
        "data-serial",
        "a reissued pass",
        WAIT,
        |n| n > old_serial,
    )
    .await?;
    let new_text = parent::pass_text(&phone).await?;
    assert_ne!(
        new_text, old_text,
        "the pass was reissued (serial {serial})"
    );

    step("the course for babies now reaches the family too");
    go(&phone, "notices").await?;
    wait_screen(&phone, "notices").await?;
    wait_count(
        &phone,
        "#notices",
        "data-count",
        "the baby course among the notices",
        WAIT,
        |n| n == 3,
    )
    .await?;

    step("a session the relay ended sends the guardian back to the login, with a word");
    let session = stored(&phone, "hiroba.parent.session").await?;
    let session: Value = serde_json::from_str(session.as_str().unwrap_or("{}"))?;
    let token = session["token"].as_str().unwrap_or_default().to_owned();
    let (status, _) = fetch_json(&phone, "POST", "/api/logout", Some(&token), None).await?;
    assert_eq!(status, 200);
    phone.client.refresh().await?;
    wait_screen(&phone, "login").await?;
    let flash = phone.text("#login-flash").await?.unwrap_or_default();
    assert!(flash.contains("ログイン"), "says why: {flash}");
    assert_eq!(
        stored(&phone, "hiroba.parent.pass").await?,
        Value::Null,
        "nothing of the family stays"
    );

    phone.close().await?;
    relay.stop().await
}

/// The value the app stored under `key` in `localStorage` (null if none).
async fn stored(phone: &Browser, key: &str) -> anyhow::Result<Value> {
    Ok(phone
        .client
        .execute(
            "return localStorage.getItem(arguments[0]);",
            vec![json!(key)],
        )
        .await?)
}

/// The request id of the child request for `name` in the staff list.
fn find_request(list: &Value, name: &str) -> Option<String> {
    let requests = list
        .get("child_requests")
        .or_else(|| list.get("requests"))
        .and_then(Value::as_array)?;
    requests
        .iter()
        .find(|r| r["name"] == json!(name))
        .and_then(|r| r["request_id"].as_str())
        .map(str::to_owned)
}

/// How many applications of `guardian` the relay holds.
async fn applications_of(phone: &Browser, staff: &str, guardian: &str) -> anyhow::Result<usize> {
    let (status, list) = fetch_json(
        phone,
        "GET",
        "/api/staff/applications?status=all",
        Some(staff),
        None,
    )
    .await?;
    anyhow::ensure!(status == 200, "applications: {status} {list}");
    Ok(list["applications"]
        .as_array()
        .map(|apps| {
            apps.iter()
                .filter(|a| a["guardians"][0]["name"] == json!(guardian))
                .count()
        })
        .unwrap_or_default())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_form_explains_bad_fields_and_a_retry_applies_once() -> anyhow::Result<()> {
    let relay = TestRelay::start(true).await?;
    let phone = Browser::start(&[]).await?;
    let guardian = "検証 花子";
    parent::open(&phone, &relay, "apply").await?;
    let staff = parent::staff_token(&phone).await?;

    step("the skip link moves to the content and keeps the half-typed form");
    wait_screen(&phone, "apply").await?;
    fill(&phone, "#apply-guardian-0-name", guardian).await?;
    // As a keyboard user does: the link shows when focused, Enter follows it.
    phone
        .client
        .execute(
            "document.querySelector('.skip-link').focus(); return true;",
            vec![],
        )
        .await?;
    phone
        .client
        .find(Locator::Css(".skip-link"))
        .await?
        .send_keys(&char::from(Key::Enter).to_string())
        .await?;
    poll("the focus on the main region", WAIT, || async {
        let id = phone
            .client
            .execute(
                "return document.activeElement && document.activeElement.id;",
                vec![],
            )
            .await?;
        Ok((id == json!("main")).then_some(()))
    })
    .await?;
    let hash = phone
        .client
        .execute("return location.hash;", vec![])
        .await?;
    assert_eq!(hash, json!("#/apply"), "the route stays");
    wait_screen(&phone, "apply").await?;
    let typed = phone
        .client
        .find(Locator::Css("#apply-guardian-0-name"))
        .await?
        .prop("value")
        .await?;
    assert_eq!(typed.as_deref(), Some(guardian), "the typed name is kept");

    step("a bad phone number and birth date are explained at their fields");
    let mut bad = Applicant::new(guardian);
    bad.phone = "12345".to_owned();
    bad.birth = "2024-13-40".to_owned();
    parent::fill_application(&phone, &bad).await?;
    click(&phone, "#apply-submit").await?;
    let phone_error = poll("the phone field's message", WAIT, || async {
        parent::field_error(&phone, "phone").await
    })
    .await?;
    assert!(
        phone_error.contains("電話番号"),
        "Japanese message at the phone: {phone_error}"
    );
    let birth_error = parent::field_error(&phone, "children[0].birth_date")
        .await?
        .unwrap_or_default();
    assert!(
        birth_error.contains("生年月日"),
        "Japanese message at the birth date: {birth_error}"
    );
    assert_eq!(
        parent::field_error(&phone, "address").await?,
        None,
        "no message at a good field"
    );
    click(&phone, "#lang-switch").await?;
    let english = poll("the message in English", WAIT, || async {
        Ok(parent::field_error(&phone, "phone")
            .await?
            .filter(|t| t.contains("phone number")))
    })
    .await?;
    assert!(!english.is_empty());
    assert_eq!(
        stored(&phone, "hiroba.parent.lang").await?,
        json!("en"),
        "the language is kept"
    );
    click(&phone, "#lang-switch").await?;
    poll("the message in Japanese again", WAIT, || async {
        Ok(parent::field_error(&phone, "phone")
            .await?
            .filter(|t| t.contains("電話番号")))
    })
    .await?;
    wait_screen(&phone, "apply").await?;
    assert_eq!(
        applications_of(&phone, &staff, guardian).await?,
        0,
        "nothing was submitted"
    );

    step("the first send's answer is lost on the way back; the retry reuses the submission id");
    fill(&phone, "#apply-phone", "090-1234-5678").await?;
    fill(&phone, "#apply-child-0-birth", "2024-08-15").await?;
    phone
        .client
        .execute(
            r#"const original = window.fetch; let lost = false;
            window.fetch = async (...args) => {
              const answer = await original.apply(window, args);
              if (!lost && String(args[0]).includes('/api/applications')) {
                lost = true;
                throw new TypeError('Failed to fetch');
              }
              return answer;
            };
            return true;"#,
            vec![],
        )
        .await?;
    click(&phone, "#apply-submit").await?;
    poll("the network error to show", WAIT, || async {
        Ok(phone
            .text(".form-error")
            .await?
            .filter(|t| t.contains("接続")))
    })
    .await?;
    assert_eq!(
        applications_of(&phone, &staff, guardian).await?,
        1,
        "the lost send did reach the relay"
    );
    step("the retry carries a correction; the app says the first one stands");
    fill(&phone, "#apply-address", "ひろば市中央9-9-9").await?;
    let receipt = parent::submit_application(&phone).await?;
    assert_eq!(
        applications_of(&phone, &staff, guardian).await?,
        1,
        "the retry made no second application"
    );
    let note = phone.text("#apply-duplicate").await?.unwrap_or_default();
    assert!(
        note.contains(&receipt) && note.contains("すでに受け付け") && note.contains("職員"),
        "the already-received note, in Japanese: {note}"
    );
    click(&phone, "#lang-switch").await?;
    let english = poll("the note in English", WAIT, || async {
        Ok(phone
            .text("#apply-duplicate")
            .await?
            .filter(|t| t.contains("already been received")))
    })
    .await?;
    assert!(
        english.contains(&receipt) && english.contains("staff"),
        "{english}"
    );
    click(&phone, "#lang-switch").await?;
    let (_, list) = fetch_json(
        &phone,
        "GET",
        "/api/staff/applications?status=all",
        Some(&staff),
        None,
    )
    .await?;
    assert!(
        list.to_string().contains(&receipt),
        "the receipt shown is the stored one"
    );

    phone.close().await?;
    relay.stop().await
}
