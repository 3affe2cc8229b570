//! A real relay on `127.0.0.1:0` over real sled files in a temp dir.
//!
//! Each relay runs on its own thread with its own tokio runtime, so
//! stopping it is like stopping the process: after the relay's bounded
//! drain ([`hiroba_relay::DRAIN_LIMIT`]) the runtime is dropped and every
//! connection it still had (a browser's WebSocket, an idle keep-alive) is
//! closed. [`TestRelay::restart`] brings it back on the same address over
//! the same data, as after an outage.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use hiroba_relay::{Options, RelayState};
use tokio::sync::oneshot;

/// A running relay; dropping it stops the server (the data dir goes with it).
#[derive(Debug)]
pub struct TestRelay {
    /// Where it listens.
    pub addr: SocketAddr,
    /// Its state, for tests that issue passes with the real issuer. Hold no
    /// clone of it across [`TestRelay::restart`].
    pub state: Arc<RelayState>,
    demo: bool,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    data: Option<tempfile::TempDir>,
}

/// How long a stopped relay may take to drain and let go of its data.
const STOP_LIMIT: Duration = Duration::from_secs(20);

impl TestRelay {
    /// Starts a relay serving the built apps, with the demo city if `demo`.
    pub async fn start(demo: bool) -> anyhow::Result<TestRelay> {
        let data = tempfile::tempdir()?;
        let bind: SocketAddr = "127.0.0.1:0".parse()?;
        TestRelay::launch(data, bind, demo).await
    }

    async fn launch(
        data: tempfile::TempDir,
        bind: SocketAddr,
        demo: bool,
    ) -> anyhow::Result<TestRelay> {
        let options = Options {
            data_dir: data.path().to_owned(),
            web_dir: Some(crate::dist_dir()?),
            demo,
        };
        let state = open_when_free(&options).await?;
        let (stop, stopped) = oneshot::channel::<()>();
        let (bound, addr) = oneshot::channel::<anyhow::Result<SocketAddr>>();
        let served = state.clone();
        let thread = std::thread::Builder::new()
            .name(format!("relay-{bind}"))
            .spawn(move || run(bind, served, bound, stopped))?;
        let addr = addr.await.context("the relay thread ended early")??;
        Ok(TestRelay {
            addr,
            state,
            demo,
            stop: Some(stop),
            thread: Some(thread),
            data: Some(data),
        })
    }

    /// `http://127.0.0.1:PORT` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// The relay's data dir.
    pub fn data_dir(&self) -> Option<PathBuf> {
        self.data.as_ref().map(|d| d.path().to_owned())
    }

    /// Stops the server: it drains for a bounded time, flushes, and closes
    /// every connection. Returns the data dir, kept for a restart.
    async fn halt(mut self) -> anyhow::Result<(tempfile::TempDir, SocketAddr, bool)> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let joined = tokio::time::timeout(
                STOP_LIMIT,
                tokio::task::spawn_blocking(move || thread.join()),
            )
            .await
            .context("the relay did not stop in time")??;
            joined.map_err(|_| anyhow::anyhow!("the relay thread panicked"))?;
        }
        let data = self.data.take().context("the relay's data dir is gone")?;
        // `self` (and its handle on the state) drops here, before a restart
        // opens the data again.
        Ok((data, self.addr, self.demo))
    }

    /// Stops the server and waits until it has flushed and closed.
    pub async fn stop(self) -> anyhow::Result<()> {
        self.halt().await.map(drop)
    }

    /// Stops the relay and starts it again on the same address over the
    /// same data, as after a power cut at the relay.
    pub async fn restart(self) -> anyhow::Result<TestRelay> {
        let (data, addr, demo) = self.halt().await?;
        TestRelay::launch(data, addr, demo).await
    }

    /// Stops the relay and hands back what is needed to start it again
    /// later ([`StoppedRelay::start`]), for tests that work through an
    /// outage in between.
    pub async fn stop_for_outage(self) -> anyhow::Result<StoppedRelay> {
        let (data, addr, demo) = self.halt().await?;
        Ok(StoppedRelay { data, addr, demo })
    }
}

/// A relay that was stopped and keeps its data and address.
#[derive(Debug)]
pub struct StoppedRelay {
    data: tempfile::TempDir,
    addr: SocketAddr,
    demo: bool,
}

impl StoppedRelay {
    /// Starts the relay again on the same address over the same data.
    pub async fn start(self) -> anyhow::Result<TestRelay> {
        TestRelay::launch(self.data, self.addr, self.demo).await
    }
}

/// Opens the relay's data, waiting while a relay that just stopped still
/// holds the sled lock.
async fn open_when_free(options: &Options) -> anyhow::Result<Arc<RelayState>> {
    let options = options.clone();
    tokio::task::spawn_blocking(move || hiroba_relay::open(&options, crate::now()))
        .await?
        .context("opening the relay's data")
}

/// The relay thread: its own runtime, dropped after `serve` returns so no
/// connection outlives the relay.
fn run(
    bind: SocketAddr,
    state: Arc<RelayState>,
    bound: oneshot::Sender<anyhow::Result<SocketAddr>>,
    stopped: oneshot::Receiver<()>,
) {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            let _ = bound.send(Err(e.into()));
            return;
        }
    };
    runtime.block_on(async move {
        // tokio's bind sets SO_REUSEADDR, so a restart can take the same
        // port while old connections are in TIME_WAIT.
        let listener = match bind_retrying(bind).await {
            Ok(l) => l,
            Err(e) => {
                let _ = bound.send(Err(e));
                return;
            }
        };
        let addr = listener.local_addr().map_err(anyhow::Error::from);
        let _ = bound.send(addr);
        let shutdown = async {
            let _ = stopped.await;
        };
        if let Err(e) = hiroba_relay::serve(listener, state, shutdown).await {
            eprintln!("relay stopped with an error: {e}");
        }
    });
    runtime.shutdown_timeout(Duration::from_secs(2));
}

async fn bind_retrying(bind: SocketAddr) -> anyhow::Result<tokio::net::TcpListener> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        match tokio::net::TcpListener::bind(bind).await {
            Ok(l) => return Ok(l),
            Err(e) if tokio::time::Instant::now() < deadline => {
                eprintln!("waiting to listen on {bind}: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => return Err(anyhow::Error::from(e).context(format!("listening on {bind}"))),
        }
    }
}

impl Drop for TestRelay {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
