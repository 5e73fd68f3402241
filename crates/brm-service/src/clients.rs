//! Clients: every role registers them. The portal password is sealed under the keyring's
//! data key before it reaches the store; the window only ever learns "definida / não
//! definida".

use crate::sessions::Session;
use crate::Desk;
use brm_core::audit::{action, diff, Actor, AuditEvent};
use brm_core::client::{Client, ClientFilter, ClientInput, ValidClient};
use brm_core::operator::Page;
use brm_core::{Error, ErrorCode, FieldError, Result, Role};
use brm_store::{ClientWrite, PasswordWrite, StoreError};
use uuid::Uuid;

pub(crate) const ENTITY: &str = "cliente";

fn not_found() -> Error {
    Error::new(
        ErrorCode::NotFound,
        "Cliente não encontrado. Ele pode ter sido removido; recarregue a lista.",
    )
}

fn stale() -> Error {
    Error::new(
        ErrorCode::Conflict,
        "Este cliente foi alterado por outra pessoa enquanto você editava. Recarregue e tente de novo.",
    )
}

fn operator_missing() -> Error {
    Error::validation(vec![FieldError {
        field: "operator_id".into(),
        message: "Operadora não encontrada; escolha outra.".into(),
    }])
}

/// The friendly form of the store's unique violations.
pub(crate) fn unique_to_conflict(e: StoreError) -> Error {
    let field = |field: &str, message: &str| Error {
        code: ErrorCode::Conflict,
        ..Error::validation(vec![FieldError {
            field: field.into(),
            message: message.into(),
        }])
    };
    match e {
        StoreError::Unique(f) if f == "account" => field(
            "cnpj",
            "Já existe um cliente com este CNPJ nesta operadora, unidade e serviço.",
        ),
        StoreError::Unique(f) if f == "hash" => {
            field("hash", "Já existe um cliente com este HASH.")
        }
        other => other.into(),
    }
}

/// Copies the validated fields onto a client (ids, version and timestamps untouched).
pub(crate) fn apply(c: &mut Client, v: &ValidClient) {
    c.hash = v.hash.clone();
    c.legal_name = v.legal_name.clone();
    c.sat_name = v.sat_name.clone();
    c.cnpj = v.cnpj.clone();
    c.operator_id = v.operator_id;
    c.account_filter = v.account_filter.clone();
    c.service = v.service.clone();
    c.sat_data = v.sat_data.clone();
    c.unit = v.unit.clone();
    c.sat_category = v.sat_category.clone();
    c.issue_site_url = v.issue_site_url.clone();
    c.portal_login = v.portal_login.clone();
    c.cpf = v.cpf.clone();
    c.notes = v.notes.clone();
}

pub(crate) fn blank_client(
    id: Uuid,
    operator_id: Uuid,
    now: chrono::DateTime<chrono::Utc>,
) -> Client {
    Client {
        id,
        hash: None,
        legal_name: String::new(),
        sat_name: None,
        cnpj: String::new(),
        operator_id,
        operator_name: String::new(),
        operator_code: String::new(),
        account_filter: None,
        service: String::new(),
        sat_data: None,
        unit: String::new(),
        sat_category: None,
        issue_site_url: None,
        portal_login: None,
        portal_password_set: false,
        cpf: None,
        notes: None,
        active: true,
        version: 1,
        created_at: now,
        updated_at: now,
    }
}

pub(crate) fn actor(s: &Session) -> Actor {
    Actor::user(s.user_id(), &s.user.full_name)
}

impl Desk {
    pub async fn list_clients(&self, token: &str, filter: ClientFilter) -> Result<Page<Client>> {
        self.require(token, Role::can_edit_clients, "ver clientes")?;
        Ok(self.store.list_clients(&filter).await?)
    }

    pub async fn create_client(&self, token: &str, input: ClientInput) -> Result<Client> {
        let session = self.require(token, Role::can_edit_clients, "cadastrar clientes")?;
        self.ensure_writable()?;
        let valid = input.validate()?;
        let op = self
            .store
            .operator_by_id(valid.operator_id)
            .await?
            .ok_or_else(operator_missing)?;
        let now = self.clock.now();
        let mut client = blank_client(Uuid::new_v4(), op.id, now);
        apply(&mut client, &valid);
        let password = self.password_write(client.id, &valid).await?;
        client.portal_password_set = matches!(password, PasswordWrite::Set(_));
        let event = AuditEvent::new(now, actor(&session), action::CRIAR, ENTITY)
            .on(client.id)
            .change(None, Some(client.audit_view()));
        let write = ClientWrite {
            client: client.clone(),
            password,
        };
        self.store
            .insert_client(&write, &event)
            .await
            .map_err(unique_to_conflict)?;
        Ok(self.store.client_by_id(client.id).await?.unwrap_or(client))
    }

    pub async fn update_client(
        &self,
        token: &str,
        id: Uuid,
        version: i64,
        input: ClientInput,
    ) -> Result<Client> {
        let session = self.require(token, Role::can_edit_clients, "alterar clientes")?;
        self.ensure_writable()?;
        let valid = input.validate()?;
        let current = self.store.client_by_id(id).await?.ok_or_else(not_found)?;
        if current.version != version {
            return Err(stale());
        }
        if valid.operator_id != current.operator_id {
            self.store
                .operator_by_id(valid.operator_id)
                .await?
                .ok_or_else(operator_missing)?;
        }
        let mut client = current.clone();
        apply(&mut client, &valid);
        let password = self.password_write(id, &valid).await?;
        match &password {
            PasswordWrite::Set(_) => client.portal_password_set = true,
            PasswordWrite::Clear => client.portal_password_set = false,
            PasswordWrite::Keep => {}
        }
        self.save_client(&session, current, client, password, action::ALTERAR)
            .await
    }

    pub async fn set_client_active(
        &self,
        token: &str,
        id: Uuid,
        version: i64,
        active: bool,
    ) -> Result<Client> {
        let what = if active {
            "ativar clientes"
        } else {
            "desativar clientes"
        };
        let session = self.require(token, Role::can_edit_clients, what)?;
        self.ensure_writable()?;
        let current = self.store.client_by_id(id).await?.ok_or_else(not_found)?;
        if current.version != version {
            return Err(stale());
        }
        let mut client = current.clone();
        client.active = active;
        let act = if active {
            action::ATIVAR
        } else {
            action::DESATIVAR
        };
        self.save_client(&session, current, client, PasswordWrite::Keep, act)
            .await
    }

    async fn save_client(
        &self,
        session: &Session,
        current: Client,
        mut client: Client,
        password: PasswordWrite,
        act: &str,
    ) -> Result<Client> {
        let (before, after) = diff(&current.audit_view(), &client.audit_view());
        // A new password over an old one changes nothing visible, but it is a change.
        let password_replaced =
            matches!(password, PasswordWrite::Set(_)) && current.portal_password_set;
        if after.as_object().is_some_and(|m| m.is_empty()) && !password_replaced {
            return Ok(current);
        }
        client.version = current.version + 1;
        client.updated_at = self.clock.now();
        let mut event = AuditEvent::new(client.updated_at, actor(session), act, ENTITY)
            .on(client.id)
            .change(Some(before), Some(after));
        if password_replaced {
            event = event.detail("senha do portal substituída");
        }
        let write = ClientWrite {
            client: client.clone(),
            password,
        };
        let written = self
            .observe(
                self.store
                    .update_client(&write, current.version, &event)
                    .await,
            )
            .map_err(unique_to_conflict)?;
        if !written {
            return Err(stale());
        }
        Ok(self.store.client_by_id(client.id).await?.unwrap_or(client))
    }

    /// Seals a new password for this client (bound to its id, so a sealed text copied
    /// to another row does not open), or says to keep or clear the stored one. The
    /// keyring may block on an unlock prompt, so this runs on the blocking pool.
    pub(crate) async fn password_write(
        &self,
        client_id: Uuid,
        v: &ValidClient,
    ) -> Result<PasswordWrite> {
        if v.clear_portal_password {
            return Ok(PasswordWrite::Clear);
        }
        let Some(plain) = v.portal_password.clone() else {
            return Ok(PasswordWrite::Keep);
        };
        let sealed = self.seal_for_client(client_id, plain).await?;
        Ok(PasswordWrite::Set(sealed))
    }

    /// Seals to the approved robot machines (issue 19): this desktop cannot open it.
    pub(crate) async fn seal_for_client(&self, client_id: Uuid, plain: String) -> Result<String> {
        let keys = self.portal_recipients().await?;
        tokio::task::spawn_blocking(move || {
            brm_secrets::seal_to(&keys, &client_id.to_string(), &plain)
        })
        .await
        .map_err(Error::internal)?
    }

    /// The plain portal password, for the robot request only (never the window).
    pub async fn client_portal_password(&self, client_id: Uuid) -> Result<Option<String>> {
        let Some(sealed) = self.store.client_sealed_password(client_id).await? else {
            return Ok(None);
        };
        let secrets = self.secrets.clone();
        tokio::task::spawn_blocking(move || secrets.open_for(&client_id.to_string(), &sealed))
            .await
            .map_err(Error::internal)?
            .map(Some)
    }
}
