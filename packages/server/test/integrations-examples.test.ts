import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { createTestDatabase, eventually, startServer, type TestDatabase, type TestServer } from "@chatapp/testkit";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBeforeSendHook } from "../../../examples/integrations/before-send-hook.mjs";
import { provision } from "../../../examples/integrations/provision.mjs";
import { startWebhookReceiver } from "../../../examples/integrations/webhook-receiver.mjs";

// The worked examples of docs/integrations.md, run as a reader would run them: the real server
// (its configuration from the environment variables the document names), the example webhook
// receiver and before-send hook on 127.0.0.1, and the provisioning script, imported and as a
// command. The last test checks that the document quotes the files as they are.

const root = resolve(import.meta.dirname, "../../..");
const EXAMPLES = "examples/integrations";
const ADMIN_API_KEY = "integrations-examples-admin-key-0123456789";
const WEBHOOK_SECRET = `whsec_${randomBytes(32).toString("base64")}`;
const BEFORE_SEND_SECRET = `whsec_${randomBytes(32).toString("base64")}`;

type Receiver = Awaited<ReturnType<typeof startWebhookReceiver>>;
type Hook = Awaited<ReturnType<typeof startBeforeSendHook>>;
type Provisioned = Awaited<ReturnType<typeof provision>>;

const urlOf = (app: Receiver | Hook) => `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

describe("the examples in docs/integrations.md", () => {
  /** What the receiver's handler was given, in order. */
  const handled: { id: string; type: string; data: any }[] = [];
  let receiver: Receiver;
  let hook: Hook;
  let database: TestDatabase;
  let server: TestServer;
  let provisioned: Provisioned;

  beforeAll(async () => {
    receiver = await startWebhookReceiver({
      secret: WEBHOOK_SECRET,
      port: 0,
      handle: (event, id) => void handled.push({ id, type: event.type, data: event.data }),
    });
    hook = await startBeforeSendHook({ secret: BEFORE_SEND_SECRET, bannedWords: ["spam", "scam"], port: 0 });
    database = await createTestDatabase("sqlite");
    server = await startServer(database, {
      env: {
        ADMIN_API_KEY,
        WEBHOOK_URL: `${urlOf(receiver)}/chatapp/webhooks`,
        WEBHOOK_SECRET,
        BEFORE_SEND_URL: `${urlOf(hook)}/chatapp/before-send`,
        BEFORE_SEND_SECRET,
      },
    });
  });
  afterAll(async () => {
    await server?.stop();
    await database?.drop();
    await receiver?.close();
    await hook?.close();
  });

  /** A request with a token the provisioning script minted (not one the test signs itself). */
  const asUser = async (token: string, path: string, init: { method?: string; json?: unknown } = {}) => {
    const res = await fetch(server.url + path, {
      method: init.method ?? "GET",
      headers: { authorization: `Bearer ${token}`, ...(init.json === undefined ? {} : { "content-type": "application/json" }) },
      body: init.json === undefined ? undefined : JSON.stringify(init.json),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  const tokenOf = (userId: number) => provisioned.tokens.find((t) => t.user_id === userId)?.token as string;

  it("provisions users whose tokens work on /api/me, a group, a bot's message and a notice", async () => {
    provisioned = await provision({ baseUrl: server.url, apiKey: ADMIN_API_KEY });
    expect(provisioned.users.map((u: any) => [u.id, u.username, u.bot])).toEqual([
      [1001, "ann", false],
      [1002, "bob", false],
      [1900, "helpbot", true],
    ]);
    for (const { user_id, token, expires_at } of provisioned.tokens) {
      const me = await asUser(token, "/api/me");
      expect(me.status).toBe(200);
      expect(me.body).toMatchObject({ id: user_id, bot: false });
      expect(Date.parse(expires_at) - Date.now()).toBeGreaterThan(3500_000);
    }
    const group = await asUser(tokenOf(1002), `/api/conversations/${provisioned.group.id}`);
    expect(group.status).toBe(200);
    expect(group.body.title).toBe("Launch");
    expect(group.body.members.map((m: any) => m.user_id).sort()).toEqual([1001, 1002, 1900]);
    const history = await asUser(tokenOf(1002), `/api/conversations/${provisioned.group.id}/messages`);
    const byId = new Map(history.body.messages.map((m: any) => [m.id, m]));
    expect(byId.get(provisioned.botMessage.id)).toMatchObject({
      sender_id: 1900,
      content: "Welcome! Ask me anything about the launch.",
    });
    expect(byId.get(provisioned.notice.id)).toMatchObject({ sender_id: null, kind: "system", system: { event: "notice" } });
  });

  it("runs again from the command line, finding the users it made the first time", async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [join(root, EXAMPLES, "provision.mjs")], {
      cwd: root,
      env: { ...process.env, CHATAPP_URL: server.url, CHATAPP_API_KEY: ADMIN_API_KEY },
      timeout: 15_000,
    });
    const again = JSON.parse(stdout) as Provisioned;
    expect(again.users.map((u: any) => [u.id, u.created_at])).toEqual(provisioned.users.map((u: any) => [u.id, u.created_at]));
    expect((await asUser(again.tokens[0]?.token as string, "/api/me")).body.id).toBe(1001);
    // Each run makes a group of its own, with its own bot message and notice.
    expect(again.group.id).not.toBe(provisioned.group.id);
    const history = await asUser(tokenOf(1001), `/api/conversations/${again.group.id}/messages`);
    expect(history.body.messages.map((m: any) => m.id)).toEqual(expect.arrayContaining([again.botMessage.id, again.notice.id]));
  });

  it("delivers message.created to the receiver, which verifies and records it", async () => {
    const sent = await asUser(tokenOf(1001), `/api/conversations/${provisioned.group.id}/messages`, {
      method: "POST",
      json: { content: "see you at the launch", client_id: "doc-1" },
    });
    expect(sent.status).toBe(201);
    await eventually(
      () => handled.some((e) => e.type === "message.created" && e.data.id === sent.body.id),
      10_000,
      "message.created handled by the example receiver",
    );
    const event = handled.find((e) => e.type === "message.created" && e.data.id === sent.body.id);
    expect(event?.data).toMatchObject({
      conversation_id: provisioned.group.id,
      sender_id: 1001,
      content: "see you at the launch",
      client_id: "doc-1",
    });
    expect(event?.id).toMatch(/^msg_/);
    // The provisioning made its events too: users, members, the bot's message.
    expect(handled.filter((e) => e.type === "user.created").map((e) => e.data.id)).toEqual(
      expect.arrayContaining([1001, 1002, 1900]),
    );
    await eventually(
      () => handled.some((e) => e.type === "message.created" && e.data.id === provisioned.botMessage.id),
      10_000,
      "the bot's message handled",
    );
  });

  it("refuses a bad signature with 401 and hands a repeated webhook-id to the handler once", async () => {
    const url = `${urlOf(receiver)}/chatapp/webhooks`;
    const body = JSON.stringify({ type: "user.created", timestamp: new Date().toISOString(), data: { id: 77, bot: false } });
    const id = "msg_test_repeat";
    // One instant for every signature and header: signing at one second and sending the
    // header of the next would be a mismatch of the test's own making.
    const now = new Date();
    const timestamp = String(Math.floor(now.getTime() / 1000));
    const post = (signature: string) =>
      fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "webhook-id": id,
          "webhook-timestamp": timestamp,
          "webhook-signature": signature,
        },
        body,
      });
    const signature = new Webhook(WEBHOOK_SECRET).sign(id, now, body);
    const forged = new Webhook(`whsec_${randomBytes(32).toString("base64")}`).sign(id, now, body);
    expect((await post(forged)).status).toBe(401);
    expect((await post(signature)).status).toBe(204);
    expect((await post(signature)).status).toBe(204);
    await eventually(() => handled.some((e) => e.id === id), 5_000, "the signed event handled");
    expect(handled.filter((e) => e.id === id)).toHaveLength(1);
    // One byte changed after signing (here: JSON re-serialized with a space) fails the check.
    const reformatted = JSON.stringify(JSON.parse(body), null, 1);
    const res = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "webhook-id": "msg_test_reformatted",
        "webhook-timestamp": timestamp,
        "webhook-signature": new Webhook(WEBHOOK_SECRET).sign("msg_test_reformatted", now, body),
      },
      body: reformatted,
    });
    expect(res.status).toBe(401);
  });

  it("rejects a message with a banned word (HTTP 422 rejected, socket error) and allows others", async () => {
    const path = `/api/conversations/${provisioned.group.id}/messages`;
    const banned = await asUser(tokenOf(1002), path, {
      method: "POST",
      json: { content: "Cheap SPAM here!", client_id: "doc-2" },
    });
    expect(banned.status).toBe(422);
    expect(banned.body).toEqual({ error: { code: "rejected", message: '"spam" is not allowed here' } });
    const fine = await asUser(tokenOf(1002), path, {
      method: "POST",
      json: { content: "spammy is a fine word", client_id: "doc-3" },
    });
    expect(fine.status).toBe(201);
    // An edit passes the hook too, and a rejected one leaves the message as it was.
    const edit = await asUser(tokenOf(1002), `/api/messages/${fine.body.id}`, { method: "PATCH", json: { content: "a scam" } });
    expect(edit.status).toBe(422);
    expect(edit.body.error).toEqual({ code: "rejected", message: '"scam" is not allowed here' });
    const socket = await server.connect(1001);
    try {
      socket.send({ type: "send", conversation_id: provisioned.group.id, content: "ｓｃａｍ alert", client_id: "doc-4" });
      const error = await socket.next((f) => f.type === "error" && f.client_id === "doc-4");
      expect(error).toMatchObject({ code: "rejected", message: '"scam" is not allowed here' });
    } finally {
      await socket.close();
    }
    const history = await asUser(tokenOf(1001), path);
    const contents = history.body.messages.map((m: any) => m.content);
    expect(contents).toContain("spammy is a fine word");
    expect(contents).not.toContain("Cheap SPAM here!");
    expect(contents).not.toContain("a scam");
    expect(contents).not.toContain("ｓｃａｍ alert");
  });

  it("serves the OpenAPI description at /docs, with the admin routes under the API-key scheme", async () => {
    const page = await fetch(`${server.url}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/text\/html/);
    const doc = (await (await fetch(`${server.url}/docs/json`)).json()) as any;
    expect(doc.components.securitySchemes.apiKey).toEqual({ type: "apiKey", in: "header", name: "X-Api-Key" });
    expect(doc.components.securitySchemes.adminBearer).toMatchObject({ type: "http", scheme: "bearer" });
    for (const [path, method] of [
      ["/api/admin/users", "post"],
      ["/api/admin/users/{id}/tokens", "post"],
      ["/api/admin/conversations", "post"],
      ["/api/admin/conversations/{id}/messages", "post"],
      ["/api/admin/webhooks", "post"],
    ] as const) {
      expect(doc.paths[path]?.[method]?.security, `${method} ${path}`).toEqual([{ apiKey: [] }, { adminBearer: [] }]);
      expect(doc.paths[path]?.[method]?.tags).toContain("admin");
    }
  });

  it("quotes each example file in the document exactly as it is", () => {
    const document = readFileSync(join(root, "docs/integrations.md"), "utf8");
    const quoted = [...document.matchAll(/<!-- file: (\S+) -->\n```js\n([\s\S]*?)```\n/g)];
    expect(quoted.map((m) => m[1]).sort()).toEqual(
      ["before-send-hook.mjs", "provision.mjs", "webhook-receiver.mjs"].map((f) => `${EXAMPLES}/${f}`),
    );
    for (const [, file, code] of quoted) expect(code, file).toBe(readFileSync(join(root, file as string), "utf8"));
  });
});
