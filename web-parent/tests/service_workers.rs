//! The parent app's and the kiosk's service workers, tested under node
//! with a fake Cache Storage and network (`tools/sw_test.mjs`): the answer
//! comes with the headers, the cache is written in the background, and a
//! timeout, a network error or a 5xx falls back to the cache; `/api/` is
//! never cached.

use std::path::Path;
use std::process::Command;

#[test]
fn service_workers_answer_with_the_headers_and_fall_back_to_the_cache() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let script = crate_dir.join("tools/sw_test.mjs");
    let workers = [
        crate_dir.join("static/sw.js"),
        crate_dir.join("../web-kiosk/static/sw.js"),
    ];
    let output = match Command::new("node").arg(&script).args(&workers).output() {
        Ok(output) => output,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            eprintln!("node is not installed: the service worker tests did not run");
            return;
        }
        Err(e) => panic!("could not run node: {e}"),
    };
    let report = String::from_utf8_lossy(&output.stdout);
    println!("{report}{}", String::from_utf8_lossy(&output.stderr));
    assert!(
        output.status.success(),
        "service worker tests failed:\n{report}"
    );
    assert_eq!(
        report.matches("ok ").count(),
        10,
        "every case ran:\n{report}"
    );
}
