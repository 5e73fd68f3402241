//! The dry run: what each old row becomes (created, mapped onto something we already
//! have, already imported, or rejected with a pt-BR reason). Pure: the store's keys in,
//! the rows to write and the report out.
//!
//! Matching, in this order, so that a second run changes nothing:
//! 1. by id: old rows keep their UUID as our primary key (a non-UUID old id becomes a
//!    UUID derived from table and id, the same on every run), so "already imported"
//!    is "this id exists";
//! 2. by natural key: operator code or name, client HASH or account (CNPJ, operator,
//!    unit, service), user e-mail, process (client, month). Such rows are "mapped": the
//!    existing record is kept as it is and the old rows that point at it follow it.
//!
//! Users come from both `usuarios` and `users` (the old Flask-Login table), deduplicated
//! by e-mail (`usuarios` first: it has the name and the profile). `users` has no profile:
//! those people become OPERADOR, the least privilege.

use crate::source::{Row, Snapshot};
use crate::{password, status, values};
use brm_core::client::{Client, ClientInput};
use brm_core::execution::{Execution, ExecutionStatus, LogLine};
use brm_core::operator::{name_key, Operator, OperatorInput};
use brm_core::process::{Process, ProcessStatus};
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
    pub to_create: usize,
    pub to_map: usize,
    pub already: usize,
    pub rejected: usize,
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

/// The robot service's address and token from the old `.env` (filled by the service,
/// which knows the keyring and the settings).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RobotLine {
    pub what: &'static str,
    /// "criar", "igual" (already so), "manter" (ours differs and stays), "rejeitado".
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

/// Plans operators, users and clients; then [`Planner::probe`] says which processes
/// and executions to look up and [`Planner::finish`] plans those.
pub struct Planner<'a> {
    snap: &'a Snapshot,
    now: DateTime<Utc>,
    plan: Plan,
    counts: BTreeMap<&'static str, TableCount>,
    operators: HashMap<String, Target>,
    users: HashMap<String, Option<Uuid>>,
    /// Old client id → (target, its operator).
    clients: HashMap<String, (Target, Option<Uuid>)>,
}

const TABLES: [(&str, &str); 6] = [
    ("operadoras", "Operadoras"),
    ("usuarios", "Usuários (usuarios)"),
    ("users", "Usuários antigos (users)"),
    ("clientes", "Clientes"),
    ("processos", "Processos"),
    ("execucoes", "Execuções"),
];

impl<'a> Planner<'a> {
    pub fn new(snap: &'a Snapshot, keys: &LegacyKeys, now: DateTime<Utc>) -> Self {
        let mut p = Planner {
            snap,
            now,
            plan: Plan::default(),
            counts: TABLES
                .iter()
                .map(|(t, l)| {
                    (
                        *t,
                        TableCount {
                            table: t,
                            label: l,
                            ..Default::default()
                        },
                    )
                })
                .collect(),
            operators: HashMap::new(),
            users: HashMap::new(),
            clients: HashMap::new(),
        };
        p.plan.report.warnings = snap.warnings.clone();
        p.plan_operators(keys);
        p.plan_users(keys);
        p.plan_clients(keys);
        p
    }

    fn count(&mut self, table: &'static str) -> &mut TableCount {
        self.counts.get_mut(table).expect("known table")
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
            let int = |c: &str| r.get(c).and_then(|v| v.trim().parse::<i64>().ok());
            let input = OperatorInput {
                name: name.clone(),
                code: r.get("codigo").unwrap_or("").trim().to_uppercase(),
                has_rpa: values::flag(r.get("possui_rpa"), true),
                rpa_outsourced: values::flag(r.get("rpa_terceirizado"), false),
                rpa_endpoint_url: values::text(r.get("url_endpoint_rpa")),
                portal_url: values::text(r.get("url_portal")),
                access_instructions: values::text(r.get("instrucoes_acesso")),
                timeout_secs: int("timeout"),
                max_attempts: int("max_tentativas"),
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
            let at = values::timestamp(r.get("criado_em")).unwrap_or(self.now);
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
                active: values::flag(r.get("ativo"), true),
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

    fn plan_users(&mut self, keys: &LegacyKeys) {
        let by_id: HashSet<Uuid> = keys.users.iter().map(|u| u.id).collect();
        let mut by_email: HashMap<String, (Uuid, String)> = keys
            .users
            .iter()
            .map(|u| {
                (
                    u.email.clone(),
                    (
                        u.id,
                        "o usuário já cadastrado com este e-mail (a senha dele continua a atual)"
                            .to_string(),
                    ),
                )
            })
            .collect();
        let rows: Vec<(&'static str, &Row)> = self
            .snap
            .usuarios
            .iter()
            .map(|r| ("usuarios", r))
            .chain(self.snap.users.iter().map(|r| ("users", r)))
            .collect();
        for (table, r) in rows {
            let old = id_text(r);
            let id = legacy_uuid(table, &old);
            let email = normalize_email(r.get("email").unwrap_or(""));
            let name = match table {
                "usuarios" => values::text(r.get("nome")),
                _ => values::text(r.get("username")),
            }
            .unwrap_or_else(|| email.split('@').next().unwrap_or("").to_string());
            let what = format!("{name} <{email}>");
            let key = old.to_lowercase();
            if by_id.contains(&id) {
                self.count(table).already += 1;
                self.users.insert(key, Some(id));
                continue;
            }
            if !is_plausible_email(&email) {
                self.reject(table, &old, what, "E-mail inválido.");
                self.users.insert(key, None);
                continue;
            }
            if let Some((target, how)) = by_email.get(&email).cloned() {
                self.map(table, &old, what, how);
                self.users.insert(key, Some(target));
                continue;
            }
            let hash_col = if table == "usuarios" {
                "senha_hash"
            } else {
                "password"
            };
            let Some(marked) = password::mark(r.get(hash_col).unwrap_or("")) else {
                self.reject(
                    table,
                    &old,
                    what,
                    "Senha em formato desconhecido (esperado: 64 caracteres de sal e o PBKDF2-SHA512 em hexadecimal). Cadastre este usuário à mão.",
                );
                self.users.insert(key, None);
                continue;
            };
            let role = if table == "usuarios" {
                match role(r.get("perfil").unwrap_or("")) {
                    Some(role) => role,
                    None => {
                        let perfil = r.get("perfil").unwrap_or("").trim().to_string();
                        self.reject(
                            table,
                            &old,
                            what,
                            format!("Perfil desconhecido: \"{perfil}\" (esperado admin, aprovador ou operador)."),
                        );
                        self.users.insert(key, None);
                        continue;
                    }
                }
            } else {
                Role::Operador
            };
            let at = values::timestamp(r.get("criado_em")).unwrap_or(self.now);
            let user = User {
                id,
                full_name: name,
                email: email.clone(),
                phone: None,
                role,
                active: values::flag(r.get("ativo"), true),
                password_hash: marked,
                failed_logins: 0,
                locked_until: None,
                last_login_at: None,
                created_at: at,
                updated_at: self.now,
            };
            by_email.insert(
                email,
                (
                    id,
                    format!("a mesma pessoa na tabela {table} (mesmo e-mail)"),
                ),
            );
            self.count(table).to_create += 1;
            self.users.insert(key, Some(id));
            self.plan.users.push(user);
        }
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
                hash: values::text(r.get("hash")),
                legal_name: what.clone(),
                sat_name: values::text(r.get("nome_sat")),
                cnpj: r.get("cnpj").unwrap_or("").to_string(),
                operator_id: Some(operator_id),
                account_filter: values::text(r.get("filtro")),
                service: values::text(r.get("servico")),
                sat_data: values::text(r.get("dados_sat")),
                unit: values::text(r.get("unidade")),
                sat_category: values::text(r.get("categoria_sat")),
                issue_site_url: values::text(r.get("site_emissao")),
                portal_login: values::text(r.get("login_portal")),
                portal_password: r
                    .get("senha_portal")
                    .filter(|s| !s.trim().is_empty())
                    .map(str::to_string),
                clear_portal_password: false,
                cpf: values::text(r.get("cpf")),
                notes: values::text(r.get("observacoes")),
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
            let at = values::timestamp(r.get("criado_em")).unwrap_or(self.now);
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
                active: values::flag(r.get("ativo"), true),
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

    /// Plans processes and executions with the keys [`Planner::probe`] asked for.
    pub fn finish(mut self, keys: &LegacyKeys) -> Plan {
        let processes = self.plan_processes(keys);
        self.plan_executions(keys, &processes);
        let mut plan = self.plan;
        plan.report.tables = self.counts.into_values().collect();
        plan.report
            .tables
            .sort_by_key(|t| TABLES.iter().position(|(n, _)| *n == t.table));
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
        // Of two old processes of one client and month, the one created first is kept.
        let snap = self.snap;
        let mut rows: Vec<&Row> = snap.processos.iter().collect();
        rows.sort_by_cached_key(|r| (values::timestamp(r.get("criado_em")), id_text(r)));
        for r in rows {
            let old = id_text(r);
            let key = old.to_lowercase();
            let id = legacy_uuid("processos", &old);
            let mes_ano = r.get("mes_ano").unwrap_or("").trim().to_string();
            let client_ref = ref_key(r.get("cliente_id")).unwrap_or_default();
            let client = self.clients.get(&client_ref).cloned();
            let client_name = self
                .snap
                .clientes
                .iter()
                .find(|c| id_text(c).to_lowercase() == client_ref)
                .and_then(|c| c.get("razao_social"))
                .unwrap_or("?")
                .trim()
                .to_string();
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
                    fail(self, "O cliente deste processo foi rejeitado.".into());
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
            let old_status = r.get("status").unwrap_or("").trim().to_string();
            let Some(mapped) = status::process_status(&old_status) else {
                fail(self, format!("Situação desconhecida: \"{old_status}\"."));
                continue;
            };
            let Ok(amount) = values::cents(r.get("valor")) else {
                let v = r.get("valor").unwrap_or("").to_string();
                fail(self, format!("Valor inválido: \"{v}\"."));
                continue;
            };
            let Ok(due) = values::date(r.get("vencimento")) else {
                let v = r.get("vencimento").unwrap_or("").to_string();
                fail(self, format!("Vencimento inválido: \"{v}\"."));
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
            let user =
                |col: &str| ref_key(r.get(col)).and_then(|u| self.users.get(&u).copied().flatten());
            let created_by = user("criado_por");
            let approved = matches!(
                mapped.status,
                ProcessStatus::AguardandoEnvioSat | ProcessStatus::UploadRealizado
            );
            let created_at = values::timestamp(r.get("criado_em")).unwrap_or(self.now);
            let changed_at = values::timestamp(r.get("atualizado_em")).unwrap_or(created_at);
            let mut p =
                Process::new_for(client_id, operator_id, month, created_by, false, self.now);
            p.id = id;
            p.status = mapped.status;
            p.needs_attention = mapped.needs_attention;
            p.amount_cents = amount;
            p.due_date = due;
            p.approved_by = if approved { user("aprovado_por") } else { None };
            p.approved_at = if approved {
                values::timestamp(r.get("aprovado_em"))
            } else {
                None
            };
            p.sent_to_sat = mapped.sent_to_sat;
            p.sent_at = mapped.sent_to_sat.then_some(changed_at);
            if mapped.rejected {
                p.last_rejection_reason = Some("Rejeitada no sistema antigo.".into());
            }
            let origin = format!("Importado do {ORIGIN} (status {old_status}).");
            p.notes = Some(match values::text(r.get("observacoes")) {
                Some(n) => format!("{n}\n{origin}"),
                None => origin,
            });
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
        for r in &self.snap.execucoes {
            let old = id_text(r);
            let id = legacy_uuid("execucoes", &old);
            let tipo = r.get("tipo").unwrap_or("").trim().to_string();
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
                        "O processo desta execução foi rejeitado.",
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
            let old_status = r.get("status").unwrap_or("").trim().to_string();
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
            let started = values::timestamp(r.get("iniciado_em"));
            let created = values::timestamp(r.get("criado_em"))
                .or(started)
                .unwrap_or(self.now);
            let finished = values::timestamp(r.get("finalizado_em"));
            let error = if was_open {
                Some(format!(
                    "Em andamento no sistema antigo ({old_status}); não foi acompanhada depois da mudança."
                ))
            } else {
                values::text(r.get("erro"))
            };
            let at = started.unwrap_or(created);
            let lines = r
                .get("logs")
                .unwrap_or("")
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .enumerate()
                .map(|(i, m)| LogLine {
                    seq: i as i64 + 1,
                    at,
                    level: "INFO".into(),
                    message: m.to_string(),
                })
                .collect();
            let e = Execution {
                id,
                process_id,
                kind,
                status: st,
                job_id,
                endpoint: None,
                request: Some(serde_json::json!({
                    "origem": ORIGIN,
                    "job_id": old_job,
                    "status_antigo": old_status,
                })),
                result: None,
                progress: if st == ExecutionStatus::Concluido {
                    100
                } else {
                    0
                },
                attempt: 1,
                started_at: started,
                finished_at: finished.or(was_open.then_some(self.now)),
                error,
                error_class: None,
                triggered_by: ORIGIN.into(),
                created_at: created,
                updated_at: self.now,
            };
            self.count("execucoes").to_create += 1;
            self.plan.executions.push((e, lines));
        }
    }
}

/// The old `usuarios.perfil` to our role; `None` for a profile we do not know (never
/// guessed: a wrong guess could grant approval).
pub fn role(perfil: &str) -> Option<Role> {
    match perfil.trim().to_lowercase().as_str() {
        "admin" | "administrador" | "adm" | "administrator" => Some(Role::Administrador),
        "aprovador" | "gestor" | "approver" => Some(Role::Aprovador),
        "operador" | "usuario" | "usuário" | "user" | "operator" => Some(Role::Operador),
        _ => None,
    }
}
