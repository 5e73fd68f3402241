// Same signal as the real interface: two frames after the first paint.
requestAnimationFrame(() => requestAnimationFrame(() => window.__TAURI_INTERNALS__.invoke("ui_ready")));
