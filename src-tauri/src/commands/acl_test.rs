//! Hardening (issue 7): what the window may load and what it may call.
//!
//! - The CSP in `tauri.conf.json` allows no inline or evaluated script and no remote
//!   origin, and the interface's `index.html` (source and build) carries no inline
//!   script for it to have to allow.
//! - `capabilities/main.json` grants the main window exactly the commands the interface
//!   calls, and no plugin command but listening to events.
//! - Tauri refuses, with its ACL error, a command the window's capability does not grant:
//!   checked through IPC on the mock runtime with this app's real capability file (the
//!   same runtime authority `tauri::generate_context!` builds for the product).

use super::roles_test::{block_on, first_admin, invoke, mock_app, request, TempDb, PW};
use crate::state::AppState;
use brm_secrets::{MemoryKeyStore, SecretBox};
use brm_service::Desk;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tauri::test::{get_ipc_response, MockRuntime};
use tauri::{WebviewWindow, WebviewWindowBuilder};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The CSP as directive → sources, whether the config writes it as one string or as a map
/// of strings or lists.
fn csp_directives(csp: &Value) -> Vec<(String, Vec<String>)> {
    let words = |v: &Value| -> Vec<String> {
        match v {
            Value::String(s) => s.split_whitespace().map(str::to_string).collect(),
            Value::Array(a) => a
                .iter()
                .flat_map(|s| s.as_str().unwrap_or_default().split_whitespace())
                .map(str::to_string)
                .collect(),
            other => panic!("unexpected CSP value {other}"),
        }
    };
    match csp {
        Value::String(s) => s
            .split(';')
            .filter(|d| !d.trim().is_empty())
            .map(|d| {
                let mut it = d.split_whitespace();
                let name = it.next().unwrap().to_string();
                (name, it.map(str::to_string).collect())
            })
            .collect(),
        Value::Object(map) => map.iter().map(|(k, v)| (k.clone(), words(v))).collect(),
        other => panic!("the CSP must be set, found {other}"),
    }
}

/// Sources a strict CSP may name: this app, Tauri's local IPC and asset schemes, and
/// data:/blob: (images, workers). `'none'` closes a directive.
const LOCAL_SOURCES: &[&str] = &[
    "'self'",
    "'none'",
    "ipc:",
    "http://ipc.localhost",
    "asset:",
    "http://asset.localhost",
    "data:",
    "blob:",
];

/// The problems of one CSP (an empty list: strict).
fn csp_problems(csp: &Value) -> Vec<String> {
    let directives = csp_directives(csp);
    let mut problems = Vec::new();
    for (name, sources) in &directives {
        for s in sources {
            if !LOCAL_SOURCES.contains(&s.as_str()) {
                problems.push(format!("{name}: {s} is not a local source"));
            }
        }
        let scripts = matches!(
            name.as_str(),
            "default-src" | "script-src" | "script-src-elem" | "script-src-attr" | "worker-src"
        );
        if scripts && sources.iter().any(|s| s == "data:") {
            problems.push(format!("{name}: data: would run scripts from strings"));
        }
    }
    let get = |n: &str| directives.iter().find(|(k, _)| k == n).map(|(_, v)| v);
    match get("script-src").or(get("default-src")) {
        Some(s) if s == &["'self'"] => {}
        other => problems.push(format!(
            "scripts must come from 'self' only, found {other:?}"
        )),
    }
    if get("object-src").map(|s| s.as_slice()) != Some(&["'none'".to_string()][..]) {
        problems.push("object-src must be 'none'".into());
    }
    problems
}

#[test]
fn the_csp_allows_no_inline_script_and_no_remote_origin() {
    let conf = read_json(&root().join("tauri.conf.json"));
    let security = &conf["app"]["security"];
    assert_eq!(
        csp_problems(&security["csp"]),
        Vec::<String>::new(),
        "{security}"
    );
    // Nothing that would loosen it at run time or in development.
    for key in [
        "dangerousDisableAssetCspModification",
        "devCsp",
        "dangerousRemoteDomainIpcAccess",
    ] {
        assert!(security.get(key).is_none(), "app.security.{key} is set");
    }
    assert!(
        conf["app"]
            .get("withGlobalTauri")
            .is_none_or(|v| v.as_bool() == Some(false)),
        "window.__TAURI__ would be reachable from any script"
    );

    // The check itself refuses what it must.
    for bad in [
        json!({"default-src": "'self'", "script-src": "'self' 'unsafe-inline'", "object-src": "'none'"}),
        json!({"default-src": "'self'", "script-src": "'self' 'unsafe-eval'", "object-src": "'none'"}),
        json!({"default-src": "'self'", "script-src": "'self'", "img-src": "https://cdn.example.com", "object-src": "'none'"}),
        json!({"default-src": "'self'", "script-src": "'self'", "connect-src": "*", "object-src": "'none'"}),
        json!({"default-src": "'self'", "script-src": "'self' data:", "object-src": "'none'"}),
        json!("default-src 'self'; style-src 'self' 'unsafe-inline'; object-src 'none'"),
        json!({"default-src": "'self'", "script-src": "'self'"}),
        Value::Null,
    ] {
        let found = std::panic::catch_unwind(|| csp_problems(&bad));
        assert!(
            found.map(|p| !p.is_empty()).unwrap_or(true),
            "accepted {bad}"
        );
    }
    assert!(csp_problems(&json!("default-src 'self'; object-src 'none'")).is_empty());
}

/// Every `<script ...>...</script>` in `html`: (its attributes, its body).
fn scripts(html: &str) -> Vec<(String, String)> {
    let lower = html.to_ascii_lowercase();
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(start) = lower[at..].find("<script").map(|i| at + i) {
        let open_end = lower[start..]
            .find('>')
            .map(|i| start + i)
            .expect("unclosed <script");
        let close = lower[open_end..]
            .find("</script")
            .map(|i| open_end + i)
            .expect("no </script>");
        out.push((
            html[start + "<script".len()..open_end].to_string(),
            html[open_end + 1..close].to_string(),
        ));
        at = close;
    }
    out
}

/// What in one HTML file the CSP would have to allow: inline scripts, inline event
/// handlers, `javascript:` links, remote scripts or styles.
fn html_problems(html: &str) -> Vec<String> {
    let mut problems = Vec::new();
    for (attrs, body) in scripts(html) {
        if !body.trim().is_empty() {
            problems.push(format!("inline script: {}", body.trim()));
        }
        if !attrs.to_ascii_lowercase().contains("src=") {
            problems.push(format!("script without src: <script{attrs}>"));
        }
    }
    let lower = html.to_ascii_lowercase();
    for (i, _) in lower.match_indices(" on") {
        let name: String = lower[i + 1..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        if name.len() > 2 && lower[i + 1 + name.len()..].trim_start().starts_with('=') {
            problems.push(format!("inline handler {name}="));
        }
    }
    for needle in [
        "javascript:",
        "src=\"http",
        "src=\"//",
        "href=\"http",
        "href=\"//",
    ] {
        if lower.contains(needle) {
            problems.push(format!("{needle} found"));
        }
    }
    problems
}

#[test]
fn the_interface_html_has_no_inline_script() {
    let mut checked = 0;
    for rel in ["ui/index.html", "ui/dist/index.html"] {
        let path = root().join(rel);
        let html = match std::fs::read_to_string(&path) {
            Ok(h) => h,
            // The build is optional here (scripts/test.sh builds it before the e2e tests).
            Err(e) if rel.contains("dist") && e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => panic!("{}: {e}", path.display()),
        };
        assert!(
            !scripts(&html).is_empty(),
            "{rel}: no script at all (wrong file?)"
        );
        assert_eq!(html_problems(&html), Vec::<String>::new(), "{rel}");
        checked += 1;
    }
    assert!(checked >= 1);

    // The check itself refuses what it must.
    for bad in [
        "<script>alert(1)</script>",
        "<script type=\"module\">import './x.js'</script>",
        "<SCRIPT src=\"/a.js\">x()</SCRIPT>",
        "<script type=\"module\"></script>",
        "<body onload=\"go()\"></body>",
        "<a href=\"javascript:go()\">x</a>",
        "<script src=\"https://cdn.example.com/a.js\"></script>",
        "<link rel=\"stylesheet\" href=\"//cdn.example.com/a.css\">",
    ] {
        assert!(!html_problems(bad).is_empty(), "accepted {bad}");
    }
    assert!(
        html_problems("<script type=\"module\" crossorigin src=\"/assets/i.js\"></script>")
            .is_empty()
    );
}

/// The commands the interface calls (`call("name"` / `invoke("name"` outside tests).
fn commands_the_ui_calls() -> BTreeSet<String> {
    fn walk(dir: &Path, out: &mut BTreeSet<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            if path.is_dir() {
                walk(&path, out);
                continue;
            }
            let source =
                (name.ends_with(".js") || name.ends_with(".jsx")) && !name.contains(".test.");
            if !source {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for opener in ["call(\"", "invoke(\""] {
                for (i, _) in text.match_indices(opener) {
                    let rest = &text[i + opener.len()..];
                    let cmd: String = rest.chars().take_while(|&c| c != '"').collect();
                    if !cmd.is_empty() && cmd.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
                        out.insert(cmd);
                    }
                }
            }
        }
    }
    let mut out = BTreeSet::new();
    walk(&root().join("ui/src"), &mut out);
    out
}

#[test]
fn the_main_window_is_granted_exactly_what_the_interface_uses() {
    let cap = read_json(&root().join("src-tauri/capabilities/main.json"));
    assert_eq!(cap["windows"], json!(["main"]), "one window, by label");
    assert!(
        cap.get("remote").is_none(),
        "no remote origin may call anything"
    );
    let conf = read_json(&root().join("tauri.conf.json"));
    let labels: Vec<&str> = conf["app"]["windows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["main"]);

    let mut granted = BTreeSet::new();
    let mut plugin = BTreeSet::new();
    for p in cap["permissions"].as_array().unwrap() {
        let id = p.as_str().expect("plain permission identifiers");
        match id.strip_prefix("allow-") {
            Some(cmd) => {
                granted.insert(cmd.replace('-', "_"));
            }
            None => {
                plugin.insert(id.to_string());
            }
        }
    }
    // events.js listens and "Copiar diagnóstico" writes text to the clipboard (never
    // reads it); nothing else from the core or any plugin (notifications, the tray,
    // autostart and window state are driven from Rust).
    assert_eq!(
        plugin,
        BTreeSet::from([
            "core:event:allow-listen".into(),
            "core:event:allow-unlisten".into(),
            "clipboard-manager:allow-write-text".into()
        ]),
    );
    let used = commands_the_ui_calls();
    assert!(
        used.contains("login") && used.contains("setup_status"),
        "{used:?}"
    );
    let missing: Vec<_> = used.difference(&granted).collect();
    let unused: Vec<_> = granted.difference(&used).collect();
    assert!(
        missing.is_empty(),
        "the interface calls these without a grant: {missing:?}"
    );
    assert!(
        unused.is_empty(),
        "granted but never called by the interface: {unused:?}"
    );
}

fn new_window(app: &tauri::App<MockRuntime>, label: &str) -> WebviewWindow<MockRuntime> {
    WebviewWindowBuilder::new(app, label, Default::default())
        .build()
        .expect("window")
}

/// Tauri's refusal: a plain string (not the app's `{code, message}`) that says the
/// command is not allowed.
fn assert_acl_refused(answer: Result<Value, Value>, what: &str) -> String {
    match answer {
        Err(Value::String(message)) if message.contains("not allowed") => message,
        other => panic!("{what}: expected Tauri's ACL refusal, got {other:?}"),
    }
}

#[test]
fn a_command_the_window_is_not_granted_is_refused() {
    let db = TempDb::new();
    let desk = block_on(async {
        let store = brm_store::connect(&db.url()).await.unwrap();
        let desk = Desk::new(store).with_secrets(SecretBox::new(Arc::new(MemoryKeyStore::new())));
        first_admin(&desk, PW).await;
        desk
    });
    let (app, main) = mock_app(
        AppState::with_desk(desk),
        tauri::generate_handler![
            super::auth::setup_status,
            super::auth::login,
            super::auth::current_session,
        ],
    );
    let outra = new_window(&app, "outra");

    // From "main", what its capability grants works.
    let status = invoke(&main, "setup_status", json!({})).expect("granted to main");
    assert!(status.is_object(), "{status}");
    let session = invoke(
        &main,
        "login",
        json!({"email": "ana@beg.com.br", "password": PW}),
    )
    .expect("login from main");
    let token = session["token"].as_str().unwrap().to_string();
    let listen = json!({"event": "model-changed", "target": {"kind": "Any"}, "handler": 7});
    invoke(&main, "plugin:event|listen", listen.clone()).expect("main may listen");

    // The same commands from a window the capability does not name: refused by Tauri
    // before any handler runs.
    let m = assert_acl_refused(
        invoke(&outra, "setup_status", json!({})),
        "setup_status from outra",
    );
    assert!(m.contains("\"outra\""), "{m}");
    assert_acl_refused(
        invoke(
            &outra,
            "login",
            json!({"email": "ana@beg.com.br", "password": PW}),
        ),
        "login from outra",
    );
    assert_acl_refused(
        invoke(&outra, "plugin:event|listen", listen),
        "listen from outra",
    );

    // From "main", what it is not granted: an app command in the handler but unused by
    // the interface (answered, without the ACL, as the app's JSON), and plugin commands.
    assert_acl_refused(
        invoke(&main, "current_session", json!({"token": token})),
        "current_session from main",
    );
    assert_acl_refused(
        invoke(
            &main,
            "plugin:event|emit",
            json!({"event": "model-changed", "payload": null}),
        ),
        "emit from main",
    );
    for (cmd, args) in [
        (
            "plugin:notification|notify",
            json!({"options": {"title": "x"}}),
        ),
        ("plugin:notification|request_permission", json!({})),
        ("plugin:autostart|enable", json!({})),
        ("plugin:window-state|save_window_state", json!({"flags": 0})),
        ("plugin:deep-link|get_current", json!({})),
    ] {
        assert_acl_refused(invoke(&main, cmd, args), cmd);
    }

    // A page from a remote origin in the main window reaches nothing.
    let mut remote = request("setup_status", json!({}));
    remote.url = "https://exemplo.invalid/".parse().unwrap();
    let answer = get_ipc_response(&main, remote).map(|b| b.deserialize::<Value>().unwrap());
    assert_acl_refused(answer, "setup_status from a remote page");
}
