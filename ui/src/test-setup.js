// Runs before every test file (vite.config.js, test.setupFiles).
import { afterAll } from "vitest";

// Preact 11 runs an unmounted component's effect cleanups after the next paint (a 35 ms
// timer, as React does). A file whose last test unmounts a dialog would otherwise end,
// and have jsdom torn down, with that timer still pending: its cleanup then meets no
// `document` and vitest reports an unhandled error for a test that passed (seen in
// ThisComputer.test.jsx, PreferencesDialog's keydown listener). Waiting past that timer
// once per file lets it run while the page still exists; timers fire in order of expiry.
afterAll(() => new Promise((resolve) => setTimeout(resolve, 60)));
