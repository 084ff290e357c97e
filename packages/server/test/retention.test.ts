import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeEachDialect, eventually, startServer, type TestServer, useSuite } from "@chatapp/testkit";
import { afterAll, beforeAll, expect, it } from "vitest";
import { JobLeasesRepo } from "../src/store/job-leases-repo.js";

const ADMIN_KEY = "retention-admin-key-0123456789-abcdefgh";
const DAY_MS = 86_400_000;

/** The admin API with the key. */
const adminOf =
  (server: () => TestServer) =>
  (path: string, init: RequestInit & { json?: unknown } = {}) =>
    server().http(path, { ...init, headers: { authorization: `Bearer ${ADMIN_KEY}` } });

/** Waits until the clock has passed `ms`, so what is stored next is newer than a cutoff at `ms`. */
const after = (ms: number) => eventually(() => Date.now() > ms + 1, 1000, "the clock to move on");

/**
 * Retention (integrations §5): messages created before a cutoff are removed, in batches, with
 * their reactions, pins, mentions, uploads and index entries; conversations and their seq
 * numbering stay; nothing is announced.
 */
describeEachDialect("retention", (dialect) => {
  const dir = mkdtempSync(join(tmpdir(), "chatapp-retention-"));
  const suite = useSuite(dialect, {
    env: { ADMIN_API_KEY: ADMIN_KEY, UPLOAD_DIR: dir },
    // Small batches, so the runs below take several.
    configure: (config) => {
      config.retention.batchSize = 3;
      config.retention.pauseMs = 1;
    },
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const http = (...args: Parameters<ReturnType<typeof suite>["server"]["http"]>) => suite().server.http(...args);
  const admin = adminOf(() => suite().server);
  const [A, B] = [9301, 9302];
  const db = () => suite().server.app.store.db;

  const send = async (conversationId: number, userId: number, json: Record<string, unknown>) => {
    const res = await http(`/api/conversations/${conversationId}/messages`, { method: "POST", userId, json });
    expect(res.status).toBe(201);
    return res.body;
  };
  const group = async (title: string) =>
    (await http("/api/conversations", { method: "POST", userId: A, json: { kind: "group", title, member_ids: [B] } })).body
      .id as number;
  const countOld = async (cutoff: number) =>
    Number(
      (
        await db()
          .selectFrom("messages")
          .select((eb) => eb.fn.countAll().as("n"))
          .where("created_at", "<", cutoff)
          .executeTakeFirstOrThrow()
      ).n,
    );

  beforeAll(async () => {
    for (const u of [A, B]) await http("/api/me", { userId: u });
  });

  it("(R) without `before` and without RETENTION_DAYS: 400; a bad `before`: 400", async () => {
    for (const init of [{ json: {} }, {}, { json: { before: "yesterday" } }, { json: { before: 5 } }]) {
      const res = await admin("/api/admin/retention/run", { method: "POST", ...init });
      expect(res.status, JSON.stringify(init)).toBe(400);
      expect(res.body.error.code).toBe("invalid_request");
    }
  });

  it("(R) removes what is older than the cutoff: history, search, last_message, dependent rows; seq goes on; nothing announced", async () => {
    const chat = await group("retained");
    const empty = await group("emptied");
    const form = new FormData();
    form.append("file", new Blob(["old bytes"]), "old.txt");
    const token = await suite().server.token(A);
    const upload = (await (
      await fetch(`${suite().server.url}/api/uploads`, {
        method: "POST",
        body: form,
        headers: { authorization: `Bearer ${token}` },
      })
    ).json()) as { id: number };
    const root = await send(chat, A, { content: "ancient zebulon root", attachments: [upload.id] });
    await send(chat, B, { content: "ancient zebulon reply", thread_root_id: root.id, mentions: [A] });
    await send(empty, A, { content: "ancient zebulon alone" });
    expect(
      (await http(`/api/messages/${root.id}/reactions/${encodeURIComponent("👍")}`, { method: "PUT", userId: B })).status,
    ).toBe(200);
    expect((await http(`/api/conversations/${chat}/pins/${root.id}`, { method: "PUT", userId: A })).status).toBe(200);
    const oldLast = (await http(`/api/conversations/${chat}`, { userId: A })).body.last_seq as number;
    const emptyLast = (await http(`/api/conversations/${empty}`, { userId: A })).body.last_seq as number;
    const lastOld = Date.now();
    await after(lastOld);
    const kept = await send(chat, A, { content: "recent yolanda" });
    expect(kept.seq).toBe(oldLast + 1);
    expect(readdirSync(join(dir, "uploads"))).toContain(String(upload.id));

    const sockets = await Promise.all([A, B].map((u) => suite().connect(u)));
    const expected = await countOld(lastOld + 1);
    const res = await admin("/api/admin/retention/run", {
      method: "POST",
      json: { before: new Date(lastOld + 1).toISOString() },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ deleted: expected });
    expect(expected).toBeGreaterThanOrEqual(5);
    const [entry] = (await admin("/api/admin/audit?limit=1")).body.entries;
    expect(entry).toMatchObject({
      action: "retention.run",
      detail: { before: new Date(lastOld + 1).toISOString(), deleted: expected },
    });
    expect(await countOld(lastOld + 1)).toBe(0);

    // History starts at the oldest kept message; after_seq below it resumes there.
    const page = await http(`/api/conversations/${chat}/messages?after_seq=0`, { userId: B });
    expect(page.body.messages.map((m: any) => m.id)).toEqual([kept.id]);
    const older = await http(`/api/conversations/${chat}/messages?before_seq=${kept.seq}`, { userId: B });
    expect(older.body).toEqual({ messages: [], has_more: false });
    // Search (each dialect's own index) no longer finds them; kept ones still are.
    expect((await http("/api/search?q=zebulon", { userId: A })).body.messages).toEqual([]);
    expect((await http("/api/search?q=yolanda", { userId: A })).body.messages.map((m: any) => m.id)).toEqual([kept.id]);
    // The emptied conversation stays, with its seq and no last message.
    const emptied = await http(`/api/conversations/${empty}`, { userId: A });
    expect(emptied.status).toBe(200);
    expect(emptied.body).toMatchObject({ id: empty, last_seq: emptyLast, last_message: null, unread_count: 0 });
    expect((await http(`/api/conversations/${empty}/messages`, { userId: A })).body.messages).toEqual([]);
    // Dependent rows and files went with them.
    for (const table of ["reactions", "pins", "mentions", "uploads"] as const) {
      const rows = await db()
        .selectFrom(table)
        .select((eb) => eb.fn.countAll().as("n"))
        .executeTakeFirstOrThrow();
      expect(Number(rows.n), table).toBe(0);
    }
    expect(existsSync(join(dir, "uploads", String(upload.id)))).toBe(false);
    expect((await http(`/api/conversations/${chat}/pins`, { userId: A })).body.pins).toEqual([]);
    // seq numbers are never reused.
    expect((await send(chat, B, { content: "next" })).seq).toBe(kept.seq + 1);
    expect((await send(empty, B, { content: "again" })).seq).toBe(emptyLast + 1);
    // Quietly: no frames about the removal.
    for (const s of sockets) {
      await s.roundTrip();
      expect(s.ofType("message_deleted")).toEqual([]);
      expect(s.ofType("unpinned")).toEqual([]);
    }
    // Nothing older is left: a second run removes nothing.
    const again = await admin("/api/admin/retention/run", {
      method: "POST",
      json: { before: new Date(lastOld + 1).toISOString() },
    });
    expect(again.body).toEqual({ deleted: 0 });
  });
});

describeEachDialect("retention job", (dialect) => {
  const lines: string[] = [];
  const suite = useSuite(dialect, {
    env: { ADMIN_API_KEY: ADMIN_KEY, RETENTION_DAYS: "30" },
    logLines: lines,
    configure: (config) => {
      config.retention.checkMs = 50;
      config.retention.intervalMs = 300;
      config.retention.leaseMs = 1000;
    },
  });
  const http = (...args: Parameters<ReturnType<typeof suite>["server"]["http"]>) => suite().server.http(...args);
  const admin = adminOf(() => suite().server);
  const [A, B] = [9401, 9402];
  let chat: number;
  const db = () => suite().server.app.store.db;
  const age = (ids: number[], days: number) =>
    db()
      .updateTable("messages")
      .set({ created_at: Date.now() - days * DAY_MS })
      .where("id", "in", ids)
      .execute();
  const ids = async (conversationId: number) =>
    (await http(`/api/conversations/${conversationId}/messages`, { userId: A })).body.messages.map((m: any) => m.id);
  const rounds = (from: string[] = lines) => from.map((l) => JSON.parse(l)).filter((l) => l.msg === "retention round");

  beforeAll(async () => {
    await http("/api/me", { userId: B });
    chat = (
      await http("/api/conversations", { method: "POST", userId: A, json: { kind: "group", title: "job", member_ids: [B] } })
    ).body.id;
  });

  it("(R) the admin run's cutoff defaults to now − RETENTION_DAYS", async () => {
    const old = (await http(`/api/conversations/${chat}/messages`, { method: "POST", userId: A, json: { content: "31 days" } }))
      .body;
    const young = (await http(`/api/conversations/${chat}/messages`, { method: "POST", userId: A, json: { content: "29 days" } }))
      .body;
    await Promise.all([age([old.id], 31), age([young.id], 29)]);
    // The job may take it first; either way it is gone and the younger one stays.
    const res = await admin("/api/admin/retention/run", { method: "POST" });
    expect(res.status).toBe(200);
    await eventually(async () => !(await ids(chat)).includes(old.id), 5000, "the old message to go");
    expect(await ids(chat)).toContain(young.id);
  });

  it("runs by itself: an aged message goes within a round", async () => {
    const msg = (await http(`/api/conversations/${chat}/messages`, { method: "POST", userId: A, json: { content: "aging" } }))
      .body;
    await age([msg.id], 40);
    await eventually(async () => !(await ids(chat)).includes(msg.id), 5000, "the job to remove it");
    expect(rounds().length).toBeGreaterThan(0);
  });

  it("a round held by a node that died runs again once its lease expires", async () => {
    const leases = new JobLeasesRepo(suite().server.app.store);
    // A dead node's claim: it never renews nor finishes.
    await eventually(() => leases.claim("retention", "dead-node", Date.now(), 600), 5000, "the round to be claimable");
    const claimedAt = Date.now();
    const msg = (await http(`/api/conversations/${chat}/messages`, { method: "POST", userId: A, json: { content: "held" } }))
      .body;
    await age([msg.id], 40);
    await eventually(async () => !(await ids(chat)).includes(msg.id), 5000, "a live node to take the round over");
    expect(Date.now() - claimedAt).toBeGreaterThanOrEqual(550);
  });

  it("(R) one node per round: two nodes on one database never run the same round", async () => {
    const other = await startServer(suite().database, {
      env: { ADMIN_API_KEY: ADMIN_KEY, RETENTION_DAYS: "30" },
      logLines: lines,
      configure: (config) => {
        config.retention.checkMs = 50;
        config.retention.intervalMs = 300;
        config.retention.leaseMs = 1000;
      },
    });
    try {
      const since = lines.length;
      await eventually(() => rounds(lines.slice(since)).length >= 5, 10_000, "five rounds");
      const seen = rounds(lines.slice(since)).sort((a, b) => a.due_at - b.due_at);
      // Each round starts only after the previous one finished and its interval passed.
      for (let i = 1; i < seen.length; i++) expect(seen[i].due_at).toBeGreaterThanOrEqual(seen[i - 1].next_run_at);
      // Claims made at the same moment: exactly one wins.
      // Claims made at the same moment (as from a clock 10 s ahead, so the round is due): exactly one wins.
      const leases = new JobLeasesRepo(suite().server.app.store);
      const now = Date.now() + 10_000;
      const wins = await Promise.all(Array.from({ length: 8 }, (_, i) => leases.claim("retention", `racer-${i}`, now, 50)));
      expect(wins.filter(Boolean)).toHaveLength(1);
    } finally {
      await other.stop();
    }
  });
});
