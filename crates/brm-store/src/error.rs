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
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unique(field) => Error::conflict_field(&field, "Valor já cadastrado."),
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
