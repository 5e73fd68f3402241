// The state every form of the desk needs: its values, the per-field errors and banner
// message Rust answered with, and a busy flag that blocks double submission.
import { useState } from "preact/hooks";

export function useForm(initial, save) {
  const [form, setForm] = useState(initial);
  const [errors, setErrors] = useState({});
  const [message, setMessage] = useState(null);
  const [busy, setBusy] = useState(false);
  const set = (key) => (value) => setForm((f) => ({ ...f, [key]: value }));

  async function submit(e) {
    e.preventDefault();
    setBusy(true);
    try {
      await save(form);
    } catch (err) {
      setErrors(err.fieldMap?.() ?? {});
      setMessage(err.message);
    } finally {
      setBusy(false);
    }
  }

  return { form, set, errors, message, busy, submit };
}
