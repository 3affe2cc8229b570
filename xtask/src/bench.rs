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

    if !browser_bench_exists(&root) {
        // Said loudly, but not an error: the benchmark binary arrives later.
        eprintln!(
            "\nwarning: SKIPPED the browser benchmark: no `{BROWSER_BENCH_BIN}` binary in \
             package `{BROWSER_BENCH_PACKAGE}` yet (engine benchmarks ran)"
        );
        return Ok(());
    }
    // The browser benchmark drives the release bundles.
    build::build_all(Profile::Release)?;
    cmd::run(
        cmd::cargo(&root)
            .args([
                "run",
                "--release",
                "-p",
                BROWSER_BENCH_PACKAGE,
                "--bin",
                BROWSER_BENCH_BIN,
            ])
            .env("HIROBA_DIST", root.join("dist")),
    )
    .context("browser benchmark")
}

/// Looks for the `browser-bench` bin target in `cargo metadata`, without a
/// JSON parser: target names appear as `"name":"browser-bench"`.
fn browser_bench_exists(root: &std::path::Path) -> bool {
    let metadata = cmd::output(cmd::cargo(root).args([
        "metadata",
        "--no-deps",
        "--format-version",
        "1",
        "--offline",
    ]));
    metadata.is_some_and(|m| m.contains(&format!("\"name\":\"{BROWSER_BENCH_BIN}\"")))
}
