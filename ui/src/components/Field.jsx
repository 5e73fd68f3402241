import { useLayoutEffect, useRef } from "preact/hooks";

// `autoFocus` focuses the control once, when it is put on screen. Not the HTML
// `autofocus` attribute: WebKit applies that at its next rendering update, which on a
// busy machine came after the person (or the end-to-end test) had started typing in
// another field, and the rest of what they typed landed in this one.
export function useAutoFocus(autoFocus) {
  const ref = useRef(null);
  useLayoutEffect(() => {
    if (autoFocus) ref.current?.focus();
  }, []);
  return ref;
}

// A labelled input with its own error line; the error text comes from Rust as is.
// Text fields listen to `input` (every keystroke); Preact's onChange is the DOM `change`
// event, which fires only when the field loses focus.
export function Field({ label, name, error, type = "text", value, onChange, autoFocus, ...rest }) {
  const id = `f-${name}`;
  const ref = useAutoFocus(autoFocus);
  return (
    <div className={`field${error ? " field--error" : ""}`}>
      <label htmlFor={id}>{label}</label>
      <input
        ref={ref}
        id={id}
        name={name}
        type={type}
        value={value ?? ""}
        onInput={(e) => onChange(e.currentTarget.value)}
        aria-invalid={error ? "true" : "false"}
        aria-describedby={error ? `${id}-err` : undefined}
        {...rest}
      />
      {error && (
        <p className="field__error" id={`${id}-err`} data-testid={`error-${name}`}>
          {error}
        </p>
      )}
    </div>
  );
}

export function Check({ label, name, checked, onChange, error }) {
  return (
    <div className={`check${error ? " field--error" : ""}`}>
      <label>
        <input type="checkbox" name={name} checked={!!checked} onChange={(e) => onChange(e.target.checked)} /> {label}
      </label>
      {error && (
        <p className="field__error" data-testid={`error-${name}`}>
          {error}
        </p>
      )}
    </div>
  );
}

export function Select({ label, name, error, value, onChange, children, autoFocus, ...rest }) {
  const id = `f-${name}`;
  const ref = useAutoFocus(autoFocus);
  return (
    <div className={`field${error ? " field--error" : ""}`}>
      <label htmlFor={id}>{label}</label>
      <select
        ref={ref}
        id={id}
        name={name}
        value={value ?? ""}
        onChange={(e) => onChange(e.currentTarget.value)}
        aria-invalid={error ? "true" : "false"}
        aria-describedby={error ? `${id}-err` : undefined}
        {...rest}
      >
        {children}
      </select>
      {error && (
        <p className="field__error" id={`${id}-err`} data-testid={`error-${name}`}>
          {error}
        </p>
      )}
    </div>
  );
}

export function TextArea({ label, name, error, value, onChange, rows = 3, autoFocus, ...rest }) {
  const id = `f-${name}`;
  const ref = useAutoFocus(autoFocus);
  return (
    <div className={`field${error ? " field--error" : ""}`}>
      <label htmlFor={id}>{label}</label>
      <textarea
        ref={ref}
        id={id}
        name={name}
        rows={rows}
        value={value ?? ""}
        onInput={(e) => onChange(e.currentTarget.value)}
        aria-invalid={error ? "true" : "false"}
        aria-describedby={error ? `${id}-err` : undefined}
        {...rest}
      />
      {error && (
        <p className="field__error" id={`${id}-err`} data-testid={`error-${name}`}>
          {error}
        </p>
      )}
    </div>
  );
}
