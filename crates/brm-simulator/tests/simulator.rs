//! The simulator over real HTTP (reqwest against a loopback port): contract shapes and
//! errors, the worker queue, progress, invoices, purge, determinism, faults, the binary.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

use brm_core::clock::{ManualClock, SystemClock};
use brm_core::payment_line;
use brm_simulator::{messages, Faults, ResultShape, RunningSimulator, SimConfig, Simulator};
use brm_storage::{InvoiceStorage, LocalFolder};
use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};
use reqwest::StatusCode;
use serde_json::{json, Value};

const TOKEN: &str = "token-simulador";

fn start_time() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-01T12:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

struct Harness {
    sim: Simulator,
    running: RunningSimulator,
    dir: tempfile::TempDir,
    storage: Arc<LocalFolder>,
    base: String,
    http: reqwest::Client,
}

impl Harness {
    async fn new(cfg: SimConfig) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let storage = Arc::new(LocalFolder::new(dir.path()).unwrap());
        let clock = Arc::new(ManualClock::new(start_time()));
        let sim = Simulator::with_manual_clock(cfg, storage.clone(), clock);
        let running = sim.serve(0).await.unwrap();
        let base = running.base_url();
        Self {
            sim,
            running,
            dir,
            storage,
            base,
            http: reqwest::Client::new(),
        }
    }

    async fn default() -> Self {
        Self::new(SimConfig::default()).await
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> (StatusCode, Value) {
        let resp = req.send().await.expect("an answer");
        let status = resp.status();
        let text = resp.text().await.unwrap();
        let value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {text:?} (status {status})"));
        (status, value)
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.send(
            self.http
                .get(format!("{}{path}", self.base))
                .bearer_auth(TOKEN),
        )
        .await
    }

    async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(
            self.http
                .post(format!("{}{path}", self.base))
                .bearer_auth(TOKEN)
                .json(&body),
        )
        .await
    }

    async fn advance(&self, seconds: f64) {
        let (s, v) = self
            .post("/_sim/clock/advance", json!({ "seconds": seconds }))
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }

    async fn put_faults(&self, faults: Value) -> (StatusCode, Value) {
        self.send(
            self.http
                .put(format!("{}/_sim/faults", self.base))
                .bearer_auth(TOKEN)
                .json(&faults),
        )
        .await
    }

    async fn download_with(&self, op: &str, senha: &str, processo: Option<&str>) -> String {
        let mut body = json!({
            "login": "cliente@empresa.com.br",
            "senha": senha,
            "filtro": "CONTA-123",
            "cnpj": "12.345.678/0001-90",
        });
        if let Some(p) = processo {
            body["processo_id"] = json!(p);
        }
        let (s, v) = self.post(&format!("/executar/{op}"), body).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        v["job_id"].as_str().unwrap().to_string()
    }

    async fn download(&self) -> String {
        self.download_with("OI", "segredo", None).await
    }

    async fn status(&self, id: &str) -> Value {
        let (s, v) = self.get(&format!("/status/{id}")).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        v
    }

    /// Advances past the longest job (60 s) and returns the job's status.
    async fn finish(&self, id: &str) -> Value {
        self.advance(61.0).await;
        self.status(id).await
    }

    async fn stats(&self) -> Value {
        let (s, v) = self.get("/_sim/stats").await;
        assert_eq!(s, StatusCode::OK);
        v
    }
}

fn parse_naive(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f").unwrap_or_else(|e| panic!("{s}: {e}"))
}

#[tokio::test]
async fn health_and_token_shapes() {
    let h = Harness::default().await;
    let resp = h
        .http
        .get(format!("{}/health", h.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["status"], "healthy");
    assert!(v["message"].is_string());
    assert_eq!(v["jobs_pending"], 0);
    assert_eq!(v["jobs_active"], 0);

    let (s, v) = h.get("/auth/token").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["token"], TOKEN);
    assert_eq!(v["expires_in"], 365 * 24 * 60);
    assert!(v["message"].is_string());

    let (s, v) = h.get("/nao-existe").await;
    assert_eq!(
        (s, v),
        (StatusCode::NOT_FOUND, json!({"detail": "Not Found"}))
    );
}

#[tokio::test]
async fn every_authenticated_route_refuses_a_bad_token() {
    let h = Harness::default().await;
    let id = h.download().await;
    let routes = [
        ("GET", "/auth/token".to_string()),
        ("POST", "/executar/OI".to_string()),
        ("POST", "/executar/sat".to_string()),
        ("GET", format!("/status/{id}")),
        ("GET", "/jobs".to_string()),
        ("GET", format!("/jobs/{id}")),
        ("GET", format!("/jobs/{id}/logs")),
        ("GET", "/_sim/stats".to_string()),
        ("GET", "/_sim/faults".to_string()),
    ];
    for (method, path) in &routes {
        for auth in [None, Some("Bearer errado"), Some("Basic dG9rZW4=")] {
            let url = format!("{}{path}", h.base);
            let mut req = match *method {
                "GET" => h.http.get(&url),
                _ => h.http.post(&url).json(&json!({})),
            };
            if let Some(a) = auth {
                req = req.header("Authorization", a);
            }
            let (s, v) = h.send(req).await;
            assert_eq!(s, StatusCode::UNAUTHORIZED, "{method} {path} {auth:?}");
            assert_eq!(v, json!({"detail": "Token inválido ou expirado"}));
        }
    }
    assert_eq!(h.stats().await["jobs_created"], 1);
}

#[tokio::test]
async fn unknown_operator_is_404_and_case_sensitive() {
    let h = Harness::default().await;
    let body = json!({"login": "a", "senha": "b", "filtro": "c", "cnpj": "d"});
    for op in ["TIM", "oi", "Vivo"] {
        let (s, v) = h.post(&format!("/executar/{op}"), body.clone()).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        assert_eq!(
            v,
            json!({"detail": format!("Operadora '{op}' não encontrada")})
        );
    }
    for op in ["OI", "VIVO", "EMBRATEL", "DIGITALNET"] {
        let (s, _) = h.post(&format!("/executar/{op}"), body.clone()).await;
        assert_eq!(s, StatusCode::OK, "{op}");
    }
    let (s, v) = h.get("/status/nao-existe").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(v, json!({"detail": "Job 'nao-existe' não encontrado"}));
    let (s, v) = h.get("/jobs/nao-existe/logs").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(v, json!({"detail": "Job 'nao-existe' não encontrado"}));
}

#[tokio::test]
async fn invalid_bodies_get_fastapi_422() {
    let h = Harness::default().await;
    let (s, v) = h
        .post(
            "/executar/OI",
            json!({"login": "a", "senha": "b", "filtro": "c"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        v,
        json!({"detail": [{"loc": ["body", "cnpj"], "msg": "field required", "type": "value_error.missing"}]})
    );
    // Every problem is listed; null counts as missing; a list is not a string.
    let (s, v) = h
        .post(
            "/executar/OI",
            json!({"login": null, "senha": ["x"], "filtro": 123, "cnpj": "d"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["detail"].as_array().unwrap().len(), 2);
    assert_eq!(v["detail"][0]["loc"], json!(["body", "login"]));
    assert_eq!(v["detail"][1]["loc"], json!(["body", "senha"]));
    assert_eq!(v["detail"][1]["type"], "type_error.str");
    // 422 comes before the operator check, as in FastAPI.
    let (s, _) = h.post("/executar/TIM", json!({})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    // No body, broken JSON, not an object: still the FastAPI shape, never axum's text.
    for (body, content_type) in [
        ("", "application/json"),
        ("{\"login\": ", "application/json"),
        ("[1, 2]", "application/json"),
        ("login=a", "application/x-www-form-urlencoded"),
    ] {
        let (s, v) = h
            .send(
                h.http
                    .post(format!("{}/executar/OI", h.base))
                    .bearer_auth(TOKEN)
                    .header("content-type", content_type)
                    .body(body),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body:?}");
        let first = &v["detail"][0];
        assert_eq!(first["loc"][0], "body", "{v}");
        assert!(first["msg"].is_string() && first["type"].is_string(), "{v}");
    }
    let (s, v) = h.post("/executar/sat", json!({"cnpj": "1"})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let missing: Vec<&str> = v["detail"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["loc"][1].as_str().unwrap())
        .collect();
    assert_eq!(
        missing,
        [
            "razao",
            "operadora",
            "nome_filtro",
            "unidade",
            "servico",
            "dados_sat",
            "nome_arquivo",
            "data_vencimento"
        ]
    );
    assert_eq!(h.stats().await["jobs_created"], 0);
}

#[tokio::test]
async fn job_shapes() {
    let h = Harness::default().await;
    let (s, v) = h
        .post(
            "/executar/VIVO",
            json!({"login": "l", "senha": "s", "filtro": "F-1", "cnpj": "12345678000190", "processo_id": 77}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let id = v["job_id"].as_str().unwrap().to_string();
    assert!(uuid::Uuid::parse_str(&id).is_ok());
    assert_eq!(v["status"], "PENDING");
    assert!(v["message"].is_string());
    assert_eq!(v["status_url"], format!("/status/{id}"));

    let st = h.status(&id).await;
    let keys: BTreeSet<&str> = st.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        BTreeSet::from([
            "job_id",
            "operadora",
            "status",
            "progress",
            "result",
            "error",
            "created_at",
            "started_at",
            "completed_at",
            "logs"
        ])
    );
    assert_eq!(st["job_id"], id);
    assert_eq!(st["operadora"], "VIVO");
    assert_eq!(st["created_at"], "2026-11-01T12:00:00");
    assert!(st["result"].is_null() && st["error"].is_null());
    assert_eq!(st["logs"][0]["timestamp"], "2026-11-01T12:00:00");
    assert!(st["logs"][0]["message"].as_str().unwrap().contains("VIVO"));

    let (s, same) = h.get(&format!("/jobs/{id}")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(same, st);

    let (s, list) = h.get("/jobs").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(list["total_jobs"], 1);
    let row = &list["jobs"][0];
    let keys: BTreeSet<&str> = row
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        BTreeSet::from(["job_id", "operadora", "status", "progress", "created_at"])
    );

    let (s, logs) = h.get(&format!("/jobs/{id}/logs")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(logs["job_id"], id);
    assert_eq!(logs["logs"], st["logs"]);

    let stats = h.stats().await;
    assert_eq!(stats["jobs_created"], 1);
    assert_eq!(stats["downloads_created"], 1);
    assert_eq!(stats["sat_created"], 0);
    assert_eq!(stats["by_processo"], json!({"77": 1}));
    assert_eq!(
        stats["queued"].as_u64().unwrap() + stats["running"].as_u64().unwrap(),
        1
    );
}

#[tokio::test]
async fn five_workers_fifo() {
    let h = Harness::default().await;
    let mut ids = Vec::new();
    for _ in 0..8 {
        ids.push(h.download().await);
        h.advance(0.1).await;
    }
    h.advance(1.0).await;
    let (_, list) = h.get("/jobs").await;
    let order: Vec<&str> = list["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["job_id"].as_str().unwrap())
        .collect();
    assert_eq!(order, ids.iter().map(String::as_str).collect::<Vec<_>>());
    let states: Vec<&str> = list["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        states,
        ["RUNNING", "RUNNING", "RUNNING", "RUNNING", "RUNNING", "PENDING", "PENDING", "PENDING"]
    );
    let (_, health) = h.send(h.http.get(format!("{}/health", h.base))).await;
    assert_eq!(
        (
            health["jobs_active"].as_u64(),
            health["jobs_pending"].as_u64()
        ),
        (Some(5), Some(3))
    );
    let stats = h.stats().await;
    assert_eq!(
        (stats["running"].as_u64(), stats["queued"].as_u64()),
        (Some(5), Some(3))
    );

    // Step through time: never more than 5 running, and queued jobs start in order, each
    // exactly when a worker frees up.
    let mut started_order = Vec::new();
    for _ in 0..200 {
        h.advance(1.0).await;
        let (_, list) = h.get("/jobs").await;
        let running = list["jobs"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|j| j["status"] == "RUNNING")
            .count();
        assert!(running <= 5);
        for id in &ids[5..] {
            let st = h.status(id).await;
            if !st["started_at"].is_null() && !started_order.contains(id) {
                started_order.push(id.clone());
            }
        }
        if list["jobs"]
            .as_array()
            .unwrap()
            .iter()
            .all(|j| j["status"] == "COMPLETED")
        {
            break;
        }
    }
    let mut ends = Vec::new();
    for id in &ids {
        ends.push(parse_naive(
            h.status(id).await["completed_at"].as_str().unwrap(),
        ));
    }
    ends.sort();
    let mut starts = Vec::new();
    for id in &ids[5..] {
        let st = h.status(id).await;
        assert_eq!(st["status"], "COMPLETED");
        starts.push(parse_naive(st["started_at"].as_str().unwrap()));
    }
    assert!(starts.windows(2).all(|w| w[0] <= w[1]), "FIFO: {starts:?}");
    assert_eq!(started_order, ids[5..]);
    assert_eq!(
        starts,
        ends[..3],
        "each queued job starts when a worker frees up"
    );
}

#[tokio::test]
async fn progress_milestones_and_logs() {
    // One worker: the second job waits (PENDING, progress 0) until the first ends.
    let h = Harness::new(SimConfig {
        workers: 1,
        ..SimConfig::default()
    })
    .await;
    let first = h.download().await;
    let id = h.download().await;
    h.advance(1.0).await;
    assert_eq!(h.status(&first).await["status"], "RUNNING");
    let mut seen = Vec::new();
    let mut last = h.status(&id).await;
    seen.push(last["progress"].as_u64().unwrap());
    assert_eq!(last["status"], "PENDING");
    for _ in 0..260 {
        h.advance(0.5).await;
        last = h.status(&id).await;
        let p = last["progress"].as_u64().unwrap();
        if seen.last() != Some(&p) {
            seen.push(p);
        }
        if last["status"] == "COMPLETED" {
            break;
        }
    }
    assert_eq!(seen, [0, 30, 90, 95, 100]);
    assert_eq!(last["status"], "COMPLETED");
    let logs = last["logs"].as_array().unwrap();
    assert!(logs.len() >= 7, "{logs:?}");
    let times: Vec<NaiveDateTime> = logs
        .iter()
        .map(|l| parse_naive(l["timestamp"].as_str().unwrap()))
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]));
    let text: Vec<&str> = logs
        .iter()
        .map(|l| l["message"].as_str().unwrap())
        .collect();
    assert!(
        text.iter().any(|m| m.starts_with("Robô iniciado")),
        "{text:?}"
    );
    assert!(text.iter().any(|m| m.contains("Finalizando")), "{text:?}");
    assert!(
        text.iter().any(|m| m.starts_with("Resultado capturado")),
        "{text:?}"
    );
    assert_eq!(*text.last().unwrap(), "Job concluído");
    let created = parse_naive(last["created_at"].as_str().unwrap());
    let started = parse_naive(last["started_at"].as_str().unwrap());
    let completed = parse_naive(last["completed_at"].as_str().unwrap());
    let secs = (completed - started).num_milliseconds();
    assert!((20_000..=60_000).contains(&secs), "{secs}");
    assert!(created <= started);
}

fn pdf_text(bytes: &[u8]) -> String {
    let doc = lopdf::Document::load_mem(bytes).unwrap();
    doc.extract_text(&[1]).unwrap()
}

#[tokio::test]
async fn completed_download_writes_an_invoice_pdf() {
    let h = Harness::default().await;
    let id = h.download().await;
    let st = h.finish(&id).await;
    assert_eq!(st["status"], "COMPLETED");
    assert_eq!(st["progress"], 100);
    assert!(st["error"].is_null());
    let key = st["result"].as_str().unwrap();
    assert_eq!(
        key,
        format!(
            "faturas/oi/12345678000190_CONTA-123_202611_{}.pdf",
            &id[..8]
        )
    );
    let on_disk = std::fs::read(h.dir.path().join(key)).unwrap();
    let bytes = h.storage.get(key).await.unwrap();
    assert_eq!(on_disk, bytes.to_vec());
    assert!(bytes.starts_with(b"%PDF"));

    let text = pdf_text(&bytes);
    for needle in ["Fatura", "OI", "12.345.678/0001-90", "CONTA-123", "11/2026"] {
        assert!(text.contains(needle), "{needle:?} not in {text}");
    }
    // The payment line: printed grouped, valid, and for the amount shown.
    let grouped = text
        .lines()
        .flat_map(|l| l.split("  "))
        .map(str::trim)
        .find(|l| l.len() == 55 && l.starts_with("846"))
        .or_else(|| {
            let start = text.find("846")?;
            text.get(start..start + 55)
        })
        .unwrap_or_else(|| panic!("no payment line in {text}"))
        .to_string();
    let line = payment_line::parse(&grouped).unwrap();
    assert_eq!(payment_line::format(&line.digits), grouped);
    let cents = line.amount_cents.unwrap();
    assert!((5_000..=500_000).contains(&cents), "{cents}");
    let brl = brm_simulator::pdf::format_brl(cents);
    assert!(
        text.contains(&format!("Valor total: {brl}")),
        "{brl} not in {text}"
    );
    // Due date 10-25 days after the (Brasília) issue date 2026-11-01.
    let due_text = text.split("Vencimento: ").nth(1).map(|s| &s[..10]).unwrap();
    let due = NaiveDate::parse_from_str(due_text, "%d/%m/%Y").unwrap();
    let days = (due - NaiveDate::from_ymd_opt(2026, 11, 1).unwrap()).num_days();
    assert!((10..=25).contains(&days), "{days}");
    assert_eq!(h.stats().await["downloads_created"], 1);
}

#[tokio::test]
async fn object_result_shape_matches_the_pdf() {
    let h = Harness::new(SimConfig {
        result_shape: ResultShape::Object,
        ..SimConfig::default()
    })
    .await;
    let id = h.download_with("EMBRATEL", "x", None).await;
    let st = h.finish(&id).await;
    assert_eq!(st["status"], "COMPLETED");
    let result = st["result"].as_object().unwrap();
    let key = result["arquivo_fatura"].as_str().unwrap();
    assert!(key.starts_with("faturas/embratel/"));
    let bytes = h.storage.get(key).await.unwrap();
    let text = pdf_text(&bytes);
    let valor = result["valor_fatura"].as_f64().unwrap();
    let cents = (valor * 100.0).round() as i64;
    assert!(text.contains(&brm_simulator::pdf::format_brl(cents)));
    let due = result["data_vencimento"].as_str().unwrap();
    assert!(text.contains(&format!("Vencimento: {due}")), "{due} {text}");
}

#[tokio::test]
async fn sat_jobs_complete_without_a_pdf() {
    let h = Harness::default().await;
    let body = json!({
        "cnpj": "12345678000190", "razao": "Empresa", "operadora": "OI",
        "nome_filtro": "CONTA-123", "unidade": "Matriz", "servico": "Telefonia",
        "dados_sat": {"centro_custo": "10"}, "nome_arquivo": "fatura.pdf",
        "data_vencimento": "20/11/2026", "processo_id": "proc-9"
    });
    let (s, v) = h.post("/executar/sat", body).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let id = v["job_id"].as_str().unwrap().to_string();
    let st = h.finish(&id).await;
    assert_eq!(st["status"], "COMPLETED");
    assert_eq!(st["result"], "sat/proc-9.ok");
    let stats = h.stats().await;
    assert_eq!(stats["sat_created"], 1);
    assert_eq!(stats["by_processo"]["proc-9"], 1);
    assert!(!h.dir.path().join("faturas").exists());
}

#[tokio::test]
async fn ended_jobs_are_purged_after_24_hours() {
    let h = Harness::default().await;
    let id = h.download().await;
    assert_eq!(h.finish(&id).await["status"], "COMPLETED");
    h.advance(23.0 * 3600.0).await;
    assert_eq!(h.status(&id).await["status"], "COMPLETED");
    h.advance(3600.0).await;
    let (s, v) = h.get(&format!("/status/{id}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(v, json!({"detail": format!("Job '{id}' não encontrado")}));
    let (_, list) = h.get("/jobs").await;
    assert_eq!(list["total_jobs"], 0);
}

/// Runs the same requests against a simulator and returns everything observable.
async fn scripted_run(seed: u64) -> (Vec<Value>, Vec<Vec<u8>>) {
    let h = Harness::new(SimConfig {
        seed,
        faults: Faults {
            failure_rate: 0.2,
            no_invoice_rate: 0.2,
            error_500_rate: 0.2,
            ..Faults::default()
        },
        ..SimConfig::default()
    })
    .await;
    let mut observed = Vec::new();
    let mut ids = Vec::new();
    for i in 0..12 {
        let (s, v) = h
            .post(
                "/executar/OI",
                json!({"login": "l", "senha": "s", "filtro": format!("C{i}"), "cnpj": "12345678000190"}),
            )
            .await;
        observed.push(json!({"status": s.as_u16(), "body": v}));
        if let Some(id) = v["job_id"].as_str() {
            ids.push(id.to_string());
        }
        h.advance(7.0).await;
    }
    h.advance(200.0).await;
    let mut pdfs = Vec::new();
    for id in &ids {
        let (s, v) = h.get(&format!("/status/{id}")).await;
        observed.push(json!({"status": s.as_u16(), "body": v}));
        if let Some(key) = v["result"].as_str().filter(|k| !k.is_empty()) {
            pdfs.push(h.storage.get(key).await.unwrap().to_vec());
        }
    }
    (observed, pdfs)
}

#[tokio::test]
async fn same_seed_same_run_other_seed_other_run() {
    let (a, pdf_a) = scripted_run(7).await;
    let (b, pdf_b) = scripted_run(7).await;
    assert_eq!(a, b);
    assert_eq!(pdf_a, pdf_b);
    assert!(!pdf_a.is_empty());
    let (c, pdf_c) = scripted_run(8).await;
    assert_ne!(a, c);
    assert_ne!(pdf_a, pdf_c);
}

async fn run_one_with(faults: Faults, senha: &str) -> (Harness, String, Value) {
    let h = Harness::new(SimConfig {
        faults,
        ..SimConfig::default()
    })
    .await;
    let id = h.download_with("OI", senha, Some("p1")).await;
    h.advance(61.0).await;
    let (s, v) = h.get(&format!("/status/{id}")).await;
    let v = if s == StatusCode::NOT_FOUND {
        json!({"not_found": v})
    } else {
        v
    };
    (h, id, v)
}

#[tokio::test]
async fn job_faults_are_observable() {
    let (_h, _, st) = run_one_with(
        Faults {
            failure_rate: 1.0,
            ..Faults::default()
        },
        "s",
    )
    .await;
    assert_eq!(st["status"], "FAILED");
    assert_eq!(st["error"], messages::TRANSIENT_ERROR);
    assert!(st["result"].is_null());
    assert!(!st["completed_at"].is_null());

    let (_h, _, st) = run_one_with(
        Faults {
            business_rate: 1.0,
            ..Faults::default()
        },
        "s",
    )
    .await;
    assert_eq!(st["status"], "FAILED");
    assert_eq!(st["error"], messages::BUSINESS_ERROR);

    let (_h, _, st) = run_one_with(Faults::default(), messages::WRONG_PASSWORD).await;
    assert_eq!(st["status"], "FAILED");
    assert_eq!(
        st["error"],
        "Login ou senha inválidos no portal da operadora"
    );
    let last = st["logs"].as_array().unwrap().last().unwrap().clone();
    assert!(last["message"]
        .as_str()
        .unwrap()
        .contains("Login ou senha inválidos"));

    let (h, _, st) = run_one_with(
        Faults {
            no_invoice_rate: 1.0,
            ..Faults::default()
        },
        "s",
    )
    .await;
    assert_eq!(st["status"], "COMPLETED");
    assert_eq!(st["result"], "");
    assert!(st["logs"]
        .as_array()
        .unwrap()
        .iter()
        .any(|l| l["message"] == "Nenhuma fatura disponível ainda"));
    assert!(!h.dir.path().join("faturas").exists());

    let (h, id, st) = run_one_with(
        Faults {
            lost_rate: 1.0,
            ..Faults::default()
        },
        "s",
    )
    .await;
    assert_eq!(
        st,
        json!({"not_found": {"detail": format!("Job '{id}' não encontrado")}})
    );
    assert_eq!(h.stats().await["jobs_created"], 1);
    assert_eq!(h.stats().await["running"], 0);
}

#[tokio::test]
async fn http_faults_are_observable() {
    let h = Harness::default().await;
    let body = json!({"login": "l", "senha": "s", "filtro": "f", "cnpj": "1", "processo_id": "p"});

    // 500: nothing happens.
    h.put_faults(json!({"error_500_rate": 1.0})).await;
    let (s, v) = h.post("/executar/OI", body.clone()).await;
    assert_eq!(s, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(v, json!({"detail": "Internal Server Error"}));
    let resp = h
        .http
        .get(format!("{}/health", h.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(h.stats().await["jobs_created"], 0);

    // Dropped: the job is created, the client gets no answer.
    h.put_faults(json!({"drop_rate": 1.0})).await;
    let err = h
        .http
        .post(format!("{}/executar/OI", h.base))
        .bearer_auth(TOKEN)
        .json(&body)
        .send()
        .await
        .expect_err("the connection is dropped without an answer");
    assert!(!err.is_status(), "{err:?}");
    assert!(h
        .http
        .get(format!("{}/health", h.base))
        .send()
        .await
        .is_err());
    assert_eq!(h.stats().await["jobs_created"], 1);

    // Malformed: 200, JSON content type, a body cut after "status":.
    h.put_faults(json!({"malformed_rate": 1.0})).await;
    let resp = h
        .http
        .post(format!("{}/executar/OI", h.base))
        .bearer_auth(TOKEN)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    let text = resp.text().await.unwrap();
    assert!(text.starts_with("{\"job_id\":\""), "{text}");
    assert!(text.trim_end().ends_with("\"status\":"), "{text}");
    assert!(serde_json::from_str::<Value>(&text).is_err());
    assert_eq!(h.stats().await["jobs_created"], 2);
    assert_eq!(h.stats().await["by_processo"]["p"], 2);

    // Unauthorized: every authenticated call, not /health, not the admin routes.
    h.put_faults(json!({"unauthorized": true})).await;
    let (s, v) = h.post("/executar/OI", body.clone()).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(v, json!({"detail": "Token inválido ou expirado"}));
    let (s, _) = h.get("/jobs").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let resp = h
        .http
        .get(format!("{}/health", h.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);

    // Slow answers.
    h.put_faults(json!({"slow_ms": 300})).await;
    let t = Instant::now();
    let (s, _) = h.get("/jobs").await;
    assert_eq!(s, StatusCode::OK);
    assert!(t.elapsed() >= StdDuration::from_millis(300));

    // Back to normal at runtime.
    let (s, v) = h.put_faults(json!({})).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v, serde_json::to_value(Faults::default()).unwrap());
    let (s, v) = h.post("/executar/OI", body).await;
    assert_eq!(s, StatusCode::OK, "{v}");
}

/// The defect a client must reconcile: the job is made, its answer lost (in turn a
/// dropped connection, a 500 and a cut answer), reads are left alone; and a service that
/// honours `Idempotency-Key` answers the same job to the same key.
#[tokio::test]
async fn creates_can_lose_their_answer_and_keys_can_make_them_safe_to_repeat() {
    let h = Harness::default().await;
    let body = json!({"login": "l", "senha": "s", "filtro": "f", "cnpj": "1", "processo_id": "p"});
    h.put_faults(json!({"lost_answer_rate": 1.0})).await;
    let mut statuses = Vec::new();
    for _ in 0..3 {
        let r = h
            .http
            .post(format!("{}/executar/OI", h.base))
            .bearer_auth(TOKEN)
            .json(&body)
            .send()
            .await;
        statuses.push(match r {
            Err(_) => "caiu".to_string(),
            Ok(r) => {
                let s = r.status();
                let ok = serde_json::from_str::<Value>(&r.text().await.unwrap()).is_ok();
                format!("{}{}", s.as_u16(), if ok { "" } else { " cortada" })
            }
        });
    }
    statuses.sort();
    assert_eq!(statuses, ["200 cortada", "500", "caiu"]);
    let stats = h.stats().await;
    assert_eq!(
        (
            stats["jobs_created"].as_u64(),
            stats["answers_lost"].as_u64()
        ),
        (Some(3), Some(3))
    );
    assert_eq!(stats["jobs"].as_array().unwrap().len(), 3);
    assert_eq!(stats["jobs"][0]["processo_id"], "p");
    // Reads are not creates: answered.
    let (s, v) = h.get("/jobs").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["total_jobs"], 3);

    // Keys: off unless told; then the same key, the same job.
    let keyed = |key: &'static str| {
        h.http
            .post(format!("{}/executar/OI", h.base))
            .bearer_auth(TOKEN)
            .header("Idempotency-Key", key)
            .json(&body)
            .send()
    };
    h.put_faults(json!({})).await;
    let (_, health) = h.get("/health").await;
    assert!(health.get("idempotency").is_none());
    let a: Value = keyed("k1").await.unwrap().json().await.unwrap();
    let b: Value = keyed("k1").await.unwrap().json().await.unwrap();
    assert_ne!(a["job_id"], b["job_id"]);
    h.put_faults(json!({"idempotency": true})).await;
    let (_, health) = h.get("/health").await;
    assert_eq!(health["idempotency"], true);
    let a: Value = keyed("k2").await.unwrap().json().await.unwrap();
    let b: Value = keyed("k2").await.unwrap().json().await.unwrap();
    let c: Value = keyed("k3").await.unwrap().json().await.unwrap();
    assert_eq!(a["job_id"], b["job_id"]);
    assert_ne!(a["job_id"], c["job_id"]);
    let stats = h.stats().await;
    assert_eq!(stats["jobs_created"], 7);
    assert_eq!(stats["idempotent_replays"], 1);

    // Hanging: the answer comes, late.
    h.put_faults(json!({"hang_rate": 1.0, "hang_ms": 400}))
        .await;
    let t = Instant::now();
    let (s, _) = h.get("/jobs").await;
    assert_eq!(s, StatusCode::OK);
    assert!(t.elapsed() >= StdDuration::from_millis(400));
    let (s, _) = h.put_faults(json!({"hang_rate": 1.5})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn fault_rates_pick_requests_deterministically() {
    async fn pattern(seed: u64) -> Vec<u16> {
        let h = Harness::new(SimConfig {
            seed,
            faults: Faults {
                error_500_rate: 0.5,
                ..Faults::default()
            },
            ..SimConfig::default()
        })
        .await;
        let mut out = Vec::new();
        for _ in 0..24 {
            let r = h
                .http
                .get(format!("{}/health", h.base))
                .send()
                .await
                .unwrap();
            out.push(r.status().as_u16());
        }
        out
    }
    let a = pattern(3).await;
    assert_eq!(a, pattern(3).await);
    assert!(a.contains(&500) && a.contains(&200), "{a:?}");
    assert_ne!(a, pattern(4).await);
}

#[tokio::test]
async fn faults_change_at_runtime_and_are_validated() {
    let h = Harness::default().await;
    let (s, v) = h.get("/_sim/faults").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["failure_rate"], 0.0);
    let (s, v) = h
        .put_faults(json!({"failure_rate": 1.0, "slow_ms": 0}))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["failure_rate"], 1.0);
    assert_eq!(h.get("/_sim/faults").await.1["failure_rate"], 1.0);
    assert_eq!(h.sim.faults().failure_rate, 1.0);
    let id = h.download().await;
    assert_eq!(h.finish(&id).await["status"], "FAILED");
    // The Rust API changes the same faults.
    h.sim.set_faults(Faults::default());
    let id = h.download().await;
    assert_eq!(h.finish(&id).await["status"], "COMPLETED");
    let (s, v) = h.put_faults(json!({"drop_rate": 2})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(v["detail"][0]["msg"]
        .as_str()
        .unwrap()
        .contains("drop_rate"));
    let (s, _) = h.put_faults(json!({"drop_rate": "x"})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn clock_advance_needs_a_manual_clock() {
    let dir = tempfile::tempdir().unwrap();
    let storage = Arc::new(LocalFolder::new(dir.path()).unwrap());
    let sim = Simulator::new(SimConfig::default(), storage, Arc::new(SystemClock));
    let running = sim.serve(0).await.unwrap();
    let resp = reqwest::Client::new()
        .post(format!("{}/_sim/clock/advance", running.base_url()))
        .bearer_auth(TOKEN)
        .json(&json!({"seconds": 5}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    assert!(resp.json::<Value>().await.unwrap()["detail"].is_string());
    assert!(!sim.advance(Duration::seconds(1)).await);
    running.shutdown().await;

    let h = Harness::default().await;
    let (s, v) = h.post("/_sim/clock/advance", json!({"seconds": -1})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (_, v) = h.get("/_sim/clock").await;
    assert_eq!(v["now"], "2026-11-01T12:00:00");
    assert!(h.sim.advance(Duration::seconds(90)).await);
    assert_eq!(h.get("/_sim/clock").await.1["now"], "2026-11-01T12:01:30");
    assert_eq!(h.sim.now(), start_time() + Duration::seconds(90));
}

#[tokio::test]
async fn live_events_stream() {
    use futures_util::StreamExt;
    let h = Harness::default().await;
    let resp = h
        .http
        .get(format!("{}/events/logs", h.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    let mut stream = resp.bytes_stream();
    let mut buffer = String::new();
    let mut events: Vec<Value> = Vec::new();
    let id = h.download().await;
    h.advance(5.0).await;
    let deadline = Instant::now() + StdDuration::from_secs(10);
    while Instant::now() < deadline {
        let chunk = tokio::time::timeout(StdDuration::from_secs(5), stream.next())
            .await
            .expect("an event in time")
            .expect("stream open")
            .unwrap();
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            for line in block.lines() {
                if let Some(data) = line.strip_prefix("data:") {
                    events.push(serde_json::from_str(data.trim()).unwrap());
                }
            }
        }
        if events.iter().any(|e| {
            e["type"] == "log"
                && e["job_id"] == id
                && e["message"].as_str().unwrap().starts_with("Robô iniciado")
        }) {
            break;
        }
    }
    assert_eq!(events[0]["type"], "connection");
    for e in &events {
        for key in [
            "type",
            "level",
            "message",
            "operadora",
            "job_id",
            "timestamp",
            "jobs_pending",
            "jobs_active",
        ] {
            assert!(e.get(key).is_some(), "{key} missing in {e}");
        }
    }
    assert!(events.iter().any(|e| e["type"] == "system_status"));
    let log = events
        .iter()
        .find(|e| e["type"] == "log" && e["job_id"] == id)
        .expect("a log event of the job");
    assert_eq!(log["operadora"], "OI");
    // Shutting down ends the stream instead of hanging.
    h.running.shutdown().await;
    let end = tokio::time::timeout(StdDuration::from_secs(5), async {
        while let Some(Ok(_)) = stream.next().await {}
    })
    .await;
    assert!(end.is_ok(), "the stream ends on shutdown");
}

#[tokio::test]
async fn the_binary_starts_and_prints_its_url() {
    use tokio::io::{AsyncBufReadExt, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_brm-simulator"))
        .args([
            "--port",
            "0",
            "--seed",
            "5",
            "--token",
            "T-bin",
            "--manual-clock",
            "--start",
            "2026-11-01T12:00:00Z",
            "--job-secs",
            "20,30",
            "--workers",
            "2",
            "--storage-dir",
        ])
        .arg(dir.path())
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let line = tokio::time::timeout(StdDuration::from_secs(30), lines.next_line())
        .await
        .expect("the URL in time")
        .unwrap()
        .expect("a line");
    let base = line
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_string();
    assert!(base.starts_with("http://127.0.0.1:"));
    let http = reqwest::Client::new();
    let health: Value = http
        .get(format!("{base}/health"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["status"], "healthy");
    let created: Value = http
        .post(format!("{base}/executar/DIGITALNET"))
        .bearer_auth("T-bin")
        .json(&json!({"login": "l", "senha": "s", "filtro": "f", "cnpj": "12345678000190"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["job_id"].as_str().unwrap();
    let r = http
        .post(format!("{base}/_sim/clock/advance"))
        .bearer_auth("T-bin")
        .json(&json!({"seconds": 31}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let st: Value = http
        .get(format!("{base}/status/{id}"))
        .bearer_auth("T-bin")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(st["status"], "COMPLETED", "{st}");
    let key = st["result"].as_str().unwrap();
    assert!(std::fs::read(dir.path().join(key))
        .unwrap()
        .starts_with(b"%PDF"));
    child.kill().await.unwrap();
}

/// A storage that refuses every write.
struct BrokenStorage;

#[async_trait::async_trait]
impl InvoiceStorage for BrokenStorage {
    fn describe(&self) -> String {
        "armazenamento quebrado".into()
    }
    async fn put(
        &self,
        _key: &str,
        _bytes: brm_storage::Bytes,
    ) -> Result<brm_storage::StoredObject, brm_storage::StorageError> {
        Err(brm_storage::StorageError::Unavailable("disco cheio".into()))
    }
    async fn get(&self, key: &str) -> Result<brm_storage::Bytes, brm_storage::StorageError> {
        Err(brm_storage::StorageError::NotFound(key.into()))
    }
    async fn head(&self, _key: &str) -> Result<Option<u64>, brm_storage::StorageError> {
        Ok(None)
    }
    async fn delete(&self, _key: &str) -> Result<(), brm_storage::StorageError> {
        Ok(())
    }
}

#[tokio::test]
async fn a_failed_invoice_write_fails_the_job() {
    let clock = Arc::new(ManualClock::new(start_time()));
    let sim = Simulator::with_manual_clock(SimConfig::default(), Arc::new(BrokenStorage), clock);
    let running = sim.serve(0).await.unwrap();
    let http = reqwest::Client::new();
    let created: Value = http
        .post(format!("{}/executar/OI", running.base_url()))
        .bearer_auth(TOKEN)
        .json(&json!({"login": "l", "senha": "s", "filtro": "f", "cnpj": "1"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(sim.advance(Duration::seconds(61)).await);
    let st: Value = http
        .get(format!(
            "{}/status/{}",
            running.base_url(),
            created["job_id"].as_str().unwrap()
        ))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(st["status"], "FAILED");
    let error = st["error"].as_str().unwrap();
    assert!(
        error.starts_with("Falha ao gravar a fatura no armazenamento"),
        "{error}"
    );
    assert!(error.contains("disco cheio"));
    assert_eq!(sim.stats().running, 0);
    running.shutdown().await;
}
