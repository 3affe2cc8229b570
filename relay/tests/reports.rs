//! Usage reports (利用者実績表) from a real relay on `127.0.0.1:0` over real
//! sled files: kiosks and staff write check-ins, check-outs, a duplicate
//! check-in on a second kiosk and paper slips through the real sync
//! endpoint; then the report endpoints answer over HTTP, and the JSON
//! numbers, the CSV rows and the XLSX cells (read back with calamine) are
//! exactly what those visits make, in the right age brackets.

use std::collections::BTreeMap;
use std::io::Cursor;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use automerge::ActorId;
use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use hiroba_engine::attendance::{
    CheckIn, EventId, Slip, Source, VisitId, close_day, record_check_in, record_check_out,
    record_slip,
};
use hiroba_engine::calendar::{Date, Timestamp, YearMonth};
use hiroba_engine::ids::{DocId, PassId, RoomId};
use hiroba_relay::RelayState;
use hiroba_relay::auth::{Identity, Sessions};
use hiroba_relay::sync::client::{Availability, SyncClient};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::oneshot;

const WAIT: Duration = Duration::from_secs(10);

struct Relay {
    addr: SocketAddr,
    state: Arc<RelayState>,
    _stop: oneshot::Sender<()>,
    _dir: tempfile::TempDir,
}

async fn start() -> Relay {
    let dir = tempfile::tempdir().expect("temp dir");
    let options = hiroba_relay::Options {
        data_dir: dir.path().to_owned(),
        web_dir: None,
        demo: true,
    };
    let state =
        hiroba_relay::open(&options, hiroba_relay::accounts::system_now()).expect("open relay");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop, stopped) = oneshot::channel::<()>();
    let served = state.clone();
    tokio::spawn(async move {
        let shutdown = async {
            let _ = stopped.await;
        };
        let _ = hiroba_relay::serve(listener, served, shutdown).await;
    });
    Relay {
        addr,
        state,
        _stop: stop,
        _dir: dir,
    }
}

/// An HTTP answer: status, headers (names lower case) and the raw body.
struct Answer {
    status: u16,
    headers: BTreeMap<String, String>,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    fn header(&self, name: &str) -> &str {
        self.headers.get(name).map_or("", String::as_str)
    }
}

impl Relay {
    /// One HTTP/1.1 request over a fresh connection to the served relay.
    async fn call(&self, method: &str, path: &str, token: Option<&str>, body: &str) -> Answer {
        let mut stream = tokio::net::TcpStream::connect(self.addr)
            .await
            .expect("connect");
        let auth = token
            .map(|t| format!("authorization: Bearer {t}\r\n"))
            .unwrap_or_default();
        let request = format!(
            "{method} {path} HTTP/1.1\r\nhost: {}\r\n{auth}content-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            self.addr,
            body.len()
        );
        stream.write_all(request.as_bytes()).await.expect("write");
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).await.expect("read");
        let split = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("an http response");
        let head = String::from_utf8_lossy(&raw[..split]).into_owned();
        let body = raw[split + 4..].to_vec();
        let mut lines = head.split("\r\n");
        let status = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|s| s.parse().ok())
            .expect("status");
        let headers: BTreeMap<String, String> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        assert!(
            !headers
                .get("transfer-encoding")
                .is_some_and(|v| v.contains("chunked")),
            "this little client reads only sized bodies"
        );
        Answer {
            status,
            headers,
            body,
        }
    }

    async fn get(&self, path: &str, token: Option<&str>) -> Answer {
        self.call("GET", path, token, "").await
    }

    async fn login(&self, login_id: &str, password: &str) -> String {
        let body = json!({ "login_id": login_id, "password": password }).to_string();
        let answer = self.call("POST", "/api/staff/login", None, &body).await;
        assert_eq!(answer.status, 200, "{}", answer.json());
        answer.json()["token"].as_str().expect("token").to_owned()
    }

    /// A kiosk of `room` with a session, as pairing would give it.
    fn kiosk_token(&self, device: &str, room: RoomId, n: u8) -> String {
        Sessions::open(&self.state.store)
            .expect("sessions")
            .create(
                &Identity::Kiosk {
                    device: device.to_owned(),
                    room,
                },
                hiroba_relay::accounts::system_now(),
                3600,
                [n; 32],
            )
            .expect("session")
    }

    async fn client(&self, token: &str, n: u8) -> SyncClient {
        SyncClient::connect(
            self.addr,
            Some(token),
            ActorId::from([n; 16]),
            &format!("device-{n}"),
        )
        .await
        .expect("connect and join")
    }
}

fn date(s: &str) -> Date {
    s.parse().expect("date")
}

fn ym(s: &str) -> YearMonth {
    s.parse().expect("year-month")
}

fn at(day: &str, h: u32, m: u32) -> Timestamp {
    Timestamp::from_jst(date(day), h, m)
}

fn check_in(pass: u8, source: Source, children: &[&str], guardians: u8, at: Timestamp) -> CheckIn {
    CheckIn {
        pass: PassId([pass; 8]),
        source,
        children: children.iter().map(|m| ym(m)).collect(),
        guardians,
        at,
    }
}

fn slip(children: [u16; 7], guardians: u8, at: Timestamp, left_at: Option<Timestamp>) -> Slip {
    Slip {
        at,
        left_at,
        guardians,
        children,
        contact: None,
    }
}

/// Writes with `write` into `doc` of `client` and syncs it to the relay,
/// which answers only once the change is on disk.
async fn write_and_sync(
    client: &mut SyncClient,
    doc: &DocId,
    write: impl FnOnce(&mut automerge::AutoCommit),
) {
    write(client.docs.doc_mut(doc));
    let synced = client.sync_doc(doc, WAIT).await.expect("sync");
    assert_eq!(synced, Availability::Synced, "{doc}");
}

/// The visits every report below is checked against.
///
/// R01, 2026-11-24 (kiosk 1 unless said otherwise):
/// * pass 1 (app): twins born 2026-03 (0歳 ×2) and a child born 2024-06
///   (2歳), one guardian, 10:05–11:35 (90 min); kiosk 2 also checked the
///   family in at 10:07 while offline: the same stay, counted once;
/// * pass 2 (card): a child born 2018-01 (小学生, 3rd grade), alone,
///   13:10–14:10 (60 min);
/// * a slip: 1歳 ×1, 4歳以上の未就学児 ×2, two guardians, 10:40–12:10 (90 min);
/// * a slip: 3歳 ×1, 中学生 ×1, one guardian, from 15:20, closed at 16:00
///   (40 min, flagged).
///
/// R01, 2026-11-25: a slip, 2歳 ×1, one guardian, 11:00–11:30 (30 min).
/// R01, 2026-10-31: a slip (another month: never in November's numbers).
/// R02, 2026-11-24 (written by the administrator's staff browser): pass 3
/// (app), a child born 2023-01 (3歳), one guardian, 9:45–10:15 (30 min).
async fn record_visits(relay: &Relay, admin: &str) {
    let r01 = RoomId(1);
    let day = DocId::attendance(r01, date("2026-11-24"));
    let next_day = DocId::attendance(r01, date("2026-11-25"));
    let october = DocId::attendance(r01, date("2026-10-31"));
    let r02_day = DocId::attendance(RoomId(2), date("2026-11-24"));
    let d = "2026-11-24";

    let mut kiosk = relay.client(&relay.kiosk_token("kiosk-1", r01, 1), 1).await;
    write_and_sync(&mut kiosk, &day, |doc| {
        let visits = [
            check_in(
                1,
                Source::AppPass,
                &["2026-03", "2026-03", "2024-06"],
                1,
                at(d, 10, 5),
            ),
            check_in(2, Source::PrintedCard, &["2018-01"], 0, at(d, 13, 10)),
        ];
        for (i, visit) in visits.iter().enumerate() {
            record_check_in(doc, &VisitId::from_random(&[i as u8 + 1; 16]), visit)
                .expect("check in");
        }
        record_slip(
            doc,
            &VisitId::from_random(&[11; 16]),
            &slip([0, 1, 0, 0, 2, 0, 0], 2, at(d, 10, 40), Some(at(d, 12, 10))),
        )
        .expect("slip");
    })
    .await;

    // A second kiosk, offline at the time, checked family 1 in again.
    let mut second = relay.client(&relay.kiosk_token("kiosk-2", r01, 2), 2).await;
    write_and_sync(&mut second, &day, |doc| {
        let again = check_in(
            1,
            Source::AppPass,
            &["2026-03", "2026-03", "2024-06"],
            1,
            at(d, 10, 7),
        );
        record_check_in(doc, &VisitId::from_random(&[21; 16]), &again).expect("check in");
    })
    .await;
    second.close().await;

    // Back on kiosk 1: the check-outs (one closes the stay kiosk 2 joined),
    // a late slip and the closing.
    write_and_sync(&mut kiosk, &day, |doc| {
        record_check_out(
            doc,
            &EventId::from_random(&[31; 16]),
            PassId([1; 8]),
            at(d, 11, 35),
        )
        .expect("check out");
        record_check_out(
            doc,
            &EventId::from_random(&[32; 16]),
            PassId([2; 8]),
            at(d, 14, 10),
        )
        .expect("check out");
        record_slip(
            doc,
            &VisitId::from_random(&[12; 16]),
            &slip([0, 0, 0, 1, 0, 0, 1], 1, at(d, 15, 20), None),
        )
        .expect("slip");
        close_day(doc, at(d, 16, 0)).expect("close");
    })
    .await;
    write_and_sync(&mut kiosk, &next_day, |doc| {
        let e = "2026-11-25";
        let s = slip([0, 0, 1, 0, 0, 0, 0], 1, at(e, 11, 0), Some(at(e, 11, 30)));
        record_slip(doc, &VisitId::from_random(&[13; 16]), &s).expect("slip");
    })
    .await;
    write_and_sync(&mut kiosk, &october, |doc| {
        let o = "2026-10-31";
        let s = slip([0, 5, 0, 0, 0, 0, 0], 3, at(o, 10, 0), Some(at(o, 11, 0)));
        record_slip(doc, &VisitId::from_random(&[14; 16]), &s).expect("slip");
    })
    .await;
    kiosk.close().await;

    let mut staff_pc = relay.client(admin, 3).await;
    write_and_sync(&mut staff_pc, &r02_day, |doc| {
        let c = check_in(3, Source::AppPass, &["2023-01"], 1, at(d, 9, 45));
        record_check_in(doc, &VisitId::from_random(&[41; 16]), &c).expect("check in");
        record_check_out(
            doc,
            &EventId::from_random(&[42; 16]),
            PassId([3; 8]),
            at(d, 10, 15),
        )
        .expect("check out");
    })
    .await;
    staff_pc.close().await;
}

fn hours(pairs: &[(usize, u32)]) -> Value {
    let mut h = [0u32; 24];
    for &(hour, n) in pairs {
        h[hour] = n;
    }
    json!(h)
}

/// Splits the engine's CSV (BOM, CRLF, no quoted cells in these reports).
fn csv_rows(body: &[u8]) -> Vec<Vec<String>> {
    let text = std::str::from_utf8(body).expect("utf-8");
    let text = text
        .strip_prefix('\u{feff}')
        .expect("a byte-order mark for Excel");
    text.split("\r\n")
        .filter(|l| !l.is_empty())
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect()
}

/// The cell of `column` in the row whose first two cells are `label`.
fn csv_cell<'a>(rows: &'a [Vec<String>], label: [&str; 2], column: &str) -> &'a str {
    let i = rows[0]
        .iter()
        .position(|h| h == column)
        .unwrap_or_else(|| panic!("no column {column}"));
    let row = rows
        .iter()
        .find(|r| r[0] == label[0] && r[1] == label[1])
        .unwrap_or_else(|| panic!("no row {label:?}"));
    &row[i]
}

/// The workbook's one sheet: its name and rows.
fn xlsx_rows(body: &[u8]) -> (String, Vec<Vec<Data>>) {
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(body.to_vec())).expect("a workbook");
    let names = book.sheet_names();
    assert_eq!(names.len(), 1);
    let range = book.worksheet_range(&names[0]).expect("the sheet");
    (
        names[0].clone(),
        range.rows().map(<[Data]>::to_vec).collect(),
    )
}

fn xlsx_cell<'a>(rows: &'a [Vec<Data>], label: [&str; 2], column: &str) -> &'a Data {
    let text = |d: &Data| match d {
        Data::String(s) => s.clone(),
        _ => String::new(),
    };
    let i = rows[0]
        .iter()
        .position(|h| text(h) == column)
        .unwrap_or_else(|| panic!("no column {column}"));
    let row = rows
        .iter()
        .find(|r| text(&r[0]) == label[0] && text(&r[1]) == label[1])
        .unwrap_or_else(|| panic!("no row {label:?}"));
    &row[i]
}

#[tokio::test]
async fn reports_count_synced_scans_and_slips_in_the_right_brackets() {
    let relay = start().await;
    let admin = relay.login("admin", "demo-admin-2026").await;
    let r01_staff = relay.login("r01-staff", "demo-staff-2026").await;
    record_visits(&relay, &admin).await;

    // R01's day, as its own staff see it.
    let answer = relay
        .get(
            "/api/staff/reports/daily?room=R01&date=2026-11-24",
            Some(&r01_staff),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.json());
    let report = answer.json();
    assert_eq!(
        (&report["kind"], &report["scope"]),
        (&json!("daily"), &json!("R01"))
    );
    assert_eq!(report["date"], "2026-11-24");
    assert_eq!(report["brackets"][4]["ja"], "4歳以上の未就学児");
    let t = &report["total"];
    assert_eq!(t["days_open"], 1);
    assert_eq!(t["groups"], 4, "the duplicate check-in joins its stay: {t}");
    assert_eq!(
        t["groups_by_source"],
        json!({ "app": 1, "card": 1, "slip": 2, "staff": 0 })
    );
    assert_eq!(
        (&t["scanned_groups"], &t["slip_groups"]),
        (&json!(2), &json!(2))
    );
    assert_eq!(t["children"], json!([2, 1, 1, 1, 2, 1, 1]));
    assert_eq!(
        (&t["children_total"], &t["adults"], &t["total_people"]),
        (&json!(9), &json!(4), &json!(13))
    );
    assert_eq!(t["visits_by_hour"], hours(&[(10, 2), (13, 1), (15, 1)]));
    // Stays of 40 (closed at 16:00), 60, 90 and 90 minutes.
    assert_eq!(t["median_stay_minutes"], 75);
    assert_eq!(t["closed_at_closing"], 1);
    assert_eq!(report["by_room"][0]["room"], "R01");
    assert_eq!(report["by_room"][0]["name_ja"], "中央こどもルーム");
    assert_eq!(report["by_room"][0]["tally"], *t);
    assert!(report.get("by_day").is_none());
    assert_eq!(report["unreadable"], json!([]));

    // The same day as CSV for Excel.
    let answer = relay
        .get(
            "/api/staff/reports/daily?room=R01&date=2026-11-24&format=csv",
            Some(&r01_staff),
        )
        .await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("content-type"), "text/csv; charset=utf-8");
    assert_eq!(
        answer.header("content-disposition"),
        "attachment; filename=\"hiroba-report-R01-2026-11-24.csv\""
    );
    let rows = csv_rows(&answer.body);
    assert_eq!(rows.len(), 2, "a header and the day");
    let day = ["R01", "2026-11-24"];
    for (column, want) in [
        ("開館日数", "1"),
        ("組数", "4"),
        ("アプリ(組)", "1"),
        ("カード(組)", "1"),
        ("用紙(組)", "2"),
        ("0歳", "2"),
        ("1歳", "1"),
        ("2歳", "1"),
        ("3歳", "1"),
        ("4歳以上の未就学児", "2"),
        ("小学生", "1"),
        ("中学生", "1"),
        ("子ども計", "9"),
        ("大人", "4"),
        ("延べ利用者数", "13"),
        ("滞在時間中央値(分)", "75"),
        ("閉館時退出", "1"),
        ("10時台(組)", "2"),
        ("15時台(組)", "1"),
    ] {
        assert_eq!(csv_cell(&rows, day, column), want, "{column}");
    }

    // R01's month as a workbook: a row per calendar day and a total.
    let answer = relay
        .get(
            "/api/staff/reports/monthly?room=R01&month=2026-11&format=xlsx",
            Some(&r01_staff),
        )
        .await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.header("content-type"),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert_eq!(
        answer.header("content-disposition"),
        "attachment; filename=\"hiroba-report-R01-2026-11.xlsx\""
    );
    let (sheet, rows) = xlsx_rows(&answer.body);
    assert_eq!(sheet, "2026-11");
    assert_eq!(rows.len(), 1 + 30 + 1);
    let n = |v: f64| Data::Float(v);
    for (label, column, want) in [
        (["R01", "2026-11-24"], "組数", n(4.0)),
        (["R01", "2026-11-24"], "0歳", n(2.0)),
        (["R01", "2026-11-24"], "4歳以上の未就学児", n(2.0)),
        (["R01", "2026-11-25"], "2歳", n(1.0)),
        (["R01", "2026-11-25"], "用紙(組)", n(1.0)),
        (["R01", "2026-11-01"], "組数", n(0.0)),
        (["R01", "合計"], "開館日数", n(2.0)),
        (["R01", "合計"], "組数", n(5.0)),
        (["R01", "合計"], "2歳", n(2.0)),
        (["R01", "合計"], "延べ利用者数", n(15.0)),
        (["R01", "合計"], "用紙(組)", n(3.0)),
        (["R01", "合計"], "滞在時間中央値(分)", n(60.0)),
    ] {
        assert_eq!(*xlsx_cell(&rows, label, column), want, "{label:?} {column}");
    }

    // The month as JSON: October's slip stays out; every day is listed.
    let answer = relay
        .get(
            "/api/staff/reports/monthly?room=R01&month=2026-11",
            Some(&r01_staff),
        )
        .await;
    assert_eq!(answer.status, 200);
    let report = answer.json();
    assert_eq!(report["month"], "2026-11");
    assert_eq!(report["total"]["groups"], 5);
    assert_eq!(report["total"]["children"], json!([2, 1, 2, 1, 2, 1, 1]));
    let days = report["by_day"].as_array().expect("by_day");
    assert_eq!(days.len(), 30);
    assert_eq!(days[0]["date"], "2026-11-01");
    assert_eq!(days[23]["tally"]["groups"], 4);
    assert_eq!(days[24]["tally"]["groups"], 1);
    let october = relay
        .get(
            "/api/staff/reports/monthly?room=R01&month=2026-10",
            Some(&r01_staff),
        )
        .await
        .json();
    assert_eq!(october["total"]["children"], json!([0, 5, 0, 0, 0, 0, 0]));

    // City-wide: the administrator sees every room, and R02 adds in. The
    // report reads stored documents one by one and loads none into the hub.
    let loaded = relay.state.sync.loaded_documents();
    let answer = relay
        .get(
            "/api/staff/reports/daily?room=all&date=2026-11-24",
            Some(&admin),
        )
        .await;
    assert_eq!(relay.state.sync.loaded_documents(), loaded);
    assert_eq!(answer.status, 200, "{}", answer.json());
    let city = answer.json();
    assert_eq!(city["scope"], "all");
    let rooms = city["by_room"].as_array().expect("by_room");
    assert_eq!(rooms.len(), 11);
    assert_eq!(rooms[1]["room"], "R02");
    assert_eq!(rooms[1]["tally"]["children"], json!([0, 0, 0, 1, 0, 0, 0]));
    assert_eq!(rooms[2]["tally"]["groups"], 0);
    let t = &city["total"];
    assert_eq!((&t["days_open"], &t["groups"]), (&json!(2), &json!(5)));
    assert_eq!(t["children"], json!([2, 1, 1, 2, 2, 1, 1]));
    assert_eq!(
        t["visits_by_hour"],
        hours(&[(9, 1), (10, 2), (13, 1), (15, 1)])
    );

    let answer = relay
        .get(
            "/api/staff/reports/monthly?room=all&month=2026-11&format=csv",
            Some(&admin),
        )
        .await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.header("content-disposition"),
        "attachment; filename=\"hiroba-report-all-2026-11.csv\""
    );
    let rows = csv_rows(&answer.body);
    assert_eq!(rows.len(), 1 + 11 + 1);
    assert_eq!(csv_cell(&rows, ["R01", "2026-11"], "組数"), "5");
    assert_eq!(csv_cell(&rows, ["R02", "2026-11"], "3歳"), "1");
    assert_eq!(csv_cell(&rows, ["全館合計", "2026-11"], "組数"), "6");
    assert_eq!(csv_cell(&rows, ["全館合計", "2026-11"], "開館日数"), "3");
    assert_eq!(
        csv_cell(&rows, ["全館合計", "2026-11"], "延べ利用者数"),
        "17"
    );

    let answer = relay
        .get(
            "/api/staff/reports/daily?room=all&date=2026-11-24&format=xlsx",
            Some(&admin),
        )
        .await;
    let (sheet, rows) = xlsx_rows(&answer.body);
    assert_eq!(sheet, "2026-11-24 全館");
    assert_eq!(*xlsx_cell(&rows, ["全館合計", "2026-11-24"], "3歳"), n(2.0));
    let city_month = relay
        .get(
            "/api/staff/reports/monthly?room=all&month=2026-11",
            Some(&admin),
        )
        .await
        .json();
    let days = city_month["by_day"].as_array().expect("by_day");
    assert_eq!(days[23]["tally"]["groups"], 5, "R01 and R02 on the 24th");
    assert_eq!(city_month["total"]["groups"], 6);
}

#[tokio::test]
async fn reports_refuse_other_rooms_and_explain_bad_queries() {
    let relay = start().await;
    let r01_staff = relay.login("r01-staff", "demo-staff-2026").await;
    let admin = relay.login("admin", "demo-admin-2026").await;

    let status = |a: &Answer| (a.status, a.json()["code"].as_str().unwrap_or("").to_owned());
    for path in [
        "/api/staff/reports/daily?room=R02&date=2026-11-24",
        "/api/staff/reports/daily?room=all&date=2026-11-24",
        "/api/staff/reports/monthly?room=R02&month=2026-11&format=csv",
        "/api/staff/reports/monthly?room=all&month=2026-11&format=xlsx",
    ] {
        let answer = relay.get(path, Some(&r01_staff)).await;
        assert_eq!(status(&answer), (403, "forbidden".to_owned()), "{path}");
    }
    let answer = relay
        .get(
            "/api/staff/reports/daily?room=R02&date=2026-11-24",
            Some(&admin),
        )
        .await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.json()["total"]["days_open"], 0, "nothing recorded");

    let answer = relay
        .get("/api/staff/reports/daily?room=R01&date=2026-11-24", None)
        .await;
    assert_eq!(status(&answer), (401, "unauthorized".to_owned()));

    // Damaged storage leaves that day out and says so, without failing the
    // rest of the report.
    let damaged = DocId::attendance(RoomId(3), date("2026-11-24"));
    relay
        .state
        .store
        .append_chunk(&damaged, b"not an automerge document")
        .expect("write");
    let answer = relay
        .get(
            "/api/staff/reports/monthly?room=all&month=2026-11",
            Some(&admin),
        )
        .await;
    assert_eq!(answer.status, 200);
    let report = answer.json();
    assert_eq!(report["unreadable"], json!(["attendance/R03/2026-11-24"]));
    assert_eq!(report["total"]["groups"], 0);
    let kiosk = relay.kiosk_token("kiosk-1", RoomId(1), 9);
    let answer = relay
        .get(
            "/api/staff/reports/daily?room=R01&date=2026-11-24",
            Some(&kiosk),
        )
        .await;
    assert_eq!(status(&answer), (403, "forbidden".to_owned()));

    for (path, fields) in [
        ("/api/staff/reports/daily", &["date", "room"][..]),
        (
            "/api/staff/reports/daily?room=R01&date=2026-02-30",
            &["date"],
        ),
        (
            "/api/staff/reports/daily?room=R99&date=2026-11-24&format=pdf",
            &["format", "room"],
        ),
        (
            "/api/staff/reports/monthly?room=R01&month=11-2026",
            &["month"],
        ),
    ] {
        let answer = relay.get(path, Some(&admin)).await;
        let body = answer.json();
        assert_eq!(status(&answer), (422, "invalid_input".to_owned()), "{path}");
        let named: Vec<&str> = body["fields"]
            .as_object()
            .map(|f| f.keys().map(String::as_str).collect())
            .unwrap_or_default();
        assert_eq!(named, fields, "{path}");
        for field in fields {
            assert!(
                body["fields"][field]["ja"]
                    .as_str()
                    .is_some_and(|s| !s.is_empty())
            );
        }
    }
}

/// LibreOffice's converter: `SOFFICE`, or Debian's `libreoffice-calc-nogui`
/// (which `cargo xtask test` installs).
fn soffice() -> std::path::PathBuf {
    let path = std::env::var_os("SOFFICE").map_or_else(
        || std::path::PathBuf::from("/usr/bin/soffice"),
        std::path::PathBuf::from,
    );
    assert!(
        path.exists(),
        "LibreOffice is needed to open the XLSX exports: install Debian's \
         libreoffice-calc-nogui (cargo xtask test does) or set SOFFICE"
    );
    path
}

/// The rows LibreOffice Calc reads from each XLSX in `files` (converted to
/// UTF-8 CSV in `dir`), in order.
fn libreoffice_rows(dir: &std::path::Path, files: &[std::path::PathBuf]) -> Vec<Vec<Vec<String>>> {
    // A profile of its own, so a desktop LibreOffice cannot interfere.
    let profile = dir.join("profile");
    let out = dir.join("csv");
    let status = std::process::Command::new(soffice())
        .arg(format!(
            "-env:UserInstallation=file://{}",
            profile.display()
        ))
        .args([
            "--headless",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76",
        ])
        .arg("--outdir")
        .arg(&out)
        .args(files)
        .stdout(std::process::Stdio::null())
        .status()
        .expect("soffice runs");
    assert!(
        status.success(),
        "soffice converted the workbooks: {status}"
    );
    files
        .iter()
        .map(|file| {
            let stem = file.file_stem().expect("a file name");
            let csv = out.join(stem).with_extension("csv");
            let text = std::fs::read_to_string(&csv).expect("LibreOffice's CSV");
            text.lines()
                .filter(|l| !l.is_empty())
                .map(|l| {
                    l.split(',')
                        .map(|c| c.trim_matches('"').to_owned())
                        .collect()
                })
                .collect()
        })
        .collect()
}

#[tokio::test]
async fn the_xlsx_opens_in_libreoffice_with_the_numbers_of_the_csv() {
    let relay = start().await;
    let admin = relay.login("admin", "demo-admin-2026").await;
    record_visits(&relay, &admin).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let reports = [
        "daily?room=R01&date=2026-11-24",
        "monthly?room=R01&month=2026-11",
        "monthly?room=all&month=2026-11",
    ];
    let mut files = Vec::new();
    let mut expected = Vec::new();
    for (i, report) in reports.iter().enumerate() {
        let csv = relay
            .get(
                &format!("/api/staff/reports/{report}&format=csv"),
                Some(&admin),
            )
            .await;
        let xlsx = relay
            .get(
                &format!("/api/staff/reports/{report}&format=xlsx"),
                Some(&admin),
            )
            .await;
        assert_eq!((csv.status, xlsx.status), (200, 200), "{report}");
        let file = dir.path().join(format!("report-{i}.xlsx"));
        std::fs::write(&file, &xlsx.body).expect("write the workbook");
        files.push(file);
        expected.push(csv_rows(&csv.body));
    }
    let opened = libreoffice_rows(dir.path(), &files);
    for ((report, csv), calc) in reports.iter().zip(&expected).zip(&opened) {
        assert!(csv.len() > 1, "{report} has rows");
        assert_eq!(calc, csv, "{report}: LibreOffice reads the CSV's cells");
    }
}
