import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { resolve } from "node:path";
import { build, type Rolldown } from "vite";

const CLIENT = resolve(import.meta.dirname, "../../client");
const ENTRY = "\0storage-page-entry";

/**
 * What the page's script puts on `globalThis.storagePage`: the SDK's browser storage modules,
 * the behaviour checks every adapter must pass and the browser ChatClient, bundled from their
 * TypeScript sources.
 */
const ENTRY_SOURCE = `
import * as indexedDb from ${JSON.stringify(resolve(CLIENT, "src/storage/indexeddb.ts"))};
import { webLocksOwners } from ${JSON.stringify(resolve(CLIENT, "src/storage/web-locks.ts"))};
import { ChatClient } from ${JSON.stringify(resolve(CLIENT, "src/index.ts"))};
import { storageChecks } from ${JSON.stringify(resolve(CLIENT, "test/storage-checks.ts"))};
globalThis.storagePage = { ...indexedDb, webLocksOwners, storageChecks, ChatClient, held: new Map() };
`;

/** Bundles the entry into one classic script with Vite (about a second). */
async function bundle(): Promise<string> {
  const result = await build({
    configFile: false,
    logLevel: "warn",
    root: CLIENT,
    // Workspace packages (@chatapp/protocol) from their TypeScript sources, as the tests use them.
    resolve: { conditions: ["source", "module", "browser", "development|production"] },
    plugins: [
      {
        name: "storage-page-entry",
        resolveId: (id) => (id === ENTRY ? ENTRY : undefined),
        load: (id) => (id === ENTRY ? ENTRY_SOURCE : undefined),
      },
    ],
    build: {
      write: false,
      minify: false,
      target: "es2022",
      rolldownOptions: { input: ENTRY, output: { format: "iife" } },
    },
  });
  const outputs = (Array.isArray(result) ? result : [result]) as Rolldown.RolldownOutput[];
  const chunk = outputs.flatMap((output) => output.output).find((file) => file.type === "chunk");
  if (chunk?.type !== "chunk") throw new Error("the storage page bundle has no script");
  return chunk.code;
}

/**
 * A page on 127.0.0.1 (a secure context, so Web Locks exist) whose one script is the bundle.
 * Pages of one browser context opened at `url` share its IndexedDB and its locks: two tabs.
 */
export async function startStoragePage(): Promise<{ url: string; stop(): Promise<void> }> {
  const script = await bundle();
  const server: Server = createServer((request, response) => {
    if (request.url === "/storage.js") {
      response.writeHead(200, { "content-type": "text/javascript; charset=utf-8", "cache-control": "no-store" });
      response.end(script);
    } else {
      response.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
      response.end('<!doctype html><html><head><title>storage</title><script src="/storage.js"></script></head></html>');
    }
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    stop: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
