// The <option>s of an operator select; inactive operators stay choosable but say so.
export function OperatorOptions({ operators }) {
  return operators.map((op) => (
    <option key={op.id} value={op.id}>
      {op.active ? op.name : `${op.name} (inativa)`}
    </option>
  ));
}
