//! The client against real HTTP servers started inside each test: an axum app that
//! answers the contract's shapes and its bad cases, and raw TCP listeners that drop
//! the connection.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use brm_core::execution::ErrorClass;
use brm_robot::*;
use futures_util::StreamExt;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const TOKEN: &str = "good.jwt.token";
const SENHA: &str = "s3nh@-do-portal";

/// A request as the server saw it: path and Authorization header.
type Call = (String, Option<String>);

/// What the server saw, in order.
#[derive(Clone, Default)]
struct Seen(Arc<Mutex<Vec<Call>>>);

impl Seen {
    fn record(&self, path: &str, headers: &HeaderMap) {
        let auth = headers
            .get("authorization")
            .map(|v| v.to_str().unwrap().to_string());
        self.0.lock().unwrap().push((path.to_string(), auth));
    }
    fn all(&self) -> Vec<Call> {
        self.0.lock().unwrap().clone()
    }
    fn count(&self, prefix: &str) -> usize {
        self.all()
            .iter()
            .filter(|(p, _)| p.starts_with(prefix))
            .count()
    }
}

fn unauthorized() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        Json(json!({"detail": "Token inválido ou expirado"})),
    )
        .into_response()
}

fn authorized(headers: &HeaderMap) -> bool {
    headers.get("authorization").and_then(|v| v.to_str().ok()) == Some(&format!("Bearer {TOKEN}"))
}

async fn health(State(seen): State<Seen>, headers: HeaderMap) -> Response {
    seen.record("/health", &headers);
    Json(
        json!({"status": "healthy", "message": "Bot Phone RPA API", "jobs_pending": 3,
        "jobs_active": "2", "version": "2.3.6"}),
    )
    .into_response()
}

async fn token(State(seen): State<Seen>, headers: HeaderMap) -> Response {
    seen.record("/auth/token", &headers);
    if !authorized(&headers) {
        return unauthorized();
    }
    Json(json!({"token": "new.jwt", "expires_in": 525600, "message": "Token gerado"}))
        .into_response()
}

async fn executar(
    State(seen): State<Seen>,
    Path(op): Path<String>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    seen.record(&format!("/executar/{op}"), &headers);
    if !authorized(&headers) {
        return unauthorized();
    }
    let required: &[&str] = if op == "sat" {
        &[
            "cnpj",
            "razao",
            "operadora",
            "nome_filtro",
            "unidade",
            "servico",
            "dados_sat",
            "nome_arquivo",
            "data_vencimento",
        ]
    } else {
        if !["OI", "VIVO", "EMBRATEL", "DIGITALNET"].contains(&op.as_str()) {
            return (
                StatusCode::NOT_FOUND,
                Json(json!({"detail": format!("Operadora '{op}' não encontrada")})),
            )
                .into_response();
        }
        &["login", "senha", "filtro", "cnpj"]
    };
    let missing: Vec<Value> = required
        .iter()
        .filter(|k| body.get(**k).and_then(Value::as_str).filter(|v| !v.is_empty()).is_none())
        // pydantic v2 echoes the whole input, password included.
        .map(|k| json!({"type": "missing", "loc": ["body", k], "msg": "Field required", "input": body}))
        .collect();
    if !missing.is_empty() {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({"detail": missing})),
        )
            .into_response();
    }
    if op == "sat" {
        assert!(
            body.get("processo_id").is_none(),
            "processo_id: None is not sent"
        );
    } else {
        assert_eq!(body["processo_id"], "p-1");
    }
    Json(
        json!({"job_id": format!("job-{op}"), "status": "PENDING", "message": "Job criado",
        "status_url": format!("/status/job-{op}"), "queue_position": 4}),
    )
    .into_response()
}

fn status_body(id: &str) -> Option<Value> {
    let base = json!({"job_id": id, "operadora": "OI", "created_at": "2024-01-15T10:30:00",
        "started_at": "2024-01-15T10:30:05.123456", "completed_at": "2024-01-15T10:31:00Z",
        "logs": [{"timestamp": "2024-01-15T10:30:05", "message": "Robô iniciado"},
                 {"timestamp": "lixo", "level": "ERROR", "message": "falhou algo"}]});
    let mut v = base;
    let o = v.as_object_mut().unwrap();
    match id {
        "str" => {
            o.insert("status".into(), json!("COMPLETED"));
            o.insert("progress".into(), json!(100));
            o.insert("result".into(), json!("faturas/oi_202401.pdf"));
        }
        "empty" => {
            o.insert("status".into(), json!("COMPLETED"));
            o.insert("progress".into(), json!(100));
            o.insert("result".into(), json!(""));
        }
        "obj" => {
            o.insert("status".into(), json!("COMPLETED"));
            o.insert("progress".into(), json!(100));
            o.insert(
                "result".into(),
                json!({"arquivo_fatura": "faturas/vivo.pdf",
                "valor_fatura": 1234.56, "data_vencimento": "10/02/2024"}),
            );
        }
        "num" => {
            o.insert("status".into(), json!("COMPLETED"));
            o.insert("progress".into(), json!(250));
            o.insert("result".into(), json!(42));
        }
        "queued" => {
            o.insert("status".into(), json!("QUEUED"));
            o.insert("fila".into(), json!({"posicao": 7}));
            o.insert("created_at".into(), json!(12345));
            o.remove("logs");
        }
        "failed" => {
            o.insert("status".into(), json!("FAILED"));
            o.insert("progress".into(), json!(30));
            o.insert("error".into(), json!("Login falhou: SENHA inválida"));
        }
        "crashed" => {
            o.insert("status".into(), json!("FAILED"));
            o.insert("progress".into(), json!(30));
            o.insert("error".into(), json!("selenium: chrome not reachable"));
        }
        _ => return None,
    }
    Some(v)
}

async fn status(State(seen): State<Seen>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    seen.record(&format!("/status/{id}"), &headers);
    if !authorized(&headers) {
        return unauthorized();
    }
    match id.as_str() {
        "malformed" => (
            StatusCode::OK,
            [("content-type", "application/json")],
            "{\"job_id\": \"mal",
        )
            .into_response(),
        "boom" => (
            StatusCode::INTERNAL_SERVER_ERROR,
            Json(json!({"detail": "Erro interno"})),
        )
            .into_response(),
        "html500" => (StatusCode::BAD_GATEWAY, "<html>Bad Gateway</html>").into_response(),
        // An answer without end (no Content-Length): 64 MB of one JSON string.
        "huge" => {
            let pieces = std::iter::once(b"{\"job_id\": \"".to_vec())
                .chain((0..64).map(|_| vec![b'x'; 1024 * 1024]))
                .map(Ok::<_, std::io::Error>);
            (
                StatusCode::OK,
                [("content-type", "application/json")],
                axum::body::Body::from_stream(futures_util::stream::iter(pieces)),
            )
                .into_response()
        }
        "slow" => {
            tokio::time::sleep(Duration::from_secs(3)).await;
            Json(status_body("str").unwrap()).into_response()
        }
        _ => match status_body(&id) {
            Some(v) => Json(v).into_response(),
            None => (
                StatusCode::NOT_FOUND,
                Json(json!({"detail": format!("Job '{id}' não encontrado")})),
            )
                .into_response(),
        },
    }
}

async fn jobs(State(seen): State<Seen>, headers: HeaderMap) -> Response {
    seen.record("/jobs", &headers);
    if !authorized(&headers) {
        return unauthorized();
    }
    Json(json!({"total_jobs": 3, "jobs": [
        {"job_id": "a", "operadora": "OI", "status": "RUNNING", "progress": 30,
         "created_at": "2024-01-15T10:30:00"},
        {"job_id": "b", "status": "QUEUED"},
        {"operadora": "sem id"}
    ]}))
    .into_response()
}

async fn job_logs(
    State(seen): State<Seen>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    seen.record(&format!("/jobs/{id}/logs"), &headers);
    if !authorized(&headers) {
        return unauthorized();
    }
    let lines = json!([{"timestamp": "2024-01-15T10:30:00", "level": "INFO", "message": "um"},
        "dois"]);
    match id.as_str() {
        "list" => Json(lines).into_response(),
        "wrapped" => Json(json!({"job_id": id, "logs": lines})).into_response(),
        _ => (
            StatusCode::NOT_FOUND,
            Json(json!({"detail": format!("Job '{id}' não encontrado")})),
        )
            .into_response(),
    }
}

async fn events(State(seen): State<Seen>, headers: HeaderMap) -> impl IntoResponse {
    seen.record("/events/logs", &headers);
    let items = vec![
        Event::default().data(r#"{"type":"connection","message":"Conectado","timestamp":"2024-01-15T10:30:00"}"#),
        Event::default().data(
            r#"{"type":"log","level":"INFO","message":"Robô OI iniciado","operadora":"OI","job_id":"j1","timestamp":"2024-01-15T10:30:01.5"}"#,
        ),
        Event::default()
            .event("status")
            .data(r#"{"type":"system_status","jobs_pending":4,"jobs_active":5}"#),
    ];
    Sse::new(futures_util::stream::iter(
        items.into_iter().map(Ok::<_, Infallible>),
    ))
}

async fn serve(router: Router) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    addr
}

/// The contract's service; returns its address and what it saw.
async fn robot() -> (SocketAddr, Seen) {
    let seen = Seen::default();
    let app = Router::new()
        .route("/health", get(health))
        .route("/auth/token", get(token))
        .route("/executar/{op}", post(executar))
        .route("/status/{id}", get(status))
        .route("/jobs", get(jobs))
        .route("/jobs/{id}/logs", get(job_logs))
        .route("/events/logs", get(events))
        .with_state(seen.clone());
    (serve(app).await, seen)
}

fn client(addr: SocketAddr) -> RobotClient {
    client_with(addr, Some(TOKEN))
}

fn client_with(addr: SocketAddr, token: Option<&str>) -> RobotClient {
    let mut cfg = RobotConfig::new(format!("http://{addr}/"), token.map(String::from));
    cfg.request_timeout = Duration::from_millis(300);
    cfg.connect_timeout = Duration::from_secs(2);
    RobotClient::new(cfg).unwrap()
}

fn download() -> DownloadRequest {
    DownloadRequest {
        login: "cliente@empresa.com.br".into(),
        senha: SENHA.into(),
        filtro: "01/2024".into(),
        cnpj: "12345678000199".into(),
        processo_id: Some("p-1".into()),
        mes_referencia: None,
    }
}

fn dt(s: &str) -> chrono::NaiveDateTime {
    chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f").unwrap()
}

/// No secret in any part of an error a person or a log may see.
fn assert_clean(e: &RobotError) {
    let all = format!("{e:?} {e}");
    assert!(!all.contains(TOKEN), "{all}");
    assert!(!all.contains(SENHA), "{all}");
}

#[tokio::test]
async fn health_without_token_and_token_info() {
    let (addr, seen) = robot().await;
    let c = client(addr);
    assert_eq!(c.base_url(), format!("http://{addr}"));
    let h = c.health().await.unwrap();
    assert!(h.healthy);
    assert_eq!(h.status, "healthy");
    assert_eq!((h.jobs_pending, h.jobs_active), (Some(3), Some(2)));
    assert_eq!(h.message.as_deref(), Some("Bot Phone RPA API"));

    let t = c.token_info().await.unwrap();
    assert_eq!(t.token, "new.jwt");
    assert_eq!(t.expires_in_minutes, Some(525600));
    assert!(!format!("{t:?}").contains("new.jwt"));

    let seen = seen.all();
    assert_eq!(seen[0], ("/health".into(), None), "no bearer on /health");
    assert_eq!(
        seen[1],
        ("/auth/token".into(), Some(format!("Bearer {TOKEN}")))
    );
}

#[tokio::test]
async fn start_download_and_sat() {
    let (addr, seen) = robot().await;
    let c = client(addr);
    let acc = c.start_download("OI", &download()).await.unwrap();
    assert_eq!(acc.job_id, "job-OI");
    assert_eq!(acc.status, "PENDING");
    assert_eq!(acc.message.as_deref(), Some("Job criado"));
    assert_eq!(acc.status_url.as_deref(), Some("/status/job-OI"));
    assert_eq!(acc.raw["queue_position"], 4, "extra fields kept in raw");

    let sat = SatRequest {
        cnpj: "12345678000199".into(),
        razao: "Empresa Ltda".into(),
        operadora: "OI".into(),
        nome_filtro: "01/2024".into(),
        unidade: "Matriz".into(),
        servico: "Telefonia".into(),
        dados_sat: "{}".into(),
        nome_arquivo: "oi_202401.pdf".into(),
        data_vencimento: "10/02/2024".into(),
        processo_id: None,
    };
    assert_eq!(c.start_sat(&sat).await.unwrap().job_id, "job-sat");
    for (path, auth) in seen.all() {
        assert_eq!(auth, Some(format!("Bearer {TOKEN}")), "{path}");
    }
}

#[tokio::test]
async fn operator_not_found_and_case_kept() {
    let (addr, seen) = robot().await;
    let c = client(addr);
    let e = c.start_download("Oi", &download()).await.unwrap_err();
    assert_eq!(e.kind, RobotErrorKind::Business);
    assert_eq!(e.class(), ErrorClass::Negocio);
    assert_eq!(e.status, Some(404));
    assert_eq!(
        e.message,
        "Operadora 'Oi' não encontrada no serviço de robôs."
    );
    assert_eq!(e.detail.as_deref(), Some("Operadora 'Oi' não encontrada"));
    assert_clean(&e);

    // Path-escaped: a slash stays inside the segment.
    let e = c
        .start_download("OI/../x y", &download())
        .await
        .unwrap_err();
    assert_eq!(
        e.message,
        "Operadora 'OI/../x y' não encontrada no serviço de robôs."
    );
    assert_eq!(seen.all()[1].0, "/executar/OI/../x y");
}

#[tokio::test]
async fn validation_error_lists_fields_and_hides_password() {
    let (addr, _) = robot().await;
    let c = client(addr);
    let mut req = download();
    req.cnpj = String::new();
    req.login = String::new();
    let e = c.start_download("VIVO", &req).await.unwrap_err();
    assert_eq!(e.kind, RobotErrorKind::Business);
    assert_eq!(e.status, Some(422));
    assert_eq!(
        e.message,
        "O serviço de robôs recusou o pedido (campo ausente ou inválido: login: Field required; \
         cnpj: Field required)."
    );
    let raw = e.raw.as_deref().unwrap();
    assert!(
        raw.contains("Field required") && raw.contains("\"senha\":\"***\""),
        "{raw}"
    );
    assert_clean(&e);
}

#[tokio::test]
async fn an_answer_without_end_is_given_up_at_the_cap() {
    let (addr, _) = robot().await;
    let mut cfg = RobotConfig::new(format!("http://{addr}/"), Some(TOKEN.into()));
    cfg.request_timeout = Duration::from_secs(10);
    let c = RobotClient::new(cfg).unwrap();
    let e = c.job_status("huge").await.unwrap_err();
    assert_eq!(e.kind, RobotErrorKind::Transient, "{e:?}");
    assert!(e.message.contains("passou de 8 MB"), "{}", e.message);
    assert_clean(&e);
}

#[tokio::test]
async fn job_status_shapes() {
    let (addr, _) = robot().await;
    let c = client(addr);

    let s = c.job_status("str").await.unwrap();
    assert_eq!(s.state, JobState::Completed);
    assert!(s.state.is_terminal());
    assert_eq!(s.progress, 100);
    assert_eq!(s.operadora.as_deref(), Some("OI"));
    let r = s.result.unwrap();
    assert_eq!(r.file.as_deref(), Some("faturas/oi_202401.pdf"));
    assert_eq!(r.raw, json!("faturas/oi_202401.pdf"));
    assert_eq!(s.created_at, Some(dt("2024-01-15 10:30:00")));
    assert_eq!(s.started_at, Some(dt("2024-01-15 10:30:05.123456")));
    assert_eq!(s.completed_at, Some(dt("2024-01-15 10:31:00")));
    assert_eq!(s.logs.len(), 2);
    assert_eq!(s.logs[0].message, "Robô iniciado");
    assert_eq!(s.logs[0].timestamp, Some(dt("2024-01-15 10:30:05")));
    assert_eq!(s.logs[1].timestamp, None, "garbage timestamp → None");
    assert_eq!(s.logs[1].level.as_deref(), Some("ERROR"));

    let s = c.job_status("empty").await.unwrap();
    assert_eq!(
        s.result.unwrap().file,
        None,
        "COMPLETED without file is a deferral"
    );

    let r = c.job_status("obj").await.unwrap().result.unwrap();
    assert_eq!(r.file.as_deref(), Some("faturas/vivo.pdf"));
    assert_eq!(r.amount.as_deref(), Some("1234.56"));
    assert_eq!(r.due_date.as_deref(), Some("10/02/2024"));

    let s = c.job_status("num").await.unwrap();
    assert_eq!(s.progress, 100, "clamped");
    let r = s.result.unwrap();
    assert_eq!((r.file, r.raw), (None, json!(42)));

    let s = c.job_status("queued").await.unwrap();
    assert_eq!(s.state, JobState::Unknown("QUEUED".into()));
    assert!(!s.state.is_terminal());
    assert_eq!(s.state.as_wire(), "QUEUED");
    assert_eq!(s.progress, 0, "missing progress");
    assert_eq!(s.created_at, None);
    assert!(s.logs.is_empty());
    assert_eq!(s.raw["fila"]["posicao"], 7);

    let s = c.job_status("failed").await.unwrap();
    assert_eq!(s.state, JobState::Failed);
    assert_eq!(
        classify_job_error(s.error.as_deref().unwrap()),
        ErrorClass::Negocio
    );
    let s = c.job_status("crashed").await.unwrap();
    assert_eq!(
        classify_job_error(s.error.as_deref().unwrap()),
        ErrorClass::Transitorio
    );
}

#[tokio::test]
async fn job_lost_malformed_and_server_errors() {
    let (addr, seen) = robot().await;
    let c = client(addr);

    let e = c.job_status("purged").await.unwrap_err();
    assert_eq!(e.kind, RobotErrorKind::JobLost);
    assert_eq!(e.class(), ErrorClass::Transitorio);
    assert_eq!(e.status, Some(404));
    assert!(e.message.contains("'purged'"), "{}", e.message);
    assert_eq!(
        seen.count("/status/purged"),
        1,
        "a lost job is not asked on /jobs"
    );

    let e = c.job_status("malformed").await.unwrap_err();
    assert_eq!(e.kind, RobotErrorKind::Transient);
    assert_eq!(e.status, Some(200));
    assert!(e.message.contains("JSON malformado"), "{}", e.message);
    assert_eq!(e.raw.as_deref(), Some("{\"job_id\": \"mal"));

    let e = c.job_status("boom").await.unwrap_err();
    assert_eq!(e.kind, RobotErrorKind::Transient);
    assert_eq!(e.status, Some(500));
    assert_eq!(
        e.message,
        "O serviço de robôs respondeu com erro 500: Erro interno."
    );
    assert_eq!(e.detail.as_deref(), Some("Erro interno"));

    let e = c.job_status("html500").await.unwrap_err();
    assert_eq!(e.kind, RobotErrorKind::Transient);
    assert_eq!(e.message, "O serviço de robôs respondeu com erro 502.");
    assert_eq!(e.raw.as_deref(), Some("<html>Bad Gateway</html>"));
}

#[tokio::test]
async fn unauthorized_token() {
    let (addr, seen) = robot().await;
    for token in [Some("wrong.token"), None] {
        let c = client_with(addr, token);
        let e = c.job_status("str").await.unwrap_err();
        assert_eq!(e.kind, RobotErrorKind::Unauthorized);
        assert!(e.is_unauthorized());
        assert_eq!(e.class(), ErrorClass::Negocio);
        assert_eq!(e.status, Some(401));
        assert_eq!(
            e.message,
            "O token do serviço de robôs é inválido ou expirou: um administrador precisa \
             cadastrar um novo token. Nenhuma nova chamada ao robô será feita até lá."
        );
        assert_eq!(e.detail.as_deref(), Some("Token inválido ou expirado"));
        assert!(!format!("{e:?}").contains("wrong.token"));
        let e = c.start_download("OI", &download()).await.unwrap_err();
        assert!(e.is_unauthorized());
        assert_clean(&e);
    }
    assert_eq!(seen.all()[0].1.as_deref(), Some("Bearer wrong.token"));
    assert_eq!(seen.all()[2].1, None);
}

#[tokio::test]
async fn request_timeout() {
    let (addr, _) = robot().await;
    let c = client(addr); // 300 ms
    let t0 = Instant::now();
    let e = c.job_status("slow").await.unwrap_err();
    let took = t0.elapsed();
    assert!(took >= Duration::from_millis(250), "{took:?}");
    assert!(took < Duration::from_millis(1500), "{took:?}");
    assert_eq!(e.kind, RobotErrorKind::Transient);
    assert_eq!(e.message, "O serviço de robôs não respondeu em 0,3 s.");
    assert_eq!(e.status, None);
}

#[tokio::test]
async fn closed_port() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let c = client(addr);
    let e = c.health().await.unwrap_err();
    assert_eq!(e.kind, RobotErrorKind::Transient);
    assert_eq!(e.class(), ErrorClass::Transitorio);
    assert!(
        e.message.starts_with(&format!(
            "Não foi possível conectar ao serviço de robôs em http://{addr}: "
        )),
        "{}",
        e.message
    );
    eprintln!("{}", e.message);
    assert!(e.message.contains("conexão recusada"), "{}", e.message);
    assert_clean(&e);
}

/// A server that reads the request and then writes `reply` (maybe nothing) and closes.
async fn dropping_server(reply: &'static [u8]) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut buf = vec![0u8; 8192];
                let mut got = Vec::new();
                while !got.windows(4).any(|w| w == b"\r\n\r\n") {
                    match sock.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => got.extend_from_slice(&buf[..n]),
                    }
                }
                let _ = sock.write_all(reply).await;
                let _ = sock.shutdown().await;
            });
        }
    });
    addr
}

#[tokio::test]
async fn dropped_connections() {
    // Closed before any answer.
    let addr = dropping_server(b"").await;
    let e = client(addr).job_status("x").await.unwrap_err();
    assert_eq!(e.kind, RobotErrorKind::Transient, "{e:?}");
    eprintln!("{}", e.message);
    assert!(
        e.message.contains("caiu antes da resposta completa"),
        "{}",
        e.message
    );
    assert_clean(&e);

    // Closed in the middle of the body.
    let addr = dropping_server(
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 500\r\n\r\n{\"job_id\": \"x\", ",
    )
    .await;
    let e = client(addr).job_status("x").await.unwrap_err();
    assert_eq!(e.kind, RobotErrorKind::Transient, "{e:?}");
    eprintln!("{}", e.message);
    assert!(
        e.message.contains("caiu antes da resposta completa"),
        "{}",
        e.message
    );
}

#[tokio::test]
async fn status_route_fallback_to_jobs() {
    // A service that only has /jobs/{id} (the seed's name).
    let seen = Seen::default();
    async fn jobs_id(
        State(seen): State<Seen>,
        Path(id): Path<String>,
        headers: HeaderMap,
    ) -> Response {
        seen.record(&format!("/jobs/{id}"), &headers);
        match status_body(&id) {
            Some(v) => Json(v).into_response(),
            None => (
                StatusCode::NOT_FOUND,
                Json(json!({"detail": format!("Job '{id}' não encontrado")})),
            )
                .into_response(),
        }
    }
    let app = Router::new()
        .route("/jobs/{id}", get(jobs_id))
        .with_state(seen.clone());
    let addr = serve(app).await;
    let c = client(addr);
    let s = c.job_status("obj").await.unwrap();
    assert_eq!(s.state, JobState::Completed);
    assert_eq!(seen.count("/jobs/obj"), 1);
    // Remembered by clones: /status is not asked again.
    let c2 = c.clone();
    let e = c2.job_status("purged").await.unwrap_err();
    assert_eq!(e.kind, RobotErrorKind::JobLost);
    assert_eq!(seen.count("/jobs/purged"), 1);

    // Neither route: a configuration problem, not a lost job.
    let empty = serve(Router::new()).await;
    let e = client(empty).job_status("x").await.unwrap_err();
    assert_eq!(e.kind, RobotErrorKind::Business);
    assert_eq!(e.status, Some(404));
    assert!(
        e.message.contains("confira o endereço configurado"),
        "{}",
        e.message
    );
}

#[tokio::test]
async fn job_list_and_logs() {
    let (addr, _) = robot().await;
    let c = client(addr);
    let l = c.jobs().await.unwrap();
    assert_eq!(l.total_jobs, 3);
    assert_eq!(l.jobs.len(), 2, "an entry without job_id is skipped");
    assert_eq!(l.jobs[0].state, JobState::Running);
    assert_eq!(l.jobs[0].progress, 30);
    assert_eq!(l.jobs[0].created_at, Some(dt("2024-01-15 10:30:00")));
    assert_eq!(l.jobs[1].state, JobState::Unknown("QUEUED".into()));
    assert_eq!(l.jobs[1].operadora, None);

    for id in ["list", "wrapped"] {
        let logs = c.job_logs(id).await.unwrap();
        assert_eq!(logs.len(), 2, "{id}");
        assert_eq!(logs[0].level.as_deref(), Some("INFO"));
        assert_eq!(logs[0].timestamp, Some(dt("2024-01-15 10:30:00")));
        assert_eq!(logs[1].message, "dois");
    }
    let e = c.job_logs("nope").await.unwrap_err();
    assert_eq!(e.kind, RobotErrorKind::JobLost);
}

#[tokio::test]
async fn event_stream() {
    let (addr, seen) = robot().await;
    let c = client(addr);
    let stream = c.events().await.unwrap();
    drop(c);
    // Send + 'static: it outlives the client and moves to another task.
    let events: Vec<_> = tokio::spawn(async move {
        let mut stream = std::pin::pin!(stream);
        let mut out = Vec::new();
        while let Some(item) = stream.next().await {
            out.push(item.unwrap());
        }
        out
    })
    .await
    .unwrap();
    assert_eq!(events.len(), 3);
    assert_eq!(events[0].kind, "connection");
    assert_eq!(events[0].timestamp, Some(dt("2024-01-15 10:30:00")));
    assert_eq!(events[1].kind, "log");
    assert_eq!(events[1].level.as_deref(), Some("INFO"));
    assert_eq!(events[1].message.as_deref(), Some("Robô OI iniciado"));
    assert_eq!(events[1].operadora.as_deref(), Some("OI"));
    assert_eq!(events[1].job_id.as_deref(), Some("j1"));
    assert_eq!(events[1].timestamp, Some(dt("2024-01-15 10:30:01.5")));
    assert_eq!(events[2].kind, "system_status");
    assert_eq!(
        (events[2].jobs_pending, events[2].jobs_active),
        (Some(4), Some(5))
    );
    assert_eq!(events[2].raw["jobs_active"], 5);
    assert_eq!(seen.count("/events/logs"), 1);
}

#[tokio::test]
async fn event_stream_refused() {
    // Any non-2xx while opening the stream is an error with its class.
    let app = Router::new().route(
        "/events/logs",
        get(|| async { (StatusCode::SERVICE_UNAVAILABLE, "busy") }),
    );
    let busy = serve(app).await;
    match client(busy).events().await {
        Err(e) => {
            assert_eq!(e.kind, RobotErrorKind::Transient);
            assert_eq!(e.status, Some(503));
        }
        Ok(_) => panic!("503 must be an error"),
    }
}

/// Which failures leave open whether the service acted (a create then must be
/// reconciled before it is sent again) and which prove it did nothing.
#[tokio::test]
async fn failures_say_whether_the_service_may_have_acted() {
    let (addr, _) = robot().await;
    let c = client(addr);
    // Proven refusals: 404, 401.
    let e = c.start_download("Oi", &download()).await.unwrap_err();
    assert!(!e.may_have_taken_effect(), "{e:?}");
    let e = client_with(addr, Some("wrong.token"))
        .start_download("OI", &download())
        .await
        .unwrap_err();
    assert!(!e.may_have_taken_effect(), "{e:?}");
    // A 5xx, a garbled 200, a timeout: the service may have acted.
    for id in ["boom", "html500", "malformed", "slow"] {
        let e = c.job_status(id).await.unwrap_err();
        assert!(e.may_have_taken_effect(), "{id}: {e:?}");
    }
    // A connection that never opened: nothing was received.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let closed = listener.local_addr().unwrap();
    drop(listener);
    let e = client(closed)
        .start_download("OI", &download())
        .await
        .unwrap_err();
    assert!(!e.may_have_taken_effect(), "{e:?}");
    // One that dropped after the request went: maybe.
    let e = client(dropping_server(b"").await)
        .start_download("OI", &download())
        .await
        .unwrap_err();
    assert!(e.may_have_taken_effect(), "{e:?}");
}

/// The create carries the key it was given; `/health` says whether keys are honoured.
#[tokio::test]
async fn a_keyed_create_sends_its_idempotency_key() {
    use std::sync::atomic::{AtomicBool, Ordering};
    let keys: Arc<Mutex<Vec<Option<String>>>> = Arc::default();
    let honours = Arc::new(AtomicBool::new(false));
    let (k, h) = (keys.clone(), honours.clone());
    let app = Router::new()
        .route(
            "/executar/{op}",
            post(move |headers: HeaderMap| {
                let k = k.clone();
                async move {
                    k.lock().unwrap().push(
                        headers
                            .get("idempotency-key")
                            .map(|v| v.to_str().unwrap().to_string()),
                    );
                    Json(json!({"job_id": "j1", "status": "PENDING"}))
                }
            }),
        )
        .route(
            "/health",
            get(move || {
                let h = h.clone();
                async move {
                    Json(json!({"status": "healthy", "idempotency": h.load(Ordering::SeqCst)}))
                }
            }),
        );
    let addr = serve(app).await;
    let c = client(addr);
    assert_eq!(c.supports_idempotency(), None);
    c.start_download_keyed("OI", &download(), Some("exec-1"))
        .await
        .unwrap();
    c.start_download("OI", &download()).await.unwrap();
    assert_eq!(
        *keys.lock().unwrap(),
        vec![Some("exec-1".to_string()), None]
    );
    assert!(!c.health().await.unwrap().idempotency);
    assert_eq!(c.supports_idempotency(), Some(false));
    honours.store(true, Ordering::SeqCst);
    assert!(c.health().await.unwrap().idempotency);
    assert_eq!(c.supports_idempotency(), Some(true));
}

/// A robot whose live stream never ends an event (64 MB of one `data:` line, or of
/// lines with no empty one between): the stream is cut with a message once one event
/// passes 256 KB, long before the 64 MB are read.
#[tokio::test]
async fn an_event_that_never_ends_is_cut_at_the_bound() {
    for line_end in ["", "\r\n"] {
        let app = Router::new().route(
            "/events/logs",
            get(move || async move {
                let chunk = format!("{}{line_end}", "x".repeat(64 * 1024 - 2));
                let head = futures_util::stream::once(async {
                    Ok::<_, Infallible>(axum::body::Bytes::from_static(
                        b"data: {\"type\":\"connection\"}\n\ndata: ",
                    ))
                });
                let endless = futures_util::stream::repeat(chunk)
                    .take(1024)
                    .map(|c| Ok::<_, Infallible>(axum::body::Bytes::from(c)));
                Response::builder()
                    .header("content-type", "text/event-stream")
                    .body(axum::body::Body::from_stream(head.chain(endless)))
                    .unwrap()
            }),
        );
        let addr = serve(app).await;
        let c = client(addr);
        let mut stream = std::pin::pin!(c.events().await.unwrap());
        let first = stream.next().await.unwrap().unwrap();
        assert_eq!(first.kind, "connection");
        let last = tokio::time::timeout(Duration::from_secs(20), stream.next())
            .await
            .expect("the stream is cut, not read to its end")
            .unwrap()
            .unwrap_err();
        assert!(
            last.message.contains("maior que 256 KB"),
            "{}",
            last.message
        );
        assert!(stream.next().await.is_none());
    }
}
