//! Commands answer `Result<T, brm_core::Error>`; Tauri serialises the error as
//! `{code, message, fields?}` and the window shows `message` (pt-BR) as it is.

pub type CmdResult<T> = Result<T, brm_core::Error>;

#[cfg(test)]
mod tests {
    use brm_core::{Error, ErrorCode};

    #[test]
    fn errors_reach_the_window_as_code_and_message() {
        let e: Error = brm_store::StoreError::Unavailable("disco cheio".into()).into();
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            serde_json::json!({"code": "DATABASE", "message": "Não foi possível acessar o banco de dados: disco cheio"})
        );
        let f = Error::forbidden("cadastrar operadoras");
        assert_eq!(f.code, ErrorCode::Forbidden);
        assert_eq!(
            serde_json::to_string(&f).unwrap(),
            r#"{"code":"FORBIDDEN","message":"Seu perfil não permite cadastrar operadoras."}"#
        );
    }
}
