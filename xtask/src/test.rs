//! `cargo xtask test`: from a fresh machine to every test passing.
//!
//! One function per step, run in order; the first failure stops the run with
//! the step's name and a non-zero exit.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result};

use crate::build::{self, Profile};
use crate::cmd;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMIUM_BINARY: &str = "/usr/lib/chromium/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const SOFFICE: &str = "/usr/bin/soffice";

/// Each Debian package the tests need, by a file it installs.
const DEBIAN_PACKAGES: [(&str, &str); 3] = [
    ("chromium", CHROMIUM),
    ("chromium-driver", CHROMEDRIVER),
    ("libreoffice-calc-nogui", SOFFICE),
];

type Step = fn(&Path) -> Result<()>;

const STEPS: [(&str, Step); 8] = [
    ("wasm target", ensure_wasm_target),
    ("debian packages", ensure_debian_packages),
    ("bundle web apps", bundle_apps),
    ("cargo fmt", check_format),
    ("clippy (native)", clippy_native),
    ("clippy (wasm apps)", clippy_wasm),
    ("cargo test", run_tests),
    ("doc examples", run_doc_tests),
];

pub fn test() -> Result<()> {
    let root = crate::workspace_root();
    for (i, (name, step)) in STEPS.iter().enumerate() {
        println!("\n==> [{}/{}] {name}", i + 1, STEPS.len());
        step(&root).with_context(|| format!("step `{name}` failed"))?;
    }
    println!("\nxtask: all {} steps passed", STEPS.len());
    Ok(())
}

/// (a) `rustup target add wasm32-unknown-unknown` unless it is installed.
fn ensure_wasm_target(_root: &Path) -> Result<()> {
    let installed = cmd::output(Command::new("rustup").args(["target", "list", "--installed"]))
        .context("`rustup target list --installed` failed; is rustup installed?")?;
    if installed
        .lines()
        .any(|l| l.trim() == "wasm32-unknown-unknown")
    {
        println!("wasm32-unknown-unknown is installed");
        return Ok(());
    }
    cmd::run(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))
}

/// (b) From Debian: Chromium and chromedriver for the browser tests, and
/// LibreOffice Calc (without its desktop) to open the XLSX exports as staff
/// do.
fn ensure_debian_packages(_root: &Path) -> Result<()> {
    let missing: Vec<&str> = DEBIAN_PACKAGES
        .iter()
        .filter(|(_, file)| !Path::new(file).exists())
        .map(|(package, _)| *package)
        .collect();
    if missing.is_empty() {
        println!("{CHROMIUM}, {CHROMEDRIVER} and {SOFFICE} are installed");
        return Ok(());
    }
    cmd::run(&mut as_root(&["apt-get", "update"]))?;
    // Chromium as it was measured (with what Debian recommends: fonts);
    // LibreOffice without its recommends (a desktop, Java), which the
    // converter does not use.
    let (office, browser): (Vec<&str>, Vec<&str>) =
        missing.iter().partition(|p| p.starts_with("libreoffice"));
    for (packages, extra) in [(browser, None), (office, Some("--no-install-recommends"))] {
        if packages.is_empty() {
            continue;
        }
        let mut install = vec!["apt-get", "install", "-y"];
        install.extend(extra);
        install.extend(&packages);
        cmd::run(as_root(&install).env("DEBIAN_FRONTEND", "noninteractive"))?;
    }
    Ok(())
}

/// (c) Release bundles in `dist/`, which the browser tests serve.
fn bundle_apps(_root: &Path) -> Result<()> {
    build::build_all(Profile::Release).map(|_| ())
}

/// (d) Formatting, checked, never rewritten.
fn check_format(root: &Path) -> Result<()> {
    cmd::run(cmd::cargo(root).args(["fmt", "--all", "--", "--check"]))
}

/// (e) Clippy over the whole workspace, natively.
fn clippy_native(root: &Path) -> Result<()> {
    cmd::run(cmd::cargo(root).args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))
}

/// (e) Clippy over the two apps as they really ship: compiled to wasm.
fn clippy_wasm(root: &Path) -> Result<()> {
    let mut clippy = cmd::cargo(root);
    clippy.args(["clippy", "--target", "wasm32-unknown-unknown"]);
    for app in build::APPS {
        clippy.args(["-p", app.package]);
    }
    cmd::run(clippy.args(["--", "-D", "warnings"]))
}

/// (f) Every test, with the bundles and browser locations in the environment.
fn run_tests(root: &Path) -> Result<()> {
    let mut test = cmd::cargo(root);
    test.args(["test", "--workspace", "--all-targets"])
        .env("HIROBA_DIST", root.join("dist"))
        .env("CHROMEDRIVER", CHROMEDRIVER)
        .env("SOFFICE", SOFFICE);
    if Path::new(CHROMIUM_BINARY).exists() {
        test.env("CHROME_BIN", CHROMIUM_BINARY);
    }
    cmd::run(&mut test)
}

/// (g) The runnable examples in doc comments, which `--all-targets` skips.
/// The web apps are left out: their docs hold no examples and their
/// doc tests would need a browser.
fn run_doc_tests(root: &Path) -> Result<()> {
    cmd::run(cmd::cargo(root).args(["test", "--doc", "-p", "hiroba-engine", "-p", "hiroba-relay"]))
}

/// `args` as a command run by root: directly when we are root, else via sudo.
fn as_root(args: &[&str]) -> Command {
    let (program, rest) = match args.split_first() {
        Some((p, rest)) => (*p, rest),
        None => ("true", &[][..]),
    };
    if is_root() {
        let mut c = Command::new(program);
        c.args(rest);
        c
    } else {
        let mut c = Command::new("sudo");
        c.arg(program).args(rest);
        c
    }
}

fn is_root() -> bool {
    cmd::output(Command::new("id").arg("-u")).is_some_and(|uid| uid.trim() == "0")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_have_unique_names() {
        let mut names: Vec<_> = STEPS.iter().map(|(n, _)| *n).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), STEPS.len());
    }
}
