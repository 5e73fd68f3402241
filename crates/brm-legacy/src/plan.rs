//! The dry run: what each old row becomes (created, mapped onto something we already
//! have, already imported, refused with a pt-BR reason, or only counted). Pure: the
//! store's keys in, the rows to write and the report out.
//!
//! Matching, in this order, so that a second run changes nothing:
//! 1. by id: old rows keep their UUID as our primary key (a non-UUID old id, such as
//!    `users.id`, becomes a UUID derived from table and id, the same on every run), so
//!    "already imported" is "this id exists";
//! 2. by natural key: operator code or name, client HASH or account (CNPJ, operator,
//!    unit, service), user e-mail, process (client, month), schedule (kind, cron,
//!    operator). Such rows are "mapped": the existing record is kept as it is and the old
//!    rows that point at it follow it.
//!
//! People come from both `usuarios` (names, profiles, Werkzeug hashes) and `users` (the
//! Flask-Login table the old login checked, PBKDF2 hashes, `is_admin`), one person per
//! e-mail: the stronger profile of the two, the `users` password (the one the old login
//! accepted) when it can be checked, the name and phone of `usuarios`.
//!
//! Every column of the old schema ([`crate::schema`]) is in the report: imported, mapped
//! (how) or not imported (why), with the columns the catalogue does not know.

use crate::schema::{self, ColumnLine};
use crate::source::{Row, Snapshot};
use crate::{password, status, values};
use brm_core::client::{Client, ClientInput};
use brm_core::execution::{Execution, ExecutionStatus, LogLine};
use brm_core::operator::{name_key, Operator, OperatorInput};
use brm_core::process::{Process, ProcessStatus};
use brm_core::schedule::{next_run, Schedule, ScheduleKind};
use brm_core::user::{is_plausible_email, normalize_email, User};
use brm_core::Role;
use brm_store::legacy::{LegacyKeys, LegacyProbe};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap, HashSet};
use uuid::Uuid;

/// A client account: CNPJ, operator, unit key, service key.
type AccountKey = (String, Uuid, String, String);

/// Who the import says made the rows it writes, in executions and notes.
pub const ORIGIN: &str = "sistema antigo";

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct TableCount {
    /// The old table's name.
    pub table: &'static str,
    pub label: &'static str,
    /// Rows in the old table. Always `to_create + to_map + already + rejected +
    /// not_imported`.
    pub total: usize,
    pub to_create: usize,
    pub to_map: usize,
    pub already: usize,
    pub rejected: usize,
    pub not_imported: usize,
    /// Why the whole table is only counted.
    pub reason: Option<&'static str>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Rejection {
    pub table: &'static str,
    pub legacy_id: String,
    /// What the row is, for a person ("ACME Indústria Ltda", "03/2024 · ACME").
    pub what: String,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Mapping {
    pub table: &'static str,
    pub legacy_id: String,
    pub what: String,
    /// What it was matched with and how.
    pub to: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct StatusLine {
    pub old: String,
    pub new: &'static str,
    pub needs_attention: bool,
    pub count: usize,
}

/// The robot service's address and token (filled by the service, which knows the
/// keyring and the settings).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RobotLine {
    pub what: &'static str,
    /// "criar", "igual" (already so), "manter" (ours differs and stays), "rejeitado",
    /// "não importado".
    pub action: &'static str,
    pub detail: String,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Report {
    pub tables: Vec<TableCount>,
    pub rejected: Vec<Rejection>,
    pub mapped: Vec<Mapping>,
    /// How the processes to create map their old status.
    pub statuses: Vec<StatusLine>,
    pub robot: Vec<RobotLine>,
    /// Every old column: imported, mapped or not imported, and the ones the catalogue
    /// does not know.
    pub columns: Vec<ColumnLine>,
    pub warnings: Vec<String>,
}

impl Report {
    pub fn creates_anything(&self) -> bool {
        self.tables.iter().any(|t| t.to_create > 0)
            || self.robot.iter().any(|r| r.action == "criar")
    }
}

/// A client to create and its portal password in plain text, to be sealed before it
/// goes anywhere. No `Debug` of the password.
#[derive(Clone)]
pub struct NewClient {
    pub client: Client,
    pub portal_password: Option<String>,
}

impl std::fmt::Debug for NewClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewClient")
            .field("client", &self.client)
            .field(
                "portal_password",
                &self.portal_password.as_ref().map(|_| "***"),
            )
            .finish()
    }
}

/// The robot token the old system used, and where it was found. No `Debug` of it.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenCandidate {
    pub value: String,
    /// For a person: "users.api_externa_token (admin)" or ".env (API_EXTERNA_TOKEN)".
    pub source: String,
}

impl std::fmt::Debug for TokenCandidate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenCandidate")
            .field("value", &"***")
            .field("source", &self.source)
            .finish()
    }
}

/// What the commit writes.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub report: Report,
    pub operators: Vec<Operator>,
    pub users: Vec<User>,
    pub clients: Vec<NewClient>,
    /// Each with its old status, for the audit.
    pub processes: Vec<(Process, String)>,
    pub executions: Vec<(Execution, Vec<LogLine>)>,
    pub schedules: Vec<Schedule>,
    /// The old system's robot token, by its own priority (the first administrator's in
    /// `users`, else the `.env`'s).
    pub robot_token: Option<TokenCandidate>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    /// Created by this import.
    New(Uuid),
    /// Already stored (imported before, or matched by natural key).
    Stored(Uuid),
    Rejected,
}

impl Target {
    fn id(&self) -> Option<Uuid> {
        match self {
            Target::New(id) | Target::Stored(id) => Some(*id),
            Target::Rejected => None,
        }
    }
}

/// The old id as our UUID: itself when it is one, else derived from table and id (the
/// same on every run).
pub fn legacy_uuid(table: &str, id: &str) -> Uuid {
    let id = id.trim();
    if let Ok(u) = Uuid::parse_str(id) {
        return u;
    }
    let digest = Sha256::digest(format!("brm-legado:{table}:{id}").as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

fn id_text(r: &Row) -> String {
    r.get("id").unwrap_or("").trim().to_string()
}

/// The key old foreign keys are looked up by (old ids compare as text, any case).
fn ref_key(v: Option<&str>) -> Option<String> {
    v.map(|s| s.trim().to_lowercase()).filter(|s| !s.is_empty())
}

fn message(e: &brm_core::Error) -> String {
    e.message.clone()
}

/// dd/mm/aaaa hh:mm in UTC, as the old system stored it.
fn when(t: DateTime<Utc>) -> String {
    t.format("%d/%m/%Y %H:%M").to_string()
}

/// The old `usuarios.perfil_usuario` to our role; `None` for a profile the old code never
/// wrote (never guessed: a wrong guess could grant approval).
pub fn role(perfil: &str) -> Option<Role> {
    match perfil.trim().to_ascii_uppercase().as_str() {
        "ADMINISTRADOR" => Some(Role::Administrador),
        "APROVADOR" => Some(Role::Aprovador),
        "OPERADOR" => Some(Role::Operador),
        _ => None,
    }
}

/// The stronger of two profiles (the one with more rights).
fn stronger(a: Role, b: Role) -> Role {
    let rank = |r: Role| match r {
        Role::Administrador => 3,
        Role::Aprovador => 2,
        Role::Operador => 1,
    };
    if rank(b) > rank(a) {
        b
    } else {
        a
    }
}

/// Keys of a JSON object whose values are secrets, hidden in what the import keeps.
fn redact(v: serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::Object(m) => serde_json::Value::Object(
            m.into_iter()
                .map(|(k, v)| {
                    let lower = k.to_lowercase();
                    if ["senha", "password", "token", "secret", "segredo"]
                        .iter()
                        .any(|s| lower.contains(s))
                    {
                        (k, serde_json::Value::String("***".into()))
                    } else {
                        (k, redact(v))
                    }
                })
                .collect(),
        ),
        serde_json::Value::Array(a) => {
            serde_json::Value::Array(a.into_iter().map(redact).collect())
        }
        other => other,
    }
}

/// A person's name: `usuarios.nome_completo`, `users.username` (that table has no name),
/// else the e-mail's first part.
fn person_name(table: &str, r: &Row, email: &str) -> String {
    let name = if table == "usuarios" {
        values::text(r.get("nome_completo"))
    } else {
        values::text(r.get("username"))
    };
    name.unwrap_or_else(|| email.split('@').next().unwrap_or("").to_string())
}

/// Plans operators, people and clients; then [`Planner::probe`] says which processes
/// and executions to look up and [`Planner::finish`] plans those and the schedules.
pub struct Planner<'a> {
    snap: &'a Snapshot,
    now: DateTime<Utc>,
    plan: Plan,
    counts: BTreeMap<&'static str, TableCount>,
    operators: HashMap<String, Target>,
    /// Old `usuarios.id` and `users.id` (lower case) → our user, each table apart.
    usuarios: HashMap<String, Option<Uuid>>,
    users: HashMap<String, Option<Uuid>>,
    /// Our user → the name the import writes for them (executions, notes).
    names: HashMap<Uuid, String>,
    /// Old `usuarios.id` → the person's name, even when refused (for notes).
    old_names: HashMap<String, String>,
    /// Old client id → (target, its operator).
    clients: HashMap<String, (Target, Option<Uuid>)>,
}

impl<'a> Planner<'a> {
    pub fn new(snap: &'a Snapshot, keys: &LegacyKeys, now: DateTime<Utc>) -> Self {
        let counts = schema::TABLES
            .iter()
            .filter(|t| snap.totals.contains_key(t.name))
            .map(|t| {
                let total = snap.totals[t.name];
                (
                    t.name,
                    TableCount {
                        table: t.name,
                        label: t.label,
                        total,
                        not_imported: if t.not_imported.is_some() { total } else { 0 },
                        reason: t.not_imported,
                        ..Default::default()
                    },
                )
            })
            .collect();
        let mut p = Planner {
            snap,
            now,
            plan: Plan::default(),
            counts,
            operators: HashMap::new(),
            usuarios: HashMap::new(),
            users: HashMap::new(),
            names: HashMap::new(),
            old_names: HashMap::new(),
            clients: HashMap::new(),
        };
        p.plan.report.warnings = snap.warnings.clone();
        p.plan_operators(keys);
        p.plan_people(keys);
        p.plan_clients(keys);
        p
    }

    fn count(&mut self, table: &'static str) -> &mut TableCount {
        self.counts.entry(table).or_insert_with(|| TableCount {
            table,
            label: schema::table(table).map(|t| t.label).unwrap_or(table),
            ..Default::default()
        })
    }

    fn reject(&mut self, table: &'static str, id: &str, what: String, reason: impl Into<String>) {
        self.count(table).rejected += 1;
        self.plan.report.rejected.push(Rejection {
            table,
            legacy_id: id.to_string(),
            what,
            reason: reason.into(),
        });
    }

    fn map(&mut self, table: &'static str, id: &str, what: String, to: String) {
        self.count(table).to_map += 1;
        self.plan.report.mapped.push(Mapping {
            table,
            legacy_id: id.to_string(),
            what,
            to,
        });
    }

    fn column_note(&mut self, table: &'static str, column: String, why: String) {
        let line = ColumnLine::not_imported(table, column, why);
        if !self.plan.report.columns.contains(&line) {
            self.plan.report.columns.push(line);
        }
    }

    fn plan_operators(&mut self, keys: &LegacyKeys) {
        let by_id: HashSet<Uuid> = keys.operators.iter().map(|o| o.id).collect();
        let mut by_code: HashMap<String, (Uuid, String)> = keys
            .operators
            .iter()
            .map(|o| {
                (
                    o.code.clone(),
                    (
                        o.id,
                        format!("a operadora já cadastrada com o código {}", o.code),
                    ),
                )
            })
            .collect();
        let mut by_name: HashMap<String, (Uuid, String)> = keys
            .operators
            .iter()
            .map(|o| {
                (
                    o.name_key.clone(),
                    (o.id, format!("a operadora já cadastrada {}", o.code)),
                )
            })
            .collect();
        for r in &self.snap.operadoras {
            let old = id_text(r);
            let id = legacy_uuid("operadoras", &old);
            let name = r.get("nome").unwrap_or("").trim().to_string();
            let what = name.clone();
            if by_id.contains(&id) {
                self.count("operadoras").already += 1;
                self.operators
                    .insert(old.to_lowercase(), Target::Stored(id));
                continue;
            }
            // configuracao_rpa: {"timeout_padrao": 300, "tentativas_maximas": 3}; JSON
            // null (an operator without a robot) keeps our defaults.
            let config = match values::json(r.get("configuracao_rpa")) {
                Ok(c) => c,
                Err(_) => {
                    self.reject(
                        "operadoras",
                        &old,
                        what,
                        "configuracao_rpa não é um JSON válido.",
                    );
                    self.operators.insert(old.to_lowercase(), Target::Rejected);
                    continue;
                }
            };
            let int = |k: &str| {
                config
                    .as_ref()
                    .and_then(|c| c.get(k))
                    .and_then(serde_json::Value::as_i64)
            };
            if let Some(serde_json::Value::Object(m)) = &config {
                for k in m.keys() {
                    if k != "timeout_padrao" && k != "tentativas_maximas" {
                        self.column_note(
                            "operadoras",
                            format!("configuracao_rpa.{k}"),
                            "chave sem equivalente no novo sistema".into(),
                        );
                    }
                }
            }
            let input = OperatorInput {
                name: name.clone(),
                code: r.get("codigo").unwrap_or("").trim().to_uppercase(),
                has_rpa: values::flag(r.get("possui_rpa"), true),
                rpa_outsourced: false,
                rpa_endpoint_url: None,
                portal_url: values::text(r.get("url_portal")),
                access_instructions: values::text(r.get("instrucoes_acesso")),
                timeout_secs: int("timeout_padrao"),
                max_attempts: int("tentativas_maximas"),
            };
            let valid = match input.validate() {
                Ok(v) => v,
                Err(e) => {
                    self.reject("operadoras", &old, what, message(&e));
                    self.operators.insert(old.to_lowercase(), Target::Rejected);
                    continue;
                }
            };
            let found = by_code
                .get(&valid.code)
                .or_else(|| by_name.get(&name_key(&valid.name)))
                .cloned();
            if let Some((target, how)) = found {
                self.map("operadoras", &old, what, how);
                self.operators
                    .insert(old.to_lowercase(), Target::Stored(target));
                continue;
            }
            let at = values::timestamp(r.get("data_criacao")).unwrap_or(self.now);
            let op = Operator {
                id,
                name: valid.name.clone(),
                code: valid.code.clone(),
                has_rpa: valid.has_rpa,
                rpa_outsourced: valid.rpa_outsourced,
                rpa_endpoint_url: valid.rpa_endpoint_url,
                portal_url: valid.portal_url,
                access_instructions: valid.access_instructions,
                timeout_secs: valid.timeout_secs,
                max_attempts: valid.max_attempts,
                active: values::flag(r.get("status_ativo"), true),
                version: 1,
                created_at: at,
                updated_at: self.now,
            };
            // A second old operator with the same code or name follows the first.
            let how = format!("a operadora {} deste mesmo banco antigo", op.code);
            by_code.insert(op.code.clone(), (id, how.clone()));
            by_name.insert(name_key(&op.name), (id, how));
            self.count("operadoras").to_create += 1;
            self.operators.insert(old.to_lowercase(), Target::New(id));
            self.plan.operators.push(op);
        }
    }

    /// One person per e-mail across `usuarios` and `users` (see the module's docs).
    fn plan_people(&mut self, keys: &LegacyKeys) {
        let by_id: HashSet<Uuid> = keys.users.iter().map(|u| u.id).collect();
        let stored_by_email: HashMap<String, Uuid> =
            keys.users.iter().map(|u| (u.email.clone(), u.id)).collect();
        // E-mail → (the usuarios row, the users row), in the order they first appear.
        let mut order: Vec<String> = Vec::new();
        let mut groups: HashMap<String, (Option<&Row>, Option<&Row>)> = HashMap::new();
        let snap = self.snap;
        for (table, rows) in [("usuarios", &snap.usuarios), ("users", &snap.users)] {
            for r in rows {
                let old = id_text(r);
                let email = normalize_email(r.get("email").unwrap_or(""));
                let name = person_name(table, r, &email);
                if table == "usuarios" {
                    self.old_names.insert(old.to_lowercase(), name.clone());
                }
                let what = format!("{name} <{email}>");
                if !is_plausible_email(&email) {
                    self.reject(
                        table,
                        &old,
                        what,
                        "Sem e-mail válido: o login do novo sistema é pelo e-mail. Cadastre esta pessoa à mão.",
                    );
                    self.person_ref(table, &old, None);
                    continue;
                }
                let slot = groups.entry(email.clone()).or_insert_with(|| {
                    order.push(email.clone());
                    (None, None)
                });
                let place = if table == "usuarios" {
                    &mut slot.0
                } else {
                    &mut slot.1
                };
                if place.is_some() {
                    self.reject(
                        table,
                        &old,
                        what,
                        format!("E-mail repetido na tabela {table}: fica só a primeira linha."),
                    );
                    self.person_ref(table, &old, None);
                    continue;
                }
                *place = Some(r);
            }
        }
        for email in order {
            let (u, s) = groups[&email];
            self.plan_person(&email, u, s, &by_id, &stored_by_email);
        }
    }

    fn person_ref(&mut self, table: &str, old: &str, to: Option<Uuid>) {
        let map = if table == "usuarios" {
            &mut self.usuarios
        } else {
            &mut self.users
        };
        map.insert(old.to_lowercase(), to);
    }

    fn plan_person(
        &mut self,
        email: &str,
        mut u: Option<&Row>,
        s: Option<&Row>,
        by_id: &HashSet<Uuid>,
        stored_by_email: &HashMap<String, Uuid>,
    ) {
        let what = |table: &str, r: &Row| format!("{} <{email}>", person_name(table, r, email));
        let u_old = u.map(id_text);
        let s_old = s.map(id_text);
        let id = match (&u_old, &s_old) {
            (Some(o), _) => legacy_uuid("usuarios", o),
            (None, Some(o)) => legacy_uuid("users", o),
            (None, None) => return,
        };
        let rows: Vec<(&'static str, &Row, String)> = [
            u.map(|r| ("usuarios", r, u_old.clone().unwrap_or_default())),
            s.map(|r| ("users", r, s_old.clone().unwrap_or_default())),
        ]
        .into_iter()
        .flatten()
        .collect();
        // Imported before: every row of the person is already here.
        if by_id.contains(&id) {
            for (table, r, old) in &rows {
                self.count(table).already += 1;
                self.person_ref(table, old, Some(id));
                let name = person_name(table, r, email);
                self.names.entry(id).or_insert(name);
            }
            return;
        }
        // Someone with this e-mail is already registered here: the old rows follow them.
        if let Some(existing) = stored_by_email.get(email) {
            for (table, r, old) in &rows {
                let w = what(table, r);
                self.map(
                    table,
                    old,
                    w,
                    "o usuário já cadastrado com este e-mail (a senha dele continua a atual)"
                        .into(),
                );
                self.person_ref(table, old, Some(*existing));
                let name = person_name(table, r, email);
                self.names.entry(*existing).or_insert(name);
            }
            return;
        }
        // The profile of usuarios, when the old code could have written it.
        let mut role_u = None;
        if let Some(r) = u {
            let perfil = r.get("perfil_usuario").unwrap_or("").trim().to_string();
            match role(&perfil) {
                Some(role) => role_u = Some(role),
                None => {
                    let old = u_old.clone().unwrap_or_default();
                    self.reject(
                        "usuarios",
                        &old,
                        what("usuarios", r),
                        format!("Perfil desconhecido: \"{perfil}\" (o sistema antigo usa ADMINISTRADOR, APROVADOR ou OPERADOR)."),
                    );
                    self.person_ref("usuarios", &old, None);
                    u = None;
                }
            }
        }
        let role_s = s.map(|r| {
            if values::flag(r.get("is_admin"), false) {
                Role::Administrador
            } else {
                Role::Operador
            }
        });
        // The password the old login accepted (users) first; the Werkzeug one otherwise.
        let hash_s = s.map(|r| password::mark_users(r.get("password").unwrap_or("")));
        let hash_u = u.map(|r| password::mark_werkzeug(r.get("password_hash").unwrap_or("")));
        let (hash, from_users) = match (&hash_s, &hash_u) {
            (Some(Ok(h)), _) => (h.clone(), true),
            (_, Some(Ok(h))) => (h.clone(), false),
            _ => {
                for (table, r, old) in &rows {
                    if *table == "usuarios" && u.is_none() {
                        continue; // already refused for its profile
                    }
                    let reason = match (*table, &hash_s, &hash_u) {
                        ("users", Some(Err(e)), _) | ("usuarios", _, Some(Err(e))) => e.clone(),
                        _ => "Sem senha que o novo sistema consiga conferir.".into(),
                    };
                    self.reject(table, old, what(table, r), reason);
                    self.person_ref(table, old, None);
                }
                return;
            }
        };
        let role = match (role_u, role_s) {
            (Some(a), Some(b)) => stronger(a, b),
            (Some(a), None) | (None, Some(a)) => a,
            (None, None) => return,
        };
        let primary = u.or(s).expect("one of the two");
        let primary_table = if u.is_some() { "usuarios" } else { "users" };
        let name = person_name(primary_table, primary, email);
        let user = User {
            id,
            full_name: name.clone(),
            email: email.to_string(),
            phone: u.and_then(|r| values::text(r.get("telefone"))),
            role,
            active: u.is_none_or(|r| values::flag(r.get("status_ativo"), true)),
            password_hash: hash,
            failed_logins: 0,
            locked_until: None,
            last_login_at: None,
            created_at: u
                .and_then(|r| values::timestamp(r.get("data_criacao")))
                .unwrap_or(self.now),
            updated_at: self.now,
        };
        self.count(primary_table).to_create += 1;
        let primary_old = if u.is_some() { &u_old } else { &s_old };
        self.person_ref(
            primary_table,
            primary_old.as_deref().unwrap_or(""),
            Some(id),
        );
        if let (Some(_), Some(r)) = (u, s) {
            let old = s_old.clone().unwrap_or_default();
            let password = if from_users {
                "vale a senha do login antigo (users)"
            } else {
                "vale a senha de usuarios (a de users não pôde ser conferida)"
            };
            self.map(
                "users",
                &old,
                what("users", r),
                format!(
                    "a mesma pessoa em usuarios ({name}): perfil {}, o mais forte dos dois; {password}",
                    role.as_str()
                ),
            );
            self.person_ref("users", &old, Some(id));
        }
        self.names.insert(id, name);
        self.plan.users.push(user);
    }
    fn plan_clients(&mut self, keys: &LegacyKeys) {
        let stored: HashMap<Uuid, Uuid> =
            keys.clients.iter().map(|c| (c.id, c.operator_id)).collect();
        let mut by_hash: HashMap<String, (Uuid, Uuid, String)> = HashMap::new();
        let mut by_account: HashMap<AccountKey, (Uuid, Uuid, String)> = HashMap::new();
        for c in &keys.clients {
            if let Some(h) = &c.hash {
                by_hash.insert(
                    h.clone(),
                    (
                        c.id,
                        c.operator_id,
                        format!("o cliente já cadastrado com o HASH {h}"),
                    ),
                );
            }
            by_account.insert(
                (
                    c.cnpj.clone(),
                    c.operator_id,
                    c.unit_key.clone(),
                    c.service_key.clone(),
                ),
                (
                    c.id,
                    c.operator_id,
                    "o cliente já cadastrado com o mesmo CNPJ, operadora, unidade e serviço".into(),
                ),
            );
        }
        for r in &self.snap.clientes {
            let old = id_text(r);
            let key = old.to_lowercase();
            let id = legacy_uuid("clientes", &old);
            let what = r.get("razao_social").unwrap_or("").trim().to_string();
            if let Some(op) = stored.get(&id) {
                self.count("clientes").already += 1;
                self.clients.insert(key, (Target::Stored(id), Some(*op)));
                continue;
            }
            let op_ref = ref_key(r.get("operadora_id")).unwrap_or_default();
            let operator_id = match self.operators.get(&op_ref) {
                None => {
                    self.reject(
                        "clientes",
                        &old,
                        what,
                        format!("A operadora {op_ref} não existe no banco antigo."),
                    );
                    self.clients.insert(key, (Target::Rejected, None));
                    continue;
                }
                Some(Target::Rejected) => {
                    self.reject(
                        "clientes",
                        &old,
                        what,
                        "A operadora deste cliente foi rejeitada.",
                    );
                    self.clients.insert(key, (Target::Rejected, None));
                    continue;
                }
                Some(t) => t.id().expect("not rejected"),
            };
            let input = ClientInput {
                hash: values::text(r.get("hash_unico")),
                legal_name: what.clone(),
                sat_name: values::text(r.get("nome_sat")),
                cnpj: r.get("cnpj").unwrap_or("").to_string(),
                operator_id: Some(operator_id),
                account_filter: values::text(r.get("filtro")),
                service: values::text(r.get("servico")),
                sat_data: values::text(r.get("dados_sat")),
                unit: values::text(r.get("unidade")),
                sat_category: None,
                issue_site_url: values::text(r.get("site_emissao")),
                portal_login: values::text(r.get("login_portal")),
                portal_password: r
                    .get("senha_portal")
                    .filter(|s| !s.trim().is_empty())
                    .map(str::to_string),
                clear_portal_password: false,
                cpf: values::text(r.get("cpf")),
                notes: None,
            };
            let valid = match input.validate() {
                Ok(v) => v,
                Err(e) => {
                    self.reject("clientes", &old, what, message(&e));
                    self.clients.insert(key, (Target::Rejected, None));
                    continue;
                }
            };
            let account = (
                valid.cnpj.clone(),
                operator_id,
                valid.unit_key.clone(),
                valid.service_key.clone(),
            );
            let found = valid
                .hash
                .as_ref()
                .and_then(|h| by_hash.get(h))
                .or_else(|| by_account.get(&account))
                .cloned();
            if let Some((target, op, how)) = found {
                self.map("clientes", &old, what, how);
                self.clients.insert(key, (Target::Stored(target), Some(op)));
                continue;
            }
            let at = values::timestamp(r.get("data_criacao")).unwrap_or(self.now);
            let client = Client {
                id,
                hash: valid.hash.clone(),
                legal_name: valid.legal_name.clone(),
                sat_name: valid.sat_name.clone(),
                cnpj: valid.cnpj.clone(),
                operator_id,
                operator_name: String::new(),
                operator_code: String::new(),
                account_filter: valid.account_filter.clone(),
                service: valid.service.clone(),
                sat_data: valid.sat_data.clone(),
                unit: valid.unit.clone(),
                sat_category: valid.sat_category.clone(),
                issue_site_url: valid.issue_site_url.clone(),
                portal_login: valid.portal_login.clone(),
                portal_password_set: valid.portal_password.is_some(),
                cpf: valid.cpf.clone(),
                notes: valid.notes.clone(),
                active: values::flag(r.get("status_ativo"), true),
                version: 1,
                created_at: at,
                updated_at: self.now,
            };
            let how = format!("o cliente {} deste mesmo banco antigo", client.legal_name);
            if let Some(h) = &client.hash {
                by_hash.insert(h.clone(), (id, operator_id, how.clone()));
            }
            by_account.insert(account, (id, operator_id, how));
            self.count("clientes").to_create += 1;
            self.clients
                .insert(key, (Target::New(id), Some(operator_id)));
            self.plan.clients.push(NewClient {
                client,
                portal_password: valid.portal_password.clone(),
            });
        }
    }

    /// The processes and executions whose existence decides the rest of the plan.
    pub fn probe(&self) -> LegacyProbe {
        LegacyProbe {
            process_ids: self
                .snap
                .processos
                .iter()
                .map(|r| legacy_uuid("processos", &id_text(r)))
                .collect(),
            client_ids: self
                .clients
                .values()
                .filter_map(|(t, _)| match t {
                    Target::Stored(id) => Some(*id),
                    _ => None,
                })
                .collect::<HashSet<_>>()
                .into_iter()
                .collect(),
            execution_ids: self
                .snap
                .execucoes
                .iter()
                .map(|r| legacy_uuid("execucoes", &id_text(r)))
                .collect(),
            job_ids: self
                .snap
                .execucoes
                .iter()
                .filter_map(|r| values::text(r.get("job_id")))
                .collect(),
        }
    }

    /// Plans processes, executions and schedules with the keys [`Planner::probe`] asked
    /// for, and finishes the report.
    pub fn finish(mut self, keys: &LegacyKeys) -> Plan {
        let processes = self.plan_processes(keys);
        self.plan_executions(keys, &processes);
        self.plan_schedules(keys);
        self.plan_robot_token();
        self.plan_columns();
        let mut plan = self.plan;
        plan.report.tables = self.counts.into_values().collect();
        plan.report.tables.sort_by_key(|t| {
            schema::TABLES
                .iter()
                .position(|s| s.name == t.table)
                .unwrap_or(usize::MAX)
        });
        for t in &plan.report.tables {
            debug_assert_eq!(
                t.total,
                t.to_create + t.to_map + t.already + t.rejected + t.not_imported,
                "{t:?}"
            );
        }
        let mut statuses: BTreeMap<(String, &'static str, bool), usize> = BTreeMap::new();
        for (p, old) in &plan.processes {
            *statuses
                .entry((old.clone(), p.status.as_str(), p.needs_attention))
                .or_default() += 1;
        }
        plan.report.statuses = statuses
            .into_iter()
            .map(|((old, new, needs_attention), count)| StatusLine {
                old,
                new,
                needs_attention,
                count,
            })
            .collect();
        plan
    }

    /// The person an old `usuarios` id is here, and the name to write for them.
    fn person(&self, old: Option<&str>) -> (Option<Uuid>, Option<String>) {
        let Some(key) = ref_key(old) else {
            return (None, None);
        };
        let id = self.usuarios.get(&key).copied().flatten();
        let name = id
            .and_then(|id| self.names.get(&id).cloned())
            .or_else(|| self.old_names.get(&key).cloned());
        (id, name)
    }

    fn plan_processes(&mut self, keys: &LegacyKeys) -> HashMap<String, Target> {
        let stored_ids: HashSet<Uuid> = keys.processes.iter().map(|p| p.id).collect();
        let mut by_month: HashMap<(Uuid, String), (Uuid, String)> = keys
            .processes
            .iter()
            .map(|p| {
                (
                    (p.client_id, p.reference_month.clone()),
                    (
                        p.id,
                        "o processo já cadastrado do mesmo cliente e mês".to_string(),
                    ),
                )
            })
            .collect();
        let mut out = HashMap::new();
        let mut planned: HashSet<Uuid> = HashSet::new();
        let snap = self.snap;
        let client_names: HashMap<String, &str> = snap
            .clientes
            .iter()
            .map(|c| {
                (
                    id_text(c).to_lowercase(),
                    c.get("razao_social").unwrap_or("?").trim(),
                )
            })
            .collect();
        // Of two old processes of one client and month, the one created first is kept.
        let mut rows: Vec<&Row> = snap.processos.iter().collect();
        rows.sort_by_cached_key(|r| (values::timestamp(r.get("data_criacao")), id_text(r)));
        for r in rows {
            let old = id_text(r);
            let key = old.to_lowercase();
            let id = legacy_uuid("processos", &old);
            let mes_ano = r.get("mes_ano").unwrap_or("").trim().to_string();
            let client_ref = ref_key(r.get("cliente_id")).unwrap_or_default();
            let client = self.clients.get(&client_ref).cloned();
            let client_name = client_names.get(&client_ref).copied().unwrap_or("?");
            let what = format!("{mes_ano} · {client_name}");
            if stored_ids.contains(&id) {
                self.count("processos").already += 1;
                out.insert(key, Target::Stored(id));
                continue;
            }
            let mut fail = |s: &mut Self, reason: String| {
                s.reject("processos", &old, what.clone(), reason);
                out.insert(key.clone(), Target::Rejected);
            };
            let (client_id, operator_id) = match client {
                None => {
                    fail(
                        self,
                        format!("O cliente {client_ref} não existe no banco antigo."),
                    );
                    continue;
                }
                Some((Target::Rejected, _)) | Some((_, None)) => {
                    fail(self, "O cliente deste processo foi recusado.".into());
                    continue;
                }
                Some((t, Some(op))) => (t.id().expect("not rejected"), op),
            };
            let Some(month) = values::month(&mes_ano) else {
                fail(
                    self,
                    format!("Mês inválido: \"{mes_ano}\" (esperado MM/AAAA)."),
                );
                continue;
            };
            let old_status = r.get("status_processo").unwrap_or("").trim().to_string();
            let Some(mapped) = status::process_status(&old_status) else {
                fail(self, format!("Situação desconhecida: \"{old_status}\"."));
                continue;
            };
            let Ok(amount) = values::cents(r.get("valor_fatura")) else {
                let v = r.get("valor_fatura").unwrap_or("").to_string();
                fail(self, format!("Valor inválido: \"{v}\"."));
                continue;
            };
            let Ok(due) = values::date(r.get("data_vencimento")) else {
                let v = r.get("data_vencimento").unwrap_or("").to_string();
                fail(self, format!("Vencimento inválido: \"{v}\"."));
                continue;
            };
            let (Ok(download_attempts), Ok(sat_attempts)) = (
                values::count(r.get("tentativas_download")),
                values::count(r.get("tentativas_upload_sat")),
            ) else {
                fail(self, "Número de tentativas inválido.".into());
                continue;
            };
            let month_key = (client_id, month.to_string());
            if let Some((target, how)) = by_month.get(&month_key).cloned() {
                if planned.contains(&target) {
                    fail(self, format!("Mesmo cliente e mês que {how}: duplicado no banco antigo, fica só o primeiro."));
                } else {
                    self.map("processos", &old, what, how);
                    out.insert(key, Target::Stored(target));
                }
                continue;
            }
            let approved_state = matches!(
                mapped.status,
                ProcessStatus::AguardandoEnvioSat | ProcessStatus::UploadRealizado
            );
            let (approver, approver_name) = self.person(r.get("aprovado_por_usuario_id"));
            let approved_at = values::timestamp(r.get("data_aprovacao"));
            let created_at = values::timestamp(r.get("data_criacao")).unwrap_or(self.now);
            let mut notes: Vec<String> = Vec::new();
            if let Some(n) = values::text(r.get("observacoes")) {
                notes.push(n);
            }
            let mut p = Process::new_for(client_id, operator_id, month, None, false, self.now);
            p.id = id;
            p.status = mapped.status;
            p.needs_attention = mapped.needs_attention;
            p.amount_cents = amount;
            p.due_date = due;
            p.auto_created = values::flag(r.get("criado_automaticamente"), false);
            p.manual_upload = values::flag(r.get("upload_manual"), false);
            p.download_attempts = download_attempts;
            p.last_download_at = values::timestamp(r.get("ultima_tentativa_download"));
            p.sat_attempts = sat_attempts;
            p.last_sat_at = values::timestamp(r.get("ultima_tentativa_upload_sat"));
            match (approved_state, approver) {
                (true, Some(by)) => {
                    p.approved_by = Some(by);
                    p.approved_at = approved_at;
                }
                // Approved there by someone who does not come along, or approved and then
                // sent back: the fact stays, as a note.
                _ if ref_key(r.get("aprovado_por_usuario_id")).is_some() => {
                    let who = approver_name
                        .unwrap_or_else(|| "uma pessoa que não veio do sistema antigo".into());
                    notes.push(match approved_at {
                        Some(t) => format!("Aprovado no {ORIGIN} por {who} em {}.", when(t)),
                        None => format!("Aprovado no {ORIGIN} por {who}."),
                    });
                }
                _ => {}
            }
            p.sent_to_sat = mapped.sent_to_sat;
            if mapped.sent_to_sat {
                p.sent_at = values::timestamp(r.get("data_envio_sat"))
                    .or_else(|| values::timestamp(r.get("data_atualizacao")));
            } else if values::flag(r.get("enviado_para_sat"), false) {
                p.needs_attention = true;
                notes.push(format!(
                    "Marcado como enviado ao SAT no {ORIGIN}, mas a situação era {old_status}: confira no SAT antes de enviar de novo."
                ));
            }
            if mapped.rejected {
                p.last_rejection_reason = Some(format!("Rejeitada no {ORIGIN}."));
            }
            let file = values::text(r.get("fatura_filename"));
            let place = ["fatura_s3_key", "caminho_s3_fatura", "url_fatura"]
                .iter()
                .find_map(|c| values::text(r.get(c)));
            match (file, place) {
                (Some(f), Some(w)) => notes.push(format!("Fatura no {ORIGIN}: {f} ({w}).")),
                (Some(f), None) => notes.push(format!("Fatura no {ORIGIN}: {f}.")),
                (None, Some(w)) => notes.push(format!("Fatura no {ORIGIN}: {w}.")),
                (None, None) => {}
            }
            if let Some(t) = values::timestamp(r.get("data_upload_manual")) {
                notes.push(format!("Enviada à mão no {ORIGIN} em {}.", when(t)));
            }
            notes.push(format!("Importado do {ORIGIN} (status {old_status})."));
            p.notes = Some(notes.join("\n"));
            p.created_at = created_at;
            p.updated_at = self.now;
            by_month.insert(month_key, (id, format!("o processo {old}")));
            planned.insert(id);
            self.count("processos").to_create += 1;
            out.insert(key, Target::New(id));
            self.plan.processes.push((p, old_status));
        }
        out
    }

    fn plan_executions(&mut self, keys: &LegacyKeys, processes: &HashMap<String, Target>) {
        let stored: HashSet<Uuid> = keys.execution_ids.iter().copied().collect();
        let mut taken: HashSet<String> = keys.job_ids.iter().cloned().collect();
        let snap = self.snap;
        for r in &snap.execucoes {
            let old = id_text(r);
            let id = legacy_uuid("execucoes", &old);
            let tipo = r.get("tipo_execucao").unwrap_or("").trim().to_string();
            let what = format!("{tipo} {}", r.get("job_id").unwrap_or(""))
                .trim()
                .to_string();
            if stored.contains(&id) {
                self.count("execucoes").already += 1;
                continue;
            }
            let proc_ref = ref_key(r.get("processo_id")).unwrap_or_default();
            let process_id = match processes.get(&proc_ref) {
                None => {
                    self.reject(
                        "execucoes",
                        &old,
                        what,
                        format!("O processo {proc_ref} não existe no banco antigo."),
                    );
                    continue;
                }
                Some(Target::Rejected) => {
                    self.reject(
                        "execucoes",
                        &old,
                        what,
                        "O processo desta execução foi recusado.",
                    );
                    continue;
                }
                Some(t) => t.id().expect("not rejected"),
            };
            let Some(kind) = status::execution_kind(&tipo) else {
                self.reject(
                    "execucoes",
                    &old,
                    what,
                    format!("Tipo desconhecido: \"{tipo}\"."),
                );
                continue;
            };
            let old_status = r.get("status_execucao").unwrap_or("").trim().to_string();
            let Some((st, was_open)) = status::execution_status(&old_status) else {
                self.reject(
                    "execucoes",
                    &old,
                    what,
                    format!("Situação desconhecida: \"{old_status}\"."),
                );
                continue;
            };
            let old_job = values::text(r.get("job_id"));
            // Our worker must never poll the old robot's job; a job id already stored
            // (or twice in the old table) stays only in the request, for the record.
            let job_id = old_job
                .clone()
                .filter(|j| !was_open && taken.insert(j.clone()));
            let started = values::timestamp(r.get("data_inicio"));
            let created = values::timestamp(r.get("data_criacao"))
                .or(started)
                .unwrap_or(self.now);
            let finished = values::timestamp(r.get("data_fim"));
            // A JSON column that is not JSON is kept as its text.
            let json = |c: &str| match values::json(r.get(c)) {
                Ok(v) => v,
                Err(_) => values::text(r.get(c)).map(serde_json::Value::String),
            };
            let details = json("detalhes_erro");
            let log = values::text(r.get("mensagem_log"));
            let failed = matches!(st, ExecutionStatus::Falhou | ExecutionStatus::Timeout);
            let error = if was_open {
                Some(format!(
                    "Em andamento no {ORIGIN} ({old_status}); não foi acompanhada depois da mudança."
                ))
            } else {
                details
                    .as_ref()
                    .and_then(|d| d.get("mensagem"))
                    .and_then(serde_json::Value::as_str)
                    .map(str::to_string)
                    .or_else(|| failed.then(|| log.clone()).flatten())
            };
            let at = finished.or(started).unwrap_or(created);
            let lines = log
                .as_deref()
                .unwrap_or("")
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .enumerate()
                .map(|(i, m)| LogLine {
                    seq: i as i64 + 1,
                    at,
                    level: if failed { "ERRO" } else { "INFO" }.into(),
                    message: m.to_string(),
                })
                .collect();
            let mut request = serde_json::Map::new();
            request.insert("origem".into(), ORIGIN.into());
            request.insert("job_id".into(), old_job.clone().into());
            request.insert("status_antigo".into(), old_status.clone().into());
            for (k, c) in [
                ("classe_rpa_utilizada", "classe_rpa_utilizada"),
                ("ip_origem", "ip_origem"),
                ("user_agent", "user_agent"),
            ] {
                if let Some(v) = values::text(r.get(c)) {
                    request.insert(k.into(), v.into());
                }
            }
            if let Some(v) = json("parametros_entrada") {
                request.insert("parametros_entrada".into(), redact(v));
            }
            let mut result = serde_json::Map::new();
            if let Some(v) = json("resultado_saida") {
                result.insert("resultado_saida".into(), redact(v));
            }
            if let Some(v) = values::text(r.get("url_arquivo_s3")) {
                result.insert("url_arquivo_s3".into(), v.into());
            }
            if let Some(v) = details {
                result.insert("detalhes_erro".into(), redact(v));
            }
            let (_, by) = self.person(r.get("executado_por_usuario_id"));
            let attempt = r
                .get("numero_tentativa")
                .and_then(|v| v.trim().parse::<i64>().ok())
                .filter(|n| *n >= 1)
                .unwrap_or(1);
            let e = Execution {
                id,
                process_id,
                kind,
                status: st,
                job_id,
                endpoint: None,
                request: Some(serde_json::Value::Object(request)),
                result: (!result.is_empty()).then_some(serde_json::Value::Object(result)),
                progress: if st == ExecutionStatus::Concluido {
                    100
                } else {
                    0
                },
                attempt,
                started_at: started,
                finished_at: finished.or(was_open.then_some(self.now)),
                error,
                error_class: None,
                triggered_by: by.unwrap_or_else(|| ORIGIN.into()),
                created_at: created,
                updated_at: self.now,
            };
            self.count("execucoes").to_create += 1;
            self.plan.executions.push((e, lines));
        }
    }

    /// `agendamentos`: a valid cron of a kind we run becomes a schedule; one the
    /// installation already has (same kind, cron and operator) is mapped onto it.
    fn plan_schedules(&mut self, keys: &LegacyKeys) {
        let stored: HashSet<Uuid> = keys.schedules.iter().map(|s| s.id).collect();
        let mut names: HashSet<String> = keys
            .schedules
            .iter()
            .map(|s| s.name.to_lowercase())
            .collect();
        let mut same: HashMap<(String, String, Option<Uuid>), String> = keys
            .schedules
            .iter()
            .map(|s| {
                (
                    (s.kind.clone(), s.cron.clone(), s.operator_id),
                    format!(
                        "o agendamento já cadastrado \"{}\" (mesmo tipo e horário)",
                        s.name
                    ),
                )
            })
            .collect();
        let snap = self.snap;
        for r in &snap.agendamentos {
            let old = id_text(r);
            let id = legacy_uuid("agendamentos", &old);
            let name: String = r
                .get("nome_agendamento")
                .unwrap_or("")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            let cron = r
                .get("cron_expressao")
                .unwrap_or("")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            let what = format!("{name} ({cron})");
            if stored.contains(&id) {
                self.count("agendamentos").already += 1;
                continue;
            }
            let tipo = r
                .get("tipo_agendamento")
                .unwrap_or("")
                .trim()
                .to_ascii_uppercase();
            let kind = match tipo.as_str() {
                "ENVIAR_RELATORIOS" => {
                    self.reject(
                        "agendamentos",
                        &old,
                        what,
                        "O novo sistema não envia relatórios por agendamento.",
                    );
                    continue;
                }
                "BACKUP_DADOS" => {
                    self.reject(
                        "agendamentos",
                        &old,
                        what,
                        "A cópia de segurança tem configuração própria (Configurações → Cópias de segurança).",
                    );
                    continue;
                }
                other => match ScheduleKind::parse(other) {
                    Some(k) if k.offered_in_editor() => k,
                    _ => {
                        self.reject(
                            "agendamentos",
                            &old,
                            what,
                            format!("Tipo de agendamento desconhecido: \"{tipo}\"."),
                        );
                        continue;
                    }
                },
            };
            if name.is_empty() || name.chars().count() > 100 {
                self.reject(
                    "agendamentos",
                    &old,
                    what,
                    "Nome vazio ou com mais de 100 caracteres.",
                );
                continue;
            }
            let next = match next_run(&cron, self.now) {
                Ok(t) => t,
                Err(reason) => {
                    self.reject("agendamentos", &old, what, reason);
                    continue;
                }
            };
            // The operator: the column some versions have, else parametros_execucao's
            // operadora_especifica (an operator's code).
            let params = values::json(r.get("parametros_execucao")).ok().flatten();
            if let Some(serde_json::Value::Object(m)) = &params {
                for k in m.keys().filter(|k| *k != "operadora_especifica") {
                    self.column_note(
                        "agendamentos",
                        format!("parametros_execucao.{k}"),
                        "parâmetro sem equivalente no novo sistema".into(),
                    );
                }
            }
            let by_column = ref_key(r.get("operadora_id")).map(|k| self.operators.get(&k).cloned());
            let by_code = params
                .as_ref()
                .and_then(|p| p.get("operadora_especifica"))
                .and_then(serde_json::Value::as_str)
                .map(|code| {
                    let code = code.trim().to_uppercase();
                    self.operator_by_code(&code)
                });
            let operator = match by_column.or(by_code) {
                None => None,
                Some(Some(t)) if t.id().is_some() => t.id(),
                Some(_) => {
                    self.reject(
                        "agendamentos",
                        &old,
                        what,
                        "A operadora deste agendamento não existe ou foi recusada.",
                    );
                    continue;
                }
            };
            if operator.is_some() && !kind.takes_operator() {
                self.reject(
                    "agendamentos",
                    &old,
                    what,
                    "Só os agendamentos de download são de uma operadora.",
                );
                continue;
            }
            let key = (kind.as_str().to_string(), cron.clone(), operator);
            if let Some(how) = same.get(&key).cloned() {
                self.map("agendamentos", &old, what, how);
                continue;
            }
            let mut name = name;
            if !names.insert(name.to_lowercase()) {
                let renamed = format!("{name} ({ORIGIN})");
                self.plan.report.warnings.push(format!(
                    "Já existe um agendamento chamado \"{name}\": o do {ORIGIN} entra como \"{renamed}\"."
                ));
                names.insert(renamed.to_lowercase());
                name = renamed;
            }
            let active = values::flag(r.get("status_ativo"), true);
            same.insert(
                key,
                format!("o agendamento \"{name}\" deste mesmo banco antigo"),
            );
            let s = Schedule {
                id,
                name,
                cron,
                kind,
                operator_id: operator,
                active,
                next_run_at: active.then_some(next),
                last_run_at: values::timestamp(r.get("ultima_execucao")),
                version: 1,
                created_at: values::timestamp(r.get("data_criacao")).unwrap_or(self.now),
                updated_at: self.now,
            };
            self.count("agendamentos").to_create += 1;
            self.plan.schedules.push(s);
        }
    }

    fn operator_by_code(&self, code: &str) -> Option<Target> {
        self.snap
            .operadoras
            .iter()
            .find(|o| {
                o.get("codigo")
                    .unwrap_or("")
                    .trim()
                    .eq_ignore_ascii_case(code)
            })
            .and_then(|o| self.operators.get(&id_text(o).to_lowercase()).cloned())
    }

    /// The old system's robot token, by its own priority: the first administrator of
    /// `users` with one, else the `.env`'s `API_EXTERNA_TOKEN`. Every other token found
    /// is listed as not imported; none is ever shown.
    fn plan_robot_token(&mut self) {
        let mut admins: Vec<(i64, String, String)> = Vec::new();
        let mut others = Vec::new();
        for r in &self.snap.users {
            let Some(token) = values::text(r.get("api_externa_token")) else {
                continue;
            };
            let who = values::text(r.get("username")).unwrap_or_else(|| id_text(r));
            if values::flag(r.get("is_admin"), false) {
                let order = id_text(r).parse::<i64>().unwrap_or(i64::MAX);
                admins.push((order, who, token));
            } else {
                others.push(format!(
                    "O token de {who} (users.api_externa_token): o sistema antigo usava só o de um administrador."
                ));
            }
        }
        admins.sort();
        let env_token = self.snap.env.as_ref().and_then(|e| e.robot_token.clone());
        let mut candidates = admins
            .into_iter()
            .map(|(_, who, token)| TokenCandidate {
                value: token,
                source: format!("users.api_externa_token de {who} (administrador)"),
            })
            .chain(env_token.map(|t| TokenCandidate {
                value: t,
                source: ".env (API_EXTERNA_TOKEN)".into(),
            }));
        self.plan.robot_token = candidates.next();
        for c in candidates {
            others.push(format!(
                "O token de {}: o sistema antigo usava antes o de {}.",
                c.source,
                self.plan
                    .robot_token
                    .as_ref()
                    .map(|t| t.source.as_str())
                    .unwrap_or("?")
            ));
        }
        for detail in others {
            self.plan.report.robot.push(RobotLine {
                what: "Outro token do robô",
                action: "não importado",
                detail,
            });
        }
        if let Some(env) = &self.snap.env {
            for k in &env.other_keys {
                let why = match k.as_str() {
                    "API_EXTERNA_USERNAME" | "API_EXTERNA_PASSWORD" => {
                        "o robô novo usa só o token".to_string()
                    }
                    k if k.starts_with("MINIO_") => "as faturas antigas ficam no armazenamento antigo; configure o novo em Configurações → Armazenamento".to_string(),
                    _ => "configuração do sistema antigo sem uso aqui".to_string(),
                };
                self.plan.report.robot.push(RobotLine {
                    what: "Chave do .env",
                    action: "não importado",
                    detail: format!("{k}: {why}."),
                });
            }
        }
    }

    /// Every column of the old database in the report: the catalogue's, the keys found
    /// inside JSON columns (added as they were met), and the columns it does not know.
    fn plan_columns(&mut self) {
        let mut lines = Vec::new();
        for t in schema::TABLES {
            if !self.snap.totals.contains_key(t.name) || t.not_imported.is_some() {
                continue;
            }
            lines.extend(schema::column_lines(t, &|c| self.snap.has(t.name, c)));
        }
        for (table, column) in &self.snap.unknown_columns {
            lines.push(ColumnLine::not_imported(
                table,
                column.clone(),
                "coluna que o importador não conhece (de uma versão do sistema antigo que não estava prevista)",
            ));
        }
        lines.append(&mut self.plan.report.columns);
        self.plan.report.columns = lines;
    }
}
