//! `cargo xtask` — Hiroba's build and test automation.
//!
//! Everything here runs offline: the web apps are bundled with
//! `wasm-bindgen-cli-support` used as a library, so no `wasm-bindgen` CLI,
//! trunk or npm is needed (see TOOLCHAIN.md). Arguments are parsed by hand;
//! there are only four commands.

mod bench;
mod build;
mod cmd;
mod run;
mod test;

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "\
cargo xtask — build, run and test Hiroba

USAGE:
    cargo xtask build [--dev]       bundle web-kiosk and web-parent into dist/
                                    (release bundles; --dev: fast debug bundles)
    cargo xtask run [--bind ADDR]   bundle, then run the relay in demo mode
                                    (default ADDR 127.0.0.1:8080)
    cargo xtask test                prepare this machine (wasm target, Chromium),
                                    bundle, then fmt, clippy and every test
    cargo xtask bench               engine benchmarks and the browser benchmark
    cargo xtask help                this text
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["build"] => build::build_all(build::Profile::Release).map(|_| ()),
        ["build", "--dev"] => build::build_all(build::Profile::Dev).map(|_| ()),
        ["run"] => run::run(run::DEFAULT_BIND),
        ["run", "--bind", addr] => run::run(addr),
        ["test"] => test::test(),
        ["bench"] => bench::bench(),
        [] | ["help"] | ["--help"] | ["-h"] => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            eprintln!("xtask: unknown arguments: {}\n", args.join(" "));
            eprint!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("\nxtask: FAILED: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root: xtask lives one level below it.
fn workspace_root() -> PathBuf {
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .parent()
        .map(PathBuf::from)
        .unwrap_or(manifest_dir)
}
