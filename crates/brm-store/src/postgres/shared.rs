//! Shared mode's database side (issue 17): "Preparar o banco compartilhado", the step an
//! administrator runs once per version with the owner's credentials, and what the desk
//! needs to talk to the functions it installs (SCRAM verifiers, person role names, the
//! functions' refusals as the desk's errors).
//!
//! The rules themselves live in `migrations/postgres-shared/`: profile roles, grants,
//! the guards on processes and the audit trail, and the SECURITY DEFINER functions that
//! decide (approve, reject, cancel, typed values, settings, people) checking
//! `session_user`. A desktop's ordinary start never applies them.

use super::MIGRATOR;
use crate::{StoreError, StoreResult};
use brm_core::{Error, ErrorCode, FieldError};
use chrono::{DateTime, Utc};
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPoolOptions};
use sqlx::{Connection, PgPool, Row};
use uuid::Uuid;

/// The shared-mode SQL by version, applied in order after the ordinary migrations.
pub const SHARED_SQL: &[(i32, &str, &str)] = &[
    (
        1,
        "perfis, permissões e guardas",
        include_str!("../../../../migrations/postgres-shared/0001_profiles_grants_guards.sql"),
    ),
    (
        2,
        "versões legíveis por todos os perfis",
        include_str!("../../../../migrations/postgres-shared/0002_versions_readable.sql"),
    ),
    (
        3,
        "fatura sem valor lido não é aprovada",
        include_str!("../../../../migrations/postgres-shared/0003_no_approval_without_amount.sql"),
    ),
    (
        4,
        "mês, CNPJ e conta da fatura nas verificações",
        include_str!("../../../../migrations/postgres-shared/0004_invoice_identity.sql"),
    ),
    (
        5,
        "máquinas robô e as senhas seladas para elas",
        include_str!("../../../../migrations/postgres-shared/0005_robot_machines.sql"),
    ),
    (
        6,
        "fila de e-mails e preferências de cada pessoa",
        include_str!("../../../../migrations/postgres-shared/0006_email.sql"),
    ),
];

/// The profile roles, as the SQL creates them: (the desk's role, PostgreSQL's role).
pub const PROFILE_ROLES: [(&str, &str); 3] = [
    ("ADMINISTRADOR", "brm_administrador"),
    ("APROVADOR", "brm_aprovador"),
    ("OPERADOR", "brm_operador"),
];

/// The robot machines' group role (`brm-desk worker`).
pub const ROBOT_ROLE: &str = "brm_robo";

/// What a preparation did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    /// The role that owns the tables and ran the step.
    pub owner: String,
    /// Versions applied now, and the ones found applied already.
    pub applied: Vec<i32>,
    pub already: Vec<i32>,
}

/// The PostgreSQL role of a person: `brm_u_` and 20 hex digits of the md5 of
/// "database:e-mail" (the e-mail trimmed, in lower case), as the SQL's `brm_person_role`
/// (kept in step by a test). Found from what the login screen is typed, with no lookup;
/// the database in it keeps two BRM databases of one server apart (role names are the
/// server's).
pub fn person_role(database: &str, email: &str) -> String {
    use md5::{Digest, Md5};
    let text = format!("{database}:{}", email.trim().to_lowercase());
    let hex: String = Md5::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("brm_u_{}", &hex[..20])
}

/// The login the desk uses before a person's own: it may only ask whether an account is
/// locked and count a failed attempt. Its password is the product's own constant, in the
/// README: it opens nothing else.
pub const ENTRY_ROLE: &str = "brm_entrada";
pub const ENTRY_PASSWORD: &str = "brm_entrada";

/// The connection options of a desk whose people log in as themselves: a PostgreSQL URL
/// whose user is the entry login (Configurações → Banco de dados, "Cada pessoa entra com
/// o próprio login do banco", writes it so). `None` for any other URL.
pub fn person_login_options(url: &str) -> Option<PgConnectOptions> {
    if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        return None;
    }
    let options: PgConnectOptions = url.parse().ok()?;
    (options.get_username() == ENTRY_ROLE).then(|| options.password(ENTRY_PASSWORD))
}

/// True on a database "Preparar o banco compartilhado" prepared, reached by a login that
/// is not (a member of) the tables' owner: such a login may not migrate, and need not.
pub async fn is_prepared_for_others(pool: &PgPool) -> StoreResult<bool> {
    Ok(sqlx::query_scalar(
        "SELECT to_regclass('public.brm_shared_versions') IS NOT NULL
            AND NOT pg_has_role(current_user,
                                (SELECT relowner FROM pg_class WHERE oid = to_regclass('public.users')),
                                'MEMBER')",
    )
    .fetch_one(pool)
    .await?)
}

/// A login that does not own the database checks that the owner prepared it for this
/// version of the app (its migrations and these rules): otherwise a clear pt-BR refusal
/// naming the step, instead of a missing column later.
pub async fn check_prepared_version(pool: &PgPool) -> StoreResult<()> {
    let (migration, shared): (Option<i64>, Option<i32>) = sqlx::query_as(
        "SELECT (SELECT max(version) FROM _sqlx_migrations WHERE success),
                (SELECT max(version) FROM brm_shared_versions)",
    )
    .fetch_one(pool)
    .await?;
    let app_migration = MIGRATOR.iter().map(|m| m.version).max();
    let app_shared = SHARED_SQL.iter().map(|(v, _, _)| *v).max();
    if migration < app_migration || shared < app_shared {
        return Err(StoreError::Unavailable(
            "O banco compartilhado foi preparado para uma versão anterior deste aplicativo. \
             Peça ao administrador do banco para rodar \"brm-desk preparar-banco\" com a versão nova."
                .into(),
        ));
    }
    Ok(())
}

/// Who a person's login is, as the database says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Whoami {
    pub id: Uuid,
    pub full_name: String,
    pub email: String,
    pub role: String,
}

/// How a login through the shared database went.
#[derive(Debug)]
pub enum PersonLogin {
    /// Connected as the person (their own pool), and who they are.
    Ok(PgPool, Whoami),
    /// Unknown e-mail, wrong password or an inactive person: one answer for all.
    Invalid,
    /// Locked after too many failures, until then.
    Locked(DateTime<Utc>),
}

/// Logs a person in: the gate (locked?), then a connection as their own role with their
/// password (SCRAM; over TLS as `options` says), counting a failure through the gate.
/// `options` carries host, port, database and TLS; the user and password are set here.
pub async fn login_person(
    options: &PgConnectOptions,
    email: &str,
    password: &str,
    max_connections: u32,
) -> StoreResult<PersonLogin> {
    let entry = PgConnectOptions::clone(options)
        .username(ENTRY_ROLE)
        .password(ENTRY_PASSWORD);
    let mut gate = PgConnection::connect_with(&entry).await.map_err(|e| {
        StoreError::Unavailable(format!(
            "não foi possível conectar ao banco compartilhado: {e}"
        ))
    })?;
    let locked: Option<DateTime<Utc>> = sqlx::query_scalar("SELECT brm_login_gate($1)")
        .bind(email)
        .fetch_one(&mut gate)
        .await?;
    if let Some(until) = locked {
        return Ok(PersonLogin::Locked(until));
    }
    let database = options.get_database().unwrap_or("postgres");
    let mine = PgConnectOptions::clone(options)
        .username(&person_role(database, email))
        .password(password);
    let pool = PgPoolOptions::new()
        .max_connections(max_connections)
        .connect_with(mine)
        .await;
    let pool = match pool {
        Ok(p) => p,
        Err(e) if is_refused_login(&e) => {
            let locked: Option<DateTime<Utc>> = sqlx::query_scalar("SELECT brm_login_failed($1)")
                .bind(email)
                .fetch_one(&mut gate)
                .await?;
            return Ok(match locked {
                Some(until) => PersonLogin::Locked(until),
                None => PersonLogin::Invalid,
            });
        }
        Err(e) => {
            return Err(StoreError::Unavailable(format!(
                "não foi possível conectar ao banco compartilhado: {e}"
            )))
        }
    };
    let _ = gate.close().await;
    check_prepared_version(&pool).await?;
    let row = sqlx::query("SELECT id, full_name, email, role FROM brm_login_succeeded()")
        .fetch_one(&pool)
        .await?;
    Ok(PersonLogin::Ok(
        pool,
        Whoami {
            id: row.try_get("id")?,
            full_name: row.try_get("full_name")?,
            email: row.try_get("email")?,
            role: row.try_get("role")?,
        },
    ))
}

/// PostgreSQL's refusals of a login: a failed password (28P01, also an unknown role,
/// which SCRAM answers the same way) and a role that may not log in (28000: NOLOGIN).
fn is_refused_login(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .and_then(|d| d.code())
        .is_some_and(|c| c == "28P01" || c == "28000")
}

/// The SCRAM-SHA-256 verifier PostgreSQL stores for `password` (random salt, 4096
/// iterations, SASLprep as libpq does): what travels to the server instead of the
/// password when a person role is created or its password changed.
pub fn scram_verifier(password: &str) -> String {
    postgres_protocol::password::scram_sha_256(password.as_bytes())
}

/// Checks that the connection is the owner the step needs, then applies the ordinary
/// migrations and every shared-mode version not applied yet, each in its own transaction.
pub async fn prepare(pool: &PgPool) -> StoreResult<Prepared> {
    let owner = check_owner(pool).await?;
    MIGRATOR.run(pool).await?;
    sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS brm_shared_versions (
             version     integer PRIMARY KEY,
             description text NOT NULL,
             applied_at  timestamptz NOT NULL DEFAULT now(),
             applied_by  text NOT NULL DEFAULT current_user
         );
         REVOKE ALL ON brm_shared_versions FROM PUBLIC;",
    )
    .execute(pool)
    .await?;
    let done: Vec<i32> = sqlx::query_scalar("SELECT version FROM brm_shared_versions")
        .fetch_all(pool)
        .await?;
    let mut report = Prepared {
        owner,
        applied: Vec::new(),
        already: Vec::new(),
    };
    for (version, description, sql) in SHARED_SQL {
        if done.contains(version) {
            report.already.push(*version);
            continue;
        }
        let mut tx = pool.begin().await?;
        sqlx::raw_sql(sql).execute(&mut *tx).await?;
        sqlx::query("INSERT INTO brm_shared_versions (version, description) VALUES ($1, $2)")
            .bind(version)
            .bind(description)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "SELECT brm_audit(NULL, 'Preparação do banco compartilhado', 'PREPARAR_BANCO', 'banco',
                              NULL, NULL, jsonb_build_object('versao', $1::int), NULL, $2)",
        )
        .bind(version)
        .bind(format!("Versão {version} aplicada: {description}."))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        report.applied.push(*version);
    }
    Ok(report)
}

/// The owner must own the database, create roles (person roles are created by its
/// functions), end other sessions (deactivation) and not be a superuser (its functions
/// run with its rights: a superuser's would bypass every guard).
async fn check_owner(pool: &PgPool) -> StoreResult<String> {
    let row = sqlx::query(
        "SELECT current_user::text AS me, r.rolsuper, r.rolcreaterole,
                pg_has_role(current_user, 'pg_signal_backend', 'MEMBER') AS signal,
                pg_get_userbyid(d.datdba)::text AS db_owner
         FROM pg_roles r, pg_database d
         WHERE r.rolname = current_user AND d.datname = current_database()",
    )
    .fetch_one(pool)
    .await?;
    let me: String = row.try_get("me")?;
    let refuse = |m: String| Err(StoreError::Refused(Error::new(ErrorCode::Forbidden, m)));
    if row.try_get::<bool, _>("rolsuper")? {
        return refuse(format!(
            "\"{me}\" é superusuário: prepare o banco com o papel dono (sem SUPERUSER), que as funções do banco usam; veja o README."
        ));
    }
    let db_owner: String = row.try_get("db_owner")?;
    if db_owner != me {
        return refuse(format!(
            "O banco pertence a \"{db_owner}\", não a \"{me}\": prepare-o com o papel dono do banco."
        ));
    }
    if !row.try_get::<bool, _>("rolcreaterole")? {
        return refuse(format!(
            "\"{me}\" não tem CREATEROLE: sem ele o banco não cria o acesso de cada pessoa (ALTER ROLE {me} CREATEROLE, como administrador do PostgreSQL)."
        ));
    }
    if !row.try_get::<bool, _>("signal")? {
        return refuse(format!(
            "\"{me}\" não é membro de pg_signal_backend: sem ele, desativar uma pessoa não encerra as conexões dela (GRANT pg_signal_backend TO {me}, como administrador do PostgreSQL)."
        ));
    }
    Ok(me)
}

/// A refusal of the shared database (a function's own SQLSTATE, or a privilege the login
/// lacks) as the desk's error; `None` for any other failure.
pub fn refusal(e: &sqlx::Error) -> Option<Error> {
    let db = e.as_database_error()?;
    let message = db.message().to_string();
    match db.code().as_deref()? {
        "BR404" => Some(Error::new(ErrorCode::NotFound, message)),
        "BR409" => Some(Error::new(ErrorCode::Conflict, message)),
        "BR422" => {
            let (field, text) = match message.split_once(": ") {
                Some((f, t)) if !f.contains(' ') => (f.to_string(), t.to_string()),
                _ => (String::new(), message.clone()),
            };
            Some(Error::validation(vec![FieldError {
                field,
                message: text,
            }]))
        }
        // PostgreSQL's own "permission denied for table …" is English and names tables:
        // said in pt-BR; the functions' own refusals already are.
        "42501" if message.starts_with("permission denied") || message.starts_with("must be") => {
            Some(Error::new(
                ErrorCode::Forbidden,
                "O banco compartilhado recusou: o seu perfil não permite esta operação.",
            ))
        }
        "42501" => Some(Error::new(ErrorCode::Forbidden, message)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifier_has_postgres_format() {
        let v = scram_verifier("senha-muito-segura-1");
        assert!(v.starts_with("SCRAM-SHA-256$4096:"), "{v}");
        assert_ne!(
            v,
            scram_verifier("senha-muito-segura-1"),
            "a new salt each time"
        );
        assert!(!v.contains("senha"));
    }

    #[test]
    fn only_the_entry_login_means_personal_logins() {
        let o = person_login_options(
            "postgres://brm_entrada@db.escritorio:5432/brm?sslmode=verify-full",
        )
        .expect("entry login");
        assert_eq!(o.get_host(), "db.escritorio");
        assert_eq!(o.get_database(), Some("brm"));
        assert!(person_login_options("postgres://brm:x@db.escritorio/brm").is_none());
        assert!(person_login_options("sqlite:/tmp/x.db").is_none());
    }

    #[test]
    fn person_role_is_the_emails_digest() {
        // Against PostgreSQL's own brm_person_role: tests/shared_people.rs. Here: trimmed,
        // lower case, 26 characters (PostgreSQL's limit is 63).
        let r = person_role("brm", " Ana@BEG.com.br ");
        assert_eq!(r, person_role("brm", "ana@beg.com.br"));
        assert_ne!(r, person_role("brm_teste", "ana@beg.com.br"));
        assert_eq!(r.len(), 26);
        assert!(r.starts_with("brm_u_"));
    }
}
