import { describeEachDialect, eventually, useSuite } from "@chatapp/testkit";
import { expect, it } from "vitest";

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/**
 * Muting (integrations §3): per user and conversation, members only; conversation entries
 * carry `muted` and `muted_until`; a mute with an end is over by itself; nothing but
 * notifications changes (frames, history and unread counts stay).
 */
describeEachDialect("mutes", (dialect) => {
  const suite = useSuite(dialect);
  const http = (...args: Parameters<ReturnType<typeof suite>["server"]["http"]>) => suite().server.http(...args);
  const mute = (userId: number, conversationId: number | string, json: unknown = {}) =>
    http(`/api/conversations/${conversationId}/mute`, { method: "PUT", userId, json });
  const unmute = (userId: number, conversationId: number | string) =>
    http(`/api/conversations/${conversationId}/mute`, { method: "DELETE", userId });
  const entry = async (userId: number, conversationId: number) =>
    (await http(`/api/conversations/${conversationId}`, { userId })).body;
  const listed = async (userId: number, conversationId: number) =>
    ((await http("/api/conversations", { userId })).body as any[]).find((c) => c.id === conversationId);
  const group = async (owner: number, members: number[]) => {
    for (const u of [owner, ...members]) await http("/api/me", { userId: u });
    return (
      await http("/api/conversations", {
        method: "POST",
        userId: owner,
        json: { kind: "group", title: "m", member_ids: members },
      })
    ).body.id as number;
  };

  it("(R) PUT without until: 200, muted until removed; entries show it; DELETE is 204 and ends it", async () => {
    const [A, B] = [9201, 9202];
    const id = await group(A, [B]);
    // Not muted to begin with.
    expect(await entry(A, id)).toMatchObject({ muted: false, muted_until: null });
    const res = await mute(A, id);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ conversation_id: id, muted: true, muted_until: null });
    expect(await entry(A, id)).toMatchObject({ muted: true, muted_until: null });
    expect(await listed(A, id)).toMatchObject({ muted: true, muted_until: null });
    // Another member's entry is theirs.
    expect(await entry(B, id)).toMatchObject({ muted: false, muted_until: null });
    const gone = await unmute(A, id);
    expect(gone.status).toBe(204);
    expect(gone.body).toBeUndefined();
    expect(await listed(A, id)).toMatchObject({ muted: false, muted_until: null });
    // A PUT with no body at all is a mute until removed, too.
    const bare = await http(`/api/conversations/${id}/mute`, { method: "PUT", userId: B });
    expect(bare.status).toBe(200);
    expect(bare.body).toEqual({ conversation_id: id, muted: true, muted_until: null });
    // Unmuting what is not muted is 204 as well.
    expect((await unmute(A, id)).status).toBe(204);
  });

  it("(R) PUT with a future until: 200 with it; once it passes the entries say muted:false", async () => {
    const [A, B] = [9211, 9212];
    const id = await group(A, [B]);
    const until = new Date(Date.now() + 3600_000).toISOString();
    const res = await mute(A, id, { until });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ conversation_id: id, muted: true, muted_until: until });
    expect(await entry(A, id)).toMatchObject({ muted: true, muted_until: until });
    // A repeat replaces the end; a short one ends by itself.
    const soon = new Date(Date.now() + 400).toISOString();
    const short = await mute(A, id, { until: soon });
    expect(short.body.muted_until).toBe(soon);
    expect(short.body.muted_until).toMatch(ISO);
    await eventually(async () => (await entry(A, id)).muted === false, 5000, "the mute to end");
    expect(await listed(A, id)).toMatchObject({ muted: false, muted_until: null });
  });

  it("accepts an offset timestamp and answers it in UTC with milliseconds", async () => {
    const [A, B] = [9221, 9222];
    const id = await group(A, [B]);
    const at = new Date(Date.now() + 7200_000);
    at.setUTCMilliseconds(0);
    // The same instant written as a time in UTC+2.
    const withOffset = `${new Date(at.getTime() + 2 * 3600_000).toISOString().slice(0, 19)}+02:00`;
    const res = await mute(A, id, { until: withOffset });
    expect(res.status).toBe(200);
    expect(Date.parse(res.body.muted_until)).toBe(Date.parse(withOffset));
    expect(res.body.muted_until).toMatch(ISO);
  });

  it("(R) until in the past or not a timestamp: 400", async () => {
    const [A, B] = [9231, 9232];
    const id = await group(A, [B]);
    for (const until of [new Date(Date.now() - 1000).toISOString(), "tomorrow", "2026-13-01T00:00:00Z", 5, null, ""]) {
      const res = await mute(A, id, { until });
      expect(res.status, String(until)).toBe(400);
      expect(res.body.error.code).toBe("invalid_request");
    }
    expect((await entry(A, id)).muted).toBe(false);
  });

  it("(R) members only: 404 for a conversation one is not in, or that does not exist", async () => {
    const [A, B, E] = [9241, 9242, 9243];
    const id = await group(A, [B]);
    await http("/api/me", { userId: E });
    for (const res of [await mute(E, id), await unmute(E, id), await mute(A, 99_999_999), await unmute(A, 99_999_999)]) {
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe("not_found");
    }
    expect((await mute(A, "0")).status).toBe(400);
    expect((await http(`/api/conversations/${id}/mute`, { method: "PUT", json: {} })).status).toBe(401);
  });

  it("(R) a mute changes no frames, history or unread counts", async () => {
    const [A, B] = [9251, 9252];
    const id = await group(A, [B]);
    await mute(B, id);
    const b = await suite().connect(B);
    const sent = await http(`/api/conversations/${id}/messages`, { method: "POST", userId: A, json: { content: "still here" } });
    expect(sent.status).toBe(201);
    await b.next((f) => f.type === "message" && f.content === "still here");
    const mine = await entry(B, id);
    expect(mine.unread_count).toBe(1);
    expect(mine.muted).toBe(true);
    const page = (await http(`/api/conversations/${id}/messages`, { userId: B })).body.messages;
    expect(page.map((m: any) => m.content)).toContain("still here");
  });

  it("answers which members have a conversation muted (for notifications)", async () => {
    const [A, B, C] = [9261, 9262, 9263];
    const id = await group(A, [B, C]);
    await mute(B, id);
    await mute(C, id, { until: new Date(Date.now() + 60_000).toISOString() });
    const mutes = suite().server.app.chat.mutes;
    expect([...(await mutes.mutedAmong(id, [A, B, C]))].sort()).toEqual([B, C]);
    await unmute(C, id);
    expect([...(await mutes.mutedAmong(id, [A, B, C]))]).toEqual([B]);
    // Erasure ends a user's mutes.
    await mutes.removeAllOf(B);
    expect(await mutes.mutedAmong(id, [A, B, C])).toEqual(new Set());
    expect((await entry(B, id)).muted).toBe(false);
  });
});
