import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeEachDialect, useSuite } from "@chatapp/testkit";
import sharp from "sharp";
import { afterAll, beforeAll, expect, it } from "vitest";

/**
 * Sending with attachments (contract rich-messages §1-§3, "Sending and life"): the upload ids
 * a send names are checked and linked in the writer's transaction, the message carries the
 * attachments wherever it is read, and a send naming an upload it may not carry is refused
 * whole, storing nothing and leaving the upload as it was.
 */
describeEachDialect("sending attachments", (dialect) => {
  const dir = mkdtempSync(join(tmpdir(), "chatapp-attach-"));
  const suite = useSuite(dialect, { env: { UPLOAD_DIR: dir, RATE_UPLOADS_PER_MINUTE: "0" } });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const http = (...args: Parameters<ReturnType<typeof suite>["server"]["http"]>) => suite().server.http(...args);
  const [A, B, C] = [4101, 4102, 4103];
  let direct: number;

  async function upload(userId: number, bytes: Uint8Array | string, name: string) {
    const form = new FormData();
    form.append("file", new Blob([bytes]), name);
    const token = await suite().server.token(userId);
    const res = await fetch(`${suite().server.url}/api/uploads`, {
      method: "POST",
      body: form,
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(201);
    return (await res.json()) as { id: number; url: string; thumbnail_url?: string; [k: string]: unknown };
  }

  async function readable(userId: number, path: string): Promise<number> {
    const token = await suite().server.token(userId);
    return (await fetch(suite().server.url + path, { headers: { authorization: `Bearer ${token}` } })).status;
  }

  const png = (width: number, height: number) =>
    sharp({ create: { width, height, channels: 3, background: { r: 20, g: 90, b: 200 } } })
      .png()
      .toBuffer();

  const history = async (conversationId: number, userId: number) =>
    (await http(`/api/conversations/${conversationId}/messages`, { userId })).body.messages as any[];

  beforeAll(async () => {
    for (const u of [A, B, C]) await http("/api/me", { userId: u });
    direct = (await http("/api/conversations", { method: "POST", userId: A, json: { kind: "direct", user_id: B } })).body.id;
  });

  it("(R) sends a photo with no text: the frame, the ack, history, the list and search carry the attachment", async () => {
    const photo = await upload(A, await png(800, 400), "plan.png");
    const bob = await suite().connect(B);
    const alice = await suite().connect(A);
    alice.send({ type: "send", conversation_id: direct, content: "", client_id: "ph-1", attachments: [photo.id] });
    const ack = await alice.nextOfType("ack");
    const got = await bob.next((f) => f.type === "message" && f.id === ack.id);
    const attachment = {
      id: photo.id,
      url: photo.url,
      name: "plan.png",
      content_type: "image/png",
      size: photo.size,
      width: 800,
      height: 400,
      thumbnail_url: photo.thumbnail_url,
    };
    expect(got).toMatchObject({ content: "", attachments: [attachment] });
    expect((await history(direct, B)).find((m) => m.id === ack.id)).toMatchObject({ attachments: [attachment] });
    const list = await http("/api/conversations", { userId: B });
    expect(list.body.find((c: any) => c.id === direct).last_message).toMatchObject({ id: ack.id, attachments: [attachment] });
    // Members read it now; the uploader still does; a stranger does not.
    expect(await readable(B, photo.url)).toBe(200);
    expect(await readable(B, photo.thumbnail_url as string)).toBe(200);
    expect(await readable(A, photo.url)).toBe(200);
    expect(await readable(C, photo.url)).toBe(404);

    // With text, over HTTP, several files in the order given; search finds it with them.
    const doc = await upload(A, "minutes of the meeting", "notes.txt");
    const pic = await upload(A, await png(10, 30), "tall.png");
    const sent = await http(`/api/conversations/${direct}/messages`, {
      method: "POST",
      userId: A,
      json: { content: "zebrafiles attached", client_id: "ph-2", attachments: [doc.id, pic.id] },
    });
    expect(sent.status).toBe(201);
    expect(sent.body.attachments.map((a: any) => a.id)).toEqual([doc.id, pic.id]);
    expect(sent.body.attachments[0]).toEqual({
      id: doc.id,
      url: doc.url,
      name: "notes.txt",
      content_type: "text/plain; charset=utf-8",
      size: 22,
    });
    const found = await http("/api/search?q=zebrafiles", { userId: B });
    expect(found.body.messages[0].attachments).toHaveLength(2);
    await alice.close();
    await bob.close();
  });

  it("(R) the offline backlog and the seed history carry attachments; a message without files has none", async () => {
    const file = await upload(A, "for later", "later.txt");
    const sent = await http(`/api/conversations/${direct}/messages`, {
      method: "POST",
      userId: A,
      json: { content: "while you were away", attachments: [file.id] },
    });
    expect(sent.status).toBe(201);
    const plain = await http(`/api/conversations/${direct}/messages`, { method: "POST", userId: A, json: { content: "plain" } });
    expect(plain.body).not.toHaveProperty("attachments");
    const bob = await suite().connect(B);
    const backlog = await bob.next((f) => f.type === "message" && f.id === sent.body.id);
    expect(backlog.attachments).toEqual(sent.body.attachments);
    const seed = await http(`/api/messages/history?user_id=${A}`, { userId: B });
    expect(seed.status).toBe(200);
    expect(JSON.stringify(seed.body)).toContain(`"url":"${file.url}"`);
    await bob.close();
  });

  it("(R) refuses a send naming an upload it may not carry, stores nothing and leaves the upload as it was", async () => {
    const mine = await upload(A, "mine", "mine.txt");
    const theirs = await upload(C, "theirs", "theirs.txt");
    const before = (await history(direct, A)).length;
    const alice = await suite().connect(A);
    const refusals: [unknown, RegExp][] = [
      [[theirs.id], /attachments/], // another user's upload
      [[mine.id, theirs.id], /attachments/], // one bad id refuses the whole send
      [[99_999_999], /attachments/], // no such upload
      [[mine.id, mine.id], /attachments/], // the same twice
      [Array.from({ length: 11 }, (_, i) => mine.id + i), /attachments/], // over 10
      [[], /attachments/],
      [[0], /attachments/],
      [["12"], /attachments/],
      ["12", /attachments/],
    ];
    for (const [n, [attachments, message]] of refusals.entries()) {
      const clientId = `bad-${n}`;
      alice.send({ type: "send", conversation_id: direct, content: "", client_id: clientId, attachments });
      const error = await alice.next((f) => f.type === "error" && f.client_id === clientId);
      expect(error.code).toBe("invalid_frame");
      expect(error.message).toMatch(message);
      const res = await http(`/api/conversations/${direct}/messages`, {
        method: "POST",
        userId: A,
        json: { content: "x", attachments },
      });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe("invalid_request");
      expect(res.body.error.message).toMatch(message);
    }
    expect(await history(direct, A)).toHaveLength(before);
    // Still unsent: its uploader reads it, the conversation does not, and it can still be sent.
    expect(await readable(B, mine.url)).toBe(404);
    expect(await readable(C, theirs.url)).toBe(200);
    alice.send({ type: "send", conversation_id: direct, content: "now", client_id: "good-1", attachments: [mine.id] });
    expect((await alice.nextOfType("ack")).client_id).toBe("good-1");
    expect(await readable(B, mine.url)).toBe(200);

    // (R) An upload goes with one message only.
    alice.send({ type: "send", conversation_id: direct, content: "again", client_id: "again-1", attachments: [mine.id] });
    const again = await alice.next((f) => f.type === "error" && f.client_id === "again-1");
    expect(again).toMatchObject({ code: "invalid_frame" });
    expect(again.message).toMatch(/already sent/);
    // Empty content still needs a file.
    alice.send({ type: "send", conversation_id: direct, content: "", client_id: "empty-1" });
    expect(await alice.next((f) => f.type === "error" && f.client_id === "empty-1")).toMatchObject({ code: "invalid_frame" });
    await alice.close();
  });

  it("a repeated client_id answers the stored message and ignores the repeat's files", async () => {
    const first = await upload(A, "first", "first.txt");
    const second = await upload(A, "second", "second.txt");
    const send = (attachments: number[]) =>
      http(`/api/conversations/${direct}/messages`, {
        method: "POST",
        userId: A,
        json: { content: "once", client_id: "rep-1", attachments },
      });
    const stored = await send([first.id]);
    expect(stored.status).toBe(201);
    const repeat = await send([second.id]);
    expect(repeat.status).toBe(200);
    expect(repeat.body).toEqual(stored.body);
    // A repeat answers the message as it is now: edited, then deleted (its files gone).
    await http(`/api/messages/${stored.body.id}`, { method: "PATCH", userId: A, json: { content: "once, edited" } });
    expect((await send([second.id])).body).toMatchObject({ content: "once, edited", edited_at: expect.any(String) });
    await http(`/api/messages/${stored.body.id}`, { method: "DELETE", userId: A });
    const gone = await send([second.id]);
    expect(gone.body).toMatchObject({ id: stored.body.id, deleted: true, content: "" });
    expect(gone.body).not.toHaveProperty("attachments");
    // The second upload was not sent: the other member cannot read it, and it can still go.
    expect(await readable(B, second.url)).toBe(404);
    const later = await http(`/api/conversations/${direct}/messages`, {
      method: "POST",
      userId: A,
      json: { content: "", attachments: [second.id] },
    });
    expect(later.status).toBe(201);
  });

  it("two sends racing for one upload: exactly one carries it", async () => {
    const file = await upload(A, "contested", "contested.txt");
    const alice1 = await suite().connect(A);
    const alice2 = await suite().connect(A);
    const results = await Promise.all(
      [alice1, alice2].map(async (socket, i) => {
        socket.send({ type: "send", conversation_id: direct, content: "", client_id: `race-${i}`, attachments: [file.id] });
        return socket.next((f) => (f.type === "ack" || f.type === "error") && f.client_id === `race-${i}`);
      }),
    );
    expect(results.map((r) => r.type).sort()).toEqual(["ack", "error"]);
    const carrying = (await history(direct, B)).filter((m) => m.attachments?.some((a: any) => a.id === file.id));
    expect(carrying).toHaveLength(1);
    await alice1.close();
    await alice2.close();
  });

  it("(R) a group's current members read its files; a removed member does not; an edit may drop the caption", async () => {
    const group = await http("/api/conversations", {
      method: "POST",
      userId: A,
      json: { kind: "group", title: "files", member_ids: [B, C] },
    });
    const file = await upload(C, "from carol", "carol.txt");
    const sent = await http(`/api/conversations/${group.body.id}/messages`, {
      method: "POST",
      userId: C,
      json: { content: "caption", attachments: [file.id] },
    });
    expect(sent.status).toBe(201);
    for (const u of [A, B, C]) expect(await readable(u, file.url)).toBe(200);

    const edited = await http(`/api/messages/${sent.body.id}`, { method: "PATCH", userId: C, json: { content: "" } });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ content: "", attachments: sent.body.attachments });

    // The uploader too reads it only while a member.
    expect((await http(`/api/conversations/${group.body.id}/members/${C}`, { method: "DELETE", userId: A })).status).toBe(204);
    expect(await readable(C, file.url)).toBe(404);
    expect(await readable(B, file.url)).toBe(200);

    // Deleted: the message shows no files, and nobody reads them.
    const bobSocket = await suite().connect(B);
    const back = await http(`/api/conversations/${group.body.id}/members`, {
      method: "POST",
      userId: A,
      json: { user_ids: [C] },
    });
    expect(back.status).toBeLessThan(300);
    expect(await readable(C, file.url)).toBe(200);
    const deleted = await http(`/api/messages/${sent.body.id}`, { method: "DELETE", userId: C });
    expect(deleted.status).toBe(200);
    expect(deleted.body).not.toHaveProperty("attachments");
    expect((await history(group.body.id, B)).find((m) => m.id === sent.body.id)).not.toHaveProperty("attachments");
    for (const u of [A, B, C]) expect(await readable(u, file.url)).toBe(404);
    await bobSocket.close();
  });
});
