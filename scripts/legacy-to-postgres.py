#!/usr/bin/python3
"""Copies a database made by the old Flask system on SQLite into PostgreSQL as the old
code would have made it there: the PostgreSQL DDL that its models' db.create_all()
emits (Flask-SQLAlchemy: GUID -> uuid, DateTime(timezone=True) -> timestamptz,
DECIMAL -> numeric, JSON -> json, LargeBinary -> bytea, Integer primary key -> serial),
the two columns inicializar_banco.py adds to usuarios (ALTER TABLE), and every row,
value by value. Standard library only; prints SQL for `psql -v ON_ERROR_STOP=1` or
sqlx::raw_sql.

Usage: legacy-to-postgres.py OLD.sqlite3 [--ids uuid|text] > old.sql
  --ids text: the GUID columns as varchar(36) (a deployment whose ids are text).

Naive SQLite timestamps are UTC (SQLite's CURRENT_TIMESTAMP, the old code's utcnow()):
written with +00 so the instant is the same.
"""

import json
import sqlite3
import sys
from decimal import Decimal

# (table, [(column, pg type, not null)], extra constraints). Column order as the models'.
def schema(guid):
    ts = "TIMESTAMP WITH TIME ZONE"
    base = [("id", guid, True), ("data_criacao", ts + " DEFAULT now()", True),
            ("data_atualizacao", ts + " DEFAULT now()", True)]
    return [
        ("users", [("id", "SERIAL", True), ("username", "VARCHAR(64)", False),
                   ("email", "VARCHAR(64)", False), ("password", "BYTEA", False),
                   ("oauth_github", "VARCHAR(100)", False), ("is_admin", "BOOLEAN", True),
                   ("api_externa_token", "VARCHAR(500)", False)],
         ["PRIMARY KEY (id)", "UNIQUE (username)", "UNIQUE (email)"]),
        ("flask_dance_oauth", [("user_id", "INTEGER", True), ("id", "SERIAL", True),
                               ("provider", "VARCHAR(50)", True),
                               ("created_at", "TIMESTAMP WITHOUT TIME ZONE", True),
                               ("token", "JSON", True)],
         ["PRIMARY KEY (id)", "FOREIGN KEY(user_id) REFERENCES users (id) ON DELETE cascade"]),
        ("operadoras", [("nome", "VARCHAR(100)", True), ("codigo", "VARCHAR(20)", True),
                        ("possui_rpa", "BOOLEAN", True), ("status_ativo", "BOOLEAN", True),
                        ("url_portal", "VARCHAR(500)", False), ("instrucoes_acesso", "TEXT", False),
                        ("configuracao_rpa", "JSON", False), ("classe_rpa", "VARCHAR(100)", False)] + base,
         ["PRIMARY KEY (id)", "UNIQUE (id)"]),
        ("usuarios", [("nome_completo", "VARCHAR(255)", True), ("email", "VARCHAR(255)", True),
                      ("telefone", "VARCHAR(20)", False), ("perfil_usuario", "VARCHAR(50)", True),
                      ("status_ativo", "BOOLEAN", True)] + base,
         ["PRIMARY KEY (id)", "UNIQUE (id)"]),
        ("clientes", [("hash_unico", "VARCHAR(50)", True), ("razao_social", "VARCHAR(255)", True),
                      ("nome_sat", "VARCHAR(255)", True), ("cnpj", "VARCHAR(20)", True),
                      ("operadora_id", guid, True), ("filtro", "VARCHAR(255)", False),
                      ("servico", "VARCHAR(255)", True), ("dados_sat", "TEXT", False),
                      ("unidade", "VARCHAR(100)", True), ("site_emissao", "VARCHAR(255)", False),
                      ("login_portal", "VARCHAR(100)", False), ("senha_portal", "VARCHAR(100)", False),
                      ("cpf", "VARCHAR(20)", False), ("status_ativo", "BOOLEAN", True)] + base,
         ["PRIMARY KEY (id)", "UNIQUE (id)",
          "CONSTRAINT uq_cliente_cnpj_operadora_unidade_servico UNIQUE (cnpj, operadora_id, unidade, servico)",
          "FOREIGN KEY(operadora_id) REFERENCES operadoras (id) ON DELETE RESTRICT"]),
        ("processos", [("cliente_id", guid, True), ("mes_ano", "VARCHAR(7)", True),
                       ("status_processo", "VARCHAR(50)", True), ("url_fatura", "VARCHAR(500)", False),
                       ("caminho_s3_fatura", "VARCHAR(500)", False), ("fatura_s3_key", "VARCHAR(500)", False),
                       ("fatura_filename", "VARCHAR(255)", False), ("data_upload_manual", ts, False),
                       ("data_vencimento", "DATE", False), ("valor_fatura", "NUMERIC(15, 2)", False),
                       ("aprovado_por_usuario_id", guid, False), ("data_aprovacao", ts, False),
                       ("enviado_para_sat", "BOOLEAN", True), ("data_envio_sat", ts, False),
                       ("tentativas_download", "NUMERIC(10, 0)", True),
                       ("ultima_tentativa_download", ts, False),
                       ("tentativas_upload_sat", "NUMERIC(10, 0)", True),
                       ("ultima_tentativa_upload_sat", ts, False), ("upload_manual", "BOOLEAN", True),
                       ("criado_automaticamente", "BOOLEAN", True), ("observacoes", "TEXT", False)] + base,
         ["PRIMARY KEY (id)", "UNIQUE (id)",
          "CONSTRAINT uq_processo_cliente_mes_ano UNIQUE (cliente_id, mes_ano)",
          "FOREIGN KEY(cliente_id) REFERENCES clientes (id) ON DELETE CASCADE",
          "FOREIGN KEY(aprovado_por_usuario_id) REFERENCES usuarios (id) ON DELETE SET NULL"]),
        ("execucoes", [("processo_id", guid, True), ("tipo_execucao", "VARCHAR(50)", True),
                       ("status_execucao", "VARCHAR(50)", True), ("classe_rpa_utilizada", "VARCHAR(100)", False),
                       ("job_id", "VARCHAR(100)", False), ("parametros_entrada", "JSON", False),
                       ("resultado_saida", "JSON", False), ("data_inicio", ts, True), ("data_fim", ts, False),
                       ("mensagem_log", "TEXT", False), ("url_arquivo_s3", "VARCHAR(500)", False),
                       ("numero_tentativa", "INTEGER", True), ("detalhes_erro", "JSON", False),
                       ("executado_por_usuario_id", guid, False), ("ip_origem", "VARCHAR(45)", False),
                       ("user_agent", "TEXT", False)] + base,
         ["PRIMARY KEY (id)", "UNIQUE (id)",
          "FOREIGN KEY(processo_id) REFERENCES processos (id) ON DELETE CASCADE",
          "FOREIGN KEY(executado_por_usuario_id) REFERENCES usuarios (id) ON DELETE SET NULL"]),
        ("agendamentos", [("nome_agendamento", "VARCHAR(255)", True), ("descricao", "TEXT", False),
                          ("cron_expressao", "VARCHAR(100)", True), ("tipo_agendamento", "VARCHAR(50)", True),
                          ("status_ativo", "BOOLEAN", True), ("proxima_execucao", ts, False),
                          ("ultima_execucao", ts, False), ("parametros_execucao", "JSON", False)] + base,
         ["PRIMARY KEY (id)", "UNIQUE (id)", "UNIQUE (nome_agendamento)"]),
        ("notificacoes", [("tipo_notificacao", "VARCHAR(50)", True), ("destinatario", "VARCHAR(255)", True),
                          ("assunto", "VARCHAR(255)", False), ("mensagem", "TEXT", True),
                          ("status_envio", "VARCHAR(50)", True), ("tentativas_envio", "INTEGER", True),
                          ("data_envio", ts, False), ("mensagem_erro", "TEXT", False)] + base,
         ["PRIMARY KEY (id)", "UNIQUE (id)"]),
    ]

# Columns added after create_all by the old start-up scripts, when the SQLite file has them.
ADDED = {"usuarios": [("username", "VARCHAR(255)"), ("password_hash", "VARCHAR(255)")],
         "agendamentos": [("operadora_id", "GUID")]}


def literal(v, pgtype):
    if v is None:
        return "NULL"
    t = pgtype.split()[0].upper()
    if t == "BOOLEAN":
        return "TRUE" if int(v) else "FALSE"
    if t == "BYTEA":
        b = v if isinstance(v, bytes) else str(v).encode("utf-8")
        return "'\\x" + b.hex() + "'::bytea"
    if t.startswith("NUMERIC"):
        # SQLite keeps DECIMAL as REAL: its shortest repr is the amount that was typed.
        return "'" + format(Decimal(repr(v) if isinstance(v, float) else str(v)), "f") + "'"
    if t in ("INTEGER", "SERIAL"):
        return str(int(v))
    s = v.decode("utf-8") if isinstance(v, bytes) else str(v)
    if t == "TIMESTAMP" and "WITH TIME ZONE" in pgtype.upper():
        s = s + "+00"
    return "'" + s.replace("'", "''") + "'"


def main(argv):
    if not argv or argv[0].startswith("-"):
        sys.exit(__doc__)
    path, ids = argv[0], "uuid"
    if "--ids" in argv:
        ids = argv[argv.index("--ids") + 1]
    guid = {"uuid": "UUID", "text": "VARCHAR(36)"}[ids]
    src = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    have = {r[0] for r in src.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    out = ["BEGIN;"]
    for table, cols, extra in schema(guid):
        if table not in have:
            continue
        lines = [f"    {c} {t}{' NOT NULL' if nn else ''}" for c, t, nn in cols] + [f"    {e}" for e in extra]
        out.append(f"CREATE TABLE {table} (\n" + ",\n".join(lines) + "\n);")
        present = [r[1] for r in src.execute(f"PRAGMA table_info({table})")]
        added = [(c, guid if t == "GUID" else t) for c, t in ADDED.get(table, []) if c in present]
        for c, t in added:
            out.append(f"ALTER TABLE {table} ADD COLUMN {c} {t};")
        allcols = [(c, t) for c, t, _ in cols] + added
        unknown = set(present) - {c for c, _ in allcols}
        if unknown:
            sys.exit(f"{table}: colunas fora do modelo antigo: {sorted(unknown)}")
        names = ", ".join(c for c, _ in allcols)
        for row in src.execute(f"SELECT {names} FROM {table}"):
            vals = ", ".join(literal(v, t) for v, (_, t) in zip(row, allcols))
            out.append(f"INSERT INTO {table} ({names}) VALUES ({vals});")
        if any(t == "SERIAL" for _, t in allcols):
            out.append(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE(MAX(id), 0) + 1, false) FROM {table};")
    # The models' indexes (ix_*), as create_all and inicializar_banco.py made them.
    for (sql,) in src.execute("SELECT sql FROM sqlite_master WHERE type='index' AND sql IS NOT NULL ORDER BY name"):
        out.append(sql + ";")
    out.append("COMMIT;")
    print("\n".join(out))


if __name__ == "__main__":
    main(sys.argv[1:])
