// Whether the shared database's connection is encrypted, in the header. Rust asks the
// server itself (`database_security`, from pg_stat_ssl): the configured mode is not
// evidence, since "prefer" quietly stays plain when the server has no TLS. Nothing is
// shown for the embedded database (no network) or while the server does not answer
// (the outage banner speaks then).
import { useEffect, useState } from "preact/hooks";
import { api } from "../api.js";

export function securityLabel(s) {
  if (!s) return null;
  return s.encrypted ? "Banco: conexão criptografada" : "Banco: conexão SEM criptografia";
}

export function securityTooltip(s) {
  if (!s) return "";
  if (s.encrypted) return [s.protocol, s.cipher].filter(Boolean).join(" · ");
  return "Os dados e as senhas passam pela rede sem proteção. Peça ao administrador para usar \"Verificar o servidor (verify-full)\" com o SSL ativado no servidor.";
}

export function DbSecurity({ token }) {
  const [security, setSecurity] = useState(null);

  useEffect(() => {
    let live = true;
    api
      .databaseSecurity(token)
      .then((s) => live && setSecurity(s ?? null))
      .catch(() => {}); // an unreachable server is the banner's to report
    return () => {
      live = false;
    };
  }, [token]);

  if (!security) return null;
  return (
    <span
      className={`db-security ${security.encrypted ? "db-security--ok" : "db-security--plain"}`}
      title={securityTooltip(security)}
      role={security.encrypted ? undefined : "status"}
      data-testid="db-security"
    >
      {securityLabel(security)}
    </span>
  );
}
