import { ensureWebBuilt } from "./web-build.js";

/**
 * Vitest runs this once before any test file: the web client is built before servers start,
 * so no server ever lists a dist/ folder that a build is rewriting under it.
 */
export default function setup(): void {
  ensureWebBuilt();
}
