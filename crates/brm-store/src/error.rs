use brm_core::{Error, ErrorCode};

pub type StoreResult<T> = Result<T, StoreError>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique key is taken; the string names the field (`name`, `code`, `email`).
    #[error("valor já cadastrado: {0}")]
    Unique(String),
    /// The database cannot be opened or reached.
    #[error("{0}")]
    Unavailable(String),
    /// A stored value the code cannot read back (a bug or a hand-edited database).
    #[error("dado inválido no banco: {0}")]
    Corrupt(String),
    #[error("{0}")]
    Sql(#[from] sqlx::Error),
    #[error("{0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A rule the database enforces with the data in hand (the last administrator, an
    /// import line that collides), already phrased for a person.
    #[error("{0}")]
    Refused(Error),
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unique(field) => Error::conflict_field(&field, "Valor já cadastrado."),
            StoreError::Refused(e) => e,
            StoreError::Unavailable(m) => Error::database(m),
            StoreError::Corrupt(m) => Error::new(
                ErrorCode::Database,
                format!("Dado inválido no banco de dados: {m}"),
            ),
            StoreError::Sql(e) => {
                tracing::error!(error = %e, "database error");
                Error::database(e)
            }
            StoreError::Migrate(e) => Error::new(
                ErrorCode::Database,
                format!("Não foi possível atualizar a estrutura do banco de dados: {e}"),
            ),
        }
    }
}

/// An import row whose client changed after the preview was made.
pub(crate) fn stale_import_line(line: usize) -> StoreError {
    StoreError::Refused(Error::new(
        ErrorCode::Conflict,
        format!(
            "Linha {line}: o cliente foi alterado por outra pessoa depois da prévia. Nada foi importado; gere a prévia de novo."
        ),
    ))
}

/// An import row that collides with a client stored after (or outside) the preview.
pub(crate) fn unique_import_line(line: usize, field: &str) -> StoreError {
    let what = match field {
        "hash" => "o HASH já pertence a outro cliente",
        _ => "já existe um cliente com o mesmo CNPJ, operadora, unidade e serviço",
    };
    StoreError::Refused(Error::new(
        ErrorCode::Conflict,
        format!("Linha {line}: {what}. Nada foi importado."),
    ))
}

/// The change would leave the system with nobody who can manage users.
pub(crate) fn last_admin() -> StoreError {
    StoreError::Refused(Error::new(
        ErrorCode::Conflict,
        "Não é possível remover ou rebaixar o último administrador ativo.",
    ))
}

/// A write to an execution that is not stored (a bug in the caller, or a purge by hand).
pub(crate) fn execution_not_found() -> StoreError {
    StoreError::Refused(Error::new(
        ErrorCode::NotFound,
        "Execução não encontrada no banco de dados.",
    ))
}

/// Only downloads and SAT uploads are robot work; a manual upload is never claimed.
pub(crate) fn not_robot_work(kind: &str) -> StoreError {
    StoreError::Refused(Error::new(
        ErrorCode::Validation,
        format!("O tipo de execução {kind} não é trabalho do robô."),
    ))
}
