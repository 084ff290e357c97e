import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import Fastify from "fastify";
import { afterAll, describe, expect, it } from "vitest";
import { installErrorHandling } from "../errors.js";
import { webUiRoutes } from "./web-ui.js";

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function appServing(build: boolean) {
  const dir = mkdtempSync(join(tmpdir(), "chatapp-web-"));
  dirs.push(dir);
  if (build) {
    mkdirSync(join(dir, "assets"));
    writeFileSync(join(dir, "index.html"), '<!doctype html><script type="module" src="/assets/app-1a2b3c.js"></script>');
    writeFileSync(join(dir, "assets/app-1a2b3c.js"), "console.log(1)");
    writeFileSync(join(dir, "favicon.svg"), "<svg/>");
  }
  const app = Fastify().withTypeProvider<TypeBoxTypeProvider>();
  installErrorHandling(app);
  await webUiRoutes(app, { dir });
  return { app, dir };
}

describe("web UI routes", () => {
  it("serves index.html at / to be revalidated every time, under a strict CSP", async () => {
    const { app } = await appServing(true);
    const res = await app.inject("/");
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^text\/html/);
    expect(res.headers["cache-control"]).toBe("no-cache");
    expect(res.headers["content-security-policy"]).toMatch(/default-src 'self'/);
    // Sent files' images are shown from object URLs, fetched with the token (packages/web).
    expect(res.headers["content-security-policy"]).toContain("img-src 'self' data: blob:");
    expect(res.body).toContain("/assets/app-1a2b3c.js");
  });

  it("serves hashed assets as immutable for a year, other files revalidated", async () => {
    const { app, dir } = await appServing(true);
    const asset = await app.inject("/assets/app-1a2b3c.js");
    expect(asset.statusCode).toBe(200);
    expect(asset.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    expect((await app.inject("/favicon.svg")).headers["cache-control"]).toBe("no-cache");
    // A rebuild's new files are served without a restart.
    writeFileSync(join(dir, "assets/app-4d5e6f.js"), "console.log(2)");
    expect((await app.inject("/assets/app-4d5e6f.js")).statusCode).toBe(200);
  });

  it("answers unknown paths with the API's JSON 404, and never serves outside the build", async () => {
    const { app } = await appServing(true);
    for (const path of ["/nope", "/api/nope", "/assets/missing.js", "/../package.json", "/%2e%2e/%2e%2e/package.json"]) {
      const res = await app.inject(path);
      expect(res.statusCode, path).toBe(404);
      expect(res.json().error.code, path).toBe("not_found");
    }
  });

  it("keeps / as the JSON service description when the UI is not built", async () => {
    const { app } = await appServing(false);
    const res = await app.inject("/");
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ service: "chatapp", websocket: "/ws" });
  });
});
