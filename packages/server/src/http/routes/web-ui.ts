import { existsSync } from "node:fs";
import { join, resolve, sep } from "node:path";
import fastifyStatic from "@fastify/static";
import type { FastifyReply } from "fastify";
import type { App } from "../app-types.js";
import { serviceDescription } from "./health.js";

/**
 * Where `npm run build` puts the web client (packages/web/dist). This file sits at the same
 * depth in src/ and dist/, so the path holds whether the server runs from sources or build.
 */
export const DEFAULT_WEB_UI_DIR = resolve(import.meta.dirname, "../../../../web/dist");

/** Vite names files under assets/ by their content hash: a changed file is a new URL. */
const IMMUTABLE = "public, max-age=31536000, immutable";
/** Everything else (index.html above all) is checked with the server on every use, so a deploy shows at once. */
const REVALIDATE = "no-cache";
/**
 * The UI's documents run only the bundle's own files: no inline script, no eval. Declaring it
 * now keeps the build honest (the browser tests would see a violation) until a server-wide
 * policy exists. `blob:` images: sent files' images, fetched with the token (see security-headers.ts).
 */
const CONTENT_SECURITY_POLICY =
  "default-src 'self'; img-src 'self' data: blob:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/**
 * Serves the built web client at `/` when it exists; otherwise `/` keeps answering with the
 * JSON service description (which is always at `/api` as well). Other files are looked up on
 * each request (a rebuild shows without a restart); the API's routes are more specific and
 * win, and a path that is no file gets the API's JSON 404.
 */
export async function webUiRoutes(app: App, options: { dir?: string } = {}): Promise<void> {
  const dir = options.dir ?? DEFAULT_WEB_UI_DIR;
  if (!existsSync(join(dir, "index.html"))) {
    app.get("/", async () => serviceDescription);
    return;
  }
  const assets = `${sep}assets${sep}`;
  await app.register(fastifyStatic, {
    root: dir,
    prefix: "/",
    index: false,
    dotfiles: "ignore",
    cacheControl: false,
    // The build writes .br and .gz copies of its text files (packages/web/build/precompress.ts):
    // the one the request accepts is sent with Content-Encoding and Vary: accept-encoding, the
    // file itself otherwise. Nothing is compressed per request.
    preCompressed: true,
    setHeaders: (reply, path) => {
      reply.header("x-content-type-options", "nosniff");
      if (path.includes(assets)) reply.header("cache-control", IMMUTABLE);
      else documentHeaders(reply);
    },
  });
  // The hash routes (#/c/7) need no fallback: every client route is this one document.
  app.get("/", (_request, reply) => reply.sendFile("index.html"));
}

function documentHeaders(reply: FastifyReply): void {
  reply.header("cache-control", REVALIDATE);
  reply.header("content-security-policy", CONTENT_SECURITY_POLICY);
  reply.header("referrer-policy", "no-referrer");
}
