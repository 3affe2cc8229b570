//! docs/API.md must match the router: every `### METHOD /path` heading is
//! answered by something other than "no such address", and every accounts
//! route in the code has a heading. A cheap, honest guard against drift.

use std::collections::BTreeSet;

const API_MD: &str = include_str!("../../docs/API.md");
const ACCOUNTS_RS: &str = include_str!("../src/accounts.rs");

/// `(METHOD, /path)` of every endpoint heading, parameters as `{}`.
fn documented() -> BTreeSet<(String, String)> {
    API_MD
        .lines()
        .filter_map(|line| line.strip_prefix("### `")?.strip_suffix('`'))
        .filter_map(|heading| {
            let (method, path) = heading.split_once(' ')?;
            Some((method.to_owned(), normalize(path)))
        })
        .collect()
}

/// `{receipt}` → `{}`.
fn normalize(path: &str) -> String {
    path.split('/')
        .map(|seg| if seg.starts_with('{') { "{}" } else { seg })
        .collect::<Vec<_>>()
        .join("/")
}

/// `(METHOD, /path)` of every route in `accounts::routes`, read from source.
fn coded() -> BTreeSet<(String, String)> {
    let compact: String = ACCOUNTS_RS.chars().filter(|c| !c.is_whitespace()).collect();
    compact
        .split("_body!(s,")
        .skip(1)
        .filter_map(|route| {
            let (method, rest) = route.split_once(',')?;
            let inner = rest.strip_prefix("path!(")?.split(')').next()?;
            let path: Vec<&str> = inner
                .split('/')
                .map(|seg| {
                    if seg == "String" {
                        "{}"
                    } else {
                        seg.trim_matches('"')
                    }
                })
                .collect();
            Some((method.to_uppercase(), format!("/{}", path.join("/"))))
        })
        .collect()
}

#[test]
fn every_accounts_route_is_documented() {
    let coded = coded();
    assert!(coded.len() >= 20, "parsed only {coded:?}");
    let documented = documented();
    let missing: Vec<_> = coded.difference(&documented).collect();
    assert!(
        missing.is_empty(),
        "routes missing from docs/API.md: {missing:?}"
    );
}

#[tokio::test]
async fn every_documented_endpoint_is_routed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let options = hiroba_relay::Options {
        data_dir: dir.path().to_owned(),
        web_dir: None,
        demo: true,
    };
    let state = hiroba_relay::open(&options, hiroba_relay::accounts::system_now()).expect("relay");
    let documented = documented();
    assert!(documented.len() >= 25, "parsed only {documented:?}");
    for (method, path) in documented {
        let concrete = path
            .replace("/api/docs/{}", "/api/docs/trust-list")
            .replace("{}", "X");
        let mut req = warp::test::request().method(&method).path(&concrete);
        if method != "GET" {
            req = req.body("{}");
        }
        let res = req.reply(&hiroba_relay::http::routes(state.clone())).await;
        let body: serde_json::Value = serde_json::from_slice(res.body()).unwrap_or_default();
        let code = body["code"].as_str().unwrap_or_default();
        assert!(
            code != "not_found" && code != "method_not_allowed" && res.status() != 405,
            "{method} {concrete} is documented but not routed: {} {body}",
            res.status()
        );
    }
}
