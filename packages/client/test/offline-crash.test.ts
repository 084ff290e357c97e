import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ChatClient, fileStorage } from "@chatapp/client";
import type { ConversationMessagesResponse } from "@chatapp/protocol";
import { createTestDatabase, deadPort, eventually, startServer, type TestDatabase, type TestServer } from "@chatapp/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
const child = new URL("./offline-child.ts", import.meta.url).pathname;

describe("a Node process killed with sends in its file outbox", () => {
  let database: TestDatabase;
  let server: TestServer;
  let dir: string;
  beforeAll(async () => {
    database = await createTestDatabase("sqlite");
    server = await startServer(database);
    dir = mkdtempSync(join(tmpdir(), "chatapp-offline-"));
  });
  afterAll(async () => {
    await server.stop();
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("sends them once, in order, from the next process on the same file", { timeout: 60_000 }, async () => {
    for (const id of [201, 202]) (await server.connect(id)).close();
    const res = await server.http("/api/conversations", { method: "POST", userId: 201, json: { kind: "direct", user_id: 202 } });
    const conversationId = (res.body as { id: number }).id;
    const file = join(dir, "outbox.jsonl");
    const offline = `ws://127.0.0.1:${await deadPort()}/ws`;
    const proc = spawn(
      process.execPath,
      [
        "--conditions=source",
        "--import",
        tsx,
        child,
        file,
        offline,
        await server.token(201),
        String(conversationId),
        "first,second,third",
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    let out = "";
    proc.stdout.on("data", (d) => (out += d));
    try {
      await eventually(() => out.includes("stored") || proc.exitCode !== null, 30_000, "the child stored its outbox");
      expect(out).toContain("stored");
    } finally {
      proc.kill("SIGKILL");
    }
    await new Promise((resolve) =>
      proc.exitCode !== null || proc.signalCode !== null ? resolve(null) : proc.once("exit", resolve),
    );

    // The dead process's lock is stale (its pid is gone): the next process takes the file over.
    const next = new ChatClient({ url: server.wsUrl, token: () => server.token(201), storage: fileStorage(file) });
    const restored = await next.restore();
    expect(restored.sends.map((s) => s.content)).toEqual(["first", "second", "third"]);
    await next.connect();
    await Promise.all(restored.sends.map((s) => s.result));
    const history = await server.http(`/api/conversations/${conversationId}/messages`, { userId: 201 });
    expect((history.body as ConversationMessagesResponse).messages.map((m) => m.content)).toEqual(["first", "second", "third"]);
    await next.clearLocalData();
  });
});
