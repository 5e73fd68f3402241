// Typing the amount and the due date when the invoice could not be read (or was read
// wrong). Only what changed is sent; Rust checks it again, marks the source "Digitado"
// and answers per field. Bad input stays on screen with its message; nothing is sent.
import { useState } from "preact/hooks";
import { api } from "../api.js";
import { Field } from "./Field.jsx";

const AMOUNT_RE = /^(?:R\$\s*)?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d{1,2})?$/;
const MAX_CENTS = 99_999_999_999; // R$ 999.999.999,99, as Rust

// "1234.56" (the wire) -> "1.234,56" (what a person types).
export function decimalToTyped(value) {
  if (value === null || value === undefined || value === "") return "";
  const m = /^(\d+)(?:\.(\d{1,2}))?$/.exec(String(value).trim());
  if (!m) return String(value);
  const whole = m[1].replace(/^0+(?=\d)/, "").replace(/\B(?=(\d{3})+(?!\d))/g, ".");
  return `${whole},${(m[2] ?? "").padEnd(2, "0")}`;
}

// "R$ 1.234,5" -> 123450; null when it is not a pt-BR amount.
export function typedToCents(text) {
  const s = String(text ?? "").trim();
  if (!AMOUNT_RE.test(s)) return null;
  const [whole, frac = ""] = s.replace(/^R\$\s*/, "").replace(/\./g, "").split(",");
  return Number(whole) * 100 + Number(frac.padEnd(2, "0"));
}

// {field: message} for what is wrong in the typed values (empty when they may be sent).
export function validateValues({ amount, dueDate }) {
  const errors = {};
  if (amount.trim() !== "") {
    const cents = typedToCents(amount);
    if (cents === null) errors.amount = "Informe o valor como 1.234,56.";
    else if (cents > MAX_CENTS) errors.amount = "O valor deve ser no máximo R$ 999.999.999,99.";
  }
  if (dueDate !== "") {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(dueDate);
    const d = m ? new Date(Date.UTC(+m[1], +m[2] - 1, +m[3])) : null;
    const valid = d && d.getUTCFullYear() === +m[1] && d.getUTCMonth() === +m[2] - 1 && d.getUTCDate() === +m[3];
    if (!valid) errors.due_date = "Informe uma data válida (dd/mm/aaaa).";
    else if (+m[1] < 2000 || +m[1] > 2100) errors.due_date = "O ano do vencimento deve estar entre 2000 e 2100.";
  }
  return errors;
}

export function InvoiceValuesForm({ token, process: p, onSaved }) {
  const initialAmount = decimalToTyped(p.amount);
  const initialDue = p.due_date ?? "";
  const [amount, setAmount] = useState(initialAmount);
  const [dueDate, setDueDate] = useState(initialDue);
  const [errors, setErrors] = useState({});
  const [message, setMessage] = useState(null);
  const [busy, setBusy] = useState(false);

  async function submit(e) {
    e.preventDefault();
    setMessage(null);
    const found = validateValues({ amount, dueDate });
    const amountChanged = amount.trim() !== initialAmount;
    const dueChanged = dueDate !== initialDue;
    if (amountChanged && amount.trim() === "") found.amount = "Informe o valor.";
    if (dueChanged && dueDate === "") found.due_date = "Informe o vencimento.";
    if (Object.keys(found).length) {
      setErrors(found);
      return;
    }
    if (!amountChanged && !dueChanged) {
      setErrors({});
      setMessage("Nada mudou: altere o valor ou o vencimento antes de salvar.");
      return;
    }
    setBusy(true);
    setErrors({});
    try {
      const row = await api.setInvoiceValues(token, p.id, p.version, amountChanged ? amount.trim() : null, dueChanged ? dueDate : null);
      await onSaved?.(row);
    } catch (err) {
      const map = err.fieldMap?.() ?? {};
      setErrors(map);
      setMessage(Object.keys(map).length ? null : err.message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="values-form" onSubmit={submit} noValidate data-testid="values-form">
      {message && (
        <p className="field__error" role="alert" data-testid="values-message">
          {message}
        </p>
      )}
      <div className="values-form__fields">
        <Field
          label="Valor (R$)"
          name="amount"
          value={amount}
          onChange={setAmount}
          error={errors.amount}
          inputMode="decimal"
          placeholder="1.234,56"
          autoComplete="off"
          data-testid="values-amount"
        />
        <Field label="Vencimento" name="due_date" type="date" value={dueDate} onChange={setDueDate} error={errors.due_date} data-testid="values-due-date" />
      </div>
      <button type="submit" disabled={busy} data-testid="btn-salvar-valores">
        {busy ? "Salvando…" : "Salvar valores"}
      </button>
    </form>
  );
}
