import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "../../..");
export const WEB_DIR = resolve(root, "packages/web");
const OUT = join(WEB_DIR, "dist/index.html");
/** What the bundle is made of: the web sources and the SDK's (bundled from source). */
const INPUTS = [
  join(WEB_DIR, "src"),
  join(WEB_DIR, "public"),
  join(WEB_DIR, "index.html"),
  join(WEB_DIR, "vite.config.ts"),
  join(WEB_DIR, "build"),
  join(WEB_DIR, "package.json"),
  resolve(root, "packages/client/src"),
];

function newestChange(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newestChange(join(path, name))));
}

/** True when dist/ is missing or older than a source file. */
export function webBuildIsStale(): boolean {
  if (!existsSync(OUT)) return true;
  const built = statSync(OUT).mtimeMs;
  return INPUTS.some((input) => newestChange(input) > built);
}

/**
 * Builds the web client with Vite unless dist/ is up to date, so a fresh clone's `npm test`
 * serves the real UI. Takes about a second.
 */
export function ensureWebBuilt(): void {
  if (!webBuildIsStale()) return;
  const vite = resolve(root, "node_modules/vite/bin/vite.js");
  const result = spawnSync(process.execPath, [vite, "build", "--logLevel", "warn"], {
    cwd: WEB_DIR,
    encoding: "utf8",
    // Vitest sets NODE_ENV=test, which would make Vite bundle React's development build.
    env: { ...process.env, NODE_ENV: "production" },
  });
  if (result.status !== 0) {
    throw new Error(`building the web client failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
  }
}
