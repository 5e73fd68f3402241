import { executionStatusLabel, formatProgress } from "../format.js";

// An execution status in words, coloured by its wire value (styles.css: .run-badge--<STATUS>).
export function ExecutionBadge({ status, ...rest }) {
  return (
    <span className={`badge run-badge--${status}`} data-status={status} {...rest}>
      {executionStatusLabel(status)}
    </span>
  );
}

// The robot's progress (0-100) as a bar with its percentage beside it.
export function Progress({ value, ...rest }) {
  const text = formatProgress(value);
  const n = Math.min(100, Math.max(0, Number(value) || 0));
  return (
    <span className="progress" {...rest}>
      <progress max="100" value={n} aria-label={`Progresso: ${text}`} /> <span className="progress__text">{text}</span>
    </span>
  );
}
