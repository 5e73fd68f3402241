// One labelled fact of a detail screen, inside a <dl className="facts">.
export function Info({ label, children, ...rest }) {
  return (
    <div {...rest}>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}
