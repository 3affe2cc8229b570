//! `cargo xtask bench`: the engine's benchmarks, then the browser benchmark.

use anyhow::{Context, Result};

use crate::build::{self, Profile};
use crate::cmd;

/// The browser benchmark lives in the `hiroba-tests` crate as a binary.
const BROWSER_BENCH_PACKAGE: &str = "hiroba-tests";
const BROWSER_BENCH_BIN: &str = "browser-bench";

pub fn bench() -> Result<()> {
    let root = crate::workspace_root();
    cmd::run(cmd::cargo(&root).args(["bench", "-p", "hiroba-engine", "--benches"]))
        .context("engine benchmarks")?;
    // The browser benchmark drives the release bundles; the harness itself
    // only steers Chromium, so its own (native) profile does not matter and
    // the dev build saves minutes.
    build::build_all(Profile::Release)?;
    cmd::run(
        cmd::cargo(&root)
            .args([
                "run",
                "-p",
                BROWSER_BENCH_PACKAGE,
                "--bin",
                BROWSER_BENCH_BIN,
            ])
            .env("HIROBA_DIST", root.join("dist")),
    )
    .context("browser benchmark")
}
