//! A real relay on `127.0.0.1:0` over real sled files in a temp dir.

use std::net::SocketAddr;
use std::sync::Arc;

use hiroba_relay::{Options, RelayState};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A running relay; dropping it stops the server (the data dir goes with it).
#[derive(Debug)]
pub struct TestRelay {
    /// Where it listens.
    pub addr: SocketAddr,
    /// Its state, for tests that issue passes with the real issuer.
    pub state: Arc<RelayState>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
    _data: tempfile::TempDir,
}

impl TestRelay {
    /// Starts a relay serving the built apps, with the demo city if `demo`.
    pub async fn start(demo: bool) -> anyhow::Result<TestRelay> {
        let data = tempfile::tempdir()?;
        let options = Options {
            data_dir: data.path().to_owned(),
            web_dir: Some(crate::dist_dir()?),
            demo,
        };
        let state = hiroba_relay::open(&options, crate::now())?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = oneshot::channel::<()>();
        let served = state.clone();
        let task = tokio::spawn(async move {
            let shutdown = async {
                let _ = stopped.await;
            };
            if let Err(e) = hiroba_relay::serve(listener, served, shutdown).await {
                eprintln!("relay stopped with an error: {e}");
            }
        });
        Ok(TestRelay {
            addr,
            state,
            stop: Some(stop),
            task: Some(task),
            _data: data,
        })
    }

    /// `http://127.0.0.1:PORT` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Stops the server and waits until it has flushed and closed.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await?;
        }
        Ok(())
    }
}

impl Drop for TestRelay {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
