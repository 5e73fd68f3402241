//! The HTTP face of the simulator: the robot service's routes with the same shapes and
//! errors (FastAPI style), the HTTP-level faults, and the `/_sim/*` admin routes.

use std::convert::Infallible;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{from_fn_with_state, Next};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures_util::{Stream, StreamExt};
use rand::Rng;
use serde_json::{json, Map, Value};
use tokio::sync::{broadcast, watch};

use crate::config::Faults;
use crate::engine::{self, iso, job_not_found, Engine, JobRequest, DOMAIN_REQUEST};

#[derive(Clone)]
pub(crate) struct AppState {
    pub(crate) sim: Arc<Engine>,
    /// Turns true when the server shuts down: ends the live streams.
    pub(crate) closing: watch::Receiver<bool>,
}

pub(crate) fn router(sim: Arc<Engine>, closing: watch::Receiver<bool>) -> Router {
    let st = AppState { sim, closing };
    let authed = Router::new()
        .route("/auth/token", get(auth_token))
        .route("/executar/sat", post(executar_sat))
        .route("/executar/{operadora}", post(executar))
        .route("/status/{job_id}", get(job_status))
        .route("/jobs", get(list_jobs))
        .route("/jobs/{job_id}", get(job_status))
        .route("/jobs/{job_id}/logs", get(job_logs))
        .route_layer(from_fn_with_state(st.clone(), require_token));
    let api = Router::new()
        .route("/health", get(health))
        .merge(authed)
        .route_layer(from_fn_with_state(st.clone(), http_faults));
    let admin = Router::new()
        .route("/_sim/clock", get(sim_clock))
        .route("/_sim/clock/advance", post(sim_advance))
        .route("/_sim/stats", get(sim_stats))
        .route("/_sim/faults", get(get_faults).put(put_faults))
        .route_layer(from_fn_with_state(st.clone(), admin_guard));
    Router::new()
        .merge(api)
        .merge(admin)
        .route("/events/logs", get(live_events))
        .fallback(|| async { detail(StatusCode::NOT_FOUND, "Not Found") })
        .method_not_allowed_fallback(|| async {
            detail(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed")
        })
        .with_state(st)
}

/// FastAPI's error shape: `{"detail": "..."}`.
fn detail(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "detail": message }))).into_response()
}

fn unauthorized() -> Response {
    let mut r = detail(StatusCode::UNAUTHORIZED, "Token inválido ou expirado");
    r.headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    r
}

fn token_ok(headers: &HeaderMap, token: &str) -> bool {
    let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    match value.trim().split_once(' ') {
        Some((scheme, given)) => scheme.eq_ignore_ascii_case("bearer") && given.trim() == token,
        None => false,
    }
}

/// HTTP faults of the robot API, drawn per request from (seed, request index): a delay,
/// a 500 before anything happens, or, after the request took effect, a dropped connection
/// or a truncated JSON answer. Also brings the simulation up to date first.
async fn http_faults(State(app): State<AppState>, req: Request, next: Next) -> Response {
    let n = app.sim.requests.fetch_add(1, Ordering::SeqCst);
    let faults = app.sim.faults();
    let mut rng = engine::stream(app.sim.cfg.seed, DOMAIN_REQUEST, n);
    let (u500, udrop, umalformed): (f64, f64, f64) = (rng.gen(), rng.gen(), rng.gen());
    // Drawn after the first three, so adding these faults changed no earlier outcome.
    let (ulost, uhang): (f64, f64) = (rng.gen(), rng.gen());
    let is_create =
        req.method() == axum::http::Method::POST && req.uri().path().starts_with("/executar/");
    if faults.slow_ms > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(faults.slow_ms)).await;
    }
    if u500 < faults.error_500_rate {
        return detail(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error");
    }
    app.sim.tick().await;
    let response = next.run(req).await;
    if uhang < faults.hang_rate && faults.hang_ms > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(faults.hang_ms)).await;
    }
    if is_create && response.status().is_success() && ulost < faults.lost_answer_rate {
        app.sim.answers_lost.fetch_add(1, Ordering::SeqCst);
        return match n % 3 {
            0 => dropped_connection(),
            1 => detail(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error"),
            _ => truncated(response).await,
        };
    }
    if udrop < faults.drop_rate {
        return dropped_connection();
    }
    if umalformed < faults.malformed_rate {
        return truncated(response).await;
    }
    response
}

/// A response whose body fails before its first byte: hyper then closes the connection
/// without writing the status line, so the client sees a connection closed with no answer.
fn dropped_connection() -> Response {
    let body = futures_util::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "simulated dropped connection",
        ))
    });
    let mut r = Response::new(Body::from_stream(body));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

/// The answer cut right after `"status":` (or in the middle), still labelled JSON.
async fn truncated(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let cut = match text.find("\"status\":") {
        Some(i) => i + "\"status\":".len(),
        None => text
            .char_indices()
            .nth(text.chars().count() / 2)
            .map_or(0, |(i, _)| i),
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Response::from_parts(parts, Body::from(format!("{} ", &text[..cut])))
}

async fn require_token(State(app): State<AppState>, req: Request, next: Next) -> Response {
    if app.sim.faults().unauthorized || !token_ok(req.headers(), &app.sim.cfg.token) {
        return unauthorized();
    }
    next.run(req).await
}

/// Admin routes: the same token, none of the faults.
async fn admin_guard(State(app): State<AppState>, req: Request, next: Next) -> Response {
    if !token_ok(req.headers(), &app.sim.cfg.token) {
        return unauthorized();
    }
    app.sim.tick().await;
    next.run(req).await
}

async fn health(State(app): State<AppState>) -> Response {
    let st = app.sim.state();
    let mut body = json!({
        "status": "healthy",
        "message": "Serviço de robôs operacional (simulador)",
        "jobs_pending": st.pending(),
        "jobs_active": st.active(),
    });
    if app.sim.faults().idempotency {
        body["idempotency"] = json!(true);
    }
    Json(body).into_response()
}

async fn auth_token(State(app): State<AppState>) -> Response {
    Json(json!({
        "token": app.sim.cfg.token,
        "expires_in": 365 * 24 * 60,
        "message": "Token válido por 365 dias",
    }))
    .into_response()
}

/// What a body field must be.
#[derive(Clone, Copy)]
enum Field {
    /// A required string (numbers are accepted and turned into strings, as pydantic does).
    Str,
    /// Required, any JSON value but null.
    Any,
}

/// The body's fields, checked the way FastAPI/pydantic would: every problem is listed as
/// `{"loc": ["body", field], "msg", "type"}` in a 422.
struct Body422 {
    values: Map<String, Value>,
    processo_id: Option<String>,
}

impl Body422 {
    fn str(&self, name: &str) -> String {
        match self.values.get(name) {
            Some(Value::String(s)) => s.clone(),
            Some(v) => v.to_string(),
            None => String::new(),
        }
    }
}

fn field_error(loc: Value, msg: &str, kind: &str) -> Value {
    json!({ "loc": loc, "msg": msg, "type": kind })
}

fn unprocessable(errors: Vec<Value>) -> Response {
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        Json(json!({ "detail": errors })),
    )
        .into_response()
}

fn check_body(body: &[u8], fields: &[(&str, Field)]) -> Result<Body422, Vec<Value>> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(vec![field_error(
            json!(["body"]),
            "field required",
            "value_error.missing",
        )]);
    }
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        vec![field_error(
            json!(["body", e.column().saturating_sub(1)]),
            &format!("Expecting value: {e}"),
            "value_error.jsondecode",
        )]
    })?;
    let Value::Object(map) = value else {
        return Err(vec![field_error(
            json!(["body"]),
            "value is not a valid dict",
            "type_error.dict",
        )]);
    };
    let mut errors = Vec::new();
    for (name, kind) in fields {
        match (map.get(*name), kind) {
            (None | Some(Value::Null), _) => errors.push(field_error(
                json!(["body", name]),
                "field required",
                "value_error.missing",
            )),
            (Some(Value::String(_) | Value::Number(_)), Field::Str) | (Some(_), Field::Any) => {}
            (Some(_), Field::Str) => errors.push(field_error(
                json!(["body", name]),
                "str type expected",
                "type_error.str",
            )),
        }
    }
    let processo_id = match map.get("processo_id") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(_) => {
            errors.push(field_error(
                json!(["body", "processo_id"]),
                "str type expected",
                "type_error.str",
            ));
            None
        }
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Body422 {
        values: map,
        processo_id,
    })
}

fn created(id: &str, message: String) -> Response {
    Json(json!({
        "job_id": id,
        "status": "PENDING",
        "message": message,
        "status_url": format!("/status/{id}"),
    }))
    .into_response()
}

/// The `Idempotency-Key` of a create, when the simulator is told to honour it.
fn idempotency_key(app: &AppState, headers: &HeaderMap) -> Option<String> {
    if !app.sim.faults().idempotency {
        return None;
    }
    headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(|k| k.trim().to_string())
        .filter(|k| !k.is_empty())
}

async fn executar(
    State(app): State<AppState>,
    Path(operadora): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let b = match check_body(
        &body,
        &[
            ("login", Field::Str),
            ("senha", Field::Str),
            ("filtro", Field::Str),
            ("cnpj", Field::Str),
        ],
    ) {
        Ok(b) => b,
        Err(errors) => return unprocessable(errors),
    };
    if !app.sim.cfg.operators.contains(&operadora) {
        return detail(
            StatusCode::NOT_FOUND,
            &format!("Operadora '{operadora}' não encontrada"),
        );
    }
    let request = JobRequest::Download {
        senha: b.str("senha"),
        filtro: b.str("filtro"),
        cnpj: b.str("cnpj"),
        month: b.values.get("mes_referencia").and_then(parse_month),
    };
    let key = idempotency_key(&app, &headers);
    let id = app
        .sim
        .create_once(operadora.clone(), b.processo_id.clone(), request, key);
    created(
        &id,
        format!("Job criado para a operadora {operadora}; acompanhe pelo status_url"),
    )
}

/// `MM/AAAA` (as invoices print it) or `AAAA-MM`; anything else is ignored.
fn parse_month(v: &Value) -> Option<(i32, u32)> {
    let s = v.as_str()?.trim();
    let (y, m) = match s.split_once('/') {
        Some((m, y)) => (y, m),
        None => s.split_once('-')?,
    };
    let (y, m): (i32, u32) = (y.parse().ok()?, m.parse().ok()?);
    ((1..=12).contains(&m) && (2000..=2100).contains(&y)).then_some((y, m))
}

async fn executar_sat(State(app): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let b = match check_body(
        &body,
        &[
            ("cnpj", Field::Str),
            ("razao", Field::Str),
            ("operadora", Field::Str),
            ("nome_filtro", Field::Str),
            ("unidade", Field::Str),
            ("servico", Field::Str),
            ("dados_sat", Field::Any),
            ("nome_arquivo", Field::Str),
            ("data_vencimento", Field::Str),
        ],
    ) {
        Ok(b) => b,
        Err(errors) => return unprocessable(errors),
    };
    let request = JobRequest::Sat {
        nome_arquivo: b.str("nome_arquivo"),
    };
    let key = idempotency_key(&app, &headers);
    let id = app
        .sim
        .create_once("SAT".to_string(), b.processo_id.clone(), request, key);
    created(
        &id,
        "Job criado para lançar a fatura no SAT; acompanhe pelo status_url".to_string(),
    )
}

async fn job_status(State(app): State<AppState>, Path(job_id): Path<String>) -> Response {
    match app.sim.state().job(&job_id) {
        Some(job) => Json(job.status_json()).into_response(),
        None => detail(StatusCode::NOT_FOUND, &job_not_found(&job_id)),
    }
}

async fn job_logs(State(app): State<AppState>, Path(job_id): Path<String>) -> Response {
    match app.sim.state().job(&job_id) {
        Some(job) => Json(json!({ "job_id": job_id, "logs": job.logs_json() })).into_response(),
        None => detail(StatusCode::NOT_FOUND, &job_not_found(&job_id)),
    }
}

async fn list_jobs(State(app): State<AppState>) -> Response {
    let st = app.sim.state();
    let jobs: Vec<Value> = st.jobs().map(|j| j.summary_json()).collect();
    Json(json!({ "total_jobs": jobs.len(), "jobs": jobs })).into_response()
}

/// Server-sent events: a `connection` event, then every job log line (`log`) and every
/// queue change (`system_status`) as `data:` JSON lines. No authentication, no faults.
async fn live_events(
    State(app): State<AppState>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    app.sim.tick().await;
    let rx = app.sim.events.subscribe();
    let first = {
        let st = app.sim.state();
        json!({
            "type": "connection",
            "level": "info",
            "message": "Conectado ao fluxo de logs do serviço de robôs (simulador)",
            "operadora": null,
            "job_id": null,
            "timestamp": iso(app.sim.clock.now()),
            "jobs_pending": st.pending(),
            "jobs_active": st.active(),
        })
        .to_string()
    };
    let status = {
        let st = app.sim.state();
        app.sim.system_status_event(
            &st,
            &format!(
                "{} job(s) em execução, {} na fila",
                st.active(),
                st.pending()
            ),
        )
    };
    let mut closing = app.closing.clone();
    let live = futures_util::stream::unfold(rx, |mut rx| async move {
        loop {
            match rx.recv().await {
                Ok(data) => return Some((data, rx)),
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    });
    let stream = futures_util::stream::iter([first, status])
        .chain(live)
        .map(|data| Ok(Event::default().data(data)))
        .take_until(async move {
            let _ = closing.wait_for(|c| *c).await;
        });
    Sse::new(stream).keep_alive(KeepAlive::default())
}

async fn sim_clock(State(app): State<AppState>) -> Response {
    Json(json!({
        "now": iso(app.sim.clock.now()),
        "manual": app.sim.manual_clock.is_some(),
    }))
    .into_response()
}

async fn sim_advance(State(app): State<AppState>, body: Bytes) -> Response {
    let Some(clock) = app.sim.manual_clock.clone() else {
        return detail(
            StatusCode::CONFLICT,
            "O relógio do simulador não é manual: não é possível avançá-lo",
        );
    };
    let seconds = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v.get("seconds").and_then(Value::as_f64));
    let Some(seconds) = seconds.filter(|s| s.is_finite() && *s >= 0.0) else {
        return unprocessable(vec![field_error(
            json!(["body", "seconds"]),
            "value is not a valid non-negative number",
            "type_error.number",
        )]);
    };
    clock.advance(chrono::Duration::milliseconds(
        (seconds * 1000.0).round() as i64
    ));
    app.sim.tick().await;
    Json(json!({ "now": iso(app.sim.clock.now()) })).into_response()
}

async fn sim_stats(State(app): State<AppState>) -> Response {
    Json(crate::stats_of(&app.sim)).into_response()
}

async fn get_faults(State(app): State<AppState>) -> Response {
    Json(app.sim.faults()).into_response()
}

async fn put_faults(State(app): State<AppState>, body: Bytes) -> Response {
    let faults: Faults = match serde_json::from_slice(&body) {
        Ok(f) => f,
        Err(e) => {
            return unprocessable(vec![field_error(
                json!(["body"]),
                &e.to_string(),
                "value_error",
            )])
        }
    };
    if let Err(msg) = faults.validate() {
        return unprocessable(vec![field_error(json!(["body"]), &msg, "value_error")]);
    }
    app.sim.set_faults(faults.clone());
    Json(faults).into_response()
}
