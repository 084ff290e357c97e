import { describeEachDialect, useSuite } from "@chatapp/testkit";
import { beforeAll, expect, it } from "vitest";

const ADMIN_KEY = "moderation-admin-key-0123456789-abcdef";
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/**
 * Reports (integrations §5): members report messages of their conversations; a repeat answers
 * the first report; admins list them newest first by status, page them, and resolve them.
 */
describeEachDialect("reports", (dialect) => {
  const suite = useSuite(dialect, { env: { ADMIN_API_KEY: ADMIN_KEY } });
  const http = (...args: Parameters<ReturnType<typeof suite>["server"]["http"]>) => suite().server.http(...args);
  const admin = (path: string, init: RequestInit & { json?: unknown } = {}) =>
    http(path, { ...init, headers: { authorization: `Bearer ${ADMIN_KEY}` } });
  const [A, B, C] = [9101, 9102, 9103];
  let group: number;

  const send = async (userId: number, content: string) =>
    (await http(`/api/conversations/${group}/messages`, { method: "POST", userId, json: { content } })).body;
  const report = (messageId: number, userId: number, reason: unknown) =>
    http(`/api/messages/${messageId}/report`, { method: "POST", userId, json: { reason } });

  beforeAll(async () => {
    for (const u of [A, B, C]) await http("/api/me", { userId: u });
    group = (
      await http("/api/conversations", { method: "POST", userId: A, json: { kind: "group", title: "r", member_ids: [B] } })
    ).body.id;
  });

  it("(R) a member reports a message: 201 with the report, the content as it was; a repeat answers it with 200", async () => {
    const msg = await send(A, "buy cheap watches");
    const res = await report(msg.id, B, "spam");
    expect(res.status).toBe(201);
    expect(Object.keys(res.body).sort()).toEqual(
      ["content", "conversation_id", "created_at", "id", "message_id", "reason", "reporter_id", "sender_id", "status"].sort(),
    );
    expect(res.body).toMatchObject({
      message_id: msg.id,
      conversation_id: group,
      sender_id: A,
      reporter_id: B,
      reason: "spam",
      content: "buy cheap watches",
      status: "open",
    });
    expect(res.body.created_at).toMatch(ISO);
    // The snapshot stays what the reporter saw after an edit.
    expect((await http(`/api/messages/${msg.id}`, { method: "PATCH", userId: A, json: { content: "hello" } })).status).toBe(200);
    const again = await report(msg.id, B, "another reason");
    expect(again.status).toBe(200);
    expect(again.body).toEqual(res.body);
  });

  it("(R) 404 for a message in a conversation the caller is not in, and for no such message", async () => {
    const msg = await send(A, "members only");
    expect((await report(msg.id, C, "spam")).status).toBe(404);
    const missing = await report(msg.id + 1_000_000, B, "spam");
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("not_found");
  });

  it("refuses a reason that is empty, blank, over 1,000 characters or not well-formed Unicode", async () => {
    const msg = await send(A, "reason checks");
    for (const reason of ["", "   ", "x".repeat(1001), "😀".repeat(1001), "bad \ud800 text", 5]) {
      const res = await report(msg.id, B, reason);
      expect(res.status, JSON.stringify(reason).slice(0, 20)).toBe(400);
      expect(res.body.error.code).toBe("invalid_request");
    }
    // 1,000 characters, emoji counted as one each.
    expect((await report(msg.id, B, "😀".repeat(1000))).status).toBe(201);
  });

  it("refuses to report a deleted message (409)", async () => {
    const msg = await send(A, "gone soon");
    expect((await http(`/api/messages/${msg.id}`, { method: "DELETE", userId: A })).status).toBe(200);
    expect((await report(msg.id, B, "spam")).status).toBe(409);
  });

  it("(R) admins list reports newest first, by status, paged with before_id and has_more", async () => {
    const room = (
      await http("/api/conversations", { method: "POST", userId: A, json: { kind: "group", title: "list", member_ids: [B, C] } })
    ).body.id as number;
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) {
      const msg = (await http(`/api/conversations/${room}/messages`, { method: "POST", userId: A, json: { content: `m${i}` } }))
        .body;
      ids.push((await report(msg.id, i % 2 === 0 ? B : C, `r${i}`)).body.id);
    }
    const first = await admin("/api/admin/reports?limit=2");
    expect(first.status).toBe(200);
    expect(first.body.reports.map((r: any) => r.id)).toEqual([ids[4], ids[3]]);
    expect(first.body.has_more).toBe(true);
    const second = await admin(`/api/admin/reports?limit=2&before_id=${ids[3]}`);
    expect(second.body.reports.map((r: any) => r.id)).toEqual([ids[2], ids[1]]);
    expect(second.body.has_more).toBe(true);
    const last = await admin(`/api/admin/reports?limit=200&before_id=${ids[1]}`);
    expect(last.body.reports[0].id).toBe(ids[0]);

    // Resolve two: they leave the open list and make the resolved one.
    for (const id of [ids[1], ids[3]]) {
      const res = await admin(`/api/admin/reports/${id}`, { method: "PATCH", json: { status: "resolved" } });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id, status: "resolved", reason: expect.any(String) });
    }
    const open = await admin(`/api/admin/reports?status=open&limit=200`);
    expect(open.body.reports.every((r: any) => r.status === "open")).toBe(true);
    expect(open.body.reports.map((r: any) => r.id)).not.toContain(ids[1]);
    const resolved = await admin(`/api/admin/reports?status=resolved`);
    expect(resolved.body).toEqual({
      reports: [expect.objectContaining({ id: ids[3] }), expect.objectContaining({ id: ids[1] })],
      has_more: false,
    });
    // Reopened.
    expect((await admin(`/api/admin/reports/${ids[1]}`, { method: "PATCH", json: { status: "open" } })).body.status).toBe("open");
    // Each change is in the audit log, with the key's name.
    const audit = (await admin("/api/admin/audit?limit=3")).body.entries;
    expect(audit.map((e: any) => [e.action, e.target_type, e.target_id])).toEqual([
      ["report.reopen", "report", ids[1]],
      ["report.resolve", "report", ids[3]],
      ["report.resolve", "report", ids[1]],
    ]);
    expect(audit[0].key_name).toEqual(expect.any(String));
  });

  it("(R) admin report routes: 404 for an unknown report, 400 for bad queries and bodies, 401 without a key", async () => {
    expect((await admin("/api/admin/reports/999999999", { method: "PATCH", json: { status: "resolved" } })).status).toBe(404);
    expect((await admin("/api/admin/reports/1", { method: "PATCH", json: { status: "closed" } })).status).toBe(400);
    for (const q of ["status=closed", "limit=0", "limit=201", "before_id=0", "before_id=x"]) {
      expect((await admin(`/api/admin/reports?${q}`)).status, q).toBe(400);
    }
    expect((await http("/api/admin/reports")).status).toBe(401);
    expect((await http("/api/admin/reports", { userId: A })).status).toBeGreaterThanOrEqual(401);
  });
  it("(R) an admin deletes any message as if its author had: frames to members, history and search show it deleted", async () => {
    const msg = await send(A, "quarantined xylophone");
    expect((await http(`/api/conversations/${group}/pins/${msg.id}`, { method: "PUT", userId: A })).status).toBe(200);
    const sockets = await Promise.all([A, B].map((u) => suite().connect(u)));
    const outsider = await suite().connect(C);
    const res = await admin(`/api/admin/messages/${msg.id}`, { method: "DELETE" });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: msg.id,
      conversation_id: group,
      seq: msg.seq,
      sender_id: A,
      content: "",
      deleted: true,
    });
    for (const s of sockets) {
      expect(await s.next((f) => f.type === "message_deleted" && f.id === msg.id)).toEqual({
        type: "message_deleted",
        id: msg.id,
        conversation_id: group,
        seq: msg.seq,
      });
      // Unpinned by nobody: the admin API is not a user.
      expect(await s.next((f) => f.type === "unpinned" && f.message_id === msg.id)).toMatchObject({ by: null });
    }
    await outsider.roundTrip();
    expect(outsider.ofType("message_deleted")).toEqual([]);
    const page = await http(`/api/conversations/${group}/messages?after_seq=${msg.seq - 1}&limit=1`, { userId: B });
    expect(page.body.messages[0]).toMatchObject({ id: msg.id, seq: msg.seq, content: "", deleted: true });
    expect((await http("/api/search?q=xylophone", { userId: B })).body.messages).toEqual([]);
    const [entry] = (await admin("/api/admin/audit?limit=1")).body.entries;
    expect(entry).toMatchObject({ action: "message.delete", target_type: "message", target_id: msg.id });
    // A repeat answers the deleted message; the author's own delete is no longer needed.
    const again = await admin(`/api/admin/messages/${msg.id}`, { method: "DELETE" });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: msg.id, deleted: true });
    await Promise.all([...sockets, outsider].map((s) => s.close()));
  });

  it("(R) admin delete: 404 for an unknown message, 409 for a system message, 401 without a key", async () => {
    const missing = await admin("/api/admin/messages/999999999", { method: "DELETE" });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("not_found");
    const page = await http(`/api/conversations/${group}/messages?after_seq=0&limit=1`, { userId: A });
    const system = page.body.messages[0];
    expect(system.kind).toBe("system");
    expect((await admin(`/api/admin/messages/${system.id}`, { method: "DELETE" })).status).toBe(409);
    const msg = await send(A, "not by a user token");
    expect((await http(`/api/admin/messages/${msg.id}`, { method: "DELETE" })).status).toBe(401);
    expect((await http(`/api/admin/messages/${msg.id}`, { method: "DELETE", userId: A })).status).toBeGreaterThanOrEqual(401);
  });
  it("/docs describes the moderation routes, the admin ones with the API key scheme", async () => {
    const doc = (await (await fetch(`${suite().server.url}/docs/json`)).json()) as { paths: Record<string, any> };
    expect(doc.paths["/api/messages/{id}/report"].post).toBeDefined();
    for (const [path, method] of [
      ["/api/admin/reports", "get"],
      ["/api/admin/reports/{id}", "patch"],
      ["/api/admin/messages/{id}", "delete"],
      ["/api/admin/retention/run", "post"],
    ] as const) {
      expect(doc.paths[path]?.[method]?.security, `${method} ${path}`).toEqual(expect.arrayContaining([{ apiKey: [] }]));
    }
  });
});

describeEachDialect("report budget", (dialect) => {
  const suite = useSuite(dialect, { env: { RATE_REPORTS_PER_HOUR: "2" } });
  const http = (...args: Parameters<ReturnType<typeof suite>["server"]["http"]>) => suite().server.http(...args);

  it("a user's reports are paid from an hourly budget: over it, 429 with Retry-After; a repeat costs nothing", async () => {
    const [A, B] = [9201, 9202];
    await http("/api/me", { userId: B });
    const group = (
      await http("/api/conversations", { method: "POST", userId: A, json: { kind: "group", title: "b", member_ids: [B] } })
    ).body.id;
    const ids: number[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push(
        (await http(`/api/conversations/${group}/messages`, { method: "POST", userId: A, json: { content: `x${i}` } })).body.id,
      );
    }
    const report = (id: number) => http(`/api/messages/${id}/report`, { method: "POST", userId: B, json: { reason: "spam" } });
    expect((await report(ids[0] as number)).status).toBe(201);
    expect((await report(ids[1] as number)).status).toBe(201);
    expect((await report(ids[0] as number)).status).toBe(200);
    const over = await report(ids[2] as number);
    expect(over.status).toBe(429);
    expect(over.body.error.code).toBe("rate_limited");
  });
});
