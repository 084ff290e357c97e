import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { describeEachDialect, useSuite } from "@chatapp/testkit";
import { afterAll, beforeAll, expect, it } from "vitest";

// Admin sends and the before-send hook (integrations contract §1, §2): a send with sender_id
// passes the hook like the user's own send; a notice never does. A real hook on 127.0.0.1
// rejects "reject:<reason>" and allows anything else.

const ADMIN_KEY = "admin-before-send-test-key-0123456789abcdef";
const SECRET = `whsec_${Buffer.alloc(32, 7).toString("base64")}`;

describeEachDialect("admin sends and the before-send hook", (dialect) => {
  const calls: { data: Record<string, unknown> }[] = [];
  const hook: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { data: Record<string, unknown> };
      calls.push(body);
      const content = String(body.data.content);
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(
        JSON.stringify(
          content.startsWith("reject:") ? { action: "reject", reason: content.slice("reject:".length) } : { action: "allow" },
        ),
      );
    });
  });
  beforeAll(() => new Promise<void>((resolve) => hook.listen(0, "127.0.0.1", resolve)));
  afterAll(
    () =>
      new Promise<void>((resolve) => {
        hook.closeAllConnections();
        hook.close(() => resolve());
      }),
  );
  const suite = useSuite(dialect, {
    env: { ADMIN_API_KEY: ADMIN_KEY },
    configure: (config) => {
      const { port } = hook.address() as AddressInfo;
      config.beforeSend = { url: `http://127.0.0.1:${port}/hook`, secret: SECRET, timeoutMs: 2000, failure: "allow" };
    },
  });
  const http = (...args: Parameters<ReturnType<typeof suite>["server"]["http"]>) => suite().server.http(...args);
  const admin = (path: string, json: unknown) =>
    http(path, { method: "POST", json, headers: { authorization: `Bearer ${ADMIN_KEY}` } });

  it("passes a send as a member through the hook: allowed is stored, rejected is 422 and stored nowhere", async () => {
    for (const id of [601, 602]) await http("/api/me", { userId: id });
    const g = (await admin("/api/admin/conversations", { kind: "group", title: "Hooked", member_ids: [601, 602] })).body;
    const allowed = await admin(`/api/admin/conversations/${g.id}/messages`, {
      sender_id: 601,
      content: "fine words",
      client_id: "h1",
    });
    expect(allowed.status).toBe(201);
    expect(calls.find((c) => c.data.content === "fine words")?.data).toEqual({
      conversation_id: g.id,
      sender_id: 601,
      content: "fine words",
      client_id: "h1",
    });
    const rejected = await admin(`/api/admin/conversations/${g.id}/messages`, { sender_id: 601, content: "reject:not here" });
    expect(rejected.status).toBe(422);
    expect(rejected.body.error).toEqual({ code: "rejected", message: "not here" });
    const page = await http(`/api/conversations/${g.id}/messages`, { userId: 602 });
    const contents = page.body.messages.map((m: any) => m.content);
    expect(contents).toContain("fine words");
    expect(contents).not.toContain("reject:not here");
  });

  it("never posts a notice to the hook", async () => {
    await http("/api/me", { userId: 611 });
    const g = (await admin("/api/admin/conversations", { kind: "group", title: "Notices", member_ids: [611] })).body;
    const notice = await admin(`/api/admin/conversations/${g.id}/messages`, { content: "reject:a notice is not checked" });
    expect(notice.status).toBe(201);
    expect(notice.body).toMatchObject({ kind: "system", sender_id: null });
    expect(calls.filter((c) => c.data.content === "reject:a notice is not checked")).toEqual([]);
  });
});
