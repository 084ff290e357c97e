import { readFile } from "node:fs/promises";
import { extname, join, normalize } from "node:path";
import type { Page } from "playwright-core";
import { WEB_DIR } from "./web-build.js";

const TYPES: Record<string, string> = {
  ".html": "text/html",
  ".js": "text/javascript",
  ".css": "text/css",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
  ".webmanifest": "application/manifest+json",
  ".woff2": "font/woff2",
  ".mp3": "audio/mpeg",
};

/**
 * The app's own files for a page while the server is down, as a browser's cache would give
 * them: from the build. The API and the socket still go to the server, and fail while it is
 * down: what the app shows then comes from its local data only.
 */
export async function serveAppFromBuild(page: Page, origin: string): Promise<void> {
  const dist = join(WEB_DIR, "dist");
  await page.route(
    (url) => url.origin === origin && !url.pathname.startsWith("/api/") && url.pathname !== "/ws",
    async (route) => {
      const path = new URL(route.request().url()).pathname;
      const file = join(dist, normalize(path === "/" ? "/index.html" : path));
      const body = await readFile(file).catch(() => undefined);
      if (!body) return route.fulfill({ status: 404 });
      return route.fulfill({ status: 200, contentType: TYPES[extname(file)] ?? "application/octet-stream", body });
    },
  );
}
