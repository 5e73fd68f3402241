import { statusLabel } from "../format.js";

// A process status in words, coloured by its wire value (styles.css: .badge--<STATUS>).
export function StatusBadge({ status, ...rest }) {
  return (
    <span className={`badge badge--${status}`} data-status={status} {...rest}>
      {statusLabel(status)}
    </span>
  );
}
