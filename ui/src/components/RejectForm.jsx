// Rejecting an invoice: a reason from Rust's list (rejection_reasons) plus free text,
// required for the codes that say so (OUTRO). Checked here before the command; Rust
// checks again, and its per-field answer lands under the field it names.
import { useEffect, useState } from "preact/hooks";
import { api, CommandError } from "../api.js";
import { Select, TextArea } from "./Field.jsx";

export const MIN_REASON_TEXT = 5;

// The same rule as Rust's: a code is required; its text when the code asks for one.
export function validateRejection(code, text, reasons) {
  const fields = [];
  const reason = (reasons ?? []).find((r) => r.code === code);
  if (!code) fields.push({ field: "reason_code", message: "Escolha o motivo da rejeição." });
  else if (reasons?.length && !reason) fields.push({ field: "reason_code", message: "Motivo desconhecido; escolha um da lista." });
  if (reason?.text_required && text.trim().length < MIN_REASON_TEXT) {
    fields.push({ field: "reason", message: `Descreva o motivo (pelo menos ${MIN_REASON_TEXT} caracteres).` });
  }
  return fields;
}

export function RejectForm({ token, onConfirm, onCancel, title = "Rejeitar a fatura" }) {
  const [reasons, setReasons] = useState(null);
  const [loadError, setLoadError] = useState(null);
  const [code, setCode] = useState("");
  const [text, setText] = useState("");
  const [errors, setErrors] = useState({});
  const [message, setMessage] = useState(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let live = true;
    api
      .rejectionReasons(token)
      .then((list) => live && setReasons(list ?? []))
      .catch((err) => live && setLoadError(err.message));
    return () => {
      live = false;
    };
  }, [token]);

  const chosen = reasons?.find((r) => r.code === code);

  async function submit(e) {
    e.preventDefault();
    const fields = validateRejection(code, text, reasons);
    if (fields.length) {
      setErrors(Object.fromEntries(fields.map((f) => [f.field, f.message])));
      setMessage(null);
      return;
    }
    setBusy(true);
    setErrors({});
    setMessage(null);
    try {
      await onConfirm(text.trim(), code);
    } catch (err) {
      const map = err instanceof CommandError ? err.fieldMap() : {};
      setErrors(map);
      setMessage(Object.keys(map).length ? null : err.message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="panel reason reject-form" onSubmit={submit} noValidate data-testid="reject-form">
      <h3>{title}</h3>
      {loadError && (
        <p className="field__error" role="alert">
          {loadError}
        </p>
      )}
      {message && (
        <p className="field__error" role="alert" data-testid="reject-error">
          {message}
        </p>
      )}
      <Select
        label="Motivo"
        name="reason_code"
        value={code}
        onChange={(v) => {
          setCode(v);
          setErrors((e) => ({ ...e, reason_code: undefined }));
        }}
        error={errors.reason_code}
        data-testid="reject-reason-code"
        disabled={!reasons}
        autoFocus
      >
        <option value="">{reasons ? "Escolha o motivo…" : "Carregando os motivos…"}</option>
        {(reasons ?? []).map((r) => (
          <option key={r.code} value={r.code}>
            {r.label}
          </option>
        ))}
      </Select>
      <TextArea
        label={chosen?.text_required ? "Descrição (obrigatória)" : "Descrição (opcional)"}
        name="reason"
        value={text}
        onChange={(v) => {
          setText(v);
          setErrors((e) => ({ ...e, reason: undefined }));
        }}
        error={errors.reason}
        data-testid="reject-reason-text"
        maxLength={500}
      />
      <div className="actions">
        <button type="submit" className="danger" disabled={busy || !reasons} data-testid="btn-confirmar-rejeicao">
          {busy ? "Enviando…" : "Confirmar rejeição"}
        </button>
        <button type="button" onClick={onCancel} disabled={busy} data-testid="btn-voltar-rejeicao">
          Voltar
        </button>
      </div>
    </form>
  );
}
