//! An unmodified `@automerge/automerge-repo` client from npm syncs a document
//! through the real relay, both ways.
//!
//! The client is `tests/node/sync.mjs` under node; its packages are
//! installed from npm into `tests/node/node_modules` when missing. Without
//! node or npm the test fails and says so: it never passes silently.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context, bail, ensure};
use automerge::transaction::Transactable;
use automerge::{ActorId, ROOT, ReadDoc};
use hiroba_engine::ids::{DocId, RoomId};
use hiroba_engine::sync::DocSet;
use hiroba_relay::Options;
use hiroba_relay::auth::{Identity, Sessions};
use hiroba_relay::sync::client::{Availability, SyncClient};
use hiroba_tests::{now, poll, workspace_root};
use tokio::io::{AsyncBufReadExt, BufReader};

const WAIT: Duration = Duration::from_secs(60);

/// `npm install` into `tests/node` unless its packages are there.
fn ensure_node_packages(dir: &Path) -> anyhow::Result<()> {
    let installed = dir
        .join("node_modules/@automerge/automerge-repo-network-websocket/package.json")
        .is_file();
    if installed {
        return Ok(());
    }
    let status = std::process::Command::new("npm")
        .args(["install", "--no-audit", "--no-fund"])
        .current_dir(dir)
        .status()
        .context("npm is not installed: this test needs node 20 and npm")?;
    ensure!(
        status.success(),
        "`npm install` in {} failed ({status}): the npm registry must be reachable \
         to install @automerge/automerge-repo for this test",
        dir.display()
    );
    Ok(())
}

fn stored_text(state: &hiroba_relay::RelayState, doc: &DocId, key: &str) -> Option<String> {
    let chunks = state.store.doc_chunks(doc).ok()?;
    let mut docs = DocSet::new(ActorId::from([77u8; 16]));
    docs.load(doc, chunks).ok()?;
    let am = docs.doc(doc)?;
    let (value, obj) = am.get(ROOT, key).ok()??;
    // automerge-repo's JavaScript stores strings as collaborative text.
    match value {
        automerge::Value::Object(automerge::ObjType::Text) => am.text(&obj).ok(),
        other => other.into_string().ok(),
    }
}

#[tokio::test]
async fn an_npm_automerge_repo_client_syncs_through_the_relay() -> anyhow::Result<()> {
    let node_dir = workspace_root().join("tests/node");
    ensure_node_packages(&node_dir)?;

    let data = tempfile::tempdir()?;
    let options = Options {
        data_dir: data.path().to_owned(),
        web_dir: None,
        demo: false,
    };
    let state = hiroba_relay::open(&options, now())?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let served = state.clone();
    let server = tokio::spawn(async move {
        let shutdown = async {
            let _ = stopped.await;
        };
        let _ = hiroba_relay::serve(listener, served, shutdown).await;
    });

    let kiosk = Identity::Kiosk {
        device: "node-kiosk".to_owned(),
        room: RoomId(1),
    };
    let sessions = Sessions::open(&state.store)?;
    let token = sessions.create(&kiosk, now(), 3600, [5; 32])?;
    let doc = DocId::attendance(RoomId(1), "2026-11-24".parse()?);

    // The Rust side (a Hiroba kiosk) makes a change and syncs it.
    let mut rust =
        SyncClient::connect(addr, Some(&token), ActorId::from([1u8; 16]), "rust").await?;
    rust.docs
        .doc_mut(&doc)
        .put(ROOT, "from-rust", "hello from hiroba")?;
    ensure!(rust.sync_doc(&doc, WAIT).await? == Availability::Synced);

    // The npm client finds it by its automerge URL and adds its own change.
    let mut node = tokio::process::Command::new("node")
        .arg(node_dir.join("sync.mjs"))
        .arg(format!("ws://{addr}/sync?token={token}"))
        .arg(doc.repo_id().url())
        .current_dir(&node_dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .context("node is not installed: this test needs node 20")?;
    let stdout = node.stdout.take().context("node stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    let mut found = None;
    let mut changed = false;
    while !changed {
        let line = tokio::time::timeout(WAIT, lines.next_line())
            .await
            .context("the node client said nothing in time")??
            .context("the node client exited early")?;
        let event: serde_json::Value = serde_json::from_str(&line)
            .with_context(|| format!("node printed a non-JSON line: {line}"))?;
        match event["event"].as_str() {
            Some("found") => found = Some(event["fromRust"].clone()),
            Some("changed") => changed = true,
            _ => bail!("the node client failed: {line}"),
        }
    }
    let found = found.context("node never printed the document")?;
    assert_eq!(
        found, "hello from hiroba",
        "the Rust change reached node: {found}"
    );

    // Node's change reaches the relay's store …
    let stored = poll("node's change in the relay's store", WAIT, || {
        let value = stored_text(&state, &doc, "from-node");
        async move { Ok(value) }
    })
    .await?;
    assert_eq!(stored, "hello from automerge-repo");
    // … and is pushed to the Rust kiosk that has the document open.
    rust.wait_until(WAIT, |docs| {
        docs.doc(&doc)
            .is_some_and(|d| d.get(ROOT, "from-node").ok().flatten().is_some())
    })
    .await?;

    drop(node.stdin.take());
    if tokio::time::timeout(WAIT, node.wait()).await.is_err() {
        let _ = node.kill().await;
    }
    rust.close().await;
    let _ = stop.send(());
    tokio::time::timeout(WAIT, server)
        .await
        .context("the relay did not shut down")??;
    Ok(())
}
