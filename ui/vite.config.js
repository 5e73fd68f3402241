import { defineConfig } from "vite";
import preact from "@preact/preset-vite";

// The window loads ui/dist from inside the binary; the dev server is only for
// `cargo run --no-default-features` while working on screens.
export default defineConfig({
  // Preact: the component model of React in ~10 KB, so the first screen paints sooner.
  plugins: [preact({ prerender: { enabled: false } })],
  clearScreen: false,
  server: { port: 5173, strictPort: true },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "safari15",
    // No inline scripts or styles: the CSP allows only 'self'.
    assetsInlineLimit: 0,
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.{js,jsx}"],
    setupFiles: ["src/test-setup.js"],
    // Instants are shown in the desktop's zone; the tests pin one (Brasília, UTC-3).
    env: { TZ: "America/Sao_Paulo" },
  },
});
