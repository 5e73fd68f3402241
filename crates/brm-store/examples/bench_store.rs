//! The store benchmark of the issue (figures, not a test). It seeds a year-scale database
//! (20,000 clients × 24 months = 480,000 processes, about a million executions) and times
//! the process list page, the dashboard counts, an approval, the approval queue with its
//! clients' invoice history and the dashboard's month reads through the `Store` trait,
//! beside the very same SQL text and binds sent straight through sqlx, in the same run.
//!
//!   cargo run --release -p brm-store --example bench_store -- --backend sqlite|postgres|both
//!       [--clients 20000] [--months 24] [--iterations 200] [--warmup 20]
//!       [--max-case-secs 60] [--show-sql] [--seed-only] [--cases abcdefghij]
//!       [--sqlite-cache-kib N]
//!
//! `--seed-only` seeds, keeps the database (and says where) and times nothing: for
//! EXPLAIN QUERY PLAN / EXPLAIN ANALYZE by hand. `--sqlite-cache-kib` is an experiment:
//! the SQLite store then runs on connections with that page cache instead of the 2 MiB
//! that `SqliteStore::connect` leaves by default.
//!
//! PostgreSQL needs BRM_TEST_POSTGRES_URL (scripts/bench-store.sh starts a throw-away
//! cluster): the benchmark creates its own database there and drops it at the end. SQLite
//! runs on a file in a temporary folder, opened as the application opens it.
//!
//! Before timing, each case runs once with sqlx's statement log captured on both sides:
//! the store and the baseline must send the same statements and get the same rows, or the
//! benchmark stops, so the ratio measures the store's own cost and nothing else.

use brm_core::audit::{diff, Actor, AuditEvent};
use brm_core::client::Client;
use brm_core::operator::Operator;
use brm_core::process::{Process, ProcessFilter, ProcessStatus, StatusCounts, Transition};
use brm_core::user::User;
use brm_core::Role;
use brm_store::postgres::PgStore;
use brm_store::sqlite::SqliteStore;
use brm_store::{ClientWrite, PasswordWrite, QueueQuery, QueueSort, Store};
use chrono::{DateTime, Datelike, Months, Utc};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, Row, SqlitePool};
use std::str::FromStr;
use std::time::{Duration, Instant};
use uuid::Uuid;

// --- command line -------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Which {
    Sqlite,
    Postgres,
}

#[derive(Debug, Clone)]
struct Args {
    backends: Vec<Which>,
    clients: usize,
    months: usize,
    iterations: usize,
    warmup: usize,
    /// A case stops early (after at least 20 timed iterations) when it has run this long.
    max_case_secs: u64,
    show_sql: bool,
    /// Seed, keep the database for EXPLAIN, skip the timing.
    seed_only: bool,
    /// The cases to time, by letter (all by default).
    cases: String,
    /// An experiment, not the store as shipped: open the SQLite connections with this
    /// page cache (KiB) instead of SQLite's default 2 MiB.
    sqlite_cache_kib: Option<u64>,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        backends: vec![Which::Sqlite],
        clients: 20_000,
        months: 24,
        iterations: 200,
        warmup: 20,
        max_case_secs: 60,
        show_sql: false,
        seed_only: false,
        cases: "abcdefghij".into(),
        sqlite_cache_kib: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = |name: &str| it.next().ok_or(format!("{name} needs a value"));
        let number = |s: String| s.parse::<usize>().map_err(|e| format!("{s}: {e}"));
        match flag.as_str() {
            "--backend" => {
                a.backends = match value("--backend")?.as_str() {
                    "sqlite" => vec![Which::Sqlite],
                    "postgres" => vec![Which::Postgres],
                    "both" => vec![Which::Sqlite, Which::Postgres],
                    other => return Err(format!("unknown backend {other:?}")),
                }
            }
            "--clients" => a.clients = number(value("--clients")?)?,
            "--months" => a.months = number(value("--months")?)?,
            "--iterations" => a.iterations = number(value("--iterations")?)?,
            "--warmup" => a.warmup = number(value("--warmup")?)?,
            "--max-case-secs" => a.max_case_secs = number(value("--max-case-secs")?)? as u64,
            "--show-sql" => a.show_sql = true,
            "--seed-only" => a.seed_only = true,
            "--cases" => a.cases = value("--cases")?,
            "--sqlite-cache-kib" => {
                a.sqlite_cache_kib = Some(number(value("--sqlite-cache-kib")?)? as u64)
            }
            "-h" | "--help" => {
                return Err("usage: bench_store --backend sqlite|postgres|both [--clients N] \
                            [--months N] [--iterations N] [--warmup N] [--max-case-secs N] [--show-sql] [--seed-only] [--cases abcdefghij] \
                            [--sqlite-cache-kib N]"
                    .into())
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if a.clients == 0 || a.months == 0 || a.iterations == 0 {
        return Err("--clients, --months and --iterations must be positive".into());
    }
    Ok(a)
}

#[tokio::main]
async fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    capture::install();
    let mut failed = false;
    for which in args.backends.clone() {
        let report = match which {
            Which::Sqlite => run_sqlite(&args).await,
            Which::Postgres => run_postgres(&args).await,
        };
        failed |= !report;
    }
    if failed {
        std::process::exit(1);
    }
}

// --- what the database holds ---------------------------------------------------------

const OPERATORS: [(&str, &str, u64); 8] = [
    ("Vivo", "VIVO", 28),
    ("Oi", "OI", 16),
    ("Embratel", "EMBRATEL", 14),
    ("Claro", "CLARO", 14),
    ("TIM", "TIM", 10),
    ("DigitalNet", "DIGITALNET", 8),
    ("Algar Telecom", "ALGAR", 6),
    ("Sercomtel", "SERCOMTEL", 4),
];

/// 120 surnames: each ends up in about 1% of the legal names, so searching one of them
/// (SEARCH_WORD) has the selectivity the issue asks for. Lists are `|`-separated.
const SURNAMES: &str = "Silva|Santos|Oliveira|Souza|Rodrigues|Ferreira|Alves|Pereira|Lima|Gomes|
    Costa|Ribeiro|Martins|Carvalho|Almeida|Lopes|Soares|Fernandes|Vieira|Barbosa|Rocha|Dias|
    Nascimento|Andrade|Moreira|Nunes|Marques|Machado|Mendes|Freitas|Cardoso|Ramos|Gonçalves|
    Santana|Teixeira|Moura|Correia|Pinto|Cavalcanti|Monteiro|Batista|Campos|Cunha|Brandão|
    Farias|Medeiros|Pires|Bezerra|Castro|Rezende|Figueiredo|Borges|Queiroz|Tavares|Peixoto|
    Siqueira|Bastos|Prado|Fonseca|Guimarães|Macedo|Sampaio|Coelho|Cordeiro|Lacerda|Magalhães|
    Nogueira|Pacheco|Leite|Araújo|Xavier|Vasconcelos|Toledo|Quintela|Beltrão|Falcão|Aguiar|
    Brito|Caldas|Damasceno|Esteves|Frota|Galvão|Hollanda|Ibiapina|Jardim|Kruger|Lustosa|
    Mascarenhas|Novaes|Otoni|Paranhos|Quental|Rangel|Sardinha|Trindade|Uchoa|Valadares|
    Wanderley|Zanetti|Amaral|Bittencourt|Conceição|Dantas|Espíndola|Fagundes|Gusmão|Holanda|
    Itaboraí|Junqueira|Kubota|Leme|Mattos|Neves|Orsini|Pimentel|Quadros|Resende|Salgado|Tenório";
const SEARCH_WORD: &str = "araujo";
const LEADS: &str = "Transportadora|Construtora|Distribuidora|Comercial|Indústria|Farmácia|
    Supermercado|Auto Posto|Clínica|Escola|Hotel|Padaria|Oficina|Metalúrgica|Madeireira|
    Agropecuária|Cerâmica|Gráfica|Panificadora|Laboratório|Cooperativa";
const SECTORS: &str = "Comércio de Alimentos|Transportes|Construções|Engenharia|
    Soluções em Tecnologia|Serviços Médicos|Logística|Materiais de Construção|Papelaria|
    Auto Peças|Hotelaria|Educação|Advocacia|Contabilidade|Móveis|Confecções|Laticínios|
    Mineração|Energia|Telecomunicações|Consultoria|Imobiliária|Odontologia|Combustíveis";
const SUFFIXES: &str = "Ltda|Ltda|Ltda|S/A|Eireli|ME|EPP";
const PUBLIC: &str = "Prefeitura Municipal de|Câmara Municipal de|Secretaria de Saúde de|
    Serviço Autônomo de Água e Esgoto de|Hospital Regional de";
const CITIES: &str = "Cuiabá-MT|Várzea Grande-MT|Rondonópolis-MT|Sinop-MT|Tangará da Serra-MT|
    Cáceres-MT|Sorriso-MT|Lucas do Rio Verde-MT|Primavera do Leste-MT|Barra do Garças-MT|
    Campo Grande-MS|Dourados-MS|Goiânia-GO|Brasília-DF|São Paulo-SP|Belo Horizonte-MG|
    Curitiba-PR|Porto Velho-RO|Palmas-TO|Rio Branco-AC";
const SERVICES: &str = "Internet Fibra|Voz|Dados|Móvel|Link Dedicado";

/// The word lists, split once.
struct Words {
    surnames: Vec<&'static str>,
    leads: Vec<&'static str>,
    sectors: Vec<&'static str>,
    suffixes: Vec<&'static str>,
    public: Vec<&'static str>,
    cities: Vec<&'static str>,
    services: Vec<&'static str>,
}

impl Words {
    fn new() -> Self {
        let list = |s: &'static str| s.split('|').map(str::trim).collect();
        Self {
            surnames: list(SURNAMES),
            leads: list(LEADS),
            sectors: list(SECTORS),
            suffixes: list(SUFFIXES),
            public: list(PUBLIC),
            cities: list(CITIES),
            services: list(SERVICES),
        }
    }
}

/// splitmix64: a fixed seed gives the same clients on every run and backend.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len() as u64) as usize]
    }
}

fn legal_name(rng: &mut Rng, w: &Words) -> String {
    let s1 = rng.pick(&w.surnames);
    let s2 = rng.pick(&w.surnames);
    let suffix = rng.pick(&w.suffixes);
    let name = match rng.below(100) {
        0..=44 => format!("{} {s1} {suffix}", rng.pick(&w.leads)),
        45..=74 => format!("{s1} & {s2} {} {suffix}", rng.pick(&w.sectors)),
        75..=89 => format!("{s1} {} {suffix}", rng.pick(&w.sectors)),
        _ => {
            let city = rng.pick(&w.cities);
            format!("{} {}", rng.pick(&w.public), &city[..city.len() - 3])
        }
    };
    // The real spreadsheet is mostly upper case, with some rows typed by hand.
    if rng.below(10) < 7 {
        name.to_uppercase()
    } else {
        name
    }
}

/// A CNPJ with valid check digits from an 8-digit root.
fn cnpj(root: u64) -> String {
    let mut d: Vec<u32> = format!("{:08}0001", root % 100_000_000)
        .chars()
        .map(|c| c.to_digit(10).unwrap())
        .collect();
    for weights in [
        &[5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2][..],
        &[6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2][..],
    ] {
        let sum: u32 = d.iter().zip(weights).map(|(a, b)| a * b).sum();
        let r = sum % 11;
        d.push(if r < 2 { 0 } else { 11 - r });
    }
    d.iter()
        .map(|x| char::from_digit(*x, 10).unwrap())
        .collect()
}

struct Fixture {
    operators: Vec<Operator>,
    approver: User,
    clients: Vec<ClientWrite>,
    /// Newest first: months[0] is the current month.
    months: Vec<String>,
}

fn fixture(n_clients: usize, n_months: usize, now: DateTime<Utc>) -> Fixture {
    let operators: Vec<Operator> = OPERATORS
        .iter()
        .map(|(name, code, _)| Operator {
            id: Uuid::new_v4(),
            name: name.to_string(),
            code: code.to_string(),
            has_rpa: true,
            rpa_outsourced: false,
            rpa_endpoint_url: None,
            portal_url: Some("https://portal.exemplo-operadora.com.br".into()),
            access_instructions: None,
            timeout_secs: 300,
            max_attempts: 3,
            active: true,
            version: 1,
            created_at: now,
            updated_at: now,
        })
        .collect();
    let weight_total: u64 = OPERATORS.iter().map(|o| o.2).sum();
    let mut rng = Rng(2024);
    let words = Words::new();
    let clients = (0..n_clients)
        .map(|i| {
            let mut w = rng.below(weight_total);
            let op = OPERATORS
                .iter()
                .position(|o| {
                    if w < o.2 {
                        true
                    } else {
                        w -= o.2;
                        false
                    }
                })
                .unwrap();
            let legal_name = legal_name(&mut rng, &words);
            let sat_name = (rng.below(10) < 3).then(|| legal_name.to_uppercase());
            let account_filter = (rng.below(10) < 6).then(|| format!("{}", 1_000_000 + i * 7));
            let client = Client {
                id: Uuid::new_v4(),
                hash: Some(format!("bm{i:06}")),
                legal_name,
                sat_name,
                cnpj: cnpj(10_000_000 + i as u64 * 37),
                operator_id: operators[op].id,
                operator_name: String::new(),
                operator_code: String::new(),
                account_filter,
                service: rng.pick(&words.services).to_string(),
                sat_data: None,
                unit: rng.pick(&words.cities).to_string(),
                sat_category: None,
                issue_site_url: None,
                portal_login: Some(format!("login{i}@exemplo.com.br")),
                portal_password_set: false,
                cpf: None,
                notes: None,
                active: true,
                version: 1,
                created_at: now,
                updated_at: now,
            };
            ClientWrite {
                client,
                password: PasswordWrite::Keep,
            }
        })
        .collect();
    let first = now.date_naive().with_day(1).unwrap();
    let months = (0..n_months)
        .map(|k| {
            let d = first.checked_sub_months(Months::new(k as u32)).unwrap();
            format!("{}-{:02}", d.year(), d.month())
        })
        .collect();
    let approver = User {
        id: Uuid::new_v4(),
        full_name: "Beatriz Aprovadora".into(),
        email: "aprovadora@bench.local".into(),
        phone: None,
        role: Role::Aprovador,
        active: true,
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        failed_logins: 0,
        locked_until: None,
        last_login_at: None,
        created_at: now,
        updated_at: now,
    };
    Fixture {
        operators,
        approver,
        clients,
        months,
    }
}

fn month_values(months: &[String]) -> String {
    months
        .iter()
        .enumerate()
        .map(|(k, m)| format!("({k}, '{m}')"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Seeds operators and the approver through the store (a handful of rows, with their
/// audit events), the rest with bulk SQL.
async fn seed_people(store: &dyn Store, fx: &Fixture, now: DateTime<Utc>) {
    let ev = |entity: &str, id: Uuid| {
        AuditEvent::new(now, Actor::anonymous("bench"), "CRIAR", entity).on(id)
    };
    store
        .insert_user(&fx.approver, &ev("usuario", fx.approver.id))
        .await
        .expect("approver");
    for op in &fx.operators {
        store
            .insert_operator(op, &ev("operadora", op.id))
            .await
            .expect("operator");
    }
}

#[derive(Default)]
struct SeedTimes {
    steps: Vec<(&'static str, Duration)>,
}

impl SeedTimes {
    async fn step<F: std::future::Future<Output = ()>>(&mut self, name: &'static str, f: F) {
        let t = Instant::now();
        f.await;
        self.steps.push((name, t.elapsed()));
    }

    fn print(&self) {
        let total: Duration = self.steps.iter().map(|s| s.1).sum();
        let parts = self
            .steps
            .iter()
            .map(|(n, d)| format!("{n} {:.1} s", d.as_secs_f64()))
            .collect::<Vec<_>>()
            .join(", ");
        println!("seeded in {:.1} s ({parts})", total.as_secs_f64());
    }
}

// Shared pieces of the seeding SQL. The pseudo-random numbers r (0..999, the status) and
// r2 come from the client's position and the month, so both backends hold the same
// distribution: the current month mixed, the previous one nearly done, older months
// almost all UPLOAD_REALIZADO.
const STATUS_CASE: &str = "CASE
      WHEN k = 0 THEN CASE WHEN r < 350 THEN 'AGUARDANDO_DOWNLOAD'
                           WHEN r < 650 THEN 'AGUARDANDO_APROVACAO'
                           WHEN r < 800 THEN 'AGUARDANDO_ENVIO_SAT'
                           WHEN r < 980 THEN 'UPLOAD_REALIZADO' ELSE 'CANCELADO' END
      WHEN k = 1 THEN CASE WHEN r < 20 THEN 'AGUARDANDO_DOWNLOAD'
                           WHEN r < 50 THEN 'AGUARDANDO_APROVACAO'
                           WHEN r < 100 THEN 'AGUARDANDO_ENVIO_SAT'
                           WHEN r < 975 THEN 'UPLOAD_REALIZADO' ELSE 'CANCELADO' END
      ELSE CASE WHEN r < 3 THEN 'AGUARDANDO_ENVIO_SAT'
                WHEN r < 975 THEN 'UPLOAD_REALIZADO' ELSE 'CANCELADO' END
    END";

fn process_source(months: &[String]) -> String {
    format!(
        "WITH c AS (SELECT id, operator_id, row_number() OVER (ORDER BY hash) AS n FROM clients),
              m(k, month) AS (VALUES {}),
              base AS (
                SELECT c.id AS client_id, c.operator_id, m.k, m.month, c.n,
                       ((c.n * 2654435761 + CAST(m.k AS BIGINT) * 374761393) % 4294967296)
                           * 1000 / 4294967296 AS r,
                       (c.n * 2246822519 + CAST(m.k AS BIGINT) * 3266489917) % 1000003 AS r2
                FROM c CROSS JOIN m),
              s AS (SELECT base.*, {STATUS_CASE} AS status FROM base),
              v AS (SELECT s.*,
                           status IN ('AGUARDANDO_APROVACAO', 'AGUARDANDO_ENVIO_SAT',
                                      'UPLOAD_REALIZADO') AS inv,
                           status IN ('AGUARDANDO_ENVIO_SAT', 'UPLOAD_REALIZADO') AS appr
                    FROM s)",
        month_values(months)
    )
}

const PROCESS_COLUMNS: &str = "INSERT INTO processes (id, client_id, operator_id, reference_month,
        status, invoice_key, invoice_file_name, invoice_size, invoice_sha256, due_date,
        {AMOUNT}, approved_by, approved_at, sent_to_sat, sent_at, download_attempts,
        last_download_at, sat_attempts, last_sat_at, needs_attention, manual_upload,
        auto_created, created_by, notes, version, created_at, updated_at, amount_source,
        due_date_source, payment_line, payment_line_status)";

const EXEC_COLUMNS: &str = "INSERT INTO executions (id, process_id, kind, status, job_id,
        endpoint, request_json, result_json, progress, attempt, started_at, finished_at, error,
        error_class, triggered_by, created_at, updated_at)";

const LOG_LINES: &str = "(0, 'abrindo portal da operadora'), (1, 'login realizado'),
        (2, 'procurando a fatura do mês'), (3, 'baixando a fatura'), (4, 'fatura salva')";

// --- SQLite --------------------------------------------------------------------------

/// The same random version-4 UUID the SQLite store's monthly creation uses.
const SQLITE_UUID: &str = "lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' ||
     substr(hex(randomblob(2)), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) ||
     substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))";

async fn seed_sqlite(pool: &SqlitePool, fx: &Fixture, times: &mut SeedTimes) {
    let now = ts_sqlite(Utc::now());
    // One connection with a large page cache for the bulk inserts only; the benchmark
    // itself runs on connections opened as the application opens them.
    let mut conn = pool.acquire().await.unwrap();
    sqlx::raw_sql("PRAGMA cache_size = -1000000")
        .execute(&mut *conn)
        .await
        .unwrap();
    let conn = &mut *conn;
    times
        .step("clients", async {
            let mut tx = sqlx::Connection::begin(&mut *conn).await.unwrap();
            for w in &fx.clients {
                let c = &w.client;
                sqlx::query(
                    "INSERT INTO clients (id, hash, legal_name, sat_name, cnpj, operator_id,
                        account_filter, service, service_key, unit, unit_key, portal_login,
                        search_text, active, version, created_at, updated_at)
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, 1, ?, ?)",
                )
                .bind(c.id.to_string())
                .bind(&c.hash)
                .bind(&c.legal_name)
                .bind(&c.sat_name)
                .bind(&c.cnpj)
                .bind(c.operator_id.to_string())
                .bind(&c.account_filter)
                .bind(&c.service)
                .bind(w.service_key())
                .bind(&c.unit)
                .bind(w.unit_key())
                .bind(&c.portal_login)
                .bind(w.search_text())
                .bind(&now)
                .bind(&now)
                .execute(&mut *tx)
                .await
                .unwrap();
            }
            tx.commit().await.unwrap();
        })
        .await;
    times
        .step("processes", async {
            let sql = format!(
                "{src}
                 {cols}
                 SELECT {SQLITE_UUID}, client_id, operator_id, month, status,
                   CASE WHEN inv THEN 'faturas/' || month || '/' || client_id || '.pdf' END,
                   CASE WHEN inv THEN 'fatura-' || month || '.pdf' END,
                   CASE WHEN inv THEN 80000 + r2 % 400000 END,
                   CASE WHEN inv THEN lower(hex(randomblob(32))) END,
                   CASE WHEN inv THEN month || '-' || (10 + r2 % 15) END,
                   CASE WHEN inv THEN 5000 + r2 % 2500000 END,
                   CASE WHEN appr THEN ?1 END,
                   CASE WHEN appr THEN month || '-0' || (1 + r2 % 9) || 'T14:30:00.000000Z' END,
                   status = 'UPLOAD_REALIZADO',
                   CASE WHEN status = 'UPLOAD_REALIZADO'
                        THEN month || '-2' || (r2 % 8) || 'T16:00:00.000000Z' END,
                   CASE WHEN status = 'AGUARDANDO_DOWNLOAD' THEN r2 % 4
                        WHEN r2 % 7 = 0 THEN 2 ELSE 1 END,
                   CASE WHEN status <> 'AGUARDANDO_DOWNLOAD' OR r2 % 4 > 0
                        THEN month || '-05T08:00:00.000000Z' END,
                   CASE WHEN status = 'UPLOAD_REALIZADO' THEN 1 ELSE 0 END,
                   CASE WHEN status = 'UPLOAD_REALIZADO'
                        THEN month || '-2' || (r2 % 8) || 'T16:00:00.000000Z' END,
                   status = 'AGUARDANDO_DOWNLOAD' AND r2 % 4 = 3,
                   inv AND r2 % 50 = 0,
                   1, NULL,
                   CASE WHEN status = 'CANCELADO' THEN 'conta encerrada no mês' END,
                   CASE status WHEN 'AGUARDANDO_DOWNLOAD' THEN 1 WHEN 'AGUARDANDO_APROVACAO'
                        THEN 2 WHEN 'AGUARDANDO_ENVIO_SAT' THEN 3 WHEN 'UPLOAD_REALIZADO' THEN 4
                        ELSE 2 END,
                   month || '-01T06:00:00.000000Z',
                   month || '-' || (10 + r2 % 15) || 'T' || (10 + r2 % 10) || ':'
                         || (10 + r2 % 50) || ':00.000000Z',
                   CASE WHEN inv THEN CASE WHEN r2 % 20 = 0 THEN 'TEXTO_DA_FATURA' ELSE 'LINHA_DIGITAVEL' END END,
                   CASE WHEN inv THEN CASE WHEN r2 % 20 = 0 THEN 'TEXTO_DA_FATURA' ELSE 'LINHA_DIGITAVEL' END END,
                   CASE WHEN inv AND r2 % 20 <> 0 THEN '8' || printf('%047d', r2) END,
                   CASE WHEN inv THEN CASE WHEN r2 % 20 = 0 THEN 'AUSENTE' ELSE 'VALIDA' END END
                 FROM v ORDER BY k DESC, n",
                src = process_source(&fx.months),
                cols = PROCESS_COLUMNS.replace("{AMOUNT}", "amount_cents"),
            );
            sqlx::query(&sql)
                .bind(fx.approver.id.to_string())
                .execute(&mut *conn)
                .await
                .unwrap();
        })
        .await;
    times
        .step("executions", async {
            // 1 to 3 per process (2 on average): failed attempts, then the last one.
            let sql = format!(
                "WITH j(j) AS (VALUES (1), (2), (3)),
                      p AS (SELECT id, status, reference_month AS month, rowid AS rid,
                                   1 + (rowid * 2654435761 % 4294967296) % 3 AS cnt
                            FROM processes),
                      x AS (SELECT p.*, j.j,
                              CASE WHEN j.j < p.cnt THEN 'FALHOU'
                                   WHEN p.status = 'AGUARDANDO_DOWNLOAD' THEN
                                     CASE WHEN p.month = ?1 AND p.rid % 10 = 0 THEN 'EXECUTANDO'
                                          ELSE 'FALHOU' END
                                   WHEN p.status = 'CANCELADO' THEN 'CANCELADO'
                                   ELSE 'CONCLUIDO' END AS st
                            FROM p JOIN j ON j.j <= p.cnt)
                 {EXEC_COLUMNS}
                 SELECT {SQLITE_UUID}, id,
                   CASE WHEN j = cnt AND j > 1 AND status = 'UPLOAD_REALIZADO' THEN 'UPLOAD_SAT'
                        ELSE 'DOWNLOAD_FATURA' END,
                   st, 'job-' || id || '-' || j, 'http://127.0.0.1:8080/executar/download',
                   '{{\"mes\":\"' || month || '\",\"tentativa\":' || j || '}}',
                   CASE WHEN st = 'CONCLUIDO' THEN '{{\"arquivo\":\"fatura.pdf\"}}' END,
                   CASE st WHEN 'CONCLUIDO' THEN 100 WHEN 'EXECUTANDO' THEN 40 ELSE 0 END,
                   j, month || '-05T08:0' || j || ':00.000000Z',
                   CASE WHEN st <> 'EXECUTANDO' THEN month || '-05T08:0' || j || ':30.000000Z' END,
                   CASE WHEN st = 'FALHOU' THEN 'portal da operadora indisponível (HTTP 503)' END,
                   CASE WHEN st = 'FALHOU' THEN 'TRANSITORIO' END,
                   'agendamento', month || '-05T08:0' || j || ':00.000000Z',
                   month || '-05T08:0' || j || ':30.000000Z'
                 FROM x ORDER BY rid, j"
            );
            sqlx::query(&sql)
                .bind(&fx.months[0])
                .execute(&mut *conn)
                .await
                .unwrap();
        })
        .await;
    times
        .step("logs", async {
            sqlx::query(&format!(
                "WITH s(s, msg) AS (VALUES {LOG_LINES})
                 INSERT INTO execution_logs (execution_id, seq, at, level, message)
                 SELECT e.id, s.s, e.created_at,
                        CASE WHEN s.s = 4 AND e.status = 'FALHOU' THEN 'ERROR' ELSE 'INFO' END,
                        CASE WHEN s.s = 4 AND e.status = 'FALHOU' THEN 'portal indisponível'
                             ELSE s.msg END
                 FROM executions e JOIN s WHERE e.rowid % 50 = 0 ORDER BY e.rowid, s.s"
            ))
            .execute(&mut *conn)
            .await
            .unwrap();
        })
        .await;
    times
        .step("audit", async {
            // The approvals of the past: the trail an approval appends to is not empty.
            sqlx::query(&format!(
                "INSERT INTO audit_events (id, at, actor_user_id, actor_name, action, entity,
                                           entity_id, before_json, after_json)
                 SELECT {SQLITE_UUID}, approved_at, approved_by, 'Beatriz Aprovadora', 'APROVAR',
                        'processo', id, '{{\"status\":\"AGUARDANDO_APROVACAO\"}}',
                        '{{\"status\":\"AGUARDANDO_ENVIO_SAT\"}}'
                 FROM processes WHERE approved_by IS NOT NULL ORDER BY rowid"
            ))
            .execute(&mut *conn)
            .await
            .unwrap();
        })
        .await;
    times
        .step("analyze", async {
            sqlx::raw_sql("ANALYZE; PRAGMA optimize; PRAGMA wal_checkpoint(TRUNCATE);")
                .execute(&mut *conn)
                .await
                .unwrap();
        })
        .await;
}

async fn run_sqlite(args: &Args) -> bool {
    let dir = tempfile::tempdir().expect("temporary folder");
    let path = dir.path().join("bench.db");
    let url = format!("sqlite://{}", path.display());
    println!(
        "\n=== SQLite ({}; {} clients × {} months) ===",
        path.display(),
        args.clients,
        args.months
    );
    let now = Utc::now();
    let fx = fixture(args.clients, args.months, now);
    let mut times = SeedTimes::default();
    {
        let store = SqliteStore::connect(&url).await.expect("open SQLite");
        seed_people(&store, &fx, now).await;
        seed_sqlite(store.pool(), &fx, &mut times).await;
        store.pool().close().await;
    }
    times.print();
    // Opened again as the application opens it, so every connection reads the statistics.
    let store = match args.sqlite_cache_kib {
        None => SqliteStore::connect(&url).await.expect("reopen SQLite"),
        Some(kib) => {
            println!(
                "EXPERIMENT: connections with cache_size = -{kib} (KiB), not the store's default"
            );
            let options = SqliteConnectOptions::from_str(&url)
                .unwrap()
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(5))
                .pragma("cache_size", format!("-{kib}"));
            let pool = SqlitePoolOptions::new()
                .max_connections(4)
                .connect_with(options)
                .await
                .expect("reopen SQLite");
            SqliteStore::from_pool(pool)
        }
    };
    let size = ["", "-wal"]
        .iter()
        .filter_map(|s| std::fs::metadata(format!("{}{s}", path.display())).ok())
        .map(|m| m.len())
        .sum::<u64>();
    println!("database file: {:.1} MiB", size as f64 / 1_048_576.0);
    if args.seed_only {
        println!("kept: {url}");
        std::mem::forget(dir);
        return true;
    }
    let direct = Direct::Sqlite(store.pool().clone());
    let ok = bench(args, &store, &direct, &fx, Which::Sqlite).await;
    store.pool().close().await;
    ok
}

fn ts_sqlite(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

// --- PostgreSQL ----------------------------------------------------------------------

async fn seed_postgres(pool: &PgPool, fx: &Fixture, times: &mut SeedTimes) {
    let now = Utc::now();
    times
        .step("clients", async {
            let col = |f: &dyn Fn(&ClientWrite) -> String| -> Vec<String> {
                fx.clients.iter().map(f).collect()
            };
            let ids: Vec<Uuid> = fx.clients.iter().map(|w| w.client.id).collect();
            let ops: Vec<Uuid> = fx.clients.iter().map(|w| w.client.operator_id).collect();
            let opt = |s: &Option<String>| s.clone().unwrap_or_default();
            sqlx::query(
                "INSERT INTO clients (id, hash, legal_name, sat_name, cnpj, operator_id,
                    account_filter, service, service_key, unit, unit_key, portal_login,
                    search_text, active, version, created_at, updated_at)
                 SELECT id, hash, legal_name, NULLIF(sat_name, ''), cnpj, operator_id,
                        NULLIF(account_filter, ''), service, service_key, unit, unit_key,
                        portal_login, search_text, true, 1, $14, $14
                 FROM UNNEST($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[],
                             $6::uuid[], $7::text[], $8::text[], $9::text[], $10::text[],
                             $11::text[], $12::text[], $13::text[])
                      AS t(id, hash, legal_name, sat_name, cnpj, operator_id, account_filter,
                           service, service_key, unit, unit_key, portal_login, search_text)",
            )
            .bind(ids)
            .bind(col(&|w| opt(&w.client.hash)))
            .bind(col(&|w| w.client.legal_name.clone()))
            .bind(col(&|w| opt(&w.client.sat_name)))
            .bind(col(&|w| w.client.cnpj.clone()))
            .bind(ops)
            .bind(col(&|w| opt(&w.client.account_filter)))
            .bind(col(&|w| w.client.service.clone()))
            .bind(col(&|w| w.service_key()))
            .bind(col(&|w| w.client.unit.clone()))
            .bind(col(&|w| w.unit_key()))
            .bind(col(&|w| opt(&w.client.portal_login)))
            .bind(col(&|w| w.search_text()))
            .bind(now)
            .execute(pool)
            .await
            .unwrap();
        })
        .await;
    times
        .step("processes", async {
            let sql = format!(
                "{src}
                 {cols}
                 SELECT gen_random_uuid(), client_id, operator_id, month, status,
                   CASE WHEN inv THEN 'faturas/' || month || '/' || client_id || '.pdf' END,
                   CASE WHEN inv THEN 'fatura-' || month || '.pdf' END,
                   CASE WHEN inv THEN 80000 + r2 % 400000 END,
                   CASE WHEN inv THEN encode(sha256(convert_to(client_id::text || month, 'UTF8')),
                                             'hex') END,
                   CASE WHEN inv THEN (month || '-' || (10 + r2 % 15))::date END,
                   CASE WHEN inv THEN (5000 + r2 % 2500000) / 100.0 END,
                   CASE WHEN appr THEN $1::uuid END,
                   CASE WHEN appr THEN (month || '-0' || (1 + r2 % 9) || 'T14:30:00Z')::timestamptz
                   END,
                   status = 'UPLOAD_REALIZADO',
                   CASE WHEN status = 'UPLOAD_REALIZADO'
                        THEN (month || '-2' || (r2 % 8) || 'T16:00:00Z')::timestamptz END,
                   CASE WHEN status = 'AGUARDANDO_DOWNLOAD' THEN r2 % 4
                        WHEN r2 % 7 = 0 THEN 2 ELSE 1 END,
                   CASE WHEN status <> 'AGUARDANDO_DOWNLOAD' OR r2 % 4 > 0
                        THEN (month || '-05T08:00:00Z')::timestamptz END,
                   CASE WHEN status = 'UPLOAD_REALIZADO' THEN 1 ELSE 0 END,
                   CASE WHEN status = 'UPLOAD_REALIZADO'
                        THEN (month || '-2' || (r2 % 8) || 'T16:00:00Z')::timestamptz END,
                   status = 'AGUARDANDO_DOWNLOAD' AND r2 % 4 = 3,
                   inv AND r2 % 50 = 0,
                   true, NULL::uuid,
                   CASE WHEN status = 'CANCELADO' THEN 'conta encerrada no mês' END,
                   CASE status WHEN 'AGUARDANDO_DOWNLOAD' THEN 1 WHEN 'AGUARDANDO_APROVACAO'
                        THEN 2 WHEN 'AGUARDANDO_ENVIO_SAT' THEN 3 WHEN 'UPLOAD_REALIZADO' THEN 4
                        ELSE 2 END,
                   (month || '-01T06:00:00Z')::timestamptz,
                   (month || '-' || (10 + r2 % 15) || 'T' || (10 + r2 % 10) || ':'
                         || (10 + r2 % 50) || ':00Z')::timestamptz,
                   CASE WHEN inv THEN CASE WHEN r2 % 20 = 0 THEN 'TEXTO_DA_FATURA' ELSE 'LINHA_DIGITAVEL' END END,
                   CASE WHEN inv THEN CASE WHEN r2 % 20 = 0 THEN 'TEXTO_DA_FATURA' ELSE 'LINHA_DIGITAVEL' END END,
                   CASE WHEN inv AND r2 % 20 <> 0 THEN lpad(r2::text, 48, '8') END,
                   CASE WHEN inv THEN CASE WHEN r2 % 20 = 0 THEN 'AUSENTE' ELSE 'VALIDA' END END
                 FROM v ORDER BY k DESC, n",
                src = process_source(&fx.months),
                cols = PROCESS_COLUMNS.replace("{AMOUNT}", "amount"),
            );
            sqlx::query(&sql)
                .bind(fx.approver.id)
                .execute(pool)
                .await
                .unwrap();
        })
        .await;
    times
        .step("executions", async {
            let sql = format!(
                "WITH p AS (SELECT id, status, reference_month::text AS month,
                                   abs(hashtext(id::text)) AS rid,
                                   1 + abs(hashtext(id::text)) % 3 AS cnt
                            FROM processes),
                      x AS (SELECT p.*, j,
                              CASE WHEN j < p.cnt THEN 'FALHOU'
                                   WHEN p.status = 'AGUARDANDO_DOWNLOAD' THEN
                                     CASE WHEN p.month = $1 AND p.rid % 10 = 0 THEN 'EXECUTANDO'
                                          ELSE 'FALHOU' END
                                   WHEN p.status = 'CANCELADO' THEN 'CANCELADO'
                                   ELSE 'CONCLUIDO' END AS st
                            FROM p CROSS JOIN generate_series(1, 3) AS j WHERE j <= p.cnt)
                 {EXEC_COLUMNS}
                 SELECT gen_random_uuid(), id,
                   CASE WHEN j = cnt AND j > 1 AND status = 'UPLOAD_REALIZADO' THEN 'UPLOAD_SAT'
                        ELSE 'DOWNLOAD_FATURA' END,
                   st, 'job-' || id || '-' || j, 'http://127.0.0.1:8080/executar/download',
                   jsonb_build_object('mes', month, 'tentativa', j),
                   CASE WHEN st = 'CONCLUIDO' THEN '{{\"arquivo\":\"fatura.pdf\"}}'::jsonb END,
                   CASE st WHEN 'CONCLUIDO' THEN 100 WHEN 'EXECUTANDO' THEN 40 ELSE 0 END,
                   j, (month || '-05T08:0' || j || ':00Z')::timestamptz,
                   CASE WHEN st <> 'EXECUTANDO' THEN (month || '-05T08:0' || j || ':30Z')::timestamptz
                   END,
                   CASE WHEN st = 'FALHOU' THEN 'portal da operadora indisponível (HTTP 503)' END,
                   CASE WHEN st = 'FALHOU' THEN 'TRANSITORIO' END,
                   'agendamento', (month || '-05T08:0' || j || ':00Z')::timestamptz,
                   (month || '-05T08:0' || j || ':30Z')::timestamptz
                 FROM x ORDER BY month, rid, j"
            );
            sqlx::query(&sql)
                .bind(&fx.months[0])
                .execute(pool)
                .await
                .unwrap();
        })
        .await;
    times
        .step("logs", async {
            sqlx::query(&format!(
                "INSERT INTO execution_logs (execution_id, seq, at, level, message)
                 SELECT e.id, s.s, e.created_at + s.s * interval '1 second',
                        CASE WHEN s.s = 4 AND e.status = 'FALHOU' THEN 'ERROR' ELSE 'INFO' END,
                        CASE WHEN s.s = 4 AND e.status = 'FALHOU' THEN 'portal indisponível'
                             ELSE s.msg END
                 FROM executions e CROSS JOIN (VALUES {LOG_LINES}) AS s(s, msg)
                 WHERE abs(hashtext(e.id::text)) % 50 = 0"
            ))
            .execute(pool)
            .await
            .unwrap();
        })
        .await;
    times
        .step("audit", async {
            sqlx::query(
                "INSERT INTO audit_events (id, at, actor_user_id, actor_name, action, entity,
                                           entity_id, before_json, after_json)
                 SELECT gen_random_uuid(), approved_at, approved_by, 'Beatriz Aprovadora',
                        'APROVAR', 'processo', id, '{\"status\":\"AGUARDANDO_APROVACAO\"}'::jsonb,
                        '{\"status\":\"AGUARDANDO_ENVIO_SAT\"}'::jsonb
                 FROM processes WHERE approved_by IS NOT NULL ORDER BY approved_at",
            )
            .execute(pool)
            .await
            .unwrap();
        })
        .await;
    times
        .step("analyze", async {
            // What autovacuum would have done by the time a year of data is there.
            sqlx::raw_sql("VACUUM ANALYZE").execute(pool).await.unwrap();
        })
        .await;
}

async fn run_postgres(args: &Args) -> bool {
    let Ok(url) = std::env::var("BRM_TEST_POSTGRES_URL") else {
        eprintln!(
            "PostgreSQL: BRM_TEST_POSTGRES_URL is not set (scripts/bench-store.sh starts a \
             throw-away cluster and sets it)"
        );
        return false;
    };
    let admin = PgPool::connect(&url).await.expect("connect to the cluster");
    let name = format!("brm_bench_{}", Uuid::new_v4().simple());
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&admin)
        .await
        .unwrap();
    let (base, _) = url.rsplit_once('/').expect("URL with a database");
    let db_url = format!("{base}/{name}");
    let version: String = sqlx::query_scalar("SHOW server_version")
        .fetch_one(&admin)
        .await
        .unwrap();
    println!(
        "\n=== PostgreSQL {version} (database {name}; {} clients × {} months) ===",
        args.clients, args.months
    );
    let now = Utc::now();
    let fx = fixture(args.clients, args.months, now);
    let store = PgStore::connect(&db_url).await.expect("open PostgreSQL");
    let mut times = SeedTimes::default();
    seed_people(&store, &fx, now).await;
    seed_postgres(store.pool(), &fx, &mut times).await;
    times.print();
    let size: i64 = sqlx::query_scalar("SELECT pg_database_size(current_database())")
        .fetch_one(store.pool())
        .await
        .unwrap();
    println!("database size: {:.1} MiB", size as f64 / 1_048_576.0);
    if args.seed_only {
        println!("kept: {}", brm_store::redact_url(&db_url));
        return true;
    }
    let direct = Direct::Pg(store.pool().clone());
    let ok = bench(args, &store, &direct, &fx, Which::Postgres).await;
    store.pool().close().await;
    sqlx::query(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .execute(&admin)
        .await
        .unwrap();
    admin.close().await;
    ok
}

// --- the baseline: the store's SQL, copied, sent straight through sqlx ----------------

/// A bind value of the baseline, encoded as the store encodes it on each backend.
#[derive(Debug, Clone)]
enum Bind {
    Text(String),
    Uuid(Uuid),
    Int(i64),
}

/// The list statements of one case, each with its binds: the count and the page, or (for
/// a search) one statement whose rows carry the count.
struct ListSql {
    count: Option<String>,
    count_binds: Vec<Bind>,
    page: String,
    page_binds: Vec<Bind>,
}

/// Copies of the SQL `sqlite/processes.rs` sends. `verify` checks them against what the
/// store really sends.
mod sqlite_sql {
    pub const ALERTS: &str =
        "SELECT id, version, status = 'AGUARDANDO_APROVACAO' AS waiting, needs_attention
     FROM processes
     WHERE status = 'AGUARDANDO_APROVACAO' OR needs_attention = 1";
    pub const COLUMNS: &str =
        "p.id, p.client_id, c.legal_name AS client_name, c.hash AS client_hash,
        c.cnpj, p.operator_id, o.name AS operator_name, p.reference_month, p.status,
        p.amount_cents, p.due_date, p.download_attempts, p.sat_attempts, p.needs_attention,
        p.version, p.updated_at";
    pub const WHERE: &str = " WHERE 1 = 1";
    pub const COUNT_MONTH: &str =
        "SELECT COUNT(*) FROM processes p INDEXED BY processes_month_client";
    pub const COUNT: &str = "SELECT COUNT(*) FROM processes p";
    pub const KEYS_MONTH: &str =
        "clients c CROSS JOIN processes p INDEXED BY processes_month_client ON p.client_id = c.id";
    pub const HITS_MONTH: &str =
        "found c CROSS JOIN processes p INDEXED BY processes_month_client ON p.client_id = c.id";
    pub const HITS: &str = "found c CROSS JOIN processes p ON p.client_id = c.id";
    pub const COUNTS: &str = "SELECT status, COUNT(*), SUM(needs_attention) FROM processes
             WHERE reference_month = ? GROUP BY status";
    pub const UPDATE: &str =
        "UPDATE processes SET status = ?, invoice_key = ?, invoice_file_name = ?, invoice_size = ?,
                invoice_sha256 = ?, due_date = ?, amount_cents = ?, amount_source = ?,
                due_date_source = ?, approved_by = ?, approved_at = ?,
                sent_to_sat = ?, sent_at = ?, download_attempts = ?, last_download_at = ?,
                sat_attempts = ?, last_sat_at = ?, next_retry_at = ?, needs_attention = ?,
                manual_upload = ?, notes = ?, last_rejection_reason = ?, version = ?, updated_at = ?,
                first_approved_by = ?, first_approved_at = ?, uploaded_by = ?, payment_line = ?,
                payment_line_status = ?, payment_line_reason = ?, rejection_reason_code = ?
         WHERE id = ? AND version = ?";
    pub const AUDIT: &str =
        "INSERT INTO audit_events (id, at, actor_user_id, actor_name, action, entity, entity_id,
                                   before_json, after_json, invoice_sha256, detail)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    /// `approval.rs`: the queue (month, by due date, ascending) and the history.
    pub const QUEUE: &str = concat!(
        "SELECT p.*, c.legal_name AS client_name, c.hash AS client_hash, c.cnpj,
                o.name AS operator_name, COUNT(*) OVER () AS total
         FROM processes p JOIN clients c ON c.id = p.client_id
              JOIN operators o ON o.id = p.operator_id
         WHERE p.status = ?",
        " AND p.reference_month = ? ORDER BY p.due_date IS NULL, p.due_date ASC, c.legal_name, p.id LIMIT ?"
    );
    pub const HISTORY: &str =
        "SELECT id, client_id, reference_month, status, amount_cents, due_date, invoice_sha256
         FROM processes
         WHERE client_id IN (SELECT value FROM json_each(?1))
           AND (?2 IS NULL OR reference_month >= ?2)";
    /// `dashboard.rs`: what the dashboard reads for one month (with `COUNTS` above).
    pub const MONTHS: &str =
        "SELECT DISTINCT reference_month FROM processes ORDER BY reference_month DESC";
    pub const OPERATOR_MONTH: &str =
        "SELECT o.id, o.name, p.status, COUNT(*) AS n, SUM(p.needs_attention) AS a
         FROM processes p JOIN operators o ON o.id = p.operator_id
         WHERE p.reference_month = ?
         GROUP BY o.id, o.name, p.status";
    pub const MISSING: &str = "SELECT o.id, o.name, COUNT(*) AS n
         FROM clients c JOIN operators o ON o.id = c.operator_id
         WHERE c.active = 1 AND o.active = 1
           AND NOT EXISTS (SELECT 1 FROM processes p
                           WHERE p.client_id = c.id AND p.reference_month = ?)
         GROUP BY o.id, o.name";
    pub const ATTENTION: &str = " WHERE p.reference_month = ? AND p.needs_attention = 1
         ORDER BY p.updated_at DESC, p.id LIMIT ?";
}

/// Copies of the SQL `postgres/processes.rs` sends.
mod pg_sql {
    pub const ALERTS: &str =
        "SELECT id, version, status = 'AGUARDANDO_APROVACAO' AS waiting, needs_attention
     FROM processes
     WHERE status = 'AGUARDANDO_APROVACAO' OR needs_attention";
    pub const COLUMNS: &str =
        "p.id, p.client_id, c.legal_name AS client_name, c.hash AS client_hash,
        c.cnpj, p.operator_id, o.name AS operator_name, p.reference_month, p.status,
        (p.amount * 100)::bigint AS amount_cents, p.due_date, p.download_attempts, p.sat_attempts,
        p.needs_attention, p.version, p.updated_at";
    pub const WHERE: &str = " WHERE true";
    pub const COUNT: &str = "SELECT COUNT(*) FROM processes p";
    pub const KEYS: &str = "processes p JOIN clients c ON c.id = p.client_id";
    pub const HITS: &str = "processes p JOIN found c ON c.id = p.client_id";
    pub const COUNTS: &str =
        "SELECT status, COUNT(*), COUNT(*) FILTER (WHERE needs_attention) FROM processes
             WHERE reference_month = $1::bpchar GROUP BY status";
    pub const UPDATE: &str =
        "UPDATE processes SET status = $1, invoice_key = $2, invoice_file_name = $3,
                invoice_size = $4, invoice_sha256 = $5, due_date = $6,
                amount = $7::bigint::numeric / 100, approved_by = $8, approved_at = $9,
                sent_to_sat = $10, sent_at = $11, download_attempts = $12, last_download_at = $13,
                sat_attempts = $14, last_sat_at = $15, next_retry_at = $16, needs_attention = $17,
                manual_upload = $18, notes = $19, last_rejection_reason = $20, version = $21,
                updated_at = $22, amount_source = $23, due_date_source = $24,
                first_approved_by = $27, first_approved_at = $28, uploaded_by = $29,
                payment_line = $30, payment_line_status = $31, payment_line_reason = $32,
                rejection_reason_code = $33
         WHERE id = $25 AND version = $26";
    pub const AUDIT: &str =
        "INSERT INTO audit_events (id, at, actor_user_id, actor_name, action, entity, entity_id,
                                   before_json, after_json, invoice_sha256, detail)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9::jsonb, $10, $11)";
    /// `approval.rs` (with `processes.rs`'s full column list): the queue and the history.
    pub const QUEUE: &str = concat!(
        "SELECT ",
        "p.id, p.client_id, p.operator_id, p.reference_month, p.status,
        p.invoice_key, p.invoice_file_name, p.invoice_size, p.invoice_sha256, p.due_date,
        (p.amount * 100)::bigint AS amount_cents, p.amount_source, p.due_date_source,
        p.approved_by, p.approved_at, p.sent_to_sat,
        p.sent_at, p.download_attempts, p.last_download_at, p.sat_attempts, p.last_sat_at,
        p.next_retry_at, p.needs_attention, p.manual_upload, p.auto_created, p.created_by,
        p.notes, p.last_rejection_reason, p.version, p.created_at, p.updated_at,
        p.first_approved_by, p.first_approved_at, p.uploaded_by, p.payment_line,
        p.payment_line_status, p.payment_line_reason, p.rejection_reason_code",
        ", c.legal_name AS client_name, c.hash AS client_hash, c.cnpj,
                o.name AS operator_name, COUNT(*) OVER () AS total
         FROM processes p JOIN clients c ON c.id = p.client_id
              JOIN operators o ON o.id = p.operator_id
         WHERE p.status = $1",
        " AND p.reference_month = $2::bpchar ORDER BY p.due_date ASC NULLS LAST, c.legal_name, p.id LIMIT $3"
    );
    pub const HISTORY: &str =
        "SELECT id, client_id, reference_month, status, (amount * 100)::bigint AS amount_cents,
                due_date, invoice_sha256
         FROM processes
         WHERE client_id = ANY($1)
           AND ($2::text IS NULL OR reference_month >= $2::bpchar)";
    /// `dashboard.rs`: what the dashboard reads for one month (with `COUNTS` above).
    pub const MONTHS: &str =
        "SELECT DISTINCT reference_month FROM processes ORDER BY reference_month DESC";
    pub const OPERATOR_MONTH: &str = "SELECT o.id, o.name, p.status, COUNT(*) AS n,
                COUNT(*) FILTER (WHERE p.needs_attention) AS a
         FROM processes p JOIN operators o ON o.id = p.operator_id
         WHERE p.reference_month = $1
         GROUP BY o.id, o.name, p.status";
    pub const MISSING: &str = "SELECT o.id, o.name, COUNT(*) AS n
         FROM clients c JOIN operators o ON o.id = c.operator_id
         WHERE c.active AND o.active
           AND NOT EXISTS (SELECT 1 FROM processes p
                           WHERE p.client_id = c.id AND p.reference_month = $1)
         GROUP BY o.id, o.name";
    pub const ATTENTION: &str = " WHERE p.reference_month = $1 AND p.needs_attention
         ORDER BY p.updated_at DESC, p.id LIMIT $2";
}

/// The parts of the list statements both stores share. `{like}` is the placeholder of the
/// search pattern; `{from}`, `{filter}`, `{order}`, `{limit}` and `{offset}` what the case
/// puts there.
const PAGE: &str = "SELECT {columns} FROM (SELECT p.client_id, p.reference_month FROM {from}{filter} ORDER BY {order} LIMIT {limit} OFFSET {offset}) k JOIN processes p ON p.client_id = k.client_id AND p.reference_month = k.reference_month
   JOIN clients c ON c.id = p.client_id JOIN operators o ON o.id = p.operator_id ORDER BY {order}";
const FOUND: &str = "WITH found AS MATERIALIZED (SELECT c.id, c.legal_name FROM clients c
                                   WHERE (c.search_text LIKE {like} ESCAPE '\\')),
     hits AS MATERIALIZED (SELECT p.client_id, p.reference_month, c.legal_name, c.id AS cid
                           FROM {from}{filter})
SELECT t.total, {columns}
  FROM (SELECT COUNT(*) AS total FROM hits) t
  LEFT JOIN (SELECT client_id, reference_month FROM hits ORDER BY {hits_order} LIMIT {limit} OFFSET {offset}) k ON true LEFT JOIN processes p ON p.client_id = k.client_id AND p.reference_month = k.reference_month
   LEFT JOIN clients c ON c.id = p.client_id LEFT JOIN operators o ON o.id = p.operator_id ORDER BY {order}";
const ORDER_MONTH: &str = "c.legal_name, c.id";
const ORDER_ALL: &str = "p.reference_month DESC, c.legal_name, c.id";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ListCase {
    Month,
    MonthStatusOperator,
    MonthText,
    Text,
    DeepPage,
}

struct CaseParams<'a> {
    month: &'a str,
    operator: Uuid,
}

impl ListCase {
    fn filter(self, p: &CaseParams) -> ProcessFilter {
        let mut f = ProcessFilter {
            page_size: 50,
            ..Default::default()
        };
        match self {
            ListCase::Month => f.month = Some(p.month.into()),
            ListCase::MonthStatusOperator => {
                f.month = Some(p.month.into());
                f.status = Some(ProcessStatus::AguardandoAprovacao);
                f.operator_id = Some(p.operator);
            }
            ListCase::MonthText => {
                f.month = Some(p.month.into());
                f.search = Some(SEARCH_WORD.into());
            }
            ListCase::Text => f.search = Some(SEARCH_WORD.into()),
            ListCase::DeepPage => {
                f.month = Some(p.month.into());
                f.page = 100;
            }
        }
        f
    }

    /// The statements the store sends for this filter, written out: the search (if any)
    /// binds first, then the process conditions, then LIMIT and OFFSET.
    fn sql(self, which: Which, p: &CaseParams) -> ListSql {
        let pg = which == Which::Postgres;
        let month = (
            " AND p.reference_month = ",
            "::bpchar",
            Bind::Text(p.month.into()),
        );
        let (found, by_month, conds) = match self {
            ListCase::Month | ListCase::DeepPage => (false, true, vec![month]),
            ListCase::MonthStatusOperator => (
                false,
                true,
                vec![
                    month,
                    (
                        " AND p.status = ",
                        "",
                        Bind::Text(ProcessStatus::AguardandoAprovacao.as_str().into()),
                    ),
                    (
                        " AND p.operator_id = ",
                        "",
                        if pg {
                            Bind::Uuid(p.operator)
                        } else {
                            Bind::Text(p.operator.to_string())
                        },
                    ),
                ],
            ),
            ListCase::MonthText => (true, true, vec![month]),
            ListCase::Text => (true, false, vec![]),
        };
        let only_month = conds.len() == 1;
        let placeholder = |n: usize| if pg { format!("${n}") } else { "?".into() };
        let mut binds = Vec::new();
        if found {
            binds.push(Bind::Text(format!("%{SEARCH_WORD}%")));
        }
        let mut filter = (if pg { pg_sql::WHERE } else { sqlite_sql::WHERE }).to_string();
        for (before, pg_after, bind) in conds {
            binds.push(bind);
            filter.push_str(before);
            filter.push_str(&placeholder(binds.len()));
            if pg {
                filter.push_str(pg_after);
            }
        }
        let from = match (pg, found, by_month) {
            (true, true, _) => pg_sql::HITS,
            (true, false, _) => pg_sql::KEYS,
            (false, true, true) => sqlite_sql::HITS_MONTH,
            (false, true, false) => sqlite_sql::HITS,
            (false, false, _) => sqlite_sql::KEYS_MONTH,
        };
        let order = if by_month { ORDER_MONTH } else { ORDER_ALL };
        let hits_order = if by_month {
            "legal_name, cid"
        } else {
            "reference_month DESC, legal_name, cid"
        };
        let columns = if pg {
            pg_sql::COLUMNS
        } else {
            sqlite_sql::COLUMNS
        };
        let count = (!found).then(|| {
            let head = match (pg, by_month && only_month) {
                (true, _) => pg_sql::COUNT,
                (false, true) => sqlite_sql::COUNT_MONTH,
                (false, false) => sqlite_sql::COUNT,
            };
            format!("{head}{filter}")
        });
        let page = (if found { FOUND } else { PAGE })
            .replace("{like}", &placeholder(1))
            .replace("{columns}", columns)
            .replace("{from}", from)
            .replace("{filter}", &filter)
            .replace("{hits_order}", hits_order)
            .replace("{order}", order)
            .replace("{limit}", &placeholder(binds.len() + 1))
            .replace("{offset}", &placeholder(binds.len() + 2));
        let offset = if self == ListCase::DeepPage { 5000 } else { 0 };
        let mut page_binds = binds.clone();
        page_binds.extend([Bind::Int(50), Bind::Int(offset)]);
        ListSql {
            count,
            count_binds: binds,
            page,
            page_binds,
        }
    }
}

enum Direct {
    Sqlite(SqlitePool),
    Pg(PgPool),
}

macro_rules! bind_all {
    ($q:expr, $binds:expr, $uuid:expr) => {{
        let mut q = $q;
        for b in $binds {
            q = match b {
                Bind::Text(s) => q.bind(s.as_str()),
                Bind::Uuid(u) => q.bind(($uuid)(*u)),
                Bind::Int(i) => q.bind(*i),
            };
        }
        q
    }};
}

impl Direct {
    /// The count and the page's ids, as the store's statements return them.
    async fn list(&self, s: &ListSql) -> (i64, Vec<String>) {
        match self {
            Direct::Sqlite(pool) => {
                let rows = bind_all!(
                    sqlx::query::<sqlx::Sqlite>(&s.page),
                    &s.page_binds,
                    |u: Uuid| u.to_string()
                )
                .fetch_all(pool)
                .await
                .unwrap();
                let total: i64 = match &s.count {
                    Some(count) => bind_all!(
                        sqlx::query_scalar::<sqlx::Sqlite, i64>(count),
                        &s.count_binds,
                        |u: Uuid| u.to_string()
                    )
                    .fetch_one(pool)
                    .await
                    .unwrap(),
                    None => rows.first().map_or(0, |r| r.get("total")),
                };
                let ids = rows
                    .iter()
                    .filter_map(|r| r.get::<Option<String>, _>("id"))
                    .collect();
                (total, ids)
            }
            Direct::Pg(pool) => {
                let rows = bind_all!(
                    sqlx::query::<sqlx::Postgres>(&s.page),
                    &s.page_binds,
                    |u: Uuid| u
                )
                .fetch_all(pool)
                .await
                .unwrap();
                let total: i64 = match &s.count {
                    Some(count) => bind_all!(
                        sqlx::query_scalar::<sqlx::Postgres, i64>(count),
                        &s.count_binds,
                        |u: Uuid| u
                    )
                    .fetch_one(pool)
                    .await
                    .unwrap(),
                    None => rows.first().map_or(0, |r| r.get("total")),
                };
                let ids = rows
                    .iter()
                    .filter_map(|r| r.get::<Option<Uuid>, _>("id"))
                    .map(|u| u.to_string())
                    .collect();
                (total, ids)
            }
        }
    }

    /// (status, count, needing attention) rows, as the store's statement returns them.
    async fn counts(&self, month: &str) -> Vec<(String, i64, i64)> {
        match self {
            Direct::Sqlite(pool) => sqlx::query(sqlite_sql::COUNTS)
                .bind(month)
                .fetch_all(pool)
                .await
                .unwrap()
                .iter()
                .map(|r| (r.get(0), r.get(1), r.get::<Option<i64>, _>(2).unwrap_or(0)))
                .collect(),
            Direct::Pg(pool) => sqlx::query(pg_sql::COUNTS)
                .bind(month)
                .fetch_all(pool)
                .await
                .unwrap()
                .iter()
                .map(|r| (r.get(0), r.get(1), r.get(2)))
                .collect(),
        }
    }

    /// The store's approval statements with the store's binds, in one transaction.
    async fn approve(&self, p: &Process, expected: i64, e: &AuditEvent) -> bool {
        match self {
            Direct::Sqlite(pool) => {
                let mut tx = pool.begin().await.unwrap();
                let changed = sqlx::query(sqlite_sql::UPDATE)
                    .bind(p.status.as_str())
                    .bind(&p.invoice_key)
                    .bind(&p.invoice_file_name)
                    .bind(p.invoice_size)
                    .bind(&p.invoice_sha256)
                    .bind(p.due_date.map(|d| d.to_string()))
                    .bind(p.amount_cents)
                    .bind(p.amount_source.map(|v| v.as_str()))
                    .bind(p.due_date_source.map(|v| v.as_str()))
                    .bind(p.approved_by.map(|u| u.to_string()))
                    .bind(p.approved_at.map(ts_sqlite))
                    .bind(p.sent_to_sat)
                    .bind(p.sent_at.map(ts_sqlite))
                    .bind(p.download_attempts)
                    .bind(p.last_download_at.map(ts_sqlite))
                    .bind(p.sat_attempts)
                    .bind(p.last_sat_at.map(ts_sqlite))
                    .bind(p.next_retry_at.map(ts_sqlite))
                    .bind(p.needs_attention)
                    .bind(p.manual_upload)
                    .bind(&p.notes)
                    .bind(&p.last_rejection_reason)
                    .bind(p.version)
                    .bind(ts_sqlite(p.updated_at))
                    .bind(p.first_approved_by.map(|u| u.to_string()))
                    .bind(p.first_approved_at.map(ts_sqlite))
                    .bind(p.uploaded_by.map(|u| u.to_string()))
                    .bind(&p.payment_line)
                    .bind(p.payment_line_status.map(|v| v.as_str()))
                    .bind(&p.payment_line_reason)
                    .bind(&p.rejection_reason_code)
                    .bind(p.id.to_string())
                    .bind(expected)
                    .execute(&mut *tx)
                    .await
                    .unwrap()
                    .rows_affected();
                if changed == 0 {
                    return false;
                }
                sqlx::query(sqlite_sql::AUDIT)
                    .bind(e.id.to_string())
                    .bind(ts_sqlite(e.at))
                    .bind(e.actor.user_id.map(|u| u.to_string()))
                    .bind(&e.actor.name)
                    .bind(&e.action)
                    .bind(&e.entity)
                    .bind(e.entity_id.map(|u| u.to_string()))
                    .bind(e.before.as_ref().map(|v| v.to_string()))
                    .bind(e.after.as_ref().map(|v| v.to_string()))
                    .bind(&e.invoice_sha256)
                    .bind(&e.detail)
                    .execute(&mut *tx)
                    .await
                    .unwrap();
                tx.commit().await.unwrap();
                true
            }
            Direct::Pg(pool) => {
                let mut tx = pool.begin().await.unwrap();
                let changed = sqlx::query(pg_sql::UPDATE)
                    .bind(p.status.as_str())
                    .bind(&p.invoice_key)
                    .bind(&p.invoice_file_name)
                    .bind(p.invoice_size)
                    .bind(&p.invoice_sha256)
                    .bind(p.due_date)
                    .bind(p.amount_cents)
                    .bind(p.approved_by)
                    .bind(p.approved_at)
                    .bind(p.sent_to_sat)
                    .bind(p.sent_at)
                    .bind(p.download_attempts)
                    .bind(p.last_download_at)
                    .bind(p.sat_attempts)
                    .bind(p.last_sat_at)
                    .bind(p.next_retry_at)
                    .bind(p.needs_attention)
                    .bind(p.manual_upload)
                    .bind(&p.notes)
                    .bind(&p.last_rejection_reason)
                    .bind(p.version)
                    .bind(p.updated_at)
                    .bind(p.amount_source.map(|v| v.as_str()))
                    .bind(p.due_date_source.map(|v| v.as_str()))
                    .bind(p.id)
                    .bind(expected)
                    .bind(p.first_approved_by)
                    .bind(p.first_approved_at)
                    .bind(p.uploaded_by)
                    .bind(&p.payment_line)
                    .bind(p.payment_line_status.map(|v| v.as_str()))
                    .bind(&p.payment_line_reason)
                    .bind(&p.rejection_reason_code)
                    .execute(&mut *tx)
                    .await
                    .unwrap()
                    .rows_affected();
                if changed == 0 {
                    return false;
                }
                sqlx::query(pg_sql::AUDIT)
                    .bind(e.id)
                    .bind(e.at)
                    .bind(e.actor.user_id)
                    .bind(&e.actor.name)
                    .bind(&e.action)
                    .bind(&e.entity)
                    .bind(e.entity_id)
                    .bind(e.before.as_ref().map(|v| v.to_string()))
                    .bind(e.after.as_ref().map(|v| v.to_string()))
                    .bind(&e.invoice_sha256)
                    .bind(&e.detail)
                    .execute(&mut *tx)
                    .await
                    .unwrap();
                tx.commit().await.unwrap();
                true
            }
        }
    }

    /// Processes of the month waiting for approval, for the approval case.
    async fn awaiting_approval(&self, month: &str, n: usize) -> Vec<Uuid> {
        let sql = "SELECT id FROM processes WHERE reference_month = ? \
                   AND status = 'AGUARDANDO_APROVACAO' ORDER BY id LIMIT ?";
        match self {
            Direct::Sqlite(pool) => sqlx::query_scalar::<_, String>(sql)
                .bind(month)
                .bind(n as i64)
                .fetch_all(pool)
                .await
                .unwrap()
                .iter()
                .map(|s| Uuid::parse_str(s).unwrap())
                .collect(),
            Direct::Pg(pool) => {
                sqlx::query_scalar(&sql.replacen('?', "$1::bpchar", 1).replacen('?', "$2", 1))
                    .bind(month)
                    .bind(n as i64)
                    .fetch_all(pool)
                    .await
                    .unwrap()
            }
        }
    }

    /// The approval queue of the month (by due date) and the history of its clients, as
    /// `Desk::approval_queue` reads them: (total, process ids in order, history ids sorted).
    async fn queue(&self, month: &str, since: &str) -> (i64, Vec<String>, Vec<String>) {
        let status = ProcessStatus::AguardandoAprovacao.as_str();
        match self {
            Direct::Sqlite(pool) => {
                let rows = sqlx::query(sqlite_sql::QUEUE)
                    .bind(status)
                    .bind(month.to_string())
                    .bind(QUEUE_CAP)
                    .fetch_all(pool)
                    .await
                    .unwrap();
                let total = rows.first().map_or(0, |r| r.get("total"));
                let ids = rows.iter().map(|r| r.get::<String, _>("id")).collect();
                let clients = distinct(rows.iter().map(|r| r.get::<String, _>("client_id")));
                let history = if clients.is_empty() {
                    Vec::new()
                } else {
                    sqlx::query_scalar::<_, String>(sqlite_sql::HISTORY)
                        .bind(serde_json::to_string(&clients).unwrap())
                        .bind(Some(since))
                        .fetch_all(pool)
                        .await
                        .unwrap()
                };
                (total, ids, sorted(history))
            }
            Direct::Pg(pool) => {
                let rows = sqlx::query(pg_sql::QUEUE)
                    .bind(status)
                    .bind(month.to_string())
                    .bind(QUEUE_CAP)
                    .fetch_all(pool)
                    .await
                    .unwrap();
                let total = rows.first().map_or(0, |r| r.get("total"));
                let ids = rows
                    .iter()
                    .map(|r| r.get::<Uuid, _>("id").to_string())
                    .collect();
                let clients = distinct(rows.iter().map(|r| r.get::<Uuid, _>("client_id")));
                let history = if clients.is_empty() {
                    Vec::new()
                } else {
                    sqlx::query_scalar::<_, Uuid>(pg_sql::HISTORY)
                        .bind(&clients)
                        .bind(Some(since))
                        .fetch_all(pool)
                        .await
                        .unwrap()
                };
                (
                    total,
                    ids,
                    sorted(history.iter().map(Uuid::to_string).collect()),
                )
            }
        }
    }

    /// Every process waiting for approval or needing attention (migration 0008's partial
    /// index).
    async fn alerts(&self) -> Vec<String> {
        match self {
            Direct::Sqlite(pool) => sorted(
                sqlx::query_scalar::<_, String>(sqlite_sql::ALERTS)
                    .fetch_all(pool)
                    .await
                    .unwrap(),
            ),
            Direct::Pg(pool) => sorted(
                sqlx::query_scalar::<_, Uuid>(pg_sql::ALERTS)
                    .fetch_all(pool)
                    .await
                    .unwrap()
                    .iter()
                    .map(Uuid::to_string)
                    .collect(),
            ),
        }
    }

    /// What `Desk::dashboard` reads for one month, in its order: the months, the status
    /// counts, the operator × stage matrix and what needs attention.
    async fn dashboard(&self, month: &str) -> DashboardAnswer {
        let counts_sum = |rows: &[(String, i64, i64)]| rows.iter().map(|r| r.1).sum::<i64>();
        match self {
            Direct::Sqlite(pool) => {
                let months = sqlx::query_scalar(sqlite_sql::MONTHS)
                    .fetch_all(pool)
                    .await
                    .unwrap();
                let counts = self.counts(month).await;
                let by_operator = sqlx::query(sqlite_sql::OPERATOR_MONTH)
                    .bind(month)
                    .fetch_all(pool)
                    .await
                    .unwrap();
                let missing = sqlx::query(sqlite_sql::MISSING)
                    .bind(month)
                    .fetch_all(pool)
                    .await
                    .unwrap();
                let attention = sqlx::query(&format!(
                    "SELECT {}{ROW_FROM}{}",
                    sqlite_sql::COLUMNS,
                    sqlite_sql::ATTENTION
                ))
                .bind(month)
                .bind(ATTENTION_LIMIT)
                .fetch_all(pool)
                .await
                .unwrap();
                DashboardAnswer {
                    months,
                    processes: counts_sum(&counts),
                    by_operator: by_operator.iter().map(|r| r.get::<i64, _>("n")).sum(),
                    without_process: missing.iter().map(|r| r.get::<i64, _>("n")).sum(),
                    attention: attention.iter().map(|r| r.get("id")).collect(),
                }
            }
            Direct::Pg(pool) => {
                let months: Vec<String> = sqlx::query_scalar(pg_sql::MONTHS)
                    .fetch_all(pool)
                    .await
                    .unwrap();
                let counts = self.counts(month).await;
                let by_operator = sqlx::query(pg_sql::OPERATOR_MONTH)
                    .bind(month)
                    .fetch_all(pool)
                    .await
                    .unwrap();
                let missing = sqlx::query(pg_sql::MISSING)
                    .bind(month)
                    .fetch_all(pool)
                    .await
                    .unwrap();
                let attention = sqlx::query(&format!(
                    "SELECT {}{ROW_FROM}{}",
                    pg_sql::COLUMNS,
                    pg_sql::ATTENTION
                ))
                .bind(month)
                .bind(ATTENTION_LIMIT)
                .fetch_all(pool)
                .await
                .unwrap();
                DashboardAnswer {
                    months: months.iter().map(|m| m.trim_end().to_string()).collect(),
                    processes: counts_sum(&counts),
                    by_operator: by_operator.iter().map(|r| r.get::<i64, _>("n")).sum(),
                    without_process: missing.iter().map(|r| r.get::<i64, _>("n")).sum(),
                    attention: attention
                        .iter()
                        .map(|r| r.get::<Uuid, _>("id").to_string())
                        .collect(),
                }
            }
        }
    }

    async fn matching_clients(&self) -> i64 {
        let sql = "SELECT COUNT(*) FROM clients WHERE search_text LIKE ";
        let pattern = format!("%{SEARCH_WORD}%");
        match self {
            Direct::Sqlite(pool) => sqlx::query_scalar(&format!("{sql}?"))
                .bind(pattern)
                .fetch_one(pool)
                .await
                .unwrap(),
            Direct::Pg(pool) => sqlx::query_scalar(&format!("{sql}$1"))
                .bind(pattern)
                .fetch_one(pool)
                .await
                .unwrap(),
        }
    }
}

/// `Desk::approval_queue`'s cap and `approval_checks`' history span (brm-service), and
/// `Desk::dashboard`'s attention list.
const QUEUE_CAP: i64 = 2_000;
const HISTORY_MONTHS: u32 = 24;
const ATTENTION_LIMIT: i64 = 20;
/// The FROM of the store's list row (`ROW_SELECT` in `{sqlite,postgres}/processes.rs`).
const ROW_FROM: &str =
    "\n   FROM processes p JOIN clients c ON c.id = p.client_id JOIN operators o ON o.id = p.operator_id";

/// The month `n` months before `month` (`YYYY-MM`), as `approval_checks::months_before`.
fn months_before(month: &str, n: u32) -> String {
    let first = chrono::NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d").unwrap();
    (first - Months::new(n)).format("%Y-%m").to_string()
}

/// First occurrences, in order (the desk dedups the queue's clients before the history).
fn distinct<T: Eq + std::hash::Hash + Clone>(xs: impl Iterator<Item = T>) -> Vec<T> {
    let mut seen = std::collections::HashSet::new();
    xs.filter(|x| seen.insert(x.clone())).collect()
}

fn sorted(mut xs: Vec<String>) -> Vec<String> {
    xs.sort();
    xs
}

fn queue_query(month: &str) -> QueueQuery {
    QueueQuery {
        month: Some(month.to_string()),
        operator_id: None,
        search: None,
        sort: QueueSort::DueDate,
        descending: false,
        limit: QUEUE_CAP,
    }
}

/// What both sides of the dashboard case compare: the months, the processes of the
/// month, those of the operator matrix, the clients without a process, the attention ids.
#[derive(Debug, PartialEq, Eq)]
struct DashboardAnswer {
    months: Vec<String>,
    processes: i64,
    by_operator: i64,
    without_process: i64,
    attention: Vec<String>,
}

// --- the cases -----------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Case {
    List(ListCase),
    Counts,
    Approval,
    Queue,
    Dashboard,
    Alerts,
}

impl Case {
    const ALL: [(char, Case, &'static str); 10] = [
        ('a', Case::List(ListCase::Month), "list: month, page 0"),
        (
            'b',
            Case::List(ListCase::MonthStatusOperator),
            "list: month + status + operator",
        ),
        (
            'c',
            Case::List(ListCase::MonthText),
            "list: month + text (~1%)",
        ),
        ('d', Case::List(ListCase::Text), "list: text, all months"),
        ('e', Case::List(ListCase::DeepPage), "list: month, page 100"),
        ('f', Case::Counts, "dashboard: status_counts(month)"),
        ('g', Case::Approval, "approval: update_process + audit"),
        ('h', Case::Queue, "approval queue (due) + history"),
        ('i', Case::Dashboard, "dashboard: month (4 reads)"),
        ('j', Case::Alerts, "notifier: waiting/attention, all months"),
    ];
}

/// One approval prepared before timing: the new state, the version it expects, its event.
struct Approval {
    next: Process,
    expected: i64,
    event: AuditEvent,
}

fn approval(p: &Process, approver: &User, now: DateTime<Utc>) -> Approval {
    let mut next = p.clone();
    next.status = p
        .status
        .apply(Transition::Approve)
        .expect("awaiting approval");
    next.approved_by = Some(approver.id);
    next.approved_at = Some(now);
    next.version = p.version + 1;
    next.updated_at = now;
    let (before, after) = diff(&p.audit_view(), &next.audit_view());
    let event = AuditEvent::new(
        now,
        Actor::user(approver.id, &approver.full_name),
        Transition::Approve.action(),
        "processo",
    )
    .on(p.id)
    .change(Some(before), Some(after));
    Approval {
        next,
        expected: p.version,
        event,
    }
}

struct Ctx<'a> {
    which: Which,
    store: &'a dyn Store,
    direct: &'a Direct,
    params: CaseParams<'a>,
    /// Distinct processes for each side, so every approval really changes a row.
    approvals_store: Vec<Approval>,
    approvals_direct: Vec<Approval>,
    /// The first month of the queue's history (`HISTORY_MONTHS` before the month).
    since: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Store,
    Direct,
}

impl Ctx<'_> {
    async fn once(&self, case: Case, side: Side, i: usize) {
        match (case, side) {
            (Case::List(l), Side::Store) => {
                let page = self
                    .store
                    .list_processes(&l.filter(&self.params))
                    .await
                    .unwrap();
                std::hint::black_box(page);
            }
            (Case::List(l), Side::Direct) => {
                let sql = l.sql(self.which, &self.params);
                std::hint::black_box(self.direct.list(&sql).await);
            }
            (Case::Counts, Side::Store) => {
                let c = self
                    .store
                    .status_counts(Some(self.params.month))
                    .await
                    .unwrap();
                std::hint::black_box(c);
            }
            (Case::Counts, Side::Direct) => {
                std::hint::black_box(self.direct.counts(self.params.month).await);
            }
            (Case::Approval, Side::Store) => {
                let a = &self.approvals_store[i];
                assert!(self
                    .store
                    .update_process(&a.next, a.expected, &a.event)
                    .await
                    .unwrap());
            }
            (Case::Approval, Side::Direct) => {
                let a = &self.approvals_direct[i];
                assert!(self.direct.approve(&a.next, a.expected, &a.event).await);
            }
            (Case::Queue, Side::Store) => {
                std::hint::black_box(self.store_queue().await);
            }
            (Case::Queue, Side::Direct) => {
                std::hint::black_box(self.direct.queue(self.params.month, &self.since).await);
            }
            (Case::Dashboard, Side::Store) => {
                std::hint::black_box(self.store_dashboard().await);
            }
            (Case::Dashboard, Side::Direct) => {
                std::hint::black_box(self.direct.dashboard(self.params.month).await);
            }
            (Case::Alerts, Side::Store) => {
                std::hint::black_box(self.store_alerts().await);
            }
            (Case::Alerts, Side::Direct) => {
                std::hint::black_box(self.direct.alerts().await);
            }
        }
    }

    /// `Desk::approval_queue`'s reads: the queue, then the history of its clients.
    async fn store_queue(&self) -> (i64, Vec<String>, Vec<String>) {
        let (total, rows) = self
            .store
            .approval_queue(&queue_query(self.params.month))
            .await
            .unwrap();
        let clients = distinct(rows.iter().map(|(_, p)| p.client_id));
        let history = self
            .store
            .invoice_history(&clients, Some(&self.since))
            .await
            .unwrap();
        let ids = rows.iter().map(|(r, _)| r.id.to_string()).collect();
        let history = history.iter().map(|h| h.process_id.to_string()).collect();
        (total, ids, sorted(history))
    }

    /// The notifier's read on every change of a process (`Desk::scan_alerts`).
    async fn store_alerts(&self) -> Vec<String> {
        let c = self.store.alert_candidates().await.unwrap();
        sorted(c.iter().map(|c| c.id.to_string()).collect())
    }

    /// `Desk::dashboard`'s reads of one month (all but the latest executions).
    async fn store_dashboard(&self) -> DashboardAnswer {
        let month = self.params.month;
        let months = self.store.process_months().await.unwrap();
        let counts = self.store.status_counts(Some(month)).await.unwrap();
        let by_operator = self.store.operator_month(month).await.unwrap();
        let attention = self
            .store
            .attention_processes(month, ATTENTION_LIMIT)
            .await
            .unwrap();
        DashboardAnswer {
            months,
            processes: counts.aguardando_download
                + counts.aguardando_aprovacao
                + counts.aguardando_envio_sat
                + counts.upload_realizado
                + counts.cancelado,
            by_operator: by_operator
                .iter()
                .map(|o| {
                    let c = &o.counts;
                    c.aguardando_download
                        + c.aguardando_aprovacao
                        + c.aguardando_envio_sat
                        + c.upload_realizado
                        + c.cancelado
                })
                .sum(),
            without_process: by_operator.iter().map(|o| o.sem_processo).sum(),
            attention: attention.iter().map(|r| r.id.to_string()).collect(),
        }
    }

    /// Runs the case once per side with the statement log captured: same statements, same
    /// answer, or the comparison would be meaningless.
    async fn verify(&self, key: char, case: Case, show_sql: bool) -> Result<(), String> {
        let ((), store_sql) = capture::during(self.once_checked(case, Side::Store)).await;
        let ((), direct_sql) = capture::during(self.once_checked(case, Side::Direct)).await;
        if show_sql {
            println!("--- ({key}) store statements:");
            for s in &store_sql {
                println!("{s}\n");
            }
        }
        let (mut a, mut b) = (store_sql.clone(), direct_sql.clone());
        a.sort();
        b.sort();
        if a != b {
            return Err(format!(
                "({key}) the baseline does not send the store's SQL.\nstore:\n{}\n\nbaseline:\n{}",
                store_sql.join("\n--\n"),
                direct_sql.join("\n--\n")
            ));
        }
        if a.is_empty() {
            return Err(format!("({key}) no statement was captured"));
        }
        match case {
            Case::List(l) => {
                let page = self
                    .store
                    .list_processes(&l.filter(&self.params))
                    .await
                    .unwrap();
                let (total, ids) = self.direct.list(&l.sql(self.which, &self.params)).await;
                let store_ids: Vec<String> = page.items.iter().map(|r| r.id.to_string()).collect();
                if page.total != total || store_ids != ids {
                    return Err(format!(
                        "({key}) different answers: store {} rows of {}, baseline {} of {total}",
                        store_ids.len(),
                        page.total,
                        ids.len()
                    ));
                }
                // A page past the end is empty and still knows the total.
                let mut past = l.filter(&self.params);
                past.page = total / 50 + 1;
                let after = self.store.list_processes(&past).await.unwrap();
                if !after.items.is_empty() || after.total != total {
                    return Err(format!(
                        "({key}) past the end: {} rows of {}",
                        after.items.len(),
                        after.total
                    ));
                }
            }
            Case::Counts => {
                let c = self
                    .store
                    .status_counts(Some(self.params.month))
                    .await
                    .unwrap();
                let mut d = StatusCounts::default();
                for (status, n, attention) in self.direct.counts(self.params.month).await {
                    d.add(ProcessStatus::parse(&status).unwrap(), n);
                    d.needs_attention += attention;
                }
                if c != d {
                    return Err(format!("({key}) different counts: {c:?} vs {d:?}"));
                }
            }
            Case::Approval => {}
            Case::Queue => {
                let store = self.store_queue().await;
                let direct = self.direct.queue(self.params.month, &self.since).await;
                if store != direct {
                    return Err(format!(
                        "({key}) different answers: store {} of {} with {} history rows, \
                         baseline {} of {} with {}",
                        store.1.len(),
                        store.0,
                        store.2.len(),
                        direct.1.len(),
                        direct.0,
                        direct.2.len()
                    ));
                }
                println!(
                    "({key}) queue: {} of {} waiting, {} history rows since {}",
                    store.1.len(),
                    store.0,
                    store.2.len(),
                    self.since
                );
            }
            Case::Dashboard => {
                let store = self.store_dashboard().await;
                let direct = self.direct.dashboard(self.params.month).await;
                if store != direct {
                    return Err(format!(
                        "({key}) different answers: {store:?} vs {direct:?}"
                    ));
                }
            }
            Case::Alerts => {
                let store = self.store_alerts().await;
                let direct = self.direct.alerts().await;
                if store != direct {
                    return Err(format!(
                        "({key}) different answers: store {} rows, baseline {}",
                        store.len(),
                        direct.len()
                    ));
                }
                println!(
                    "({key}) alerts: {} processes waiting or needing attention",
                    store.len()
                );
            }
        }
        Ok(())
    }

    /// `once`, for verification: the approval uses the last prepared process of each side.
    async fn once_checked(&self, case: Case, side: Side) {
        let last = self.approvals_store.len() - 1;
        self.once(case, side, last).await
    }
}

struct Figures {
    store: Vec<f64>,
    direct: Vec<f64>,
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

async fn measure(ctx: &Ctx<'_>, case: Case, warmup: usize, n: usize, max: Duration) -> Figures {
    let mut f = Figures {
        store: Vec::with_capacity(n),
        direct: Vec::with_capacity(n),
    };
    let start = Instant::now();
    for i in 0..warmup + n {
        if f.store.len() >= 20 && start.elapsed() > max {
            break;
        }
        // Alternate which side goes first, so neither always meets a warmer cache.
        let order = if i % 2 == 0 {
            [Side::Store, Side::Direct]
        } else {
            [Side::Direct, Side::Store]
        };
        for side in order {
            let t = Instant::now();
            ctx.once(case, side, i).await;
            let ms = t.elapsed().as_secs_f64() * 1000.0;
            if i >= warmup {
                match side {
                    Side::Store => f.store.push(ms),
                    Side::Direct => f.direct.push(ms),
                }
            }
        }
    }
    f.store.sort_by(f64::total_cmp);
    f.direct.sort_by(f64::total_cmp);
    f
}

async fn bench(
    args: &Args,
    store: &dyn Store,
    direct: &Direct,
    fx: &Fixture,
    which: Which,
) -> bool {
    let month = fx.months[0].as_str();
    let counts = store.status_counts(None).await.unwrap();
    let processes = counts.aguardando_download
        + counts.aguardando_aprovacao
        + counts.aguardando_envio_sat
        + counts.upload_realizado
        + counts.cancelado;
    let (executions, logs): (i64, i64) = match direct {
        Direct::Sqlite(pool) => sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM executions), (SELECT COUNT(*) FROM execution_logs)",
        )
        .fetch_one(pool)
        .await
        .unwrap(),
        Direct::Pg(pool) => sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM executions), (SELECT COUNT(*) FROM execution_logs)",
        )
        .fetch_one(pool)
        .await
        .unwrap(),
    };
    let now_month = store.status_counts(Some(month)).await.unwrap();
    println!(
        "rows: {} clients, {processes} processes, {executions} executions, {logs} log lines",
        fx.clients.len()
    );
    println!("current month {month}: {now_month:?}");
    let matching = direct.matching_clients().await;
    println!(
        "search word {SEARCH_WORD:?} is in {matching} clients ({:.2}%)",
        matching as f64 * 100.0 / fx.clients.len() as f64
    );

    // The operator with the most clients, for case (b).
    let operator = fx.operators[0].id;
    // One more per side than timed: the verification run approves the last one.
    let per_side = args.warmup + args.iterations + 1;
    let ids = direct.awaiting_approval(month, 2 * per_side).await;
    assert!(
        ids.len() == 2 * per_side,
        "only {} processes await approval",
        ids.len()
    );
    let now = Utc::now();
    let mut prepared = Vec::with_capacity(ids.len());
    for id in &ids {
        let p = store.process_by_id(*id).await.unwrap().unwrap();
        prepared.push(approval(&p, &fx.approver, now));
    }
    let approvals_direct = prepared.split_off(per_side);
    let ctx = Ctx {
        which,
        store,
        direct,
        params: CaseParams { month, operator },
        approvals_store: prepared,
        approvals_direct,
        since: months_before(month, HISTORY_MONTHS),
    };

    let mut rows = Vec::new();
    for (key, case, label) in Case::ALL {
        if !args.cases.contains(key) {
            continue;
        }
        if let Err(e) = ctx.verify(key, case, args.show_sql).await {
            eprintln!("{e}");
            return false;
        }
        let max = Duration::from_secs(args.max_case_secs);
        let f = measure(&ctx, case, args.warmup, args.iterations, max).await;
        rows.push((key, case, label, f));
    }
    println!("SQL and answers of store and baseline checked identical for every case");
    println!(
        "\n{} — {} iterations per case after {} warm-up, times in ms",
        match which {
            Which::Sqlite => "SQLite",
            Which::Postgres => "PostgreSQL",
        },
        args.iterations,
        args.warmup
    );
    println!(
        "{:<40} {:>9} {:>9} {:>10} {:>10} {:>9}  target",
        "case", "store p50", "store p95", "direct p50", "direct p95", "ratio p95"
    );
    let mut all_met = true;
    for (key, case, label, f) in rows {
        let (sp50, sp95) = (percentile(&f.store, 0.5), percentile(&f.store, 0.95));
        let (dp50, dp95) = (percentile(&f.direct, 0.5), percentile(&f.direct, 0.95));
        let ratio = sp95 / dp95;
        let is_list = matches!(case, Case::List(_));
        let mut checks = vec![(ratio <= 2.0, "ratio ≤ 2")];
        if which == Which::Sqlite && is_list {
            checks.push((sp95 < 20.0, "p95 < 20 ms"));
        }
        let met = checks.iter().all(|c| c.0);
        all_met &= met;
        let verdict = checks
            .iter()
            .map(|(ok, what)| format!("{}{what}", if *ok { "" } else { "MISSED " }))
            .collect::<Vec<_>>()
            .join(", ");
        let cut = if f.store.len() < args.iterations {
            format!(" (stopped after {} iterations)", f.store.len())
        } else {
            String::new()
        };
        println!(
            "({key}) {label:<36} {sp50:>9.2} {sp95:>9.2} {dp50:>10.2} {dp95:>10.2} {ratio:>9.2}  {} {verdict}{cut}",
            if met { "met:" } else { "NOT MET:" }
        );
    }
    println!(
        "targets {}",
        if all_met {
            "all met"
        } else {
            "NOT all met (see above)"
        }
    );
    true
}

// --- capturing the SQL sqlx sends ------------------------------------------------------

/// A minimal tracing subscriber that records the statements sqlx logs (target
/// `sqlx::query`), only while `during` runs, so the baseline can be checked against the
/// store's real SQL.
mod capture {
    use std::future::Future;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Mutex;
    use std::time::Duration;
    use tracing::field::{Field, Visit};
    use tracing::span::{Attributes, Id, Record};
    use tracing::subscriber::Interest;
    use tracing::{Event, Metadata, Subscriber};

    static ON: AtomicBool = AtomicBool::new(false);
    static SEEN: Mutex<Vec<String>> = Mutex::new(Vec::new());
    const TARGET: &str = "sqlx::query";

    struct SqlCapture;

    #[derive(Default)]
    struct Statement {
        summary: String,
        statement: String,
    }

    impl Visit for Statement {
        fn record_str(&mut self, field: &Field, value: &str) {
            match field.name() {
                "summary" => self.summary = value.to_string(),
                "db.statement" => self.statement = value.to_string(),
                _ => {}
            }
        }

        fn record_debug(&mut self, _: &Field, _: &dyn std::fmt::Debug) {}
    }

    impl Subscriber for SqlCapture {
        fn register_callsite(&self, meta: &'static Metadata<'static>) -> Interest {
            if meta.target() == TARGET {
                Interest::sometimes()
            } else {
                Interest::never()
            }
        }

        fn enabled(&self, meta: &Metadata<'_>) -> bool {
            meta.target() == TARGET && ON.load(Ordering::SeqCst)
        }

        fn new_span(&self, _: &Attributes<'_>) -> Id {
            Id::from_u64(1)
        }

        fn record(&self, _: &Id, _: &Record<'_>) {}

        fn record_follows_from(&self, _: &Id, _: &Id) {}

        fn event(&self, event: &Event<'_>) {
            let mut s = Statement::default();
            event.record(&mut s);
            // sqlx logs the full text as "\n\n{sql}\n" unless it equals the summary.
            let sql = match s.statement.strip_prefix("\n\n") {
                Some(rest) => rest.strip_suffix('\n').unwrap_or(rest).to_string(),
                None if s.statement.trim().is_empty() => s.summary,
                None => s.statement,
            };
            SEEN.lock().unwrap().push(sql);
        }

        fn enter(&self, _: &Id) {}

        fn exit(&self, _: &Id) {}
    }

    pub fn install() {
        tracing::subscriber::set_global_default(SqlCapture).expect("one subscriber");
    }

    /// Runs `f` with the capture on; returns its output and the statements sent meanwhile.
    pub async fn during<F: Future>(f: F) -> (F::Output, Vec<String>) {
        SEEN.lock().unwrap().clear();
        ON.store(true, Ordering::SeqCst);
        let out = f.await;
        // SQLite's worker thread may log a statement just after the answer arrives.
        tokio::time::sleep(Duration::from_millis(50)).await;
        ON.store(false, Ordering::SeqCst);
        let seen = std::mem::take(&mut *SEEN.lock().unwrap());
        (out, seen)
    }
}
