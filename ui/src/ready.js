// Tells the Rust side, once, that the first real screen has been painted: two animation
// frames after React committed it. The start-up benchmark measures up to this moment.
// `mark` records the page's own timings, sent along for the log.
let reported = false;
const marks = {};

export function mark(name) {
  marks[name] = Math.round(performance.now());
}

// jsdom (the interface's tests) has no animation frames.
const frame = globalThis.requestAnimationFrame ?? ((f) => setTimeout(f, 16));

export function reportReadyOnce(send) {
  if (reported) return;
  reported = true;
  mark("commit");
  frame(() => {
    mark("frame1");
    frame(() => {
      mark("frame2");
      send(marks).catch(() => {});
    });
  });
}
