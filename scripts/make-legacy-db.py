#!/usr/bin/python3
"""Builds a database shaped like the old Flask system's, with synthetic rows, for the
"moving in from the old system" import (crates/brm-legacy) and its tests.

Usage:
    scripts/make-legacy-db.py OUT.sqlite3 [--env OUT.env]   SQLite file (replaced) + old .env
    scripts/make-legacy-db.py --sql [--env OUT.env]          PostgreSQL DDL + rows on stdout,
                                                              for `psql -v ON_ERROR_STOP=1`

Only the Python standard library (sqlite3, hashlib, uuid). Every id is a uuid5 of a fixed
name, so two runs make the same rows.

The old schema (Flask-SQLAlchemy, UUID keys as 36-character text, pt-BR column names).
There is no real old database to copy; this is the schema the old code's models describe:

  operadoras(id, nome, codigo, possui_rpa, rpa_terceirizado, url_endpoint_rpa, url_portal,
             instrucoes_acesso, ativo, criado_em, atualizado_em)
  clientes(id, hash, razao_social, nome_sat, cnpj (with punctuation, as typed), operadora_id,
           filtro, servico, dados_sat, unidade, categoria_sat, site_emissao, login_portal,
           senha_portal (PLAIN TEXT: the old system's mistake), cpf, observacoes, ativo,
           criado_em, atualizado_em)
  processos(id, cliente_id, mes_ano 'MM/AAAA', status (free text: the old code wrote values
            outside its own enum), valor (NUMERIC / REAL), vencimento (DATE), criado_por
            (users or usuarios id), aprovado_por, aprovado_em, observacoes, criado_em,
            atualizado_em)
  execucoes(id, processo_id, tipo, status, job_id, logs (one text, a line per message),
            erro, iniciado_em, finalizado_em, criado_em)
  users(id, username, email, password)           the legacy Flask-Login table
  usuarios(id, nome, email, senha_hash, perfil, ativo, criado_em)   the newer one

Password hashes (both user tables): 64 hexadecimal characters of salt followed by the
hexadecimal PBKDF2-HMAC-SHA512 of the password, salted with those 64 characters as ASCII,
100,000 iterations. Every synthetic user's password is LEGACY_PASSWORD below.

The old `.env` (--env) holds API_EXTERNA_URL and API_EXTERNA_TOKEN in plain text.

Rows made on purpose to be rejected by the import (each with a pt-BR reason): an operator
with an invalid code, a client with a bad CNPJ, a client of an operator that does not
exist, a process with an unknown status, one with month 13/2024, one of a missing client,
a duplicate (client, month), an execution of a missing process, a user with an unknown
profile and one with a hash in another format.
"""

import hashlib
import os
import sqlite3
import sys
import uuid

LEGACY_PASSWORD = "Legado@Senha2024"
ROBOT_URL = "http://rpa-antigo.invalid:8000"
ROBOT_TOKEN = "token-antigo-do-robo-0123456789"
NS = uuid.UUID("6f1c2f4e-8a53-4c71-9d0e-2b7f3c1a9e55")


def uid(name):
    return str(uuid.uuid5(NS, name))


def legacy_hash(password, seed):
    salt = hashlib.sha256(seed.encode()).hexdigest()  # 64 hex characters
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt.encode("ascii"), 100_000)
    return salt + digest.hex()


def cnpj(base12):
    """A CNPJ with valid check digits, punctuated as people typed it."""
    digits = [int(c) for c in base12]
    for weights in ([5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2], [6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]):
        s = sum(d * w for d, w in zip(digits, weights)) % 11
        digits.append(0 if s < 2 else 11 - s)
    d = "".join(map(str, digits))
    return f"{d[:2]}.{d[2:5]}.{d[5:8]}/{d[8:12]}-{d[12:]}"


TS = "2024-05-02 09:15:00.000000"
# The duplicate (client, month) comes later: the import keeps the first one.
TS_LATER = "2024-06-01 10:00:00.000000"

OPERADORAS = [
    # id, nome, codigo, possui_rpa, rpa_terceirizado, url_endpoint_rpa, url_portal, instrucoes, ativo
    (uid("op:VIVO"), "VIVO", "VIVO", 1, 0, None, "https://mve.vivo.com.br", None, 1),
    (uid("op:OI"), "OI", "OI", 1, 0, None, None, None, 1),
    (uid("op:EMBRATEL"), "EMBRATEL", "EMBRATEL", 1, 1, "https://rpa.embratel.invalid/api", None, None, 1),
    (uid("op:DIGITALNET"), "DigitalNet", "DIGITALNET", 0, 0, None, None, "Fatura por e-mail", 1),
    (uid("op:ruim"), "Operadora de Teste", "op teste", 1, 0, None, None, None, 0),
]
OP = {o[2]: o[0] for o in OPERADORAS}

CLIENTES = [
    # key, hash, razao_social, nome_sat, cnpj, operadora, filtro, servico, unidade, login, senha, ativo
    ("acme", "H-ACME-VIVO", "ACME Indústria Ltda", "ACME", cnpj("112223330001"), OP["VIVO"],
     "0301-1", "Móvel", "Matriz", "acme.vivo", "Portal#Acme1", 1),
    ("beta", "H-BETA-OI", "Beta Serviços S.A.", None, cnpj("445556660001"), OP["OI"],
     None, "Fixo", "", "beta.oi", "Portal#Beta2", 1),
    ("gama", "H-GAMA-EMB", "Gama Logística Eireli", "GAMA LOG", cnpj("778889990001"), OP["EMBRATEL"],
     "EMB-77", "Link dedicado", "Filial SP", "gama", "Portal#Gama3", 1),
    ("delta", "H-DELTA-DN", "Delta Comércio Ltda", None, cnpj("123456780001"), OP["DIGITALNET"],
     None, "", "", None, None, 0),
    ("cnpj-ruim", "H-RUIM", "Empresa do CNPJ Errado", None, "11.111.111/1111-11", OP["VIVO"],
     None, "Móvel", "", "x", "Portal#Ruim", 1),
    ("orfao", "H-ORFAO", "Cliente Sem Operadora", None, cnpj("998887770001"), uid("op:nao-existe"),
     None, "", "", None, "Portal#Orfao", 1),
]
CLI = {c[0]: uid("cli:" + c[0]) for c in CLIENTES}

# Every status the old code wrote, with the month each process is in.
PROCESSOS = [
    # key, cliente, mes_ano, status, valor, vencimento
    ("p1", "acme", "01/2024", "UPLOAD_REALIZADO", 1234.56, "2024-02-10"),
    ("p2", "acme", "02/2024", "CONCLUIDO", 1299.90, "2024-03-10"),
    ("p3", "acme", "03/2024", "SAT_CONCLUIDO", 1310.00, "2024-04-10"),
    ("p4", "acme", "04/2024", "ENVIADO_SAT", 1280.10, "2024-05-10"),
    ("p5", "acme", "05/2024", "APROVADO", 1301.00, "2024-06-10"),
    ("p6", "beta", "01/2024", "AGUARDANDO_DOWNLOAD", None, None),
    ("p7", "beta", "02/2024", "DOWNLOAD_EM_ANDAMENTO", None, None),
    ("p8", "beta", "03/2024", "ERRO_DOWNLOAD", None, None),
    ("p9", "beta", "04/2024", "DOWNLOAD_CONCLUIDO", 89.90, "2024-05-20"),
    ("p10", "beta", "05/2024", "PENDENTE_APROVACAO", 92.15, "2024-06-20"),
    ("p11", "gama", "01/2024", "AGUARDANDO_APROVACAO", 5400.00, "2024-02-05"),
    ("p12", "gama", "02/2024", "REJEITADO", 5400.00, "2024-03-05"),
    ("p13", "gama", "03/2024", "SAT_EM_ANDAMENTO", 5350.00, "2024-04-05"),
    ("p14", "gama", "04/2024", "ERRO_SAT", 5390.00, "2024-05-05"),
    ("p15", "gama", "05/2024", "AGUARDANDO_ENVIO_SAT", 5410.00, "2024-06-05"),
    ("p16", "delta", "01/2024", "CANCELADO", None, None),
    # rejected on purpose
    ("p-status", "delta", "02/2024", "STATUS_INVENTADO", None, None),
    ("p-mes", "delta", "13/2024", "AGUARDANDO_DOWNLOAD", None, None),
    ("p-orfao", "nao-existe", "03/2024", "AGUARDANDO_DOWNLOAD", None, None),
    ("p-dup", "acme", "01/2024", "AGUARDANDO_DOWNLOAD", None, None),
]
PRO = {p[0]: uid("proc:" + p[0]) for p in PROCESSOS}

EXECUCOES = [
    # key, processo, tipo, status, job_id, logs, erro
    ("e1", "p1", "DOWNLOAD_FATURA", "CONCLUIDO", "job-legado-001",
     "Acessando portal\nFatura baixada", None),
    ("e2", "p1", "UPLOAD_SAT", "CONCLUIDO", "job-legado-002", "Enviado ao SAT", None),
    ("e3", "p8", "DOWNLOAD_FATURA", "ERRO", "job-legado-003",
     "Acessando portal\nSenha inválida no portal", "Senha inválida no portal"),
    ("e4", "p7", "DOWNLOAD_FATURA", "EXECUTANDO", "job-legado-004", "Acessando portal", None),
    ("e-orfao", "p-nao-existe", "DOWNLOAD_FATURA", "CONCLUIDO", None, None, None),
]

USERS = [
    # key, username, email
    ("joao", "joao", "joao@beg.com.br"),
    ("maria-legado", "maria", "Maria@BEG.com.br"),  # also in usuarios: one person
]
USUARIOS = [
    # key, nome, email, perfil, ativo, hash override
    ("maria", "Maria Souza", "maria@beg.com.br", "admin", 1, None),
    ("pedro", "Pedro Lima", "pedro@beg.com.br", "aprovador", 1, None),
    ("lucia", "Lúcia Reis", "lucia@beg.com.br", "operador", 0, None),
    ("rui", "Rui Perfil", "rui@beg.com.br", "supervisor", 1, None),
    ("bcrypt", "Bia Cripto", "bia@beg.com.br", "operador", 1, "$2b$12$abcdefghijklmnopqrstuv"),
]


def rows():
    ops = [o + (TS, TS) for o in OPERADORAS]
    clis = [
        (CLI[c[0]], c[1], c[2], c[3], c[4], c[5], c[6], c[7], None, c[8], None, None, c[9], c[10],
         None, None, c[11], TS, TS)
        for c in CLIENTES
    ]
    procs = [
        (PRO[p[0]], CLI.get(p[1], uid("cli:" + p[1])), p[2], p[3], p[4], p[5],
         uid("usuario:maria"), None, None, None, TS_LATER if p[0] == "p-dup" else TS, TS)
        for p in PROCESSOS
    ]
    execs = [
        (uid("exec:" + e[0]), PRO.get(e[1], uid("proc:" + e[1])), e[2], e[3], e[4], e[5], e[6],
         "2024-05-02 09:00:00", None if e[3] == "EXECUTANDO" else "2024-05-02 09:05:00", TS)
        for e in EXECUCOES
    ]
    users = [(uid("user:" + u[0]), u[1], u[2], legacy_hash(LEGACY_PASSWORD, u[2].lower()))
             for u in USERS]
    usuarios = [(uid("usuario:" + u[0]), u[1], u[2],
                 u[5] or legacy_hash(LEGACY_PASSWORD, "novo:" + u[2]), u[3], u[4], TS)
                for u in USUARIOS]
    return {
        "operadoras": ops, "clientes": clis, "processos": procs, "execucoes": execs,
        "users": users, "usuarios": usuarios,
    }


COLUMNS = {
    "operadoras": "id, nome, codigo, possui_rpa, rpa_terceirizado, url_endpoint_rpa, url_portal, "
                  "instrucoes_acesso, ativo, criado_em, atualizado_em",
    "clientes": "id, hash, razao_social, nome_sat, cnpj, operadora_id, filtro, servico, dados_sat, "
                "unidade, categoria_sat, site_emissao, login_portal, senha_portal, cpf, observacoes, "
                "ativo, criado_em, atualizado_em",
    "processos": "id, cliente_id, mes_ano, status, valor, vencimento, criado_por, aprovado_por, "
                 "aprovado_em, observacoes, criado_em, atualizado_em",
    "execucoes": "id, processo_id, tipo, status, job_id, logs, erro, iniciado_em, finalizado_em, "
                 "criado_em",
    "users": "id, username, email, password",
    "usuarios": "id, nome, email, senha_hash, perfil, ativo, criado_em",
}

# {B} boolean, {N} money, {T} timestamp, {D} date: SQLite and PostgreSQL spellings.
DDL = """
CREATE TABLE operadoras (id VARCHAR(36) PRIMARY KEY, nome VARCHAR(100) NOT NULL,
  codigo VARCHAR(50) NOT NULL, possui_rpa {B}, rpa_terceirizado {B}, url_endpoint_rpa VARCHAR(500),
  url_portal VARCHAR(500), instrucoes_acesso TEXT, ativo {B}, criado_em {T}, atualizado_em {T});
CREATE TABLE clientes (id VARCHAR(36) PRIMARY KEY, hash VARCHAR(100), razao_social VARCHAR(200),
  nome_sat VARCHAR(200), cnpj VARCHAR(20), operadora_id VARCHAR(36), filtro VARCHAR(100),
  servico VARCHAR(100), dados_sat VARCHAR(200), unidade VARCHAR(100), categoria_sat VARCHAR(100),
  site_emissao VARCHAR(500), login_portal VARCHAR(200), senha_portal VARCHAR(200), cpf VARCHAR(20),
  observacoes TEXT, ativo {B}, criado_em {T}, atualizado_em {T});
CREATE TABLE processos (id VARCHAR(36) PRIMARY KEY, cliente_id VARCHAR(36), mes_ano VARCHAR(7),
  status VARCHAR(50), valor {N}, vencimento {D}, criado_por VARCHAR(36), aprovado_por VARCHAR(36),
  aprovado_em {T}, observacoes TEXT, criado_em {T}, atualizado_em {T});
CREATE TABLE execucoes (id VARCHAR(36) PRIMARY KEY, processo_id VARCHAR(36), tipo VARCHAR(50),
  status VARCHAR(50), job_id VARCHAR(100), logs TEXT, erro TEXT, iniciado_em {T},
  finalizado_em {T}, criado_em {T});
CREATE TABLE users (id VARCHAR(36) PRIMARY KEY, username VARCHAR(64), email VARCHAR(120),
  password VARCHAR(255));
CREATE TABLE usuarios (id VARCHAR(36) PRIMARY KEY, nome VARCHAR(200), email VARCHAR(120),
  senha_hash VARCHAR(255), perfil VARCHAR(30), ativo {B}, criado_em {T});
"""

BOOL_COLUMNS = {"possui_rpa", "rpa_terceirizado", "ativo"}


def pg_literal(column, v):
    if v is None:
        return "NULL"
    if column in BOOL_COLUMNS:
        return "TRUE" if v else "FALSE"
    if isinstance(v, (int, float)):
        return repr(v)
    return "'" + str(v).replace("'", "''") + "'"


def write_sqlite(path):
    if os.path.exists(path):
        os.remove(path)
    con = sqlite3.connect(path)
    con.executescript(DDL.format(B="BOOLEAN", N="NUMERIC(12, 2)", T="DATETIME", D="DATE"))
    for table, data in rows().items():
        marks = ", ".join("?" for _ in COLUMNS[table].split(","))
        con.executemany(f"INSERT INTO {table} ({COLUMNS[table]}) VALUES ({marks})", data)
    con.commit()
    con.close()


def print_postgres():
    out = [DDL.format(B="BOOLEAN", N="NUMERIC(12, 2)", T="TIMESTAMP", D="DATE")]
    for table, data in rows().items():
        cols = [c.strip() for c in COLUMNS[table].split(",")]
        for r in data:
            values = ", ".join(pg_literal(c, v) for c, v in zip(cols, r))
            out.append(f"INSERT INTO {table} ({COLUMNS[table]}) VALUES ({values});")
    print("\n".join(out))


def write_env(path):
    with open(path, "w", encoding="utf-8") as f:
        f.write("# .env do sistema antigo (Flask)\n")
        f.write("SECRET_KEY=nao-usada\n")
        f.write(f"API_EXTERNA_URL={ROBOT_URL}\n")
        f.write(f'API_EXTERNA_TOKEN="{ROBOT_TOKEN}"\n')


def main(argv):
    env = None
    if "--env" in argv:
        i = argv.index("--env")
        env = argv[i + 1]
        del argv[i:i + 2]
    if argv == ["--sql"]:
        print_postgres()
    elif len(argv) == 1 and not argv[0].startswith("-"):
        write_sqlite(argv[0])
    else:
        sys.stderr.write(__doc__)
        return 2
    if env:
        write_env(env)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
