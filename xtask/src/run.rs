//! `cargo xtask run`: the whole product on one machine, in demo mode.

use anyhow::{Context, Result};

use crate::build::{self, Profile};
use crate::cmd;

pub const DEFAULT_BIND: &str = "127.0.0.1:8080";

/// Bundles the apps, then runs the relay serving them from `dist/`. The relay
/// prints its own URLs and demo logins.
pub fn run(bind: &str) -> Result<()> {
    build::build_all(Profile::Release)?;
    let root = crate::workspace_root();
    let mut relay = cmd::cargo(&root);
    relay.args([
        "run",
        "--release",
        "-p",
        "hiroba-relay",
        "--bin",
        "relay",
        "--",
        "--demo",
        "--bind",
        bind,
        "--data-dir",
        "data",
        "--web-dir",
        "dist",
    ]);
    cmd::run(&mut relay).context("running the relay")
}
