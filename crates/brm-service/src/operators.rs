//! Operators: everyone logged in reads them; only administrators change them.

use crate::Desk;
use brm_core::audit::{action, diff, Actor, AuditEvent};
use brm_core::operator::{name_key, Operator, OperatorFilter, OperatorInput, Page, ValidOperator};
use brm_core::{Error, ErrorCode, FieldError, Result, Role};
use brm_store::StoreError;
use uuid::Uuid;

const ENTITY: &str = "operadora";

fn name_taken(name: &str) -> FieldError {
    FieldError {
        field: "name".into(),
        message: format!("Já existe uma operadora com o nome \"{name}\"."),
    }
}

fn code_taken(code: &str) -> FieldError {
    FieldError {
        field: "code".into(),
        message: format!("Já existe uma operadora com o código \"{code}\"."),
    }
}

fn conflict(fields: Vec<FieldError>) -> Error {
    Error {
        code: ErrorCode::Conflict,
        ..Error::validation(fields)
    }
}

fn not_found() -> Error {
    Error::new(
        ErrorCode::NotFound,
        "Operadora não encontrada. Ela pode ter sido removida; recarregue a lista.",
    )
}

fn stale() -> Error {
    Error::new(
        ErrorCode::Conflict,
        "Esta operadora foi alterada por outra pessoa enquanto você editava. Recarregue e tente de novo.",
    )
}

fn apply(op: &mut Operator, v: ValidOperator) {
    op.name = v.name;
    op.code = v.code;
    op.has_rpa = v.has_rpa;
    op.rpa_outsourced = v.rpa_outsourced;
    op.rpa_endpoint_url = v.rpa_endpoint_url;
    op.portal_url = v.portal_url;
    op.access_instructions = v.access_instructions;
    op.timeout_secs = v.timeout_secs;
    op.max_attempts = v.max_attempts;
}

impl Desk {
    pub async fn list_operators(
        &self,
        token: &str,
        filter: OperatorFilter,
    ) -> Result<Page<Operator>> {
        self.require(token, Role::can_view_operators, "ver operadoras")?;
        Ok(self.observe(self.store.list_operators(&filter).await)?)
    }

    pub async fn create_operator(&self, token: &str, input: OperatorInput) -> Result<Operator> {
        let session = self.require(token, Role::can_edit_operators, "cadastrar operadoras")?;
        self.ensure_writable()?;
        let valid = input.validate()?;
        self.check_unique(&valid, None).await?;
        let now = self.clock.now();
        let mut op = Operator {
            id: Uuid::new_v4(),
            name: String::new(),
            code: String::new(),
            has_rpa: false,
            rpa_outsourced: false,
            rpa_endpoint_url: None,
            portal_url: None,
            access_instructions: None,
            timeout_secs: 0,
            max_attempts: 0,
            active: true,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        apply(&mut op, valid);
        let event = AuditEvent::new(
            now,
            Actor::user(session.user_id(), &session.user.full_name),
            action::CRIAR,
            ENTITY,
        )
        .on(op.id)
        .change(None, Some(op.audit_view()));
        self.observe(self.store.insert_operator(&op, &event).await)
            .map_err(|e| unique_to_conflict(e, &op))?;
        Ok(op)
    }

    pub async fn update_operator(
        &self,
        token: &str,
        id: Uuid,
        version: i64,
        input: OperatorInput,
    ) -> Result<Operator> {
        let session = self.require(token, Role::can_edit_operators, "alterar operadoras")?;
        self.ensure_writable()?;
        let valid = input.validate()?;
        let current = self
            .observe(self.store.operator_by_id(id).await)?
            .ok_or_else(not_found)?;
        if current.version != version {
            return Err(stale());
        }
        self.check_unique(&valid, Some(id)).await?;
        let mut op = current.clone();
        apply(&mut op, valid);
        self.save(&session, current, op, action::ALTERAR).await
    }

    pub async fn set_operator_active(
        &self,
        token: &str,
        id: Uuid,
        version: i64,
        active: bool,
    ) -> Result<Operator> {
        let what = if active {
            "ativar operadoras"
        } else {
            "desativar operadoras"
        };
        let session = self.require(token, Role::can_edit_operators, what)?;
        self.ensure_writable()?;
        let current = self
            .observe(self.store.operator_by_id(id).await)?
            .ok_or_else(not_found)?;
        if current.version != version {
            return Err(stale());
        }
        let mut op = current.clone();
        op.active = active;
        let act = if active {
            action::ATIVAR
        } else {
            action::DESATIVAR
        };
        self.save(&session, current, op, act).await
    }

    async fn save(
        &self,
        session: &crate::sessions::Session,
        current: Operator,
        mut op: Operator,
        act: &str,
    ) -> Result<Operator> {
        let (before, after) = diff(&current.audit_view(), &op.audit_view());
        if after.as_object().is_some_and(|m| m.is_empty()) {
            return Ok(current); // nothing changed: no new version, no audit noise
        }
        op.version = current.version + 1;
        op.updated_at = self.clock.now();
        let event = AuditEvent::new(
            op.updated_at,
            Actor::user(session.user_id(), &session.user.full_name),
            act,
            ENTITY,
        )
        .on(op.id)
        .change(Some(before), Some(after));
        let written = self
            .observe(
                self.store
                    .update_operator(&op, current.version, &event)
                    .await,
            )
            .map_err(|e| unique_to_conflict(e, &op))?;
        if !written {
            return Err(stale());
        }
        Ok(op)
    }

    async fn check_unique(&self, v: &ValidOperator, except: Option<Uuid>) -> Result<()> {
        let c = self.observe(
            self.store
                .operator_conflicts(&name_key(&v.name), &v.code, except)
                .await,
        )?;
        let mut fields = Vec::new();
        if c.name {
            fields.push(name_taken(&v.name));
        }
        if c.code {
            fields.push(code_taken(&v.code));
        }
        if fields.is_empty() {
            Ok(())
        } else {
            Err(conflict(fields))
        }
    }
}

/// The pre-check above gives the friendly message; this covers the race where another
/// desktop took the name between that check and the insert.
fn unique_to_conflict(e: StoreError, op: &Operator) -> Error {
    match e {
        StoreError::Unique(f) if f == "name" => conflict(vec![name_taken(&op.name)]),
        StoreError::Unique(f) if f == "code" => conflict(vec![code_taken(&op.code)]),
        other => other.into(),
    }
}
