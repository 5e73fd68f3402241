// Configurações → Máquinas robô (administrators, issue 19). Portal passwords are sealed
// to the approved robot machines: a desktop saves them and cannot open them. Here an
// administrator approves or removes machines (compare the fingerprint with the one the
// machine prints at start), exports this computer's identity for a replacement machine,
// imports one, and sees the clients whose password no approved machine can open. Rust
// checks the profile, the passphrase rules and audits; nothing secret comes back here.
import { useEffect, useState } from "preact/hooks";
import { api } from "../../api.js";
import { formatDateTime } from "../../format.js";

export const PASSPHRASE_MIN = 12;

// Checked here for a quick answer; Rust has the last word (same rules).
export function validatePassphrase(p, again) {
  if ((p ?? "").length < PASSPHRASE_MIN) return `A frase-senha precisa ter pelo menos ${PASSPHRASE_MIN} caracteres (uma frase curta, com espaços, serve).`;
  if (/^\d+$/.test(p)) return "A frase-senha não pode ter só números.";
  if (again !== undefined && p !== again) return "As duas frases-senha não são iguais.";
  return null;
}

function MachineRow({ m, busy, onDecide }) {
  return (
    <tr data-testid="robot-machine" data-status={m.status} data-name={m.name}>
      <td>
        {m.name}
        {m.this_computer && <span className="muted"> (este computador)</span>}
      </td>
      <td>{m.host}</td>
      <td>
        <code data-testid="robot-machine-fingerprint">{m.fingerprint}</code>
      </td>
      <td data-testid="robot-machine-status">{m.status_label}</td>
      <td>{formatDateTime(m.first_seen_at)}</td>
      <td>{formatDateTime(m.last_seen_at)}</td>
      <td className="actions">
        {m.status === "PENDENTE" && (
          <button type="button" className="primary" disabled={busy} onClick={() => onDecide(m, true)} data-testid="robot-machine-approve">
            Aprovar
          </button>
        )}
        {m.status !== "REMOVIDA" && (
          <button type="button" disabled={busy} onClick={() => onDecide(m, false)} data-testid="robot-machine-remove">
            Remover
          </button>
        )}
      </td>
    </tr>
  );
}

export function RobotMachines({ token }) {
  const [view, setView] = useState(null);
  const [error, setError] = useState(null);
  const [notice, setNotice] = useState(null);
  const [busy, setBusy] = useState(false);
  const [exp, setExp] = useState({ passphrase: "", again: "" });
  const [imp, setImp] = useState({ file: "", name: "", passphrase: "" });

  useEffect(() => {
    api.listRobotMachines(token).then(setView, (e) => setError(e.message));
  }, [token]);

  const run = async (work, done) => {
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      const r = await work();
      done(r);
    } catch (e) {
      setError(e.message);
    } finally {
      setBusy(false);
    }
  };

  const decide = (m, approve) => {
    const q = approve
      ? `Aprovar a máquina ${m.name}? Confira antes se a impressão digital é a que ela mostra ao iniciar:\n${m.fingerprint}`
      : `Remover a máquina ${m.name}? As senhas dos portais são seladas de novo sem ela e a chave dela não abre mais nada guardado depois disso.`;
    if (!window.confirm(q)) return;
    run(
      () => api.decideRobotMachine(token, m.id, approve),
      (v) => {
        setView(v);
        setNotice(approve ? `Máquina ${m.name} aprovada: as máquinas robô selam as senhas para ela no próximo ciclo.` : `Máquina ${m.name} removida.`);
      },
    );
  };

  const doExport = (ev) => {
    ev.preventDefault();
    const problem = validatePassphrase(exp.passphrase, exp.again);
    if (problem) return setError(problem);
    run(
      () => api.exportRobotIdentity(token, exp.passphrase),
      (r) => {
        setExp({ passphrase: "", again: "" });
        setNotice(`Identidade exportada em ${r.path}. Guarde o arquivo e a frase-senha em lugares diferentes.`);
      },
    );
  };

  const pickFile = (ev) => {
    const f = ev.currentTarget.files?.[0];
    if (!f) return;
    const reader = new FileReader();
    reader.onload = () => setImp((s) => ({ ...s, file: String(reader.result ?? ""), name: f.name }));
    reader.readAsText(f);
  };

  const doImport = (ev) => {
    ev.preventDefault();
    if (!imp.file) return setError("Escolha o arquivo da identidade exportada.");
    run(
      () => api.importRobotIdentity(token, imp.file, imp.passphrase),
      (v) => {
        setView(v);
        setImp({ file: "", name: "", passphrase: "" });
        setNotice("Identidade importada neste computador: o serviço de robôs passa a usá-la no próximo início.");
      },
    );
  };

  return (
    <section className="panel" data-testid="robot-machines" aria-busy={view ? "false" : "true"}>
      <h2>Máquinas robô</h2>
      <p className="muted">
        As senhas dos portais são guardadas seladas para as máquinas robô aprovadas: só elas abrem as senhas; os computadores do escritório apenas as guardam. Cada máquina
        robô se registra sozinha ao iniciar e fica aguardando aprovação.
      </p>
      {error && (
        <p className="field__error" role="alert" data-testid="robot-machines-error">
          {error}
        </p>
      )}
      {notice && (
        <p className="connection-result connection-result--ok" role="status" data-testid="robot-machines-notice">
          {notice}
        </p>
      )}
      {view && (
        <>
          {view.machines.length === 0 ? (
            <p data-testid="robot-machines-empty">Nenhuma máquina robô registrada ainda.</p>
          ) : (
            <table className="table">
              <thead>
                <tr>
                  <th>Nome</th>
                  <th>Computador</th>
                  <th>Impressão digital</th>
                  <th>Situação</th>
                  <th>Visto pela primeira vez</th>
                  <th>Visto por último</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {view.machines.map((m) => (
                  <MachineRow key={m.id} m={m} busy={busy} onDecide={decide} />
                ))}
              </tbody>
            </table>
          )}
          {view.waiting_reseal > 0 && (
            <p className="muted" data-testid="robot-machines-waiting">
              {view.waiting_reseal} senha(s) aguardando ser seladas de novo por uma máquina robô aprovada (acontece no próximo ciclo dela).
            </p>
          )}
          {view.to_retype.length > 0 && (
            <div data-testid="robot-machines-retype">
              <h3>Senhas que precisam ser digitadas de novo</h3>
              <ul>
                {view.to_retype.map((r) => (
                  <li key={r.client_id} data-testid="retype-client">
                    <strong>{r.client_name}</strong>: {r.reason}
                  </li>
                ))}
              </ul>
            </div>
          )}
          {view.this_computer && (
            <form onSubmit={doExport} noValidate data-testid="robot-identity-export">
              <h3>Exportar a identidade deste computador</h3>
              <p className="muted">
                Impressão digital: <code>{view.this_computer}</code>. O arquivo só abre com a frase-senha (pelo menos {PASSPHRASE_MIN} caracteres, não só números); sem ela,
                não serve para nada.
              </p>
              <label className="field">
                <span>Frase-senha</span>
                <input type="password" autoComplete="new-password" value={exp.passphrase} onInput={(e) => setExp((s) => ({ ...s, passphrase: e.currentTarget.value }))} data-testid="export-passphrase" />
              </label>
              <label className="field">
                <span>Repita a frase-senha</span>
                <input type="password" autoComplete="new-password" value={exp.again} onInput={(e) => setExp((s) => ({ ...s, again: e.currentTarget.value }))} data-testid="export-passphrase-again" />
              </label>
              <div className="actions">
                <button type="submit" disabled={busy} data-testid="export-identity">
                  Exportar identidade
                </button>
              </div>
            </form>
          )}
          <form onSubmit={doImport} noValidate data-testid="robot-identity-import">
            <h3>Importar uma identidade (máquina substituta)</h3>
            <label className="field">
              <span>Arquivo exportado</span>
              <input type="file" accept=".age,text/plain" onChange={pickFile} data-testid="import-file" />
            </label>
            <label className="field">
              <span>Frase-senha</span>
              <input type="password" autoComplete="off" value={imp.passphrase} onInput={(e) => setImp((s) => ({ ...s, passphrase: e.currentTarget.value }))} data-testid="import-passphrase" />
            </label>
            <div className="actions">
              <button type="submit" disabled={busy} data-testid="import-identity">
                Importar identidade
              </button>
            </div>
          </form>
        </>
      )}
    </section>
  );
}

export default RobotMachines;
