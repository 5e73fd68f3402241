//! The HTTP client of the robot service: one method per endpoint of the contract.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use std::{fmt, io};

use eventsource_stream::{EventStreamError, Eventsource};
use futures_core::Stream;
use futures_util::StreamExt;
use reqwest::header::{HeaderValue, ACCEPT, AUTHORIZATION};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use url::Url;

use crate::config::{secs_pt, RobotConfig};
use crate::error::{fold, truncate, RobotError, RobotErrorKind, UNAUTHORIZED_MESSAGE};
use crate::model::{self, *};

/// Keys whose values are masked in raw answers kept in errors and results.
const SECRET_KEYS: &[&str] = &[
    "senha",
    "password",
    "token",
    "access_token",
    "authorization",
];

/// The largest answer of the robot API read (a job's status carries its log lines: far
/// below this in practice).
pub const MAX_ANSWER_BYTES: usize = 8 * 1024 * 1024;

/// A create answers at once (the service queues the job and says PENDING): one that has
/// not answered in this long (or the configured timeout, if shorter) is given up on and
/// reconciled, so a hanging create holds its operator's queue for seconds, not half a
/// minute.
pub const CREATE_TIMEOUT: Duration = Duration::from_secs(15);

/// Client of one robot service (the embedded simulator, BRM's service, or an
/// outsourced operator's `url_endpoint_rpa`). Cheap to clone; clones share the
/// connection pool.
#[derive(Clone)]
pub struct RobotClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    /// Parsed base, without query or fragment.
    base: Url,
    /// The base as shown to people and returned by `base_url()`: no credentials, no
    /// trailing slash.
    base_display: String,
    auth: Option<HeaderValue>,
    /// The bare token, to mask it should a body ever echo it.
    token: Option<String>,
    connect_timeout: Duration,
    request_timeout: Duration,
    /// Set once `/status/{id}` turned out to be missing and `/jobs/{id}` answered.
    use_jobs_route: AtomicBool,
    /// What the last `/health` said about `Idempotency-Key`: 0 not asked yet, 1 no, 2 yes.
    idempotency: std::sync::atomic::AtomicU8,
}

impl fmt::Debug for RobotClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RobotClient")
            .field("base_url", &self.inner.base_display)
            .field("token", &self.inner.token.as_ref().map(|_| "***"))
            .field("connect_timeout", &self.inner.connect_timeout)
            .field("request_timeout", &self.inner.request_timeout)
            .finish()
    }
}

/// What a 404 means depends on the call.
#[derive(Clone, Copy)]
enum Ctx<'a> {
    Plain,
    Operator(&'a str),
    Job(&'a str),
}

/// An HTTP answer, any status, body read in full.
struct Reply {
    status: StatusCode,
    body: Vec<u8>,
    path: String,
}

/// What transport errors need to be described, detachable from the client.
#[derive(Clone)]
struct ErrCtx {
    base: String,
    connect_timeout: Duration,
    request_timeout: Duration,
    secrets: Vec<String>,
}

fn config_error(message: impl Into<String>) -> RobotError {
    RobotError::new(RobotErrorKind::Business, message)
}

impl RobotClient {
    /// Validates the base URL (http/https) and the token; builds the connection pool.
    /// An invalid configuration is a `Business` error with a pt-BR message.
    pub fn new(cfg: RobotConfig) -> Result<Self, RobotError> {
        let raw_base = cfg.base_url.trim();
        if raw_base.is_empty() {
            return Err(config_error(
                "O endereço do serviço de robôs não foi configurado.",
            ));
        }
        let mut base = Url::parse(raw_base).map_err(|e| {
            config_error(format!(
                "O endereço do serviço de robôs '{raw_base}' é inválido ({e}); use, por \
                 exemplo, http://localhost:8000."
            ))
        })?;
        if !matches!(base.scheme(), "http" | "https") || base.cannot_be_a_base() {
            return Err(config_error(format!(
                "O endereço do serviço de robôs deve começar com http:// ou https:// \
                 (recebido: '{}').",
                base.scheme()
            )));
        }
        if matches!(base.host_str(), None | Some("")) {
            return Err(config_error(
                "O endereço do serviço de robôs não tem servidor (ex.: http://localhost:8000).",
            ));
        }
        base.set_query(None);
        base.set_fragment(None);
        let mut shown = base.clone();
        let _ = shown.set_username("");
        let _ = shown.set_password(None);
        let base_display = shown.as_str().trim_end_matches('/').to_string();

        let token = cfg.token.as_deref().map(str::trim).map(|t| {
            match t.get(..7) {
                Some(p) if p.eq_ignore_ascii_case("bearer ") => t[7..].trim(),
                _ => t,
            }
            .to_string()
        });
        let token = token.filter(|t| !t.is_empty());
        let auth = match &token {
            Some(t) => {
                let mut v = HeaderValue::from_str(&format!("Bearer {t}")).map_err(|_| {
                    config_error(
                        "O token do serviço de robôs contém caracteres inválidos: cadastre-o \
                         de novo.",
                    )
                })?;
                v.set_sensitive(true);
                Some(v)
            }
            None => None,
        };

        let http = reqwest::Client::builder()
            .connect_timeout(cfg.connect_timeout)
            // Few connections, reused: a month's jobs are polled, not held open.
            .pool_max_idle_per_host(4)
            .pool_idle_timeout(Duration::from_secs(60))
            .user_agent(concat!("brm-rpa-desk/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| {
                config_error(format!(
                    "Não foi possível preparar o cliente HTTP do serviço de robôs: {e}."
                ))
            })?;

        Ok(Self {
            inner: Arc::new(Inner {
                http,
                base,
                base_display,
                auth,
                token,
                connect_timeout: cfg.connect_timeout,
                request_timeout: cfg.request_timeout,
                use_jobs_route: AtomicBool::new(false),
                idempotency: std::sync::atomic::AtomicU8::new(0),
            }),
        })
    }

    /// The configured base URL, without credentials or trailing slash.
    pub fn base_url(&self) -> &str {
        &self.inner.base_display
    }

    /// `GET /health`, without the token. A 5xx whose body still has a `status` is read
    /// as an unhealthy service rather than an error.
    pub async fn health(&self) -> Result<Health, RobotError> {
        let reply = self
            .send(Method::GET, &["health"], None, false, &[])
            .await?;
        if !reply.status.is_success() && reply.status.is_server_error() {
            if let Ok(v) = serde_json::from_slice::<Value>(&reply.body) {
                if let Some(mut h) = model::parse_health(&v).filter(|h| !h.status.is_empty()) {
                    h.healthy = false;
                    return Ok(h);
                }
            }
        }
        let v = self.json(reply, Ctx::Plain, &[])?;
        let h = self.shape(
            model::parse_health(&v),
            &v,
            "/health",
            "esperado um objeto com status",
        )?;
        self.inner
            .idempotency
            .store(if h.idempotency { 2 } else { 1 }, Ordering::Relaxed);
        Ok(h)
    }

    /// Whether the service honours `Idempotency-Key`, from its last `/health` answer;
    /// `None` before the first one.
    pub fn supports_idempotency(&self) -> Option<bool> {
        match self.inner.idempotency.load(Ordering::Relaxed) {
            0 => None,
            v => Some(v == 2),
        }
    }

    /// `GET /auth/token`.
    pub async fn token_info(&self) -> Result<TokenInfo, RobotError> {
        let reply = self
            .send(Method::GET, &["auth", "token"], None, true, &[])
            .await?;
        let v = self.json(reply, Ctx::Plain, &[])?;
        match model::parse_token_info(&v) {
            Some(t) => Ok(t),
            // The raw answer may hold a token under another name: not kept.
            None => Err(RobotError::new(
                RobotErrorKind::Transient,
                "O serviço de robôs enviou uma resposta inesperada em /auth/token: faltou o \
                 campo token.",
            )
            .with_status(200)),
        }
    }

    /// `POST /executar/{OPERADORA}`: queues an invoice download. The code is sent as
    /// given (the service is case-sensitive), path-escaped.
    pub async fn start_download(
        &self,
        operator_code: &str,
        req: &DownloadRequest,
    ) -> Result<JobAccepted, RobotError> {
        self.start_download_keyed(operator_code, req, None).await
    }

    /// [`Self::start_download`] with an `Idempotency-Key` header: a service that honours
    /// it (its `/health` says `idempotency: true`) answers the same job again when the
    /// same key is sent twice, so a create whose answer was lost can be repeated safely.
    pub async fn start_download_keyed(
        &self,
        operator_code: &str,
        req: &DownloadRequest,
        key: Option<&str>,
    ) -> Result<JobAccepted, RobotError> {
        let code = operator_code.trim();
        check_segment("código de operadora", code)?;
        let body = serde_json::to_value(req)
            .map_err(|e| config_error(format!("Não foi possível montar o pedido ao robô: {e}.")))?;
        let secrets = [req.senha.as_str()];
        let reply = self
            .send_keyed(
                Method::POST,
                &["executar", code],
                Some(&body),
                &secrets,
                key,
            )
            .await?;
        self.accepted(reply, Ctx::Operator(code), &secrets)
    }

    /// `POST /executar/sat`: queues filling an invoice into the SAT.
    pub async fn start_sat(&self, req: &SatRequest) -> Result<JobAccepted, RobotError> {
        self.start_sat_keyed(req, None).await
    }

    /// [`Self::start_sat`] with an `Idempotency-Key` header (see
    /// [`Self::start_download_keyed`]).
    pub async fn start_sat_keyed(
        &self,
        req: &SatRequest,
        key: Option<&str>,
    ) -> Result<JobAccepted, RobotError> {
        let body = serde_json::to_value(req)
            .map_err(|e| config_error(format!("Não foi possível montar o pedido ao robô: {e}.")))?;
        let reply = self
            .send_keyed(Method::POST, &["executar", "sat"], Some(&body), &[], key)
            .await?;
        self.accepted(reply, Ctx::Operator("sat"), &[])
    }

    /// `GET /status/{id}`. When that route itself is missing (a 404 that is not
    /// "Job ... não encontrado"), `GET /jobs/{id}` is tried, and then used directly by
    /// this client and its clones. A job the service no longer knows is `JobLost`.
    pub async fn job_status(&self, job_id: &str) -> Result<JobStatus, RobotError> {
        check_segment("identificador de job", job_id)?;
        let ctx = Ctx::Job(job_id);
        if !self.inner.use_jobs_route.load(Ordering::Relaxed) {
            let reply = self
                .send(Method::GET, &["status", job_id], None, true, &[])
                .await?;
            if reply.status != StatusCode::NOT_FOUND || is_job_not_found(&reply.body) {
                let v = self.json(reply, ctx, &[])?;
                return self.status_of(&v, job_id, "/status");
            }
            tracing::info!(
                base = %self.inner.base_display,
                "robot: /status/{{id}} is missing (404), trying /jobs/{{id}}"
            );
        }
        let reply = self
            .send(Method::GET, &["jobs", job_id], None, true, &[])
            .await?;
        let v = self.json(reply, ctx, &[])?;
        let status = self.status_of(&v, job_id, "/jobs")?;
        self.inner.use_jobs_route.store(true, Ordering::Relaxed);
        Ok(status)
    }

    /// `GET /jobs`.
    pub async fn jobs(&self) -> Result<JobList, RobotError> {
        let reply = self.send(Method::GET, &["jobs"], None, true, &[]).await?;
        let v = self.json(reply, Ctx::Plain, &[])?;
        self.shape(
            model::parse_job_list(&v),
            &v,
            "/jobs",
            "esperado {total_jobs, jobs: [...]}",
        )
    }

    /// `GET /jobs/{id}/logs`: a list of lines, or `{logs: [...]}`.
    pub async fn job_logs(&self, job_id: &str) -> Result<Vec<RobotLogLine>, RobotError> {
        check_segment("identificador de job", job_id)?;
        let reply = self
            .send(Method::GET, &["jobs", job_id, "logs"], None, true, &[])
            .await?;
        let v = self.json(reply, Ctx::Job(job_id), &[])?;
        self.shape(
            model::parse_log_lines(&v),
            &v,
            "/jobs/{id}/logs",
            "esperada uma lista de linhas",
        )
    }

    /// `GET /events/logs`: the live server-sent events. `request_timeout` bounds only
    /// the wait for the headers; the stream then stays open until the service closes
    /// it. An `Err` item is a transport failure: reconnect to go on. Data that is not
    /// JSON becomes an event whose `message` is the text.
    pub async fn events(
        &self,
    ) -> Result<impl Stream<Item = Result<RobotEvent, RobotError>> + Send + 'static, RobotError>
    {
        let url = self.url(&["events", "logs"]);
        let ectx = self.err_ctx(&[]);
        let mut rb = self.inner.http.get(url).header(ACCEPT, "text/event-stream");
        if let Some(auth) = &self.inner.auth {
            rb = rb.header(AUTHORIZATION, auth.clone());
        }
        let started = Instant::now();
        let resp = match tokio::time::timeout(self.inner.request_timeout, rb.send()).await {
            Err(_) => return Err(ectx.timeout()),
            Ok(Err(e)) => return Err(ectx.transport(&e)),
            Ok(Ok(resp)) => resp,
        };
        let status = resp.status();
        tracing::debug!(
            path = "/events/logs",
            status = status.as_u16(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "robot: event stream"
        );
        if !status.is_success() {
            let body = match tokio::time::timeout(self.inner.request_timeout, resp.bytes()).await {
                Ok(Ok(b)) => b.to_vec(),
                _ => Vec::new(),
            };
            let reply = Reply {
                status,
                body,
                path: "/events/logs".into(),
            };
            return Err(self.http_error(&reply, Ctx::Plain, &[]));
        }
        let secrets = ectx.secrets.clone();
        // Cut the stream where one event passes the bound, and say so as its last item.
        let cut = Arc::new(AtomicBool::new(false));
        let mut bound = crate::event_bound::EventBound::default();
        let cut_seen = cut.clone();
        let bytes = resp.bytes_stream().take_while(move |chunk| {
            let fits = match chunk {
                Ok(b) => bound.feed(b),
                Err(_) => true,
            };
            if !fits {
                cut_seen.store(true, Ordering::SeqCst);
            }
            std::future::ready(fits)
        });
        let ending = futures_util::stream::once(async move {
            cut.load(Ordering::SeqCst).then(|| {
                RobotError::new(
                    RobotErrorKind::Transient,
                    format!(
                        "O fluxo de eventos do serviço de robôs mandou um evento maior que {} KB; \
                         a conexão foi encerrada.",
                        crate::event_bound::MAX_EVENT_BYTES / 1024
                    ),
                )
            })
        })
        .filter_map(|e| std::future::ready(e.map(Err)));
        Ok(bytes
            .eventsource()
            .map(move |item| match item {
                Ok(ev) => {
                    let mut e = model::parse_event(&ev.event, &ev.data);
                    redact_value(&mut e.raw, &secrets);
                    Ok(e)
                }
                Err(EventStreamError::Transport(e)) => Err(ectx.transport(&e)),
                Err(EventStreamError::Utf8(e)) => Err(RobotError::new(
                    RobotErrorKind::Transient,
                    format!("O fluxo de eventos do serviço de robôs trouxe texto inválido: {e}."),
                )),
                Err(EventStreamError::Parser(e)) => Err(RobotError::new(
                    RobotErrorKind::Transient,
                    format!("O fluxo de eventos do serviço de robôs está malformado: {e}."),
                )),
            })
            .chain(ending))
    }

    // -----------------------------------------------------------------------------------

    fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.inner.base.clone();
        url.path_segments_mut()
            .expect("checked in RobotClient::new: an http(s) URL has a path")
            .pop_if_empty()
            .extend(segments);
        url
    }

    fn err_ctx(&self, secrets: &[&str]) -> ErrCtx {
        let mut all: Vec<String> = secrets
            .iter()
            .filter(|s| !s.is_empty())
            .map(|s| s.to_string())
            .collect();
        all.extend(self.inner.token.iter().cloned());
        ErrCtx {
            base: self.inner.base_display.clone(),
            connect_timeout: self.inner.connect_timeout,
            request_timeout: self.inner.request_timeout,
            secrets: all,
        }
    }

    /// An authenticated call carrying an `Idempotency-Key` when one is given.
    async fn send_keyed(
        &self,
        method: Method,
        segments: &[&str],
        body: Option<&Value>,
        secrets: &[&str],
        key: Option<&str>,
    ) -> Result<Reply, RobotError> {
        self.send_with(method, segments, body, true, secrets, key)
            .await
    }

    /// How long a call may take: creates (`POST`) at most [`CREATE_TIMEOUT`].
    fn timeout_for(&self, method: &Method) -> Duration {
        if *method == Method::POST {
            self.inner.request_timeout.min(CREATE_TIMEOUT)
        } else {
            self.inner.request_timeout
        }
    }

    async fn send(
        &self,
        method: Method,
        segments: &[&str],
        body: Option<&Value>,
        auth: bool,
        secrets: &[&str],
    ) -> Result<Reply, RobotError> {
        self.send_with(method, segments, body, auth, secrets, None)
            .await
    }

    /// Sends one call and reads the whole body, whatever the status. Only transport
    /// failures are errors here.
    async fn send_with(
        &self,
        method: Method,
        segments: &[&str],
        body: Option<&Value>,
        auth: bool,
        secrets: &[&str],
        key: Option<&str>,
    ) -> Result<Reply, RobotError> {
        let url = self.url(segments);
        let path = format!("/{}", segments.join("/"));
        let mut rb = self
            .inner
            .http
            .request(method.clone(), url)
            .timeout(self.timeout_for(&method))
            .header(ACCEPT, "application/json");
        if auth {
            if let Some(a) = &self.inner.auth {
                rb = rb.header(AUTHORIZATION, a.clone());
            }
        }
        if let Some(k) = key {
            rb = rb.header("Idempotency-Key", k);
        }
        if let Some(b) = body {
            rb = rb.json(b);
        }
        let started = Instant::now();
        // The answer is read in pieces and given up past MAX_ANSWER_BYTES: a robot that
        // answers without end cannot run the desktop out of memory.
        let result = async {
            let mut resp = rb.send().await?;
            let status = resp.status();
            let mut bytes = Vec::new();
            while let Some(chunk) = resp.chunk().await? {
                if bytes.len() + chunk.len() > MAX_ANSWER_BYTES {
                    return Ok((status, None));
                }
                bytes.extend_from_slice(&chunk);
            }
            Ok::<_, reqwest::Error>((status, Some(bytes)))
        }
        .await;
        let elapsed_ms = started.elapsed().as_millis() as u64;
        match result {
            Ok((_, None)) => Err(RobotError::new(
                RobotErrorKind::Transient,
                format!(
                    "A resposta do serviço de robôs a {path} passou de {} MB e foi descartada.",
                    MAX_ANSWER_BYTES / (1024 * 1024)
                ),
            )
            .effect_unknown()),
            Ok((status, Some(bytes))) => {
                tracing::debug!(%method, path = %path, status = status.as_u16(), elapsed_ms,
                    "robot: call");
                Ok(Reply {
                    status,
                    body: bytes,
                    path,
                })
            }
            Err(e) => {
                let mut ctx = self.err_ctx(secrets);
                ctx.request_timeout = self.timeout_for(&method);
                let err = ctx.transport(&e);
                tracing::debug!(%method, path = %path, elapsed_ms, error = %err.message,
                    "robot: call failed");
                Err(err)
            }
        }
    }

    /// The JSON body of a successful answer; any other status becomes its error.
    fn json(&self, reply: Reply, ctx: Ctx<'_>, secrets: &[&str]) -> Result<Value, RobotError> {
        if !reply.status.is_success() {
            return Err(self.http_error(&reply, ctx, secrets));
        }
        serde_json::from_slice::<Value>(&reply.body).map_err(|e| {
            RobotError::new(
                RobotErrorKind::Transient,
                format!(
                    "O serviço de robôs enviou uma resposta inválida em {} (JSON malformado: {e}).",
                    reply.path
                ),
            )
            .with_status(reply.status.as_u16())
            .with_raw(Some(self.raw_text(&reply.body, secrets)))
            .effect_unknown()
        })
    }

    /// A parsed answer, or a `Transient` error saying what was missing.
    fn shape<T>(
        &self,
        parsed: Option<T>,
        v: &Value,
        path: &str,
        what: &str,
    ) -> Result<T, RobotError> {
        parsed.ok_or_else(|| {
            RobotError::new(
                RobotErrorKind::Transient,
                format!("O serviço de robôs enviou uma resposta inesperada em {path}: {what}."),
            )
            .with_status(200)
            .with_raw(Some(self.raw_value(v, &[])))
            .effect_unknown()
        })
    }

    fn accepted(
        &self,
        reply: Reply,
        ctx: Ctx<'_>,
        secrets: &[&str],
    ) -> Result<JobAccepted, RobotError> {
        let path = reply.path.clone();
        let v = self.json(reply, ctx, secrets)?;
        let mut acc = self.shape(model::parse_job_accepted(&v), &v, &path, "faltou o job_id")?;
        redact_value(&mut acc.raw, &self.err_ctx(secrets).secrets);
        Ok(acc)
    }

    fn status_of(&self, v: &Value, job_id: &str, route: &str) -> Result<JobStatus, RobotError> {
        let mut st = self.shape(
            model::parse_job_status(v, job_id),
            v,
            &format!("{route}/{job_id}"),
            "esperado um objeto JobStatus",
        )?;
        redact_value(&mut st.raw, &self.err_ctx(&[]).secrets);
        Ok(st)
    }

    fn raw_text(&self, body: &[u8], secrets: &[&str]) -> String {
        let secrets = self.err_ctx(secrets).secrets;
        match serde_json::from_slice::<Value>(body) {
            Ok(mut v) => {
                redact_value(&mut v, &secrets);
                v.to_string()
            }
            Err(_) => scrub(&String::from_utf8_lossy(body), &secrets),
        }
    }

    fn raw_value(&self, v: &Value, secrets: &[&str]) -> String {
        let mut v = v.clone();
        redact_value(&mut v, &self.err_ctx(secrets).secrets);
        v.to_string()
    }

    /// Classifies a non-2xx answer.
    fn http_error(&self, reply: &Reply, ctx: Ctx<'_>, secrets: &[&str]) -> RobotError {
        let all_secrets = self.err_ctx(secrets).secrets;
        let code = reply.status.as_u16();
        let json = serde_json::from_slice::<Value>(&reply.body).ok();
        let detail = json
            .as_ref()
            .and_then(detail_text)
            .map(|d| scrub(&d, &all_secrets));
        let raw = (!reply.body.is_empty()).then(|| self.raw_text(&reply.body, secrets));
        let short = detail
            .as_deref()
            .map(|d| format!(": {}", truncate(d, 300)))
            .unwrap_or_default();
        let base = &self.inner.base_display;
        let path = &reply.path;
        let (kind, message) = match code {
            401 => (
                RobotErrorKind::Unauthorized,
                UNAUTHORIZED_MESSAGE.to_string(),
            ),
            404 => match ctx {
                Ctx::Job(id) if is_job_not_found(&reply.body) => (
                    RobotErrorKind::JobLost,
                    format!(
                        "O job '{id}' não existe mais no serviço de robôs (apagado 24 h após \
                         terminar, ou perdido num reinício do serviço)."
                    ),
                ),
                Ctx::Operator(op)
                    if detail
                        .as_deref()
                        .is_some_and(|d| fold(d).contains("operadora")) =>
                {
                    (
                        RobotErrorKind::Business,
                        format!("Operadora '{op}' não encontrada no serviço de robôs."),
                    )
                }
                _ => (
                    RobotErrorKind::Business,
                    format!(
                        "O serviço de robôs em {base} não encontrou {path} (404){short}: confira \
                         o endereço configurado."
                    ),
                ),
            },
            422 => {
                let fields = json
                    .as_ref()
                    .and_then(|v| v.get("detail"))
                    .map(validation_list)
                    .filter(|s| !s.is_empty())
                    .or_else(|| detail.clone())
                    .unwrap_or_else(|| "sem detalhes".into());
                (
                    RobotErrorKind::Business,
                    format!(
                        "O serviço de robôs recusou o pedido (campo ausente ou inválido: {}).",
                        truncate(&scrub(&fields, &all_secrets), 500)
                    ),
                )
            }
            403 => (
                RobotErrorKind::Business,
                format!("O serviço de robôs recusou o acesso a {path} (403){short}."),
            ),
            408 | 429 => (
                RobotErrorKind::Transient,
                format!(
                    "O serviço de robôs está sobrecarregado ou demorou a responder ({code}){short}."
                ),
            ),
            400..=499 => (
                RobotErrorKind::Business,
                format!("O serviço de robôs recusou o pedido em {path} ({code}){short}."),
            ),
            500..=599 => (
                RobotErrorKind::Transient,
                format!("O serviço de robôs respondeu com erro {code}{short}."),
            ),
            _ => (
                RobotErrorKind::Transient,
                format!("O serviço de robôs deu uma resposta inesperada em {path} ({code})."),
            ),
        };
        // A 5xx or an unexpected status may come after the service acted; a 4xx is a
        // refusal before it did anything (408 and 429 included: nothing was queued).
        let err = RobotError::new(kind, message);
        let err = if matches!(code, 400..=499) {
            err
        } else {
            err.effect_unknown()
        };
        err.with_status(code).with_detail(detail).with_raw(raw)
    }
}

impl ErrCtx {
    fn timeout(&self) -> RobotError {
        RobotError::new(
            RobotErrorKind::Transient,
            format!(
                "O serviço de robôs não respondeu em {}.",
                secs_pt(self.request_timeout)
            ),
        )
        .effect_unknown()
    }

    /// Describes a failure below HTTP: no connection, timeout, dropped connection.
    fn transport(&self, e: &reqwest::Error) -> RobotError {
        let base = &self.base;
        let message = if e.is_connect() {
            if e.is_timeout() {
                format!(
                    "Não foi possível conectar ao serviço de robôs em {base}: tempo de conexão \
                     esgotado ({}).",
                    secs_pt(self.connect_timeout)
                )
            } else {
                format!(
                    "Não foi possível conectar ao serviço de robôs em {base}: {}.",
                    cause_pt(e)
                )
            }
        } else if e.is_timeout() {
            return self.timeout();
        } else {
            format!(
                "A conexão com o serviço de robôs em {base} caiu antes da resposta completa: {}.",
                cause_pt(e)
            )
        };
        let err = RobotError::new(RobotErrorKind::Transient, scrub(&message, &self.secrets));
        // Only a connection that never opened proves the request was not received.
        if e.is_connect() {
            err
        } else {
            err.effect_unknown()
        }
    }
}

/// The root cause of a transport error, in pt-BR where it is a known one.
fn cause_pt(e: &reqwest::Error) -> String {
    use std::error::Error as _;
    let mut technical = Vec::<String>::new();
    let mut source = e.source();
    while let Some(err) = source {
        if let Some(io) = err.downcast_ref::<io::Error>() {
            let pt = match io.kind() {
                io::ErrorKind::ConnectionRefused => Some("conexão recusada"),
                io::ErrorKind::ConnectionReset
                | io::ErrorKind::ConnectionAborted
                | io::ErrorKind::BrokenPipe
                | io::ErrorKind::UnexpectedEof => Some("conexão encerrada pelo servidor"),
                io::ErrorKind::TimedOut => Some("tempo esgotado"),
                io::ErrorKind::AddrNotAvailable => Some("endereço indisponível"),
                _ => None,
            };
            if let Some(pt) = pt {
                return pt.to_string();
            }
        }
        let text = err.to_string();
        if !technical.iter().any(|t| t.contains(&text)) {
            technical.push(text);
        }
        source = err.source();
    }
    if e.is_dns() {
        return "nome do servidor não encontrado".into();
    }
    let joined = technical.join(": ");
    if joined.contains("closed") || joined.contains("incomplete") {
        format!("conexão encerrada pelo servidor ({joined})")
    } else if joined.is_empty() {
        e.to_string()
    } else {
        joined
    }
}

/// Rejects path segments that would change the route.
fn check_segment(what: &str, s: &str) -> Result<(), RobotError> {
    if s.trim().is_empty() || s == "." || s == ".." {
        return Err(config_error(format!("O {what} '{s}' é inválido.")));
    }
    Ok(())
}

/// A 404 whose `detail` says the job is unknown ("Job 'X' não encontrado").
fn is_job_not_found(body: &[u8]) -> bool {
    let text = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| detail_text(&v))
        .unwrap_or_else(|| String::from_utf8_lossy(body).into_owned());
    let t = fold(&text);
    t.contains("job") && (t.contains("nao encontrad") || t.contains("not found"))
}

/// The `detail` of a FastAPI error (or `message`/`error`), as text.
fn detail_text(v: &Value) -> Option<String> {
    let obj = v.as_object()?;
    match obj.get("detail") {
        Some(Value::String(s)) => return Some(s.clone()),
        Some(d @ Value::Array(_)) => return Some(validation_list(d)),
        Some(Value::Null) | None => {}
        Some(other) => return Some(other.to_string()),
    }
    model::text(obj.get("message")).or_else(|| model::text(obj.get("error")))
}

/// FastAPI's `[{loc, msg, type}]` as "senha: Field required; cnpj: ...". The `input`
/// that pydantic echoes (it may hold the password) is left out.
fn validation_list(v: &Value) -> String {
    let Some(items) = v.as_array() else {
        return model::text(Some(v)).unwrap_or_default();
    };
    items
        .iter()
        .map(|item| {
            let loc = item
                .get("loc")
                .and_then(Value::as_array)
                .map(|parts| {
                    let parts: Vec<String> = parts
                        .iter()
                        .map(|p| match p {
                            Value::String(s) => s.clone(),
                            other => other.to_string(),
                        })
                        .collect();
                    let skip = usize::from(parts.len() > 1 && parts[0] == "body");
                    parts[skip..].join(".")
                })
                .unwrap_or_default();
            let msg = model::text(item.get("msg")).unwrap_or_default();
            match (loc.is_empty(), msg.is_empty()) {
                (false, false) => format!("{loc}: {msg}"),
                (false, true) => loc,
                (true, false) => msg,
                (true, true) => item.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Masks secret keys anywhere in a JSON value, and secret texts inside strings.
fn redact_value(v: &mut Value, secrets: &[String]) {
    match v {
        Value::Object(obj) => {
            for (k, val) in obj.iter_mut() {
                if SECRET_KEYS.contains(&k.to_ascii_lowercase().as_str()) && !val.is_null() {
                    *val = Value::String("***".into());
                } else {
                    redact_value(val, secrets);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| redact_value(i, secrets)),
        Value::String(s) if secrets.iter().any(|x| s.contains(x.as_str())) => {
            *s = scrub(s, secrets);
        }
        _ => {}
    }
}

/// Replaces every occurrence of a secret (of 3+ characters) by "***".
fn scrub(text: &str, secrets: &[String]) -> String {
    let mut out = text.to_string();
    for s in secrets.iter().filter(|s| s.chars().count() >= 3) {
        out = out.replace(s.as_str(), "***");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bad_configs() {
        for url in ["", "not a url", "ftp://x/", "mailto:a@b"] {
            let e = RobotClient::new(RobotConfig::new(url, None)).unwrap_err();
            assert_eq!(e.kind, RobotErrorKind::Business, "{url}");
        }
        let e = RobotClient::new(RobotConfig::new("http://x", Some("a\nb".into()))).unwrap_err();
        assert!(e.message.contains("token"));
        assert!(!e.message.contains("a\nb"));
    }

    #[test]
    fn urls() {
        let c = RobotClient::new(RobotConfig::new(
            "http://user:pw@localhost:8000/rpa/?x=1#f",
            Some("Bearer abc".into()),
        ))
        .unwrap();
        assert_eq!(c.base_url(), "http://localhost:8000/rpa");
        assert_eq!(
            c.url(&["executar", "OI/x y"]).as_str(),
            "http://user:pw@localhost:8000/rpa/executar/OI%2Fx%20y"
        );
        assert_eq!(c.inner.token.as_deref(), Some("abc"));
        let d = format!("{c:?}");
        assert!(!d.contains("abc") && !d.contains("pw"), "{d}");
        let c = RobotClient::new(RobotConfig::new("http://h:1", Some("  ".into()))).unwrap();
        assert!(c.inner.auth.is_none());
        assert_eq!(c.url(&["health"]).as_str(), "http://h:1/health");
    }

    #[test]
    fn validation_errors() {
        let v = json!([{"loc": ["body", "senha"], "msg": "Field required", "type": "missing",
            "input": {"senha": "x"}}, {"loc": ["query", 0], "msg": "bad"}]);
        assert_eq!(validation_list(&v), "senha: Field required; query.0: bad");
    }

    #[test]
    fn redaction() {
        let mut v = json!({"input": {"senha": "s3cr3t", "login": "u"}, "msg": "token xyz123 ruim"});
        redact_value(&mut v, &["xyz123".into()]);
        assert_eq!(
            v,
            json!({"input": {"senha": "***", "login": "u"}, "msg": "token *** ruim"})
        );
    }

    #[test]
    fn job_not_found() {
        assert!(is_job_not_found(
            br#"{"detail": "Job 'abc' n\u00e3o encontrado"}"#
        ));
        assert!(is_job_not_found(b"Job abc not found"));
        assert!(!is_job_not_found(br#"{"detail": "Not Found"}"#));
    }
}
