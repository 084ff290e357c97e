import { describeEachDialect, type TestSocket, useSuite } from "@chatapp/testkit";
import { beforeAll, expect, it } from "vitest";

/**
 * Issue 12, findings 3 and 11: text that is not what it seems. A lone UTF-16 surrogate is not
 * Unicode: the drivers store it altered, so a client_id holding one was acked once and then
 * answered `unavailable` forever (the repeat lookup missed what the UNIQUE index saw), and the
 * batch around it was retried and split each time. Every text field refuses it at the edge now.
 * A display name that grows under NFC overflowed the directory's search column (500).
 */
describeEachDialect("unicode text", (dialect) => {
  const suite = useSuite(dialect);
  const ME = 601;
  const PEER = 602;
  let s: TestSocket;
  let conversation: number;

  beforeAll(async () => {
    s = await suite().connect(ME);
    await suite().server.http("/api/me", { userId: PEER });
    const created = await suite().server.http("/api/conversations", {
      method: "POST",
      userId: ME,
      json: { kind: "direct", user_id: PEER },
    });
    expect(created.status).toBe(201);
    conversation = created.body.id;
  });

  /** Sends a frame and returns the ack or error that answers it. */
  async function answer(frame: Record<string, unknown>) {
    const from = s.frames.length;
    s.send(frame);
    return s.next((f) => f.type === "ack" || f.type === "error", 5000, from);
  }

  const history = async () =>
    (await suite().server.http(`/api/conversations/${conversation}/messages?limit=1000`, { userId: ME })).body.messages as {
      content: string;
      client_id: string | null;
    }[];

  it("refuses a lone surrogate in a socket send's client_id, and the sender can go on", async () => {
    for (let i = 0; i < 3; i++) {
      const err = await answer({ type: "send", conversation_id: conversation, content: "poison", client_id: "q\ud800" });
      expect(err).toMatchObject({ type: "error", code: "invalid_frame" });
      // A client_id that is not text cannot be echoed as the one the client sent.
      expect(err.client_id).toBeUndefined();
    }
    const ok = await answer({ type: "send", conversation_id: conversation, content: "fine", client_id: "q-good" });
    expect(ok).toMatchObject({ type: "ack", client_id: "q-good" });
    const again = await answer({ type: "send", conversation_id: conversation, content: "fine", client_id: "q-good" });
    expect(again).toMatchObject({ type: "ack", client_id: "q-good", id: ok.id });
    expect((await history()).some((m) => m.content === "poison")).toBe(false);
  });

  it("refuses a lone surrogate in content, or anywhere in a frame, echoing a client_id that is text", async () => {
    const content = await answer({ type: "send", conversation_id: conversation, content: "x\ud800y", client_id: "c-1" });
    expect(content).toMatchObject({ type: "error", code: "invalid_frame", client_id: "c-1" });
    const seed = await answer({ receiver_id: PEER, content: "\udc00" });
    expect(seed).toMatchObject({ type: "error", code: "invalid_frame" });
    for (const frame of [{ type: "ping", note: "\ud83d" }, { type: "ping", "\udfff": 1 }, { type: "typing\ud800" }]) {
      expect(await answer(frame)).toMatchObject({ type: "error", code: "invalid_frame" });
    }
    expect((await history()).some((m) => m.content.startsWith("x") || m.content.includes("\ufffd"))).toBe(false);
  });

  it("refuses a lone surrogate in any HTTP body field, known to the schema or not", async () => {
    const http = suite().server.http;
    const refused = [
      await http(`/api/conversations/${conversation}/messages`, {
        method: "POST",
        userId: ME,
        json: { content: "poison", client_id: "h\ud800" },
      }),
      await http(`/api/conversations/${conversation}/messages`, { method: "POST", userId: ME, json: { content: "a\udbffb" } }),
      await http("/api/conversations", {
        method: "POST",
        userId: ME,
        json: { kind: "group", title: "t\ud800", member_ids: [PEER] },
      }),
      await http("/api/auth/register", {
        method: "POST",
        json: { username: "lonely", password: "password1", display_name: "a\ud800" },
      }),
      // Fields the schema does not know are refused too: nothing carries a lone surrogate in.
      await http(`/api/conversations/${conversation}/messages`, {
        method: "POST",
        userId: ME,
        json: { content: "fine", extra: ["\udc00"] },
      }),
    ];
    for (const res of refused) expect(res).toMatchObject({ status: 400, body: { error: { code: "invalid_request" } } });
    const ok = await http(`/api/conversations/${conversation}/messages`, {
      method: "POST",
      userId: ME,
      json: { content: "fine", client_id: "h-good" },
    });
    expect(ok.status).toBe(201);
    expect((await history()).some((m) => m.content === "poison" || m.content.includes("\ufffd"))).toBe(false);
  });

  it("takes well-formed astral characters everywhere: stored and compared as sent", async () => {
    const emoji = "😀 👩🏽‍💻 𝕏";
    const first = await answer({ type: "send", conversation_id: conversation, content: emoji, client_id: "😀-1" });
    expect(first).toMatchObject({ type: "ack", client_id: "😀-1" });
    const repeat = await answer({ type: "send", conversation_id: conversation, content: emoji, client_id: "😀-1" });
    expect(repeat).toMatchObject({ type: "ack", id: first.id });
    const other = await answer({ type: "send", conversation_id: conversation, content: emoji, client_id: "😀-2" });
    expect(other.id).not.toBe(first.id);
    const viaHttp = await suite().server.http(`/api/conversations/${conversation}/messages`, {
      method: "POST",
      userId: ME,
      json: { content: emoji, client_id: "🎉" },
    });
    expect(viaHttp.status).toBe(201);
    const stored = (await history()).filter((m) => m.content === emoji).map((m) => m.client_id);
    expect(stored).toEqual(["😀-1", "😀-2", "🎉"]);
  });

  it("registers a display name that grows under NFC, and finds its user", async () => {
    const displayName = "\ufb2c".repeat(64); // each becomes 3 code points in NFC
    const reg = await suite().server.http("/api/auth/register", {
      method: "POST",
      json: { username: "shin_".padEnd(32, "x"), password: "password1", display_name: displayName },
    });
    expect(reg.status).toBe(201);
    expect(reg.body.user.display_name).toBe(displayName);
    for (const query of ["shin_", "\ufb2c\ufb2c", "\u05e9\u05bc\u05c1"]) {
      const found = await suite().server.http(`/api/users?query=${encodeURIComponent(query)}`, { userId: ME });
      expect(
        found.body.map((u: { id: number }) => u.id),
        query,
      ).toEqual([reg.body.user.id]);
    }
  });
});
