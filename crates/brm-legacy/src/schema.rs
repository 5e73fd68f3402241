//! The old system's real schema, as its own Flask-SQLAlchemy models create it
//! (`db.create_all()` plus the two columns its start-up script adds to `usuarios`): every
//! table and column, and what the import does with each. One catalogue drives the reader
//! (which columns to select, which must be there), the preview's list of columns not
//! imported, and the counts of tables that are only counted: a column cannot be read
//! without being accounted for, and none is dropped without a reason on screen.
//! Source: `shared/spec/legacy-schema.md` (read from tiagopereiraramos/tirus-dash-flask
//! @ 3c1afcf) and the database its code made, `fixtures/legado/flask-antigo.sqlite3`.

use serde::Serialize;

/// What happens to an old column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    /// Copied into this field of ours.
    Imported(&'static str),
    /// Turned into something else (how, for a person).
    Mapped(&'static str),
    /// Not imported, and why (pt-BR).
    NotImported(&'static str),
}

#[derive(Debug, Clone, Copy)]
pub struct Col {
    pub name: &'static str,
    /// Without it the table is not the old system's (the models always create it).
    pub required: bool,
    /// Never printed (portal passwords, password hashes, tokens).
    pub secret: bool,
    /// Bytes (`users.password`: BLOB on SQLite, `bytea` on PostgreSQL), read as hex.
    pub binary: bool,
    pub fate: Fate,
}

#[derive(Debug, Clone, Copy)]
pub struct OldTable {
    pub name: &'static str,
    /// As the preview names it.
    pub label: &'static str,
    /// The models always create it.
    pub required: bool,
    /// The whole table is only counted, and why (pt-BR).
    pub not_imported: Option<&'static str>,
    pub columns: &'static [Col],
}

const fn col(name: &'static str, fate: Fate) -> Col {
    Col {
        name,
        required: true,
        secret: false,
        binary: false,
        fate,
    }
}

/// A column the old models create only in some versions: absent means its default.
const fn optional(name: &'static str, fate: Fate) -> Col {
    Col {
        name,
        required: false,
        secret: false,
        binary: false,
        fate,
    }
}

const fn secret(c: Col) -> Col {
    Col { secret: true, ..c }
}

const fn binary(c: Col) -> Col {
    Col { binary: true, ..c }
}

use Fate::{Imported, Mapped, NotImported};

const ID: Col = col("id", Imported("id (o mesmo identificador)"));
const CREATED: Col = col("data_criacao", Imported("data de criação"));
const UPDATED: Col = col(
    "data_atualizacao",
    NotImported("a data de alteração passa a ser a da importação"),
);

/// The old tables in the order the import plans them.
pub const TABLES: &[OldTable] = &[
    OldTable {
        name: "operadoras",
        label: "Operadoras",
        required: true,
        not_imported: None,
        columns: &[
            ID,
            col("nome", Imported("nome")),
            col("codigo", Imported("código")),
            col("possui_rpa", Imported("tem robô")),
            col("status_ativo", Imported("ativa")),
            col("url_portal", Imported("portal")),
            col("instrucoes_acesso", Imported("instruções de acesso")),
            col(
                "configuracao_rpa",
                Mapped("timeout_padrao → tempo limite, tentativas_maximas → tentativas"),
            ),
            col(
                "classe_rpa",
                NotImported("o robô novo é chamado pelo código da operadora; a classe Python do sistema antigo não tem uso"),
            ),
            CREATED,
            UPDATED,
        ],
    },
    OldTable {
        name: "usuarios",
        label: "Usuários (usuarios)",
        required: true,
        not_imported: None,
        columns: &[
            ID,
            col("nome_completo", Imported("nome")),
            col("email", Imported("e-mail (o login)")),
            col("telefone", Imported("telefone")),
            col("perfil_usuario", Imported("perfil")),
            col("status_ativo", Imported("ativo")),
            optional(
                "username",
                NotImported("o login do novo sistema é o e-mail"),
            ),
            secret(optional(
                "password_hash",
                Mapped("a senha do Werkzeug continua valendo até o primeiro acesso, quando vira argon2id"),
            )),
            CREATED,
            UPDATED,
        ],
    },
    OldTable {
        name: "users",
        label: "Usuários do login antigo (users)",
        required: true,
        not_imported: None,
        columns: &[
            col("id", Mapped("identificador derivado do número antigo")),
            col("username", Mapped("nome, quando a pessoa não está em usuarios")),
            col("email", Imported("e-mail (o login)")),
            binary(secret(col(
                "password",
                Mapped("a senha PBKDF2 continua valendo até o primeiro acesso, quando vira argon2id"),
            ))),
            optional(
                "oauth_github",
                NotImported("o novo sistema não tem login pelo GitHub"),
            ),
            optional("is_admin", Mapped("verdadeiro → ADMINISTRADOR, falso → OPERADOR")),
            secret(optional(
                "api_externa_token",
                Mapped("o token do primeiro administrador vai para o chaveiro (robo-token)"),
            )),
        ],
    },
    OldTable {
        name: "clientes",
        label: "Clientes",
        required: true,
        not_imported: None,
        columns: &[
            ID,
            col("hash_unico", Imported("HASH")),
            col("razao_social", Imported("razão social")),
            col("nome_sat", Imported("nome no SAT")),
            col("cnpj", Imported("CNPJ (só os dígitos)")),
            col("operadora_id", Imported("operadora")),
            col("filtro", Imported("filtro")),
            col("servico", Imported("serviço")),
            col("dados_sat", Imported("dados do SAT")),
            col("unidade", Imported("unidade")),
            col("site_emissao", Imported("site de emissão")),
            col("login_portal", Imported("login do portal")),
            secret(col(
                "senha_portal",
                Mapped("cifrada com a chave do chaveiro do sistema (nunca em texto puro)"),
            )),
            col("cpf", Imported("CPF")),
            col("status_ativo", Imported("ativo")),
            CREATED,
            UPDATED,
        ],
    },
    OldTable {
        name: "processos",
        label: "Processos",
        required: true,
        not_imported: None,
        columns: &[
            ID,
            col("cliente_id", Imported("cliente (e a operadora dele)")),
            col("mes_ano", Imported("mês de referência")),
            col("status_processo", Mapped("situação do novo sistema (tabela de situações)")),
            col("url_fatura", Mapped("nota: onde a fatura estava no sistema antigo")),
            col("caminho_s3_fatura", Mapped("nota: onde a fatura estava no sistema antigo")),
            col("fatura_s3_key", Mapped("nota: onde a fatura estava no sistema antigo")),
            col("fatura_filename", Mapped("nota: onde a fatura estava no sistema antigo")),
            col("data_upload_manual", Mapped("nota: enviada à mão no sistema antigo")),
            col("data_vencimento", Imported("vencimento")),
            col("valor_fatura", Imported("valor")),
            col(
                "aprovado_por_usuario_id",
                Mapped("aprovador (em processos já aprovados; nos outros, uma nota)"),
            ),
            col("data_aprovacao", Mapped("data da aprovação (com o aprovador)")),
            col("enviado_para_sat", Imported("enviado ao SAT")),
            col("data_envio_sat", Imported("data do envio ao SAT")),
            col("tentativas_download", Imported("tentativas de download")),
            col("ultima_tentativa_download", Imported("última tentativa de download")),
            col("tentativas_upload_sat", Imported("tentativas de envio ao SAT")),
            col("ultima_tentativa_upload_sat", Imported("última tentativa de envio ao SAT")),
            col("upload_manual", Imported("enviada à mão")),
            col("criado_automaticamente", Imported("criado automaticamente")),
            col("observacoes", Imported("observações")),
            CREATED,
            col(
                "data_atualizacao",
                Mapped("data do envio ao SAT quando data_envio_sat falta; no mais, a data de alteração passa a ser a da importação"),
            ),
        ],
    },
    OldTable {
        name: "execucoes",
        label: "Execuções",
        required: true,
        not_imported: None,
        columns: &[
            ID,
            col("processo_id", Imported("processo")),
            col("tipo_execucao", Imported("tipo")),
            col("status_execucao", Mapped("situação (as abertas são encerradas)")),
            col("classe_rpa_utilizada", Mapped("guardado no pedido da execução")),
            col("job_id", Imported("job do robô")),
            col("parametros_entrada", Mapped("guardado no pedido da execução (segredos ocultos)")),
            col("resultado_saida", Mapped("guardado no resultado da execução")),
            col("data_inicio", Imported("início")),
            col("data_fim", Imported("fim")),
            col("mensagem_log", Mapped("linhas do registro da execução")),
            col("url_arquivo_s3", Mapped("guardado no resultado da execução")),
            col("numero_tentativa", Imported("tentativa")),
            col("detalhes_erro", Mapped("mensagem de erro (e o detalhe no resultado)")),
            col("executado_por_usuario_id", Mapped("quem disparou (o nome da pessoa)")),
            col("ip_origem", Mapped("guardado no pedido da execução")),
            col("user_agent", Mapped("guardado no pedido da execução")),
            CREATED,
            UPDATED,
        ],
    },
    OldTable {
        name: "agendamentos",
        label: "Agendamentos",
        required: false,
        not_imported: None,
        columns: &[
            ID,
            col("nome_agendamento", Imported("nome")),
            col("descricao", NotImported("os agendamentos novos não têm descrição")),
            col("cron_expressao", Imported("expressão cron (conferida)")),
            col("tipo_agendamento", Imported("tipo")),
            col("status_ativo", Imported("ativo")),
            col(
                "proxima_execucao",
                NotImported("recalculada pela expressão cron na importação"),
            ),
            col("ultima_execucao", Imported("última execução")),
            col(
                "parametros_execucao",
                Mapped("operadora_especifica → operadora do agendamento"),
            ),
            optional("operadora_id", Imported("operadora")),
            CREATED,
            UPDATED,
        ],
    },
    OldTable {
        name: "notificacoes",
        label: "Notificações",
        required: false,
        not_imported: Some(
            "histórico de e-mails do sistema antigo; o novo sistema avisa por notificações da área de trabalho",
        ),
        columns: &[],
    },
    OldTable {
        name: "flask_dance_oauth",
        label: "Login pelo GitHub",
        required: false,
        not_imported: Some("tokens do GitHub; o novo sistema não tem login pelo GitHub"),
        columns: &[],
    },
];

pub fn table(name: &str) -> Option<&'static OldTable> {
    TABLES.iter().find(|t| t.name == name)
}

/// One line of the preview's list of old columns.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ColumnLine {
    pub table: &'static str,
    pub column: String,
    /// "importado", "mapeado" or "não importado".
    pub fate: &'static str,
    /// Where it goes, or why not.
    pub detail: String,
}

impl ColumnLine {
    pub fn not_imported(
        table: &'static str,
        column: impl Into<String>,
        why: impl Into<String>,
    ) -> Self {
        ColumnLine {
            table,
            column: column.into(),
            fate: "não importado",
            detail: why.into(),
        }
    }
}

/// The catalogue as preview lines, for the columns the old database has.
pub fn column_lines(table: &OldTable, present: &dyn Fn(&str) -> bool) -> Vec<ColumnLine> {
    table
        .columns
        .iter()
        .filter(|c| present(c.name))
        .map(|c| {
            let (fate, detail) = match c.fate {
                Imported(to) => ("importado", to),
                Mapped(how) => ("mapeado", how),
                NotImported(why) => ("não importado", why),
            };
            ColumnLine {
                table: table.name,
                column: c.name.to_string(),
                fate,
                detail: detail.to_string(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_table_is_named_once_and_every_column_once() {
        let mut tables = HashSet::new();
        for t in TABLES {
            assert!(tables.insert(t.name), "{}", t.name);
            let mut cols = HashSet::new();
            for c in t.columns {
                assert!(cols.insert(c.name), "{}.{}", t.name, c.name);
            }
            assert_eq!(t.not_imported.is_some(), t.columns.is_empty(), "{}", t.name);
        }
    }

    #[test]
    fn the_password_columns_and_the_token_are_secret() {
        for (t, c) in [
            ("clientes", "senha_portal"),
            ("users", "password"),
            ("usuarios", "password_hash"),
            ("users", "api_externa_token"),
        ] {
            let col = table(t)
                .unwrap()
                .columns
                .iter()
                .find(|x| x.name == c)
                .unwrap();
            assert!(col.secret, "{t}.{c}");
        }
    }
}
