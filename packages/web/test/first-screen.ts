import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { WEB_DIR } from "./web-build.js";

/**
 * The JavaScript a cold load of the first screen fetches: the entry script of dist/index.html
 * and the chunks it preloads (Vite lists every static import there). Chunks behind a dynamic
 * import() (the emoji picker, dialogs) load later and do not count.
 */
export function firstScreenBudget(dist = join(WEB_DIR, "dist")): { files: string[]; gzipBytes: number } {
  const html = readFileSync(join(dist, "index.html"), "utf8");
  const urls = [
    ...html.matchAll(/<script[^>]*type="module"[^>]*src="([^"]+)"/g),
    ...html.matchAll(/<link[^>]*rel="modulepreload"[^>]*href="([^"]+)"/g),
  ].map((m) => m[1] ?? "");
  const files = [...new Set(urls)].map((url) => join(dist, url.replace(/^\//, "")));
  const gzipBytes = files.reduce((sum, file) => sum + gzipSync(readFileSync(file), { level: 9 }).length, 0);
  return { files, gzipBytes };
}
