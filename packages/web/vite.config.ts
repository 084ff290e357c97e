import react from "@vitejs/plugin-react";
import { defaultClientConditions, defineConfig } from "vite";
import { cspSafeEmojiPicker } from "./build/csp-safe-emoji-picker.js";
import { precompress } from "./build/precompress.js";

/** The server a `npm run dev` session talks to (the Vite dev server proxies the API and the socket). */
const API = process.env.CHATAPP_API ?? "http://localhost:8081";

export default defineConfig({
  root: import.meta.dirname,
  // precompress: .br and .gz copies of the bundle, served with Content-Encoding (web-ui.ts).
  plugins: [react(), cspSafeEmojiPicker(), precompress()],
  // Workspace packages resolve to their TypeScript sources, so the SDK needs no build first.
  resolve: { conditions: ["source", ...defaultClientConditions] },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    // The polyfill would be the only inline code; every browser we target has modulepreload.
    modulePreload: { polyfill: false },
  },
  server: {
    proxy: {
      "/api": API,
      "/ws": { target: API.replace(/^http/, "ws"), ws: true },
    },
  },
});
