// Tells the Rust side, once, that the first real screen has been painted: two animation
// frames after React committed it. The start-up benchmark measures up to this moment.
let reported = false;

export function reportReadyOnce(send) {
  if (reported) return;
  reported = true;
  requestAnimationFrame(() => requestAnimationFrame(() => send().catch(() => {})));
}
