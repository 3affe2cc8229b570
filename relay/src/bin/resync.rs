//! `resync`: the SPEC §6 benchmark "resync after a 30-day outage (2,000
//! visits, 2 kiosks) < 2 s on loopback". See `resync --help`.
//!
//! One room, two kiosks, thirty days without network. Each kiosk is an
//! engine [`DocSet`] with its own actor id, holding one attendance document
//! per open day, into which it recorded its share of the synthetic city's
//! visits for that room (`hiroba_engine::synth`, seed 7): check-ins,
//! check-outs (a quarter of the families check out on the *other* kiosk),
//! paper slips, a few families scanned on both kiosks, and each kiosk's own
//! closing of the day.
//!
//! The relay starts on a fresh data dir holding only the kiosks' sessions:
//! every day of the outage has its own document, created offline by the
//! kiosks, so the relay cannot have had any of them before the outage, and
//! documents from before the outage are not touched by the resync.
//!
//! The clock starts when the kiosks connect and stops when both kiosks hold
//! the merged heads of every day *and* their sync state says the relay
//! shares those heads (the relay answers only after flushing to disk). A
//! third connection then fetches every day from the relay to check that it
//! really holds them, and every day's merged `DayView` is compared across
//! kiosks and relay and counted. Traffic goes through a byte-counting proxy
//! on loopback, so the bytes each way include WebSocket framing. Every wait
//! has a deadline; only 127.0.0.1 is ever contacted.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail, ensure};
use automerge::{ActorId, AutoCommit, ChangeHash, ReadDoc, sync};
use hiroba_engine::attendance::{
    CheckIn, DayView, EventId, Slip, Source, VisitId, close_day, record_check_in, record_check_out,
    record_slip,
};
use hiroba_engine::calendar::{Date, Timestamp, bracket_of_year_month};
use hiroba_engine::ids::{DocId, PassId, RoomId};
use hiroba_engine::sync::{DocSet, PeerId};
use hiroba_engine::synth::{self, PlannedVisit};
use hiroba_relay::auth::{Identity, Sessions};
use hiroba_relay::store::Store;
use hiroba_relay::sync::client::{Availability, ClientError, SyncClient};
use tokio::io::AsyncBufReadExt;
use tokio::net::{TcpListener, TcpStream};

const USAGE: &str = "\
resync — two kiosks back from a 30-day outage sync through a relay on loopback

USAGE: resync [--runs N] [--seed N]

  --runs N   fresh relay data dir and kiosks per run (default 5)
  --seed N   synthetic city seed (default 7, as in BENCHMARKS.md)

Starts the relay binary next to this one on 127.0.0.1 and prints, per run
and over the runs, the time from connect until both kiosks and the relay
hold identical heads for every day, and the bytes sent each way.
";

/// The room: R01 is the busiest room of the synthetic city.
const ROOM: RoomId = RoomId(1);
/// The outage: 30 days of the busiest month (March 2025).
const FIRST_DAY: &str = "2025-03-01";
const OUTAGE_DAYS: i64 = 30;
/// Everything must converge well before this, or the run fails.
const DEADLINE: Duration = Duration::from_secs(60);
/// How long one round of waiting for pushes lasts before the kiosk
/// restarts the exchange for the days still behind.
const ROUND: Duration = Duration::from_millis(500);

struct Args {
    runs: usize,
    seed: u64,
}

fn parse_args() -> anyhow::Result<Args> {
    let mut args = Args { runs: 5, seed: 7 };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| -> anyhow::Result<u64> {
            let v = it.next().with_context(|| format!("{name} needs a value"))?;
            v.parse()
                .with_context(|| format!("{name} {v:?} is not a number"))
        };
        match arg.as_str() {
            "--runs" => args.runs = usize::try_from(value("--runs")?)?.clamp(1, 50),
            "--seed" => args.seed = value("--seed")?,
            "-h" | "--help" => {
                print!("{USAGE}");
                std::process::exit(0);
            }
            other => bail!("unknown argument {other:?}\n\n{USAGE}"),
        }
    }
    Ok(args)
}

/// One planned day of the room.
struct Day {
    doc: DocId,
    visits: Vec<PlannedVisit>,
}

/// What the merged days must add up to.
struct Expected {
    days: usize,
    stays: usize,
    people: u32,
    /// The heads of each day with both kiosks' changes merged, computed
    /// offline before the clock starts.
    heads: BTreeMap<DocId, Heads>,
}

fn plan(seed: u64) -> anyhow::Result<Vec<Day>> {
    let year = synth::city_year(seed);
    let first: Date = FIRST_DAY.parse()?;
    Ok((0..OUTAGE_DAYS)
        .map(|d| first.add_days(d))
        .map(|date| Day {
            doc: DocId::attendance(ROOM, date),
            visits: year.day(ROOM, date),
        })
        .filter(|day| !day.visits.is_empty())
        .collect())
}

/// An id from a visit's nonce and a tag, the same on every run.
fn id_bytes(nonce: u64, tag: u8) -> [u8; 16] {
    let mut bytes = [tag; 16];
    bytes[..8].copy_from_slice(&nonce.to_be_bytes());
    bytes
}

/// One fact a kiosk writes.
enum Fact<'a> {
    In(&'a PlannedVisit, PassId, VisitId, Timestamp),
    Out(&'a PlannedVisit, PassId),
    Slip(&'a PlannedVisit),
}

/// Splits a day between the kiosks as two offline kiosks in one room would
/// record it, and writes each kiosk's facts in time order into its own copy
/// of the day's document.
///
/// A visit's check-in goes to the kiosk its nonce picks; a quarter of the
/// families check out on the other kiosk; one in twenty is also scanned on
/// the other kiosk 20 s later (a duplicate neither kiosk could see, which
/// the merge must count once). Both kiosks close the day at closing time.
fn write_day(kiosks: &mut [DocSet; 2], day: &Day) -> anyhow::Result<()> {
    let mut facts: [Vec<(Timestamp, u64, Fact<'_>)>; 2] = [Vec::new(), Vec::new()];
    for v in &day.visits {
        let k = (v.nonce % 2) as usize;
        let Some(pass) = v.pass else {
            facts[k].push((v.arrived, v.nonce, Fact::Slip(v)));
            continue;
        };
        let visit = VisitId::from_random(&id_bytes(v.nonce, 1));
        facts[k].push((v.arrived, v.nonce, Fact::In(v, pass, visit, v.arrived)));
        if (v.nonce >> 16) % 20 == 0 {
            let again = Timestamp(v.arrived.0 + 20);
            let visit = VisitId::from_random(&id_bytes(v.nonce, 3));
            facts[1 - k].push((again, v.nonce, Fact::In(v, pass, visit, again)));
        }
        if !v.forgot_check_out {
            let out = if (v.nonce >> 8) % 4 == 0 { 1 - k } else { k };
            facts[out].push((v.left, v.nonce, Fact::Out(v, pass)));
        }
    }
    let closes = synth::opening_hours(ROOM)
        .map(|h| Timestamp::from_jst(day.visits[0].date, h.closes.0, h.closes.1))
        .context("the room has opening hours")?;
    for (kiosk, mut facts) in kiosks.iter_mut().zip(facts) {
        facts.sort_by_key(|(at, nonce, _)| (*at, *nonce));
        let doc = kiosk.doc_mut(&day.doc);
        for (_, _, fact) in facts {
            match fact {
                Fact::In(v, pass, visit, at) => {
                    let source = if v.guardians == 0 {
                        Source::PrintedCard
                    } else {
                        Source::AppPass
                    };
                    let check_in = CheckIn {
                        pass,
                        source,
                        children: v.children.clone(),
                        guardians: v.guardians,
                        at,
                    };
                    record_check_in(doc, &visit, &check_in)?;
                }
                Fact::Out(v, pass) => {
                    let event = EventId::from_random(&id_bytes(v.nonce, 2));
                    record_check_out(doc, &event, pass, v.left)?;
                }
                Fact::Slip(v) => {
                    let mut children = [0u16; 7];
                    for c in &v.children {
                        if let Some(b) = bracket_of_year_month(*c, v.date) {
                            children[b.index()] += 1;
                        }
                    }
                    let slip = Slip {
                        at: v.arrived,
                        left_at: Some(v.left),
                        guardians: v.guardians,
                        children,
                        contact: None,
                    };
                    record_slip(doc, &VisitId::from_random(&id_bytes(v.nonce, 1)), &slip)?;
                }
            }
        }
        close_day(doc, closes)?;
    }
    Ok(())
}

/// The two kiosks' document sets after the outage, and what their merge
/// must give.
fn offline_kiosks(days: &[Day]) -> anyhow::Result<([DocSet; 2], Expected)> {
    let mut kiosks = [
        DocSet::new(ActorId::from([0xA1; 16])),
        DocSet::new(ActorId::from([0xB2; 16])),
    ];
    let mut heads = BTreeMap::new();
    for day in days {
        write_day(&mut kiosks, day)?;
        let [a, b] = &kiosks;
        let mut merged = a.doc(&day.doc).context("kiosk A wrote the day")?.clone();
        let mut other = b.doc(&day.doc).context("kiosk B wrote the day")?.clone();
        merged.merge(&mut other)?;
        let merged_heads = Heads {
            hashes: sorted(merged.get_heads()),
            changes: merged.stats().num_changes,
        };
        heads.insert(day.doc.clone(), merged_heads);
    }
    // The outage's writes are on the kiosks' disks already; none is pending.
    for kiosk in &mut kiosks {
        let _ = kiosk.take_pending_saves();
    }
    let expected = Expected {
        days: days.len(),
        stays: days.iter().map(|d| d.visits.len()).sum(),
        people: days
            .iter()
            .flat_map(|d| &d.visits)
            .map(PlannedVisit::people)
            .sum(),
        heads,
    };
    Ok((kiosks, expected))
}

/// Whether `doc` has exactly `heads`: every one of them, and no change
/// beyond them (checked by counting, since nothing else writes).
fn holds(doc: &AutoCommit, heads: &Heads) -> bool {
    doc.get_missing_deps(&heads.hashes).is_empty() && doc.stats().num_changes == heads.changes
}

/// A document's heads and how many changes lie under them.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Heads {
    hashes: Vec<ChangeHash>,
    changes: u64,
}

fn sorted(mut heads: Vec<ChangeHash>) -> Vec<ChangeHash> {
    heads.sort_unstable();
    heads
}

fn now() -> Timestamp {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    Timestamp(i64::try_from(secs).unwrap_or(i64::MAX))
}

/// Session tokens for the two kiosks and the checking connection, written
/// before the relay owns the data dir (as loadgen does).
async fn kiosk_tokens(data: &Path) -> anyhow::Result<Vec<String>> {
    let store = Store::open(data)?;
    let sessions = Sessions::open(&store)?;
    let mut tokens = Vec::new();
    for (i, device) in ["kiosk-a", "kiosk-b", "resync-check"].iter().enumerate() {
        let identity = Identity::Kiosk {
            device: (*device).to_owned(),
            room: ROOM,
        };
        // Not secret: a throwaway data dir on loopback.
        let mut random = [0u8; 32];
        random[0] = u8::try_from(i)?;
        random[1] = 0x5e;
        tokens.push(sessions.create(&identity, now(), 86_400, random)?);
    }
    store.flush().await?;
    Ok(tokens)
}

/// A fresh data dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(run: usize) -> anyhow::Result<TempDir> {
        let path = std::env::temp_dir().join(format!("hiroba-resync-{}-{run}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path)?;
        Ok(TempDir(path))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The relay child process, killed when dropped (`kill_on_drop`).
struct Relay {
    _child: tokio::process::Child,
    addr: SocketAddr,
}

async fn start_relay(data: &Path) -> anyhow::Result<Relay> {
    let relay_bin: PathBuf = std::env::current_exe()?
        .parent()
        .context("no directory for this binary")?
        .join("relay");
    let mut child = tokio::process::Command::new(&relay_bin)
        .args(["--bind", "127.0.0.1:0", "--log", "warn", "--data-dir"])
        .arg(data)
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("cannot start {}", relay_bin.display()))?;
    let mut lines = tokio::io::BufReader::new(child.stdout.take().context("stdout")?).lines();
    let first = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
        .await
        .context("the relay did not print its address")??
        .unwrap_or_default();
    let addr: SocketAddr = first
        .split("http://")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .and_then(|a| a.parse().ok())
        .with_context(|| format!("no address in the relay's first line {first:?}"))?;
    ensure!(addr.ip().is_loopback(), "resync only talks to loopback");
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Ok(Relay {
        _child: child,
        addr,
    })
}

/// A loopback proxy for exactly `connections` connections, counting the
/// bytes each way; resolves to (kiosks → relay, relay → kiosks) once every
/// connection has closed.
async fn counting_proxy(
    relay: SocketAddr,
    connections: usize,
) -> anyhow::Result<(SocketAddr, tokio::task::JoinHandle<(u64, u64)>)> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let task = tokio::spawn(async move {
        let mut pipes = Vec::with_capacity(connections);
        for _ in 0..connections {
            let Ok((mut inbound, _)) = listener.accept().await else {
                break;
            };
            pipes.push(tokio::spawn(async move {
                let _ = inbound.set_nodelay(true);
                let mut outbound = TcpStream::connect(relay).await.ok()?;
                let _ = outbound.set_nodelay(true);
                tokio::io::copy_bidirectional(&mut inbound, &mut outbound)
                    .await
                    .ok()
            }));
        }
        let (mut up, mut down) = (0, 0);
        for pipe in pipes {
            if let Ok(Some((u, d))) = pipe.await {
                up += u;
                down += d;
            }
        }
        (up, down)
    });
    Ok((addr, task))
}

/// Whether a kiosk holds the merged heads of every day and knows the relay
/// shares them (its sync state's shared heads are what the relay last said
/// it has).
fn converged(docs: &DocSet, relay: &PeerId, expected: &BTreeMap<DocId, Heads>) -> bool {
    expected.iter().all(|(id, heads)| {
        // Reading heads needs `&mut AutoCommit`; a document holds exactly
        // the merged heads when it has them all and no other change.
        let local = docs.doc(id).is_some_and(|d| holds(d, heads));
        let shared = docs
            .encode_peer_state(relay, id)
            .and_then(|bytes| sync::State::decode(&bytes).ok())
            .map(|state| sorted(state.shared_heads));
        let heads = &heads.hashes;
        local && shared.as_ref() == Some(heads)
    })
}

/// One kiosk back online: connect, offer every day, then answer pushes
/// until it has everything and the relay has it too. Returns its documents
/// and when it got there.
async fn kiosk(
    addr: SocketAddr,
    token: String,
    name: &'static str,
    docs: DocSet,
    expected: Arc<BTreeMap<DocId, Heads>>,
    start: Instant,
) -> anyhow::Result<(DocSet, Duration)> {
    let relay = PeerId::new("relay");
    let mut client = SyncClient::connect(addr, Some(&token), docs.actor().clone(), name)
        .await
        .context("connect")?;
    client.docs = docs;
    let deadline = start + DEADLINE;
    for id in expected.keys() {
        let synced = client.sync_doc(id, DEADLINE).await.context("sync")?;
        ensure!(synced == Availability::Synced, "{name} was refused {id}");
    }
    // The other kiosk's changes arrive as pushes. If a round passes without
    // convergence, restart the exchange for every day (keeping the shared
    // heads, so nothing already shared is sent again).
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        ensure!(
            !left.is_zero(),
            "{name} did not converge within {DEADLINE:?}"
        );
        match client
            .wait_until(ROUND.min(left), |d| converged(d, &relay, &expected))
            .await
        {
            Ok(()) => break,
            Err(ClientError::Timeout) => {
                client.docs.peer_disconnected(&relay);
                for id in expected.keys() {
                    client.sync_doc(id, left).await.context("sync again")?;
                }
            }
            Err(e) => return Err(e).context("waiting for pushes"),
        }
    }
    let done = start.elapsed();
    let docs = std::mem::replace(&mut client.docs, DocSet::new(ActorId::from([0u8; 16])));
    client.close().await;
    Ok((docs, done))
}

/// Fetches every day from the relay on a fresh connection: what the relay
/// really holds.
async fn relay_copy(addr: SocketAddr, token: &str, expected: &Expected) -> anyhow::Result<DocSet> {
    let mut client =
        SyncClient::connect(addr, Some(token), ActorId::from([0xC3; 16]), "resync-check")
            .await
            .context("connect the check")?;
    for id in expected.heads.keys() {
        let got = client.sync_doc(id, DEADLINE).await.context("fetch")?;
        ensure!(got == Availability::Synced, "the relay does not have {id}");
    }
    let docs = std::mem::replace(&mut client.docs, DocSet::new(ActorId::from([0u8; 16])));
    client.close().await;
    Ok(docs)
}

/// Every day's merged view is the same on both kiosks and the relay, and
/// the stays and people add up to the plan.
fn verify(copies: &[(&str, &DocSet)], expected: &Expected) -> anyhow::Result<()> {
    let (mut stays, mut people) = (0, 0);
    for (id, heads) in &expected.heads {
        let mut views = Vec::new();
        for (who, docs) in copies {
            let doc: &AutoCommit = docs.doc(id).with_context(|| format!("{who} lacks {id}"))?;
            ensure!(
                sorted(doc.clone().get_heads()) == heads.hashes,
                "{who} differs on {id}"
            );
            views.push(DayView::load(doc));
        }
        let first = &views[0];
        ensure!(
            views.iter().all(|v| v == first),
            "the merged views of {id} differ"
        );
        ensure!(
            first.anomalies() == &Default::default(),
            "{id}: {:?}",
            first.anomalies()
        );
        ensure!(
            first.stays().iter().all(|s| s.left.is_some()),
            "{id} has open stays"
        );
        stays += first.stays().len();
        people += first.stays().iter().map(|s| s.people()).sum::<u32>();
    }
    ensure!(
        stays == expected.stays,
        "{stays} stays, expected {}",
        expected.stays
    );
    ensure!(
        people == expected.people,
        "{people} people, expected {}",
        expected.people
    );
    Ok(())
}

struct RunResult {
    time: Duration,
    up: Option<u64>,
    down: Option<u64>,
}

async fn run(n: usize, days: &[Day]) -> anyhow::Result<RunResult> {
    let data = TempDir::new(n)?;
    let tokens = kiosk_tokens(&data.0).await?;
    let [token_a, token_b, token_check] =
        <[String; 3]>::try_from(tokens).map_err(|_| anyhow::anyhow!("three sessions expected"))?;
    let ([a, b], expected) = offline_kiosks(days)?;
    let relay = start_relay(&data.0).await?;
    let (proxy, traffic) = counting_proxy(relay.addr, 2).await?;
    let heads = Arc::new(expected.heads.clone());

    let start = Instant::now();
    let ka = tokio::spawn(kiosk(proxy, token_a, "kiosk-a", a, heads.clone(), start));
    let kb = tokio::spawn(kiosk(proxy, token_b, "kiosk-b", b, heads, start));
    let (a, time_a) = ka.await??;
    let (b, time_b) = kb.await??;
    let time = time_a.max(time_b);

    let (up, down) = match tokio::time::timeout(Duration::from_secs(10), traffic).await {
        Ok(Ok((up, down))) => (Some(up), Some(down)),
        _ => (None, None),
    };
    let relay_docs = relay_copy(relay.addr, &token_check, &expected).await?;
    verify(
        &[("kiosk A", &a), ("kiosk B", &b), ("relay", &relay_docs)],
        &expected,
    )?;
    drop(relay);
    Ok(RunResult { time, up, down })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = parse_args()?;
    let days = plan(args.seed)?;
    let ([a, b], expected) = offline_kiosks(&days)?;
    let changes = |k: &DocSet| -> u64 {
        expected
            .heads
            .keys()
            .filter_map(|id| k.doc(id))
            .map(|d| d.stats().num_changes)
            .sum()
    };
    println!(
        "room {ROOM}, {FIRST_DAY} + {OUTAGE_DAYS} days: {} open days, {} visits ({} people); \
         kiosk A {} changes, kiosk B {} changes",
        expected.days,
        expected.stays,
        expected.people,
        changes(&a),
        changes(&b),
    );
    let mut times = Vec::with_capacity(args.runs);
    for n in 0..args.runs {
        let r = run(n, &days)
            .await
            .with_context(|| format!("run {}", n + 1))?;
        let kb =
            |b: Option<u64>| b.map_or("n/a".to_owned(), |b| format!("{:.0} KB", b as f64 / 1024.0));
        println!(
            "run {}: {:.0} ms  kiosks→relay {}  relay→kiosks {}  (verified: identical heads and day views on both kiosks and the relay)",
            n + 1,
            r.time.as_secs_f64() * 1000.0,
            kb(r.up),
            kb(r.down),
        );
        times.push(r.time);
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let median = times[times.len() / 2];
    let max = times.last().copied().unwrap_or_default();
    println!(
        "resync after the outage: median {:.0} ms  max {:.0} ms over {} runs (target < 2000 ms: {})",
        ms(median),
        ms(max),
        times.len(),
        if max < Duration::from_secs(2) {
            "met"
        } else {
            "not met"
        },
    );
    Ok(())
}
