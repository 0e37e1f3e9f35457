//! The store's one error type.

use waymark_domain::ValidationErrors;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("configuration: {0}")]
    Config(String),
    #[error("{0}")]
    Unreachable(String),
    #[error("the database could not be brought up to date: {0}")]
    Migration(String),
    #[error("{0}")]
    Key(String),
    /// Not found, or not within the caller's scope: the two are deliberately indistinguishable.
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Invalid(ValidationErrors),
    #[error("{0}")]
    Conflict(String),
    /// An import was refused (nothing was written); says which record and why.
    #[error("nothing was imported: {0}")]
    Import(String),
    #[error("stored data could not be decrypted: {0}")]
    Decrypt(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

impl From<ValidationErrors> for StoreError {
    fn from(e: ValidationErrors) -> Self {
        StoreError::Invalid(e)
    }
}
