//! `relay`: runs Hiroba's relay. See `relay --help`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};
use hiroba_engine::calendar::Timestamp;
use hiroba_relay::Options;

const USAGE: &str = "\
relay — Hiroba's sync hub, pass issuer and web server

USAGE: relay [--bind ADDR] [--data-dir DIR] [--web-dir DIR] [--demo] [--log FILTER]

  --bind ADDR      address to listen on (env HIROBA_BIND, default 127.0.0.1:8080)
  --data-dir DIR   where sled keeps the data (env HIROBA_DATA_DIR, default ./data)
  --web-dir DIR    built apps to serve at /kiosk/ and /parent/ (env HIROBA_WEB_DIR, default ./dist)
  --demo           seed a demo city: 11 rooms, a signing key, demo family accounts with
                   passes, admin and room-staff logins, a kiosk pairing code
  --log FILTER     log filter, e.g. info or hiroba_relay=debug (env HIROBA_LOG, default info)
";

struct Args {
    bind: SocketAddr,
    options: Options,
    log: String,
}

fn parse_args() -> anyhow::Result<Args> {
    let env = |k: &str, d: &str| std::env::var(k).unwrap_or_else(|_| d.to_owned());
    let mut bind = env("HIROBA_BIND", "127.0.0.1:8080");
    let mut data_dir = env("HIROBA_DATA_DIR", "data");
    let mut web_dir = env("HIROBA_WEB_DIR", "dist");
    let mut log = env("HIROBA_LOG", "info");
    let mut demo = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().with_context(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--bind" => bind = value("--bind")?,
            "--data-dir" => data_dir = value("--data-dir")?,
            "--web-dir" => web_dir = value("--web-dir")?,
            "--log" => log = value("--log")?,
            "--demo" => demo = true,
            "-h" | "--help" => {
                print!("{USAGE}");
                std::process::exit(0);
            }
            other => bail!("unknown argument {other:?}\n\n{USAGE}"),
        }
    }
    Ok(Args {
        bind: bind
            .parse()
            .with_context(|| format!("--bind {bind:?} is not an address"))?,
        options: Options {
            data_dir: PathBuf::from(data_dir),
            web_dir: Some(PathBuf::from(web_dir)),
            demo,
        },
        log,
    })
}

fn now() -> Timestamp {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    Timestamp(i64::try_from(secs).unwrap_or(i64::MAX))
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(term) => term,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
    tracing::info!("shutting down");
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = parse_args()?;
    // Logs go to stderr, so stdout carries only what people (and scripts
    // waiting for the address on its first line) read; colour only on a terminal.
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_new(&args.log).context("--log")?)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    std::fs::create_dir_all(&args.options.data_dir)
        .with_context(|| format!("cannot create {}", args.options.data_dir.display()))?;
    let state = hiroba_relay::open(&args.options, now())?;
    let listener = tokio::net::TcpListener::bind(args.bind)
        .await
        .with_context(|| format!("cannot listen on {}", args.bind))?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, data_dir = %args.options.data_dir.display(), "relay listening");
    println!(
        "Hiroba relay for {} on http://{addr}/",
        state.city.city_name_ja
    );
    println!("  kiosk:      http://{addr}/kiosk/   (enrol it once with the pairing code below)");
    println!("  staff:      http://{addr}/kiosk/#/staff");
    println!("  parent app: http://{addr}/parent/");
    if !state.demo_passes.is_empty() {
        println!("  demo passes (type or scan one at the kiosk):");
        for pass in &state.demo_passes {
            println!("    {} [{}]\n      {}", pass.label, pass.room, pass.text);
        }
    }
    if !state.demo_logins.is_empty() {
        println!("  demo logins (fixed demo passwords; staff console and parent app):");
        for login in &state.demo_logins {
            if login.password.is_empty() {
                println!("    {}: {}", login.label, login.login_id);
            } else {
                println!(
                    "    {}: {} / {}",
                    login.label, login.login_id, login.password
                );
            }
        }
    }
    hiroba_relay::serve(listener, state, shutdown_signal()).await?;
    Ok(())
}
