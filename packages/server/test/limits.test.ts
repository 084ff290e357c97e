import { describeEachDialect, eventually, startSuite, TestSocket } from "@chatapp/testkit";
import { expect, it } from "vitest";

/** A raw JSON POST (the response's headers matter here, so not the suite's `http`). */
const postJson = (base: string) => (path: string, json: unknown) =>
  fetch(`${base}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(json) });

/** Abuse limits, each on a server of its own with that limit turned on (the other suites run without). */
describeEachDialect(
  "abuse limits",
  (dialect) => {
    it("refuses a user's messages past the rate with rate_limited, over the socket and HTTP alike", async () => {
      const suite = await startSuite(dialect, { env: { RATE_MESSAGES_PER_SECOND: "1", RATE_MESSAGES_BURST: "5" } });
      try {
        const alice = await suite.connect(1701);
        await suite.connect(1702);
        for (let i = 0; i < 8; i++) alice.send({ type: "send", receiver_id: 1702, content: `m${i}`, client_id: `r${i}` });
        const acks = await alice.waitForCount("ack", 5);
        const refused = await alice.waitForCount("error", 3);
        expect(acks.map((a) => a.client_id)).toEqual(["r0", "r1", "r2", "r3", "r4"]);
        expect(refused.map((e) => [e.code, e.client_id])).toEqual([
          ["rate_limited", "r5"],
          ["rate_limited", "r6"],
          ["rate_limited", "r7"],
        ]);
        const over = await suite.server.http(`/api/conversations/${acks[0]?.conversation_id}/messages`, {
          method: "POST",
          userId: 1701,
          json: { content: "one more" },
        });
        expect(over.status).toBe(429);
        expect(over.body.error.code).toBe("rate_limited");
        const history = await suite.server.http(`/api/conversations/${acks[0]?.conversation_id}/messages?after_seq=0`, {
          userId: 1702,
        });
        expect(history.body.messages).toHaveLength(5);
      } finally {
        await suite.done();
      }
    });

    it("closes with 1008 a socket that keeps on over its frame rate; others are unaffected", async () => {
      const suite = await startSuite(dialect, { env: { RATE_FRAMES_PER_SECOND: "1", RATE_FRAMES_BURST: "5" } });
      try {
        const calm = await suite.connect(1711);
        const flood = await suite.connect(1712);
        for (let i = 0; i < 80; i++) flood.send({ type: "ping" });
        expect(await flood.waitClosed()).toBe(1008);
        expect(flood.ofType("error").every((e) => e.code === "rate_limited")).toBe(true);
        await calm.roundTrip();
      } finally {
        await suite.done();
      }
    });

    it("limits sockets per user and per address with a 429 before the upgrade", async () => {
      const suite = await startSuite(dialect, { env: { MAX_CONNECTIONS_PER_USER: "2", MAX_CONNECTIONS_PER_IP: "3" } });
      try {
        const open = async (user: number) =>
          TestSocket.open(suite.server.wsUrl, { headers: { authorization: `Bearer ${await suite.server.token(user)}` } });
        const a1 = await open(1721);
        await open(1721);
        await expect(open(1721)).rejects.toMatchObject({ status: 429 });
        await open(1722); // third from this address
        await expect(open(1723)).rejects.toMatchObject({ status: 429 });
        await a1.close();
        // A place is free again once the server has seen the close: retried until then.
        const opened = () =>
          open(1723).then(
            () => true,
            (err) => (err.status === 429 ? false : Promise.reject(err)),
          );
        await eventually(opened, 5000, "a place free again after a close");
      } finally {
        await suite.done();
      }
    });

    // A plain GET /ws (no upgrade) took a place it never gave back while its keep-alive
    // connection stayed open.
    it("takes no connection place for a plain GET /ws", async () => {
      const suite = await startSuite(dialect, { env: { MAX_CONNECTIONS_PER_USER: "1" } });
      try {
        const headers = { authorization: `Bearer ${await suite.server.token(1751)}` };
        for (let i = 0; i < 3; i++)
          expect((await fetch(suite.server.wsUrl.replace("ws:", "http:"), { headers })).status).toBe(400);
        const socket = await TestSocket.open(suite.server.wsUrl, { headers });
        await socket.close();
      } finally {
        await suite.done();
      }
    });

    it("throttles login guessing per username and per address, with Retry-After", async () => {
      const suite = await startSuite(dialect, {
        env: { AUTH_ATTEMPTS_PER_MINUTE_PER_USERNAME: "3", AUTH_ATTEMPTS_PER_MINUTE_PER_IP: "7" },
      });
      try {
        const post = postJson(suite.server.url);
        expect((await post("/api/auth/register", { username: "victim", password: "correct horse battery" })).status).toBe(201);
        for (let i = 0; i < 3; i++)
          expect((await post("/api/auth/login", { username: "victim", password: `guess ${i}` })).status).toBe(401);
        // Three failures for the name: even the right password waits now.
        const blocked = await post("/api/auth/login", { username: "Victim", password: "correct horse battery" });
        expect(blocked.status).toBe(429);
        expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
        expect(((await blocked.json()) as { error: { code: string } }).error.code).toBe("rate_limited");
        // Another account from the same address still gets its turn, until the address is throttled too.
        expect((await post("/api/auth/login", { username: "someone", password: "x" })).status).toBe(401);
        expect((await post("/api/auth/login", { username: "someone-else", password: "x" })).status).toBe(401);
        expect((await post("/api/auth/login", { username: "third", password: "x" })).status).toBe(429);
      } finally {
        await suite.done();
      }
    });

    it("counts only failed logins against a name, so trying a name cannot lock its owner out by succeeding", async () => {
      const suite = await startSuite(dialect, { env: { AUTH_ATTEMPTS_PER_MINUTE_PER_USERNAME: "2" } });
      try {
        const post = postJson(suite.server.url);
        const login = (password: string) => post("/api/auth/login", { username: "regular", password });
        await post("/api/auth/register", { username: "regular", password: "a long enough password" });
        for (let i = 0; i < 5; i++) expect((await login("a long enough password")).status).toBe(200);
        expect((await login("wrong")).status).toBe(401);
        expect((await login("a long enough password")).status).toBe(200);
      } finally {
        await suite.done();
      }
    });

    it("sends security headers, and a strict Content-Security-Policy", async () => {
      const suite = await startSuite(dialect);
      try {
        const res = await fetch(`${suite.server.url}/health`);
        expect(res.headers.get("x-content-type-options")).toBe("nosniff");
        expect(res.headers.get("x-frame-options")).toBe("DENY");
        expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
        const docs = await fetch(`${suite.server.url}/docs/static/index.html`);
        expect(docs.headers.get("content-security-policy")).not.toContain("default-src 'none'");
      } finally {
        await suite.done();
      }
    });

    // A group's burst written in one turn passed the bound before the kernel had a chance to
    // take any of it, and readers that kept up were closed with 1013.
    it("does not take a reader that keeps up for a slow one when a burst exceeds the bound", async () => {
      const suite = await startSuite(dialect, { configure: (c) => (c.ws.maxBufferedBytes = 64 * 1024) });
      try {
        const sender = await suite.connect(1731);
        const readers = [await suite.connect(1732), await suite.connect(1733)];
        const group = await suite.server.http("/api/conversations", {
          method: "POST",
          userId: 1731,
          json: { kind: "group", title: "burst", member_ids: [1732, 1733] },
        });
        const big = "x".repeat(3500);
        for (let i = 0; i < 400; i++) {
          sender.send({ type: "send", conversation_id: group.body.id, content: `${i} ${big}`, client_id: `f${i}` });
        }
        await sender.waitForCount("ack", 400, 15_000);
        for (const r of readers) await eventually(() => r.ofType("message").length >= 400, 15_000, "every message");
        expect(readers.map((r) => r.closeCode)).toEqual([undefined, undefined]);
      } finally {
        await suite.done();
      }
    });

    it("closes a reader that stopped reading with 1013 and lets go of it, while others get everything", {
      timeout: 90_000,
    }, async () => {
      const suite = await startSuite(dialect, { configure: (c) => (c.ws.maxBufferedBytes = 64 * 1024) });
      try {
        const sender = await suite.connect(1741);
        const fast = await suite.connect(1742);
        const slow = await suite.connect(1743);
        // It reads nothing more: the kernel's buffers fill (a few MB on loopback), then the server's.
        const slowSocket = (slow.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
        slowSocket.pause();
        const group = await suite.server.http("/api/conversations", {
          method: "POST",
          userId: 1741,
          json: { kind: "group", title: "slow", member_ids: [1742, 1743] },
        });
        const big = "x".repeat(3900);
        for (let i = 0; i < 3000; i++) {
          sender.send({ type: "send", conversation_id: group.body.id, content: `${i} ${big}`, client_id: `s${i}` });
          if (i % 100 === 99) await sender.waitForCount("ack", i + 1, 20_000);
        }
        await eventually(() => fast.ofType("message").length >= 3000, 30_000, "the fast reader's messages");
        await eventually(() => suite.server.app.gateway.registry.of(1743) === undefined, 10_000, "the slow socket let go");
        slowSocket.resume(); // so that this side sees the end too
        // What it missed is stored: it fetches it after reconnecting.
        const back = await suite.connect(1743);
        const page = await suite.server.http(`/api/conversations/${group.body.id}/messages?before_seq=999999&limit=1`, {
          userId: 1743,
        });
        expect(page.body.messages[0].content.startsWith("2999 ")).toBe(true);
        await back.close();
      } finally {
        await suite.done();
      }
    });
  },
  { only: ["sqlite"] },
);
