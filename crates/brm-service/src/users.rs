//! User management: administrators create colleagues, change their role, deactivate
//! them and reset their password. The last active administrator cannot be demoted or
//! deactivated; the store checks that inside the same transaction as the change, so two
//! desktops demoting the last two administrators at once cannot both succeed.

use crate::password;
use crate::sessions::Session;
use crate::Desk;
use brm_core::audit::{action, diff, Actor, AuditEvent};
use brm_core::error::Violations;
use brm_core::operator::Page;
use brm_core::user::{check_password, NewUserInput, User, UserFilter, UserListItem, UserView};
use brm_core::{Error, ErrorCode, Result, Role};
use brm_store::StoreError;
use uuid::Uuid;

const ENTITY: &str = "usuario";
/// Audit action of a password reset; the trail says who reset whose password, never
/// the password or its hash.
pub const REDEFINIR_SENHA: &str = "REDEFINIR_SENHA";
const WHAT: &str = "gerenciar usuários";

fn email_taken() -> Error {
    Error::conflict_field("email", "Já existe um usuário com este e-mail.")
}

fn not_found() -> Error {
    Error::new(ErrorCode::NotFound, "Usuário não encontrado.")
}

fn actor(session: &Session) -> Actor {
    Actor::user(session.user_id(), &session.user.full_name)
}

impl Desk {
    pub async fn list_users(&self, token: &str, filter: UserFilter) -> Result<Page<UserListItem>> {
        self.require(token, Role::can_manage_users, WHAT)?;
        let page = self.store.list_users(&filter).await?;
        let now = self.clock.now();
        Ok(Page {
            items: page
                .items
                .iter()
                .map(|u| UserListItem::of(u, now))
                .collect(),
            total: page.total,
            page: page.page,
            page_size: page.page_size,
        })
    }

    pub async fn create_user(&self, token: &str, input: NewUserInput) -> Result<UserListItem> {
        let session = self.require(token, Role::can_manage_users, WHAT)?;
        let (valid, role, phone) = input.validate()?;
        if self.store.user_by_email(&valid.email).await?.is_some() {
            return Err(email_taken());
        }
        let verifier = self.login_verifier(&valid.password);
        let password_hash = password::hash(valid.password).await?;
        let now = self.clock.now();
        let user = User {
            id: Uuid::new_v4(),
            full_name: valid.full_name,
            email: valid.email,
            phone,
            role,
            active: true,
            password_hash,
            failed_logins: 0,
            locked_until: None,
            last_login_at: None,
            created_at: now,
            updated_at: now,
        };
        let event = AuditEvent::new(now, actor(&session), action::CRIAR, ENTITY)
            .on(user.id)
            .change(None, Some(user.audit_view()));
        self.store
            .create_person(&user, &verifier, &event)
            .await
            .map_err(|e| match e {
                // Another desktop took the e-mail between the check and the insert.
                StoreError::Unique(f) if f == "email" => email_taken(),
                other => other.into(),
            })?;
        tracing::info!(user = %user.id, role = role.as_str(), "user created");
        Ok(UserListItem::of(&user, now))
    }

    /// A demoted user's open sessions carry the new role from their next command on.
    pub async fn set_user_role(&self, token: &str, id: Uuid, role: Role) -> Result<UserListItem> {
        let session = self.require(token, Role::can_manage_users, "alterar o papel de usuários")?;
        let current = self.user(id).await?;
        let mut user = current.clone();
        user.role = role;
        let saved = self
            .save_user(&session, &current, user, action::ALTERAR)
            .await?;
        self.sessions.refresh_user(&UserView::from(&saved));
        Ok(UserListItem::of(&saved, self.clock.now()))
    }

    /// Deactivating ends every open session of that user at once, the caller's own
    /// included when an administrator deactivates themself.
    pub async fn set_user_active(
        &self,
        token: &str,
        id: Uuid,
        active: bool,
    ) -> Result<UserListItem> {
        let what = if active {
            "ativar usuários"
        } else {
            "desativar usuários"
        };
        let session = self.require(token, Role::can_manage_users, what)?;
        let current = self.user(id).await?;
        let mut user = current.clone();
        user.active = active;
        let act = if active {
            action::ATIVAR
        } else {
            action::DESATIVAR
        };
        let saved = self.save_user(&session, &current, user, act).await?;
        if !saved.active {
            let ended = self.sessions.close_user(saved.id, None);
            tracing::info!(user = %saved.id, sessions = ended, "user deactivated");
        }
        Ok(UserListItem::of(&saved, self.clock.now()))
    }

    /// Sets a new password chosen by the administrator, clears failed attempts and any
    /// lock, and ends the user's other sessions (whoever knew the old password is out).
    pub async fn reset_user_password(
        &self,
        token: &str,
        id: Uuid,
        password: String,
        password_confirmation: String,
    ) -> Result<UserListItem> {
        let session = self.require(token, Role::can_manage_users, "redefinir senhas")?;
        let mut v = Violations::default();
        check_password(&mut v, &password, &password_confirmation);
        v.into_result()?;
        let current = self.user(id).await?;
        let now = self.clock.now();
        let was_locked = current.locked_until.is_some_and(|t| t > now);
        let mut user = current.clone();
        let verifier = self.login_verifier(&password);
        user.password_hash = password::hash(password).await?;
        user.failed_logins = 0;
        user.locked_until = None;
        user.updated_at = now;
        let detail = if was_locked {
            "senha redefinida por um administrador; conta desbloqueada"
        } else {
            "senha redefinida por um administrador"
        };
        let event = AuditEvent::new(now, actor(&session), REDEFINIR_SENHA, ENTITY)
            .on(user.id)
            .detail(detail);
        self.store
            .set_person_password(&user, &verifier, &event)
            .await?;
        // The administrator resetting their own password keeps the session they used.
        let keep = (session.user_id() == user.id).then_some(token);
        self.sessions.close_user(user.id, keep);
        if let Some(kept) = keep {
            // The kept session now stands for the new password: the revalidation must
            // not end it as "password changed elsewhere".
            self.sessions.set_password(kept, &user.password_hash);
        }
        tracing::info!(user = %user.id, "password reset");
        Ok(UserListItem::of(&user, now))
    }

    /// Where each person is a database login, the SCRAM verifier of their new password
    /// (the server never sees the password itself); empty elsewhere.
    fn login_verifier(&self, password: &str) -> String {
        if self.store.people_are_logins() {
            brm_store::postgres::shared::scram_verifier(password)
        } else {
            String::new()
        }
    }

    async fn user(&self, id: Uuid) -> Result<User> {
        self.store.user_by_id(id).await?.ok_or_else(not_found)
    }

    /// Writes `user` with an audit of what changed in its administrator-visible fields;
    /// saving the same values again writes nothing. The store refuses (and writes
    /// nothing) when no active administrator would be left.
    async fn save_user(
        &self,
        session: &Session,
        current: &User,
        mut user: User,
        act: &str,
    ) -> Result<User> {
        let (before, after) = diff(&current.audit_view(), &user.audit_view());
        if after.as_object().is_some_and(|m| m.is_empty()) {
            return Ok(current.clone());
        }
        user.updated_at = self.clock.now();
        let event = AuditEvent::new(user.updated_at, actor(session), act, ENTITY)
            .on(user.id)
            .change(Some(before), Some(after));
        self.store.update_user(&user, &event).await?;
        Ok(user)
    }
}
