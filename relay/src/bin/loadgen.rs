//! `loadgen`: N simulated kiosks checking families in against a relay it
//! starts itself on loopback. See `loadgen --help`.
//!
//! Every kiosk has its own WebSocket, its own room and that room's
//! attendance document; every `--interval-ms` it records a check-in and
//! syncs it, timing the round trip from the change to the relay's
//! acknowledgement (which the relay sends only after flushing to disk).
//! Loops are bounded by `--checkins`; only 127.0.0.1 is ever contacted.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};
use automerge::transaction::Transactable;
use automerge::{ActorId, ROOT};
use hiroba_engine::calendar::Timestamp;
use hiroba_engine::ids::{DocId, RoomId};
use hiroba_relay::auth::{Identity, Sessions};
use hiroba_relay::store::Store;
use hiroba_relay::sync::client::{Availability, SyncClient};
use tokio::io::AsyncBufReadExt;

const USAGE: &str = "\
loadgen — simulated kiosks syncing through a relay on loopback

USAGE: loadgen [--kiosks N] [--checkins N] [--interval-ms MS]

  --kiosks N        simulated kiosks, one WebSocket and room each (default 100)
  --checkins N      check-ins per kiosk (default 10)
  --interval-ms MS  time between one kiosk's check-ins (default 1000)

Starts the relay binary next to this one on 127.0.0.1 with a fresh data
dir, and prints the sync round trip p50/p99, changes per second and the
relay's memory (VmRSS / VmHWM).
";

struct Args {
    kiosks: usize,
    checkins: usize,
    interval: Duration,
}

fn parse_args() -> anyhow::Result<Args> {
    let mut args = Args {
        kiosks: 100,
        checkins: 10,
        interval: Duration::from_millis(1000),
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| -> anyhow::Result<u64> {
            let v = it.next().with_context(|| format!("{name} needs a value"))?;
            v.parse()
                .with_context(|| format!("{name} {v:?} is not a number"))
        };
        match arg.as_str() {
            "--kiosks" => args.kiosks = usize::try_from(value("--kiosks")?)?.clamp(1, 5000),
            "--checkins" => args.checkins = usize::try_from(value("--checkins")?)?.clamp(1, 10_000),
            "--interval-ms" => args.interval = Duration::from_millis(value("--interval-ms")?),
            "-h" | "--help" => {
                print!("{USAGE}");
                std::process::exit(0);
            }
            other => bail!("unknown argument {other:?}\n\n{USAGE}"),
        }
    }
    Ok(args)
}

fn now() -> Timestamp {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    Timestamp(i64::try_from(secs).unwrap_or(i64::MAX))
}

/// A session token per kiosk, written before the relay owns the data dir.
async fn kiosk_tokens(data: &Path, kiosks: usize) -> anyhow::Result<Vec<String>> {
    let store = Store::open(data)?;
    let sessions = Sessions::open(&store)?;
    let mut tokens = Vec::with_capacity(kiosks);
    for i in 0..kiosks {
        let room = RoomId(u16::try_from(i + 1)?);
        let identity = Identity::Kiosk {
            device: format!("loadgen-{i}"),
            room,
        };
        // Not secret: a throwaway data dir on loopback.
        let mut random = [0u8; 32];
        random[..8].copy_from_slice(&(i as u64).to_be_bytes());
        tokens.push(sessions.create(&identity, now(), 86_400, random)?);
    }
    store.flush().await?;
    Ok(tokens)
}

/// One kiosk: connect, then `checkins` paced check-ins; the round trips.
async fn kiosk(
    addr: std::net::SocketAddr,
    i: usize,
    token: String,
    checkins: usize,
    interval: Duration,
) -> anyhow::Result<Vec<Duration>> {
    let mut actor = [0u8; 16];
    actor[..8].copy_from_slice(&(i as u64 + 1).to_be_bytes());
    let mut client = SyncClient::connect(
        addr,
        Some(&token),
        ActorId::from(actor),
        &format!("kiosk-{i}"),
    )
    .await
    .context("connect")?;
    let room = RoomId(u16::try_from(i + 1)?);
    let doc = DocId::attendance(room, "2026-11-24".parse()?);
    let mut times = Vec::with_capacity(checkins);
    // Spread the kiosks over the interval so they do not all fire at once.
    let offset = interval.mul_f64((i as f64 * 0.618_034).fract());
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + offset, interval);
    for n in 0..checkins {
        ticks.tick().await;
        let visit = client.docs.doc_mut(&doc);
        visit.put(
            ROOT,
            format!("in/k{i}-{n}"),
            format!("10:{n:02} 1 adult, 2 children"),
        )?;
        let start = Instant::now();
        let synced = client.sync_doc(&doc, Duration::from_secs(30)).await;
        if synced.context("sync")? != Availability::Synced {
            bail!("kiosk {i} was refused its own room's attendance");
        }
        times.push(start.elapsed());
    }
    client.close().await;
    Ok(times)
}

fn proc_status(pid: u32, field: &str) -> Option<String> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with(field))
        .map(|l| l.trim_start_matches(field).trim().to_owned())
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = parse_args()?;
    let relay_bin: PathBuf = std::env::current_exe()?
        .parent()
        .context("no directory for this binary")?
        .join("relay");
    let data = std::env::temp_dir().join(format!("hiroba-loadgen-{}", std::process::id()));
    std::fs::create_dir_all(&data)?;
    let tokens = kiosk_tokens(&data, args.kiosks).await?;

    let mut relay = tokio::process::Command::new(&relay_bin)
        .args(["--bind", "127.0.0.1:0", "--log", "warn", "--data-dir"])
        .arg(&data)
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("cannot start {}", relay_bin.display()))?;
    let pid = relay.id().context("relay pid")?;
    let mut lines = tokio::io::BufReader::new(relay.stdout.take().context("stdout")?).lines();
    let first = lines.next_line().await?.unwrap_or_default();
    let addr: std::net::SocketAddr = first
        .split("http://")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .and_then(|a| a.parse().ok())
        .with_context(|| format!("no address in the relay's first line {first:?}"))?;
    anyhow::ensure!(addr.ip().is_loopback(), "loadgen only talks to loopback");
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });

    let start = Instant::now();
    let tasks: Vec<_> = tokens
        .into_iter()
        .enumerate()
        .map(|(i, token)| tokio::spawn(kiosk(addr, i, token, args.checkins, args.interval)))
        .collect();
    let mut times = Vec::new();
    let mut failed = 0;
    for task in tasks {
        match task.await {
            Ok(Ok(t)) => times.extend(t),
            Ok(Err(e)) => {
                failed += 1;
                eprintln!("kiosk failed: {e:#}");
            }
            Err(e) => {
                failed += 1;
                eprintln!("kiosk panicked: {e}");
            }
        }
    }
    let elapsed = start.elapsed();
    let rss = proc_status(pid, "VmRSS:").unwrap_or_else(|| "n/a".to_owned());
    let peak = proc_status(pid, "VmHWM:").unwrap_or_else(|| "n/a".to_owned());
    let _ = relay.kill().await;
    let _ = std::fs::remove_dir_all(&data);

    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "kiosks: {}  check-ins each: {}  interval: {} ms  failed kiosks: {failed}",
        args.kiosks,
        args.checkins,
        args.interval.as_millis()
    );
    println!(
        "sync round trip (change → acknowledged after flush): p50 {:.1} ms  p99 {:.1} ms  max {:.1} ms",
        ms(percentile(&times, 0.50)),
        ms(percentile(&times, 0.99)),
        ms(times.last().copied().unwrap_or_default()),
    );
    println!(
        "changes: {}  in {:.1} s  = {:.0} changes/s",
        times.len(),
        elapsed.as_secs_f64(),
        times.len() as f64 / elapsed.as_secs_f64()
    );
    println!("relay memory: VmRSS {rss}  VmHWM {peak}");
    if failed > 0 {
        bail!("{failed} kiosks failed");
    }
    Ok(())
}
