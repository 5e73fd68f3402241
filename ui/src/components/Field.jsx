// A labelled input with its own error line; the error text comes from Rust as is.
// Text fields listen to `input` (every keystroke); Preact's onChange is the DOM `change`
// event, which fires only when the field loses focus.
export function Field({ label, name, error, type = "text", value, onChange, ...rest }) {
  const id = `f-${name}`;
  return (
    <div className={`field${error ? " field--error" : ""}`}>
      <label htmlFor={id}>{label}</label>
      <input
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

export function Select({ label, name, error, value, onChange, children, ...rest }) {
  const id = `f-${name}`;
  return (
    <div className={`field${error ? " field--error" : ""}`}>
      <label htmlFor={id}>{label}</label>
      <select
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

export function TextArea({ label, name, error, value, onChange, rows = 3, ...rest }) {
  const id = `f-${name}`;
  return (
    <div className={`field${error ? " field--error" : ""}`}>
      <label htmlFor={id}>{label}</label>
      <textarea
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
