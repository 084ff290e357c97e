import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createTestDatabase,
  describeEachDialect,
  eventually,
  exited,
  runCli,
  startServer,
  TEST_SECRET,
  TestSocket,
  useSuite,
  waitForOutput,
} from "@chatapp/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TokenService } from "../src/auth/tokens.js";

describeEachDialect("restart", (dialect) => {
  const suite = useSuite(dialect);

  it("closes sockets with 1012 on shutdown, marks users offline, and keeps history across a restart", async () => {
    const alice = await suite().server.connect(501);
    const bob = await suite().server.connect(502);
    for (let i = 1; i <= 10; i++) alice.send({ type: "send", receiver_id: 502, content: `r${i}`, client_id: `r${i}` });
    await alice.waitForCount("ack", 10);
    // Sends the server has read but not yet committed are finished before it stops.
    for (let i = 1; i <= 20; i++) alice.send({ type: "send", receiver_id: 502, content: `late${i}`, client_id: `late${i}` });
    await alice.roundTrip();
    await suite().server.stop();
    expect(await alice.waitClosed()).toBe(1012);
    expect(await bob.waitClosed()).toBe(1012);

    const again = await startServer(suite().database);
    try {
      const history = await again.http("/api/messages/history?user_id=502&limit=100", { userId: 501 });
      expect(history.body.map((m: any) => m.content)).toEqual([
        ...Array.from({ length: 20 }, (_, i) => `late${20 - i}`),
        ...Array.from({ length: 10 }, (_, i) => `r${10 - i}`),
      ]);
      const status = await again.http("/api/users/status?user_id=501", { userId: 502 });
      expect(status.body[0].status).toBe("offline");
      // Sends continue the same sequence.
      const a = await again.connect(501);
      a.send({ type: "send", receiver_id: 502, content: "after restart", client_id: "r11" });
      expect((await a.next((f) => f.type === "ack")).seq).toBe(31);
      await a.close();
    } finally {
      await again.stop();
    }
  });
});

describeEachDialect(
  "shutdown with stuck connections",
  (dialect) => {
    it("does not wait for a client stuck half way through a request", async () => {
      const database = await createTestDatabase(dialect);
      const server = await startServer(database);
      try {
        // Headers never finished: Node's close() would wait for this connection for a minute.
        const socket = connect(server.port, "127.0.0.1");
        socket.on("error", () => {});
        await new Promise((resolve) => socket.once("connect", resolve));
        socket.write("GET /health HTTP/1.1\r\nHost: localhost\r\n");
        // A fixed pause: the server reading the half request shows nothing a test could wait on.
        await new Promise((resolve) => setTimeout(resolve, 50));
        const started = Date.now();
        await server.stop();
        expect(Date.now() - started).toBeLessThan(6000);
        socket.destroy();
      } finally {
        await database.drop();
      }
    });
  },
  { only: ["sqlite"] },
);

describe("the chatapp process", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "chatapp-proc-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const run = (args: string[], env: Record<string, string>) => runCli(args, env, dir);
  const waitFor = waitForOutput;
  const sign = (userId: number) => new TokenService(TEST_SECRET).sign(userId);

  it("stops on SIGTERM: closes sockets with 1012 and exits 0 within 10 s", async () => {
    const child = run(["serve"], {
      PORT: "0",
      HOST: "127.0.0.1",
      JWT_SECRET: TEST_SECRET,
      DATABASE_URL: `sqlite:${dir}/chat.db`,
    });
    const [, port] = await waitFor(child, /listening on http:\/\/localhost:(\d+)/);
    const token = (
      await new Promise<string>((resolve) => {
        const t = run(["token", "--user", "9"], { JWT_SECRET: TEST_SECRET });
        t.once("exit", () => resolve(t.output().trim()));
      })
    )
      .split("\n")
      .pop() as string;
    const socket = await TestSocket.open(`ws://127.0.0.1:${port}/ws`, { headers: { authorization: `Bearer ${token}` } });
    await socket.next((f) => f.type === "ready");
    const started = Date.now();
    const code = exited(child);
    child.kill("SIGTERM");
    expect(await socket.waitClosed()).toBe(1012);
    expect(await code).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(child.output()).toContain('"msg":"stopped"');
  });

  it("after a crash (SIGKILL), shows its users offline again on the next start", async () => {
    const env = { PORT: "0", HOST: "127.0.0.1", JWT_SECRET: TEST_SECRET, DATABASE_URL: `sqlite:${dir}/crash.db` };
    const first = run(["serve"], env);
    const [, port] = await waitFor(first, /listening on http:\/\/localhost:(\d+)/);
    const socket = await TestSocket.open(`ws://127.0.0.1:${port}/ws?token=${await sign(31)}`);
    await socket.next((f) => f.type === "ready");
    const status = async (p: string): Promise<any[]> => {
      const res = await fetch(`http://127.0.0.1:${p}/api/users/status?user_id=31`, {
        // Presence is shown to the user and their contacts: ask as the user.
        headers: { authorization: `Bearer ${await sign(31)}` },
      });
      return (await res.json()) as any[];
    };
    // Presence changes are written spaced apart: wait for this one rather than a fixed time.
    await eventually(async () => (await status(port as string))[0]?.status === "online", 5000, "user 31 online");
    const killed = exited(first);
    first.kill("SIGKILL");
    await killed;
    const second = run(["serve"], env);
    const [, port2] = await waitFor(second, /listening on http:\/\/localhost:(\d+)/);
    const after = (await status(port2 as string))[0];
    expect(after.status).toBe("offline");
    expect(after.last_seen).not.toBeNull();
    const stopped = exited(second);
    second.kill("SIGTERM");
    expect(await stopped).toBe(0);
  });

  it("refuses to start with one message naming every bad variable", async () => {
    const child = run(["serve"], { PORT: "abc", LOG_LEVEL: "loud", DATABASE_URL: "ftp://x" });
    expect(await exited(child)).toBe(1);
    const out = child.output();
    for (const name of ["PORT", "LOG_LEVEL", "DATABASE_URL"]) expect(out).toContain(`${name}:`);
    expect(out.match(/invalid configuration/g)).toHaveLength(1);
  });

  it("refuses to start in production without JWT_SECRET", async () => {
    const child = run(["serve"], { NODE_ENV: "production", DATABASE_URL: `sqlite:${dir}/prod.db` });
    expect(await exited(child)).toBe(1);
    expect(child.output()).toContain("JWT_SECRET: required when NODE_ENV=production");
  });

  it("says where it keeps the secret it generated when JWT_SECRET is not set", async () => {
    const child = run(["serve"], { PORT: "0", HOST: "127.0.0.1", DATABASE_URL: `sqlite:${dir}/dev.db` });
    await waitFor(child, /listening on/);
    // More in dev-secret.test.ts.
    expect(child.output()).toContain(`JWT_SECRET is not set: generated a secret and saved it in ${dir}/jwt-secret`);
    const code = exited(child);
    child.kill("SIGINT");
    expect(await code).toBe(0);
  });

  it("migrates with `chatapp migrate` and says when there is nothing to do", async () => {
    const env = { DATABASE_URL: `sqlite:${dir}/migrate.db` };
    const first = run(["migrate"], env);
    expect(await exited(first)).toBe(0);
    expect(first.output()).toContain("001-initial");
    const second = run(["migrate"], env);
    expect(await exited(second)).toBe(0);
    expect(second.output()).toContain("schema is up to date");
  });

  it("refuses to print a token for a user id that is not a positive whole number", async () => {
    const bad = run(["token", "--user", "abc"], { JWT_SECRET: TEST_SECRET });
    expect(await exited(bad)).toBe(2);
  });
});
