import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type CliProcess, exited, runCli, startServerProcess } from "@chatapp/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DevSecretError, readOrCreateDevSecret } from "../src/auth/dev-secret.js";
import { TokenService } from "../src/auth/tokens.js";

/** What a quick start without JWT_SECRET does: `chatapp serve` in a folder, SQLite under ./data. */
/** Each process starts Node and tsx: seconds apiece on a busy 2-core machine. */
const PROCESSES = 90_000;

describe("the development secret (no JWT_SECRET outside production)", { timeout: PROCESSES }, () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), "chatapp-dev-secret-"));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const folder = (name: string) => {
    const dir = join(root, name);
    mkdirSync(dir);
    return dir;
  };
  const stop = async (child: CliProcess) => {
    const code = exited(child);
    child.kill("SIGTERM");
    expect(await code).toBe(0);
  };
  const me = (port: number, token: string) =>
    fetch(`http://127.0.0.1:${port}/api/me`, { headers: { authorization: `Bearer ${token}` } });
  const tokenFromCli = async (dir: string, userId: number) => {
    const child = runCli(["token", "--user", String(userId)], {}, dir);
    expect(await exited(child)).toBe(0);
    return child.output().trim();
  };

  it("is made on first start and kept in ./data, so a token of the first run opens /api/me on the second", async () => {
    const dir = folder("restart");
    const first = await startServerProcess({}, dir);
    const registered = await fetch(`http://127.0.0.1:${first.port}/api/auth/register`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "alice", password: "correct horse battery" }),
    });
    expect(registered.status).toBe(201);
    const { token, user } = (await registered.json()) as { token: string; user: { id: number } };
    await stop(first.child);

    const second = await startServerProcess({}, dir);
    try {
      const answer = await me(second.port, token);
      expect(answer.status).toBe(200);
      expect(await answer.json()).toMatchObject({ id: user.id, username: "alice" });
      const file = join(dir, "data", "jwt-secret");
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(first.child.output()).toContain(`JWT_SECRET is not set: generated a secret and saved it in ${file}`);
      expect(second.child.output()).toContain(`using the secret generated earlier in ${file}`);
      // The README's "Try it": `chatapp token` run from the same folder signs with that secret.
      expect((await me(second.port, await tokenFromCli(dir, user.id))).status).toBe(200);
    } finally {
      await stop(second.child);
    }
  });

  it("lives beside the SQLite file that DATABASE_URL names", async () => {
    const dir = folder("elsewhere");
    const token = await tokenFromCli(dir, 4);
    expect(existsSync(join(dir, "data", "jwt-secret"))).toBe(true);
    const child = runCli(["token", "--user", "4"], { DATABASE_URL: "sqlite:./db/chat.db" }, dir);
    expect(await exited(child)).toBe(0);
    const secret = readFileSync(join(dir, "db", "jwt-secret"), "utf8").trim();
    await expect(new TokenService(secret).verify(child.output().trim())).resolves.toMatchObject({ userId: 4 });
    await expect(new TokenService(secret).verify(token)).rejects.toThrow();
  });

  it("is the same for processes that make it at the same moment", async () => {
    const dir = folder("race");
    const runs = [1, 2, 3].map((id) => runCli(["token", "--user", String(id)], {}, dir));
    expect(await Promise.all(runs.map(exited))).toEqual([0, 0, 0]);
    const tokens = new TokenService(readFileSync(join(dir, "data", "jwt-secret"), "utf8").trim());
    for (const [i, run] of runs.entries()) {
      await expect(tokens.verify(run.output().trim())).resolves.toMatchObject({ userId: i + 1 });
    }
  });

  it("is never made in production: start-up fails naming JWT_SECRET", async () => {
    const dir = folder("production");
    const child = runCli(["serve"], { NODE_ENV: "production", PORT: "0", HOST: "127.0.0.1" }, dir);
    expect(await exited(child)).toBe(1);
    expect(child.output()).toContain("JWT_SECRET: required when NODE_ENV=production");
    expect(existsSync(join(dir, "data", "jwt-secret"))).toBe(false);
    const token = runCli(["token", "--user", "1"], { NODE_ENV: "production" }, dir);
    expect(await exited(token)).toBe(1);
    expect(token.output()).toContain("JWT_SECRET: required");
  });

  it("refuses a file that holds no usable secret instead of signing with it", () => {
    const file = join(folder("short"), "jwt-secret");
    writeFileSync(file, "short\n");
    expect(() => readOrCreateDevSecret(file)).toThrow(DevSecretError);
    expect(readFileSync(file, "utf8")).toBe("short\n");
  });
});
