//! First run, login, logout and the role gate every other use case passes through.

use crate::password;
use crate::sessions::Session;
use crate::Desk;
use brm_core::audit::{action, Actor, AuditEvent};
use brm_core::user::{
    normalize_email, NewAdminInput, User, UserView, LOCKOUT_MINUTES, MAX_FAILED_LOGINS,
};
use brm_core::{Error, ErrorCode, Result, Role};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use uuid::Uuid;

const ENTITY: &str = "usuario";
/// The audit action when a migrated user's legacy hash becomes argon2id.
pub const CONVERTER_SENHA_LEGADA: &str = "CONVERTER_SENHA_LEGADA";

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SetupStatus {
    /// No user exists: the window shows "Criar administrador" instead of the login.
    pub needs_admin: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct LoginOutput {
    pub token: String,
    pub user: UserView,
}

fn invalid_credentials() -> Error {
    Error::new(ErrorCode::InvalidCredentials, "E-mail ou senha inválidos.")
}

fn local_hhmm(at: DateTime<Utc>) -> String {
    at.with_timezone(&chrono::Local).format("%H:%M").to_string()
}

fn locked_error(until: DateTime<Utc>) -> Error {
    Error::new(
        ErrorCode::AccountLocked,
        format!(
            "Conta bloqueada por excesso de tentativas. Tente novamente após as {}.",
            local_hhmm(until)
        ),
    )
}

impl Desk {
    pub async fn setup_status(&self) -> Result<SetupStatus> {
        if self.person_logins.is_some() {
            // The shared database's first administrator is made by "Preparar o banco
            // compartilhado"; before a login this desk may read nothing there.
            return Ok(SetupStatus { needs_admin: false });
        }
        Ok(SetupStatus {
            needs_admin: self.store.count_users().await? == 0,
        })
    }

    /// Creates the one administrator that opens a new installation. Refused once any
    /// user exists, so it cannot become a back door later.
    pub async fn create_first_admin(&self, input: NewAdminInput) -> Result<UserView> {
        let valid = input.validate()?;
        if self.store.count_users().await? > 0 {
            return Err(already_initialized());
        }
        let password_hash = password::hash(valid.password).await?;
        let now = self.clock.now();
        let user = User {
            id: Uuid::new_v4(),
            full_name: valid.full_name,
            email: valid.email,
            phone: None,
            role: Role::Administrador,
            active: true,
            password_hash,
            failed_logins: 0,
            locked_until: None,
            last_login_at: None,
            created_at: now,
            updated_at: now,
        };
        let view = UserView::from(&user);
        let event = AuditEvent::new(
            now,
            Actor::user(user.id, &user.full_name),
            action::CRIAR,
            ENTITY,
        )
        .on(user.id)
        .change(
            None,
            Some(serde_json::to_value(&view).map_err(Error::internal)?),
        )
        .detail("primeiro administrador");
        if !self.store.create_first_admin(&user, &event).await? {
            return Err(already_initialized());
        }
        tracing::info!(user = %user.id, "first administrator created");
        Ok(view)
    }

    pub async fn login(&self, email: &str, password: String) -> Result<LoginOutput> {
        let email = normalize_email(email);
        if email.is_empty() || password.is_empty() {
            return Err(Error::validation(vec![]).with_message("Informe e-mail e senha."));
        }
        if self.person_logins.is_some() {
            return self.login_as_person(&email, password).await;
        }
        let now = self.clock.now();
        let Some(user) = self.store.user_by_email(&email).await? else {
            // Same work and same answer as a wrong password: no hint that the e-mail is
            // unknown.
            password::verify_decoy(password).await?;
            let event =
                AuditEvent::new(now, Actor::anonymous(&email), action::LOGIN_FALHOU, ENTITY)
                    .detail("e-mail não cadastrado");
            self.store.append_audit(&event).await?;
            return Err(invalid_credentials());
        };
        let actor = Actor::user(user.id, &user.full_name);

        if let Some(until) = user.locked_until.filter(|u| *u > now) {
            let event = AuditEvent::new(now, actor, action::LOGIN_FALHOU, ENTITY)
                .on(user.id)
                .detail("conta bloqueada");
            self.store.append_audit(&event).await?;
            return Err(locked_error(until));
        }

        // A user moved in from the old system still has its old hash (PBKDF2 of users or
        // Werkzeug's of usuarios, marked legacy) until this first successful login
        // replaces it with argon2id below.
        let legacy_hash = brm_legacy::password::is_legacy(&user.password_hash);
        let verified = if legacy_hash {
            let (pw, stored) = (password.clone(), user.password_hash.clone());
            tokio::task::spawn_blocking(move || brm_legacy::password::verify(&pw, &stored))
                .await
                .map_err(Error::internal)?
        } else {
            password::verify(password.clone(), user.password_hash.clone()).await?
        };
        if !verified {
            let lock_until = now + Duration::minutes(LOCKOUT_MINUTES);
            let failure = AuditEvent::new(now, actor.clone(), action::LOGIN_FALHOU, ENTITY)
                .on(user.id)
                .detail("senha incorreta");
            let lockout = AuditEvent::new(now, actor, action::CONTA_BLOQUEADA, ENTITY)
                .on(user.id)
                .detail(format!(
                    "{MAX_FAILED_LOGINS} tentativas erradas; bloqueada por {LOCKOUT_MINUTES} minutos"
                ));
            let outcome = self
                .store
                .record_login_failure(
                    user.id,
                    now,
                    MAX_FAILED_LOGINS,
                    lock_until,
                    &failure,
                    &lockout,
                )
                .await?;
            if outcome.locked_now {
                tracing::warn!(user = %user.id, "account locked after failed logins");
                return Err(locked_error(lock_until));
            }
            return Err(invalid_credentials());
        }

        if !user.active {
            let event = AuditEvent::new(now, actor, action::LOGIN_FALHOU, ENTITY)
                .on(user.id)
                .detail("usuário desativado");
            self.store.append_audit(&event).await?;
            return Err(Error::new(
                ErrorCode::Forbidden,
                "Este usuário está desativado. Procure um administrador.",
            ));
        }

        let mut stored_hash = user.password_hash.clone();
        if legacy_hash {
            if let Some(new_hash) = self.upgrade_legacy_hash(&user, &actor, password, now).await {
                stored_hash = new_hash;
            }
        }
        let event = AuditEvent::new(now, actor, action::LOGIN_OK, ENTITY).on(user.id);
        self.store
            .record_login_success(user.id, now, &event)
            .await?;
        let view = UserView::from(&user);
        let token = self.sessions.open(view.clone(), now, &stored_hash);
        Ok(LoginOutput { token, user: view })
    }

    /// Replaces a legacy hash that just verified with argon2id, audited; the hash now
    /// stored when it did. A failure here does not fail the login (the password was
    /// right); the next login tries again.
    async fn upgrade_legacy_hash(
        &self,
        user: &User,
        actor: &Actor,
        password: String,
        now: DateTime<Utc>,
    ) -> Option<String> {
        let new_hash = match password::hash(password).await {
            Ok(h) => h,
            Err(e) => {
                tracing::warn!(user = %user.id, error = %e.message, "legacy hash not upgraded");
                return None;
            }
        };
        let event = AuditEvent::new(now, actor.clone(), CONVERTER_SENHA_LEGADA, ENTITY)
            .on(user.id)
            .detail(format!(
                "senha do sistema antigo ({}) convertida para argon2id no primeiro acesso",
                brm_legacy::password::scheme(&user.password_hash).unwrap_or("formato antigo")
            ));
        match self
            .store
            .replace_password_hash(user.id, &user.password_hash, &new_hash, &event)
            .await
        {
            Ok(true) => {
                tracing::info!(user = %user.id, "legacy password hash upgraded to argon2id");
                Some(new_hash)
            }
            // Another desktop converted it first: its hash is the one stored now.
            Ok(false) => self
                .store
                .user_by_id(user.id)
                .await
                .ok()
                .flatten()
                .map(|u| u.password_hash),
            Err(e) => {
                tracing::warn!(user = %user.id, error = %e, "legacy hash not upgraded");
                None
            }
        }
    }

    /// On the shared database with personal logins: PostgreSQL checks the password
    /// (SCRAM, the person's own role), the database keeps the failure count and the lock
    /// (brm_login_gate / brm_login_failed) and audits the login; the desk's store then
    /// runs on that person's connection. One person per desk: whoever was logged in here
    /// is logged out first.
    async fn login_as_person(&self, email: &str, password: String) -> Result<LoginOutput> {
        use brm_store::postgres::shared::PersonLogin;
        let Some(person) = &self.person_logins else {
            return Err(Error::internal("no personal logins on this desk"));
        };
        match crate::shared_login::login(person.options(), email, &password).await? {
            PersonLogin::Invalid => Err(invalid_credentials()),
            PersonLogin::Locked(until) => Err(locked_error(until)),
            PersonLogin::Ok(pool, who) => {
                let role = Role::parse(&who.role).ok_or_else(|| {
                    Error::database(format!("perfil desconhecido no banco: {}", who.role))
                })?;
                for live in self.sessions.users() {
                    self.sessions.close_user(live.id, None);
                }
                person.attach(pool);
                let view = UserView {
                    id: who.id,
                    full_name: who.full_name,
                    email: who.email,
                    role,
                };
                // The hash stays in the database (this login may not read it): the mark
                // is the same for everyone, and a reset ends the login in PostgreSQL.
                let token = self.sessions.open(view.clone(), self.clock.now(), "");
                tracing::info!(user = %view.id, "logged in with a personal database login");
                Ok(LoginOutput { token, user: view })
            }
        }
    }

    /// With personal logins, the person's connection closes with their last session here.
    pub(crate) fn release_person_if_idle(&self) {
        if let Some(person) = &self.person_logins {
            if self.sessions.users().is_empty() && person.is_attached() {
                person.detach();
                tracing::info!("personal database login closed");
            }
        }
    }

    pub async fn logout(&self, token: &str) -> Result<()> {
        if let Some(s) = self.sessions.close(token) {
            let event = AuditEvent::new(
                self.clock.now(),
                Actor::user(s.user.id, &s.user.full_name),
                action::LOGOUT,
                ENTITY,
            )
            .on(s.user.id);
            let audited = self.store.append_audit(&event).await;
            self.release_person_if_idle();
            audited?;
        }
        Ok(())
    }

    pub fn current_session(&self, token: &str) -> Result<UserView> {
        Ok(self.sessions.get(token)?.user)
    }

    /// The gate of every use case: a live session whose role passes `allowed`.
    /// `what` completes "Seu perfil não permite …".
    pub(crate) fn require(
        &self,
        token: &str,
        allowed: fn(Role) -> bool,
        what: &str,
    ) -> Result<Session> {
        let session = self.sessions.get(token)?;
        if !allowed(session.role()) {
            tracing::warn!(user = %session.user_id(), role = session.role().as_str(), what, "refused by role");
            return Err(Error::forbidden(what));
        }
        Ok(session)
    }
}

fn already_initialized() -> Error {
    Error::new(
        ErrorCode::AlreadyInitialized,
        "O administrador já foi criado. Entre com seu e-mail e senha.",
    )
}
