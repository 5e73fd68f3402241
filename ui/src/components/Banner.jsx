export function Banner({ kind = "error", children }) {
  if (!children) return null;
  return (
    <div className={`banner banner--${kind}`} role={kind === "error" ? "alert" : "status"} data-testid={`banner-${kind}`}>
      {children}
    </div>
  );
}
