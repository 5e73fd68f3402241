// Asks why before a reject or a cancel: the reason is required and goes to the audit
// trail. A blank reason is refused here before the command; Rust checks it again.
import { useForm } from "../useForm.js";
import { CommandError } from "../api.js";
import { TextArea } from "./Field.jsx";
import { Banner } from "./Banner.jsx";

export function ReasonForm({ title, testId, confirmLabel, confirmTestId, onConfirm, onCancel }) {
  const { form, set, errors, message, busy, submit } = useForm({ reason: "" }, (values) => {
    const reason = values.reason.trim();
    if (!reason) {
      throw new CommandError({
        code: "VALIDATION",
        message: "Informe o motivo.",
        fields: [{ field: "reason", message: "Informe o motivo." }],
      });
    }
    return onConfirm(reason);
  });

  return (
    <form className="panel reason" onSubmit={submit} noValidate>
      <h3>{title}</h3>
      <Banner>{errors.reason ? null : message}</Banner>
      <TextArea label="Motivo" name="reason" value={form.reason} onChange={set("reason")} error={errors.reason} data-testid={testId} autoFocus />
      <div className="actions">
        <button type="submit" className="danger" disabled={busy} data-testid={confirmTestId}>
          {busy ? "Enviando…" : confirmLabel}
        </button>
        <button type="button" onClick={onCancel} disabled={busy}>
          Voltar
        </button>
      </div>
    </form>
  );
}
