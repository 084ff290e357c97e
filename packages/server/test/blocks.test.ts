import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MAX_BLOCKS_PER_USER } from "@chatapp/protocol";
import { describeEachDialect, describeWithRedis, eventually, REDIS_URL, startSuite, useSuite } from "@chatapp/testkit";
import { afterAll, beforeAll, expect, it } from "vitest";

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const REFUSED = { error: { code: "forbidden", message: "you cannot send to this conversation" } };

/**
 * Blocking (integrations §3): the routes, and while either of two users blocks the other no
 * direct message passes between them on any path, no direct conversation is started, an
 * existing one stays readable, and groups are unaffected.
 */
describeEachDialect("blocks", (dialect) => {
  const suite = useSuite(dialect);
  const http = (...args: Parameters<ReturnType<typeof suite>["server"]["http"]>) => suite().server.http(...args);
  const block = (by: number, whom: number | string) => http(`/api/blocks/${whom}`, { method: "POST", userId: by });
  const unblock = (by: number, whom: number | string) => http(`/api/blocks/${whom}`, { method: "DELETE", userId: by });
  const blocks = async (userId: number) =>
    (await http("/api/blocks", { userId })).body as { user_id: number; created_at: string }[];
  const users = async (...ids: number[]) => {
    for (const id of ids) await http("/api/me", { userId: id });
  };
  const direct = async (a: number, b: number) =>
    (await http("/api/conversations", { method: "POST", userId: a, json: { kind: "direct", user_id: b } })).body.id as number;
  const messagesOf = async (conversationId: number, userId: number) =>
    (await http(`/api/conversations/${conversationId}/messages`, { userId })).body.messages as { content: string }[];

  it("(R) POST is 204, also when already blocked; GET lists the caller's blocks newest first", async () => {
    const [A, B, C] = [9001, 9002, 9003];
    await users(A, B, C);
    expect((await block(A, B)).status).toBe(204);
    expect((await block(A, C)).status).toBe(204);
    const again = await block(A, B);
    expect(again.status).toBe(204);
    expect(again.body).toBeUndefined();
    const list = await blocks(A);
    expect(list.map((b) => b.user_id)).toEqual([C, B]);
    for (const b of list) expect(b.created_at).toMatch(ISO);
    expect(Object.keys(list[0] ?? {}).sort()).toEqual(["created_at", "user_id"]);
    // The blocked user is not told: their own list is empty.
    expect(await blocks(B)).toEqual([]);
  });

  it("(R) DELETE is 204, also when not blocked", async () => {
    const [A, B] = [9011, 9012];
    await users(A, B);
    expect((await unblock(A, B)).status).toBe(204);
    await block(A, B);
    expect((await unblock(A, B)).status).toBe(204);
    expect(await blocks(A)).toEqual([]);
    expect((await unblock(A, B)).status).toBe(204);
  });

  it("refuses blocking oneself (400), an unknown user (404) and ids out of range (400)", async () => {
    const A = 9021;
    await users(A);
    const self = await block(A, A);
    expect(self.status).toBe(400);
    expect(self.body.error.code).toBe("invalid_request");
    const unknown = await block(A, 9_029_999);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe("not_found");
    // Past the largest user id a token may carry, but a valid JSON id: no such user.
    expect((await block(A, 2 ** 50)).status).toBe(404);
    for (const bad of ["0", "-1", "abc", "1.5", String(2 ** 60)]) {
      expect((await block(A, bad)).status, bad).toBe(400);
      expect((await unblock(A, bad)).status, bad).toBe(400);
    }
    expect((await http("/api/blocks/9022", { method: "POST" })).status).toBe(401);
    expect((await http("/api/blocks")).status).toBe(401);
  });

  it("(R) refuses direct sends both ways on the socket and over HTTP; nothing is stored or delivered", async () => {
    const [A, B] = [9031, 9032];
    await users(A, B);
    const conversation = await direct(A, B);
    const a = await suite().connect(A);
    const b = await suite().connect(B);
    a.send({ type: "send", receiver_id: B, content: "before", client_id: "b0" });
    await b.next((f) => f.type === "message" && f.content === "before");
    expect((await block(B, A)).status).toBe(204);

    // The blocked user, by receiver_id and by conversation_id, on the socket.
    a.send({ type: "send", receiver_id: B, content: "by receiver", client_id: "b1" });
    a.send({ type: "send", conversation_id: conversation, content: "by conversation", client_id: "b2" });
    // The blocker too: either way.
    b.send({ type: "send", receiver_id: A, content: "back", client_id: "b3" });
    for (const [socket, clientId] of [
      [a, "b1"],
      [a, "b2"],
      [b, "b3"],
    ] as const) {
      const err = await socket.next((f) => f.type === "error" && f.client_id === clientId);
      expect(err).toEqual({
        type: "error",
        code: "forbidden",
        message: "you cannot send to this conversation",
        client_id: clientId,
      });
    }
    // Over HTTP, both ways.
    for (const [from] of [[A], [B]]) {
      const res = await http(`/api/conversations/${conversation}/messages`, {
        method: "POST",
        userId: from,
        json: { content: "http" },
      });
      expect(res.status).toBe(403);
      expect(res.body).toEqual(REFUSED);
    }

    // A ping round trip after the refusals: any message frame would have come before it.
    for (const s of [a, b]) {
      s.send({ type: "ping" });
      await s.nextOfType("pong");
    }
    expect(a.ofType("message").map((f) => f.content)).toEqual([]);
    expect(b.ofType("message").map((f) => f.content)).toEqual(["before"]);
    // (R) An existing direct conversation stays readable, for both; nothing new is in it.
    for (const u of [A, B]) {
      expect((await messagesOf(conversation, u)).map((m) => m.content)).toEqual(["before"]);
      expect((await http(`/api/conversations/${conversation}`, { userId: u })).status).toBe(200);
    }
  });

  it("(R) neither can start a direct conversation: POST is 403 and a receiver_id send creates nothing", async () => {
    const [A, B] = [9041, 9042];
    await users(A, B);
    await block(A, B);
    for (const [from, to] of [
      [A, B],
      [B, A],
    ] as const) {
      const res = await http("/api/conversations", { method: "POST", userId: from, json: { kind: "direct", user_id: to } });
      expect(res.status).toBe(403);
      expect(res.body).toEqual(REFUSED);
    }
    const b = await suite().connect(B);
    b.send({ type: "send", receiver_id: A, content: "hello?", client_id: "n1" });
    expect((await b.next((f) => f.type === "error" && f.client_id === "n1")).code).toBe("forbidden");
    for (const u of [A, B]) expect((await http("/api/conversations", { userId: u })).body).toEqual([]);
    // An existing direct conversation is refused too (the route would start it or hand it out).
    await unblock(A, B);
    const id = await direct(B, A);
    await block(B, A);
    expect((await http("/api/conversations", { method: "POST", userId: A, json: { kind: "direct", user_id: B } })).status).toBe(
      403,
    );
    expect((await http(`/api/conversations/${id}/messages`, { userId: A })).status).toBe(200);
  });

  it("(R) groups are unaffected: both still send to and receive from a shared group", async () => {
    const [A, B, C] = [9051, 9052, 9053];
    await users(A, B, C);
    const group = (
      await http("/api/conversations", { method: "POST", userId: C, json: { kind: "group", title: "g", member_ids: [A, B] } })
    ).body.id;
    await block(A, B);
    const a = await suite().connect(A);
    const b = await suite().connect(B);
    a.send({ type: "send", conversation_id: group, content: "from the blocker", client_id: "g1" });
    b.send({ type: "send", conversation_id: group, content: "from the blocked", client_id: "g2" });
    await b.next((f) => f.type === "message" && f.content === "from the blocker");
    await a.next((f) => f.type === "message" && f.content === "from the blocked");
    const res = await http(`/api/conversations/${group}/messages`, { method: "POST", userId: B, json: { content: "http" } });
    expect(res.status).toBe(201);
  });

  it("hides typing between the two, in groups too; others still see it", async () => {
    const [A, B, C] = [9061, 9062, 9063];
    await users(A, B, C);
    const group = (
      await http("/api/conversations", { method: "POST", userId: C, json: { kind: "group", title: "t", member_ids: [A, B] } })
    ).body.id;
    await block(A, B);
    const a = await suite().connect(A);
    const b = await suite().connect(B);
    const c = await suite().connect(C);
    b.send({ type: "typing", conversation_id: group });
    await c.next((f) => f.type === "typing" && f.user_id === B);
    a.send({ type: "typing", conversation_id: group });
    await c.next((f) => f.type === "typing" && f.user_id === A);
    for (const s of [a, b]) {
      s.send({ type: "ping" });
      await s.nextOfType("pong");
    }
    expect(a.ofType("typing")).toEqual([]);
    expect(b.ofType("typing")).toEqual([]);
  });

  it("unblocking lets direct messages through again", async () => {
    const [A, B] = [9071, 9072];
    await users(A, B);
    await block(A, B);
    await block(B, A);
    await unblock(A, B);
    // B still blocks A: still refused.
    const conversationRes = await http("/api/conversations", { method: "POST", userId: A, json: { kind: "direct", user_id: B } });
    expect(conversationRes.status).toBe(403);
    await unblock(B, A);
    const id = await direct(A, B);
    const res = await http(`/api/conversations/${id}/messages`, { method: "POST", userId: B, json: { content: "again" } });
    expect(res.status).toBe(201);
  });

  it("caps a user's blocks at MAX_BLOCKS_PER_USER (409), repeats and lifts not counted", async () => {
    const [A, B, C] = [9111, 9112, 9113];
    await users(A, B, C);
    // Rows written straight to the store: 10,000 requests would only test the limiter.
    const { db } = suite().server.app.store;
    const rows = Array.from({ length: MAX_BLOCKS_PER_USER - 1 }, (_, i) => ({
      blocker_id: A,
      blocked_id: 50_000_000 + i,
      created_at: 1,
    }));
    for (let i = 0; i < rows.length; i += 500)
      await db
        .insertInto("blocks")
        .values(rows.slice(i, i + 500))
        .execute();
    expect((await block(A, B)).status).toBe(204);
    expect((await block(A, B)).status).toBe(204);
    const over = await block(A, C);
    expect(over.status).toBe(409);
    expect(over.body.error.code).toBe("conflict");
    expect((await unblock(A, B)).status).toBe(204);
    expect((await block(A, C)).status).toBe(204);
    expect((await blocks(A))[0]?.user_id).toBe(C);
  });

  it("answers 'has U blocked S' one way, and which members blocked a sender (for notifications)", async () => {
    const [A, B, C] = [9081, 9082, 9083];
    await users(A, B, C);
    await block(A, C);
    await block(B, C);
    const repo = suite().server.app.chat.blocksRepo;
    expect(await repo.hasBlocked(A, C)).toBe(true);
    expect(await repo.hasBlocked(C, A)).toBe(false);
    expect([...(await repo.blockersAmong([A, B, C], C))].sort()).toEqual([A, B]);
    expect(await repo.blockersAmong([], C)).toEqual(new Set());
  });

  it("removes every block a user is in, either way (erasure), and sends pass again at once", async () => {
    const [A, B, C] = [9091, 9092, 9093];
    await users(A, B, C);
    await block(A, B);
    await block(C, A);
    await block(B, C);
    // Cached on this node first: the removal must drop those sets too.
    expect((await http("/api/conversations", { method: "POST", userId: B, json: { kind: "direct", user_id: A } })).status).toBe(
      403,
    );
    await suite().server.app.chat.blocks.removeAllOf(A);
    expect(await blocks(A)).toEqual([]);
    expect(await blocks(C)).toEqual([]);
    expect((await blocks(B)).map((b) => b.user_id)).toEqual([C]);
    expect((await http("/api/conversations", { method: "POST", userId: B, json: { kind: "direct", user_id: A } })).status).toBe(
      201,
    );
    expect((await http("/api/conversations", { method: "POST", userId: A, json: { kind: "direct", user_id: C } })).status).toBe(
      201,
    );
  });
});

describeEachDialect(
  "blocks and the action budget",
  (dialect) => {
    const suite = useSuite(dialect, { env: { RATE_ACTIONS_PER_MINUTE: "1", RATE_ACTIONS_BURST: "2" } });

    it("counts blocks and unblocks against RATE_ACTIONS_PER_MINUTE; repeats cost nothing", async () => {
      const http = suite().server.http;
      const [A, B, C] = [9401, 9402, 9403];
      for (const u of [A, B, C]) await http("/api/me", { userId: u });
      expect((await http(`/api/blocks/${B}`, { method: "POST", userId: A })).status).toBe(204);
      expect((await http(`/api/blocks/${B}`, { method: "POST", userId: A })).status).toBe(204);
      expect((await http(`/api/blocks/${C}`, { method: "DELETE", userId: A })).status).toBe(204);
      expect((await http(`/api/blocks/${C}`, { method: "POST", userId: A })).status).toBe(204);
      const limited = await http(`/api/blocks/${B}`, { method: "DELETE", userId: A });
      expect(limited.status).toBe(429);
      expect(limited.body.error.code).toBe("rate_limited");
      expect((await http("/api/blocks", { userId: A })).body.map((b: { user_id: number }) => b.user_id)).toEqual([C, B]);
    });
  },
  { only: ["sqlite"] },
);

/** A before-send hook that allows everything and records what it was asked. */
const hook = { contents: [] as string[], url: "" };
const hookServer = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    hook.contents.push(JSON.parse(Buffer.concat(chunks).toString("utf8")).data.content);
    res.writeHead(200, { "Content-Type": "application/json" }).end('{"action":"allow"}');
  });
});

describeEachDialect(
  "blocks and the before-send hook",
  (dialect) => {
    beforeAll(async () => {
      await new Promise<void>((resolve) => hookServer.listen(0, "127.0.0.1", resolve));
      hook.url = `http://127.0.0.1:${(hookServer.address() as AddressInfo).port}/hook`;
    });
    afterAll(() => new Promise<void>((resolve) => hookServer.close(() => resolve())));
    const suite = useSuite(dialect, {
      configure: (config) => {
        config.beforeSend = {
          url: hook.url,
          secret: `whsec_${Buffer.alloc(32, 7).toString("base64")}`,
          timeoutMs: 2000,
          failure: "allow",
        };
      },
    });

    it("a send refused for a block is not posted to the hook", async () => {
      const http = suite().server.http;
      const [A, B] = [9301, 9302];
      for (const u of [A, B]) await http("/api/me", { userId: u });
      const id = (await http("/api/conversations", { method: "POST", userId: A, json: { kind: "direct", user_id: B } })).body.id;
      const send = (content: string) =>
        http(`/api/conversations/${id}/messages`, { method: "POST", userId: A, json: { content } });
      expect((await send("asked")).status).toBe(201);
      await http(`/api/blocks/${A}`, { method: "POST", userId: B });
      expect((await send("never asked")).status).toBe(403);
      expect(hook.contents).toEqual(["asked"]);
    });
  },
  { only: ["sqlite"] },
);

describeWithRedis("blocks across two nodes", () => {
  describeEachDialect(
    "a block made on one node",
    (dialect) => {
      const dir = mkdtempSync(join(tmpdir(), "chatapp-blocks-"));
      afterAll(() => rmSync(dir, { recursive: true, force: true }));

      it("(R) refuses a send on the other node at once (within the broker's notice)", async () => {
        // DATABASE_URL only passes the config check (a cluster needs a shared database): the
        // suite's own database replaces it.
        const suite = await startSuite(dialect, {
          env: { REDIS_URL, UPLOAD_DIR: dir, DATABASE_URL: "postgres://u@127.0.0.1/x" },
        });
        const other = await suite.server.restart();
        try {
          const [A, B] = [9101, 9102];
          for (const u of [A, B]) await suite.server.http("/api/me", { userId: u });
          const id = (
            await suite.server.http("/api/conversations", { method: "POST", userId: A, json: { kind: "direct", user_id: B } })
          ).body.id;
          const sendOn = (node: typeof other, n: number) =>
            node.http(`/api/conversations/${id}/messages`, { method: "POST", userId: A, json: { content: `m${n}` } });
          // Node 2 has A's (empty) block pairs cached: its answer must not come from that.
          expect((await sendOn(other, 0)).status).toBe(201);
          expect((await suite.server.http(`/api/blocks/${A}`, { method: "POST", userId: B })).status).toBe(204);
          // The notice travels through Redis (well under a millisecond here); the bound is
          // the broker's delivery, so the first send is expected refused, and within 1 s at worst.
          let attempts = 0;
          await eventually(
            async () => {
              attempts++;
              return (await sendOn(other, attempts)).status === 403;
            },
            1000,
            "a send refused on node 2",
          );
          expect(attempts).toBe(1);
          // And lifting it reaches node 2 as well.
          await suite.server.http(`/api/blocks/${A}`, { method: "DELETE", userId: B });
          await eventually(async () => (await sendOn(other, 100)).status === 201, 1000, "a send accepted on node 2");
        } finally {
          await suite.done([other]);
        }
      });
    },
    { only: ["sqlite", "mysql"] },
  );
});
