/**
 * Build of the web console: Preact pages compiled by Vite into `dist/`, which
 * the reference server serves at `/`. No runtime fetches leave the server's
 * origin (no CDN fonts or scripts): everything is bundled.
 */
import { defineConfig } from "vite"

const api = process.env["AUTODIALER_API"] ?? "http://127.0.0.1:3000"
const apiPrefixes = ["/auth", "/organization", "/users", "/teams", "/api-keys", "/contacts", "/dnc", "/phone-numbers",
  "/dispositions", "/campaigns", "/agents", "/calls", "/voice-servers", "/realtime", "/healthz", "/readyz"]

export default defineConfig({
  root: import.meta.dirname,
  base: "/",
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: { outDir: "dist", emptyOutDir: true, sourcemap: true, target: "es2022", chunkSizeWarningLimit: 600 },
  // `npm run dev -w @autodialer/web` proxies the API of a server started with `npm start`.
  server: { proxy: Object.fromEntries(apiPrefixes.map((p) => [p, { target: api, changeOrigin: false }])) }
})
