// The plumbing the Robô and Armazenamento sections share: load the stored settings into
// a form, check it here before asking Rust ("Testar" and "Salvar"), show Rust's field
// errors, and after a save show the stored values again with the restart notice (or
// "Nada mudou."). Secret fields start empty each time: `fromSettings` never fills them.
import { useEffect, useState } from "preact/hooks";

export function useSettingsForm({ token, load, fromSettings, validate, toInput, test, save }) {
  const [settings, setSettings] = useState(null);
  const [form, setForm] = useState(null);
  const [errors, setErrors] = useState({});
  const [error, setError] = useState(null);
  const [result, setResult] = useState(null); // {ok, message} of the last test
  const [restart, setRestart] = useState(null);
  const [busy, setBusy] = useState(null); // null | "test" | "save"
  const set = (key) => (value) => {
    setForm((f) => ({ ...f, [key]: value }));
    setResult(null);
  };

  useEffect(() => {
    let live = true;
    load(token)
      .then((s) => {
        if (!live) return;
        setSettings(s);
        setForm(fromSettings(s));
      })
      .catch((err) => live && setError(err.message));
    return () => {
      live = false;
    };
  }, [token]);

  async function run(kind, action) {
    const found = validate(form, settings);
    setErrors(found);
    setError(null);
    if (Object.keys(found).length) return;
    setBusy(kind);
    try {
      await action();
    } catch (err) {
      setErrors(err.fieldMap?.() ?? {});
      setError(err.message);
    } finally {
      setBusy(null);
    }
  }

  const runTest = () =>
    run("test", async () => {
      setResult(null);
      setResult(await test(token, toInput(form, settings)));
    });

  const submit = (e) => {
    e.preventDefault();
    return run("save", async () => {
      const r = await save(token, toInput(form, settings));
      setSettings(r.settings);
      setForm(fromSettings(r.settings));
      setRestart(r.changed ? r.message : null);
      if (!r.changed) setResult({ ok: true, message: r.message || "Nada mudou." });
    });
  };

  return { settings, form, set, errors, error, result, restart, busy, runTest, submit };
}
