//! `cargo xtask build`: turns each Yew app into a static folder under `dist/`.
//!
//! For each app: `cargo build --target wasm32-unknown-unknown`, then
//! wasm-bindgen (as a library) writes `<crate>.js` + `<crate>_bg.wasm` for
//! `<script type="module">`, then the app's `static/` folder is copied beside
//! them. `wasm-opt -Os` runs only if it happens to be installed.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use wasm_bindgen_cli_support::Bindgen;

use crate::cmd;

/// Which cargo profile the bundles are built with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// `wasm-release`: small and fast, what users and benchmarks get.
    Release,
    /// `dev`: large but rebuilt in about a second.
    Dev,
}

impl Profile {
    fn cargo_name(self) -> &'static str {
        match self {
            Profile::Release => "wasm-release",
            Profile::Dev => "dev",
        }
    }

    /// The folder cargo writes this profile's artefacts to.
    fn target_subdir(self) -> &'static str {
        match self {
            Profile::Release => "wasm-release",
            Profile::Dev => "debug",
        }
    }
}

/// A web app crate and the folder under `dist/` it is served from.
#[derive(Debug, Clone, Copy)]
pub struct App {
    pub package: &'static str,
    pub dist_name: &'static str,
}

pub const APPS: [App; 2] = [
    App {
        package: "web-kiosk",
        dist_name: "kiosk",
    },
    App {
        package: "web-parent",
        dist_name: "parent",
    },
];

const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// SPEC §6: each app's wasm, gzipped, stays under this.
const GZIP_BUDGET_BYTES: u64 = 1_500_000;

/// What one bundle turned out to be, for the summary line.
#[derive(Debug)]
pub struct Bundle {
    pub app: App,
    pub wasm: PathBuf,
    pub bytes: u64,
    pub gzip_bytes: Option<u64>,
}

/// Builds every app into `<root>/dist/<app>/` and prints their sizes.
pub fn build_all(profile: Profile) -> Result<Vec<Bundle>> {
    let root = crate::workspace_root();
    build_wasm(&root, profile)?;
    let mut bundles = Vec::new();
    for app in APPS {
        bundles.push(bundle(&root, app, profile)?);
    }
    println!();
    for b in &bundles {
        let gzip = b
            .gzip_bytes
            .map(|g| format!("{} gzip", human(g)))
            .unwrap_or_else(|| "gzip size unknown (no gzip on PATH)".to_owned());
        println!(
            "bundled {:<10} {:>10}  ({gzip})  {}",
            b.app.package,
            human(b.bytes),
            b.wasm.display()
        );
        if profile == Profile::Release && b.gzip_bytes.is_some_and(|g| g > GZIP_BUDGET_BYTES) {
            println!(
                "warning: {} is over the {} gzip budget of SPEC §6",
                b.app.package,
                human(GZIP_BUDGET_BYTES)
            );
        }
    }
    Ok(bundles)
}

/// Compiles both apps in one cargo invocation, so they share one build graph.
fn build_wasm(root: &Path, profile: Profile) -> Result<()> {
    let mut cargo = cmd::cargo(root);
    cargo.args([
        "build",
        "--target",
        WASM_TARGET,
        "--profile",
        profile.cargo_name(),
    ]);
    for app in APPS {
        cargo.args(["-p", app.package]);
    }
    cmd::run(&mut cargo).context("compiling the web apps to wasm")
}

/// wasm-bindgen, static files and the optional wasm-opt pass for one app.
fn bundle(root: &Path, app: App, profile: Profile) -> Result<Bundle> {
    let crate_name = app.package.replace('-', "_");
    let input = target_dir(root)
        .join(WASM_TARGET)
        .join(profile.target_subdir())
        .join(format!("{crate_name}.wasm"));
    if !input.is_file() {
        bail!("{} was not produced by cargo", input.display());
    }
    let out_dir = root.join("dist").join(app.dist_name);
    if out_dir.exists() {
        fs::remove_dir_all(&out_dir).with_context(|| format!("clearing {}", out_dir.display()))?;
    }
    fs::create_dir_all(&out_dir).with_context(|| format!("creating {}", out_dir.display()))?;

    println!("wasm-bindgen {} -> {}", input.display(), out_dir.display());
    Bindgen::new()
        .input_path(&input)
        .web(true)?
        // Without this the generated `init()` has no default URL for the
        // `.wasm` and the page stays blank (TOOLCHAIN.md).
        .omit_default_module_path(false)
        .typescript(false)
        .debug(profile == Profile::Dev)
        // Function names only help a debugger; release bundles ship without.
        .remove_name_section(profile == Profile::Release)
        .remove_producers_section(profile == Profile::Release)
        .generate(&out_dir)
        .with_context(|| format!("wasm-bindgen on {}", input.display()))?;

    let static_dir = root.join(app.package).join("static");
    copy_dir(&static_dir, &out_dir).with_context(|| format!("copying {}", static_dir.display()))?;

    let wasm = out_dir.join(format!("{crate_name}_bg.wasm"));
    if profile == Profile::Release {
        optimise(&wasm)?;
    }
    let bytes = fs::metadata(&wasm)
        .with_context(|| format!("reading {}", wasm.display()))?
        .len();
    Ok(Bundle {
        app,
        gzip_bytes: gzip_size(&wasm),
        wasm,
        bytes,
    })
}

/// The cargo target directory (honours `CARGO_TARGET_DIR`).
pub fn target_dir(root: &Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => root.join(dir),
        None => root.join("target"),
    }
}

/// Copies every file of `from` (recursively) into `to`.
fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    if !from.is_dir() {
        return Ok(());
    }
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let dest = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            fs::create_dir_all(&dest)?;
            copy_dir(&entry.path(), &dest)?;
        } else {
            fs::copy(entry.path(), &dest)
                .with_context(|| format!("copying {}", entry.path().display()))?;
        }
    }
    Ok(())
}

/// `wasm-opt -Os` in place, when binaryen is installed. Never required: a
/// failing or too-old wasm-opt (Debian's is) leaves the unoptimised file.
fn optimise(wasm: &Path) -> Result<()> {
    if !cmd::on_path("wasm-opt") {
        return Ok(());
    }
    let tmp = wasm.with_extension("opt.wasm");
    let mut opt = Command::new("wasm-opt");
    opt.arg("-Os").arg(wasm).arg("-o").arg(&tmp);
    match cmd::run(&mut opt) {
        Ok(()) => fs::rename(&tmp, wasm).with_context(|| format!("replacing {}", wasm.display())),
        Err(err) => {
            let _ = fs::remove_file(&tmp);
            eprintln!("warning: wasm-opt failed, keeping the unoptimised wasm: {err:#}");
            Ok(())
        }
    }
}

/// The size of `file` after `gzip -9`, via the gzip binary if there is one.
fn gzip_size(file: &Path) -> Option<u64> {
    if !cmd::on_path("gzip") {
        return None;
    }
    let out = Command::new("gzip").arg("-9c").arg(file).output().ok()?;
    out.status.success().then_some(out.stdout.len() as u64)
}

/// Bytes as a person reads them: `1.31 MB`, `528 KB`.
fn human(bytes: u64) -> String {
    if bytes >= 1_000_000 {
        format!("{:.2} MB", bytes as f64 / 1_000_000.0)
    } else {
        format!("{} KB", bytes.div_ceil(1000))
    }
}
